#!/usr/bin/env bash
# make-tunnels.sh -- re-make the captures of samples/tunnels/: TLS through tunnels, and TCP Fast Open.
#
# Run as root on Linux:   sudo bash samples/tunnels/make-tunnels.sh
#
# Two network namespaces joined by a veth pair (the underlay, 10.98.0.1 and 10.98.0.2) carry a
# kernel VXLAN device each (VNI 42, UDP 4789; the overlay 192.168.77.1/2 and fd77::1/2).  A real
# openssl s_server in one answers a real openssl s_client in the other through the overlay while
# tcpdump records the underlay: vxlan.pcap (IPv4 inside) and vxlan-ipv6.pcap (IPv6 inside).  The
# other encapsulations (GRE, gretap, ERSPAN II/III, Geneve, IP in IP, 6in4, PPP, PPP in HDLC
# framing, PPPoE, MPLS, QinQ) are wrap.py's re-wrapping of those real inner frames: this kernel
# (like many container kernels) builds in VXLAN but not the gre, ipip, sit, geneve or erspan
# modules.  Then tcp-fast-open.pcap: tfo.py's Python TLS server and client with
# net.ipv4.tcp_fastopen=3 on the veth directly: the first connection asks for a cookie, the second
# carries its ClientHello on the SYN.  Namespaces are named with this shell's pid and removed,
# and the processes started are stopped by pid, on exit.
set -euo pipefail
umask 022
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
A=tdtA$$ B=tdtB$$
TMP=$(mktemp -d)
PIDS=()
say() { printf 'make-tunnels: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    ip netns del "$A" 2>/dev/null || true
    ip netns del "$B" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, tcpdump)"
for t in ip tcpdump openssl python3 timeout; do command -v $t >/dev/null || die "needs $t"; done

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 730 -subj /CN=tunnel.example.test \
    -addext subjectAltName=DNS:tunnel.example.test -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null

ip netns add "$A"
ip netns add "$B"
ip link add tdta0 netns "$A" type veth peer name tdtb0 netns "$B"
ip -n "$A" addr add 10.98.0.1/24 dev tdta0
ip -n "$B" addr add 10.98.0.2/24 dev tdtb0
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set tdta0 up
ip -n "$B" link set tdtb0 up
ip -n "$A" link add vx0 mtu 1450 type vxlan id 42 local 10.98.0.1 remote 10.98.0.2 dstport 4789
ip -n "$B" link add vx0 mtu 1450 type vxlan id 42 local 10.98.0.2 remote 10.98.0.1 dstport 4789
ip -n "$A" addr add 192.168.77.1/24 dev vx0
ip -n "$B" addr add 192.168.77.2/24 dev vx0
ip -n "$A" addr add fd77::1/64 dev vx0 nodad
ip -n "$B" addr add fd77::2/64 dev vx0 nodad
ip -n "$A" link set vx0 up
ip -n "$B" link set vx0 up

# capture FILE FILTER DEV NS: start tcpdump; its pid goes into CAP.
capture() {
    ip netns exec "$4" tcpdump -i "$3" -w "$TMP/$1" -U -s 0 -n "$2" 2>"$TMP/$1.log" &
    CAP=$!
    PIDS+=("$CAP")
    for _ in $(seq 50); do grep -q "listening on" "$TMP/$1.log" && return 0; sleep 0.1; done
    die "tcpdump did not start: $(cat "$TMP/$1.log")"
}
stop() { sleep 0.5; kill "$1"; wait "$1" 2>/dev/null || true; }

# tls_through_vxlan FILE SERVER_ADDR CONNECT_ADDR
tls_through_vxlan() {
    capture "$1" "udp port 4789" tdta0 "$A"
    sleep 4 | ip netns exec "$B" openssl s_server -accept "[$2]:443" -cert "$TMP/cert.pem" -key "$TMP/key.pem" \
        -naccept 1 >"$TMP/$1.server" 2>&1 &
    local srv=$!                               # (its stdin stays open: at its end s_server would quit)
    PIDS+=("$srv")
    sleep 0.5
    (printf 'hello through the tunnel\n'; sleep 0.5) | ip netns exec "$A" timeout 10 openssl s_client \
        -connect "$3:443" -servername tunnel.example.test >"$TMP/$1.client" 2>&1 || true
    wait "$srv" 2>/dev/null || true
    grep -q "hello through the tunnel" "$TMP/$1.server" || die "$1: the server did not get the line: $(cat "$TMP/$1.server")"
    stop "$CAP"
}
tls_through_vxlan vxlan.pcap 192.168.77.2 192.168.77.2
tls_through_vxlan vxlan-ipv6.pcap fd77::2 '[fd77::2]'

ip netns exec "$A" sysctl -qw net.ipv4.tcp_fastopen=3
ip netns exec "$B" sysctl -qw net.ipv4.tcp_fastopen=3
capture tcp-fast-open.pcap "tcp port 443" tdta0 "$A"
ip netns exec "$B" python3 "$HERE/tfo.py" server 10.98.0.2 443 "$TMP/cert.pem" "$TMP/key.pem" 2 >"$TMP/tfo.server" 2>&1 &
PIDS+=("$!")
sleep 0.5
ip netns exec "$A" timeout 10 python3 "$HERE/tfo.py" client 10.98.0.2 443 tunnel.example.test 2 >"$TMP/tfo.client" 2>&1 ||
    die "tfo client failed: $(cat "$TMP/tfo.client")"
stop "$CAP"

python3 "$HERE/wrap.py" "$TMP/vxlan.pcap" "$TMP" "$TMP/vxlan-ipv6.pcap" >&2
for f in "$TMP"/*.pcap; do cp "$f" "$HERE/"; done
say "done: $(cd "$HERE" && ls -1 *.pcap | wc -l) captures in $HERE"
