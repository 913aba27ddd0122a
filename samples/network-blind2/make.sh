#!/bin/bash
# Re-makes the second blind set of network captures, samples/network-blind2/:
# eight scenarios, each in its own network namespaces (nb2-*), each captured at
# the client (NAME-client.pcap, on the client's interface) and at the server
# (NAME-server.pcap, on the server's interface).  Path-MTU black holes after
# the handshake (a download, an upload) and during it (a large certificate
# flight), a ClientHello whose SECOND segment is dropped, and a TCP reset
# forged by an on-path censor that reads the SNI; each with connections
# through the same path that work.  Needs root.  Installs nothing; names the
# Debian packages missing.  Everything it creates (namespaces, processes,
# /etc/netns/nb2-c, temp files) goes away on any exit; nothing leaves the
# machine (documentation addresses, no route out, no DNS server).
# Usage: make.sh [SCENARIO...]   (default: all)
# Environment: OUT=dir (default: this directory)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE}
PY=/usr/bin/python3
P=nb2                      # namespace name prefix
ALL="pmtu-v4-down pmtu-v6-up pmtu-v4-hs pmtu-v6-hs chd-v4-second chd-v6-second rst-v4 rst-v6 rst-v4-reject"
BODY=196608                # 192 KB: the download and the upload

# ---------------------------------------------------------------- prerequisites
[ "$(id -u)" = 0 ] || { echo "make.sh: needs root (network namespaces)" >&2; exit 1; }
missing=""
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need ip iproute2; need nft nftables; need tcpdump tcpdump; need ethtool ethtool
need openssl openssl; need haproxy haproxy; need go golang-go; need node nodejs
need chromium chromium; need curl curl; need "$PY" python3; need iptables iptables
if [ -n "$missing" ]; then
    echo "make.sh: missing Debian packages:$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')" >&2
    echo "make.sh: apt-get install$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')" >&2
    exit 1
fi
[ -e /etc/netns/$P-c ] && { echo "make.sh: /etc/netns/$P-c exists already; remove it first" >&2; exit 1; }

TMP=$(mktemp -d /tmp/nb2.XXXXXX)
PIDS=()
NSS=()

cleanup() {
    set +e
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    sleep 0.3
    for ns in "${NSS[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    rm -rf "$TMP" /etc/netns/$P-c
    rmdir /etc/netns 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "== $*" >&2; }

# ---------------------------------------------------------------- namespaces
# (the helpers of samples/network-blind/make.sh)
ns() {  # NAME [v4only]: a fresh namespace $P-NAME with lo up
    local n=$P-$1
    ip netns del "$n" 2>/dev/null || true
    ip netns add "$n"
    NSS+=("$n")
    local s="ip netns exec $n sysctl -qw"
    $s net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
    $s net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.default.accept_ra=0
    if [ "${2:-}" = v4only ]; then
        $s net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1
    fi
    ip -n "$n" link set lo up
}
in_ns() { local n=$P-$1; shift; ip netns exec "$n" "$@"; }
router() { in_ns "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1; }
# link NS1 IF1 NS2 IF2 [MTU]: a veth pair, offloads off so that frames on the
# wire (and in the captures) are real segments with finished checksums
link() {
    local mtu=${5:-} side n i f
    ip link add "$2" netns "$P-$1" type veth peer name "$4" netns "$P-$3"
    for side in "$1:$2" "$3:$4"; do
        n=${side%%:*}; i=${side#*:}
        for f in rx tx tso gso gro; do in_ns "$n" ethtool -K "$i" "$f" off >/dev/null 2>&1 || true; done
        if [ -n "$mtu" ]; then ip -n "$P-$n" link set "$i" mtu "$mtu"; fi
        ip -n "$P-$n" link set "$i" up
    done
}
addr() {  # NS IF ADDR; IPv6 addresses are skipped in v4-only namespaces
    case $3 in *:*) [ "$(in_ns "$1" sysctl -n net.ipv6.conf.all.disable_ipv6)" = 1 ] && return 0
                    ip -n "$P-$1" addr add "$3" dev "$2" nodad ;;
               *) ip -n "$P-$1" addr add "$3" dev "$2" ;; esac
}
route() { local n=$1; shift; ip -n "$P-$n" route add "$@"; }
route6() { local n=$1; shift; ip -n "$P-$n" -6 route add "$@"; }

