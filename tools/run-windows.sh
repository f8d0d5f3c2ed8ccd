#!/usr/bin/env bash
# Builds dsalloc for Windows with mingw-w64 (-Werror, through the presets) and
# runs its ctest suite under Wine, one preset after another: configure, build,
# prepare the build's default Wine prefix (build/<preset>/wineprefix), ctest.
# Prints one summary line per step with its seconds; exits nonzero if any
# step failed (the later steps of that preset are skipped, the other presets
# still run).
#
#   tools/run-windows.sh [preset...]      (default: mingw-x86_64 mingw-i686)
#
# mingw-i686 runs under 32-bit Wine (wine32:i386) where it is installed; where
# it is not, only its objdump checks run (label-free filter windows.exports).
# Environment:
#   DSALLOC_WINDOWS_CMAKE_ARGS  configure arguments for every preset (default:
#                               -DDSALLOC_BUILD_TESTS=ON for mingw-x86_64, which
#                               builds dsalloc-conform.exe and judges Wine's
#                               quartz, dsalloc.dll and the kit's isolation;
#                               OFF for mingw-i686: the DLL and its tests)
#   DSALLOC_CTEST_ARGS_<preset> ctest arguments for one preset, '-' in the
#                               preset's name as '_' (e.g. -R windows.smoke)
set -uo pipefail
cd "$(dirname "$0")/.."
presets=("$@")
if [[ ${#presets[@]} -eq 0 ]]; then presets=(mingw-x86_64 mingw-i686); fi
cmake_args_for() {
  if [[ -n ${DSALLOC_WINDOWS_CMAKE_ARGS+set} ]]; then
    echo "$DSALLOC_WINDOWS_CMAKE_ARGS"
  elif [[ $1 == mingw-x86_64 ]]; then
    echo "-DDSALLOC_BUILD_TESTS=ON"
  else
    echo "-DDSALLOC_BUILD_TESTS=OFF"
  fi
}
wine64=/usr/lib/wine/wine64
wine32=/usr/lib/wine/wine

declare -a summary
failed=0

# step NAME COMMAND...: runs COMMAND, records "NAME: ok|FAILED (N s)".
step() {
  local name=$1
  shift
  echo "=== $name"
  local start=$SECONDS
  "$@"
  local status=$?
  local verdict=ok
  if [[ $status -ne 0 ]]; then
    verdict="FAILED (exit $status)"
    failed=1
  fi
  summary+=("$name: $verdict ($((SECONDS - start)) s)")
  return "$status"
}

have_wine32() { [[ -x $wine32 ]]; }  # wine32:i386 installs the 32-bit loader

ctest_args_for() {
  local preset=$1
  local var="DSALLOC_CTEST_ARGS_${preset//-/_}"
  if [[ -n ${!var:-} ]]; then
    echo "${!var}"
  elif [[ $preset == mingw-i686 ]] && ! have_wine32; then
    echo "-R ^windows\\.exports"  # no 32-bit Wine: objdump checks only
  fi
}

run_ctest() {
  local preset=$1
  shift
  ctest --test-dir "build/$preset" -j2 --output-on-failure "$@" 2>&1 \
    | tee "build/$preset/ctest.log" | grep -v -E '^ +Start |Passed +[0-9.]+ sec$'
  return "${PIPESTATUS[0]}"
}

quietly() { "$@" >/dev/null; }

if [[ ! -x $wine64 ]]; then
  echo "run-windows.sh: $wine64 missing (apt-get install wine64)" >&2
  exit 1
fi
export WINEDEBUG=-all
unset DISPLAY WAYLAND_DISPLAY

for preset in "${presets[@]}"; do
  read -r -a cmake_args <<<"$(cmake_args_for "$preset")"
  step "$preset: configure" quietly cmake --preset "$preset" "${cmake_args[@]}" || continue
  step "$preset: build" cmake --build --preset "$preset" || continue
  step "$preset: wine prefix" sh windows/tests/wine-prefix.sh "$wine64" \
    "$PWD/build/$preset/wineprefix" || continue
  read -r -a extra <<<"$(ctest_args_for "$preset")"
  step "$preset: ctest${extra[*]:+ ${extra[*]}}" run_ctest "$preset" "${extra[@]}"
  summary[-1]+=" $(grep -E 'tests passed' "build/$preset/ctest.log" | tail -1)"
done

echo "=== summary"
printf '%s\n' "${summary[@]}"
if ! have_wine32; then echo "(no 32-bit Wine: mingw-i686 ran its objdump checks only)"; fi
exit "$failed"
