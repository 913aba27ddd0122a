#!/bin/sh
# Every bundled capture read the three ways a user meets it (issue 21): with no trust anchors
# given (the client's private CA unknown, the common case), with --cacert of its root, and with
# its key log.  The expected verdicts of the three are one table per set (samples/readings.txt,
# samples/matrix/readings.txt), against the truth (samples/expected-verdicts.txt,
# samples/matrix/expected.txt); see the tables' headers.  Read with its key log, a capture must
# also be decrypted.  A capture that shows no certificate in the clear (TLS 1.3 without keys, a
# refusal before the certificate) is not read again for --cacert: anchors are only ever asked about a
# certificate seen (analyzer/diagnose/trust_store.c, chain_check.c), so its no-anchors run stands for it
# (under the sanitizers a run costs ~0.2 s: 310 of the 555 captures, a fifth of the runs).
# Ends with the per-stack rates and "readings: N passed, N failed".
#   TLSDIAG=path/to/tlsdiag sh tests/readings.sh
BIN=${TLSDIAG:-./tlsdiag}
if ! command -v python3 >/dev/null 2>&1; then echo "skip readings: python3 is not installed"; exit 0; fi
python3 - "$BIN" <<'PY'
import json, os, subprocess, sys, tempfile
from collections import defaultdict
BIN = sys.argv[1]

def truth_table(path):
    """NAME -> (verdicts, confidences, comment)."""
    out = {}
    for line in open(path):
        if not line.strip() or line.startswith("#"):
            continue
        body, _, comment = line.partition("#")
        f = body.split()
        if len(f) >= 3:
            out[f[0]] = (f[1], f[2], comment.strip())
    return out

def readings_table(path):
    """NAME -> {"no-anchors": cell, "cacert": cell, "keylog": cell, "why": text}."""
    out = {}
    for n, line in enumerate(open(path), 1):
        if not line.strip() or line.startswith("#"):
            continue
        body, _, why = line.partition("#")
        f = body.split()
        if len(f) != 4:
            raise SystemExit("%s line %d: want FILE NO-ANCHORS CACERT KEYLOG" % (path, n))
        out[f[0]] = {"no-anchors": f[1], "cacert": f[2], "keylog": f[3], "why": why.strip()}
    return out

def run(args, cap):
    p = subprocess.run([BIN, "--json"] + args + ["-r", cap], capture_output=True, text=True)
    conns = [json.loads(l) for l in p.stdout.splitlines() if l.startswith('{"type":"connection"')]
    return p, conns

def said(conns):
    return (",".join(str(c.get("verdict")) for c in conns) or "-", ",".join(str(c.get("confidence")) for c in conns) or "-")

sets = [  # directory, root, truth, key logs in DIR/keylog/ (else beside the capture), key log suffix
    ("samples", "samples/ca/test-root-ca.pem", "samples/expected-verdicts.txt", True, ".keylog"),
    ("samples/matrix", "samples/matrix/ca/root.pem", "samples/matrix/expected.txt", False, ".keylog"),
    ("samples/quic", "samples/quic/ca/root.pem", "samples/quic/truth.txt", False, ".keys"),
    ("samples/network", "samples/network/ca/root.pem", "samples/network/truth.txt", False, ".keys"),
]

def decrypted_enough(conns):
    """Read with a key log, every connection whose handshake got past the ServerHello was opened (a
    QUIC attempt that was never answered, or answered in a version it did not offer, has nothing
    to open)."""
    return conns and any(c.get("decrypted") is True for c in conns) and all(
        c.get("decrypted") is True for c in conns if (c.get("tls") or {}).get("server_hello"))
