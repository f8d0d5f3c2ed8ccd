#!/usr/bin/env bash
# The main job: builds dsalloc-conform (release preset) and judges an
# implementation with it, printing the per-rule table. With no arguments it
# judges the embedded dsalloc; any dsalloc-conform option may follow, e.g.
#   tools/run-conform.sh --server /path/to/allocator.so --html report.html
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target dsalloc_conform
./build/release/conform/dsalloc-conform "$@"
