#!/bin/sh
# tests/network_heldout.sh - samples/network-heldout/ (captures made independently of samples/network/
# by another session, tlsdiag never run while making them) against their truth.txt.  Three parts:
#   heldout-sample    with tshark: each connection shows what truth.txt says of it (the server answered
#                     the ok ones and both sides sent data after its ServerHello; a dropped ClientHello
#                     got no ServerHello; at a black hole's sender full-size segments were retransmitted,
#                     at its receiver none arrived; a reset reached the client), so that a broken sample
#                     (a server that was not up, a client that did not fail) cannot pass for a result.
#   heldout-reading   tlsdiag's verdicts and confidences equal readings.txt's (no anchors; the cacert and
#                     keylog readings cannot be made: see its header), and each verdict equals truth.txt's
#                     or the table says why; a connection truth.txt calls none-visible must not read ok.
#   network-evidence  tests/network.sh's evidence checks on this set (NET_DIR): the packets the network
#                     verdicts cite are what tshark reads.
# Needs python3 (tshark optional: without it the first and last parts are skipped).
set -u
export LC_ALL=C
BIN=${TLSDIAG:-./tlsdiag}
D=samples/network-heldout
skip() { echo "skip network_heldout: $*"; exit 0; }
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
[ -x "$BIN" ] || skip "no tlsdiag binary at $BIN"
[ -f $D/truth.txt ] && [ -f $D/readings.txt ] || skip "$D/truth.txt or readings.txt is missing"
TSHARK=absent
command -v tshark >/dev/null 2>&1 && TSHARK=run

python3 - "$BIN" "$D" "$TSHARK" <<'PY'
import json, os, subprocess, sys
sys.path.insert(0, "tests/crosscheck")
import tshark_cached          # the sanitizer pass reuses the plain pass's answers
BIN, D, tshark = sys.argv[1], sys.argv[2], sys.argv[3]
NETWORK = ("client-hello-dropped", "path-mtu-blackhole", "reset-injected")

truth = {}                       # file -> [(verdict, comment)] in order of first packet
for line in open(os.path.join(D, "truth.txt")):
    if not line.strip() or line.startswith("#"):
        continue
    body, _, why = line.partition("#")
    f = body.split()
    truth.setdefault(f[0], []).append((f[1], why.strip()))
table = {}
for n, line in enumerate(open(os.path.join(D, "readings.txt")), 1):
    if not line.strip() or line.startswith("#"):
        continue
    body, _, why = line.partition("#")
    f = body.split()
    if len(f) != 4:
        raise SystemExit("%s/readings.txt line %d: want FILE NO-ANCHORS CACERT KEYLOG" % (D, n))
    table[f[0]] = (f[1], f[2], f[3], why.strip())

def conns(cap):
    p = subprocess.run([BIN, "--json", "-r", cap], capture_output=True, text=True)
    cs = [json.loads(l) for l in p.stdout.splitlines() if l.startswith('{"type":"connection"')]
    return p.returncode, sorted(cs, key=lambda o: o["first_packet"])

# ---- 1. the captures show what truth.txt says (tshark) ---------------------------------------------
def tshark_streams(cap):
    fields = ["tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "tcp.flags.str", "tcp.len",
              "tls.handshake.type", "tcp.analysis.retransmission", "tcp.options.mss_val", "tcp.flags.syn", "tcp.seq"]
    out = tshark_cached.command(["tshark", "-r", cap, "-Y", "tcp", "-T", "fields", "-E", "separator=|", "-E", "occurrence=f"]
                         + sum([["-e", x] for x in fields], [])).stdout
    streams = {}
    for line in out.splitlines():
        st, src, src6, sport, flags, ln, hs, retx, mss, syn, seq = (line.split("|") + [""] * 11)[:11]
        s = streams.setdefault(st, {"client": None, "rows": []})
        side = (src or src6, sport)
        if s["client"] is None:
            s["client"] = side
        s["rows"].append({"side": "client" if side == s["client"] else "server", "flags": flags,
                          "len": int(ln or 0), "sh": hs == "2", "retx": bool(retx),
                          "mss": int(mss) if mss and syn == "1" else 0, "seq": int(seq or 0)})
    return [streams[k] for k in sorted(streams, key=int)]

