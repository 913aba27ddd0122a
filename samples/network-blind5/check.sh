#!/bin/bash
# The tshark views used to write truth.txt (samples/network-blind3/check.sh's, plus out-of-order reassembly so
# that a ServerHello resent after a packet-too-big is still dissected): per capture, every TCP/ICMP packet
# with TTL/hop limit, IPv4 ID, flags, relative seq/ack, payload length,
# retransmission marks, SACK blocks and TLS handshake types, then per stream
# the first ClientHello's record length and the segments it spans.
# Usage: check.sh [PCAP...]   (default: all *.pcap here)
cd "$(dirname "$0")"
for f in ${*:-*.pcap}; do
    echo "=== $f ($(stat -c %s "$f") bytes)"
    tshark -r "$f" -o tcp.relative_sequence_numbers:TRUE -o tcp.desegment_tcp_streams:TRUE -o tcp.reassemble_out_of_order:TRUE \
        -Y 'tcp or icmp or icmpv6' -T fields -E separator='|' \
        -e frame.number -e frame.time_relative -e tcp.stream -e ip.src -e ipv6.src -e tcp.srcport \
        -e ip.ttl -e ipv6.hlim -e ip.id -e ip.flags.df -e frame.len -e tcp.flags.str -e tcp.seq -e tcp.ack \
        -e tcp.len -e tcp.analysis.retransmission -e tcp.analysis.out_of_order -e tcp.options.sack_le -e tcp.options.sack_re \
        -e tls.handshake.type -e tls.record.length -e icmp.type -e icmpv6.type -e tcp.time_relative |
    awk -F'|' '{ r = ($16 != "" ? " RETX" : "") ($17 != "" ? " OOO" : "");
        printf "%4s %9.6f s%-2s %-15s %-5s ttl=%-3s id=%-6s df=%s len=%-5s %s seq=%s ack=%s tcplen=%s%s%s%s%s%s\n",
        $1, $2, $3, $4 $5, $6, $7 $8, $9, $10, $11, $12, $13, $14, $15, r,
        ($18 != "" ? " SACK=" $18 "-" $19 : ""), ($20 != "" ? " hs=" $20 : ""), ($21 != "" ? " rec=" $21 : ""),
        ($22 $23 != "" ? " ICMP=" $22 $23 : "") }'
done
