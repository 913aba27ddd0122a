#!/usr/bin/env python3
"""plural_pcap.py OUT.pcap - one-of-a-kind counts for the report's plurals (tests/report.sh).

SYNTHESISED: two connections.  The first is a real TLS 1.2 ClientHello (heartbleed_client.py)
offering exactly 1 cipher suite, answered by a TCP close; the second is a lone SYN, so that
connection is 1 packet."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import heartbleed_client  # noqa: E402
import pcapgen  # noqa: E402

c = pcapgen.Conversation(client=("10.0.0.5", 50123), server=("10.0.0.9", 443))
c.handshake()
c.send(0, heartbleed_client.client_hello("one.example", suites=(0xC02F,)))
c.close(first=1)
syn = pcapgen.Conversation(client=("10.0.0.5", 50124), server=("10.0.0.9", 443), t0=c.t + 1)
syn._frame(0, 0x02)
c.frames += syn.frames
c.write(sys.argv[1])
