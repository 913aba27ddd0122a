#!/usr/bin/env python3
"""make_captures.py DIR - write the gauntlet's hostile captures into DIR.

Each capture holds something hostile (a damaged file, a lying header, an absurd TLS length) and
ALSO the good connection of samples/tls12-ok.pcap (client 10.99.0.1:35074, a complete TLS 1.2
handshake with application data both ways; its frames are copied byte for byte and re-timed), so
tests/gauntlet.sh can check that the damage does not cost any other connection its verdict.
Files that cannot be read at all (bad magic, unknown link type) are run next to DIR/good.pcap.

Everything is built here with the standard library: pcap and pcapng framing, Ethernet, IPv4,
IPv6, TCP and TLS records.  The hostile connections are synthetic TLS 1.2 handshakes (client
10.66.0.x or fd66::x, client port 40000 + n, server port 443) whose server certificate is a real
DER made by `openssl req -x509`.  Output is deterministic apart from that certificate and the
capture time (a minute from now, so that the certificate is valid then).

DIR/expect.sh gets the packet numbers the checks need (shell variable assignments).
"""
import gzip
import ipaddress
import os
import random
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GOOD_PCAP = os.path.join(HERE, "..", "..", "samples", "tls12-ok.pcap")
SNI = "gauntlet.example.test"
C2S, S2C = 0, 1
RNG = random.Random(20261125)


def rand(n):
    return RNG.randbytes(n)


# ---- pcap / pcapng ------------------------------------------------------------------------

