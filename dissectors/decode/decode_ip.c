/* decode_ip.c - the IPv4, IPv6 and TCP headers of a frame, below its link header or tunnel.
 *
 * The IP layer bounds the payload by what the IP header declares (so Ethernet minimum-frame
 * padding never reaches TCP) and by what was captured (so a snap-length cut is reported as
 * truncation), and TCP splits header from payload.  A payload that may be a tunnel (IP in IP,
 * GRE, UDP) goes back to decode.c's loop as TD_DEC_INNER_. */
#include <string.h>

#include "dissectors/decode/decode_int.h"

enum {
    IPPROTO_TCP_ = 6,
    IP6_HOPOPTS = 0, IP6_ROUTING = 43, IP6_FRAGMENT = 44, IP6_ESP = 50, IP6_AH = 51,
    IP6_NONE = 59, IP6_DSTOPTS = 60, IP6_MOBILITY = 135, IP6_HIP = 139, IP6_SHIM6 = 140,
};

enum { MAX_IPV6_EXT_HEADERS = 16 };

/* Messages that name a header field's value: one static string per possible value. */
static const char *const ipv4_hl_too_small[5] = {
    "IPv4 header length 0 < 20", "IPv4 header length 4 < 20", "IPv4 header length 8 < 20",
    "IPv4 header length 12 < 20", "IPv4 header length 16 < 20",
};
static const char *const ipv4_hl_cut[16] = {
    [5] = "IPv4 header length 20 exceeds the captured bytes",
    [6] = "IPv4 header length 24 exceeds the captured bytes",
    [7] = "IPv4 header length 28 exceeds the captured bytes",
    [8] = "IPv4 header length 32 exceeds the captured bytes",
    [9] = "IPv4 header length 36 exceeds the captured bytes",
    [10] = "IPv4 header length 40 exceeds the captured bytes",
    [11] = "IPv4 header length 44 exceeds the captured bytes",
    [12] = "IPv4 header length 48 exceeds the captured bytes",
    [13] = "IPv4 header length 52 exceeds the captured bytes",
    [14] = "IPv4 header length 56 exceeds the captured bytes",
    [15] = "IPv4 header length 60 exceeds the captured bytes",
};
static const char *const tcp_doff_too_small[5] = {
    "TCP data offset 0 < 5", "TCP data offset 1 < 5", "TCP data offset 2 < 5",
    "TCP data offset 3 < 5", "TCP data offset 4 < 5",
};
static const char *const tcp_doff_cut[16] = {
    [5] = "TCP data offset 5 (20 bytes) exceeds the segment",
    [6] = "TCP data offset 6 (24 bytes) exceeds the segment",
    [7] = "TCP data offset 7 (28 bytes) exceeds the segment",
    [8] = "TCP data offset 8 (32 bytes) exceeds the segment",
    [9] = "TCP data offset 9 (36 bytes) exceeds the segment",
    [10] = "TCP data offset 10 (40 bytes) exceeds the segment",
    [11] = "TCP data offset 11 (44 bytes) exceeds the segment",
    [12] = "TCP data offset 12 (48 bytes) exceeds the segment",
    [13] = "TCP data offset 13 (52 bytes) exceeds the segment",
    [14] = "TCP data offset 14 (56 bytes) exceeds the segment",
    [15] = "TCP data offset 15 (60 bytes) exceeds the segment",
};

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* ---- TCP ---------------------------------------------------------------------------------- */

/* TCP options (RFC 9293 3.1): MSS and window scale on a SYN, SACK's highest right edge on an ACK.
 * Options that lie about their length end the walk; nothing here is required. */
static void tcp_options(cursor o, uint8_t flags, td_pkt *out)
{
    bool syn = flags & 0x02;
    while (!cur_empty(&o)) {
        uint8_t kind = cur_u8(&o);
        if (kind == 0) return;                     /* end of options */
        if (kind == 1) continue;                   /* no-op */
        uint8_t len = cur_u8(&o);
        if (o.bad || len < 2 || (size_t)(len - 2) > cur_left(&o)) return;
        cursor v = cur_sub(&o, (size_t)(len - 2));
        if (kind == 2 && syn && len == 4) out->mss = cur_u16(&v);
        else if (kind == 3 && syn && len == 3) out->wscale = (uint8_t)(cur_u8(&v) + 1);
        else if (kind == 5 && !syn && len >= 10) {
            while (cur_left(&v) >= 8) {
                (void)cur_u32(&v);
                uint32_t right = cur_u32(&v);
                if (!out->sack || (int32_t)(right - out->sack_right) > 0) out->sack_right = right;
                out->sack = true;
            }
        }
    }
}

