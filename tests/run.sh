#!/bin/sh
# tests/run.sh BUILD BIN - run the whole suite: unit tests, golden tests on samples/, the command
# line's error handling, the corpus sweep and the tshark cross-check.  Ends with "N passed, N failed".
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
    for s in tests/golden.sh tests/matrix.sh tests/keylog.sh tests/keylog_live.sh tests/keylog_truth.sh tests/heartbeat.sh tests/sslv2.sh tests/cli.sh tests/corpus.sh tests/gauntlet.sh tests/live.sh tests/shard.sh tests/progress.sh tests/html.sh tests/report.sh tests/memory.sh tests/fuzz_regress.sh; do
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
