#!/usr/bin/env bash
# make-mixed.sh -- one capture of ~320 mixed, interleaved curl connections to nginx and
# gnutls-serv servers, covering every tlsdiag failure class, with a per-connection truth table.
#
# Run as root on Debian 12:   sudo bash samples/mixed/make-mixed.sh
# Writes samples/mixed/mixed.pcap, mixed.keylog (curl's SSLKEYLOGFILE), truth.txt and root.pem
# (the root the client trusts).  See README.md.
#
# Same approach as samples/make-samples.sh and samples/matrix/make-matrix.sh, with names of its own
# so that it never clashes with them: namespaces mixcli (10.97.0.1) and mixsrv joined by the veth
# pair mixc0/mixs0; every server has an address of its own in mixsrv (10.97.0.2 and up, all on
# port 443, because tlsdiag looks at port 443 unless told otherwise), with one certificate; names
# resolve through /etc/netns/mixcli/hosts.  All servers run at once; tcpdump records mixc0 while a
# seeded, shuffled list of curl runs (up to MIX_PAR at a time, so that connections overlap) goes
# through.  Every curl run uses a client port of its own (--local-port), so that each TCP
# connection of the capture is matched to its run; then tshark (decrypting with the key log) and
# curl's exit code and message are checked against what each scenario must show.  Only when every
# connection passes are the files written to samples/mixed/.
#
# Environment: MIX_SEED (shuffle seed, default 7321), MIX_PAR (concurrent curl runs, default 4),
# MIX_KEEP=DIR keeps the staging directory (logs, per-run curl output) there.
set -uo pipefail
umask 022
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS_C=mixcli NS_S=mixsrv
IF_C=mixc0 IF_S=mixs0
NET=10.97.0
IP_C=$NET.1
SEED=${MIX_SEED:-7321}
PAR=${MIX_PAR:-4}
T0=$SECONDS