passed = failed = 0
rate = defaultdict(lambda: defaultdict(lambda: [0, 0]))   # stack -> reading -> [true verdicts, captures]
for d, ca, truth_path, keylog_dir, suffix in sets:
    if not os.path.isfile(truth_path) or not os.path.isfile(os.path.join(d, "readings.txt")):
        print("skip readings %s: %s or its readings.txt is absent" % (d, truth_path))
        continue
    truth, table = truth_table(truth_path), readings_table(os.path.join(d, "readings.txt"))
    for name in sorted(set(truth) | set(table)):
        cap = os.path.join(d, name)
        if name not in table or name not in truth or not os.path.isfile(cap):
            print("not ok readings %s: in %s, in readings.txt and on disk: %s, %s, %s"
                  % (cap, truth_path, name in truth, name in table, os.path.isfile(cap)))
            failed += 1
            continue
        stem = name[:-8] if name.endswith(".pcap.gz") else name.rsplit(".", 1)[0]
        kl = os.path.join(d, "keylog", stem + suffix) if keylog_dir else os.path.join(d, stem + suffix)
        stack = truth[name][2].split("/")[0].strip() if d.endswith("matrix") else os.path.basename(d)
        want_v, want_c = truth[name][:2]
        readings = [("no-anchors", [], (want_v, want_c)), ("cacert", ["--cacert", ca], (want_v, want_c))]
        if os.path.isfile(kl):
            readings.append(("keylog", ["--cacert", ca, "--keylog", kl], (want_v, ",".join(["certain"] * len(want_v.split(","))))))
        elif table[name]["keylog"] != "-":
            print("not ok readings %s keylog: readings.txt expects a key log, there is none at %s" % (cap, kl))
            failed += 1
        chainless = None          # the no-anchors run showed no certificate in the clear
        for reading, args, true in readings:
            cell = table[name][reading]
            want = true if cell == "=" else tuple(cell.split("/", 1)) if "/" in cell else None
            if reading == "cacert" and chainless:
                p, conns = chainless  # trust anchors are only ever asked about a certificate seen
            else:
                p, conns = run(args, cap)
            if reading == "no-anchors" and p.returncode in (0, 1) and not any(
                    (c.get("tls") or {}).get("server_chain") or (c.get("tls") or {}).get("client_chain") for c in conns):
                chainless = (p, conns)
            got = said(conns)
            rate[stack][reading][1] += 1
            if got[0] == true[0]:
                rate[stack][reading][0] += 1
            why = None
            if p.returncode not in (0, 1):
                why = "exit status %d: %s" % (p.returncode, p.stderr.strip()[:200])
            elif want is None:
                why = "cell %r is not '=', '-' or VERDICTS/CONFIDENCES" % cell
            elif reading == "keylog" and not decrypted_enough(conns):
                why = "not decrypted: %s" % [c.get("decrypt_status") for c in conns]
            elif got == true and cell != "=":
                why = "gives the truth %s/%s, but readings.txt still lists %s: write '='" % (got[0], got[1], cell)
            elif got != want:
                why = "want %s/%s got %s/%s" % (want[0], want[1], got[0], got[1])
            elif cell != "=" and reading not in table[name]["why"]:
                why = "differs from the truth on purpose, but the comment gives no reason for the %s reading" % reading
            if why:
                print("not ok readings %s %s: %s" % (cap, reading, why))
                failed += 1
            else:
                print("ok readings %s %s%s" % (cap, reading, "" if cell == "=" else " (on purpose: %s)" % cell))
                passed += 1

# The silent refusal is certain only when every record the client sent was read: without the
# client's handshake secret its Finished stays closed, and the same capture is only likely.
cap, kl = "samples/matrix/go-wget-unknown-ca-tls13.pcap", "samples/matrix/go-wget-unknown-ca-tls13.keylog"
if os.path.isfile(cap) and os.path.isfile(kl):
    with tempfile.NamedTemporaryFile("w", suffix=".keylog", delete=False) as t:
        t.writelines(l for l in open(kl) if not l.startswith("CLIENT_HANDSHAKE_TRAFFIC_SECRET"))
    got = []
    for k in (kl, t.name):
        got += [(c["verdict"], c["confidence"]) for c in run(["--cacert", "samples/matrix/ca/root.pem", "--keylog", k], cap)[1]]
    os.unlink(t.name)
    if got == [("unknown-ca", "certain"), ("unknown-ca", "likely")]:
        print("ok readings silent refusal: certain with the whole key log, likely without the client's handshake secret")
        passed += 1
    else:
        print("not ok readings silent refusal: want certain then likely, got %s" % got)
        failed += 1

print("# true verdicts per server stack, per reading (no-anchors / cacert / keylog, of captures):")
tot = defaultdict(lambda: [0, 0])
for k in sorted(rate):
    cells = []
    for reading in ("no-anchors", "cacert", "keylog"):
        ok, n = rate[k][reading]
        cells.append("%3d/%3d" % (ok, n))
        if k not in ("samples", "quic", "network"):
            tot[reading][0] += ok
            tot[reading][1] += n
    print("#   %-18s %s" % (k, "  ".join(cells)))
print("#   %-18s %s" % ("matrix total", "  ".join("%3d/%3d" % tuple(tot[r]) for r in ("no-anchors", "cacert", "keylog"))))
print("readings: %d passed, %d failed" % (passed, failed))
PY
