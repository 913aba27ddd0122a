#!/bin/bash
# Re-makes the held-out network captures of samples/network-heldout/:
# eight scenarios, each in its own set of network namespaces, each captured at
# the client (NAME-client.pcap) and at the server (NAME-server.pcap).
# Needs root.  Installs nothing; names the Debian packages that are missing.
# Everything it creates (namespaces, processes, temp files) goes away on any
# exit.  Usage: make.sh [SCENARIO...]   (default: all)
# Environment: OUT=dir (default: this directory), PY=python3
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE}
PY=${PY:-/usr/bin/python3}
TOOLS=$HERE/tools
P=hn3                      # namespace name prefix
ALL="chd-v4-first chd-v6-cont chd-v4-quick pmtu-v6-down pmtu-v4-up rst-v4-odd rst-v6-clone rst-v4-clone-drop"

# ---------------------------------------------------------------- prerequisites
[ "$(id -u)" = 0 ] || { echo "make.sh: needs root (network namespaces)" >&2; exit 1; }
missing=""
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need ip iproute2; need iptables iptables; need ip6tables iptables; need tcpdump tcpdump
need ethtool ethtool; need openssl openssl; need gnutls-serv gnutls-bin; need gnutls-cli gnutls-bin
need lighttpd lighttpd; need haproxy haproxy; need curl curl; need wget wget; need "$PY" python3
[ -e /usr/lib/lighttpd/mod_openssl.so ] || missing="$missing lighttpd-mod-openssl"
if [ -n "$missing" ]; then
    echo "make.sh: missing Debian packages:$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')" >&2
    echo "make.sh: apt-get install$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')" >&2
    exit 1
fi

TMP=$(mktemp -d /tmp/hn3.XXXXXX)
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
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "== $*" >&2; }

