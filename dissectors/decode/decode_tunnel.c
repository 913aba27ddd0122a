/* decode_tunnel.c - the tunnels that cloud traffic mirrors, taps and mobile networks wrap packets
 * in: IP in IP (IPv4 and IPv6, protocols 4 and 41), GRE (checksum, key, sequence; PPTP's
 * enhanced GRE), ERSPAN types I, II and III, VXLAN, VXLAN-GPE, Geneve and GTP-U.  The inner
 * packet is decoded as if it had been captured alone: its addresses and ports are the ones
 * reported.
 *
 * Each is entered from decode.c's loop, one level of depth each (past MAX_TUNNEL_DEPTH the packet
 * is TD_DEC_OTHER).  A tunnel header cut short is malformed; a UDP datagram on a tunnel's port
 * whose header is not that tunnel's is TD_DEC_OTHER.  Plain UDP is noted here too. */
#include "dissectors/decode/decode_int.h"

enum {
    GTP_U_PORT = 2152, VXLAN_PORT = 4789, VXLAN_LINUX_PORT = 8472, VXLAN_GPE_PORT = 4790,
    GENEVE_PORT = 6081,
};

enum {
    GRE_C = 0x8000, GRE_R = 0x4000, GRE_K = 0x2000, GRE_S = 0x1000, GRE_A = 0x0080,
    GRE_ERSPAN2 = 0x88be,          /* ERSPAN type I (no sequence number) or II */
    GRE_ERSPAN3 = 0x22eb,
    GRE_PPP = 0x880b,
    GRE_TEB = 0x6558,              /* transparent Ethernet bridging: a whole Ethernet frame */
};

/* A tunnel's payload named by an Ethernet type: an Ethernet frame, or what a frame would carry. */
static td_decode_status decode_payload_type(uint16_t type, cursor *c, td_dec *d)
{
    if (type == GRE_TEB) return td_dec_ethernet(c, d);
    return td_dec_ethertype(type, c, d);
}

/* ---- GRE and ERSPAN ----------------------------------------------------------------------- */

/* ERSPAN type II header: version 1, 8 bytes; type I has none (its GRE header has no sequence
 * number).  Type III: version 2, 12 bytes, 8 more when the O bit is set; frame type 0 is
 * Ethernet, 2 an IP packet. */
static td_decode_status decode_erspan(uint16_t proto, bool seq, cursor *c, td_dec *d)
{
    if (proto == GRE_ERSPAN2 && !seq)
        return td_dec_ethernet(c, d);
    cursor h = *c;
    unsigned ver = cur_u8(&h) >> 4;
    if (h.bad)
        return td_dec_malformed(d, "ERSPAN header cut short");
    if (proto == GRE_ERSPAN2) {
        if (ver != 1)
            return td_dec_other(d, "ERSPAN type II header with a version other than 1");
        cur_skip(c, 8);
        if (c->bad)
            return td_dec_malformed(d, "ERSPAN header cut short");
        return td_dec_ethernet(c, d);
    }
    if (ver != 2)
        return td_dec_other(d, "ERSPAN type III header with a version other than 2");
    cur_skip(c, 10);                           /* version .. session, timestamp, SGT */
    uint16_t bits = cur_u16(c);                /* P, frame type, hardware id, D, Gra, O */
    if (bits & 1)
        cur_skip(c, 8);                        /* platform-specific subheader */
    if (c->bad)
        return td_dec_malformed(d, "ERSPAN header cut short");
    switch (bits >> 10 & 0x1f) {
    case 0: return td_dec_ethernet(c, d);
    case 2: return td_dec_ip(c, d);
    default: return td_dec_other(d, "ERSPAN frame type is neither Ethernet nor IP");
    }
}

/* PPTP's enhanced GRE (RFC 2637): key (payload length, call id) always, then sequence and
 * acknowledgement numbers when flagged, then PPP. */
static td_decode_status decode_gre_pptp(uint16_t flags, uint16_t proto, cursor *c, td_dec *d)
{
    if (proto != GRE_PPP)
        return td_dec_other(d, "enhanced GRE payload is not PPP");
    uint16_t paylen = cur_u16(c);
    cur_skip(c, 2);                            /* call id */
    if (flags & GRE_S) cur_skip(c, 4);
    if (flags & GRE_A) cur_skip(c, 4);
    if (c->bad)
        return td_dec_malformed(d, "GRE header cut short");
    if (paylen == 0)
        return td_dec_other(d, "GRE acknowledgement without payload");
    return td_dec_ppp(c, d);
}

/* GRE (RFC 2784, RFC 2890): flags and version, protocol type, then checksum, key and sequence
 * number when flagged.  Source-routed GRE (RFC 1701's R bit) is obsolete: not decoded. */
