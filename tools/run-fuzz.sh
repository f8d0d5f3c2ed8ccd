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

targets=(differential concurrent trace)
# A 64 MiB quarantine (ASan's default is 256): the differential fuzzer
# commits and frees buffer pools by the thousand, and with the default
# quarantine a long run's RSS climbed past 1 GiB towards libFuzzer's
# -rss_limit_mb (when pools were capped at 64 MiB; now 1 MiB).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:quarantine_size_mb=64}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
echo "=== fuzz: each target for $seconds s (differential and concurrent together, then trace)"
failed=0
declare -a summary
report() {  # target status
  local target=$1 status=$2 log=$build/fuzz-$1.log verdict=ok
  local execs runs cov
  execs=$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  runs=$(grep -oE 'stat::number_of_executed_units: +[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1 || true)
  if [[ $status -ne 0 ]]; then
    verdict="FINDING (exit $status)"
    failed=1
    echo "--- $target: last 60 lines of $log"
    tail -60 "$log"
  fi
  summary+=("$(printf '%-13s %-20s %8s execs/s %10s runs   %s' "$target" "$verdict" "$execs" \
    "$runs" "${cov:-cov: ?}")")
}
run() {  # target
  bash fuzz/run_target.sh "$build/fuzzers/${1}_fuzzer" "$seconds" >"$build/fuzz-$1.log" 2>&1
}
status_d=0 status_c=0 status_t=0
run differential &
pid_d=$!
run concurrent || status_c=$?
wait "$pid_d" || status_d=$?
run trace || status_t=$?
report differential $status_d
report concurrent $status_c
report trace $status_t
echo "=== fuzz: targets (${seconds} s each; cov = edges reached, ft = features, corp = corpus)"
printf '%s\n' "${summary[@]}"
if [[ $failed -ne 0 ]]; then exit 1; fi

if [[ ${DSALLOC_FUZZ_KILLTABLE:-1} != 0 ]]; then
  # The differential run above was the baseline against the embedded dsalloc.
  echo "=== fuzz: kill table (every variant within $kill_seconds s)"
  variants=$(grep -E '^DSALLOC_VARIANTS:INTERNAL=' "$build/CMakeCache.txt" | cut -d= -f2)
  DSALLOC_PROFILE=strict python3 tools/kill_table.py --variants-dir "$build/variants" \
    --variants "$variants" --timeout $((kill_seconds + 60)) --skip-baseline \
    -- fuzz/run_target.sh "$build/fuzzers/differential_fuzzer" "$kill_seconds"
fi
echo "=== fuzz: done in $((SECONDS - start)) s"
