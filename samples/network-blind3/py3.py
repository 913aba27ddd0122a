"""py3: make.sh's python3 pieces (python3-requests and the standard library).
  py3.py get URL [TIMEOUT]          requests GET, certificate not checked
  py3.py post URL BYTES [TIMEOUT]   requests POST of BYTES bytes
  py3.py hello HOST PORT SNI TIMEOUT   ssl handshake whose ClientHello offers 40 long ALPN names (about
                                    1.9 KB, two segments), then GET /small.txt; on a timeout it aborts
                                    the connection (SO_LINGER 0: a RST, no FIN)
  py3.py backend PORT               the plain-HTTP backend behind stunnel: http.server's
                                    SimpleHTTPRequestHandler for files (cwd), plus POST (reads the body)
  py3.py inject IF NAME MODE        the reset injector (MODE: ttl = one RST+ACK to the client with the
                                    server's TTL as the client sees it; both = RST+ACK to each end, TTL 64)
  py3.py wire IF0 IF1 MS            a delaying wire: every frame from IF0 goes out on IF1 MS ms later and
                                    the reverse (stands in for tc netem, which this kernel lacks)
"""
import heapq, http.server, os, select, socket, ssl, struct, sys, time

def quiet_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx

def client(mode, url, arg=None, timeout=None):
    import requests, urllib3
    urllib3.disable_warnings()
    try:
        if mode == "post":
            r = requests.post(url, data=b"y" * int(arg), verify=False, timeout=float(timeout or 5))
        else:
            r = requests.get(url, verify=False, timeout=float(arg or 5))
        print(r.status_code, len(r.content), "bytes")
    except Exception as e:
        print("error:", repr(e))
        sys.exit(1)

def hello(host, port, sni, timeout):
    ctx = quiet_ctx()
    ctx.set_alpn_protocols(["x-blind3-%02d-%s" % (i, "p" * 30) for i in range(40)] + ["http/1.1"])
    s = socket.create_connection((host, int(port)), timeout=float(timeout))
    t = ctx.wrap_socket(s, server_hostname=sni, do_handshake_on_connect=False)
    try:
        t.do_handshake()
        t.sendall(b"GET /small.txt HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % sni.encode())
        print(t.recv(4096)[:60])
        t.close()
    except Exception as e:
        print("error:", repr(e))
        t.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        t.close()
        sys.exit(1)

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

def wire(if0, if1, ms):
    socks = {}
    for i in (if0, if1):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        s.bind((i, 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        socks[i] = s
    other = {socks[if0]: socks[if1], socks[if1]: socks[if0]}
    delay = float(ms) / 1000
    q, n = [], 0
    print("wire", if0, if1, ms, "ms", flush=True)
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
            heapq.heappush(q, (time.monotonic() + delay, n, other[s], frame))

if __name__ == "__main__":
    m = sys.argv[1]
    if m in ("get", "post"):
        client(m, *sys.argv[2:])
    elif m == "hello":
        hello(*sys.argv[2:6])
    elif m == "backend":
        http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Backend).serve_forever()
    elif m == "inject":
        inject(sys.argv[2], sys.argv[3], sys.argv[4])
    elif m == "wire":
        wire(sys.argv[2], sys.argv[3], sys.argv[4])
