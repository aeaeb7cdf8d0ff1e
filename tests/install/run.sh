#!/bin/sh
# install_find_package: does an installed acc work for an outside project?
#
#   sh tests/install/run.sh BUILD_DIR [--source=DIR] [--cc=CC] [--cflags=FLAGS]
#
# BUILD_DIR is acc's (already built) build tree.  The script installs it with
# `cmake --install BUILD_DIR --prefix TMP/prefix`, moves TMP/prefix to
# TMP/moved (the package must not depend on where it was installed), then
# configures this directory as an outside project with
# -DCMAKE_PREFIX_PATH=TMP/moved, builds it, runs ./hello and compares its
# stdout with hello.expected.  --cc and --cflags give the outside project's C
# compiler and flags (compile and link), e.g. the -fsanitize=... flags the
# installed libac was built with.  --source is accepted for symmetry and
# unused.  Set ACC_TEST_KEEP=1 to keep TMP.
set -eu

. "$(dirname "$0")/../script-setup.sh"
acc_test_setup install "$@"

step() { echo "== $*"; }

step "install $build into $work/prefix"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" 2>&1 || {
    cat "$work/install.log"; exit 1; }
for f in bin/acc include/ac.h; do
    [ -e "$work/prefix/$f" ] || { echo "FAIL: $f was not installed" >&2; exit 1; }
done
config=$(find "$work/prefix" -name accConfig.cmake | head -n 1)
[ -n "$config" ] || { echo "FAIL: no accConfig.cmake was installed" >&2; exit 1; }
echo "   $(echo "$config" | sed "s|^$work/prefix/||")"

step "move the prefix to $work/moved"
mv "$work/prefix" "$work/moved"

step "configure the outside project"
set -- -S "$here" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/moved" \
    -DCMAKE_BUILD_TYPE=Debug
[ -z "$cc" ] || set -- "$@" -DCMAKE_C_COMPILER="$cc"
[ -z "$cflags" ] || set -- "$@" -DCMAKE_C_FLAGS="$cflags" \
    -DCMAKE_EXE_LINKER_FLAGS="$cflags"
cmake "$@"

step "build it"
cmake --build "$work/build" --verbose >"$work/build.log" 2>&1 || {
    cat "$work/build.log"; exit 1; }
# It must have used the installed acc, not acc's build tree.
grep -q "$work/moved/bin/acc" "$work/build.log" || {
    cat "$work/build.log"; echo "FAIL: the installed acc was not used" >&2; exit 1; }
if grep -q "$build" "$work/build.log"; then
    cat "$work/build.log"; echo "FAIL: the build used files of $build" >&2; exit 1
fi

step "run hello"
"$work/build/hello" >"$work/hello.out"
diff -u "$here/hello.expected" "$work/hello.out" || {
    echo "FAIL: hello's output differs from hello.expected" >&2; exit 1; }

# Without CMake: the installed acc and libac.pc, shared and static.
pcdir=$(dirname "$(find "$work/moved" -name libac.pc | head -n 1)")
[ -f "$pcdir/libac.pc" ] || { echo "FAIL: no libac.pc was installed" >&2; exit 1; }
pc() { PKG_CONFIG_PATH="$pcdir" pkg-config "$@" libac; }
"$work/moved/bin/acc" "$here/hello.ac" -o "$work/hello_pc.c"
step "build hello with pkg-config (shared): $(pc --cflags --libs)"
# shellcheck disable=SC2046
${cc:-cc} $cflags $(pc --cflags) "$work/hello_pc.c" -o "$work/hello_shared" $(pc --libs)
LD_LIBRARY_PATH="$(pc --variable=libdir)" "$work/hello_shared" >"$work/shared.out"
diff -u "$here/hello.expected" "$work/shared.out" || {
    echo "FAIL: the pkg-config (shared) build's output differs" >&2; exit 1; }
if ldd "$work/hello_shared" | grep -q "libac.so"; then :; else
    echo "FAIL: hello_shared is not linked against libac.so" >&2; exit 1; fi
step "build hello with pkg-config --static"
# shellcheck disable=SC2046
${cc:-cc} $cflags $(pc --cflags) "$work/hello_pc.c" -o "$work/hello_static" \
    "$(pc --variable=libdir)/libac.a" $(pc --static --libs-only-other --libs-only-l | sed 's/-lac//')
"$work/hello_static" >"$work/static.out"
diff -u "$here/hello.expected" "$work/static.out" || {
    echo "FAIL: the static build's output differs" >&2; exit 1; }
echo "install_find_package: ok"
