#!/bin/sh
# run-sample.sh - build acc and run one of its samples, end to end.
#
#   sh scripts/run-sample.sh [SAMPLE]        (default: hello)
#
# Installs missing Debian packages (scripts/bootstrap.sh), configures and
# builds the project in build/, then runs the sample's program.  Set
# BUILD_DIR to use another build directory.
set -eu

sample=${1:-hello}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
jobs=$(nproc 2>/dev/null || echo 2)

sh "$root/scripts/bootstrap.sh"
cmake -S "$root" -B "$build"
cmake --build "$build" -j "$jobs"

prog=$build/samples/$sample
if [ ! -x "$prog" ]; then
    prog=$(find "$build" -type f -name "$sample" -perm -u+x 2>/dev/null | head -n 1)
fi
if [ -z "$prog" ] || [ ! -x "$prog" ]; then
    echo "run-sample: no sample program '$sample' in $build" >&2
    names=
    for f in "$root"/samples/*.ac; do
        [ -e "$f" ] || continue
        f=${f##*/}
        names="$names ${f%.ac}"
    done
    echo "run-sample: samples:$names" >&2
    exit 1
fi
echo "== $prog"
exec "$prog"
