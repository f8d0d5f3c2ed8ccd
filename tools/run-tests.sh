#!/usr/bin/env bash
# Checks the format, then builds and tests every preset: release (g++, plus the SPIN model and the
# kill tables), clang, asan (ASan+UBSan+LSan) and tsan; then "fuzz": the libFuzzer targets built
# with clang and run for DSALLOC_FUZZ_SECONDS each, and their kill table (tools/run-fuzz.sh);
# then installs the release build and builds a consumer project against it with find_package and
# pkg-config.
#
# Then "windows": dsalloc.dll and dsalloc-conform.exe built with mingw-w64 and
# tested under Wine, which also judges Wine's own quartz (tools/run-windows.sh).
#
#   tools/run-tests.sh [preset...]     (default: release clang asan tsan fuzz windows)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
presets=("$@")
if [[ ${#presets[@]} -eq 0 ]]; then presets=(release clang asan tsan fuzz windows); fi

declare -a summary
echo "=== format (.clang-format)"
bash tools/check-format.sh
summary+=("format: every C++ file matches .clang-format")
for preset in "${presets[@]}"; do
  if [[ $preset == windows ]]; then
    start=$SECONDS
    if ! bash tools/run-windows.sh; then
      printf '%s\n' "${summary[@]}" "windows: FAILED (tools/run-windows.sh, $((SECONDS - start)) s)"
      exit 1
    fi
    summary+=("windows: mingw-w64 builds, their tests and the kit under Wine passed ($((SECONDS - start)) s)")
    continue
  fi
  if [[ $preset == fuzz ]]; then
    start=$SECONDS
    bash tools/run-fuzz.sh
    summary+=("fuzz: every target ran clean and the fuzz kill table held ($((SECONDS - start)) s)")
    continue
  fi
  echo "=== preset $preset: configure and build"
  cmake --preset "$preset" -DDSALLOC_BUILD_TESTS=ON -DDSALLOC_TRACE_STRICT=ON >/dev/null
  cmake --build --preset "$preset"
  echo "=== preset $preset: test"
  # The SPIN model and the kill tables (every checker against every broken
  # variant) do not depend on the compiler or sanitizer: run them once.
  exclude=()
  if [[ $preset != release ]]; then exclude=(-LE 'spin|killtable'); fi
  start=$SECONDS
  ctest --preset "$preset" "${exclude[@]}" 2>&1 | tee "build/$preset/ctest.log" \
    | grep -v -E '^ +Start |Passed +[0-9.]+ sec$'
  status=${PIPESTATUS[0]}
  line=$(grep -E 'tests passed' "build/$preset/ctest.log" | tail -1)
  summary+=("$preset: $line ($((SECONDS - start)) s)")
  if [[ $status -ne 0 ]]; then
    printf '%s\n' "${summary[@]}"
    exit "$status"
  fi
done

if [[ " ${presets[*]} " == *" release "* ]]; then
  echo "=== install and consume (find_package, pkg-config)"
  prefix=$(mktemp -d)
  cmake --install build/release --prefix "$prefix" >/dev/null
  cmake -S tests/install_consumer -B build/install_consumer -G Ninja \
    -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build build/install_consumer
  LD_LIBRARY_PATH="$prefix/lib" ./build/install_consumer/consumer_shared
  ./build/install_consumer/consumer_static
  PKG_CONFIG_PATH="$prefix/lib/pkgconfig" \
    c++ -std=c++20 tests/install_consumer/consumer.cpp \
    $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs dsalloc) \
    -o build/install_consumer/consumer_pkgconfig
  LD_LIBRARY_PATH="$prefix/lib" ./build/install_consumer/consumer_pkgconfig
  summary+=("install: find_package (shared, static) and pkg-config consumers OK")
  rm -rf "$prefix"
fi

echo "=== summary"
printf '%s\n' "${summary[@]}"
