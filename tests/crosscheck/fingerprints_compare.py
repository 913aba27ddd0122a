#!/usr/bin/env python3
"""JA3, JA3S and JA4: tlsdiag's against nDPI's for every flow of ../shared/corpus/ndpi.

For each capture with its NAME.ndpi.out, every flow line of nDPI's that carries [JA3C: ...],
[JA3S: ...] or [JA4: ...] is matched to tlsdiag's connection with the same two endpoints (from
`tlsdiag --json -A`), and each fingerprint nDPI printed is compared with tlsdiag's.  Prints
"ok fingerprints NAME (k values)" or "not ok fingerprints NAME: ..." per capture, then
"ok fingerprints-match N/M" (or "not ok ...") where M counts the values compared and N those equal,
directly or after the listed rules that say where nDPI deviates from the JA4 spec (each with its
reason, checked against the bytes of the hellos).

usage: fingerprints_compare.py TLSDIAG [CORPUS_DIR]"""
import glob, json, os, re, subprocess, sys

binary = sys.argv[1]
corpus = sys.argv[2] if len(sys.argv) > 2 else "../shared/corpus/ndpi"
PORTS = "443,8443,25,587,143,110,21,3389,465,993,995,80"
FIELDS = (("JA3C", "ja3"), ("JA3S", "ja3s"), ("JA4", "ja4"))

# Where nDPI's JA4 deviates from FoxIO's JA4 spec (technical_details/JA4.md), found by reading the
# ClientHellos (tshark shows the same extensions): each rule rewrites tlsdiag's value the way nDPI
# computes it, only where its condition holds; a value that equals nDPI's only after such a
# rewrite counts as matching, and the rules used are printed with it.  Nothing else is forgiven.
def sni_always_d(ja4, c):
    """nDPI writes "d" (a domain) although the ClientHello has no server_name extension
    (STARTTLS, RDP, ESNI-only and IP-addressed hellos); the spec: "i"."""
    if "server_name" in c["tls"].get("client_extensions", []) or ja4[3] != "i":
        return None
    return ja4[:3] + "d" + ja4[4:]


def alpn_first_two(ja4, c):
    """nDPI takes the first two characters of the first ALPN value ("ht" for http/1.1, "an" for
    anydesk/6.2.0/linux); the spec: the first and last ("h1", "ax")."""
    alpn = c["tls"].get("alpn_offered") or []
    if not alpn or len(alpn[0]) < 2 or not alpn[0][:2].isalnum() or alpn[0][1] == alpn[0][-1]:
        return None
    return ja4[:8] + alpn[0][:2] + ja4[10:]


def empty_ext_hash(ja4, c):
    """With no extension at all nDPI hashes the empty string (e3b0c44298fc is SHA-256 of "");
    the spec: "000000000000"."""
    return ja4[:-12] + "e3b0c44298fc" if ja4.endswith("_000000000000") else None


JA4_RULES = (sni_always_d, alpn_first_two, empty_ext_hash)


def ndpi_ja4(ja4, conn, want):
    """tlsdiag's JA4 rewritten by the rules that apply, and their names, if that gives nDPI's."""
    used = []
    for rule in JA4_RULES:
        v = rule(ja4, conn)
        if v is not None:
            ja4 = v
            used.append(rule.__name__)
    return used if used and ja4 == want else None


flow_re = re.compile(r"TCP \[?([0-9.]+|[0-9a-f:]+)\]?:(\d+) <?-> \[?([0-9.]+|[0-9a-f:]+)\]?:(\d+) ")


def ndpi_flows(path):
    flows = []
    for line in open(path, errors="replace"):
        m = flow_re.search(line)
        if not m:
            continue
        fp = {}
        for tag, key in FIELDS:
            v = re.search(r"\[" + tag + r": ([^\]]+)\]", line)
            if v:
                fp[key] = v.group(1).split(" (")[0].strip()   # "HASH (WEAK)": nDPI's own remark
        if fp:
            ends = [(m.group(1), int(m.group(2))), (m.group(3), int(m.group(4)))]
            flows.append((ends, fp))
    return flows


def tlsdiag_conns(path):
    out = subprocess.run([binary, "--json", "-A", "-P", PORTS, "-r", path], capture_output=True, text=True).stdout
    conns = {}
    for l in out.splitlines():
        o = json.loads(l)
        if o.get("type") != "connection":
            continue
        key = frozenset([(o["client"]["ip"], o["client"]["port"]), (o["server"]["ip"], o["server"]["port"])])
        conns.setdefault(key, []).append(o)
    return conns


def main():
    total = good = 0
    failed = False
    caps = sorted(p for p in glob.glob(os.path.join(corpus, "*.pcap*")) if not p.endswith(".ndpi.out"))
    for path in caps:
        name = os.path.basename(path)
        if not os.path.exists(path + ".ndpi.out"):
            continue
        flows = ndpi_flows(path + ".ndpi.out")
        if not flows:
            continue
        conns = tlsdiag_conns(path)
        problems, n = [], 0
        for ends, fp in flows:
            cands = conns.get(frozenset(ends), [])
            client_port = min(p for _, p in ends) if not cands else cands[0]["client"]["port"]
            for key, want in fp.items():
                n += 1
                got = [c["tls"].get(key) for c in cands]
                if want in got:
                    good += 1
                    continue
                used = next((u for c in cands if key == "ja4" and c["tls"].get(key)
                             for u in [ndpi_ja4(c["tls"][key], c, want)] if u), None)
                if used:
                    good += 1
                    print(f"# {name} port {client_port} ja4: nDPI {want}, tlsdiag {got[0]}: nDPI's {', '.join(used)}")
                else:
                    problems.append(f"port {client_port} {key}: nDPI {want}, tlsdiag {got or 'no connection'}")
        total += n
        if problems:
            failed = True
            print(f"not ok fingerprints {name}:")
            for p in problems:
                print("    " + p)
        else:
            print(f"ok fingerprints {name} ({n} values)")
    status = "ok" if not failed and total else "not ok"
    print(f"{status} fingerprints-match {good}/{total}")
    return 0 if status == "ok" else 1


sys.exit(main())