def shows(s, verdict, vantage):
    rows = s["rows"]
    sh = next((i for i, r in enumerate(rows) if r["sh"] and r["side"] == "server"), None)
    data = {side: [r for r in rows if r["side"] == side and r["len"]] for side in ("client", "server")}
    mss = {side: next((r["mss"] for r in rows if r["side"] == side and r["mss"]), 1460) for side in ("client", "server")}
    if verdict == "ok":
        if sh is None:
            return "no ServerHello: the server did not answer"
        after = {side: sum(r["len"] for r in rows[sh + 1:] if r["side"] == side) for side in ("client", "server")}
        return None if after["client"] and after["server"] else "no data both ways after the ServerHello (%s)" % after
    if verdict == "client-hello-dropped":
        if sh is not None or data["server"]:
            return "the server answered (ServerHello or data)"
        if vantage == "client" and not any(r["retx"] for r in data["client"]):
            return "no retransmission of the client's at its own vantage"
        return None
    if verdict == "path-mtu-blackhole":
        if sh is None:
            return "no ServerHello: this black hole is after the handshake"
        for side in ("client", "server"):
            peer = "server" if side == "client" else "client"
            full = [r for r in data[side] if r["len"] >= 1000 and r["len"] + 64 >= mss[peer]]
            if sum(r["retx"] for r in full) >= 2:
                return None        # the sender's vantage: full-size segments sent again and again
            # the receiver's: no full-size segment, and the side's sequence numbers run 1000 bytes or
            # more past what arrived in order
            cover = 1
            for r in sorted(data[side], key=lambda r: r["seq"]):
                if r["seq"] <= cover:
                    cover = max(cover, r["seq"] + r["len"])
            claim = max([r["seq"] + r["len"] for r in rows if r["side"] == side and not r["mss"]] or [0])
            if not full and claim - cover >= 1000:
                return None
        return "neither full-size segments retransmitted nor a side whose bytes never arrived"
    if verdict == "reset-injected":
        return None if any("R" in r["flags"] for r in rows if r["side"] == "server") else "no reset from the server's side"
    if verdict == "none-visible":
        return None if any("R" in r["flags"] for r in rows) else "no reset at all"
    return "unknown truth verdict %s" % verdict

if tshark != "run":
    print("skip heldout-sample: tshark is not installed (apt-get install tshark)")
else:
    for f in sorted(truth):
        cap = os.path.join(D, f)
        if not os.path.isfile(cap):
            continue
        vantage = "client" if f.endswith("-client.pcap") else "server"
        streams = tshark_streams(cap)
        bad = []
        if len(streams) != len(truth[f]):
            bad.append("tshark: %d TCP streams, truth.txt lists %d" % (len(streams), len(truth[f])))
        for i, (s, (v, _)) in enumerate(zip(streams, truth[f])):
            why = shows(s, v, vantage)
            if why:
                bad.append("#%d (%s): %s" % (i + 1, v, why))
        print(("ok heldout-sample %s: %s" % (f, ", ".join(v for v, _ in truth[f]))) if not bad
              else "not ok heldout-sample %s: %s" % (f, "; ".join(bad)))

# ---- 2. tlsdiag's readings ------------------------------------------------------------------------
right = {}                        # truth verdict -> [right, of]
for f in sorted(set(truth) | set(table)):
    cap = os.path.join(D, f)
    if f not in truth or f not in table or not os.path.isfile(cap):
        print("not ok heldout-reading %s: in truth.txt, in readings.txt and on disk: %s, %s, %s"
              % (f, f in truth, f in table, os.path.isfile(cap)))
        continue
    cell, cacert, keylog, why = table[f]
    rc, cs = conns(cap)
    got = ",".join(o["verdict"] for o in cs) + "/" + ",".join(o["confidence"] for o in cs)
    bad = []
    if rc not in (0, 1):
        bad.append("exit status %d" % rc)
    if got != cell:
        bad.append("want %s got %s" % (cell, got))
    if cacert != "-" or keylog != "-":
        bad.append("cacert and keylog cells must be '-' (no root, no key log kept)")
    want = [v for v, _ in truth[f]]
    verdicts = cell.split("/")[0].split(",")
    if len(verdicts) != len(want):
        bad.append("readings.txt has %d connections, truth.txt %d" % (len(verdicts), len(want)))
    for v, t in zip(verdicts, want):
        r = right.setdefault(t, [0, 0])
        r[1] += 1
        if t == "none-visible":
            ok = v != "ok"
            if v == "ok":
                bad.append("a connection truth.txt calls none-visible (it failed) reads ok")
        else:
            ok = v == t
            if not ok and not why:
                bad.append("%s where truth.txt says %s, and no reason given" % (v, t))
        r[0] += ok
    print(("ok heldout-reading %s no-anchors: %s" % (f, cell)) if not bad
          else "not ok heldout-reading %s: %s" % (f, "; ".join(bad)))
print("# heldout-reading: connections whose verdict is truth.txt's (none-visible: not ok): %s"
      % ", ".join("%s %d/%d" % (k, v[0], v[1]) for k, v in sorted(right.items())))
PY

if [ $TSHARK = run ]; then
    NET_DIR=$D TLSDIAG=$BIN sh tests/network.sh
else
    echo "skip network-evidence $D: tshark is not installed (apt-get install tshark)"
fi
