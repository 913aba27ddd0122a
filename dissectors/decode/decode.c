/* decode.c - link, IP and TCP headers of one captured frame.
 *
 * Every read goes through the cursor (cursor.h): a frame is hostile input, cut by the snap length
 * anywhere.  The link layer finds the network header, the IP layer bounds the payload by what the
 * IP header declares (so Ethernet minimum-frame padding never reaches TCP) and by what was
 * captured (so a snap-length cut is reported as truncation), and TCP splits header from payload.
 * `why` always gets a string literal or an entry of a static table, never a formatted buffer. */
#include "dissectors/decode/decode.h"

#include <arpa/inet.h>
#include <string.h>

#include "dissectors/cursor.h"

enum {
    ETHERTYPE_IPV4 = 0x0800,
    ETHERTYPE_IPV6 = 0x86dd,
    ETHERTYPE_VLAN = 0x8100,       /* 802.1Q */
    ETHERTYPE_QINQ = 0x88a8,       /* 802.1ad service tag */
    ETHERTYPE_QINQ_OLD = 0x9100,   /* pre-standard QinQ */
};

enum {
    DLT_NULL_ = 0, DLT_EN10MB_ = 1, DLT_RAW_ = 12, DLT_RAW_BSD_ = 14, LINKTYPE_RAW_ = 101,
    DLT_LOOP_ = 108, DLT_LINUX_SLL_ = 113, LINKTYPE_IPV4_ = 228, LINKTYPE_IPV6_ = 229,
    DLT_LINUX_SLL2_ = 276,
};

enum {
    IPPROTO_IPIP_ = 4, IPPROTO_TCP_ = 6, IPPROTO_UDP_ = 17, IPPROTO_IPV6_ = 41,
    IP6_HOPOPTS = 0, IP6_ROUTING = 43, IP6_FRAGMENT = 44, IP6_ESP = 50, IP6_AH = 51,
    IP6_NONE = 59, IP6_DSTOPTS = 60, IP6_MOBILITY = 135, IP6_HIP = 139, IP6_SHIM6 = 140,
};

enum { MAX_VLAN_TAGS = 8, MAX_IPV6_EXT_HEADERS = 16 };

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

static td_decode_status malformed(const char **why, const char *msg)
{
    *why = msg;
    return TD_DEC_MALFORMED;
}