def read_pcap(path):
    """Frames of a classic pcap file (either byte order) and the first frame's time in seconds."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit("make_captures: %s is not a pcap file" % path)
    frames, first_ts, off = [], None, 24
    while off + 16 <= len(data):
        sec, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        first_ts = sec if first_ts is None else first_ts
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames, first_ts or 0


class Rec:
    """One packet record; caplen/wirelen override what the header claims (data is what follows)."""

    def __init__(self, data, caplen=None, wirelen=None):
        self.data, self.caplen, self.wirelen = data, caplen, wirelen


# Capture time of the first frame: set by main() to a minute from now, so that the certificate
# made now is valid at the capture's time (tlsdiag judges validity then), and never earlier than
# the good sample itself.
T0 = 0.0
STEP = 0.0001                       # capture time between consecutive frames


def as_recs(frames):
    return [f if isinstance(f, Rec) else Rec(f) for f in frames]


def pcap_bytes(frames, linktype=1, snaplen=262144):
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype)]
    for i, r in enumerate(as_recs(frames)):
        ts = T0 + i * STEP
        sec, usec = int(ts), int(round((ts - int(ts)) * 1e6))
        if usec >= 1000000:
            sec, usec = sec + 1, usec - 1000000
        cap = len(r.data) if r.caplen is None else r.caplen
        wire = len(r.data) if r.wirelen is None else r.wirelen
        out.append(struct.pack("<IIII", sec, usec, cap, wire) + r.data)
    return b"".join(out)


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def pcapng_block(btype, body, total=None):
    body = pad4(body)
    n = 12 + len(body) if total is None else total
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def pcapng_shb():
    return pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def pcapng_idb(linktype=1, snaplen=262144):
    return pcapng_block(1, struct.pack("<HHI", linktype, 0, snaplen))


def pcapng_epb(i, data):
    ts = int(round((T0 + i * STEP) * 1e6))
    return pcapng_block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data)) + data)


def number(frames, frame):
    """1-based packet number of this very frame object in a capture."""
    return 1 + next(i for i, f in enumerate(frames) if f is frame)


def write(outdir, name, data):
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(data)


# ---- Ethernet / IP / TCP ------------------------------------------------------------------

def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ip6(a):
    return ipaddress.IPv6Address(a).packed


def eth(payload, ethertype):
    return b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + struct.pack("!H", ethertype) + payload


def tcp_header(src, dst, sport, dport, seq, ack, flags, payload, doff=None, options=b""):
    options = pad4(options)
    d = (20 + len(options)) // 4 if doff is None else doff
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, d << 4, flags,
                    64240, 0, 0) + options
    if len(src) == 4:
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(h) + len(payload))
    else:
        pseudo = src + dst + struct.pack("!IxxxB", len(h) + len(payload), 6)
    c = checksum(pseudo + h + payload)
    return h[:16] + struct.pack("!H", c) + h[18:]


def ipv4_packet(src, dst, proto, payload, ihl=5, total=None, options=b""):
    options = pad4(options)
    hl = 20 + len(options)
    tot = hl + len(payload) if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot & 0xFFFF, 0x1234, 0x4000, 64, proto, 0, src, dst) + options
    h = h[:10] + struct.pack("!H", checksum(h)) + h[12:]
    return h + payload


def ipv6_packet(src, dst, nxt, payload, plen=None, exts=b""):
    body = exts + payload
    n = len(body) if plen is None else plen
    return struct.pack("!IHBB16s16s", 0x60000000, n & 0xFFFF, nxt, 64, src, dst) + body


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class Conn:
    """One synthetic TCP connection; frames accumulate in .frames (Ethernet)."""

    def __init__(self, n, v6=False, client=None, cport=None):
        self.v6 = v6
        if v6:
            self.addr = [ip6(client or "fd66::%x" % (n + 1)), ip6("fd66::443")]
        else:
            self.addr = [ip4(client or "10.66.%d.%d" % (n // 250, n % 250 + 1)), ip4("10.66.255.1")]
        self.port = [cport or 40000 + n, 443]
        self.nxt = [RNG.getrandbits(32), RNG.getrandbits(32)]
        self.frames = []
        self.ext_hdrs = b""                 # IPv6 extension headers for every packet
        self.ext_first = 6                  # Next Header of the IPv6 header when ext_hdrs is set

    def frame(self, d, flags, payload=b"", seq=None, ack=None, doff=None, ip_total=None, ihl=5,
              ip_options=b"", v6_plen=None):
        o = 1 - d
        seq = self.nxt[d] if seq is None else seq
        ack = self.nxt[o] if ack is None else ack
        t = tcp_header(self.addr[d], self.addr[o], self.port[d], self.port[o], seq, ack, flags, payload,
                       doff=doff)
        if self.v6:
            nxt = self.ext_first if self.ext_hdrs else 6
            return eth(ipv6_packet(self.addr[d], self.addr[o], nxt, t + payload, plen=v6_plen,
                                   exts=self.ext_hdrs), 0x86DD)
        return eth(ipv4_packet(self.addr[d], self.addr[o], 6, t + payload, ihl=ihl, total=ip_total,
                               options=ip_options), 0x0800)

    def out(self, d, flags, payload=b"", **kw):
        f = self.frame(d, flags, payload, **kw)
        self.frames.append(f)
        self.nxt[d] = (self.nxt[d] + len(payload) + (1 if flags & (SYN | FIN) else 0)) & 0xFFFFFFFF
        return f

    def handshake(self):
        self.out(C2S, SYN, ack=0)
        self.out(S2C, SYN | ACK)
        self.out(C2S, ACK)

    def send(self, d, data, mss=1448):
        for i in range(0, len(data), mss):
            self.out(d, PSH | ACK, data[i:i + mss])
        self.out(1 - d, ACK)

    def close(self):
        self.out(C2S, FIN | ACK)
        self.out(S2C, FIN | ACK)
        self.out(C2S, ACK)

    def run(self, flights, close=True):
        self.handshake()
        for d, data in flights:
            self.send(d, data)
        if close:
            self.close()
        return self.frames


def interleave(*lists):
    """Round-robin merge: connections progress side by side, each in its own order."""
    out, its = [], [iter(x) for x in lists]
    while its:
        for it in list(its):
            try:
                out.append(next(it))
            except StopIteration:
                its.remove(it)
    return out


# ---- TLS ----------------------------------------------------------------------------------

def u8v(b):
    return struct.pack("!B", len(b)) + b


def u16v(b):
    return struct.pack("!H", len(b)) + b


def u24v(b):
    return len(b).to_bytes(3, "big") + b


def record(ct, body, ver=0x0303):
    return struct.pack("!BHH", ct, ver, len(body)) + body


def records(ct, data, maxlen=16384):
    return b"".join(record(ct, data[i:i + maxlen]) for i in range(0, len(data), maxlen))


def hs(t, body):
    return struct.pack("!B", t) + u24v(body)


def ext(t, data):
    return struct.pack("!HH", t, len(data)) + data


def sni_ext(name):
    return ext(0, u16v(b"\x00" + u16v(name.encode())))


def client_hello(sni=SNI, exts=None, random32=None):
    if exts is None:
        exts = sni_ext(sni) + ext(16, u16v(u8v(b"h2") + u8v(b"http/1.1"))) + ext(0xFF01, b"\x00")
    return hs(1, b"\x03\x03" + (random32 or rand(32)) + u8v(b"") + u16v(b"\xc0\x2f\x00\x9c") + u8v(b"\x00")
              + u16v(exts))


def server_hello():
    return hs(2, b"\x03\x03" + rand(32) + u8v(b"") + b"\xc0\x2f" + b"\x00" + u16v(ext(0xFF01, b"\x00")))


def certificate(ders):
    return hs(11, u24v(b"".join(u24v(d) for d in ders)))


def tls12_flights(cert, ch=None, cert_msg=None, client_first=b"", server_first=b"", appdata_c=b""):
    """A complete TLS 1.2 handshake (ECDHE-RSA-AES128-GCM) with application data both ways."""
    ch = client_hello() if ch is None else ch
    cert_msg = certificate([cert]) if cert_msg is None else cert_msg
    return [
        (C2S, client_first + records(22, ch)),
        (S2C, server_first + records(22, server_hello() + cert_msg + hs(14, b""))),
        (C2S, record(22, hs(16, u8v(b"\x04" + rand(64)))) + record(20, b"\x01") + record(22, rand(40))),
        (S2C, record(20, b"\x01") + record(22, rand(40))),
        (C2S, record(23, rand(80)) + appdata_c),
        (S2C, record(23, rand(600))),
    ]


def make_cert(tmp):
    der = os.path.join(tmp, "cert.der")
    cmd = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", os.path.join(tmp, "key.pem"), "-subj", "/CN=" + SNI,
           "-addext", "subjectAltName=DNS:" + SNI, "-days", "3650", "-outform", "DER", "-out", der]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(der, "rb") as f:
        return f.read()


# ---- the cases ----------------------------------------------------------------------------

def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_captures.py DIR")
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    expect = {}                             # packet numbers the checks need: DIR/expect.sh
    with tempfile.TemporaryDirectory() as tmp:
        try:
            cert = make_cert(tmp)
        except (OSError, subprocess.CalledProcessError) as e:
            print("make_captures: openssl req -x509 failed: %s" % e, file=sys.stderr)
            sys.exit(3)
    global T0
    good, good_ts = read_pcap(GOOD_PCAP)    # 20 frames: client 10.99.0.1:35074
    T0 = float(max(int(time.time()) + 60, good_ts))
    write(outdir, "good.pcap", pcap_bytes(good))

    def ok_conn(n, **kw):
        return Conn(n, **kw).run(tls12_flights(cert))

    # -- capture files damaged at the end --
    pk = interleave(good, ok_conn(1))
    base = pcap_bytes(pk)
    expect["N_BASE"] = len(pk)              # damage right after the last whole frame
    # A record header cut after 7 of its 16 bytes.
    write(outdir, "trunc-rechdr.pcap", base + struct.pack("<IIII", int(T0) + 60, 0, 74, 74)[:7])
    # The last record says 200 captured bytes; 50 are there.
    write(outdir, "trunc-packet.pcap", base + struct.pack("<IIII", int(T0) + 60, 0, 200, 200) + rand(50))
    # A record claiming 2^31-1 captured bytes (libpcap's limit is 262144).
    write(outdir, "caplen-huge.pcap", base + struct.pack("<IIII", int(T0) + 60, 0, 0x7FFFFFFF, 0x7FFFFFFF) + rand(64))
    # An empty file, and a file whose magic is no capture format (the good sample follows it).
    write(outdir, "empty.pcap", b"")
    write(outdir, "bad-magic.pcap", b"GAUNTLET" + pcap_bytes(good)[8:])
    # A link type tlsdiag does not decode (147, USER0), frames otherwise fine.
    write(outdir, "linktype-unknown.pcap", pcap_bytes(good, linktype=147))

    # -- caplen larger than the snap length / than the wire length --
    # File snap length 1600; one frame of a hostile connection is 3014 bytes with caplen = len =
    # 3014: libpcap cuts it to the snap length, so its tail is a capture gap.
    c = Conn(2)
    fl = tls12_flights(cert)
    c.handshake()
    c.send(*fl[0])
    big = record(23, rand(2900))
    c.out(S2C, PSH | ACK, records(22, server_hello() + certificate([cert]) + hs(14, b"")))
    c.out(C2S, ACK)
    for d, data in fl[2:]:
        c.send(d, data)
    c.out(S2C, PSH | ACK, big)
    c.out(C2S, ACK)
    c.close()
    write(outdir, "caplen-over-snaplen.pcap", pcap_bytes(interleave(good, c.frames), snaplen=1600))
    # A record whose caplen (100) is larger than its wire length (60): the frame is really 100 bytes.
    c = Conn(3)
    frames = c.run(tls12_flights(cert))
    frames[2] = Rec(frames[2] + b"\0" * (100 - len(frames[2])), wirelen=60)
    write(outdir, "caplen-over-wirelen.pcap", pcap_bytes(interleave(good, frames)))
    # A record in the middle whose caplen is 40 bytes more than its data: libpcap's framing slips.
    c = Conn(4)
    frames = c.run(tls12_flights(cert))
    frames[6] = Rec(frames[6], caplen=len(frames[6]) + 40, wirelen=len(frames[6]) + 40)
    write(outdir, "caplen-slips.pcap", pcap_bytes(good + frames))
    expect["N_SLIP"] = len(good) + 7        # the lying record itself is still read

    # -- zero-length packets: caplen 0 (len 0 and len 1514) between the good connection's frames --
    frames = list(good)
    frames.insert(3, Rec(b"", wirelen=0))
    frames.insert(8, Rec(b"", wirelen=1514))
    frames.insert(12, Rec(b"\x02\x00\x00", wirelen=3))
    write(outdir, "zero-length.pcap", pcap_bytes(frames))
    expect["P_ZERO"] = " ".join(str(i + 1) for i, f in enumerate(frames) if isinstance(f, Rec))

    # -- pcapng: unknown blocks are skipped; an oversized block is damage --
    c = ok_conn(5)
    pk = interleave(good, c)
    blocks = [pcapng_shb(), pcapng_idb()]
    for i, f in enumerate(pk):
        blocks.append(pcapng_epb(i, f))
        if i == 5:
            blocks.append(pcapng_block(0x0000BEEF, rand(37)))            # unassigned type
            blocks.append(pcapng_block(0x80000001, rand(4000)))          # local use
            blocks.append(pcapng_block(0x00000BAD, struct.pack("<I", 32473) + rand(10)))  # custom
    write(outdir, "pcapng-unknown.pcapng", b"".join(blocks))
    expect["N_NG"] = len(pk)
    tail = pcapng_block(0x0000BEEF, rand(16), total=0x7FFFFFF0)          # says 2 GiB; 28 bytes there
    write(outdir, "pcapng-oversized.pcapng", b"".join(blocks) + tail)
    # An EPB whose captured length (5000) runs past the end of its block (60 bytes of data).
    lie = pcapng_block(6, struct.pack("<IIIII", 0, 0, 0, 5000, 5000) + rand(60))
    write(outdir, "pcapng-epb-lie.pcapng", b"".join(blocks) + lie)

    # -- gzip: truncated, corrupt in the middle, wrong CRC --
    filler = []
    for i in range(400):                    # UDP frames after the good connection, for bulk
        filler.append(eth(ipv4_packet(ip4("10.77.0.1"), ip4("10.77.0.2"), 17,
                                      struct.pack("!HHHH", 5000, 53, 8 + 200, 0) + rand(200)), 0x0800))
    raw = pcap_bytes(good + filler)
    gz = gzip.compress(raw, mtime=0)
    write(outdir, "trunc.pcap.gz", gz[:len(gz) * 3 // 4])
    bad = bytearray(gz)
    for i in range(len(gz) * 3 // 4, len(gz) * 3 // 4 + 64):
        bad[i] ^= 0x5A
    write(outdir, "corrupt.pcap.gz", bytes(bad))
    bad = bytearray(gz)
    bad[-8] ^= 0xFF                         # CRC-32 of the trailer
    write(outdir, "badcrc.pcap.gz", bytes(bad))

    # -- IPv4 lies --
    c = Conn(6)
    hostile = c.run(tls12_flights(cert))
    # frames 3 (ClientHello) claims a total length 400 bytes larger than the frame (not a cut).
    frames = [
        eth(ipv4_packet(c.addr[0], c.addr[1], 6, rand(40), ihl=3), 0x0800),           # IHL 12 bytes
        eth(ipv4_packet(c.addr[0], c.addr[1], 6, rand(8), ihl=15)[:28], 0x0800),      # IHL 60, 28 there
        eth(ipv4_packet(c.addr[0], c.addr[1], 6, rand(40), total=12), 0x0800),        # total < header
    ]
    ch_frame = hostile[3]
    ip_start = 14
    tot = struct.unpack("!H", ch_frame[ip_start + 2:ip_start + 4])[0]
    hostile[3] = ch_frame[:ip_start + 2] + struct.pack("!H", tot + 400) + ch_frame[ip_start + 4:]
    # A second hostile connection: its ClientHello frame's total length is 100 bytes short, so
    # the rest of the segment is link padding to an IP stack - and a hole in the stream.
    c2 = Conn(7)
    h2 = c2.run(tls12_flights(cert))
    f = h2[3]
    tot = struct.unpack("!H", f[ip_start + 2:ip_start + 4])[0]
    h2[3] = f[:ip_start + 2] + struct.pack("!H", tot - 100) + f[ip_start + 4:]
    pk = interleave(good, frames + hostile, h2)
    write(outdir, "ipv4-lies.pcap", pcap_bytes(pk))
    expect["P_IHL_SMALL"], expect["P_IHL_CUT"], expect["P_TOTAL_SMALL"] = (number(pk, f) for f in frames)
    expect["P_TOTAL_BIG"] = number(pk, hostile[3])

    # -- IPv6 extension headers: a long chain ("loop"), an overrun, and a valid chain --
    c = Conn(8, v6=True)
    loop = b""
    for i in range(100):                    # 100 Destination Options headers, each naming another
        loop += struct.pack("!BB", 60 if i < 99 else 6, 0) + b"\x01\x04\0\0\0\0"
    t = tcp_header(c.addr[0], c.addr[1], 40008, 443, 1, 0, SYN, b"")
    v6bad = [
        eth(ipv6_packet(c.addr[0], c.addr[1], 60, t, exts=loop), 0x86DD),
        # Hop-by-hop options claiming (255+1)*8 = 2048 bytes in a 28-byte payload.
        eth(ipv6_packet(c.addr[0], c.addr[1], 0, t, exts=b"\x06\xff" + b"\x01\x04\0\0\0\0"), 0x86DD),
        # Routing header whose Next Header is Routing again, with the payload length ending inside.
        eth(ipv6_packet(c.addr[0], c.addr[1], 43, t, plen=12, exts=b"\x2b\x00" + bytes(6) + b"\x2b\x00"), 0x86DD),
        # A payload length 0 (jumbogram without its option): ignored.
        eth(ipv6_packet(c.addr[0], c.addr[1], 6, t, plen=0), 0x86DD),
    ]
    v6ok = Conn(9, v6=True)
    v6ok.ext_hdrs = (struct.pack("!BB", 60, 0) + b"\x01\x04\0\0\0\0"          # hop-by-hop -> dstopts
                     + struct.pack("!BB", 43, 0) + b"\x01\x04\0\0\0\0"        # dstopts -> routing
                     + struct.pack("!BBBB", 6, 2, 2, 0) + bytes(4) + ip6("fd66::a")) # routing type 2 -> TCP
    v6ok.ext_first = 0
    pk = interleave(good, v6bad, v6ok.run(tls12_flights(cert)))
    write(outdir, "ipv6-ext.pcap", pcap_bytes(pk))
    expect["P_V6_LOOP"], expect["P_V6_OVERRUN"], expect["P_V6_OVERRUN2"] = (number(pk, f) for f in v6bad[:3])

    # -- TCP data offset lies --
    c = Conn(10)
    hostile = c.run(tls12_flights(cert))
    tb = [
        c.frame(C2S, ACK, doff=2),                     # 8-byte header
        c.frame(C2S, ACK, doff=15),                    # 60-byte header in a 20-byte segment
        c.frame(C2S, PSH | ACK, rand(10), doff=15),   # 60 bytes claimed, 30 there
    ]
    pk = interleave(good, tb + hostile)
    write(outdir, "tcp-doff.pcap", pcap_bytes(pk))
    expect["P_DOFF_SMALL"], expect["P_DOFF_CUT"], expect["P_DOFF_CUT2"] = (number(pk, f) for f in tb)

    # -- overlapping segments with different bytes: the first copy wins --
    r32 = rand(32)
    first = records(22, client_hello(sni="first.example.test", random32=r32))
    other = records(22, client_hello(sni="other.example.test", random32=r32))
    assert len(first) == len(other)
    at = first.index(b"first.example.test")
    # (a) in order: bytes [0, at+30) arrive, then a retransmission of [20, end) that carries the
    # other name; the overlap [20, at+30) keeps the first copy, the new tail [at+30, end) is equal.
    a = Conn(11)
    fl = tls12_flights(cert, ch=b"")
    a.handshake()
    s0 = a.nxt[C2S]
    a.out(C2S, PSH | ACK, first[:at + 30])
    a.out(C2S, PSH | ACK, other[20:], seq=s0 + 20)
    a.nxt[C2S] = (s0 + len(first)) & 0xFFFFFFFF
    a.out(S2C, ACK)
    for d, data in fl[1:]:
        a.send(d, data)
    a.close()
    # (b) out of order: [at-5, end) is held first, then [20, end) with the other name overlaps it,
    # then [0, 20) fills the hole: the held (first) copy of the name must be the one delivered.
    b = Conn(12)
    b.handshake()
    s0 = b.nxt[C2S]
    b.out(C2S, PSH | ACK, first[at - 5:], seq=s0 + at - 5)
    b.out(C2S, PSH | ACK, other[20:], seq=s0 + 20)
    b.out(C2S, PSH | ACK, first[:20], seq=s0)
    b.nxt[C2S] = (s0 + len(first)) & 0xFFFFFFFF
    b.out(S2C, ACK)
    for d, data in fl[1:]:
        b.send(d, data)
    b.close()
    write(outdir, "overlap.pcap", pcap_bytes(interleave(good, a.frames, b.frames)))

    # -- TLS record lengths: 0, and over 2^14+2048 --
    zero = Conn(13).run(tls12_flights(cert, client_first=record(22, b"")))
    huge = Conn(14).run(tls12_flights(cert, client_first=struct.pack("!BHH", 22, 0x0303, 0x5000) + rand(300)))
    fl = tls12_flights(cert)                # the same, after the ServerHello, from the server
    fl[3] = (S2C, struct.pack("!BHH", 23, 0x0303, 0xFFFF) + rand(1000) + fl[3][1])
    huge2 = Conn(18).run(fl)
    write(outdir, "tls-reclen.pcap", pcap_bytes(interleave(good, zero, huge, huge2)))

    # -- handshake messages of up to 2^24-1 bytes that never complete --
    c = Conn(15)
    body = hs(1, b"")[:1] + b"\xff\xff\xff" + rand(70 * 16384)   # 1.1 MB of a 16 MiB ClientHello
    hostile1 = c.run([(C2S, records(22, body))])
    c = Conn(16)
    body = b"\x01" + (200000).to_bytes(3, "big") + rand(5 * 16384)  # under the cap, never finished
    hostile2 = c.run([(C2S, records(22, body))])
    c = Conn(17)                                                       # the server's Certificate
    fl = tls12_flights(cert)
    body = server_hello() + b"\x0b\xff\xff\xfe" + rand(40 * 16384)
    hostile3 = c.run([fl[0], (S2C, records(22, body))])
    write(outdir, "hs-huge.pcap", pcap_bytes(interleave(good, hostile1, hostile2, hostile3)))

    # -- a hole that never fills, with 600 KB of segments held behind it (no ACK skips it) --
    c = Conn(19)
    fl = tls12_flights(cert)
    c.run(fl, close=False)
    s0 = c.nxt[C2S]
    for i in range(600):
        c.out(C2S, PSH | ACK, record(23, rand(995)), seq=s0 + 1000 + i * 1000)
    c.nxt[C2S] = (s0 + 1000 + 600 * 1000) & 0xFFFFFFFF
    c.out(C2S, FIN | ACK)
    c.out(S2C, FIN | ACK, ack=s0)
    write(outdir, "ooo-flood.pcap", pcap_bytes(interleave(good, c.frames)))

    # -- Certificate messages whose inner lengths lie --
    lies = []
    cl = u24v(cert)
    variants = [
        hs(11, (len(cl) + 500).to_bytes(3, "big") + cl),                        # list longer than the message
        hs(11, u24v((len(cert) + 9).to_bytes(3, "big") + cert)),               # certificate longer than the list
        hs(11, u24v(cl + b"\x00\x00")) ,                                       # list ends inside a length
        hs(11, u24v(cl[:3] + cert[:len(cert) // 2] + cert[len(cert) // 2 + 7:] + b"\0" * 7)),  # DER corrupt inside
        hs(11, u24v(u24v(b"") + cl)),                                          # a zero-length certificate
        hs(11, (0xFFFFFF).to_bytes(3, "big")),                                 # list of 2^24-1 bytes, none there
    ]
    for i, msg in enumerate(variants):
        lies.append(Conn(20 + i).run(tls12_flights(cert, cert_msg=msg)))
    write(outdir, "cert-lies.pcap", pcap_bytes(interleave(good, *lies)))

    # -- 100 000 alerts in one connection (warning user_canceled, after the application data) --
    alerts = record(21, b"\x01\x5a") * 100000
    c = Conn(30)
    write(outdir, "many-alerts.pcap", pcap_bytes(interleave(good, c.run(tls12_flights(cert, appdata_c=alerts)))))

    # -- ClientHellos with thousands of extensions (the name in the last one) --
    exts = b"".join(ext(0x7000 + i, b"") for i in range(10000)) + sni_ext(SNI)
    c1 = Conn(31).run(tls12_flights(cert, ch=client_hello(exts=exts)))
    exts = b"".join(ext(0x0a0a, b"\x00") for i in range(13000)) + sni_ext(SNI) + sni_ext("second.example.test")
    c2 = Conn(32).run(tls12_flights(cert, ch=client_hello(exts=exts)))
    write(outdir, "many-exts.pcap", pcap_bytes(interleave(good, c1, c2)))

    # -- key logs for good.pcap (samples/tls12-ok.pcap): wrong, truncated, hostile --
    kl = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "samples", "keylog",
                           "tls12-ok.keylog"), "rb").read()
    line = [l for l in kl.splitlines() if l.startswith(b"CLIENT_RANDOM ")][0]
    label, cr, master = line.split()
    wrong_master = "".join("%02x" % (b ^ 0x5a) for b in bytes.fromhex(master.decode())).encode()
    write(outdir, "kl-wrong-secret.keylog", label + b" " + cr + b" " + wrong_master + b"\n")
    other = bytes(31) + b"\x01"
    write(outdir, "kl-other-random.keylog", label + b" " + other.hex().encode() + b" " + master + b"\n")
    write(outdir, "kl-truncated.keylog", b"# SSL/TLS secrets log file\n" + line[:len(line) - 30])
    hostile = (b"\x00\xff\xfe garbage \x00\n" +                               # line 1: not a label
               b"CLIENT_RANDOM " + b"A" * 1000000 + b"\n" +                   # 2: a 1 MB field
               b"CLIENT_RANDOM " + cr + b" " + master + b" x" * 5000 + b"\n" +  # 3: 5000 extra fields
               b"CLIENT_RANDOM " + cr[:-2] + b"zz " + master + b"\r\n" +       # 4: not hex
               b"\r\n\r\n" + b"SERVER_TRAFFIC_SECRET_0 " + cr + b"\n" +      # 5, 6 blank; 7: cut short
               line + b"\r\n")                                              # 8: the real line
    write(outdir, "kl-hostile.keylog", hostile)

    # -- pcapng Decryption Secrets Blocks (editcap --inject-secrets): a good one, the hostile key
    #    log in one, and one whose secrets length runs past its block (after every frame) --
    def dsb(text, length=None):
        body = struct.pack("<II", 0x544C534B, len(text) if length is None else length) + text
        return pcapng_block(0x0000000A, body)
    frames = b"".join(pcapng_epb(i, f) for i, f in enumerate(good))
    write(outdir, "dsb-good.pcapng", pcapng_shb() + dsb(line + b"\n") + pcapng_idb() + frames)
    write(outdir, "dsb-hostile.pcapng", pcapng_shb() + pcapng_idb() + dsb(hostile) + frames)
    write(outdir, "dsb-lying.pcapng", pcapng_shb() + pcapng_idb() + frames + dsb(line + b"\n", 1 << 20))

    with open(os.path.join(outdir, "expect.sh"), "w") as f:
        for k, v in sorted(expect.items()):
            f.write("%s='%s'\n" % (k, v))


if __name__ == "__main__":
    main()
