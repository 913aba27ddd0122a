#!/bin/sh
# STARTTLS from real servers (samples/starttls/, made by make-starttls.sh): each connection starts
# at its SYN (TCP handshake seen, not mid-stream), its dialogue is recognised (protocol, offered,
# asked, accepted as samples/starttls/expected.txt says) and judged right; where TLS began, its SNI,
# version and cipher equal what tshark decodes of the same packets.  Also: -A finds the same
# connections on any port, and two connections to one server, one without STARTTLS, give the
# finding starttls-stripped.
BIN=${TLSDIAG:-./tlsdiag}
D=samples/starttls
pass() { echo "ok starttls $1"; }
fail() { echo "not ok starttls $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -10 | sed 's/^/    /'; }
[ -f $D/expected.txt ] || { echo "skip starttls: $D/expected.txt missing"; exit 0; }
command -v python3 >/dev/null || { echo "skip starttls: python3 missing"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
port_of() { case $1 in smtp*) echo 25;; imap*) echo 143;; pop3*) echo 110;; ftp*) echo 21;; xmpp*) echo 5222;; postgresql*) echo 5432;; ldap*) echo 389;; mysql*) echo 3306;; esac; }

# A copy of a capture with the server's port moved (Ethernet, IPv4, TCP; checksums left as they are).
moved() {   # FILE FROM TO OUT
    python3 - "$@" <<'PY'
import struct, sys
src, a, b, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
d = bytearray(open(src, "rb").read())
o = 24
while o + 16 <= len(d):
    n = struct.unpack_from("<I", d, o + 8)[0]
    p = o + 16
    if n >= 34 and d[p + 12:p + 14] == b"\x08\x00" and d[p + 23] == 6:
        t = p + 14 + (d[p + 14] & 15) * 4
        for k in (t, t + 2):
            if struct.unpack_from(">H", d, k)[0] == a:
                struct.pack_into(">H", d, k, b)
    o = p + n
open(out, "wb").write(d)
PY
}

grep -v '^#' $D/expected.txt | while read -r f proto off req acc verdict; do
    [ -n "$f" ] || continue
    moved "$D/$f" "$(port_of "$f")" 40000 "$tmp/moved.pcap"
    for mode in "" "-A"; do
        in="$D/$f"
        [ "$mode" = "-A" ] && in="$tmp/moved.pcap"        # -A: the same dialogue on port 40000
        "$BIN" --json $mode -r "$in" > "$tmp/out.json" 2>"$tmp/err"
        got=$(python3 - "$tmp/out.json" <<'PY'
import json, sys
conns = [json.loads(l) for l in open(sys.argv[1]) if '"type":"connection"' in l]
if len(conns) != 1:
    print("connections=%d" % len(conns)); sys.exit()
c = conns[0]; s = c["tls"]["starttls"] or {}
b = lambda v: "true" if v else "false"
print(" ".join([s.get("protocol") or "-", b(s.get("offered")), b(s.get("requested")), b(s.get("accepted")),
                c["verdict"], "handshake=" + b(c["tcp"]["handshake"]), "midstream=" + b(c["tcp"]["midstream"])]))
PY
)
        want="$proto $off $req $acc $verdict handshake=true midstream=false"
        if [ "$got" = "$want" ]; then pass "$f${mode:+ $mode on port 40000}"; else fail "$f${mode:+ $mode on port 40000}" "want: $want
