# pycli: Python urllib/ssl client for the tlsdiag matrix; key log via SSLContext.keylog_filename.
# python3 pycli.py URL CA MIN MAX [CERT KEY|- -] [N] [noreq]
import os, socket, ssl, sys, time, urllib.request
url, ca, vmin, vmax = sys.argv[1:5]
cert, key = (sys.argv[5:7] + ["-", "-"])[:2]
n = int(sys.argv[7]) if len(sys.argv) > 7 else 1
mode = sys.argv[8] if len(sys.argv) > 8 else "req"
V = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
ctx = ssl.create_default_context(cafile=ca)
ctx.minimum_version, ctx.maximum_version = V[vmin], V[vmax]
if os.environ.get("SSLKEYLOGFILE"):
    ctx.keylog_filename = os.environ["SSLKEYLOGFILE"]
if cert != "-":
    ctx.load_cert_chain(cert, key)
host = urllib.parse.urlsplit(url).hostname
rc = 0
sess = None
for i in range(n):
    try:
        if mode == "resume":
            # one GET per connection by hand, keeping the session (its TLS 1.3 ticket arrives
            # after the handshake, so it is taken after the answer)
            raw = socket.create_connection((host, 443), timeout=5)
            s = ctx.wrap_socket(raw, server_hostname=host, session=sess)
            s.sendall(b"GET / HTTP/1.1\r\nHost: " + host.encode() + b"\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                d = s.recv(65536)
                if not d:
                    break
                data += d
            print(data.decode(errors="replace").splitlines()[0], "resumed", s.session_reused)
            sess = s.session
            s.close()
        elif mode == "noreq":
            raw = socket.create_connection((host, 443), timeout=5)
            s = ctx.wrap_socket(raw, server_hostname=host, session=sess)
            print("handshake ok", s.version(), "resumed", s.session_reused)
            sess = s.session
            s.close()
        else:
            with urllib.request.urlopen(url, context=ctx, timeout=8) as r:
                print("HTTPSTATUS", r.status)
                print(r.read().decode(errors="replace"))
    except Exception as e:
        print("error:", repr(e))
        rc = 1
    time.sleep(0.3)
sys.exit(rc)
