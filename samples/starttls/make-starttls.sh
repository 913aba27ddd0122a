#!/bin/sh
# make-starttls.sh - re-make the STARTTLS captures of samples/starttls/ from real servers and clients.
#
# Debian packages: postfix dovecot-imapd dovecot-pop3d vsftpd prosody swaks curl openssl tcpdump
# postgresql slapd ldap-utils mariadb-server (DEBIAN_FRONTEND=noninteractive apt-get install -y ...).  Run as root: the servers listen on their
# standard ports on 127.0.0.1 and tcpdump captures on lo.  Each server is started for its captures
# and stopped by its pid; postfix's configuration (/etc/postfix) is changed with postconf.  Running
# the script again makes the same set of files (new timestamps, keys and random values).
#
# Usage: sh samples/starttls/make-starttls.sh [OUTDIR]   (default: the script's directory)
#        STARTTLS_ONLY=postgresql sh samples/starttls/make-starttls.sh   (one protocol's captures only)
set -eu
want() { [ -z "${STARTTLS_ONLY:-}" ] || [ "$STARTTLS_ONLY" = "$1" ]; }
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
W=${STARTTLS_WORK:-/tmp/starttls-lab}
NAME=mail.example.test
rm -rf "$W"
mkdir -p "$W" "$out"

# ---- a small CA and the servers' certificate ------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=STARTTLS Test CA" \
    -keyout "$W/ca.key" -out "$W/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=$NAME" -keyout "$W/server.key" -out "$W/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s,DNS:example.test,IP:127.0.0.1\n' "$NAME" > "$W/san.ext"
openssl x509 -req -in "$W/server.csr" -CA "$W/ca.crt" -CAkey "$W/ca.key" -CAcreateserial -days 3650 \
    -extfile "$W/san.ext" -out "$W/server.crt" 2>/dev/null
cat "$W/server.crt" "$W/server.key" > "$W/server.pem"
chmod 644 "$W/server.key" "$W/server.pem"

# ---- capture helpers -------------------------------------------------------------------------------
stop_pid() {     # PID: end it and wait until it is gone
    [ -n "$1" ] || return 0
    kill "$1" 2>/dev/null || return 0
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
}
cap_pid=
cap_start() {   # FILE FILTER
    tcpdump -i lo -U -s 0 -w "$out/$1" "$2" 2>/dev/null &
    cap_pid=$!
    sleep 1
}
cap_stop() {
    sleep 1
    stop_pid "$cap_pid"
    wait "$cap_pid" 2>/dev/null || true
}
s_client() {    # PROTO PORT: a STARTTLS handshake, then quit
    echo Q | timeout 10 openssl s_client -starttls "$1" -connect "127.0.0.1:$2" -servername "$NAME" \
        -CAfile "$W/ca.crt" ${3:-} >"$W/client-$1-$2.log" 2>&1 || true
}

# ---- SMTP: postfix ---------------------------------------------------------------------------------
postfix_conf() {   # TLS security level: may or none
    postconf -e "myhostname=$NAME" "inet_interfaces=loopback-only" "inet_protocols=ipv4" \
        "smtpd_tls_cert_file=$W/server.crt" "smtpd_tls_key_file=$W/server.key" \
        "smtpd_tls_security_level=$1" "compatibility_level=3.6"
}
postfix_stop() {
    pid=$(cat /var/spool/postfix/pid/master.pid 2>/dev/null | tr -d ' ' || true)
    stop_pid "$pid"
}
if want smtp && command -v postfix >/dev/null; then
    postfix_stop
    postfix_conf may
    postfix start >/dev/null 2>&1; sleep 2
    cap_start smtp-starttls.pcap "tcp port 25"
    swaks --server 127.0.0.1 --port 25 --tls --tls-sni "$NAME" --quit-after TLS --ehlo client.example.test \
        >"$W/swaks.log" 2>&1 || true
    cap_stop
    cap_start smtp-openssl.pcap "tcp port 25"
    s_client smtp 25
    cap_stop
    postfix_stop
    postfix_conf none                        # STARTTLS no longer offered
    postfix start >/dev/null 2>&1; sleep 2
    cap_start smtp-not-offered.pcap "tcp port 25"
    curl -s --ssl-reqd --max-time 10 "smtp://127.0.0.1:25/" --mail-from a@example.test --mail-rcpt b@example.test \
        -T /dev/null >"$W/curl-smtp.log" 2>&1 || true
    cap_stop
    cap_start smtp-refused.pcap "tcp port 25"
    s_client smtp 25                          # "trying anyway": STARTTLS answered 502
    cap_stop
    postfix_stop
    postfix_conf may
fi

