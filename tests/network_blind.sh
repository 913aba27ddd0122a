#!/bin/sh
# tests/network_blind.sh - the blind held-out sets, each made without reading the rules and with tlsdiag
# first run on it after its truth.txt was committed:
#   samples/network-blind/   client-hello-dropped and path-mtu-blackhole after the rule changes of issue 25
#   samples/network-blind2/  a second set from other stacks (Go, node, HAProxy, chromium): path-mtu-blackhole
#                            after and during the handshake, a ClientHello's second segment dropped, and
#                            reset-injected (a censor's forged RST, a router's REJECT with tcp-reset)
#   samples/network-blind3/  a third set from still other stacks (Apache httpd, Caddy, stunnel, openssl
#                            s_server, gnutls-serv, Java; s_client, gnutls-cli, python3 requests, wget,
#                            Java, chromium) and varied TCP (no SACK, no timestamps, clamped MSS, initcwnd,
#                            delayed paths, tcp_mtu_probing): black holes, a ClientHello's second segment
#                            dropped or stalled or its first dropped, and resets forged with the server's
#                            own TTL, both ways, or by a router's nftables reject
#   samples/network-blind4/  a fourth set from still other stacks (lighttpd with mod_gnutls / mod_mbedtls /
#                            mod_wolfssl, nginx http2 with ssl_buffer_size 4k, a python3 ssl server, socat;
#                            pycurl on GnuTLS, wget2, python3 http.client, node, ncat --ssl, socat, chromium)
#                            and varied TCP (BBR, ECN, window scaling off, small receive buffers, MTUs
#                            1280/1400/9000, a wire losing small frames): black holes after and during the
#                            handshake (one an upload from a jumbo LAN), a ClientHello's second segment dropped
#                            or held back 4 s or its first dropped, and resets forged with the server's TTL,
#                            both ways, or by a router's nftables reject
#   samples/network-blind5/  a fifth set from still other stacks (h2o, nginx behind a DNAT, python3 aiohttp and
#                            twisted, a perl IO::Socket::SSL server; aria2c, w3m, elinks, perl LWP, ruby net/http,
#                            httpie, php-curl, curl --http2 --tls-max 1.2, chromium) and varied TCP (reno, no
#                            tail-loss probe, no RACK, no F-RTO, NAT, IPv6 flow labels, a router setting TTL 64):
#                            black holes after the handshake (one one-way) and during it, a ClientHello's
#                            continuation dropped for one SNI only or held back 5 s or its first segment dropped,
#                            and resets forged with the server's TTL and a payload, both ways with wrong ACK
#                            numbers, or by a router's nftables reject
# Each set (D) gets the same three parts:
#   blind-sample   with tshark: each connection shows what truth.txt says of it (an ok one has a
#                  ServerHello and data both ways after it; a dropped ClientHello got no ServerHello and,
#                  at the client, was retransmitted; a black hole came after a ServerHello, and at its
#                  sender full-size segments were retransmitted, at its receiver none arrived; in a
#                  "-hs-" capture it struck during the handshake, so the client saw no ServerHello; a
#                  reset-injected client got a RST whose TTL is not the SYN-ACK's or that came sooner after
#                  the client's last data than half the SYN/SYN-ACK round trip, a reset-injected or
#                  none-visible server sent no RST itself), so a broken sample (a server that was not up,
#                  a client that did not fail) shows.
#   blind-reading  tlsdiag's verdict and confidence of every connection equal readings.txt's (which
#                  records them, misses included, so that any change shows); a black hole the transfer
#                  lived through (read ok) carries the path-mtu-stall finding, and no other connection
#                  does; the score per verdict and vantage against truth.txt is printed.
#   network-evidence  with tshark: tests/network.sh's evidence checks on this set (NET_DIR): every packet
#                  a network verdict cites says what its text says.
# Needs python3 (tshark optional: without it the first part is skipped).
set -u
export LC_ALL=C
BIN=${TLSDIAG:-./tlsdiag}
skip() { echo "skip network_blind: $*"; exit 0; }
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
[ -x "$BIN" ] || skip "no tlsdiag binary at $BIN"
TSHARK=absent
command -v tshark >/dev/null 2>&1 && TSHARK=run

