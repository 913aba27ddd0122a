#!/usr/bin/env python3
"""sslv2_pcap.py OUT.pcap [CERT.pem] - write a capture of an SSL 2.0 session.

SYNTHESISED, NOT CAPTURED: no SSLv2 stack exists on Debian 12 (OpenSSL dropped SSLv2 in 1.1.0),
so this script builds the bytes itself.  The message layouts follow the SSL 2.0 specification
(Hickman, 1995): CLIENT-HELLO, SERVER-HELLO carrying a real X.509 certificate (CERT.pem, default
samples/ca/test-root-ca.pem), CLIENT-MASTER-KEY, then CLIENT-FINISHED, SERVER-VERIFY and
SERVER-FINISHED and some application data as encrypted records (2-byte and 3-byte headers with
padding) whose contents are random bytes: nothing here is real cryptography.  The TCP framing
(handshake, sequence and acknowledgement numbers, checksums, FIN close) is correct, so the
capture goes through tlsdiag's whole pipeline like a real one.

    python3 tests/gen/sslv2_pcap.py /tmp/sslv2.pcap
    ./tlsdiag --json -r /tmp/sslv2.pcap
Variants: --error (the server answers ERROR NO-CIPHER instead of SERVER-HELLO).
"""
import base64
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapgen  # noqa: E402

SSL2_RC4_128_WITH_MD5 = b"\x01\x00\x80"
SSL2_RC4_128_EXPORT40_WITH_MD5 = b"\x02\x00\x80"
SSL2_DES_192_EDE3_CBC_WITH_MD5 = b"\x07\x00\xc0"


def rec2(body):
    """A record with a 2-byte header (no padding)."""
    assert len(body) < 0x8000
    return struct.pack("!H", 0x8000 | len(body)) + body


def rec3(body, pad):
    """A record with a 3-byte header: 14-bit length (padding included), padding count."""
    body = body + os.urandom(pad)
    assert len(body) < 0x4000
    return struct.pack("!HB", len(body), pad)


def rec3_full(body, pad):
    return rec3(body, pad) + body + os.urandom(pad)


def der_of(pem_path):
    text = open(pem_path).read()
    b64 = text.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return base64.b64decode("".join(b64.split()))


def client_hello():
    specs = SSL2_RC4_128_WITH_MD5 + SSL2_RC4_128_EXPORT40_WITH_MD5 + SSL2_DES_192_EDE3_CBC_WITH_MD5
    challenge = os.urandom(16)
    return rec2(b"\x01" + struct.pack("!HHHH", 0x0002, len(specs), 0, len(challenge)) + specs + challenge)


def server_hello(cert):
    specs = SSL2_DES_192_EDE3_CBC_WITH_MD5 + SSL2_RC4_128_WITH_MD5
    conn_id = os.urandom(16)
    return rec2(b"\x04" + struct.pack("!BBHHHH", 0, 1, 0x0002, len(cert), len(specs), len(conn_id))
                + cert + specs + conn_id)


def client_master_key(kind, clear_len, enc_len, arg_len):
    return rec2(b"\x02" + kind + struct.pack("!HHH", clear_len, enc_len, arg_len)
                + os.urandom(clear_len) + os.urandom(enc_len) + os.urandom(arg_len))


def encrypted2(n):
    return rec2(os.urandom(n))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    error = "--error" in sys.argv
    if not args:
        sys.exit(__doc__)
    out = args[0]
    here = os.path.dirname(os.path.abspath(__file__))
    pem = args[1] if len(args) > 1 else os.path.join(here, "..", "..", "samples", "ca", "test-root-ca.pem")
    random.seed(2)
    c = pcapgen.Conversation(client=("10.2.0.5", 40002), server=("10.2.0.9", 443))
    c.handshake()
    c.send(0, client_hello())
    if error:
        c.send(1, rec2(b"\x00\x00\x01"))                     # ERROR: NO-CIPHER-ERROR
        c.close(first=1)
        c.write(out)
        return
    c.send(1, server_hello(der_of(pem)))
    # CLIENT-MASTER-KEY: DES-EDE3, no clear key, a 1024-bit RSA-encrypted key, an 8-byte IV,
    # then CLIENT-FINISHED in the same segment (16-byte MAC + connection id, padded to 8).
    c.send(0, client_master_key(SSL2_DES_192_EDE3_CBC_WITH_MD5, 0, 128, 8) + rec3_full(os.urandom(32), 0)
           + rec3_full(os.urandom(34), 6))
    c.send(1, rec3_full(os.urandom(32), 0) + rec3_full(os.urandom(34), 6))   # SERVER-VERIFY, SERVER-FINISHED
    c.send(0, rec3_full(os.urandom(100), 4))                 # "GET / HTTP/1.0" and so on
    c.send(1, rec3_full(os.urandom(3000), 0) + encrypted2(500))
    c.close(first=0)
    c.write(out)


if __name__ == "__main__":
    main()
