"""pcapgen.py - write classic pcap files of TCP conversations with correct framing.

Shared by the synthetic capture generators in tests/gen/.  Ethernet II, IPv4 (header checksum
computed), TCP (checksum over the pseudo-header computed), sequence and acknowledgement numbers
that follow the bytes really sent, a three-way handshake and a FIN close.  Payloads larger than
the MSS are cut into segments.  Standard library only.
"""
import struct

MSS = 1448


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _ip4(addr):
    return bytes(int(x) for x in addr.split("."))


class Conversation:
    """One TCP connection between a client and a server; call the methods in wire order."""

    def __init__(self, client=("10.0.0.5", 51234), server=("10.0.0.9", 443), t0=1700000000.0,
                 isn_c=0x1000, isn_s=0x8000):
        self.ep = [client, server]
        self.seq = [isn_c, isn_s]
        self.t = t0
        self.frames = []                 # (ts, bytes)
        self.ipid = [1, 1]

    def _frame(self, d, flags, payload=b""):
        src, dst = self.ep[d], self.ep[1 - d]
        ack = self.seq[1 - d] if flags & 0x10 else 0
        win = 64240
        tcp = struct.pack("!HHIIBBHHH", src[1], dst[1], self.seq[d] & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          5 << 4, flags, win, 0, 0)
        pseudo = _ip4(src[0]) + _ip4(dst[0]) + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
        c = _csum(pseudo + tcp + payload)
        tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
        total = 20 + len(tcp) + len(payload)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, self.ipid[d], 0x4000, 64, 6, 0,
                         _ip4(src[0]), _ip4(dst[0]))
        ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
        self.ipid[d] += 1
        macs = [b"\x02\x00\x00\x00\x00\x05", b"\x02\x00\x00\x00\x00\x09"]
        eth = macs[1 - d] + macs[d] + b"\x08\x00"
        self.t += 0.0005
        self.frames.append((self.t, eth + ip + tcp + payload))

    def handshake(self):
        self._frame(0, 0x02)             # SYN
        self.seq[0] += 1
        self._frame(1, 0x12)             # SYN-ACK
        self.seq[1] += 1
        self._frame(0, 0x10)             # ACK

    def send(self, d, data, pause=0.001):
        """d: 0 client->server, 1 server->client."""
        self.t += pause
        for off in range(0, len(data), MSS):
            seg = data[off:off + MSS]
            self._frame(d, 0x18, seg)    # PSH-ACK
            self.seq[d] += len(seg)
        self._frame(1 - d, 0x10)         # the peer's ACK

    def close(self, first=0):
        for d in (first, 1 - first):
            self._frame(d, 0x11)         # FIN-ACK
            self.seq[d] += 1
        self._frame(first, 0x10)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for ts, fr in self.frames:
                sec = int(ts)
                usec = int(round((ts - sec) * 1e6))
                f.write(struct.pack("<IIII", sec, usec, len(fr), len(fr)))
                f.write(fr)
