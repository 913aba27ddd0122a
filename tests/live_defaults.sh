#!/bin/sh
# tests/live_defaults.sh - the live capture's defaults (analyzer/live/live_plan.c): with no -B and
# no --workers the startup line says the ring it chose and the workers, and both are sane for this
# machine (the workers from its CPUs, the ring within its bounds, its memory share and the link's
# speed); -w holds the workers to one and says so; --workers 1 and -B are taken as given.  Then the
# one-worker reader thread (live_reader.c): it is there, and with it and with the defaults a
# top-speed replay of the matrix is reported as reading the files reports it, with no drop; -c
# stops at its count; a capture error (the interface deleted) still ends with the summary.
#
# Needs root, ip, tcpreplay and python3; prints "skip live_defaults: why" otherwise.
# TD_LIVE_KEEP=1 keeps the outputs.
set -u
export LC_ALL=C

TLSDIAG=${TLSDIAG:-./tlsdiag}
case $TLSDIAG in /*) ;; *) TLSDIAG=$(pwd)/$TLSDIAG ;; esac

NS_R=tdd-r-$$ NS_C=tdd-c-$$
IF_R=tddr$$ IF_C=tddc$$

LAB=live_defaults
. "$(dirname "$0")/lib/replay_lab.sh"   # skip/ok/notok/check, $T, the namespaces, start/listening/stop/conns

# What this machine says, as tlsdiag should read it.
CPUS=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)
MEM_KIB=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
SPEED=$(ip netns exec "$NS_C" cat "/sys/class/net/$IF_C/speed" 2>/dev/null)
case $SPEED in ''|-*|*[!0-9]*) SPEED=0 ;; esac

# ---- the startup line ----------------------------------------------------------------------------

# plan_ok ERRFILE WANT_WORKERS WORKERS_WORDS: the line's ring and workers against this machine.
cat >"$T/plan.py" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
want_workers, words, cpus, mem_kib, speed = int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
m = re.search(r"listening on .*', buffer (\d+) MiB( each)? \(auto: ([^)]*)\), (\d+) workers? \(([^)]*)\)$", text, re.M)
if not m:
    sys.exit("no auto buffer and workers in: " + text[:400])
mib, each, why, workers, wwords = int(m.group(1)), m.group(2), m.group(3), int(m.group(4)), m.group(5)
problems = []
if workers != want_workers: problems.append("%d workers, want %d" % (workers, want_workers))
if not wwords.startswith(words): problems.append("workers said '%s', want '%s...'" % (wwords, words))
if bool(each) != (workers > 1): problems.append("'each' is %s with %d workers" % (bool(each), workers))
total_kib = mib * 1024 * workers
line_kib = (speed or 10000) * 1000 * 1000 // 8 // 1024      # 1 s of the link (10 Gb/s when unsaid)
if mib < 2 or mib * 1024 > 2097151: problems.append("%d MiB each is out of -B's range" % mib)
if mib < 8 and mem_kib // 64 >= 8192 * workers: problems.append("%d MiB each is under the 8 MiB floor" % mib)
if mib > 8 and total_kib > min(line_kib, mem_kib // 64, 512 * 1024): problems.append("%d KiB in all is over 1 s of the link, 1/64 of memory or 512 MiB" % total_kib)
if mib > 8 and total_kib < min(line_kib, mem_kib // 64, 512 * 1024) - 1024 * workers: problems.append("%d KiB in all is less than it may be" % total_kib)
gbps = "%g Gb/s%s" % ((speed or 10000) / 1000.0, "" if speed else " assumed")
if gbps not in why: problems.append("the reason '%s' does not name %s" % (why, gbps))
if problems: sys.exit("; ".join(problems))
PY
plan_ok() { python3 "$T/plan.py" "$1" "$2" "$3" "$CPUS" "$MEM_KIB" "$SPEED" >"$T/plan.out" 2>&1; }

AUTO=$CPUS
[ "$AUTO" -gt 8 ] && AUTO=8
start auto -c 1
listening auto || notok auto-start "did not start: $(head -c 300 "$T/auto.err")"
stop auto
check auto-plan "$(plan_ok "$T/auto.err" "$AUTO" "auto: $CPUS CPU"; cat "$T/plan.out")" plan_ok "$T/auto.err" "$AUTO" "auto: $CPUS CPU"

start dump -c 1 -w "$T/dump.pcap"
listening dump || notok dump-start "did not start: $(head -c 300 "$T/dump.err")"
stop dump
if [ "$CPUS" -gt 1 ]; then WHY="auto: one because -w"; else WHY="auto: 1 CPU"; fi
check dump-one-worker "$(plan_ok "$T/dump.err" 1 "$WHY"; cat "$T/plan.out")" plan_ok "$T/dump.err" 1 "$WHY"

# Given on the command line: taken as given, no "auto" for it.
start given --workers 1 -B 4096 -c 1
listening given || notok given-start "did not start"
stop given
check given-as-given "$(grep 'listening on' "$T/given.err" | sed 's/.*filter .*'"'"', //')" \
    grep -Eq "', buffer 4096 KiB, 1 worker$" "$T/given.err"

# ---- one worker: the reader thread -----------------------------------------------------------------

MATRIX=$(ls samples/matrix/*.pcap)
CA=samples/ca/test-root-ca.pem
[ -f "$CA" ] && CAOPT="--cacert $CA" || CAOPT=""
# shellcheck disable=SC2086
"$TLSDIAG" --json --no-siblings $CAOPT -r $MATRIX >"$T/offline.json" 2>/dev/null
WANT=$(conns "$T/offline.json")

# shellcheck disable=SC2086
start one --workers 1 $CAOPT
# shellcheck disable=SC2086
start def $CAOPT
if ! listening one || ! listening def; then
    notok start "tlsdiag did not start: $(cat "$T/one.err" "$T/def.err" | head -3)"
    exit 0
fi
eval "p=\$pid_one"
threads=$(ls "/proc/$p/task" 2>/dev/null | wc -l)
check reader-thread "--workers 1 runs $threads threads (want 2: the reader and the analysis)" [ "$threads" = 2 ]
# shellcheck disable=SC2086
ip netns exec "$NS_R" tcpreplay -q -i "$IF_R" --topspeed $MATRIX >"$T/replay.log" 2>&1 ||
    notok replay "tcpreplay failed: $(tail -2 "$T/replay.log")"
n=200
while [ "$n" -gt 0 ] && { [ "$(conns "$T/one.json")" -lt "$WANT" ] || [ "$(conns "$T/def.json")" -lt "$WANT" ]; }; do
    sleep 0.1
    n=$((n - 1))
done
stop one
stop def

cat >"$T/compare.py" <<'PY'
import collections, json, sys
def load(path):
    conns, summary = [], {}
    for line in open(path):
        o = json.loads(line)
        if o.get("type") == "connection": conns.append(o)
        elif o.get("type") == "summary": summary = o
    return conns, summary
off, _ = load(sys.argv[1])
live, s = load(sys.argv[2])
va, vb = collections.Counter(c["verdict"] for c in off), collections.Counter(c["verdict"] for c in live)
print("offline", dict(va), "live", dict(vb), "kernel dropped", s.get("kernel_dropped"))
sys.exit(0 if va == vb and s.get("kernel_dropped") == 0 and s.get("kernel_received", 0) > 0 else 1)
PY
cmp_json() { python3 "$T/compare.py" "$@" >"$T/cmp.out" 2>&1; }
check reader-as-offline "$(cmp_json "$T/offline.json" "$T/one.json"; cat "$T/cmp.out")" cmp_json "$T/offline.json" "$T/one.json"
check defaults-as-offline "$(cmp_json "$T/offline.json" "$T/def.json"; cat "$T/cmp.out")" cmp_json "$T/offline.json" "$T/def.json"
check reader-exit "status $(cat "$T/one.rc") (want 1: some matrix connections fail)" [ "$(cat "$T/one.rc")" = 1 ]

# -c through the reader's queue: exactly COUNT packets, then the capture ends by itself.
start count --workers 1 -c 100
listening count || notok count "did not start"
# shellcheck disable=SC2086
ip netns exec "$NS_R" tcpreplay -q -i "$IF_R" --topspeed $MATRIX >"$T/replay.log" 2>&1
eval "wait_gone 10 \$pid_count"
stop count
check reader-count "-c 100: $(tail -c 300 "$T/count.json")" python3 -c '
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if "\"summary\"" in l][-1]
sys.exit(0 if s["packets"] == 100 else 1)' "$T/count.json"

# The interface goes away: the reader's error ends the capture, with the summary, status 2.
start gone --workers 1
listening gone || notok gone "did not start"
ip -n "$NS_C" link del "$IF_C" 2>/dev/null
eval "wait_gone 5 \$pid_gone"
stop gone
check reader-error "status $(cat "$T/gone.rc"): $(tail -c 200 "$T/gone.err")" \
    test "$(cat "$T/gone.rc")" = 2 -a -n "$(grep -F 'capture stopped' "$T/gone.err")" -a -n "$(grep -F '"type":"summary"' "$T/gone.json")"

bad=$(grep -lE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/*.err 2>/dev/null | tr '\n' ' ')
check sanitizer-clean "sanitizer reports in: $bad" test -z "$bad"
