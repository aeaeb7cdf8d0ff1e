#!/bin/sh
# run.sh ACC SRCDIR: checks of the acc command line.  Prints one line per
# check and "N passed, N failed" at the end.
acc=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { # name, then a command that must succeed
  name=$1; shift
  if "$@" >"$tmp/log" 2>&1; then pass=$((pass + 1)); echo "ok   $name"
  else fail=$((fail + 1)); echo "FAIL $name"; sed 's/^/     /' "$tmp/log"; fi
}
version() { "$acc" --version | grep -q '^acc [0-9][0-9.]*$'; }
help() { "$acc" --help | grep -q 'usage: acc'; }
bad_option() { "$acc" --bogus x.ac 2>"$tmp/err"; [ $? -eq 2 ] && grep -q "unknown option '--bogus'" "$tmp/err"; }
no_input() { "$acc" 2>/dev/null; [ $? -eq 2 ]; }
missing_file() { "$acc" "$tmp/nope.ac" -o "$tmp/nope.c" 2>"$tmp/err"; [ $? -eq 1 ] && grep -q "cannot open" "$tmp/err" && [ ! -e "$tmp/nope.c" ]; }
passthrough() { "$acc" --no-line "$src/plain.ac" -o "$tmp/plain.c" && cmp "$src/plain.ac" "$tmp/plain.c"; }
macro_idioms() { "$acc" --no-line "$src/macros.ac" -o "$tmp/macros.c" && cmp "$src/macros.ac" "$tmp/macros.c" &&
  cc -std=c11 -Wall -Wextra -Werror -fsyntax-only "$tmp/macros.c"; }
line_default() { "$acc" "$src/plain.ac" -o "$tmp/p.c" && head -1 "$tmp/p.c" | grep -q "^#line 1 \".*plain.ac\"$"; }
stdio() { printf 'int x;\n' | "$acc" - -o - >"$tmp/o" && printf '#line 1 "<stdin>"\nint x;\n' | cmp - "$tmp/o"; }
default_name() { cp "$src/plain.ac" "$tmp/d.ac" && "$acc" "$tmp/d.ac" && [ -s "$tmp/d.c" ]; }
async_lines() { printf 'async int f(void) {\n  return 1;\n}\n' >"$tmp/a.ac" && "$acc" "$tmp/a.ac" -o "$tmp/a.c" && grep -q "^#line 2 \"$tmp/a.ac\"$" "$tmp/a.c" && ! grep -q async "$tmp/a.c"; }
keeps_old() { echo old >"$tmp/k.c" && printf 'int f(void) { await g(); }\n' >"$tmp/k.ac" && ! "$acc" "$tmp/k.ac" -o "$tmp/k.c" 2>/dev/null && [ "$(cat "$tmp/k.c")" = old ] && [ -z "$(ls "$tmp" | grep 'k.c.tmp')" ]; }
stdin_error() { printf 'int f(void) { return await g(); }\n' | "$acc" - -o - >"$tmp/o" 2>"$tmp/e"; [ $? -eq 1 ] && [ ! -s "$tmp/o" ] && grep -q '^<stdin>:1:22: error: await outside an async function$' "$tmp/e"; }
# -o to a device or FIFO writes into it; the device is not replaced.
fifo() { mkfifo "$tmp/out.fifo" && { cat "$tmp/out.fifo" >"$tmp/fifo.got" & } &&
  "$acc" --no-line "$src/plain.ac" -o "$tmp/out.fifo" && wait && [ -p "$tmp/out.fifo" ] &&
  cmp "$src/plain.ac" "$tmp/fifo.got"; }
# -o through a symlink replaces the file it names, and the link stays.
symlink() { echo old >"$tmp/real.c" && ln -s real.c "$tmp/link.c" &&
  "$acc" --no-line "$src/plain.ac" -o "$tmp/link.c" && [ -L "$tmp/link.c" ] &&
  cmp "$src/plain.ac" "$tmp/real.c"; }
# the output gets the usual permissions (umask), not mkstemp's 0600
mode() { (umask 022 && "$acc" "$src/plain.ac" -o "$tmp/m.c") &&
  [ "$(stat -c %a "$tmp/m.c")" = 644 ]; }
check version version
check help help
check bad_option bad_option
check no_input no_input
check missing_file missing_file
check passthrough passthrough
check macro_idioms macro_idioms
check line_default line_default
check stdio stdio
check default_name default_name
check async_lines async_lines
check keeps_old_output_on_error keeps_old
check stdin_error stdin_error
check fifo_output fifo
check symlink_output symlink
check output_mode mode
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
