#!/usr/bin/env bash
# verify.sh - re-check samples/network/expected.txt against what tshark reads in the captures.
#
#   bash samples/network/verify.sh [DIR]          check every line of expected.txt against DIR's
#                                                 captures (default: this folder)
#   bash samples/network/verify.sh --print [DIR]  print tshark's reading of every capture in DIR in
#                                                 the columns of expected.txt (client, outcome,
#                                                 evidence and comment as "?")
#
# One line per mismatch ("FILE#N COLUMN: expected X, tshark says Y"); exit status 1 on any, 0 when
# every connection of every listed capture reads as expected.txt says and no capture in DIR is
# unlisted. Needs tshark (Debian package tshark) and awk.
#
# A capture's connections are tshark's tcp.stream, in the order of their first packet; the client
# is the sender of the SYN. Every column but client, outcome, evidence and comment is compared:
# exactly, or, where expected.txt gives a range LO-HI (e.g. retransmissions that depend on when
# the client was stopped, or Chromium's ClientHello, whose size varies from run to run), as a
# range. The outcome is checked, where evidence is "full", for what the packets must show for it
# (see check_outcome below).
set -uo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PRINT=0
if [ "${1:-}" = --print ]; then PRINT=1; shift; fi
DIR=${1:-$HERE}
EXPECTED=${EXPECTED:-$HERE/expected.txt}
command -v tshark >/dev/null || { echo "verify.sh: needs tshark (apt-get install tshark)" >&2; exit 2; }

COLS="ch_bytes ch_segments ch_acked key_shares mss_client mss_server max_cli_seg max_srv_seg retrans srv_acked icmp_frag_needed rst rst_ttl client_ttl server_ttl rst_df rst_ipid rst_timing after_rst"

# tshark ARGS...: tshark, through tests/crosscheck/tshark_cached.py when it is there (the answer kept
# between the suite's plain and sanitizer passes, keyed by the capture's bytes and the arguments).
CACHED=$(cd "$(dirname "$0")/../.." && pwd)/tests/crosscheck/tshark_cached.py
tshark() {
    if [ -f "$CACHED" ] && command -v python3 >/dev/null; then python3 "$CACHED" --command tshark "$@"
    else command tshark "$@"; fi
}

