"""py4: make.sh's python3 pieces (standard library, plus python3-pycurl for the GnuTLS libcurl client).
  py4.py get URL [TIMEOUT] [ALPN]     http.client GET over ssl, certificate not checked; ALPN=long offers
                                      40 long ALPN names (a ~1.9 KB ClientHello, two segments); on a
                                      timeout or error it aborts the connection (SO_LINGER 0: a RST)
  py4.py post URL BYTES [TIMEOUT]     http.client POST of BYTES bytes
  py4.py curl URL [TIMEOUT] [BYTES]   pycurl (libcurl on GnuTLS) GET, or POST of BYTES bytes
  py4.py server PORT DIR CERT KEY [SNI CERT2 KEY2]   python3 ssl HTTP/1.1 server (http.server over
                                      ssl): files from DIR, POST read and counted; SNI picks CERT2
  py4.py inject IF NAME MODE          the reset injector (ttl / both), as py3.py's
  py4.py wire IF0 IF1 MS [LOSS] [HOLD]  a delaying wire: every frame from IF0 goes out on IF1 MS ms
                                      later and the reverse; LOSS: the fraction of small frames (under
                                      200 bytes) dropped at random (seeded); HOLD: seconds by which a
                                      client segment to 443 whose payload starts no TLS record (a
                                      ClientHello's continuation) is held back
"""
import heapq, http.server, os, select, socket, ssl, struct, sys, time

def quiet_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx

def client(mode, url, arg=None, timeout=None, alpn=None):
    import http.client, urllib.parse
    u = urllib.parse.urlsplit(url)
    ctx = quiet_ctx()
    if alpn == "long":
        ctx.set_alpn_protocols(["x-blind4-%02d-%s" % (i, "q" * 30) for i in range(40)] + ["http/1.1"])
    c = http.client.HTTPSConnection(u.hostname, u.port or 443, timeout=float(timeout or 5), context=ctx)
    try:
        if mode == "post":
            c.request("POST", u.path, body=b"y" * int(arg), headers={"Content-Type": "application/octet-stream"})
        else:
            c.request("GET", u.path)
        r = c.getresponse()
        print(r.status, len(r.read()), "bytes")
        c.close()
    except Exception as e:
        print("error:", repr(e))
        try:
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.sock.close()
        except (AttributeError, OSError):
            pass
        sys.exit(1)

def curl(url, timeout=5, nbytes=None):
    import io, pycurl
    c = pycurl.Curl()
    buf = io.BytesIO()
    c.setopt(c.URL, url)
    c.setopt(c.SSL_VERIFYPEER, 0)
    c.setopt(c.SSL_VERIFYHOST, 0)
    c.setopt(c.TIMEOUT, int(float(timeout)))
    c.setopt(c.WRITEDATA, buf)
    if nbytes:
        c.setopt(c.POSTFIELDS, b"y" * int(nbytes))
        c.setopt(c.HTTPHEADER, ["Expect:"])
    try:
        c.perform()
        print(c.getinfo(c.RESPONSE_CODE), len(buf.getvalue()), "bytes", pycurl.version.split()[2])
    except pycurl.error as e:
        print("error:", e)
        sys.exit(1)

