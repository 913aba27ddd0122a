#!/usr/bin/env bash
# make-attempts.sh -- re-create samples/attempts/linux-syn-backoff.pcap: a real client's SYNs
# that nothing answers, for as long as its kernel retries them (tests/attempts.sh reads it).
#
# Run as root on Debian:   sudo bash samples/attempts/make-attempts.sh     (about 65 s)
#
# A namespace (atcli, 10.77.0.1) whose veth's peer is in another namespace (atpeer, 10.77.0.2);
# 10.77.0.9 has a permanent neighbour entry, so the client's SYNs leave at once (no ARP) and the
# peer drops them (not its address).  curl --connect-timeout 60 to https://10.77.0.9/; the
# kernel's own backoff (this file: Linux 6.18, tcp_syn_retries 6, tcp_syn_linear_timeouts 4: SYNs
# at 0, 1, 2, 3, 4, 5, 7, 11, 19 and 35.5 s) until curl gives up.  Nothing leaves the namespaces.
set -euo pipefail
umask 022
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS_C=atcli NS_P=atpeer IF_C=atc0 IF_P=atp0
say() { printf 'make-attempts: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, tcpdump)"
for t in curl tcpdump ip; do command -v $t >/dev/null || die "needs $t"; done

TMP=$(mktemp -d)
DUMP=
cleanup() {
    [ -n "$DUMP" ] && kill "$DUMP" 2>/dev/null && wait "$DUMP" 2>/dev/null || true
    ip netns del "$NS_C" 2>/dev/null || true
    ip netns del "$NS_P" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
cleanup_ns() { ip netns del "$NS_C" 2>/dev/null || true; ip netns del "$NS_P" 2>/dev/null || true; }
cleanup_ns
ip netns add "$NS_C"
ip netns add "$NS_P"
ip link add "$IF_C" netns "$NS_C" type veth peer name "$IF_P" netns "$NS_P"
ip -n "$NS_C" addr add 10.77.0.1/24 dev "$IF_C"
ip -n "$NS_P" addr add 10.77.0.2/24 dev "$IF_P"
ip -n "$NS_C" link set "$IF_C" up
ip -n "$NS_P" link set "$IF_P" up
ip -n "$NS_C" neigh add 10.77.0.9 lladdr 02:00:00:00:00:09 dev "$IF_C" nud permanent

ip netns exec "$NS_C" tcpdump -i "$IF_C" -U -w "$TMP/a.pcap" 'tcp port 443' 2>"$TMP/tcpdump.err" &
DUMP=$!
for _ in $(seq 50); do grep -q listening "$TMP/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
say "curl to 10.77.0.9:443, nothing answers: about 60 s"
ip netns exec "$NS_C" curl -s --connect-timeout 60 https://10.77.0.9/ && die "curl connected" || true
sleep 1
kill "$DUMP"; wait "$DUMP" 2>/dev/null || true
DUMP=
syns=$(tcpdump -r "$TMP/a.pcap" -n 'tcp[tcpflags] == tcp-syn' 2>/dev/null | wc -l)
other=$(tcpdump -r "$TMP/a.pcap" -n 'tcp[tcpflags] != tcp-syn' 2>/dev/null | wc -l)
[ "$syns" -ge 4 ] && [ "$other" -eq 0 ] || die "want SYNs only, at least 4: $syns SYNs, $other other packets"
cp "$TMP/a.pcap" "$HERE/linux-syn-backoff.pcap"
say "wrote $HERE/linux-syn-backoff.pcap: $syns SYNs, nothing else"