for D in samples/network-blind samples/network-blind2 samples/network-blind3 samples/network-blind4 samples/network-blind5; do
if ! [ -f $D/truth.txt ] || ! [ -f $D/readings.txt ]; then
    echo "skip network_blind $D: truth.txt or readings.txt is missing"
    continue
fi
python3 - "$BIN" "$D" "$TSHARK" <<'PY'
import json, os, subprocess, sys
sys.path.insert(0, "tests/crosscheck")
import tshark_cached          # the sanitizer pass reuses the plain pass's answers
BIN, D, tshark = sys.argv[1], sys.argv[2], sys.argv[3]

def table(name, width):           # lines "FILE PORT ..." -> {(file, port): fields}
    rows = {}
    for n, line in enumerate(open(os.path.join(D, name)), 1):
        body = line.partition("#")[0].split()
        if not body:
            continue
        if len(body) != width:
            raise SystemExit("%s/%s line %d: want %d fields" % (D, name, n, width))
        rows[(body[0], int(body[1]))] = body[2:]
    return rows

truth = table("truth.txt", 3)     # FILE CLIENT-PORT VERDICT
reads = table("readings.txt", 5)  # FILE CLIENT-PORT TRUTH VERDICT CONFIDENCE
files = sorted({f for f, _ in truth} | {f for f, _ in reads})

# ---- 1. the captures show what truth.txt says (tshark) ---------------------------------------------
def streams(cap):
    fields = ["tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "tcp.dstport", "tcp.len", "tls.handshake.type",
              "tcp.analysis.retransmission", "tcp.options.mss_val", "tcp.flags.syn", "tcp.seq",
              "tcp.flags.reset", "ip.ttl", "ipv6.hlim", "frame.time_relative", "tcp.flags.fin"]
    # out-of-order reassembly: a ServerHello resent after a packet-too-big (network-blind2's -hs- captures)
    # arrives after the flight's tail and is dissected only with it
    out = tshark_cached.command(["tshark", "-r", cap, "-o", "tcp.reassemble_out_of_order:TRUE", "-Y", "tcp",
                                 "-T", "fields", "-E", "separator=|",
                                 "-E", "occurrence=f"] + sum([["-e", x] for x in fields], [])).stdout
    by = {}
    for line in out.splitlines():
        st, src, src6, sport, dport, ln, hs, retx, mss, syn, seq, rst, ttl, hlim, t, fin = (line.split("|") + [""] * 16)[:16]
        side = "server" if sport == "443" else "client"
        port = int(dport if side == "server" else sport)
        by.setdefault(port, []).append({"side": side, "len": int(ln or 0), "sh": "2" in hs.split(","),
                                        "retx": bool(retx), "mss": int(mss) if mss and syn == "1" else 0, "seq": int(seq or 0),
                                        "syn": syn in ("1", "True"), "rst": rst in ("1", "True"), "ttl": ttl or hlim,
                                        "t": float(t or 0), "fin": fin in ("1", "True")})
    return by

