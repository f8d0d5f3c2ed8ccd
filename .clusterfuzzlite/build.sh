#!/bin/bash -eu
# ClusterFuzzLite's entry point: the repository's OSS-Fuzz build script.
exec "$SRC/dsalloc/fuzz/build.sh"
