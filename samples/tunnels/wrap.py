#!/usr/bin/env python3
"""wrap.py - re-wrap the real inner frames of a VXLAN capture in the other encapsulations, for make-tunnels.sh.

  wrap.py VXLAN.pcap OUTDIR [SIT_SOURCE.pcap]

Each inner Ethernet frame of VXLAN.pcap (a real TLS connection captured on the underlay) is written
again, byte for byte, inside GRE with key and sequence number, GRE bridging Ethernet (0x6558),
ERSPAN type II and type III, Geneve (with an option), IP in IP, PPP (link types 9 and 50), PPPoE,
an MPLS label stack and QinQ tags; the outer addresses are the capture's own.  With
SIT_SOURCE.pcap (VXLAN carrying IPv6), its inner IPv6 packets are written as 6in4 (protocol 41).
Frames that carry no IP (ARP) are left out of the encapsulations that carry IP only.
"""
import os
import struct
import sys


def read_pcap(path):
    raw = open(path, "rb").read()
    e = "<" if raw[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    off, out = 24, []
    while off + 16 <= len(raw):
        sec, usec, incl, orig = struct.unpack(e + "IIII", raw[off:off + 16])
        out.append((sec, usec, raw[off + 16:off + 16 + incl]))
        off += 16 + incl
    return out


def write_pcap(path, link, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, link))
        for sec, usec, fr in frames:
            f.write(struct.pack("<IIII", sec, usec, len(fr), len(fr)) + fr)


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF


def ipv4(src, dst, proto, payload, ident):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0x4000, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def is_vxlan(fr):
    """An unfragmented Ethernet/IPv4/UDP frame to port 4789 with a whole inner Ethernet header."""
    if len(fr) < 34 or fr[12:14] != b"\x08\x00" or fr[23] != 17 or struct.unpack("!H", fr[20:22])[0] & 0x3FFF:
        return False
    ihl = (fr[14] & 15) * 4
    return len(fr) >= 14 + ihl + 16 + 14 and struct.unpack("!H", fr[14 + ihl + 2:14 + ihl + 4])[0] == 4789


def split_vxlan(fr):
    """(outer MACs, outer src, outer dst, inner Ethernet frame) of an Ethernet/IPv4/UDP/VXLAN frame."""
    ihl = (fr[14] & 15) * 4
    return fr[:12], fr[26:30], fr[30:34], fr[14 + ihl + 16:]


def inner_ip(inner):
    """The IP packet of an inner Ethernet frame and its Ethernet type, or (None, type)."""
    t = struct.unpack("!H", inner[12:14])[0]
    return (inner[14:], t) if t in (0x0800, 0x86DD) else (None, t)


def variants(macs, src, dst, inner, n):
    ip, t = inner_ip(inner)
    et = struct.pack("!H", 0x0800)
    out = {
        "gretap": (1, macs + et + ipv4(src, dst, 47, struct.pack("!HHI", 0x2000, 0x6558, 42) + inner, n)),
        "erspan2": (1, macs + et + ipv4(src, dst, 47, struct.pack("!HHI", 0x1000, 0x88BE, n)
                                         + struct.pack("!HHI", 0x1000, 123, 7) + inner, n)),
        "erspan3": (1, macs + et + ipv4(src, dst, 47, struct.pack("!HHI", 0x1000, 0x22EB, n)
                                         + struct.pack("!HHIHH", 0x2000, 123, n * 1000, 0, 7 << 4) + inner, n)),
        "geneve": (1, macs + et + ipv4(src, dst, 17, udp(6081, struct.pack("!BBHI", 2, 0, 0x6558, 0x2A00)
                                                          + struct.pack("!HBB", 0x0102, 0x80, 1) + b"\0\0\0\x2a" + inner), n)),
    }
    if ip is None:
        return out
    ppp = struct.pack("!BBH", 0xFF, 0x03, 0x0021 if t == 0x0800 else 0x0057)
    out.update({
        "gre-key-seq": (1, macs + et + ipv4(src, dst, 47, struct.pack("!HHII", 0x3000, t, 42, n) + ip, n)),
        "ipip": (1, macs + et + ipv4(src, dst, 4, ip, n)),
        "ppp": (9, ppp + ip),
        "ppp-hdlc": (50, ppp + ip),
        "pppoe": (1, macs + b"\x88\x64" + struct.pack("!BBHH", 0x11, 0, 0x0042, 2 + len(ip)) + ppp[2:] + ip),
        "mpls": (1, macs + b"\x88\x47" + struct.pack("!II", 16 << 12 | 64, 1000 << 12 | 0x100 | 64) + ip),
        "qinq": (1, macs + b"\x88\xa8" + struct.pack("!HHH", 200, 0x8100, 10) + struct.pack("!H", t) + ip),
    })
    return out


def udp(port, body):
    return struct.pack("!HHHH", 49999, port, 8 + len(body), 0) + body


def main():
    src_pcap, outdir = sys.argv[1], sys.argv[2]
    files = {}
    for n, (sec, usec, fr) in enumerate(read_pcap(src_pcap), 1):
        if not is_vxlan(fr):
            continue
        macs, src, dst, inner = split_vxlan(fr)
        for name, (link, frame) in variants(macs, src, dst, inner, n).items():
            files.setdefault(name, (link, []))[1].append((sec, usec, frame))
    if len(sys.argv) > 3:
        for n, (sec, usec, fr) in enumerate(read_pcap(sys.argv[3]), 1):
            if not is_vxlan(fr):
                continue
            macs, src, dst, inner = split_vxlan(fr)
            ip, t = inner_ip(inner)
            if t == 0x86DD:
                files.setdefault("sit", (1, []))[1].append((sec, usec, macs + b"\x08\x00" + ipv4(src, dst, 41, ip, n)))
    for name, (link, frames) in sorted(files.items()):
        write_pcap(os.path.join(outdir, name + ".pcap"), link, frames)
        print("%-12s link %3d  %3d frames" % (name, link, len(frames)))


if __name__ == "__main__":
    main()
