#!/usr/bin/env python3
"""rstsrv.py - a server that resets: accept on ADDR:443, read the ClientHello, close with SO_LINGER 0.

    python3 rstsrv.py ADDR

SO_LINGER {on, 0} makes close() abort the connection: the kernel sends a RST (from the server's own
stack, so with its own TTL and the connection's IP ID sequence) instead of a FIN. It waits until
the whole TLS record of the ClientHello has arrived (or 2 s passed). Standard library only.
"""
import socket
import struct
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 443))
s.listen(8)
while True:
    c, peer = s.accept()
    c.settimeout(2)
    data = b""
    try:
        while len(data) < 5 or len(data) < 5 + struct.unpack("!H", data[3:5])[0]:
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    print("rstsrv.py: %s:%d sent %d bytes; resetting" % (peer[0], peer[1], len(data)), flush=True)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
