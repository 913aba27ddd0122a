#!/usr/bin/env bash
# make-samples.sh -- re-create every tlsdiag sample capture from scratch, with real TLS stacks.
#
# Run as root on Debian:   sudo bash samples/make-samples.sh
#
# Two network namespaces, tdcli (10.99.0.1, fd99::1) and tdsrv (10.99.0.2, fd99::2), are joined by
# a veth pair; keys and certificates are made in a temporary directory; for every scenario the
# namespaces are made afresh, tcpdump records the client's veth, a server is started in tdsrv and a
# client (always under `timeout`) in tdcli.  No packet leaves those namespaces.  After each
# scenario tshark checks that the capture shows what it should.  Everything is staged in a
# temporary directory and moved into samples/ only when every scenario passed its checks, so a
# failed or interrupted run leaves the published set as it was, and a re-run simply replaces it.
# See samples/README.md for what each capture shows.
#
# Environment: TD_LOGS=DIR keeps the clients' and servers' output there (default: discarded).
set -euo pipefail
umask 022
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEST=$HERE        # where the finished files go; everything is staged in $OUT first
NS_C=tdcli NS_S=tdsrv
IF_C=tdc0 IF_S=tds0
IP_C=10.99.0.1 IP_S=10.99.0.2
IP6_C=fd99::1 IP6_S=fd99::2
SNI=www.example.test
T0=$SECONDS

