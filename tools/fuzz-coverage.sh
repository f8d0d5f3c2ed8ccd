#!/usr/bin/env bash
# Line and branch coverage of src/ reached by the fuzzers' checked-in
# corpora and regressions (fuzz/README.md, "Coverage of src/"): a clang Debug
# build with source-based coverage in build/cov, the three replay drivers
# over fuzz/corpus/<target> and fuzz/regressions/<target>, then llvm-cov's
# report for src/ without the variant hooks (internal/*_hooks.h: their
# broken branches run only in variant builds). Extra arguments go to
# `llvm-cov show` instead (e.g. src/allocator.cpp, to see the lines).
#
#   tools/fuzz-coverage.sh [FILE...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/cov
flags="-fprofile-instr-generate -fcoverage-mapping"
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS=-fprofile-instr-generate \
  -DCMAKE_SHARED_LINKER_FLAGS=-fprofile-instr-generate \
  -DDSALLOC_BUILD_TESTS=ON -DDSALLOC_BUILD_EXAMPLES=OFF >/dev/null
targets=(differential concurrent trace)
cmake --build "$build" -j2 --target "${targets[@]/#/dsalloc_fuzz_replay_}"
profiles=$(mktemp -d)
objects=()
for t in "${targets[@]}"; do
  LLVM_PROFILE_FILE="$profiles/$t.profraw" DSALLOC_IMPL= DSALLOC_PROFILE= \
    "$build/fuzz/dsalloc_fuzz_replay_$t" "fuzz/corpus/$t" "fuzz/regressions/$t" >/dev/null
  objects+=(-object "$build/fuzz/dsalloc_fuzz_replay_$t")
done
llvm-profdata merge -o "$profiles/all.profdata" "$profiles"/*.profraw
common=(-instr-profile="$profiles/all.profdata" "${objects[@]:1}")
if [[ $# -gt 0 ]]; then
  llvm-cov show "${common[@]}" "$@" | grep -E '^ +[0-9]+\| +0\|' || true
else
  llvm-cov report "${common[@]}" -ignore-filename-regex='_hooks\.h$' src/
fi
rm -rf "$profiles"
