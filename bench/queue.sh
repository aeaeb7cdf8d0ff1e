#!/bin/sh
# Usage: sh bench/queue.sh BUILD_DIR [ITEMS]
# Transpiles bench/queue.ac with BUILD_DIR's acc, compiles it -O2 against
# BUILD_DIR's libac, and prints the cost of queue operations as the number
# of items queued and of tasks waiting grows.
set -eu
build=${1:?usage: queue.sh BUILD_DIR [ITEMS]}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/compiler/acc" "$here/queue.ac" -o "$tmp/queue.c"
cc -std=c11 -O2 -Wall -Wextra -Werror -I"$here/../runtime/include" \
   "$tmp/queue.c" "$build/runtime/libac.a" -luv -lpthread -o "$tmp/queue"
"$tmp/queue" ${2:-}
