#!/usr/bin/env bash
# make-matrix.sh -- captures of many real TLS servers and clients, for tlsdiag's verdict rules.
#
# Run as root on Debian 12:   sudo bash samples/matrix/make-matrix.sh [PATTERN]
#
# Same approach as samples/make-samples.sh, with its own names so the two never clash: namespaces
# mxcli (10.98.0.1) and mxsrv (10.98.0.2) joined by the veth pair mxc0/mxs0, made afresh for every
# scenario; tcpdump on mxc0 (snaplen 0); a server in mxsrv, a client (always under `timeout`) in
# mxcli, which resolves www.example.test / other.example.test to 10.98.0.2 through
# /etc/netns/mxcli/hosts.  No packet leaves those namespaces.  After each scenario
# src/mxcheck.py checks with tshark (decrypting with the key log) that the capture shows what the
# scenario intends; a scenario that fails its check is reported and left out.  Everything is staged
# in a temporary directory; at the end the passing captures, their key logs, ca/ and expected.txt
# replace what is in samples/matrix/.  With PATTERN (a bash glob on the capture name) only
# matching scenarios run and nothing is published (for trying things out; see MX_KEEP).
#
# Environment: MX_LOGS=DIR keeps every tool's output there; MX_KEEP=DIR keeps the staging
# directory's results there instead of publishing (default when PATTERN is given: /tmp/mx-try);
# MX_PKI=DIR keeps the keys and certificates there and takes them from there when it already holds
# them, so that several runs with a PATTERN make captures under one and the same root.
set -uo pipefail
umask 022
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/src
PATTERN=${1:-}
NS_C=mxcli NS_S=mxsrv
IF_C=mxc0 IF_S=mxs0
IP_C=10.98.0.1 IP_S=10.98.0.2
SNI=www.example.test
T0=$SECONDS

