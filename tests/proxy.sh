#!/bin/sh
# HTTP proxies' CONNECT tunnels before TLS, end to end on samples/proxy/ (real tinyproxy, squid,
# openssl s_server and curl; make-proxy.sh): every connection starts at its SYN, the CONNECT target and the
# proxy's status are read, the verdicts are right (proxy-refused for 401/403/407/500/503, the TLS verdict
# through an open tunnel), a ClientHello naming another host than the CONNECT target is a finding,
# the proxy ports are followed by default and --proxy-ports none drops them, and with tshark the
# inner TLS facts of the 200 case equal its dissection (-d tcp.port==3128,http).
BIN=${TLSDIAG:-./tlsdiag}
D=samples/proxy
if ! command -v python3 >/dev/null 2>&1; then echo "skip proxy: python3 not installed"; exit 0; fi
[ -f "$D/connect-ok.pcap" ] || { echo "skip proxy: $D/connect-ok.pcap missing"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "$D"/*.pcap; do
    n=$(basename "$f" .pcap)
    "$BIN" --json -r "$f" > "$tmp/$n.json" 2>"$tmp/$n.err"
    if command -v tshark >/dev/null 2>&1; then
        tshark -r "$f" -d tcp.port==3128,http -d tcp.port==8080,http -o http.desegment_body:FALSE -T fields -E separator='|' \
            -e frame.number -e tcp.flags.syn -e tcp.flags.ack -e http.request.method -e http.request.uri \
            -e http.response.code -e tls.handshake.type -e tls.handshake.extensions_server_name \
            -e tls.handshake.ciphersuite -e tls.handshake.extensions.supported_version > "$tmp/$n.tshark" 2>/dev/null
    fi
done
"$BIN" --json --proxy-ports none -r "$D/connect-ok.pcap" > "$tmp/none.json" 2>/dev/null
"$BIN" --json --proxy-ports none -A -r "$D/connect-ok.pcap" > "$tmp/none-A.json" 2>/dev/null
"$BIN" -r "$D/connect-403.pcap" > "$tmp/403.txt" 2>/dev/null
"$BIN" --html "$tmp/403.html" -r "$D/connect-403.pcap" > /dev/null 2>&1
python3 - "$tmp" <<'PY'
import json, os, sys
tmp = sys.argv[1]
bad = []
def conns(name):
    out = []
    for line in open(os.path.join(tmp, name + ".json")):
        o = json.loads(line)
        if o.get("type") == "connection":
            out.append(o)
    return out
expect = {   # capture: (verdict, target, status)
    "connect-ok": ("ok", "target.test:443", 200),
    "connect-login-ok": ("ok", "target.test:443", 200),
    "connect-auth-401": ("proxy-refused", "target.test:443", 401),
    "connect-403": ("proxy-refused", "target.test:8443", 403),
    "connect-unreachable": ("proxy-refused", "down.test:443", 500),
    "connect-unknown-ca": ("unknown-ca", "target.test:443", 200),
    "connect-sni-mismatch": ("ok", "other.test:443", 200),
    "squid-ok": ("ok", "target.test:443", 200),
    "squid-407": ("proxy-refused", "target.test:443", 407),
    "squid-403": ("proxy-refused", "target.test:8443", 403),
    "squid-503": ("proxy-refused", "down.test:443", 503),
}
for name, (verdict, target, status) in expect.items():
    cs = conns(name)
    if len(cs) != 1:
        bad.append("%s: %d connections, want 1" % (name, len(cs)))
        continue
    c = cs[0]
    px = c.get("proxy") or {}
    if c["verdict"] != verdict: bad.append("%s: verdict %s, want %s" % (name, c["verdict"], verdict))
    if px.get("type") != "http-connect" or px.get("target") != target or px.get("status") != status:
        bad.append("%s: proxy %r" % (name, px))
    if px.get("tunnel") != (200 <= status < 300): bad.append("%s: tunnel %r" % (name, px.get("tunnel")))
    if not c["tcp"]["handshake"] or c["tcp"]["midstream"] or c["first_packet"] != 1:
        bad.append("%s: does not start at its SYN: %r first_packet %s" % (name, c["tcp"], c["first_packet"]))
    if c["tls"]["plaintext_c2s"] or c["tls"]["plaintext_s2c"]:
        bad.append("%s: CONNECT read as plaintext" % name)
    if verdict == "proxy-refused":
        pk = [e["packet"] for e in c["evidence"]]
        if pk[:2] != [px.get("request_packet"), px.get("response_packet")]:
            bad.append("%s: evidence %r" % (name, c["evidence"]))
        if str(status) not in c["summary"] or target not in c["summary"]:
            bad.append("%s: summary %r" % (name, c["summary"]))
    ids = [f["id"] for f in c["findings"]]
    if ("proxy-sni-mismatch" in ids) != (name == "connect-sni-mismatch"):
        bad.append("%s: findings %r" % (name, ids))
    tf = os.path.join(tmp, name + ".tshark")
    if not os.path.exists(tf):
        continue
    rows = [l.rstrip("\n").split("|") for l in open(tf)]
    syn = [int(r[0]) for r in rows if r[1] in ("1", "True") and r[2] in ("0", "False")]
    req = [(int(r[0]), r[4]) for r in rows if r[3] == "CONNECT"]
    resp = [(int(r[0]), int(r[5])) for r in rows if r[5]]
    if syn != [c["first_packet"]]: bad.append("%s: tshark SYN %r" % (name, syn))
    if req != [(px.get("request_packet"), target)]: bad.append("%s: tshark CONNECT %r vs %r" % (name, req, px))
    if resp != [(px.get("response_packet"), status)]: bad.append("%s: tshark status %r vs %r" % (name, resp, px))
    if status != 200:
        continue
    ch = [r for r in rows if r[6].split(",")[0] == "1"]
    sh = [r for r in rows if r[6].split(",")[0] == "2"]
    t = c["tls"]
    if len(ch) != 1 or len(sh) != 1:
        bad.append("%s: tshark hellos %d/%d" % (name, len(ch), len(sh)))
        continue
    if ch[0][7] != (t["sni"] or ""): bad.append("%s: SNI %r vs tshark %r" % (name, t["sni"], ch[0][7]))
    if len(ch[0][8].split(",")) != t["offered_ciphers_total"]:
        bad.append("%s: offered %d vs tshark %s" % (name, t["offered_ciphers_total"], ch[0][8]))
    if int(sh[0][8], 16) != t["cipher_id"]: bad.append("%s: cipher %s vs tshark %s" % (name, t["cipher_id"], sh[0][8]))
    if sh[0][9] != "0x0304" or t["version"] != "TLS1.3": bad.append("%s: version %s vs tshark %s" % (name, t["version"], sh[0][9]))
if conns("none"): bad.append("--proxy-ports none: the CONNECT on 3128 still followed")
if len(conns("none-A")) != 1: bad.append("--proxy-ports none -A: the CONNECT not followed")
txt = open(os.path.join(tmp, "403.txt")).read()
if "is a proxy" not in txt or "proxy answered 403" not in txt:
    bad.append("text report: no proxy lines")
page = open(os.path.join(tmp, "403.html")).read()
if "<dt>proxy</dt><dd>HTTP CONNECT" not in page or "proxy answered 403" not in page:
    bad.append("html page: no proxy facts")
print("not ok proxy: " + "; ".join(bad) if bad else "ok proxy")
PY
