#!/usr/bin/env bash
# verify.sh - re-check samples/quic/expected.txt against what tshark reads in the captures.
#
#   bash samples/quic/verify.sh [DIR]          check every line of DIR/../expected.txt (default: this
#                                              folder) against DIR's captures and key logs
#   bash samples/quic/verify.sh --print [DIR]  print tshark's reading of every capture in DIR in the
#                                              columns of expected.txt (outcome and comment as "?")
#
# One line per mismatch ("FILE#N COLUMN: expected X, tshark says Y"); exit status 1 on any, 0 when
# every connection of every listed capture reads as expected.txt says and no capture in DIR is
# unlisted. Needs tshark (Debian package tshark, 4.0 or later: it numbers QUIC connections).
#
# A capture's connections are tshark's: quic.connection.number for QUIC (a Version Negotiation
# answer belongs to the first attempt, the client's next attempt is a new connection) and
# tcp.stream for TCP, in the order of their first packet; expected.txt lists them in that order.
# The client of a connection is the sender of its first packet. Columns checked: transport, sni,
# alpn (offered by the client), quic version (of the client's first long-header packet), retry,
# version_negotiation, close_from and close_code (the first CONNECTION_CLOSE frame: "0xN" for a
# transport close, frame 0x1c; "app:0xN" for an application close, frame 0x1d), tls_alert (the
# alert in a CRYPTO_ERROR close code 0x1XX, or a TLS alert record over TCP). The outcome is checked
# for what the packets must show for it (see check_outcome below); the comment is not checked.
set -uo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PRINT=0
if [ "${1:-}" = --print ]; then PRINT=1; shift; fi
DIR=${1:-$HERE}
EXPECTED=${EXPECTED:-$HERE/expected.txt}
command -v tshark >/dev/null || { echo "verify.sh: needs tshark (apt-get install tshark)" >&2; exit 2; }

# facts FILE: one line per connection, tab-separated:
# transport sni alpn version retry vn close_from close_code tls_alert server_pkts hs_done icmp_unreach server_hs server_appdata
facts() {
    local f=$1 keys=${1%.pcap}.keys opt=()
    [ -f "$keys" ] && opt=(-o "tls.keylog_file:$keys")
    tshark -r "$f" "${opt[@]}" -T fields -E separator=/t -E aggregator=, -E occurrence=a \
        -e frame.number -e ip.src -e icmp.type -e icmp.code -e tcp.stream -e quic.connection.number \
        -e quic.header_form -e quic.long.packet_type -e quic.version -e quic.frame_type \
        -e tls.handshake.type -e tls.handshake.extensions_server_name -e tls.handshake.extensions_alpn_str \
        -e quic.cc.error_code -e quic.cc.error_code.app -e quic.cc.error_code.tls_alert \
        -e tls.alert_message.desc -e tls.record.content_type 2>/dev/null |
    awk -F'\t' '
    function first(s,  a) { split(s, a, ","); return a[1] }
    function has(list, v,  a, n, i) { n = split(list, a, ","); for (i = 1; i <= n; i++) if (a[i] == v) return 1; return 0 }
    function alert(n) {
        if (n == "") return "-"
        return (n in AL) ? AL[n] : "alert" n
    }
    BEGIN {
        split("0 close_notify 10 unexpected_message 20 bad_record_mac 22 record_overflow 40 handshake_failure 42 bad_certificate 43 unsupported_certificate 44 certificate_revoked 45 certificate_expired 46 certificate_unknown 47 illegal_parameter 48 unknown_ca 49 access_denied 50 decode_error 51 decrypt_error 70 protocol_version 71 insufficient_security 80 internal_error 86 inappropriate_fallback 90 user_canceled 109 missing_extension 110 unsupported_extension 112 unrecognized_name 113 bad_certificate_status_response 115 unknown_psk_identity 116 certificate_required 120 no_application_protocol", t, " ")
        for (i = 1; i in t; i += 2) AL[t[i]] = t[i + 1]
        n = 0; icmp = 0
    }
    {
        src = first($2)
        if ($3 != "") {                     # ICMP: port unreachable (3/3) counts for the capture
            if (first($3) == 3 && first($4) == 3) icmp++
            next
        }
        if ($6 != "") key = "quic" first($6)
        else if ($5 != "") key = "tcp" first($5)
        else next
        if (!(key in idx)) {
            idx[key] = ++n; k = n
            tr[k] = (key ~ /^quic/) ? "quic" : "tcp"
            cli[k] = src; sni[k] = "-"; alpn[k] = "-"; ver[k] = "-"; retry[k] = "no"; vn[k] = "no"
            cfrom[k] = "none"; ccode[k] = "-"; calert[k] = "-"; spk[k] = 0; hsd[k] = 0; shs[k] = 0; sapp[k] = 0
        }
        k = idx[key]
        fromcli = (src == cli[k])
        if (!fromcli) spk[k]++
        if (tr[k] == "quic") {
            if (fromcli && ver[k] == "-" && $8 != "" && $9 != "") ver[k] = first($9)
            if (has($8, 3)) retry[k] = "yes"
            if (has($9, "0x00000000")) vn[k] = "yes"
            if (!fromcli && has($10, 30)) hsd[k] = 1
            if (!fromcli && has($8, 2)) shs[k] = 1
            if (cfrom[k] == "none" && ($14 != "" || $15 != "")) {
                cfrom[k] = fromcli ? "client" : "server"
                # The first close frame of the packet: a transport one (0x1c) or an application one (0x1d).
                f = ""; nf = split($10, fr, ",")
                for (i = 1; i <= nf; i++) if (fr[i] == 28 || fr[i] == 29) { f = fr[i]; break }
                if (f == 29 || $14 == "") ccode[k] = sprintf("app:0x%x", first($15))
                else { ccode[k] = sprintf("0x%x", first($14)); calert[k] = alert(first($16)) }
            }
        } else {
            if (!fromcli && (has($18, 23))) sapp[k] = 1
            if (calert[k] == "-" && $17 != "") { calert[k] = alert(first($17)); cfrom[k] = fromcli ? "client" : "server" }
        }
        if (fromcli && has($11, 1)) {
            if ($12 != "" && sni[k] == "-") sni[k] = $12
            if ($13 != "" && alpn[k] == "-") alpn[k] = $13
        }
    }
    END {
        for (k = 1; k <= n; k++)
            printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\n", tr[k], sni[k], alpn[k], ver[k], \
                retry[k], vn[k], cfrom[k], ccode[k], calert[k], spk[k], hsd[k], icmp, shs[k], sapp[k]
    }'
}

