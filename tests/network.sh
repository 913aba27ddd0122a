#!/bin/sh
# tests/network.sh - samples/network/ (what the network does to TLS: dropped ClientHello segments,
# path-MTU black holes, forged and genuine resets, each seen at both ends) against references that
# are not tlsdiag's own.  Three parts:
#   network-verify    with tshark: samples/network/verify.sh re-checks expected.txt against tshark.
#   network-facts     every connection of expected.txt (in order of first packet, as tlsdiag's JSON
#                     lists them) against tlsdiag's `--json -r` tcp facts, column by column (below).
#   network-evidence  with tshark: every client-hello-dropped, path-mtu-blackhole and reset-injected
#                     connection's evidence cites packets that tshark confirms say what the text says.
# The verdicts themselves are tests/readings.sh's (samples/network/readings.txt): not repeated here.
# NET_DIR=samples/network-heldout runs the evidence part alone on that set (tests/network_heldout.sh):
# it has no expected.txt.
#
# expected.txt's columns and tlsdiag's JSON (tcp.* and tcp.path.*), as compared:
#   ch_bytes      tcp.path.client_hello.bytes ("-": client_hello null)
#   ch_segments   tcp.path.client_hello.segments.  The two counts are defined differently:
#                 tshark's (verify.sh) is the number of distinct sequence numbers at which the client
#                 sent a segment with payload starting inside the ClientHello record (relative seq
#                 below 1 + ch_bytes), as seen in this capture: a retransmission at a sequence number
#                 already seen adds nothing, one re-cut at a new boundary adds one.  tlsdiag's
#                 (analyzer/flow/tcp_path.c) counts the client segments starting inside the record that
#                 are not retransmissions (not wholly below the next byte expected in order): first
#                 transmissions only, and a segment that arrives ahead of a hole counts when it comes.
#                 They agree whenever every retransmission starts where an earlier segment started
#                 and no segment mixes re-sent and new bytes; Linux's, in every capture here, does
#                 (tail loss probe and RTO re-sends reuse the original boundaries), so they are
#                 compared as equal; a difference would name this paragraph.
#   ch_acked      client_hello.acked, "all" when it is client_hello.bytes
#   mss_client, mss_server     tcp.mss [client SYN, server SYN-ACK] ("-": 0)
#   max_cli_seg, max_srv_seg   tcp.path.largest_segment [client, server]
#   rst_ttl       tcp.path.reset.ttl ("-": reset null)
#   client_ttl, server_ttl     tcp.path.ttl_min and ttl_max [client, server]: both must equal a single
#                 value (a list A,B in expected.txt: min and max must be its min and max)
#   after_rst     tcp.path.reset.packets_after[the RST's sender: expected.txt's rst column]
# A connection with no payload at all has no tcp.path (include/transcript.h: td_path is made with the
# first payload byte); it reads as the all-zero path: largest 0/0, TTLs 0 (none seen), no ClientHello,
# no reset.  Values LO-HI and A|B in expected.txt accept any value inside.  Legitimate differences are
# listed (DEVIATIONS below) with their reasons; a listed one that no longer happens fails.
# Needs python3 (tshark optional: without it network-verify and network-evidence are skipped).
set -u
export LC_ALL=C
BIN=${TLSDIAG:-./tlsdiag}
D=${NET_DIR:-samples/network}
skip() { echo "skip network: $*"; exit 0; }
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
[ -x "$BIN" ] || skip "no tlsdiag binary at $BIN"
EXPECTED=$D/expected.txt
if [ "$D" != samples/network ]; then EXPECTED=-; else [ -f $D/expected.txt ] || skip "$D/expected.txt is missing"; fi
tmp=$(mktemp -d /tmp/tlsdiag-network.XXXXXX) || skip "cannot make a temporary directory"
vpid=""
trap '[ -n "$vpid" ] && kill "$vpid" 2>/dev/null; rm -rf "$tmp"' EXIT

TSHARK=absent
command -v tshark >/dev/null 2>&1 && TSHARK=run

# ---- 1. verify.sh (tshark against expected.txt), in the background: it takes most of the time ----
if [ $TSHARK = run ] && [ "$EXPECTED" != - ]; then
    if command -v bash >/dev/null 2>&1; then
        bash $D/verify.sh >"$tmp/verify.out" 2>&1 &
        vpid=$!
    else
        echo "skip network-verify: verify.sh needs bash"
    fi
elif [ "$EXPECTED" != - ]; then
    echo "skip network-verify: tshark is not installed (apt-get install tshark)"
fi

