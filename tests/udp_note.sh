#!/bin/sh
# UDP that is not QUIC is not analysed, and the report says so once: a real DTLS 1.2 handshake
# (openssl s_server -dtls / s_client -dtls) on a port tlsdiag is not told about, and datagrams to
# UDP 443 that look like a long header but are no client Initial (an empty connection ID, 45 bytes),
# captured by tcpdump in a network namespace of this test's own.  They start no QUIC connection.
BIN=${TLSDIAG:-./tlsdiag}
NS=tdudp-$$
tmp=$(mktemp -d)
cleanup() { ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null; ip netns del "$NS" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
for c in ip tcpdump openssl python3; do
    command -v $c > /dev/null 2>&1 || { echo "skip udp-note: $c not installed"; exit 0; }
done
. "$(dirname "$0")/lib/netns.sh"           # wait_grep, wait_port, wait_pcap, child_of
ip netns add "$NS" 2> "$tmp/ns.err" || { echo "skip udp-note: cannot create a network namespace: $(head -c 200 "$tmp/ns.err")"; exit 0; }
ip -n "$NS" link set lo up
in_ns() { ip netns exec "$NS" "$@"; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
    -subj /CN=dtls.test -days 2 2> /dev/null
# --immediate-mode -U: each packet is in the file as soon as it is seen.  Not through in_ns (a
# function: $! would be a subshell): ip netns exec execs `timeout`, whose child is tcpdump, and
# the signal goes to tcpdump itself.
ip netns exec "$NS" timeout 30 tcpdump -i lo --immediate-mode -U -w "$tmp/udp.pcap" udp > /dev/null 2> "$tmp/tcpdump.err" &
timeout_pid=$!
dump_pid=$(child_of "$timeout_pid")
wait_grep 5 "$tmp/tcpdump.err" "listening on"
in_ns timeout 20 openssl s_server -dtls -accept 4433 -cert "$tmp/cert.pem" -key "$tmp/key.pem" -naccept 1 -quiet \
    > "$tmp/srv.log" 2>&1 &
wait_port "$NS" udp 4433 5
echo hello | in_ns timeout 10 openssl s_client -dtls -connect 127.0.0.1:4433 -quiet > "$tmp/cli.log" 2>&1
# Three datagrams to UDP 443 (nothing listens: the kernel's ICMP answers are not UDP).
in_ns python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3): s.sendto(b"\xc3\x00\x00\x00\x01" + bytes(40), ("127.0.0.1", 443))'
# The DTLS datagrams the client exchanged went before them: once these are in the file, so are those.
wait_pcap 10 "$tmp/udp.pcap" 3 udp dst port 443
kill -INT "${dump_pid:-$timeout_pid}"; wait "$timeout_pid"
if [ ! -s "$tmp/udp.pcap" ]; then echo "not ok udp-note: nothing captured: $(head -c 200 "$tmp/tcpdump.err")"; exit 0; fi
"$BIN" -r "$tmp/udp.pcap" > "$tmp/out" 2> "$tmp/err"
"$BIN" --json -r "$tmp/udp.pcap" > "$tmp/json" 2> /dev/null
dtls=$(grep -c 'UDP datagrams\{0,1\} with a DTLS record not analysed' "$tmp/out")
quic=$(grep -c '3 UDP datagrams on a TLS port not analysed' "$tmp/out")
conns=$(python3 -c 'import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l).get("type") == "connection"))' "$tmp/json")
if [ "$conns" = 0 ]; then echo "ok udp-note no QUIC connection made of datagrams that are no client Initial"
else echo "not ok udp-note $conns connections made of datagrams that are no client Initial"; fi
if [ "$dtls" -eq 1 ]; then echo "ok udp-note DTLS said once"; else echo "not ok udp-note DTLS said $dtls times: $(cat "$tmp/out" | head -c 400)"; fi
if [ "$quic" -eq 1 ]; then echo "ok udp-note UDP 443 said once"; else echo "not ok udp-note UDP 443 said $quic times: $(cat "$tmp/out" | head -c 400)"; fi
if python3 -c 'import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
notes = s.get("notes", [])
assert s["type"] == "summary" and sum("DTLS record not analysed" in n for n in notes) == 1, notes' "$tmp/json"; then
    echo "ok udp-note in the JSON summary"
else
    echo "not ok udp-note not in the JSON summary's notes"
fi
