#!/bin/sh
# The key-log test captures (samples/keylog-suites/, made by make-keylog-suites.sh): every one must
# get the verdicts, keyless confidences, version and cipher suite of its expected.txt line.  Once
# tlsdiag has --keylog, each capture is also read with its key log: same verdicts, and every
# connection "certain" and "decrypted":true.  One "ok keylog-suites FILE" / "not ok ..." per line.
#   TLSDIAG=path/to/tlsdiag sh tests/keylog_suites.sh
BIN=${TLSDIAG:-./tlsdiag}
DIR=samples/keylog-suites
if [ ! -f "$DIR/expected.txt" ]; then echo "skip keylog-suites: $DIR/expected.txt is absent"; exit 0; fi
if ! command -v python3 >/dev/null 2>&1; then echo "skip keylog-suites: python3 is not installed"; exit 0; fi
have_keylog=false
"$BIN" --help 2>&1 | grep -q -- '--keylog' && have_keylog=true
# tlsdiag's JSON Lines -> "VERDICTS CONFIDENCES VERSION SUITE DECRYPTED" (first connection's
# version and suite; DECRYPTED: the "decrypted" flags, "-" where there is none)
summarise() {
    python3 -c '
import json, sys
v, c, d, first = [], [], [], None
for line in sys.stdin:
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if o.get("type") != "connection":
        continue
    v.append(str(o.get("verdict")))
    c.append(str(o.get("confidence")))
    d.append(str(o.get("decrypted", "-")).lower())
    if first is None:
        first = o.get("tls") or {}
first = first or {}
print(",".join(v) or "-", ",".join(c) or "-", first.get("version") or "-", first.get("cipher") or "-", ",".join(d) or "-")
'
}
while read -r file verdicts keyless version suite rest; do
    case $file in ''|'#'*) continue ;; esac
    f=$DIR/$file
    if [ ! -f "$f" ]; then echo "not ok keylog-suites $file: file missing"; continue; fi
    got=$("$BIN" --json --cacert "$DIR/ca/root.pem" -r "$f" 2>/dev/null | summarise)
    want="$verdicts $keyless $version $suite"
    if [ "${got% *}" = "$want" ]; then
        echo "ok keylog-suites $file"
    else
        echo "not ok keylog-suites $file: want \"$want\", got \"${got% *}\""
    fi
    $have_keylog || continue
    kl=$DIR/keylog/${file%.pcap*}.keylog
    certain=$(echo "$verdicts" | sed 's/[^,]*/certain/g')
    yes=$(echo "$verdicts" | sed 's/[^,]*/true/g')
    got=$("$BIN" --json --cacert "$DIR/ca/root.pem" --keylog "$kl" -r "$f" 2>/dev/null | summarise)
    want="$verdicts $certain $version $suite $yes"
    if [ "$got" = "$want" ]; then
        echo "ok keylog-suites --keylog $file"
    else
        echo "not ok keylog-suites --keylog $file: want \"$want\", got \"$got\""
    fi
done < "$DIR/expected.txt"
$have_keylog || echo "skip keylog-suites --keylog: tlsdiag has no --keylog yet"
# The pcapng's Decryption Secrets Block alone (no --keylog) is a key log: decrypted and certain,
# the client's request line seen inside TLS 1.3.
dsb=$DIR/tls13-dsb.pcapng
if [ -f "$dsb" ]; then
    if "$BIN" --json --cacert "$DIR/ca/root.pem" -r "$dsb" 2>/dev/null | python3 -c 'import json, sys
c = [o for o in map(json.loads, sys.stdin) if o["type"] == "connection"]
assert c and all(o.get("decrypted") is True and o["confidence"] == "certain" for o in c), c
assert (c[0].get("app_first_c2s") or "").startswith("GET "), c[0].get("app_first_c2s")'; then
        echo "ok keylog-suites Decryption Secrets Block without --keylog"
    else
        echo "not ok keylog-suites Decryption Secrets Block without --keylog: not decrypted"
    fi
fi
# 0-RTT: the early records wait for the ServerHello.  With the key log less its early secret they
# are counted as early data not read (never as authentication failures) and the rest decrypts;
# with a key log that has nothing for the connections they count as without one: the same
# verdicts as keyless, and the early data stays before the ServerHello in the ladder.
ed=$DIR/tls13-early-data.pcap
if [ -f "$ed" ] && $have_keylog; then
    t=$(mktemp)
    grep -v '^CLIENT_EARLY_TRAFFIC_SECRET' "$DIR/keylog/tls13-early-data.keylog" > "$t"
    if "$BIN" --json --cacert "$DIR/ca/root.pem" --keylog "$t" -r "$ed" 2>/dev/null | python3 -c 'import json, sys
c = [o for o in map(json.loads, sys.stdin) if o["type"] == "connection"]
assert [(o["verdict"], o["confidence"]) for o in c] == [("ok", "certain")] * 3, c
assert [(o["early_data_records"], o["early_data_decrypted"], o["decrypt_failures"]) for o in c] == [(0, 0, 0), (2, 0, 0), (1, 0, 0)], c'; then
        echo "ok keylog-suites 0-RTT without CLIENT_EARLY_TRAFFIC_SECRET"
    else
        echo "not ok keylog-suites 0-RTT without CLIENT_EARLY_TRAFFIC_SECRET"
    fi
    keyless=$("$BIN" --json --cacert "$DIR/ca/root.pem" -r "$ed" 2>/dev/null | summarise)
    other=$("$BIN" --json --cacert "$DIR/ca/root.pem" --keylog "$DIR/keylog/tls13-aes128gcm.keylog" -r "$ed" 2>/dev/null | summarise)
    order=$("$BIN" --json -v --cacert "$DIR/ca/root.pem" --keylog "$DIR/keylog/tls13-early-data.keylog" -r "$ed" 2>/dev/null |
        python3 -c 'import json, sys
c = [o for o in map(json.loads, sys.stdin) if o["type"] == "connection"]
for o in c[1:]:
    ev = o["ladder"]
    data = [i for i, e in enumerate(ev) if e["dir"] == "c2s" and e["event"] == "appdata"]
    sh = [i for i, e in enumerate(ev) if e["dir"] == "s2c" and e["event"] == "handshake" and e["sub"] == 2]
    print("before" if data and sh and data[0] < sh[0] else "after")' | sort -u)
    if [ "${other% *}" = "${keyless% *}" ] && [ -n "$keyless" ]; then
        echo "ok keylog-suites 0-RTT with a key log for other connections: as keyless ($keyless)"
    else
        echo "not ok keylog-suites 0-RTT with a key log for other connections: \"$other\", keyless \"$keyless\""
    fi
    # The 0-RTT connections' ladders: their decrypted early data comes before their ServerHello.
    if [ "$order" = before ]; then
        echo "ok keylog-suites 0-RTT early data before the ServerHello in the ladder"
    else
        echo "not ok keylog-suites 0-RTT early data not before the ServerHello in the ladder"
    fi
    rm -f "$t"
fi
