#!/bin/sh
# tlsdiag report: the --json of `--shard K/4`, K = 0..3, joined, is the single-process report: the
# JSON summary (elapsed_s aside), every connection object in the same order with the same id (the
# fields "sensor" and "sensor_id" added), the text roll-up and summary, each connection's header,
# verdict, evidence, fix, TLS, certificate, alert and findings lines.  On samples/mixed/ (320
# connections, every failure class), the bundled samples (several files, one shard read from stdin)
# and a generated capture (tests/bench/gencap.c).  Also: --json=ecs
# against the plain JSON of the same capture, damaged inputs (FILE:LINE, exit 2, what came before
# still reported), a missing or repeated shard, -q/--verdict, --html, --sensor.
BIN=${TLSDIAG:-./tlsdiag}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass() { echo "ok report_merge $1"; }
fail() { echo "not ok report_merge $1${2:+: $2}"; }

if ! command -v python3 >/dev/null 2>&1; then echo "skip report_merge: python3 not installed"; exit 0; fi

# compare_json ALL MERGED: prints what differs (nothing when the merge is the single run).
# A finding or evidence text naming a sibling ("connection #N, ... 0.6 s later") is compared without
# it: a shard may pick another sibling of the same client and server than the single run does (on
# samples/mixed, 5 of 320: --shard's doing, not the merge's); that the merged numbers name a
# connection of the same client and server is checked instead.
compare_json() {
    python3 - "$1" "$2" <<'EOF'
import json, re, sys
def load(p):
    rows = [json.loads(l) for l in open(p) if l.strip()]
    return [r for r in rows if r["type"] == "connection"], [r for r in rows if r["type"] == "summary"]
a, sa = load(sys.argv[1])
b, sb = load(sys.argv[2])
bad = []
if len(sa) != 1 or len(sb) != 1:
    bad.append("summaries: %d and %d" % (len(sa), len(sb)))
else:
    sa[0].pop("elapsed_s"); sb[0].pop("elapsed_s")
    for k in sorted(set(sa[0]) | set(sb[0])):
        if sa[0].get(k) != sb[0].get(k):
            bad.append("summary %s: %s vs %s" % (k, str(sa[0].get(k))[:150], str(sb[0].get(k))[:150]))
if len(a) != len(b):
    bad.append("%d connections vs %d" % (len(a), len(b)))
SIB = re.compile(r"(connection|sibling|attempt) #[0-9]+")
def sib(o):
    for f in o.get("findings", []): f["detail"] = "(names a sibling)" if SIB.search(f["detail"]) else f["detail"]
    for e in o.get("evidence", []): e["what"] = "(names a sibling)" if SIB.search(e["what"]) else e["what"]
    return o
by_id = {o["id"]: o for o in b}
for x, y in zip(a, b):
    if "sensor" not in y or "sensor_id" not in y:
        bad.append("#%s: no sensor or sensor_id" % y.get("id")); break
    for text in [f["detail"] for f in y.get("findings", [])] + [e["what"] for e in y.get("evidence", [])]:
        for n in re.findall(r"(?:connection|sibling|attempt) #([0-9]+)", text):
            z = by_id.get(int(n))
            if not z or (z["client"]["ip"], z["server"]["ip"]) != (y["client"]["ip"], y["server"]["ip"]):
                bad.append("#%d names #%s, not a connection of its client and server" % (y["id"], n))
    y = dict(y); y.pop("sensor"); y.pop("sensor_id")
    if sib(json.loads(json.dumps(x))) != sib(y):
        keys = [k for k in x if x.get(k) != y.get(k)]
        bad.append("connection #%s differs in %s" % (x["id"], ",".join(keys)[:100]))
print("\n".join(bad[:5]))
EOF
}

# text_blocks FILE: the connections of a text report (unwrapped: COLUMNS=10000) without the lines a
# record cannot rebuild (its sensor line; the TCP, client auth, client cert, plaintext, STARTTLS,
# proxy, QUIC and decrypted lines want facts the JSON does not carry) and without sibling texts.
text_blocks() {
    python3 - "$1" <<'EOF'
import re, sys
skip = {"sensor", "TCP", "client auth", "client cert", "plaintext", "STARTTLS", "proxy", "QUIC", "decrypted"}
label = None
for line in open(sys.argv[1]):
    if line.startswith("Servers: ") or line.startswith("Summary: "): break
    m = re.match(r"  (\S[^ ]*(?: [a-z]+)?) {2,}", line)
    if m: label = m.group(1)
    elif not line.startswith("   "): label = None
    if label in skip: continue
    print(re.sub(r"(connection|sibling|attempt) #[0-9]+.*", "(names a sibling)", line.rstrip("\n")))
EOF
}