say() { printf '%s\n' "make-matrix: $*" >&2; }
die() { say "error: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, tcpdump)"

# ---------------------------------------------------------------------------------------------
# Packages (Debian 12).  Services must not start on install: a policy-rc.d says so while apt runs
# (an existing one is left as it is).
# ---------------------------------------------------------------------------------------------
PKGS=(openssl tcpdump iproute2 ethtool tshark curl wget gnutls-bin python3 nginx apache2 haproxy
      lighttpd lighttpd-mod-openssl lighttpd-mod-gnutls lighttpd-mod-mbedtls lighttpd-mod-wolfssl
      stunnel4 golang-go default-jdk-headless nodejs caddy chromium libnss3-tools erlang-nox
      libbotan-2-dev g++ libwolfssl-dev)
need=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    say "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
    made_policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
    fi
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || say "warning: apt-get install failed"
    [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
fi
have() { command -v "$1" >/dev/null 2>&1; }
for t in openssl tcpdump tshark ip curl; do have "$t" || die "$t is missing"; done
PY=/usr/bin/python3

# ---------------------------------------------------------------------------------------------
# Clean-up: leftovers at start, everything at exit
# ---------------------------------------------------------------------------------------------
PIDS=()
TMP=""
kill_ns_procs() {
    local ns=$1 p
    ip netns list 2>/dev/null | grep -qw "^$ns" || return 0
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
    sleep 0.2
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
}
ns_down() {
    local ns
    for ns in "$NS_C" "$NS_S"; do
        kill_ns_procs "$ns"
        ip netns del "$ns" 2>/dev/null || true
    done
}
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    ns_down
    rm -rf /etc/netns/$NS_C /etc/netns/$NS_S
    [ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ns_down
TMP=$(mktemp -d /tmp/tlsdiag-matrix.XXXXXX)
chmod 755 "$TMP"     # Apache's and lighttpd's workers read their document root from here
mkdir -p "$TMP/pki" "$TMP/cap" "$TMP/log" "$TMP/out/ca" "$TMP/bin" "$TMP/run"
OUT=$TMP/out
LOG=${MX_LOGS:-$TMP/log}
mkdir -p "$LOG"
mkdir -p /etc/netns/$NS_C
printf '127.0.0.1 localhost\n%s %s other.example.test\n' "$IP_S" "$SNI" >/etc/netns/$NS_C/hosts

# ---------------------------------------------------------------------------------------------
# Keys and certificates
# ---------------------------------------------------------------------------------------------
P=$TMP/pki
cat >"$P/ext.cnf" <<EOC
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:$SNI, IP:$IP_S
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[noip]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:$SNI
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[clientonly]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectAltName = DNS:$SNI, IP:$IP_S
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOC
mkdir -p "$P/db/new"; : >"$P/db/index.txt"; echo 2000 >"$P/db/serial"
cat >"$P/ca.cnf" <<EOC
[ca]
default_ca = mx
[mx]
database = $P/db/index.txt
new_certs_dir = $P/db/new
serial = $P/db/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = supplied
EOC
ROOT_START=20190101000000Z
ROOT_END=$(date -u -d '+10 years' +%Y%m%d%H%M%SZ)
LEAF_START=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)
LEAF_END=$(date -u -d '+2 years' +%Y%m%d%H%M%SZ)
key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:${2:-2048} -out "$P/$1.key" 2>/dev/null; }
issue() {  # NAME SUBJECT ISSUER(=NAME: self-signed) EXT-SECTION START END [DIGEST]
    local name=$1 subj=$2 issuer=$3 sect=$4 start=$5 end=$6 md=${7:-sha256} how
    openssl req -new -key "$P/$name.key" -subj "$subj" -out "$P/$name.csr"
    if [ "$issuer" = "$name" ]; then how=(-selfsign -keyfile "$P/$name.key")
    else how=(-cert "$P/$issuer.crt" -keyfile "$P/$issuer.key"); fi
    openssl ca -batch -config "$P/ca.cnf" "${how[@]}" -preserveDN -notext -md "$md" \
        -startdate "$start" -enddate "$end" -extfile "$P/ext.cnf" -extensions "$sect" \
        -in "$P/$name.csr" -out "$P/$name.crt" 2>"$P/$name.err" || die "certificate $name: $(cat "$P/$name.err")"
}
if [ -n "${MX_PKI:-}" ] && [ -s "$MX_PKI/id-srv.chain" ]; then
    say "taking keys and certificates from $MX_PKI"
    cp -a "$MX_PKI"/. "$P"/
else
say "making keys and certificates"
for k in root other int otherint srv osrv exp intleaf otherleaf noip cli rogue sha1 eku; do key "$k" & done
key weak 1024 &
wait
issue root     "/O=tlsdiag/CN=tlsdiag Matrix Root CA"          root     ca "$ROOT_START" "$ROOT_END"
issue other    "/O=tlsdiag/CN=tlsdiag Matrix Other CA"         other    ca "$ROOT_START" "$ROOT_END"
issue int      "/O=tlsdiag/CN=tlsdiag Matrix Intermediate CA"  root     ca "$ROOT_START" "$ROOT_END"
issue otherint "/O=tlsdiag/CN=tlsdiag Matrix Other Intermediate" other  ca "$ROOT_START" "$ROOT_END"
issue srv       "/CN=$SNI" root     server "$LEAF_START" "$LEAF_END"
issue osrv      "/CN=$SNI" other    server "$LEAF_START" "$LEAF_END"
issue exp       "/CN=$SNI" root     server 20200101000000Z 20210101000000Z
issue intleaf   "/CN=$SNI" int      server "$LEAF_START" "$LEAF_END"
issue otherleaf "/CN=$SNI" otherint server "$LEAF_START" "$LEAF_END"
issue noip      "/CN=$SNI" root     noip   "$LEAF_START" "$LEAF_END"
issue weak      "/CN=$SNI" root     server "$LEAF_START" "$LEAF_END"        # RSA-1024 key
issue sha1      "/CN=$SNI" root     server "$LEAF_START" "$LEAF_END" sha1   # signed with SHA-1
issue eku       "/CN=$SNI" root     clientonly "$LEAF_START" "$LEAF_END"    # EKU clientAuth only
issue cli   "/O=tlsdiag/CN=tlsdiag matrix client" root  client "$LEAF_START" "$LEAF_END"
issue rogue "/O=tlsdiag/CN=tlsdiag matrix rogue client" other client "$LEAF_START" "$LEAF_END"
# Server identities: NAME.chain is what the server sends, NAME.pem chain + key (HAProxy),
# NAME.p12 for Java.  The root is never sent, except in "otherfull".
mkid() {  # ID KEY CERT [CHAIN-CERTS...]
    local id=$1 k=$2; shift 2
    cat "${@/#/$P/}" | sed 's/\r//' >"$P/id-$id.chain"
    cp "$P/$k.key" "$P/id-$id.key"
    cat "$P/id-$id.chain" "$P/id-$id.key" >"$P/id-$id.pem"
    openssl pkcs12 -export -in "$P/id-$id.chain" -inkey "$P/id-$id.key" -passout pass:changeit \
        -name srv -out "$P/id-$id.p12" 2>/dev/null
}
mkid srv       srv       srv.crt
mkid other     osrv      osrv.crt                    # the leaf from the untrusted Other CA
mkid exp       exp       exp.crt
mkid intleaf   intleaf   intleaf.crt                   # leaf only: the intermediate is missing
mkid intfull   intleaf   intleaf.crt int.crt           # leaf + intermediate: complete
mkid otherfull otherleaf otherleaf.crt otherint.crt other.crt   # complete, to an untrusted root
mkid noip      noip      noip.crt
mkid weak      weak      weak.crt
mkid sha1      sha1      sha1.crt
mkid eku       eku       eku.crt
for c in cli rogue; do
    openssl pkcs12 -export -in "$P/$c.crt" -inkey "$P/$c.key" -passout pass:changeit -name c \
        -out "$P/$c.p12" 2>/dev/null
done
if [ -n "${MX_PKI:-}" ]; then mkdir -p "$MX_PKI" && cp -a "$P"/. "$MX_PKI"/; fi
fi
CA=$P/root.crt
cp "$P/root.crt" "$OUT/ca/root.pem"
cp "$P/other.crt" "$OUT/ca/other-ca.pem"
cp "$P/int.crt" "$OUT/ca/intermediate.pem"

# ---------------------------------------------------------------------------------------------
# Programs of our own (src/)
# ---------------------------------------------------------------------------------------------
B=$TMP/bin
say "building the Go and Java programs"
export GOCACHE=$TMP/gocache GO111MODULE=off
go build -o "$B/gosrv" "$SRC/gosrv.go" || die "go build gosrv"
go build -o "$B/gocli" "$SRC/gocli.go" || die "go build gocli"
javac -d "$B" "$SRC/JavaSrv.java" "$SRC/JavaCli.java" || die "javac"
g++ -std=c++17 -O1 -I/usr/include/botan-2 -o "$B/botancli" "$SRC/botancli.cpp" -lbotan-2 || die "g++ botancli"
gcc -O1 -o "$B/wolfcli" "$SRC/wolfcli.c" -lwolfssl || die "gcc wolfcli"
# Chromium trusts what is in the NSS db of its HOME: only the matrix root.
CHOME=$TMP/chromehome
mkdir -p "$CHOME/.pki/nssdb"
certutil -d "sql:$CHOME/.pki/nssdb" -N --empty-password
certutil -d "sql:$CHOME/.pki/nssdb" -A -n "tlsdiag Matrix Root CA" -t "C,," -i "$CA"
# OpenSSL at security level 2 (Debian's default) refuses to load a certificate with an RSA-1024
# key or a SHA-1 signature: servers that must serve one get this configuration (OPENSSL_CONF).
LOWSEC=$TMP/openssl-lowsec.cnf
printf 'openssl_conf = init\n[init]\nssl_conf = ssl\n[ssl]\nsystem_default = sys\n[sys]\nCipherString = DEFAULT:@SECLEVEL=0\n' >"$LOWSEC"
HTDOCS=$TMP/htdocs
mkdir -p "$HTDOCS"; printf 'mx-hello static\n' >"$HTDOCS/index.html"

# ---------------------------------------------------------------------------------------------
# Namespaces, capture
# ---------------------------------------------------------------------------------------------
ns_up() {
    ns_down
    ip netns add "$NS_C"; ip netns add "$NS_S"
    ip link add "$IF_C" netns "$NS_C" type veth peer name "$IF_S" netns "$NS_S"
    # IPv4 only: an IPv6 link-local address appearing a moment after the link comes up makes
    # chromium abort its page load with ERR_NETWORK_CHANGED
    ip netns exec "$NS_C" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
    ip netns exec "$NS_S" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
    ip -n "$NS_C" addr add "$IP_C/24" dev "$IF_C"
    ip -n "$NS_S" addr add "$IP_S/24" dev "$IF_S"
    ip -n "$NS_C" link set lo up; ip -n "$NS_S" link set lo up
    ip -n "$NS_C" link set "$IF_C" up; ip -n "$NS_S" link set "$IF_S" up
    if have ethtool; then
        ip netns exec "$NS_C" ethtool -K "$IF_C" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
        ip netns exec "$NS_S" ethtool -K "$IF_S" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
    fi
}
CUR="" CAP_PID="" KEYLOG="" SKEYLOG=""
cap_start() {
    local err=$LOG/$CUR.tcpdump i
    : >"$err"
    ip netns exec "$NS_C" tcpdump -i "$IF_C" -w "$TMP/cap/$CUR.pcap" -U --immediate-mode -Z root -s 0 -n \
        "tcp and host $IP_S" 2>"$err" &
    CAP_PID=$!; PIDS+=("$CAP_PID")
    for i in $(seq 50); do grep -q "listening on" "$err" && break; sleep 0.1; done
    grep -q "listening on" "$err" || { say "$CUR: tcpdump did not start"; return 1; }
    sleep 0.2
}
cap_stop() {
    sleep 0.7
    kill -INT "$CAP_PID" 2>/dev/null || true
    wait "$CAP_PID" 2>/dev/null || true
    CAP_PID=""
}
wait_listen() {  # PORT
    local i
    for i in $(seq 150); do
        [ -n "$(ip netns exec "$NS_S" ss -Hltn "sport = :$1" 2>/dev/null)" ] && return 0
        sleep 0.1
    done
    say "$CUR: nothing listens on port $1: $(tail -5 "$LOG/$CUR.server" 2>/dev/null)"
    return 1
}
SRV_ENV=()   # VAR=VALUE... for the server's environment (see LOWSEC)
bg_srv() {  # CMD...   (in mxsrv)
    ip netns exec "$NS_S" env "${SRV_ENV[@]}" "$@" </dev/null >>"$LOG/$CUR.server" 2>&1 &
    PIDS+=("$!")
}

# ---------------------------------------------------------------------------------------------
# Servers: start_server KIND VER AUTH ID [CIPHER]
#   VER 12 | 13 | any;  AUTH none | optional | require (client certificates from the matrix root);
#   ID a server identity (srv other exp intleaf intfull otherfull noip);  CIPHER (TLS 1.2 only).
# ---------------------------------------------------------------------------------------------
SERVERS=(nginx apache haproxy lighttpd-openssl lighttpd-gnutls lighttpd-mbedtls lighttpd-wolfssl
         stunnel go java node python gnutls-serv caddy)
start_server() {
    local kind=$1 ver=$2 auth=$3 id=$4 cipher=${5:-} D=$TMP/run/$CUR
    local chain=$P/id-$id.chain key=$P/id-$id.key vmin=1.2 vmax=1.3
    mkdir -p "$D"; chmod 755 "$D"
    case $ver in 12) vmax=1.2 ;; 13) vmin=1.3 ;; esac
    case $kind in
    nginx)
        local protos="TLSv1.2 TLSv1.3" va=""
        [ "$ver" = 12 ] && protos=TLSv1.2; [ "$ver" = 13 ] && protos=TLSv1.3
        [ "$auth" = require ] && va="ssl_verify_client on; ssl_client_certificate $CA;"
        [ "$auth" = optional ] && va="ssl_verify_client optional; ssl_client_certificate $CA;"
        cat >"$D/nginx.conf" <<EOC
