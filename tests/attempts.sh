#!/bin/sh
# Unanswered connection attempts end once their client has given up (analyzer/flow/conn_lifetimes.c),
# not at the end of the input, and the report is the same as if the capture had ended there.  One
# capture made of real ones: samples/no-server-response.pcap (a Linux client's SYN and three
# retransmissions over 3.1 s, nothing answering: it waits four times that, in the class of 24 s),
# samples/ipv6-ok.pcap (another host pair) 10 s and 40 s after the first SYN, the first SYN again
# 60 s after it (past the wait: a new attempt), and ipv6-ok once more at 100 s.
#   attempts-order    five connections in first-packet order: the attempt, ok, ok, the late SYN
#                     as an attempt of its own, ok; no idle-timeout finding on either attempt
#   attempts-alone    read with the filter `ip` (the attempt's host pair alone, as a shard may have
#                     it: nothing runs a sweep between its SYNs and the late one) the attempts'
#                     records are the same
#   attempts-idle     --idle-timeout 20 (shorter than the 24 s wait) ends the first attempt as idle
#                     and says so; --idle-timeout 30 (longer) does not
#   attempts-backoff  samples/attempts/linux-syn-backoff.pcap (a real Linux 6.18 client: SYNs at 0,
#                     1, 2, 3, 4, 5, 7, 11, 19 and 35.5 s) with another connection in the middle of
#                     each gap, so that a sweep runs in every one: one attempt of ten SYNs (a fixed
#                     wait shorter than its last gap, 16 s, would split it); its first SYN once more
#                     190 s after the last (other traffic 150 s after) joins it, 194 s after (past
#                     the 192 s it waits) begins a new attempt
BIN=${TLSDIAG:-./tlsdiag}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v python3 >/dev/null 2>&1 || { echo "skip attempts: python3 is missing"; exit 0; }

