/* decode_link.c - the link headers in front of IP: Ethernet and its VLAN tags, Linux cooked, BSD
 * loopback, PPP (bare, HDLC-framed, PPPoE), Cisco HDLC and MPLS label stacks.
 *
 * Each finds the network header and hands it to IP (decode.c), or to another link header when
 * one carries another (an MPLS Ethernet pseudowire, a tunnel's Ethernet): such a step counts as
 * one more level of tunnel, so no chain of headers can loop.  A header cut short is malformed; a
 * well-formed one that carries no IP (ARP, LCP, a compressed PPP payload) is TD_DEC_OTHER. */
#include "dissectors/decode/decode_int.h"

enum {
    ETHERTYPE_IPV4 = 0x0800,
    ETHERTYPE_IPV6 = 0x86dd,
    ETHERTYPE_VLAN = 0x8100,       /* 802.1Q */
    ETHERTYPE_QINQ = 0x88a8,       /* 802.1ad service tag */
    ETHERTYPE_QINQ_OLD = 0x9100,   /* pre-standard QinQ */
    ETHERTYPE_MPLS = 0x8847,
    ETHERTYPE_MPLS_MC = 0x8848,
    ETHERTYPE_PPPOE = 0x8864,      /* PPPoE session stage */
    ETHERTYPE_PPP = 0x880b,        /* PPP in GRE */
};

enum {
    DLT_NULL_ = 0, DLT_EN10MB_ = 1, DLT_PPP_ = 9, DLT_PPP_SERIAL_ = 50, DLT_PPP_ETHER_ = 51,
    DLT_C_HDLC_ = 104, DLT_LOOP_ = 108, DLT_LINUX_SLL_ = 113, DLT_PPP_PPPD_ = 166,
    DLT_PPP_WITH_DIR_ = 204, DLT_C_HDLC_WITH_DIR_ = 205, DLT_MPLS_ = 219, DLT_LINUX_SLL2_ = 276,
};

enum {
    PPP_IPV4 = 0x0021, PPP_IPV6 = 0x0057, PPP_MPLS = 0x0281, PPP_MPLS_MC = 0x0283,
    PPP_VJ_COMP = 0x002d, PPP_VJ_UNCOMP = 0x002f,
};

enum { MAX_VLAN_TAGS = 8, MAX_MPLS_LABELS = 16 };

/* ---- MPLS --------------------------------------------------------------------------------- */

/* A label stack (4 bytes a label; the bottom one has the S bit), then what the first nibble
 * says: IPv4, IPv6, or 0 for the pseudowire control word before an Ethernet frame (RFC 4448). */
static td_decode_status decode_mpls(cursor *c, td_dec *d)
{
    for (int n = 0;; n++) {
        if (n == MAX_MPLS_LABELS)
            return td_dec_malformed(d, "more than 16 MPLS labels without a bottom of stack");
        uint32_t label = cur_u32(c);
        if (c->bad)
            return td_dec_malformed(d, "MPLS label stack cut short");
        if (label & 0x100)
            break;
    }
    cursor peek = *c;
    uint8_t first = cur_u8(&peek);
    if (peek.bad)
        return td_dec_malformed(d, "MPLS label stack cut short");
    switch (first >> 4) {
    case 4: return td_dec_ipv4(c, d);
    case 6: return td_dec_ipv6(c, d);
    case 0:
        if (d->depth >= MAX_TUNNEL_DEPTH)
            return td_dec_other(d, "tunnels nested too deep");
        d->depth++;                            /* a pseudowire is a tunnel too */
        cur_skip(c, 4);                        /* control word */
        return td_dec_ethernet(c, d);
    default: return td_dec_other(d, "MPLS payload is not IP");
    }
}

/* ---- PPP ---------------------------------------------------------------------------------- */