say() { printf '%s\n' "make-samples: $*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, tcpdump)"

# ---------------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------------
have() { command -v "$1" >/dev/null 2>&1; }
missing=()
have openssl    || missing+=(openssl)
have tcpdump    || missing+=(tcpdump)
have ip         || missing+=(iproute2)
have ss         || missing+=(iproute2)
have iptables || have nft || missing+=(nftables)
have gnutls-cli || missing+=(gnutls-bin)
have curl       || missing+=(curl)
have python3    || missing+=(python3)
have editcap    || missing+=(tshark)
have gzip       || missing+=(gzip)
have timeout    || missing+=(coreutils)
if [ ${#missing[@]} -gt 0 ]; then
    say "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# ethtool only turns the veths' offloads off (so that captured segments are MTU-sized and carry
# correct checksums); try to get it, but go on without it.
if ! have ethtool; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ethtool >/dev/null 2>&1 || true
fi
# Prefer the system python: it is the one a Debian machine has.
PY=$(command -v /usr/bin/python3 || command -v python3)

# ---------------------------------------------------------------------------------------------
# Clean-up: leftovers at start, everything at exit
# ---------------------------------------------------------------------------------------------
PIDS=()
TMP=""
kill_ns_procs() {  # processes left running inside one of our namespaces (e.g. by an earlier run)
    local ns=$1 p
    ip netns list 2>/dev/null | grep -qw "^$ns" || return 0
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
    sleep 0.1
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
    [ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ns_down
TMP=$(mktemp -d /tmp/tlsdiag-samples.XXXXXX)
mkdir -p "$TMP/pki" "$TMP/cap" "$TMP/log" "$TMP/out/keylog" "$TMP/out/ca"
OUT=$TMP/out
LOG=${TD_LOGS:-$TMP/log}
mkdir -p "$LOG"

# ---------------------------------------------------------------------------------------------
# Keys and certificates
# ---------------------------------------------------------------------------------------------
P=$TMP/pki
cat >"$P/ext.cnf" <<EOF
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:$SNI, IP:$IP_S, IP:$IP6_S
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[selfsigned]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:$SNI
subjectKeyIdentifier = hash

[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
# Every certificate is issued by `openssl ca`, which (unlike OpenSSL 3.0's `x509 -req`) takes
# explicit -startdate/-enddate: the roots and the good leaves start before the captures (so their
# validity at the capture's timestamp is never an edge case); the expired one ended in 2021.
mkdir -p "$P/db/new"
: >"$P/db/index.txt"
echo 1000 >"$P/db/serial"
cat >"$P/ca.cnf" <<EOF
[ca]
default_ca = td
[td]
database = $P/db/index.txt
new_certs_dir = $P/db/new
serial = $P/db/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = supplied
EOF
ROOT_START=20190101000000Z
ROOT_END=$(date -u -d '+10 years' +%Y%m%d%H%M%SZ)
LEAF_START=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)
LEAF_END=$(date -u -d '+2 years' +%Y%m%d%H%M%SZ)

key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$P/$1.key" 2>/dev/null; }
issue() {  # NAME SUBJECT ISSUER(=NAME: self-signed) EXT-SECTION START END
    local name=$1 subj=$2 issuer=$3 sect=$4 start=$5 end=$6 how
    openssl req -new -key "$P/$name.key" -subj "$subj" -out "$P/$name.csr"
    if [ "$issuer" = "$name" ]; then
        how=(-selfsign -keyfile "$P/$name.key")
    else
        how=(-cert "$P/$issuer.crt" -keyfile "$P/$issuer.key")
    fi
    openssl ca -batch -config "$P/ca.cnf" "${how[@]}" -preserveDN -notext -md sha256 \
        -startdate "$start" -enddate "$end" -extfile "$P/ext.cnf" -extensions "$sect" \
        -in "$P/$name.csr" -out "$P/$name.crt" 2>"$P/$name.err" ||
        die "certificate $name: $(cat "$P/$name.err")"
}
say "making keys and certificates"
for k in ca other srv other-srv exp self cli rogue; do key "$k" & done
wait
# Roots: "tlsdiag Test Root CA" is trusted by the clients and servers; "tlsdiag Other CA" is not.
issue ca    "/O=tlsdiag/CN=tlsdiag Test Root CA" ca    ca "$ROOT_START" "$ROOT_END"
issue other "/O=tlsdiag/CN=tlsdiag Other CA"     other ca "$ROOT_START" "$ROOT_END"
# Server certificates: good, from the untrusted CA, expired, self-signed.
issue srv       "/CN=$SNI" ca    server     "$LEAF_START" "$LEAF_END"
issue other-srv "/CN=$SNI" other server     "$LEAF_START" "$LEAF_END"
issue exp       "/CN=$SNI" ca    server     20200101000000Z 20210101000000Z
issue self      "/CN=$SNI" self  selfsigned "$LEAF_START" "$LEAF_END"
# Client certificates: one from the trusted root, one from the Other CA.
issue cli   "/O=tlsdiag/CN=tlsdiag test client"  ca    client "$LEAF_START" "$LEAF_END"
issue rogue "/O=tlsdiag/CN=tlsdiag rogue client" other client "$LEAF_START" "$LEAF_END"
for c in ca other srv other-srv exp self cli rogue; do
    [ -s "$P/$c.crt" ] || die "certificate $c was not made"
done

# ---------------------------------------------------------------------------------------------
# Namespaces, capture, server, client
# ---------------------------------------------------------------------------------------------
# A fresh pair of namespaces for every scenario: no stray packet, firewall rule or TIME_WAIT
# socket of one scenario can leak into the next capture.
ns_up() {  # [v6]
    ns_down
    ip netns add "$NS_C"
    ip netns add "$NS_S"
    ip link add "$IF_C" netns "$NS_C" type veth peer name "$IF_S" netns "$NS_S"
    ip -n "$NS_C" addr add "$IP_C/24" dev "$IF_C"
    ip -n "$NS_S" addr add "$IP_S/24" dev "$IF_S"
    if [ "${1:-}" = v6 ]; then
        ip -n "$NS_C" -6 addr add "$IP6_C/64" dev "$IF_C" nodad
        ip -n "$NS_S" -6 addr add "$IP6_S/64" dev "$IF_S" nodad
    fi
    ip -n "$NS_C" link set lo up
    ip -n "$NS_S" link set lo up
    ip -n "$NS_C" link set "$IF_C" up
    ip -n "$NS_S" link set "$IF_S" up
    if have ethtool; then
        ip netns exec "$NS_C" ethtool -K "$IF_C" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
        ip netns exec "$NS_S" ethtool -K "$IF_S" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
    fi
}

CUR=""
CAP_PID=""
SRV_PID=""
cap_start() {  # NAME
    CUR=$1
    local err=$LOG/$CUR.tcpdump i
    : >"$err"
    ip netns exec "$NS_C" tcpdump -i "$IF_C" -w "$TMP/cap/$CUR" -U --immediate-mode -Z root -s 0 -n 'tcp' 2>"$err" &
    CAP_PID=$!
    PIDS+=("$CAP_PID")
    for i in $(seq 50); do
        grep -q "listening on" "$err" && break
        sleep 0.1
    done
    grep -q "listening on" "$err" || die "$CUR: tcpdump did not start: $(cat "$err")"
    sleep 0.2
}
cap_stop() {
    sleep 0.5   # let the last segments (FIN, ACK) arrive
    kill -INT "$CAP_PID" 2>/dev/null || true
    wait "$CAP_PID" 2>/dev/null || true
    CAP_PID=""
    # tcpdump's closing statistics: every packet the filter took must be in the file.
    local err=$LOG/$CUR.tcpdump got took
    got=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$err")
    took=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter.*/\1/p' "$err")
    [ -n "$got" ] && [ "$got" = "$took" ] && [ "$got" -gt 0 ] ||
        die "$CUR: tcpdump wrote ${got:-?} of ${took:-?} packets: $(cat "$err")"
}
wait_listen() {  # PORT
    local i
    for i in $(seq 50); do
        [ -n "$(ip netns exec "$NS_S" ss -Hltn "sport = :$1" 2>/dev/null)" ] && return 0
        sleep 0.1
    done
    die "$CUR: nothing listens on port $1 in $NS_S: $(cat "$LOG/$CUR.server" 2>/dev/null)"
}
srv() {  # CMD...   start a server in tdsrv and wait until it listens on 443
    ip netns exec "$NS_S" "$@" </dev/null >>"$LOG/$CUR.server" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    wait_listen 443
}
srv_stop() {
    [ -n "$SRV_PID" ] || return 0
    kill "$SRV_PID" 2>/dev/null || true
    wait "$SRV_PID" 2>/dev/null || true
    SRV_PID=""
}
cli() {  # SECONDS CMD...   run a client in tdcli under timeout; stdin is the caller's
    local t=$1; shift
    { echo "+ $*"; } >>"$LOG/$CUR.client"
    # curl and gnutls-cli log their TLS secrets through SSLKEYLOGFILE, s_client through -keylogfile.
    ip netns exec "$NS_C" env SSLKEYLOGFILE="$KEYLOG" timeout "$t" "$@" >>"$LOG/$CUR.client" 2>&1 || true
}
finish() {  # stop everything of the current scenario and stage its capture and key log
    cap_stop
    srv_stop
    ns_down
    [ -s "$TMP/cap/$CUR" ] || die "$CUR: no capture written"
    mv -f "$TMP/cap/$CUR" "$OUT/$CUR"
    # The client's TLS secrets (NSS key log format), so that Wireshark can show what the
    # encrypted records of this capture hold (tshark -o tls.keylog_file:FILE).
    local kl=$OUT/keylog/${CUR%.pcap}.keylog
    if [ -f "$KEYLOG" ] && grep -qv "^#" "$KEYLOG"; then mv -f "$KEYLOG" "$kl"; else rm -f "$KEYLOG" "$kl"; fi
    say "$(printf '%-36s %3d packets' "$CUR" "$(tcpdump -r "$OUT/$CUR" -n 2>/dev/null | wc -l)")"
}

GET='GET / HTTP/1.0\r\nHost: www.example.test\r\n\r\n'
get() { printf "$GET"; }
S_SERVER=(openssl s_server -accept 443 -www)
SRV_CERT=(-cert "$P/srv.crt" -key "$P/srv.key")
KEYLOG=$TMP/keylog
S_CLIENT=(openssl s_client -connect "$IP_S:443" -servername "$SNI" -keylogfile "$KEYLOG")
# A server that requires a client certificate and rejects one that does not verify (without
# -verify_return_error s_server only logs the verification error and goes on).
REQ_CLIENT_CERT=(-Verify 1 -CAfile "$P/ca.crt" -verify_return_error)
VERIFY=(-CAfile "$P/ca.crt" -verify_return_error -verify_hostname "$SNI")

# Small Python servers for the non-TLS listeners.
cat >"$TMP/silent.py" <<'EOF'
# Accepts, reads what the client sends, and never answers.
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 443)); s.listen(8)
conns = []
while True:
    c, _ = s.accept()
    c.recv(65536)
    conns.append(c)          # keep it open, say nothing
EOF
cat >"$TMP/plainhttp.py" <<'EOF'
# A plain-HTTP server on the TLS port: whatever arrives, it answers with an HTTP 400 in clear text.
import socket
body = b"<html><head><title>400 Bad Request</title></head><body><h1>Bad Request</h1>" \
       b"<p>Your browser sent a request that this server could not understand.</p></body></html>\n"
resp = (b"HTTP/1.1 400 Bad Request\r\nServer: Apache/2.4.57 (Debian)\r\n"
        b"Content-Type: text/html; charset=iso-8859-1\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 443)); s.listen(8)
while True:
    c, _ = s.accept()
    c.recv(65536)
    c.sendall(resp)
    c.close()
EOF

# ---------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------
# After each scenario, check() asserts with tshark (decrypting with the scenario's key log) that the
# capture shows what it is meant to show: the number of packets matching a display filter must
# lie between MIN and MAX.
FAILED=0
check() {  # MIN MAX FILTER
    have tshark || return 0
    local n kl=$OUT/keylog/${CUR%.pcap}.keylog opts=()
    [ -f "$kl" ] && opts=(-o "tls.keylog_file:$kl")
    # s_server -www ends its answer by closing, with no Content-Length: do not wait for the body.
    opts+=(-o http.desegment_body:FALSE)
    n=$(tshark -r "$OUT/$CUR" "${opts[@]}" -Y "$3" 2>/dev/null | wc -l)
    if [ "$n" -lt "$1" ] || [ "$n" -gt "$2" ]; then
        say "CHECK FAILED: $CUR: $n packets match '$3' (want $1..$2)"
        FAILED=$((FAILED + 1))
    fi
}
C2S="ip.src == $IP_C" S2C="ip.src == $IP_S"
HRR_RANDOM=cf:21:ad:74:e5:9a:61:11:be:1d:8c:02:1e:65:b8:91:c2:a2:11:16:7a:bb:8c:5e:07:9e:09:e2:c8:a8:33:9c
alert() { echo "tls.alert_message.desc == $1"; }   # a TLS alert, seen in clear or decrypted

# 1. TLS 1.3, ALPN offered (the server picks http/1.1), one request and its answer.
ns_up; cap_start tls13-ok.pcap
srv "${S_SERVER[@]}" "${SRV_CERT[@]}" -alpn http/1.1
get | cli 5 "${S_CLIENT[@]}" "${VERIFY[@]}" -alpn h2,http/1.1 -ign_eof
finish
check 1 1 'tls.handshake.type == 2 && tls.handshake.extensions.supported_version == 0x0304 && tls.handshake.extensions_alpn_str == "http/1.1"'
check 1 1 "tls.handshake.extensions_server_name == \"$SNI\""
check 1 1 'http.response.code == 200'

# 2. TLS 1.2, ECDHE-RSA-AES128-GCM-SHA256.
ns_up; cap_start tls12-ok.pcap
srv "${S_SERVER[@]}" "${SRV_CERT[@]}"
get | cli 5 "${S_CLIENT[@]}" "${VERIFY[@]}" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -alpn h2,http/1.1 -ign_eof
finish
check 1 1 'tls.handshake.type == 2 && tls.handshake.version == 0x0303 && tls.handshake.ciphersuite == 0xc02f'
check 1 1 'http.response.code == 200'

# 3. TLS 1.2, full handshake then an abbreviated one resuming the session (session ticket).
ns_up; cap_start tls12-resumed.pcap
srv "${S_SERVER[@]}" "${SRV_CERT[@]}"
get | cli 5 "${S_CLIENT[@]}" "${VERIFY[@]}" -tls1_2 -sess_out "$TMP/sess.pem" -ign_eof
sleep 0.3
get | cli 5 "${S_CLIENT[@]}" "${VERIFY[@]}" -tls1_2 -sess_in "$TMP/sess.pem" -ign_eof
finish
check 2 2 'tls.handshake.type == 2'
check 1 1 'tls.handshake.type == 11'
check 2 2 'http.response.code == 200'
grep -q '^Reused' "$LOG/tls12-resumed.pcap.client" || { say "CHECK FAILED: tls12-resumed: not resumed"; FAILED=$((FAILED + 1)); }

# 4. TLS 1.3 HelloRetryRequest: the client's first key_share (x25519) is not what the server wants.
ns_up; cap_start tls13-hrr.pcap
srv "${S_SERVER[@]}" "${SRV_CERT[@]}" -groups P-256
get | cli 5 "${S_CLIENT[@]}" "${VERIFY[@]}" -groups X25519:P-256 -ign_eof
finish
check 1 1 "tls.handshake.random == $HRR_RANDOM"
check 2 2 'tls.handshake.type == 1'
check 1 1 'http.response.code == 200'

# 5. GnuTLS client against the OpenSSL server.
ns_up; cap_start gnutls-ok.pcap
srv "${S_SERVER[@]}" "${SRV_CERT[@]}"
{ get; sleep 2; } | cli 5 gnutls-cli --x509cafile "$P/ca.crt" --sni-hostname "$SNI" \
    --verify-hostname "$SNI" -p 443 "$IP_S"
finish
check 1 1 "tls.handshake.extensions_server_name == \"$SNI\""
check 1 1 'http.response.code == 200'

# 6. Mutual TLS 1.2: the server requires a client certificate and gets a trusted one.
ns_up; cap_start mtls-ok.pcap
srv "${S_SERVER[@]}" "${SRV_CERT[@]}" "${REQ_CLIENT_CERT[@]}"
get | cli 5 "${S_CLIENT[@]}" "${VERIFY[@]}" -tls1_2 -cert "$P/cli.crt" -key "$P/cli.key" -ign_eof
finish
check 1 1 'tls.handshake.type == 13'
check 1 1 "$C2S && tls.handshake.type == 11 && tls.handshake.certificates_length > 0"
check 1 1 'http.response.code == 200'

# 7. A firewall in the server namespace drops TCP to 443: SYN and its retransmissions, no answer.
ns_up; cap_start no-server-response.pcap
if have iptables; then
    ip netns exec "$NS_S" iptables -A INPUT -p tcp --dport 443 -j DROP
else
    ip netns exec "$NS_S" nft add table inet td
    ip netns exec "$NS_S" nft add chain inet td input '{ type filter hook input priority 0; policy accept; }'
    ip netns exec "$NS_S" nft add rule inet td input tcp dport 443 drop
fi
srv "${S_SERVER[@]}" "${SRV_CERT[@]}"
cli 3.5 "${S_CLIENT[@]}" </dev/null
finish
check 3 5 'tcp.flags.syn == 1 && tcp.flags.ack == 0'
check 0 0 "$S2C"

# 8. Nothing listens on 443: the SYN is answered by a RST.
ns_up; cap_start connection-refused.pcap
cli 3 "${S_CLIENT[@]}" </dev/null
finish
check 1 1 "$S2C && tcp.flags.reset == 1"

# 9. A TCP listener that takes the ClientHello and never answers; the client gives up after 3 s.
ns_up; cap_start no-tls-response.pcap
srv "$PY" "$TMP/silent.py"
cli 3 "${S_CLIENT[@]}" </dev/null
finish
check 1 1 'tls.handshake.type == 1'
check 0 0 "$S2C && tcp.len > 0"

# 10. A plain HTTP server on 443 answers the ClientHello with an HTTP 400 in clear text.
ns_up; cap_start server-not-tls.pcap
srv "$PY" "$TMP/plainhttp.py"
cli 3 "${S_CLIENT[@]}" </dev/null
finish
check 1 1 'tls.handshake.type == 1'
check 1 1 "$S2C && frame contains \"HTTP/1.1 400 Bad Request\""

# 11. The client speaks plain HTTP to the TLS port.
ns_up; cap_start client-not-tls.pcap
srv "${S_SERVER[@]}" "${SRV_CERT[@]}"
cli 3 curl -sS -o /dev/null "http://$IP_S:443/"
finish
check 1 1 "$C2S && frame contains \"GET / HTTP/1.1\""
check 0 0 'tls.handshake'

# 12. Server TLS 1.3 only, client TLS 1.2 only: protocol_version alert.
ns_up; cap_start protocol-mismatch-tls13-only.pcap
srv "${S_SERVER[@]}" "${SRV_CERT[@]}" -tls1_3
cli 3 "${S_CLIENT[@]}" "${VERIFY[@]}" -tls1_2 </dev/null
finish
check 1 1 "$S2C && $(alert 70)"

# 13. TLS 1.2 with no cipher suite in common: handshake_failure alert.
ns_up; cap_start cipher-mismatch.pcap
srv "${S_SERVER[@]}" "${SRV_CERT[@]}" -tls1_2 -cipher AES256-SHA
cli 3 "${S_CLIENT[@]}" "${VERIFY[@]}" -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305 </dev/null
finish
check 1 1 "$S2C && $(alert 40)"

# 14./15. The server's certificate comes from a CA the client does not trust: unknown_ca.
#     (OpenSSL's TLS 1.3 client sends this alert in the clear: it has not switched its write
#     keys yet when it rejects the server's Certificate.)
for v in 2 3; do
    ns_up; cap_start "unknown-ca-tls1$v.pcap"
    srv "${S_SERVER[@]}" -cert "$P/other-srv.crt" -key "$P/other-srv.key"
    get | cli 3 "${S_CLIENT[@]}" "${VERIFY[@]}" "-tls1_$v" -ign_eof
    finish
    check 1 1 "$C2S && $(alert 48)"
done

# 15b. The same with GnuTLS, whose TLS 1.3 client sends its alert (bad_certificate) encrypted
#      under the handshake keys.
ns_up; cap_start unknown-ca-tls13-gnutls.pcap
srv "${S_SERVER[@]}" -cert "$P/other-srv.crt" -key "$P/other-srv.key"
{ get; sleep 2; } | cli 3 gnutls-cli --x509cafile "$P/ca.crt" --sni-hostname "$SNI" \
    --verify-hostname "$SNI" -p 443 "$IP_S"
finish
check 1 1 "$C2S && $(alert 42)"
check 1 1 "$C2S && tls.record.opaque_type == 23 && tls.record.length == 19"

# 15c. GnuTLS over TLS 1.2: the certificate is visible, and GnuTLS says bad_certificate (not
#      unknown_ca) for an issuer it does not know.
ns_up; cap_start unknown-ca-gnutls-tls12.pcap
srv "${S_SERVER[@]}" -cert "$P/other-srv.crt" -key "$P/other-srv.key"
{ get; sleep 2; } | cli 3 gnutls-cli --x509cafile "$P/ca.crt" --sni-hostname "$SNI" \
    --verify-hostname "$SNI" --priority NORMAL:-VERS-TLS1.3 -p 443 "$IP_S"
finish
check 1 1 'tls.handshake.type == 11'
check 1 1 "$C2S && $(alert 42)"

# 16. Trusted certificate for www.example.test, but the client asks for other.example.test:
#     OpenSSL's client sends bad_certificate.
ns_up; cap_start name-mismatch-tls12.pcap
srv "${S_SERVER[@]}" "${SRV_CERT[@]}"
get | cli 3 openssl s_client -connect "$IP_S:443" -servername other.example.test -keylogfile "$KEYLOG" -CAfile "$P/ca.crt" \
    -verify_hostname other.example.test -verify_return_error -tls1_2 -ign_eof
finish
check 1 1 'tls.handshake.extensions_server_name == "other.example.test"'
check 1 1 "$C2S && $(alert 42)"

# 17. curl checks the name itself after the handshake, then hangs up (close_notify).  TLS 1.2 so
#     that the certificate is visible on the wire.
ns_up; cap_start name-mismatch-curl.pcap
srv "${S_SERVER[@]}" "${SRV_CERT[@]}"
cli 3 curl -sS -o /dev/null --cacert "$P/ca.crt" --tls-max 1.2 \
    --resolve "other.example.test:443:$IP_S" https://other.example.test/
finish
check 1 1 'tls.handshake.extensions_server_name == "other.example.test"'
check 1 1 'tls.handshake.type == 11'
check 1 1 "$C2S && $(alert 0)"
check 0 0 'http'

# 18. The server's certificate (from the trusted CA) expired on 2021-01-01.
ns_up; cap_start expired-tls12.pcap
srv "${S_SERVER[@]}" -cert "$P/exp.crt" -key "$P/exp.key"
get | cli 3 "${S_CLIENT[@]}" "${VERIFY[@]}" -tls1_2 -ign_eof
finish
check 1 1 "$C2S && $(alert 45)"

# 19. The server requires a client certificate; the client has none: handshake_failure in TLS 1.2,
#     certificate_required (encrypted) in TLS 1.3.
for v in 2 3; do
    ns_up; cap_start "client-cert-missing-tls1$v.pcap"
    srv "${S_SERVER[@]}" "${SRV_CERT[@]}" "${REQ_CLIENT_CERT[@]}"
    get | cli 3 "${S_CLIENT[@]}" "${VERIFY[@]}" "-tls1_$v" -ign_eof
    finish
    check 1 1 'tls.handshake.type == 13'
    check 1 1 "$C2S && tls.handshake.type == 11 && tls.handshake.certificates_length == 0"
    if [ $v = 2 ]; then check 1 1 "$S2C && $(alert 40)"; else check 1 1 "$S2C && $(alert 116)"; fi
done

# 20. The client presents a certificate from the Other CA; the server rejects it: unknown_ca.
for v in 2 3; do
    ns_up; cap_start "client-cert-rejected-tls1$v.pcap"
    srv "${S_SERVER[@]}" "${SRV_CERT[@]}" "${REQ_CLIENT_CERT[@]}"
    get | cli 3 "${S_CLIENT[@]}" "${VERIFY[@]}" "-tls1_$v" -cert "$P/rogue.crt" -key "$P/rogue.key" -ign_eof
    finish
    check 1 1 "$C2S && tls.handshake.type == 11 && tls.handshake.certificates_length > 0"
    check 1 1 "$S2C && $(alert 48)"
    check 0 0 'http.response'
done

# 21. tls13-ok over IPv6.
ns_up v6; cap_start ipv6-ok.pcap
ip netns exec "$NS_S" "${S_SERVER[@]}" -6 "${SRV_CERT[@]}" </dev/null >>"$LOG/$CUR.server" 2>&1 &
SRV_PID=$!; PIDS+=("$SRV_PID"); wait_listen 443
get | cli 5 openssl s_client -connect "[$IP6_S]:443" -servername "$SNI" -keylogfile "$KEYLOG" "${VERIFY[@]}" -alpn h2,http/1.1 -ign_eof
finish
check 1 1 "ipv6.src == $IP6_C && tls.handshake.type == 1"
check 1 1 'http.response.code == 200'

# 22. Self-signed server certificate; the client does not verify and exchanges data.  TLS 1.2,
#     so that the certificate (and the self-signed finding) is visible on the wire.
ns_up; cap_start self-signed-ok.pcap
srv "${S_SERVER[@]}" -cert "$P/self.crt" -key "$P/self.key"
get | cli 5 "${S_CLIENT[@]}" -tls1_2 -ign_eof
finish
check 1 1 'http.response.code == 200'

[ "$FAILED" -eq 0 ] || die "$FAILED check(s) failed; nothing was published (TD_LOGS=DIR keeps the tools' output)"

# ---------------------------------------------------------------------------------------------
# Format variants of the same traffic, the CA certificates, and publication
# ---------------------------------------------------------------------------------------------
editcap -F pcapng "$OUT/tls13-ok.pcap" "$OUT/tls13-ok.pcapng"
gzip -n -9 -c "$OUT/tls12-ok.pcap" >"$OUT/tls12-ok.pcap.gz"
editcap -F nseclibpcap "$OUT/tls12-ok.pcap" "$OUT/tls12-ok-nsec.pcap"
# The roots (certificates only, no keys), for `tlsdiag --cacert` and Wireshark.
cp "$P/ca.crt" "$OUT/ca/test-root-ca.pem"
cp "$P/other.crt" "$OUT/ca/other-ca.pem"

# Every capture was made; replace the published set in one go (old captures, key logs and CA
# certificates never mix with new ones).
rm -rf "$DEST/keylog" "$DEST/ca"
mv "$OUT/keylog" "$OUT/ca" "$DEST/"
for f in "$OUT"/*; do mv -f "$f" "$DEST/"; done
say "wrote $(ls "$DEST"/*.pcap* | wc -l) capture files to $DEST in $((SECONDS - T0)) s"
