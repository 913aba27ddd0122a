#!/bin/bash
# Re-makes the fourth blind set of network captures, samples/network-blind4/:
# scenarios each in its own network namespaces (nb4-*), each captured at the
# client (NAME-client.pcap, on the client's interface) and at the server
# (NAME-server.pcap, on the server's interface).  Path-MTU black holes after
# the handshake (a download; an upload from a 9000-byte jumbo LAN through a
# 1500-byte link) and during it (an RSA-4096 chain on a 1280-byte IPv6 link and
# on a 1400-byte IPv4 link); a ClientHello whose second segment is dropped,
# whose second segment a wire holds back 4 s, or whose FIRST segment is
# dropped; TCP resets forged by an on-path censor that reads the SNI (copying
# the server's TTL and beating a 40 ms round trip; or both ways) and sent by a
# router's nftables `reject with tcp reset`.  Each with connections through the
# same path that work.  Stacks other than the first three sets': lighttpd with
# mod_gnutls / mod_mbedtls / mod_wolfssl, nginx (http2, ssl_buffer_size 4k), a
# python3 ssl server, socat; pycurl (libcurl on GnuTLS), wget2, python3
# http.client, node, ncat --ssl, socat, chromium.  TCP varied per scenario: BBR,
# ECN, window scaling off, small receive buffers, MTUs 1280/1400/9000, a wire
# that loses a few small frames.
# Needs root.  Installs nothing; names the Debian packages missing.  Everything
# it creates (namespaces, processes, /etc/netns/nb4-c, temp files) goes away on
# any exit; nothing leaves the machine (documentation addresses, no route out,
# no DNS server).
# Usage: make.sh [SCENARIO...]   (default: all)
# Environment: OUT=dir (default: this directory)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE}
PY=/usr/bin/python3
P=nb4                      # namespace name prefix
ALL="pmtu-v4-down pmtu-v4-jumbo pmtu-v6-hs pmtu-v4-hs chd-v4-second chd-v6-hold chd-v4-first rst-v4-ttl rst-v6-both rst-v4-nft"
BODY=196608                # 192 KB: the download and the upload

# ---------------------------------------------------------------- prerequisites
[ "$(id -u)" = 0 ] || { echo "make.sh: needs root (network namespaces)" >&2; exit 1; }
missing=""
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need ip iproute2; need nft nftables; need tcpdump tcpdump; need ethtool ethtool; need openssl openssl
need lighttpd lighttpd; need nginx nginx; need socat socat; need ncat ncat; need wget2 wget2
need node nodejs; need chromium chromium; need "$PY" python3
for m in gnutls mbedtls wolfssl; do [ -e /usr/lib/lighttpd/mod_$m.so ] || missing="$missing lighttpd-mod-$m"; done
"$PY" -c 'import pycurl' 2>/dev/null || missing="$missing python3-pycurl"
if [ -n "$missing" ]; then
    echo "make.sh: missing Debian packages:$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')" >&2
    echo "make.sh: apt-get install$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')" >&2
    exit 1
fi
[ -e /etc/netns/$P-c ] && { echo "make.sh: /etc/netns/$P-c exists already; remove it first" >&2; exit 1; }

