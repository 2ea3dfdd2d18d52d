#!/usr/bin/env bash
# Build wolfSSL from Debian's source package with its debug trace enabled.
#
# Debian's libwolfssl is built without --enable-debug, so wolfSSL_Debugging_ON()
# prints nothing.  The log tests need the real trace, so this script fetches
# the source of the packaged version (apt-get source) and builds it with
# --enable-debug --enable-psk into a cache directory.  A second run finds the
# stamp file and returns at once.
#
# Usage: build_wolfssl.sh [CACHE_DIR]   (default: $TLSDOCTOR_TEST_CACHE or
# ~/.cache/tlsdoctor-test).  Prints the install prefix on its last line.
set -euo pipefail

CACHE="${1:-${TLSDOCTOR_TEST_CACHE:-$HOME/.cache/tlsdoctor-test}}"
CONFIGURE_FLAGS=(--enable-debug --enable-psk --disable-examples --disable-crypttests
                 --disable-benchmark --enable-static=no)
mkdir -p "$CACHE"

# The version Debian ships (the one libwolfssl-dev installed), so the trace we
# test against is the packaged library's code.
VERSION="$(dpkg-query -W -f='${source:Upstream-Version}' libwolfssl-dev 2>/dev/null || true)"
VERSION="${VERSION:-unknown}"
PREFIX="$CACHE/wolfssl-$VERSION-debug"
STAMP="$PREFIX/.built-with"
WANT="$VERSION ${CONFIGURE_FLAGS[*]}"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && [ -e "$PREFIX/lib/libwolfssl.so" ]; then
    echo "$PREFIX"
    exit 0
fi

for tool in apt-get dpkg-source make gcc; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "build_wolfssl.sh: $tool is missing (install dpkg-dev make gcc)" >&2
        exit 3
    fi
done

# apt-get source needs a deb-src line.  CI adds one (.ci/run); as root we add it here too.
if ! apt-get source --print-uris wolfssl >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ]; then
        cat > /etc/apt/sources.list.d/tlsdoctor-deb-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
        apt-get update -q >&2
    else
        echo "build_wolfssl.sh: no deb-src line for apt-get source (see .ci/run)" >&2
        exit 3
    fi
fi

WORK="$(mktemp -d "$CACHE/wolfssl-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
apt-get source -q wolfssl >&2
SRCDIR="$(find . -maxdepth 1 -mindepth 1 -type d -name 'wolfssl-*' | head -n1)"
cd "$SRCDIR"
if [ ! -x ./configure ]; then  # Debian's source ships configure; a bare checkout would not
    if ! command -v autoreconf >/dev/null 2>&1; then
        echo "build_wolfssl.sh: no configure script and no autoreconf (install autoconf automake libtool)" >&2
        exit 3
    fi
    autoreconf -fi >&2
fi
rm -rf "$PREFIX"
./configure --prefix="$PREFIX" "${CONFIGURE_FLAGS[@]}" >&2
make -j"$(nproc)" >&2
make install >&2
echo "$WANT" > "$STAMP"
echo "$PREFIX"
