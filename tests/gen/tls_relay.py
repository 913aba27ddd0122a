#!/usr/bin/env python3
"""A TCP relay that does to TLS what a broken server or middlebox does, for tests.

    tls_relay.py MODE LISTEN_PORT SERVER_PORT

Listens on 127.0.0.1:LISTEN_PORT, relays one connection to 127.0.0.1:SERVER_PORT, and:
  spoil-ske        flips the last byte of the server's ServerKeyExchange (TLS 1.2): the client
                   finds the signature bad and sends decrypt_error (RFC 5246 7.4.3).
It prints "ready" once listening, and exits when the connection ends.  Only for loopback tests.
"""
import select
import socket
import sys


def spoil(records: bytearray) -> bytearray:
    """Flip the last byte of each ServerKeyExchange in the complete records of `records`."""
    out = bytearray(records)
    i = 0
    while i + 5 <= len(out):
        ctype, length = out[i], int.from_bytes(out[i + 3:i + 5], "big")
        if i + 5 + length > len(out):
            break
        if ctype == 22:                          # handshake: walk its messages
            j, end = i + 5, i + 5 + length
            while j + 4 <= end:
                mtype, mlen = out[j], int.from_bytes(out[j + 1:j + 4], "big")
                if j + 4 + mlen > end:
                    break
                if mtype == 12 and mlen:
                    out[j + 4 + mlen - 1] ^= 0x01
                j += 4 + mlen
        i += 5 + length
    return out


def whole_records(buf: bytearray) -> int:
    """How many bytes of buf are whole records."""
    i = 0
    while i + 5 <= len(buf) and i + 5 + int.from_bytes(buf[i + 3:i + 5], "big") <= len(buf):
        i += 5 + int.from_bytes(buf[i + 3:i + 5], "big")
    return i


def main() -> int:
    mode, listen_port, server_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_port))
    ls.listen(1)
    print("ready", flush=True)
    ls.settimeout(20)
    client, _ = ls.accept()
    server = socket.create_connection(("127.0.0.1", server_port), timeout=5)
    pending = bytearray()                        # server bytes not yet forwarded (a partial record)
    while True:
        r, _, _ = select.select([client, server], [], [], 10)
        if not r:
            break
        if client in r:
            data = client.recv(65536)
            if not data:
                break
            server.sendall(data)
        if server in r:
            data = server.recv(65536)
            if not data:
                break
            pending += data
            # Forward whole records only, so that a message is never cut between two sends.
            i = whole_records(pending)
            if i:
                client.sendall(bytes(spoil(pending[:i]) if mode == "spoil-ske" else pending[:i]))
                del pending[:i]
    client.close()
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