say() { printf '%s\n' "make-mixed: $*" >&2; }
die() { say "error: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, nftables, tcpdump)"

have() { command -v "$1" >/dev/null 2>&1; }
need=()
for t in openssl:openssl tcpdump:tcpdump tshark:tshark ip:iproute2 ss:iproute2 curl:curl \
         nginx:nginx gnutls-serv:gnutls-bin nft:nftables timeout:coreutils; do
    have "${t%%:*}" || need+=("${t#*:}")
done
[ -x /usr/bin/python3 ] || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
    say "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || die "apt-get install ${need[*]} failed"
fi
PY=/usr/bin/python3

# ---------------------------------------------------------------------------------------------
# Clean-up: leftovers of an earlier run at start, everything at exit
# ---------------------------------------------------------------------------------------------
PIDS=()          # every background process this script started (servers, tcpdump)
TMP=""
CAP_PID=""
kill_ns_procs() {  # processes still running inside one of OUR namespaces
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
    [ -n "$CAP_PID" ] && kill -INT "$CAP_PID" 2>/dev/null
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    ns_down
    rm -rf "/etc/netns/$NS_C" "/etc/netns/$NS_S"
    if [ -n "$TMP" ]; then
        if [ -n "${MIX_KEEP:-}" ]; then rm -rf "$MIX_KEEP"; mkdir -p "$(dirname "$MIX_KEEP")"; mv "$TMP" "$MIX_KEEP"
            say "staging directory kept in $MIX_KEEP"
        else rm -rf "$TMP"; fi
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ns_down
rm -rf "/etc/netns/$NS_C"
TMP=$(mktemp -d /tmp/tlsdiag-mixed.XXXXXX)
chmod 755 "$TMP"
mkdir -p "$TMP/pki" "$TMP/log" "$TMP/res" "$TMP/www"
P=$TMP/pki LOG=$TMP/log

# ---------------------------------------------------------------------------------------------
# Addresses and names.  Every server: its own address, port 443, one certificate.
# ---------------------------------------------------------------------------------------------
#  nginx                       gnutls-serv (DNAT 443 -> 50xx)   certificate
#  .2  www.mix.test            .12 g-www.mix.test              good, TLS 1.2 + 1.3
#  .3  legacy.mix.test         .13 g-legacy.mix.test           good, TLS 1.2 only, AES256(-SHA) only
#  .4  modern.mix.test         .14 g-modern.mix.test           good, TLS 1.3 only
#  .5  mtls.mix.test           .15 g-mtls.mix.test             good, client certificate required
#  .6  untrusted.mix.test      .16 g-untrusted.mix.test        leaf from the Other root
#  .7  chain.mix.test          .17 g-chain.mix.test            leaf from the intermediate, sent alone
#  .8  wrongname.mix.test      .18 g-wrongname.mix.test        leaf for www.elsewhere.test
#  .9  expired.mix.test        .19 g-expired.mix.test          expired leaf (2020-2021)
#  .10 notyet.mix.test         .20 g-notyet.mix.test           leaf valid from next year
#  .11 eku.mix.test            .21 g-eku.mix.test              leaf with EKU clientAuth only
#  .22 plain.mix.test   nginx plain HTTP on 443
#  .23 silent.mix.test  a TCP listener that accepts and says nothing
#  .24 dark.mix.test    SYNs to 443 dropped (nftables)
#  .25 closed.mix.test, .26 gone.mix.test   nothing listens on 443
ROLES=(www legacy modern mtls untrusted chain wrongname expired notyet eku)
declare -A IPOF
i=2
for r in "${ROLES[@]}"; do IPOF[$r]=$NET.$i; IPOF[g-$r]=$NET.$((i + 10)); i=$((i + 1)); done
IPOF[plain]=$NET.22 IPOF[silent]=$NET.23 IPOF[dark]=$NET.24 IPOF[closed]=$NET.25 IPOF[gone]=$NET.26
mkdir -p "/etc/netns/$NS_C"
{
    echo "127.0.0.1 localhost"
    for h in "${!IPOF[@]}"; do echo "${IPOF[$h]} $h.mix.test"; done | sort -t. -k4,4n
} >"/etc/netns/$NS_C/hosts"

# ---------------------------------------------------------------------------------------------
# PKI
# ---------------------------------------------------------------------------------------------
sans() { local s="" r; for r in "$@"; do s+="${s:+, }DNS:$r.mix.test, DNS:g-$r.mix.test"; done; echo "$s"; }
cat >"$P/ext.cnf" <<EOC
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[good]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $(sans www legacy modern mtls)
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[untrusted]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $(sans untrusted)
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[chain]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $(sans chain)
authorityInfoAccess = caIssuers;URI:http://pki.mix.test/intermediate.crt
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[wrongname]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:www.elsewhere.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[expired]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $(sans expired)
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[notyet]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $(sans notyet)
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[eku]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectAltName = $(sans eku)
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOC
mkdir -p "$P/db/new"; : >"$P/db/index.txt"; echo 3000 >"$P/db/serial"
cat >"$P/ca.cnf" <<EOC
[ca]
default_ca = mix
[mix]
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
FUT_START=$(date -u -d '+1 year' +%Y%m%d%H%M%SZ)
FUT_END=$(date -u -d '+3 years' +%Y%m%d%H%M%SZ)
key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$P/$1.key" 2>/dev/null; }
issue() {  # NAME SUBJECT ISSUER(=NAME: self-signed) EXT-SECTION START END
    local name=$1 subj=$2 issuer=$3 sect=$4 start=$5 end=$6 how
    openssl req -new -key "$P/$name.key" -subj "$subj" -out "$P/$name.csr"
    if [ "$issuer" = "$name" ]; then how=(-selfsign -keyfile "$P/$name.key")
    else how=(-cert "$P/$issuer.crt" -keyfile "$P/$issuer.key"); fi
    openssl ca -batch -config "$P/ca.cnf" "${how[@]}" -preserveDN -notext -md sha256 \
        -startdate "$start" -enddate "$end" -extfile "$P/ext.cnf" -extensions "$sect" \
        -in "$P/$name.csr" -out "$P/$name.crt" 2>"$P/$name.err" || die "certificate $name: $(cat "$P/$name.err")"
}
say "making keys and certificates"
for k in root other int good untrusted chain wrongname expired notyet eku cli rogue; do key "$k" & done
wait
issue root      "/O=tlsdiag/CN=tlsdiag Mixed Root CA"          root  ca        "$ROOT_START" "$ROOT_END"
issue other     "/O=tlsdiag/CN=tlsdiag Mixed Other Root CA"    other ca        "$ROOT_START" "$ROOT_END"
issue int       "/O=tlsdiag/CN=tlsdiag Mixed Intermediate CA"  root  ca        "$ROOT_START" "$ROOT_END"
issue good      "/CN=www.mix.test"        root  good      "$LEAF_START" "$LEAF_END"
issue untrusted "/CN=untrusted.mix.test"  other untrusted "$LEAF_START" "$LEAF_END"
issue chain     "/CN=chain.mix.test"      int   chain     "$LEAF_START" "$LEAF_END"
issue wrongname "/CN=www.elsewhere.test"  root  wrongname "$LEAF_START" "$LEAF_END"
issue expired   "/CN=expired.mix.test"    root  expired   20200101000000Z 20210101000000Z
issue notyet    "/CN=notyet.mix.test"     root  notyet    "$FUT_START" "$FUT_END"
issue eku       "/CN=eku.mix.test"        root  eku       "$LEAF_START" "$LEAF_END"
issue cli       "/O=tlsdiag/CN=tlsdiag mixed client"       root  client "$LEAF_START" "$LEAF_END"
issue rogue     "/O=tlsdiag/CN=tlsdiag mixed rogue client" other client "$LEAF_START" "$LEAF_END"
CA=$P/root.crt
# what each server sends: its leaf alone (the chain server: without its intermediate, on purpose;
# the root is never sent)
CERT_OF() { case $1 in www|legacy|modern|mtls) echo good ;; *) echo "$1" ;; esac; }

