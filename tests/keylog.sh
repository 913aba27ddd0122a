#!/bin/sh
# Key-log decryption (--keylog, issue 11): every bundled capture that has a key log
# (samples/keylog/NAME.keylog, samples/matrix/NAME.keylog), read with it, is decrypted and gets its
# true verdict (samples/expected-verdicts.txt, samples/matrix/expected.txt) with confidence
# "certain".  A capture whose verdict differs even decrypted (a leaf sent alone without AIA: a
# private root and a missing intermediate look the same; no SNI: the name refused is a guess) is
# listed with what tlsdiag says instead and why in samples/keylog-arguable.txt or
# samples/matrix/keylog-arguable.txt; it must match that line.
# Ends with the certain-rate per server stack as "#" lines.
#   TLSDIAG=path/to/tlsdiag sh tests/keylog.sh
BIN=${TLSDIAG:-./tlsdiag}
if ! command -v python3 >/dev/null 2>&1; then echo "skip keylog: python3 not installed"; exit 0; fi
if [ ! -d samples/keylog ]; then echo "skip keylog: samples/keylog is absent"; exit 0; fi
python3 - "$BIN" <<'PY'
import json, os, subprocess, sys
from collections import defaultdict
BIN = sys.argv[1]

def table(path):
    """NAME -> (verdicts, confidences, comment) from an expected/arguable file."""
    out = {}
    if not os.path.isfile(path):
        return out
    for line in open(path):
        if not line.strip() or line.startswith("#"):
            continue
        body, _, comment = line.partition("#")
        f = body.split()
        if len(f) >= 3:
            out[f[0]] = (f[1], f[2], comment.strip())
    return out

def keylog_for(d, stem):
    for k in (os.path.join(d, stem + ".keylog"), os.path.join(d, "keylog", stem + ".keylog")):
        if os.path.isfile(k):
            return k
    return None

sets = [("samples", "samples/ca/test-root-ca.pem", "samples/expected-verdicts.txt", "samples/keylog-arguable.txt"),
        ("samples/matrix", "samples/matrix/ca/root.pem", "samples/matrix/expected.txt", "samples/matrix/keylog-arguable.txt")]
passed = failed = 0
rate = defaultdict(lambda: [0, 0, 0])   # true verdict certain, certain, captures
for d, ca, exp_path, arg_path in sets:
    if not os.path.isdir(d):
        continue
    exp, arg = table(exp_path), table(arg_path)
    for name in sorted(os.listdir(d)):
        if not name.endswith((".pcap", ".pcapng")):
            continue
        kl = keylog_for(d, name.rsplit(".", 1)[0])
        if not kl or name not in exp:
            continue
        cap = os.path.join(d, name)
        p = subprocess.run([BIN, "--json", "--cacert", ca, "--keylog", kl, "-r", cap], capture_output=True, text=True)
        conns = [json.loads(l) for l in p.stdout.splitlines() if l.startswith('{"type":"connection"')]
        verdicts = ",".join(str(c.get("verdict")) for c in conns) or "-"
        confs = ",".join(str(c.get("confidence")) for c in conns) or "-"
        dec = all(c.get("decrypted") is True for c in conns) and conns
        want_v = exp[name][0]
        want = (want_v, ",".join(["certain"] * len(want_v.split(","))))
        stack = exp[name][2].split("/")[0].strip() if d.endswith("matrix") else "samples"
        rate[stack][2] += 1
        all_certain = bool(conns) and all(c.get("confidence") == "certain" for c in conns)
        if all_certain:
            rate[stack][1] += 1
        why = None
        if p.returncode not in (0, 1):
            why = "exit status %d: %s" % (p.returncode, p.stderr.strip()[:200])
        elif not dec:
            why = "not decrypted: %s" % [c.get("decrypt_status") for c in conns]
        elif (verdicts, confs) == want and name in arg:
            why = "matches the truth, but %s still lists it" % arg_path
        elif (verdicts, confs) == want:
            rate[stack][0] += 1
        elif name in arg and (verdicts, confs) == arg[name][:2]:
            print("ok keylog %s (arguable: %s %s, see %s)" % (cap, verdicts, confs, arg_path))
            passed += 1
            continue
        else:
            why = "want %s %s got %s %s" % (want[0], want[1], verdicts, confs)
        if why:
            print("not ok keylog %s: %s" % (cap, why))
            failed += 1
        else:
            print("ok keylog %s" % cap)
            passed += 1
# The silent refusal is certain only when every record the client sent was read: without the
# client's handshake secret its Finished stays closed, and the same capture is only likely.
cap, kl = "samples/matrix/go-wget-unknown-ca-tls13.pcap", "samples/matrix/go-wget-unknown-ca-tls13.keylog"
if os.path.isfile(cap) and os.path.isfile(kl):
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".keylog", delete=False) as t:
        t.writelines(l for l in open(kl) if not l.startswith("CLIENT_HANDSHAKE_TRAFFIC_SECRET"))
    got = []
    for k in (kl, t.name):
        p = subprocess.run([BIN, "--json", "--cacert", "samples/matrix/ca/root.pem", "--keylog", k, "-r", cap], capture_output=True, text=True)
        got += [(c["verdict"], c["confidence"]) for c in map(json.loads, p.stdout.splitlines()) if c.get("type") == "connection"]
    os.unlink(t.name)
    if got == [("unknown-ca", "certain"), ("unknown-ca", "likely")]:
        print("ok keylog silent refusal: certain with the whole key log, likely without the client's handshake secret")
        passed += 1
    else:
        print("not ok keylog silent refusal: want certain then likely, got %s" % got)
        failed += 1
total = [sum(v[i] for k, v in rate.items() if k != "samples") for i in range(3)]
print("# with --keylog, per server stack (true verdict and certain / certain / captures with a key log):")
for k in sorted(rate):
    print("#   %-18s %3d / %3d / %3d" % (k, rate[k][0], rate[k][1], rate[k][2]))
print("#   matrix total       %3d / %3d / %3d" % tuple(total))
print("keylog: %d passed, %d failed" % (passed, failed))
PY
