#!/bin/sh
# Every input the fuzzers ever crashed on (tests/fuzz/regress/<harness>/) must now run clean.
# With the harnesses built (make fuzz) each input goes through its own harness, sanitizers on;
# without them, the capture-file inputs (regress/pipeline/) go through tlsdiag itself, which under
# `make SANITIZE=1 test` is the ASan/UBSan build: any exit status but 0, 1 or 2 is a failure.
BIN=${TLSDIAG:-./tlsdiag}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
R=tests/fuzz/regress
[ -d "$R" ] || { echo "skip fuzz-regress: no $R"; exit 0; }

for dir in "$R"/*/; do
    h=$(basename "$dir")
    set -- "$dir"*
    [ -f "$1" ] || continue
    if [ -x "$FUZZ_BUILD/fuzz_$h" ]; then
        if out=$("$FUZZ_BUILD/fuzz_$h" -timeout=10 -rss_limit_mb=2048 "$@" 2>&1); then
            echo "ok fuzz-regress $h: $# input(s) through $FUZZ_BUILD/fuzz_$h"
        else
            echo "not ok fuzz-regress $h"
            printf '%s\n' "$out" | grep -E -A 12 'runtime error|ERROR|deadly signal' | head -20 | sed 's/^/    /'
        fi
    elif [ "$h" = pipeline ]; then
        for f in "$@"; do
            "$BIN" --json -A -r "$f" >/dev/null 2>"${TMPDIR:-/tmp}/fuzz-regress.$$"
            rc=$?
            if [ "$rc" -le 2 ] && ! grep -q -E 'runtime error|ERROR: AddressSanitizer|ERROR: LeakSanitizer' "${TMPDIR:-/tmp}/fuzz-regress.$$"; then
                echo "ok fuzz-regress pipeline $(basename "$f") (tlsdiag exit $rc)"
            else
                echo "not ok fuzz-regress pipeline $(basename "$f") (tlsdiag exit $rc)"
                head -20 "${TMPDIR:-/tmp}/fuzz-regress.$$" | sed 's/^/    /'
            fi
        done
        rm -f "${TMPDIR:-/tmp}/fuzz-regress.$$"
    else
        echo "skip fuzz-regress $h: harness not built (make fuzz)"
    fi
done