if [ $PRINT = 1 ]; then
    printf '# file\ttransport\tsni\talpn\tquic_version\tretry\tversion_negotiation\tclose_from\tclose_code\ttls_alert\toutcome\tcomment\n'
    for f in "$DIR"/*.pcap; do
        facts "$f" | while IFS=$'\t' read -r tr sni alpn ver retry vn cfrom ccode calert spk hsd icmp shs sapp; do
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t?\tserver packets %s, HANDSHAKE_DONE %s, ICMP unreachable %s, server Handshake %s, server TLS app data %s\n' \
                "$(basename "$f")" "$tr" "$sni" "$alpn" "$ver" "$retry" "$vn" "$cfrom" "$ccode" "$calert" "$spk" "$hsd" "$icmp" "$shs" "$sapp"
        done
    done
    exit 0
fi

[ -f "$EXPECTED" ] || { echo "verify.sh: no $EXPECTED" >&2; exit 2; }
bad=0
miss() { echo "$*"; bad=1; }
# check_outcome FILE#N OUTCOME TRANSPORT server_pkts hs_done icmp server_hs server_appdata:
# what the packets must show for the outcome the line claims.
check_outcome() {
    local at=$1 out=$2 tr=$3 spk=$4 hsd=$5 icmp=$6 shs=$7 sapp=$8
    case $out in
    ok)  if [ "$tr" = quic ] && [ "$hsd" != 1 ]; then miss "$at outcome ok: no HANDSHAKE_DONE from the server"; fi
         if [ "$tr" = tcp ] && [ "$sapp" != 1 ]; then miss "$at outcome ok: no TLS application data from the server"; fi ;;
    quic-blocked)
         [ "$spk" = 0 ] || miss "$at outcome $out: the server sent $spk packets"
         [ "$icmp" = 0 ] || miss "$at outcome $out: $icmp ICMP port unreachable" ;;
    connection-refused)
         [ "$spk" = 0 ] || miss "$at outcome $out: the server sent $spk packets"
         [ "$icmp" -gt 0 ] || miss "$at outcome $out: no ICMP port unreachable" ;;
    handshake-timeout)
         [ "$spk" -gt 0 ] || miss "$at outcome $out: no packet from the server"
         [ "$shs" = 0 ] || miss "$at outcome $out: the server sent Handshake packets"
         [ "$hsd" = 0 ] || miss "$at outcome $out: HANDSHAKE_DONE seen" ;;
    *)   [ "$hsd" = 0 ] || miss "$at outcome $out: HANDSHAKE_DONE seen (the handshake completed)" ;;
    esac
}
declare -A listed
while IFS=$'\t' read -r file tr sni alpn ver retry vn cfrom ccode calert outcome comment; do
    case $file in ''|'#'*) continue ;; esac
    listed[$file]=1
done <"$EXPECTED"
for file in "${!listed[@]}"; do
    f=$DIR/$file
    if [ ! -f "$f" ]; then miss "$file: missing"; continue; fi
    mapfile -t got < <(facts "$f")
    mapfile -t want < <(awk -F'\t' -v f="$file" '$1 == f' "$EXPECTED")
    [ ${#got[@]} = ${#want[@]} ] || miss "$file: expected ${#want[@]} connections, tshark finds ${#got[@]}"
    for i in "${!want[@]}"; do
        at="$file#$((i + 1))"
        IFS=$'\t' read -r _ e_tr e_sni e_alpn e_ver e_retry e_vn e_cfrom e_ccode e_calert e_out _ <<<"${want[$i]}"
        [ -n "${got[$i]:-}" ] || continue
        IFS=$'\t' read -r g_tr g_sni g_alpn g_ver g_retry g_vn g_cfrom g_ccode g_calert spk hsd icmp shs sapp <<<"${got[$i]}"
        for c in tr:transport sni:sni alpn:alpn ver:quic_version retry:retry vn:version_negotiation \
                 cfrom:close_from ccode:close_code calert:tls_alert; do
            v=${c%%:*}; e=e_$v; g=g_$v
            [ "${!e}" = "${!g}" ] || miss "$at ${c#*:}: expected ${!e}, tshark says ${!g}"
        done
        check_outcome "$at" "$e_out" "$g_tr" "$spk" "$hsd" "$icmp" "$shs" "$sapp"
    done
done
for f in "$DIR"/*.pcap; do
    [ -e "$f" ] || continue
    [ -n "${listed[$(basename "$f")]:-}" ] || miss "$(basename "$f"): not in expected.txt"
done
exit $bad
