#!/bin/sh
# tests/run.sh BUILD BIN - run the whole suite: the unit tests (BUILD/tests/test_*), then every
# tests/*.sh (golden tests on samples/, the matrix, the command line, the corpus sweep, ...).
# Ends with "N passed, N failed".
# Each part prints "ok NAME", "not ok NAME" or "skip NAME: why"; this script counts them.
BUILD=${1:-build}
BIN=${2:-./tlsdiag}
export TLSDIAG="$BIN"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
{
    for t in "$BUILD"/tests/test_*; do
        [ -x "$t" ] || continue
        echo "# $t"
        "$t" 2>&1 || echo "not ok $(basename "$t") exited with status $?"
    done
    # Every tests/*.sh but this one, in name order: a new test script joins by being there.
    for s in tests/*.sh; do
        [ "$s" = tests/run.sh ] && continue
        [ -f "$s" ] || continue
        echo "# $s"
        sh "$s" 2>&1
    done
} | tee "$out" | grep -v '^ok ' 
passed=$(grep -c '^ok ' "$out")
failed=$(grep -c '^not ok ' "$out")
skipped=$(grep -c '^skip ' "$out")
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