def shows(rows, verdict, vantage, during_handshake=False):
    sh = next((i for i, r in enumerate(rows) if r["sh"] and r["side"] == "server"), None)
    data = {s: [r for r in rows if r["side"] == s and r["len"]] for s in ("client", "server")}
    mss = {s: next((r["mss"] for r in rows if r["side"] == s and r["mss"]), 1460) for s in ("client", "server")}
    if verdict == "ok":
        if sh is None:
            return "no ServerHello"
        after = {s: sum(r["len"] for r in rows[sh + 1:] if r["side"] == s) for s in ("client", "server")}
        return None if after["client"] and after["server"] else "no data both ways after the ServerHello"
    if verdict in ("client-hello-dropped", "none-visible-chd"):
        # a continuation held back until the client had given up (network-blind3's chd-v6-stall) is answered
        # after the client's FIN or RST: only what the server sent before that counts
        gone = next((i for i, r in enumerate(rows) if r["side"] == "client" and (r["fin"] or r["rst"])), len(rows))
        if (sh is not None and sh < gone) or any(r["len"] for r in rows[:gone] if r["side"] == "server"):
            # at the server, such a ClientHello arrives whole but a second or more after its first segment,
            # is answered, and the client sends nothing after the ServerHello but its FIN / RSTs (and, where a
            # wire held every copy back, network-blind4's chd-v6-hold, late copies of the ClientHello's bytes)
            before = [r for r in rows[:sh] if r["side"] == "client" and r["len"]] if sh is not None else []
            if not (vantage == "server" and verdict == "none-visible-chd" and len(before) >= 2
                    and before[-1]["t"] - before[0]["t"] >= 1.0
                    and not any(r["len"] and not r["retx"] for r in rows[sh + 1:] if r["side"] == "client")):
                return "the server answered"
        if vantage == "client" and not any(r["retx"] for r in data["client"]):
            return "no retransmission of the ClientHello at the client"
        return None
    if verdict == "none-visible-pmtu":     # the receiver of a stalled upload: nothing large arrives at all
        if sh is None:
            return "no ServerHello: this black hole is after the handshake"
        return "a segment of 1000 bytes or more arrived" if any(r["len"] >= 1000 for r in rows) else None
    if verdict in ("reset-injected", "none-visible-rst"):
        rst = {s: [i for i, r in enumerate(rows) if r["side"] == s and r["rst"]] for s in ("client", "server")}
        syn_ttl = {s: next((r["ttl"] for r in rows if r["side"] == s and r["syn"]), None) for s in ("client", "server")}
        if rst["server"] and vantage == "server":
            return "the server sent a RST itself"
        if verdict == "reset-injected" and vantage == "client":
            # the RST "from the server" carries another TTL than the server's own SYN-ACK, or (a forger
            # that copies the server's TTL) it came sooner after the client's last data than half the
            # SYN/SYN-ACK round trip: no answer of the server's to that data could have
            if any(rows[i]["ttl"] != syn_ttl["server"] for i in rst["server"]):
                return None
            syn_t = next((r["t"] for r in rows if r["side"] == "client" and r["syn"]), None)
            synack_t = next((r["t"] for r in rows if r["side"] == "server" and r["syn"]), None)
            for i in rst["server"]:
                last = [r["t"] for r in rows[:i] if r["side"] == "client" and r["len"]]
                if syn_t is not None and synack_t is not None and last and \
                        rows[i]["t"] - last[-1] < (synack_t - syn_t) / 2:
                    return None
            return "no RST toward the client with a TTL other than the SYN-ACK's or sooner than the round trip"
        if verdict == "reset-injected":      # the server's vantage: a forged RST from the client's address
            forged = [i for i in rst["client"] if rows[i]["ttl"] != syn_ttl["client"]]
            if not forged:
                return "no RST from the client's address with a TTL other than the client's SYN's"
            return None
        # none-visible at the server: the connection failed (no client data after the ServerHello, or none at all)
        if sh is not None and any(r["len"] for r in rows[sh + 1:] if r["side"] == "client"):
            return "the client sent data after the ServerHello"
        return None
    if verdict == "path-mtu-blackhole":
        if during_handshake:
            # the server's flight (ServerHello, certificates) is what dies: its receiver never sees a ServerHello
            if vantage == "client" and sh is not None:
                return "a ServerHello arrived: this black hole is in the handshake"
        elif sh is None:
            return "no ServerHello: this black hole is after the handshake"
        own = vantage
        other = "server" if own == "client" else "client"
        if sum(r["retx"] for r in data[own] if r["len"] + 64 >= mss[other]) >= 2:
            return None            # the sender's vantage: full-size segments sent again and again
        # the receiver's: no full-size segment of the peer arrived, and the peer's sequence numbers
        # run 1000 bytes or more past what arrived in order
        cover = 1
        for r in sorted(data[other], key=lambda r: r["seq"]):
            if r["seq"] <= cover:
                cover = max(cover, r["seq"] + r["len"])
        claim = max([r["seq"] + r["len"] for r in rows if r["side"] == other and not r["mss"]] or [0])
        if not any(r["len"] + 64 >= mss[own] for r in data[other]) and claim - cover >= 1000:
            return None
        # or (a sender whose kernel then probed its way down, tcp_mtu_probing: network-blind3's pmtu-v4-probe)
        # no full-size segment arrived, and a hole of 1000 bytes or more in the peer's data stayed open for a
        # second or more before smaller segments filled it
        cover, opened = 1, None
        for r in data[other]:                 # in capture order
            if r["seq"] <= cover:
                cover = max(cover, r["seq"] + r["len"])
                if opened is not None and r["t"] - opened[1] >= 1.0 and cover >= opened[0]:
                    if not any(x["len"] + 64 >= mss[own] for x in data[other]):
                        return None
                if opened is not None and cover >= opened[0]:
                    opened = None
            elif r["seq"] - cover >= 1000 and opened is None:
                opened = (r["seq"], r["t"])
        return "neither full-size retransmissions at the sender nor a gap of the peer's at the receiver"
    return "unknown truth verdict %s" % verdict

