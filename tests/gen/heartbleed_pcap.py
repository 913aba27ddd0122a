#!/usr/bin/env python3
"""heartbleed_pcap.py OUT.pcap [--encrypted] - a capture of a Heartbleed leak (CVE-2014-0160).

SYNTHESISED, NOT CAPTURED: no vulnerable server (OpenSSL 1.0.1 .. 1.0.1f) is available here, so
the server's side is built by this script.  The client side is the real probe that
heartbleed_client.py sends to a live server (a TLS 1.2 ClientHello offering the heartbeat
extension, then a heartbeat request claiming 16384 payload bytes while carrying 1); the server
answers with ServerHello (heartbeat extension accepted), a real certificate
(samples/ca/test-root-ca.pem), ServerHelloDone, and then, as a vulnerable OpenSSL did, a
heartbeat response of 16384 payload bytes: the 1 byte it was sent followed by 16383 bytes of
"memory" (here a made-up HTTP request with a cookie, and filler).

--encrypted: the same after a (fake, random-bytes) key exchange, ChangeCipherSpec and Finished
both ways, so the heartbeat records are protected: a 45-byte request, a 16429-byte response.

TCP framing is correct (pcapgen.py), so the capture goes through tlsdiag like a real one.
"""
import base64
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import heartbleed_client  # noqa: E402
import pcapgen  # noqa: E402


def record(ctype, body, version=0x0303):
    return struct.pack("!BHH", ctype, version, len(body)) + body


def hs(mtype, body):
    return bytes([mtype]) + struct.pack("!I", len(body))[1:] + body


def der_of(pem_path):
    text = open(pem_path).read()
    b64 = text.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return base64.b64decode("".join(b64.split()))


def server_flight(cert):
    exts = heartbleed_client.ext(15, b"\x01") + heartbleed_client.ext(0xFF01, b"\x00")
    sh = struct.pack("!H", 0x0303) + os.urandom(32) + b"\x00" + struct.pack("!H", 0x002F) + b"\x00"
    sh += struct.pack("!H", len(exts)) + exts
    chain = struct.pack("!I", len(cert))[1:] + cert
    certmsg = struct.pack("!I", len(chain))[1:] + chain
    return record(22, hs(2, sh) + hs(11, certmsg) + hs(14, b""))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args:
        sys.exit(__doc__)
    encrypted = "--encrypted" in sys.argv
    here = os.path.dirname(os.path.abspath(__file__))
    pem = os.path.join(here, "..", "..", "samples", "ca", "test-root-ca.pem")
    c = pcapgen.Conversation(client=("10.3.0.5", 40003), server=("10.3.0.9", 443))
    c.handshake()
    c.send(0, heartbleed_client.client_hello("vulnerable.example"))
    c.send(1, server_flight(der_of(pem)))
    if not encrypted:
        probe = b"\x01" + struct.pack("!H", 16384) + b"A" + b"\x00" * 16
        c.send(0, record(24, probe))
        memory = b"A" + b"GET /account HTTP/1.1\r\nHost: vulnerable.example\r\nCookie: session=" + os.urandom(24).hex().encode()
        memory += b"\r\n\r\n"
        memory += bytes((i * 37) & 0xFF for i in range(16384 - len(memory)))
        c.send(1, record(24, b"\x02" + struct.pack("!H", 16384) + memory + os.urandom(16)))
    else:
        cke = hs(16, struct.pack("!H", 256) + os.urandom(256))
        c.send(0, record(22, cke) + record(20, b"\x01") + record(22, os.urandom(64)))
        c.send(1, record(20, b"\x01") + record(22, os.urandom(64)))
        c.send(0, record(24, os.urandom(45)))
        c.send(1, record(24, os.urandom(16429)))
    c.close(first=0)
    c.write(args[0])


if __name__ == "__main__":
    main()
