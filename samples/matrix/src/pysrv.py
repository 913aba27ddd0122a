# pysrv: Python http.server over ssl for the tlsdiag matrix.
# python3 pysrv.py CHAIN KEY MIN MAX AUTH(none|optional|require) CA [KEYLOG]
import http.server, ssl, sys
cert, key, vmin, vmax, auth, ca = sys.argv[1:7]
V = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.minimum_version, ctx.maximum_version = V[vmin], V[vmax]
ctx.load_verify_locations(ca)
ctx.verify_mode = {"none": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL, "require": ssl.CERT_REQUIRED}[auth]
if len(sys.argv) > 7:
    ctx.keylog_filename = sys.argv[7]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        b = b"mx-hello python\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
s = http.server.HTTPServer(("0.0.0.0", 443), H)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
s.serve_forever()
