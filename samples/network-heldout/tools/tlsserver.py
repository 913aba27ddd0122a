#!/usr/bin/env python3
"""A small TLS server (Python ssl) that reads one HTTP request with its body
(Content-Length) per connection and answers with the number of bytes read.
Usage: tlsserver.py ADDR PORT CERT KEY [SECONDS]"""
import socket, ssl, sys, time

addr, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
limit = float(sys.argv[5]) if len(sys.argv) > 5 else 120
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
ls = socket.socket(fam, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((addr, port)); ls.listen(8); ls.settimeout(1)
end = time.monotonic() + limit
while time.monotonic() < end:
    try:
        c, peer = ls.accept()
    except socket.timeout:
        continue
    c.settimeout(10)
    try:
        s = ctx.wrap_socket(c, server_side=True)
        buf = b""
        while b"\r\n\r\n" not in buf:
            d = s.recv(65536)
            if not d:
                raise EOFError("eof in headers")
            buf += d
        head, body = buf.split(b"\r\n\r\n", 1)
        want = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                want = int(line.split(b":")[1])
        while len(body) < want:
            d = s.recv(65536)
            if not d:
                raise EOFError("eof in body")
            body += d
        msg = b"read %d bytes\n" % len(body)
        s.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(msg) + msg)
        s.close()
        print("served %s: %d bytes" % (peer[0], len(body)), flush=True)
    except Exception as e:
        print("connection from %s: %r" % (peer[0], e), flush=True)
        c.close()
