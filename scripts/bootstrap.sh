#!/bin/sh
# bootstrap.sh - install the Debian packages that building and testing acc
# need (ninja-build lets the build_incremental test cover Ninja too; gdb
# checks the #line mapping).
# Skips apt entirely when they are all installed already (so it also works
# offline then).  Run as root, or as a user with sudo.
#
#   sh scripts/bootstrap.sh
set -eu

packages="build-essential gcc make clang cmake pkg-config libuv1-dev
libtree-sitter-dev libcmocka-dev ninja-build gdb"

missing=
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    echo "bootstrap: all build dependencies are installed"
    exit 0
fi

echo "bootstrap: installing$missing"
if [ "$(id -u)" -eq 0 ]; then
    as_root=
elif command -v sudo >/dev/null 2>&1; then
    as_root=sudo
else
    echo "bootstrap: run as root (or install sudo) to install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update
# shellcheck disable=SC2086
$as_root apt-get install -y --no-install-recommends $missing </dev/null
