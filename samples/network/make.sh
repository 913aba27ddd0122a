#!/usr/bin/env bash
# make.sh - re-make the captures of samples/network/: what the network does to TLS (a dropped
# ClientHello segment, a path-MTU black hole, forged resets), each seen from both ends.
#
# Debian 12 packages it needs (it installs nothing; it names what is missing):
#   chromium libnss3-tools nginx curl openssl python3 tshark tcpdump nftables iproute2 ethtool
#   DEBIAN_FRONTEND=noninteractive apt-get install -y chromium libnss3-tools nginx curl openssl \
#       python3 tshark tcpdump nftables iproute2 ethtool
#
# Run as root:   bash samples/network/make.sh                 (1.5 to 2 minutes)
#                NET_LOGS=/tmp/n bash samples/network/make.sh  (keep every tool's output and the
#                                                               staged captures in /tmp/n)
#                NET_ONLY='pmtu-*' ...                         (only the scenarios whose name matches;
#                                                               nothing is published)
#
# The path, four network namespaces made anew for every scenario:
#
#   client 10.95.1.2 [c0] ---- [r1] 10.95.1.1  router  10.95.2.1 [r2] ---- [w1] wire [w2] ---- [s0] 10.95.2.2 server
#
# The router forwards (ip_forward=1; its nftables rules and the injector make each scenario). The
# wire is a long cable: src/wire.py copies every Ethernet frame between w1 and w2 unchanged, 20 ms
# later each way (this kernel has no netem), so the path's round trip is about 40 ms, as to a
# server some way off, and the router sits next to the client. tcpdump records, at the same time,
# the client's veth (NAME-client.pcap) and the server's veth (NAME-server.pcap), filter
# 'tcp port 443 or (icmp and icmp[17] == 6)': ICMP errors about TCP only (Chromium's attempts to
# reach other hosts draw "network unreachable" from the router). Offloads are off on every veth:
# segments are MSS-sized, checksums right. The wire and the injector run under chrt -f (util-linux).
# The captures are staged, checked by verify.sh against expected.txt, and copied here only when all
# pass; a failed or interrupted run leaves the files here as they were. Namespaces and processes
# are removed at exit, whatever happened.
set -euo pipefail
umask 022
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TMP=$(mktemp -d /tmp/net-samples.XXXXXX)
LOG=${NET_LOGS:-$TMP/logs}
STAGE=$TMP/stage
mkdir -p "$LOG" "$STAGE" "$TMP/www"
chmod 755 "$TMP"
NS_C=tdnc$$ NS_R=tdnr$$ NS_W=tdnw$$ NS_S=tdns$$
IP_C=10.95.1.2 IP_R1=10.95.1.1 IP_R2=10.95.2.1 IP_S=10.95.2.2
NAME=www.example.test BLOCKED=blocked.test
# A 253-character name (the DNS maximum) for the curl client whose ClientHello must be big.
LONG=$(printf 'a%.0s' $(seq 63)).$(printf 'b%.0s' $(seq 63)).$(printf 'c%.0s' $(seq 63)).$(printf 'd%.0s' $(seq 48)).example.test
PY=$(command -v /usr/bin/python3 || command -v python3 || true)
PIDS=()
KEEP=0
say() { printf 'make.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
ns_down() {
    local n
    for n in "$NS_C" "$NS_R" "$NS_W" "$NS_S"; do ip netns del "$n" 2>/dev/null || true; done
}
stop_all() {  # every process this script started, by pid (a namespace's end does not end them)
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null || true
    done
    PIDS=()
}
cleanup() {
    stop_all
    ns_down
    if [ -n "${NET_LOGS:-}" ] || [ "$KEEP" = 1 ]; then say "logs and staged captures kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, nftables, tcpdump)"
missing=()
need() { command -v "$1" >/dev/null || missing+=("$1 (Debian package $2)"); }
need chromium chromium;  need certutil libnss3-tools; need nginx nginx;   need curl curl
need openssl openssl;    need tshark tshark;          need tcpdump tcpdump; need nft nftables
need ip iproute2;        need ss iproute2;            need ethtool ethtool
[ -n "$PY" ] || missing+=("python3 (Debian package python3)")
[ ${#missing[@]} = 0 ] || die "missing: ${missing[*]}"
# The wire and the injector run with a real-time priority when the system allows it: on two busy
# cores a normal process wakes up late, and the wire's 20 ms would vary by 10 ms or more.
RT=
if command -v chrt >/dev/null && chrt -f 50 true 2>/dev/null; then RT="chrt -f 50"; else say "no chrt -f: the wire's delay will jitter"; fi

# ---- certificates --------------------------------------------------------------------------------
# RSA-4096 throughout, and the server sends its leaf and the intermediate: its first flight is
# about 3.6 kB (TLS 1.3) or 3.8 kB (TLS 1.2), two full-size segments and a remainder.
P=$TMP/pki
mkdir -p "$P"
cat >"$P/ext.cnf" <<EOF
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:$NAME, DNS:$BLOCKED, DNS:$LONG, IP:$IP_S
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
say "making certificates (RSA-4096)"
for k in root int leaf; do openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$P/$k.key" 2>/dev/null; done
openssl req -x509 -new -key "$P/root.key" -subj "/O=tlsdiag/CN=tlsdiag Network Test Root CA" -days 3650 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$P/root.crt"
openssl req -new -key "$P/int.key" -subj "/O=tlsdiag/CN=tlsdiag Network Test Intermediate CA" -out "$P/int.csr"
openssl x509 -req -in "$P/int.csr" -CA "$P/root.crt" -CAkey "$P/root.key" -set_serial 0x1001 -days 3650 \
    -extfile "$P/ext.cnf" -extensions ca -out "$P/int.crt" 2>/dev/null
openssl req -new -key "$P/leaf.key" -subj "/CN=$NAME" -out "$P/leaf.csr"
openssl x509 -req -in "$P/leaf.csr" -CA "$P/int.crt" -CAkey "$P/int.key" -set_serial 0x2001 -days 365 \
    -extfile "$P/ext.cnf" -extensions leaf -out "$P/leaf.crt" 2>/dev/null
cat "$P/leaf.crt" "$P/int.crt" >"$P/chain.crt"
openssl verify -CAfile "$P/root.crt" -untrusted "$P/int.crt" "$P/leaf.crt" >/dev/null || die "the test chain does not verify"
printf 'hello\n' >"$TMP/www/index.html"

# Chromium trusts the test root through the NSS database of the HOME it runs with.
CHOME=$TMP/chome
mkdir -p "$CHOME/.pki/nssdb"
certutil -N --empty-password -d "sql:$CHOME/.pki/nssdb"
certutil -A -d "sql:$CHOME/.pki/nssdb" -t C,, -n "tlsdiag Network Test Root CA" -i "$P/root.crt"

# ---- the path ------------------------------------------------------------------------------------
ns_up() {
    ns_down
    local n p
    for n in "$NS_C" "$NS_R" "$NS_W" "$NS_S"; do
        ip netns add "$n"
        ip -n "$n" link set lo up
        ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    done
    ip link add c0 netns "$NS_C" type veth peer name r1 netns "$NS_R"
    ip link add r2 netns "$NS_R" type veth peer name w1 netns "$NS_W"
    ip link add w2 netns "$NS_W" type veth peer name s0 netns "$NS_S"
    ip -n "$NS_C" addr add "$IP_C/24" dev c0
    ip -n "$NS_R" addr add "$IP_R1/24" dev r1
    ip -n "$NS_R" addr add "$IP_R2/24" dev r2
    ip -n "$NS_S" addr add "$IP_S/24" dev s0
    for p in "$NS_C c0" "$NS_R r1" "$NS_R r2" "$NS_W w1" "$NS_W w2" "$NS_S s0"; do
        set -- $p
        ip -n "$1" link set "$2" up
        ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
    done
    ip -n "$NS_C" route add default via "$IP_R1"
    ip -n "$NS_S" route add default via "$IP_R2"
    ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1
    # Static ARP entries across the wire, so that no first packet waits for an ARP round trip.
    ip -n "$NS_R" neigh replace "$IP_S" lladdr "$(ip netns exec "$NS_S" cat /sys/class/net/s0/address)" dev r2 nud permanent
    ip -n "$NS_S" neigh replace "$IP_R2" lladdr "$(ip netns exec "$NS_R" cat /sys/class/net/r2/address)" dev s0 nud permanent
    # No path-MTU black-hole detection on either end: a sender keeps retrying its full-size segments.
    ip netns exec "$NS_S" sysctl -qw net.ipv4.tcp_mtu_probing=0
    ip netns exec "$NS_C" sysctl -qw net.ipv4.tcp_mtu_probing=0
    ip netns exec "$NS_W" $RT "$PY" "$HERE/src/wire.py" w1 w2 20 >>"$LOG/wire.log" 2>&1 &
    PIDS+=($!)
    local i
    for i in $(seq 50); do ss_wire && return 0; sleep 0.1; done
    die "the wire did not start: $(tail -3 "$LOG/wire.log")"
}
ss_wire() {  # the wire's two packet sockets are open
    [ "$(ip netns exec "$NS_W" cat /proc/net/packet 2>/dev/null | awk 'NR > 1' | wc -l)" -ge 2 ]
}
router_nft() {  # nft rule text for the router's table inet net
    printf '%s\n' "$1" | ip netns exec "$NS_R" nft -f - || die "$CUR: nft: $1"
}
CUR= CAPS=()
cap_start() {  # NAME: tcpdump on the client's and the server's veth at once
    CUR=$1
    CAPS=()
    local side ns dev i
    for side in client server; do
        if [ $side = client ]; then ns=$NS_C dev=c0; else ns=$NS_S dev=s0; fi
        : >"$LOG/$CUR-$side.tcpdump"
        ip netns exec "$ns" tcpdump -i "$dev" -w "$STAGE/$CUR-$side.pcap" -U --immediate-mode -Z root -s 0 -n \
            'tcp port 443 or (icmp and icmp[17] == 6)' 2>"$LOG/$CUR-$side.tcpdump" &
        CAPS+=($!); PIDS+=($!)
    done
    for side in client server; do
        for i in $(seq 50); do grep -q "listening on" "$LOG/$CUR-$side.tcpdump" && break; sleep 0.1; done
        grep -q "listening on" "$LOG/$CUR-$side.tcpdump" || die "$CUR: tcpdump ($side) did not start"
    done
}
finish() {  # end the scenario: captures, every process, namespaces
    sleep 0.5
    local p
    for p in "${CAPS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
    for p in "${CAPS[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    done
    stop_all
    ns_down
    local side
    for side in client server; do
        [ -s "$STAGE/$CUR-$side.pcap" ] || die "$CUR: no $side capture written"
        say "$(printf '%-36s %4d packets' "$CUR-$side.pcap" "$(tcpdump -r "$STAGE/$CUR-$side.pcap" -n 2>/dev/null | wc -l)")"
    done
}
wait_listen() {  # PID: until the server namespace has a socket on tcp 443
    local i
    for i in $(seq 100); do
        ip netns exec "$NS_S" ss -Hlnt 'sport = :443' | grep -q . && return 0
        kill -0 "$1" 2>/dev/null || die "$CUR: the server exited: $(tail -3 "$LOG/$CUR.server")"
        sleep 0.1
    done
    die "$CUR: the server does not listen on 443"
}
nginx_srv() {  # nginx on 10.95.2.2:443, TLS 1.2 and 1.3, any name (default server), the RSA-4096 chain
    cat >"$TMP/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $LOG/nginx-error.log;
events { worker_connections 64; }
http {
  access_log $LOG/nginx-access.log;
  client_body_temp_path $TMP/nginx-body;
  proxy_temp_path $TMP/nginx-proxy;
  fastcgi_temp_path $TMP/nginx-fastcgi;
  uwsgi_temp_path $TMP/nginx-uwsgi;
  scgi_temp_path $TMP/nginx-scgi;
  server {
    listen $IP_S:443 ssl default_server;
    server_name _;
    ssl_certificate $P/chain.crt;
    ssl_certificate_key $P/leaf.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $TMP/www;
  }
}
EOF
    ip netns exec "$NS_S" nginx -c "$TMP/nginx.conf" >"$LOG/$CUR.server" 2>&1 &
    PIDS+=($!)
    wait_listen $!
}
curl_cli() {  # MAX-TIME HOST [curl options...]: one GET https://HOST/ from the client namespace
    local t=$1 host=$2; shift 2
    printf '== curl %s %s\n' "$host" "$*" >>"$LOG/$CUR.client"
    timeout -k 2 $((t + 5)) ip netns exec "$NS_C" curl -sS --max-time "$t" --cacert "$P/root.crt" \
        --resolve "$host:443:$IP_S" -o "$TMP/out-$CUR" -w '%{http_code}\n' "$@" "https://$host/" \
        >>"$LOG/$CUR.client" 2>&1 || true
}
got_page() { grep -q hello "$TMP/out-$CUR" 2>/dev/null || die "$CUR: the client did not get the page"; rm -f "$TMP/out-$CUR"; }
no_page() { ! grep -q hello "$TMP/out-$CUR" 2>/dev/null || die "$CUR: the client got the page"; rm -f "$TMP/out-$CUR"; }
CHROMIUM_FLAGS=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
    --disable-component-update --disable-sync --no-default-browser-check --disable-quic
    "--host-resolver-rules=MAP $NAME $IP_S")
chromium_cli() {  # SECONDS: load https://www.example.test/ once in a new profile, print its DOM
    local prof
    prof=$(mktemp -d "$TMP/chromium.XXXXXX")
    printf '== chromium, started %s\n' "$(date +%T.%N)" >>"$LOG/$CUR.client"
    HOME=$CHOME timeout -k 3 "$1" ip netns exec "$NS_C" chromium "${CHROMIUM_FLAGS[@]}" --user-data-dir="$prof" \
        --dump-dom "https://$NAME/" >"$TMP/out-$CUR" 2>>"$LOG/$CUR.client" || true
    printf '== chromium, ended %s\n' "$(date +%T.%N)" >>"$LOG/$CUR.client"
}
want() { case $1 in $ONLY) return 0 ;; esac; return 1; }
ONLY=${NET_ONLY:-*}

# ---- the scenarios -------------------------------------------------------------------------------
# 1. The ClientHello's second segment dropped. The router drops client->server segments to port
#    443 whose IP length is 120 to 1499 bytes: data segments shorter than a full one (a full one
#    is 1500; SYNs, ACKs with or without SACK blocks are under 120). A ClientHello larger than the
#    MSS (1448 bytes of payload with timestamps) goes out as a full segment, which passes, and a
#    remainder, which never arrives, nor any of its retransmissions.
DROP_RULE="table inet net {
    chain through {
        type filter hook forward priority 0;
        iifname \"r1\" ip daddr $IP_S tcp dport 443 ip length 120-1499 counter drop
    }
}"
if want chdrop-chromium; then
    # Chromium's own ClientHello (X25519MLKEM768 key share, about 1.8 kB); killed after 10 s.
    ns_up; router_nft "$DROP_RULE"; cap_start chdrop-chromium
    nginx_srv
    chromium_cli 10
    finish; no_page
fi
if want chdrop-ok-chromium; then
    ns_up; cap_start chdrop-ok-chromium
    nginx_srv
    chromium_cli 15
    finish; got_page
fi
if want chdrop-curl; then
    # curl (OpenSSL 3.0, no ML-KEM) made to send a big ClientHello: its only group ffdhe8192 (a
    # 1024-byte key share) and a 253-character server name.
    ns_up; router_nft "$DROP_RULE"; cap_start chdrop-curl
    nginx_srv
    curl_cli 6 "$LONG" --curves ffdhe8192
    finish; no_page
fi
if want chdrop-all-curl; then
    # "The server acknowledges none": a firewall that drops every data segment of the ClientHello,
    # the full-size one too (IP length 120 to 1500).
    ns_up; router_nft "${DROP_RULE/120-1499/120-1500}"; cap_start chdrop-all-curl
    nginx_srv
    curl_cli 6 "$LONG" --curves ffdhe8192
    finish; no_page
fi
if want chdrop-ok-curl; then
    ns_up; cap_start chdrop-ok-curl
    nginx_srv
    curl_cli 8 "$LONG" --curves ffdhe8192
    finish; got_page
fi

# 2. Path-MTU black hole. The router's link to the client has MTU 1280 (the client's own veth
#    keeps 1500, so its SYN says MSS 1460: the narrow link is in the middle); the router's
#    "fragmentation needed" (ICMP 3/4) that would tell the server is dropped as it leaves the
#    router. The server's full-size segments (1500 bytes, DF) die in the router; its smaller ones
#    (SYN-ACK, the flight's remainder) pass.
PMTU_RULE="table ip net {
    chain own {
        type filter hook output priority 0;
        icmp type destination-unreachable icmp code frag-needed counter drop
    }
}"
pmtu() {  # NAME RULE(yes|no) curl options...
    local name=$1 rule=$2; shift 2
    ns_up
    ip -n "$NS_R" link set r1 mtu 1280
    [ "$rule" = no ] || router_nft "$PMTU_RULE"
    cap_start "$name"
    nginx_srv
    curl_cli 6 "$NAME" "$@"
}
if want pmtu-blackhole-tls13; then pmtu pmtu-blackhole-tls13 yes --tlsv1.3; finish; no_page; fi
if want pmtu-blackhole-tls12; then pmtu pmtu-blackhole-tls12 yes --tlsv1.2 --tls-max 1.2; finish; no_page; fi
# The same narrow link with the ICMP let through: the server learns MTU 1280 and sends again.
if want pmtu-ok-icmp; then pmtu pmtu-ok-icmp no --tlsv1.3; finish; got_page; fi

