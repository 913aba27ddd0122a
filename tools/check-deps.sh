#!/bin/sh
# check-deps.sh PKG... - the plain build's check: are the libraries there (through pkg-config)?
# Installs nothing (`make deps` does, on Debian); says what is missing in one line and fails.
missing=""
debian=""
if ! command -v pkg-config >/dev/null 2>&1; then
    echo "tlsdiag: cannot build: pkg-config is not installed (Debian: apt-get install pkg-config, or run 'make deps')" >&2
    exit 1
fi
for p in "$@"; do
    pkg-config --exists "$p" 2>/dev/null && continue
    missing="$missing $p"
    case $p in
    libpcap) debian="$debian libpcap-dev" ;;
    openssl) debian="$debian libssl-dev" ;;
    zlib) debian="$debian zlib1g-dev" ;;
    *) debian="$debian $p" ;;
    esac
done
[ -z "$missing" ] && exit 0
echo "tlsdiag: cannot build: pkg-config finds no$missing; install their development packages (Debian:$debian), or run 'make deps' on Debian" >&2
exit 1
