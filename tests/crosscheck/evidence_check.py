#!/usr/bin/env python3
"""Every sample gets its expected verdict (samples/expected-verdicts.txt), and its evidence names
the packets that prove it, as tshark independently finds them: the ClientHello, the first alert
in the clear, the RST, the SYN, the first plaintext bytes.

usage: evidence_check.py TLSDIAG ; prints ok/not ok lines."""
import json, os, subprocess, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tshark_cached  # noqa: E402  (tshark's answers kept between the suite's two passes)

def frames(path, flt):
    out = tshark_cached.command(["tshark", "-n", "-r", path, "-Y", flt, "-T", "fields", "-e", "frame.number"]).stdout.split()
    return [int(x) for x in out]

def proof_packets(path, verdict, conn):
    """Packets a correct diagnosis of this connection must cite, per tshark."""
    lo, hi = conn["first_packet"], conn["last_packet"]
    cport = conn["client"]["port"]
    def first(flt):
        fs = [f for f in frames(path, f"({flt}) && tcp.port == {cport}") if lo <= f <= hi]
        return fs[:1]
    want = []
    if verdict == "no-server-response":
        want += first("tcp.flags.syn == 1 && tcp.flags.ack == 0")
    elif verdict == "connection-refused":
        want += first("tcp.flags.reset == 1")
    elif verdict == "client-not-tls":
        want += first(f"tcp.dstport == {conn['server']['port']} && tcp.len > 0")
    elif verdict == "server-not-tls":
        want += first(f"tcp.srcport == {conn['server']['port']} && tcp.len > 0")
        want += first("tls.handshake.type == 1")
    else:
        want += first("tls.handshake.type == 1")
        if verdict not in ("ok", "incomplete"):
            want += first("tls.record.content_type == 21 && tls.record.length == 2")
    return want

def main():
    binary = sys.argv[1]
    expected = []
    for line in open("samples/expected-verdicts.txt"):
        line = line.split("#")[0].split()
        if line:
            expected.append((line[0], line[1].split(","), line[2].split(",")))
    for name, verdicts, confidences in expected:
        path = "samples/" + name
        out = subprocess.run([binary, "--json", "--cacert", "samples/ca/test-root-ca.pem", "-r", path],
                             capture_output=True, text=True).stdout
        conns = [json.loads(l) for l in out.splitlines() if '"type":"connection"' in l]
        got = [c.get("verdict") for c in conns]
        conf = [c.get("confidence") for c in conns]
        if got != verdicts or conf != confidences:
            print(f"not ok verdict {name}: expected {verdicts} {confidences}, got {got} {conf}")
            continue
        print(f"ok verdict {name}: {','.join(got)}")
        for c, v in zip(conns, verdicts):
            cited = {e["packet"] for e in c["evidence"]}
            want = proof_packets(path, v, c)
            missing = [p for p in want if p not in cited]
            if not want:
                print(f"not ok evidence {name} #{c['id']}: tshark found no proof packet")
            elif missing:
                print(f"not ok evidence {name} #{c['id']}: cites {sorted(cited)}, tshark's proof packets {want}")
            else:
                print(f"ok evidence {name} #{c['id']}: cites packets {want}")

main()
