#!/usr/bin/env bash
# Fails when a C++ file of the tree is not formatted as .clang-format says.
#   tools/check-format.sh          check (CI)
#   tools/check-format.sh --fix    reformat in place
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
mapfile -t files < <(git ls-files '*.cpp' '*.h')
if [[ ${1:-} == --fix ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run -Werror "${files[@]}" 2>"$log"; then
  grep -E '^[^ ].*: (warning|error):' "$log" | cut -d: -f1 | sort -u \
    | sed 's/^/not formatted: /'
  rm -f "$log"
  echo "run tools/check-format.sh --fix"
  exit 1
fi
rm -f "$log"
echo "format: ${#files[@]} files match .clang-format"