got:  $got"; fi
    done
    [ "$acc" = true ] || continue
    if ! command -v tshark >/dev/null; then echo "skip starttls $f tshark: tshark missing"; continue; fi
    ts=$(tshark -r "$D/$f" -Y "tls.handshake.type==1 || tls.handshake.type==2" -T fields \
        -e tls.handshake.type -e tls.handshake.extensions_server_name -e tls.handshake.ciphersuite \
        -e tls.handshake.extensions.supported_version -e tls.handshake.version 2>/dev/null |
        awk -F'\t' '$1 ~ /(^|,)1(,|$)/ {sni=$2} $1 ~ /(^|,)2(,|$)/ {c=$3; v=($4!=""?$4:$5)}
                   END{printf "%s %s %s", sni, c, v}')
    "$BIN" --json -r "$D/$f" > "$tmp/out.json"
    td=$(python3 - "$tmp/out.json" <<'PY'
import json, sys
c = [json.loads(l) for l in open(sys.argv[1]) if '"type":"connection"' in l][0]["tls"]
names = {"TLS1.3": "0x0304", "TLS1.2": "0x0303", "TLS1.1": "0x0302", "TLS1.0": "0x0301"}
print("%s 0x%04x %s" % (c["sni"] or "", c["cipher_id"] or 0, names.get(c["version"], c["version"])))
PY
)
    if [ -n "$ts" ] && [ "$ts" = "$td" ]; then pass "$f equals tshark ($td)"; else fail "$f equals tshark" "tshark:  $ts
tlsdiag: $td"; fi
done

# The same server, first with STARTTLS, then without: the second gets starttls-stripped.
if command -v mergecap >/dev/null; then
    mergecap -w "$tmp/two.pcap" $D/smtp-starttls.pcap $D/smtp-not-offered.pcap
    n=$("$BIN" --json -r "$tmp/two.pcap" | grep -c '"id":"starttls-stripped"')
    if [ "$n" = 1 ]; then pass "stripped after an earlier offer"; else fail "stripped after an earlier offer" "findings: $n"; fi
else
    echo "skip starttls stripped: mergecap missing"
fi

# nDPI's STARTTLS captures (held out: real servers on the Internet), when the shared corpus is there:
# every connection from its SYN, the dialogue accepted, the verdict ok.
C=../shared/corpus/ndpi
if [ -d $C ]; then
    for f in smtp-starttls.pcap imap-starttls.pcap pop3_stls.pcap ftp-start-tls.pcap; do
        [ -f "$C/$f" ] || continue
        got=$("$BIN" --json -r "$C/$f" | python3 -c '
import json, sys
out = []
for l in sys.stdin:
    d = json.loads(l)
    if d.get("type") != "connection": continue
    s = d["tls"]["starttls"] or {}
    out.append("%s/%s/%s/%s" % (d["tcp"]["handshake"] and not d["tcp"]["midstream"], s.get("protocol"), s.get("accepted"), d["verdict"]))
print(" ".join(out))')
        if [ -n "$got" ] && ! echo "$got" | tr ' ' '\n' | grep -qv '^True/[a-z0-9]*/True/ok$'; then
            pass "corpus $f ($got)"
        else
            fail "corpus $f" "$got"
        fi
    done
else
    echo "skip starttls corpus: ../shared/corpus absent"
fi

# The text report names the dialogue.
if "$BIN" -r $D/smtp-refused.pcap | grep -q "STARTTLS .*smtp: not offered, asked, refused: 502"; then
    pass "text report line"
else
    fail "text report line" "$("$BIN" -r $D/smtp-refused.pcap | grep STARTTLS)"
fi

# The HTML page names it too, in the same words.
"$BIN" --html "$tmp/page.html" -r $D/smtp-refused.pcap > /dev/null 2>&1
if grep -q "<dt>STARTTLS</dt><dd>smtp: not offered, asked, refused: 502" "$tmp/page.html"; then
    pass "html page line"
else
    fail "html page line" "$(grep -o '<dt>STARTTLS</dt><dd>[^<]*' "$tmp/page.html")"
fi

# PostgreSQL's one-byte answer in the text report.
if "$BIN" -r $D/postgresql-refused.pcap | grep -q "STARTTLS .*postgresql: no capability list seen, asked, refused: N"; then
    pass "postgresql text report line"
else
    fail "postgresql text report line" "$("$BIN" -r $D/postgresql-refused.pcap | grep STARTTLS)"
fi
