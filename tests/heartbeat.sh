#!/bin/sh
# Heartbeat records and the Heartbleed findings, end to end (./tlsdiag on captures).
#  1. live: tests/gen/heartbleed_client.py sends a real ClientHello with the heartbeat extension
#     and then a Heartbleed probe (payload_length 16384, 1 byte) to a real `openssl s_server` on
#     127.0.0.1, captured with tcpdump on lo.  OpenSSL 3 has no heartbeat support: it refuses
#     with a fatal unexpected_message alert.  Needs root, tcpdump, openssl and python3.
#  2. synthesised: tests/gen/heartbleed_pcap.py, a vulnerable server's 16384-byte answer, in the
#     clear and (--encrypted) after ChangeCipherSpec.
# The heartbeat facts in the JSON are always checked.  The findings (heartbleed-attempt,
# heartbleed-leak) come from td_findings_protocol(), which td_classify calls once the classifier
# wires it in; until then those checks print "skip".
BIN=${TLSDIAG:-./tlsdiag}
if ! command -v python3 >/dev/null 2>&1; then echo "skip heartbeat: python3 not installed"; exit 0; fi
. "$(dirname "$0")/lib/netns.sh"           # wait_pcap
tmp=$(mktemp -d)
srv_pid= dump_pid=
cleanup() {
    [ -n "$dump_pid" ] && kill "$dump_pid" 2>/dev/null
    [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# ---- 1. live probe against openssl s_server ----
live=no
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
        -subj /CN=localhost -days 2 >/dev/null 2>&1
    openssl s_server -accept "127.0.0.1:$port" -cert "$tmp/cert.pem" -key "$tmp/key.pem" -quiet \
        >"$tmp/srv.log" 2>&1 </dev/null &
    srv_pid=$!
    tcpdump -i lo -U --immediate-mode -w "$tmp/live.pcap" "tcp port $port" >"$tmp/dump.log" 2>&1 &
    dump_pid=$!
    i=0
    while [ $i -lt 50 ]; do
        grep -q "listening on" "$tmp/dump.log" 2>/dev/null &&
            python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),timeout=1).close()" 2>/dev/null &&
            break
        sleep 0.1; i=$((i + 1))
    done
    # (the readiness probe above is a connection of its own: the report has two)
    if python3 tests/gen/heartbleed_client.py 127.0.0.1 "$port" >"$tmp/client.log" 2>&1; then
        # The client read the server's alert, then closed: once tcpdump has written that alert
        # and the client's FIN (this connection's and the probe's), the probe is all there.
        wait_pcap 10 "$tmp/live.pcap" 1 "tcp src port $port and tcp[((tcp[12:1] & 0xf0) >> 2):1] = 0x15"
        wait_pcap 10 "$tmp/live.pcap" 2 "tcp dst port $port and tcp[tcpflags] & (tcp-fin|tcp-rst) != 0"
        kill -INT "$dump_pid"; wait "$dump_pid" 2>/dev/null; dump_pid=
        kill "$srv_pid"; wait "$srv_pid" 2>/dev/null; srv_pid=
        "$BIN" --json -P "$port" -r "$tmp/live.pcap" >"$tmp/live.json" 2>/dev/null
        live=yes
    else
        echo "not ok heartbeat live: the probe client failed"
        sed 's/^/    /' "$tmp/client.log" | head -5
    fi
else
    echo "skip heartbeat live: needs root, tcpdump and openssl"
fi

# ---- 2. synthesised vulnerable server ----
python3 tests/gen/heartbleed_pcap.py "$tmp/leak.pcap" && "$BIN" --json -r "$tmp/leak.pcap" >"$tmp/leak.json" 2>/dev/null
python3 tests/gen/heartbleed_pcap.py "$tmp/leak-enc.pcap" --encrypted &&
    "$BIN" --json -r "$tmp/leak-enc.pcap" >"$tmp/leak-enc.json" 2>/dev/null

python3 - "$live" "$tmp" <<'PY'
import json, os, sys
live, tmp = sys.argv[1] == "yes", sys.argv[2]

def conns(name):
    path = os.path.join(tmp, name)
    if not os.path.exists(path):
        return []
    return [o for o in map(json.loads, open(path)) if o.get("type") == "connection"]

def check(name, cond):
    print(("ok " if cond else "not ok ") + "heartbeat " + name)

def ids(c):
    return {f["id"] for f in c["findings"]}

runs = {}
if live:
    cs = [c for c in conns("live.json") if c["tls"]["client_hello"]]
    check("live: the probe connection is reported", len(cs) == 1)
    runs["live"] = cs[0] if cs else None
runs["leak"] = (conns("leak.json") or [None])[0]
runs["leak-enc"] = (conns("leak-enc.json") or [None])[0]
# The classifier reports these findings (td_findings_protocol): they must be there.
wired = True

c = runs.get("live")
if c:
    hb = c["tls"]["heartbeats"]
    check("live: one heartbeat, the client's probe", len(hb) == 1 and hb[0]["from"] == "client")
    if hb:
        h = hb[0]
        check("live: probe claims 16384, carries 1, in a 20-byte record",
              (h["type"], h["payload_length"], h["payload_in_record"], h["record_length"], h["encrypted"])
              == ("request", 16384, 1, 20, False))
    al = c["tls"]["alerts"]
    check("live: OpenSSL 3 refuses with fatal unexpected_message",
          any(a["from"] == "server" and a["description"] == "unexpected_message" and a["level"] == "fatal"
              for a in al))
    if wired:
        check("live: heartbleed-attempt finding", "heartbleed-attempt" in ids(c))
        check("live: no heartbleed-leak finding", "heartbleed-leak" not in ids(c))
    # The server's alert came first: the handshake was aborted by the server, not a certificate
    # the client refused.
    check("live: verdict handshake-aborted by the server's alert", c["verdict"] == "handshake-aborted"
          and "unexpected_message" in c["summary"])

c = runs["leak"]
check("leak: a connection is reported", c is not None)
if c:
    hb = c["tls"]["heartbeats"]
    check("leak: request and response in the clear", [h["type"] for h in hb] == ["request", "response"]
          and not any(h["encrypted"] for h in hb))
    if len(hb) == 2:
        check("leak: response returns 16384 payload bytes in a 16403-byte record",
              hb[1]["payload_length"] == 16384 and hb[1]["record_length"] == 16403 and hb[1]["from"] == "server")
    if wired:
        check("leak: heartbleed-attempt finding", "heartbleed-attempt" in ids(c))
        check("leak: heartbleed-leak finding", "heartbleed-leak" in ids(c))
        f = [f for f in c["findings"] if f["id"] == "heartbleed-leak"]
        check("leak: finding is an error naming the packets", bool(f) and f[0]["severity"] == "error"
              and "pkt %d" % hb[1]["packet"] in f[0]["detail"] and "pkt %d" % hb[0]["packet"] in f[0]["detail"])

c = runs["leak-enc"]
check("leak-enc: a connection is reported", c is not None)
if c:
    hb = c["tls"]["heartbeats"]
    check("leak-enc: two encrypted heartbeats, sizes kept",
          [(h["encrypted"], h["record_length"], h["type"]) for h in hb] == [(True, 45, None), (True, 16429, None)])
    if wired:
        check("leak-enc: heartbleed-leak finding", "heartbleed-leak" in ids(c))
        check("leak-enc: no heartbleed-attempt finding (the claim is encrypted)", "heartbleed-attempt" not in ids(c))

if not wired:
    print("skip heartbeat findings: td_findings_protocol() is not called from td_classify yet")
PY
