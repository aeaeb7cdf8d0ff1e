#!/bin/sh
# lines.sh ACC INCLUDE_DIR LIBAC FILE.ac LINE...
# The #line mapping gives every listed .ac line exactly one place in the
# program: gdb resolves a breakpoint there to one location (not several, as
# when glue code of another statement or a constructor also maps to it),
# inside the function the line belongs to, and running to it stops there.
set -eu
acc=$1 inc=$2 lib=$3 src=$4
shift 4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$acc" "$src" -o "$tmp/prog.c"
# AC_CFLAGS: the flags libac was built with that matter for linking
# (the sanitizers).
# shellcheck disable=SC2086
cc -std=c11 -g -O0 ${AC_CFLAGS:-} -I "$inc" "$tmp/prog.c" "$lib" -luv -lpthread -o "$tmp/prog"
base=$(basename "$src")
pass=0 fail=0
for line in "$@"; do
  out=$(AC_VIRTUAL_CLOCK=1 gdb -nx -batch -ex "break $base:$line" -ex run \
        -ex "print ac_f != 0" "$tmp/prog" 2>&1 </dev/null || true)
  if printf '%s\n' "$out" | grep -q "^Breakpoint 1 at 0x[0-9a-f]*: file .*$base, line $line\.$" &&
     printf '%s\n' "$out" | grep -q "^Breakpoint 1, ac__[a-z_]*_resume (.*$base:$line$" &&
     printf '%s\n' "$out" | grep -q '^\$1 = 1$'; then
    pass=$((pass + 1)); echo "ok   line $line"
  else
    fail=$((fail + 1)); echo "FAIL line $line"; printf '%s\n' "$out" | sed 's/^/     /'
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