daemon off; master_process off; worker_processes 1; pid $D/nginx.pid; error_log $D/error.log info;
events {}
http {
  access_log off; client_body_temp_path $D; proxy_temp_path $D; fastcgi_temp_path $D;
  uwsgi_temp_path $D; scgi_temp_path $D;
  server {
    listen 443 ssl; server_name $SNI;
    ssl_certificate $chain; ssl_certificate_key $key; ssl_protocols $protos;
    ${cipher:+ssl_ciphers $cipher;} $va
    location / { default_type text/plain; return 200 "mx-hello nginx\n"; }
  }
}
EOC
        bg_srv nginx -e "$D/error.log" -p "$D" -c "$D/nginx.conf" ;;
    apache)
        local protos="-all +TLSv1.2 +TLSv1.3" M=/usr/lib/apache2/modules va=""
        [ "$ver" = 12 ] && protos="-all +TLSv1.2"; [ "$ver" = 13 ] && protos="-all +TLSv1.3"
        [ "$auth" = require ] && va="SSLVerifyClient require
SSLVerifyDepth 2
SSLCACertificateFile $CA"
        [ "$auth" = optional ] && va="SSLVerifyClient optional
SSLVerifyDepth 2
SSLCACertificateFile $CA"
        cat >"$D/httpd.conf" <<EOC
ServerRoot $D
ServerName $SNI
Listen 443
PidFile $D/httpd.pid
DefaultRuntimeDir $D
Mutex file:$D default
ErrorLog $D/error.log
LogLevel info
LoadModule mpm_event_module $M/mod_mpm_event.so
LoadModule authz_core_module $M/mod_authz_core.so
LoadModule mime_module $M/mod_mime.so
LoadModule dir_module $M/mod_dir.so
LoadModule socache_shmcb_module $M/mod_socache_shmcb.so
LoadModule ssl_module $M/mod_ssl.so
User www-data
Group www-data
TypesConfig /etc/mime.types
DocumentRoot $HTDOCS
DirectoryIndex index.html
<Directory $HTDOCS>
  Require all granted
</Directory>
SSLSessionCache shmcb:$D/scache(512000)
SSLEngine on
SSLCertificateFile $chain
SSLCertificateKeyFile $key
SSLProtocol $protos
${cipher:+SSLCipherSuite $cipher}
$va
EOC
        bg_srv apache2 -f "$D/httpd.conf" -DFOREGROUND ;;
    haproxy)
        local v="ssl-min-ver TLSv$vmin ssl-max-ver TLSv$vmax" va=""
        [ "$auth" = require ] && va="verify required ca-file $CA"
        [ "$auth" = optional ] && va="verify optional ca-file $CA"
        cat >"$D/haproxy.cfg" <<EOC
global
  log stderr format raw local0 info
defaults
  mode http
  log global
  timeout connect 5s
  timeout client 5s
  timeout server 5s
frontend fe
  bind :443 ssl crt $P/id-$id.pem $v $va ${cipher:+ciphers $cipher}
  http-request return status 200 content-type text/plain string "mx-hello haproxy"
