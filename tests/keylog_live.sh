#!/bin/sh
# tests/keylog_live.sh - --keylog in live mode: the client writes its key log (SSLKEYLOGFILE
# style, openssl s_client -keylogfile) while tlsdiag captures, starting from an empty file.
#
# Two network namespaces joined by a veth pair; tlsdiag captures on the server side with
# --keylog pointing at the (empty) file; s_server / s_client play a TLS 1.3 handshake whose
# server requires a client certificate the client does not have, and a TLS 1.2 one that works.
# The records that go by before the client has written its keys must still be decrypted: both
# connections are "decrypted", the first is a certain client-cert-missing (the server's
# certificate_required alert, read), the second a certain ok whose first request line is seen.
# Clients that connect by address send no SNI: curl (OpenSSL) and wget (GnuTLS), and Node when it
# is installed, refuse a certificate that does not list the address and leave without a word
# (s_server answers their close with decode_error); read with their key logs and --cacert, that
# is a certain name-mismatch, and the same curl against a certificate that lists the address is ok.
# Needs root, openssl, iproute2, timeout; prints "skip keylog-live: why" otherwise.
set -u
export LC_ALL=C
TLSDIAG=${TLSDIAG:-./tlsdiag}
case $TLSDIAG in /*) ;; *) TLSDIAG=$(pwd)/$TLSDIAG ;; esac
NS_C=tdk-c-$$ NS_S=tdk-s-$$ IF_C=tdkc$$ IF_S=tdks$$ IP_C=10.97.0.1 IP_S=10.97.0.2 SNI=www.example.test

skip() { echo "skip keylog-live: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces and packet capture)"
for tool in openssl ip timeout python3; do command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"; done
[ -x "$TLSDIAG" ] || skip "no tlsdiag binary at $TLSDIAG"
. "$(dirname "$0")/lib/netns.sh"

T=$(mktemp -d /tmp/tlsdiag-klive.XXXXXX) || skip "cannot make a temporary directory"
chmod 755 "$T"             # tlsdiag reads the key log after dropping its privileges
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    ns_down "$NS_C" "$NS_S"
    [ -n "${TD_KEEP:-}" ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ns_pair "$NS_C" "$IF_C" "$IP_C" "$NS_S" "$IF_S" "$IP_S" 2>"$T/ns.err" ||
    skip "cannot set up namespaces and a veth pair: $(head -c 200 "$T/ns.err")"

{
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" -out "$T/ca.pem" \
        -subj "/CN=keylog live root" -days 2 -addext "basicConstraints=critical,CA:TRUE" &&
    printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:%s\n' "$SNI" > "$T/srv.ext" &&
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/srv.key" -out "$T/srv.csr" \
        -subj "/CN=$SNI" &&
    openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
        -extfile "$T/srv.ext" -out "$T/srv.pem"
    printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:%s,IP:%s\n' "$SNI" "$IP_S" > "$T/srvip.ext" &&
    openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
        -extfile "$T/srvip.ext" -out "$T/srvip.pem"
} >"$T/pki.log" 2>&1 || skip "openssl cannot make test certificates"

# Every cipher family, one connection each (port, server args, client args, what the client types
# first: "K" asks s_client for a TLS 1.3 KeyUpdate before the request).
SUITES="4441|-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256||
4442|-tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384||
4443|-tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256||
4444|-tls1_3 -ciphersuites TLS_AES_128_CCM_SHA256|-ciphersuites TLS_AES_128_CCM_SHA256|
4445|-tls1_3 -ciphersuites TLS_AES_128_CCM_8_SHA256|-ciphersuites TLS_AES_128_CCM_8_SHA256|
4446|-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256||K
4451|-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256||
4452|-tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384||
4453|-tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305||
4454|-tls1_2 -cipher ECDHE-ECDSA-AES128-CCM|-cipher ECDHE-ECDSA-AES128-CCM|
4455|-tls1_2 -cipher ECDHE-ECDSA-AES256-SHA384||
4456|-tls1_2 -cipher ECDHE-ECDSA-AES128-SHA|-no_etm|
4457|-tls1_2 -cipher ECDHE-ECDSA-CAMELLIA128-SHA256|-cipher ECDHE-ECDSA-CAMELLIA128-SHA256|"
# Clients by address, no SNI (port|s_server version|client|certificate).
NOSNI="4471|-tls1_2|curl|srv
4472|-tls1_3|curl|srv
4473|-tls1_2|wget|srv
4474|-tls1_3|wget|srv
4475|-tls1_2|node|srv
4476|-tls1_3|node|srv
4477|-tls1_3|curl|srvip"
PORTS=4431,4432,4461,4458
while IFS='|' read -r port rest; do PORTS="$PORTS,$port"; done <<EOT
$NOSNI
EOT
while IFS='|' read -r port rest; do PORTS="$PORTS,$port"; done <<EOT
$SUITES
EOT
: > "$T/keys.log"
chmod 666 "$T/keys.log"
ip netns exec "$NS_S" "$TLSDIAG" -i "$IF_S" -P "$PORTS" --json --cacert "$T/ca.pem" --keylog "$T/keys.log" \
    --duration 240 >"$T/td.out" 2>"$T/td.err" &
TD=$!
PIDS="$PIDS $TD"
wait_grep 10 "$T/td.err" "listening on" || { echo "not ok keylog-live start: $(head -c 300 "$T/td.err")"; exit 0; }

ip netns exec "$NS_S" timeout 30 openssl s_server -accept 4431 -cert "$T/srv.pem" -key "$T/srv.key" -tls1_3 \
    -Verify 1 -verify_return_error -CAfile "$T/ca.pem" -www -naccept 1 </dev/null >"$T/s1.log" 2>&1 &
PIDS="$PIDS $!"
ip netns exec "$NS_S" timeout 30 openssl s_server -accept 4432 -cert "$T/srv.pem" -key "$T/srv.key" -tls1_2 \
    -www -naccept 1 </dev/null >"$T/s2.log" 2>&1 &
PIDS="$PIDS $!"
wait_port "$NS_S" tcp 4431 10
wait_port "$NS_S" tcp 4432 10
# The request, then standard input stays open until the client has its answer or has given up
# (its log says so): at the end of its input a client closes.
SCLIENT_DONE='HTTP/1\.[01] [0-9]|:error:|^closed$'
req() {  # LOG [ERE]
    printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$SNI"
    wait_grep_re 10 "$1" "${2:-$SCLIENT_DONE}"
}
# One connection at a time, as the test has always run them: each client starts once tlsdiag has
# reported the one before (a connection is reported a second after its end).
reported() {  # PORT: how many connections to it tlsdiag has reported so far
    grep -cF "\"server\":{\"ip\":\"$IP_S\",\"port\":$1}" "$T/td.out" 2>/dev/null
}
wait_reported() {  # PORT [COUNT]: until tlsdiag has reported COUNT (1) connections to PORT; 10 s at most
    wr_n=100
    while [ "$wr_n" -gt 0 ] && [ "$(reported "$1")" -lt "${2:-1}" ]; do sleep 0.1; wr_n=$((wr_n - 1)); done
}
req "$T/c1.log" | ip netns exec "$NS_C" timeout 10 openssl s_client -connect "$IP_S:4431" -servername "$SNI" -CAfile "$T/ca.pem" \
    -keylogfile "$T/keys.log" -tls1_3 >"$T/c1.log" 2>&1
wait_reported 4431
req "$T/c2.log" | ip netns exec "$NS_C" timeout 10 openssl s_client -connect "$IP_S:4432" -servername "$SNI" -CAfile "$T/ca.pem" \
    -keylogfile "$T/keys.log" -tls1_2 >"$T/c2.log" 2>&1
wait_reported 4432
# Each suite's server starts right before its client: started all at once, the last ones could
# reach their time limit while the first clients ran on a loaded machine (a refused connection).
while IFS='|' read -r port sargs cargs first; do
    # shellcheck disable=SC2086
    ip netns exec "$NS_S" timeout 20 openssl s_server -accept "$port" -cert "$T/srv.pem" -key "$T/srv.key" $sargs \
        -www -naccept 1 </dev/null >"$T/s$port.log" 2>&1 &
    PIDS="$PIDS $!"
    wait_port "$NS_S" tcp "$port" 10
    # "K" by itself first: s_client says KEYUPDATE when it has sent it, then the request follows.
    # shellcheck disable=SC2086
    { [ -n "$first" ] && { echo "$first"; wait_grep 5 "$T/c$port.log" KEYUPDATE; }; req "$T/c$port.log"; } | ip netns exec "$NS_C" timeout 10 openssl s_client \
        -connect "$IP_S:$port" -servername "$SNI" -CAfile "$T/ca.pem" -keylogfile "$T/keys.log" $cargs >"$T/c$port.log" 2>&1
    wait_reported "$port"
done <<EOT
$SUITES
EOT
# TLS 1.3 0-RTT: a first connection gets a ticket, a second resumes with it and sends its request
# as early data, which the server accepts (and it answers ALPN in its encrypted extensions); a
# third offers the same ticket and early data again, and the server refuses both (OpenSSL takes
# a ticket only once when it allows early data: anti-replay).  s_server cannot serve HTTP with
# -early_data: it echoes.  Its standard input stays open (at its end it would close, and quit)
# until its third connection ends it (-naccept 3); 40 s at most, for a loaded machine.
printf 'GET /early HTTP/1.1\r\nHost: %s\r\n\r\n' "$SNI" > "$T/early.txt"
sleep 40 | ip netns exec "$NS_S" timeout 40 openssl s_server -accept 4461 -cert "$T/srv.pem" -key "$T/srv.key" \
    -tls1_3 -early_data -alpn http/1.1 -naccept 3 >"$T/s4461.log" 2>&1 &
PIDS="$PIDS $!"
wait_port "$NS_S" tcp 4461 10
# The first client leaves once it has its ticket (written to sess.pem), the others once they
# know whether their early data was taken.
wait_grep 10 "$T/sess.pem" "END SSL SESSION PARAMETERS" | ip netns exec "$NS_C" timeout 10 openssl s_client -connect "$IP_S:4461" -servername "$SNI" \
    -CAfile "$T/ca.pem" -alpn http/1.1 -keylogfile "$T/keys.log" -sess_out "$T/sess.pem" >"$T/c4461-1.log" 2>&1
wait_reported 4461 1
for i in 2 3; do
    wait_grep_re 10 "$T/c4461-$i.log" 'Early data was (accepted|rejected)|:error:' | ip netns exec "$NS_C" timeout 10 openssl s_client -connect "$IP_S:4461" -servername "$SNI" \
        -CAfile "$T/ca.pem" -alpn http/1.1 -keylogfile "$T/keys.log" -sess_in "$T/sess.pem" \
        -early_data "$T/early.txt" >"$T/c4461-$i.log" 2>&1
    wait_reported 4461 "$i"
done
# 3DES-EDE-CBC (an 8-byte block): OpenSSL 3 on Debian has no 3DES suites, GnuTLS does; gnutls-cli
# appends to the same key log (SSLKEYLOGFILE).
G3=absent
if command -v gnutls-serv >/dev/null 2>&1 && command -v gnutls-cli >/dev/null 2>&1; then
    G3=run
    PRIO='NORMAL:-CIPHER-ALL:+3DES-CBC:-VERS-TLS1.3'
    ip netns exec "$NS_S" timeout 15 gnutls-serv --port 4458 --x509certfile "$T/srv.pem" --x509keyfile "$T/srv.key" \
        --http --priority "$PRIO" </dev/null >"$T/s4458.log" 2>&1 &
    PIDS="$PIDS $!"
    wait_port "$NS_S" tcp 4458 10
    req "$T/c4458.log" 'HTTP/1\.[01] [0-9]|\*\*\* |closed the GnuTLS connection' |
        ip netns exec "$NS_C" env SSLKEYLOGFILE="$T/keys.log" timeout 10 gnutls-cli --x509cafile "$T/ca.pem" \
        --sni-hostname "$SNI" --verify-hostname "$SNI" --priority "$PRIO" -p 4458 "$IP_S" >"$T/c4458.log" 2>&1
    wait_reported 4458
fi
# By address: the clients append to the same key log (curl and wget read SSLKEYLOGFILE, Node
# takes --tls-keylog).
NOSNI_RAN=""
while IFS='|' read -r port ver client cert; do
    command -v "$client" >/dev/null 2>&1 || continue
    NOSNI_RAN="$NOSNI_RAN,$port"
    # shellcheck disable=SC2086
    ip netns exec "$NS_S" timeout 15 openssl s_server -accept "$port" -cert "$T/$cert.pem" -key "$T/srv.key" $ver \
        -www -naccept 1 </dev/null >"$T/s$port.log" 2>&1 &
    PIDS="$PIDS $!"
    wait_port "$NS_S" tcp "$port" 10
    url="https://$IP_S:$port/"
    case $client in
    curl) ip netns exec "$NS_C" env SSLKEYLOGFILE="$T/keys.log" timeout 10 curl -s -o /dev/null --cacert "$T/ca.pem" "$url" ;;
    wget) ip netns exec "$NS_C" env SSLKEYLOGFILE="$T/keys.log" timeout 10 wget -q -O /dev/null --ca-certificate="$T/ca.pem" "$url" ;;
    node) ip netns exec "$NS_C" env NODE_EXTRA_CA_CERTS="$T/ca.pem" timeout 10 node --no-warnings --tls-keylog="$T/keys.log" \
              -e 'require("https").get(process.argv[1], r => r.resume()).on("error", () => {})' "$url" ;;
    esac >"$T/c$port.log" 2>&1
    wait_reported "$port"
done <<EOT
$NOSNI
EOT
# Every connection has been reported (else waited for above, 10 s each): make sure, then SIGINT
# (which does not read what is still in the kernel's buffer).
all_reported() {
    for port in 4431 4432 $(echo "$SUITES" | cut -d'|' -f1) $(echo "$NOSNI_RAN" | tr ',' ' '); do
        [ "$(reported "$port")" -ge 1 ] || return 1
    done
    [ "$G3" != run ] || [ "$(reported 4458)" -ge 1 ] || return 1
    [ "$(reported 4461)" -ge 3 ]
}
n=150
while [ $n -gt 0 ] && ! all_reported; do sleep 0.1; n=$((n - 1)); done
kill -INT "$TD"
wait_gone 10 "$TD"
wait "$TD" 2>/dev/null
[ -s "$T/keys.log" ] || { echo "skip keylog-live: s_client wrote no key log"; exit 0; }
python3 - "$T/td.out" "$G3" "$NOSNI_RAN" <<'PY'
import json, sys
conns = {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "connection":
        conns[o["server"]["port"]] = o
def check(name, port, verdict, extra=None):
    o = conns.get(port)
    if not o:
        print("not ok keylog-live %s: no connection to port %d reported" % (name, port)); return
    why = []
    if o.get("decrypted") is not True:
        why.append("not decrypted (%s)" % o.get("decrypt_status"))
    if (o.get("verdict"), o.get("confidence")) != (verdict, "certain"):
        why.append("verdict %s %s, want %s certain" % (o.get("verdict"), o.get("confidence"), verdict))
    if extra and not extra(o):
        why.append("app_first_c2s %r" % o.get("app_first_c2s"))
    print(("not ok keylog-live %s: " % name + "; ".join(why)) if why else "ok keylog-live %s" % name)
check("tls13-client-cert-missing", 4431, "client-cert-missing")
check("tls12-ok", 4432, "ok", lambda o: (o.get("app_first_c2s") or "").startswith("GET / HTTP/1.0"))
names = {4441: "tls13-aes128-gcm", 4442: "tls13-aes256-gcm-sha384", 4443: "tls13-chacha20-poly1305",
         4444: "tls13-aes128-ccm", 4445: "tls13-aes128-ccm8", 4446: "tls13-keyupdate",
         4451: "tls12-aes128-gcm", 4452: "tls12-aes256-gcm-sha384", 4453: "tls12-chacha20-poly1305",
         4454: "tls12-aes128-ccm", 4455: "tls12-aes256-cbc-sha384-etm", 4456: "tls12-aes128-cbc-sha1-mac-then-encrypt",
         4457: "tls12-camellia128-cbc-sha256"}
def served(o):
    return (o.get("app_first_c2s") or "").startswith("GET / HTTP/1.0") and (o.get("app_first_s2c") or "").startswith("HTTP/1.0 200")
for port, name in sorted(names.items()):
    check(name, port, "ok", served)
if sys.argv[2] == "run":                       # GnuTLS: "GET / HTTP/1.0" answered by gnutls-serv --http
    check("tls12-3des-ede-cbc (gnutls)", 4458, "ok", lambda o: o["tls"].get("cipher") == "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA" and
          (o.get("app_first_c2s") or "").startswith("GET / HTTP/1.0") and (o.get("app_first_s2c") or "").startswith("HTTP/1."))
else:
    print("skip keylog-live tls12-3des-ede-cbc: gnutls-bin is not installed")
# 0-RTT: the resumed connection's early records are read with CLIENT_EARLY_TRAFFIC_SECRET (its
# request line too), the server's answer to them comes from its decrypted EncryptedExtensions,
# and no record fails on the way to the handshake keys.
early = []
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "connection" and o["server"]["port"] == 4461 and o.get("early_data_records"):
        early.append(o)
early.sort(key=lambda o: o["first_packet"])
for i, accepted in enumerate((True, False)):
    name = "tls13-0rtt-%s" % ("accepted" if accepted else "refused")
    if i >= len(early):
        print("not ok keylog-live %s: %d connections with early data reported, want 2" % (name, len(early))); continue
    o = early[i]
    got = (o.get("verdict"), o.get("confidence"), o.get("early_data_decrypted") == o.get("early_data_records"),
           o.get("early_data_accepted"), o.get("decrypt_failures"), (o.get("app_first_c2s") or "").startswith("GET /early"),
           o["tls"].get("alpn"))
    want = ("ok", "certain", True, accepted, 0, True, "http/1.1")
    print(("ok keylog-live %s" % name) if got == want else "not ok keylog-live %s: got %s, want %s" % (name, got, want))
# By address, no SNI: the name is the check that failed (the chain reaches --cacert and is in
# date), whatever name the client asked for; s_server's decode_error after the client's close
# does not make it the server's abort.  The same curl against a certificate that lists the
# address is served.
ran = [int(p) for p in sys.argv[3].split(",") if p]
nosni = {4471: ("curl-tls12", "name-mismatch"), 4472: ("curl-tls13", "name-mismatch"), 4473: ("wget-tls12", "name-mismatch"),
         4474: ("wget-tls13", "name-mismatch"), 4475: ("node-tls12", "name-mismatch"), 4476: ("node-tls13", "name-mismatch"),
         4477: ("curl-tls13-address-listed", "ok")}
for port, (name, verdict) in sorted(nosni.items()):
    if port not in ran:
        print("skip keylog-live by-address-%s: %s is not installed" % (name, name.split("-")[0])); continue
    o = conns.get(port)
    if o and o.get("tls", {}).get("sni"):
        print("not ok keylog-live by-address-%s: the client sent SNI %r" % (name, o["tls"]["sni"])); continue
    check("by-address-" + name, port, verdict, None if verdict != "ok" else lambda o: (o.get("app_first_c2s") or "").startswith("GET /"))
PY
