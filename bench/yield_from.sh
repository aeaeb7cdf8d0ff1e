#!/bin/sh
# Usage: sh bench/yield_from.sh BUILD_DIR [ITEMS]
# Transpiles bench/yield_from.ac with BUILD_DIR's acc, compiles it -O2
# against BUILD_DIR's libac, and prints ns per item at each chain depth.
set -eu
build=${1:?usage: yield_from.sh BUILD_DIR [ITEMS]}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/compiler/acc" "$here/yield_from.ac" -o "$tmp/yield_from.c"
cc -std=c11 -O2 -Wall -Wextra -Werror -I"$here/../runtime/include" \
   "$tmp/yield_from.c" "$build/runtime/libac.a" -luv -o "$tmp/yield_from"
# The 100000-deep chain is built by recursion in the generator bodies only
# once per run; the items never touch the C stack depth.
"$tmp/yield_from" ${2:-}