# ---------------------------------------------------------------------------------------------
# Namespaces (IPv4 only), addresses, firewall and NAT
# ---------------------------------------------------------------------------------------------
say "namespaces $NS_C / $NS_S"
ip netns add "$NS_C" || die "ip netns add $NS_C"
ip netns add "$NS_S" || die "ip netns add $NS_S"
ip link add "$IF_C" netns "$NS_C" type veth peer name "$IF_S" netns "$NS_S" || die "veth"
for ns in "$NS_C" "$NS_S"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
done
ip -n "$NS_C" addr add "$IP_C/24" dev "$IF_C"
for n in $(seq 2 26); do ip -n "$NS_S" addr add "$NET.$n/24" dev "$IF_S"; done
ip -n "$NS_C" link set lo up; ip -n "$NS_S" link set lo up
ip -n "$NS_C" link set "$IF_C" up; ip -n "$NS_S" link set "$IF_S" up
if have ethtool; then
    ip netns exec "$NS_C" ethtool -K "$IF_C" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
    ip netns exec "$NS_S" ethtool -K "$IF_S" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
fi
# gnutls-serv cannot bind one address: each listens on a port of its own (50xx) on all addresses
# and its address's port 443 is forwarded there.  The client (and the capture on mixc0) only ever
# sees ADDRESS:443.  dark.mix.test drops every SYN to 443.
GPORT() { echo $((5000 + ${1##*.})); }
{
    echo "table ip mixnat {"
    echo "  chain pre { type nat hook prerouting priority dstnat; policy accept;"
    for r in "${ROLES[@]}"; do
        a=${IPOF[g-$r]}; echo "    ip daddr $a tcp dport 443 dnat to $a:$(GPORT "$a")"
    done
    echo "  }"
    echo "}"
    echo "table inet mixfilt {"
    echo "  chain input { type filter hook input priority 0; policy accept;"
    echo "    ip daddr ${IPOF[dark]} tcp dport 443 drop"
    echo "  }"
    echo "}"
} >"$TMP/nft.conf"
ip netns exec "$NS_S" nft -f "$TMP/nft.conf" || die "nft rules"

# ---------------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------------
bg_srv() {  # LOGNAME CMD...   (in mixsrv)
    local l=$1; shift
    ip netns exec "$NS_S" "$@" </dev/null >>"$LOG/$l.log" 2>&1 &
    PIDS+=("$!")
}
wait_listen() {  # ADDR PORT
    local i
    for i in $(seq 100); do
        [ -n "$(ip netns exec "$NS_S" ss -Hltn "sport = :$2" 2>/dev/null | grep -E "($1|\*|0\.0\.0\.0):$2")" ] && return 0
        sleep 0.1
    done
    die "nothing listens on $1:$2 in $NS_S"
}
say "starting nginx, 10 gnutls-serv, a silent listener"
D=$TMP/nginx; mkdir -p "$D"
{
    cat <<EOC
daemon off; master_process off; worker_processes 1; pid $D/nginx.pid; error_log $D/error.log info;
events { worker_connections 512; }
http {
  access_log off; client_body_temp_path $D; proxy_temp_path $D; fastcgi_temp_path $D;
  uwsgi_temp_path $D; scgi_temp_path $D;
  keepalive_timeout 0; ssl_session_tickets off; ssl_session_cache off;
EOC
    for r in "${ROLES[@]}"; do
        c=$(CERT_OF "$r") extra=""
        case $r in
        legacy) extra="ssl_protocols TLSv1.2; ssl_ciphers AES256-SHA;" ;;
        modern) extra="ssl_protocols TLSv1.3;" ;;
        mtls)   extra="ssl_protocols TLSv1.2 TLSv1.3; ssl_verify_client on; ssl_client_certificate $CA;" ;;
        *)      extra="ssl_protocols TLSv1.2 TLSv1.3;" ;;
        esac
        echo "  server { listen ${IPOF[$r]}:443 ssl; server_name $r.mix.test;"
        echo "    ssl_certificate $P/$c.crt; ssl_certificate_key $P/$c.key; $extra"
        echo "    location / { default_type text/plain; return 200 \"mix ok nginx $r\\n\"; } }"
    done
    echo "  server { listen ${IPOF[plain]}:443; server_name plain.mix.test;"
    echo "    location / { default_type text/plain; return 200 \"plain http\\n\"; } }"
    echo "}"
} >"$D/nginx.conf"
bg_srv nginx nginx -e "$D/error.log" -p "$D" -c "$D/nginx.conf"
printf 'mix ok gnutls\n' >"$TMP/www/page.txt"
for r in "${ROLES[@]}"; do
    c=$(CERT_OF "$r") pri=NORMAL va=()
    case $r in
    legacy) pri="NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-CBC" ;;
    modern) pri="NORMAL:-VERS-ALL:+VERS-TLS1.3" ;;
    mtls)   va=(--require-client-cert --verify-client-cert --x509cafile "$CA") ;;
    esac
    bg_srv "gnutls-$r" gnutls-serv --http --httpdata "$TMP/www/page.txt" -p "$(GPORT "${IPOF[g-$r]}")" \
        --x509certfile "$P/$c.crt" --x509keyfile "$P/$c.key" --priority "$pri" "${va[@]}"
