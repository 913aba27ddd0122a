#!/bin/sh
# Real TLS connections in the tunnels and link layers of taps (samples/tunnels/, made by its
# make-tunnels.sh): each capture gives its connections, verdict ok, with the INNER addresses and
# ports, no gap and the TCP handshake seen; the TCP Fast Open capture's second connection has its
# ClientHello on the SYN (packet 12) and no gap.  With tshark, the inner SYNs tshark finds (the
# last IP source and the TCP ports of each SYN) are the connections tlsdiag reports.
BIN=${TLSDIAG:-./tlsdiag}
D=samples/tunnels
if ! command -v python3 >/dev/null 2>&1; then echo "skip tunnels: python3 not installed"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tshark=0
command -v tshark >/dev/null 2>&1 && tshark=1
for f in "$D"/*.pcap; do
    n=$(basename "$f" .pcap)
    "$BIN" --json -r "$f" > "$tmp/$n.json" 2>"$tmp/$n.err"
    echo $? > "$tmp/$n.rc"
    if [ $tshark = 1 ]; then
        tshark -r "$f" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -E separator=' ' \
            -e ip.src -e ipv6.src -e tcp.srcport -e tcp.dstport > "$tmp/$n.tshark" 2>/dev/null
    fi
done
python3 - "$tmp" "$D" $tshark <<'PY'
import json, os, sys
tmp, d, tshark = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
V4 = ("192.168.77.1", "192.168.77.2")
V6 = ("fd77::1", "fd77::2")
WANT = {
    "vxlan": V4, "vxlan-ipv6": V6, "gre-key-seq": V4, "gretap": V4, "erspan2": V4, "erspan3": V4,
    "geneve": V4, "ipip": V4, "sit": V6, "ppp": V4, "ppp-hdlc": V4, "pppoe": V4, "mpls": V4,
    "qinq": V4, "tcp-fast-open": ("10.98.0.1", "10.98.0.2"),
}
def check(name, cond, why=""):
    print(("ok " if cond else "not ok ") + "tunnels " + name + ("" if cond or not why else ": " + why))
have = sorted(f[:-5] for f in os.listdir(d) if f.endswith(".pcap"))
check("every capture is known", have == sorted(WANT), "%s vs %s" % (have, sorted(WANT)))
for name in sorted(WANT):
    if not os.path.exists(os.path.join(tmp, name + ".json")):
        continue
    conns = [json.loads(l) for l in open(os.path.join(tmp, name + ".json")) if l.startswith("{")]
    conns = [c for c in conns if c.get("type") == "connection"]
    rc = open(os.path.join(tmp, name + ".rc")).read().strip()
    n = 2 if name == "tcp-fast-open" else 1
    check(name + ": exit 0 and %d connection(s)" % n, rc == "0" and len(conns) == n,
          "exit %s, %d connections, stderr %s" % (rc, len(conns), open(os.path.join(tmp, name + ".err")).read()[:200]))
    for c in conns:
        addrs = (c["client"]["ip"], c["server"]["ip"])
        check(name + ": inner addresses", addrs == WANT[name] and c["server"]["port"] == 443, str(addrs))
        check(name + ": verdict ok, handshake seen, no gap", c["verdict"] == "ok" and c["tcp"]["handshake"]
              and c["tcp"]["gaps"] == 0, "%s %s" % (c["verdict"], c["tcp"]))
    if name == "tcp-fast-open" and len(conns) == 2:
        second = conns[1]
        check(name + ": second connection's ClientHello is on its SYN",
              second["first_packet"] == 12 and second["tls"].get("sni") == "tunnel.example.test"
              and second["tcp"]["bytes_c2s"] > 500, json.dumps(second["tcp"]))
    if tshark:
        syns = []
        for line in open(os.path.join(tmp, name + ".tshark")):
            f = line.split()
            if len(f) >= 3:                  # IPv4 source(s), IPv6 source(s), ports: the underlay
                src = f[-3].split(",")[-1]       # is IPv4, so an IPv6 source is the inner one
                syns.append((src, f[-2], f[-1]))
        mine = [(c["client"]["ip"], str(c["client"]["port"]), str(c["server"]["port"])) for c in conns]
        check(name + ": the connections tshark finds", sorted(syns) == sorted(mine), "%s vs %s" % (syns, mine))
PY