# facts FILE: one line per connection, tab-separated: sni, the columns of COLS, then for check_outcome:
# server_tls_data (1: the server sent an application-data record after the client's first one)
# server_data (bytes of server payload seen) ch_rec_complete (1: every byte of the ClientHello seen)
facts() {
    local van=client
    case $1 in *-server.pcap) van=server ;; esac
    tshark -r "$1" -T fields -E separator=/t -E aggregator=, -E occurrence=a \
        -e frame.time_relative -e ip.src -e ip.ttl -e ip.id -e ip.flags.df -e icmp.type -e icmp.code \
        -e tcp.stream -e tcp.flags -e tcp.seq -e tcp.ack -e tcp.len -e tcp.options.mss_val \
        -e tcp.payload -e tls.record.content_type -e tcp.options.timestamp.tsval -e tls.record.opaque_type 2>/dev/null |
    awk -F'\t' -v van="$van" '
    function first(s,  a) { split(s, a, ","); return a[1] }
    function hexval(h,  i, v, c) {
        sub(/^0x/, "", h); h = tolower(h); v = 0
        for (i = 1; i <= length(h); i++) { c = index("0123456789abcdef", substr(h, i, 1)); v = v * 16 + c - 1 }
        return v
    }
    function byte(buf, i) { return hexval(substr(buf, 2 * i + 1, 2)) }      # i counts from 0
    function u16(buf, i) { return byte(buf, i) * 256 + byte(buf, i + 1) }
    function group(g) {
        if (g % 16 == 10 && int(g / 256) == g % 256) return "grease"
        if (g in GN) return GN[g]
        return sprintf("0x%04x", g)
    }
    # parse_ch K: from the client bytes seen contiguously from the start, the ClientHello: its size
    # (record header + body), server_name and key_share groups ("?" when not all of it was seen).
    function parse_ch(k,   buf, n, i, end, typ, ln, body, j, ks, kl, nl, name) {
        buf = cbuf[k]; n = length(buf) / 2
        chb[k] = "-"; sni[k] = "-"; ksh[k] = "-"
        if (n < 6 || byte(buf, 0) != 22 || byte(buf, 5) != 1) return
        chb[k] = 5 + u16(buf, 3)
        sni[k] = "?"; ksh[k] = "?"
        i = 5 + 4 + 2 + 32
        if (i >= n) return
        i += 1 + byte(buf, i);   if (i + 2 > n) return
        i += 2 + u16(buf, i);    if (i + 1 > n) return
        i += 1 + byte(buf, i);   if (i + 2 > n) return
        end = i + 2 + u16(buf, i); i += 2
        nosni = 1; noks = 1
        while (i + 4 <= end && i + 4 <= n) {
            typ = u16(buf, i); ln = u16(buf, i + 2)
            if (i + 4 + ln > n) return                  # this extension was not all seen
            if (typ == 0) {
                nl = u16(buf, i + 4 + 3); name = ""
                for (j = 0; j < nl; j++) name = name sprintf("%c", byte(buf, i + 4 + 5 + j))
                sni[k] = name; nosni = 0
            } else if (typ == 51) {
                ks = ""; j = i + 4 + 2
                while (j + 4 <= i + 4 + ln) {
                    kl = u16(buf, j + 2)
                    ks = ks (ks == "" ? "" : ",") group(u16(buf, j)); j += 4 + kl
                }
                ksh[k] = ks; noks = 0
            }
            i += 4 + ln
        }
        if (i >= end) { if (nosni) sni[k] = "-"; if (noks) ksh[k] = "-" }
    }
    BEGIN {
        GN[29] = "x25519"; GN[23] = "secp256r1"; GN[24] = "secp384r1"; GN[25] = "secp521r1"; GN[30] = "x448"
        GN[256] = "ffdhe2048"; GN[257] = "ffdhe3072"; GN[258] = "ffdhe4096"; GN[259] = "ffdhe6144"; GN[260] = "ffdhe8192"
        GN[4588] = "X25519MLKEM768"; GN[25497] = "X25519Kyber768Draft00"
        n = 0
    }
    {
        t = $1 + 0; src = first($2)
        k0 = first($8)
        if ($6 != "") {                               # ICMP (its quoted TCP header names the stream)
            if (first($6) == 3 && first($7) == 4 && k0 != "" && (("tcp" k0) in idx)) icmpfn[idx["tcp" k0]]++
            next
        }
        if (k0 == "") next
        if ($17 != "") $15 = $15 "," $17            # TLS 1.3 protected records: opaque_type 23
        key = "tcp" k0
        if (!(key in idx)) {
            idx[key] = ++n; k = n
            cli[k] = src; cbuf[k] = ""; nseg[k] = 0
            mssc[k] = "-"; msss[k] = "-"; maxc[k] = 0; maxs[k] = 0; rtc[k] = 0; rts[k] = 0
            acks[k] = -1; ackc[k] = -1; sdata[k] = 0; sdend[k] = 1; icmpfn[k] = 0
            rst[k] = ""; nafter[k] = 0; tsyn[k] = ""; tsa[k] = ""; t3[k] = ""; tch[k] = ""
            cappd[k] = 0; stls[k] = 0; tsopt[k] = 0; cttl[k] = ""; sttl[k] = ""
        }
        k = idx[key]
        d = (src == cli[k]) ? "c" : "s"
        fl = hexval($9); syn = int(fl / 2) % 2; isrst = int(fl / 4) % 2; ack = int(fl / 16) % 2
        seq = $10 + 0; an = $11 + 0; len = $12 + 0
        ttl = first($3); id = hexval(first($4)); df = first($5)
        if (df == "True") df = 1; if (df == "False") df = 0
        if (rst[k] != "" && d == rsd[k] && !isrst) nafter[k]++
        if (isrst) {
            if (rst[k] == "") {
                rst[k] = (d == "c") ? "client" : "server"; rsd[k] = d
                rttl[k] = ttl; rdf[k] = df; trst[k] = t
                prev = (d == "c") ? lastidc[k] : lastids[k]
                if (id == 0) rid[k] = "zero"
                else if (prev != "" && ((id - prev + 65536) % 65536) <= 8) rid[k] = "seq"
                else rid[k] = "off"
            }
            next
        }
        # the TTLs of each side (RSTs aside)
        if (d == "c") { if (index("," cttl[k] ",", "," ttl ",") == 0) cttl[k] = cttl[k] (cttl[k] == "" ? "" : ",") ttl; lastidc[k] = id }
        else          { if (index("," sttl[k] ",", "," ttl ",") == 0) sttl[k] = sttl[k] (sttl[k] == "" ? "" : ",") ttl; lastids[k] = id }
        if (syn && !ack && d == "c") { if (tsyn[k] == "") tsyn[k] = t; if ($13 != "") mssc[k] = first($13); if ($16 != "") tsopt[k] = 1 }
        if (syn && ack && d == "s") { if (tsa[k] == "") tsa[k] = t; if ($13 != "") msss[k] = first($13) }
        if (!syn && d == "c" && tsa[k] != "" && t3[k] == "") t3[k] = t
        if (ack && !syn) {
            if (d == "s" && an > acks[k]) acks[k] = an
            if (d == "c" && an > ackc[k]) ackc[k] = an
        }
        if (len > 0) {
            # retransmission: every byte of the segment was seen before in this direction
            old = 1
            for (b = seq; b < seq + len; b++) if (!((k, d, b) in seen)) { old = 0; seen[k, d, b] = 1 }
            if (d == "c") {
                if (len > maxc[k]) maxc[k] = len
                if (old) rtc[k]++
                if (tch[k] == "") tch[k] = t
                if (!((k, seq) in segat)) { segat[k, seq] = 1; segs[k, ++nseg[k]] = seq }
                nxt = 1 + length(cbuf[k]) / 2
                if (seq <= nxt && seq + len > nxt && length(cbuf[k]) < 32768) cbuf[k] = cbuf[k] substr($14, (nxt - seq) * 2 + 1)
                if ($15 != "" && index("," $15 ",", ",23,")) cappd[k] = 1
            } else {
                if (len > maxs[k]) maxs[k] = len
                if (old) rts[k]++
                sdata[k] += old ? 0 : len
                if (seq + len > sdend[k]) sdend[k] = seq + len
                if (cappd[k] && $15 != "" && index("," $15 ",", ",23,")) stls[k] = 1
            }
        }
    }
    END {
        for (k = 1; k <= n; k++) {
            parse_ch(k)
            chs = "-"; cha = "-"; complete = 0
            if (chb[k] != "-") {
                chs = 0
                for (i = 1; i <= nseg[k]; i++) if (segs[k, i] < 1 + chb[k]) chs++
                a = acks[k] - 1; if (a < 0) a = 0
                cha = (a >= chb[k]) ? "all" : a
                complete = (length(cbuf[k]) / 2 >= chb[k])
            }
            if (sdata[k] == 0) sa = "-"
            else { a = ackc[k] - 1; if (a < 0) a = 0; sa = (a >= sdend[k] - 1) ? "all" : a }
            timing = "-"
            if (van == "client" && rst[k] == "server" && tch[k] != "" && tsyn[k] != "" && tsa[k] != "" && trst[k] > tch[k]) {
                # seen at the client: the SYN->SYN-ACK round trip against the reset after the ClientHello
                rtt = tsa[k] - tsyn[k]; r = (trst[k] - tch[k]) / rtt
                timing = (r < 0.5) ? "early" : (r >= 0.9) ? "late" : sprintf("unclear(%.2f)", r)
            }
            if (rst[k] == "") { rs = "-"; rt = "-"; rd = "-"; ri = "-"; na = "-" }
            else { rs = rst[k]; rt = rttl[k]; rd = rdf[k]; ri = rid[k]; na = nafter[k] }
            printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d/%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", \
                sni[k], chb[k], chs, cha, ksh[k], mssc[k], msss[k], maxc[k], maxs[k], rtc[k], rts[k], sa, icmpfn[k], \
                rs, rt, (cttl[k] == "" ? "-" : cttl[k]), (sttl[k] == "" ? "-" : sttl[k]), rd, ri, timing, na, \
                stls[k], sdata[k], complete, (tsopt[k] ? 12 : 0)
        }
    }'
}

