#!/bin/bash
# Re-makes the blind network captures of samples/network-blind/: six scenarios,
# each in its own set of network namespaces, each captured at the client
# (NAME-client.pcap, on the client's interface) and at the server
# (NAME-server.pcap, on the server's interface).  Path-MTU black holes after
# the handshake (downloads and uploads, IPv4 and IPv6) and a ClientHello whose
# FIRST segment is dropped, each with connections through the same path that
# work.  Needs root.  Installs nothing; names the Debian packages missing.
# Everything it creates (namespaces, processes, temp files) goes away on any
# exit.  Usage: make.sh [SCENARIO...]   (default: all)
# Environment: OUT=dir (default: this directory), PY=python3
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE}
PY=${PY:-/usr/bin/python3}
P=nb1                      # namespace name prefix
ALL="pmtu-v4-down pmtu-v6-down pmtu-v4-up pmtu-v6-up chd-v4-first chd-v6-first"
BODY=196608                # 192 KB: the download and the upload

# ---------------------------------------------------------------- prerequisites
[ "$(id -u)" = 0 ] || { echo "make.sh: needs root (network namespaces)" >&2; exit 1; }
missing=""
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need ip iproute2; need nft nftables; need tcpdump tcpdump; need ethtool ethtool
need openssl openssl; need gnutls-cli gnutls-bin; need nginx nginx; need lighttpd lighttpd
need curl curl; need wget wget; need "$PY" python3
[ -e /usr/lib/lighttpd/mod_openssl.so ] || missing="$missing lighttpd-mod-openssl"
if [ -n "$missing" ]; then
    echo "make.sh: missing Debian packages:$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')" >&2
    echo "make.sh: apt-get install$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')" >&2
    exit 1
fi

TMP=$(mktemp -d /tmp/nb1.XXXXXX)
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
    -subj "/CN=www.blind.example" \
    -addext "subjectAltName=DNS:www.blind.example,DNS:*.blind.example,IP:203.0.113.20,IP:2001:db8:5::20" \
    -keyout "$KEY" -out "$CERT" 2>/dev/null
mkdir -p "$TMP/www"
echo "small blind page" > "$TMP/www/small.txt"
head -c $BODY /dev/zero | tr '\0' 'd' > "$TMP/www/big.bin"
head -c 400 /dev/zero | tr '\0' 's' > "$TMP/small-body"
head -c $BODY /dev/zero | tr '\0' 'u' > "$TMP/big-body"
# a 253-character server name (four labels of 63): with an ffdhe8192 key share
# (1024 bytes, standing in for a post-quantum hybrid, which this OpenSSL 3.0 and
# GnuTLS 3.7 lack) the ClientHello is ~1.6 KB, two segments
L63=$(printf 'q%.0s' $(seq 62))
LONGSNI="a$L63.b$L63.c$L63.blind-long-sni.example"
LONGSNI=${LONGSNI:0:253}
GET_SMALL='GET /small.txt HTTP/1.0\r\nHost: www.blind.example\r\n\r\n'
GET_BIG='GET /big.bin HTTP/1.0\r\nHost: www.blind.example\r\n\r\n'

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

# ---------------------------------------------------------------- servers, clients
# nginx (OpenSSL): static files, and /upload proxied to a local plain-HTTP
# server block; nginx buffers the whole request body before it proxies, so an
# upload that never completes gets no answer
srv_nginx() {
    mkdir -p "$TMP/nginx"
    local six="listen [::]:443 ssl;"
    [ "$(in_ns s sysctl -n net.ipv6.conf.all.disable_ipv6)" = 1 ] && six=""
    cat > "$TMP/nginx.conf" <<NGX
user root;
worker_processes 1;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $TMP/nginx/body; proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fcgi; uwsgi_temp_path $TMP/nginx/uwsgi; scgi_temp_path $TMP/nginx/scgi;
    server {
        listen 443 ssl; $six
        ssl_certificate $CERT; ssl_certificate_key $KEY;
        ssl_ecdh_curve X25519:prime256v1:secp384r1:ffdhe2048:ffdhe8192;
        root $TMP/www;
        location /upload { client_max_body_size 1m; proxy_pass http://127.0.0.1:8080; }
    }
    server { listen 127.0.0.1:8080; location / { return 200 "received\n"; } }
}
NGX
    bg s srv-nginx nginx -c "$TMP/nginx.conf"; wait_listen s 443
}
srv_lighttpd() {  # ADDRESS (v4 or [v6])
    cat > "$TMP/lighttpd.conf" <<LTP
server.document-root = "$TMP/www"
server.bind = "$1"
server.port = 443
server.modules = ( "mod_openssl" )
server.errorlog = "$TMP/lighttpd-error.log"
ssl.engine = "enable"
ssl.pemfile = "$CERT"
ssl.privkey = "$KEY"
mimetype.assign = ( ".txt" => "text/plain" )
LTP
    bg s srv-lighttpd lighttpd -D -f "$TMP/lighttpd.conf"; wait_listen s 443
}

