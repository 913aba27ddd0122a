#!/usr/bin/env bash
# make-large.sh -- re-create samples/large/: a real TLS 1.2 handshake whose Certificate message is
# over 256 KiB (a leaf with 13000 DNS names in its subjectAltName, its intermediate, the root).
#
# Run as root on Debian:   sudo bash samples/large/make-large.sh
#
# Two network namespaces (lgcli 10.99.0.1, lgsrv 10.99.0.2) joined by a veth pair; openssl
# s_server serves the chain on port 443; tcpdump records the client's veth.  Two connections:
#   1. openssl s_client, whose default limit on a certificate list is 100 KB: it refuses the
#      chain (alert) as soon as it reads the Certificate message's header;
#   2. a client built here against the same OpenSSL with the limit raised to 1 MiB
#      (SSL_CTX_set_max_cert_list): the handshake completes and one HTTP request goes through.
# No packet leaves the namespaces.  The keys are thrown away; large-cert.pcap is published.
set -euo pipefail
umask 022
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS_C=lgcli NS_S=lgsrv IF_C=lgc0 IF_S=lgs0 IP_C=10.99.0.1 IP_S=10.99.0.2
N_SAN=${N_SAN:-13000}
say() { printf 'make-large: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, tcpdump)"
for t in openssl tcpdump ip cc; do command -v $t >/dev/null || die "needs $t"; done

TMP=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    ip netns del "$NS_C" 2>/dev/null || true
    ip netns del "$NS_S" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

# ---- the chain: root -> intermediate -> leaf with N_SAN names ---------------------------------
cd "$TMP"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key root.key; key inter.key; key leaf.key
openssl req -x509 -new -key root.key -subj "/O=tlsdiag/CN=tlsdiag Large Root CA" -days 3650 \
    -addext basicConstraints=critical,CA:TRUE -out root.pem
openssl req -new -key inter.key -subj "/O=tlsdiag/CN=tlsdiag Large Intermediate" -out inter.csr
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > inter.ext
openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -days 3650 \
    -extfile inter.ext -out inter.pem 2>/dev/null
{
    printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=@alt\n[alt]\n'
    printf 'DNS.1=www.example.test\n'
    i=2
    while [ $i -le "$N_SAN" ]; do printf 'DNS.%d=h%05d.large.example.test\n' $i $i; i=$((i + 1)); done
} > leaf.ext
openssl req -new -key leaf.key -subj "/CN=www.example.test" -out leaf.csr
openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 730 \
    -extfile leaf.ext -out leaf.pem 2>/dev/null
say "leaf certificate: $(openssl x509 -in leaf.pem -outform DER | wc -c) bytes DER"

# ---- the client with a 1 MiB certificate-list limit -------------------------------------------
cat > bigclient.c <<'C'
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_max_cert_list(ctx, 1024 * 1024);
    SSL_CTX_load_verify_locations(ctx, argv[2], NULL);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(443) };
    inet_pton(AF_INET, argv[1], &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) return 2;
    SSL *s = SSL_new(ctx);
    SSL_set_tlsext_host_name(s, "www.example.test");
    SSL_set1_host(s, "www.example.test");
    SSL_set_fd(s, fd);
    if (SSL_connect(s) != 1) return 3;
    const char req[] = "GET / HTTP/1.0\r\nHost: www.example.test\r\n\r\n";
    SSL_write(s, req, sizeof req - 1);
    char buf[4096];
    int n;
    while ((n = SSL_read(s, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, stdout);
    SSL_shutdown(s);
    close(fd);
    return 0;
}
C
cc -O1 -o bigclient bigclient.c -lssl -lcrypto

# ---- namespaces, server, capture ----------------------------------------------------------------
ip netns add "$NS_C"; ip netns add "$NS_S"
ip link add "$IF_C" netns "$NS_C" type veth peer name "$IF_S" netns "$NS_S"
ip -n "$NS_C" addr add "$IP_C/24" dev "$IF_C"; ip -n "$NS_S" addr add "$IP_S/24" dev "$IF_S"
for ns in "$NS_C" "$NS_S"; do ip -n $ns link set lo up; done
ip -n "$NS_C" link set "$IF_C" up; ip -n "$NS_S" link set "$IF_S" up
for pair in "$NS_C $IF_C" "$NS_S $IF_S"; do
    set -- $pair
    ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
done
sleep 1
ip netns exec "$NS_C" tcpdump -i "$IF_C" -w "$TMP/large-cert.pcap" -U --immediate-mode -s 0 -n tcp 2>"$TMP/tcpdump.err" &
PIDS+=($!); TCPDUMP=$!
ip netns exec "$NS_S" openssl s_server -accept 443 -www -no_tls1_3 -cert leaf.pem -key leaf.key \
    -cert_chain inter.pem </dev/null >"$TMP/server.log" 2>&1 &
PIDS+=($!)
for i in $(seq 50); do
    grep -q "listening on" "$TMP/tcpdump.err" && [ -n "$(ip netns exec "$NS_S" ss -Hltn 'sport = :443')" ] && break
    sleep 0.1
done
ip netns exec "$NS_C" timeout 10 openssl s_client -connect "$IP_S:443" -servername www.example.test \
    -CAfile root.pem </dev/null >"$TMP/s_client.log" 2>&1 || true
grep -q "excessive message size" "$TMP/s_client.log" || say "note: s_client did not say 'excessive message size'"
sleep 0.5
ip netns exec "$NS_C" timeout 10 ./bigclient "$IP_S" root.pem >"$TMP/bigclient.log" 2>&1 || die "bigclient failed"
grep -q "200 ok" "$TMP/bigclient.log" || die "bigclient got no HTTP answer: $(head -c 300 "$TMP/bigclient.log")"
sleep 0.5
kill "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null || true
cp "$TMP/large-cert.pcap" "$HERE/large-cert.pcap"
cp root.pem "$HERE/large-root-ca.pem"
say "wrote $HERE/large-cert.pcap ($(wc -c < "$HERE/large-cert.pcap") bytes), $HERE/large-root-ca.pem"
