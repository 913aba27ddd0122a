#!/usr/bin/env bash
# make-keylog-suites.sh -- re-create the key-log decryption test captures of samples/keylog-suites/.
#
# Run as root on Debian:   sudo bash samples/keylog-suites/make-keylog-suites.sh
#
# Small captures (one or two connections, a few KB each), each with the NSS key log its client
# wrote, covering what a decryptor must handle: the five TLS 1.3 cipher suites, KeyUpdate,
# HelloRetryRequest, resumption (TLS 1.3 PSK, TLS 1.2 ticket and session ID), 0-RTT early data
# accepted and refused, TLS 1.2 AES-GCM,
# ChaCha20-Poly1305 and AES-CBC with HMAC-SHA1/256/384 with and without encrypt-then-MAC, client
# certificates requested and refused, and a pcapng carrying its key log in a Decryption Secrets
# Block.  Every connection carries one small HTTP request and response (s_server -HTTP serves a
# file that holds its own status line), so the first application-data line exists both ways;
# but the 0-RTT ones, which carry the request only (s_server echoes when it allows early data).
#
# Built like samples/make-samples.sh: two network namespaces (kscli 10.99.0.1, kssrv 10.99.0.2)
# joined by a veth pair, made afresh for each scenario; tcpdump on the client's veth; servers and
# clients are Debian's openssl, gnutls-cli and curl.  No packet leaves the namespaces.  A CA is made
# at generation time (its root certificate is published in ca/).  After each scenario tshark,
# decrypting with the key log, checks that the capture shows what it is meant to show; the set is
# published only when every check passed.  See README.md and expected.txt.
#
# Environment: TD_LOGS=DIR keeps the tools' output there (default: discarded).
set -euo pipefail
umask 022
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS_C=kscli NS_S=kssrv          # not the names make-samples.sh uses: both may run at once
IF_C=ksc0 IF_S=kss0
IP_C=10.99.0.1 IP_S=10.99.0.2
SNI=www.example.test
T0=$SECONDS

