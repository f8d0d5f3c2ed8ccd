#!/usr/bin/env bash
# ---------------------------------------------------------------------------
# File: spec/promela/verify.sh
# ---------------------------------------------------------------------------
#
# Runs one SPIN verification of the allocator model: spin -a, gcc pan.c,
# ./pan, in a fresh temporary directory (mktemp -d, removed afterwards).
# Prints the measured numbers and exits 0 on the expected outcome:
#   - the correct model (no variant): the property holds, search complete;
#   - a known-bad variant: SPIN finds a counterexample (errors > 0, a trail).
#
# Usage: verify.sh [options] PROPERTY [VARIANT]
#   PROPERTY  deadlock (no claim: invalid end states), or one of the model's
#             ltl blocks: nolostwake notifyonce cballive freemem bound
#             afterfree nolock decommitwake selfref
#   VARIANT   NONE (default) or a known-bad variant, e.g. UNSYNC_READ
#             (compiled as -DVARIANT_UNSYNC_READ)
# Options:
#   --model FILE     the Promela file (default: allocator.pml beside this)
#   --expect WHAT    pass | fail (default: pass for NONE, fail otherwise)
#   --timeout SECS   limit for ./pan (default 600)
#   --keep-trail DIR copy a counterexample trail (and the model) into DIR
#   --dfs            search depth-first even when a counterexample is
#                    expected (by default, a safety property of a variant is
#                    searched breadth-first: the trail found is a shortest)
#   -DNAME[=VALUE]   passed to spin (e.g. -DNC=2 -DNB=3 -DALL_ROLES)
# Environment: SPIN (default spin), CC (default cc), PAN_MEMLIM (MB, 4096).

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
model="${here}/allocator.pml"
expect=""
timeout_s=600
keep_trail=""
force_dfs=""
spin_defs=()
args=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --expect) expect="$2"; shift 2 ;;
    --timeout) timeout_s="$2"; shift 2 ;;
    --keep-trail) keep_trail="$2"; shift 2 ;;
    --dfs) force_dfs=1; shift ;;
    -D*) spin_defs+=("$1"); shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done

if [[ ${#args[@]} -lt 1 || ${#args[@]} -gt 2 ]]; then
  echo "usage: verify.sh [options] PROPERTY [VARIANT]" >&2
  exit 2
fi
property="${args[0]}"
variant="${args[1]:-NONE}"
if [[ -z "${expect}" ]]; then
  if [[ "${variant}" == "NONE" ]]; then expect=pass; else expect=fail; fi
fi
if [[ "${variant}" != "NONE" ]]; then
  spin_defs+=("-DVARIANT_${variant}")
fi

spin_bin="${SPIN:-spin}"
cc_bin="${CC:-cc}"
memlim="${PAN_MEMLIM:-4096}"

# How each kind of property is compiled and run. COLLAPSE is lossless state
# compression (halves memory; the search stays exhaustive).
cflags=(-O2 -w -DCOLLAPSE "-DMEMLIM=${memlim}")
pan_args=(-m3000000)
case "${property}" in
  deadlock)
    cflags+=(-DNOCLAIM -DSAFETY) ;;
  nolostwake)
    # Liveness: acceptance cycles under weak fairness.
    cflags+=(-DNFAIR=3)
    pan_args+=(-a -f -N "${property}") ;;
  *)
    # Safety ltl ([] p): the claim is violated by a finite prefix.
    cflags+=(-DSAFETY)
    pan_args+=(-N "${property}") ;;
esac
if [[ "${expect}" == fail && "${property}" != nolostwake && -z "${force_dfs}" ]]
then
  cflags+=(-DBFS)   # breadth-first: the counterexample found is a shortest
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/dsalloc-spin.XXXXXX")"
trap 'rm -rf "${work}"' EXIT
cp "${model}" "${work}/model.pml"
cd "${work}"

