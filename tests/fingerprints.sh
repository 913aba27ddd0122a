#!/bin/sh
# JA3, JA3S and JA4 of every connection of the shared corpus's nDPI captures equal the values
# nDPI printed for the same flow (../shared/corpus/ndpi/*.ndpi.out); where nDPI deviates from the
# JA4 spec, tests/crosscheck/fingerprints_compare.py lists the rule and its reason.
BIN=${TLSDIAG:-./tlsdiag}
CORPUS=${CORPUS:-../shared/corpus}
if [ ! -d "$CORPUS/ndpi" ]; then
    echo "skip fingerprints: $CORPUS/ndpi is absent (it lives beside the project in the shared folder)"
    exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "skip fingerprints: python3 is not installed"
    exit 0
fi
out=$(python3 tests/crosscheck/fingerprints_compare.py "$BIN" "$CORPUS/ndpi" 2>&1)
rc=$?
printf '%s\n' "$out"
case $(printf '%s\n' "$out" | tail -1) in
"ok fingerprints-match "*) [ $rc -eq 0 ] || echo "not ok fingerprints: exit status $rc" ;;
*) echo "not ok fingerprints: no summary line" ;;
esac
