#!/bin/sh
# Installs what tlsdiag needs to build (and, with "test", to run its test suite) on a Debian
# machine, when it is missing.  Does nothing when everything is there.
set -e
need_build="gcc make pkg-config libpcap-dev libssl-dev zlib1g-dev"
# ngtcp2-client, ngtcp2-server, nftables: tests/quic_live.sh (live QUIC: the ngtcp2 examples, a
# UDP 443 drop in the server's namespace); tshark also serves tests/quic.sh.
need_test="openssl gnutls-bin curl wget tcpdump tcpreplay iproute2 tshark python3 clang libclang-rt-14-dev chromium ngtcp2-client ngtcp2-server nftables"
pkgs=$need_build
[ "${1:-}" = test ] && pkgs="$pkgs $need_test"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "tlsdiag: installing$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update -qq >/dev/null || $SUDO apt-get update
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