bg() {  # NS LOGNAME CMD...: start in the background, remember the pid
    local n=$1 name=$2; shift 2
    ip netns exec "$P-$n" "$@" >"$TMP/$name.log" 2>&1 &
    PIDS+=($!)
    eval "PID_${name//-/_}=$!"
}
stop() { local pid; pid=$(eval echo "\$PID_${1//-/_}"); kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }

wait_listen() {  # NS PORT
    local i
    for i in $(seq 100); do
        in_ns "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
        sleep 0.1
    done
    echo "make.sh: nothing listens on port $2 in $1" >&2; cat "$TMP"/*.log >&2; return 1
}

capture() {  # NAME NS IF: tcpdump at one vantage into $OUT/NAME.pcap, whole packets
    local name=$1
    rm -f "$OUT/$name.pcap"
    bg "$2" "cap-$name" tcpdump -i "$3" -s 0 -U -n -Z root -w "$OUT/$name.pcap"
    local i
    for i in $(seq 50); do grep -q "listening on" "$TMP/cap-$name.log" && return 0; sleep 0.1; done
    echo "make.sh: tcpdump did not start for $name" >&2; return 1
}
stop_capture() { sleep 0.5; kill -INT "$(eval echo "\$PID_cap_${1//-/_}")" 2>/dev/null || true; wait "$(eval echo "\$PID_cap_${1//-/_}")" 2>/dev/null || true; }

teardown() {
    local pid ns
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    PIDS=()
    for ns in "${NSS[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
    NSS=()
}

# ---------------------------------------------------------------- certificates, content, programs
C=$TMP/cert
mkdir -p "$C"
# small: ECDSA P-256, self-signed, www
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=www.blind2.example" \
    -addext "subjectAltName=DNS:www.blind2.example" \
    -keyout "$C/small.key" -out "$C/small.pem" 2>/dev/null
# chain: RSA-4096 root -> RSA-4096 intermediate -> RSA-4096 leaf big / blocked; the server
# sends leaf + intermediate (about 2.9 KB of certificates), and its RSA-4096 signature
# takes a few ms (the reset scenarios: the censor's reset comes before the ServerHello)
openssl req -x509 -newkey rsa:4096 -nodes -days 30 -subj "/CN=Blind2 Root" -keyout "$C/root.key" -out "$C/root.pem" 2>/dev/null
openssl req -newkey rsa:4096 -nodes -subj "/CN=Blind2 Intermediate" -keyout "$C/int.key" -out "$C/int.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n' > "$C/int.ext"
openssl x509 -req -in "$C/int.csr" -CA "$C/root.pem" -CAkey "$C/root.key" -CAcreateserial -days 30 -extfile "$C/int.ext" -out "$C/int.pem" 2>/dev/null
openssl req -newkey rsa:4096 -nodes -subj "/CN=big.blind2.example" -keyout "$C/leaf.key" -out "$C/leaf.csr" 2>/dev/null
printf 'subjectAltName=DNS:big.blind2.example,DNS:blocked.blind2.example\n' > "$C/leaf.ext"
openssl x509 -req -in "$C/leaf.csr" -CA "$C/int.pem" -CAkey "$C/int.key" -CAcreateserial -days 30 -extfile "$C/leaf.ext" -out "$C/leaf.pem" 2>/dev/null
cat "$C/leaf.pem" "$C/int.pem" > "$C/chain.pem"
# many SANs: RSA-4096 self-signed with big.blind2.example + 120 more names (about 4.6 KB)
sans="DNS:big.blind2.example"
for i in $(seq 120); do sans="$sans,DNS:host-$i.many-names.blind2.example"; done
openssl req -x509 -newkey rsa:4096 -nodes -days 30 -subj "/CN=big.blind2.example" -addext "subjectAltName=$sans" \
    -keyout "$C/many.key" -out "$C/many.pem" 2>/dev/null
cat "$C/small.pem" "$C/small.key" > "$C/small-haproxy.pem"

mkdir -p "$TMP/www"
echo "small blind2 page" > "$TMP/www/small.txt"
head -c $BODY /dev/zero | tr '\0' 'h' > "$TMP/www/big.bin"
head -c 400 /dev/zero | tr '\0' 's' > "$TMP/small-body"
# a 253-character server name (four labels of 63) with an ffdhe8192 key share: curl's
# ClientHello is about 1.5 KB, two segments (as in samples/network-blind)
L63=$(printf 'q%.0s' $(seq 62))
LONGSNI="a$L63.b$L63.c$L63.blind2-long-sni.example"
LONGSNI=${LONGSNI:0:253}

GOTLS=$TMP/gotls
( cd "$HERE" && GOCACHE=$TMP/gocache HOME=$TMP GOFLAGS= go build -o "$GOTLS" gotls.go )
NODETLS="node $HERE/nodetls.js"
PYTLS="$PY $HERE/pytls.py"

# ---------------------------------------------------------------- topologies
# v4: client 198.51.100.10/24 (router .1), server 203.0.113.20/24 (router .1)
# v6: client 2001:db8:c::10/64 (router ::1), server 2001:db8:5::20/64 (router ::1)
# mid (two routers): 192.0.2.0/24 and 2001:db8:f::/64, router-1 .1/::1, router-2 .2/::2
client_side() {  # client c0 <-> router(NS) IF
    addr c c0 198.51.100.10/24; addr c c0 2001:db8:c::10/64
    addr "$1" "$2" 198.51.100.1/24; addr "$1" "$2" 2001:db8:c::1/64
    route c default via 198.51.100.1
    in_ns c ip -6 route add default via 2001:db8:c::1 2>/dev/null || true
}
server_side() {  # server s0 <-> router(NS) IF
    addr s s0 203.0.113.20/24; addr s s0 2001:db8:5::20/64
    addr "$1" "$2" 203.0.113.1/24; addr "$1" "$2" 2001:db8:5::1/64
    route s default via 203.0.113.1
    in_ns s ip -6 route add default via 2001:db8:5::1 2>/dev/null || true
}
# the client's names (ip netns exec mounts /etc/netns/nb2-c/* over /etc/*): every
# name of the set at the server's address, and no DNS server (127.0.0.1: nothing listens)
names() {  # ADDRESS
    mkdir -p /etc/netns/$P-c
    printf '127.0.0.1 localhost\n%s www.blind2.example big.blind2.example blocked.blind2.example %s\n' "$1" "$LONGSNI" \
        > /etc/netns/$P-c/hosts
    echo "nameserver 127.0.0.1" > /etc/netns/$P-c/resolv.conf
}
topo_direct() {  # c --- r --- s  [v4only]
    ns c "${1:-}"; ns r "${1:-}"; ns s "${1:-}"; router r
    link c c0 r r0; link r r1 s s0
    client_side r r0; server_side r r1
    if [ "${1:-}" = v4only ]; then names 203.0.113.20; else names 2001:db8:5::20; fi
}
topo_2routers() {  # MTU [v4only]:  c --- r --[MTU]-- r2 --- s
    ns c "${2:-}"; ns r "${2:-}"; ns r2 "${2:-}"; ns s "${2:-}"; router r; router r2
    link c c0 r r0; link r r1 r2 q0 "$1"; link r2 q1 s s0
    client_side r r0; server_side r2 q1
    addr r r1 192.0.2.1/24; addr r2 q0 192.0.2.2/24
    addr r r1 2001:db8:f::1/64; addr r2 q0 2001:db8:f::2/64
    route r 203.0.113.0/24 via 192.0.2.2; route r2 198.51.100.0/24 via 192.0.2.1
    if [ -z "${2:-}" ]; then
        route6 r 2001:db8:5::/64 via 2001:db8:f::2; route6 r2 2001:db8:c::/64 via 2001:db8:f::1
        names 2001:db8:5::20
    else
        names 203.0.113.20
    fi
}
captures() {  # NAME: start the client-side and the server-side capture
    capture "$1-client" c c0
    capture "$1-server" s s0
    sleep 0.3
}
stop_captures() { stop_capture "$1-client"; stop_capture "$1-server"; }

# ---------------------------------------------------------------- servers
srv_go() {  # CERT KEY [CERT KEY]...: Go net/http on :443 (both families); the certificate by SNI
    bg s srv-go "$GOTLS" server :443 "$@"; wait_listen s 443
}
srv_node() {  # HOST CERT KEY [SNI CERT KEY]: node https
    bg s srv-node $NODETLS server "$@"; wait_listen s 443
}
# HAProxy 2.6 terminating TLS in front of a plain-HTTP python3 http.server (plus POST)
srv_haproxy() {
    cat > "$TMP/haproxy.cfg" <<HAP
global
    maxconn 100
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend tls
    bind :443 ssl crt $C/small-haproxy.pem
    bind :::443 v6only ssl crt $C/small-haproxy.pem
    default_backend plain
backend plain
    server py 127.0.0.1:8080
HAP
    bg s srv-backend sh -c "cd $TMP/www && exec $PYTLS backend 8080"; wait_listen s 8080
    bg s srv-haproxy haproxy -db -f "$TMP/haproxy.cfg"; wait_listen s 443
}

# ---------------------------------------------------------------- clients
client() {  # NAME CMD...: run a client in the client namespace, keep its output
    local name=$1; shift
    log "client $name: $*"
    in_ns c "$@" >"$TMP/cl-$name.log" 2>&1 </dev/null && log "  -> exit 0" || log "  -> exit $?"
    sleep 1
}
# headless chromium: its default ClientHello carries an X25519MLKEM768 key share (about
# 1.8 KB, two segments); names from --host-resolver-rules, nothing else resolved, no
# background traffic; killed after 6 s
chromium_get() {  # NAME URL ADDRESS
    local name=$1 url=$2 a=$3
    case $a in *:*) a="[$a]" ;; esac
    client "$name" timeout -s KILL 6 chromium --headless --no-sandbox --disable-gpu --ignore-certificate-errors \
        --user-data-dir="$TMP/chromium-$name" --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --disable-default-apps --disable-extensions \
        --host-resolver-rules="MAP www.blind2.example $a, MAP big.blind2.example $a, MAP blocked.blind2.example $a, MAP * ~NOTFOUND" \
        --dump-dom "$url"
}

# ---------------------------------------------------------------- filters
# path-MTU: the router that would send "fragmentation needed" / "packet too big" drops its own
icmp_drop() {  # NS
    in_ns "$1" nft -f - <<NFT
table inet blackhole {
    chain out {
        type filter hook output priority 0;
        icmp type destination-unreachable icmp code frag-needed drop
        icmpv6 type packet-too-big drop
    }
}
NFT
}
icmp_allow() { forget_stalled; in_ns "$1" nft delete table inet blackhole; }

# Before a filter is lifted the client and the server forget the stalled connections
# silently (ss -K, the resets it would send dropped), as their kernels would once their
# retries ran out; otherwise the queued retransmissions would finish the failed
# connections after the filter went (samples/network-blind/README.md, "Re-making").
forget_stalled() {
    local n
    sleep 1
    for n in c s; do
        in_ns $n nft -f - <<NFT
table inet quiet {
    chain out {
        type filter hook output priority 0;
        tcp flags & rst == rst drop
    }
}
NFT
        in_ns $n ss -K -t '( sport = :443 or dport = :443 )' >/dev/null 2>&1 || true
        in_ns $n nft delete table inet quiet
    done
}

# the continuation filter (nftables forward hook, on r): a client segment to port 443
# with a payload (IP packet over 80 bytes: a bare ACK is 52 or 72) whose first byte is no TLS record type
# (0x14-0x17) is dropped.  Every segment these clients send starts a record except the
# second segment of a ClientHello that spans two (small GETs only, no uploads here),
# so exactly that continuation dies, and each retransmission of it.
chd_drop() {
    in_ns r nft -f - <<NFT
table inet chd {
    chain cont {
        type filter hook forward priority 0;
        tcp dport 443 meta length > 80 @ih,0,8 != 0x14-0x17 drop
    }
}
NFT
}
chd_allow() { forget_stalled; in_ns r nft delete table inet chd; }

# the censor: pytls.py inject on r's client-facing interface
censor_on() {  # [both]
    bg r censor $PYTLS inject r0 blocked.blind2.example "$@"
    local i; for i in $(seq 50); do grep -q injector "$TMP/censor.log" && return 0; sleep 0.1; done
    echo "make.sh: the injector did not start" >&2; cat "$TMP/censor.log" >&2; return 1
}
censor_off() { stop censor; }

# ---------------------------------------------------------------- scenarios
# 1. IPv4 download black hole: c - r =1280= r2 - s; r2 drops its own ICMP
#    fragmentation-needed.  Go net/http; python3 urllib small (ok), python3
#    192 KB (fails), node 192 KB (fails); ICMP allowed: Go client 192 KB (ok).
sc_pmtu_v4_down() {
    topo_2routers 1280 v4only
    icmp_drop r2
    srv_go "$C/small.pem" "$C/small.key"
    captures pmtu-v4-down
    client small $PYTLS get https://www.blind2.example/small.txt
    client big $PYTLS get https://www.blind2.example/big.bin
    client big-node $NODETLS get https://www.blind2.example/big.bin
    icmp_allow r2
    client big-pmtud "$GOTLS" get https://www.blind2.example/big.bin
    sleep 1
    stop_captures pmtu-v4-down
    teardown
}

# 2. IPv6 upload black hole: c - r =1400= r2 - s; r drops its own ICMPv6
#    packet-too-big, so the client's full-size segments die.  HAProxy + python3
#    backend; curl 400-byte POST (ok), Go 192 KB POST (fails), node 192 KB POST
#    (fails); PTB allowed: python3 urllib 192 KB POST (ok).
sc_pmtu_v6_up() {
    topo_2routers 1400
    icmp_drop r
    srv_haproxy
    captures pmtu-v6-up
    client small curl -sS -k --max-time 5 -H 'Expect:' --data-binary @"$TMP/small-body" https://www.blind2.example/upload
    client big "$GOTLS" post https://www.blind2.example/upload $BODY
    client big-node $NODETLS post https://www.blind2.example/upload $BODY
    icmp_allow r
    client big-pmtud $PYTLS post https://www.blind2.example/upload $BODY
    sleep 1
    stop_captures pmtu-v6-up
    teardown
}

# 3. IPv4 black hole DURING the handshake: c - r =1280= r2 - s; r2 drops its own
#    ICMP frag-needed.  node https: big.blind2.example has an RSA-4096 leaf +
#    intermediate (the Certificate flight needs full-size segments), www an ECDSA
#    P-256 one (its whole flight fits in 1280).  curl www (ok), curl big (fails),
#    python3 big (fails); ICMP allowed: curl big (ok).
sc_pmtu_v4_hs() {
    topo_2routers 1280 v4only
    icmp_drop r2
    srv_node 0.0.0.0 443 "$C/chain.pem" "$C/leaf.key" www.blind2.example "$C/small.pem" "$C/small.key"
    captures pmtu-v4-hs
    client small curl -sS -k --max-time 5 -o /dev/null https://www.blind2.example/small.txt
    client big curl -sS -k --max-time 5 -o /dev/null https://big.blind2.example/small.txt
    client big-py $PYTLS get https://big.blind2.example/small.txt
    icmp_allow r2
    client big-pmtud curl -sS -k --max-time 8 -o /dev/null https://big.blind2.example/small.txt
    sleep 1
    stop_captures pmtu-v4-hs
    teardown
}

# 4. IPv6 black hole during the handshake: c - r =1400= r2 - s; r2 drops its own
#    packet-too-big.  Go net/http: big.blind2.example has a self-signed RSA-4096
#    certificate with 121 names, www the ECDSA one.  curl www (ok), Go client big
#    (fails), node big (fails); PTB allowed: chromium big (ok).  Chromium comes
#    last: its 1.9 KB ClientHello would draw a packet-too-big from r (which does
#    not filter), and the client's later SYNs would then offer a smaller MSS, so
#    that the server's segments would fit the path and nothing would fail.
sc_pmtu_v6_hs() {
    topo_2routers 1400
    icmp_drop r2
    srv_go "$C/many.pem" "$C/many.key" "$C/small.pem" "$C/small.key"
    captures pmtu-v6-hs
    client small curl -sS -k --max-time 5 -o /dev/null https://www.blind2.example/small.txt
    client big "$GOTLS" get https://big.blind2.example/small.txt
    client big-node $NODETLS get https://big.blind2.example/small.txt
    icmp_allow r2
    chromium_get big-pmtud https://big.blind2.example/small.txt 2001:db8:5::20
    sleep 1
    stop_captures pmtu-v6-hs
    teardown
}

# 5. IPv4, SECOND ClientHello segment dropped: c - r - s.  Go net/http.  curl
#    default (517-byte ClientHello, one segment: ok), chromium (X25519MLKEM768,
#    two segments: fails), curl ffdhe8192 + 253-character SNI (two segments:
#    fails); filter removed: chromium (ok).
sc_chd_v4_second() {
    topo_direct v4only
    chd_drop
    srv_go "$C/small.pem" "$C/small.key"
    captures chd-v4-second
    client small curl -sS -k --max-time 5 -o /dev/null https://www.blind2.example/small.txt
    chromium_get big https://www.blind2.example/small.txt 203.0.113.20
    client big-curl curl -sS -k --max-time 5 -o /dev/null --curves ffdhe8192:x25519 "https://$LONGSNI/small.txt"
    chd_allow
    chromium_get big-nofilter https://www.blind2.example/small.txt 203.0.113.20
    sleep 1
    stop_captures chd-v4-second
    teardown
}

# 6. IPv6, second ClientHello segment dropped: c - r - s.  HAProxy + python3
#    backend.  node (one segment: ok), chromium (fails), Go client (small
#    ClientHello: ok); filter removed: chromium (ok).
sc_chd_v6_second() {
    topo_direct
    chd_drop
    srv_haproxy
    captures chd-v6-second
    client small $NODETLS get https://www.blind2.example/small.txt
    chromium_get big https://www.blind2.example/small.txt 2001:db8:5::20
    client small-go "$GOTLS" get https://www.blind2.example/small.txt
    chd_allow
    chromium_get big-nofilter https://www.blind2.example/small.txt 2001:db8:5::20
    sleep 1
    stop_captures chd-v6-second
    teardown
}

# 7. IPv4 reset injection: c - r - s; a censor on r forges a RST+ACK to the
#    client (from the server's address, TTL 64: the server's own packets reach the
#    client with 63) when a client segment carries blocked.blind2.example; the
#    ClientHello itself still reaches the server.  Go net/http (www: ECDSA;
#    blocked: the RSA-4096 chain, whose signature the reset beats).  curl www (ok),
#    curl blocked (fails), python3 blocked (fails), node www (ok); censor
#    stopped: curl blocked (ok).
sc_rst_v4() {
    topo_direct v4only
    srv_go "$C/chain.pem" "$C/leaf.key" "$C/small.pem" "$C/small.key"
    censor_on
    captures rst-v4
    client small curl -sS -k --max-time 5 -o /dev/null https://www.blind2.example/small.txt
    client blocked curl -sS -k --max-time 5 -o /dev/null https://blocked.blind2.example/small.txt
    client blocked-py $PYTLS get https://blocked.blind2.example/small.txt
    client small-node $NODETLS get https://www.blind2.example/big.bin
    censor_off
    client blocked-off curl -sS -k --max-time 5 -o /dev/null https://blocked.blind2.example/small.txt
    sleep 1
    stop_captures rst-v4
    teardown
}

# 8. IPv6 reset injection, both ways: the censor also forges a RST+ACK to the
#    server from the client's address (hop limit 64 where the client's own packets
#    arrive with 63).  node https (www: ECDSA, blocked: the RSA-4096 chain).
#    Go client www (ok), Go client blocked
#    (fails), chromium blocked (fails); censor stopped: python3 blocked (ok).
sc_rst_v6() {
    topo_direct
    srv_node :: 443 "$C/chain.pem" "$C/leaf.key" www.blind2.example "$C/small.pem" "$C/small.key"
    censor_on both
    captures rst-v6
    client small "$GOTLS" get https://www.blind2.example/big.bin
    client blocked "$GOTLS" get https://blocked.blind2.example/small.txt
    chromium_get blocked-chromium https://blocked.blind2.example/small.txt 2001:db8:5::20
    censor_off
    client blocked-off $PYTLS get https://blocked.blind2.example/small.txt
    sleep 1
    stop_captures rst-v6
    teardown
}

# 9. IPv4 in-path reset: c - r - s; r's firewall (iptables-nft, xt string match)
#    answers a client segment to port 443 holding blocked.blind2.example with
#    `REJECT --reject-with tcp-reset`: the ClientHello is dropped and r sends the
#    client a RST from the server's address (TTL 64, the server's packets 63).
#    HAProxy + python3 backend.  curl www (ok), curl blocked (fails), node blocked
#    (fails); rule removed: node blocked (ok).
sc_rst_v4_reject() {
    topo_direct v4only
    srv_haproxy
    in_ns r iptables -A FORWARD -p tcp --dport 443 -m string --string blocked.blind2.example --algo bm \
        -j REJECT --reject-with tcp-reset
    captures rst-v4-reject
    client small curl -sS -k --max-time 5 -o /dev/null https://www.blind2.example/small.txt
    client blocked curl -sS -k --max-time 5 -o /dev/null https://blocked.blind2.example/small.txt
    client blocked-node $NODETLS get https://blocked.blind2.example/small.txt
    forget_stalled
    in_ns r iptables -F FORWARD
    client blocked-off $NODETLS get https://blocked.blind2.example/small.txt
    sleep 1
    stop_captures rst-v4-reject
    teardown
}

for sc in ${*:-$ALL}; do
    log "scenario $sc"
    "sc_${sc//-/_}"
    for f in "$TMP"/*.log; do
        case $f in *cap-*) continue ;; esac
        sed "s|^|   [$(basename "$f" .log)] |" "$f" | grep -v -e 'dbus' -e 'DBus' >&2 || true
    done
    rm -f "$TMP"/*.log
done
ls -l "$OUT"/*.pcap >&2
