#!/bin/sh
# Corpus sweep: every public capture in ../shared/corpus is processed without a crash or a
# sanitizer report, and tlsdiag's SNI, version and cipher agree with tshark's.
BIN=${TLSDIAG:-./tlsdiag}
CORPUS=${CORPUS:-../shared/corpus}
if [ ! -d "$CORPUS" ]; then
    echo "skip corpus: $CORPUS is absent (it lives beside the project in the shared folder)"
    exit 0
fi
ports=443,8443,25,587,143,110,21,3389,465,993,995,80
files=$(find "$CORPUS" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' \) | sort)
for f in $files; do
    name=$(basename "$f")
    err=$(mktemp)
    "$BIN" -A -P $ports --json -v -r "$f" >/dev/null 2>"$err"
    rc=$?
    if grep -q -e 'Sanitizer' -e 'runtime error' "$err"; then
        echo "not ok corpus $name: sanitizer report"; head -20 "$err" | sed 's/^/    /'
    elif [ $rc -gt 2 ]; then
        echo "not ok corpus $name: exit status $rc"; head -5 "$err" | sed 's/^/    /'
    else
        echo "ok corpus $name"
    fi
    rm -f "$err"
done
if command -v tshark >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
    res=$(python3 tests/crosscheck/tshark_compare.py --strict "$BIN" $files 2>&1)
    if [ $? -eq 0 ]; then echo "ok tshark cross-check ($(printf '%s\n' "$res" | tail -1))"
    else echo "not ok tshark cross-check:"; printf '%s\n' "$res" | sed 's/^/    /'; fi
else
    echo "skip tshark cross-check: tshark or python3 not installed"
fi