done
cat >"$TMP/silent.py" <<'EOF'
# Accepts TCP connections, reads whatever comes, never sends a byte; closes when the client does.
import selectors, socket, sys
sel = selectors.DefaultSelector()
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((sys.argv[1], 443)); ls.listen(64); sel.register(ls, selectors.EVENT_READ)
while True:
    for k, _ in sel.select():
        s = k.fileobj
        if s is ls:
            c, _ = ls.accept(); sel.register(c, selectors.EVENT_READ)
        else:
            try:
                d = s.recv(65536)
            except OSError:
                d = b""
            if not d:
                sel.unregister(s); s.close()
EOF
bg_srv silent "$PY" "$TMP/silent.py" "${IPOF[silent]}"
for r in "${ROLES[@]}"; do wait_listen "${IPOF[$r]}" 443; wait_listen '\*' "$(GPORT "${IPOF[g-$r]}")"; done
wait_listen "${IPOF[plain]}" 443
wait_listen "${IPOF[silent]}" 443
sleep 0.3

# ---------------------------------------------------------------------------------------------
# The runs: every scenario, repeated, in a seeded shuffled order
# ---------------------------------------------------------------------------------------------
# jobs.tsv: IDX LPORT SCENARIO SERVER-IP VER TRUTH CHECK DELAY URL CURL-ARGS...
"$PY" - "$SEED" "$P" >"$TMP/jobs.tsv" <<'EOF' || die "job list"
import random, sys
seed, P = int(sys.argv[1]), sys.argv[2]
V12 = "--tlsv1.2 --tls-max 1.2"
V13 = "--tlsv1.3"
GOOD = "--cert %s/cli.crt --key %s/cli.key" % (P, P)
ROGUE = "--cert %s/rogue.crt --key %s/rogue.key" % (P, P)
ipof = {}
roles = "www legacy modern mtls untrusted chain wrongname expired notyet eku".split()
for i, r in enumerate(roles):
    ipof[r] = "10.97.0.%d" % (i + 2)
    ipof["g-" + r] = "10.97.0.%d" % (i + 12)
