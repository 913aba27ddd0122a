#!/usr/bin/env python3
"""inject.py - an on-path censor: forge TCP resets for ClientHellos that name a blocked server.

    python3 inject.py CLIENT_IF SERVER_IF SNI [both|client]

Run in the router namespace. It reads every frame arriving on CLIENT_IF (the router's link to the
client) with an AF_PACKET socket, while the kernel goes on forwarding them. For a TCP segment to
port 443 that opens a TLS handshake record holding a ClientHello whose server_name is SNI, it
forges, at once:
  - to the client, on CLIENT_IF: a RST+ACK from the server's address and port, with the sequence
    number the server would use next (the ClientHello segment's acknowledgment number);
  - with "both" (the default), to the server too, on SERVER_IF: a RST+ACK from the client's
    address and port with the client's next sequence number (after the ClientHello segment).
Each forged packet is sent as the router's own: IP TTL 64 (the real peers' packets cross the
router and arrive with 63), DF clear (Linux sets DF on TCP), a random IP ID (Linux numbers a
connection's packets in sequence). The ClientHello itself is forwarded untouched. One line per
forgery goes to stdout. Python standard library only.
"""
import os
import socket
import struct
import sys

ETH_P_IP = 0x0800
PACKET_OUTGOING = 4


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def sni_of(p):
    """server_name of the ClientHello at the start of TCP payload p, or None."""
    try:
        if len(p) < 6 or p[0] != 0x16 or p[5] != 1:
            return None
        i = 5 + 4 + 2 + 32
        i += 1 + p[i]                                   # session id
        i += 2 + struct.unpack("!H", p[i:i + 2])[0]     # cipher suites
        i += 1 + p[i]                                   # compression methods
        end = i + 2 + struct.unpack("!H", p[i:i + 2])[0]
        i += 2
        while i + 4 <= min(end, len(p)):
            typ, ln = struct.unpack("!HH", p[i:i + 4])
            if typ == 0 and i + 4 + ln <= len(p):
                body = p[i + 4:i + 4 + ln]              # list length, type 0, name length, name
                nl = struct.unpack("!H", body[3:5])[0]
                return body[5:5 + nl].decode("ascii", "replace")
            i += 4 + ln
    except (IndexError, struct.error):
        pass
    return None


def rst(src, dst, sport, dport, seq, ack):
    ipid = struct.unpack("!H", os.urandom(2))[0]
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x14, 0, 0, 0)   # RST+ACK, window 0
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ipid, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def mac_of(ifname):
    with open("/sys/class/net/%s/address" % ifname) as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def neigh_mac(ip):
    with open("/proc/net/arp") as f:
        for line in f.readlines()[1:]:
            c = line.split()
            if c[0] == ip and c[3] != "00:00:00:00:00:00":
                return bytes.fromhex(c[3].replace(":", ""))
    return None


def main():
    cif, sif, blocked = sys.argv[1], sys.argv[2], sys.argv[3]
    mode = sys.argv[4] if len(sys.argv) > 4 else "both"
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    rx.bind((cif, 0))
    tx_s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    tx_s.bind((sif, 0))
    print("inject.py: watching %s for server_name %s (%s)" % (cif, blocked, mode), flush=True)
    while True:
        frame, addr = rx.recvfrom(65536)
        if addr[2] == PACKET_OUTGOING or len(frame) < 14 + 40:
            continue
        ip = frame[14:]
        ihl = (ip[0] & 15) * 4
        if ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        tot = struct.unpack("!H", ip[2:4])[0]
        tcp = ip[ihl:tot]
        sport, dport, seq, ack = struct.unpack("!HHII", tcp[:12])
        doff = (tcp[12] >> 4) * 4
        payload = tcp[doff:]
        if dport != 443 or not payload or sni_of(payload) != blocked:
            continue
        csrc, sdst = ip[12:16], ip[16:20]
        # To the client: as if from the server.
        to_cli = frame[6:12] + frame[0:6] + frame[12:14] + rst(sdst, csrc, 443, sport, ack, (seq + len(payload)) & 0xFFFFFFFF)
        rx.send(to_cli)
        msg = "to client %s:%d seq %d" % (socket.inet_ntoa(csrc), sport, ack)
        if mode == "both":
            # To the server: as if from the client.
            smac = neigh_mac(socket.inet_ntoa(sdst))
            if smac:
                pkt = rst(csrc, sdst, sport, 443, (seq + len(payload)) & 0xFFFFFFFF, ack)
                tx_s.send(smac + mac_of(sif) + struct.pack("!H", ETH_P_IP) + pkt)
                msg += "; to server seq %d" % ((seq + len(payload)) & 0xFFFFFFFF)
        print("inject.py: reset %s" % msg, flush=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
