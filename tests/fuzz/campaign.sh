#!/bin/sh
# tests/fuzz/campaign.sh DIR SECONDS [HARNESS...] - a long fuzzing campaign: every harness
# (default: all four) runs concurrently under nice -n 10 until it has fuzzed SECONDS in all, with
# its own corpus in DIR/<harness>/corpus, crash inputs in DIR/<harness>/artifacts and one log per
# run in DIR/<harness>/runN.log.  When a run stops on a crash, leak, timeout or OOM the harness
# waits: fix the bug, `make fuzz`, save the input under tests/fuzz/regress/<harness>/, then
# `touch DIR/<harness>/resume` and it goes on with the same corpus.  Run from the project root
# after `make fuzz`; DIR/<harness>/status logs each run.
set -u
dir=${1:?usage: campaign.sh DIR SECONDS [HARNESS...]}
total=${2:?usage: campaign.sh DIR SECONDS [HARNESS...]}
shift 2
[ $# -gt 0 ] || set -- tls_stream x509 decode pipeline
mkdir -p "$dir"
[ -d "$dir/seeds" ] || python3 tests/fuzz/make_seeds.py "$dir/seeds" || exit 1

maxlen() {
    case $1 in
    tls_stream) echo 65536 ;; x509) echo 16384 ;; decode) echo 4096 ;; pipeline) echo 131072 ;;
    quic_packet) echo 4096 ;; quic_conn) echo 65536 ;;
    *) echo 65536 ;;
    esac
}

one() {
    h=$1
    d=$dir/$h
    mkdir -p "$d/corpus" "$d/artifacts"
    cp tests/fuzz/regress/"$h"/* "$d/corpus/" 2>/dev/null
    used=0
    run=0
    while [ "$used" -lt "$total" ]; do
        run=$((run + 1))
        start=$(date +%s)
        nice -n 10 build-fuzz/fuzz_"$h" -timeout=10 -rss_limit_mb=2048 -max_len="$(maxlen "$h")" \
            -max_total_time=$((total - used)) -print_final_stats=1 -artifact_prefix="$d/artifacts/" \
            "$d/corpus" "$dir/seeds/$h" >"$d/run$run.log" 2>&1
        rc=$?
        end=$(date +%s)
        used=$((used + end - start))
        echo "run $run: $(date -u +%H:%M:%S) exit $rc after $((end - start)) s, $used s fuzzed in all" >>"$d/status"
        if [ "$rc" -ne 0 ]; then
            echo "run $run stopped: $(grep -m1 -E 'ERROR|runtime error|deadly signal' "$d/run$run.log")" >>"$d/status"
            while [ ! -e "$d/resume" ]; do sleep 10; done
            rm -f "$d/resume"
        fi
    done
    echo "done: $used s fuzzed in $run run(s)" >>"$d/status"
}

for h in "$@"; do
    one "$h" &
done
wait
