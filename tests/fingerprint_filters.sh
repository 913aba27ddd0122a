#!/bin/sh
# JA3/JA3S/JA4 where a user meets them: --ja3 and --ja4 show exactly the connections with those
# fingerprints (any case, several in a list, JA3S too), reject what is not a fingerprint (exit 2);
# -v text and the --html page show them; the JSON's lists name GREASE "grease".  With tshark, its
# JA3 and JA3S of every sample's connections are tlsdiag's.
BIN=${TLSDIAG:-./tlsdiag}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass() { echo "ok fingerprint_filters $1"; }
fail() { echo "not ok fingerprint_filters $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -10 | sed 's/^/    /'; }
check() { name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
M=samples/mixed/mixed.pcap
if [ ! -f "$M" ] || ! command -v python3 >/dev/null 2>&1; then
    echo "skip fingerprint_filters: samples/mixed/mixed.pcap or python3 missing"; exit 0
fi
"$BIN" --json -r "$M" > "$tmp/all"
# count FIELD VALUE FILE: connections of FILE whose tls.FIELD is VALUE (VALUE "*": any non-null).
count() {
    python3 -c '
import json, sys
f, v = sys.argv[1], sys.argv[2]
n = 0
for l in open(sys.argv[3]):
    o = json.loads(l)
    if o["type"] == "connection" and o["tls"].get(f) is not None and (v == "*" or o["tls"][f] == v):
        n += 1
print(n)' "$@"
}
# The most common JA3 and JA4 of the capture, and a JA3S.
read ja3 ja4 ja3s <<EOT
$(python3 -c '
import collections, json, sys
c = [json.loads(l) for l in open(sys.argv[1])]
c = [o["tls"] for o in c if o["type"] == "connection"]
top = lambda k: collections.Counter(t[k] for t in c if t.get(k)).most_common(1)[0][0]
print(top("ja3"), top("ja4"), top("ja3s"))' "$tmp/all")
EOT
want=$(count ja3 "$ja3" "$tmp/all")
"$BIN" --json --ja3 "$ja3" -r "$M" > "$tmp/f"
check "--ja3 shows the $want connections with that JA3" test "$(count ja3 "$ja3" "$tmp/f")" = "$want" -a \
    "$(grep -c '"type":"connection"' "$tmp/f")" = "$want" -a "$want" -gt 1
up=$(printf '%s' "$ja3" | tr a-f A-F)
"$BIN" --json --ja3 "$up" -r "$M" > "$tmp/f"
check "--ja3 in capitals matches too" test "$(grep -c '"type":"connection"' "$tmp/f")" = "$want"
wants=$(count ja3s "$ja3s" "$tmp/all")
"$BIN" --json --ja3 "$ja3s" -r "$M" > "$tmp/f"
check "--ja3 matches the server's JA3S" test "$(count ja3s "$ja3s" "$tmp/f")" = "$wants" -a "$wants" -gt 0
want4=$(count ja4 "$ja4" "$tmp/all")
"$BIN" --json --ja4 "t13d0000h2_000000000000_000000000000,$ja4" -r "$M" > "$tmp/f"
check "--ja4 with a list shows the $want4 connections with that JA4" test \
    "$(grep -c '"type":"connection"' "$tmp/f")" = "$want4" -a "$(count ja4 "$ja4" "$tmp/f")" = "$want4"
"$BIN" --json --ja4 t13d0000h2_000000000000_000000000000 -r "$M" > "$tmp/f"
check "--ja4 that nothing has: no connection, the summary stays" sh -c \
    "! grep -q '\"type\":\"connection\"' '$tmp/f' && grep -q '\"type\":\"summary\"' '$tmp/f'"
"$BIN" --ja3 0123 -r "$M" > /dev/null 2> "$tmp/err"; rc=$?
check "--ja3 with a short hash: exit 2 and a message" sh -c "test $rc -eq 2 && grep -q 'not a JA3' '$tmp/err'"
"$BIN" --ja4 "$ja3" -r "$M" > /dev/null 2> "$tmp/err"; rc=$?
check "--ja4 with a JA3 hash: exit 2 and a message" sh -c "test $rc -eq 2 && grep -q 'not a JA4' '$tmp/err'"

# -v text, HTML, JSON lists.
COLUMNS=200 "$BIN" -v -r samples/tls13-ok.pcap > "$tmp/v"
check "-v text has the fingerprint line" grep -q '^  fingerprint  *JA3=[0-9a-f]\{32\}, JA4=t13d' "$tmp/v"
check "-v text has the offered lists" sh -c "grep -q '^  sig algs ' '$tmp/v' && grep -q '^  groups ' '$tmp/v' && grep -q '^  server exts ' '$tmp/v'"
"$BIN" -r samples/tls13-ok.pcap > "$tmp/t"
check "text without -v: no fingerprint line" sh -c "! grep -q 'fingerprint' '$tmp/t'"
"$BIN" --html "$tmp/p.html" -r samples/tls13-ok.pcap > /dev/null
check "the HTML page shows JA4" grep -q '<dt>fingerprint</dt><dd>JA3=[0-9a-f]*, JA4=t13d' "$tmp/p.html"
"$BIN" --json -r samples/tls13-ok.pcap > "$tmp/j"
check "JSON: ja3 is the MD5 of ja3_string" python3 -c '
import hashlib, json, sys
t = json.loads(open(sys.argv[1]).readline())["tls"]
assert t["ja3"] == hashlib.md5(t["ja3_string"].encode()).hexdigest()
assert t["ja3s"] == hashlib.md5(t["ja3s_string"].encode()).hexdigest()
assert t["client_extensions"] and t["signature_algorithms"] and t["supported_groups"] and t["key_share_groups"]
assert t["server_extensions"] == ["supported_versions", "key_share"] or set(t["server_extensions"]) >= {"supported_versions", "key_share"}
' "$tmp/j"

# tshark's JA3 and JA3S of every sample's TLS connections, by client port.
if command -v tshark >/dev/null 2>&1; then
    bad=""
    n=0
    for f in samples/*.pcap; do
        "$BIN" --json -r "$f" > "$tmp/o" 2>/dev/null
        python3 tests/crosscheck/tshark_cached.py "$f" -Y 'tls.handshake.type==1 || tls.handshake.type==2' -T fields \
            -e tcp.srcport -e tcp.dstport -e tls.handshake.ja3 -e tls.handshake.ja3s > "$tmp/ts" 2>/dev/null
        r=$(python3 -c '
import json, sys
conns = {}
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["type"] == "connection":
        conns[o["client"]["port"]] = o["tls"]
n, bad = 0, []
for l in open(sys.argv[2]):
    sp, dp, ja3, ja3s = (l.rstrip("\n").split("\t") + ["", "", "", ""])[:4]
    for port, key, want in ((int(sp), "ja3", ja3), (int(dp), "ja3s", ja3s)):
        if want:
            n += 1
            got = conns.get(port, {}).get(key)
            if got != want.split(",")[0]:
                bad.append(f"port {port} {key}: tshark {want}, tlsdiag {got}")
print(n, "; ".join(bad))' "$tmp/o" "$tmp/ts")
        n=$((n + ${r%% *}))
        [ "${r#* }" = "${r%% *}" ] || [ -z "${r#* }" ] || bad="$bad$(basename "$f"): ${r#* }
"
    done
    if [ -z "$bad" ] && [ $n -gt 10 ]; then pass "tshark's JA3 and JA3S equal ($n values)"
    else fail "tshark's JA3 and JA3S ($n values)" "$bad"; fi
else
    echo "skip fingerprint_filters tshark: tshark not installed"
fi
