#!/usr/bin/env bash
# make.sh - re-make the QUIC (HTTP/3, UDP 443) captures of samples/quic/ from real stacks.
#
# Debian 12 packages it needs (it installs nothing; it names what is missing):
#   ngtcp2-client ngtcp2-server chromium libnss3-tools nginx tshark tcpdump nftables iproute2
#   openssl golang-go golang-github-lucas-clemente-quic-go-dev   (ethtool: optional)
#   DEBIAN_FRONTEND=noninteractive apt-get install -y ngtcp2-client ngtcp2-server chromium \
#       libnss3-tools nginx tshark tcpdump nftables iproute2 openssl golang-go \
#       golang-github-lucas-clemente-quic-go-dev ethtool
#
# Run as root:   bash samples/quic/make.sh            (about 1 minute)
#                QUIC_LOGS=/tmp/q bash samples/quic/make.sh   (also keep every tool's output there)
#
# Every scenario gets a fresh pair of network namespaces (client 10.97.0.1, server 10.97.0.2)
# joined by a veth; tcpdump records the client's side ('udp port 443 or tcp port 443 or icmp').
# The servers are ngtcp2's example server (gtlsserver, GnuTLS), nginx for TCP and the Go quic-go
# client (src/qcli.go) where a client must choose its ALPN; the clients are ngtcp2's example
# client (gtlsclient) and headless Chromium. Names resolve through /etc/netns/NS/hosts (ngtcp2) and
# --host-resolver-rules (Chromium). Each capture's key log (the client's TLS secrets,
# SSLKEYLOGFILE format) is written beside it as NAME.keys where the client wrote one.
# The captures are staged in a temporary folder, checked against expected.txt by verify.sh, and
# copied here only when all of them pass; a failed run leaves the files here as they were (and
# its captures in $TMP/stage, kept when QUIC_LOGS is set).
set -euo pipefail
umask 022
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TMP=$(mktemp -d /tmp/quic-samples.XXXXXX)
LOG=${QUIC_LOGS:-$TMP/logs}
STAGE=$TMP/stage
mkdir -p "$LOG" "$STAGE" "$TMP/www"
chmod 755 "$TMP"
NS_C=tdqc$$ NS_S=tdqs$$ IF_C=tdqc$$ IF_S=tdqs$$
IP_C=10.97.0.1 IP_S=10.97.0.2
NAME=www.example.test OTHER=other.example.test
PIDS=()
KEEP=0
say() { printf 'make.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
ns_down() {
    ip netns del "$NS_C" 2>/dev/null || true
    ip netns del "$NS_S" 2>/dev/null || true
    rm -rf "/etc/netns/$NS_C"
}
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    ns_down
    if [ -n "${QUIC_LOGS:-}" ] || [ "$KEEP" = 1 ]; then say "logs and staged captures kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, nftables, tcpdump)"
missing=()
need() { command -v "$1" >/dev/null || missing+=("$1 (Debian package $2)"); }
need gtlsclient ngtcp2-client; need gtlsserver ngtcp2-server; need chromium chromium
need certutil libnss3-tools;   need nginx nginx;                need tshark tshark
need tcpdump tcpdump;          need nft nftables;               need ip iproute2
need ss iproute2;              need openssl openssl;            need go golang-go
[ -d /usr/share/gocode/src/github.com/lucas-clemente/quic-go ] ||
    missing+=("quic-go sources (Debian package golang-github-lucas-clemente-quic-go-dev)")
[ ${#missing[@]} = 0 ] || die "missing: ${missing[*]}"
command -v ethtool >/dev/null || say "no ethtool: offloads stay on (checksums may read as wrong)"

# ---- certificates ------------------------------------------------------------------------------
# `openssl ca` (unlike OpenSSL 3.0's `x509 -req`) takes explicit -startdate/-enddate: the expired
# leaf ended in 2021. P-256 keys: small certificates, small captures.
P=$TMP/pki
mkdir -p "$P/db"
: >"$P/db/index.txt"
echo 1000 >"$P/db/serial"
cat >"$P/ca.cnf" <<EOF
[ca]
default_ca = td
[td]
database = $P/db/index.txt
new_certs_dir = $P/db
serial = $P/db/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = supplied
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:$NAME, IP:$IP_S
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
ROOT_START=20190101000000Z
ROOT_END=$(date -u -d '+10 years' +%Y%m%d%H%M%SZ)
LEAF_START=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)
LEAF_END=$(date -u -d '+1 year' +%Y%m%d%H%M%SZ)
issue() {  # NAME SUBJECT ISSUER(=NAME: self-signed) EXT-SECTION START END
    local name=$1 subj=$2 issuer=$3 sect=$4 start=$5 end=$6 how
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$P/$name.key" 2>/dev/null
    openssl req -new -key "$P/$name.key" -subj "$subj" -out "$P/$name.csr"
    if [ "$issuer" = "$name" ]; then how=(-selfsign -keyfile "$P/$name.key")
    else how=(-cert "$P/$issuer.crt" -keyfile "$P/$issuer.key"); fi
    openssl ca -batch -config "$P/ca.cnf" "${how[@]}" -preserveDN -notext -md sha256 \
        -startdate "$start" -enddate "$end" -extensions "$sect" \
        -in "$P/$name.csr" -out "$P/$name.crt" 2>"$P/$name.err" || die "certificate $name: $(cat "$P/$name.err")"
}
say "making certificates"
issue ca    "/O=tlsdiag/CN=tlsdiag QUIC Test Root CA" ca    ca_ext "$ROOT_START" "$ROOT_END"
issue other "/O=tlsdiag/CN=tlsdiag QUIC Other CA"     other ca_ext "$ROOT_START" "$ROOT_END"
issue srv       "/CN=$NAME" ca    server "$LEAF_START" "$LEAF_END"
issue other-srv "/CN=$NAME" other server "$LEAF_START" "$LEAF_END"
issue exp       "/CN=$NAME" ca    server 20200101000000Z 20210101000000Z
chmod 644 "$P"/*.key
printf 'hello\n' >"$TMP/www/index.html"

# Chromium trusts the test root through the NSS database of the HOME it runs with.
CHOME=$TMP/chome
mkdir -p "$CHOME/.pki/nssdb"
certutil -N --empty-password -d "sql:$CHOME/.pki/nssdb"
certutil -A -d "sql:$CHOME/.pki/nssdb" -t C,, -n "tlsdiag QUIC Test Root CA" -i "$P/ca.crt"

# The quic-go client (src/qcli.go), for what ngtcp2's client cannot do: choose its ALPN, verify
# the server's certificate. Built in GOPATH mode from Debian's packaged sources, offline.
say "building the quic-go client"
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$TMP/gocache GOFLAGS= GOPROXY=off \
    go build -o "$TMP/qcli" "$HERE/src/qcli.go" >"$LOG/go-build.log" 2>&1 || die "go build: $(cat "$LOG/go-build.log")"

# ---- namespaces, capture, servers ---------------------------------------------------------------
ns_up() {
    ns_down
    ip netns add "$NS_C"
    ip netns add "$NS_S"
    ip link add "$IF_C" netns "$NS_C" type veth peer name "$IF_S" netns "$NS_S"
    ip -n "$NS_C" addr add "$IP_C/24" dev "$IF_C"
    ip -n "$NS_S" addr add "$IP_S/24" dev "$IF_S"
    ip -n "$NS_C" link set lo up
    ip -n "$NS_S" link set lo up
    ip -n "$NS_C" link set "$IF_C" up
    ip -n "$NS_S" link set "$IF_S" up
    if command -v ethtool >/dev/null; then   # no GSO/GRO super-packets, real checksums
        ip netns exec "$NS_C" ethtool -K "$IF_C" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
        ip netns exec "$NS_S" ethtool -K "$IF_S" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
    fi
    mkdir -p "/etc/netns/$NS_C"
    printf '127.0.0.1 localhost\n%s %s %s\n' "$IP_S" "$NAME" "$OTHER" >"/etc/netns/$NS_C/hosts"
}
nft_drop() {   # the server namespace drops what reaches it on: udp 443 [tcp 8080]
    ip netns exec "$NS_S" nft add table inet f
    ip netns exec "$NS_S" nft add chain inet f in '{ type filter hook input priority 0; }'
    ip netns exec "$NS_S" nft add rule inet f in udp dport 443 drop
    [ "${1:-}" != tcp8080 ] || ip netns exec "$NS_S" nft add rule inet f in tcp dport 8080 drop
}
CUR= CAP_PID= SRV_PID=
cap_start() {  # NAME
    CUR=${1%.pcap}
    : >"$LOG/$CUR.tcpdump"
    ip netns exec "$NS_C" tcpdump -i "$IF_C" -w "$STAGE/$CUR.pcap" -U --immediate-mode -Z root -s 0 -n \
        'udp port 443 or tcp port 443 or icmp' 2>"$LOG/$CUR.tcpdump" &
    CAP_PID=$!
    PIDS+=("$CAP_PID")
    local i
    for i in $(seq 50); do grep -q "listening on" "$LOG/$CUR.tcpdump" && break; sleep 0.1; done
    grep -q "listening on" "$LOG/$CUR.tcpdump" || die "$CUR: tcpdump did not start: $(cat "$LOG/$CUR.tcpdump")"
}
KEYS() { echo "$STAGE/$CUR.keys"; }
wait_gone() {  # PID
    local i
    for i in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    wait "$1" 2>/dev/null || true
}
finish() {     # end the scenario: capture, server, namespaces; drop an empty key log
    sleep 0.3  # the last datagrams (CONNECTION_CLOSE, ICMP) are on the wire already; let tcpdump write them
    kill -INT "$CAP_PID" 2>/dev/null || true; wait_gone "$CAP_PID"
    if [ -n "$SRV_PID" ]; then kill "$SRV_PID" 2>/dev/null || true; wait_gone "$SRV_PID"; SRV_PID=; fi
    ns_down
    [ -s "$STAGE/$CUR.pcap" ] || die "$CUR: no capture written"
    [ -s "$(KEYS)" ] || rm -f "$(KEYS)"
    say "$(printf '%-40s %4d packets %s' "$CUR.pcap" "$(tcpdump -r "$STAGE/$CUR.pcap" -n 2>/dev/null | wc -l)" \
        "$([ -f "$(KEYS)" ] && echo '+ keys')")"
}
wait_listen() {  # PROTO(u|t): until the server namespace has a socket on port 443
    local i
    for i in $(seq 50); do
        ip netns exec "$NS_S" ss -Hln"$1" 'sport = :443' | grep -q . && return 0
        kill -0 "$SRV_PID" 2>/dev/null || die "$CUR: the server exited: $(tail -3 "$LOG/$CUR.server")"
        sleep 0.1
    done
    die "$CUR: the server does not listen on 443"
}
ngtcp2_srv() {  # [gtlsserver options...] CERT: ngtcp2's server on 10.97.0.2:443, document root www/
    local cert=${!#} opts=("${@:1:$#-1}")
    ip netns exec "$NS_S" gtlsserver -q -d "$TMP/www" "${opts[@]}" "$IP_S" 443 "$P/$cert.key" "$P/$cert.crt" \
        >"$LOG/$CUR.server" 2>&1 &
    SRV_PID=$!; PIDS+=("$SRV_PID")
    wait_listen u
}
nginx_srv() {   # nginx on 10.97.0.2:443 over TCP (h2, http/1.1), advertising h3 on UDP 443 by Alt-Svc
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
    listen $IP_S:443 ssl http2;
    server_name $NAME;
    ssl_certificate $P/srv.crt;
    ssl_certificate_key $P/srv.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $TMP/www;
    add_header Alt-Svc 'h3=":443"; ma=86400' always;
    add_header Cache-Control no-store always;
  }
}
EOF
    ip netns exec "$NS_S" nginx -c "$TMP/nginx.conf" >"$LOG/$CUR.server" 2>&1 &
    SRV_PID=$!; PIDS+=("$SRV_PID")
    wait_listen t
}
ngtcp2_cli() {  # [gtlsclient options...]: one GET https://www.example.test/ (the client exits after it)
    mkdir -p "$TMP/dl-$CUR"
    SSLKEYLOGFILE=$(KEYS) timeout 20 ip netns exec "$NS_C" gtlsclient -q --exit-on-all-streams-close \
        --download="$TMP/dl-$CUR" "$@" "$NAME" 443 "https://$NAME/" >"$LOG/$CUR.client" 2>&1 || true
}
CHROMIUM_FLAGS=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
    --disable-component-update --disable-sync --no-default-browser-check
    "--host-resolver-rules=MAP $NAME $IP_S, MAP $OTHER $IP_S")
chromium_cli() {  # PROFILE-DIR KEYLOG [chromium options...] URL: load URL once, print its DOM
    local prof=$1 keys=$2; shift 2
    HOME=$CHOME timeout 40 ip netns exec "$NS_C" chromium "${CHROMIUM_FLAGS[@]}" --user-data-dir="$prof" \
        --ssl-key-log-file="$keys" "$@" >>"$LOG/$CUR.client" 2>&1 || true
}
chromium_quic() {  # HOST [PATH]: QUIC forced on HOST:443 (no TCP), one page load in a new profile
    local prof
    prof=$(mktemp -d "$TMP/chromium.XXXXXX")
    chromium_cli "$prof" "$(KEYS)" --origin-to-force-quic-on="$1:443" --dump-dom "https://$1/${2:-}"
}
goq_cli() {  # quic-go client options...
    timeout 20 ip netns exec "$NS_C" "$TMP/qcli" -keylog "$(KEYS)" "$@" >>"$LOG/$CUR.client" 2>&1 || true
}
got_page() { grep -q hello "$LOG/$CUR.client" "$TMP/dl-$CUR/index.html" 2>/dev/null || die "$CUR: the client did not get the page"; }

# ---- the scenarios --------------------------------------------------------------------------------
# 1. ngtcp2 client -> ngtcp2 server: one HTTP/3 GET, 200, the client closes (H3_NO_ERROR).
ns_up; cap_start quic-ok-ngtcp2
ngtcp2_srv srv
ngtcp2_cli
finish; got_page

# 2. Chromium -> ngtcp2 server (the root in Chromium's NSS database): one page over HTTP/3.
ns_up; cap_start quic-ok-chromium
ngtcp2_srv srv
chromium_quic "$NAME"
finish; got_page

# 3. The server validates the client's address first: Retry with a token, the client's second
#    Initial carries it, then the handshake and the GET.
ns_up; cap_start quic-retry-ngtcp2
ngtcp2_srv -V srv
ngtcp2_cli
finish; got_page

# 4. The client's first Initial has version 0x1a2a3a4a (a reserved "greasing" version): the server
#    answers Version Negotiation (0x00000001 and a reserved version); the client starts again with
#    v1, its preferred version, and fetches the page.
ns_up; cap_start quic-version-negotiation
ngtcp2_srv srv
ngtcp2_cli -v 0x1a2a3a4a --preferred-versions=v1
finish; got_page

# 5. Chromium and a server certificate from a CA it does not trust.
ns_up; cap_start quic-unknown-ca-chromium
ngtcp2_srv other-srv
chromium_quic "$NAME"
finish

# 6. Chromium asks for other.example.test; the (trusted) certificate names www.example.test only.
ns_up; cap_start quic-name-mismatch-chromium
ngtcp2_srv srv
chromium_quic "$OTHER"
finish

# 7. Chromium and a trusted certificate that expired on 2021-01-01.
ns_up; cap_start quic-expired-chromium
ngtcp2_srv exp
chromium_quic "$NAME"
finish

# 8. QUIC blocked, fallback to TCP. With --origin-to-force-quic-on Chromium never falls back (see
#    quic-blocked-chromium), so the way browsers meet HTTP/3 is used: nginx over TCP answers with
#    Alt-Svc: h3=":443"; a first Chromium run (not captured) loads the page over TCP and stores the
#    Alt-Svc in its profile; the captured second run, with the same profile, races QUIC and TCP:
#    its QUIC Initials go unanswered (udp 443 dropped in the server namespace), the page comes over
#    TCP (h2). The page holds an image from port 8080, also dropped, so that the browser stays
#    until its QUIC attempt gives up on its own (the 4 s idle timeout) instead of abandoning it when
#    the page is done; --timeout=6000 then ends the load.
ns_up; nft_drop tcp8080; CUR=quic-blocked-fallback-chromium-first-run
printf '<html><body>hello<img src="http://%s:8080/slow.png"></body></html>\n' "$NAME" >"$TMP/www/fb.html"
nginx_srv
fbprof=$(mktemp -d "$TMP/chromium.XXXXXX")
chromium_cli "$fbprof" "$TMP/first-run.keys" --dump-dom "https://$NAME/"
grep -q '"protocol_str":"quic"' "$fbprof/Default/Network Persistent State" 2>/dev/null ||
    die "$CUR: Chromium did not store the Alt-Svc of the first run"
cap_start quic-blocked-fallback-chromium
chromium_cli "$fbprof" "$(KEYS)" --timeout=6000 --dump-dom "https://$NAME/fb.html"
finish; got_page

# 9. ngtcp2 client, udp 443 dropped by the server: only the client's Initials (PTO retransmissions,
#    initial RTT 100 ms), then after its 3 s handshake timeout a CONNECTION_CLOSE in an Initial.
ns_up; nft_drop; cap_start quic-blocked-ngtcp2
ngtcp2_srv srv
ngtcp2_cli --initial-rtt=100ms --handshake-timeout=3s
finish

# 10. Nothing listens on udp 443: the server's kernel answers every Initial with ICMP port
#     unreachable; ngtcp2's client ignores them, retransmits, gives up after 3 s.
ns_up; cap_start quic-port-unreachable
ngtcp2_cli --initial-rtt=100ms --handshake-timeout=3s
finish

# 11. The quic-go client offers only ALPN "hq-interop"; ngtcp2's server speaks h3 only and refuses:
#     CONNECTION_CLOSE 0x178 (no_application_protocol) in its Initial.
ns_up; cap_start quic-alpn-mismatch-ngtcp2
ngtcp2_srv srv
goq_cli -addr "$IP_S:443" -sni "$NAME" -alpn hq-interop -ca "$P/ca.crt"
finish

# 12. The server requires a client certificate (--verify-client); ngtcp2's client has none.
ns_up; cap_start quic-client-cert-missing-ngtcp2
ngtcp2_srv --verify-client srv
ngtcp2_cli
finish

# 13. More failures the stacks make readily.
# Chromium with QUIC forced and udp 443 dropped: Initials for 4 s, then its CONNECTION_CLOSE
# ("No recent network activity"); no fallback to TCP.
ns_up; nft_drop; cap_start quic-blocked-chromium
ngtcp2_srv srv
chromium_quic "$NAME"
finish
# Chromium, nothing on udp 443: it stops at the ICMP port unreachable and tries again, three times.
ns_up; cap_start quic-port-unreachable-chromium
chromium_quic "$NAME"
finish
# The quic-go client verifies the certificate (Go's crypto/tls): unknown CA.
ns_up; cap_start quic-unknown-ca-go
ngtcp2_srv other-srv
goq_cli -addr "$IP_S:443" -sni "$NAME" -alpn h3 -ca "$P/ca.crt"
finish

# ---- check, publish -----------------------------------------------------------------------------
say "checking the captures against expected.txt"
if ! bash "$HERE/verify.sh" "$STAGE" >"$LOG/verify.out" 2>&1; then
    cat "$LOG/verify.out" >&2
    KEEP=1
    die "verify.sh found mismatches; nothing published (captures in $STAGE)"
fi
rm -f "$HERE"/*.pcap "$HERE"/*.keys
cp "$STAGE"/*.pcap "$STAGE"/*.keys "$HERE/"
mkdir -p "$HERE/ca"
cp "$P/ca.crt" "$HERE/ca/root.pem"
cp "$P/other.crt" "$HERE/ca/other-ca.pem"
say "done: $(ls "$STAGE"/*.pcap | wc -l) captures in $HERE"
