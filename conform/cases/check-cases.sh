#!/usr/bin/env bash
# conform/cases/check-cases.sh: runs every conformance case in this folder
# three ways and fails on any failure:
#   1. the embedded dsalloc, strict profile;
#   2. the embedded dsalloc, portable profile;
#   3. the control allocator (a correct foreign allocator), portable profile.
# Each case runs `# repeats: N` times (default 1; parallel cases 20).
# It also checks each case's header (case name = file stem, checks: 1-4 IDs).
#
#   usage: check-cases.sh PATH/TO/dsalloc-replay PATH/TO/libdsalloc_control_baseclasses.so [CASE...]
#
# Exit 0: every case passed all three runs; 1: some failure; 2: bad usage.
set -u
if [[ $# -lt 2 ]]; then
  echo "usage: $0 DSALLOC_REPLAY CONTROL_SO [CASE.trace...]" >&2
  exit 2
fi
replay=$1
control=$2
shift 2
if [[ ! -x "$replay" || ! -f "$control" ]]; then
  echo "$0: no replay tool at $replay or no control at $control" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
if [[ $# -gt 0 ]]; then
  files=("$@")
else
  files=("$here"/*.trace)
fi

failed=0
count=0
for f in "${files[@]}"; do
  stem=$(basename "$f" .trace)
  name=$(sed -n 's/^# case: *//p' "$f" | head -1)
  checks=$(sed -n 's/^# checks: *//p' "$f" | head -1)
  if [[ "$name" != "$stem" ]]; then
    echo "FAIL $stem: header '# case: $name' does not match the file name"
    failed=1
    continue
  fi
  n=$(tr ',' '\n' <<<"$checks" | grep -c '[A-Z]')
  if [[ $n -lt 1 || $n -gt 4 ]]; then
    echo "FAIL $stem: '# checks:' must name 1-4 rules"
    failed=1
    continue
  fi
  repeats=$(sed -n 's/^# repeats: *//p' "$f" | head -1)
  if [[ -z "$repeats" ]]; then
    if grep -q '^# dsalloc-trace: parallel' "$f"; then repeats=20; else repeats=1; fi
  fi
  count=$((count + 1))
  for run in "strict|" "portable|" "portable|--impl=$control"; do
    profile=${run%%|*}
    impl=${run#*|}
    label="$profile${impl:+ control}"
    # shellcheck disable=SC2086
    out=$("$replay" $impl --profile="$profile" --repeats="$repeats" "$f" 2>&1)
    rc=$?
    if [[ $rc -ne 0 ]]; then
      echo "FAIL $stem ($label, exit $rc)"
      sed 's/^/    /' <<<"$out" | tail -25
      failed=1
    fi
  done
done
if [[ $failed -ne 0 ]]; then
  echo "check-cases: FAILED ($count cases)"
  exit 1
fi
echo "check-cases: all $count cases pass (strict, portable, portable control)"
exit 0
