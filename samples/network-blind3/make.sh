#!/bin/bash
# Re-makes the third blind set of network captures, samples/network-blind3/:
# scenarios each in its own network namespaces (nb3-*), each captured at the
# client (NAME-client.pcap, on the client's interface) and at the server
# (NAME-server.pcap, on the server's interface).  Path-MTU black holes after
# the handshake (a download, an upload) and during it (a large certificate
# flight), one where the sender's kernel probes its way down itself
# (tcp_mtu_probing=1); a ClientHello whose second segment is dropped, whose
# second segment is held back (its first copies dropped), or whose FIRST
# segment is dropped; TCP resets forged by an on-path censor that reads the SNI
# (one copying the server's TTL and beating the round trip, one resetting both
# ends) and sent by a router's nftables `reject with tcp reset`.  Each with
# connections through the same path that work.  The stacks are other than the
# first two sets' (Apache httpd, Caddy, stunnel, openssl s_server, gnutls-serv,
# a Java server; openssl s_client, gnutls-cli, python3 requests, wget, Java),
# and TCP itself is varied per scenario with sysctls and route options.
# Needs root.  Installs nothing; names the Debian packages missing.  Everything
# it creates (namespaces, processes, /etc/netns/nb3-c, temp files) goes away on
# any exit; nothing leaves the machine (documentation addresses, no route out,
# no DNS server).
# Usage: make.sh [SCENARIO...]   (default: all)
# Environment: OUT=dir (default: this directory)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE}
PY=/usr/bin/python3
P=nb3                      # namespace name prefix
ALL="pmtu-v4-down pmtu-v6-up pmtu-v4-hs pmtu-v6-hs pmtu-v4-probe chd-v4-mss chd-v6-stall chd-v4-first rst-v4-ttl rst-v6-both rst-v4-nft"
BODY=196608                # 192 KB: the download and the upload

# ---------------------------------------------------------------- prerequisites
[ "$(id -u)" = 0 ] || { echo "make.sh: needs root (network namespaces)" >&2; exit 1; }
missing=""
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need ip iproute2; need nft nftables; need tcpdump tcpdump; need ethtool ethtool
need openssl openssl; need gnutls-serv gnutls-bin; need gnutls-cli gnutls-bin
need apache2 apache2; need caddy caddy; need stunnel4 stunnel4; need java openjdk-17-jre-headless
need chromium chromium; need curl curl; need wget wget; need "$PY" python3
"$PY" -c 'import requests' 2>/dev/null || missing="$missing python3-requests"
if [ -n "$missing" ]; then
    echo "make.sh: missing Debian packages:$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')" >&2
    echo "make.sh: apt-get install$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')" >&2
    exit 1
fi
[ -e /etc/netns/$P-c ] && { echo "make.sh: /etc/netns/$P-c exists already; remove it first" >&2; exit 1; }

TMP=$(mktemp -d /tmp/nb3.XXXXXX)
chmod 755 "$TMP"           # Apache's children (www-data) read the files under it
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
# small: ECDSA P-256, self-signed, www (and blocked, for the censors: no RSA timing needed here,
# the delayed server link or the router's own reset beats the server)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=www.blind3.example" \
    -addext "subjectAltName=DNS:www.blind3.example,DNS:blocked.blind3.example" \
    -keyout "$C/small.key" -out "$C/small.pem" 2>/dev/null
# chain: RSA-4096 root -> RSA-4096 intermediate -> RSA-4096 leaf big; the server sends leaf +
# intermediate (about 2.9 KB of certificates)
openssl req -x509 -newkey rsa:4096 -nodes -days 30 -subj "/CN=Blind3 Root" -keyout "$C/root.key" -out "$C/root.pem" 2>/dev/null
openssl req -newkey rsa:4096 -nodes -subj "/CN=Blind3 Intermediate" -keyout "$C/int.key" -out "$C/int.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n' > "$C/int.ext"
openssl x509 -req -in "$C/int.csr" -CA "$C/root.pem" -CAkey "$C/root.key" -CAcreateserial -days 30 -extfile "$C/int.ext" -out "$C/int.pem" 2>/dev/null
openssl req -newkey rsa:4096 -nodes -subj "/CN=big.blind3.example" -keyout "$C/leaf.key" -out "$C/leaf.csr" 2>/dev/null
printf 'subjectAltName=DNS:big.blind3.example\n' > "$C/leaf.ext"
openssl x509 -req -in "$C/leaf.csr" -CA "$C/int.pem" -CAkey "$C/int.key" -CAcreateserial -days 30 -extfile "$C/leaf.ext" -out "$C/leaf.pem" 2>/dev/null
cat "$C/leaf.pem" "$C/int.pem" > "$C/chain.pem"
# the Java server's keystore: the ECDSA certificate
openssl pkcs12 -export -in "$C/small.pem" -inkey "$C/small.key" -name www -passout pass:blind3 -out "$C/small.p12"
chmod -R a+rX "$C"