if tshark != "run":
    print("skip blind-sample: tshark is not installed (apt-get install tshark)")
else:
    for f in files:
        cap = os.path.join(D, f)
        if not os.path.isfile(cap):
            continue
        vantage = "client" if f.endswith("-client.pcap") else "server"
        by = streams(cap)
        want = {p: v[0] for (g, p), v in truth.items() if g == f}
        bad = []
        if sorted(by) != sorted(want):
            bad.append("tshark's client ports %s, truth.txt's %s" % (sorted(by), sorted(want)))
        kind = f.split("-")[0]                    # chd, pmtu or rst
        for p in sorted(want):
            v = want[p] if want[p] != "none-visible" else "none-visible-" + kind
            why = shows(by.get(p, []), v, vantage, "-hs-" in f)
            if why:
                bad.append("port %d (%s): %s" % (p, want[p], why))
        print(("ok blind-sample %s" % f) if not bad else "not ok blind-sample %s: %s" % (f, "; ".join(bad)))

# ---- 2. tlsdiag's readings ------------------------------------------------------------------------
score = {}                        # (truth verdict, vantage) -> [right, of]
for f in files:
    cap = os.path.join(D, f)
    if not os.path.isfile(cap):
        print("not ok blind-reading %s: listed but not on disk" % f)
        continue
    p = subprocess.run([BIN, "--json", "-r", cap], capture_output=True, text=True)
    objs = [o for o in map(json.loads, p.stdout.splitlines()) if o.get("type") == "connection"]
    got = {o["client"]["port"]: (o["verdict"], o["confidence"]) for o in objs}
    stall = {o["client"]["port"] for o in objs if any(x["id"] == "path-mtu-stall" for x in o.get("findings", []))}
    bad = [] if p.returncode in (0, 1) else ["exit status %d" % p.returncode]
    want = {port: v for (g, port), v in reads.items() if g == f}
    if sorted(got) != sorted(want) or sorted(want) != sorted(q for g, q in truth if g == f):
        bad.append("client ports: tlsdiag %s, readings.txt %s, truth.txt %s"
                   % (sorted(got), sorted(want), sorted(q for g, q in truth if g == f)))
    vantage = "client" if f.endswith("-client.pcap") else "server"
    for port, (t, v, c) in sorted(want.items()):
        if truth.get((f, port), [None])[0] != t:
            bad.append("port %d: readings.txt's truth %s is not truth.txt's" % (port, t))
        if got.get(port) != (v, c):
            bad.append("port %d: want %s/%s got %s" % (port, v, c, "/".join(got.get(port, ("none",)))))
        # a black hole the connection lived through (the transfer completed: ok) is named by the
        # path-mtu-stall finding, and no other connection of the sets has it
        if (t == "path-mtu-blackhole" and v == "ok") != (port in stall):
            bad.append("port %d: truth %s, read %s, %s the path-mtu-stall finding" % (port, t, v,
                       "with" if port in stall else "without"))
        s = score.setdefault((t, vantage), [0, 0])
        s[1] += 1
        s[0] += (v == t) if t != "none-visible" else (v != "ok")
    print(("ok blind-reading %s" % f) if not bad else "not ok blind-reading %s: %s" % (f, "; ".join(bad)))
print("# blind score %s (truth verdict, vantage: tlsdiag right/of; none-visible: right = not ok): " % D
      + ", ".join("%s %s %d/%d" % (t, v, r, n) for (t, v), (r, n) in sorted(score.items())))
PY

# ---- 3. the packets the network verdicts cite say what their text says (tshark) --------------------
if [ $TSHARK = run ]; then
    NET_DIR=$D TLSDIAG=$BIN sh tests/network.sh
else
    echo "skip network-evidence $D: tshark is not installed (apt-get install tshark)"
fi
done