python3 - "$tmp/attempts.pcap" "$tmp/backoff" <<'EOF' || { echo "not ok attempts-order: cannot build the capture"; exit 0; }
import struct, sys
def records(path):
    b = open(path, 'rb').read()
    hdr, off, out = b[:24], 24, []
    while off + 16 <= len(b):
        sec, usec, incl, orig = struct.unpack('<IIII', b[off:off + 16])
        out.append((sec + usec / 1e6, b[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    return hdr, out
hdr, syns = records('samples/no-server-response.pcap')
_, ok6 = records('samples/ipv6-ok.pcap')
t0 = syns[0][0]
def shifted(recs, at, n):
    # copy n of ipv6-ok's connection at `at`, from client port 56488 + n (the TCP ports follow
    # Ethernet and IPv6's 54 bytes; the checksum is not read)
    out = []
    for t, d, o in recs:
        d = bytearray(d)
        for off in (54, 56):
            if d[off:off + 2] == struct.pack('>H', 56488):
                d[off:off + 2] = struct.pack('>H', 56488 + n)
        out.append((t - recs[0][0] + at, bytes(d), o))
    return out
def write(path, pkts):
    with open(path, 'wb') as f:
        f.write(hdr)
        for t, d, o in pkts:
            us = round(t * 1e6)
            f.write(struct.pack('<IIII', us // 1000000, us % 1000000, len(d), o) + d)
write(sys.argv[1], syns + shifted(ok6, t0 + 10, 0) + shifted(ok6, t0 + 40, 1) + [(t0 + 60, syns[0][1], syns[0][2])] +
      shifted(ok6, t0 + 100, 2))
_, backoff = records('samples/attempts/linux-syn-backoff.pcap')
pkts, n = [], 10
for i, p in enumerate(backoff):
    pkts.append(p)
    if i + 1 < len(backoff):
        pkts += shifted(ok6, (p[0] + backoff[i + 1][0]) / 2, n)
        n += 1
last = backoff[-1][0]
pkts += shifted(ok6, last + 150, n)
for late in (190, 194):
    write('%s-%d' % (sys.argv[2], late), pkts + [(last + late, backoff[0][1], backoff[0][2])] + shifted(ok6, last + 300, n + 1))
EOF

# summary FILE: one line per connection: first packet, packets each way, verdict, finding ids.
summary() {
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") != "connection": continue
    t = o["tcp"]
    print(o["first_packet"], o["last_packet"], o["client"]["ip"], t["syn_retransmits"], o["verdict"],
          ",".join(sorted(f["id"] for f in o["findings"])) or "-")' "$1"
}

"$BIN" -r "$tmp/attempts.pcap" --json > "$tmp/all.json" 2> "$tmp/all.err"
summary "$tmp/all.json" > "$tmp/all"
want='1 5 30 55 56 '
got=$(cut -d' ' -f1 "$tmp/all" | tr '\n' ' ')
verdicts=$(cut -d' ' -f5 "$tmp/all" | tr '\n' ' ')
if [ "$got" = "$want" ] &&
   [ "$verdicts" = "no-server-response ok ok no-server-response ok " ] &&
   ! grep -q 'idle-timeout' "$tmp/all" &&
   grep -q '^1 4 10.99.0.1 3 no-server-response' "$tmp/all"; then
    echo "ok attempts-order"
else
    echo "not ok attempts-order: first packets '$got' (want '$want'), verdicts '$verdicts': $(tr '\n' ';' < "$tmp/all")"
fi

"$BIN" -r "$tmp/attempts.pcap" --json ip > "$tmp/alone.json" 2> "$tmp/alone.err"
summary "$tmp/alone.json" > "$tmp/alone"
grep ' 10\.99\.0\.1 ' "$tmp/all" | cut -d' ' -f3- > "$tmp/v4-all"
cut -d' ' -f3- "$tmp/alone" > "$tmp/v4-alone"
if [ "$(grep -c . "$tmp/v4-alone")" -eq 2 ] && cmp -s "$tmp/v4-all" "$tmp/v4-alone"; then
    echo "ok attempts-alone"
else
    echo "not ok attempts-alone: whole run '$(tr '\n' ';' < "$tmp/v4-all")', the host pair alone '$(tr '\n' ';' < "$tmp/v4-alone")'"
fi

"$BIN" -r "$tmp/attempts.pcap" --json --idle-timeout 20 > "$tmp/i20.json" 2>/dev/null
"$BIN" -r "$tmp/attempts.pcap" --json --idle-timeout 30 > "$tmp/i30.json" 2>/dev/null
summary "$tmp/i20.json" > "$tmp/i20"
summary "$tmp/i30.json" > "$tmp/i30"
i20=$(head -1 "$tmp/i20")
i30=$(head -1 "$tmp/i30")
case "$i20/$i30" in
    "1 4 10.99.0.1 3 no-server-response idle-timeout/1 4 10.99.0.1 3 no-server-response -") echo "ok attempts-idle" ;;
    *) echo "not ok attempts-idle: --idle-timeout 20: '$i20'; --idle-timeout 30: '$i30'" ;;
esac

for late in 190 194; do
    "$BIN" -r "$tmp/backoff-$late" --json > "$tmp/backoff-$late.json" 2>/dev/null
    summary "$tmp/backoff-$late.json" | grep ' 10\.77\.0\.1 ' | cut -d' ' -f4,5 | tr '\n' ';' > "$tmp/b$late"
done
b190=$(cat "$tmp/b190") b194=$(cat "$tmp/b194")
if [ "$b190" = "10 no-server-response;" ] && [ "$b194" = "9 no-server-response;0 no-server-response;" ]; then
    echo "ok attempts-backoff"
else
    echo "not ok attempts-backoff: SYN retransmissions and verdict of the attempts, the SYN again 190 s after: '$b190' (want one attempt, 10), 194 s after: '$b194' (want 9, then a new one)"
fi