mkdir -p "$TMP/www"
echo "small blind3 page" > "$TMP/www/small.txt"
head -c $BODY /dev/zero | tr '\0' 'h' > "$TMP/www/big.bin"
head -c 400 /dev/zero | tr '\0' 's' > "$TMP/small-body"
head -c $BODY /dev/zero | tr '\0' 'u' > "$TMP/big-body"
chmod -R a+rX "$TMP/www"

PY3="$PY $HERE/py3.py"
# 20 ALPN names of 30 characters (about 620 bytes more ClientHello) for openssl s_client and
# gnutls-cli, whose ffdhe8192 key share alone (1.3 KB) would fit one 1428/1448-byte segment
ALPNLONG=$(for i in $(seq -w 20); do printf 'x-blind3-alpn-%s-%s,' "$i" pppppppppppppp; done)
ALPNLONG=${ALPNLONG%,}
GNUTLS_ALPN=$(for a in ${ALPNLONG//,/ }; do printf ' --alpn=%s' "$a"; done)
cp "$HERE/JTls.java" "$TMP/"
JAVA="java -Djava.io.tmpdir=$TMP $TMP/JTls.java"

# ---------------------------------------------------------------- topologies
# v4: client 198.51.100.10/24 (router .1), server 203.0.113.20/24 (router .1), and
#     203.0.113.30 for blocked.blind3.example in rst-v4-nft
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
# the client's names (ip netns exec mounts /etc/netns/nb3-c/* over /etc/*), no DNS server
names() {  # ADDRESS [BLOCKED-ADDRESS]
    mkdir -p /etc/netns/$P-c
    printf '127.0.0.1 localhost\n%s www.blind3.example big.blind3.example\n%s blocked.blind3.example\n' "$1" "${2:-$1}" \
        > /etc/netns/$P-c/hosts
    echo "nameserver 127.0.0.1" > /etc/netns/$P-c/resolv.conf
}
# a delaying wire (py3.py wire in namespace d, no addresses) between NS1:IF1 and NS2:IF2
delay_wire() {  # MS NS1 IF1 NS2 IF2 [MTU]
    ns d v4only
    link "$2" "$3" d w0 "${6:-}"; link d w1 "$4" "$5" "${6:-}"
    ip -n $P-d link set w0 promisc on; ip -n $P-d link set w1 promisc on
    bg d wire $PY3 wire w0 w1 "$1"
    local i; for i in $(seq 50); do grep -q wire "$TMP/wire.log" && return 0; sleep 0.1; done
    echo "make.sh: the wire did not start" >&2; return 1
}
topo_direct() {  # c --- r --- s   [v4only] [DELAY-MS: a delaying wire between r and s]
    ns c "${1:-}"; ns r "${1:-}"; ns s "${1:-}"; router r
    link c c0 r r0
    if [ -n "${2:-}" ]; then delay_wire "$2" r r1 s s0; else link r r1 s s0; fi
    client_side r r0; server_side r r1
    if [ "${1:-}" = v4only ]; then names 203.0.113.20; else names 2001:db8:5::20; fi
}
topo_2routers() {  # MTU [v4only] [DELAY-MS]:  c --- r --[MTU]-- r2 --- s  (the wire, if any, in the MTU link)
    ns c "${2:-}"; ns r "${2:-}"; ns r2 "${2:-}"; ns s "${2:-}"; router r; router r2
    link c c0 r r0
    if [ -n "${3:-}" ]; then delay_wire "$3" r r1 r2 q0 "$1"; else link r r1 r2 q0 "$1"; fi
    link r2 q1 s s0
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
initcwnd() {  # NS N: the initial congestion window of the server's default routes
    ip -n $P-$1 route change default via 203.0.113.1 initcwnd "$2" 2>/dev/null || true
    ip -n $P-$1 -6 route change default via 2001:db8:5::1 initcwnd "$2" 2>/dev/null || true
}

# ---------------------------------------------------------------- servers
# Apache httpd 2.4 (mpm_event, mod_ssl): www (ECDSA) and big (the RSA-4096 chain) by SNI
srv_apache() {
    mkdir -p "$TMP/apache"
    local m=/usr/lib/apache2/modules
    cat > "$TMP/apache/httpd.conf" <<APA
ServerRoot $TMP/apache
LoadModule mpm_event_module $m/mod_mpm_event.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule mime_module $m/mod_mime.so
TypesConfig /etc/mime.types
LoadModule socache_shmcb_module $m/mod_socache_shmcb.so
LoadModule ssl_module $m/mod_ssl.so
User www-data
Group www-data
PidFile $TMP/apache/httpd.pid
DefaultRuntimeDir $TMP/apache
Mutex file:$TMP/apache
ErrorLog $TMP/apache/error.log
LogLevel warn
ServerName www.blind3.example
Listen 443
SSLSessionCache shmcb:$TMP/apache/ssl_scache(512000)
DocumentRoot $TMP/www
<Directory $TMP/www>
    Require all granted
</Directory>
<VirtualHost *:443>
    ServerName www.blind3.example
    ServerAlias blocked.blind3.example
    SSLEngine on
    SSLCertificateFile $C/small.pem
    SSLCertificateKeyFile $C/small.key
</VirtualHost>
<VirtualHost *:443>
    ServerName big.blind3.example
    SSLEngine on
    SSLCertificateFile $C/leaf.pem
    SSLCertificateKeyFile $C/leaf.key
    SSLCertificateChainFile $C/int.pem
</VirtualHost>
APA
    bg s srv-apache apache2 -d "$TMP/apache" -f "$TMP/apache/httpd.conf" -DFOREGROUND; wait_listen s 443
}
# Caddy 2 (Go): file server, our ECDSA certificate, HTTP/1.1 and 2 only (no UDP), no admin, no :80
srv_caddy() {
    mkdir -p "$TMP/caddy"
    cat > "$TMP/caddy/Caddyfile" <<CAD
{
    admin off
    auto_https off
    storage file_system $TMP/caddy
    servers {
        protocols h1 h2
    }
}
https://:443 {
    tls $C/small.pem $C/small.key
    root * $TMP/www
    file_server
}
CAD
    bg s srv-caddy env HOME=$TMP/caddy XDG_DATA_HOME=$TMP/caddy XDG_CONFIG_HOME=$TMP/caddy \
        caddy run --config "$TMP/caddy/Caddyfile" --adapter caddyfile; wait_listen s 443
}
# stunnel 5 terminating TLS in front of a plain-HTTP python3 http.server (plus POST)
srv_stunnel() {  # 4 | 6
    local acc=0.0.0.0:443
    [ "$1" = 6 ] && acc=:::443     # dual-stack
    cat > "$TMP/stunnel.conf" <<STU
foreground = yes
pid =
[https]
accept = $acc
connect = 127.0.0.1:8080
cert = $C/small.pem
key = $C/small.key
STU
    bg s srv-backend sh -c "cd $TMP/www && exec $PY3 backend 8080"; wait_listen s 8080
    bg s srv-stunnel stunnel4 "$TMP/stunnel.conf"; wait_listen s 443
}
# openssl s_server -WWW: the RSA-4096 chain by default (big), the ECDSA certificate for www (SNI)
srv_openssl() {  # -4 | -6
    bg s srv-openssl sh -c "cd $TMP/www && exec openssl s_server $1 -accept 443 -WWW -cert $C/leaf.pem -key $C/leaf.key \
        -cert_chain $C/int.pem -servername www.blind3.example -cert2 $C/small.pem -key2 $C/small.key"
    wait_listen s 443
}
# gnutls-serv --http: its own status page (about 1.5 KB) for any GET
srv_gnutls() {
    bg s srv-gnutls gnutls-serv --http -p 443 --x509certfile "$C/small.pem" --x509keyfile "$C/small.key"; wait_listen s 443
}
# Java 17 com.sun.net.httpserver.HttpsServer (JTls.java): files, ECDSA keystore
srv_java() {
    bg s srv-java $JAVA server "$C/small.p12" blind3 "$TMP/www"
    local i; for i in $(seq 100); do grep -q "server on" "$TMP/srv-java.log" && break; sleep 0.2; done
    wait_listen s 443
}

# ---------------------------------------------------------------- clients
client() {  # NAME CMD...: run a client in the client namespace, keep its output
    local name=$1; shift
    log "client $name: $*"
    in_ns c "$@" >"$TMP/cl-$name.log" 2>&1 </dev/null && log "  -> exit 0" || log "  -> exit $?"
    sleep 1
}
# openssl s_client / gnutls-cli: a GET on stdin, the connection kept open SECS seconds, then killed
ossl_get() {  # NAME SECS HOST PATH [s_client options...]
    local name=$1 secs=$2 host=$3 path=$4; shift 4
    client "$name" timeout -s KILL "$secs" sh -c "(printf 'GET $path HTTP/1.0\r\nHost: $host\r\n\r\n'; sleep $secs) | \
        openssl s_client -quiet -connect $host:443 -servername $host $* >/dev/null"
}
gnutls_get() {  # NAME SECS HOST PATH [gnutls-cli options...]
    local name=$1 secs=$2 host=$3 path=$4; shift 4
    client "$name" timeout -s KILL "$secs" sh -c "(printf 'GET $path HTTP/1.0\r\nHost: $host\r\n\r\n'; sleep $secs) | \
        gnutls-cli --insecure -p 443 $* $host >/dev/null"
}
wget_get() {  # NAME URL [wget options]
    local name=$1 url=$2; shift 2
    client "$name" wget -q -O /dev/null --no-check-certificate --tries=1 --timeout=5 "$@" "$url"
}
# headless chromium: its default ClientHello carries an X25519MLKEM768 key share (about
# 1.8 KB, two segments); names from --host-resolver-rules, nothing else resolved; killed after 6 s
chromium_get() {  # NAME URL ADDRESS
    local name=$1 url=$2 a=$3
    case $a in *:*) a="[$a]" ;; esac
    client "$name" timeout -s KILL 6 chromium --headless --no-sandbox --disable-gpu --ignore-certificate-errors \
        --user-data-dir="$TMP/chromium-$name" --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --disable-default-apps --disable-extensions \
        --host-resolver-rules="MAP www.blind3.example $a, MAP big.blind3.example $a, MAP blocked.blind3.example $a, MAP * ~NOTFOUND" \
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
# a router clamping the MSS of every SYN it forwards to 1200
mss_clamp() {  # NS
    in_ns "$1" nft -f - <<NFT
table inet clamp {
    chain forward_clamp {
        type filter hook forward priority -150;
        tcp flags syn tcp option maxseg size set 1200
    }
}
NFT
}

# the censor: py3.py inject on r's client-facing interface
censor_on() {  # MODE
    bg r censor $PY3 inject r0 blocked.blind3.example "$1"
    local i; for i in $(seq 50); do grep -q injector "$TMP/censor.log" && return 0; sleep 0.1; done
    echo "make.sh: the injector did not start" >&2; cat "$TMP/censor.log" >&2; return 1
}
censor_off() { stop censor; }

# ---------------------------------------------------------------- scenarios
# 1. IPv4 download black hole: c - r =1280= r2 - s; r2 drops its own ICMP
#    fragmentation-needed.  Apache httpd; server tcp_timestamps=0 and initcwnd 20,
#    client tcp_sack=0.  wget small (ok), python3 requests 192 KB (fails),
#    openssl s_client 192 KB (fails); ICMP allowed: curl 192 KB (ok).
sc_pmtu_v4_down() {
    topo_2routers 1280 v4only
    tcp_set s net.ipv4.tcp_timestamps=0; initcwnd s 20
    tcp_set c net.ipv4.tcp_sack=0
    icmp_drop r2
    srv_apache
    captures pmtu-v4-down
    wget_get small https://www.blind3.example/small.txt
    client big $PY3 get https://www.blind3.example/big.bin 5
    ossl_get big-ossl 6 www.blind3.example /big.bin
    icmp_allow r2
    client big-pmtud curl -sS -k --max-time 8 -o /dev/null https://www.blind3.example/big.bin
    sleep 1
    stop_captures pmtu-v4-down
    teardown
}

# 2. IPv6 upload black hole on a 30 ms path: c - r =1400=(30 ms)= r2 - s; r drops
#    its own packet-too-big, so the client's full-size segments die.  stunnel +
#    python3 backend; client tcp_timestamps=0.  curl 400-byte POST (ok), python3
#    requests 192 KB POST (fails), wget --post-file 192 KB (fails); PTB allowed:
#    curl 192 KB POST (ok).
sc_pmtu_v6_up() {
    topo_2routers 1400 "" 30
    tcp_set c net.ipv4.tcp_timestamps=0
    icmp_drop r
    srv_stunnel 6
    captures pmtu-v6-up
    client small curl -sS -k --max-time 5 -H 'Expect:' --data-binary @"$TMP/small-body" https://www.blind3.example/upload
    client big $PY3 post https://www.blind3.example/upload $BODY 5
    wget_get big-wget https://www.blind3.example/upload --post-file="$TMP/big-body"
    icmp_allow r
    client big-pmtud curl -sS -k --max-time 8 -H 'Expect:' --data-binary @"$TMP/big-body" https://www.blind3.example/upload
    sleep 1
    stop_captures pmtu-v6-up
    teardown
}

# 3. IPv4 black hole DURING the handshake: c - r =1280= r2 - s; r2 drops its own
#    ICMP.  openssl s_server -WWW: big.blind3.example gets the RSA-4096 leaf +
#    intermediate (a 3.5 KB flight), www the ECDSA certificate (one small segment).
#    Server initcwnd 4, client tcp_sack=0.  gnutls-cli www (ok), python3 requests
#    big (fails), Java big (fails); ICMP allowed: wget big (ok).
sc_pmtu_v4_hs() {
    topo_2routers 1280 v4only
    initcwnd s 4
    tcp_set c net.ipv4.tcp_sack=0
    icmp_drop r2
    srv_openssl -4
    captures pmtu-v4-hs
    gnutls_get small 3 www.blind3.example /small.txt
    client big $PY3 get https://big.blind3.example/small.txt 5
    client big-java $JAVA get https://big.blind3.example/small.txt 5000
    icmp_allow r2
    wget_get big-pmtud https://big.blind3.example/small.txt
    sleep 1
    stop_captures pmtu-v4-hs
    teardown
}

# 4. IPv6 black hole during the handshake on a 20 ms path: c - r =1400=(20 ms)= r2
#    - s; r2 drops its own packet-too-big.  Apache httpd (big: the RSA-4096 chain,
#    www: ECDSA); server tcp_timestamps=0.  curl www (ok), openssl s_client big
#    (fails), gnutls-cli big (fails); PTB allowed: Java big (ok).
sc_pmtu_v6_hs() {
    topo_2routers 1400 "" 20
    tcp_set s net.ipv4.tcp_timestamps=0
    icmp_drop r2
    srv_apache
    captures pmtu-v6-hs
    client small curl -sS -k --max-time 5 -o /dev/null https://www.blind3.example/small.txt
    ossl_get big 5 big.blind3.example /small.txt
    gnutls_get big-gnutls 5 big.blind3.example /small.txt
    icmp_allow r2
    client big-pmtud $JAVA get https://big.blind3.example/small.txt 8000
    sleep 1
    stop_captures pmtu-v6-hs
    teardown
}

# 5. IPv4 download black hole where the SENDER probes its way down: as 1, but the
#    server has net.ipv4.tcp_mtu_probing=1 (after repeated timeouts its kernel
#    lowers its MSS itself, ICMP or not).  Caddy.  curl small (ok), curl 192 KB and
#    python3 requests 192 KB with 10 s timeouts (what the kernel makes of the black
#    hole is recorded); ICMP allowed: wget 192 KB (ok).
sc_pmtu_v4_probe() {
    topo_2routers 1280 v4only
    tcp_set s net.ipv4.tcp_mtu_probing=1
    icmp_drop r2
    srv_caddy
    captures pmtu-v4-probe
    client small curl -sS -k --max-time 5 -o /dev/null https://www.blind3.example/small.txt
    client big curl -sS -k --max-time 10 -o /dev/null https://www.blind3.example/big.bin
    client big-py $PY3 get https://www.blind3.example/big.bin 10
    icmp_allow r2
    wget_get big-pmtud https://www.blind3.example/big.bin
    sleep 1
    stop_captures pmtu-v4-probe
    teardown
}

# 6. IPv4, second ClientHello segment dropped behind an MSS clamp: c - r - s; r
#    clamps every SYN's MSS to 1200 and drops the continuation segments.  Caddy
#    (first made with the Java HttpsServer, which never answered chromium's complete
#    two-segment ClientHello once the filter was gone: no counterpart).  curl default (one segment: ok), chromium (two segments: fails),
#    openssl s_client with an ffdhe8192 key share (1.3 KB: two segments of <= 1200:
#    fails); filter removed: chromium (ok).
sc_chd_v4_mss() {
    topo_direct v4only
    mss_clamp r
    chd_second
    srv_caddy
    captures chd-v4-mss
    client small curl -sS -k --max-time 5 -o /dev/null https://www.blind3.example/small.txt
    chromium_get big https://www.blind3.example/small.txt 203.0.113.20
    ossl_get big-ossl 5 www.blind3.example /small.txt -groups ffdhe8192:x25519
    chd_allow
    chromium_get big-nofilter https://www.blind3.example/small.txt 203.0.113.20
    sleep 1
    stop_captures chd-v4-mss
    teardown
}

# 7. IPv6, the continuation STALLED: c - r -(20 ms)- s; r drops the first 4 copies of
#    each connection's ClientHello continuation (about 3.5 s of retransmissions), the
#    5th passes.  gnutls-serv --http; client tcp_sack=0.  wget (small ClientHello: ok),
#    python3 with 40 long ALPN names (1.9 KB ClientHello) and a 1.5 s timeout, aborting
#    with a RST (fails), openssl s_client ffdhe8192 + long ALPN list, patient (the
#    handshake completes after the stall), chromium (killed at 6 s: completes after
#    the stall); filter removed: python3 ALPN (ok).
sc_chd_v6_stall() {
    topo_direct "" 20
    tcp_set c net.ipv4.tcp_sack=0
    chd_second stall 4
    srv_gnutls
    captures chd-v6-stall
    wget_get small https://www.blind3.example/
    client big-py $PY3 hello www.blind3.example 443 www.blind3.example 1.5
    ossl_get big-ossl 8 www.blind3.example / -groups ffdhe8192:x25519 -alpn "$ALPNLONG"
    chromium_get big-chromium https://www.blind3.example/ 2001:db8:5::20
    chd_allow
    client big-nofilter $PY3 hello www.blind3.example 443 www.blind3.example 5
    sleep 1
    stop_captures chd-v6-stall
    teardown
}

# 8. IPv4, the FIRST ClientHello segment dropped: c - r - s; r drops a client segment
#    to 443 that starts a handshake record in a packet of 1000 bytes or more.  stunnel
#    + python3 backend; client tcp_sack=0 (the server's SACK cannot be offered).
#    wget (ok), gnutls-cli ffdhe8192 (fails), chromium (fails), Java default (small
#    ClientHello: ok); filter removed: gnutls-cli ffdhe8192 (ok).
sc_chd_v4_first() {
    topo_direct v4only
    tcp_set c net.ipv4.tcp_sack=0
    chd_first
    srv_stunnel 4
    captures chd-v4-first
    wget_get small https://www.blind3.example/small.txt
    gnutls_get big 5 www.blind3.example /small.txt --priority NORMAL:-GROUP-ALL:+GROUP-FFDHE8192:+GROUP-X25519 $GNUTLS_ALPN
    chromium_get big-chromium https://www.blind3.example/small.txt 203.0.113.20
    client small-java $JAVA get https://www.blind3.example/small.txt 5000
    chd_allow
    gnutls_get big-nofilter 3 www.blind3.example /small.txt --priority NORMAL:-GROUP-ALL:+GROUP-FFDHE8192:+GROUP-X25519 $GNUTLS_ALPN
    sleep 1
    stop_captures chd-v4-first
    teardown
}

# 9. IPv4 reset injection that copies the server's TTL: c - r -(40 ms)- s; the censor
#    on r forges a RST+ACK to the client with the TTL the server's SYN-ACK had on its
#    way out to the client (so the TTLs match), at once: the server's real answer
#    needs 80 ms more.  Apache httpd; server tcp_sack=0.  curl www (ok), wget blocked
#    (fails), python3 requests blocked (fails), gnutls-cli www 192 KB (ok); censor
#    stopped: Java blocked (ok).
sc_rst_v4_ttl() {
    topo_direct v4only 40
    tcp_set s net.ipv4.tcp_sack=0
    srv_apache
    censor_on ttl
    captures rst-v4-ttl
    client small curl -sS -k --max-time 5 -o /dev/null https://www.blind3.example/small.txt
    wget_get blocked https://blocked.blind3.example/small.txt
    client blocked-py $PY3 get https://blocked.blind3.example/small.txt 5
    gnutls_get small-gnutls 3 www.blind3.example /big.bin
    censor_off
    client blocked-off $JAVA get https://blocked.blind3.example/small.txt 5000
    sleep 1
    stop_captures rst-v4-ttl
    teardown
}

# 10. IPv6 reset injection both ways: c - r -(20 ms)- s; the censor forges a RST+ACK to the
#    client from the server's address and one to the server from the client's (hop
#    limit 64; the real packets arrive with 63).  Caddy; server initcwnd 20, client
#    tcp_timestamps=0.  Java www 192 KB (ok), openssl s_client blocked (fails),
#    chromium blocked (fails); censor stopped: python3 requests blocked (ok).
sc_rst_v6_both() {
    topo_direct "" 20
    initcwnd s 20
    tcp_set c net.ipv4.tcp_timestamps=0
    srv_caddy
    censor_on both
    captures rst-v6-both
    client small $JAVA get https://www.blind3.example/big.bin 5000
    ossl_get blocked 4 blocked.blind3.example /small.txt
    chromium_get blocked-chromium https://blocked.blind3.example/small.txt 2001:db8:5::20
    censor_off
    client blocked-off $PY3 get https://blocked.blind3.example/small.txt 5
    sleep 1
    stop_captures rst-v6-both
    teardown
}

# 11. IPv4 router reset by address: c - r - s; blocked.blind3.example is the server's
#    second address 203.0.113.30, and r's nftables rejects a TLS handshake record to it
#    with `reject with tcp reset` (the ClientHello dropped, a RST to the client from
#    that address).  gnutls-serv --http; client tcp_timestamps=0, server tcp_sack=0.
#    wget www (ok), curl blocked (fails), gnutls-cli blocked (fails); rule removed:
#    wget blocked (ok).
sc_rst_v4_nft() {
    topo_direct v4only
    addr s s0 203.0.113.30/24
    names 203.0.113.20 203.0.113.30
    tcp_set c net.ipv4.tcp_timestamps=0
    tcp_set s net.ipv4.tcp_sack=0
    in_ns r nft -f - <<NFT
table ip censor {
    chain forward_clamp {
        type filter hook forward priority 0;
        ip daddr 203.0.113.30 tcp dport 443 @ih,0,8 0x16 reject with tcp reset
    }
}
NFT
    srv_gnutls
    captures rst-v4-nft
    wget_get small https://www.blind3.example/
    client blocked curl -sS -k --max-time 5 -o /dev/null https://blocked.blind3.example/
    gnutls_get blocked-gnutls 4 blocked.blind3.example /
    forget_stalled
    in_ns r nft delete table ip censor
    wget_get blocked-off https://blocked.blind3.example/
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
