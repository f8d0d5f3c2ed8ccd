#!/usr/bin/env bash
# The main job: builds the release preset and runs the example producer.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release -DDSALLOC_BUILD_TESTS=OFF >/dev/null
cmake --build --preset release --target dsalloc_producer_consumer
./build/release/examples/dsalloc_producer_consumer "$@"
