/* decode_icmp.c - ICMP and ICMPv6 "port unreachable": the UDP datagram it quotes (its addresses and ports), so that a refused QUIC connection can be told. */
#include <string.h>

#include "dissectors/decode/decode_int.h"

/* The quoted datagram's UDP ports (the first 8 bytes of its UDP header are all ICMP must quote). */
static td_decode_status quoted_udp(cursor *c, td_dec *d)
{
    uint16_t sport = cur_u16(c), dport = cur_u16(c);
    if (c->bad) return td_dec_other(d, "ICMP quotes too little of the datagram");
    d->out->sport = sport;
    d->out->dport = dport;
    d->out->icmp_unreachable = true;
    return td_dec_other(d, "ICMP port unreachable");
}

td_decode_status td_dec_icmp4(cursor *c, td_dec *d)
{
    uint8_t type = cur_u8(c), code = cur_u8(c);
    cur_skip(c, 6);                            /* checksum, unused */
    if (c->bad) return td_dec_malformed(d, "ICMP header cut short");
    if (type != 3 || code != 3) return td_dec_other(d, "ICMP");
    uint8_t vihl = cur_u8(c);
    size_t hlen = (size_t)(vihl & 0x0f) * 4;
    cursor h = *c;
    cur_skip(&h, 8);                           /* TOS, length, id, fragment, TTL */
    uint8_t proto = cur_u8(&h);
    cur_skip(&h, 2);                           /* checksum */
    const uint8_t *src = cur_bytes(&h, 4), *dst = cur_bytes(&h, 4);
    if (h.bad || vihl >> 4 != 4 || hlen < 20 || !src || !dst) return td_dec_other(d, "ICMP quotes no IPv4 header");
    if (proto != TD_IPPROTO_UDP) return td_dec_other(d, "ICMP port unreachable, not for UDP");
    cur_skip(c, hlen - 1);
    d->out->ipver = 4;
    memcpy(d->out->src, src, 4);
    memcpy(d->out->dst, dst, 4);
    return quoted_udp(c, d);
}

td_decode_status td_dec_icmp6(cursor *c, td_dec *d)
{
    uint8_t type = cur_u8(c), code = cur_u8(c);
    cur_skip(c, 6);                            /* checksum, unused */
    if (c->bad) return td_dec_malformed(d, "ICMPv6 header cut short");
    if (type != 1 || code != 4) return td_dec_other(d, "ICMPv6");
    cursor h = *c;
    uint8_t ver = cur_u8(&h);
    cur_skip(&h, 5);                           /* traffic class, flow label, payload length */
    uint8_t next = cur_u8(&h);
    cur_skip(&h, 1);                           /* hop limit */
    const uint8_t *src = cur_bytes(&h, 16), *dst = cur_bytes(&h, 16);
    if (h.bad || ver >> 4 != 6 || !src || !dst) return td_dec_other(d, "ICMPv6 quotes no IPv6 header");
    if (next != TD_IPPROTO_UDP) return td_dec_other(d, "ICMPv6 port unreachable, not for UDP");
    cur_skip(c, 40);
    d->out->ipver = 6;
    memcpy(d->out->src, src, 16);
    memcpy(d->out->dst, dst, 16);
    return quoted_udp(c, d);
}
