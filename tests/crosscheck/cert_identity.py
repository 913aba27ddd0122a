#!/usr/bin/env python3
"""Compare tlsdiag's certificate identity fields with openssl's reading of the same certificates.

usage: cert_identity.py TLSDIAG FILE...
Every certificate tshark finds in the clear (tls.handshake.certificate: hex DER) is read by
`openssl x509 -inform DER` (-serial, -fingerprint -sha1, -ext keyUsage,extendedKeyUsage,
authorityInfoAccess,subjectAltName, and -text for the SCTs and the CT poison) and matched by
SHA-256 with a chain entry of `tlsdiag --json`; serial, sha1, key_usage, ext_key_usage,
ocsp_urls, ca_issuer_urls, san_ip, the DNS names of san, scts and precert must agree.  Where nDPI's
result sits beside the capture (NAME.ndpi.out), its "Certificate SHA-1" values must be among
tlsdiag's. Prints one line per disagreement, then a tally; exit 1 on any disagreement or when
fewer than --min certificates were compared."""
import concurrent.futures, hashlib, ipaddress, json, os, re, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tshark_cached  # noqa: E402  (tshark's answers kept between the suite's two passes)

PORTS = "443,8443,25,587,143,110,21,3389,465,993,995,80"
KU = {"Digital Signature": "digitalSignature", "Non Repudiation": "nonRepudiation",
      "Key Encipherment": "keyEncipherment", "Data Encipherment": "dataEncipherment",
      "Key Agreement": "keyAgreement", "Certificate Sign": "keyCertSign", "CRL Sign": "cRLSign",
      "Encipher Only": "encipherOnly", "Decipher Only": "decipherOnly"}
EKU = {"TLS Web Server Authentication": "serverAuth", "TLS Web Client Authentication": "clientAuth",
       "Code Signing": "codeSigning", "E-mail Protection": "emailProtection",
       "IPSec End System": "ipsecEndSystem", "IPSec Tunnel": "ipsecTunnel", "IPSec User": "ipsecUser",
       "Time Stamping": "timeStamping", "OCSP Signing": "OCSPSigning",
       "Any Extended Key Usage": "anyExtendedKeyUsage", "Microsoft Server Gated Crypto": "msSGC",
       "Netscape Server Gated Crypto": "nsSGC", "ipsec Internet Key Exchange": "ipsecIKE"}


TSHARK_ARGS = ["-n", "-o", "tcp.desegment_tcp_streams:TRUE", "-Y", "tls.handshake.certificate", "-T", "fields",
               "-e", "tls.handshake.certificate"]


def tshark_certs(path):
    out = tshark_cached.run(path, TSHARK_ARGS)
    ders = []
    for line in out.split():
        for h in line.split(","):
            try:
                ders.append(bytes.fromhex(h))
            except ValueError:
                pass
    return ders


def ext_blocks(text):
    """openssl -ext output: {header: [value lines]}."""
    blocks, cur = {}, None
    for line in text.splitlines():
        if line and not line[0].isspace():
            cur = line.split(":")[0].strip()
            blocks[cur] = []
        elif cur is not None and line.strip():
            blocks[cur].append(line.strip())
    return blocks


def ip_norm(s):
    try:
        return str(ipaddress.ip_address(s))
    except ValueError:
        return "bad:" + s


def openssl_reading(der):
    run = lambda args: subprocess.run(["openssl", "x509", "-inform", "DER", "-noout"] + args, input=der,
                                      capture_output=True)
    a = run(["-serial", "-fingerprint", "-sha1"])
    if a.returncode != 0:
        return None
    r = {"ku": [], "eku": [], "ocsp": [], "ca": [], "ip": [], "dns": []}
    for line in a.stdout.decode("latin-1").replace("\\\n", "").splitlines():
        if line.startswith("serial="):
            r["serial"] = line[7:]
        elif "Fingerprint=" in line:
            r["sha1"] = line.split("=", 1)[1].replace(":", "").lower()
    e = run(["-ext", "keyUsage,extendedKeyUsage,authorityInfoAccess,subjectAltName"])
    for head, vals in ext_blocks(e.stdout.decode("latin-1")).items():
        items = [x.strip() for v in vals for x in v.split(", ")] if head != "Authority Information Access" else vals
        if head == "X509v3 Key Usage":
            r["ku"] = [KU.get(x, "?" + x) for x in items]
        elif head == "X509v3 Extended Key Usage":
            r["eku"] = [EKU.get(x, x) for x in items]
        elif head == "Authority Information Access":
            r["ocsp"] = [v[len("OCSP - URI:"):] for v in vals if v.startswith("OCSP - URI:")]
            r["ca"] = [v[len("CA Issuers - URI:"):] for v in vals if v.startswith("CA Issuers - URI:")]
        elif head == "X509v3 Subject Alternative Name":
            r["ip"] = [ip_norm(x[len("IP Address:"):]) for x in items if x.startswith("IP Address:")]
            r["dns"] = [x[4:] for x in items if x.startswith("DNS:")]
    t = run(["-text"]).stdout.decode("latin-1")
    r["scts"] = t.count("Signed Certificate Timestamp:")
    r["precert"] = "CT Precertificate Poison" in t
    return r


