#!/usr/bin/env python3
"""make_seeds.py OUTDIR [CAPTURE...] - seed corpora for the libFuzzer harnesses.

With no CAPTURE, reads samples/*.pcap*, samples/starttls/*.pcap and ../shared/corpus/ndpi/* (run
from the project root).
Writes, one file per seed named by its SHA-1 (so reruns and duplicates collapse):

  OUTDIR/pipeline/    the capture files themselves (pcap, pcapng, gzip); a large one is cut to its
                      first frames, and a few are also re-written big-endian and gzip-compressed
  OUTDIR/decode/      single frames: one byte naming the link type (fuzz_decode.c's table), then
                      the frame; every IP packet is also re-wrapped in each link type the decoder
                      knows (Ethernet, VLAN, QinQ, SLL, SLL2, null, loop, raw, IPv4/IPv6)
  OUTDIR/tls_stream/  each TCP connection's reassembled payload, both directions in packet order,
                      in fuzz_tls_stream.c's operation format (holes become gap operations)
  OUTDIR/decrypt/     the same for the captures with a key log (samples/keylog/,
                      samples/keylog-suites/keylog/; fuzz_decrypt.c reads those key logs)
  OUTDIR/x509/        every certificate (DER) in the clear in those streams, the DER Names in them
                      and in CertificateRequests, and the PEM certificates under samples/ca
  OUTDIR/pcapng_secrets/  one byte (how fuzz_pcapng_secrets.c cuts the feeds), then a pcapng file:
                      the pcapng captures (samples/keylog-suites/ has one with a Decryption Secrets
                      Block), and small captures re-written as pcapng with their key log in a
                      Decryption Secrets Block, little-endian, big-endian and as two sections
  OUTDIR/pcap_map/    one byte (fuzz_pcap_map.c's windows and snapshot length), then a capture: the
                      pcapng_secrets seeds' files and the uncompressed pipeline seeds
  OUTDIR/quic_packet/ datagrams for fuzz_quic_packet.c: the QUIC sample packets of RFC 9001 and
                      RFC 9369 Appendix A (read from tests/unit/quic_vectors.h), alone and
                      coalesced, their plaintext payloads (which the harness walks as frames) and a
                      few frames of each kind made here
  OUTDIR/json_reader/ JSON Lines for fuzz_json_reader.c: tlsdiag's golden outputs (tests/golden/)
  OUTDIR/quic_conn/   datagram sequences for fuzz_quic_conn.c (u16 length, direction byte, bytes):
                      the RFC samples as a client and server would send them (A.2 then A.3, a Retry,
                      v2, a Version Negotiation), and the UDP payloads to and from port 443 of each
                      connection of samples/quic/*.pcap, in capture order (the harness has their
                      key logs, so their Handshake and 1-RTT packets open)

Only the Python standard library is used: a small pcap/pcapng reader, Ethernet/SLL/IP/TCP
decoding, TCP reassembly and TLS record/handshake walking, enough for seeds.
"""
import glob
import gzip
import hashlib
import os
import struct
import sys

PIPELINE_MAX = 131072      # keep in step with FUZZ_MAXLEN_pipeline in fuzz.mk
DECODE_MAX = 4096
STREAM_MAX = 65536
X509_MAX = 16384
PCAPNG_SECRETS_MAX = 65536 # keep in step with FUZZ_MAXLEN_pcapng_secrets in fuzz.mk
QUIC_MAX = 4096            # keep in step with FUZZ_MAXLEN_quic_packet in fuzz.mk
QUIC_CONN_MAX = 65536      # keep in step with FUZZ_MAXLEN_quic_conn in fuzz.mk
QUIC_VECTORS = "tests/unit/quic_vectors.h"
FRAMES_PER_FILE = 16
REWRAP_PER_FILE = 3

# fuzz_decode.c's table: index = link type selector byte
LINKS = [1, 113, 276, 0, 108, 12, 14, 101, 228, 229, 9, 50, 51, 104, 166, 204, 205, 219, 147]
TLS_PORTS = {443, 8443, 993, 995, 465, 636, 989, 990, 3389, 25, 587, 143, 110, 21, 853, 5061}


def write_seed(outdir, sub, data):
    d = os.path.join(outdir, sub)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    # fuzz_pcap_map takes the same files as these two, behind one byte (PCAP_MAP_MAX in fuzz.mk)
    if sub == "pcapng_secrets" or (sub == "pipeline" and data[:2] != b"\x1f\x8b" and len(data) < 65536):
        write_seed(outdir, "pcap_map", data if sub == "pcapng_secrets" else bytes([len(data) % 251]) + data)


