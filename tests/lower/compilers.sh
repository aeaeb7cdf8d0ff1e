#!/bin/sh
# compilers.sh ACC INCLUDE_DIR FILE.ac|FILE.ah...
# Transpile each file and compile the C with every C compiler present (gcc,
# clang) as C11 with -Wall -Wextra -Werror: the output must be warning-free.
# Headers (.ah) are transpiled first, next to each other, for the .ac files
# that include them.
set -eu
acc=$1 inc=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
compilers=""
for cc in gcc clang; do
  command -v "$cc" >/dev/null 2>&1 && compilers="$compilers $cc"
done
[ -n "$compilers" ] || { echo "no C compiler found"; exit 1; }
for f in "$@"; do
  case $f in *.ah) "$acc" "$f" -o "$tmp/$(basename "$f" .ah).h" ;; esac
done
n=0
for f in "$@"; do
  case $f in *.ah) continue ;; esac
  out="$tmp/$(basename "$f" .ac).c"
  "$acc" "$f" -o "$out"
  for cc in $compilers; do
    "$cc" -std=c11 -Wall -Wextra -Werror -fsyntax-only -I "$inc" -I "$tmp" "$out"
    n=$((n + 1))
  done
done
echo "$n compilations clean with:$compilers"