static td_decode_status decode_gre(cursor *c, td_dec *d)
{
    uint16_t flags = cur_u16(c), proto = cur_u16(c);
    if (c->bad)
        return td_dec_malformed(d, "GRE header cut short");
    if ((flags & 7) == 1)
        return decode_gre_pptp(flags, proto, c, d);
    if (flags & 7)
        return td_dec_other(d, "GRE version other than 0 or 1");
    if (flags & GRE_R)
        return td_dec_other(d, "source-routed GRE");
    if (flags & GRE_C) cur_skip(c, 4);         /* checksum, reserved */
    if (flags & GRE_K) cur_skip(c, 4);
    if (flags & GRE_S) cur_skip(c, 4);
    if (c->bad)
        return td_dec_malformed(d, "GRE header cut short");
    if (proto == GRE_ERSPAN2 || proto == GRE_ERSPAN3)
        return decode_erspan(proto, flags & GRE_S, c, d);
    return decode_payload_type(proto, c, d);
}

/* ---- UDP tunnels -------------------------------------------------------------------------- */

/* GTP-U G-PDU (3GPP TS 29.281): 8-byte header, optional 4 more, then extension headers. */
static td_decode_status decode_gtpu(cursor *c, td_dec *d)
{
    uint8_t flags = cur_u8(c);
    uint8_t type = cur_u8(c);
    cur_skip(c, 6);                            /* length, TEID */
    if (c->bad)
        return td_dec_malformed(d, "GTP-U header cut short");
    if ((flags >> 5) != 1 || type != 0xff)
        return td_dec_other(d, "UDP payload is not a GTP-U G-PDU");
    if (flags & 0x07) {
        cur_skip(c, 3);                        /* sequence number, N-PDU number */
        uint8_t next = cur_u8(c);
        for (int n = 0; next && n < 8 && !c->bad; n++) {
            size_t len = (size_t)cur_u8(c) * 4;
            if (len < 4) return td_dec_malformed(d, "GTP-U extension header length 0");
            cur_skip(c, len - 2);
            next = cur_u8(c);
        }
        if (next) return td_dec_malformed(d, "GTP-U extension header chain too long");
    }
    if (c->bad) return td_dec_malformed(d, "GTP-U header cut short");
    return td_dec_ip(c, d);
}

/* VXLAN (RFC 7348): flags with the I bit, VNI, then an Ethernet frame.  VXLAN-GPE: the P bit and
 * a next-protocol byte (1 IPv4, 2 IPv6, 3 Ethernet, 5 MPLS). */
static td_decode_status decode_vxlan(bool gpe, cursor *c, td_dec *d)
{
    uint8_t flags = cur_u8(c);
    cur_skip(c, 2);
    uint8_t next = cur_u8(c);
    cur_skip(c, 4);                            /* VNI, reserved */
    if (c->bad)
        return td_dec_malformed(d, "VXLAN header cut short");
    if (!(flags & 0x08))
        return td_dec_other(d, "UDP payload on the VXLAN port is not VXLAN");
    if (!gpe || !(flags & 0x04))
        return td_dec_ethernet(c, d);
    switch (next) {
    case 1: return td_dec_ipv4(c, d);
    case 2: return td_dec_ipv6(c, d);
    case 3: return td_dec_ethernet(c, d);
    case 5: return td_dec_ethertype(0x8847, c, d);
    default: return td_dec_other(d, "VXLAN-GPE payload is not IP or Ethernet");
    }
}

/* Geneve (RFC 8926): version 0, options length in 4-byte words, a protocol type (an Ethernet
 * type: 0x6558 for an Ethernet frame), VNI, the options. */
static td_decode_status decode_geneve(cursor *c, td_dec *d)
{
    uint8_t vlen = cur_u8(c);
    cur_skip(c, 1);                            /* O, C, reserved */
    uint16_t proto = cur_u16(c);
    cur_skip(c, 4);                            /* VNI, reserved */
    cur_skip(c, (size_t)(vlen & 0x3f) * 4);
    if (c->bad)
        return td_dec_malformed(d, "Geneve header cut short");
    if (vlen >> 6)
        return td_dec_other(d, "Geneve version other than 0");
    return decode_payload_type(proto, c, d);
}

static td_decode_status decode_udp(cursor *c, td_dec *d)
{
    uint16_t sport = cur_u16(c), dport = cur_u16(c);
    cur_skip(c, 4);                            /* length, checksum */
    if (c->bad) return td_dec_malformed(d, "UDP header cut short");
    if (sport == GTP_U_PORT || dport == GTP_U_PORT) return decode_gtpu(c, d);
    if (dport == VXLAN_PORT || dport == VXLAN_LINUX_PORT) return decode_vxlan(false, c, d);
    if (dport == VXLAN_GPE_PORT) return decode_vxlan(true, c, d);
    if (dport == GENEVE_PORT) return decode_geneve(c, d);
    d->out->udp = true;                           /* not analysed, but noted (QUIC, DTLS) */
    d->out->sport = sport;
    d->out->dport = dport;
    d->out->payload_len = cur_left(c);
    d->out->payload = cur_bytes(c, d->out->payload_len);
    return td_dec_other(d, "UDP");
}

/* ---- by IP protocol ----------------------------------------------------------------------- */

td_decode_status td_dec_ip_proto(uint8_t proto, cursor *c, td_dec *d)
{
    switch (proto) {
    case TD_IPPROTO_UDP: return decode_udp(c, d);
    case TD_IPPROTO_GRE: return decode_gre(c, d);
    default: return td_dec_ip(c, d);           /* 4: IPv4, 41: IPv6 (either is checked) */
    }
}