# shards_check NAME ARGS...: tlsdiag ARGS against tlsdiag report of its 4 shards (shard 3 from stdin).
shards_check() {
    name=$1
    shift
    "$BIN" --json "$@" > "$tmp/all.jsonl" 2>/dev/null
    COLUMNS=10000 "$BIN" "$@" > "$tmp/all.txt" 2>/dev/null
    for k in 0 1 2 3; do "$BIN" --json --shard "$k/4" "$@" > "$tmp/s$k.jsonl" 2>/dev/null; done
    "$BIN" report --json "$tmp/s0.jsonl" "$tmp/s1.jsonl" "$tmp/s2.jsonl" - < "$tmp/s3.jsonl" > "$tmp/m.jsonl" 2> "$tmp/err"
    rc=$?
    COLUMNS=10000 "$BIN" report "$tmp/s0.jsonl" "$tmp/s1.jsonl" "$tmp/s2.jsonl" "$tmp/s3.jsonl" > "$tmp/m.txt" 2>> "$tmp/err"
    rc2=$?
    n=$(grep -c '"type":"connection"' "$tmp/all.jsonl")
    diffs=$(compare_json "$tmp/all.jsonl" "$tmp/m.jsonl")
    # The text: the roll-up and summary (the run time aside), and each connection's header and verdict.
    sed -n '/^Servers: /,$p' "$tmp/all.txt" | sed 's/, [0-9.]* s$//' > "$tmp/a.tail"
    sed -n '/^Servers: /,$p' "$tmp/m.txt" | sed 's/, [0-9.]* s$//' > "$tmp/b.tail"
    text_blocks "$tmp/all.txt" > "$tmp/a.heads"
    text_blocks "$tmp/m.txt" > "$tmp/b.heads"
    want=$( [ "$(grep -c '"verdict":"ok"' "$tmp/all.jsonl")" -eq "$n" ] && echo 0 || echo 1)
    if [ "$n" -lt 10 ]; then fail "$name" "only $n connections in the single run"
    elif [ $rc -ne "$want" ] || [ $rc2 -ne "$want" ]; then fail "$name" "exit $rc/$rc2, want $want: $(head -c 300 "$tmp/err")"
    elif [ -s "$tmp/err" ]; then fail "$name" "stderr: $(head -c 300 "$tmp/err")"
    elif [ -n "$diffs" ]; then fail "$name" "$diffs"
    elif ! [ -s "$tmp/a.tail" ] || ! cmp -s "$tmp/a.tail" "$tmp/b.tail"; then
        fail "$name" "text roll-up/summary differs: $(diff "$tmp/a.tail" "$tmp/b.tail" | head -n 4 | tr '\n' '|')"
    elif [ "$(grep -c '^#' "$tmp/a.heads")" -ne "$n" ] || ! cmp -s "$tmp/a.heads" "$tmp/b.heads"; then
        fail "$name" "text connections differ: $(diff "$tmp/a.heads" "$tmp/b.heads" | head -n 4 | tr '\n' '|')"
    else
        pass "$name ($n connections)"
    fi
}

