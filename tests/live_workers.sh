#!/bin/sh
# tests/live_workers.sh - live capture with --workers (AF_PACKET fanout by flow hash) and -B.
#
# Two network namespaces (tdw-r-PID replays, tdw-c-PID captures) joined by a veth pair.  The
# matrix captures (samples/matrix, ~280 real handshakes of 11 servers and 9 clients) are replayed
# with tcpreplay into one end while tlsdiag captures on the other, once with one worker and once
# with --workers 2, both at the same time on the same replay.  Checks: the two report the same
# multiset of (client, server, verdict); every connection exactly once (without the fanout each
# worker would see every packet and report every connection twice; with a hash that split the
# directions, each connection would come out as two one-sided halves with other verdicts); both
# workers got a share; the summary's kernel counts; -c, --duration, -Z, SIGTERM and the
# --max-connections share with workers;
# -B; the refusals (-w with workers, --workers without -i, bad values).
#
# Needs root, ip, tcpreplay and python3; prints "skip live_workers: why" otherwise.
# TD_LIVE_KEEP=1 keeps the outputs.
set -u
export LC_ALL=C

TLSDIAG=${TLSDIAG:-./tlsdiag}
case $TLSDIAG in /*) ;; *) TLSDIAG=$(pwd)/$TLSDIAG ;; esac

NS_R=tdw-r-$$ NS_C=tdw-c-$$
IF_R=tdwr$$ IF_C=tdwc$$
RATE_MBPS=40               # the replay's rate: far below what either captor holds

LAB=live_workers
. "$(dirname "$0")/lib/replay_lab.sh"   # skip/ok/notok/check, $T, the namespaces, start/listening/stop/conns
in_c() { ip netns exec "$NS_C" "$@"; }
replay() { ip netns exec "$NS_R" tcpreplay -q -i "$IF_R" --mbps "$RATE_MBPS" "$@" >"$T/replay.log" 2>&1; }
# wait_conns SECONDS COUNT FILE...: until every FILE reports COUNT connections or more.  Every
# connection of the matrix ends (FIN or RST) and is reported a second after its end; SIGINT, on
# the other hand, does not read what is still in the kernel's buffer.
wait_conns() {
    wc_n=$(($1 * 10)) wc_want=$2
    shift 2
    for wc_f in "$@"; do
        while [ "$(conns "$wc_f")" -lt "$wc_want" ]; do
            [ "$wc_n" -gt 0 ] || return 1
            sleep 0.1
            wc_n=$((wc_n - 1))
        done
    done
}

MATRIX=$(ls samples/matrix/*.pcap)
CA=samples/ca/test-root-ca.pem
[ -f "$CA" ] && CAOPT="--cacert $CA" || CAOPT=""

# ---- the same verdicts with one worker and with two, each connection once ----------------------

# shellcheck disable=SC2086
start w1 --workers 1 $CAOPT
# shellcheck disable=SC2086
start w2 --workers 2 $CAOPT
if ! listening w1 || ! listening w2; then
    notok start "tlsdiag did not start: $(cat "$T/w1.err" "$T/w2.err" | head -3)"
    exit 0
fi
# shellcheck disable=SC2086
replay $MATRIX || notok replay "tcpreplay failed: $(tail -2 "$T/replay.log")"
# shellcheck disable=SC2086
"$TLSDIAG" --json --no-siblings $CAOPT -r $MATRIX >"$T/offline.json" 2>/dev/null
wait_conns 20 "$(conns "$T/offline.json")" "$T/w1.json" "$T/w2.json"
stop w1
stop w2

cat >"$T/compare.py" <<'EOF'
import collections, json, sys
def load(path):
    conns, summary = [], None
    for line in open(path):
        o = json.loads(line)
        if o.get("type") == "connection": conns.append(o)
        elif o.get("type") == "summary": summary = o
    return conns, summary
def key(c):
    return (c["client"]["ip"], c["client"]["port"], c["server"]["ip"], c["server"]["port"], c["verdict"])
what = sys.argv[1]
a, sa = load(sys.argv[2])
b, sb = load(sys.argv[3])
if what == "same":             # the same multiset of (5-tuple, verdict)
    ca, cb = collections.Counter(map(key, a)), collections.Counter(map(key, b))
    diff = list((ca - cb).items())[:3] + list((cb - ca).items())[:3]
    print(len(a), len(b), "differ:", diff if diff else "nothing")
    sys.exit(0 if a and ca == cb else 1)
if what == "once":             # no 5-tuple reported more often in b than in a; ids 1..n in order
    ta = collections.Counter(k[:4] for k in map(key, a))
    tb = collections.Counter(k[:4] for k in map(key, b))
    more = [t for t in tb if tb[t] > ta.get(t, 0)]
    ids = [c["id"] for c in b]
    print("more often:", more[:3], "ids in order:", ids == list(range(1, len(b) + 1)))
    sys.exit(0 if not more and ids == list(range(1, len(b) + 1)) else 1)
if what == "verdicts":         # the same count per verdict (live against offline)
    va = collections.Counter(c["verdict"] for c in a)
    vb = collections.Counter(c["verdict"] for c in b)
    print(dict(va), dict(vb))
    sys.exit(0 if va == vb else 1)
EOF
cmp_json() { python3 "$T/compare.py" "$@" >"$T/cmp.out" 2>&1; }

check workers2-same-verdicts "1 worker and 2 differ: $(cmp_json same "$T/w1.json" "$T/w2.json"; cat "$T/cmp.out")" \
    cmp_json same "$T/w1.json" "$T/w2.json"
check workers2-each-once "$(cmp_json once "$T/w1.json" "$T/w2.json"; cat "$T/cmp.out")" cmp_json once "$T/w1.json" "$T/w2.json"
check workers2-as-offline "live verdicts differ from reading the files: $(cmp_json verdicts "$T/offline.json" "$T/w2.json"; cat "$T/cmp.out")" \
    cmp_json verdicts "$T/offline.json" "$T/w2.json"

# Both workers had a share: "worker K of 2: N packets, M connections; ..." with N, M > 0.
shares_ok() {
    for k in 1 2; do
        grep -Eq "worker $k of 2: [1-9][0-9]* packets, [1-9][0-9]* connections" "$T/w2.err" || return 1
    done
}
check workers2-split "a worker got nothing: $(grep 'worker' "$T/w2.err" | tr '\n' ' ')" shares_ok

# The summary: packets are the sum of the workers', the kernel's counts are there.
summary_ok() {
    python3 - "$T/w2.json" "$T/w2.err" <<'EOF'
import json, re, sys
s = [json.loads(l) for l in open(sys.argv[1]) if '"summary"' in l][-1]
per = [int(m) for m in re.findall(r"worker \d+ of 2: (\d+) packets", open(sys.argv[2]).read())]
ok = len(per) == 2 and s["packets"] == sum(per) and s.get("kernel_received", -1) >= s["packets"] \
     and s.get("kernel_dropped") == 0
print(s.get("packets"), per, s.get("kernel_received"), s.get("kernel_dropped"))
sys.exit(0 if ok else 1)
EOF
}
check workers2-summary "summary counts: $(summary_ok 2>&1)" summary_ok
check workers2-exit "status $(cat "$T/w2.rc") (want 1: some matrix connections fail)" [ "$(cat "$T/w2.rc")" = 1 ]

# ---- -c, --duration, SIGTERM with open connections ---------------------------------------------

start count --workers 2 -c 100
listening count || notok count "did not start"
replay $MATRIX
eval "wait_gone 10 \$pid_count"
count_ok() {
    eval "p=\$pid_count"
    ! alive "$p" && python3 -c '
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if "\"summary\"" in l][-1]
sys.exit(0 if s["packets"] == 100 else 1)' "$T/count.json"
}
check workers2-count "-c 100 did not stop at 100 packets: $(tail -c 300 "$T/count.json")" count_ok
stop count

start dur --workers 2 --duration 1
listening dur || notok duration "did not start"
eval "wait_gone 3 \$pid_dur"          # it must have ended by itself within 3 s
dur_ok() {
    eval "p=\$pid_dur"
    ! alive "$p" && grep -q '"type":"summary"' "$T/dur.json"
}
check workers2-duration "--duration 1 did not end the capture with a summary" dur_ok
stop dur

# SIGTERM while connections are open: the first 40 packets of every capture (handshakes cut
# short, no FIN), then the signal; every one must still be reported, once.
for f in $MATRIX; do echo "$f"; done | head -40 >"$T/some.list"
start term --workers 2 -Z nobody
listening term || notok sigterm "did not start"
# -Z with workers: privileges are dropped before the threads start, so all of them run as nobody.
eval "p=\$pid_term"
# The worker threads start right after the "listening" line: wait for the two of them.
n=50
while [ "$n" -gt 0 ] && [ "$(ps -L -o lwp= -p "$p" 2>/dev/null | wc -l)" -lt 3 ]; do sleep 0.1; n=$((n - 1)); done
users=$(ps -L -o user= -p "$p" 2>/dev/null | sort -u | tr -d ' ' | tr '\n' ' ')
threads=$(ps -L -o lwp= -p "$p" 2>/dev/null | wc -l)
check workers2-dropped-privileges "$threads threads, running as: $users (want 3, nobody)" \
    [ "$users" = "nobody " -a "$threads" -eq 3 ]
# shellcheck disable=SC2046
replay $(cat "$T/some.list")
# Not an event: the cut connections stay open, nothing is reported before the signal.  The time
# for the workers to read the last packets (a block of the buffer is handed over after 100 ms
# at most; SIGTERM does not read what is left in it).
sleep 0.5
stop term TERM
# shellcheck disable=SC2046
"$TLSDIAG" --json --no-siblings -r $(cat "$T/some.list") >"$T/some.json" 2>/dev/null
check workers2-sigterm "SIGTERM: $(cmp_json verdicts "$T/some.json" "$T/term.json"; cat "$T/cmp.out")" \
    cmp_json verdicts "$T/some.json" "$T/term.json"

# --max-connections is shared out: with 2 workers and a cap of 10 neither holds more than 5 (at
# top speed the matrix has far more than 10 connections open or lingering at once), and every
# connection is still reported.
start cap --workers 2 --max-connections 10
listening cap || notok max-connections "did not start"
ip netns exec "$NS_R" tcpreplay -q -i "$IF_R" --topspeed $MATRIX >"$T/replay.log" 2>&1
wait_conns 20 "$(conns "$T/w1.json")" "$T/cap.json"
stop cap
cap_ok() {
    peaks=$(sed -n 's/.*at most \([0-9]*\) open at once.*/\1/p' "$T/cap.err" | tr '\n' ' ')
    set -- $peaks
    [ $# = 2 ] && [ "$1" -le 5 ] && [ "$2" -le 5 ] && [ $(($1 + $2)) -ge 6 ] &&
        [ "$(grep -c '"type":"connection"' "$T/cap.json")" = "$(grep -c '"type":"connection"' "$T/w1.json")" ]
}
check workers2-max-connections "peaks $(sed -n 's/.*at most \([0-9]*\) open.*/\1/p' "$T/cap.err" | tr '\n' ' ')(want <= 5 each), \
$(grep -c '"type":"connection"' "$T/cap.json") connections (want $(grep -c '"type":"connection"' "$T/w1.json"))" cap_ok