"${spin_bin}" "${spin_defs[@]}" -a model.pml > spin.out 2>&1 || {
  cat spin.out >&2; echo "verify.sh: spin -a failed" >&2; exit 2; }
if ! grep -q "^ltl ${property}:" spin.out && [[ "${property}" != deadlock ]]
then
  echo "verify.sh: the model has no ltl block '${property}'" >&2
  exit 2
fi
"${cc_bin}" "${cflags[@]}" -o pan pan.c > cc.out 2>&1 || {
  cat cc.out >&2; echo "verify.sh: compiling pan failed" >&2; exit 2; }

set +e
timeout "${timeout_s}" ./pan "${pan_args[@]}" > pan.out 2>&1
pan_rc=$?
set -e

num() {  # first number on the line matching $1 in pan.out
  { grep -m1 -E "$1" pan.out || true; } |
    grep -oE '[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?' | head -1 || true
}
errors="$({ grep -oE 'errors: [0-9]+' pan.out || true; } | head -1 |
          grep -oE '[0-9]+' || true)"
stored="$(num 'states, stored')"
transitions="$(num 'transitions \(= ')"
memory="$(num 'total actual memory usage')"
elapsed="$(num "elapsed time")"
depth="$({ grep -oE 'depth reached [0-9]+' pan.out || true; } | head -1 |
         grep -oE '[0-9]+' || true)"

echo "model=$(basename "${model}") property=${property} variant=${variant}" \
     "defines=${spin_defs[*]:-none}"
echo "pan ${pan_args[*]} (cflags: ${cflags[*]})"

incomplete=""
if [[ ${pan_rc} -eq 124 ]]; then incomplete="timeout after ${timeout_s}s"; fi
if grep -q 'max search depth too small' pan.out; then
  incomplete="max search depth too small"; fi
if grep -qE 'reached -DMEMLIM|out of memory' pan.out; then
  incomplete="memory limit (${memlim} MB) reached"; fi
if [[ -z "${errors}" && -z "${incomplete}" ]]; then
  incomplete="no result from pan (exit ${pan_rc})"
fi

outcome=pass
trail_steps=""
if [[ -n "${errors}" && "${errors}" -gt 0 ]]; then
  outcome=fail
  if [[ -f model.pml.trail ]]; then
    # one line per transition of the counterexample (negative ids are
    # trail metadata, not steps)
    trail_steps="$(grep -cE '^[0-9]+:' model.pml.trail || true)"
    what="$(grep -m1 -E '^pan:[0-9]+: ' pan.out | sed 's/^pan:[0-9]*: //')"
    echo "counterexample: ${what}"
    if [[ -n "${keep_trail}" ]]; then
      mkdir -p "${keep_trail}"
      cp model.pml "${keep_trail}/${property}-${variant}.pml"
      cp model.pml.trail "${keep_trail}/${property}-${variant}.pml.trail"
    fi
  fi
fi

printf 'states_stored=%s transitions=%s memory_mb=%s time_s=%s depth=%s errors=%s' \
       "${stored:-?}" "${transitions:-?}" "${memory:-?}" "${elapsed:-?}" \
       "${depth:-?}" "${errors:-?}"
if [[ -n "${trail_steps}" ]]; then printf ' trail_steps=%s' "${trail_steps}"; fi
printf '\n'

if [[ "${outcome}" == pass && -n "${incomplete}" ]]; then
  echo "RESULT: INCOMPLETE (${incomplete})"
  tail -n 20 pan.out >&2
  exit 1
fi
if [[ "${outcome}" == "${expect}" ]]; then
  if [[ "${expect}" == pass ]]; then
    echo "RESULT: OK (property holds, exhaustive search)"
  else
    echo "RESULT: OK (counterexample found, as expected for ${variant})"
  fi
  exit 0
fi
if [[ "${expect}" == pass ]]; then
  echo "RESULT: FAILED (the property is violated)"
  grep -E '^pan:' pan.out >&2 || true
else
  echo "RESULT: FAILED (no counterexample: the variant is not detected)"
fi
exit 1
