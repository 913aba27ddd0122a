#!/bin/sh
# The text report and command line of issue 12: roll-up, --verdict/--connection, wrapping,
# plurals, evidence order, notes on empty results, fatal-error messages.
BIN=${TLSDIAG:-./tlsdiag}
CA="--cacert samples/ca/test-root-ca.pem"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() { name=$1; shift; if "$@"; then echo "ok report $name"; else echo "not ok report $name"; fi; }
unset COLUMNS
"$BIN" $CA -r samples/*.pcap > "$tmp/all" 2>/dev/null
COLUMNS=10000 "$BIN" $CA -r samples/*.pcap > "$tmp/allw" 2>/dev/null
check "roll-up line per server" grep -q '^  10.99.0.2:443 (no SNI): 3 of 3 failed, no-server-response, 01:27:39-01:27:56 (' "$tmp/allw"
# Every connection to a server failed the same way: said in so many words.
check "roll-up: every connection failed alike" grep -q '^  10.99.0.2:443 other.example.test: all 2 failed the same way, name-mismatch, 01:28:17-01:28:20$' "$tmp/allw"
"$BIN" --json $CA -r samples/*.pcap | tail -1 > "$tmp/sum"
check "JSON summary has servers" grep -q '"servers":\[{"ip":"10.99.0.2","port":443,"sni":"www.example.test",' "$tmp/sum"
n=$("$BIN" --json --verdict unknown-ca $CA -r samples/*.pcap | grep -c '"verdict":"unknown-ca"')
m=$("$BIN" --json --verdict unknown-ca $CA -r samples/*.pcap | grep -c '"type":"connection"')
check "--verdict shows only those" sh -c "[ $n -ge 1 ] && [ $n -eq $m ]"
"$BIN" --verdict nosuch -r samples/tls12-ok.pcap > "$tmp/o" 2> "$tmp/e"; rc=$?
check "--verdict unknown name: exit 2, no output" sh -c "[ $rc -eq 2 ] && [ ! -s '$tmp/o' ] && grep -q '^tlsdiag: --verdict' '$tmp/e'"
"$BIN" --connection 3 $CA -r samples/*.pcap > "$tmp/c3"
check "--connection N shows #N only" sh -c "[ \$(grep -c '^#' '$tmp/c3') -eq 1 ] && grep -q '^#3 ' '$tmp/c3'"
check "80 columns when not a terminal" sh -c "! awk 'length > 80 && \$0 !~ /^ *[^ ]+\$/' '$tmp/all' | grep -q ."
COLUMNS=60 "$BIN" -v $CA -r samples/*.pcap > "$tmp/w60" 2>/dev/null
check "COLUMNS=60 wraps at 60" sh -c "! grep -v '^Servers\|^  [^ ]*:[0-9]* ' '$tmp/w60' | awk 'length > 60' | grep -v '^ *[^ ]*\$' | grep -q ."
COLUMNS=10000 "$BIN" -v $CA -r samples/*.pcap > "$tmp/wide" 2>/dev/null
# The same words in the same order at both widths; the run's elapsed time ("0.01 s") is not a
# word of the report (two runs differ in it), so it is left out.
words() { tr -s ' \n' '\n\n' < "$1" | grep -v '^$' | awk '{ t[NR] = $0 } END { for (i = 1; i <= NR; i++) if (!(t[i + 1] == "s" && t[i] ~ /^[0-9]+\.[0-9]+$/)) print t[i] }'; }
words "$tmp/w60" > "$tmp/w60.words"
words "$tmp/wide" > "$tmp/wide.words"
check "wrapping never cuts a word" cmp -s "$tmp/w60.words" "$tmp/wide.words"
check "plural: 1 connection, 1 file" grep -q '^Summary: 1 connection in [0-9]* packets from 1 file' "$("$BIN" -r samples/tls12-ok.pcap > "$tmp/one"; echo "$tmp/one")"
check "no '(s)' plurals" sh -c "! grep -q '(s)' '$tmp/all'"
check "evidence in packet order" sh -c "awk '/^  evidence/{p=0} /^  (evidence|             ) *pkt [0-9]/{match(\$0,/pkt [0-9]+/); v=substr(\$0,RSTART+4,RLENGTH-4)+0; if (v<p) bad=1; p=v} END{exit bad}' '$tmp/all'"
COLUMNS=10000 "$BIN" -P 8443 -r samples/tls12-ok.pcap > "$tmp/z"
check "zero results say why (-A or -P)" grep -q 'no TCP port 8443 traffic; .* start with a TLS record: try -A or -P 443' "$tmp/z"
"$BIN" -r samples/tls12-ok.pcap typo.pcap > "$tmp/o" 2> "$tmp/e"; rc=$?
check "second file missing: named, no summary" sh -c "[ $rc -eq 2 ] && grep -q '^tlsdiag: typo.pcap: No such file' '$tmp/e' && [ ! -s '$tmp/o' ]"
"$BIN" --cacert "$tmp/none.pem" -r samples/tls12-ok.pcap 2> "$tmp/e" > /dev/null
check "--cacert missing: No such file" grep -q '^tlsdiag: --cacert .*none.pem: No such file' "$tmp/e"
"$BIN" --capath samples/ca/test-root-ca.pem -r samples/tls12-ok.pcap 2> "$tmp/e" > /dev/null; rc=$?
check "--capath not a directory: error" sh -c "[ $rc -eq 2 ] && grep -q 'not a directory' '$tmp/e'"
"$BIN" -o "$tmp/no/such/out" -r samples/tls12-ok.pcap 2> "$tmp/e"
check "-o names itself" grep -q "^tlsdiag: -o $tmp/no/such/out: " "$tmp/e"
: > "$tmp/empty.pcap"
"$BIN" -r "$tmp/empty.pcap" > "$tmp/o" 2> "$tmp/e"
check "empty file is empty, no summary" sh -c "grep -q empty '$tmp/e' && ! grep -q truncated '$tmp/e' && [ ! -s '$tmp/o' ]"
"$BIN" -P "" -r samples/tls12-ok.pcap > /dev/null 2>&1
check "-P '' is an error" test $? -eq 2
check "--help points at man ./tlsdiag.1" sh -c "'$BIN' --help | grep -q 'man ./tlsdiag.1'"
if command -v man >/dev/null 2>&1; then
    make -s install PREFIX="$tmp/inst" > /dev/null 2>&1
    check "man tlsdiag after make install" sh -c "PATH='$tmp/inst/bin':\$PATH man -w tlsdiag | grep -q '$tmp/inst/share/man/man1/tlsdiag.1'"
else
    echo "skip report man: man not installed"
fi
# The width of a real terminal (TIOCGWINSZ) when COLUMNS is not set.
if command -v python3 > /dev/null 2>&1; then
    python3 tests/terminal_width.py "$BIN" samples/ca/test-root-ca.pem samples/*.pcap
else
    echo "skip report-tty: python3 not installed"
fi
# A server name that is markup or JSON: the JSON stays valid and gives the name back whole.
python3 tests/gen/hostile_sni_pcap.py "$tmp/h.pcap" 2> /dev/null
"$BIN" --json -r "$tmp/h.pcap" > "$tmp/h.json" 2> /dev/null
check "hostile server name: valid JSON, name kept" python3 -c 'import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
sni = lines[0]["tls"]["sni"]
assert sni.startswith("x\"'"'"'><img id=pwned") and sni.endswith("&amp;\\x5cu0022.example"), sni
assert lines[-1]["servers"][0]["sni"] == sni' "$tmp/h.json"
# Counts of one: "1 cipher suite" (report and evidence), "packet 9" for a one-packet connection.
python3 tests/gen/plural_pcap.py "$tmp/p.pcap" 2> /dev/null
COLUMNS=200 "$BIN" -r "$tmp/p.pcap" > "$tmp/p.txt" 2> /dev/null
check "plural: 1 cipher suite" sh -c "grep -q 'offered      TLS1.2; 1 cipher suite\$' '$tmp/p.txt' && grep -q 'offers TLS1.2, 1 cipher suite: ' '$tmp/p.txt' && ! grep -q '1 cipher suites' '$tmp/p.txt'"
check "plural: a one-packet connection is 'packet 9'" sh -c "grep -q '^#2 .* packet 9, ' '$tmp/p.txt' && grep -q '^#1 .* packets 1-8, ' '$tmp/p.txt'"