EOC
        bg_srv haproxy -db -f "$D/haproxy.cfg" ;;
    lighttpd-*)
        local mod=mod_${kind#lighttpd-} va=""
        [ "$auth" != none ] && va="ssl.ca-file = \"$CA\"
ssl.verifyclient.activate = \"enable\"
ssl.verifyclient.depth = 2
ssl.verifyclient.enforce = \"$([ "$auth" = require ] && echo enable || echo disable)\""
        cat >"$D/lighttpd.conf" <<EOC
server.modules = ("$mod")
server.document-root = "$HTDOCS"
server.port = 443
server.errorlog = "$D/error.log"
server.pid-file = "$D/lighttpd.pid"
index-file.names = ("index.html")
mimetype.assign = (".html" => "text/plain")
ssl.engine = "enable"
ssl.pemfile = "$chain"
ssl.privkey = "$key"
ssl.openssl.ssl-conf-cmd = ("MinProtocol" => "TLSv$vmin", "MaxProtocol" => "TLSv$vmax"${cipher:+, \"CipherString\" => \"$cipher\"})
$va
EOC
        bg_srv lighttpd -D -f "$D/lighttpd.conf" -m /usr/lib/lighttpd ;;
    stunnel)
        local va=""
        [ "$auth" = require ] && va="verifyChain = yes
requireCert = yes
CAfile = $CA"
        [ "$auth" = optional ] && va="verifyChain = yes
requireCert = no
CAfile = $CA"
        cat >"$D/stunnel.conf" <<EOC
foreground = yes
pid =
debug = info
[https]
accept = 443
connect = 127.0.0.1:8080
cert = $chain
key = $key
sslVersionMin = TLSv$vmin
sslVersionMax = TLSv$vmax
${cipher:+ciphers = $cipher}
$va
EOC
        bg_srv "$PY" -m http.server 8080 --bind 127.0.0.1 --directory "$HTDOCS"
        wait_listen 8080 || return 1
        bg_srv stunnel4 "$D/stunnel.conf" ;;
    go)
        bg_srv "$B/gosrv" -cert "$chain" -key "$key" -min $vmin -max $vmax -auth "$auth" -ca "$CA" -keylog "$SKEYLOG" ;;
    java)
        local protos=TLSv1.2,TLSv1.3
        [ "$ver" = 12 ] && protos=TLSv1.2; [ "$ver" = 13 ] && protos=TLSv1.3
        bg_srv java -cp "$B" JavaSrv "$P/id-$id.p12" "$protos" "$auth" "$CA" ;;
    node)
        bg_srv node "$SRC/nodesrv.js" "$chain" "$key" $vmin $vmax "$auth" "$CA" "$SKEYLOG" ;;
    python)
        bg_srv "$PY" "$SRC/pysrv.py" "$chain" "$key" $vmin $vmax "$auth" "$CA" "$SKEYLOG" ;;
    gnutls-serv)
        local pri=NORMAL va=()
        [ "$ver" = 12 ] && pri="NORMAL:-VERS-ALL:+VERS-TLS1.2"; [ "$ver" = 13 ] && pri="NORMAL:-VERS-ALL:+VERS-TLS1.3"
        [ -n "$cipher" ] && pri="$pri:-CIPHER-ALL:$cipher"
        [ "$auth" = require ] && va=(--require-client-cert --verify-client-cert --x509cafile "$CA")
        [ "$auth" = optional ] && va=(--verify-client-cert --x509cafile "$CA")
        bg_srv gnutls-serv --http -p 443 --x509certfile "$chain" --x509keyfile "$key" --priority "$pri" "${va[@]}" ;;
    caddy)
        local ca_blk=""
        [ "$auth" = require ] && ca_blk="client_auth {
      mode require_and_verify
      trusted_ca_cert_file $CA
    }"
        [ "$auth" = optional ] && ca_blk="client_auth {
      mode verify_if_given
      trusted_ca_cert_file $CA
    }"
        cat >"$D/Caddyfile" <<EOC
{
  admin off
  auto_https off
  storage file_system $D/caddy
}
https://:443 {
  tls $chain $key {
    protocols tls$vmin tls$vmax
    $ca_blk
  }
  respond "mx-hello caddy" 200
}
EOC
        HOME=$D XDG_DATA_HOME=$D XDG_CONFIG_HOME=$D bg_srv env HOME=$D XDG_DATA_HOME=$D XDG_CONFIG_HOME=$D \
            caddy run --config "$D/Caddyfile" --adapter caddyfile ;;
    *) say "unknown server $kind"; return 1 ;;
    esac
    wait_listen 443
}