/* `seg` holds the captured part of the IP payload (never beyond what IP declares); `wire_len`
 * is the payload length the IP header declares. */
static td_decode_status decode_tcp(cursor *seg, size_t wire_len, td_dec *d)
{
    cursor h = *seg;
    uint16_t sport = cur_u16(&h), dport = cur_u16(&h);
    uint32_t seq = cur_u32(&h), ack = cur_u32(&h);
    uint8_t doff = (uint8_t)(cur_u8(&h) >> 4);
    uint8_t flags = cur_u8(&h);
    uint16_t window = cur_u16(&h);
    if (h.bad)
        return td_dec_malformed(d, "TCP header cut short");
    if (doff < 5)
        return td_dec_malformed(d, tcp_doff_too_small[doff]);
    size_t hlen = (size_t)doff * 4;
    if (hlen > cur_left(seg))
        return td_dec_malformed(d, tcp_doff_cut[doff]);
    if (doff > 5) {
        cursor o = *seg;
        cur_skip(&o, 20);
        tcp_options(cur_sub(&o, hlen - 20), flags, d->out);
    }
    cur_skip(seg, hlen);
    d->out->window = window;

    d->out->sport = sport;
    d->out->dport = dport;
    d->out->seq = seq;
    d->out->ack = ack;
    d->out->flags = (uint8_t)(flags & 0x3f);      /* ECE/CWR are not TD_TCP_* flags */
    d->out->payload_len = cur_left(seg);
    d->out->payload = cur_bytes(seg, d->out->payload_len);
    d->out->payload_wire_len = wire_len - hlen;   /* hlen <= captured <= wire_len */
    d->out->truncated = d->out->payload_len < d->out->payload_wire_len;
    return TD_DEC_TCP;
}

/* ---- IPv4 --------------------------------------------------------------------------------- */

td_decode_status td_dec_ipv4(cursor *c, td_dec *d)
{
    cursor peek = *c;
    uint8_t vihl = cur_u8(&peek);
    if (peek.bad)
        return td_dec_malformed(d, "IPv4 header cut short");
    if (vihl >> 4 != 4)
        return td_dec_malformed(d, "IPv4 header version is not 4");
    size_t ihl = vihl & 0x0f;
    if (ihl < 5)
        return td_dec_malformed(d, ipv4_hl_too_small[ihl]);
    size_t hlen = ihl * 4;
    if (hlen > cur_left(c))
        return td_dec_malformed(d, ipv4_hl_cut[ihl]);

    cursor h = cur_sub(c, hlen);
    cur_skip(&h, 2);                           /* version/IHL, DSCP/ECN */
    size_t total = cur_u16(&h);
    uint16_t ip_id = cur_u16(&h);
    uint16_t frag = cur_u16(&h);
    uint8_t ttl = cur_u8(&h);
    uint8_t proto = cur_u8(&h);
    cur_skip(&h, 2);                           /* checksum */
    const uint8_t *src = cur_bytes(&h, 4);
    const uint8_t *dst = cur_bytes(&h, 4);
    if (h.bad || !src || !dst)
        return td_dec_malformed(d, "IPv4 header cut short");
    if (total == 0)                            /* TSO: the sender's stack left it for the NIC */
        total = hlen + cur_left(c);
    if (total < hlen)
        return td_dec_malformed(d, "IPv4 total length < header length");

    d->out->ipver = 4;
    memcpy(d->out->src, src, 4);
    memcpy(d->out->dst, dst, 4);
    d->out->ttl = ttl;
    d->out->ip_id = ip_id;
    if (frag & 0x3fff)                         /* MF set or a non-zero offset: no reassembly */
        return td_dec_other(d, "IPv4 fragment");
    size_t wire_len = total - hlen;
    /* Bytes beyond the total length are link padding; fewer are a snap-length cut. */
    cursor payload = cur_sub(c, min_size(cur_left(c), wire_len));
    if (td_dec_ip_proto_tunnel(proto))
        return td_dec_inner(d, proto, &payload);
    if (proto == TD_IPPROTO_ICMP)
        return td_dec_icmp4(&payload, d);
    if (proto != IPPROTO_TCP_)
        return td_dec_other(d, "IPv4 payload is not TCP");
    return decode_tcp(&payload, wire_len, d);
}

