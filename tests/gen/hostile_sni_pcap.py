#!/usr/bin/env python3
"""hostile_sni_pcap.py OUT.pcap - a connection whose ClientHello names a server that is markup.

SYNTHESISED: the client side is the real TLS 1.2 ClientHello of heartbleed_client.py with a
server_name that tries to break out of HTML text, attributes, a script and JSON
(`"><img id=pwned ...>`, `</script><script>...`, quotes, ampersands, a backslash).  The server
answers with a TCP close and nothing else, so the connection is no-tls-response.  For the report
writers' escaping tests (tests/html.sh, tests/report.sh)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import heartbleed_client  # noqa: E402
import pcapgen  # noqa: E402

HOSTILE = ("x\"'><img id=pwned src=x onerror=\"document.title='pwned'\">"
           "</script><script>document.title='pwned'</script>&amp;\\u0022.example")

c = pcapgen.Conversation(client=("10.0.0.5", 50123), server=("10.0.0.9", 443))
c.handshake()
c.send(0, heartbleed_client.client_hello(HOSTILE))
c.close(first=1)
c.write(sys.argv[1])
