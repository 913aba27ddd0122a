#!/usr/bin/env python3
"""A small TLS client (Python ssl): connects, sends one HTTP/1.0 request and
reads the answer.  --alpn-names N --alpn-len L offers N made-up ALPN names of
L bytes each (plus http/1.1) to make a ClientHello that spans TCP segments.
Usage: tlsclient.py HOST PORT SNI [--alpn-names N --alpn-len L] [--timeout S] [--abort]"""
import argparse, socket, ssl, struct, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("host"); ap.add_argument("port", type=int); ap.add_argument("sni")
ap.add_argument("--alpn-names", type=int, default=0)
ap.add_argument("--alpn-len", type=int, default=200)
ap.add_argument("--timeout", type=float, default=8)
ap.add_argument("--abort", action="store_true",
                help="on failure close with SO_LINGER 0 (a TCP reset) instead of a FIN")
a = ap.parse_args()
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
if a.alpn_names:
    names = [("x%02d-" % i + "q" * a.alpn_len)[:a.alpn_len] for i in range(a.alpn_names)]
    ctx.set_alpn_protocols(names + ["http/1.1"])
t = time.monotonic()
raw = None
try:
    raw = socket.create_connection((a.host, a.port), timeout=a.timeout)
    raw = ctx.wrap_socket(raw, server_hostname=a.sni, do_handshake_on_connect=False)
    raw.do_handshake()
    with raw as s:
        s.sendall(b"GET / HTTP/1.0\r\nHost: " + a.sni.encode() + b"\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    print("ok: %d bytes, %s" % (len(data), data.split(b"\r\n", 1)[0].decode(errors="replace")))
except Exception as e:
    print("failed after %.2f s: %r" % (time.monotonic() - t, e))
    if a.abort and raw is not None:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        raw.close()
    sys.exit(1)
