#!/bin/sh
# reject.sh ACC INCLUDE_DIR PATTERN FILE.ac
# FILE.ac transpiles, and the C compiler must reject the result with an
# error matching PATTERN (for mistakes that only C's types can catch).
set -eu
acc=$1 inc=$2 pattern=$3 src=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$acc" "$src" -o "$tmp/out.c"
for cc in gcc clang; do
  command -v "$cc" >/dev/null 2>&1 || continue
  if "$cc" -std=c11 -fsyntax-only -I "$inc" "$tmp/out.c" 2>"$tmp/err"; then
    echo "FAIL: $cc accepted $(basename "$src")"; exit 1
  fi
  grep -q "$pattern" "$tmp/err" || { echo "FAIL: $cc's error does not match '$pattern':"; cat "$tmp/err"; exit 1; }
  echo "ok: $cc rejects $(basename "$src"): $(grep -m1 error "$tmp/err")"
done