ipof.update(plain="10.97.0.22", silent="10.97.0.23", dark="10.97.0.24", closed="10.97.0.25", gone="10.97.0.26")
V = []   # (scenario, host, ver, truth, check, url-scheme, args, repeats)
def add(scen, host, ver, truth, check, args="", rep=5, scheme="https"):
    V.append((scen, host, ver, truth, check, scheme, args, rep))
for srv, pre in (("nginx", ""), ("gnutls", "g-")):
    vargs = {"1.2": V12, "1.3": V13}
    for v in ("1.2", "1.3"):
        add(srv + "/ok", pre + "www", v, "ok", "ok", vargs[v], rep=10)
        add(srv + "/ok-mtls", pre + "mtls", v, "ok", "mtls-ok", vargs[v] + " " + GOOD, rep=4)
        add(srv + "/unknown-ca", pre + "untrusted", v, "unknown-ca", "cert:unable to get local issuer certificate", vargs[v])
        add(srv + "/incomplete-chain", pre + "chain", v, "incomplete-chain", "cert:unable to get local issuer certificate", vargs[v])
        add(srv + "/name-mismatch", pre + "wrongname", v, "name-mismatch", "cert:no alternative certificate subject name matches target host name", vargs[v])
        add(srv + "/expired", pre + "expired", v, "server-cert-expired", "cert:certificate has expired", vargs[v])
        add(srv + "/not-yet-valid", pre + "notyet", v, "server-cert-expired", "cert:certificate is not yet valid", vargs[v])
        add(srv + "/eku-clientauth-only", pre + "eku", v, "server-cert-rejected", "cert:unsuitable certificate purpose", vargs[v])
        add(srv + "/client-cert-missing", pre + "mtls", v, "client-cert-missing", "ccmiss", vargs[v])
        add(srv + "/client-cert-rejected", pre + "mtls", v, "client-cert-rejected", "ccrej", vargs[v] + " " + ROGUE)
    add(srv + "/ok-legacy-aes256", pre + "legacy", "1.2", "ok", "ok", V12, rep=5)
    add(srv + "/ok-tls13-only", pre + "modern", "1.3", "ok", "ok", V13, rep=5)
    add(srv + "/tls13-only-vs-max12", pre + "modern", "1.2", "protocol-mismatch", "proto", V12)
    add(srv + "/tls12-only-vs-tls13", pre + "legacy", "1.3", "protocol-mismatch", "proto", V13)
    add(srv + "/cipher-mismatch", pre + "legacy", "1.2", "protocol-mismatch", "proto",
        V12 + " --ciphers ECDHE-RSA-AES128-GCM-SHA256")
    add(srv + "/client-not-tls", pre + "www", "-", "client-not-tls", "notls-cli", "", scheme="http")
add("plain/server-not-tls", "plain", "1.2", "server-not-tls", "notls-srv", V12)
add("plain/server-not-tls", "plain", "1.3", "server-not-tls", "notls-srv", V13)
add("silent/no-tls-response", "silent", "1.2", "no-tls-response", "silent", V12 + " --max-time 2", rep=6)
add("silent/no-tls-response", "silent", "1.3", "no-tls-response", "silent", V13 + " --max-time 2", rep=6)
add("dark/no-server-response", "dark", "-", "no-server-response", "noresp", V13, rep=10)
add("closed/connection-refused", "closed", "-", "connection-refused", "refused", V13, rep=6)
add("gone/connection-refused", "gone", "-", "connection-refused", "refused", V12, rep=6)
jobs = []
for (scen, host, ver, truth, check, scheme, args, rep) in V:
    for _ in range(rep):
        jobs.append((scen, host, ver, truth, check, scheme, args))
rnd = random.Random(seed)
rnd.shuffle(jobs)
for i, (scen, host, ver, truth, check, scheme, args) in enumerate(jobs):
    url = "%s://%s.mix.test%s/" % (scheme, host, ":443" if scheme == "http" else "")
    delay = "%.3f" % rnd.choice([0, 0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.15])
    print("\t".join([str(i + 1), str(20001 + i), scen, ipof[host], ver, truth, check, delay, url, args]))
EOF
NJOBS=$(wc -l <"$TMP/jobs.tsv")

