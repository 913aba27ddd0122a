#!/usr/bin/env python3
"""Compare tlsdiag's SNI, version and cipher with tshark's, connection by connection.

usage: tshark_compare.py TLSDIAG FILE... ; prints one line per disagreement and a tally.
Exit 0 always (the note reads the list); --strict exits 1 on any disagreement."""
import json, os, subprocess, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tshark_cached  # noqa: E402  (tshark's answers kept between the suite's two passes)

PORTS = "443,8443,25,587,143,110,21,3389,465,993,995,80"

def tshark(path):
    fields = ["tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
              "tls.handshake.type", "tls.handshake.extensions_server_name", "tls.handshake.version",
              "tls.handshake.extensions.supported_version", "tls.handshake.ciphersuite"]
    cmd = ["tshark", "-n", "-r", path, "-o", "tcp.desegment_tcp_streams:TRUE", "-Y", "tls.handshake.type == 1 || tls.handshake.type == 2",
           "-T", "fields", "-E", "separator=|", "-E", "aggregator=;", "-E", "occurrence=a"]
    for f in fields:
        cmd += ["-e", f]
    out = tshark_cached.command(cmd).stdout
    conns = {}
    for line in out.splitlines():
        v = line.split("|")
        if len(v) < len(fields):
            continue
        # tunnels (IP in IP, GTP) list every layer's address: the innermost is the connection's
        src = (v[1] or v[2]).split(";")[-1]; dst = (v[4] or v[5]).split(";")[-1]
        types = v[7].split(";")
        for i, t in enumerate(types):
            if t == "1":
                key = (src, int(v[3].split(";")[0]), dst, int(v[6].split(";")[0]))
                c = conns.setdefault(key, {})
                if v[8] and "sni" not in c:
                    c["sni"] = v[8].split(";")[0]
            elif t == "2":
                key = (dst, int(v[6].split(";")[0]), src, int(v[3].split(";")[0]))
                c = conns.setdefault(key, {})
                sv = [x for x in v[10].split(";") if x]
                hv = [x for x in v[9].split(";") if x]
                ver = sv[-1] if sv else (hv[-1] if hv else None)
                if ver:
                    c["version"] = int(ver, 16)
                cs = [x for x in v[11].split(";") if x]
                if cs:
                    c["cipher"] = int(cs[-1], 16)
    return conns

VERSIONS = {"SSL2": 0x2, "SSL3": 0x300, "TLS1.0": 0x301, "TLS1.1": 0x302, "TLS1.2": 0x303, "TLS1.3": 0x304,
            "TLS1.3-draft-23-fb": 0xfb17, "TLS1.3-draft-26-fb": 0xfb1a}   # Facebook Fizz's drafts

def version_code(name):
    if name is None:
        return None
    if name.startswith("TLS1.3-draft-") and name[13:].isdigit():
        return 0x7f00 | int(name[13:])
    return VERSIONS.get(name, int(name, 16) if name.startswith("0x") else None)

def tlsdiag(binary, path):
    out = subprocess.run([binary, "--json", "-A", "-P", PORTS, "-r", path], capture_output=True, text=True).stdout
    conns = {}
    for line in out.splitlines():
        o = json.loads(line)
        if o.get("type") != "connection":
            continue
        key = (o["client"]["ip"], o["client"]["port"], o["server"]["ip"], o["server"]["port"])
        t = o["tls"]
        conns[key] = {"sni": t["sni"], "version": version_code(t["version"]),
                      "cipher": t.get("cipher_id")}
    return conns

def main():
    args = sys.argv[1:]
    strict = "--strict" in args
    args = [a for a in args if a != "--strict"]
    binary, files = args[0], args[1:]
    agree = disagree = 0
    for path in files:
        ts, td = tshark(path), tlsdiag(binary, path)
        for key, want in sorted(ts.items()):
            got = td.get(key)
            if got is None:
                # tshark may see the roles reversed; try the other way round
                rk = (key[2], key[3], key[0], key[1])
                got = td.get(rk)
            for field in ("sni", "version", "cipher"):
                if field not in want:
                    continue
                g = got.get(field) if got else None
                if g == want[field]:
                    agree += 1
                else:
                    disagree += 1
                    fmt = (lambda x: hex(x) if isinstance(x, int) else x)
                    print(f"DIFF {path.split('/')[-1]} {key[0]}:{key[1]}->{key[2]}:{key[3]} {field}: "
                          f"tshark={fmt(want[field])} tlsdiag={fmt(g)}{'' if got else ' (connection not reported)'}")
    print(f"{agree} fields agree, {disagree} differ")
    return 1 if strict and disagree else 0

sys.exit(main())