static td_decode_status decode_ppp_protocol(uint16_t proto, cursor *c, td_dec *d)
{
    switch (proto) {
    case PPP_IPV4: return td_dec_ipv4(c, d);
    case PPP_IPV6: return td_dec_ipv6(c, d);
    case PPP_MPLS: case PPP_MPLS_MC: return decode_mpls(c, d);
    case PPP_VJ_COMP: case PPP_VJ_UNCOMP:
        return td_dec_other(d, "PPP payload is Van Jacobson compressed TCP");
    default: return td_dec_other(d, "PPP payload is not IP");
    }
}

td_decode_status td_dec_ppp(cursor *c, td_dec *d)
{
    cursor peek = *c;
    uint8_t a = cur_u8(&peek), b = cur_u8(&peek);
    if (peek.bad)
        return td_dec_malformed(d, "PPP header cut short");
    if (a == 0xff && b == 0x03)
        cur_skip(c, 2);                        /* HDLC-like framing's address and control */
    else if (a == 0x7e)
        return td_dec_other(d, "PPP frame still in HDLC byte-stuffed form");
    uint16_t proto = cur_u8(c);
    if (!(proto & 1))                          /* protocol field compression: odd = last byte */
        proto = (uint16_t)(proto << 8 | cur_u8(c));
    if (c->bad)
        return td_dec_malformed(d, "PPP header cut short");
    return decode_ppp_protocol(proto, c, d);
}

/* PPPoE session header (RFC 2516): version/type 0x11, code 0, session id, length, then PPP's
 * protocol field.  The length bounds the payload (an Ethernet frame may be padded). */
static td_decode_status decode_pppoe(cursor *c, td_dec *d)
{
    uint8_t vt = cur_u8(c), code = cur_u8(c);
    cur_skip(c, 2);                            /* session id */
    size_t len = cur_u16(c);
    if (c->bad)
        return td_dec_malformed(d, "PPPoE header cut short");
    if (vt != 0x11 || code != 0)
        return td_dec_other(d, "PPPoE frame is not a session frame of version 1");
    cursor p = cur_sub(c, len < cur_left(c) ? len : cur_left(c));
    return td_dec_ppp(&p, d);
}

/* Cisco HDLC: address 0x0f (unicast) or 0x8f (broadcast), control 0, an Ethernet type. */
static td_decode_status decode_chdlc(cursor *c, td_dec *d)
{
    cur_skip(c, 2);
    uint16_t type = cur_u16(c);
    if (c->bad)
        return td_dec_malformed(d, "Cisco HDLC header cut short");
    return td_dec_ethertype(type, c, d);
}

/* DLT_PPP_SERIAL: PPP in HDLC-like framing (RFC 1662), or Cisco HDLC (first byte 0x0f/0x8f). */
static td_decode_status decode_ppp_serial(cursor *c, td_dec *d)
{
    cursor peek = *c;
    uint8_t a = cur_u8(&peek);
    if (!peek.bad && (a == 0x0f || a == 0x8f))
        return decode_chdlc(c, d);
    return td_dec_ppp(c, d);
}

/* ---- Ethernet and VLAN tags --------------------------------------------------------------- */

/* After a link header: VLAN tags (any of the three TPIDs, stacked up to MAX_VLAN_TAGS), then IP,
 * MPLS, PPPoE or PPP.  (A tunnel's whole Ethernet frame, type 0x6558, is decode_tunnel.c's.) */
td_decode_status td_dec_ethertype(uint16_t type, cursor *c, td_dec *d)
{
    for (int tags = 0;
         type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD; tags++) {
        if (tags == MAX_VLAN_TAGS)
            return td_dec_malformed(d, "more than 8 stacked VLAN tags");
        cur_skip(c, 2);                        /* PCP, DEI, VLAN id */
        type = cur_u16(c);
        if (c->bad)
            return td_dec_malformed(d, "VLAN tag cut short");
    }
    switch (type) {
    case ETHERTYPE_IPV4: return td_dec_ipv4(c, d);
    case ETHERTYPE_IPV6: return td_dec_ipv6(c, d);
    case ETHERTYPE_MPLS: case ETHERTYPE_MPLS_MC: return decode_mpls(c, d);
    case ETHERTYPE_PPPOE: return decode_pppoe(c, d);
    case ETHERTYPE_PPP: return td_dec_ppp(c, d);
    default: return td_dec_other(d, "link payload is not IP");
    }
}

