#!/bin/sh
# --shard K/N: N processes, one per shard, report every connection exactly once between them,
# each exactly as the unsharded run does (ids aside: they are dense per process).  Checked on the
# samples and on a generated capture of 2000 connections (tests/bench/gencap.c); and, connection
# by connection (tests/shard_verdicts.py: verdict, confidence, evidence and findings, a sibling
# named by its client, server and first packet), on samples/mixed/ and on a generated capture of
# 20000 connections, big enough that the whole run hits its cap (the engine lets finished
# connections pass an open one after TD_REORDER_MAX) where a shard does not; with --idle-timeout;
# and again with the run's line of held connections bounded small, so that held connections wait
# out of line.
BIN=${TLSDIAG:-./tlsdiag}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass() { echo "ok shard $1"; }
fail() { echo "not ok shard $1${2:+: $2}"; }

# Connection objects without their id, one per line, sorted: a multiset to compare.  A finding or
# evidence line that names a sibling connection (#N) names it by its id in that process: left out too.
norm() {
    python3 -c '
import json, re, sys
rows = []
for line in sys.stdin:
    o = json.loads(line)
    if o.get("type") == "connection":
        o.pop("id", None)
        for f in o.get("findings", []):
            f["detail"] = re.sub(r"#[0-9]+", "#N", f["detail"])
        for e in o.get("evidence", []):
            e["what"] = re.sub(r"#[0-9]+", "#N", e["what"])
        rows.append(json.dumps(o, sort_keys=True))
print("\n".join(sorted(rows)))'
}

# union_check NAME N ARGS...: the N shards of `tlsdiag --json ARGS` against the whole.
union_check() {
    name=$1 n=$2
    shift 2
    "$BIN" --json "$@" 2>/dev/null | norm > "$tmp/all"
    total=$(grep -c . "$tmp/all")
    if [ "$total" -eq 0 ]; then fail "$name" "no connections in the unsharded report"; return; fi
    : > "$tmp/union"
    k=0 empty=0
    while [ $k -lt "$n" ]; do
        "$BIN" --json --shard "$k/$n" "$@" 2>/dev/null | norm > "$tmp/s$k"
        [ -s "$tmp/s$k" ] || empty=$((empty + 1))
        cat "$tmp/s$k" >> "$tmp/union"
        k=$((k + 1))
    done
    sort "$tmp/union" | grep . > "$tmp/union.sorted"
    if ! cmp -s "$tmp/all" "$tmp/union.sorted"; then
        fail "$name" "the union of $n shards differs from the unsharded report ($(grep -c . "$tmp/union.sorted") vs $total connections)"
    elif [ "$total" -ge $((4 * n)) ] && [ "$empty" -gt 0 ]; then
        fail "$name" "$empty of $n shards empty for $total connections: the hash does not spread"
    else
        pass "$name"
    fi
}

# verdicts_check NAME N ARGS...: the whole run and its N shards, connection by connection.
verdicts_check() {
    name=$1 n=$2
    shift 2
    "$BIN" --json "$@" > "$tmp/v.all" 2>/dev/null
    k=0
    while [ $k -lt "$n" ]; do
        "$BIN" --json --shard "$k/$n" "$@" > "$tmp/v.s$k" 2>/dev/null
        k=$((k + 1))
    done
    got=$(python3 tests/shard_verdicts.py "$tmp/v.all" "$tmp"/v.s*)
    rm -f "$tmp"/v.s*
    case $got in
    "same 0 "*) fail "$name" "no connections" ;;
    same*) pass "$name: verdicts and evidence per connection (${got#same })" ;;
    *) fail "$name" "$got" ;;
    esac
}

if ! command -v python3 >/dev/null 2>&1; then echo "skip shard: python3 not installed"; exit 0; fi

