#!/bin/sh
# tests/quic_live.sh - QUIC captured live through libpcap: tlsdiag -i on the client's end of a
# veth between two network namespaces, with its default capture filter, while ngtcp2's example
# client (gtlsclient) makes three HTTP/3 attempts at once and openssl makes one TLS connection
# over TCP.  The server namespace has three addresses: on 10.96.0.2 ngtcp2's server answers
# (ok, transport quic, the SNI asked for: UDP 443 passes the default filter), 10.96.0.3 has its
# UDP 443 dropped by nftables (quic-blocked), nothing listens on 10.96.0.4 (the kernel's ICMP
# port unreachable: connection-refused; ngtcp2 ignores it and runs to its handshake timeout).
# openssl s_server -www on TCP 10.96.0.2:443 and s_client: still reported as before (tcp, ok).
# With tcpdump installed, the same packets captured by it and read from its file must give the
# same verdicts (so that a live failure is tlsdiag's capture's, not the setup's).
# Needs root, ip, ngtcp2-client and ngtcp2-server, openssl, python3, timeout (nft for the
# blocked case, tcpdump for the file); prints "skip quic-live: why" otherwise.  About 10 s.
set -u
export LC_ALL=C
TLSDIAG=${TLSDIAG:-./tlsdiag}
case $TLSDIAG in /*) ;; *) TLSDIAG=$(pwd)/$TLSDIAG ;; esac
NS_C=tdq-c-$$ NS_S=tdq-s-$$ IF_C=tdqc$$ IF_S=tdqs$$
IP_C=10.96.0.1 IP_OK=10.96.0.2 IP_BLOCK=10.96.0.3 IP_NONE=10.96.0.4
NAME=www.example.test NAME_BLOCK=blocked.example.test NAME_NONE=refused.example.test

skip() { echo "skip quic-live: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces and packet capture)"
command -v ip >/dev/null 2>&1 || skip "ip is not installed (Debian package iproute2)"
command -v gtlsclient >/dev/null 2>&1 || skip "gtlsclient is not installed (Debian package ngtcp2-client)"
command -v gtlsserver >/dev/null 2>&1 || skip "gtlsserver is not installed (Debian package ngtcp2-server)"
for tool in openssl python3 timeout; do command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"; done
[ -x "$TLSDIAG" ] || skip "no tlsdiag binary at $TLSDIAG"
. "$(dirname "$0")/lib/netns.sh"

T=$(mktemp -d /tmp/tlsdiag-qlive.XXXXXX) || skip "cannot make a temporary directory"
chmod 755 "$T"             # tlsdiag reads --cacert after dropping its privileges
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    ns_down "$NS_C" "$NS_S"
    rm -rf "/etc/netns/$NS_C"
    [ -n "${TD_KEEP:-}" ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ns_pair "$NS_C" "$IF_C" "$IP_C" "$NS_S" "$IF_S" "$IP_OK" 2>"$T/ns.err" &&
    ip -n "$NS_S" addr add "$IP_BLOCK/24" dev "$IF_S" 2>>"$T/ns.err" &&
    ip -n "$NS_S" addr add "$IP_NONE/24" dev "$IF_S" 2>>"$T/ns.err" ||
    skip "cannot set up namespaces and a veth pair: $(head -c 200 "$T/ns.err")"
# The client's names (ip netns exec puts /etc/netns/NS/hosts in place of /etc/hosts).
mkdir -p "/etc/netns/$NS_C" &&
    printf '127.0.0.1 localhost\n%s %s\n%s %s\n%s %s\n' "$IP_OK" "$NAME" "$IP_BLOCK" "$NAME_BLOCK" \
        "$IP_NONE" "$NAME_NONE" >"/etc/netns/$NS_C/hosts" || skip "cannot write /etc/netns/$NS_C/hosts"
NFT=absent
if command -v nft >/dev/null 2>&1; then
    if ip netns exec "$NS_S" nft add table inet f 2>"$T/nft.err" &&
        ip netns exec "$NS_S" nft add chain inet f in '{ type filter hook input priority 0; }' 2>>"$T/nft.err" &&
        ip netns exec "$NS_S" nft add rule inet f in ip daddr "$IP_BLOCK" udp dport 443 drop 2>>"$T/nft.err"; then
        NFT=run
    else
        NFT="nft failed: $(head -c 200 "$T/nft.err")"
    fi
fi

# A test root and a leaf for www.example.test and 10.96.0.2 (EC P-256, two days).
{
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" -out "$T/ca.pem" \
        -subj "/CN=quic live root" -days 2 -addext "basicConstraints=critical,CA:TRUE" &&
    printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:%s,IP:%s\nextendedKeyUsage=serverAuth\n' "$NAME" "$IP_OK" >"$T/srv.ext" &&
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/srv.key" -out "$T/srv.csr" \
        -subj "/CN=$NAME" &&
    openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
        -extfile "$T/srv.ext" -out "$T/srv.pem"
} >"$T/pki.log" 2>&1 || skip "openssl cannot make test certificates: $(tail -2 "$T/pki.log")"
chmod 644 "$T"/*.pem "$T"/*.key
mkdir -p "$T/www" "$T/dl"
printf 'hello quic\n' >"$T/www/index.html"

# The servers: ngtcp2's on UDP 10.96.0.2:443 only, s_server on TCP 443.  Bounded by timeout.
ip netns exec "$NS_S" timeout 40 gtlsserver -q -d "$T/www" "$IP_OK" 443 "$T/srv.key" "$T/srv.pem" >"$T/qsrv.log" 2>&1 &
PIDS="$PIDS $!"
ip netns exec "$NS_S" timeout 40 openssl s_server -accept 443 -cert "$T/srv.pem" -key "$T/srv.key" -www -naccept 1 \
    </dev/null >"$T/tsrv.log" 2>&1 &
PIDS="$PIDS $!"
wait_port "$NS_S" udp 443 10 || { echo "not ok quic-live start: gtlsserver did not bind UDP 443: $(head -c 300 "$T/qsrv.log")"; exit 0; }
wait_port "$NS_S" tcp 443 10 || { echo "not ok quic-live start: s_server does not listen on TCP 443: $(head -c 300 "$T/tsrv.log")"; exit 0; }

# tlsdiag on the client's veth, default filter; --duration bounds it if the SIGINT below is lost.
# The successful client's key log (written while tlsdiag runs) opens its 1-RTT packets, so that
# its CONNECTION_CLOSE (encrypted) is seen and the connection reported without waiting for the
# idle timeout; the others close in the clear (an Initial, a FIN).
: >"$T/keys.log"
chmod 666 "$T/keys.log"
ip netns exec "$NS_C" "$TLSDIAG" -i "$IF_C" --json --cacert "$T/ca.pem" --keylog "$T/keys.log" --duration 50 \
    >"$T/td.out" 2>"$T/td.err" &
TD=$!
PIDS="$PIDS $TD"
wait_grep 10 "$T/td.err" "listening on" || { echo "not ok quic-live start: tlsdiag is not listening: $(head -c 300 "$T/td.err")"; exit 0; }
if grep -q "listening on .*filter '.*udp and (port 443" "$T/td.err"; then
    echo "ok quic-live default filter names udp port 443"
else
    echo "not ok quic-live default filter names udp port 443: $(cat "$T/td.err")"
fi

# tcpdump beside it (when installed), unfiltered but for the test's traffic: what tlsdiag reads of
# the same packets in a file says whether a live failure is the capture's or the setup's.
DUMP=absent
if command -v tcpdump >/dev/null 2>&1; then
    ip netns exec "$NS_C" tcpdump -i "$IF_C" -nn -U --immediate-mode -w "$T/all.pcap" 'udp port 443 or tcp port 443 or icmp' \
        >/dev/null 2>"$T/tcpdump.log" &
    DUMP=$!
    PIDS="$PIDS $DUMP"
    wait_grep 10 "$T/tcpdump.log" "listening on" || DUMP=absent
fi

# The clients.  The two that fail give up after 3 s (short PTOs, --handshake-timeout, as
# samples/quic/make.sh); they run at once, beside the two that succeed.
quic_client() {  # NAME LOG [KEYLOG]: one GET https://NAME/ with ngtcp2's client
    ip netns exec "$NS_C" env SSLKEYLOGFILE="${3:-/dev/null}" timeout 15 gtlsclient -q --exit-on-all-streams-close --download="$T/dl" \
        --initial-rtt=100ms --handshake-timeout=3s "$1" 443 "https://$1/" >"$2" 2>&1
}
CLIENTS=""
if [ "$NFT" = run ]; then quic_client "$NAME_BLOCK" "$T/c-block.log" & CLIENTS="$CLIENTS $!"; fi
quic_client "$NAME_NONE" "$T/c-none.log" &
CLIENTS="$CLIENTS $!"
PIDS="$PIDS $CLIENTS"
quic_client "$NAME" "$T/c-ok.log" "$T/keys.log"
# s_client sends the request and, with -ign_eof, stays until s_server -www has answered and closed.
printf 'GET / HTTP/1.0\r\n\r\n' | ip netns exec "$NS_C" timeout 10 openssl s_client -connect "$IP_OK:443" \
    -servername "$NAME" -CAfile "$T/ca.pem" -ign_eof >"$T/c-tcp.log" 2>&1
# shellcheck disable=SC2086
wait_gone 15 $CLIENTS
# A connection is reported about a second after its end (CONNECTION_CLOSE, FIN): wait for all
# of them (10 s at most), then SIGINT tlsdiag and wait for it to end.
want=3
[ "$NFT" = run ] && want=4
n=100
while [ $n -gt 0 ] && [ "$(grep -c '"type":"connection"' "$T/td.out" 2>/dev/null)" -lt $want ]; do sleep 0.1; n=$((n - 1)); done
kill -INT "$TD"
wait_gone 10 "$TD" || echo "not ok quic-live stop: tlsdiag still runs 10 s after SIGINT"
wait "$TD" 2>/dev/null
if [ "$DUMP" != absent ]; then
    tcpdump_synced 10 "$DUMP" "$T/tcpdump.log"
    kill -INT "$DUMP"
    wait_gone 10 "$DUMP"
    "$TLSDIAG" --json --cacert "$T/ca.pem" --keylog "$T/keys.log" -r "$T/all.pcap" >"$T/file.out" 2>"$T/file.err"
else
    : >"$T/file.out"
fi
grep -q "hello quic" "$T/dl/index.html" 2>/dev/null ||
    echo "not ok quic-live client: gtlsclient did not get the page: $(tail -3 "$T/c-ok.log")"
grep -q "^HTTP/1.0 200" "$T/c-tcp.log" ||
    echo "not ok quic-live client: s_client did not get the page: $(grep -m2 -i 'error\|verify' "$T/c-tcp.log")"

python3 - "$T/td.out" "$NFT" "$T/td.err" "$T/file.out" "$DUMP" <<PY
import json, sys
def read(path):
    out = []
    for line in open(path):
        try:
            o = json.loads(line)
        except ValueError:
            print("not ok quic-live json: a line of %s is not JSON: %r" % (path, line[:100])); continue
        if o.get("type") == "connection":
            out.append(o)
    return out
conns, from_file = read(sys.argv[1]), read(sys.argv[4])
def check(name, ip, transport, verdict, sni):
    if sys.argv[5] != "absent":    # the same packets from tcpdump's file: the setup made what it should
        c = [o for o in from_file if o["server"]["ip"] == ip and o.get("transport") == transport]
        v = [o.get("verdict") for o in c]
        print(("ok quic-live %s (tcpdump's file)" % name) if v == [verdict] else
              "not ok quic-live %s (tcpdump's file): verdicts %s, want [%s]" % (name, v, verdict))
    c = [o for o in conns if o["server"]["ip"] == ip and o.get("transport") == transport]
    if len(c) != 1:
        print("not ok quic-live %s: %d %s connections to %s reported, want 1 (all: %s)" % (name, len(c), transport, ip,
              [(o["server"]["ip"], o.get("transport"), o.get("verdict")) for o in conns])); return
    o = c[0]
    got = (o["server"]["port"], o.get("verdict"), (o.get("tls") or {}).get("sni"))
    want = (443, verdict, sni)
    hint = ""
    if verdict == "connection-refused" and not (o.get("quic") or {}).get("icmp_unreachable"):
        f = [l for l in open(sys.argv[3]) if "listening on" in l]
        if f and "icmp" not in f[0]:
            hint = "; no ICMP port unreachable reached tlsdiag: its capture filter has no icmp: " + f[0].split("filter ")[-1].strip()
    print(("ok quic-live %s" % name) if got == want else "not ok quic-live %s: port, verdict, sni %s, want %s (%s)%s"
          % (name, got, want, o.get("summary"), hint))
check("ok over quic", "$IP_OK", "quic", "ok", "$NAME")
check("ok over tcp beside it", "$IP_OK", "tcp", "ok", "$NAME")
if sys.argv[2] == "run":
    check("udp 443 dropped: quic-blocked", "$IP_BLOCK", "quic", "quic-blocked", "$NAME_BLOCK")
else:
    print("skip quic-live quic-blocked: nftables: %s" % (sys.argv[2] if sys.argv[2] != "absent" else "nft is not installed (Debian package nftables)"))
check("nothing listening: connection-refused", "$IP_NONE", "quic", "connection-refused", "$NAME_NONE")
PY
