#!/bin/sh
# transpile.sh ACC [LINES] [RUNS]
# Generates a LINES-line .ac file (default 10000): a mix of plain C and async
# functions with loops, conditions, short-circuits and several awaits per
# function; runs acc on it RUNS times (default 5) and prints the best and the
# median wall time, lines per second and MB/s.  Checks that the output
# compiles when a C compiler is present.
set -eu
acc=${1:?usage: transpile.sh ACC [LINES] [RUNS]}
lines=${2:-10000}
runs=${3:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src="$tmp/big.ac"

# Each unit is 22 lines: a plain helper and an async function.
awk -v lines="$lines" 'BEGIN {
  print "#include <ac.h>"
  print "#include <stdio.h>"
  print "async int leaf(int x);"
  n = 3
  for (i = 0; n + 22 <= lines; i++) {
    printf "static int helper%d(int a, int b) {\n", i
    printf "    int s = a * %d + b; /* plain C passes through */\n", i
    printf "    for (int k = 0; k < b; k++) s += k;\n"
    printf "    return s;\n}\n\n"
    printf "async int work%d(int n, const char *tag) {\n", i
    printf "    int total = 0, arr[4] = {1, 2, 3, %d};\n", i
    printf "    struct { int x, y; } p = {.x = n, .y = %d};\n", i
    printf "    for (int j = 0; j < n; j++) {\n"
    printf "        if (j %% 3 == 0 && await leaf(j)) continue;\n"
    printf "        total += await leaf(j) + helper%d(j, arr[j & 3]);\n", i
    printf "        switch (await leaf(p.x)) {\n"
    printf "        case 0: total++; break;\n"
    printf "        default: total += p.y;\n"
    printf "        }\n"
    printf "    }\n"
    printf "    while (total > 1000 || await leaf(total) < 0)\n"
    printf "        total /= 2;\n"
    printf "    printf(\"%%s %%d\\n\", tag, total);\n"
    printf "    return total ? total : await leaf(n);\n}\n"
    n += 22
  }
  while (n++ < lines) print ""
}' > "$src"

bytes=$(wc -c < "$src")
count=$(wc -l < "$src")
times=""
for r in $(seq "$runs"); do
  t0=$(date +%s%N)
  "$acc" "$src" -o "$tmp/big.c"
  t1=$(date +%s%N)
  times="$times $(( (t1 - t0) / 1000 ))"
done
sorted=$(printf '%s\n' $times | sort -n)
best=$(printf '%s\n' "$sorted" | head -1)
median=$(printf '%s\n' "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
echo "input: $count lines, $bytes bytes; output: $(wc -l < "$tmp/big.c") lines"
awk -v b="$best" -v m="$median" -v l="$count" -v by="$bytes" 'BEGIN {
  printf "acc: best %.1f ms, median %.1f ms; %.0f lines/s, %.2f MB/s (best)\n",
    b / 1000, m / 1000, l / (b / 1e6), by / (b / 1e6) / 1e6 }'
if command -v cc >/dev/null 2>&1; then
  inc=$(dirname "$0")/../runtime/include
  cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I "$inc" "$tmp/big.c" &&
    echo "output compiles cleanly (cc -std=c11 -Wall -Wextra -Werror)"
fi
