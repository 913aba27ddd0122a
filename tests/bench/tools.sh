#!/bin/sh
# tests/bench/tools.sh - what `make bench` runs besides tlsdiag, from Debian's packages: python3
# (the runner, required) and the tools it compares with, tshark, ssldump and ndpiReader
# (libndpi-bin), each installed when missing and skipped (with a note) when it cannot be.
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
updated=no
install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    if [ -n "$SUDO" ] && ! sudo -n true 2>/dev/null; then return 1; fi
    # tshark asks whether non-root users may capture; answer no without a prompt.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null
    $SUDO apt-get install -y -qq --no-install-recommends "$1" >/dev/null 2>&1 && return 0
    [ $updated = yes ] && return 1
    updated=yes
    $SUDO apt-get update -qq >/dev/null 2>&1 || return 1
    $SUDO apt-get install -y -qq --no-install-recommends "$1" >/dev/null 2>&1
}
status=0
for pkg_cmd in python3:python3 tshark:tshark ssldump:ssldump libndpi-bin:ndpiReader; do
    pkg=${pkg_cmd%%:*} cmd=${pkg_cmd#*:}
    command -v "$cmd" >/dev/null 2>&1 && continue
    have_pkg "$pkg" && command -v "$cmd" >/dev/null 2>&1 && continue
    echo "bench: installing $pkg" >&2
    if ! install "$pkg" || ! command -v "$cmd" >/dev/null 2>&1; then
        if [ "$pkg" = python3 ]; then
            echo "bench: python3 is needed to run the benchmark and could not be installed" >&2
            status=1
        else
            echo "bench: $pkg could not be installed: $cmd is left out of the table" >&2
        fi
    fi
done
exit $status