# ---------------------------------------------------------------------------------------------
# Capture and run
# ---------------------------------------------------------------------------------------------
KEYLOG=$TMP/mixed.keylog
PCAP=$TMP/mixed.pcap
: >"$KEYLOG"
ip netns exec "$NS_C" tcpdump -i "$IF_C" -w "$PCAP" -U --immediate-mode -Z root -s 0 -n tcp 2>"$LOG/tcpdump.log" &
CAP_PID=$!; PIDS+=("$CAP_PID")
for i in $(seq 100); do grep -q "listening on" "$LOG/tcpdump.log" && break; sleep 0.1; done
grep -q "listening on" "$LOG/tcpdump.log" || die "tcpdump did not start: $(cat "$LOG/tcpdump.log")"
sleep 0.3

R=$TMP/res
run_job() {  # IDX LPORT URL ARGS...
    local idx=$1 lport=$2 url=$3; shift 3
    ip netns exec "$NS_C" env SSLKEYLOGFILE="$KEYLOG" timeout -k 1 10 \
        curl -sS --noproxy '*' --http1.1 --cacert "$CA" --connect-timeout 2 --max-time 5 \
        --local-port "$lport" -o "$R/$idx.body" -w '%{http_code} %{local_port} %{ssl_verify_result}' \
        "$@" "$url" >"$R/$idx.out" 2>"$R/$idx.err"
    echo $? >"$R/$idx.rc"
}
say "running $NJOBS curl runs, up to $PAR at a time (seed $SEED)"
(
    while IFS=$'\t' read -r idx lport scen ip ver truth check delay url args; do
        while [ "$(jobs -rp | wc -l)" -ge "$PAR" ]; do wait -n; done
        read -ra a <<<"$args"
        sleep "$delay"
        run_job "$idx" "$lport" "$url" "${a[@]}" &
    done <"$TMP/jobs.tsv"
    wait
)
sleep 1
kill -INT "$CAP_PID" 2>/dev/null || true
wait "$CAP_PID" 2>/dev/null || true
CAP_PID=""
got=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$LOG/tcpdump.log")
took=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter.*/\1/p' "$LOG/tcpdump.log")
[ -n "$got" ] && [ "$got" = "$took" ] || die "tcpdump wrote ${got:-?} of ${took:-?} packets: $(cat "$LOG/tcpdump.log")"
say "captured $got packets, $(stat -c %s "$PCAP") bytes ($((SECONDS - T0)) s)"

# ---------------------------------------------------------------------------------------------
# Check every connection against its run, and write the truth
# ---------------------------------------------------------------------------------------------
F=(frame.number tcp.stream ip.src ip.dst tcp.srcport tcp.dstport tcp.flags.syn tcp.flags.ack
   tcp.flags.reset tcp.flags.fin tcp.len tls.handshake.type tls.handshake.extensions.supported_version
   tls.handshake.version tls.handshake.certificates_length tls.alert_message.desc http.response.code
   tcp.payload)
targs=(); for f in "${F[@]}"; do targs+=(-e "$f"); done
tshark -r "$PCAP" -o "tls.keylog_file:$KEYLOG" -o http.desegment_body:FALSE -T fields \
    -E separator=/t -E occurrence=a -E aggregator=, "${targs[@]}" >"$TMP/fields.tsv" 2>"$LOG/tshark.log" ||
    die "tshark: $(cat "$LOG/tshark.log")"
"$PY" - "$TMP/jobs.tsv" "$R" "$TMP/fields.tsv" "$IP_C" "${F[*]}" >"$TMP/truth.body" 2>"$TMP/check.log" <<'EOF'
import re, sys
jobsf, R, fieldsf, cli_ip, fnames = sys.argv[1:6]
F = fnames.split()
def ints(s):
    return [int(x, 0) for x in s.split(",") if x != ""]
jobs = {}
for line in open(jobsf):
    idx, lport, scen, ip, ver, truth, check, delay, url, args = line.rstrip("\n").split("\t")
    j = dict(idx=int(idx), lport=int(lport), scen=scen, ip=ip, ver=ver, truth=truth, check=check, url=url)
    j["rc"] = int(open("%s/%s.rc" % (R, idx)).read().strip() or -1)
    out = open("%s/%s.out" % (R, idx)).read().split()
    j["code"], j["wport"] = (out + ["000", "0", "0"])[:2]
    j["err"] = " ".join(open("%s/%s.err" % (R, idx), errors="replace").read().split()).split(" More details here")[0]
    jobs[j["lport"]] = j
