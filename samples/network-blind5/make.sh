#!/bin/bash
# Re-makes the fifth blind set of network captures, samples/network-blind5/:
# scenarios each in its own network namespaces (nb5-*), each captured at the
# client (NAME-client.pcap, on the client's interface) and at the server
# (NAME-server.pcap, on the server's interface).  Path-MTU black holes after the
# handshake (a download behind a masquerading router, an upload over IPv6 with
# the black hole in one direction only) and during it (an RSA-4096 chain from
# nginx behind a destination NAT); a ClientHello whose continuation is dropped
# only when its SNI matches, held back 5 s, or whose FIRST segment is dropped;
# TCP resets forged by an on-path censor reading the SNI (one copying the
# server's TTL, beating a 40 ms round trip and carrying a payload, one resetting
# both ends with wrong ACK numbers) and by a router's nftables `reject with tcp
# reset`.  Each with connections through the same path that work.  Stacks other
# than the earlier sets' (h2o, nginx behind NAT, python3 aiohttp and twisted, a
# perl IO::Socket::SSL server; aria2c, w3m, elinks, perl LWP, ruby net/http,
# httpie, php-curl, curl --http2 --tls-max 1.2), and TCP varied per scenario
# (tcp_early_retrans=0, tcp_recovery=0, tcp_frto=0, reno, NAT, IPv6 flow labels,
# a router rewriting the TTL to 64).
# Needs root.  Installs nothing; names the Debian packages missing.  Everything
# it creates (namespaces, processes, /etc/netns/nb5-c, temp files) goes away on
# any exit; nothing leaves the machine (documentation addresses, no route out,
# no DNS server).
# Usage: make.sh [SCENARIO...]   (default: all)
# Environment: OUT=dir (default: this directory)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE}
PY=/usr/bin/python3
P=nb5                      # namespace name prefix
ALL="pmtu-v4-down pmtu-v6-up pmtu-v4-hs chd-v4-sni chd-v6-hold chd-v4-first rst-v4-ttl rst-v6-both rst-v4-nft"
BODY=196608                # 192 KB: the download and the upload

# ---------------------------------------------------------------- prerequisites
[ "$(id -u)" = 0 ] || { echo "make.sh: needs root (network namespaces)" >&2; exit 1; }
missing=""
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need ip iproute2; need nft nftables; need tcpdump tcpdump; need ethtool ethtool
need openssl openssl; need h2o h2o; need nginx nginx; need twistd3 python3-twisted
need chromium chromium; need curl curl; need aria2c aria2; need w3m w3m; need elinks elinks
need ruby ruby; need http httpie; need php php-cli; need perl perl; need "$PY" python3
"$PY" -c 'import aiohttp' 2>/dev/null || missing="$missing python3-aiohttp"
php -r 'exit(function_exists("curl_init") ? 0 : 1);' 2>/dev/null || missing="$missing php-curl"
perl -MIO::Socket::SSL -MLWP::UserAgent -MLWP::Protocol::https -e1 2>/dev/null || missing="$missing libio-socket-ssl-perl liblwp-protocol-https-perl"
if [ -n "$missing" ]; then
    echo "make.sh: missing Debian packages:$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')" >&2
    echo "make.sh: apt-get install$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')" >&2
    exit 1
fi
[ -e /etc/netns/$P-c ] && { echo "make.sh: /etc/netns/$P-c exists already; remove it first" >&2; exit 1; }

