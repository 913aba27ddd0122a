#!/bin/sh
# tests/keylog_clients.sh - real clients against OpenSSL's s_server, each writing its key log:
# curl (OpenSSL), wget (GnuTLS), Python, gnutls-cli, openssl s_client, and Node when installed,
# over TLS 1.2 and TLS 1.3, in five scenarios: a working request, an untrusted issuer, an expired
# certificate, a name the certificate does not list, and a server that requires a client
# certificate the client does not have.  The samples' matrix has no s_server; it answers a
# client's close with decode_error, which must not turn a client's silent refusal into the
# server's abort.
#
# Two network namespaces joined by a veth pair; the client's namespace resolves www.example.test
# through /etc/netns/NS/hosts (ip netns exec puts it over /etc/hosts).  tcpdump records; tlsdiag
# reads the file.  With the key log, every connection must get its true verdict, certain, and
# be decrypted if anything in it was encrypted.  Without it, a certain verdict must still be true (TLS 1.3's clear bad_certificate
# may only say server-cert-rejected: the certificate it refused is encrypted).
# Needs root, openssl, tcpdump, iproute2, timeout, python3; prints "skip keylog-clients: why"
# otherwise, and "skip" for a client that is not installed.
set -u
export LC_ALL=C
TLSDIAG=${TLSDIAG:-./tlsdiag}
case $TLSDIAG in /*) ;; *) TLSDIAG=$(pwd)/$TLSDIAG ;; esac
NS_C=tdq-c-$$ NS_S=tdq-s-$$ IF_C=tdqc$$ IF_S=tdqs$$ IP_C=10.96.0.1 IP_S=10.96.0.2 SNI=www.example.test

skip() { echo "skip keylog-clients: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces and packet capture)"
for tool in openssl ip timeout python3 tcpdump; do command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"; done
[ -x "$TLSDIAG" ] || skip "no tlsdiag binary at $TLSDIAG"
. "$(dirname "$0")/lib/netns.sh"

T=$(mktemp -d /tmp/tlsdiag-kclients.XXXXXX) || skip "cannot make a temporary directory"
chmod 755 "$T"
cleanup() {
    ns_down "$NS_C" "$NS_S"
    rm -rf "/etc/netns/$NS_C"
    rmdir /etc/netns 2>/dev/null         # only when nothing else is there
    [ -n "${TD_KEEP:-}" ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ns_pair "$NS_C" "$IF_C" "$IP_C" "$NS_S" "$IF_S" "$IP_S" 2>"$T/ns.err" ||
    skip "cannot set up namespaces and a veth pair: $(head -c 200 "$T/ns.err")"
mkdir -p "/etc/netns/$NS_C" && printf '127.0.0.1 localhost\n%s %s\n' "$IP_S" "$SNI" > "/etc/netns/$NS_C/hosts" ||
    skip "cannot write /etc/netns/$NS_C/hosts"

# A root, a root the clients do not trust, and the server's key certified four ways.
(
    cd "$T" || exit 1
    set -e
    for ca in ca other; do
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $ca.key -out $ca.pem -days 2 \
            -subj "/CN=keylog clients $ca" -addext "basicConstraints=critical,CA:TRUE"
    done
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv.key -out srv.csr -subj "/CN=$SNI"
    printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:%s\n' "$SNI" > name.ext
    printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:other.example.test\n' > other.ext
    openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile name.ext -out good.pem
    openssl x509 -req -in srv.csr -CA other.pem -CAkey other.key -CAcreateserial -days 2 -extfile name.ext -out untrusted.pem
    openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile other.ext -out wrongname.pem
    # Expired: "openssl ca" takes explicit dates (OpenSSL 3.0's x509 does not).
    mkdir db && : > db/index.txt && echo 01 > db/serial
    printf '[ca]\ndefault_ca=c\n[c]\ndatabase=db/index.txt\nserial=db/serial\nnew_certs_dir=db\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n[x]\nbasicConstraints=CA:FALSE\nsubjectAltName=DNS:%s\n' "$SNI" > ca.cnf
    openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in srv.csr -out expired.pem -notext \
        -startdate 20200101000000Z -enddate 20210101000000Z -extensions x
) >"$T/pki.log" 2>&1 || skip "openssl cannot make the test certificates: $(tail -1 "$T/pki.log")"

CLIENTS="curl wget python3 gnutls-cli s_client node"
: > "$T/keys.log"
: > "$T/plan.txt"
port=5000
for scen in good untrusted expired wrongname mtls; do
    for ver in tls1_2 tls1_3; do
        for cl in $CLIENTS; do
            port=$((port + 1))
            bin=$cl
            [ "$cl" = s_client ] && bin=openssl
            command -v "$bin" >/dev/null 2>&1 || { echo "$port $scen $ver $cl absent" >> "$T/plan.txt"; continue; }
            echo "$port $scen $ver $cl" >> "$T/plan.txt"
        done
    done
done

# --immediate-mode -U: every packet is written as soon as it is seen.  ip netns exec execs
# `timeout`, whose child is tcpdump: the signals go to tcpdump itself.
ip netns exec "$NS_S" timeout 120 tcpdump -i "$IF_S" --immediate-mode -U -w "$T/cap.pcap" tcp >"$T/tcpdump.log" 2>&1 &
TIMEOUT_PID=$!
DUMP_PID=$(child_of "$TIMEOUT_PID") || DUMP_PID=""
wait_grep 10 "$T/tcpdump.log" "listening on" || skip "tcpdump does not start: $(head -c 200 "$T/tcpdump.log")"

# Every server first (each takes one connection), then the clients one after the other.
SRV_PIDS=""
while read -r port scen ver cl absent; do
    [ -n "$absent" ] && continue
    cert=$scen
    extra=""
    [ "$scen" = mtls ] && cert=good extra="-Verify 1 -verify_return_error -CAfile $T/ca.pem"
    # shellcheck disable=SC2086
    ip netns exec "$NS_S" timeout 60 openssl s_server -accept "$port" -cert "$T/$cert.pem" -key "$T/srv.key" -$ver \
        -www -naccept 1 $extra </dev/null >"$T/s$port.log" 2>&1 &
    SRV_PIDS="$SRV_PIDS $!"
done < "$T/plan.txt"
while read -r port scen ver cl absent; do
    [ -n "$absent" ] || wait_port "$NS_S" tcp "$port" 10
done < "$T/plan.txt"
# The request, then standard input stays open until the client has its answer or has given up
# (its log says so): at the end of its input a client closes.
request() {  # LOG ERE
    printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$SNI"
    wait_grep_re 10 "$1" "$2"
}
while read -r port scen ver cl absent; do
    [ -n "$absent" ] && continue
    url="https://$SNI:$port/"
    case $cl in
    curl) ip netns exec "$NS_C" env SSLKEYLOGFILE="$T/keys.log" timeout 10 curl -s -o /dev/null --cacert "$T/ca.pem" "$url" ;;
    wget) ip netns exec "$NS_C" env SSLKEYLOGFILE="$T/keys.log" timeout 10 wget -q -O /dev/null --ca-certificate="$T/ca.pem" "$url" ;;
    python3) ip netns exec "$NS_C" env SSLKEYLOGFILE="$T/keys.log" timeout 10 python3 -c '
import ssl, sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], context=ssl.create_default_context(cafile=sys.argv[2]), timeout=5).read()
except Exception:
    pass' "$url" "$T/ca.pem" ;;
    gnutls-cli) request "$T/c$port.log" 'HTTP/1\.[01] [0-9]|\*\*\* |closed the GnuTLS connection' | ip netns exec "$NS_C" env SSLKEYLOGFILE="$T/keys.log" timeout 10 gnutls-cli \
                    --x509cafile "$T/ca.pem" -p "$port" "$SNI" ;;
    s_client) request "$T/c$port.log" 'HTTP/1\.[01] [0-9]|:error:|^closed$' | ip netns exec "$NS_C" timeout 10 openssl s_client -connect "$SNI:$port" -servername "$SNI" \
                  -verify_return_error -verify_hostname "$SNI" -CAfile "$T/ca.pem" -keylogfile "$T/keys.log" ;;
    node) ip netns exec "$NS_C" env NODE_EXTRA_CA_CERTS="$T/ca.pem" timeout 10 node --no-warnings --tls-keylog="$T/keys.log" \
              -e 'require("https").get(process.argv[1], r => r.resume()).on("error", () => {})' "$url" ;;
    esac </dev/null >"$T/c$port.log" 2>&1
done <<EOF
$(cat "$T/plan.txt")
EOF
# Each server ends with its one connection; then tcpdump must have written every packet it was
# handed (its own counts) before SIGINT stops it.
# shellcheck disable=SC2086
wait_gone 10 $SRV_PIDS
[ -n "$DUMP_PID" ] && tcpdump_synced 10 "$DUMP_PID" "$T/tcpdump.log"
kill -INT "${DUMP_PID:-$TIMEOUT_PID}"       # (timeout passes SIGINT on)
wait "$TIMEOUT_PID"
ns_down "$NS_S"
[ -s "$T/keys.log" ] || { echo "not ok keylog-clients: no client wrote a key log"; exit 0; }
"$TLSDIAG" --json -A --cacert "$T/ca.pem" --keylog "$T/keys.log" -r "$T/cap.pcap" >"$T/keyed.json" 2>"$T/keyed.err"
"$TLSDIAG" --json -A --cacert "$T/ca.pem" -r "$T/cap.pcap" >"$T/keyless.json" 2>"$T/keyless.err"

python3 - "$T/plan.txt" "$T/keyed.json" "$T/keyless.json" <<'PY'
import json, sys
truth = {"good": "ok", "untrusted": "unknown-ca", "expired": "server-cert-expired", "wrongname": "name-mismatch",
         "mtls": "client-cert-missing"}
def load(path):
    conns = {}
    for line in open(path):
        o = json.loads(line)
        if o.get("type") == "connection":
            conns.setdefault(o["server"]["port"], []).append(o)
    return conns
keyed, keyless = load(sys.argv[2]), load(sys.argv[3])
absent = set()
for line in open(sys.argv[1]):
    port, scen, ver, cl, *rest = line.split()
    name = "%s-%s-%s" % (cl, ver.replace("_", ""), scen)
    if rest:
        absent.add(cl)
        continue
    want = truth[scen]
    got = keyed.get(int(port), [])
    why = []
    if len(got) != 1:
        why.append("%d connections reported, want 1" % len(got))
    for o in got:
        # A TLS 1.2 client that refuses before its key exchange has no secrets to log, and
        # nothing was encrypted: only what was encrypted must have been decrypted.
        t = o["tls"]
        sealed = t.get("version") == "TLS1.3" or any(t.get(k) for k in ("encrypted_handshake_c2s", "encrypted_handshake_s2c",
                                                                          "app_data_c2s", "app_data_s2c"))
        if (o["verdict"], o["confidence"]) != (want, "certain") or (sealed and o.get("decrypted") is not True):
            why.append("with the key log: %s %s, decrypted %s (%s); want %s certain%s" %
                       (o["verdict"], o["confidence"], o.get("decrypted"), o.get("decrypt_status"), want,
                        ", decrypted" if sealed else ""))
    for o in keyless.get(int(port), []):
        fair = want == o["verdict"] or (o["verdict"] == "server-cert-rejected" and ver == "tls1_3" and want not in ("ok", "client-cert-missing"))
        if o["confidence"] == "certain" and not fair:
            why.append("without keys: %s certain, want %s" % (o["verdict"], want))
    print("not ok keylog-clients %s: %s" % (name, "; ".join(why)) if why else "ok keylog-clients %s" % name)
for cl in sorted(absent):
    print("skip keylog-clients %s: not installed" % cl)
PY