streams = {}
for line in open(fieldsf):
    v = line.rstrip("\n").split("\t"); v += [""] * (len(F) - len(v)); r = dict(zip(F, v))
    st = r["tcp.stream"]
    if st == "":
        continue
    fromc = r["ip.src"] == cli_ip
    s = streams.setdefault(st, dict(first=int(r["frame.number"]), cport=None, sip=None, sport=None,
        syn=0, synack=0, srst=0, spkts=0, sbytes=0, ch=False, sh=None, certreq=False, ccert=[],
        salerts=[], calerts=[], http=[], cfirst=b"", sfirst=b""))
    if fromc:
        s["cport"], s["sip"], s["sport"] = int(r["tcp.srcport"]), r["ip.dst"], int(r["tcp.dstport"])
    else:
        s["cport"], s["sip"], s["sport"] = int(r["tcp.dstport"]), r["ip.src"], int(r["tcp.srcport"])
        s["spkts"] += 1
    syn, ack = r["tcp.flags.syn"] in ("1", "True"), r["tcp.flags.ack"] in ("1", "True")
    if syn and fromc and not ack:
        s["syn"] += 1
    if syn and ack and not fromc:
        s["synack"] += 1
    if r["tcp.flags.reset"] in ("1", "True") and not fromc:
        s["srst"] += 1
    n = int(r["tcp.len"] or 0)
    pay = bytes.fromhex(r["tcp.payload"].replace(":", "").split(",")[0]) if r["tcp.payload"] else b""
    if n and fromc and not s["cfirst"]:
        s["cfirst"] = pay[:16]
    if n and not fromc:
        s["sbytes"] += n
        if not s["sfirst"]:
            s["sfirst"] = pay[:16]
    ht = ints(r["tls.handshake.type"])
    if fromc and 1 in ht:
        s["ch"] = True
    if not fromc and 2 in ht:
        sv, hv = ints(r["tls.handshake.extensions.supported_version"]), ints(r["tls.handshake.version"])
        s["sh"] = "1.3" if 0x0304 in sv else ("1.2" if 0x0303 in hv else "?")
    if not fromc and 13 in ht:
        s["certreq"] = True
    if fromc and 11 in ht:
        cl = ints(r["tls.handshake.certificates_length"])
        s["ccert"].append(cl[0] if cl else 0)
    for d in ints(r["tls.alert_message.desc"]):
        (s["calerts"] if fromc else s["salerts"]).append(d)
    if not fromc:
        s["http"] += ints(r["http.response.code"])
bad = []
byport = {}
for st, s in streams.items():
    if s["cport"] in byport:
        bad.append("client port %d in two connections" % s["cport"])
    byport[s["cport"]] = s
for p in byport:
    if p not in jobs:
        bad.append("connection from client port %d matches no curl run" % p)
