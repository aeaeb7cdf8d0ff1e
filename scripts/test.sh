#!/bin/sh
# test.sh - build acc and run every test.
#
#   sh scripts/test.sh [BUILD_DIR] [CMAKE_ARG...]
#
# Installs missing Debian packages (scripts/bootstrap.sh), configures
# BUILD_DIR (default: build/) with the extra CMAKE_ARGs (e.g.
# -DAC_SANITIZE=ON), builds it and runs `ctest --output-on-failure -j2 --timeout 600`.
# The exit status is ctest's.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
if [ $# -gt 0 ]; then
    case $1 in
        -*) ;;                    # no BUILD_DIR, only cmake arguments
        *) build=$1; shift ;;
    esac
fi
jobs=$(nproc 2>/dev/null || echo 2)

sh "$root/scripts/bootstrap.sh"
cmake -S "$root" -B "$build" "$@"
cmake --build "$build" -j "$jobs"
cd "$build"
ctest --output-on-failure -j2 --timeout 600