say() { printf '%s\n' "make-keylog-suites: $*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, tcpdump)"
have() { command -v "$1" >/dev/null 2>&1; }
missing=()
have openssl    || missing+=(openssl)
have tcpdump    || missing+=(tcpdump)
have ip         || missing+=(iproute2)
have ss         || missing+=(iproute2)
have gnutls-cli || missing+=(gnutls-bin)
have curl       || missing+=(curl)
have tshark     || missing+=(tshark)
have nghttpd    || missing+=(nghttp2-server)
have timeout    || missing+=(coreutils)
if [ ${#missing[@]} -gt 0 ]; then
    say "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---- clean-up --------------------------------------------------------------------------------
PIDS=()
TMP=""
ns_down() {
    local ns p
    for ns in "$NS_C" "$NS_S"; do
        ip netns list 2>/dev/null | grep -qw "^$ns" || continue
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
        sleep 0.1
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
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
TMP=$(mktemp -d /tmp/tlsdiag-keysuites.XXXXXX)
OUT=$TMP/out
mkdir -p "$TMP/pki" "$TMP/cap" "$TMP/log" "$TMP/www" "$OUT/keylog" "$OUT/ca"
LOG=${TD_LOGS:-$TMP/log}
mkdir -p "$LOG"

# ---- keys and certificates: a trusted root, an untrusted one, the server, a rogue client ------
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
subjectAltName = DNS:$SNI, IP:$IP_S
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
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
# RSA for the server (the TLS 1.2 ECDHE-RSA and static-RSA suites need it), P-256 elsewhere.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$P/srv.key" 2>/dev/null
for k in ca other rogue; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$P/$k.key" 2>/dev/null
done
issue() {  # NAME SUBJECT ISSUER(=NAME: self-signed) EXT-SECTION START END
    local name=$1 subj=$2 issuer=$3 sect=$4 start=$5 end=$6 how
    openssl req -new -key "$P/$name.key" -subj "$subj" -out "$P/$name.csr"
    if [ "$issuer" = "$name" ]; then how=(-selfsign -keyfile "$P/$name.key")
    else how=(-cert "$P/$issuer.crt" -keyfile "$P/$issuer.key"); fi
    openssl ca -batch -config "$P/ca.cnf" "${how[@]}" -preserveDN -notext -md sha256 \
        -startdate "$start" -enddate "$end" -extfile "$P/ext.cnf" -extensions "$sect" \
        -in "$P/$name.csr" -out "$P/$name.crt" 2>"$P/$name.err" ||
        die "certificate $name: $(cat "$P/$name.err")"
}
say "making keys and certificates"
issue ca    "/O=tlsdiag/CN=tlsdiag Keylog Test Root CA" ca    ca     "$ROOT_START" "$ROOT_END"
issue other "/O=tlsdiag/CN=tlsdiag Keylog Other CA"     other ca     "$ROOT_START" "$ROOT_END"
issue srv   "/CN=$SNI"                                  ca    server "$LEAF_START" "$LEAF_END"
issue rogue "/O=tlsdiag/CN=tlsdiag rogue client"        other client "$LEAF_START" "$LEAF_END"

# The one page every server gives: a file that holds its own status line (s_server -HTTP).
printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello\n' \
    >"$TMP/www/hello.txt"

# ---- namespaces, capture, server, client -----------------------------------------------------
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
    if have ethtool; then
        ip netns exec "$NS_C" ethtool -K "$IF_C" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
        ip netns exec "$NS_S" ethtool -K "$IF_S" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
    fi
}
CUR="" CAP_PID="" SRV_PID=""
KEYLOG=$TMP/keylog
cap_start() {  # NAME
    CUR=$1
    local err=$LOG/$CUR.tcpdump i
    : >"$err"
    rm -f "$KEYLOG"
    ip netns exec "$NS_C" tcpdump -i "$IF_C" -w "$TMP/cap/$CUR" -U --immediate-mode -Z root -s 0 -n tcp 2>"$err" &
    CAP_PID=$!
    PIDS+=("$CAP_PID")
    for i in $(seq 50); do grep -q "listening on" "$err" && break; sleep 0.1; done
    grep -q "listening on" "$err" || die "$CUR: tcpdump did not start: $(cat "$err")"
    sleep 0.2
}
cap_stop() {
    sleep 0.5
    kill -INT "$CAP_PID" 2>/dev/null || true
    wait "$CAP_PID" 2>/dev/null || true
    local err=$LOG/$CUR.tcpdump got took
    got=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$err")
    took=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter.*/\1/p' "$err")
    [ -n "$got" ] && [ "$got" = "$took" ] && [ "$got" -gt 0 ] ||
        die "$CUR: tcpdump wrote ${got:-?} of ${took:-?} packets: $(cat "$err")"
}
srv() {  # CMD...   a server in kssrv, in the directory of hello.txt; wait until 443 listens
    # SRV_HOLD=1: its standard input stays open (s_server in echo mode closes and quits at its end)
    if [ -n "${SRV_HOLD:-}" ]; then
        (cd "$TMP/www" && sleep 30 | ip netns exec "$NS_S" "$@") >>"$LOG/$CUR.server" 2>&1 &
    else
        (cd "$TMP/www" && exec ip netns exec "$NS_S" "$@") </dev/null >>"$LOG/$CUR.server" 2>&1 &
    fi
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    local i
    for i in $(seq 50); do
        [ -n "$(ip netns exec "$NS_S" ss -Hltn "sport = :443" 2>/dev/null)" ] && return 0
        sleep 0.1
    done
    die "$CUR: nothing listens on 443: $(cat "$LOG/$CUR.server" 2>/dev/null)"
}
cli() {  # SECONDS CMD...   a client in kscli under timeout; stdin is the caller's
    local t=$1; shift
    echo "+ $*" >>"$LOG/$CUR.client"
    ip netns exec "$NS_C" env SSLKEYLOGFILE="$KEYLOG" timeout "$t" "$@" >>"$LOG/$CUR.client" 2>&1 || true
}
finish() {
    cap_stop
    kill "$SRV_PID" 2>/dev/null || true
    wait "$SRV_PID" 2>/dev/null || true
    ns_down
    [ -s "$TMP/cap/$CUR" ] || die "$CUR: no capture written"
    grep -qv '^#' "$KEYLOG" 2>/dev/null || die "$CUR: the client wrote no key log"
    mv -f "$TMP/cap/$CUR" "$OUT/$CUR"
    mv -f "$KEYLOG" "$OUT/keylog/${CUR%.pcap*}.keylog"
    say "$(printf '%-34s %3d packets %6d bytes' "$CUR" "$(tcpdump -r "$OUT/$CUR" -n 2>/dev/null | wc -l)" "$(stat -c %s "$OUT/$CUR")")"
}

FAILED=0
check() {  # MIN MAX FILTER   (tshark decrypting with the scenario's key log)
    local n
    n=$(tshark -n -r "$OUT/$CUR" -o "tls.keylog_file:$OUT/keylog/${CUR%.pcap*}.keylog" \
        -o http.desegment_body:FALSE -Y "$3" 2>/dev/null | wc -l)
    if [ "$n" -lt "$1" ] || [ "$n" -gt "$2" ]; then
        say "CHECK FAILED: $CUR: $n packets match '$3' (want $1..$2)"
        FAILED=$((FAILED + 1))
    fi
}
# What every completed handshake must show once decrypted: both Finished messages and the answer.
check_full() {  # CONNECTIONS
    check "$((2 * $1))" "$((2 * $1))" 'tls.handshake.type == 20'
    check "$1" "$1" 'http.response.code == 200'
}
C2S="ip.src == $IP_C" S2C="ip.src == $IP_S"
alert() { echo "tls.alert_message.desc == $1"; }
suite() { echo "tls.handshake.type == 2 && tls.handshake.ciphersuite == $1"; }
ETM='tls.handshake.type == 2 && tls.handshake.extension.type == 22'

GET='GET /hello.txt HTTP/1.0\r\nHost: www.example.test\r\n\r\n'
get() { printf "$GET"; sleep 1; }
S_SERVER=(openssl s_server -accept 443 -HTTP -cert "$P/srv.crt" -key "$P/srv.key")
S_CLIENT_CMD=(openssl s_client -connect "$IP_S:443" -servername "$SNI" -keylogfile "$KEYLOG"
              -CAfile "$P/ca.crt" -verify_return_error -verify_hostname "$SNI")
S_CLIENT=("${S_CLIENT_CMD[@]}" -ign_eof)
REQ_CLIENT_CERT=(-Verify 1 -CAfile "$P/ca.crt" -verify_return_error)

# ---- TLS 1.3: the five cipher suites ---------------------------------------------------------
for s in TLS_AES_128_GCM_SHA256:aes128gcm:0x1301 TLS_AES_256_GCM_SHA384:aes256gcm:0x1302 \
         TLS_CHACHA20_POLY1305_SHA256:chacha20:0x1303 TLS_AES_128_CCM_SHA256:aes128ccm:0x1304 \
         TLS_AES_128_CCM_8_SHA256:aes128ccm8:0x1305; do
    IFS=: read -r name short code <<<"$s"
    ns_up; cap_start "tls13-$short.pcap"
    srv "${S_SERVER[@]}" -tls1_3 -ciphersuites "$name"
    get | cli 5 "${S_CLIENT[@]}" -tls1_3 -ciphersuites "$name"
    finish
    check 1 1 "$(suite "$code")"
    check 1 1 'tls.handshake.type == 11'
    check_full 1
done

# ---- TLS 1.3 KeyUpdate: "k" (update_not_requested), then "K" (update_requested: the server
#      updates its keys too), then the request under the client's third key.  s_client takes
#      its command letters only without -ign_eof; get's pause lets the answer in before EOF -------
ns_up; cap_start tls13-keyupdate.pcap
srv "${S_SERVER[@]}" -tls1_3
{ sleep 0.5; printf 'k\n'; sleep 0.3; printf 'K\n'; sleep 0.3; get; } | cli 5 "${S_CLIENT_CMD[@]}" -tls1_3
finish
check 2 2 "$C2S && tls.handshake.type == 24"
check 1 1 "$S2C && tls.handshake.type == 24"
check_full 1

# ---- TLS 1.3 HelloRetryRequest: the client's x25519 share is not the P-256 the server wants ---
ns_up; cap_start tls13-hrr.pcap
srv "${S_SERVER[@]}" -groups P-256
get | cli 5 "${S_CLIENT[@]}" -groups X25519:P-256
finish
check 1 1 'tls.handshake.random == cf:21:ad:74:e5:9a:61:11:be:1d:8c:02:1e:65:b8:91:c2:a2:11:16:7a:bb:8c:5e:07:9e:09:e2:c8:a8:33:9c'
check 2 2 'tls.handshake.type == 1'
check_full 1

# ---- Resumption: TLS 1.3 PSK from a ticket, TLS 1.2 ticket, TLS 1.2 session ID ---------------
resume() {  # NAME CLIENT-VERSION-OPTION [SERVER OPTIONS...]
    local name=$1 v=$2; shift 2
    ns_up; cap_start "$name"
    srv "${S_SERVER[@]}" "$@"
    get | cli 5 "${S_CLIENT[@]}" "$v" -sess_out "$TMP/sess.pem"
    get | cli 5 "${S_CLIENT[@]}" "$v" -sess_in "$TMP/sess.pem"
    finish
    rm -f "$TMP/sess.pem"
    grep -q '^Reused' "$LOG/$name.client" || { say "CHECK FAILED: $name: not resumed"; FAILED=$((FAILED + 1)); }
    check 1 1 'tls.handshake.type == 11'
    check_full 2
}
resume tls13-resume-psk.pcap -tls1_3
check 1 1 "$C2S && tls.handshake.type == 1 && tls.handshake.extension.type == 41"
check 1 1 "$S2C && tls.handshake.type == 2 && tls.handshake.extension.type == 41"
resume tls12-resume-ticket.pcap -tls1_2
check 1 1 "$S2C && tls.handshake.type == 4"
resume tls12-resume-sessionid.pcap -tls1_2 -no_ticket
check 0 0 "tls.handshake.type == 4"

# ---- TLS 1.3 0-RTT: a ticket; a resumption whose request goes as early data, accepted; the same
#      ticket again with early data, refused (OpenSSL takes a ticket only once when it allows
#      early data: anti-replay), so that connection makes a full handshake.  s_server cannot serve
#      HTTP with -early_data (it echoes), so these connections carry the request and no answer --
ns_up; cap_start tls13-early-data.pcap
printf "$GET" >"$TMP/early.txt"
SRV_HOLD=1 srv openssl s_server -accept 443 -cert "$P/srv.crt" -key "$P/srv.key" -tls1_3 -early_data -naccept 3
sleep 1 | cli 5 "${S_CLIENT_CMD[@]}" -tls1_3 -sess_out "$TMP/sess.pem"
for i in 1 2; do sleep 1 | cli 5 "${S_CLIENT_CMD[@]}" -tls1_3 -sess_in "$TMP/sess.pem" -early_data "$TMP/early.txt"; done
finish
rm -f "$TMP/sess.pem"
for want in 'Early data was accepted' 'Early data was rejected'; do
    grep -q "^$want" "$LOG/$CUR.client" || { say "CHECK FAILED: $CUR: no '$want'"; FAILED=$((FAILED + 1)); }
done
check 3 3 'tls.handshake.type == 1'
check 2 2 "$C2S && tls.handshake.type == 1 && tls.handshake.extension.type == 42"
check 1 1 "$S2C && tls.handshake.type == 8 && tls.handshake.extension.type == 42"
check 1 1 'tls.handshake.type == 5'
check 2 2 'http.request.method == "GET"'
check 6 6 'tls.handshake.type == 20'

# ---- TLS 1.2 AEAD suites ---------------------------------------------------------------------
tls12() {  # NAME CIPHER CODE [CLIENT OPTIONS...]
    local name=$1 c=$2 code=$3; shift 3
    ns_up; cap_start "$name"
    srv "${S_SERVER[@]}"
    get | cli 5 "${S_CLIENT[@]}" -tls1_2 -cipher "$c" "$@"
    finish
    check 1 1 "$(suite "$code")"
    check 1 1 'tls.handshake.type == 11'
    check_full 1
}
tls12 tls12-ecdhe-aes128gcm.pcap ECDHE-RSA-AES128-GCM-SHA256   0xc02f
tls12 tls12-rsa-aes256gcm.pcap   AES256-GCM-SHA384             0x009d
tls12 tls12-ecdhe-chacha20.pcap  ECDHE-RSA-CHACHA20-POLY1305   0xcca8

# ---- TLS 1.2 AES-CBC with HMAC, with encrypt-then-MAC (the default) and without ---------------
for s in ECDHE-RSA-AES128-SHA:sha1:0xc013 ECDHE-RSA-AES128-SHA256:sha256:0xc027 \
         ECDHE-RSA-AES256-SHA384:sha384:0xc028; do
    IFS=: read -r c short code <<<"$s"
    tls12 "tls12-cbc-$short-etm.pcap" "$c" "$code"
    check 1 1 "$ETM"
    tls12 "tls12-cbc-$short-noetm.pcap" "$c" "$code" -no_etm
    check 0 0 "$ETM"
done

# ---- Client certificate required: none sent (missing), or one from an unknown CA (rejected) ---
for v in 2 3; do
    ns_up; cap_start "tls1$v-client-cert-missing.pcap"
    srv "${S_SERVER[@]}" "${REQ_CLIENT_CERT[@]}"
    get | cli 5 "${S_CLIENT[@]}" "-tls1_$v"
    finish
    check 1 1 'tls.handshake.type == 13'
    check 1 1 "$C2S && tls.handshake.type == 11 && tls.handshake.certificates_length == 0"
    if [ $v = 2 ]; then check 1 1 "$S2C && $(alert 40)"; else check 1 1 "$S2C && $(alert 116)"; fi
    check 0 0 'http.response'

    ns_up; cap_start "tls1$v-client-cert-rejected.pcap"
    srv "${S_SERVER[@]}" "${REQ_CLIENT_CERT[@]}"
    get | cli 5 "${S_CLIENT[@]}" "-tls1_$v" -cert "$P/rogue.crt" -key "$P/rogue.key"
    finish
    check 1 1 'tls.handshake.type == 13'
    check 1 1 "$C2S && tls.handshake.type == 11 && tls.handshake.certificates_length > 0"
    check 1 1 "$S2C && $(alert 48)"
    check 0 0 'http.response'
done

# ---- Other clients: curl (HTTP/1.1 request line) and GnuTLS (TLS 1.3 with ChaCha20) ------------
ns_up; cap_start tls13-curl-http11.pcap
srv "${S_SERVER[@]}"
cli 5 curl -sS -o /dev/null --http1.1 --cacert "$P/ca.crt" --resolve "$SNI:443:$IP_S" "https://$SNI/hello.txt"
finish
check 1 1 'http.request.method == "GET" && http.request.version == "HTTP/1.1"'
check_full 1

ns_up; cap_start tls13-gnutls-chacha20.pcap
srv "${S_SERVER[@]}"
get | cli 5 gnutls-cli --x509cafile "$P/ca.crt" --sni-hostname "$SNI" --verify-hostname "$SNI" \
    --priority 'NORMAL:-CIPHER-ALL:+CHACHA20-POLY1305' -p 443 "$IP_S"
finish
check 1 1 "$(suite 0x1303)"
check_full 1

# ---- HTTP/2: the client's connection preface and the server's SETTINGS inside TLS 1.3 --------
ns_up; cap_start tls13-h2.pcap
mkdir -p "$TMP/h2"
printf 'hello\n' >"$TMP/h2/hello.txt"
srv nghttpd -d "$TMP/h2" 443 "$P/srv.key" "$P/srv.crt"
cli 5 curl -sS -o /dev/null --http2 --cacert "$P/ca.crt" --resolve "$SNI:443:$IP_S" "https://$SNI/hello.txt"
finish
check 1 1 'tls.handshake.type == 2 && tls.handshake.extensions_alpn_str == "h2"'
check 1 1 'http2.magic'
check 1 10 'http2.type == 4'
check 1 1 'http2.header.value == "200"'
check 2 2 'tls.handshake.type == 20'

# ---- pcapng with a Decryption Secrets Block (the key log inside the capture) -----------------
editcap -F pcapng "$OUT/tls13-aes128gcm.pcap" "$TMP/plain.pcapng"
CUR=tls13-dsb.pcapng
editcap --inject-secrets "tls,$OUT/keylog/tls13-aes128gcm.keylog" "$TMP/plain.pcapng" "$OUT/$CUR"
cp "$OUT/keylog/tls13-aes128gcm.keylog" "$OUT/keylog/tls13-dsb.keylog"
# Without -o tls.keylog_file: tshark must decrypt from the block alone.
n=$(tshark -n -r "$OUT/$CUR" -Y 'tls.handshake.type == 20' 2>/dev/null | wc -l)
[ "$n" = 2 ] || { say "CHECK FAILED: $CUR: $n Finished decrypted from the DSB (want 2)"; FAILED=$((FAILED + 1)); }

[ "$FAILED" -eq 0 ] || die "$FAILED check(s) failed; nothing was published (TD_LOGS=DIR keeps the tools' output)"

# ---- publish: the captures, key logs and root replace the old set in one go ------------------
cp "$P/ca.crt" "$OUT/ca/root.pem"
rm -rf "$HERE/keylog" "$HERE/ca" "$HERE"/*.pcap "$HERE"/*.pcapng
mv "$OUT/keylog" "$OUT/ca" "$HERE/"
for f in "$OUT"/*; do mv -f "$f" "$HERE/"; done
say "wrote $(ls "$HERE"/*.pcap* | wc -l) captures to $HERE in $((SECONDS - T0)) s"