# 3. Forged resets: src/inject.py in the router watches the client's ClientHellos; for the SNI
#    blocked.test it forges a RST to the client (and with "both" one to the server too).
#    Then the same client fetches www.example.test through the same path: ok.
inject() {  # NAME MODE
    ns_up; cap_start "$1"
    ip netns exec "$NS_R" $RT "$PY" -u "$HERE/src/inject.py" r1 r2 "$BLOCKED" "$2" >"$LOG/$1.inject" 2>&1 &
    PIDS+=($!)
    local i
    for i in $(seq 50); do grep -q watching "$LOG/$1.inject" && break; sleep 0.1; done
    grep -q watching "$LOG/$1.inject" || die "$1: the injector did not start: $(cat "$LOG/$1.inject")"
    nginx_srv
    curl_cli 5 "$BLOCKED"
    no_page
    sleep 0.3
    curl_cli 5 "$NAME"
    got_page
    grep -q "reset to client" "$LOG/$1.inject" || die "$1: the injector forged nothing"
}
if want reset-injected; then inject reset-injected both; finish; fi
if want reset-injected-client-only; then inject reset-injected-client-only client; finish; fi

# 4. A genuine reset: the server itself (src/rstsrv.py) reads the ClientHello and closes with
#    SO_LINGER 0; its kernel sends the RST, with the server's TTL and IP ID sequence.
if want reset-genuine; then
    ns_up; cap_start reset-genuine
    ip netns exec "$NS_S" "$PY" -u "$HERE/src/rstsrv.py" "$IP_S" >"$LOG/$CUR.server" 2>&1 &
    PIDS+=($!)
    wait_listen $!
    curl_cli 5 "$NAME"
    finish; no_page
fi

# ---- check, publish ------------------------------------------------------------------------------
if [ "$ONLY" != '*' ]; then KEEP=1; say "NET_ONLY set: nothing published; captures in $STAGE"; exit 0; fi
say "checking the captures against expected.txt"
if ! bash "$HERE/verify.sh" "$STAGE" >"$LOG/verify.out" 2>&1; then
    cat "$LOG/verify.out" >&2
    KEEP=1
    die "verify.sh found mismatches; nothing published (captures in $STAGE)"
fi
rm -f "$HERE"/*.pcap
cp "$STAGE"/*.pcap "$HERE/"
mkdir -p "$HERE/ca"
cp "$P/root.crt" "$HERE/ca/root.pem"
say "done: $(ls "$STAGE"/*.pcap | wc -l) captures in $HERE"