# ---- tlsdiag on every capture ------------------------------------------------------------------
for f in "$D"/*.pcap; do
    n=$(basename "$f" .pcap)
    "$BIN" --json -r "$f" >"$tmp/$n.json" 2>"$tmp/$n.err"
    rc=$?
    [ $rc -le 1 ] || { echo "not ok network-run $n.pcap: exit status $rc"; sed -n '1,4s/^/#   /p' "$tmp/$n.err"; }
done

# ---- tshark's reading of the captures whose evidence is checked (one pass per file: tshark dissects
# every frame anyway to keep its TCP analysis, and the connections are a few dozen frames) --------
if [ $TSHARK = run ]; then
    for j in "$tmp"/*.json; do
        grep -q '"verdict":"\(client-hello-dropped\|path-mtu-blackhole\|reset-injected\)"' "$j" || continue
        n=$(basename "$j" .json)
        python3 tests/crosscheck/tshark_cached.py --command \
        tshark -r "$D/$n.pcap" -T fields -E separator=/t -E occurrence=a -E aggregator=, \
            -e frame.number -e frame.time_relative -e ip.src -e ip.ttl -e icmp.type -e tcp.stream \
            -e tcp.srcport -e tcp.flags -e tcp.seq -e tcp.ack -e tcp.len -e tcp.options.mss_val \
            -e tcp.analysis.retransmission -e tcp.analysis.fast_retransmission -e tcp.analysis.lost_segment \
            -e tcp.analysis.out_of_order -e tls.handshake.type -e tls.handshake.extensions_server_name \
            -e tls.handshake.cipher_suites_length -e tls.handshake.extensions.supported_version \
            -e tls.handshake.version -e tcp.payload -e ipv6.src -e ipv6.hlim -e tcp.options.sack_re >"$tmp/$n.tshark" 2>"$tmp/$n.tshark-err" ||
            { echo "not ok network-evidence $n.pcap: tshark failed"; sed -n '1,4s/^/#   /p' "$tmp/$n.tshark-err"; }
    done
fi

if [ -n "$vpid" ]; then
    wait "$vpid"
    rc=$?
    vpid=""
    if [ $rc = 0 ]; then
        echo "ok network-verify: expected.txt is what tshark reads in every capture (samples/network/verify.sh)"
    else
        echo "not ok network-verify: samples/network/verify.sh exit status $rc"
        sed -n '1,8s/^/#   /p' "$tmp/verify.out"
    fi
fi

python3 - "$tmp" "$EXPECTED" "$TSHARK" "$D" <<'PY'
import glob, json, math, os, re, sys
tmp, expected_txt, tshark, D = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]

# Listed deviations: (connection, column): (what tlsdiag says, why, where tlsdiag does hold the value
# expected.txt gives (a JSON path checked against it), or None).  A listed deviation that no longer
# happens fails, so that the list stays true.
WHY_TTL = ("tcp.path's TTLs are those of the side's packets from the connection's first payload byte "
           "on (td_path is made with it); tshark's column counts every packet of the side but its RSTs, "
           "the SYN and SYN-ACK included; %s, so the path saw no packet of this side: its TTL is "
           "tcp.syn_ttl's")
DEVIATIONS = {
    ("chdrop-all-curl-server.pcap#1", "client_ttl"): ("0", WHY_TTL % "no ClientHello byte arrived (no "
        "payload at all: no tcp.path)", ("syn_ttl", 0)),
    ("chdrop-all-curl-server.pcap#1", "server_ttl"): ("0", WHY_TTL % "no ClientHello byte arrived (no "
        "payload at all: no tcp.path)", ("syn_ttl", 1)),
}
seen_dev = set()

def conns(name):
    out = []
    p = os.path.join(tmp, name + ".json")
    if not os.path.exists(p):
        return out
    for line in open(p):
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("type") == "connection":
            out.append(o)
    return sorted(out, key=lambda o: o["first_packet"])

def match(want, got):
    """expected.txt's cell WANT (exact, A|B alternatives, LO-HI range) against tlsdiag's GOT."""
    if want == got:
        return True
    if "|" in want:
        return any(match(a, got) for a in want.split("|"))
    m = re.fullmatch(r"(\d+)-(\d+)", want)
    return bool(m and got.isdigit() and int(m.group(1)) <= int(got) <= int(m.group(2)))

def match_ttl(want, lo, hi):
    """TTLs: a single value both ttl_min and ttl_max must equal; a list A,B their min and max; LO-HI a
    range both must lie in; alternatives."""
    if "|" in want:
        return any(match_ttl(a, lo, hi) for a in want.split("|"))
    m = re.fullmatch(r"(\d+)-(\d+)", want)
    if m:
        return int(m.group(1)) <= lo and hi <= int(m.group(2))
    if want == "-":
        return lo == 0 and hi == 0
    vals = [int(v) for v in want.split(",") if v.isdigit()]
    return bool(vals) and (min(vals), max(vals)) == (lo, hi)

EMPTY_PATH = {"ttl_min": [0, 0], "ttl_max": [0, 0], "largest_segment": [0, 0], "client_hello": None, "reset": None}

def facts(o, want):
    """tlsdiag's connection in expected.txt's columns; TTLs as (lo, hi) pairs."""
    tcp = o.get("tcp") or {}
    p = tcp.get("path") or EMPTY_PATH
    ch, rst = p.get("client_hello"), p.get("reset")
    mss = tcp.get("mss") or [0, 0]
    f = {"ch_bytes": str(ch["bytes"]) if ch else "-",
         "ch_segments": str(ch["segments"]) if ch else "-",
         "ch_acked": ("all" if ch["acked"] >= ch["bytes"] else str(ch["acked"])) if ch else "-",
         "mss_client": str(mss[0]) if mss[0] else "-", "mss_server": str(mss[1]) if mss[1] else "-",
         "max_cli_seg": str(p["largest_segment"][0]), "max_srv_seg": str(p["largest_segment"][1]),
         "rst_ttl": str(rst["ttl"]) if rst else "-",
         "client_ttl": (p["ttl_min"][0], p["ttl_max"][0]), "server_ttl": (p["ttl_min"][1], p["ttl_max"][1])}
    if not rst:
        f["after_rst"] = "-"
    elif want["rst"] in ("client", "server"):
        f["after_rst"] = str(rst["packets_after"][0 if want["rst"] == "client" else 1])
    else:
        f["after_rst"] = "a reset (packets_after %s)" % rst["packets_after"]
    return f, "path" not in tcp

def show(v):
    if isinstance(v, tuple):
        return str(v[0]) if v[0] == v[1] else "%d-%d" % v
    return v

def jpath(o, where):
    key, i = where
    return (o.get("tcp") or {}).get(key, [0, 0])[i]

COLS = ["file", "vantage", "client", "sni", "outcome", "evidence", "ch_bytes", "ch_segments", "ch_acked",
        "key_shares", "mss_client", "mss_server", "max_cli_seg", "max_srv_seg", "retrans", "srv_acked",
        "icmp_frag_needed", "rst", "rst_ttl", "client_ttl", "server_ttl", "rst_df", "rst_ipid", "rst_timing",
        "after_rst", "comment"]
FIELDS = ["ch_bytes", "ch_segments", "ch_acked", "mss_client", "mss_server", "max_cli_seg", "max_srv_seg",
          "rst_ttl", "client_ttl", "server_ttl", "after_rst"]
HINT = {"ch_segments": " (tshark: distinct start sequence numbers; tlsdiag: first transmissions; see the "
                       "header of tests/network.sh)"}

def compare(at, w, o):
    got, nopath = facts(o, w)
    bad, dev, eq = [], [], 0
    for k in FIELDS:
        g = got[k]
        ok = match_ttl(w[k], *g) if k.endswith("_ttl") and k != "rst_ttl" else match(w[k], g)
        key = (at, k)
        if key in DEVIATIONS:
            seen_dev.add(key)
            says, why, where = DEVIATIONS[key]
            held = where is None or match(w[k], str(jpath(o, where)))
            if not ok and show(g) == says and held:
                dev.append(k)
                continue
            bad.append("%s: listed deviation no longer holds (expected.txt %s, tlsdiag %s, the list says %s%s): "
                       "update the list" % (k, w[k], show(g), says,
                                            "" if held else "; tcp.%s[%d] is %s" % (where + (jpath(o, where),))))
        elif ok:
            eq += 1
        else:
            bad.append("%s want %s got %s%s" % (k, w[k], show(g), HINT.get(k, "")))
    note = " (%d fields%s%s)" % (len(FIELDS), "; no tcp.path: no payload" if nopath else "",
                                 "; listed deviations: " + ", ".join(dev) if dev else "")
    print(("ok network-facts %s%s" % (at, note)) if not bad else "not ok network-facts %s: %s" % (at, "; ".join(bad)))
    return eq, len(FIELDS), len(dev)

# ---- 2. tlsdiag's facts against expected.txt ------------------------------------------------------
want_by_file = {}
for line in open(expected_txt) if expected_txt != "-" else []:
    if not line.strip() or line.startswith("#"):
        continue
    cells = line.rstrip("\n").split("\t")
    want_by_file.setdefault(cells[0], []).append(dict(zip(COLS, cells)))
captures = sorted(os.path.basename(p) for p in glob.glob(os.path.join(D, "*.pcap")))
for c in captures if expected_txt != "-" else []:
    if c not in want_by_file:
        print("not ok network-facts %s: not in expected.txt" % c)
eq = total = ndev = 0
for f in sorted(want_by_file):
    got = conns(f[:-5]) if f in captures else []
    want = want_by_file[f]
    if len(got) != len(want):
        print("not ok network-facts %s: expected.txt lists %d connections, tlsdiag reports %d" % (f, len(want), len(got)))
    for i, w in enumerate(want):
        at = "%s#%d" % (f, i + 1)
        total += len(FIELDS)
        if i >= len(got):
            continue
        e, n, d = compare(at, w, got[i])
        eq, ndev = eq + e, ndev + d
for key in sorted(set(DEVIATIONS) - seen_dev) if expected_txt != "-" else []:
    print("not ok network-facts %s %s: listed deviation, but no such connection was compared" % key)
if expected_txt != "-":
    print("# network-facts: %d of %d fields equal (%.1f%%), %d differ as listed deviations, %d otherwise"
          % (eq, total, 100.0 * eq / max(total, 1), ndev, total - eq - ndev))

# ---- 3. the evidence of the network verdicts: the packets it cites, as tshark reads them ----------
NETWORK = ("client-hello-dropped", "path-mtu-blackhole", "reset-injected")
TF = ["frame", "time", "src", "ttl", "icmp", "stream", "sport", "flags", "seq", "ack", "len", "mss",
      "retx", "fast_retx", "lost", "ooo", "hs_type", "sni", "cs_len", "sup_ver", "hs_ver", "payload", "src6", "hlim", "sack_re"]
VERSIONS = {0x0300: "SSL3", 0x0301: "TLS1.0", 0x0302: "TLS1.1", 0x0303: "TLS1.2", 0x0304: "TLS1.3"}

def first(s):
    return s.split(",")[0]

def read_tshark(path):
    """Frames by number, TCP ones only (an ICMP error quotes a TCP header: not the connection's)."""
    frames = {}
    for line in open(path):
        r = line.rstrip("\n").split("\t")
        r += [""] * (len(TF) - len(r))
        x = dict(zip(TF, r))
        if x["icmp"] or not x["stream"]:
            continue
        flags = int(first(x["flags"]), 16)
        x.update(n=int(x["frame"]), t=float(x["time"]), src=first(x["src"]) or first(x["src6"]),
                 ttl=int(first(x["ttl"]) or first(x["hlim"]) or 0),
                 sport=int(first(x["sport"])), seq=int(first(x["seq"]) or 0), ackn=int(first(x["ack"]) or 0),
                 length=int(first(x["len"]) or 0), syn=bool(flags & 2), rst=bool(flags & 4), ackf=bool(flags & 16),
                 retransmitted=bool(x["retx"] or x["fast_retx"]), stream=first(x["stream"]))
        frames[x["n"]] = x
    return frames

class Conn:
    """tshark's frames of the connection tlsdiag's O names (by the client's address and port)."""
    def __init__(self, frames, o):
        cli = (o["client"]["ip"], o["client"]["port"])
        streams = {x["stream"] for x in frames.values() if (x["src"], x["sport"]) == cli}
        self.rows = sorted((x for x in frames.values() if x["stream"] in streams), key=lambda x: x["n"])
        self.cli = cli
        for x in self.rows:
            x["side"] = "client" if (x["src"], x["sport"]) == cli else "server"
        self.data = {s: [x for x in self.rows if x["side"] == s and x["length"] > 0] for s in ("client", "server")}
        # A segment that starts where an earlier one of its side started is sent again, whatever tshark
        # calls it: a fast retransmission 0.2 ms after the original, sooner than an RTT, is "out-of-order"
        # to tshark's analysis (samples/network-blind2/pmtu-v4-down-server.pcap frames 28 and 33).
        for s in ("client", "server"):
            seen = set()
            for x in self.data[s]:
                if x["seq"] in seen and x["ooo"]:
                    x["retransmitted"] = True
                seen.add(x["seq"])
        cd = self.data["client"]
        self.ch_frame = cd[0] if cd else None
        self.ch_bytes = None
        if cd and cd[0]["seq"] == 1 and len(cd[0]["payload"]) >= 12 and cd[0]["payload"][:4] == "1603" \
                and cd[0]["payload"][10:12] == "01":
            self.ch_bytes = 5 + int(cd[0]["payload"][6:10], 16)
        self.sni = next((first(x["sni"]) for x in self.rows if x["side"] == "client" and x["sni"]), None)

    def by_number(self, n):
        return next((x for x in self.rows if x["n"] == n), None)

    def high_ack(self, side):
        """The highest (relative) acknowledgement SIDE sent, SYNs aside."""
        return max([x["ackn"] for x in self.rows if x["side"] == side and x["ackf"] and not x["syn"]] or [0])

    def syn_mss(self, side):
        return next((int(first(x["mss"])) for x in self.rows if x["side"] == side and x["syn"] and x["mss"]), 0)

    def ttls(self, side):
        return sorted({x["ttl"] for x in self.rows if x["side"] == side and not x["rst"]})

def other(side):
    return "server" if side == "client" else "client"

def near(a, b):   # a value printed with one decimal (%.1f) against the exact one
    return abs(a - b) <= 0.05 + 1e-6

def desc(x):
    return "frame %d: %s, seq %d ack %d len %d%s%s" % (x["n"], x["side"], x["seq"], x["ackn"], x["length"],
        " RST" if x["rst"] else "", " (tshark: retransmission)" if x["retransmitted"] else "")

def check_acked_then_silent(c, x, m):
    """"the ACKER acknowledged the SENDER's smaller segments up to the byte before it (the largest L bytes),
    then nothing more came from it (...)" or "... until its reset|FIN (packet N): it was there, and gave up":
    the cited packet is the acker's acknowledgement of the byte where the stuck full-size segment starts
    (the one retransmitted at the acknowledgement, a tail-loss probe of a later one aside), and the acker
    sent nothing after the first full-size retransmission (but that reset or FIN)."""
    acker, sender, largest = m.group(1), m.group(2), int(m.group(3))
    full = max(y["length"] for y in c.data[sender])
    rs = [y for y in c.data[sender] if y["retransmitted"] and y["length"] == full]
    if not rs:
        return "tshark: no full-size retransmission of the %s" % sender
    high = c.high_ack(acker)
    stuck = next((y for y in rs if y["seq"] == high), rs[0])
    errs = []
    if x["side"] != acker or not x["ackf"] or x["ackn"] != stuck["seq"]:
        errs.append("tshark: %s is not the %s's acknowledgement of %d" % (desc(x), acker, stuck["seq"]))
    after = [y for y in c.rows if y["side"] == acker and y["n"] > rs[0]["n"]]
    if m.group(5):
        closer = c.by_number(int(m.group(5)))
        fin = closer is not None and bool(int(first(closer["flags"]), 16) & 1)
        if closer is None or closer["side"] != acker or not (closer["rst"] if m.group(4) == "reset" else fin):
            errs.append("tshark: packet %s is not the %s's %s" % (m.group(5), acker, m.group(4)))
        after = [y for y in after if y is not closer and not y["rst"]]
    if after:
        errs.append("tshark: %d packets of the %s after frame %d" % (len(after), acker, rs[0]["n"]))
    acked = max([y["length"] for y in c.data[sender] if y["seq"] + y["length"] <= stuck["seq"]] or [0])
    if acked != largest:
        errs.append("tshark: the largest %s segment below the acknowledgement is %d bytes" % (sender, acked))
    return "; ".join(errs) or None

def check_bare_client_rst(c, x, m):
    """"client RST without the ACK bit T ms after the server's answer: ...": the cited packet is the
    client's reset with no ACK bit, T ms (two decimals) after the server's last data segment before it,
    and the client sent no data after its ClientHello."""
    t = float(m.group(1))
    if x["side"] != "client" or not x["rst"] or x["ackf"]:
        return "not a client reset without the ACK bit (%s)" % desc(x)
    srv = [y for y in c.data["server"] if y["n"] < x["n"]]
    if not srv:
        return "tshark: no server data before frame %d" % x["n"]
    gap = (x["t"] - srv[-1]["t"]) * 1000
    if abs(gap - t) > 0.005 + 1e-6:
        return "tshark: %.3f ms after the server's last data segment (frame %d)" % (gap, srv[-1]["n"])
    if c.ch_bytes is None or any(y["seq"] + y["length"] > 1 + c.ch_bytes for y in c.data["client"]):
        return "tshark: the client sent data past its ClientHello (%s bytes)" % c.ch_bytes
    return None

def check_client_hello_start(c, x, m):
    """"client's ClientHello: B bytes in S segments[, for SNI]" (cut short with "..." for a long SNI)."""
    if x["side"] != "client" or x is not c.ch_frame:
        return "not the client's first segment with payload (that is frame %s)" % (c.ch_frame["n"] if c.ch_frame else "none")
    if c.ch_bytes is None:
        return "tshark: not the start of a handshake record holding a ClientHello at relative seq 1"
    sni, trunc = m.group("sni"), m.group("trunc")
    if sni and c.sni and not (c.sni.startswith(sni) if trunc else c.sni == sni):
        return "SNI %s, tshark's %s" % (sni, c.sni)
    if m.group("bytes"):
        b, s = int(m.group("bytes")), int(m.group("segs"))
        if b != c.ch_bytes:
            return "%d bytes, tshark's record header says %d" % (b, c.ch_bytes)
        starts = {y["seq"] for y in c.data["client"] if y["seq"] < 1 + b}
        covered = max(y["seq"] + y["length"] for y in c.data["client"]) - 1
        # where all of it arrived, its segments as tshark counts them; where only the first part did
        # (at the server), the fewest segments of the first one's size that hold the record
        need = len(starts) if covered >= b else math.ceil(b / x["length"])
        if s != need:
            return "%d segments, tshark: %d (%s)" % (s, need, "distinct start sequence numbers" if covered >= b
                                                    else "%d bytes in segments of %d" % (b, x["length"]))
    return None

def check_ch_retransmissions(c, x, m):
    """"N retransmissions of it; the server acknowledged A of its B bytes" at the last of them."""
    n, a, b = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if x["side"] != "client" or not x["length"] or not x["retransmitted"]:
        return "not a client segment tshark flags as a retransmission (%s)" % desc(x)
    if c.ch_bytes is None or x["seq"] >= 1 + c.ch_bytes:
        return "not a segment of the ClientHello (%s)" % desc(x)
    rs = [y["n"] for y in c.data["client"] if y["retransmitted"] and y["seq"] < 1 + c.ch_bytes]
    if len(rs) != n or rs[-1] != x["n"]:
        return "tshark's retransmissions of ClientHello segments are frames %s, the text says %d ending here" % (rs, n)
    acked = min(max(c.high_ack("server") - 1, 0), c.ch_bytes)
    if (a, b) != (acked, c.ch_bytes):
        return "acknowledged %d of %d, tshark: %d of %d" % (a, b, acked, c.ch_bytes)
    return None

def check_first_part_only(c, x, m):
    """"only its first N bytes (a full segment) arrived here; the server acknowledged them and waited
    for the rest, which never came" / "...; the client was still there T s later"."""
    n = int(m.group(1))
    got = max([y["seq"] + y["length"] - 1 for y in c.data["client"]] or [0])
    if got != n:
        return "tshark: the client's bytes here end at %d, not %d" % (got, n)
    if m.group(2):
        if x["side"] != "server" or not x["ackf"] or x["ackn"] != n + 1:
            return "not the server's acknowledgement of byte %d (%s)" % (n, desc(x))
    elif not c.ch_frame or not near(float(m.group(3)), x["t"] - c.ch_frame["t"]):
        return "tshark: %.3f s after the ClientHello" % (x["t"] - c.ch_frame["t"])
    return None

def check_ch_sent_whole_unacked(c, x, m):
    """"sent N times; the server acknowledged none of it, though it had answered the SYN" at the last copy of a
    one-segment ClientHello."""
    n = int(m.group(1))
    if c.ch_bytes is None or x["side"] != "client" or x["seq"] != 1 or not x["length"]:
        return "not a copy of the ClientHello (%s)" % desc(x)
    copies = [y["n"] for y in c.data["client"] if y["seq"] == 1]
    if len(copies) != n or copies[-1] != x["n"]:
        return "tshark: the ClientHello's copies are frames %s, the text says %d ending here" % (copies, n)
    if any(y["length"] < 1 + c.ch_bytes - 1 for y in c.data["client"] if y["seq"] == 1):
        return "a copy shorter than the whole ClientHello (%d bytes): not one segment" % c.ch_bytes
    if not any(y["syn"] and y["side"] == "server" for y in c.rows):
        return "tshark: no SYN-ACK from the server"
    if c.high_ack("server") > 1:
        return "tshark: the server acknowledged up to %d" % c.high_ack("server")
    return None

def check_ch_stalled(c, x, m):
    """"N retransmissions of its later part over T s before the server acknowledged all of it" at the last one."""
    n, t = int(m.group(1)), float(m.group(2))
    if c.ch_bytes is None or x["side"] != "client" or not x["retransmitted"] or not (1 < x["seq"] < 1 + c.ch_bytes):
        return "not a retransmission of the ClientHello's later part (%s)" % desc(x)
    rs = [y for y in c.data["client"] if y["retransmitted"] and y["seq"] < 1 + c.ch_bytes]
    if len(rs) != n or rs[-1]["n"] != x["n"]:
        return "tshark: the ClientHello's retransmissions are frames %s, the text says %d ending here" % ([y["n"] for y in rs], n)
    if not near(t, x["t"] - c.ch_frame["t"]):
        return "tshark: %.3f s from the ClientHello to this one" % (x["t"] - c.ch_frame["t"])
    if not any(y["side"] == "server" and y["ackf"] and y["ackn"] >= 1 + c.ch_bytes and y["n"] > x["n"] for y in c.rows):
        return "tshark: no acknowledgement of the whole ClientHello after it"
    return None

def check_client_gave_up(c, x, m):
    """"the client gave up (FIN|reset) before any answer came[; the server's ServerHello came after it]"."""
    fin = bool(int(first(x["flags"]), 16) & 1)
    if x["side"] != "client" or not (x["rst"] if m.group(1) == "reset" else fin):
        return "not the client's %s (%s)" % (m.group(1), desc(x))
    if any(y["side"] == "server" and y["length"] and y["n"] < x["n"] for y in c.rows):
        return "tshark: the server sent data before it"
    if m.group(2) and not any(y["side"] == "server" and "2" in y["hs_type"].split(",") and y["n"] > x["n"] for y in c.rows):
        return "tshark: no ServerHello after it"
    return None

def check_full_size_retransmission(c, x, m):
    """"SIDE retransmits a full-size segment (N bytes)"."""
    side, n = m.group(1), int(m.group(2))
    mss = c.syn_mss(other(side))
    if x["side"] != side or not x["retransmitted"] or x["length"] != n:
        return "not a %s segment of %d bytes that tshark flags as a retransmission (%s)" % (side, n, desc(x))
    if n + 64 < mss or n != max(y["length"] for y in c.data[side]):
        return "%d bytes is not full-size (the %s's MSS %d, its largest segment %d)" % (
            n, other(side), mss, max(y["length"] for y in c.data[side]))
    return None

def check_full_size_unacked(c, x, m):
    """"N retransmissions of full-size segments, never acknowledged" at the last of them."""
    n, side = int(m.group(1)), x["side"]
    full = max(y["length"] for y in c.data[side])
    rs = [y for y in c.data[side] if y["retransmitted"] and y["length"] == full]
    if not x["retransmitted"] or x["length"] != full:
        return "not a full-size retransmission (%s)" % desc(x)
    if len(rs) != n or rs[-1] is not x:
        return "tshark's full-size retransmissions of the %s are frames %s, the text says %d ending here" % (
            side, [y["n"] for y in rs], n)
    if c.high_ack(other(side)) > min(y["seq"] for y in rs):
        return "tshark: the %s acknowledged up to %d, past seq %d" % (other(side), c.high_ack(other(side)),
                                                                      min(y["seq"] for y in rs))
    return None

def check_past_hole(c, x, m):
    """"N segments of the SIDE arrived past a hole that never filled; the largest that arrived was L
    bytes, the MSS M"."""
    n, side, largest, mss = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
    hole = c.high_ack(other(side))
    past = [y for y in c.data[side] if y["seq"] > hole]
    flagged = [y["n"] for y in past if y["lost"] or y["ooo"]]
    errs = []
    if x["side"] != side or not x["length"] or x["seq"] <= hole:
        errs.append("not a %s segment past the hole (%s; tshark: %s segments past it, frames %s, flagged "
                    "'previous segment not captured' %s)" % (side, desc(x), side, [y["n"] for y in past], flagged))
    if len(past) != n:
        errs.append("tshark: %d %s segments past the hole, not %d" % (len(past), side, n))
    if largest != max(y["length"] for y in c.data[side]):
        errs.append("largest %d, tshark's %d" % (largest, max(y["length"] for y in c.data[side])))
    if mss != c.syn_mss(other(side)):
        errs.append("MSS %d, the %s's SYN says %d" % (mss, other(side), c.syn_mss(other(side))))
    return "; ".join(errs) or None

def in_order_end(c, side):
    """The next byte of SIDE expected in order (relative), from the data that arrived here."""
    cover = 1
    for y in sorted(c.data[side], key=lambda y: y["seq"]):
        if y["seq"] <= cover:
            cover = max(cover, y["seq"] + y["length"])
    return cover

def is_last(c, x):
    return x["n"] == c.rows[-1]["n"]

def check_first_segment_lost(c, x, m):
    """"the client's first data here begins N bytes (a full segment) past its first byte: ..."."""
    n = int(m.group(1))
    mss = min(v for v in (c.syn_mss("client"), c.syn_mss("server"), 1460) if v)
    if x["side"] != "client" or not c.data["client"] or x is not c.data["client"][0]:
        return "not the client's first segment with payload (%s)" % desc(x)
    if x["seq"] != 1 + n or any(y["seq"] <= 1 for y in c.data["client"]):
        return "tshark: it starts at relative seq %d, and the client's data %s byte 1" % (
            x["seq"], "holds" if any(y["seq"] <= 1 for y in c.data["client"]) else "lacks")
    if n + 64 < mss or n < 1000:
        return "%d bytes is not a full segment (MSS %d)" % (n, mss)
    return None

def check_hole_never_filled(c, x, m):
    """"the server acknowledged none of the client's bytes; nothing filled the hole (N bytes ... past it)"."""
    n = int(m.group(1))
    d = c.data["client"]
    seen = max(y["seq"] + y["length"] for y in d) - min(y["seq"] for y in d) if d else 0
    if c.high_ack("server") > 1 or in_order_end(c, "client") != 1:
        return "tshark: the server acknowledged up to %d, bytes in order up to %d" % (c.high_ack("server"), in_order_end(c, "client") - 1)
    if seen != n or not is_last(c, x):
        return "tshark: %d bytes past the hole, the connection's last frame %d (cited %d)" % (seen, c.rows[-1]["n"], x["n"])
    return None

def check_sent_never_arrived(c, x, m):
    """"the SIDE's packet shows N bytes sent past the last that arrived here, never acknowledged; the largest
    that arrived was L bytes, the MSS M"."""
    side, n, largest, mss = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))
    cover = in_order_end(c, side)
    errs = []
    if x["side"] != side or x["seq"] + x["length"] - cover != n:
        errs.append("tshark: %s ends at relative seq %d, %d past the %s's bytes in order (to %d)" % (
            desc(x), x["seq"] + x["length"], x["seq"] + x["length"] - cover, side, cover))
    if c.high_ack(other(side)) > cover:
        errs.append("tshark: the %s acknowledged up to %d" % (other(side), c.high_ack(other(side))))
    if largest != max(y["length"] for y in c.data[side]) or mss != c.syn_mss(other(side)):
        errs.append("tshark: largest %d, MSS %d" % (max(y["length"] for y in c.data[side]), c.syn_mss(other(side))))
    return "; ".join(errs) or None

def check_acks_stayed(c, x, m):
    """"the ACKER's acknowledgements stayed at the byte before it, its packets still coming (N after the first
    retransmission); the largest SENDER segment acknowledged[ (SACK included)] was L bytes"."""
    acker, n, sender, sack, largest = m.group(1), int(m.group(2)), m.group(3), bool(m.group(4)), int(m.group(5))
    full = max(y["length"] for y in c.data[sender])
    rs = [y for y in c.data[sender] if y["retransmitted"] and y["length"] == full]
    errs = []
    if not rs:
        return "tshark: no full-size retransmission of the %s" % sender
    ha = c.high_ack(acker)
    if ha != rs[0]["seq"]:
        errs.append("tshark: the %s acknowledged up to %d, the first retransmitted segment starts at %d" % (acker, ha, rs[0]["seq"]))
    after = [y for y in c.rows if y["side"] == acker and y["n"] > rs[0]["n"] and not y["rst"]]
    if len(after) != n:
        errs.append("tshark: %d packets of the %s after frame %d" % (len(after), acker, rs[0]["n"]))
    # below the acknowledgement, or ending where one of the acker's SACK blocks ends (a SACK that covers
    # a whole burst names only its last segment); tshark's SACK edges are relative sequence numbers
    sre = {int(v) for y in c.rows if y["side"] == acker for v in y["sack_re"].split(",") if v}
    acked = max([y["length"] for y in c.data[sender] if y["seq"] + y["length"] <= ha or
                 (sack and y["seq"] + y["length"] in sre)] or [0])
    if acked != largest:
        errs.append("tshark: the largest %s segment %s is %d bytes" % (
            sender, "below the acknowledgement or ending a SACK block" if sack else "below the acknowledgement", acked))
    if not is_last(c, x):
        errs.append("not the connection's last frame (%d)" % c.rows[-1]["n"])
    return "; ".join(errs) or None

def check_client_hello(c, x, m):
    """"client ClientHello[ for SNI]: offers V..., N cipher suites"."""
    if x["side"] != "client" or "1" not in x["hs_type"].split(","):
        return "tshark: no ClientHello in it (%s)" % desc(x)
    if m.group(1) and m.group(1) != first(x["sni"]):
        return "SNI %s, tshark's %s" % (m.group(1), first(x["sni"]) or "none")
    vers = [int(v, 16) for v in x["sup_ver"].split(",") if v] or [int(first(x["hs_ver"]), 16)]
    vers = [VERSIONS.get(v, "0x%04x" % v) for v in vers if (v & 0x0f0f) != 0x0a0a]
    if m.group(2).split() != vers:
        return "offers %s, tshark: %s" % (m.group(2), " ".join(vers))
    if int(m.group(3)) != int(first(x["cs_len"]) or 0) // 2:
        return "%s cipher suites, tshark: %d" % (m.group(3), int(first(x["cs_len"]) or 0) // 2)
    return None

def check_rst_ttl(c, x, m):
    """'RST "from the SIDE" with TTL N; the SIDE's other packets came with TTL R'."""
    side, ttl, rng = m.group(1), int(m.group(2)), m.group(4)
    if not x["rst"] or x["side"] != side or x["ttl"] != ttl:
        return "not a RST from the %s with TTL %d (%s, TTL %d)" % (side, ttl, desc(x), x["ttl"])
    t = c.ttls(side)
    theirs = str(t[0]) if len(t) == 1 else "%d-%d" % (t[0], t[-1]) if t else "none"
    return None if theirs == rng else "the %s's other packets: TTL %s per tshark, not %s" % (side, theirs, rng)

def check_rst_timing(c, x, m):
    """"RST X ms after the ClientHello; the SYN to SYN-ACK round trip was Y ms"."""
    if not x["rst"]:
        return "not a RST (%s)" % desc(x)
    syn = next((y for y in c.rows if y["syn"] and not y["ackf"]), None)
    synack = next((y for y in c.rows if y["syn"] and y["ackf"]), None)
    after = (x["t"] - c.ch_frame["t"]) * 1000 if c.ch_frame else -1
    rtt = (synack["t"] - syn["t"]) * 1000 if syn and synack else -1
    if not near(float(m.group(1)), after) or not near(float(m.group(2)), rtt):
        return "tshark: %.3f ms after the ClientHello, round trip %.3f ms" % (after, rtt)
    return None

def check_after_reset(c, x, m):
    """"the SIDE's own packets came after the reset (N with data)"."""
    side, n = m.group(1), int(m.group(2))
    r = next((y for y in c.rows if y["rst"]), None)
    later = [y["n"] for y in c.data[side] if r and y["n"] > r["n"] and not y["rst"]]
    errs = []
    if not r or x["side"] != side or x["rst"] or x["n"] < r["n"]:
        errs.append("not a packet of the %s after the reset (%s; the reset is frame %s; tshark's %s packets "
                    "with data after it: frames %s)" % (side, desc(x), r["n"] if r else "none", side, later))
    if len(later) != n:
        errs.append("tshark: %d %s packets with data after the reset, not %d" % (len(later), side, n))
    return "; ".join(errs) or None

CHECKS = [
    (r"client's ClientHello: (?P<bytes>\d+) bytes in (?P<segs>\d+) segments?(?:, for (?P<sni>.+?))?(?P<trunc>\.\.\.)?$",
     check_client_hello_start),
    (r"(\d+) retransmissions? of it; the server acknowledged (\d+) of its (\d+) bytes", check_ch_retransmissions),
    (r"sent (\d+) times; the server acknowledged none of it, though it had answered the SYN$", check_ch_sent_whole_unacked),
    (r"(\d+) retransmissions? of its later part over ([\d.]+) s before the server acknowledged all of it$", check_ch_stalled),
    (r"the client gave up \((FIN|reset)\) before any answer came(; the server's ServerHello came after it)?$",
     check_client_gave_up),
    (r"only its first (\d+) bytes \(a full segment\) arrived here; (?:(the server acknowledged them and waited for "
     r"the rest, which never came)|the client was still there ([\d.]+) s later)", check_first_part_only),
    (r"(server|client) retransmits a full-size segment \((\d+) bytes\)", check_full_size_retransmission),
    (r"(\d+) retransmissions? of full-size segments, never acknowledged", check_full_size_unacked),
    (r"(\d+) segments? of the (server|client) arrived past a hole that never filled; the largest that arrived "
     r"was (\d+) bytes, the MSS (\d+)", check_past_hole),
    (r"the client's first data here begins (\d+) bytes \(a full segment\) past its first byte: the ClientHello's "
     r"first segment never arrived", check_first_segment_lost),
    (r"the server acknowledged none of the client's bytes; nothing filled the hole \((\d+) bytes of the client's "
     r"data seen past it\)", check_hole_never_filled),
    (r"the (server|client)'s packet shows (\d+) bytes sent past the last that arrived here, never acknowledged; "
     r"the largest that arrived was (\d+) bytes, the MSS (\d+)", check_sent_never_arrived),
    (r"the (server|client)'s acknowledgements stayed at the byte before it, its packets still coming \((\d+) after "
     r"the first retransmission\); the largest (server|client) segment acknowledged( \(SACK included\))? was (\d+) bytes",
     check_acks_stayed),
    (r"the (server|client) acknowledged the (server|client)'s smaller segments up to the byte before it \(the largest "
     r"(\d+) bytes\), then nothing more came from it (?:\(a (?:server|client) that went down at that moment would look "
     r"the same\)|until its (reset|FIN) \(packet (\d+)\): it was there, and gave up)$", check_acked_then_silent),
    (r"client RST without the ACK bit ([\d.]+) ms after the server's answer: its TCP no longer had the connection "
     r"\(a client that refused the certificate would have closed with an alert, a FIN, or a RST with the ACK bit\)",
     check_bare_client_rst),
    (r"client ClientHello(?: for (\S+))?: offers (.+?), (\d+) cipher suites?(?:: .*)?", check_client_hello),
    (r"RST \"from the (server|client)\" with TTL (\d+); the (server|client)'s other packets came with TTL (\S+)",
     check_rst_ttl),
    (r"RST ([\d.]+) ms after the ClientHello; the SYN to SYN-ACK round trip was ([\d.]+) ms", check_rst_timing),
    (r"the (server|client)'s own packets came after the reset \((\d+) with data\)", check_after_reset),
]

if tshark != "run":
    print("skip network-evidence: tshark is not installed (apt-get install tshark)")
else:
    ncited = nconf = 0
    for f in captures:
        cs = conns(f[:-5])
        todo = [(i, o) for i, o in enumerate(cs) if o.get("verdict") in NETWORK]
        if not todo:
            continue
        tpath = os.path.join(tmp, f[:-5] + ".tshark")
        frames = read_tshark(tpath) if os.path.exists(tpath) else {}
        for i, o in todo:
            at = "%s#%d" % (f, i + 1)
            c = Conn(frames, o)
            bad, cited = [], []
            for e in o.get("evidence") or []:
                what, n = e.get("what", ""), e.get("packet", 0)
                ncited += 1
                x = c.by_number(n)
                why = None
                if x is None:
                    why = "tshark: no frame %d in this connection" % n
                else:
                    for rx, fn in CHECKS:
                        m = re.fullmatch(rx, what)
                        if m:
                            why = fn(c, x, m)
                            break
                    else:
                        why = "no check for this evidence text (add one to tests/network.sh)"
                if why:
                    bad.append("packet %d (\"%s\"): %s" % (n, what if len(what) < 90 else what[:87] + "...", why))
                else:
                    nconf += 1
                    cited.append(str(n))
            if not cited and not bad:
                bad.append("no evidence cited")
            print(("ok network-evidence %s: %s, packets %s confirmed by tshark" % (at, o["verdict"], ", ".join(cited)))
                  if not bad else "not ok network-evidence %s (%s): %s" % (at, o["verdict"], "; ".join(bad)))
    print("# network-evidence: %d of %d cited packets confirmed by tshark" % (nconf, ncited))
PY
