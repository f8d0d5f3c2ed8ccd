#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time on a private copy of its
# corpus, so that the checked-in corpus/ is only read:
#
#   fuzz/run_target.sh FUZZER SECONDS [extra libFuzzer flags...]
#
# FUZZER is build/fuzz/fuzzers/<target>_fuzzer; its seeds are
# fuzz/corpus/<target>/ and fuzz/regressions/<target>/, its dictionary
# fuzz/<target>.dict. New inputs and crash artifacts go to a temporary
# directory (kept and printed on a finding, else removed); set
# DSALLOC_FUZZ_KEEP=DIR to keep the grown corpus in DIR instead.
# The implementation is DSALLOC_IMPL / DSALLOC_PROFILE (fuzz/fuzz_env.h).
# Prints libFuzzer's final stats and exits with libFuzzer's status
# (0: no finding).
set -uo pipefail
# See tools/run-fuzz.sh: a smaller quarantine keeps a long run's RSS flat.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:quarantine_size_mb=64}
fuzzer=$1
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
target=$(basename "$fuzzer" _fuzzer)
work=$(mktemp -d "${TMPDIR:-/tmp}/dsalloc-fuzz-$target.XXXXXX")
corpus=${DSALLOC_FUZZ_KEEP:-$work/corpus}
mkdir -p "$corpus" "$work/artifacts"
dict=()
if [[ -f $here/$target.dict ]]; then dict=(-dict="$here/$target.dict"); fi
options=()
if [[ -f $here/$target.options ]]; then
  # [libfuzzer] key = value lines (the OSS-Fuzz .options format).
  while IFS='=' read -r key value; do
    key=${key// /}
    value=${value// /}
    # dict: the cluster's name for the dictionary passed above.
    [[ -z $key || $key == \[* || $key == \#* || $key == dict ]] && continue
    options+=("-$key=$value")
  done <"$here/$target.options"
fi
"$fuzzer" "${options[@]}" "${dict[@]}" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$@" \
  "$corpus" "$here/corpus/$target" "$here/regressions/$target"
status=$?
if [[ $status -ne 0 ]]; then
  echo "run_target: $target found something; artifacts kept in $work/artifacts"
else
  rm -rf "$work"
fi
exit $status