/* ---- IPv6 --------------------------------------------------------------------------------- */

td_decode_status td_dec_ipv6(cursor *c, td_dec *d)
{
    cursor peek = *c;
    uint8_t ver = cur_u8(&peek);
    if (peek.bad)
        return td_dec_malformed(d, "IPv6 header cut short");
    if (ver >> 4 != 6)
        return td_dec_malformed(d, "IPv6 header version is not 6");
    if (cur_left(c) < 40)
        return td_dec_malformed(d, "IPv6 header cut short");

    cursor h = cur_sub(c, 40);
    cur_skip(&h, 4);                           /* version, traffic class, flow label */
    size_t wire_len = cur_u16(&h);
    uint8_t next = cur_u8(&h);
    uint8_t hops = cur_u8(&h);
    const uint8_t *src = cur_bytes(&h, 16);
    const uint8_t *dst = cur_bytes(&h, 16);
    if (h.bad || !src || !dst)
        return td_dec_malformed(d, "IPv6 header cut short");

    d->out->ipver = 6;
    memcpy(d->out->src, src, 16);
    memcpy(d->out->dst, dst, 16);
    d->out->ttl = hops;
    d->out->ip_id = 0;
    if (wire_len == 0)
        return td_dec_other(d, "IPv6 payload length 0 (jumbogram)");

    cursor p = cur_sub(c, min_size(cur_left(c), wire_len));
    for (int n = 0;; n++) {
        switch (next) {
        case IPPROTO_TCP_:
            return decode_tcp(&p, wire_len, d);
        case IP6_HOPOPTS: case IP6_ROUTING: case IP6_DSTOPTS: case IP6_AH:
        case IP6_MOBILITY: case IP6_HIP: case IP6_SHIM6: {
            if (n == MAX_IPV6_EXT_HEADERS)
                return td_dec_malformed(d, "IPv6 extension header chain too long");
            cursor e = p;
            uint8_t after = cur_u8(&e);
            uint8_t len = cur_u8(&e);
            size_t elen = next == IP6_AH ? ((size_t)len + 2) * 4 : ((size_t)len + 1) * 8;
            if (wire_len < 2 || (!e.bad && elen > wire_len))
                return td_dec_malformed(d, "IPv6 extension header chain overruns packet");
            if (e.bad || elen > cur_left(&p))
                return td_dec_malformed(d, "IPv6 extension header cut short by the snap length");
            cur_skip(&p, elen);
            wire_len -= elen;
            next = after;
            break;
        }
        case IP6_FRAGMENT:
            return td_dec_other(d, "IPv6 fragment");
        case IP6_NONE:
            return td_dec_other(d, "IPv6 no next header");
        case IP6_ESP:
            return td_dec_other(d, "IPv6 ESP");
        case TD_IPPROTO_ICMPV6:
            return td_dec_icmp6(&p, d);
        default:
            if (td_dec_ip_proto_tunnel(next))
                return td_dec_inner(d, next, &p);
            return td_dec_other(d, "IPv6 payload is not TCP");
        }
    }
}

/* Raw IP: the version nibble says which. */
td_decode_status td_dec_ip(cursor *c, td_dec *d)
{
    cursor peek = *c;
    uint8_t ver = cur_u8(&peek);
    if (peek.bad)
        return td_dec_malformed(d, "IP header cut short");
    switch (ver >> 4) {
    case 4: return td_dec_ipv4(c, d);
    case 6: return td_dec_ipv6(c, d);
    default: return td_dec_malformed(d, "raw IP packet with a version other than 4 or 6");
    }
}