# ---------------------------------------------------------------- namespaces
# ns NAME [v4only]: a fresh namespace $P-NAME with lo up
ns() {
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

# bg NS LOGNAME CMD...: start in the background, remember the pid
bg() {
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

# capture NAME NS IF: tcpdump at one vantage into $OUT/NAME.pcap
capture() {
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

# ---------------------------------------------------------------- certificates, content
CERT=$TMP/cert.pem KEY=$TMP/key.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=www.heldout.example" \
    -addext "subjectAltName=DNS:www.heldout.example,DNS:*.heldout.example,IP:203.0.113.20,IP:2001:db8:5::20" \
    -keyout "$KEY" -out "$CERT" 2>/dev/null
cat "$CERT" "$KEY" > "$TMP/combined.pem"
mkdir -p "$TMP/www"
echo "small held-out page" > "$TMP/www/small.txt"
head -c 49152 /dev/zero | tr '\0' 'z' > "$TMP/www/big.txt"
head -c 300 /dev/zero | tr '\0' 's' > "$TMP/small-body"
head -c 65536 /dev/zero | tr '\0' 'u' > "$TMP/big-body"
# a 253-character server name (four labels of 63)
L63=$(printf 'p%.0s' $(seq 62))
LONGSNI="a$L63.b$L63.c$L63.heldout-long-sni.example"
LONGSNI=${LONGSNI:0:253}
REQ='GET / HTTP/1.0\r\n\r\n'

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
# T1: c --- r --- s
topo_direct() {
    ns c "${1:-}"; ns r "${1:-}"; ns s "${1:-}"; router r
    link c c0 r r0; link r r1 s s0
    client_side r r0; server_side r r1
}
# T2: c --- r --- [wire w, D ms each way] --- s
topo_wire() {
    ns c "$1"; ns r "$1"; ns w v4only; ns s "$1"; router r
    link c c0 r r0; link r r1 w w0; link w w1 s s0
    in_ns w ip link set w0 promisc on; in_ns w ip link set w1 promisc on
    client_side r r0; server_side r r1
    bg w wire-w "$PY" -u "$TOOLS/wire.py" w0 w1 "$2" 300
}
# T3: c --- [wire x, D1 ms] --- r --- [wire w, D2 ms] --- s
topo_wire2() {
    ns c "$1"; ns x v4only; ns r "$1"; ns w v4only; ns s "$1"; router r
    link c c0 x x0; link x x1 r r0; link r r1 w w0; link w w1 s s0
    in_ns x ip link set x0 promisc on; in_ns x ip link set x1 promisc on
    in_ns w ip link set w0 promisc on; in_ns w ip link set w1 promisc on
    client_side r r0; server_side r r1
    bg x wire-x "$PY" -u "$TOOLS/wire.py" x0 x1 "$2" 300
    bg w wire-w "$PY" -u "$TOOLS/wire.py" w0 w1 "$3" 300
}
# T4: c --- r --[MTU]-- r2 --- s
topo_2routers() {  # MTU [v4only]
    ns c "${2:-}"; ns r "${2:-}"; ns r2 "${2:-}"; ns s "${2:-}"; router r; router r2
    link c c0 r r0; link r r1 r2 q0 "$1"; link r2 q1 s s0
    client_side r r0; server_side r2 q1
    addr r r1 192.0.2.1/24; addr r2 q0 192.0.2.2/24
    addr r r1 2001:db8:f::1/64; addr r2 q0 2001:db8:f::2/64
    route r 203.0.113.0/24 via 192.0.2.2; route r2 198.51.100.0/24 via 192.0.2.1
    if [ -z "${2:-}" ]; then
        route6 r 2001:db8:5::/64 via 2001:db8:f::2; route6 r2 2001:db8:c::/64 via 2001:db8:f::1
    fi
}
captures() {  # NAME: start the client-side and the server-side capture
    capture "$1-client" c c0
    capture "$1-server" s s0
    sleep 0.3
}
stop_captures() { stop_capture "$1-client"; stop_capture "$1-server"; }

# servers
srv_gnutls() { bg s srv-gnutls gnutls-serv --http -p 443 --x509certfile "$CERT" --x509keyfile "$KEY"; wait_listen s 443; }
srv_openssl() { bg s srv-openssl openssl s_server -www -accept 443 -cert "$CERT" -key "$KEY"; wait_listen s 443; }
srv_lighttpd() {  # ADDRESS (v4 or [v6])
    cat > "$TMP/lighttpd.conf" <<EOF
server.document-root = "$TMP/www"
server.bind = "$1"
server.port = 443
server.modules = ( "mod_openssl" )
server.errorlog = "$TMP/lighttpd-error.log"
ssl.engine = "enable"
ssl.pemfile = "$CERT"
ssl.privkey = "$KEY"
mimetype.assign = ( ".txt" => "text/plain" )
EOF
    bg s srv-lighttpd lighttpd -D -f "$TMP/lighttpd.conf"; wait_listen s 443
}
srv_haproxy() {  # BIND
    cat > "$TMP/haproxy.cfg" <<EOF
global
    maxconn 64
defaults
    mode http
    timeout client 15s
    timeout connect 5s
    timeout server 5s
frontend heldout
    bind $1 ssl crt $TMP/combined.pem
    http-request return status 200 content-type text/plain string "held-out ok via haproxy"
EOF
    bg s srv-haproxy haproxy -db -f "$TMP/haproxy.cfg"; wait_listen s 443
}
srv_python() { bg s srv-python "$PY" -u "$TOOLS/tlsserver.py" "$1" 443 "$CERT" "$KEY" 120; wait_listen s 443; }

client() {  # NAME CMD...: run a client in the client namespace, keep its output
    local name=$1; shift
    log "client $name: $*"
    in_ns c "$@" >"$TMP/cl-$name.log" 2>&1 </dev/null && log "  -> exit 0" || log "  -> exit $?"
    sleep 1
}
client_stdin() {  # NAME STDIN-TEXT CMD...
    local name=$1 text=$2; shift 2
    log "client $name: $*"
    { printf "$text"; sleep 2; } | in_ns c "$@" >"$TMP/cl-$name.log" 2>&1 && log "  -> exit 0" || log "  -> exit $?"
    sleep 1
}

# ---------------------------------------------------------------- scenarios
# 1. A box that drops the first segment of a ClientHello when that segment is
#    large (iptables u32 + length), behind an MSS-clamping router (TCPMSS 1200).
#    Server gnutls-serv; clients openssl s_client: default groups (small
#    ClientHello, ok), then ffdhe8192 key share + 253-char SNI (~1.6 KB, 2 segments).
sc_chd_v4_first() {
    topo_direct v4only
    in_ns r iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1200
    in_ns r iptables -A FORWARD -p tcp --dport 443 -m length --length 1000:65535 \
        -m u32 --u32 "0>>22&0x3C@12>>26&0x3C@0>>24=0x16 && 0>>22&0x3C@12>>26&0x3C@5>>24=0x01" -j DROP
    srv_gnutls
    captures chd-v4-first
    client_stdin ok "$REQ" timeout 8 openssl s_client -connect 203.0.113.20:443 -servername www.heldout.example -quiet
    client_stdin big "$REQ" timeout 8 openssl s_client -connect 203.0.113.20:443 -servername "$LONGSNI" -groups ffdhe8192:x25519 -quiet
    sleep 1
    stop_captures chd-v4-first
    teardown
}

# 2. IPv6: a box that drops TCP segments to port 443 whose payload does not
#    begin a TLS record (the continuation of a multi-segment ClientHello),
#    as a classic-BPF program in ip6tables (xt_bpf).  Server haproxy; clients
#    python ssl: plain (ok), then 10 made-up 200-byte ALPN names + long SNI.
sc_chd_v6_cont() {
    topo_direct
    local f='ip6 and tcp dst port 443 and (ip6[40 + ((ip6[52] & 0xf0) >> 2)] < 0x14 or ip6[40 + ((ip6[52] & 0xf0) >> 2)] > 0x17)'
    in_ns r ip6tables -A FORWARD -m bpf --bytecode "$("$PY" "$TOOLS/bpfgen.py" "$f")" -j DROP
    srv_haproxy "[2001:db8:5::20]:443"
    captures chd-v6-cont
    client ok "$PY" "$TOOLS/tlsclient.py" 2001:db8:5::20 443 www.heldout.example --timeout 8
    client big "$PY" "$TOOLS/tlsclient.py" 2001:db8:5::20 443 "$LONGSNI" --alpn-names 10 --alpn-len 200 --timeout 8
    sleep 1
    stop_captures chd-v6-cont
    teardown
}

# 3. Ambiguous on purpose: the continuation of a multi-segment ClientHello is
#    dropped (iptables u32: payload to 443 not starting with a TLS record
#    type), and the client gives up after 0.15 s, having retransmitted once,
#    with a reset (SO_LINGER 0), so no later retransmission shows.  Server
#    openssl s_server -www; clients: gnutls-cli (ok), then python ssl with 14
#    made-up 200-byte ALPN names + long SNI (~3.6 KB, three segments).
sc_chd_v4_quick() {
    topo_direct v4only
    in_ns r iptables -A FORWARD -p tcp --dport 443 \
        -m u32 --u32 "0>>22&0x3C@12>>26&0x3C@0>>24=0x00:0x13,0x18:0xFF" -j DROP
    srv_openssl
    captures chd-v4-quick
    client_stdin ok "$REQ" timeout 8 gnutls-cli --insecure --sni-hostname www.heldout.example -p 443 203.0.113.20
    client big "$PY" "$TOOLS/tlsclient.py" 203.0.113.20 443 "$LONGSNI" --alpn-names 14 --alpn-len 200 --timeout 0.15 --abort
    stop_captures chd-v4-quick
    teardown
}

# 4. IPv6 path-MTU black hole, server to client: the router-to-router link
#    has MTU 1280, the server's side 1500, and router 2 (which would send the
#    ICMPv6 packet-too-big to the server) drops its own PTBs (ip6tables
#    OUTPUT).  Server lighttpd; client wget: a small file (ok), a 48 KB file.
sc_pmtu_v6_down() {
    topo_2routers 1280
    in_ns r2 ip6tables -A OUTPUT -p icmpv6 --icmpv6-type packet-too-big -j DROP
    srv_lighttpd "[2001:db8:5::20]"
    captures pmtu-v6-down
    client ok wget -q --no-check-certificate --tries=1 --timeout=8 -O /dev/null "https://[2001:db8:5::20]/small.txt"
    client big wget -q --no-check-certificate --tries=1 --timeout=6 -O /dev/null "https://[2001:db8:5::20]/big.txt"
    sleep 1
    stop_captures pmtu-v6-down
    teardown
}

# 5. IPv4 path-MTU black hole, client to server (upload): the router-to-router
#    link has MTU 1400, router 1 drops its own ICMP fragmentation-needed
#    (iptables OUTPUT).  Server: a python ssl server reading a POST body;
#    client curl: 300-byte POST (ok), then 64 KB POST, given up after 6 s.
sc_pmtu_v4_up() {
    topo_2routers 1400 v4only
    in_ns r iptables -A OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP
    srv_python 203.0.113.20
    captures pmtu-v4-up
    client ok curl -sS -k --max-time 8 --data-binary @"$TMP/small-body" https://203.0.113.20/upload
    client big curl -sS -k --max-time 6 --data-binary @"$TMP/big-body" https://203.0.113.20/upload
    sleep 1
    stop_captures pmtu-v4-up
    teardown
}

# 6. IPv4 reset injection, odd TTL: a 20 ms (each way) user-space wire between
#    the router and the server; on the router the injector forges a RST to the
#    client for a ClientHello naming "blocked", TTL 47, random IP ID, no DF.
#    The ClientHello still reaches the server, whose real reply arrives ~40 ms
#    later.  Server openssl s_server -www; clients openssl s_client.
sc_rst_v4_odd() {
    topo_wire v4only 20
    bg r injector "$PY" -u "$TOOLS/injector.py" --cif r0 --sif r1 --block blocked --mode odd --ttl 47 --seconds 120
    sleep 0.5
    srv_openssl
    captures rst-v4-odd
    client_stdin ok "$REQ" timeout 8 openssl s_client -connect 203.0.113.20:443 -servername www.heldout.example -quiet
    client_stdin blocked "$REQ" timeout 8 openssl s_client -connect 203.0.113.20:443 -servername blocked.heldout.example -quiet
    sleep 1
    stop_captures rst-v4-odd
    teardown
}

# 7. IPv6 reset injection, cloned hop limit: as 6 over IPv6, but the forged RST
#    copies the hop limit of the server's packets as the client sees them;
#    the ClientHello still reaches the server.  Server gnutls-serv; clients gnutls-cli.
sc_rst_v6_clone() {
    topo_wire "" 20
    bg r injector "$PY" -u "$TOOLS/injector.py" --cif r0 --sif r1 --block blocked --mode clone --seconds 120
    sleep 0.5
    srv_gnutls
    captures rst-v6-clone
    client_stdin ok "$REQ" timeout 8 gnutls-cli --insecure --sni-hostname www.heldout.example -p 443 2001:db8:5::20
    client_stdin blocked "$REQ" timeout 8 gnutls-cli --insecure --sni-hostname blocked.heldout.example -p 443 2001:db8:5::20
    sleep 1
    stop_captures rst-v6-clone
    teardown
}

# 8. IPv4 reset injection that clones TTL and IP ID, and drops the
#    ClientHello (iptables string match on "blocked"), resetting both ends:
#    3 ms wire client-router, 20 ms wire router-server.  Only the timing shows
#    it at the client; the server sees a client that resets an idle
#    connection.  Server lighttpd; clients curl --resolve.
sc_rst_v4_clone_drop() {
    topo_wire2 v4only 3 20
    in_ns r iptables -A FORWARD -p tcp --dport 443 -m string --algo bm --string "blocked" -j DROP
    bg r injector "$PY" -u "$TOOLS/injector.py" --cif r0 --sif r1 --block blocked --mode clone --to-server --seconds 120
    sleep 0.5
    srv_lighttpd 203.0.113.20
    captures rst-v4-clone-drop
    client ok curl -sS -k --max-time 8 --resolve www.heldout.example:443:203.0.113.20 https://www.heldout.example/small.txt
    client blocked curl -sS -k --max-time 8 --resolve blocked.heldout.example:443:203.0.113.20 https://blocked.heldout.example/small.txt
    sleep 1
    stop_captures rst-v4-clone-drop
    teardown
}

for sc in ${*:-$ALL}; do
    log "scenario $sc"
    "sc_${sc//-/_}"
    for f in "$TMP"/*.log; do
        case $f in *cap-*) continue ;; esac
        sed "s|^|   [$(basename "$f" .log)] |" "$f" >&2
    done
    rm -f "$TMP"/*.log
done
ls -l "$OUT"/*.pcap >&2
