#!/bin/sh
# windows/tests/wine-prefix.sh WINE64 PREFIX [--fresh]
# Makes PREFIX a ready Wine prefix (wineboot -i, then waits for its
# wineserver to exit) headless: no DISPLAY, no Mono/Gecko installers, no
# winemenubuilder. --fresh deletes PREFIX first, for tests that change its
# registry. Fails if wineboot fails or prints anything that shows a display,
# an installer prompt or menu integration being attempted.
set -eu
wine64=$1
prefix=$2
if [ "${3:-}" = --fresh ]; then
  rm -rf "$prefix"
fi
unset DISPLAY WAYLAND_DISPLAY
export WINEPREFIX="$prefix"
export WINEDLLOVERRIDES="mscoree,mshtml,winemenubuilder.exe=d"
export WINEDEBUG="${WINEDEBUG:--all}"
log=$(mktemp)
status=0
# A persistent wineserver left by an earlier preparation (below) would keep
# the wait after wineboot waiting for its whole linger time.
"$(dirname "$wine64")/wineserver" -k >/dev/null 2>&1 || true
"$wine64" wineboot -i >"$log" 2>&1 || status=$?
"$(dirname "$wine64")/wineserver" -w || true
cat "$log"
# Keep the prefix's wineserver and services running, detached from any
# test's output, until 60 s after its last program (the run's cleanup test
# ends it sooner): otherwise the first test that starts them holds ctest's
# output pipe, and so its own duration, open until the last Wine program of
# the whole run has ended.
if [ "$status" -eq 0 ]; then
  "$(dirname "$wine64")/wineserver" -p60 </dev/null >/dev/null 2>&1 || true
  "$wine64" cmd /c exit </dev/null >/dev/null 2>&1 || true
fi
if grep -Eiq 'winemenubuilder|mono|gecko|X server|display' "$log"; then
  echo "wine-prefix.sh: wine is not headless here (see above)" >&2
  status=1
fi
rm -f "$log"
exit "$status"