TMP=$(mktemp -d /tmp/nb4.XXXXXX)
chmod 755 "$TMP"           # lighttpd and nginx workers (www-data) read the files under it
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
# (the helpers of samples/network-blind/make.sh and network-blind2/make.sh and network-blind3/make.sh)
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
    echo "make.sh: nothing listens on port $2 in $1" >&2; cat "$TMP"/*.log "$TMP"/nginx/error.log >&2 2>/dev/null; return 1
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
# small: ECDSA P-256, self-signed, www and blocked (for the censors)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=www.blind4.example" \
    -addext "subjectAltName=DNS:www.blind4.example,DNS:blocked.blind4.example" \
    -keyout "$C/small.key" -out "$C/small.pem" 2>/dev/null
# chain: RSA-4096 root -> RSA-4096 intermediate -> RSA-4096 leaf big; the server sends leaf +
# intermediate (about 2.9 KB of certificates, a 3.5 KB flight)
openssl req -x509 -newkey rsa:4096 -nodes -days 30 -subj "/CN=Blind4 Root" -keyout "$C/root.key" -out "$C/root.pem" 2>/dev/null
openssl req -newkey rsa:4096 -nodes -subj "/CN=Blind4 Intermediate" -keyout "$C/int.key" -out "$C/int.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n' > "$C/int.ext"
openssl x509 -req -in "$C/int.csr" -CA "$C/root.pem" -CAkey "$C/root.key" -CAcreateserial -days 30 -extfile "$C/int.ext" -out "$C/int.pem" 2>/dev/null
openssl req -newkey rsa:4096 -nodes -subj "/CN=big.blind4.example" -keyout "$C/leaf.key" -out "$C/leaf.csr" 2>/dev/null
printf 'subjectAltName=DNS:big.blind4.example\n' > "$C/leaf.ext"
openssl x509 -req -in "$C/leaf.csr" -CA "$C/int.pem" -CAkey "$C/int.key" -CAcreateserial -days 30 -extfile "$C/leaf.ext" -out "$C/leaf.pem" 2>/dev/null
cat "$C/leaf.pem" "$C/int.pem" > "$C/chain.pem"
cat "$C/small.pem" "$C/small.key" > "$C/small.both"
chmod -R a+rX "$C"

mkdir -p "$TMP/www"
echo "small blind4 page" > "$TMP/www/small.txt"
head -c $BODY /dev/zero | tr '\0' 'h' > "$TMP/www/big.bin"
head -c 400 /dev/zero | tr '\0' 's' > "$TMP/small-body"
head -c $BODY /dev/zero | tr '\0' 'u' > "$TMP/big-body"
chmod -R a+rX "$TMP/www"

PY4="$PY $HERE/py4.py"
NODE="node $HERE/nodecl.js"

# ---------------------------------------------------------------- topologies
# v4: client 198.51.100.10/24 (router .1), server 203.0.113.20/24 (router .1), and
#     203.0.113.30 for blocked.blind4.example in rst-v4-nft
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
# the client's names (ip netns exec mounts /etc/netns/nb4-c/* over /etc/*), no DNS server
names() {  # ADDRESS [BLOCKED-ADDRESS]
    mkdir -p /etc/netns/$P-c
    printf '127.0.0.1 localhost\n%s www.blind4.example big.blind4.example\n%s blocked.blind4.example\n' "$1" "${2:-$1}" \
        > /etc/netns/$P-c/hosts
    echo "nameserver 127.0.0.1" > /etc/netns/$P-c/resolv.conf
}
# a delaying wire (py4.py wire in namespace d, no addresses) between NS1:IF1 and NS2:IF2; LOSS: the
# fraction of frames under 200 bytes it drops; HOLD: seconds it holds a ClientHello's continuation
WIRE_ARGS=""
delay_wire() {  # MS NS1 IF1 NS2 IF2 [MTU] [LOSS] [HOLD]
    ns d v4only
    link "$2" "$3" d w0 "${6:-}"; link d w1 "$4" "$5" "${6:-}"
    ip -n $P-d link set w0 promisc on; ip -n $P-d link set w1 promisc on
    wire_start "$1" "${7:-0}" "${8:-0}"
}
wire_start() {  # MS LOSS HOLD
    bg d wire $PY4 wire w0 w1 "$1" "$2" "$3"
    local i; for i in $(seq 50); do grep -q "^wire" "$TMP/wire.log" && return 0; sleep 0.1; done
    echo "make.sh: the wire did not start" >&2; return 1
}
wire_restart() { cat "$TMP/wire.log" >> "$TMP/wire-before.log"; stop wire; wire_start "$@"; }
topo_direct() {  # c --- r --- s   [v4only] [DELAY-MS [LOSS [HOLD]]: a delaying wire between r and s]
    ns c "${1:-}"; ns r "${1:-}"; ns s "${1:-}"; router r
    link c c0 r r0
    if [ -n "${2:-}" ]; then delay_wire "$2" r r1 s s0 "" "${3:-0}" "${4:-0}"; else link r r1 s s0; fi
    client_side r r0; server_side r r1
    if [ "${1:-}" = v4only ]; then names 203.0.113.20; else names 2001:db8:5::20; fi
}
topo_2routers() {  # MTU [v4only] [DELAY-MS] [EDGE-MTU] [LOSS]:  c -[EDGE]- r --[MTU]-- r2 -[EDGE]- s
    ns c "${2:-}"; ns r "${2:-}"; ns r2 "${2:-}"; ns s "${2:-}"; router r; router r2
    link c c0 r r0 "${4:-}"
    if [ -n "${3:-}" ]; then delay_wire "$3" r r1 r2 q0 "$1" "${5:-0}"; else link r r1 r2 q0 "$1"; fi
    link r2 q1 s s0 "${4:-}"
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
tcp_set() {  # NS SYSCTL=VALUE...: TCP settings of one end
    local n=$1; shift
    in_ns "$n" sysctl -qw "$@"
}

# ---------------------------------------------------------------- servers
# lighttpd 1.4 with one of its TLS modules (mod_gnutls, mod_mbedtls, mod_wolfssl): files, v4 and v6
srv_lighttpd() {  # MODULE
    mkdir -p "$TMP/lighttpd"
    cat > "$TMP/lighttpd/lighttpd.conf" <<LTD
server.modules = ( "mod_$1" )
server.document-root = "$TMP/www"
server.port = 443
server.username = "www-data"
server.groupname = "www-data"
server.errorlog = "$TMP/lighttpd/error.log"
server.pid-file = "$TMP/lighttpd/pid"
mimetype.assign = ( ".txt" => "text/plain", ".bin" => "application/octet-stream" )
ssl.engine = "enable"
ssl.pemfile = "$C/small.pem"
ssl.privkey = "$C/small.key"
\$SERVER["socket"] == "[::]:443" { ssl.engine = "enable" }
LTD
    chown -R www-data "$TMP/lighttpd"
    bg s srv-lighttpd lighttpd -D -f "$TMP/lighttpd/lighttpd.conf"; wait_listen s 443
}
# nginx: http2, ssl_buffer_size 4k; www = ECDSA, big = the RSA-4096 chain (by SNI)
srv_nginx() {
    mkdir -p "$TMP/nginx"
    cat > "$TMP/nginx/nginx.conf" <<NGX
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    types { text/plain txt; application/octet-stream bin; }
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_buffer_size 4k;
    server {
        listen 443 ssl http2 default_server;
        listen [::]:443 ssl http2 default_server;
        server_name www.blind4.example blocked.blind4.example;
        ssl_certificate $C/small.pem;
        ssl_certificate_key $C/small.key;
        root $TMP/www;
    }
    server {
        listen 443 ssl http2;
        listen [::]:443 ssl http2;
        server_name big.blind4.example;
        ssl_certificate $C/chain.pem;
        ssl_certificate_key $C/leaf.key;
        root $TMP/www;
    }
}
NGX
    bg s srv-nginx nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -g 'daemon off;'; wait_listen s 443
}
# python3 ssl + http.server (py4.py server): files and POST; big.blind4.example gets the RSA-4096 chain
srv_py() {
    bg s srv-py $PY4 server 443 "$TMP/www" "$C/small.pem" "$C/small.key" big.blind4.example "$C/chain.pem" "$C/leaf.key"
    wait_listen s 443
}
# socat OPENSSL-LISTEN, a fork per connection answering one fixed page
srv_socat() {
    printf '#!/bin/sh\nread l\nprintf "HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nsmall blind4 page\\n"\nsleep 0.2\n' > "$TMP/page.sh"
    chmod 755 "$TMP/page.sh"
    bg s srv-socat socat OPENSSL-LISTEN:443,fork,reuseaddr,cert=$C/small.both,verify=0 EXEC:"$TMP/page.sh"
    wait_listen s 443
}

# ---------------------------------------------------------------- clients
client() {  # NAME CMD...: run a client in the client namespace, keep its output
    local name=$1; shift
    log "client $name: $*"
    in_ns c "$@" >"$TMP/cl-$name.log" 2>&1 </dev/null && log "  -> exit 0" || log "  -> exit $?"
    sleep 1
}
wget2_get() {  # NAME URL [wget2 options]
    local name=$1 url=$2; shift 2
    client "$name" wget2 -q -O /dev/null --no-check-certificate --no-ocsp --no-tcp-fastopen --tries=1 --timeout=5 \
        --max-threads=1 "$@" "$url"
}
# ncat --ssl / socat: a GET on stdin, the connection kept open SECS seconds, then killed
ncat_get() {  # NAME SECS HOST PATH
    local name=$1 secs=$2 host=$3 path=$4
    client "$name" timeout -s KILL "$secs" sh -c "(printf 'GET $path HTTP/1.0\r\nHost: $host\r\n\r\n'; sleep $secs) | \
        ncat --ssl --ssl-servername $host $host 443 >/dev/null"
}
socat_get() {  # NAME SECS HOST PATH
    local name=$1 secs=$2 host=$3 path=$4
    client "$name" timeout -s KILL "$secs" sh -c "(printf 'GET $path HTTP/1.0\r\nHost: $host\r\n\r\n'; sleep $secs) | \
        socat - OPENSSL:$host:443,verify=0,snihost=$host >/dev/null"
}
# headless chromium: its default ClientHello carries an X25519MLKEM768 key share (about
# 1.8 KB, two segments); names from --host-resolver-rules, nothing else resolved; killed after SECS
chromium_get() {  # NAME URL ADDRESS [SECS]
    local name=$1 url=$2 a=$3
    case $a in *:*) a="[$a]" ;; esac
    client "$name" timeout -s KILL "${4:-6}" chromium --headless --no-sandbox --disable-gpu --ignore-certificate-errors \
        --user-data-dir="$TMP/chromium-$name" --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --disable-default-apps --disable-extensions \
        --host-resolver-rules="MAP www.blind4.example $a, MAP big.blind4.example $a, MAP blocked.blind4.example $a, MAP * ~NOTFOUND" \
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
# retries ran out (samples/network-blind/README.md, "Re-making").
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

# the continuation filter (nftables forward, on r): a client segment to port 443 with a
# payload (IP packet over 80 bytes: a bare ACK is at most 72) whose first byte is no TLS
# record type (0x14-0x17) is dropped: the second segment of a ClientHello that spans two
# (these clients send nothing else that does not start a record).
# second: every copy;  stall N: the first N copies of each connection's (ct mark counts them)
chd_second() {  # [stall N]
    local rules="tcp dport 443 meta length > 80 @ih,0,8 != 0x14-0x17 drop"
    if [ "${1:-}" = stall ]; then
        rules=""
        local k
        for k in $(seq 0 $(($2 - 1))); do
            rules="$rules
        tcp dport 443 meta length > 80 @ih,0,8 != 0x14-0x17 ct mark $k ct mark set $((k + 1)) drop"
        done
    fi
    in_ns r nft -f - <<NFT
table inet chd {
    chain cont {
        type filter hook forward priority 0;
        $rules
    }
}
NFT
}
# the first-segment filter: a client segment to port 443 starting a handshake record
# (0x16) in a packet of 1000 bytes or more: the first segment of a ClientHello too big
# for one (single-segment ClientHellos here are under 600 bytes), and every copy of it
chd_first() {
    in_ns r nft -f - <<NFT
table inet chd {
    chain cont {
        type filter hook forward priority 0;
        tcp dport 443 meta length >= 1000 @ih,0,8 0x16 drop
    }
}
NFT
}
chd_allow() { forget_stalled; in_ns r nft delete table inet chd; }

# the censor: py4.py inject on r's client-facing interface
censor_on() {  # MODE
    bg r censor $PY4 inject r0 blocked.blind4.example "$1"
    local i; for i in $(seq 50); do grep -q injector "$TMP/censor.log" && return 0; sleep 0.1; done
    echo "make.sh: the injector did not start" >&2; cat "$TMP/censor.log" >&2; return 1
}
censor_off() { stop censor; }


# ---------------------------------------------------------------- scenarios
# 1. IPv4 download black hole: c - r =1400 (a wire losing 2% of small frames)= r2 - s;
#    r2 drops its own ICMP fragmentation-needed.  lighttpd + mod_gnutls.  Server BBR;
#    client ECN on and small receive buffers (tcp_rmem 4096 8192 16384: zero windows).
#    node small (ok), python3 http.client 192 KB (fails), wget2 192 KB (fails); ICMP
#    allowed: pycurl 192 KB (ok).
sc_pmtu_v4_down() {
    topo_2routers 1400 v4only 5 "" 0.02
    tcp_set s net.ipv4.tcp_congestion_control=bbr
    tcp_set c net.ipv4.tcp_ecn=1 net.ipv4.tcp_rmem="4096 8192 16384"
    icmp_drop r2
    srv_lighttpd gnutls
    captures pmtu-v4-down
    client small $NODE get https://www.blind4.example/small.txt 5000
    client big $PY4 get https://www.blind4.example/big.bin 5
    wget2_get big-wget2 https://www.blind4.example/big.bin
    icmp_allow r2
    client big-pmtud $PY4 curl https://www.blind4.example/big.bin 10
    sleep 1
    stop_captures pmtu-v4-down
    teardown
}

# 2. IPv4 upload black hole from a jumbo LAN: c =9000= r =1500= r2 =9000= s; both ends
#    offer MSS 8960, r drops its own ICMP fragmentation-needed, so the client's
#    full-size (8960-byte) segments die at r.  python3 ssl server (POST read and
#    counted).  Client BBR and ECN.  pycurl 400-byte POST (ok), pycurl 192 KB POST
#    (fails), node 192 KB POST (fails); ICMP allowed: python3 http.client 192 KB POST (ok).
sc_pmtu_v4_jumbo() {
    topo_2routers 1500 v4only "" 9000
    tcp_set c net.ipv4.tcp_congestion_control=bbr net.ipv4.tcp_ecn=1
    icmp_drop r
    srv_py
    captures pmtu-v4-jumbo
    client small $PY4 curl https://www.blind4.example/upload 5 400
    client big $PY4 curl https://www.blind4.example/upload 5 $BODY
    client big-node $NODE post https://www.blind4.example/upload 5000 $BODY
    icmp_allow r
    client big-pmtud $PY4 post https://www.blind4.example/upload $BODY 10
    sleep 1
    stop_captures pmtu-v4-jumbo
    teardown
}

# 3. IPv6 black hole DURING the handshake on a 1280-byte link: c - r =1280= r2 - s; r2
#    drops its own packet-too-big.  nginx (http2, ssl_buffer_size 4k), big = the RSA-4096
#    chain, www = ECDSA.  Client window scaling off; server ECN on.  ncat --ssl www (ok),
#    node big (fails), wget2 big (fails); PTB allowed: pycurl big (ok).
sc_pmtu_v6_hs() {
    topo_2routers 1280
    tcp_set c net.ipv4.tcp_window_scaling=0
    tcp_set s net.ipv4.tcp_ecn=1
    icmp_drop r2
    srv_nginx
    captures pmtu-v6-hs
    ncat_get small 3 www.blind4.example /small.txt
    client big $NODE get https://big.blind4.example/small.txt 5000
    wget2_get big-wget2 https://big.blind4.example/small.txt
    icmp_allow r2
    client big-pmtud $PY4 curl https://big.blind4.example/small.txt 8
    sleep 1
    stop_captures pmtu-v6-hs
    teardown
}

# 4. IPv4 black hole during the handshake on a 30 ms path that loses 2% of small frames:
#    c - r =1400 (30 ms wire)= r2 - s; r2 drops its own ICMP.  python3 ssl server (big =
#    the RSA-4096 chain by SNI).  Server BBR; client ECN.  wget2 www (ok), socat big
#    (fails), python3 http.client big (fails); ICMP allowed: node big (ok).
sc_pmtu_v4_hs() {
    topo_2routers 1400 v4only 30 "" 0.02
    tcp_set s net.ipv4.tcp_congestion_control=bbr
    tcp_set c net.ipv4.tcp_ecn=1
    icmp_drop r2
    srv_py
    captures pmtu-v4-hs
    wget2_get small https://www.blind4.example/small.txt
    socat_get big 5 big.blind4.example /small.txt
    client big-py $PY4 get https://big.blind4.example/small.txt 5
    icmp_allow r2
    client big-pmtud $NODE get https://big.blind4.example/small.txt 8000
    sleep 1
    stop_captures pmtu-v4-hs
    teardown
}

# 5. IPv4, second ClientHello segment dropped: c - r - s; r drops every copy of a
#    continuation.  lighttpd + mod_mbedtls.  Client window scaling off.  wget2 (one
#    segment: ok), chromium (fails), python3 http.client with 40 long ALPN names (fails);
#    filter removed: chromium (ok).
sc_chd_v4_second() {
    topo_direct v4only
    tcp_set c net.ipv4.tcp_window_scaling=0
    chd_second
    srv_lighttpd mbedtls
    captures chd-v4-second
    wget2_get small https://www.blind4.example/small.txt
    chromium_get big https://www.blind4.example/small.txt 203.0.113.20
    client big-py $PY4 get https://www.blind4.example/small.txt 5 long
    chd_allow
    chromium_get big-nofilter https://www.blind4.example/small.txt 203.0.113.20
    sleep 1
    stop_captures chd-v4-second
    teardown
}

# 6. IPv6, the continuation HELD BACK: c - r -(20 ms wire)- s; the wire holds every client
#    segment to 443 whose payload starts no TLS record 4 s (every copy: the first arrives
#    4 s late).  nginx.  Client BBR + ECN.  wget2 (ok), python3 http.client long ALPN
#    with a 2 s timeout, aborting with a RST (fails), chromium (patient: completes after
#    the stall); wire without hold: python3 long ALPN (ok).
sc_chd_v6_hold() {
    topo_direct "" 20 0 4
    tcp_set c net.ipv4.tcp_congestion_control=bbr net.ipv4.tcp_ecn=1
    srv_nginx
    captures chd-v6-hold
    wget2_get small https://www.blind4.example/small.txt
    client big-py $PY4 get https://www.blind4.example/small.txt 2 long
    sleep 4
    chromium_get big-chromium https://www.blind4.example/small.txt 2001:db8:5::20 9
    forget_stalled
    wire_restart 20 0 0
    client big-nofilter $PY4 get https://www.blind4.example/small.txt 5 long
    sleep 1
    stop_captures chd-v6-hold
    teardown
}

# 7. IPv4, the FIRST ClientHello segment dropped: c - r - s; r drops a client segment to
#    443 that starts a handshake record in a packet of 1000 bytes or more.  lighttpd +
#    mod_wolfssl.  Server ECN + BBR, client small receive buffers.  ncat --ssl (ok),
#    chromium (fails), python3 http.client long ALPN (fails); filter removed: python3
#    long ALPN (ok).
sc_chd_v4_first() {
    topo_direct v4only
    tcp_set s net.ipv4.tcp_congestion_control=bbr net.ipv4.tcp_ecn=1
    tcp_set c net.ipv4.tcp_rmem="4096 8192 16384"
    chd_first
    srv_lighttpd wolfssl
    captures chd-v4-first
    ncat_get small 3 www.blind4.example /small.txt
    chromium_get big https://www.blind4.example/small.txt 203.0.113.20
    client big-py $PY4 get https://www.blind4.example/small.txt 5 long
    chd_allow
    client big-nofilter $PY4 get https://www.blind4.example/small.txt 5 long
    sleep 1
    stop_captures chd-v4-first
    teardown
}

# 8. IPv4 reset injection copying the server's TTL: c - r -(40 ms wire, 2% small-frame
#    loss)- s; the censor on r forges a RST+ACK to the client with the TTL the server's
#    SYN-ACK had, at once.  lighttpd + mod_gnutls.  Client window scaling off.  pycurl www
#    (ok), wget2 blocked (fails), node blocked (fails), python3 http.client www 192 KB (ok);
#    censor stopped: socat blocked (ok).
sc_rst_v4_ttl() {
    topo_direct v4only 40 0.02
    tcp_set c net.ipv4.tcp_window_scaling=0
    srv_lighttpd gnutls
    censor_on ttl
    captures rst-v4-ttl
    client small $PY4 curl https://www.blind4.example/small.txt 5
    wget2_get blocked https://blocked.blind4.example/small.txt
    client blocked-node $NODE get https://blocked.blind4.example/small.txt 5000
    client small-py $PY4 get https://www.blind4.example/big.bin 10
    censor_off
    socat_get blocked-off 3 blocked.blind4.example /small.txt
    sleep 1
    stop_captures rst-v4-ttl
    teardown
}

# 9. IPv6 reset injection both ways: c - r -(20 ms)- s; RST+ACKs to the client from the
#    server's address and to the server from the client's (hop limit 64; real: 63).
#    python3 ssl server.  Server small receive buffers, client ECN.  node www 192 KB (ok),
#    pycurl blocked (fails), chromium blocked (fails); censor stopped: wget2 blocked (ok).
sc_rst_v6_both() {
    topo_direct "" 20
    tcp_set s net.ipv4.tcp_rmem="4096 8192 16384"
    tcp_set c net.ipv4.tcp_ecn=1
    srv_py
    censor_on both
    captures rst-v6-both
    client small $NODE get https://www.blind4.example/big.bin 8000
    client blocked $PY4 curl https://blocked.blind4.example/small.txt 5
    chromium_get blocked-chromium https://blocked.blind4.example/small.txt 2001:db8:5::20
    censor_off
    wget2_get blocked-off https://blocked.blind4.example/small.txt
    sleep 1
    stop_captures rst-v6-both
    teardown
}

# 10. IPv4 router reset by address: c - r - s; blocked.blind4.example is the server's second
#    address 203.0.113.30; r's nftables `reject with tcp reset` for a handshake record to it.
#    socat server.  Client BBR, server window scaling off.  socat www (ok), ncat blocked
#    (fails), python3 http.client blocked (fails); rule removed: pycurl blocked (ok).
sc_rst_v4_nft() {
    topo_direct v4only
    addr s s0 203.0.113.30/24
    names 203.0.113.20 203.0.113.30
    tcp_set c net.ipv4.tcp_congestion_control=bbr
    tcp_set s net.ipv4.tcp_window_scaling=0
    in_ns r nft -f - <<NFT
table ip censor {
    chain forward_block {
        type filter hook forward priority 0;
        ip daddr 203.0.113.30 tcp dport 443 @ih,0,8 0x16 reject with tcp reset
    }
}
NFT
    srv_socat
    captures rst-v4-nft
    socat_get small 3 www.blind4.example /
    ncat_get blocked 4 blocked.blind4.example /
    client blocked-py $PY4 get https://blocked.blind4.example/ 5
    forget_stalled
    in_ns r nft delete table ip censor
    client blocked-off $PY4 curl https://blocked.blind4.example/ 5
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