if [ -f samples/mixed/mixed.pcap ]; then
    shards_check "samples/mixed, 4 shards" --cacert samples/mixed/root.pem -r samples/mixed/mixed.pcap
    shards_check "samples, several files, 4 shards" --cacert samples/ca/test-root-ca.pem -r samples/*.pcap samples/*.pcapng
else
    echo "skip report_merge samples: samples/ not made yet"
fi
if cc -std=c17 -D_GNU_SOURCE -O1 -o "$tmp/gencap" tests/bench/gencap.c $(pkg-config --cflags --libs openssl 2>/dev/null || echo -lcrypto) -lm 2>"$tmp/cc.err" &&
    "$tmp/gencap" handshake -n 2000 -s 11 --keys tests/bench/keys --ca "$tmp/ca.pem" -o "$tmp/g.pcap" 2>/dev/null; then
    shards_check "generated 2000 connections, 4 shards" -r "$tmp/g.pcap"
    # 20000: the single run passes 128 unanswered SYNs open to the end (the engine's reorder cap)
    # and keeps their places; the shards do not need to.
    # (Not under AddressSanitizer, where it would take half a minute: the same code runs there at
    # 2000 connections here and at 20000 in tests/shard.sh.)
    case $BIN in
    *build-san*) echo "skip report_merge generated 20000 connections: under AddressSanitizer (tests/shard.sh runs them)" ;;
    *) if "$tmp/gencap" handshake -n 20000 -s 1 --keys tests/bench/keys --ca "$tmp/ca.pem" -o "$tmp/g.pcap" 2>/dev/null; then
        shards_check "generated 20000 connections, 4 shards" --cacert "$tmp/ca.pem" -r "$tmp/g.pcap"
    else
        fail "generated 20000 connections" "gencap failed"
    fi ;;
    esac
else
    fail "generated capture" "cannot build or run tests/bench/gencap.c: $(head -c 300 "$tmp/cc.err")"
fi

# --json=ecs: the same connections as --json, under ECS names; tlsdiag report --json=ecs of the
# shards says the same as the single run's --json=ecs (sensor fields and sibling numbers aside).
F=samples/mixed/mixed.pcap
[ -f "$F" ] || F=$(ls samples/*.pcap | head -n 1)
"$BIN" --json -r "$F" > "$tmp/plain.jsonl" 2>/dev/null
"$BIN" --json=ecs --sensor tap-1 -r "$F" > "$tmp/ecs.jsonl" 2>/dev/null
for k in 0 1; do "$BIN" --json --shard "$k/2" -r "$F" > "$tmp/e$k.jsonl" 2>/dev/null; done
"$BIN" report --json=ecs "$tmp/e0.jsonl" "$tmp/e1.jsonl" > "$tmp/ecs_m.jsonl" 2>/dev/null
r=$(python3 - "$tmp/plain.jsonl" "$tmp/ecs.jsonl" "$tmp/ecs_m.jsonl" <<'EOF'
import json, re, sys
plain = [json.loads(l) for l in open(sys.argv[1])]
ecs = [json.loads(l) for l in open(sys.argv[2])]
merged = [json.loads(l) for l in open(sys.argv[3])]
bad = []
conns = [p for p in plain if p["type"] == "connection"]
if len(ecs) != len(plain) or len(merged) != len(plain):
    bad.append("%d ECS lines, %d merged, for %d plain" % (len(ecs), len(merged), len(plain)))
def check(p, e):
    t = p["tls"]
    ver = {"TLS1.0": "1.0", "TLS1.1": "1.1", "TLS1.2": "1.2", "TLS1.3": "1.3", "SSL3": "3.0", "SSL2": "2.0"}
    want = {
        "@timestamp": p["start"], "event.start": p["start"], "event.kind": "event",
        "event.outcome": "success" if p.get("verdict") == "ok" else "failure",
        "source.ip": p["client"]["ip"], "source.port": p["client"]["port"],
        "destination.ip": p["server"]["ip"], "destination.port": p["server"]["port"],
        "client.ip": p["client"]["ip"], "server.port": p["server"]["port"],
        "network.transport": "udp" if p["transport"] == "quic" else "tcp",
        "tls.cipher": t.get("cipher"), "tls.client.server_name": t.get("sni"), "tls.client.ja3": t.get("ja3"),
        "tls.server.ja3s": t.get("ja3s"), "tls.next_protocol": t.get("alpn"), "tls.resumed": t["resumed"],
        "tls.established": p.get("verdict") == "ok", "tls.client.supported_ciphers": t.get("offered_ciphers"),
        "tls.version": ver.get(t.get("version")), "tls.version_protocol": (t.get("version") or "")[:3].lower() or None,
        "tlsdiag.verdict": p.get("verdict"), "tlsdiag.confidence": p.get("confidence"),
        "tlsdiag.findings": p["findings"], "tlsdiag.evidence": p.get("evidence"), "tlsdiag.remedy": p.get("remedy"),
        "tlsdiag.ja4": t.get("ja4"), "tlsdiag.id": p["id"], "observer.name": "tap-1",
    }
    if t.get("version") not in ver: want.pop("tls.version"); want.pop("tls.version_protocol")
    if t["server_chain"] and not t["server_chain"][0].get("parse_error"):
        c = t["server_chain"][0]
        want.update({"tls.server.x509.serial_number": c["serial"], "tls.server.hash.sha256": c["sha256"].upper(),
                     "tls.server.x509.subject.distinguished_name": c["subject"], "tls.server.x509.alternative_names": c["san"],
                     "tls.server.x509.not_after": c["not_after"], "tls.server.subject": c["subject"]})
    for k, v in want.items():
        x = e
        for part in (k.split(".", 1) if k.startswith("@") else k.split(".")):
            x = x.get(part) if isinstance(x, dict) else None
        if x != v:
            bad.append("#%d %s: %s, want %s" % (p["id"], k, str(x)[:60], str(v)[:60]))
for p, e in zip(conns, ecs):
    check(p, e)
def norm(e):
    e = json.loads(json.dumps(e)); d = e.get("tlsdiag", {})
    for k in ("sensor", "sensor_id"): d.pop(k, None)
    e.pop("observer", None)
    for x in d.get("findings", []) + (d.get("evidence") or []):
        for k in ("detail", "what"):
            if k in x and re.search(r"(connection|sibling|attempt) #[0-9]+", x[k]): x[k] = "(names a sibling)"
    return json.dumps(e, sort_keys=True)
for e, m in zip(ecs[:-1], merged[:-1]):
    if norm(e) != norm(m):
        bad.append("#%s: report --json=ecs differs from the single run's" % e["tlsdiag"]["id"]); break
s = ecs[-1]
if s.get("event", {}).get("dataset") != "tlsdiag.summary" or s["tlsdiag"]["summary"]["connections"] != len(conns):
    bad.append("the summary line is not tlsdiag.summary with the connections counted")
if not conns:
    bad.append("no connections")
print("\n".join(bad[:5]))
EOF
)
[ -z "$r" ] && pass "--json=ecs fields against --json ($F)" || fail "--json=ecs" "$r"

# --sensor: in each record when given, never otherwise (the golden files stay as they are).
if grep -q '"sensor"' "$tmp/plain.jsonl"; then fail "--sensor" "a sensor field without --sensor"
elif [ "$("$BIN" --json --sensor 'tap "2"' -r "$F" 2>/dev/null | grep -c '"id":[0-9]*,"sensor":"tap \\"2\\"",')" -ne "$(grep -c '"type":"connection"' "$tmp/plain.jsonl")" ]; then
    fail "--sensor" "not in every record after its id"
else
    pass "--sensor"
fi

# Damage: a line cut in the middle, a line that is not JSON, a missing file.  Each said once as
# FILE:LINE, exit 2, and what came before still reported (the cut input's connections counted from
# their records, and said so).
"$BIN" --json --shard 0/2 -r "$F" > "$tmp/d0.jsonl" 2>/dev/null
"$BIN" --json --shard 1/2 -r "$F" > "$tmp/d1.jsonl" 2>/dev/null
n0=$(grep -c '"type":"connection"' "$tmp/d0.jsonl")
n1=$(grep -c '"type":"connection"' "$tmp/d1.jsonl")
head -n 5 "$tmp/d1.jsonl" > "$tmp/cut.jsonl"
sed -n 6p "$tmp/d1.jsonl" | head -c 300 >> "$tmp/cut.jsonl"
printf '\n' >> "$tmp/cut.jsonl"
printf 'not json\n' > "$tmp/junk.jsonl"
"$BIN" report --json "$tmp/d0.jsonl" "$tmp/cut.jsonl" "$tmp/junk.jsonl" "$tmp/missing.jsonl" > "$tmp/dm.jsonl" 2> "$tmp/derr"
rc=$?
got=$(grep -c '"type":"connection"' "$tmp/dm.jsonl")
sum=$(tail -n 1 "$tmp/dm.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("connections"))' 2>/dev/null)
if [ $rc -ne 2 ]; then fail "damaged inputs" "exit $rc, want 2"
elif ! grep -q "^tlsdiag: $tmp/cut.jsonl:6: not JSON: column [0-9]*: " "$tmp/derr" ||
     ! grep -q "^tlsdiag: $tmp/junk.jsonl:1: not JSON: column 1: expected a value, found 'n'$" "$tmp/derr" ||
     ! grep -q "^tlsdiag: $tmp/missing.jsonl: cannot open: " "$tmp/derr" ||
     ! grep -q "^tlsdiag: $tmp/cut.jsonl: 5 connections after its last summary record (cut short?)" "$tmp/derr"; then
    fail "damaged inputs" "messages: $(tr '\n' '|' < "$tmp/derr" | head -c 400)"
elif [ "$(wc -l < "$tmp/derr")" -ne 4 ]; then fail "damaged inputs" "$(wc -l < "$tmp/derr") lines on stderr, want 4"
elif [ "$got" -ne $((n0 + 5)) ] || [ "$sum" != $((n0 + 5)) ]; then
    fail "damaged inputs" "$got connections written, summary $sum; want $((n0 + 5)) (shard 0's $n0 and the 5 before the cut)"
else
    pass "damaged inputs: FILE:LINE, exit 2, the rest reported"
fi

# A shard missing is noted; a shard given twice is refused (its connections would count twice).
"$BIN" report --json "$tmp/d0.jsonl" > "$tmp/one.jsonl" 2>/dev/null
"$BIN" report --json "$tmp/d0.jsonl" "$tmp/d0.jsonl" > "$tmp/twice.jsonl" 2> "$tmp/twice"
rc=$?
if ! tail -n 1 "$tmp/one.jsonl" | grep -q 'only 1 of the 2 shards of the capture were read'; then fail "shards" "no note of the missing shard"
elif [ $rc -ne 2 ] || ! grep -q "d0.jsonl:$(grep -c . "$tmp/d0.jsonl"): summary: shard 0/2 of these files was read already" "$tmp/twice"; then
    fail "shards" "a shard given twice: exit $rc, $(head -c 200 "$tmp/twice")"
elif ! cmp -s "$tmp/one.jsonl" "$tmp/twice.jsonl" 2>/dev/null &&
     [ "$(grep -c '"type":"connection"' "$tmp/twice.jsonl")" -ne "$n0" ]; then
    fail "shards" "a shard given twice: its connections written twice"
else
    pass "a missing shard noted, a repeated one refused"
fi

# -q and --verdict show fewer connections, the summary still counts all; --html writes the page.
"$BIN" report --json -q "$tmp/d0.jsonl" "$tmp/d1.jsonl" > "$tmp/q.jsonl" 2>/dev/null
"$BIN" report --json --verdict ok "$tmp/d0.jsonl" "$tmp/d1.jsonl" > "$tmp/v.jsonl" 2>/dev/null
"$BIN" report --html "$tmp/p.html" -o "$tmp/p.txt" "$tmp/d0.jsonl" "$tmp/d1.jsonl" 2>/dev/null
problems=$(grep '"type":"connection"' "$tmp/plain.jsonl" | grep -vc '"verdict":"ok"')
oks=$(grep '"type":"connection"' "$tmp/plain.jsonl" | grep -c '"verdict":"ok"')
if [ "$(grep -c '"type":"connection"' "$tmp/q.jsonl")" -ne "$problems" ] || grep -q '"verdict":"ok"' "$tmp/q.jsonl" ||
   [ "$(grep -c '"type":"connection"' "$tmp/v.jsonl")" -ne "$oks" ] ||
   [ "$(tail -n 1 "$tmp/q.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["connections"])')" -ne $((n0 + n1)) ]; then
    fail "-q, --verdict" "$(grep -c '"type":"connection"' "$tmp/q.jsonl") shown with -q ($problems problems), $(grep -c '"type":"connection"' "$tmp/v.jsonl") with --verdict ok ($oks)"
elif [ "$(grep -c '<article class="conn' "$tmp/p.html")" -ne $((n0 + n1)) ] || ! grep -q '<h2>Servers' "$tmp/p.html" ||
     ! grep -q '^Summary: ' "$tmp/p.txt"; then
    fail "--html" "$(grep -c '<article class="conn' "$tmp/p.html") articles for $((n0 + n1)) connections"
else
    pass "-q, --verdict, --html, -o"
fi