TMP=$(mktemp -d /tmp/nb5.XXXXXX)
chmod 755 "$TMP"
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
# (the helpers of samples/network-blind/make.sh and network-blind2/make.sh)
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
    echo "make.sh: nothing listens on port $2 in $1" >&2; cat "$TMP"/*.log "$TMP"/apache/error.log >&2 2>/dev/null; return 1
}

capture() {  # NAME NS IF: tcpdump at one vantage into $OUT/NAME.pcap, whole packets
    local name=$1
    rm -f "$OUT/$name.pcap"
    bg "$2" "cap-$name" tcpdump -i "$3" --immediate-mode -s 0 -U -n -Z root -w "$OUT/$name.pcap"
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
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=www.blind5.example" \
    -addext "subjectAltName=DNS:www.blind5.example,DNS:blocked.blind5.example" \
    -keyout "$C/small.key" -out "$C/small.pem" 2>/dev/null
# chain: RSA-4096 root -> RSA-4096 intermediate -> RSA-4096 leaf big.blind5.example (leaf + intermediate sent)
openssl req -x509 -newkey rsa:4096 -nodes -days 30 -subj "/CN=Blind5 Root" -keyout "$C/root.key" -out "$C/root.pem" 2>/dev/null
openssl req -newkey rsa:4096 -nodes -subj "/CN=Blind5 Intermediate" -keyout "$C/int.key" -out "$C/int.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n' > "$C/int.ext"
openssl x509 -req -in "$C/int.csr" -CA "$C/root.pem" -CAkey "$C/root.key" -CAcreateserial -days 30 -extfile "$C/int.ext" -out "$C/int.pem" 2>/dev/null
openssl req -newkey rsa:4096 -nodes -subj "/CN=big.blind5.example" -keyout "$C/leaf.key" -out "$C/leaf.csr" 2>/dev/null
printf 'subjectAltName=DNS:big.blind5.example\n' > "$C/leaf.ext"
openssl x509 -req -in "$C/leaf.csr" -CA "$C/int.pem" -CAkey "$C/int.key" -CAcreateserial -days 30 -extfile "$C/leaf.ext" -out "$C/leaf.pem" 2>/dev/null
cat "$C/leaf.pem" "$C/int.pem" > "$C/chain.pem"
chmod -R a+rX "$C"

mkdir -p "$TMP/www"
echo "small blind5 page" > "$TMP/www/small.txt"
echo "blind5 index" > "$TMP/www/index.html"
head -c $BODY /dev/zero | tr '\0' 'h' > "$TMP/www/big.bin"
head -c 400 /dev/zero | tr '\0' 's' > "$TMP/small-body"
head -c $BODY /dev/zero | tr '\0' 'u' > "$TMP/big-body"
chmod -R a+rX "$TMP/www"
PY5="$PY $HERE/py5.py"
RB="ruby $HERE/rb5.rb"
PL="perl $HERE/pl5.pl"

# ---------------------------------------------------------------- topologies
# v4: client 198.51.100.10/24 (router .1), server 203.0.113.20/24 (router .1), 203.0.113.30 the
#     second address of rst-v4-nft; mid (two routers): 192.0.2.0/24 and 2001:db8:f::/64
# v6: client 2001:db8:c::10/64 (router ::1), server 2001:db8:5::20/64 (router ::1)
client_side() {
    addr c c0 198.51.100.10/24; addr c c0 2001:db8:c::10/64
    addr "$1" "$2" 198.51.100.1/24; addr "$1" "$2" 2001:db8:c::1/64
    route c default via 198.51.100.1
    in_ns c ip -6 route add default via 2001:db8:c::1 2>/dev/null || true
}
server_side() {  # ROUTER-NS IF [SERVER-ADDRESS]
    addr s s0 ${3:-203.0.113.20}/24; addr s s0 2001:db8:5::20/64
    addr "$1" "$2" 203.0.113.1/24; addr "$1" "$2" 2001:db8:5::1/64
    route s default via 203.0.113.1
    in_ns s ip -6 route add default via 2001:db8:5::1 2>/dev/null || true
}
names() {  # ADDRESS [BLOCKED-ADDRESS]
    mkdir -p /etc/netns/$P-c
    printf '127.0.0.1 localhost\n%s www.blind5.example big.blind5.example\n%s blocked.blind5.example\n' "$1" "${2:-$1}" \
        > /etc/netns/$P-c/hosts
    echo "nameserver 127.0.0.1" > /etc/netns/$P-c/resolv.conf
}
wire() {  # MS NS1 IF1 NS2 IF2 MTU [MODE ARG]: py5.py wire in namespace d (no addresses)
    ns d v4only
    link "$2" "$3" d w0 "$6"; link d w1 "$4" "$5" "$6"
    ip -n $P-d link set w0 promisc on; ip -n $P-d link set w1 promisc on
    bg d wire $PY5 wire w0 w1 "$1" ${7:-} ${8:-}
    local i; for i in $(seq 50); do grep -q wire "$TMP/wire.log" && return 0; sleep 0.1; done
    echo "make.sh: the wire did not start" >&2; return 1
}
topo_direct() {  # [v4only] [MS [MODE ARG]]: c --- r ---(wire)--- s ; the wire between c and r if MODE
    ns c "${1:-}"; ns r "${1:-}"; ns s "${1:-}"; router r
    if [ -n "${3:-}" ]; then wire "$2" c c0 r r0 "" "$3" "$4"; else link c c0 r r0; fi
    if [ -n "${2:-}" ] && [ -z "${3:-}" ]; then wire "$2" r r1 s s0 ""; else link r r1 s s0; fi
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
captures() { capture "$1-client" c c0; capture "$1-server" s s0; sleep 0.3; }
stop_captures() { stop_capture "$1-client"; stop_capture "$1-server"; }
tcp_set() { local n=$1; shift; in_ns "$n" sysctl -qw "$@"; }
masquerade() {  # NS IF: source NAT of everything leaving IF
    in_ns "$1" nft -f - <<NFT
table ip nat5 {
    chain post { type nat hook postrouting priority 100; oifname "$2" masquerade; }
}
NFT
}
ttl64() {  # NS: every forwarded IPv4 packet leaves with TTL 64 (and IPv6 with hop limit 64)
    in_ns "$1" nft -f - <<NFT
table inet ttl5 {
    chain fwd5 { type filter hook forward priority 10; ip ttl set 64; ip6 hoplimit set 64; }
}
NFT
}

# ---------------------------------------------------------------- servers
# h2o 2.2 (its bundled picotls / OpenSSL): files, ECDSA
srv_h2o() {
    mkdir -p "$TMP/h2o"
    cat > "$TMP/h2o/h2o.conf" <<H2O
user: nobody
listen:
  port: 443
  ssl:
    certificate-file: $C/small.pem
    key-file: $C/small.key
    ocsp-update-interval: 0
hosts:
  default:
    paths:
      /:
        file.dir: $TMP/www
H2O
    bg s srv-h2o h2o -c "$TMP/h2o/h2o.conf"; wait_listen s 443
}
# nginx: www (ECDSA) and big (the RSA-4096 chain) by SNI, HTTP/1.1
srv_nginx() {
    mkdir -p "$TMP/nginx"
    cat > "$TMP/nginx/nginx.conf" <<NGX
daemon off;
master_process off;
pid $TMP/nginx/pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $TMP/nginx; proxy_temp_path $TMP/nginx; fastcgi_temp_path $TMP/nginx;
    uwsgi_temp_path $TMP/nginx; scgi_temp_path $TMP/nginx;
    server { listen 443 ssl; listen [::]:443 ssl; server_name www.blind5.example blocked.blind5.example;
             ssl_certificate $C/small.pem; ssl_certificate_key $C/small.key; root $TMP/www; }
    server { listen 443 ssl; listen [::]:443 ssl; server_name big.blind5.example;
             ssl_certificate $C/chain.pem; ssl_certificate_key $C/leaf.key; root $TMP/www; }
}
NGX
    bg s srv-nginx nginx -c "$TMP/nginx/nginx.conf"; wait_listen s 443
}
srv_aiohttp() { bg s srv-aiohttp $PY5 aioserver "$C/small.pem" "$C/small.key" "$TMP/www"; wait_listen s 443; }
# twisted web (twistd web, pyOpenSSL): files, ECDSA, IPv4 and IPv6
srv_twisted() {
    bg s srv-twisted sh -c "cd $TMP && exec twistd3 -n --pidfile= web --path $TMP/www \
        --listen 'ssl:443:interface=\:\::privateKey=$C/small.key:certKey=$C/small.pem'"
    wait_listen s 443
}
srv_perl() { bg s srv-perl $PL server "$C/small.pem" "$C/small.key" "$TMP/www"; wait_listen s 443; }

# ---------------------------------------------------------------- clients
client() {  # NAME CMD...
    local name=$1; shift
    log "client $name: $*"
    in_ns c "$@" >"$TMP/cl-$name.log" 2>&1 </dev/null && log "  -> exit 0" || log "  -> exit $?"
    sleep 1
}
aria() { local name=$1 url=$2; shift 2
    client "$name" aria2c --check-certificate=false --timeout=5 --connect-timeout=5 --max-tries=1 --allow-overwrite=true \
        -d "$TMP" -o "aria-$name" "$@" "$url"; }
curl12() { local name=$1 url=$2 t=$3; shift 3
    client "$name" curl -sS -k --http2 --tls-max 1.2 --max-time "$t" -o /dev/null "$@" "$url"; }
w3mget() { client "$1" timeout -s KILL "$3" w3m -o ssl_verify_server=0 -dump "$2"; }
elget() { client "$1" timeout -s KILL "$3" elinks -no-home -dump -eval 'set connection.ssl.cert_verify = 0' "$2"; }
phpget() {  # NAME URL TIMEOUT [POST-BYTES]
    client "$1" php -r '$c = curl_init($argv[1]); curl_setopt_array($c, [CURLOPT_SSL_VERIFYPEER => 0,
        CURLOPT_SSL_VERIFYHOST => 0, CURLOPT_TIMEOUT => (int)$argv[2], CURLOPT_RETURNTRANSFER => 1]);
        if (isset($argv[3])) { curl_setopt($c, CURLOPT_POSTFIELDS, str_repeat("p", (int)$argv[3])); }
        $r = curl_exec($c); if ($r === false) { echo curl_error($c), "\n"; exit(1); } echo strlen($r), " bytes\n";' \
        "$2" "$3" ${4:-}
}
httpie() { local name=$1; shift; client "$name" timeout -s KILL 10 http --ignore-stdin --verify=no --timeout 5 -b "$@"; }
chromium_get() {  # NAME URL ADDRESS [SECS]
    local name=$1 url=$2 a=$3
    case $a in *:*) a="[$a]" ;; esac
    client "$name" timeout -s KILL "${4:-6}" chromium --headless --no-sandbox --disable-gpu --ignore-certificate-errors \
        --user-data-dir="$TMP/chromium-$name" --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --disable-default-apps --disable-extensions \
        --host-resolver-rules="MAP www.blind5.example $a, MAP big.blind5.example $a, MAP blocked.blind5.example $a, MAP * ~NOTFOUND" \
        --dump-dom "$url"
}

# ---------------------------------------------------------------- filters
icmp_drop() {  # NS: the router drops its own frag-needed / packet-too-big
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
# before a filter is lifted the ends forget the stalled connections silently (ss -K, resets dropped)
forget_stalled() {
    local n
    sleep 1
    for n in c s; do
        in_ns $n nft -f - <<NFT
table inet quiet {
    chain out { type filter hook output priority 0; tcp flags & rst == rst drop; }
}
NFT
        in_ns $n ss -K -t '( sport = :443 or dport = :443 )' >/dev/null 2>&1 || true
        in_ns $n nft delete table inet quiet
    done
}
censor_on() {  # MODE
    bg r censor $PY5 inject r0 blocked.blind5.example "$1"
    local i; for i in $(seq 50); do grep -q injector "$TMP/censor.log" && return 0; sleep 0.1; done
    echo "make.sh: the injector did not start" >&2; cat "$TMP/censor.log" >&2; return 1
}

wire_plain() {  # MS: the wire restarted without its filter (after the stalled connections are forgotten)
    forget_stalled; stop wire; rm -f "$TMP/wire.log"
    bg d wire $PY5 wire w0 w1 "$1"
    local i; for i in $(seq 50); do grep -q wire "$TMP/wire.log" 2>/dev/null && return 0; sleep 0.1; done
}

# ---------------------------------------------------------------- scenarios
# 1. IPv4 download black hole behind a masquerading router: c - r(NAT) =1280= r2 - s; r2 drops
#    its own frag-needed.  h2o; server reno, tcp_early_retrans=0 (no tail-loss probe),
#    tcp_recovery=0 (no RACK).  aria2c small (ok), curl --http2 --tls-max 1.2 192 KB (fails),
#    ruby net/http 192 KB (fails); ICMP allowed: aria2c 192 KB (ok).
sc_pmtu_v4_down() {
    topo_2routers 1280 v4only
    masquerade r r1
    tcp_set s net.ipv4.tcp_early_retrans=0 net.ipv4.tcp_recovery=0 net.ipv4.tcp_congestion_control=reno
    icmp_drop r2
    srv_h2o
    captures pmtu-v4-down
    aria small https://www.blind5.example/small.txt -x1 -s1
    curl12 big https://www.blind5.example/big.bin 6
    client big-ruby $RB get https://www.blind5.example/big.bin 5
    icmp_allow r2
    aria big-pmtud https://www.blind5.example/big.bin -x1 -s1
    sleep 1
    stop_captures pmtu-v4-down
    teardown
}

# 2. IPv6 upload black hole in one direction only: c - r =1400= r2 - s; r drops its own
#    packet-too-big (toward the client), r2 still sends its own (toward the server).  aiohttp;
#    client reno, tcp_frto=0, flow labels always on (auto_flowlabels=2), server flowlabel_reflect.
#    httpie 400-byte POST (ok), php-curl 192 KB POST (fails), perl LWP 192 KB POST (fails);
#    PTB allowed: ruby net/http 192 KB POST (ok).
sc_pmtu_v6_up() {
    topo_2routers 1400
    tcp_set c net.ipv4.tcp_congestion_control=reno net.ipv4.tcp_frto=0 net.ipv6.auto_flowlabels=2
    tcp_set s net.ipv6.flowlabel_reflect=1
    icmp_drop r
    srv_aiohttp
    captures pmtu-v6-up
    httpie small --raw "$(cat "$TMP/small-body")" POST https://www.blind5.example/upload
    phpget big https://www.blind5.example/upload 5 $BODY
    client big-perl timeout -s KILL 10 $PL post https://www.blind5.example/upload $BODY 5
    icmp_allow r
    client big-pmtud $RB post https://www.blind5.example/upload $BODY 8
    sleep 1
    stop_captures pmtu-v6-up
    teardown
}

# 3. IPv4 black hole DURING the handshake, nginx behind a destination NAT: c - r(TTL set 64)
#    =1280= r2(DNAT 192.0.2.80 -> 203.0.113.20) - s; r2 and r drop their own frag-needed (r
#    too, or the client learns the path's MTU from its first full-size segment and then offers MSS 1240).  nginx: big
#    gets the RSA-4096 leaf + intermediate, www the ECDSA certificate.  Server tcp_early_retrans=0.
#    Clients with one-segment ClientHellos.  elinks www (ok), w3m big (fails), ruby net/http big
#    (fails); ICMP allowed: curl --http2 --tls-max 1.2 big (ok).
sc_pmtu_v4_hs() {
    topo_2routers 1280 v4only
    addr r2 q0 192.0.2.80/24
    in_ns r2 nft -f - <<NFT
table ip dnat5 {
    chain pre { type nat hook prerouting priority -100; ip daddr 192.0.2.80 tcp dport 443 dnat to 203.0.113.20; }
}
NFT
    names 192.0.2.80
    ttl64 r
    tcp_set s net.ipv4.tcp_early_retrans=0
    icmp_drop r2; icmp_drop r
    srv_nginx
    captures pmtu-v4-hs
    elget small https://www.blind5.example/small.txt 5
    w3mget big https://big.blind5.example/small.txt 6
    client big-ruby $RB get https://big.blind5.example/small.txt 5
    icmp_allow r2; in_ns r nft delete table inet blackhole
    curl12 big-pmtud https://big.blind5.example/small.txt 8
    sleep 1
    stop_captures pmtu-v4-hs
    teardown
}

# 4. IPv4, a ClientHello's continuation dropped only when it or the first segment carries the SNI
#    blocked.blind5.example (chromium may put the SNI after its key share, in the continuation): c
#    -(wire: the filter)- r(TTL set 64) - s.  twisted web.  Client tcp_recovery=0.  curl --http2
#    --tls-max 1.2 blocked (one-segment ClientHello: ok), chromium www (two segments, other
#    SNI: ok), chromium blocked (fails), ruby ffdhe8192 + ALPN blocked (fails); filter lifted:
#    chromium blocked (ok).
sc_chd_v4_sni() {
    topo_direct v4only 0 sni blocked.blind5.example
    ttl64 r
    tcp_set c net.ipv4.tcp_recovery=0
    srv_twisted
    captures chd-v4-sni
    curl12 small https://blocked.blind5.example/small.txt 5
    chromium_get www-chromium https://www.blind5.example/small.txt 203.0.113.20
    chromium_get big https://blocked.blind5.example/small.txt 203.0.113.20
    client big-ruby $RB hello blocked.blind5.example 443 blocked.blind5.example 5
    wire_plain 0
    chromium_get big-nofilter https://blocked.blind5.example/small.txt 203.0.113.20
    sleep 1
    stop_captures chd-v4-sni
    teardown
}

# 5. IPv6, the continuation HELD 5 s (every copy): c -(wire: hold 5)- r - s.  A perl
#    IO::Socket::SSL server.  Client and server reno, tcp_early_retrans=0.  w3m (small: ok),
#    chromium killed at 3 s (fails), ruby ffdhe8192 + ALPN with a 2 s timeout (fails), the same
#    with 10 s (completes late); wire without the hold: ruby (ok).
sc_chd_v6_hold() {
    topo_direct "" 0 hold 5
    tcp_set c net.ipv4.tcp_congestion_control=reno net.ipv4.tcp_early_retrans=0
    tcp_set s net.ipv4.tcp_congestion_control=reno
    srv_perl
    captures chd-v6-hold
    w3mget small https://www.blind5.example/small.txt 5
    chromium_get big https://www.blind5.example/small.txt 2001:db8:5::20 3
    client big-ruby $RB hello www.blind5.example 443 www.blind5.example 2
    client late-ruby $RB hello www.blind5.example 443 www.blind5.example 10
    wire_plain 0
    client big-nofilter $RB hello www.blind5.example 443 www.blind5.example 5
    sleep 1
    stop_captures chd-v6-hold
    teardown
}

# 6. IPv4, the FIRST ClientHello segment dropped at a masquerading router: c - r(NAT) - s; r
#    drops a client segment to 443 starting a handshake record in a packet of 1000 bytes or more.
#    h2o; client reno, tcp_frto=0.  aria2c (ok), chromium (fails), ruby ffdhe8192 + ALPN (fails);
#    rule removed: chromium (ok).
sc_chd_v4_first() {
    topo_direct v4only
    masquerade r r1
    tcp_set c net.ipv4.tcp_congestion_control=reno net.ipv4.tcp_frto=0
    in_ns r nft -f - <<NFT
table inet chd {
    chain cont { type filter hook forward priority 0; tcp dport 443 meta length >= 1000 @ih,0,8 0x16 drop; }
}
NFT
    srv_h2o
    captures chd-v4-first
    aria small https://www.blind5.example/small.txt -x1 -s1
    chromium_get big https://www.blind5.example/small.txt 203.0.113.20
    client big-ruby $RB hello www.blind5.example 443 www.blind5.example 5
    forget_stalled; in_ns r nft delete table inet chd
    chromium_get big-nofilter https://www.blind5.example/small.txt 203.0.113.20
    sleep 1
    stop_captures chd-v4-first
    teardown
}

# 7. IPv4 reset injection copying the server's TTL, with a payload: c - r(TTL set 64) -(40 ms)-
#    s; the censor on r forges a RST+ACK to the client at once with the TTL (64) the server's
#    SYN-ACK had leaving r, carrying 40 bytes ("HTTP/1.1 403 ...").  nginx; server reno.  aria2c
#    www (ok), curl --http2 --tls-max 1.2 blocked (fails), w3m blocked (fails), perl LWP www
#    192 KB (ok); censor stopped: elinks blocked (ok).
sc_rst_v4_ttl() {
    topo_direct v4only 40
    ttl64 r
    tcp_set s net.ipv4.tcp_congestion_control=reno
    srv_nginx
    censor_on ttlpay
    captures rst-v4-ttl
    aria small https://www.blind5.example/small.txt -x1 -s1
    curl12 blocked https://blocked.blind5.example/small.txt 5
    w3mget blocked-w3m https://blocked.blind5.example/small.txt 5
    client big-perl timeout -s KILL 12 $PL get https://www.blind5.example/big.bin 8
    stop censor
    elget blocked-off https://blocked.blind5.example/small.txt 5
    sleep 1
    stop_captures rst-v4-ttl
    teardown
}

# 8. IPv6 reset injection both ways with wrong ACK numbers: c - r -(20 ms)- s; RST+ACK to each end
#    (hop limit 64, the real packets have 63).  aiohttp; server tcp_recovery=0, tcp_early_retrans=0;
#    client flow labels always on.  php-curl www (ok), ruby blocked (fails), httpie blocked
#    (fails); censor stopped: php-curl blocked (ok).
sc_rst_v6_both() {
    topo_direct "" 20
    tcp_set s net.ipv4.tcp_recovery=0 net.ipv4.tcp_early_retrans=0
    tcp_set c net.ipv6.auto_flowlabels=2
    srv_aiohttp
    censor_on both
    captures rst-v6-both
    phpget small https://www.blind5.example/small.txt 5
    client blocked $RB get https://blocked.blind5.example/small.txt 5
    httpie blocked-httpie GET https://blocked.blind5.example/small.txt
    stop censor
    phpget blocked-off https://blocked.blind5.example/small.txt 5
    sleep 1
    stop_captures rst-v6-both
    teardown
}

# 9. IPv4 router reset by address: c - r - s; blocked is the server's second address
#    203.0.113.30, r's nftables rejects a handshake record to it with `reject with tcp reset`.
#    h2o; client reno, tcp_frto=0.  elinks www (ok), aria2c blocked (fails), php-curl blocked
#    (fails); rule removed: curl --http2 --tls-max 1.2 blocked (ok).
sc_rst_v4_nft() {
    topo_direct v4only
    addr s s0 203.0.113.30/24
    names 203.0.113.20 203.0.113.30
    tcp_set c net.ipv4.tcp_congestion_control=reno net.ipv4.tcp_frto=0
    in_ns r nft -f - <<NFT
table ip censor {
    chain fwd5 { type filter hook forward priority 0; ip daddr 203.0.113.30 tcp dport 443 @ih,0,8 0x16 reject with tcp reset; }
}
NFT
    srv_h2o
    captures rst-v4-nft
    elget small https://www.blind5.example/small.txt 5
    aria blocked https://blocked.blind5.example/small.txt -x1 -s1
    phpget blocked-php https://blocked.blind5.example/small.txt 5
    forget_stalled
    in_ns r nft delete table ip censor
    curl12 blocked-off https://blocked.blind5.example/small.txt 5
    sleep 1
    stop_captures rst-v4-nft
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