client() {  # NAME CMD...: run a client in the client namespace, keep its output
    local name=$1; shift
    log "client $name: $*"
    in_ns c "$@" >"$TMP/cl-$name.log" 2>&1 </dev/null && log "  -> exit 0" || log "  -> exit $?"
    sleep 1
}
client_stdin() {  # NAME SECONDS STDIN-TEXT CMD...: the text, then stdin held open SECONDS
    local name=$1 hold=$2 text=$3; shift 3
    log "client $name: $*"
    { printf "$text"; sleep "$hold"; } | in_ns c "$@" >"$TMP/cl-$name.log" 2>&1 && log "  -> exit 0" || log "  -> exit $?"
    sleep 1
}
gnutls() {  # HOST [OPTIONS...]: gnutls-cli to port 443, given up after 5 s
    local h=$1; shift
    echo timeout 5 gnutls-cli --insecure -p 443 "$@" "$h"
}

# path-MTU filters (nftables), on the router that would send the ICMP:
# its own "fragmentation needed" / "packet too big" never leave it
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

# Before a filter is lifted, the client and the server forget the stalled
# connections of the clients that gave up, silently (ss -K with the resets it
# would send dropped), as their kernels would after their retries ran out.
# Without this the retransmissions still queued would get through once the
# filter is gone and finish the failed connections long after the client had
# given up, which is an artefact of lifting the filter, not of the failure.
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

# ---------------------------------------------------------------- scenarios
# 1. IPv4 download black hole: c - r =1280= r2 - s; r2 drops its own ICMP
#    fragmentation-needed, so nginx's full-size (1500-byte, DF) segments of a
#    192 KB body die at r2 after a handshake that went through.  Clients: curl
#    small file (ok), curl big (fails), wget big (GnuTLS; fails); then the ICMP
#    is allowed and curl's big download works by path-MTU discovery (ok).
sc_pmtu_v4_down() {
    topo_2routers 1280 v4only
    icmp_drop r2
    srv_nginx
    captures pmtu-v4-down
    client small curl -sS -k --max-time 5 -o /dev/null https://203.0.113.20/small.txt
    client big curl -sS -k --max-time 5 -o /dev/null https://203.0.113.20/big.bin
    client big-wget wget -q --no-check-certificate --tries=1 --timeout=5 -O /dev/null https://203.0.113.20/big.bin
    icmp_allow r2
    client big-pmtud curl -sS -k --max-time 8 -o /dev/null -w '%{size_download}\n' https://203.0.113.20/big.bin
    sleep 1
    stop_captures pmtu-v4-down
    teardown
}

# 2. IPv6 download black hole: c - r =1400= r2 - s; r2 drops its own ICMPv6
#    packet-too-big.  Server nginx; clients gnutls-cli (GnuTLS) small (ok),
#    gnutls-cli big (fails), curl big (fails); then PTB allowed, gnutls-cli big (ok).
sc_pmtu_v6_down() {
    topo_2routers 1400
    icmp_drop r2
    srv_nginx
    captures pmtu-v6-down
    client_stdin small 3 "$GET_SMALL" $(gnutls 2001:db8:5::20)
    client_stdin big 6 "$GET_BIG" $(gnutls 2001:db8:5::20)
    client big-curl curl -sS -k --max-time 5 -o /dev/null "https://[2001:db8:5::20]/big.bin"
    icmp_allow r2
    client_stdin big-pmtud 4 "$GET_BIG" $(gnutls 2001:db8:5::20)
    sleep 1
    stop_captures pmtu-v6-down
    teardown
}

# 3. IPv4 upload black hole: c - r =1280= r2 - s; r drops its own ICMP
#    fragmentation-needed, so the client's full-size segments of a 192 KB POST
#    die at r.  Server nginx (/upload); clients curl 400-byte POST (ok), curl
#    192 KB POST (fails), wget --post-file (GnuTLS; fails); then ICMP allowed,
#    curl 192 KB POST (ok).
sc_pmtu_v4_up() {
    topo_2routers 1280 v4only
    icmp_drop r
    srv_nginx
    captures pmtu-v4-up
    client small curl -sS -k --max-time 5 -H 'Expect:' --data-binary @"$TMP/small-body" https://203.0.113.20/upload
    client big curl -sS -k --max-time 5 -H 'Expect:' --data-binary @"$TMP/big-body" https://203.0.113.20/upload
    client big-wget wget -q --no-check-certificate --tries=1 --timeout=5 -O /dev/null --post-file="$TMP/big-body" https://203.0.113.20/upload
    icmp_allow r
    client big-pmtud curl -sS -k --max-time 8 -H 'Expect:' --data-binary @"$TMP/big-body" https://203.0.113.20/upload
    sleep 1
    stop_captures pmtu-v4-up
    teardown
}

