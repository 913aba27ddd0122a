#!/bin/sh
# Reasoning across connections when the sibling that tells comes later in the capture: reading
# files, a connection whose verdict a later sibling may change is held until connections that
# start 10 s after it are judged (analyzer/run/run_connection.c).  Made from real captures with editcap
# and mergecap (Wireshark's tools):
#   - Chromium's two sockets, reordered so that the spare starts first: both ok, the spare with
#     the finding unused-connection (alone, --no-siblings: a likely refusal);
#   - curl's TLS 1.3 name refusal (close_notify, no reset) one second before its TLS 1.2 sibling to
#     the same server and name: name-mismatch, likely, from the certificate the sibling was shown.
# The report keeps the order of first packets.
#   TLSDIAG=path/to/tlsdiag sh tests/siblings.sh
BIN=${TLSDIAG:-./tlsdiag}
M=samples/matrix
for tool in editcap mergecap capinfos tshark python3; do
    command -v $tool >/dev/null 2>&1 || { echo "skip siblings: $tool is not installed"; exit 0; }
done
for f in go-chromium-ok-tls12 apache-curl-name-mismatch-tls12 apache-curl-name-mismatch-tls13; do
    [ -f "$M/$f.pcap" ] || { echo "skip siblings: $M/$f.pcap is absent"; exit 0; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() { name=$1; shift; if "$@"; then echo "ok siblings $name"; else echo "not ok siblings $name"; fi; }
# summary FILE: "verdict/confidence/finding,finding ..." per connection, in report order
summary() {
    python3 -c '
import json, sys
out = []
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("type") == "connection":
        out.append("%s/%s/%s" % (o["verdict"], o["confidence"], ",".join(f["id"] for f in o["findings"] if f["id"] in ("unused-connection", "sibling-failure"))))
print(" ".join(out))' "$1"
}

# Chromium: stream 0 carried the request, stream 1 is the spare.  Move the used one 50 ms later.
tshark -r "$M/go-chromium-ok-tls12.pcap" -Y "tcp.stream == 0" -w "$tmp/used.pcap" 2>/dev/null
tshark -r "$M/go-chromium-ok-tls12.pcap" -Y "tcp.stream == 1" -w "$tmp/spare.pcap" 2>/dev/null
editcap -t 0.05 "$tmp/used.pcap" "$tmp/used-late.pcap" >/dev/null 2>&1
mergecap -F pcap -w "$tmp/spare-first.pcap" "$tmp/spare.pcap" "$tmp/used-late.pcap" 2>/dev/null
"$BIN" --json -r "$tmp/spare-first.pcap" > "$tmp/a.json" 2>/dev/null
"$BIN" --json --no-siblings -r "$tmp/spare-first.pcap" > "$tmp/b.json" 2>/dev/null
got=$(summary "$tmp/a.json")
check "spare first: both ok, the spare unused ($got)" [ "$got" = "ok/certain/unused-connection ok/certain/" ]
got=$(summary "$tmp/b.json")
check "spare first, --no-siblings: judged alone ($got)" [ "$got" = "unknown-ca/likely/ ok/certain/" ]
ports=$(python3 -c '
import json, sys
print(" ".join(str(json.loads(l)["client"]["port"]) for l in open(sys.argv[1]) if "\"type\":\"connection\"" in l))' "$tmp/a.json")
check "spare first: reported in order of first packet ($ports)" [ "$ports" = "59438 59434" ]

# curl: the TLS 1.3 refusal one second before the TLS 1.2 connection that shows the certificate.
t12=$(capinfos -a -S "$M/apache-curl-name-mismatch-tls12.pcap" 2>/dev/null | awk '/First packet time/ {print $4}')
t13=$(capinfos -a -S "$M/apache-curl-name-mismatch-tls13.pcap" 2>/dev/null | awk '/First packet time/ {print $4}')
shift13=$(python3 -c "print('%.6f' % ($t12 - 1.0 - $t13))")
editcap -t "$shift13" "$M/apache-curl-name-mismatch-tls13.pcap" "$tmp/t13.pcap" >/dev/null 2>&1
mergecap -F pcap -w "$tmp/t13-first.pcap" "$tmp/t13.pcap" "$M/apache-curl-name-mismatch-tls12.pcap" 2>/dev/null
"$BIN" --json -r "$tmp/t13-first.pcap" > "$tmp/c.json" 2>/dev/null
"$BIN" --json --no-siblings -r "$tmp/t13-first.pcap" > "$tmp/d.json" 2>/dev/null
got=$(summary "$tmp/c.json")
check "TLS 1.3 before its TLS 1.2 sibling: name-mismatch from the sibling ($got)" \
    [ "$got" = "name-mismatch/likely/ name-mismatch/likely/" ]
got=$(summary "$tmp/d.json")
check "TLS 1.3 before its TLS 1.2 sibling, --no-siblings: ok, likely ($got)" [ "$got" = "ok/likely/ name-mismatch/likely/" ]
check "the evidence names the sibling" grep -q 'was shown the certificate TLS 1.3 hides here: it does not name the host' "$tmp/c.json"