# ---------------------------------------------------------------------------------------------
# Clients: run_client KIND VER CC TARGET [MODE [N]]
#   VER any | 12 (TLS 1.2 only) | 13 (TLS 1.3 only);  CC none | good | rogue;
#   TARGET www | other (SNI other.example.test) | ip (https://10.98.0.2/, no SNI);
#   MODE req (one GET) | noreq (handshake, then close) | resume (N connections, one session).
# ---------------------------------------------------------------------------------------------
CC_CIPHER=""   # a client cipher list (curl/openssl: OpenSSL names; gnutls-cli: priority items)
CLIENTS=(curl wget go java node python gnutls-cli openssl chromium)
# nss (tstclnt, NSS; trusts what is in the chromium NSS db), erlang (src/erlcli.escript, OTP ssl),
# botan (src/botancli.cpp, Botan 2: TLS 1.2 only, no key log), wolfssl (src/wolfcli.c, no key log)
# are used in sections 4 to 6
GET_ONE() { printf 'GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$1"; }
cli() {  # SECONDS CMD...
    local t=$1; shift
    echo "+ $*" >>"$LOG/$CUR.client"
    ip netns exec "$NS_C" env SSLKEYLOGFILE="$KEYLOG" HOME="$CHOME" timeout -k 2 "$t" "$@" >>"$LOG/$CUR.client" 2>&1 || true
}
run_client() {
    local kind=$1 ver=$2 cc=$3 target=$4 mode=${5:-req} n=${6:-1}
    local host=$SNI vmin=1.2 vmax=1.3 ccert="" ckey=""
    [ "$target" = other ] && host=other.example.test
    [ "$target" = ip ] && host=$IP_S
    local url=https://$host/
    case $ver in 12) vmax=1.2 ;; 13) vmin=1.3 ;; esac
    [ "$cc" != none ] && { ccert=$P/$([ "$cc" = good ] && echo cli || echo rogue).crt; ckey=${ccert%.crt}.key; }
    case $kind in
    curl)
        local a=(-sS --http1.1 -o - -w '\nHTTPSTATUS %{http_code}\n' --cacert "$CA" --connect-timeout 5)
        [ "$ver" = 12 ] && a+=(--tlsv1.2 --tls-max 1.2); [ "$ver" = 13 ] && a+=(--tlsv1.3)
        [ -n "$ccert" ] && a+=(--cert "$ccert" --key "$ckey")
        [ -n "$CC_CIPHER" ] && a+=(--ciphers "$CC_CIPHER")
        if [ "$mode" = resume ]; then
            local u2=() i; for i in $(seq "$n"); do u2+=("$url"); done
            cli 10 curl "${a[@]}" -H 'Connection: close' "${u2[@]}"
        else
            cli 10 curl "${a[@]}" "$url"
        fi ;;
    wget)
        local a=(-O - -q --server-response --tries=1 --timeout=5 --ca-certificate="$CA")
        [ "$ver" = 12 ] && a+=(--secure-protocol=TLSv1_2); [ "$ver" = 13 ] && a+=(--secure-protocol=TLSv1_3)
        [ -n "$ccert" ] && a+=(--certificate="$ccert" --private-key="$ckey")
        cli 10 wget "${a[@]}" "$url" ;;
    go)
        local a=(-url "$url" -ca "$CA" -min $vmin -max $vmax -keylog "$KEYLOG" -n "$n")
        [ -n "$ccert" ] && a+=(-cert "$ccert" -key "$ckey")
        [ "$mode" = noreq ] && a+=(-noreq)
        cli 15 "$B/gocli" "${a[@]}" ;;
    java)
        local protos=TLSv1.2,TLSv1.3 p12=-
        [ "$ver" = 12 ] && protos=TLSv1.2; [ "$ver" = 13 ] && protos=TLSv1.3
        [ -n "$ccert" ] && p12=${ccert%.crt}.p12
        cli 20 java -cp "$B" JavaCli "$url" "$CA" "$protos" "$p12" "$n" ;;
    node)
        local m=req; [ "$mode" != req ] && m=noreq
        cli 15 node "$SRC/nodecli.js" "$url" "$CA" $vmin $vmax "${ccert:--}" "${ckey:--}" "$n" "$m" ;;
    python)
        local m=$mode
        cli 15 "$PY" "$SRC/pycli.py" "$url" "$CA" $vmin $vmax "${ccert:--}" "${ckey:--}" "$n" "$m" ;;
    gnutls-cli)
        local pri=NORMAL a=(--x509cafile "$CA" -p 443)
        [ "$ver" = 12 ] && pri="NORMAL:-VERS-ALL:+VERS-TLS1.2"; [ "$ver" = 13 ] && pri="NORMAL:-VERS-ALL:+VERS-TLS1.3"
        [ -n "$CC_CIPHER" ] && pri="$pri:-CIPHER-ALL:$CC_CIPHER"
        a+=(--priority "$pri")
        [ -n "$ccert" ] && a+=(--x509certfile "$ccert" --x509keyfile "$ckey")
        [ "$mode" = resume ] && a+=(--resume)
        if [ "$mode" = noreq ]; then
            cli 10 gnutls-cli "${a[@]}" "$host" </dev/null
        else
            { GET_ONE "$host"; sleep 2; } | cli 10 gnutls-cli "${a[@]}" "$host"
        fi ;;
    openssl)
        local a=(openssl s_client -connect "$host:443" -keylogfile "$KEYLOG" -CAfile "$CA" -verify_return_error)
        if [ "$target" = ip ]; then a+=(-noservername -verify_ip "$IP_S"); else a+=(-servername "$host" -verify_hostname "$host"); fi
        [ "$ver" = 12 ] && a+=(-tls1_2); [ "$ver" = 13 ] && a+=(-tls1_3)
        [ -n "$ccert" ] && a+=(-cert "$ccert" -key "$ckey")
        [ -n "$CC_CIPHER" ] && a+=(-cipher "$CC_CIPHER")
        case $mode in
        noreq) cli 10 "${a[@]}" </dev/null ;;
        resume)
            GET_ONE "$host" | cli 10 "${a[@]}" -sess_out "$TMP/run/$CUR.sess" -ign_eof
            sleep 0.3
            GET_ONE "$host" | cli 10 "${a[@]}" -sess_in "$TMP/run/$CUR.sess" -ign_eof ;;
        *) GET_ONE "$host" | cli 10 "${a[@]}" -ign_eof ;;
        esac ;;
    nss)
        local a=(-h "$host" -p 443 -d "sql:$CHOME/.pki/nssdb" -4 -V "tls$vmin:tls$vmax")
        { GET_ONE "$host"; sleep 2; } | cli 10 tstclnt "${a[@]}" ;;
    erlang)
        cli 20 escript "$SRC/erlcli.escript" "$host" "$CA" $vmin $vmax "$KEYLOG" ;;
    botan)
        # Botan 2.19 offers TLS 1.2 at most
        cli 10 "$B/botancli" "$host" "$CA" ;;
    wolfssl)
        cli 10 "$B/wolfcli" "$host" "$CA" $vmin $vmax ;;
    chromium)
        rm -rf "$TMP/run/$CUR.chrome"
        cli 20 chromium --headless --disable-gpu --no-sandbox --no-first-run --disable-extensions \
            --disable-background-networking --disable-component-update --disable-sync \
            --disable-features=Translate,OptimizationHints,MediaRouter --no-default-browser-check \
            --user-data-dir="$TMP/run/$CUR.chrome" --ssl-key-log-file="$KEYLOG" --dump-dom "$url" ;;
    *) say "unknown client $kind"; return 1 ;;
    esac
}

