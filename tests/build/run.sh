#!/bin/sh
# build_incremental: does ac_add_executable() rebuild exactly what changed?
#
#   sh tests/build/run.sh BUILD_DIR [--source=DIR] [--cc=CC] [--cflags=FLAGS]
#
# Installs acc's (already built) build tree BUILD_DIR into a temporary prefix,
# copies tests/build/project (main.ac, answer.ac, answer.ah, twice.c) next to
# it and builds that with find_package(acc), with the Unix Makefiles
# generator and, if ninja is installed, with Ninja too.  After the first
# build it checks, from the verbose build output (the acc command lines and
# the compile and link lines), that
#   * a build with nothing changed runs nothing;
#   * touching one .ac re-runs acc on that file only and recompiles only its
#     generated .c;
#   * touching the .c recompiles it only, without running acc;
#   * touching the .ah re-runs acc on it only and recompiles the files that
#     include the generated header, without re-transpiling any .ac;
#   * an edit of a .ac shows in the rebuilt program.
# --cc and --cflags give the C compiler and flags (compile and link), e.g. the
# -fsanitize=... flags the installed libac was built with.  --source is
# accepted for symmetry and unused.  Set ACC_TEST_KEEP=1 to keep the temp dir.
set -eu

. "$(dirname "$0")/../script-setup.sh"
acc_test_setup build "$@"

failures=0
checks=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" 2>&1 || {
    cat "$work/install.log"; exit 1; }
acc="$work/prefix/bin/acc"

# sorted, space-separated basenames of the files acc ran on in log $1
transpiled() {
    grep -F "$acc " "$1" | grep -o '[^ /"]*\.a[ch] -o' | sed 's/ -o$//' |
        sort | tr '\n' ' ' | sed 's/ $//'
}
# sorted, space-separated object files compiled in log $1
compiled() {
    grep -e ' -c ' "$1" | grep -o ' -o [^ ]*\.o' | sed 's|.*/||' |
        sort | tr '\n' ' ' | sed 's/ $//'
}
# "yes" if log $1 links app
linked() {
    if grep -Eq ' -o (\./)?app( |$)' "$1"; then echo yes; else echo no; fi
}

# expect LOG WHAT TRANSPILED COMPILED LINKED
expect() {
    checks=$((checks + 1))
    t=$(transpiled "$1"); c=$(compiled "$1"); l=$(linked "$1")
    if [ "$t" = "$3" ] && [ "$c" = "$4" ] && [ "$l" = "$5" ]; then
        echo "ok   $2: acc [$t] cc [$c] link $l"
    else
        fail "$2: acc ran on [$t], expected [$3]; compiled [$c], expected [$4]; linked $l, expected $5"
        sed 's/^/     | /' "$1" >&2
    fi
}

run_app() {
    checks=$((checks + 1))
    if out=$("$bdir/app") && [ "$out" = "$1" ]; then
        echo "ok   $2: app prints '$out'"
    else
        fail "$2: app printed '${out:-}', expected '$1'"
    fi
}

n=0
rebuild() {
    n=$((n + 1))
    log="$work/$gen_id.$n.log"
    if [ "$gen_id" = make ]; then
        cmake --build "$bdir" -- VERBOSE=1 >"$log" 2>&1 || { cat "$log"; exit 1; }
    else
        cmake --build "$bdir" -- -v >"$log" 2>&1 || { cat "$log"; exit 1; }
    fi
}

# Touch a file so that it is certainly newer than what was built from it,
# even on a file system with one-second timestamps.
touch_later() { sleep 1; touch "$@"; }

check_generator() {
    gen=$1 gen_id=$2
    src="$work/$gen_id-src" bdir="$work/$gen_id-build"
    echo "== $gen"
    cp -R "$here/project" "$src"
    set -- -S "$src" -B "$bdir" -G "$gen" -DCMAKE_PREFIX_PATH="$work/prefix" \
        -DCMAKE_BUILD_TYPE=Debug
    [ -z "$cc" ] || set -- "$@" -DCMAKE_C_COMPILER="$cc"
    [ -z "$cflags" ] || set -- "$@" -DCMAKE_C_FLAGS="$cflags" \
        -DCMAKE_EXE_LINKER_FLAGS="$cflags"
    cmake "$@" >"$work/$gen_id.configure.log" 2>&1 || {
        cat "$work/$gen_id.configure.log"; exit 1; }

    rebuild
    expect "$log" "first build" "answer.ac answer.ah main.ac" \
        "answer.c.o main.c.o twice.c.o" yes
    run_app "answer 42" "first build"

    rebuild
    expect "$log" "nothing changed" "" "" no

    touch_later "$src/answer.ac"
    rebuild
    expect "$log" "touch answer.ac" "answer.ac" "answer.c.o" yes

    rebuild
    expect "$log" "nothing changed" "" "" no

    touch_later "$src/main.ac"
    rebuild
    expect "$log" "touch main.ac" "main.ac" "main.c.o" yes

    touch_later "$src/twice.c"
    rebuild
    expect "$log" "touch twice.c" "" "twice.c.o" yes

    touch_later "$src/answer.ah"
    rebuild
    expect "$log" "touch answer.ah" "answer.ah" "answer.c.o main.c.o" yes

    rebuild
    expect "$log" "nothing changed" "" "" no

    sleep 1
    sed 's/return twice(x);/return twice(x) + 1;/' "$src/answer.ac" >"$src/answer.ac.new"
    mv "$src/answer.ac.new" "$src/answer.ac"
    rebuild
    expect "$log" "edit answer.ac" "answer.ac" "answer.c.o" yes
    run_app "answer 43" "edit answer.ac"
}

check_generator "Unix Makefiles" make
if command -v ninja >/dev/null 2>&1; then
    check_generator Ninja ninja
else
    echo "== Ninja: not installed, skipped"
fi

if [ "$failures" -ne 0 ]; then
    echo "build_incremental: $failures of $checks checks failed" >&2
    exit 1
fi
echo "build_incremental: all $checks checks passed"