def server(port, root, cert, key, sni=None, cert2=None, key2=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if sni:
        ctx2 = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx2.load_cert_chain(cert2, key2)
        def pick(sock, name, _ctx):
            if name == sni:
                sock.context = ctx2
        ctx.sni_callback = pick
    os.chdir(root)
    class S(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6
        def server_bind(self):
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            super().server_bind()
        def get_request(self):
            s, a = self.socket.accept()
            s.settimeout(10)
            return ctx.wrap_socket(s, server_side=True, do_handshake_on_connect=False), a
        def handle_error(self, request, client_address):
            print("error from", client_address, sys.exc_info()[1], flush=True)
    S(("::", int(port)), Backend).serve_forever()

class Backend(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        n = len(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        out = b"received %d\n" % n
        self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def forge(v6, src, dst, sport, dport, seq, ack, ttl):
    """An IPv4/IPv6 packet holding a TCP RST+ACK."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x14, 0, 0, 0)
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
    return v6, src, dst, ttl, sport, dport, seq, ack, t[12] >> 4 << 2, t[13], t[(t[12] >> 4) * 4:]

def inject(ifname, name, mode):
    """On-path censor on the router's client-facing interface.  It only listens and injects (the router
    forwards everything).  A client segment to port 443 that carries NAME gets a forged RST+ACK to the
    client from the server's address, seq = the segment's ack (exactly what the client expects next).
    ttl: the forged packet carries the TTL / hop limit the server's own packets have on this interface
    going out to the client (learned from the SYN-ACK), so the client sees the same TTL; it is sent at
    once, long before the server's answer can come back over the delayed server link.
    both: TTL 64 and a second RST+ACK to the server as if from the client."""
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
        v6, src, dst, ttl, sport, dport, seq, ack, hl, flags, payload = x
        if addr[2] == socket.PACKET_OUTGOING and sport == 443 and flags & 0x12 == 0x12:
            seen_ttl[(dst, dport)] = ttl          # the server's SYN-ACK as forwarded to the client
            continue
        if addr[2] != socket.PACKET_HOST or dport != 443 or name not in payload:
            continue
        fam, tx = (socket.AF_INET6, tx6) if v6 else (socket.AF_INET, tx4)
        ttl = seen_ttl.get((src, sport), 63) if mode == "ttl" else 64
        # a locally sent packet leaves with its TTL as set: the client sees exactly `ttl`
        tx.sendto(forge(v6, dst, src, 443, sport, ack, (seq + len(payload)) & 0xffffffff, ttl),
                  (socket.inet_ntop(fam, src), 0))
        if mode == "both":
            tx.sendto(forge(v6, src, dst, sport, 443, (seq + len(payload)) & 0xffffffff, ack, 64),
                      (socket.inet_ntop(fam, dst), 0))
        print(time.strftime("%T"), "reset", socket.inet_ntop(fam, src), sport, "ttl", ttl, flush=True)

def wire(if0, if1, ms, loss="0", hold="0"):
    import random
    rnd = random.Random(4)
    loss, hold = float(loss), float(hold)
    socks = {}
    for i in (if0, if1):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        s.bind((i, 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        socks[i] = s
    other = {socks[if0]: socks[if1], socks[if1]: socks[if0]}
    delay = float(ms) / 1000
    q, n, lost, held = [], 0, 0, 0
    print("wire", if0, if1, ms, "ms loss", loss, "hold", hold, flush=True)
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
            n += 1
            extra = 0
            if loss and len(frame) < 200 and rnd.random() < loss:
                lost += 1
                print(time.strftime("%T"), "lost frame", n, len(frame), "bytes", lost, "in all", flush=True)
                continue
            if hold:
                x = parse(frame)
                if x and x[5] == 443 and x[10] and x[10][0] not in (0x14, 0x15, 0x16, 0x17):
                    extra = hold
                    held += 1
                    print(time.strftime("%T"), "held frame", n, len(frame), "bytes", flush=True)
            heapq.heappush(q, (time.monotonic() + delay + extra, n, other[s], frame))

if __name__ == "__main__":
    m = sys.argv[1]
    if m == "get":
        a = sys.argv[2:] + [None] * 3
        client(m, a[0], a[1], a[1], a[2])
    elif m == "post":
        client(m, *sys.argv[2:])
    elif m == "curl":
        curl(*sys.argv[2:])
    elif m == "server":
        server(*sys.argv[2:])
    elif m == "inject":
        inject(sys.argv[2], sys.argv[3], sys.argv[4])
    elif m == "wire":
        wire(*sys.argv[2:])
