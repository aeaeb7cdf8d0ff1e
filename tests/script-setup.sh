# script-setup.sh - sourced by tests/build/run.sh and tests/install/run.sh,
# which take the same arguments:
#
#   BUILD_DIR [--source=DIR] [--cc=CC] [--cflags=FLAGS]
#
# acc_test_setup NAME "$@" parses them into $build (absolute), $cc and
# $cflags, sets $here to the calling script's directory, and makes $work, a
# temporary directory removed at exit (kept, and named, with
# ACC_TEST_KEEP=1).  --source is accepted for symmetry and unused.

acc_test_usage() {
    echo "usage: $0 BUILD_DIR [--source=DIR] [--cc=CC] [--cflags=FLAGS]" >&2
    exit 2
}

acc_test_cleanup() {
    if [ "${ACC_TEST_KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}

acc_test_setup() {
    name=$1
    shift
    [ $# -ge 1 ] || acc_test_usage
    build=$(cd "$1" && pwd)
    shift
    cc=
    cflags=
    for arg in "$@"; do
        case $arg in
            --source=*) ;;
            --cc=*) cc=${arg#--cc=} ;;
            --cflags=*) cflags=${arg#--cflags=} ;;
            *) acc_test_usage ;;
        esac
    done
    here=$(cd "$(dirname "$0")" && pwd)
    work=$(mktemp -d "${TMPDIR:-/tmp}/acc-$name-test.XXXXXX")
    trap acc_test_cleanup EXIT
    trap 'exit 1' INT TERM HUP
}