# ---------------------------------------------------------------------------------------------
# One scenario:  scen NAME VERDICTS SERVER SVER AUTH ID CLIENT CVER CC TARGET [MODE [N]] [-- CIPHER]
# ---------------------------------------------------------------------------------------------
EXPECTED=$TMP/expected.txt
: >"$EXPECTED"
NPASS=0 NFAIL=0 FAILS=()
scen() {
    local name=$1 verdicts=$2 server=$3 sver=$4 auth=$5 id=$6 client=$7 cver=$8 cc=$9 target=${10}
    local mode=${11:-req} n=${12:-1} cipher=${13:-}
    [ -n "$PATTERN" ] && [[ $name != $PATTERN ]] && return 0
    CUR=$name
    KEYLOG=$TMP/run/$name.ckeylog SKEYLOG=$TMP/run/$name.skeylog
    rm -f "$KEYLOG" "$SKEYLOG"
    : >"$LOG/$CUR.client"; : >"$LOG/$CUR.server"
    ns_up
    if ! cap_start; then NFAIL=$((NFAIL+1)); FAILS+=("$name: tcpdump"); ns_down; return 0; fi
    if ! start_server "$server" "$sver" "$auth" "$id" "$cipher"; then
        cap_stop; ns_down; NFAIL=$((NFAIL+1)); FAILS+=("$name: server did not start"); return 0
    fi
    sleep 0.2
    run_client "$client" "$cver" "$cc" "$target" "$mode" "$n"
    cap_stop
    ns_down
    # The client's key log when it wrote one, else the server's (Go, Node, Python servers).
    local kl=- side=""
    if [ -s "$KEYLOG" ] && grep -qv '^#' "$KEYLOG"; then kl=$KEYLOG side=client
    elif [ -s "$SKEYLOG" ] && grep -qv '^#' "$SKEYLOG"; then kl=$SKEYLOG side=server; fi
    local flags=""
    [ "$mode" = noreq ] && flags=noreq
    [ "$mode" = resume ] && flags=resumed
    # a browser opens a speculative second connection; Java's HttpClient retries a failed one:
    # one verdict for each connection
    [ "$client" = chromium ] && flags=repeat
    [ "$client" = java ] && [ "$mode" = req ] && flags=repeat
    # Node's resumption: handshake-only connections
    [ "$mode" = resume ] && [ "$client" = node ] && flags=resumed,noreq
    # gnutls-cli --resume: a first connection without a request, then the resumed one with it
    [ "$mode" = resume ] && [ "$client" = gnutls-cli ] && flags=resumed,noreq0
    local res
    res=$("$PY" "$SRC/mxcheck.py" "$TMP/cap/$name.pcap" "$kl" "$LOG/$CUR.client" "$verdicts" "$flags" 2>&1)
    local size; size=$(stat -c %s "$TMP/cap/$name.pcap" 2>/dev/null || echo 0)
    if [ "${res%% *}" = PASS ]; then
        local vc=${res#PASS }; vc=${vc%% | *}
        verdicts=${vc%% *}; local confs=${vc#* }
        local note=${res#* | }
        mv "$TMP/cap/$name.pcap" "$OUT/$name.pcap"
        [ "$kl" != - ] && cp "$kl" "$OUT/$name.keylog"
        printf '%-44s %-24s %-16s # %s / %s / %s%s\n' "$name.pcap" "$verdicts" "$confs" "$server" "$client" "$note" \
            "${side:+ (key log: $side)}" >>"$EXPECTED"
        NPASS=$((NPASS+1))
        say "$(printf '%-44s %-22s %6d B  %s' "$name" "$verdicts" "$size" "$note")"
    else
        NFAIL=$((NFAIL+1)); FAILS+=("$name: $res")
        say "CHECK FAILED $name: $res"
        # the client's last words help to see why
        tail -3 "$LOG/$CUR.client" | sed 's/^/    client: /' >&2
    fi
}

# ---------------------------------------------------------------------------------------------
# The matrix
# ---------------------------------------------------------------------------------------------
say "running scenarios"
# 1. Every server, against curl (OpenSSL), with the Go client for one more ok: TLS 1.2 and 1.3
#    ok, client certificate required and missing, required and rogue, required and good (mTLS),
#    optional and not sent, server certificate from the untrusted CA.
for s in "${SERVERS[@]}"; do
    scen "$s-curl-ok-tls12"                  ok                   "$s" 12 none     srv   curl 12 none  www
    v=13; [ "$s" = lighttpd-mbedtls ] && v=12
    [ $v = 13 ] && scen "$s-curl-ok-tls13"   ok                   "$s" 13 none     srv   curl 13 none  www
    scen "$s-go-ok-tls$v"               ok                   "$s" $v none     srv   go   any none www
    scen "$s-curl-mtls-ok-tls$v"             ok                   "$s" $v require  srv   curl $v good  www
    scen "$s-curl-optional-nocert-tls$v"     ok                   "$s" $v optional srv   curl $v none  www
    for v in 12 13; do
        # mbedTLS 2.28 (Debian 12) has no TLS 1.3 server: lighttpd-mbedtls is TLS 1.2 only
        [ "$s" = lighttpd-mbedtls ] && [ $v = 13 ] && continue
        scen "$s-curl-client-cert-missing-tls$v"  client-cert-missing  "$s" $v require srv curl $v none  www
        scen "$s-curl-client-cert-rejected-tls$v" client-cert-rejected "$s" $v require srv curl $v rogue www
    done
    scen "$s-curl-unknown-ca-tls12"          unknown-ca           "$s" 12 none     other curl 12 none  www
done

# 2. Every client against the Go server (which also writes a key log, for the Java client): ok
#    over 1.2 and 1.3, unknown CA, name mismatch, expired certificate (TLS 1.2: in clear).
for c in "${CLIENTS[@]}"; do
    # (go-curl-ok-*, go-curl-unknown-ca-tls12 and go-go-ok-tls13 are in the server loop)
    [ "$c" = curl ] ||
    scen "go-$c-ok-tls12"            ok                   go 12  none srv   "$c" any none  www
    [ "$c" = go ] || [ "$c" = curl ] ||
    scen "go-$c-ok-tls13"            ok                   go 13  none srv   "$c" any none  www
    [ "$c" = curl ] ||
    scen "go-$c-unknown-ca-tls12"    unknown-ca           go 12  none other "$c" any none  www
    scen "go-$c-unknown-ca-tls13"    unknown-ca           go 13  none other "$c" any none  www
    scen "go-$c-name-mismatch-tls12" name-mismatch        go 12  none srv   "$c" any none  other
    scen "go-$c-expired-tls12"       server-cert-expired  go 12  none exp   "$c" any none  www
    scen "go-$c-incomplete-chain-tls12" incomplete-chain  go 12  none intleaf "$c" any none www
    scen "go-$c-untrusted-chain-tls12"  unknown-ca        go 12  none otherfull "$c" any none www
done

# 3. Special cases.
# A complete chain through the intermediate: fine.
scen nginx-curl-intfull-ok-tls12          ok  nginx 12 none intfull curl any none www
scen nginx-java-intfull-ok-tls13     ok  nginx 13 none intfull java any none www
# The leaf alone, issued by the intermediate, with several servers.
scen nginx-curl-incomplete-chain-tls12    incomplete-chain nginx  12 none intleaf curl any none www
scen nginx-curl-incomplete-chain-tls13    incomplete-chain nginx  13 none intleaf curl any none www
scen apache-go-incomplete-chain-tls13   incomplete-chain apache 13 none intleaf go   any none www
scen nginx-openssl-untrusted-chain-tls13     unknown-ca       nginx  13 none otherfull openssl any none www
# Name mismatch and expiry over TLS 1.3 (certificate encrypted).
for c in curl openssl go gnutls-cli; do
    scen "nginx-$c-name-mismatch-tls13"    name-mismatch        nginx 13 none srv "$c" any none other
    scen "nginx-$c-expired-tls13"          server-cert-expired  nginx 13 none exp "$c" any none www
done
# No SNI: the client connects to https://10.98.0.2/.  IP in the certificate: ok; not in it
# (a certificate with only the DNS name): name mismatch.
for c in curl openssl go python node java; do
    scen "nginx-$c-by-ip-ok-tls12"         ok             nginx 12 none srv  "$c" any none ip
    scen "nginx-$c-by-ip-not-in-cert-tls12" name-mismatch nginx 12 none noip "$c" any none ip
done
scen nginx-curl-by-ip-ok-tls13             ok             nginx 13 none srv  curl any none ip
scen nginx-openssl-by-ip-not-in-cert-tls13 name-mismatch  nginx 13 none noip openssl any none ip
# Version mismatch: server TLS 1.3 only, client at most 1.2; and the other way round.
scen nginx13-curl12-protocol-mismatch    protocol-mismatch nginx   13 none srv curl    12 none www
scen go13-openssl12-protocol-mismatch    protocol-mismatch go      13 none srv openssl 12 none www
scen java13-python12-protocol-mismatch   protocol-mismatch java    13 none srv python  12 none www
scen gnutls13-go12-protocol-mismatch     protocol-mismatch gnutls-serv 13 none srv go  12 none www
scen node13-java12-protocol-mismatch     protocol-mismatch node    13 none srv java    12 none www
scen apache12-curl13-protocol-mismatch   protocol-mismatch apache  12 none srv curl    13 none www
scen haproxy12-openssl13-protocol-mismatch protocol-mismatch haproxy 12 none srv openssl 13 none www
scen caddy12-gnutls13-protocol-mismatch  protocol-mismatch caddy   12 none srv gnutls-cli 13 none www
scen lighttpd-mbedtls-curl13-protocol-mismatch protocol-mismatch lighttpd-mbedtls any none srv curl 13 none www
# Cipher mismatch (TLS 1.2): the server takes only AES256-SHA.
CC_CIPHER=ECDHE-RSA-CHACHA20-POLY1305
scen nginx-openssl-cipher-mismatch       protocol-mismatch nginx    12 none srv openssl 12 none www req 1 AES256-SHA
scen apache-openssl-cipher-mismatch      protocol-mismatch apache   12 none srv openssl 12 none www req 1 AES256-SHA
CC_CIPHER=ECDHE-RSA-AES128-GCM-SHA256
scen haproxy-curl-cipher-mismatch        protocol-mismatch haproxy  12 none srv curl    12 none www req 1 AES256-SHA
scen stunnel-curl-cipher-mismatch        protocol-mismatch stunnel  12 none srv curl    12 none www req 1 AES256-SHA
CC_CIPHER=+AES-128-GCM
scen gnutls-gnutls-cipher-mismatch       protocol-mismatch gnutls-serv 12 none srv gnutls-cli 12 none www req 1 +AES-256-CBC
CC_CIPHER=""
# Health-check style: handshake, then close without a request.
scen nginx-openssl-noreq-tls13           ok nginx   13 none srv openssl    any none www noreq
scen nginx-openssl-noreq-tls12           ok nginx   12 none srv openssl    any none www noreq
scen haproxy-go-noreq-tls13              ok haproxy 13 none srv go         any none www noreq
scen apache-python-noreq-tls13           ok apache  13 none srv python     any none www noreq
scen caddy-node-noreq-tls13              ok caddy   13 none srv node       any none www noreq
scen lighttpd-openssl-gnutls-noreq-tls12 ok lighttpd-openssl 12 none srv gnutls-cli any none www noreq
# Session resumption: two connections, the second resumes the first one's session.
scen nginx-openssl-resume-tls12          ok,ok nginx   12 none srv openssl    any none www resume 2
scen nginx-openssl-resume-tls13          ok,ok nginx   13 none srv openssl    any none www resume 2
scen apache-openssl-resume-tls13         ok,ok apache  13 none srv openssl    any none www resume 2
scen haproxy-curl-resume-tls12           ok,ok haproxy 12 none srv curl       any none www resume 2
scen go-go-resume-tls13                  ok,ok go      13 none srv go         any none www resume 2
scen caddy-go-resume-tls12               ok,ok caddy   12 none srv go         any none www resume 2
scen nginx-gnutls-resume-tls13           ok,ok nginx   13 none srv gnutls-cli any none www resume 2
scen nginx-python-resume-tls13           ok,ok nginx   13 none srv python     any none www resume 2
scen node-node-resume-tls13              ok,ok node    13 none srv node       any none www resume 2
# The Java client against several servers (record sizes differ).
for s in nginx apache haproxy caddy node java python gnutls-serv; do
    scen "$s-java-ok-tls13"   ok "$s" 13 none srv java any none www
done
scen nginx-java-ok-tls12      ok nginx 12 none srv java any none www
# Client certificates with other clients.
scen nginx-go-client-cert-missing-tls13      client-cert-missing  nginx  13 require srv go   any none  www
# Go sends no certificate at all when its certificate's issuer is not in the server's CA list.
scen nginx-go-rogue-not-sent-tls12           client-cert-missing  nginx  12 require srv go   any rogue www
scen go-java-mtls-ok-tls13                   ok                   go     13 require srv java any good  www
scen go-java-client-cert-missing-tls13       client-cert-missing  go     13 require srv java any none  www
scen go-chromium-client-cert-missing-tls13     client-cert-missing  go     13 require srv chromium any none www
scen apache-python-mtls-ok-tls12             ok                   apache 12 require srv python any good www
scen nginx-gnutls-client-cert-missing-tls13  client-cert-missing  nginx  13 require srv gnutls-cli any none www
scen go-node-client-cert-rejected-tls13      client-cert-rejected go     13 require srv node any rogue www
scen go-wget-mtls-ok-tls12                   ok                   go     12 require srv wget any good  www

# 4. More client stacks: NSS (tstclnt), Erlang/OTP (ssl), Botan 2 (TLS 1.2 only), wolfSSL: ok,
#    untrusted private root, name mismatch, expired, against nginx and the Go server (client and
#    server limited to one version).  Debian's NSS writes no key log, Erlang none for a refused
#    handshake, Botan and wolfSSL none at all: the Go server's key log shows their alerts.
for c in nss erlang botan wolfssl; do
    for s in nginx go; do
        for v in 12 13; do
            [ $c = botan ] && [ $v = 13 ] && continue
            scen "$s-$c-ok-tls$v"            ok                  $s $v none srv   $c $v none www
            scen "$s-$c-unknown-ca-tls$v"    unknown-ca          $s $v none other $c $v none www
            scen "$s-$c-name-mismatch-tls$v" name-mismatch       $s $v none srv   $c $v none other
            scen "$s-$c-expired-tls$v"       server-cert-expired $s $v none exp   $c $v none www
        done
    done
done

# 5. Server certificates from the trusted root that a client may still refuse: an RSA-1024 key
#    (weak-key), a SHA-1 signature (sha1-signed), an extendedKeyUsage of clientAuth only
#    (eku-client-only).  What each client does (its truth) is in certv.  nginx (TLS 1.2) and the
#    Go server (TLS 1.3, or 1.2 for Botan; it writes a key log) serve them; nginx, like any
#    OpenSSL-based server, loads them only below security level 2 (LOWSEC).
certv() {  # CLIENT ID -> the verdict: what that client does with it (seen in these captures)
    case $1:$2 in
    *:eku) echo server-cert-rejected ;;           # every client here checks the EKU
    curl:*|python:*) echo server-cert-rejected ;; # OpenSSL 3 at level 2: key too small, SHA-1 too weak
    botan:*) echo server-cert-rejected ;;         # Botan's policy: RSA >= 2048 bits, no SHA-1
    gnutls-cli:sha1|go:sha1|node:sha1) echo server-cert-rejected ;;   # (Node's OpenSSL: level 1)
    *) echo ok ;;   # RSA-1024: GnuTLS, Go, Java, Node, NSS, Erlang, wolfSSL; SHA-1: Java, NSS,
                    # Erlang, wolfSSL
    esac
}
SRV_ENV=(OPENSSL_CONF=$LOWSEC)
for c in curl gnutls-cli go java python node nss erlang botan wolfssl; do
    v=13; [ $c = botan ] && v=12
    for id in weak:weak-key sha1:sha1-signed eku:eku-client-only; do
        n=${id#*:} id=${id%%:*}
        scen "nginx-$c-$n-tls12"  "$(certv $c $id)"  nginx 12 none $id $c any none www
        scen "go-$c-$n-tls$v"     "$(certv $c $id)"  go    $v none $id $c any none www
    done
done
SRV_ENV=()

# 6. Versions with nothing in common, on more stacks: the client offers only TLS 1.3 to a TLS 1.2
#    server, or only TLS 1.2 to a TLS 1.3 server (nginx, and the Go server).
for c in curl gnutls-cli go java python node nss erlang botan wolfssl; do
    s=${c%-cli}
    [ $c = botan ] ||
    scen "nginx12-${s}13-protocol-mismatch"  protocol-mismatch nginx 12 none srv $c 13 none www
    [ $c = curl ] ||
    scen "nginx13-${s}12-protocol-mismatch"  protocol-mismatch nginx 13 none srv $c 12 none www
done
for c in curl java nss erlang; do
    scen "go12-${c}13-protocol-mismatch"     protocol-mismatch go    12 none srv $c 13 none www
done
for c in curl python nss erlang botan; do
    scen "go13-${c}12-protocol-mismatch"     protocol-mismatch go    13 none srv $c 12 none www
done

# 7. More servers for the certificate failures, more clients for the client-certificate ones.
# Name mismatch (SNI other.example.test) and an expired leaf, from Apache, HAProxy, Caddy and
# lighttpd (OpenSSL), to curl, gnutls-cli and Python.
for s in apache haproxy caddy lighttpd-openssl; do
    g=13 p=12; [ $s = haproxy ] && g=12 p=13
    for cv in curl:12 curl:13 gnutls-cli:$g python:$p; do
        c=${cv%%:*} v=${cv#*:}
        [ $s = lighttpd-openssl ] && [ $c != curl ] && continue
        scen "$s-$c-name-mismatch-tls$v"  name-mismatch        $s $v none srv $c any none other
        scen "$s-$c-expired-tls$v"        server-cert-expired  $s $v none exp $c any none www
    done
done
# An RSA-1024 leaf (refused by curl and Python) and a clientAuth-only leaf (refused by all) from
# Apache, HAProxy, Caddy and stunnel (OpenSSL-based servers at security level 0: LOWSEC; stunnel
# sets its own level and refuses to load the RSA-1024 key, so it serves only the EKU one).
SRV_ENV=(OPENSSL_CONF=$LOWSEC)
for s in apache haproxy caddy stunnel; do
    if [ $s != stunnel ]; then
    scen "$s-curl-weak-key-tls12"              "$(certv curl weak)"       $s 12 none weak curl       any none www
    scen "$s-python-weak-key-tls13"            "$(certv python weak)"     $s 13 none weak python     any none www
    fi
    scen "$s-gnutls-cli-eku-client-only-tls13" "$(certv gnutls-cli eku)"  $s 13 none eku  gnutls-cli any none www
    scen "$s-curl-eku-client-only-tls13"       "$(certv curl eku)"        $s 13 none eku  curl       any none www
    scen "$s-python-eku-client-only-tls12"     "$(certv python eku)"      $s 12 none eku  python     any none www
done
SRV_ENV=()
# The leaf alone (its intermediate missing) from HAProxy and Caddy.
for sc in haproxy:curl:12 haproxy:python:13 caddy:curl:13 caddy:gnutls-cli:12; do
    s=${sc%%:*} c=${sc#*:} v=${c#*:} c=${c%%:*}
    scen "$s-$c-incomplete-chain-tls$v"   incomplete-chain     $s $v none intleaf $c any none www
done
# No client certificate, with more clients, against Apache (which asks for one from the root).
for cv in python:12 python:13 node:12 node:13 openssl:12 openssl:13 wget:12 wget:13; do
    c=${cv%%:*} v=${cv#*:}
    scen "apache-$c-client-cert-missing-tls$v"  client-cert-missing  apache $v require srv $c any none  www
done
# A client certificate from the Other CA, with more clients.  OpenSSL-based clients send it to
# Apache, whose CertificateRequest names the root; Go, Java (and GnuTLS) send only a certificate
# whose issuer the server names, so they meet the Python server, which names no CA.
for cv in openssl:12 openssl:13 python:12 python:13; do
    c=${cv%%:*} v=${cv#*:}
    scen "apache-$c-client-cert-rejected-tls$v" client-cert-rejected apache $v require srv $c any rogue www
done
for cv in gnutls-cli:12 gnutls-cli:13 go:12 go:13 java:12 java:13; do
    c=${cv%%:*} v=${cv#*:}
    scen "python-$c-client-cert-rejected-tls$v" client-cert-rejected python $v require srv $c any rogue www
done

# ---------------------------------------------------------------------------------------------
# Publication
# ---------------------------------------------------------------------------------------------
say "$NPASS scenarios passed their checks, $NFAIL did not ($((SECONDS - T0)) s)"
for f in "${FAILS[@]}"; do say "  left out: $f"; done
{
    echo "# The truth for every capture in samples/matrix/ (made by make-matrix.sh): FILE VERDICTS CONFIDENCES"
    echo "# (one per TCP connection, in order) # server / client / what the decrypted capture shows."
    echo "# Check with: sh tests/readings.sh (each capture read three ways; what tlsdiag must print: readings.txt)"
    cat "$EXPECTED"
} >"$OUT/expected.txt"
if [ -n "$PATTERN" ]; then
    K=${MX_KEEP:-/tmp/mx-try}
    rm -rf "$K"; mkdir -p "$K"; cp -a "$OUT"/. "$K"/
    say "PATTERN given: results in $K, nothing published"
    exit 0
fi
rm -f "$HERE"/*.pcap "$HERE"/*.keylog "$HERE/expected.txt"
rm -rf "$HERE/ca"
mv "$OUT/ca" "$HERE/ca"
mv "$OUT"/*.pcap "$OUT"/*.keylog "$OUT/expected.txt" "$HERE"/
say "published $NPASS captures in $HERE"