# ---- -B ----------------------------------------------------------------------------------------

start buf -B 4096 -c 1
if listening buf && grep -q "buffer 4096 KiB" "$T/buf.err"; then ok buffer-stated; else notok buffer-stated "$(cat "$T/buf.err")"; fi
stop buf
check buffer-works "-B 4096 did not capture cleanly: $(cat "$T/buf.err")" [ "$(cat "$T/buf.rc")" -le 1 ]

usage() {  # NAME EXPECTED-TEXT ARGS...: exit status 2 and one tlsdiag: line naming the option
    name=$1 want=$2
    shift 2
    in_c "$TLSDIAG" "$@" >"$T/u.out" 2>"$T/u.err"
    rc=$?
    if [ "$rc" = 2 ] && head -1 "$T/u.err" | grep -q "^tlsdiag: .*$want"; then ok "$name"
    else notok "$name" "status $rc: $(head -1 "$T/u.err")"; fi
}
usage buffer-zero "-B wants" -i "$IF_C" -B 0
usage buffer-huge "-B wants .*2 GiB" -i "$IF_C" -B 99999999999
usage buffer-words "-B wants" -i "$IF_C" -B lots
usage buffer-files "-B sizes the live" -r samples/matrix/apache-curl-ok-tls12.pcap -B 1024
usage workers-zero "--workers wants" -i "$IF_C" --workers 0
usage workers-many "--workers wants" -i "$IF_C" --workers 65
usage workers-files "--workers is for live capture" -r samples/matrix/apache-curl-ok-tls12.pcap --workers 2
usage workers-dump "-w cannot be used with --workers 2" -i "$IF_C" --workers 2 -w "$T/x.pcap"