if ls samples/*.pcap >/dev/null 2>&1; then
    set -- samples/*.pcap samples/*.pcapng samples/*.pcap.gz
    union_check "samples, 2 shards" 2 --cacert samples/ca/test-root-ca.pem -r "$@"
    union_check "samples, 3 shards" 3 --cacert samples/ca/test-root-ca.pem -r "$@"
else
    echo "skip shard samples: samples/ not made yet"
fi
if [ -f samples/mixed/mixed.pcap ]; then
    # Every connection that can be passed is (TLSDIAG_REORDER_MAX=2: 22 passed, 12 with a
    # ClientHello): the same report, byte for byte.
    for ca in "" "--cacert samples/mixed/root.pem"; do
        # shellcheck disable=SC2086
        "$BIN" --json $ca -r samples/mixed/mixed.pcap 2>/dev/null | grep -v '"type":"summary"' > "$tmp/whole.json"
        # shellcheck disable=SC2086
        TLSDIAG_REORDER_MAX=2 "$BIN" --json $ca -r samples/mixed/mixed.pcap 2>/dev/null | grep -v '"type":"summary"' > "$tmp/passed.json"
        if [ -s "$tmp/whole.json" ] && cmp -s "$tmp/whole.json" "$tmp/passed.json"; then
            pass "samples/mixed${ca:+ (with its root)}, the reorder cap at 2: the same report"
        else
            fail "samples/mixed${ca:+ (with its root)}, the reorder cap at 2" "the reports differ: $(diff "$tmp/whole.json" "$tmp/passed.json" | head -c 300)"
        fi
    done
    verdicts_check "samples/mixed, 4 shards" 4 -r samples/mixed/mixed.pcap
    verdicts_check "samples/mixed, --cacert, 4 shards" 4 --cacert samples/mixed/root.pem -r samples/mixed/mixed.pcap
else
    echo "skip shard samples/mixed: not made yet"
fi

if cc -std=c17 -D_GNU_SOURCE -O1 -o "$tmp/gencap" tests/bench/gencap.c $(pkg-config --cflags --libs openssl 2>/dev/null || echo -lcrypto) -lm 2>"$tmp/cc.err" &&
    "$tmp/gencap" handshake -n 2000 -s 7 --keys tests/bench/keys --ca "$tmp/ca.pem" -o "$tmp/g.pcap" 2>/dev/null; then
    union_check "generated 2000 connections, 4 shards" 4 --cacert "$tmp/ca.pem" -r "$tmp/g.pcap"
    union_check "generated 2000 connections, -A, 3 shards" 3 -A --cacert "$tmp/ca.pem" -r "$tmp/g.pcap"
    # An idle timeout ends a connection when it was due, whether a packet of another host pair (in
    # another shard) ran the sweep then or not: before, 3 to 13 records differed (the idle-timeout
    # finding, its seconds, a late packet joining its connection in one run and not in the other).
    union_check "generated 2000 connections, --idle-timeout 1, 4 shards" 4 --idle-timeout 1 --cacert "$tmp/ca.pem" -r "$tmp/g.pcap"
    union_check "generated 2000 connections, --idle-timeout 3, 4 shards" 4 --idle-timeout 3 --cacert "$tmp/ca.pem" -r "$tmp/g.pcap"
    rm -f "$tmp/g.pcap"
    if "$tmp/gencap" handshake -n 20000 -s 1 --keys tests/bench/keys --ca "$tmp/ca.pem" -o "$tmp/g20k.pcap" 2>/dev/null; then
        # Here 128 unanswered SYNs stay open (12 s after their last SYN, when their clients have given
        # up) while the connections after them finish: past the engine's reorder cap (256) they go
        # out first, and the run keeps a place in the report for each SYN (analyzer/run/run_line.c).
        verdicts_check "generated 20000 connections, 4 shards" 4 --cacert "$tmp/ca.pem" -r "$tmp/g20k.pcap"
        grep -v '"type":"summary"' "$tmp/v.all" > "$tmp/whole.json"
        case $got in
        same*" inversions 0") pass "generated 20000 connections: the whole run in order of first packet" ;;
        same*) fail "generated 20000 connections: the order" "${got##* } reported after a later one" ;;
        esac
        verdicts_check "generated 20000 connections, no anchors, 3 shards" 3 -r "$tmp/g20k.pcap"
        # Passing made more common (TLSDIAG_REORDER_MAX: 64 finished connections behind an open one, not
        # 256): connections with a ClientHello passed too; the same report, byte for byte.
        TLSDIAG_REORDER_MAX=64 "$BIN" --json --cacert "$tmp/ca.pem" -r "$tmp/g20k.pcap" 2>/dev/null | grep -v '"type":"summary"' > "$tmp/passed.json"
        if [ -s "$tmp/whole.json" ] && cmp -s "$tmp/whole.json" "$tmp/passed.json"; then
            pass "generated 20000 connections, the reorder cap at 64: the same report"
        else
            fail "generated 20000 connections, the reorder cap at 64" "the reports differ: $(diff "$tmp/whole.json" "$tmp/passed.json" | head -c 300)"
        fi
        # The line of held connections bounded to 256 KB (TLSDIAG_LINE_MAX, analyzer/run/run_line.c):
        # the held ones leave it for the waiting list, and are still judged as the shards judge them.
        # Its report tapes spill to a temporary file past 160 KB: the same report lines come out.
        export TLSDIAG_LINE_MAX=262144
        verdicts_check "generated 20000 connections, the line at 256 KB, 4 shards" 4 --cacert "$tmp/ca.pem" -r "$tmp/g20k.pcap"
        unset TLSDIAG_LINE_MAX
        grep -v '"type":"summary"' "$tmp/v.all" | sort > "$tmp/small.sorted"
        sort "$tmp/whole.json" > "$tmp/whole.sorted"
        if [ "$(wc -l < "$tmp/whole.sorted")" -eq 20000 ] && cmp -s "$tmp/whole.sorted" "$tmp/small.sorted"; then
            pass "the line at 256 KB, its tapes spilled: the same 20000 connection records"
        else
            fail "the line at 256 KB, its tapes spilled" "the records differ: $(diff "$tmp/whole.sorted" "$tmp/small.sorted" | head -c 300)"
        fi
        lined=${got##* }
        case $got in
        same*) [ "$lined" -gt 0 ] && pass "the line at 256 KB overflowed ($lined reported after a later one)" ||
            fail "the line at 256 KB" "no connection out of order: it never overflowed" ;;
        esac
    else
        fail "generated 20000 connections" "gencap failed"
    fi
else
    fail "generated capture" "cannot build or run tests/bench/gencap.c: $(head -c 300 "$tmp/cc.err")"
fi