# ---- IMAP and POP3: dovecot ------------------------------------------------------------------------
dovecot_run() {    # ssl: yes or no
    mkdir -p "$W/dovecot-run"
    cat > "$W/dovecot.conf" <<CONF
protocols = imap pop3
listen = 127.0.0.1
base_dir = $W/dovecot-run
state_dir = $W/dovecot-run
ssl = $1
ssl_cert = <$W/server.crt
ssl_key = <$W/server.key
disable_plaintext_auth = no
auth_mechanisms = plain
passdb {
  driver = static
  args = password=pass
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$W/home
}
log_path = $W/dovecot.log
default_internal_user = dovecot
default_login_user = dovenull
CONF
    dovecot -c "$W/dovecot.conf"
    sleep 2
}
dovecot_stop() {
    stop_pid "$(cat "$W/dovecot-run/master.pid" 2>/dev/null || true)"
}
if want imap && command -v dovecot >/dev/null; then
    dovecot_run yes
    cap_start imap-starttls.pcap "tcp port 143"
    s_client imap 143
    cap_stop
    cap_start pop3-starttls.pcap "tcp port 110"
    s_client pop3 110
    cap_stop
    dovecot_stop
    dovecot_run no
    cap_start imap-refused.pcap "tcp port 143"
    s_client imap 143                         # not offered; openssl tries anyway: BAD
    cap_stop
    dovecot_stop
fi

# ---- FTP: vsftpd -----------------------------------------------------------------------------------
vsftpd_run() {     # ssl_enable: YES or NO
    mkdir -p /var/run/vsftpd/empty
    cat > "$W/vsftpd.conf" <<CONF
listen=YES
listen_address=127.0.0.1
listen_port=21
anonymous_enable=NO
local_enable=YES
ssl_enable=$1
rsa_cert_file=$W/server.crt
rsa_private_key_file=$W/server.key
secure_chroot_dir=/var/run/vsftpd/empty
seccomp_sandbox=NO
CONF
    vsftpd "$W/vsftpd.conf" &
    ftp_pid=$!
    sleep 1
}
if want ftp && command -v vsftpd >/dev/null; then
    vsftpd_run YES
    cap_start ftp-auth-tls.pcap "tcp port 21"
    s_client ftp 21
    cap_stop
    stop_pid "$ftp_pid"; wait "$ftp_pid" 2>/dev/null || true
    vsftpd_run NO
    cap_start ftp-refused.pcap "tcp port 21"
    s_client ftp 21                           # AUTH TLS answered 530
    cap_stop
    stop_pid "$ftp_pid"; wait "$ftp_pid" 2>/dev/null || true
fi

# ---- XMPP: prosody ---------------------------------------------------------------------------------
if want xmpp && command -v prosody >/dev/null; then
    mkdir -p "$W/prosody-data"
    chown prosody "$W/prosody-data" 2>/dev/null || true
    cat > "$W/prosody.cfg.lua" <<CONF
pidfile = "$W/prosody.pid"
daemonize = false
data_path = "$W/prosody-data"
interfaces = { "127.0.0.1" }
c2s_ports = { 5222 }
s2s_ports = { }
c2s_direct_tls_ports = { }
modules_enabled = { "tls", "saslauth", "disco", "ping" }
modules_disabled = { "s2s" }
log = { info = "$W/prosody.log" }
VirtualHost "example.test"
    ssl = { certificate = "$W/server.crt", key = "$W/server.key" }
CONF
    prosody --config "$W/prosody.cfg.lua" >"$W/prosody.out" 2>&1 &
    xmpp_pid=$!
    sleep 2
    cap_start xmpp-starttls.pcap "tcp port 5222"
    s_client xmpp 5222 "-xmpphost example.test"
    cap_stop
    stop_pid "$xmpp_pid"; wait "$xmpp_pid" 2>/dev/null || true
fi
# ---- PostgreSQL: an SSLRequest answered 'S' (ssl=on), and 'N' (ssl=off) ----------------------------
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
pg_run() {         # ssl: on or off
    rm -rf "$W/pg"
    mkdir -p "$W/pg"
    cp "$W/server.crt" "$W/server.key" "$W/pg/"
    chown -R postgres "$W/pg"
    chmod 600 "$W/pg/server.key"
    su postgres -c "$PGBIN/initdb -D $W/pg/data -A trust -U postgres" >"$W/pg-initdb.log" 2>&1
    su postgres -c "$PGBIN/postgres -D $W/pg/data -k $W/pg -c listen_addresses=127.0.0.1 -c port=5432 \
        -c ssl=$1 -c ssl_cert_file=$W/pg/server.crt -c ssl_key_file=$W/pg/server.key" >"$W/pg.log" 2>&1 &
    sleep 3
    pg_pid=$(head -1 "$W/pg/data/postmaster.pid")
}
if want postgresql && [ -n "$PGBIN" ] && command -v psql >/dev/null; then
    chmod 755 "$W"
    pg_run on
    cap_start postgresql-starttls.pcap "tcp port 5432"
    PGSSLMODE=require PGGSSENCMODE=disable timeout 10 psql "host=$NAME hostaddr=127.0.0.1 port=5432 user=postgres dbname=postgres" \
        -c 'select 1' >"$W/psql.log" 2>&1 || true
    cap_stop
    stop_pid "$pg_pid"
    pg_run off
    cap_start postgresql-refused.pcap "tcp port 5432"
    PGSSLMODE=require PGGSSENCMODE=disable timeout 10 psql "host=$NAME hostaddr=127.0.0.1 port=5432 user=postgres dbname=postgres" \
        -c 'select 1' >"$W/psql-refused.log" 2>&1 || true   # 'N': psql gives up
    cap_stop
    stop_pid "$pg_pid"
    rm -rf "$W/pg"
