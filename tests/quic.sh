#!/bin/sh
# tests/quic.sh - QUIC (HTTP/3 on UDP 443) against references that are not tlsdiag's own: every
# connection of every capture in samples/quic/ read with --cacert and its key log must show what
# samples/quic/expected.txt (tshark's reading, from how each sample was made) says, field by field:
# transport, SNI, ALPN offered, QUIC version, Retry, Version Negotiation, the first
# CONNECTION_CLOSE (side, code) and its TLS alert; with tshark installed, also what tshark reads
# now in the same captures (per quic.connection.number: SNI, version, Retry, Version Negotiation,
# first close with its packet number).  Legitimate differences are listed below with their
# reasons and must still happen.  Then the command line: --verdict quic-blocked, the text
# report's /udp and QUIC line, -P/-A with QUIC moved to UDP 8443, the JA4 "q" prefix, --html.
# Needs python3 (tshark optional); prints "skip quic: why" otherwise.
set -u
export LC_ALL=C
BIN=${TLSDIAG:-./tlsdiag}
D=samples/quic
skip() { echo "skip quic: $*"; exit 0; }
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
[ -x "$BIN" ] || skip "no tlsdiag binary at $BIN"
[ -f $D/expected.txt ] || skip "$D/expected.txt is missing"
tmp=$(mktemp -d /tmp/tlsdiag-quic.XXXXXX) || skip "cannot make a temporary directory"
trap 'rm -rf "$tmp"' EXIT
pass() { echo "ok quic $1"; }
fail() { echo "not ok quic $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -8 | sed 's/^/    /'; }

# ---- every capture, with its key log where there is one: tlsdiag's JSON, tshark's fields -------
TSHARK=absent
command -v tshark >/dev/null 2>&1 && TSHARK=run
fields() {  # NAME: tshark's reading of samples/quic/NAME.pcap (with its key log) in $tmp/NAME.tshark
    opt=""
    [ -f "$D/$1.keys" ] && opt="tls.keylog_file:$D/$1.keys"
    python3 tests/crosscheck/tshark_cached.py --command \
    tshark -r "$D/$1.pcap" ${opt:+-o "$opt"} -T fields -E separator=/t -E aggregator=, -E occurrence=a \
        -e frame.number -e ip.src -e icmp.type -e quic.connection.number -e quic.long.packet_type \
        -e quic.version -e quic.frame_type -e tls.handshake.type -e tls.handshake.extensions_server_name \
        -e quic.cc.error_code -e quic.cc.error_code.app -e quic.cc.error_code.tls_alert \
        >"$tmp/$1.tshark" 2>"$tmp/$1.tshark-err" || fail "tshark on $1.pcap" "$(cat "$tmp/$1.tshark-err")"
}
i=0
for f in "$D"/*.pcap; do
    n=$(basename "$f" .pcap)
    if [ $TSHARK = run ]; then           # two at a time, beside tlsdiag: tshark takes most of the time
        fields "$n" &
        i=$((i + 1))
        [ $((i % 2)) = 0 ] && wait
    fi
    keys=""
    [ -f "$D/$n.keys" ] && keys="--keylog $D/$n.keys"
    # shellcheck disable=SC2086
    "$BIN" --json --cacert $D/ca/root.pem $keys -r "$f" >"$tmp/$n.json" 2>"$tmp/$n.err"
    rc=$?
    [ $rc -le 1 ] || fail "run $n.pcap: exit status $rc" "$(cat "$tmp/$n.err")"
done
wait

python3 - "$tmp" "$D/expected.txt" "$TSHARK" <<'PY'
import glob, json, os, sys
tmp, expected_txt, tshark = sys.argv[1], sys.argv[2], sys.argv[3]

# Listed deviations: where tlsdiag and a reference (expected.txt, or tshark run now) legitimately
# differ.  (reference, connection, field): (what tlsdiag says, why).  A listed deviation that no
# longer happens fails, so that the list stays true.
DEVIATIONS = {
    ("expected", "quic-version-negotiation.pcap#1", "sni"): ("-",
        "the client's Initial is in version 0x1a2a3a4a (reserved for forcing negotiation): its keys are "
        "version-specific (RFC 9001 5.2) and tlsdiag opens only the versions it knows (v1, v2, drafts "
        "29-34); tshark falls back to the v1 salt for a version it does not know, which is what ngtcp2 "
        "used, so it reads the ClientHello"),
    ("expected", "quic-version-negotiation.pcap#1", "alpn"): ("-", "the same unopened Initial"),
    ("tshark", "quic-version-negotiation.pcap#1", "sni"): ("-", "the same unopened Initial"),
}
seen_dev = set()

def conns(name):
    out = []
    for line in open(os.path.join(tmp, name + ".json")):
        o = json.loads(line)
        if o.get("type") == "connection":
            out.append(o)
    return sorted(out, key=lambda o: o["first_packet"])

def hexcode(c):
    return ("app:0x%x" if c.get("type") == "application" else "0x%x") % c["code"]

def first_close(o):
    """(side, close object) of the first CONNECTION_CLOSE (lowest packet number), or (None, None)."""
    q = o.get("quic") or {}
    both = [(c["packet"], side, c) for side, c in (("client", q.get("close_client")), ("server", q.get("close_server"))) if c]
    if not both:
        return None, None
    both.sort(key=lambda x: x[0])
    return both[0][1], both[0][2]

def facts(o):
    """tlsdiag's connection in expected.txt's columns."""
    q, t = o.get("quic") or {}, o.get("tls") or {}
    f = {"transport": o.get("transport") or "?", "sni": t.get("sni") or "-",
         "alpn": ",".join(t.get("alpn_offered") or []) or "-",
         "quic_version": q.get("version_hex") or "-",
         "retry": "yes" if (q.get("retries") or 0) > 0 else "no",
         "version_negotiation": "yes" if q.get("version_negotiation") is not None else "no"}
    if o.get("transport") == "quic":
        side, c = first_close(o)
        f["close_from"] = side or "none"
        f["close_code"] = hexcode(c) if c else "-"
        f["tls_alert"] = (c.get("tls_alert") or "-") if c else "-"
    else:   # over TCP expected.txt's close is the first TLS alert record
        al = sorted(t.get("alerts") or [], key=lambda a: a.get("packet", 0))
        f["close_from"] = al[0]["from"] if al else "none"
        f["close_code"] = "-"
        f["tls_alert"] = al[0]["description"] if al else "-"
    return f

def compare(ref, at, want, got, fields):
    """Print one line for connection AT; return (equal, compared, listed deviations)."""
    bad, dev, eq = [], [], 0
    for k in fields:
        key = (ref, at, k)
        if key in DEVIATIONS:
            seen_dev.add(key)
            says, why = DEVIATIONS[key]
            if got[k] == says and want[k] != says:
                dev.append(k)
                continue
            bad.append("%s: listed deviation no longer happens (%s says %s, tlsdiag %s; the list says tlsdiag "
                       "says %s): update the list" % (k, ref, want[k], got[k], says))
        elif want[k] == got[k]:
            eq += 1
        else:
            bad.append("%s want %s got %s" % (k, want[k], got[k]))
    name = "quic-facts" if ref == "expected" else "quic-tshark"
    note = " (%d fields%s)" % (len(fields), "; listed deviations: " + ", ".join(dev) if dev else "")
    print(("ok %s %s%s" % (name, at, note)) if not bad else "not ok %s %s: %s" % (name, at, "; ".join(bad)))
    return eq, len(fields), len(dev)

# ---- 1. against expected.txt ----------------------------------------------------------------------
COLS = ["transport", "sni", "alpn", "quic_version", "retry", "version_negotiation", "close_from", "close_code", "tls_alert"]
want_by_file = {}
for line in open(expected_txt):
    if not line.strip() or line.startswith("#"):
        continue
    cells = line.rstrip("\n").split("\t")
    want_by_file.setdefault(cells[0], []).append(dict(zip(COLS, cells[1:10])))
captures = sorted(os.path.basename(p) for p in glob.glob(os.path.join(os.path.dirname(expected_txt), "*.pcap")))
for c in captures:
    if c not in want_by_file:
        print("not ok quic-facts %s: not in expected.txt" % c)
eq = total = ndev = 0
for f in sorted(want_by_file):
    got = conns(f[:-5]) if f in captures else []
    want = want_by_file[f]
    if len(got) != len(want):
        print("not ok quic-facts %s: expected.txt lists %d connections, tlsdiag reports %d" % (f, len(want), len(got)))
    for i, w in enumerate(want):
        at = "%s#%d" % (f, i + 1)
        if i >= len(got):
            total += len(COLS)
            continue
        e, n, d = compare("expected", at, w, facts(got[i]), COLS)
        eq, total, ndev = eq + e, total + n, ndev + d
print("# quic-facts: %d of %d fields equal to expected.txt (%.1f%%), %d differ as listed deviations, %d otherwise"
      % (eq, total, 100.0 * eq / max(total, 1), ndev, total - eq - ndev))

# ---- 2. against tshark, run now -------------------------------------------------------------------
def tshark_conns(path):
    """tshark's QUIC connections (quic.connection.number) in the order of their first frame."""
    cs = {}
    for line in open(path):
        r = line.rstrip("\n").split("\t")
        r += [""] * (12 - len(r))
        frame, src, icmp, num, ptype, ver, ftype, hstype, sni, cc, ccapp, alert = r[:12]
        if icmp or not num:         # an ICMP error quotes the datagram: not a packet of the connection
            continue
        num = num.split(",")[0]
        src = src.split(",")[0]
        c = cs.setdefault(num, {"first": int(frame), "client": src, "sni": "-", "quic_version": "-",
                                "retry": "no", "version_negotiation": "no", "close_from": "none",
                                "close_code": "-", "tls_alert": "-", "close_packet": "-"})
        fromcli = src == c["client"]
        vers, ptypes = ver.split(","), ptype.split(",")
        if fromcli and c["quic_version"] == "-" and ptype and ver:
            c["quic_version"] = vers[0]
        if "3" in ptypes:
            c["retry"] = "yes"
        if "0x00000000" in vers:
            c["version_negotiation"] = "yes"
        if fromcli and sni and c["sni"] == "-" and "1" in hstype.split(","):
            c["sni"] = sni.split(",")[0]
        if c["close_from"] == "none" and (cc or ccapp):
            c["close_from"] = "client" if fromcli else "server"
            c["close_packet"] = frame
            kinds = [x for x in ftype.split(",") if x in ("28", "29")]
            if (kinds and kinds[0] == "29") or not cc:
                c["close_code"] = "app:0x%x" % int(ccapp.split(",")[0])
            else:
                c["close_code"] = "0x%x" % int(cc.split(",")[0])
                if alert:
                    c["tls_alert"] = "alert%d" % int(alert.split(",")[0])
    return sorted(cs.values(), key=lambda c: c["first"])

ALERT_CODES = {"certificate_unknown": 46, "bad_certificate": 42, "certificate_required": 116,
               "no_application_protocol": 120, "unknown_ca": 48, "handshake_failure": 40,
               "certificate_expired": 45, "illegal_parameter": 47, "decode_error": 50, "internal_error": 80}
def ours_for_tshark(o):
    f = facts(o)
    side, c = first_close(o)
    f["close_packet"] = str(c["packet"]) if c else "-"
    a = f["tls_alert"]
    f["tls_alert"] = "alert%d" % ALERT_CODES[a] if a in ALERT_CODES else a
    return f

TCOLS = ["sni", "quic_version", "retry", "version_negotiation", "close_from", "close_code", "close_packet", "tls_alert"]
if tshark != "run":
    print("skip quic-tshark: tshark is not installed (apt-get install tshark): only expected.txt compared")
else:
    eq = total = ndev = 0
    for f in captures:
        theirs = tshark_conns(os.path.join(tmp, f[:-5] + ".tshark"))
        ours = {o["first_packet"]: o for o in conns(f[:-5]) if o.get("transport") == "quic"}
        if len(theirs) != len(ours):
            print("not ok quic-tshark %s: tshark finds %d QUIC connections (first frames %s), tlsdiag %d (%s)"
                  % (f, len(theirs), [c["first"] for c in theirs], len(ours), sorted(ours)))
        for i, c in enumerate(theirs):
            at = "%s#%d" % (f, i + 1)
            o = ours.get(c["first"])
            if o is None:
                print("not ok quic-tshark %s: tshark's connection from frame %d: tlsdiag has none starting there" % (at, c["first"]))
                total += len(TCOLS)
                continue
            e, n, d = compare("tshark", at, c, ours_for_tshark(o), TCOLS)
            eq, total, ndev = eq + e, total + n, ndev + d
    print("# quic-tshark: %d of %d fields equal to tshark's (%.1f%%), %d differ as listed deviations, %d otherwise"
          % (eq, total, 100.0 * eq / max(total, 1), ndev, total - eq - ndev))
for key in sorted(set(DEVIATIONS) - seen_dev):
    if key[0] == "expected" or tshark == "run":
        print("not ok quic-deviations %s %s %s: listed, but no such connection was compared" % key)

# ---- 3. JA4 of QUIC: "q", TLS 1.3, SNI or not, ALPN's first and last characters (expected.txt) -----
for f in sorted(want_by_file):
    for i, (o, w) in enumerate(zip(conns(f[:-5]), want_by_file[f])):
        ja4 = (o.get("tls") or {}).get("ja4")
        at = "%s#%d" % (f, i + 1)
        if w["sni"] == "-" or ("expected", at, "sni") in DEVIATIONS:
            continue               # no whole ClientHello read (in the capture, or opened): no fingerprint
        alpn = w["alpn"].split(",")[0]
        want = ("q" if w["transport"] == "quic" else "t") + "13" + "d"
        ok = bool(ja4) and ja4.startswith(want) and ja4[8:10] == alpn[0] + alpn[-1]
        print(("ok quic-ja4 %s %s" % (at, ja4)) if ok else
              "not ok quic-ja4 %s: want %s..%s%s_..., got %s" % (at, want, alpn[0], alpn[-1], ja4))
PY

# ---- --verdict quic-blocked ------------------------------------------------------------------------
"$BIN" --verdict quic-blocked -r $D/quic-blocked-ngtcp2.pcap >"$tmp/vb.txt" 2>&1
if grep -q '^#1 .*:443/udp' "$tmp/vb.txt" && grep -q '^  verdict *quic-blocked ' "$tmp/vb.txt"; then
    pass "--verdict quic-blocked shows the blocked connection"
else
    fail "--verdict quic-blocked shows the blocked connection" "$(cat "$tmp/vb.txt")"
fi
"$BIN" --verdict quic-blocked -r $D/quic-ok-ngtcp2.pcap >"$tmp/vo.txt" 2>&1
if ! grep -q '^#[0-9]' "$tmp/vo.txt" && grep -q '^Summary: 1 connection' "$tmp/vo.txt"; then
    pass "--verdict quic-blocked hides an ok QUIC connection"
else
    fail "--verdict quic-blocked hides an ok QUIC connection" "$(cat "$tmp/vo.txt")"
fi

# ---- the text report: /udp after the server and a QUIC line for each QUIC connection (expected.txt
# counts them), none for TCP; the QUIC line says who closed first, as expected.txt does ----------
for f in "$D"/*.pcap; do
    n=$(basename "$f" .pcap)
    keys=""
    [ -f "$D/$n.keys" ] && keys="--keylog $D/$n.keys"
    # shellcheck disable=SC2086
    "$BIN" --cacert $D/ca/root.pem $keys -r "$f" 2>/dev/null | awk -v f="$n.pcap" '
        /^#[0-9]+ / { if (h != "") print f "\t" h "\t" q; h = $0; q = ""; inq = 0; next }
        /^  QUIC / { inq = 1; sub(/^  QUIC +/, ""); q = $0; next }
        inq && /^               / { sub(/^ +/, ""); q = q " " $0; next }
        { inq = 0 }
        /^Servers:/ { if (h != "") print f "\t" h "\t" q; h = "" }' >>"$tmp/text.tsv"
done
python3 - "$tmp/text.tsv" "$D/expected.txt" <<'PY'
import re, sys
got = {}
for line in open(sys.argv[1]):
    f, head, q = (line.rstrip("\n").split("\t") + ["", ""])[:3]
    got.setdefault(f, []).append((head, q))
bad = []
nq = 0
want = {}
for line in open(sys.argv[2]):
    if line.strip() and not line.startswith("#"):
        c = line.split("\t")
        want.setdefault(c[0], []).append(c)
for f, rows in sorted(want.items()):
    g = got.get(f, [])
    if len(g) != len(rows):
        bad.append("%s: %d connections in the text report, expected.txt %d" % (f, len(g), len(rows)))
        continue
    for i, (w, (head, q)) in enumerate(zip(rows, g)):
        at = "%s#%d" % (f, i + 1)
        udp = re.search(r"-> \S+:443/udp( |$)", head) is not None
        if w[1] == "quic":
            nq += 1
            if not udp or not q:
                bad.append("%s: QUIC, but header %r, QUIC line %r" % (at, head, q))
            elif w[7] != "none" and ("%s closed:" % w[7]) not in q:
                bad.append("%s: QUIC line %r, but expected.txt says the %s closed first" % (at, q, w[7]))
            elif w[7] == "none" and "no CONNECTION_CLOSE" not in q:
                bad.append("%s: QUIC line %r, but expected.txt has no CONNECTION_CLOSE" % (at, q))
        elif udp or q:
            bad.append("%s: TCP, but header %r, QUIC line %r" % (at, head, q))
print(("ok quic text-report: /udp and a QUIC line for the %d QUIC connections, none for TCP" % nq) if not bad
      else "not ok quic text-report: " + "; ".join(bad[:6]))
# Plurals, as everywhere in the report (tests/report.sh): "1 packet", never "1 packets".
ones = sorted({q for rows in got.values() for _, q in rows if re.search(r"(^|[^\d/])1 packets\b", q)})
print("ok quic text-report plurals" if not ones else "not ok quic text-report plurals: %s" % "; ".join(ones[:3]))
PY

# ---- QUIC on another UDP port: 443 moved to 8443 (ports rewritten, UDP checksums zeroed: "none") --
python3 - $D/quic-ok-ngtcp2.pcap "$tmp/q8443.pcap" <<'PY' || fail "port rewrite" "could not rewrite the capture"
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
e = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">", b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}[bytes(d[:4])]
assert struct.unpack_from(e + "I", d, 20)[0] == 1, "not Ethernet"
o, moved = 24, 0
while o + 16 <= len(d):
    n = struct.unpack_from(e + "I", d, o + 8)[0]
    p = o + 16
    if n >= 42 and d[p + 12:p + 14] == b"\x08\x00" and d[p + 23] == 17:
        u = p + 14 + (d[p + 14] & 15) * 4
        for k in (u, u + 2):
            if struct.unpack_from(">H", d, k)[0] == 443:
                struct.pack_into(">H", d, k, 8443)
                moved += 1
        struct.pack_into(">H", d, u + 6, 0)
    o = p + n
assert moved, "no UDP 443 in the capture"
open(sys.argv[2], "wb").write(d)
PY
count_conns() { grep -c '"type":"connection"' "$1"; }
"$BIN" --json -r "$tmp/q8443.pcap" >"$tmp/p0.json" 2>&1
"$BIN" --json -P 8443 -r "$tmp/q8443.pcap" >"$tmp/p1.json" 2>&1
"$BIN" --json -A -r "$tmp/q8443.pcap" >"$tmp/p2.json" 2>&1
if [ "$(count_conns "$tmp/p0.json")" = 0 ]; then
    pass "UDP 8443 not reported without -A or -P (note: $(sed -n 's/.*"notes":\[\(.*\)\].*/\1/p' "$tmp/p0.json"))"
else
    fail "UDP 8443 not reported without -A or -P" "$(cat "$tmp/p0.json")"
fi
for v in p1:"-P 8443" p2:-A; do
    if python3 - "$tmp/${v%%:*}.json" <<'PY'
import json, sys
c = [o for o in map(json.loads, open(sys.argv[1])) if o.get("type") == "connection"]
# expected.txt's line for quic-ok-ngtcp2.pcap: QUIC, www.example.test, h3, ok; the port is the test's
sys.exit(not (len(c) == 1 and c[0]["transport"] == "quic" and c[0]["server"]["port"] == 8443 and
              c[0]["tls"]["sni"] == "www.example.test" and c[0]["tls"]["alpn_offered"] == ["h3"] and
              c[0]["verdict"] == "ok"))
PY
    then pass "UDP 8443 reported with ${v#*:}"
    else fail "UDP 8443 reported with ${v#*:}" "$(head -c 600 "$tmp/${v%%:*}.json")"
    fi
done

# ---- --html: the page holds the QUIC connection and says it is QUIC ------------------------------
"$BIN" --html "$tmp/q.html" --keylog $D/quic-ok-ngtcp2.keys -r $D/quic-ok-ngtcp2.pcap >/dev/null 2>&1
# "quic_transport_parameters" (a ClientHello extension's name) does not count.
if grep -q '<article class="conn[^"]*" id="conn-1"' "$tmp/q.html" 2>/dev/null &&
    sed 's/quic_transport_parameters//g' "$tmp/q.html" | grep -qi 'quic'; then
    pass "--html page shows the QUIC connection"
else
    fail "--html page shows the QUIC connection" "$(grep -o '<h3>.*</h3>' "$tmp/q.html" 2>/dev/null | head -3)"
fi
# The page marks the transport as the text report does: "/udp" after the server, a QUIC facts row.
if grep -q '443/udp' "$tmp/q.html" 2>/dev/null && grep -q 'QUIC (UDP): v1' "$tmp/q.html" 2>/dev/null; then
    pass "--html page marks the transport (/udp, a QUIC row)"
else
    fail "--html page marks the transport (/udp, a QUIC row)" "$(grep -o '<h3>.*</h3>' "$tmp/q.html" 2>/dev/null | head -3)"
fi