# 4. IPv6 upload black hole: c - r =1400= r2 - s; r drops its own ICMPv6
#    packet-too-big.  Server nginx; clients curl small POST (ok), curl 192 KB
#    POST (fails); then PTB allowed, curl 192 KB POST (ok).
sc_pmtu_v6_up() {
    topo_2routers 1400
    icmp_drop r
    srv_nginx
    captures pmtu-v6-up
    client small curl -sS -k --max-time 5 -H 'Expect:' --data-binary @"$TMP/small-body" "https://[2001:db8:5::20]/upload"
    client big curl -sS -k --max-time 5 -H 'Expect:' --data-binary @"$TMP/big-body" "https://[2001:db8:5::20]/upload"
    icmp_allow r
    client big-pmtud curl -sS -k --max-time 8 -H 'Expect:' --data-binary @"$TMP/big-body" "https://[2001:db8:5::20]/upload"
    sleep 1
    stop_captures pmtu-v6-up
    teardown
}

# the ClientHello filter (nftables, on r): a segment to port 443 over 1000
# bytes whose payload starts a handshake record (0x16) carrying a ClientHello
# (handshake type 1 at payload byte 5) is dropped: the FIRST segment of a large
# ClientHello, and each of its retransmissions; later segments pass
chd_drop() {
    in_ns r nft -f - <<NFT
table inet chd {
    chain hello {
        type filter hook forward priority 0;
        tcp dport 443 meta length > 1000 @ih,0,8 0x16 @ih,40,8 0x01 drop
    }
}
NFT
}
chd_allow() { forget_stalled; in_ns r nft delete table inet chd; }

# 5. IPv4, first ClientHello segment dropped: c - r - s.  Server lighttpd
#    (nginx 1.22 here refuses a ClientHello that offers ffdhe8192 with a
#    handshake_failure alert even with no filter, so it cannot show an ok
#    counterpart; openssl s_server serves one connection at a time, and the
#    stalled ones block it); clients curl default (small ClientHello, ok), curl with
#    an ffdhe8192 key share + 253-character SNI (fails), gnutls-cli with
#    FFDHE8192 first + the same SNI (fails); then the filter is removed, the
#    big curl again (ok).
sc_chd_v4_first() {
    topo_direct v4only
    chd_drop
    srv_lighttpd 203.0.113.20
    captures chd-v4-first
    client small curl -sS -k --max-time 5 -o /dev/null https://203.0.113.20/small.txt
    client big curl -sS -k --max-time 5 -o /dev/null --curves ffdhe8192:x25519 \
        --resolve "$LONGSNI:443:203.0.113.20" "https://$LONGSNI/small.txt"
    client_stdin big-gnutls 6 "$GET_SMALL" $(gnutls 203.0.113.20 --sni-hostname "$LONGSNI" \
        --priority NORMAL:-GROUP-ALL:+GROUP-FFDHE8192:+GROUP-X25519)
    chd_allow
    client big-nofilter curl -sS -k --max-time 5 -o /dev/null --curves ffdhe8192:x25519 \
        --resolve "$LONGSNI:443:203.0.113.20" "https://$LONGSNI/small.txt"
    sleep 1
    stop_captures chd-v4-first
    teardown
}

# 6. IPv6, first ClientHello segment dropped: c - r - s.  Server lighttpd;
#    clients gnutls-cli default (ok), gnutls-cli with FFDHE8192 first + long
#    SNI (fails), curl ffdhe8192 + long SNI (fails); filter removed, gnutls-cli
#    big again (ok).
sc_chd_v6_first() {
    topo_direct
    chd_drop
    srv_lighttpd "[2001:db8:5::20]"
    captures chd-v6-first
    client_stdin small 3 "$GET_SMALL" $(gnutls 2001:db8:5::20 --sni-hostname www.blind.example)
    client_stdin big 6 "$GET_SMALL" $(gnutls 2001:db8:5::20 --sni-hostname "$LONGSNI" \
        --priority NORMAL:-GROUP-ALL:+GROUP-FFDHE8192:+GROUP-X25519)
    client big-curl curl -sS -k --max-time 5 -o /dev/null --curves ffdhe8192:x25519 \
        --resolve "$LONGSNI:443:[2001:db8:5::20]" "https://$LONGSNI/small.txt"
    chd_allow
    client_stdin big-nofilter 3 "$GET_SMALL" $(gnutls 2001:db8:5::20 --sni-hostname "$LONGSNI" \
        --priority NORMAL:-GROUP-ALL:+GROUP-FFDHE8192:+GROUP-X25519)
    sleep 1
    stop_captures chd-v6-first
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