def check(j, s):
    c, rc, code, err = j["check"], j["rc"], j["code"], j["err"]
    if s is None:
        return "no connection in the capture"
    if s["sip"] != j["ip"] or s["sport"] != 443:
        return "server %s:%d, want %s:443" % (s["sip"], s["sport"], j["ip"])
    if s["syn"] < 1:
        return "no SYN from the client"
    if j["wport"] not in ("0", str(j["lport"])):
        return "curl says local port %s" % j["wport"]
    tls = c in ("ok", "mtls-ok", "ccmiss", "ccrej") or c.startswith("cert:")
    if tls and s["sh"] != j["ver"]:
        return "ServerHello version %s, want %s" % (s["sh"], j["ver"])
    if c in ("ok", "mtls-ok"):
        if rc != 0 or code != "200" or 200 not in s["http"]:
            return "not ok: rc %d http %s (in capture %s)" % (rc, code, s["http"])
        if c == "mtls-ok" and not (s["certreq"] and s["ccert"] and s["ccert"][0] > 0):
            return "no client certificate sent"
    elif c.startswith("cert:"):
        if rc != 60 or c[5:] not in err:
            return "want curl 60 '%s', got %d '%s'" % (c[5:], rc, err)
        if s["http"]:
            return "HTTP in the capture"
    elif c == "proto":
        if rc != 35 or s["sh"] or not s["salerts"] or not s["ch"]:
            return "want curl 35, a ClientHello, no ServerHello, a server alert: rc %d sh %s salerts %s" % (rc, s["sh"], s["salerts"])
    elif c in ("ccmiss", "ccrej"):
        if not s["certreq"] or not s["ccert"]:
            return "no CertificateRequest / client Certificate"
        if c == "ccmiss" and s["ccert"][0] != 0:
            return "client sent a certificate"
        if c == "ccrej" and s["ccert"][0] == 0:
            return "client sent no certificate"
        if 200 in s["http"] or rc == 0 and code != "400":
            return "the server answered: rc %d http %s" % (rc, code)
        if rc != 0 and not s["salerts"]:
            return "curl failed (%d) but the server sent no alert" % rc
    elif c == "refused":
        if rc != 7 or s["synack"] or not s["srst"]:
            return "want curl 7 and a RST: rc %d synack %d rst %d" % (rc, s["synack"], s["srst"])
    elif c == "noresp":
        if rc != 28 or s["spkts"]:
            return "want curl 28 and no server packet: rc %d, %d server packets" % (rc, s["spkts"])
    elif c == "silent":
        if rc != 28 or not s["ch"] or s["sbytes"] or not s["synack"]:
            return "want curl 28, a ClientHello, no server byte: rc %d ch %s %d bytes" % (rc, s["ch"], s["sbytes"])
    elif c == "notls-srv":
        if rc != 35 or not s["ch"] or not s["sfirst"].startswith(b"HTTP/"):
            return "want curl 35, a ClientHello, HTTP in clear from the server: rc %d %r" % (rc, s["sfirst"])
    elif c == "notls-cli":
        if not s["cfirst"].startswith(b"GET ") or s["ch"]:
            return "want a clear-text GET and no ClientHello: %r" % s["cfirst"]
    else:
        return "unknown check " + c
    return None
rows = []
for p, j in sorted(jobs.items()):
    s = byport.get(p)
    why = check(j, s)
    if why:
        bad.append("run %d (port %d, %s, TLS %s): %s   [curl rc %d http %s: %s]" % (
            j["idx"], p, j["scen"], j["ver"], why, j["rc"], j["code"], j["err"]))
        continue
    said = j["err"] or "(no error)"
    if j["code"] not in ("000", "200"):
        t = re.search(rb"<title>([^<]*)</title>", open("%s/%d.body" % (R, j["idx"]), "rb").read())
        if t:
            said += " (page: %s)" % t.group(1).decode(errors="replace")
    msg = "curl exit %d, HTTP %s: %s" % (j["rc"], j["code"], said)
    rows.append((s["first"], "%d %s:443 %s %s %s # %s" % (p, j["ip"], j["scen"], j["ver"], j["truth"], msg)))
for b in bad:
    print("CHECK FAILED: " + b, file=sys.stderr)
for _, line in sorted(rows):
    print(line)
sys.exit(1 if bad else 0)
EOF
rc=$?
if [ $rc -ne 0 ]; then
    sed 's/^/make-mixed: /' "$TMP/check.log" >&2
    die "$(grep -c 'CHECK FAILED' "$TMP/check.log") connection(s) failed their check; nothing was written (MIX_KEEP=DIR keeps the staging directory)"
fi
NCONN=$(wc -l <"$TMP/truth.body")
{
    echo "# samples/mixed/mixed.pcap: one line per TCP connection, in the order of its SYN (made by make-mixed.sh, seed $SEED)"
    echo "# CLIENT_PORT SERVER_IP:PORT SCENARIO TLSVERSION TRUE_VERDICT # what curl printed"
    echo "# SCENARIO is SERVER/CASE (nginx, gnutls = gnutls-serv, plain = nginx without TLS, silent, dark, closed, gone);"
    echo "# TLSVERSION: the version negotiated, else the highest the client offered; - when no TLS was spoken."
    cat "$TMP/truth.body"
} >"$TMP/truth.txt"
cp "$PCAP" "$HERE/mixed.pcap"
cp "$KEYLOG" "$HERE/mixed.keylog"
cp "$TMP/truth.txt" "$HERE/truth.txt"
cp "$CA" "$HERE/root.pem"
say "wrote $HERE/mixed.pcap ($(stat -c %s "$HERE/mixed.pcap") bytes, $NCONN connections), mixed.keylog, truth.txt, root.pem in $((SECONDS - T0)) s"
