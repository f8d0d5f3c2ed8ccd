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
"$wine64" wineboot -i >"$log" 2>&1 || status=$?
"$(dirname "$wine64")/wineserver" -w || true
cat "$log"
if grep -Eiq 'winemenubuilder|mono|gecko|X server|display' "$log"; then
  echo "wine-prefix.sh: wine is not headless here (see above)" >&2
  status=1
fi
rm -f "$log"
exit "$status"
