"""py5: make.sh's python3 pieces (the standard library, python3-aiohttp).
  py5.py aioserver CERT KEY DIR       aiohttp HTTPS server on port 443 (both stacks): GET files of DIR,
                                      POST /upload reads the body and answers "received N"
  py5.py inject IF NAME MODE          the reset injector on a router interface (it only listens and injects):
        ttlpay  one RST+ACK to the client from the server's address with the TTL the server's SYN-ACK had
                going out to the client, sent at once, and carrying 40 bytes of payload (a block page stub)
        both    RST+ACK to each end (hop limit 64), the ACK numbers wrong (off by 65536)
  py5.py wire IF0 IF1 MS [MODE ARG]   a wire between two interfaces (stands in for tc netem, which this
                                      kernel lacks): every frame goes out on the other side MS ms later;
        sni NAME   a client segment to port 443 whose payload does not start a TLS record (a ClientHello's
                   continuation) is dropped if it or that connection's first ClientHello segment carries NAME
        hold SECS  such a continuation (every copy) is held SECS seconds longer
"""
import heapq, os, select, socket, struct, sys, time

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def forge(v6, src, dst, sport, dport, seq, ack, ttl, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x14, 0, 0, 0) + payload
    if v6:
        ph = src + dst + struct.pack("!I3xB", len(tcp), 6)
        tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
        return struct.pack("!IHBB", 6 << 28, len(tcp), 6, ttl) + src + dst + tcp
    ph = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), int.from_bytes(os.urandom(2), "big"), 0x4000, ttl, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp

def parse(frame):
    et = struct.unpack("!H", frame[12:14])[0]
    p = frame[14:]
    if et == 0x0800 and p[9] == 6:
        v6, ihl, src, dst, tot, ttl = False, (p[0] & 15) * 4, p[12:16], p[16:20], struct.unpack("!H", p[2:4])[0], p[8]
    elif et == 0x86DD and p[6] == 6:
        v6, ihl, src, dst, tot, ttl = True, 40, p[8:24], p[24:40], 40 + struct.unpack("!H", p[4:6])[0], p[7]
    else:
        return None
    t = p[ihl:tot]
    sport, dport, seq, ack = struct.unpack("!HHII", t[:12])
    return v6, src, dst, ttl, sport, dport, seq, ack, t[13], t[(t[12] >> 4) * 4:]

def inject(ifname, name, mode):
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    rx.bind((ifname, 0))
    tx4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    tx6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    name = name.encode()
    seen_ttl = {}
    print("injector on", ifname, "for", name, mode, flush=True)
    while True:
        frame, addr = rx.recvfrom(65535)
        x = parse(frame)
        if not x:
            continue
        v6, src, dst, ttl, sport, dport, seq, ack, flags, payload = x
        if addr[2] == socket.PACKET_OUTGOING and sport == 443 and flags & 0x12 == 0x12:
            seen_ttl[(dst, dport)] = ttl
            continue
        if addr[2] != socket.PACKET_HOST or dport != 443 or name not in payload:
            continue
        fam, tx = (socket.AF_INET6, tx6) if v6 else (socket.AF_INET, tx4)
        nxt = (seq + len(payload)) & 0xffffffff
        if mode == "ttlpay":
            ttl = seen_ttl.get((src, sport), 64)
            tx.sendto(forge(v6, dst, src, 443, sport, ack, nxt, ttl, b"HTTP/1.1 403 Forbidden\r\nX-Blocked: 1\r\n\r\n"),
                      (socket.inet_ntop(fam, src), 0))
        else:
            ttl = 64
            tx.sendto(forge(v6, dst, src, 443, sport, ack, (nxt + 65536) & 0xffffffff, 64), (socket.inet_ntop(fam, src), 0))
            tx.sendto(forge(v6, src, dst, sport, 443, nxt, (ack + 65536) & 0xffffffff, 64), (socket.inet_ntop(fam, dst), 0))
        print(time.strftime("%T"), "reset", socket.inet_ntop(fam, src), sport, "ttl", ttl, flush=True)

def wire(if0, if1, ms, mode=None, arg=None):
    socks = {}
    for i in (if0, if1):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        s.bind((i, 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        socks[i] = s
    other = {socks[if0]: socks[if1], socks[if1]: socks[if0]}
    delay = float(ms) / 1000
    marked = set()
    q, n = [], 0
    print("wire", if0, if1, ms, "ms", mode or "", arg or "", flush=True)
    while True:
        now = time.monotonic()
        while q and q[0][0] <= now:
            _, _, out, frame = heapq.heappop(q)
            try:
                out.send(frame)
            except OSError:
                pass
        wait = max(0, q[0][0] - now) if q else None
        r, _, _ = select.select(list(other), [], [], wait)
        for s in r:
            frame, addr = s.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            extra = 0
            if mode and s is socks[if0]:
                x = parse(frame)
                if x and x[5] == 443 and x[9]:
                    flow, pl = (x[1], x[4]), x[9]
                    if pl[0] == 0x16 and (mode == "hold" or arg.encode() in pl):
                        marked.add(flow)
                    elif not 0x14 <= pl[0] <= 0x17 and (flow in marked or (mode == "sni" and arg.encode() in pl)):
                        marked.add(flow)        # the name in the first segment or in this one
                        if mode == "sni":
                            print(time.strftime("%T"), "drop continuation", x[4], flush=True)
                            continue
                        extra = float(arg)
                        print(time.strftime("%T"), "hold continuation", x[4], flush=True)
            n += 1
            heapq.heappush(q, (time.monotonic() + delay + extra, n, other[s], frame))

def aioserver(cert, key, root):
    import ssl
    from aiohttp import web
    async def upload(req):
        n = len(await req.read())
        return web.Response(text="received %d\n" % n)
    app = web.Application(client_max_size=1 << 24)
    app.router.add_post("/upload", upload)
    app.router.add_static("/", root)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    web.run_app(app, host=["0.0.0.0", "::"], port=443, ssl_context=ctx, print=lambda *a: print("aiohttp up", flush=True))

if __name__ == "__main__":
    m = sys.argv[1]
    if m == "inject":
        inject(*sys.argv[2:5])
    elif m == "wire":
        wire(*sys.argv[2:])
    elif m == "aioserver":
        aioserver(*sys.argv[2:5])
