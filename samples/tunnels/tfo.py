#!/usr/bin/env python3
"""tfo.py - a TLS server and client over TCP Fast Open, for make-tunnels.sh: real sockets, real TLS.

  tfo.py server ADDR PORT CERT KEY N   serve N connections (TCP_FASTOPEN on the listener), answer
                                       each request line with one line, close
  tfo.py client ADDR PORT NAME N       N connections, each ClientHello sent with MSG_FASTOPEN: the
                                       first asks for a cookie, the next carry it on the SYN
"""
import socket
import ssl
import sys

def server(addr, port, cert, key, n):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
    ls.bind((addr, port))
    ls.listen(8)
    print("listening", flush=True)
    for _ in range(n):
        c, _ = ls.accept()
        with ctx.wrap_socket(c, server_side=True) as s:
            s.recv(1024)
            s.sendall(b"hello over fast open\n")


def pump(sock, obj, outgoing, incoming, first=None):
    """Send what TLS has written (the first time with sendto, MSG_FASTOPEN: on the SYN), then read
    one chunk from the peer into TLS."""
    data = outgoing.read()
    if data and first:
        sock.sendto(data, socket.MSG_FASTOPEN, first)
    elif data:
        sock.sendall(data)
    chunk = sock.recv(16384)
    if not chunk:
        raise EOFError
    incoming.write(chunk)


def client(addr, port, name, n):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    for i in range(n):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = ctx.wrap_bio(incoming, outgoing, server_hostname=name)
        first = (addr, port)
        while True:
            try:
                obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                pump(sock, obj, outgoing, incoming, first)
                first = None
        obj.write(b"GET / %d\n" % i)
        sock.sendall(outgoing.read())
        reply = b""
        while not reply.endswith(b"\n"):
            try:
                reply += obj.read(1024)
            except ssl.SSLWantReadError:
                pump(sock, obj, outgoing, incoming)
        print(reply.decode().strip(), flush=True)
        sock.close()


if __name__ == "__main__":
    a = sys.argv
    if a[1] == "server":
        server(a[2], int(a[3]), a[4], a[5], int(a[6]))
    else:
        client(a[2], int(a[3]), a[4], int(a[5]))
