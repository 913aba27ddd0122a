#!/bin/sh
# Golden tests: each case of tests/golden/CASES (CAPTURE EXPECTED OPTIONS...): the output of
# `tlsdiag OPTIONS -r CAPTURE` must equal EXPECTED (the summary's elapsed time removed); every
# capture in samples/ must be a case.  tests/golden.sh --update rewrites the expectations after a
# deliberate change; review the diff before committing it.
BIN=${TLSDIAG:-./tlsdiag}
CASES=tests/golden/CASES
[ -f "$CASES" ] || { echo "not ok golden: $CASES is missing"; exit 0; }
update=false
[ "${1:-}" = --update ] && update=true
normalise() { sed -e 's/"elapsed_s":[0-9.]*/"elapsed_s":0/'; }
found=0
for f in samples/*.pcap samples/*.pcapng samples/*.pcap.gz; do
    [ -f "$f" ] || continue
    found=1
    awk -v f="$f" '$1 == f { n++ } END { exit !n }' "$CASES" ||
        echo "not ok golden $(basename "$f"): not a case in $CASES (add its line, then tests/golden.sh --update)"
done
[ $found = 1 ] || echo "not ok golden: no captures in samples/"
# The cases are read first: tlsdiag does not get the list on its standard input.
cases=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$CASES")
printf '%s\n' "$cases" | while read -r f want opts; do
    [ -n "$f" ] || continue
    name=$(basename "$f")
    if [ ! -f "$f" ]; then
        echo "not ok golden $name: $CASES lists $f, which is not there"
        continue
    fi
    # $opts unquoted: the options are words, split as the case line has them.
    got=$("$BIN" $opts -r "$f" 2>/dev/null </dev/null | normalise)
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
# The expected verdict of every sample, and the packets its evidence must cite (found by tshark).
if command -v tshark >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
    python3 tests/crosscheck/evidence_check.py "$BIN"
else
    echo "skip verdicts and evidence: tshark or python3 not installed"
fi