td_decode_status td_dec_ethernet(cursor *c, td_dec *d)
{
    cur_skip(c, 12);                           /* destination, source */
    uint16_t type = cur_u16(c);
    if (c->bad)
        return td_dec_malformed(d, "Ethernet header cut short");
    return td_dec_ethertype(type, c, d);   /* type <= 1500 is an 802.3 length: OTHER */
}

/* ---- Linux cooked, BSD loopback ----------------------------------------------------------- */

static td_decode_status decode_sll(cursor *c, td_dec *d)
{
    cur_skip(c, 14);                           /* packet type, ARPHRD, address length, address */
    uint16_t proto = cur_u16(c);
    if (c->bad)
        return td_dec_malformed(d, "Linux cooked (SLL) header cut short");
    return td_dec_ethertype(proto, c, d);
}

static td_decode_status decode_sll2(cursor *c, td_dec *d)
{
    uint16_t proto = cur_u16(c);
    cur_skip(c, 18);                           /* reserved, ifindex, ARPHRD, type, addr len, addr */
    if (c->bad)
        return td_dec_malformed(d, "Linux cooked (SLL2) header cut short");
    return td_dec_ethertype(proto, c, d);
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
static td_decode_status decode_loopback(cursor *c, td_dec *d)
{
    uint32_t af = cur_u32(c);
    if (c->bad)
        return td_dec_malformed(d, "loopback header cut short");
    uint8_t ipver = family_ipver(af);
    if (!ipver)
        ipver = family_ipver(swap32(af));
    switch (ipver) {
    case 4: return td_dec_ipv4(c, d);
    case 6: return td_dec_ipv6(c, d);
    default: return td_dec_other(d, "loopback family is not IP");
    }
}

/* ---- by link type ------------------------------------------------------------------------- */

bool td_dec_link_known(int dlt)
{
    switch (dlt) {
    case DLT_NULL_: case DLT_EN10MB_: case DLT_PPP_: case DLT_PPP_SERIAL_: case DLT_PPP_ETHER_:
    case DLT_C_HDLC_: case DLT_LOOP_: case DLT_LINUX_SLL_: case DLT_PPP_PPPD_: case DLT_PPP_WITH_DIR_:
    case DLT_C_HDLC_WITH_DIR_: case DLT_MPLS_: case DLT_LINUX_SLL2_:
        return true;
    default:
        return false;
    }
}

td_decode_status td_dec_link(int dlt, cursor *c, td_dec *d)
{
    switch (dlt) {
    case DLT_EN10MB_: return td_dec_ethernet(c, d);
    case DLT_LINUX_SLL_: return decode_sll(c, d);
    case DLT_LINUX_SLL2_: return decode_sll2(c, d);
    case DLT_NULL_: case DLT_LOOP_: return decode_loopback(c, d);
    case DLT_PPP_: return td_dec_ppp(c, d);
    case DLT_PPP_SERIAL_: return decode_ppp_serial(c, d);
    case DLT_PPP_ETHER_: return decode_pppoe(c, d);
    case DLT_C_HDLC_: return decode_chdlc(c, d);
    case DLT_MPLS_: return decode_mpls(c, d);
    case DLT_PPP_PPPD_:                        /* a direction byte in place of the address 0xff */
        cur_skip(c, 2);
        return td_dec_ppp(c, d);
    case DLT_PPP_WITH_DIR_: case DLT_C_HDLC_WITH_DIR_:   /* a direction byte first */
        cur_skip(c, 1);
        return dlt == DLT_PPP_WITH_DIR_ ? td_dec_ppp(c, d) : decode_chdlc(c, d);
    default:
        *d->why = "unsupported link type";
        return TD_DEC_UNSUPPORTED_LINK;
    }
}
