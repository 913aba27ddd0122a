#!/bin/sh
# The mixed capture (samples/mixed/, issue 21): 320 connections of curl against nginx and
# gnutls-serv with every failure class, TLS 1.2 and 1.3, interleaved.  Each connection's true
# verdict is in samples/mixed/truth.txt (by client port).  Read the three ways a user meets it
# (no trust anchors, --cacert of its root, its key log), every connection must get its true
# verdict, except those listed in samples/mixed/deviations.txt with what tlsdiag says instead
# and why; and a listed deviation that is no longer there fails too.
#   TLSDIAG=path/to/tlsdiag sh tests/mixed.sh
BIN=${TLSDIAG:-./tlsdiag}
D=samples/mixed
if [ ! -f "$D/mixed.pcap" ] || [ ! -f "$D/truth.txt" ]; then echo "skip mixed: $D/mixed.pcap or truth.txt is absent"; exit 0; fi
if ! command -v python3 >/dev/null 2>&1; then echo "skip mixed: python3 is not installed"; exit 0; fi
python3 - "$BIN" "$D" <<'PY'
import json, os, subprocess, sys
from collections import Counter
BIN, D = sys.argv[1], sys.argv[2]
truth = {}
for line in open(os.path.join(D, "truth.txt")):
    if not line.strip() or line.startswith("#"):
        continue
    f = line.split("#", 1)[0].split()
    truth[int(f[0])] = {"server": f[1], "scenario": f[2], "version": f[3], "verdict": f[4]}
dev = {}                                          # (reading, port) -> (verdict, why)
path = os.path.join(D, "deviations.txt")
if os.path.isfile(path):
    for line in open(path):
        if not line.strip() or line.startswith("#"):
            continue
        body, _, why = line.partition("#")
        f = body.split()
        dev[(f[0], int(f[1]))] = (f[2], why.strip())
readings = [("no-anchors", []), ("cacert", ["--cacert", os.path.join(D, "root.pem")]),
            ("keylog", ["--cacert", os.path.join(D, "root.pem"), "--keylog", os.path.join(D, "mixed.keylog")])]
passed = failed = 0
for reading, args in readings:
    p = subprocess.run([BIN, "--json"] + args + ["-r", os.path.join(D, "mixed.pcap")], capture_output=True, text=True)
    got = {}
    for l in p.stdout.splitlines():
        o = json.loads(l)
        if o.get("type") == "connection":
            got[o["client"]["port"]] = (o["verdict"], o["confidence"])
    if p.returncode not in (0, 1) or len(got) != len(truth):
        print("not ok mixed %s: exit %d, %d connections for %d in truth.txt" % (reading, p.returncode, len(got), len(truth)))
        failed += 1
        continue
    right, wrong, worked_failed = 0, Counter(), 0
    for port, t in sorted(truth.items()):
        v = got.get(port, ("-", "-"))[0]
        want = dev.get((reading, port), (t["verdict"], None))
        if v == t["verdict"]:
            right += 1
        else:
            wrong[(t["scenario"], t["version"], v)] += 1
        if t["verdict"] == "ok" and v != "ok":
            worked_failed += 1
        if v == t["verdict"] and want[1] is not None:
            print("not ok mixed %s %d: gives the truth %s, but deviations.txt still lists %s" % (reading, port, v, want[0]))
            failed += 1
        elif v != want[0]:
            print("not ok mixed %s %d (%s, TLS %s): want %s got %s" % (reading, port, t["scenario"], t["version"], want[0], v))
            failed += 1
        else:
            passed += 1
    if reading == "keylog" and not all(c == "certain" for _, c in got.values() if _ != "-"):
        print("not ok mixed keylog: not every verdict is certain")
        failed += 1
    print("# %-10s %d/%d connections right (%.1f%%); worked but called a failure: %d" %
          (reading, right, len(truth), 100.0 * right / len(truth), worked_failed))
    for (sc, ver, v), n in sorted(wrong.items()):
        print("#     %3d  %-32s TLS %-3s -> %s" % (n, sc, ver, v))
    if worked_failed:
        print("not ok mixed %s: %d connections that worked are called failures" % (reading, worked_failed))
        failed += 1
print("mixed: %d passed, %d failed" % (passed, failed))
PY
