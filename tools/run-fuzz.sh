#!/usr/bin/env bash
# The fuzzers in CI: builds them with clang 14 (-fsanitize=fuzzer,address,
# undefined) into build/fuzz, runs each target DSALLOC_FUZZ_SECONDS seconds
# (default 60; two at a time, one core each) on a copy of its corpus,
# prints execs/s and coverage per target, then runs the fuzz kill table
# (every broken variant found within DSALLOC_FUZZ_KILL_SECONDS, default
# 60). Fails on any finding (crash, leak, divergence, hang) and on any
# variant that survives. DSALLOC_IMPL / DSALLOC_PROFILE choose the
# implementation the targets run against (fuzz/fuzz_env.h);
# DSALLOC_FUZZ_KILLTABLE=0 skips the kill table.
#
#   tools/run-fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${DSALLOC_FUZZ_SECONDS:-60}
kill_seconds=${DSALLOC_FUZZ_KILL_SECONDS:-60}
build=build/fuzz
start=$SECONDS

echo "=== fuzz: configure and build ($build, clang, ASan+UBSan, libFuzzer)"
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDSALLOC_SANITIZE=address -DDSALLOC_BUILD_FUZZERS=ON -DDSALLOC_BUILD_TESTS=ON \
  -DDSALLOC_BUILD_EXAMPLES=OFF -DDSALLOC_WERROR=ON \
  -DDSALLOC_FUZZ_KILL_SECONDS="$kill_seconds" >/dev/null
cmake --build "$build" -j2 --target dsalloc_fuzzers

targets=(differential trace)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
echo "=== fuzz: each target for $seconds s"
pids=()
for target in "${targets[@]}"; do
  bash fuzz/run_target.sh "$build/fuzzers/${target}_fuzzer" "$seconds" \
    >"$build/fuzz-$target.log" 2>&1 &
  pids+=($!)
done
failed=0
declare -a summary
for i in "${!targets[@]}"; do
  target=${targets[$i]}
  status=0
  wait "${pids[$i]}" || status=$?
  log=$build/fuzz-$target.log
  execs=$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  runs=$(grep -oE 'stat::number_of_executed_units: +[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1 || true)
  verdict=ok
  if [[ $status -ne 0 ]]; then
    verdict="FINDING (exit $status)"
    failed=1
    echo "--- $target: last 60 lines of $log"
    tail -60 "$log"
  fi
  summary+=("$(printf '%-13s %-20s %8s execs/s %10s runs   %s' "$target" "$verdict" "$execs" \
    "$runs" "${cov:-cov: ?}")")
done
echo "=== fuzz: targets (${seconds} s each; cov = edges reached, ft = features)"
printf '%s\n' "${summary[@]}"
if [[ $failed -ne 0 ]]; then exit 1; fi

if [[ ${DSALLOC_FUZZ_KILLTABLE:-1} != 0 ]]; then
  echo "=== fuzz: kill table (every variant within $kill_seconds s)"
  ctest --test-dir "$build" -L killtable --output-on-failure -V 2>&1 \
    | grep -E '^[0-9]+: ' | sed -E 's/^[0-9]+: //' \
    | grep -vE '^(Test command|Working Directory|Environment variables|Test timeout)' \
    | grep -vE '^ +[A-Z_]+=' | sed -n '/^kill table for/,$p'
  status=${PIPESTATUS[0]}
  if [[ $status -ne 0 ]]; then exit "$status"; fi
fi
echo "=== fuzz: done in $((SECONDS - start)) s"
