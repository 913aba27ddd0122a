#!/usr/bin/env bash
# make-proxy.sh -- re-make the captures of samples/proxy/: TLS through an HTTP proxy's CONNECT tunnel.
#
# Run as root on Linux:   sudo bash samples/proxy/make-proxy.sh
#
# In a network namespace of its own (named with this shell's pid), on its loopback: two real
# tinyproxy daemons (Debian's tinyproxy) on 127.0.0.1:3128 (no login; CONNECT only to port 443)
# and 127.0.0.1:8080 (BasicAuth), a real squid on 127.0.0.4:3128 (basic_ncsa_auth login, CONNECT
# only to port 443), a real openssl s_server -www as the target (target.test and
# other.test = 127.0.0.2:443; down.test = 127.0.0.3, where nothing listens), and real curl as the
# client, while tcpdump records the client's leg (ports 3128 and 8080) into one capture per case.
# Names resolve through /etc/netns/NS/hosts (ip netns exec mounts it over /etc/hosts).  The
# processes started are stopped by pid, the namespace and its hosts file removed, on exit.
set -euo pipefail
# (Background processes are started with `ip netns exec` itself, which execs them: $! is their pid.)
umask 022
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS=tdpx$$
TMP=$(mktemp -d)
PIDS=()
say() { printf 'make-proxy: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -f "$TMP/squid.pid" ] && kill "$(cat "$TMP/squid.pid")" 2>/dev/null || true   # squid's own pid
    sleep 0.3
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "/etc/netns/$NS" "$TMP"
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, tcpdump)"
for t in ip tcpdump openssl curl tinyproxy squid timeout; do command -v $t >/dev/null || die "needs $t (apt-get install -y $t)"; done

in_ns() { ip netns exec "$NS" "$@"; }
ip netns add "$NS"
mkdir -p "/etc/netns/$NS"
printf '127.0.0.1 localhost\n127.0.0.2 target.test other.test\n127.0.0.3 down.test\n' >"/etc/netns/$NS/hosts"
in_ns ip link set lo up
in_ns ip addr add 127.0.0.2/8 dev lo 2>/dev/null || true
in_ns ip addr add 127.0.0.3/8 dev lo 2>/dev/null || true
in_ns ip addr add 127.0.0.4/8 dev lo 2>/dev/null || true

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 730 -subj /CN=target.test \
    -addext subjectAltName=DNS:target.test,DNS:other.test -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
ip netns exec "$NS" openssl s_server -quiet -www -accept 127.0.0.2:443 -cert "$TMP/cert.pem" -key "$TMP/key.pem" >/dev/null 2>&1 &
PIDS+=($!)

proxy_conf() {   # NAME PORT EXTRA...
    local name=$1 port=$2; shift 2
    {
        printf 'Port %s\nListen 127.0.0.1\nTimeout 5\nMaxClients 8\nAllow 127.0.0.1\n' "$port"
        printf 'LogLevel Info\nLogFile "%s/%s.log"\nDisableViaHeader Yes\n' "$TMP" "$name"
        for l in "$@"; do printf '%s\n' "$l"; done
    } >"$TMP/$name.conf"
    chmod 755 "$TMP"
    ip netns exec "$NS" tinyproxy -d -c "$TMP/$name.conf" >/dev/null 2>&1 &
    PIDS+=($!)
}
proxy_conf open 3128 'ConnectPort 443'
proxy_conf login 8080 'ConnectPort 443' 'BasicAuth alice s3cret'
# squid on 127.0.0.4:3128: a login (basic_ncsa_auth), CONNECT only to port 443.
printf 'alice:%s\n' "$(openssl passwd -1 s3cret)" >"$TMP/passwd"
chmod 644 "$TMP/passwd"
cat >"$TMP/squid.conf" <<CONF
http_port 127.0.0.4:3128
pid_filename $TMP/squid.pid
cache_log $TMP/squid-cache.log
access_log none
cache deny all
shutdown_lifetime 0 seconds
coredump_dir $TMP
dns_nameservers 127.0.0.1
auth_param basic program /usr/lib/squid/basic_ncsa_auth $TMP/passwd
auth_param basic realm tlsdiag
acl SSL_ports port 443
acl CONNECT method CONNECT
acl authed proxy_auth REQUIRED
http_access deny CONNECT !SSL_ports
http_access allow authed
http_access deny all
CONF
ip netns exec "$NS" squid -N -f "$TMP/squid.conf" >/dev/null 2>&1 &
PIDS+=($!)
sleep 3

capture() {      # FILE CURL-ARGS...
    local out=$HERE/$1; shift
    ip netns exec "$NS" tcpdump -i lo -U -s 0 -w "$out" 'tcp port 3128 or tcp port 8080' >/dev/null 2>&1 &
    local tp=$!
    PIDS+=($tp)
    sleep 1
    in_ns timeout 15 curl -sS -o /dev/null "$@" || true
    sleep 1
    kill -INT "$tp"
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$tp" 2>/dev/null && sleep 0.3; done
    say "$(basename "$out"): $(tcpdump -r "$out" 2>/dev/null | wc -l) packets"
}
P=http://127.0.0.1:3128
capture connect-ok.pcap -x $P --cacert "$TMP/cert.pem" https://target.test/
capture connect-auth-401.pcap -x http://127.0.0.1:8080 --proxy-user alice:wrong --cacert "$TMP/cert.pem" https://target.test/
capture connect-login-ok.pcap -x http://127.0.0.1:8080 --proxy-user alice:s3cret --cacert "$TMP/cert.pem" https://target.test/
capture connect-403.pcap -x $P --cacert "$TMP/cert.pem" https://target.test:8443/
capture connect-unreachable.pcap -x $P --cacert "$TMP/cert.pem" https://down.test/
capture connect-unknown-ca.pcap -x $P https://target.test/
S=http://127.0.0.4:3128
capture squid-ok.pcap -x $S --proxy-user alice:s3cret --cacert "$TMP/cert.pem" https://target.test/
capture squid-407.pcap -x $S --cacert "$TMP/cert.pem" https://target.test/
capture squid-403.pcap -x $S --proxy-user alice:s3cret --cacert "$TMP/cert.pem" https://target.test:8443/
capture squid-503.pcap -x $S --proxy-user alice:s3cret --cacert "$TMP/cert.pem" https://down.test/
capture connect-sni-mismatch.pcap -x $P --cacert "$TMP/cert.pem" --connect-to target.test:443:other.test:443 https://target.test/