# ---- capture files ---------------------------------------------------------------------------

def read_capture(raw):
    """(linktype, [(ts_sec, ts_frac, frame, wirelen)]) of a pcap or pcapng file, or None."""
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except Exception:
            return None
    if len(raw) < 24:
        return None
    magic = raw[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        link = struct.unpack(e + "I", raw[20:24])[0] & 0xFFFF
        frames, off = [], 24
        while off + 16 <= len(raw):
            sec, frac, incl, orig = struct.unpack(e + "IIII", raw[off:off + 16])
            off += 16
            if off + incl > len(raw):
                break
            frames.append((sec, frac, raw[off:off + incl], orig))
            off += incl
        return link, frames
    if magic == b"\x0a\x0d\x0d\x0a":
        return read_pcapng(raw)
    return None


def read_pcapng(raw):
    e, off, links, frames, link = "<", 0, [], [], None
    while off + 12 <= len(raw):
        btype = struct.unpack(e + "I", raw[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            bom = raw[off + 8:off + 12]
            e = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        blen = struct.unpack(e + "I", raw[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(raw):
            break
        body = raw[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 8:
            links.append(struct.unpack(e + "H", body[:2])[0])
        elif btype == 6 and len(body) >= 20:
            ifid, hi, lo, cap, orig = struct.unpack(e + "IIIII", body[:20])
            if ifid < len(links):
                link = links[ifid] if link is None else link
                if links[ifid] == link:
                    ts = (hi << 32) | lo
                    frames.append((ts // 1000000, ts % 1000000, body[20:20 + cap], orig))
        elif btype == 3 and len(body) >= 4 and links:
            orig = struct.unpack(e + "I", body[:4])[0]
            link = links[0] if link is None else link
            frames.append((0, 0, body[4:4 + orig], orig))
        off += blen
    if link is None:
        return None
    return link, frames


def pcapng_block(e, btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack(e + "II", btype, n) + body + struct.pack(e + "I", n)


def write_pcapng(link, frames, secrets, big_endian=False, limit=None):
    """A pcapng section: header, one interface, a Decryption Secrets Block (TLS key log) and the
    frames (microsecond timestamps)."""
    e = ">" if big_endian else "<"
    out = [pcapng_block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1)),
           pcapng_block(e, 1, struct.pack(e + "HHI", link, 0, 262144)),
           pcapng_block(e, 0x0A, struct.pack(e + "II", 0x544C534B, len(secrets)) + secrets)]
    size = sum(len(b) for b in out)
    for sec, frac, data, orig in frames:
        ts = sec * 1000000 + frac % 1000000
        b = pcapng_block(e, 6, struct.pack(e + "IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data), orig) + data)
        if limit and size + len(b) > limit:
            break
        out.append(b)
        size += len(b)
    return b"".join(out)


def keylog_of(path):
    d, base = os.path.split(path)
    stem = base.split(".pcap")[0]
    for k in (os.path.join(d, "keylog", stem + ".keylog"), os.path.join(d, stem + ".keylog")):
        if os.path.isfile(k):
            with open(k, "rb") as fh:
                return fh.read()
    return None


def write_pcap(link, frames, big_endian=False, limit=None):
    e = ">" if big_endian else "<"
    out = [struct.pack(e + "IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, link)]
    size = 24
    for sec, frac, data, orig in frames:
        rec = struct.pack(e + "IIII", sec & 0xFFFFFFFF, frac % 1000000, len(data), orig) + data
        if limit and size + len(rec) > limit:
            break
        out.append(rec)
        size += len(rec)
    return b"".join(out)


# ---- link, IP, TCP -----------------------------------------------------------------------------

def link_payload(link, f):
    """(ethertype-ish 4/6, ip bytes) or None."""
    if link == 1:
        if len(f) < 14:
            return None
        et, off = struct.unpack(">H", f[12:14])[0], 14
        while et in (0x8100, 0x88A8, 0x9100) and len(f) >= off + 4:
            et, off = struct.unpack(">H", f[off + 2:off + 4])[0], off + 4
        return {0x0800: 4, 0x86DD: 6}.get(et), f[off:]
    if link == 113:
        return (None if len(f) < 16 else ({0x0800: 4, 0x86DD: 6}.get(struct.unpack(">H", f[14:16])[0]), f[16:]))
    if link == 276:
        return (None if len(f) < 20 else ({0x0800: 4, 0x86DD: 6}.get(struct.unpack(">H", f[0:2])[0]), f[20:]))
    if link in (0, 108):
        return None if len(f) < 4 else (None, f[4:])
    if link in (12, 14, 101, 228, 229):
        return None, f
    return None


def parse_ip(ip):
    """(src, dst, tcp bytes) of an IPv4/IPv6 packet carrying TCP, or None."""
    if not ip:
        return None
    v = ip[0] >> 4
    if v == 4 and len(ip) >= 20:
        hl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        if ip[9] != 6 or hl < 20 or (struct.unpack(">H", ip[6:8])[0] & 0x3FFF):
            return None
        return ip[12:16], ip[16:20], ip[hl:min(total, len(ip))]
    if v == 6 and len(ip) >= 40:
        nh, off = ip[6], 40
        plen = struct.unpack(">H", ip[4:6])[0]
        end = min(40 + plen, len(ip))
        while nh in (0, 43, 60) and off + 2 <= end:
            nh, off = ip[off], off + (ip[off + 1] + 1) * 8
        if nh != 6:
            return None
        return ip[8:24], ip[24:40], ip[off:end]
    return None


def parse_tcp(t):
    if len(t) < 20:
        return None
    sport, dport, seq, ack, doff, flags = struct.unpack(">HHIIBB", t[:14])
    hl = (doff >> 4) * 4
    if hl < 20 or hl > len(t):
        return None
    return sport, dport, seq, flags, t[hl:]


def decode_frame(link, f):
    lp = link_payload(link, f)
    if not lp:
        return None
    ipinfo = parse_ip(lp[1])
    if not ipinfo:
        return None
    tcp = parse_tcp(ipinfo[2])
    if not tcp:
        return None
    return ipinfo[0], ipinfo[1], tcp, lp[1]


def rewrap(ip):
    """The same IP packet in every link type fuzz_decode.c knows: [(selector, frame)]."""
    v = ip[0] >> 4
    et = struct.pack(">H", 0x0800 if v == 4 else 0x86DD)
    mac = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02"
    fam = 2 if v == 4 else 10
    out = [
        (0, mac + et + ip),
        (0, mac + b"\x81\x00\x00\x07" + et + ip),
        (0, mac + b"\x88\xa8\x00\x05\x81\x00\x00\x07" + et + ip),
        (1, b"\x00\x00\x00\x01\x00\x06" + mac[:6] + b"\x00\x00" + et + ip),
        (2, et + b"\x00\x00\x00\x00\x00\x02\x00\x01\x00\x06" + mac[:6] + b"\x00\x00" + ip),
        (3, struct.pack("<I", fam) + ip),
        (4, struct.pack(">I", 2 if v == 4 else 24) + ip),
        (5, ip), (6, ip), (7, ip),
        (8 if v == 4 else 9, ip),
    ]
    pp = struct.pack(">H", 0x0021 if v == 4 else 0x0057)
    label = b"\x00\x06\x41\x40"                       # label 100, bottom of stack
    out += [
        (10, b"\xff\x03" + pp + ip), (10, pp + ip), (10, b"\xff\x03\x02\x81" + label + ip),
        (11, b"\xff\x03" + pp + ip), (11, b"\x0f\x00" + et + ip),
        (12, b"\x11\x00\x00\x01" + struct.pack(">H", 2 + len(ip)) + pp + ip),
        (13, b"\x8f\x00" + et + ip),
        (14, b"\x01\x03" + pp + ip), (15, b"\x00\xff\x03" + pp + ip), (16, b"\x01\x0f\x00" + et + ip),
        (17, label + ip),
        (0, mac + b"\x88\x47\x00\x06\x40\x40" + label + ip),
        (0, mac + b"\x88\x47" + label + b"\x00\x00\x00\x00" + mac + et + ip),
        (0, mac + b"\x88\x64\x11\x00\x00\x01" + struct.pack(">H", 2 + len(ip)) + pp + ip),
    ]
    for t in tunnels(ip, mac + et + ip, et):
        out += [(0, mac + b"\x08\x00" + outer_v4(t[0], t[1])), (8, outer_v4(t[0], t[1]))]
    out.append((18, ip))
    return out


def outer_v4(proto, payload):
    """An IPv4 header from 10.0.0.1 to 10.0.0.2 around a tunnel's payload."""
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000, 64, proto, 0,
                       b"\x0a\x00\x00\x01", b"\x0a\x00\x00\x02") + payload


def tunnels(ip, frame, et):
    """(IP protocol, payload) of each tunnel the decoder knows, carrying ip or an Ethernet frame."""
    v = ip[0] >> 4

    def udp(port, body):
        return struct.pack(">HHHH", 40000, port, 8 + len(body), 0) + body
    return [
        (4 if v == 4 else 41, ip),
        (47, struct.pack(">HH", 0, 0x0800 if v == 4 else 0x86DD) + ip),
        (47, struct.pack(">HHIII", 0xB000, 0x0800 if v == 4 else 0x86DD, 0, 7, 9) + ip),
        (47, struct.pack(">HHI", 0x2000, 0x6558, 1) + frame),
        (47, struct.pack(">HH", 0, 0x88BE) + frame),
        (47, struct.pack(">HHIHHI", 0x1000, 0x88BE, 1, 0x1000, 1, 0) + frame),
        (47, struct.pack(">HHIHHIHH", 0x1000, 0x22EB, 1, 0x2000, 1, 0, 0, 1) + b"\x00" * 8 + frame),
        (47, struct.pack(">HHHHII", 0x3081, 0x880B, 4 + len(ip), 1, 1, 1) + b"\xff\x03"
         + struct.pack(">H", 0x0021 if v == 4 else 0x0057) + ip),
        (17, udp(4789, struct.pack(">II", 0x08000000, 0x100) + frame)),
        (17, udp(4790, struct.pack(">II", 0x0C000000 | (1 if v == 4 else 2), 0x100) + ip)),
        (17, udp(6081, struct.pack(">BBHI", 1, 0, 0x6558, 0x100) + b"\x01\x02\x03\x04" + frame)),
        (17, udp(2152, struct.pack(">BBHI", 0x30, 0xFF, len(ip), 1) + ip)),
    ]


# ---- TCP reassembly into fuzz_tls_stream operations ------------------------------------------

def connections(link, frames):
    conns = {}
    order = []
    for _, _, f, _ in frames:
        d = decode_frame(link, f)
        if not d:
            continue
        src, dst, (sport, dport, seq, flags, payload), _ = d
        a, b = (src, sport), (dst, dport)
        key = (a, b) if (a, b) <= (b, a) else (b, a)
        if key not in conns:
            conns[key] = []
            order.append(key)
        conns[key].append((a, seq, flags, payload))
    for key in order:
        yield conns[key]


def stream_ops(pkts):
    """Roles as the engine picks them: the SYN sender, else the side off the TLS port, else the
    first sender is the client."""
    ends = []
    for a, _, _, _ in pkts:
        if a not in ends:
            ends.append(a)
    client = None
    for a, seq, flags, payload in pkts:
        if flags & 0x02:
            if not flags & 0x10:
                client = a
            elif len(ends) == 2:
                client = ends[1] if a == ends[0] else ends[0]
            break
    if client is None and len(ends) == 2:
        if ends[1][1] in TLS_PORTS and ends[0][1] not in TLS_PORTS:
            client = ends[0]
        elif ends[0][1] in TLS_PORTS and ends[1][1] not in TLS_PORTS:
            client = ends[1]
    if client is None:
        client = ends[0]
    nxt = [None, None]
    ops = []
    syn = synack = cfin = srst = False
    for a, seq, flags, payload in pkts:
        d = 0 if a == client else 1
        if flags & 0x02:
            nxt[d] = (seq + 1) & 0xFFFFFFFF
            syn = syn or d == 0
            synack = synack or d == 1
        if flags & 0x01 and d == 0:
            cfin = True
        if flags & 0x04 and d == 1:
            srst = True
        if not payload:
            continue
        if nxt[d] is None:
            nxt[d] = seq
        diff = (seq - nxt[d]) & 0xFFFFFFFF
        if diff >= 0x80000000:
            diff -= 1 << 32
        if diff < 0:
            payload = payload[-diff:]
            if not payload:
                continue
            seq = nxt[d]
        elif diff > 0:
            if diff >= 1 << 24:
                continue
            ops.append((d, None, diff))
        ops.append((d, payload, 0))
        nxt[d] = (seq + len(payload)) & 0xFFFFFFFF
    flags = (0 if syn else 1) | (2 if syn and synack else 0) | (4 if cfin else 0) | (8 if srst else 0)
    return flags, ops


def encode_ops(flags, ops, limit=STREAM_MAX):
    out = bytearray([flags])
    for d, data, gap in ops:
        if data is None:
            out += bytes([d | 2]) + struct.pack(">H", min(gap, 0xFFFF))
            continue
        for i in range(0, len(data), 0xFFFF):
            chunk = data[i:i + 0xFFFF]
            room = limit - len(out) - 3
            if room <= 0:
                return bytes(out)
            chunk = chunk[:room]
            out += bytes([d]) + struct.pack(">H", len(chunk)) + chunk
    return bytes(out)


# ---- certificates -----------------------------------------------------------------------------

def der_tlv(b, off):
    """(tag, start of value, end of value) at off, or None."""
    if off + 2 > len(b):
        return None
    tag, n = b[off], b[off + 1]
    off += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or off + k > len(b):
            return None
        n = int.from_bytes(b[off:off + k], "big")
        off += k
    if off + n > len(b):
        return None
    return tag, off, off + n


def cert_names(der):
    """The issuer and subject Name TLVs of a certificate."""
    t = der_tlv(der, 0)
    if not t or t[0] != 0x30:
        return []
    tbs = der_tlv(der, t[1])
    if not tbs or tbs[0] != 0x30:
        return []
    off, fields = tbs[1], []
    while off < tbs[2]:
        f = der_tlv(der, off)
        if not f:
            break
        fields.append((f[0], off, f[2]))
        off = f[2]
    if fields and fields[0][0] == 0xA0:
        fields = fields[1:]
    out = []
    for i in (2, 4):                      # serial, signature, issuer, validity, subject
        if i < len(fields) and fields[i][0] == 0x30:
            out.append(der[fields[i][1]:fields[i][2]])
    return out


def handshakes(stream):
    """Handshake messages in the clear at the start of one direction's bytes."""
    buf, off = bytearray(), 0
    while off + 5 <= len(stream):
        ctype, ver, n = stream[off], stream[off + 1], struct.unpack(">H", stream[off + 3:off + 5])[0]
        if ctype < 20 or ctype > 24 or ver != 3:
            break
        body = stream[off + 5:off + 5 + n]
        off += 5 + n
        if ctype == 20:
            break
        if ctype == 22:
            buf += body
    off = 0
    while off + 4 <= len(buf):
        t, n = buf[off], int.from_bytes(buf[off + 1:off + 4], "big")
        if off + 4 + n > len(buf):
            break
        yield t, bytes(buf[off + 4:off + 4 + n])
        off += 4 + n


def certificates(body):
    for tls13 in (False, True):
        off, certs = 0, []
        if tls13:
            if not body:
                return []
            off = 1 + body[0]
        if off + 3 > len(body):
            continue
        total = int.from_bytes(body[off:off + 3], "big")
        off += 3
        if off + total != len(body):
            continue
        ok = True
        while off < len(body):
            if off + 3 > len(body):
                ok = False
                break
            n = int.from_bytes(body[off:off + 3], "big")
            certs.append(body[off + 3:off + 3 + n])
            off += 3 + n
            if tls13:
                if off + 2 > len(body):
                    ok = False
                    break
                off += 2 + struct.unpack(">H", body[off:off + 2])[0]
        if ok and off == len(body):
            return certs
    return []


def ca_names(body):
    """DER Names of a TLS 1.2 CertificateRequest (with signature_algorithms), else []."""
    try:
        off = 1 + body[0]
        off += 2 + struct.unpack(">H", body[off:off + 2])[0]
        total = struct.unpack(">H", body[off:off + 2])[0]
        off += 2
        end, out = off + total, []
        while off + 2 <= end:
            n = struct.unpack(">H", body[off:off + 2])[0]
            out.append(body[off + 2:off + 2 + n])
            off += 2 + n
        return out
    except (IndexError, struct.error):
        return []


def pem_certs(path):
    import base64
    out, cur = [], None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("-----BEGIN CERTIFICATE"):
                cur = []
            elif line.startswith("-----END CERTIFICATE") and cur is not None:
                out.append(base64.b64decode("".join(cur)))
                cur = None
            elif cur is not None:
                cur.append(line)
    return out


# ---- QUIC ---------------------------------------------------------------------------------------

def quic_vectors():
    """{name: bytes} of the hex strings (static const char QV...[]) of tests/unit/quic_vectors.h."""
    import re
    try:
        with open(QUIC_VECTORS) as f:
            text = f.read()
    except OSError:
        return {}
    out = {}
    for m in re.finditer(r'static const char (QV\w+)\[\] =\s*((?:"[^"]*"\s*)+);', text):
        out[m.group(1)] = bytes.fromhex("".join(re.findall(r'"([^"]*)"', m.group(2))).replace(" ", ""))
    return out


def quic_varint(v):
    for n, top in ((1, 0), (2, 0x40), (4, 0x80), (8, 0xC0)):
        if v < 1 << (8 * n - 2):
            return (v | top << (8 * n - 8)).to_bytes(n, "big")
    raise ValueError(v)


def quic_frames():
    """One payload of every frame kind fuzz_quic_packet.c walks, and a few that lie."""
    v = quic_varint
    every = (b"\x00\x00\x01" + b"\x02" + v(1000) + v(3) + v(1) + v(10) + v(5) + v(3) +
             b"\x03" + v(7) + v(0) + v(0) + v(7) + v(1) + v(2) + v(3) +
             b"\x04" + v(4) + v(7) + v(100) + b"\x05" + v(4) + v(7) + b"\x07" + v(3) + b"tok" +
             b"\x06" + v(0) + v(4) + b"\x01\x00\x00\x00" + b"\x0e" + v(4) + v(9) + v(2) + b"hi" +
             b"\x10" + v(1 << 20) + b"\x11" + v(4) + v(99) + b"\x12" + v(8) + b"\x13" + v(8) +
             b"\x14" + v(1) + b"\x15" + v(4) + v(1) + b"\x16" + v(2) + b"\x17" + v(2) +
             b"\x18" + v(2) + v(1) + b"\x04cid!" + bytes(16) + b"\x19" + v(1) +
             b"\x1a" + bytes(8) + b"\x1b" + bytes(8) + b"\x1e" + b"\x31" + v(2) + b"dg" +
             b"\x1c" + v(0x12a) + v(6) + v(9) + b"bad\x01cert\xff" + b"\x09" + v(0) + b"end")
    crypto = b"".join(b"\x06" + v(off) + v(5) + bytes(range(off % 200, off % 200 + 5))
                      for off in (40, 0, 10, 5, 20, 15, 30, 25, 35, 4611686018427387900))
    return [every, crypto, b"\x1d" + v(0x100) + v(4) + b"oops", b"\x06" + v(0) + v(9) + b"cut",
            b"\x30" + b"\x06\x00\x01z", b"\x21\x01"]


def quic_seeds(outdir):
    vec = quic_vectors()
    packets = [data for name, data in sorted(vec.items()) if name.endswith("_PACKET")]
    for p in packets:
        write_seed(outdir, "quic_packet", p[:QUIC_MAX])
    for a, b in (("QV1_SERVER_PACKET", "QV1_CHACHA_PACKET"), ("QV2_SERVER_PACKET", "QV2_CHACHA_PACKET"),
                 ("QV1_SERVER_PACKET", "QV1_RETRY_PACKET")):
        if a in vec and b in vec:
            write_seed(outdir, "quic_packet", vec[a] + vec[b])
    if "QV_CLIENT_CRYPTO" in vec:
        write_seed(outdir, "quic_packet", vec["QV_CLIENT_CRYPTO"] + bytes(1162 - len(vec["QV_CLIENT_CRYPTO"])))
    if "QV_SERVER_PAYLOAD" in vec:
        write_seed(outdir, "quic_packet", vec["QV_SERVER_PAYLOAD"])
    for f in quic_frames():
        write_seed(outdir, "quic_packet", f)


def parse_udp(ip):
    """(src, sport, dst, dport, payload) of an IPv4/IPv6 packet carrying UDP, or None."""
    if not ip:
        return None
    v = ip[0] >> 4
    if v == 4 and len(ip) >= 20:
        hl, total = (ip[0] & 15) * 4, struct.unpack(">H", ip[2:4])[0]
        if ip[9] != 17 or hl < 20 or (struct.unpack(">H", ip[6:8])[0] & 0x3FFF):
            return None
        src, dst, u = ip[12:16], ip[16:20], ip[hl:min(total, len(ip))]
    elif v == 6 and len(ip) >= 40:
        nh, off, end = ip[6], 40, min(40 + struct.unpack(">H", ip[4:6])[0], len(ip))
        while nh in (0, 43, 60) and off + 2 <= end:
            nh, off = ip[off], off + (ip[off + 1] + 1) * 8
        if nh != 17:
            return None
        src, dst, u = ip[8:24], ip[24:40], ip[off:end]
    else:
        return None
    if len(u) < 8:
        return None
    sport, dport, ulen = struct.unpack(">HHH", u[:6])
    return src, sport, dst, dport, u[8:max(8, min(ulen, len(u)))]


def quic_record(direction, payload):
    return struct.pack(">HB", len(payload), direction) + payload


def quic_conn_seeds(outdir):
    """fuzz_quic_conn.c's seeds: the RFC packets in order, and each samples/quic connection."""
    vec = quic_vectors()
    rec = quic_record
    for v in ("QV1", "QV2"):
        c, s, r = (vec.get(v + k) for k in ("_CLIENT_PACKET", "_SERVER_PACKET", "_RETRY_PACKET"))
        if c and s and r:
            write_seed(outdir, "quic_conn", rec(0, c) + rec(1, s))
            write_seed(outdir, "quic_conn", rec(0, c) + rec(1, r) + rec(0, c) + rec(1, s))
            write_seed(outdir, "quic_conn", rec(1, s) + rec(0, c) + rec(0, c) + rec(1, s + vec["QV1_CHACHA_PACKET"]))
    if "QV1_CLIENT_PACKET" in vec:
        vn = b"\x80\x00\x00\x00\x00\x00\x08" + vec["QV1_CLIENT_PACKET"][6:14] + b"\x00\x00\x00\x01\x6b\x33\x43\xcf"
        write_seed(outdir, "quic_conn", rec(0, b"\xc0\x1a\x2a\x3a\x4a" + vec["QV1_CLIENT_PACKET"][5:]) + rec(1, vn) +
                   rec(0, vec["QV1_CLIENT_PACKET"]))
    for path in sorted(glob.glob("samples/quic/*.pcap")):
        with open(path, "rb") as fh:
            cap = read_capture(fh.read())
        if not cap:
            continue
        conns, order = {}, []
        for _, _, f, _ in cap[1]:
            lp = link_payload(cap[0], f)
            u = parse_udp(lp[1]) if lp else None
            if not u or 443 not in (u[1], u[3]) or not u[4]:
                continue
            d = 0 if u[3] == 443 else 1
            key = (u[0], u[1]) if d == 0 else (u[2], u[3])
            if key not in conns:
                conns[key] = b""
                order.append(key)
            if len(conns[key]) + 3 + len(u[4]) <= QUIC_CONN_MAX:
                conns[key] += rec(d, u[4])
        for key in order:
            write_seed(outdir, "quic_conn", conns[key])


# ---- main ---------------------------------------------------------------------------------------

JSON_MAX = 65536                   # FUZZ_MAXLEN_json_reader


def json_seeds(outdir):
    """OUTDIR/json_reader/: tlsdiag's own JSON Lines (the golden outputs), whole when small, else
    their first lines with the summary, and one cut in the middle of a record."""
    for path in sorted(glob.glob("tests/golden/*.jsonl")):
        with open(path, "rb") as fh:
            raw = fh.read()
        lines = raw.splitlines(keepends=True)
        if len(raw) <= JSON_MAX:
            write_seed(outdir, "json_reader", raw)
        elif len(lines) > 1:
            head = b""
            for line in lines[:-1]:
                if len(head) + len(line) + len(lines[-1]) > JSON_MAX:
                    break
                head += line
            write_seed(outdir, "json_reader", head + lines[-1])
        write_seed(outdir, "json_reader", raw[:min(len(raw), JSON_MAX) // 2])


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: make_seeds.py OUTDIR [CAPTURE...]")
    outdir = sys.argv[1]
    files = sys.argv[2:]
    if not files:
        files = sorted(glob.glob("samples/*.pcap") + glob.glob("samples/*.pcapng") +
                       glob.glob("samples/*.pcap.gz"))
        files += sorted(f for f in glob.glob("../shared/corpus/ndpi/*") if not f.endswith(".ndpi.out"))
        files += sorted(glob.glob("samples/keylog-suites/*.pcap"))   # every suite, KeyUpdate, 0-RTT
        files += sorted(glob.glob("samples/starttls/*.pcap"))        # the STARTTLS dialogues' recognisers
        files += sorted(glob.glob("samples/proxy/*.pcap"))           # HTTP CONNECT before TLS
    counts = {"pipeline": 0, "decode": 0, "tls_stream": 0, "x509": 0, "pcapng_secrets": 0, "decrypt": 0,
              "quic_packet": 0, "quic_conn": 0, "json_reader": 0, "pcap_map": 0}
    for sub in counts:
        os.makedirs(os.path.join(outdir, sub), exist_ok=True)
    quic_seeds(outdir)
    quic_conn_seeds(outdir)
    json_seeds(outdir)
    rewrites = 0
    dsb_seeds = 0
    if not sys.argv[2:]:
        for path in sorted(glob.glob("samples/keylog-suites/*.pcapng")):
            with open(path, "rb") as fh:
                raw = fh.read()
            if len(raw) <= PCAPNG_SECRETS_MAX - 1:
                write_seed(outdir, "pcapng_secrets", b"\x07" + raw)
    for path in files:
        with open(path, "rb") as fh:
            raw = fh.read()
        cap = read_capture(raw)
        if len(raw) <= PIPELINE_MAX:
            write_seed(outdir, "pipeline", raw)
        elif cap:
            write_seed(outdir, "pipeline", write_pcap(cap[0], cap[1], limit=PIPELINE_MAX))
        if not cap:
            continue
        link, frames = cap
        if raw[:4] == b"\x0a\x0d\x0d\x0a" and len(raw) < PCAPNG_SECRETS_MAX:
            write_seed(outdir, "pcapng_secrets", b"\x00" + raw)
        secrets = keylog_of(path)
        if secrets and dsb_seeds < 4 and len(raw) <= 16384:
            dsb_seeds += 1
            le = write_pcapng(link, frames, secrets, limit=PCAPNG_SECRETS_MAX // 2)
            be = write_pcapng(link, frames, secrets, big_endian=True, limit=PCAPNG_SECRETS_MAX // 2)
            write_seed(outdir, "pcapng_secrets", bytes([dsb_seeds]) + le)
            write_seed(outdir, "pcapng_secrets", bytes([0x80 | dsb_seeds]) + be)
            write_seed(outdir, "pcapng_secrets", bytes([0x40 | dsb_seeds]) + be + le)
        if rewrites < 4 and len(raw) <= 16384 and raw[:2] != b"\x1f\x8b":
            rewrites += 1
            write_seed(outdir, "pipeline", write_pcap(link, frames, big_endian=True))
            write_seed(outdir, "pipeline", gzip.compress(raw, mtime=0))
        sel = LINKS.index(link) if link in LINKS else None
        seen, wrapped = 0, 0
        for _, _, f, _ in frames:
            d = decode_frame(link, f)
            if sel is not None and seen < FRAMES_PER_FILE:
                write_seed(outdir, "decode", bytes([sel]) + f[:DECODE_MAX - 1])
                seen += 1
            if d and wrapped < REWRAP_PER_FILE and d[2][4]:
                wrapped += 1
                for s, fr in rewrap(d[3]):
                    write_seed(outdir, "decode", bytes([s]) + fr[:DECODE_MAX - 1])
        for pkts in connections(link, frames):
            flags, ops = stream_ops(pkts)
            if not any(data for _, data, _ in ops):
                continue
            write_seed(outdir, "tls_stream", encode_ops(flags, ops))
            # fuzz_decrypt reads the same form with the samples' key logs: a key-logged
            # capture's connections are the seeds that reach decryption.
            if secrets:
                write_seed(outdir, "decrypt", encode_ops(flags, ops))
            for d in (0, 1):
                stream = b"".join(data for dd, data, _ in ops if dd == d and data)
                for t, body in handshakes(stream):
                    ders = certificates(body) if t == 11 else ca_names(body) if t == 13 else []
                    for der in ders:
                        if 0 < len(der) <= X509_MAX:
                            write_seed(outdir, "x509", der)
                            for name in (cert_names(der) if t == 11 else []):
                                write_seed(outdir, "x509", name)
    for pem in sorted(glob.glob("samples/ca/*.pem")):
        for der in pem_certs(pem):
            write_seed(outdir, "x509", der)
            for name in cert_names(der):
                write_seed(outdir, "x509", name)
    for sub in counts:
        counts[sub] = len(os.listdir(os.path.join(outdir, sub)))
    print("seeds: " + ", ".join("%s %d" % kv for kv in counts.items()))


if __name__ == "__main__":
    main()