fi
# ---- LDAP: slapd, the StartTLS extended operation answered success (TLS configured), or not ----------
slapd_run() {      # yes: with a certificate; no: without
    rm -rf "$W/ldap"
    mkdir -p "$W/ldap/db"
    {
        echo "include /etc/ldap/schema/core.schema"
        echo "pidfile $W/ldap/slapd.pid"
        echo "argsfile $W/ldap/slapd.args"
        echo "modulepath /usr/lib/ldap"
        echo "moduleload back_mdb"
        if [ "$1" = yes ]; then
            echo "TLSCertificateFile $W/server.crt"
            echo "TLSCertificateKeyFile $W/server.key"
        fi
        echo "database mdb"
        echo 'suffix "dc=example,dc=test"'
        echo "directory $W/ldap/db"
    } > "$W/ldap/slapd.conf"
    /usr/sbin/slapd -f "$W/ldap/slapd.conf" -h ldap://127.0.0.1:389/ -d 0 >"$W/slapd.log" 2>&1 &
    ldap_pid=$!
    sleep 2
}
if want ldap && [ -x /usr/sbin/slapd ] && command -v ldapsearch >/dev/null; then
    slapd_run yes
    cap_start ldap-starttls.pcap "tcp port 389"
    LDAPTLS_CACERT="$W/ca.crt" timeout 10 ldapsearch -ZZ -x -H ldap://127.0.0.1:389 -b "" -s base \
        >"$W/ldapsearch.log" 2>&1 || true
    cap_stop
    stop_pid "$ldap_pid"; wait "$ldap_pid" 2>/dev/null || true
    slapd_run no
    cap_start ldap-refused.pcap "tcp port 389"
    LDAPTLS_CACERT="$W/ca.crt" timeout 10 ldapsearch -ZZ -x -H ldap://127.0.0.1:389 -b "" -s base \
        >"$W/ldapsearch-refused.log" 2>&1 || true      # -ZZ: StartTLS must succeed, so it gives up
    cap_stop
    stop_pid "$ldap_pid"; wait "$ldap_pid" 2>/dev/null || true
    rm -rf "$W/ldap"
fi
# ---- MySQL: mariadbd, CLIENT_SSL in the greeting (a certificate) or not; mariadb --ssl -----------------
mariadb_run() {    # yes: with a certificate; no: without
    rm -rf "$W/my"
    mkdir -p "$W/my"
    chown mysql "$W/my"
    mariadb-install-db --no-defaults --user=mysql --datadir="$W/my/data" --auth-root-authentication-method=normal \
        >"$W/my-install.log" 2>&1
    tls=
    [ "$1" = yes ] && tls="--ssl-cert=$W/server.crt --ssl-key=$W/server.key"
    mariadbd --no-defaults --user=mysql --datadir="$W/my/data" --socket="$W/my/sock" --pid-file="$W/my/pid" \
        --bind-address=127.0.0.1 --port=3306 --skip-grant-tables $tls >"$W/mariadbd.log" 2>&1 &
    my_pid=$!
    sleep 4
}
if want mysql && command -v mariadbd >/dev/null && command -v mariadb >/dev/null; then
    chmod 755 "$W"
    mariadb_run yes
    cap_start mysql-starttls.pcap "tcp port 3306"
    timeout 10 mariadb --no-defaults --ssl --ssl-ca="$W/ca.crt" -h 127.0.0.1 -P 3306 -u root -e 'select 1' \
        >"$W/mariadb.log" 2>&1 || true
    cap_stop
    stop_pid "$my_pid"; wait "$my_pid" 2>/dev/null || true
    mariadb_run no
    cap_start mysql-not-offered.pcap "tcp port 3306"
    timeout 10 mariadb --no-defaults --ssl --ssl-ca="$W/ca.crt" -h 127.0.0.1 -P 3306 -u root -e 'select 1' \
        >"$W/mariadb-refused.log" 2>&1 || true   # no CLIENT_SSL: the client gives up
    cap_stop
    stop_pid "$my_pid"; wait "$my_pid" 2>/dev/null || true
    rm -rf "$W/my"
fi
ls -l "$out"/*.pcap
