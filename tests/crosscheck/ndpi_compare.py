#!/usr/bin/env python3
"""Side by side, per connection: tlsdiag's verdict and findings, and the risks nDPI reported for
the same flow in ../shared/corpus/ndpi/*.ndpi.out.  For the maintainers' notes, not a test.

usage: ndpi_compare.py TLSDIAG [CORPUS_DIR]"""
import glob, json, os, re, subprocess, sys

binary = sys.argv[1]
corpus = sys.argv[2] if len(sys.argv) > 2 else "../shared/corpus/ndpi"
PORTS = "443,8443,25,587,143,110,21,3389,465,993,995"
flow_re = re.compile(r"TCP \[?([0-9a-f.:]+?)\]?:(\d+) <?-> \[?([0-9a-f.:]+?)\]?:(\d+)")
for path in sorted(glob.glob(os.path.join(corpus, "*.pcap*"))):
    if path.endswith(".ndpi.out"):
        continue
    risks = {}
    try:
        for line in open(path + ".ndpi.out", errors="replace"):
            m = flow_re.search(line)
            if not m:
                continue
            a, ap, b, bp = m.group(1), int(m.group(2)), m.group(3), int(m.group(4))
            r = re.findall(r"\*\* ([^*]+?) \*\*", line)
            risks[frozenset([(a, ap), (b, bp)])] = r
    except OSError:
        pass
    out = subprocess.run([binary, "--json", "-A", "-P", PORTS, "-r", path], capture_output=True, text=True).stdout
    for l in out.splitlines():
        o = json.loads(l)
        if o["type"] != "connection":
            continue
        key = frozenset([(o["client"]["ip"], o["client"]["port"]), (o["server"]["ip"], o["server"]["port"])])
        f = ",".join(x["id"] for x in o["findings"])
        print(f"{os.path.basename(path)} #{o['id']} {o['verdict']} ({o['confidence']}) [{f}] | nDPI: {'; '.join(risks.get(key, ['(flow not listed)'])) or '-'}")
