#!/bin/sh
# tests/gauntlet.sh - the gauntlet: hostile captures through tlsdiag.
#
# tests/gauntlet/make_captures.py writes each hostile capture (damaged files, lying headers,
# absurd TLS lengths); every one of them also holds the good connection of samples/tls12-ok.pcap
# (client 10.99.0.1:35074).  Each case runs `tlsdiag --json -r CASE good.pcap` (the good sample
# again as a second file, so that a damaged file is also seen not to spoil the next one) under
# `timeout 20` and /usr/bin/time, and checks:
#   - the exit status DESIGN.md asks for (2 when a file is damaged or unreadable, else 0 or 1
#     according to the connections' verdicts);
#   - the one-line stderr message naming the file (and the packet where it applies), or the
#     finding in the JSON, that explains the damage;
#   - the verdicts of the hostile connections and of every good connection ("ok");
#   - time (20 s) and peak memory (200 MB, not for a sanitizer build) bounded, and no
#     AddressSanitizer/UndefinedBehaviorSanitizer report on stderr.
# Output: one "ok gauntlet NAME" or "not ok gauntlet NAME: why" per case.  Run from the top
# directory with TLSDIAG=path-to-binary (tests/run.sh does).
BIN=${TLSDIAG:-./tlsdiag}
case "$BIN" in
*/*) case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac ;;
esac
cd "$(dirname "$0")/.." || exit 1

for tool in python3 openssl; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "skip gauntlet: $tool not found (needed to make the hostile captures)"
        exit 0
    fi
done
if [ ! -f samples/tls12-ok.pcap ]; then
    echo "skip gauntlet: samples/tls12-ok.pcap not made yet"
    exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gauntlet.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
# The interpreter itself, not a launcher script (pyenv's shims cost most of a second a call).
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
[ -x "$PY" ] || PY=python3
C=$tmp/cap
if ! "$PY" tests/gauntlet/make_captures.py "$C" 2>"$tmp/gen.err"; then
    echo "not ok gauntlet make-captures: $(tail -n 1 "$tmp/gen.err")"
    exit 0
fi
# shellcheck source=/dev/null
. "$C/expect.sh"

TIMEOUT=
command -v timeout >/dev/null 2>&1 && TIMEOUT="timeout 20"
MEMTIME=
if [ -x /usr/bin/time ] && /usr/bin/time -f %M -o "$tmp/probe" true 2>/dev/null; then
    MEMTIME=/usr/bin/time
fi
case "$BIN" in
*build-san*) MEM_LIMIT_KB= ;;              # ASan's shadow memory says nothing about ours
*) MEM_LIMIT_KB=204800 ;;
esac

# The checks on the JSON output.  The case's statements (argument 2) call:
#   V(port, verdict)               the connection from client port `port` has this verdict
#   F(port, id, text=None)         ... has finding `id` (whose detail contains `text`)
#   NF(port, id)                   ... has no finding `id`
#   SNI(port, name)                ... its ClientHello named `name`
#   expect(cond, why)              anything else
#   GOOD=n                         how many good connections (client port 35074) there must be
# and may read conns (the connection objects), summary, c(port) (one connection).
cat > "$tmp/check.py" <<'EOF'
import json, sys
conns, summary, fails = [], None, []
try:
    with open(sys.argv[1]) as f:
        for line in f:
            o = json.loads(line)
            if o.get("type") == "connection":
                conns.append(o)
            elif o.get("type") == "summary":
                summary = o
except (OSError, ValueError) as e:
    print("JSON output unreadable: %s" % e)
    sys.exit(1)

def expect(cond, why):
    if not cond:
        fails.append(why)
    return cond

def c(port):
    m = [x for x in conns if x["client"]["port"] == port]
    expect(len(m) == 1, "%d connections from client port %d, want 1" % (len(m), port))
    return m[0] if m else {"verdict": None, "findings": [], "tls": {}}

def V(port, verdict):
    got = c(port)["verdict"]
    expect(got == verdict, "port %d: verdict %s, want %s" % (port, got, verdict))

def F(port, fid, text=None):
    ds = [f["detail"] for f in c(port)["findings"] if f["id"] == fid]
    if expect(ds, "port %d: no %s finding (has %s)" % (port, fid, [f["id"] for f in c(port)["findings"]])):
        expect(text is None or text in ds[0], "port %d: %s says %r, want %r in it" % (port, fid, ds[0], text))

def NF(port, fid):
    expect(not [f for f in c(port)["findings"] if f["id"] == fid], "port %d: has a %s finding" % (port, fid))

def SNI(port, name):
    got = c(port)["tls"].get("sni")
    expect(got == name, "port %d: SNI %r, want %r" % (port, got, name))

GOOD = 2
exec(sys.argv[2])
good = [x for x in conns if x["client"]["ip"] == "10.99.0.1" and x["client"]["port"] == 35074]
expect(len(good) == GOOD, "%d good connections, want %d" % (len(good), GOOD))
bad = [x["verdict"] for x in good if x["verdict"] != "ok"]
expect(not bad, "good connection got verdict %s" % ",".join(map(str, bad)))
expect(summary is not None, "no summary object")
if fails:
    print("; ".join(fails))
    sys.exit(1)
EOF

# run NAME FILE...: tlsdiag --json -r FILE... > NAME.out 2> NAME.err; status in NAME.rc, peak
# resident KB in NAME.mem.
# shellcheck disable=SC2086 # $TIMEOUT is a command and its argument, or nothing
run() {
    name=$1
    shift
    if [ -n "$MEMTIME" ]; then
        $MEMTIME -f %M -o "$tmp/$name.mem" $TIMEOUT "$BIN" --json -r "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    else
        $TIMEOUT "$BIN" --json -r "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    fi
    echo $? >"$tmp/$name.rc"
}

# An extended regular expression matching the text literally.
re() { printf '%s' "$1" | sed 's/[][\.^$*+?(){}|]/\\&/g'; }

# check NAME STATUS PY [ERE...]: one ok/not ok line.  Every ERE must match a line of stderr
# (except one written ?ERE, which may), and every stderr line must match one of them (no ERE:
# stderr must be empty).
check() {
    name=$1 want=$2 py=$3
    shift 3
    why=
    rc=$(cat "$tmp/$name.rc")
    err=$tmp/$name.err
    [ "$rc" = 124 ] && why="$why; timed out after 20 s"
    [ "$rc" = "$want" ] || why="$why; exit status $rc, want $want"
    if grep -q -e 'Sanitizer' -e 'runtime error' "$err"; then
        why="$why; sanitizer: $(grep -m 1 -e 'Sanitizer' -e 'runtime error' "$err")"
    else
        cp "$err" "$tmp/rest"
        for pat in "$@"; do
            case "$pat" in
            '?'*) pat=${pat#?} ;;
            *) grep -Eq -- "$pat" "$err" || why="$why; stderr lacks /$pat/ (stderr: $(head -n 3 "$err" | tr '\n' '|'))" ;;
            esac
            grep -Ev -- "$pat" "$tmp/rest" >"$tmp/rest2"
            mv "$tmp/rest2" "$tmp/rest"
        done
        [ -s "$tmp/rest" ] && why="$why; unexpected stderr: $(head -n 1 "$tmp/rest")"
    fi
    if [ -n "$MEM_LIMIT_KB" ] && [ -s "$tmp/$name.mem" ]; then
        kb=$(tail -n 1 "$tmp/$name.mem")
        case "$kb" in
        *[!0-9]*|'') why="$why; no memory figure ($kb)" ;;
        *) [ "$kb" -le "$MEM_LIMIT_KB" ] || why="$why; peak memory $kb KB > $MEM_LIMIT_KB KB" ;;
        esac
    fi
    if ! res=$("$PY" "$tmp/check.py" "$tmp/$name.out" "$py" 2>&1); then
        why="$why; $res"
    fi
    if [ -z "$why" ]; then
        echo "ok gauntlet $name"
    else
        echo "not ok gauntlet $name: ${why#; }"
    fi
}

G=$C/good.pcap
T="^tlsdiag: "

# ---- damaged and unreadable files: exit 2, what came before still reported -------------------

# A record header cut after 7 of its 16 bytes, after N_BASE whole frames.
run trunc-rechdr "$C/trunc-rechdr.pcap" "$G"
check trunc-rechdr 2 'V(40001, "ok")' "$T$(re "$C/trunc-rechdr.pcap"): after packet $N_BASE: .*truncated"

# The last record says 200 captured bytes; 50 follow.
run trunc-packet "$C/trunc-packet.pcap" "$G"
check trunc-packet 2 'V(40001, "ok")' "$T$(re "$C/trunc-packet.pcap"): after packet $N_BASE: .*truncated"

# A record claiming 2^31-1 captured bytes: libpcap refuses it, nothing is allocated for it.
run caplen-huge "$C/caplen-huge.pcap" "$G"
check caplen-huge 2 'V(40001, "ok")' "$T$(re "$C/caplen-huge.pcap"): after packet $N_BASE: .*capture length"

# A record in the middle whose caplen is 40 more than its bytes: the framing slips into the next
# record and libpcap meets an absurd length.  The hostile connection is cut there (any verdict).
run caplen-slips "$C/caplen-slips.pcap" "$G"
check caplen-slips 2 'c(40004)' "$T$(re "$C/caplen-slips.pcap"): after packet $N_SLIP: .*capture length"

# An empty file; a file with a magic number of no capture format; an unsupported link type.
# Each is named, and the good file after it is still analysed.
run empty "$C/empty.pcap" "$G"
check empty 2 'GOOD = 1' "$T$(re "$C/empty.pcap"): .*(truncated|empty)"
run bad-magic "$C/bad-magic.pcap" "$G"
check bad-magic 2 'GOOD = 1' "$T$(re "$C/bad-magic.pcap"): unknown file format"
run linktype-unknown "$C/linktype-unknown.pcap" "$G"
check linktype-unknown 2 'GOOD = 1' "$T$(re "$C/linktype-unknown.pcap"): link type 147 \\(USER0\\) is not one tlsdiag decodes .*; nothing in it was analysed"

# pcapng: unknown block types (unassigned, local use, custom) are skipped without a word; a block
# claiming 2 GiB and an Enhanced Packet Block whose caplen runs past its block are damage.
run pcapng-unknown "$C/pcapng-unknown.pcapng" "$G"
check pcapng-unknown 0 'V(40005, "ok")'
run pcapng-oversized "$C/pcapng-oversized.pcapng" "$G"
check pcapng-oversized 2 'V(40005, "ok")' "$T$(re "$C/pcapng-oversized.pcapng"): after packet $N_NG: .*block size"
run pcapng-epb-lie "$C/pcapng-epb-lie.pcapng" "$G"
check pcapng-epb-lie 2 'V(40005, "ok")' "$T$(re "$C/pcapng-epb-lie.pcapng"): after packet $N_NG: .*(too short|length)"

# gzip: cut at 3/4; 64 bytes garbled at 3/4 (libpcap may first trip over garbage frames, which
# are then reported as packets - but the gzip error is what the file is blamed for); a wrong CRC.
run gzip-truncated "$C/trunc.pcap.gz" "$G"
check gzip-truncated 2 '' "$T$(re "$C/trunc.pcap.gz"): after packet [0-9]+: gzip stream truncated$"
run gzip-corrupt "$C/corrupt.pcap.gz" "$G"
check gzip-corrupt 2 '' "$T$(re "$C/corrupt.pcap.gz"): after packet [0-9]+: gzip data corrupt" \
    "?$T$(re "$C/corrupt.pcap.gz"): (packet [0-9]+: |[0-9]+ packets had problems)"
run gzip-badcrc "$C/badcrc.pcap.gz" "$G"
check gzip-badcrc 2 '' "$T$(re "$C/badcrc.pcap.gz"): after packet [0-9]+: gzip data corrupt: incorrect data check$"

# ---- frames that lie: the file is fine, so exit 0/1 by the verdicts --------------------------

# File snap length 1600, a 3014-byte frame with caplen 3014: libpcap cuts it to the snap length,
# the lost tail is a capture gap of that connection (which still completed its handshake).
run caplen-over-snaplen "$C/caplen-over-snaplen.pcap" "$G"
check caplen-over-snaplen 0 'V(40002, "ok"); F(40002, "capture-gap")' \
    "$T$(re "$C/caplen-over-snaplen.pcap"): 1 packet\\(s\\) cut short by the snap length"

# caplen 100 > wire length 60: the bytes are there, so they are used without a word (libpcap and
# tcpdump accept such a record too); the IP total length bounds what TCP sees.
run caplen-over-wirelen "$C/caplen-over-wirelen.pcap" "$G"
check caplen-over-wirelen 0 'V(40003, "ok")'

# Frames of 0 bytes (wire length 0 and 1514) and of 3 bytes: each named, skipped, counted.
# shellcheck disable=SC2086 # three packet numbers
set -- $P_ZERO
run zero-length "$C/zero-length.pcap" "$G"
check zero-length 0 'expect(summary["undecoded_packets"] == 3, "undecoded_packets %s, want 3" % summary["undecoded_packets"])' \
    "$T$(re "$C/zero-length.pcap"): packet $1: Ethernet header cut short" \
    "$T$(re "$C/zero-length.pcap"): packet $2: Ethernet header cut short" \
    "$T$(re "$C/zero-length.pcap"): packet $3: Ethernet header cut short"

# IPv4: IHL 3; IHL 15 in 28 bytes; total length 12 < IHL; a ClientHello frame whose total length
# is 400 bytes more than the frame (not a snap-length cut: the bytes there are used, port 40006
# keeps its SNI); one whose total length is 100 bytes short (the rest is padding to IP, so port
# 40007's stream has a hole: capture-gap).
f="$T$(re "$C/ipv4-lies.pcap"): packet"
run ipv4-lies "$C/ipv4-lies.pcap" "$G"
check ipv4-lies 0 'V(40006, "ok"); SNI(40006, "gauntlet.example.test"); V(40007, "ok"); F(40007, "capture-gap")' \
    "$f $P_IHL_SMALL: IPv4 header length 12 < 20" \
    "$f $P_IHL_CUT: IPv4 header length 60 exceeds the captured bytes" \
    "$f $P_TOTAL_SMALL: IPv4 total length < header length" \
    "$f $P_TOTAL_BIG: IP length field exceeds the frame"

# IPv6: 100 chained Destination Options headers (stopped at 16); a Hop-by-Hop header of 2048
# bytes in a 28-byte payload; Routing -> Routing with the payload length ending inside the second;
# payload length 0.  Port 40009 runs a whole handshake behind Hop-by-Hop, Destination Options and
# Routing headers: ok.
f="$T$(re "$C/ipv6-ext.pcap"): packet"
run ipv6-ext "$C/ipv6-ext.pcap" "$G"
check ipv6-ext 0 'V(40009, "ok"); SNI(40009, "gauntlet.example.test")' \
    "$f $P_V6_LOOP: IPv6 extension header chain too long" \
    "$f $P_V6_OVERRUN: IPv6 extension header chain overruns packet" \
    "$f $P_V6_OVERRUN2: IPv6 extension header chain overruns packet"

# TCP data offset 2; 15 in a 20-byte segment; 15 in a 30-byte segment.
f="$T$(re "$C/tcp-doff.pcap"): packet"
run tcp-doff "$C/tcp-doff.pcap" "$G"
check tcp-doff 0 'V(40010, "ok")' \
    "$f $P_DOFF_SMALL: TCP data offset 2 < 5" \
    "$f $P_DOFF_CUT: TCP data offset 15 \\(60 bytes\\) exceeds the segment" \
    "$f $P_DOFF_CUT2: TCP data offset 15 \\(60 bytes\\) exceeds the segment"

# Overlapping segments with different bytes.  tlsdiag keeps the FIRST copy of every byte it has
# seen, whether already delivered or held out of order (analyzer/flow/reassembly.c; Zeek does the
# same, and so does Wireshark's default).  Each ClientHello is sent once naming first.example.test
# and once, overlapping it, naming other.example.test (same length):
#   40011: in order; the retransmission covers the name and runs on past the first copy.
#   40012: out of order; the first copy of the name is held, the second copy overlaps it, then
#          the hole before both fills.
# The SNI must come from the first copy in both.
run overlap "$C/overlap.pcap" "$G"
check overlap 0 'V(40011, "ok"); SNI(40011, "first.example.test"); V(40012, "ok"); SNI(40012, "first.example.test")'

# ---- TLS that lies -----------------------------------------------------------------------------

# A zero-length handshake record before the ClientHello (40013); a first record of 20480 bytes
# (> 2^14+2048) before it (40014); a 65535-byte record from the server mid-handshake (40018).
# Each is a malformed-tls finding; the parser resynchronises and the handshakes complete.
run tls-reclen "$C/tls-reclen.pcap" "$G"
check tls-reclen 0 'V(40013, "ok"); F(40013, "malformed-tls", "zero-length record")
V(40014, "ok"); SNI(40014, "gauntlet.example.test"); F(40014, "malformed-tls", "record length 20480 > 18432")
V(40018, "ok"); F(40018, "malformed-tls", "record length 65535 > 18432")'

# Handshake messages that never complete: a ClientHello of 2^24-1 bytes (1.1 MB of it sent),
# one of 200000 bytes (80 KiB sent, within the budget), a server Certificate of 2^24-2 bytes.
# Lengths over the handshake budget are legal: skipped with buffer-cap-hit, never malformed-tls.
run hs-huge "$C/hs-huge.pcap" "$G"
check hs-huge 1 'F(40015, "buffer-cap-hit", "16777215 bytes"); NF(40015, "malformed-tls")
F(40016, "malformed-tls", "ClientHello of 200000 bytes unfinished")
F(40017, "buffer-cap-hit", "16777214 bytes"); NF(40017, "malformed-tls"); SNI(40017, "gauntlet.example.test")'

# After its handshake, port 40019's client leaves a 1000-byte hole and sends 600 KB behind it,
# which no ACK ever skips: the held data stops at its cap, the hole becomes a gap.
run ooo-flood "$C/ooo-flood.pcap" "$G"
check ooo-flood 0 'V(40019, "ok"); F(40019, "buffer-cap-hit", "out-of-order"); F(40019, "capture-gap", "1000 bytes")'

# Certificate messages whose inner lengths lie: list longer than the message (40020), certificate
# longer than the list (40021), list ending inside a length (40022), DER broken inside with all
# lengths right (40023), a zero-length certificate before the real one (40024), a list of 2^24-1
# bytes with none there (40025).  Each is a malformed-tls finding; the handshakes complete.
run cert-lies "$C/cert-lies.pcap" "$G"
check cert-lies 0 'for p in range(40020, 40026):
    V(p, "ok"); F(p, "malformed-tls", "Certificate")
expect(c(40024)["tls"]["server_chain"][1:2] and c(40024)["tls"]["server_chain"][1].get("subject") == "CN=gauntlet.example.test",
       "port 40024: the real certificate after the empty one was not read")'

# 100 000 warning alerts from the client after its application data: counted, 64 kept.
run many-alerts "$C/many-alerts.pcap" "$G"
check many-alerts 0 'V(40030, "ok"); F(40030, "many-alerts", "100000")
expect(c(40030)["tls"].get("alerts_total") == 100000, "alerts_total %s" % c(40030)["tls"].get("alerts_total"))
expect(0 < len(c(40030)["tls"]["alerts"]) <= 64, "%d alerts kept" % len(c(40030)["tls"]["alerts"]))'

# ClientHellos of 10000 unknown extensions and of 13000 GREASE extensions plus two server_name
# extensions (the first counts), each with the name at the end, over three records.
run many-exts "$C/many-exts.pcap" "$G"
check many-exts 0 'V(40031, "ok"); SNI(40031, "gauntlet.example.test"); V(40032, "ok"); SNI(40032, "gauntlet.example.test")'

# ---- key logs (--keylog): wrong, truncated, hostile -------------------------------------------
# runk NAME KEYLOG FILE...: like run, with --keylog KEYLOG.
# shellcheck disable=SC2086
runk() {
    name=$1 kl=$2
    shift 2
    if [ -n "$MEMTIME" ]; then
        $MEMTIME -f %M -o "$tmp/$name.mem" $TIMEOUT "$BIN" --json --keylog "$kl" -r "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    else
        $TIMEOUT "$BIN" --json --keylog "$kl" -r "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    fi
    echo $? >"$tmp/$name.rc"
}
# D(status): every good connection has "decrypted" as said, and this decrypt_status.
DEC='def D(dec, status=None):
    for x in conns:
        expect(x.get("decrypted") is dec, "decrypted %r, want %r" % (x.get("decrypted"), dec))
        expect(status is None or status in str(x.get("decrypt_status")), "decrypt_status %r, want %r in it" % (x.get("decrypt_status"), status))
'
# The key log of another connection, and the right client random with a wrong master secret:
# not input errors; nothing is decrypted and each connection says why.
runk kl-other-random "$C/kl-other-random.keylog" "$G" "$G"
check kl-other-random 0 "$DEC"'D(False, "no secrets for this connection")'
runk kl-wrong-secret "$C/kl-wrong-secret.keylog" "$G" "$G"
check kl-wrong-secret 0 "$DEC"'D(False, "failed authentication")
expect(all(x.get("decrypt_failures", 0) > 0 for x in conns), "no decrypt_failures counted")'
# Cut inside its only secret: named with its line, exit 2, the captures still analysed.
runk kl-truncated "$C/kl-truncated.keylog" "$G" "$G"
check kl-truncated 2 "$DEC"'D(False)' "$T--keylog $(re "$C/kl-truncated.keylog"):2: master secret is not 96 hex digits" \
    "$T--keylog $(re "$C/kl-truncated.keylog"): no TLS secrets in it"
# Garbage, a 1 MB field, 5000 extra fields, a random that is not hex, a line cut short, then
# the real line: every bad line is named, the real one decrypts.
runk kl-hostile "$C/kl-hostile.keylog" "$G" "$G"
check kl-hostile 2 "$DEC"'D(True)' \
    "$T--keylog $(re "$C/kl-hostile.keylog"):2: line cut short" \
    "$T--keylog $(re "$C/kl-hostile.keylog"):3: more than 3 fields" \
    "$T--keylog $(re "$C/kl-hostile.keylog"):4: client random is not 64 hex digits" \
    "$T--keylog $(re "$C/kl-hostile.keylog"):7: line cut short"
# A key log that does not exist, or is a directory: named, exit 2, the captures still analysed.
runk kl-missing "$C/no-such.keylog" "$G" "$G"
check kl-missing 2 "$DEC"'D(False)' "$T--keylog $(re "$C/no-such.keylog"): cannot read it: No such file or directory"
runk kl-directory "$C" "$G" "$G"
check kl-directory 2 "$DEC"'D(False)' "$T--keylog $(re "$C"): is a directory, not a key log file"
# pcapng Decryption Secrets Blocks: a good one decrypts without --keylog (and its keys serve the
# next file); the hostile key log in one is named block and line by line, what parses still
# decrypts; a block whose secrets length runs past it is the file's damage, after its packets.
B="Decryption Secrets Block at byte"
run dsb-good "$C/dsb-good.pcapng" "$G"
check dsb-good 0 "$DEC"'D(True)'
run dsb-hostile "$C/dsb-hostile.pcapng" "$G"
check dsb-hostile 2 "$DEC"'D(True)' \
    "$T$(re "$C/dsb-hostile.pcapng"): $B [0-9]+, line 2: line cut short" \
    "$T$(re "$C/dsb-hostile.pcapng"): $B [0-9]+, line 3: more than 3 fields" \
    "$T$(re "$C/dsb-hostile.pcapng"): $B [0-9]+, line 4: client random is not 64 hex digits" \
    "$T$(re "$C/dsb-hostile.pcapng"): $B [0-9]+, line 7: line cut short"
run dsb-lying "$C/dsb-lying.pcapng" "$G"
check dsb-lying 2 "" "$T$(re "$C/dsb-lying.pcapng"): after packet 20: pcapng $B [0-9]+: secrets length 1048576 exceeds"