def tlsdiag_certs(binary, path):
    out = subprocess.run([binary, "-A", "-P", PORTS, "--json", "-r", path], capture_output=True,
                         text=True).stdout
    certs, leaves = {}, set()
    for line in out.splitlines():
        o = json.loads(line)
        tls = o.get("tls") or {}
        for key in ("server_chain", "client_chain"):
            for i, c in enumerate(tls.get(key) or []):
                certs[c["sha256"]] = c
                if key == "server_chain" and i == 0:
                    leaves.add(c["sha1"])
    return certs, leaves


def compare(name, o, t):
    """The disagreements between openssl's reading o and tlsdiag's entry t."""
    bad = []
    dns = [s for s in t["san"] if s not in t["san_ip"] and not s.startswith(("email:", "URI:"))]
    pairs = [("serial", o["serial"], t["serial"]), ("sha1", o["sha1"], t["sha1"]),
             ("key_usage", o["ku"], t["key_usage"]), ("ocsp_urls", o["ocsp"][:4], t["ocsp_urls"]),
             ("ca_issuer_urls", o["ca"][:4], t["ca_issuer_urls"]),
             ("san_ip", o["ip"], [ip_norm(x) for x in t["san_ip"]]), ("san dns", o["dns"], dns),
             ("scts", o["scts"], t["scts"]), ("precert", o["precert"], t["precert"])]
    # A purpose OpenSSL names but tlsdiag's table does not comes out dotted from tlsdiag: there,
    # any OID in the same place will do.
    dotted = lambda x: re.fullmatch(r"[0-9]+(\.[0-9]+)+", x) is not None
    want_eku = [x if x in EKU.values() or dotted(x) or not dotted(y) else y
                for x, y in zip(o["eku"], t["ext_key_usage"] + [""] * len(o["eku"]))][:16]
    pairs.append(("ext_key_usage", want_eku, t["ext_key_usage"]))
    for field, want, got in pairs:
        if want != got:
            bad.append("%s %s: openssl %r, tlsdiag %r" % (name, field, want, got))
    return bad


def main():
    args = sys.argv[1:]
    minimum = 1
    if args and args[0].startswith("--min="):
        minimum = int(args.pop(0)[6:])
    binary, files = args[0], args[1:]
    compared, missing, unparsed, ndpi_checked, bad = 0, 0, 0, 0, []
    have = dict.fromkeys(("ku", "eku", "ocsp", "ca", "ip", "scts", "precert"), 0)   # certificates with one
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:   # tshark starts slowly
        list(pool.map(tshark_certs, files))
    for path in files:
        name = os.path.basename(path)
        certs, leaves = tlsdiag_certs(binary, path)
        seen = set()
        for der in tshark_certs(path):
            h = hashlib.sha256(der).hexdigest()
            if h in seen:
                continue
            seen.add(h)
            t = certs.get(h)
            if t is None:
                missing += 1
                continue
            o = openssl_reading(der)
            if o is None or t.get("parse_error"):
                unparsed += 1
                if (o is None) != bool(t.get("parse_error")):
                    bad.append("%s %s: openssl %s it, tlsdiag %s" % (name, h[:16], "rejects" if o is None else "reads",
                               "does not" if t.get("parse_error") else "does"))
                continue
            compared += 1
            for k in have:
                have[k] += bool(o[k])
            bad += compare("%s %s" % (name, h[:16]), o, t)
        ndpi = path + ".ndpi.out"
        if os.path.exists(ndpi):
            for sha1 in re.findall(r"Certificate SHA-1: ([0-9A-F:]+)", open(ndpi, errors="replace").read()):
                ndpi_checked += 1
                if sha1.replace(":", "").lower() not in leaves:
                    bad.append("%s: nDPI's leaf SHA-1 %s is not a server leaf of tlsdiag's" % (name, sha1))
    for b in bad:
        print(b)
    print("%d certificates compared field by field with openssl (%d unparsable to both, %d not in "
          "tlsdiag's chains), %d nDPI leaf SHA-1s checked, %d disagreements"
          % (compared, unparsed, missing, ndpi_checked, len(bad)))
    print("with: " + ", ".join("%s %d" % kv for kv in have.items()))
    sys.exit(1 if bad or compared < minimum else 0)


if __name__ == "__main__":
    main()
