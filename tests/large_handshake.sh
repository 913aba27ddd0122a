#!/bin/sh
# A real handshake with a Certificate message over 256 KiB (samples/large/large-cert.pcap, made by
# samples/large/make-large.sh: openssl s_server, a leaf with 13000 DNS names): both connections'
# chains are assembled and parsed, nothing is called malformed, nothing hits the handshake budget.
# Connection 1 is openssl s_client refusing the list (its 100 KB limit: illegal_parameter);
# connection 2 a client with a 1 MiB limit: ok.
BIN=${TLSDIAG:-./tlsdiag}
D=$(dirname "$0")/../samples/large
if ! command -v python3 >/dev/null 2>&1; then echo "skip large-handshake: python3 not installed"; exit 0; fi
out=$("$BIN" --json --cacert "$D/large-root-ca.pem" -r "$D/large-cert.pcap" 2>&1)
printf '%s\n' "$out" | python3 -c '
import json, sys
conns = [o for o in map(json.loads, sys.stdin) if o.get("type") == "connection"]
fails = []
def expect(c, why):
    if not c: fails.append(why)
if len(conns) != 2:
    print("not ok large-handshake: %d connections, want 2" % len(conns)); sys.exit(0)
want = ["handshake-aborted", "ok"]
for i, c in enumerate(conns):
    t, ids = c["tls"], [f["id"] for f in c["findings"]]
    expect(c["verdict"] == want[i], "#%d verdict %s, want %s" % (i + 1, c["verdict"], want[i]))
    ch = t.get("server_chain") or []
    expect(len(ch) == 2, "#%d: %d certificates in the chain, want 2" % (i + 1, len(ch)))
    if ch:
        expect(ch[0].get("subject") == "CN=www.example.test", "#%d leaf %s" % (i + 1, ch[0].get("subject")))
        expect(len(ch[0].get("san") or []) >= 200, "#%d: leaf names %d" % (i + 1, len(ch[0].get("san") or [])))
        expect("Large Intermediate" in (ch[1].get("subject") or "") if len(ch) > 1 else False, "#%d: no intermediate" % (i + 1))
    for bad in ("malformed-tls", "buffer-cap-hit"):
        expect(bad not in ids, "#%d has %s" % (i + 1, bad))
    expect(t.get("version") == "TLS1.2", "#%d version %s" % (i + 1, t.get("version")))
alerts = conns[0]["tls"].get("alerts") or []
expect(any(a.get("description") == "illegal_parameter" or "illegal_parameter" in json.dumps(a) for a in alerts),
       "#1: no illegal_parameter alert: %s" % alerts)
expect(conns[1]["tls"].get("app_data_s2c", 0) > 0, "#2: no application data from the server")
print("not ok large-handshake: " + "; ".join(fails) if fails else "ok large-handshake")
'
