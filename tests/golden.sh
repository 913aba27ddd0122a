#!/bin/sh
# Golden tests: the JSON report of every capture in samples/ must equal tests/golden/NAME.jsonl
# (the summary's elapsed time removed).  tests/golden.sh --update rewrites the expectations
# after a deliberate change; review the diff before committing it.
BIN=${TLSDIAG:-./tlsdiag}
update=false
[ "${1:-}" = --update ] && update=true
normalise() { sed -e 's/"elapsed_s":[0-9.]*/"elapsed_s":0/'; }
found=0
for f in samples/*.pcap samples/*.pcapng samples/*.pcap.gz; do
    [ -f "$f" ] || continue
    found=1
    name=$(basename "$f")
    want="tests/golden/$name.jsonl"
    got=$("$BIN" --json --cacert samples/ca/test-root-ca.pem -r "$f" 2>/dev/null | normalise)
    if $update; then
        printf '%s\n' "$got" > "$want"
        echo "ok golden $name (updated)"
    elif [ ! -f "$want" ]; then
        echo "not ok golden $name: no expectation $want (run tests/golden.sh --update)"
    elif [ "$got" = "$(cat "$want")" ]; then
        echo "ok golden $name"
    else
        echo "not ok golden $name: report differs from $want:"
        printf '%s\n' "$got" | diff "$want" - | head -20 | sed 's/^/    /'
    fi
done
[ $found = 1 ] || echo "not ok golden: no captures in samples/"
# The expected verdict of every sample, and the packets its evidence must cite (found by tshark).
if command -v tshark >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
    python3 tests/crosscheck/evidence_check.py "$BIN"
else
    echo "skip verdicts and evidence: tshark or python3 not installed"
fi
