"""pytls: make.sh's python3 pieces (standard library only).
  pytls.py get URL                urllib GET, 5 s timeout, certificate not checked
  pytls.py post URL BYTES         urllib POST
  pytls.py backend PORT           the plain-HTTP backend behind HAProxy: http.server's
                                  SimpleHTTPRequestHandler for files (cwd), plus POST (reads the body)
  pytls.py inject IF NAME [both]  the reset injector (see make.sh)
"""
import http.server, os, socket, ssl, struct, sys, time, urllib.request

def client(mode, url, arg=None):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    data = b"y" * int(arg) if mode == "post" else None
    req = urllib.request.Request(url, data=data)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=5) as r:
            print(r.status, len(r.read()), "bytes")
    except Exception as e:
        print("error:", repr(e))
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

def forge(v6, src, dst, sport, dport, seq, ack):
    """An IPv4/IPv6 packet holding a TCP RST+ACK, TTL / hop limit 64."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x14, 0, 0, 0)
    if v6:
        ph = src + dst + struct.pack("!I3xB", len(tcp), 6)
        tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
        return struct.pack("!IHBB", 6 << 28, len(tcp), 6, 64) + src + dst + tcp
    ph = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), int.from_bytes(os.urandom(2), "big"), 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp

def inject(ifname, name, both):
    """On-path censor: watches the client-facing interface; a client segment to port 443 that
    carries NAME (the SNI, in the clear in the ClientHello) gets a forged RST+ACK sent to the client
    as if from the server (seq = the segment's ack: exactly what the client expects next), and with
    `both` a second one to the server as if from the client.  The segment itself is forwarded as
    usual: the censor only listens and injects."""
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    rx.bind((ifname, 0))
    tx4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    tx6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    name = name.encode()
    print("injector on", ifname, "for", name, flush=True)
    while True:
        frame, addr = rx.recvfrom(65535)
        if addr[2] != socket.PACKET_HOST:
            continue
        et = struct.unpack("!H", frame[12:14])[0]
        p = frame[14:]
        if et == 0x0800 and p[9] == 6:
            v6, ihl, src, dst, tot = False, (p[0] & 15) * 4, p[12:16], p[16:20], struct.unpack("!H", p[2:4])[0]
        elif et == 0x86DD and p[6] == 6:
            v6, ihl, src, dst, tot = True, 40, p[8:24], p[24:40], 40 + struct.unpack("!H", p[4:6])[0]
        else:
            continue
        t = p[ihl:tot]
        sport, dport, seq, ack = struct.unpack("!HHII", t[:12])
        payload = t[(t[12] >> 4) * 4:]
        if dport != 443 or name not in payload:
            continue
        fam, tx = (socket.AF_INET6, tx6) if v6 else (socket.AF_INET, tx4)
        tx.sendto(forge(v6, dst, src, 443, sport, ack, (seq + len(payload)) & 0xffffffff),
                  (socket.inet_ntop(fam, src), 0))
        if both:
            tx.sendto(forge(v6, src, dst, sport, 443, (seq + len(payload)) & 0xffffffff, ack),
                      (socket.inet_ntop(fam, dst), 0))
        print(time.strftime("%T"), "reset", socket.inet_ntop(fam, src), sport, flush=True)

if __name__ == "__main__":
    m = sys.argv[1]
    if m in ("get", "post"):
        client(m, *sys.argv[2:])
    elif m == "backend":
        http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Backend).serve_forever()
    elif m == "inject":
        inject(sys.argv[2], sys.argv[3], len(sys.argv) > 4)