if [ $PRINT = 1 ]; then
    printf '# file\tvantage\tclient\tsni\toutcome\tevidence\t%s\tcomment\n' "$(echo $COLS | tr ' ' '\t')"
    for f in "$DIR"/*.pcap; do
        b=$(basename "$f" .pcap)
        facts "$f" | while IFS=$'\t' read -r -a v; do
            printf '%s\t%s\t?\t%s\t?\t?' "$(basename "$f")" "${b##*-}" "${v[0]}"
            for i in $(seq 1 19); do printf '\t%s' "${v[$i]}"; done
            printf '\t?\n'
        done
    done
    exit 0
fi

[ -f "$EXPECTED" ] || { echo "verify.sh: no $EXPECTED" >&2; exit 2; }
bad=0
miss() { echo "$*"; bad=1; }
# match EXPECTED GOT: exact; or one of "|"-separated alternatives; or each "/"-separated part a
# number within LO-HI
match() {
    [ "$1" = "$2" ] && return 0
    if [[ $1 == *"|"* ]]; then
        local alt
        IFS='|' read -r -a alt <<<"$1"
        for a in "${alt[@]}"; do match "$a" "$2" && return 0; done
        return 1
    fi
    local IFS=/ e g i
    read -r -a e <<<"$1"; read -r -a g <<<"$2"
    [ ${#e[@]} = ${#g[@]} ] || return 1
    for i in "${!e[@]}"; do
        [ "${e[$i]}" = "${g[$i]}" ] && continue
        [[ ${g[$i]} =~ ^[0-9]+$ ]] || return 1
        [[ ${e[$i]} =~ ^([0-9]+)-([0-9]+)$ ]] || return 1
        [ "${g[$i]}" -ge "${BASH_REMATCH[1]}" ] && [ "${g[$i]}" -le "${BASH_REMATCH[2]}" ] || return 1
    done
}
# check_outcome AT OUTCOME VANTAGE: what the packets must show (uses the g_* facts)
check_outcome() {
    local at=$1 out=$2 van=$3 rc rs full=$((g_mss_client < g_mss_server ? g_mss_client : g_mss_server))
    full=$((full - g_tsopt))
    rc=${g_retrans%/*} rs=${g_retrans#*/}
    case $out in
    ok)
        [ "$g_stls" = 1 ] || miss "$at ok: no TLS application data from the server after the client's" ;;
    client-hello-dropped)
        [ "$g_ch_acked" != all ] || miss "$at $out: the server acknowledged the whole ClientHello"
        [ "$g_server_data" = 0 ] || miss "$at $out: the server sent data"
        if [ "$van" = client ]; then
            [ "$g_ch_segments" -ge 2 ] || miss "$at $out: the ClientHello is in one segment"
            [ "$rc" -gt 0 ] || miss "$at $out: the client retransmitted nothing"
        else
            [ "$g_complete" = 0 ] || miss "$at $out: the whole ClientHello arrived"
        fi ;;
    path-mtu-blackhole)
        [ "$g_server_data" -gt 0 ] || miss "$at $out: no server data"
        [ "$g_srv_acked" = 0 ] || miss "$at $out: the client acknowledged server data ($g_srv_acked)"
        [ "$g_icmp_frag_needed" = 0 ] || miss "$at $out: ICMP fragmentation-needed seen"
        if [ "$van" = server ]; then
            [ "$rs" -gt 0 ] || miss "$at $out: the server retransmitted nothing"
            [ "$g_max_srv_seg" = "$full" ] || miss "$at $out: the server's largest segment ($g_max_srv_seg) is not full-size ($full)"
        else
            [ "$g_max_srv_seg" -lt "$full" ] || miss "$at $out: a full-size server segment arrived"
        fi ;;
    reset-injected)
        local ttls=$g_server_ttl; [ "$g_rst" = client ] && ttls=$g_client_ttl
        [ "$g_rst" != - ] || miss "$at $out: no reset"
        case ",$ttls," in *",$g_rst_ttl,"*) miss "$at $out: the reset's TTL $g_rst_ttl is its sender's ($ttls)" ;; esac ;;
    no-tls-response)
        [ "$g_rst" = server ] || miss "$at $out: no reset from the server"
        case ",$g_server_ttl," in *",$g_rst_ttl,"*) ;; *) miss "$at $out: the reset's TTL $g_rst_ttl is not the server's ($g_server_ttl)" ;; esac
        [ "$g_server_data" = 0 ] || miss "$at $out: the server sent data" ;;
    *) miss "$at: unknown outcome $out" ;;
    esac
}
declare -A listed
while IFS=$'\t' read -r file _; do
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
        [ -n "${got[$i]:-}" ] || continue
        IFS=$'\t' read -r -a e <<<"${want[$i]}"
        IFS=$'\t' read -r -a g <<<"${got[$i]}"
        van=${e[1]} outcome=${e[4]} evidence=${e[5]}
        match "${e[3]}" "${g[0]}" || miss "$at sni: expected ${e[3]}, tshark says ${g[0]}"
        j=1
        for c in $COLS; do
            match "${e[$((5 + j))]}" "${g[$j]}" || miss "$at $c: expected ${e[$((5 + j))]}, tshark says ${g[$j]}"
            printf -v "g_$c" '%s' "${g[$j]}"
            j=$((j + 1))
        done
        g_stls=${g[20]} g_server_data=${g[21]} g_complete=${g[22]} g_tsopt=${g[23]}
        [ "${file%-$van.pcap}" != "$file" ] || miss "$at vantage $van: not the file's suffix"
        case $evidence in full|partial) check_outcome "$at" "$outcome" "$van" ;; esac
    done
done
for f in "$DIR"/*.pcap; do
    [ -e "$f" ] || continue
    [ -n "${listed[$(basename "$f")]:-}" ] || miss "$(basename "$f"): not in expected.txt"
done
exit $bad