static td_decode_status other(const char **why, const char *msg)
{
    *why = msg;
    return TD_DEC_OTHER;
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* ---- TCP ---------------------------------------------------------------------------------- */

/* `seg` holds the captured part of the IP payload (never beyond what IP declares); `wire_len`
 * is the payload length the IP header declares. */
static td_decode_status decode_tcp(cursor *seg, size_t wire_len, td_pkt *out, const char **why)
{
    cursor h = *seg;
    uint16_t sport = cur_u16(&h), dport = cur_u16(&h);
    uint32_t seq = cur_u32(&h), ack = cur_u32(&h);
    uint8_t doff = (uint8_t)(cur_u8(&h) >> 4);
    uint8_t flags = cur_u8(&h);
    if (h.bad)
        return malformed(why, "TCP header cut short");
    if (doff < 5)
        return malformed(why, tcp_doff_too_small[doff]);
    size_t hlen = (size_t)doff * 4;
    if (hlen > cur_left(seg))
        return malformed(why, tcp_doff_cut[doff]);
    cur_skip(seg, hlen);

    out->sport = sport;
    out->dport = dport;
    out->seq = seq;
    out->ack = ack;
    out->flags = (uint8_t)(flags & 0x3f);      /* ECE/CWR are not TD_TCP_* flags */
    out->payload_len = cur_left(seg);
    out->payload = cur_bytes(seg, out->payload_len);
    out->payload_wire_len = wire_len - hlen;   /* hlen <= captured <= wire_len */
    out->truncated = out->payload_len < out->payload_wire_len;
    return TD_DEC_TCP;
}

/* ---- IPv4 --------------------------------------------------------------------------------- */

static td_decode_status decode_ip_tunnel(cursor *c, td_pkt *out, const char **why, int depth);
static td_decode_status decode_ip_tunnel_proto(uint8_t proto, cursor *c, td_pkt *out, const char **why,
                                               int depth);

static td_decode_status decode_ipv4(cursor *c, td_pkt *out, const char **why, int depth)
{
    cursor peek = *c;
    uint8_t vihl = cur_u8(&peek);
    if (peek.bad)
        return malformed(why, "IPv4 header cut short");
    if (vihl >> 4 != 4)
        return malformed(why, "IPv4 header version is not 4");
    size_t ihl = vihl & 0x0f;
    if (ihl < 5)
        return malformed(why, ipv4_hl_too_small[ihl]);
    size_t hlen = ihl * 4;
    if (hlen > cur_left(c))
        return malformed(why, ipv4_hl_cut[ihl]);

    cursor h = cur_sub(c, hlen);
    cur_skip(&h, 2);                           /* version/IHL, DSCP/ECN */
    size_t total = cur_u16(&h);
    cur_skip(&h, 2);                           /* identification */
    uint16_t frag = cur_u16(&h);
    cur_skip(&h, 1);                           /* TTL */
    uint8_t proto = cur_u8(&h);
    cur_skip(&h, 2);                           /* checksum */
    const uint8_t *src = cur_bytes(&h, 4);
    const uint8_t *dst = cur_bytes(&h, 4);
    if (h.bad || !src || !dst)
        return malformed(why, "IPv4 header cut short");
    if (total == 0)                            /* TSO: the sender's stack left it for the NIC */
        total = hlen + cur_left(c);
    if (total < hlen)
        return malformed(why, "IPv4 total length < header length");

    out->ipver = 4;
    memcpy(out->src, src, 4);
    memcpy(out->dst, dst, 4);
    if (frag & 0x3fff)                         /* MF set or a non-zero offset: no reassembly */
        return other(why, "IPv4 fragment");
    size_t wire_len = total - hlen;
    /* Bytes beyond the total length are link padding; fewer are a snap-length cut. */
    cursor payload = cur_sub(c, min_size(cur_left(c), wire_len));
    if (proto == IPPROTO_IPIP_ || proto == IPPROTO_IPV6_ || proto == IPPROTO_UDP_)
        return decode_ip_tunnel_proto(proto, &payload, out, why, depth);
    if (proto != IPPROTO_TCP_)
        return other(why, "IPv4 payload is not TCP");
    return decode_tcp(&payload, wire_len, out, why);
}

/* ---- IPv6 --------------------------------------------------------------------------------- */

static td_decode_status decode_ipv6(cursor *c, td_pkt *out, const char **why, int depth)
{
    cursor peek = *c;
    uint8_t ver = cur_u8(&peek);
    if (peek.bad)
        return malformed(why, "IPv6 header cut short");
    if (ver >> 4 != 6)
        return malformed(why, "IPv6 header version is not 6");
    if (cur_left(c) < 40)
        return malformed(why, "IPv6 header cut short");

    cursor h = cur_sub(c, 40);
    cur_skip(&h, 4);                           /* version, traffic class, flow label */
    size_t wire_len = cur_u16(&h);
    uint8_t next = cur_u8(&h);
    cur_skip(&h, 1);                           /* hop limit */
    const uint8_t *src = cur_bytes(&h, 16);
    const uint8_t *dst = cur_bytes(&h, 16);
    if (h.bad || !src || !dst)
        return malformed(why, "IPv6 header cut short");

    out->ipver = 6;
    memcpy(out->src, src, 16);
    memcpy(out->dst, dst, 16);
    if (wire_len == 0)
        return other(why, "IPv6 payload length 0 (jumbogram)");

    cursor p = cur_sub(c, min_size(cur_left(c), wire_len));
    for (int n = 0;; n++) {
        switch (next) {
        case IPPROTO_TCP_:
            return decode_tcp(&p, wire_len, out, why);
        case IPPROTO_IPIP_: case IPPROTO_IPV6_: case IPPROTO_UDP_:
            return decode_ip_tunnel_proto(next, &p, out, why, depth);
        case IP6_HOPOPTS: case IP6_ROUTING: case IP6_DSTOPTS: case IP6_AH:
        case IP6_MOBILITY: case IP6_HIP: case IP6_SHIM6: {
            if (n == MAX_IPV6_EXT_HEADERS)
                return malformed(why, "IPv6 extension header chain too long");
            cursor e = p;
            uint8_t after = cur_u8(&e);
            uint8_t len = cur_u8(&e);
            size_t elen = next == IP6_AH ? ((size_t)len + 2) * 4 : ((size_t)len + 1) * 8;
            if (wire_len < 2 || (!e.bad && elen > wire_len))
                return malformed(why, "IPv6 extension header chain overruns packet");
            if (e.bad || elen > cur_left(&p))
                return malformed(why, "IPv6 extension header cut short by the snap length");
            cur_skip(&p, elen);
            wire_len -= elen;
            next = after;
            break;
        }
        case IP6_FRAGMENT:
            return other(why, "IPv6 fragment");
        case IP6_NONE:
            return other(why, "IPv6 no next header");
        case IP6_ESP:
            return other(why, "IPv6 ESP");
        default:
            return other(why, "IPv6 payload is not TCP");
        }
    }
}

/* Raw IP: the version nibble says which. */
static td_decode_status decode_ip_any(cursor *c, td_pkt *out, const char **why)
{
    return decode_ip_tunnel(c, out, why, 0);
}

/* ---- tunnels: IP in IP, IPv6 in IP, GTP-U (mobile networks) ------------------------------- */

#define MAX_TUNNEL_DEPTH 3
#define GTP_U_PORT 2152

static td_decode_status decode_ip_tunnel(cursor *c, td_pkt *out, const char **why, int depth)
{
    cursor peek = *c;
    uint8_t ver = cur_u8(&peek);
    if (peek.bad)
        return malformed(why, "IP header cut short");
    switch (ver >> 4) {
    case 4: return decode_ipv4(c, out, why, depth);
    case 6: return decode_ipv6(c, out, why, depth);
    default: return malformed(why, "raw IP packet with a version other than 4 or 6");
    }
}

/* GTP-U G-PDU (3GPP TS 29.281): 8-byte header, optional 4 more, then extension headers. */
static td_decode_status decode_gtpu(cursor *c, td_pkt *out, const char **why, int depth)
{
    uint8_t flags = cur_u8(c);
    uint8_t type = cur_u8(c);
    cur_skip(c, 6);                            /* length, TEID */
    if (c->bad || (flags >> 5) != 1 || type != 0xff)
        return other(why, "UDP payload is not a GTP-U G-PDU");
    if (flags & 0x07) {
        cur_skip(c, 3);                        /* sequence number, N-PDU number */
        uint8_t next = cur_u8(c);
        for (int n = 0; next && n < 8 && !c->bad; n++) {
            size_t len = (size_t)cur_u8(c) * 4;
            if (len < 4) return malformed(why, "GTP-U extension header length 0");
            cur_skip(c, len - 2);
            next = cur_u8(c);
        }
        if (next) return malformed(why, "GTP-U extension header chain too long");
    }
    if (c->bad) return malformed(why, "GTP-U header cut short");
    return decode_ip_tunnel(c, out, why, depth + 1);
}

static td_decode_status decode_ip_tunnel_proto(uint8_t proto, cursor *c, td_pkt *out, const char **why,
                                               int depth)
{
    if (depth >= MAX_TUNNEL_DEPTH) return other(why, "tunnels nested too deep");
    if (proto == IPPROTO_UDP_) {
        uint16_t sport = cur_u16(c), dport = cur_u16(c);
        cur_skip(c, 4);                        /* length, checksum */
        if (c->bad) return other(why, "UDP header cut short");
        if (sport != GTP_U_PORT && dport != GTP_U_PORT) {
            out->udp = true;                   /* not analysed, but noted (QUIC, DTLS) */
            out->sport = sport;
            out->dport = dport;
            out->payload_len = cur_left(c);
            out->payload = cur_bytes(c, out->payload_len);
            return other(why, "UDP");
        }
        return decode_gtpu(c, out, why, depth);
    }
    return decode_ip_tunnel(c, out, why, depth + 1);
}

/* ---- link layers -------------------------------------------------------------------------- */

/* After a link header: VLAN tags (any of the three TPIDs, stacked up to MAX_VLAN_TAGS), then IP. */
static td_decode_status decode_ethertype(uint16_t type, cursor *c, td_pkt *out, const char **why)
{
    for (int tags = 0;
         type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD; tags++) {
        if (tags == MAX_VLAN_TAGS)
            return malformed(why, "more than 8 stacked VLAN tags");
        cur_skip(c, 2);                        /* PCP, DEI, VLAN id */
        type = cur_u16(c);
        if (c->bad)
            return malformed(why, "VLAN tag cut short");
    }
    switch (type) {
    case ETHERTYPE_IPV4: return decode_ipv4(c, out, why, 0);
    case ETHERTYPE_IPV6: return decode_ipv6(c, out, why, 0);
    default: return other(why, "link payload is not IP");
    }
}

static td_decode_status decode_ethernet(cursor *c, td_pkt *out, const char **why)
{
    cur_skip(c, 12);                           /* destination, source */
    uint16_t type = cur_u16(c);
    if (c->bad)
        return malformed(why, "Ethernet header cut short");
    return decode_ethertype(type, c, out, why);   /* type <= 1500 is an 802.3 length: OTHER */
}

static td_decode_status decode_sll(cursor *c, td_pkt *out, const char **why)
{
    cur_skip(c, 14);                           /* packet type, ARPHRD, address length, address */
    uint16_t proto = cur_u16(c);
    if (c->bad)
        return malformed(why, "Linux cooked (SLL) header cut short");
    return decode_ethertype(proto, c, out, why);
}

static td_decode_status decode_sll2(cursor *c, td_pkt *out, const char **why)
{
    uint16_t proto = cur_u16(c);
    cur_skip(c, 18);                           /* reserved, ifindex, ARPHRD, type, addr len, addr */
    if (c->bad)
        return malformed(why, "Linux cooked (SLL2) header cut short");
    return decode_ethertype(proto, c, out, why);
}

/* BSD address family values: AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD,
 * OpenBSD), 28 (FreeBSD), 30 (macOS). */
static uint8_t family_ipver(uint32_t af)
{
    switch (af) {
    case 2: return 4;
    case 10: case 24: case 28: case 30: return 6;
    default: return 0;
    }
}

static uint32_t swap32(uint32_t v)
{
    return v >> 24 | (v >> 8 & 0xff00u) | (v << 8 & 0xff0000u) | v << 24;
}

/* DLT_NULL stores the family in the capturing host's order, DLT_LOOP in network order; writers
 * get that wrong often enough that both orders are accepted for both. */
static td_decode_status decode_loopback(cursor *c, td_pkt *out, const char **why)
{
    uint32_t af = cur_u32(c);
    if (c->bad)
        return malformed(why, "loopback header cut short");
    uint8_t ipver = family_ipver(af);
    if (!ipver)
        ipver = family_ipver(swap32(af));
    switch (ipver) {
    case 4: return decode_ipv4(c, out, why, 0);
    case 6: return decode_ipv6(c, out, why, 0);
    default: return other(why, "loopback family is not IP");
    }
}

/* ---- entry points ------------------------------------------------------------------------- */

bool td_decode_link_supported(int dlt)
{
    switch (dlt) {
    case DLT_NULL_: case DLT_EN10MB_: case DLT_RAW_: case DLT_RAW_BSD_: case LINKTYPE_RAW_:
    case DLT_LOOP_: case DLT_LINUX_SLL_: case LINKTYPE_IPV4_: case LINKTYPE_IPV6_:
    case DLT_LINUX_SLL2_:
        return true;
    default:
        return false;
    }
}

td_decode_status td_decode(int dlt, const uint8_t *frame, size_t caplen, td_pkt *out,
                           const char **why)
{
    const char *ignored;
    if (!why)
        why = &ignored;
    *why = NULL;
    memset(out, 0, sizeof *out);
    if (!frame)
        caplen = 0;
    cursor c = cur_make(frame, caplen);

    switch (dlt) {
    case DLT_EN10MB_: return decode_ethernet(&c, out, why);
    case DLT_LINUX_SLL_: return decode_sll(&c, out, why);
    case DLT_LINUX_SLL2_: return decode_sll2(&c, out, why);
    case DLT_RAW_: case DLT_RAW_BSD_: case LINKTYPE_RAW_: return decode_ip_any(&c, out, why);
    case LINKTYPE_IPV4_: return decode_ipv4(&c, out, why, 0);
    case LINKTYPE_IPV6_: return decode_ipv6(&c, out, why, 0);
    case DLT_NULL_: case DLT_LOOP_: return decode_loopback(&c, out, why);
    default:
        *why = "unsupported link type";
        return TD_DEC_UNSUPPORTED_LINK;
    }
}

void td_addr_text(uint8_t ipver, const uint8_t *addr, char *buf, size_t buflen)
{
    if (!buf || buflen == 0)
        return;
    if (ipver == 4 && addr && buflen >= 16) {   /* by hand: inet_ntop goes through sprintf */
        char *o = buf;
        for (int i = 0; i < 4; i++) {
            unsigned v = addr[i];
            if (i) *o++ = '.';
            if (v >= 100) *o++ = (char)('0' + v / 100);
            if (v >= 10) *o++ = (char)('0' + v / 10 % 10);
            *o++ = (char)('0' + v % 10);
        }
        *o = '\0';
        return;
    }
    int af = ipver == 4 ? AF_INET : ipver == 6 ? AF_INET6 : -1;
    socklen_t len = buflen > 1024 ? 1024 : (socklen_t)buflen;
    if (af < 0 || !addr || !inet_ntop(af, addr, buf, len)) {
        buf[0] = '?';
        if (buflen > 1)
            buf[1] = '\0';
        else
            buf[0] = '\0';
    }
}
