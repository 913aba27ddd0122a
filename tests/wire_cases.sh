#!/bin/sh
# Two of issue 21's misreads, made with real clients and servers on the loopback of a network
# namespace of this test's own, captured with tcpdump and read by tlsdiag without trust anchors:
#  1. a server that resets right after accepting, before the client (Python's ssl module, which
#     waits 0.3 s before its ClientHello) sent anything: no-tls-response with the time it took,
#     not "a port probe";
#  2. openssl s_client against s_server (TLS 1.2, ECDHE-RSA) through a relay that spoils the
#     ServerKeyExchange signature (tests/gen/tls_relay.py spoil-ske): the client's decrypt_error
#     answers the key exchange, so handshake-aborted on the key exchange, not unknown-ca (this
#     machine does not trust the self-signed certificate either, and that is not what the client
#     said).
# Needs root, ip, tcpdump, openssl and python3; prints "skip wire-cases: why" otherwise.
BIN=${TLSDIAG:-./tlsdiag}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
[ "$(id -u)" -eq 0 ] || { echo "skip wire-cases: needs root (network namespace, tcpdump)"; exit 0; }
for c in ip tcpdump openssl python3; do
    command -v $c >/dev/null 2>&1 || { echo "skip wire-cases: $c not installed"; exit 0; }
done
. "$(dirname "$0")/lib/netns.sh"           # wait_grep, wait_port, wait_pcap, wait_gone
NS=tdwire-$$
tmp=$(mktemp -d)
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    [ -n "${KEEP:-}" ] || rm -rf "$tmp"; [ -n "${KEEP:-}" ] && echo "# kept $tmp"
}
trap cleanup EXIT
ip netns add "$NS" 2>"$tmp/ns.err" || { echo "skip wire-cases: cannot make a namespace: $(head -c 200 "$tmp/ns.err")"; exit 0; }
ip -n "$NS" link set lo up
in_ns() { ip netns exec "$NS" "$@"; }
check() { name=$1; shift; if "$@"; then echo "ok wire-cases $name"; else echo "not ok wire-cases $name"; fi; }
# capture NAME FILTER: tcpdump on the namespace's loopback; $dump_pid is tcpdump itself
capture() {
    ip netns exec "$NS" tcpdump -i lo -U --immediate-mode -s 0 -w "$tmp/$1.pcap" "$2" >"$tmp/$1.dump" 2>&1 &
    dump_pid=$!
    PIDS="$PIDS $dump_pid"
    wait_grep 5 "$tmp/$1.dump" "listening on"
}
stop_capture() { kill -INT "$dump_pid" 2>/dev/null; wait "$dump_pid" 2>/dev/null; }
verdict() {  # FILE PORT: "verdict confidence" of the first connection
    "$BIN" --json -P "$2" -r "$1" 2>/dev/null | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if o.get("type") == "connection":
        print(o["verdict"], o["confidence"]); break'
}

# ---- 1. reset right after accepting --------------------------------------------------------
capture reset "tcp port 4801"
in_ns python3 -c '
import socket, struct
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 4801)); s.listen(1); print("ready", flush=True)
c, _ = s.accept()
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()' >"$tmp/rsrv.log" 2>&1 &
PIDS="$PIDS $!"
wait_grep 5 "$tmp/rsrv.log" ready
in_ns python3 -c '
import socket, ssl, time
s = socket.create_connection(("127.0.0.1", 4801), timeout=5)
time.sleep(0.3)
try:
    ssl.create_default_context().wrap_socket(s, server_hostname="www.example.test")
    print("handshake done")
except OSError as e:
    print("failed:", e)' >"$tmp/rcli.log" 2>&1
wait_pcap 10 "$tmp/reset.pcap" 1 "tcp[tcpflags] & tcp-rst != 0"
stop_capture
got=$(verdict "$tmp/reset.pcap" 4801)
check "reset after accept: no-tls-response certain (got $got; client: $(head -c 80 "$tmp/rcli.log"))" [ "$got" = "no-tls-response certain" ]
check "reset after accept: the evidence gives the time after accepting" \
    sh -c "'$BIN' --json -P 4801 -r '$tmp/reset.pcap' | grep -q 'after accepting it, before the client had sent anything'"

# ---- 2. a spoiled ServerKeyExchange signature ------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
    -subj /CN=www.example.test -addext subjectAltName=DNS:www.example.test -days 2 >/dev/null 2>&1
in_ns openssl s_server -accept 127.0.0.1:4802 -cert "$tmp/cert.pem" -key "$tmp/key.pem" -tls1_2 -naccept 1 -quiet \
    >"$tmp/srv.log" 2>&1 </dev/null &
PIDS="$PIDS $!"
wait_port "$NS" tcp 4802 5
in_ns python3 "$(dirname "$0")/gen/tls_relay.py" spoil-ske 4803 4802 >"$tmp/relay.log" 2>&1 &
PIDS="$PIDS $!"
wait_grep 5 "$tmp/relay.log" ready
capture ske "tcp port 4803"
in_ns timeout 10 openssl s_client -connect 127.0.0.1:4803 -servername www.example.test -tls1_2 \
    -cipher ECDHE-RSA-AES128-GCM-SHA256 </dev/null >"$tmp/cli.log" 2>&1
wait_pcap 10 "$tmp/ske.pcap" 1 "tcp src port 4803 and tcp[tcpflags] & (tcp-fin|tcp-rst) != 0"
stop_capture
check "the client refused the spoiled signature (s_client: bad signature)" grep -qi "bad signature\|decrypt error" "$tmp/cli.log"
got=$(verdict "$tmp/ske.pcap" 4803)
check "spoiled ServerKeyExchange: handshake-aborted certain, not unknown-ca (got $got)" [ "$got" = "handshake-aborted certain" ]
check "spoiled ServerKeyExchange: the summary names the key exchange" \
    sh -c "'$BIN' --json -P 4803 -r '$tmp/ske.pcap' | grep -q 'failed on the key exchange, not the certificate'"

