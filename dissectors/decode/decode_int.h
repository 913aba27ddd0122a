/* decode_int.h - what the frame decoder's files share: the decoding state and each layer's entry.
 *
 * The files, top down (each calls only those below it): decode.c (the entry points and the loop
 * that enters tunnels), decode_tunnel.c (GRE, ERSPAN, VXLAN, Geneve, GTP-U, plain UDP),
 * decode_link.c (link headers, VLAN tags, PPP, MPLS), decode_ip.c (IPv4, IPv6, TCP).  An IP
 * payload that may be a tunnel is not decoded by decode_ip.c itself: it is handed back up as
 * TD_DEC_INNER_ with its protocol and bytes, and decode.c's loop enters it, one level of depth
 * per tunnel.  Internal to dissectors/decode. */
#ifndef TLSDIAG_DECODE_INT_H
#define TLSDIAG_DECODE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "dissectors/cursor.h"
#include "dissectors/decode/decode.h"

/* Tunnels inside tunnels: the outer packet is depth 0; one that would go deeper than this is not
 * decoded (TD_DEC_OTHER, "tunnels nested too deep"). */
#define MAX_TUNNEL_DEPTH 3

/* Not one of td_decode's answers: an IP payload of protocol d->inner_proto, in d->inner, for
 * decode.c's loop to enter. */
#define TD_DEC_INNER_ ((td_decode_status)16)

enum { TD_IPPROTO_ICMP = 1, TD_IPPROTO_IPIP = 4, TD_IPPROTO_UDP = 17, TD_IPPROTO_IPV6 = 41, TD_IPPROTO_GRE = 47,
       TD_IPPROTO_ICMPV6 = 58 };

typedef struct td_dec {
    td_pkt *out;                   /* the packet being filled (inner headers overwrite outer ones) */
    const char **why;              /* never NULL */
    int depth;                     /* tunnels entered so far */
    uint8_t inner_proto;           /* TD_DEC_INNER_: the IP protocol ... */
    cursor inner;                  /* ... and its bytes */
} td_dec;

static inline td_decode_status td_dec_malformed(td_dec *d, const char *msg)
{
    *d->why = msg;
    return TD_DEC_MALFORMED;
}

static inline td_decode_status td_dec_other(td_dec *d, const char *msg)
{
    *d->why = msg;
    return TD_DEC_OTHER;
}

/* Is an IP payload of this protocol possibly a tunnel (or UDP, which is noted)? */
static inline bool td_dec_ip_proto_tunnel(uint8_t proto)
{
    return proto == TD_IPPROTO_IPIP || proto == TD_IPPROTO_IPV6 || proto == TD_IPPROTO_UDP ||
           proto == TD_IPPROTO_GRE;
}

static inline td_decode_status td_dec_inner(td_dec *d, uint8_t proto, const cursor *payload)
{
    d->inner_proto = proto;
    d->inner = *payload;
    return TD_DEC_INNER_;
}

/* decode_ip.c: IPv4, IPv6, either by the version nibble. */
td_decode_status td_dec_ipv4(cursor *c, td_dec *d);
td_decode_status td_dec_ipv6(cursor *c, td_dec *d);
td_decode_status td_dec_ip(cursor *c, td_dec *d);

/* decode_link.c: what an Ethernet type carries (after any VLAN tags); an Ethernet frame; PPP from
 * its address/control bytes (either may be left out, RFC 1661 section 6.6) or its protocol; the
 * link types other than raw IP (TD_DEC_UNSUPPORTED_LINK for one not known). */
td_decode_status td_dec_ethertype(uint16_t type, cursor *c, td_dec *d);
td_decode_status td_dec_ethernet(cursor *c, td_dec *d);
td_decode_status td_dec_ppp(cursor *c, td_dec *d);
td_decode_status td_dec_link(int dlt, cursor *c, td_dec *d);
bool td_dec_link_known(int dlt);

/* decode_icmp.c: ICMP (after the IPv4 header) and ICMPv6: a port unreachable sets out->icmp_unreachable
 * and the quoted datagram's addresses and ports; anything else is TD_DEC_OTHER. */
td_decode_status td_dec_icmp4(cursor *c, td_dec *d);
td_decode_status td_dec_icmp6(cursor *c, td_dec *d);

/* decode_tunnel.c: an IP payload for which td_dec_ip_proto_tunnel() is true. */
td_decode_status td_dec_ip_proto(uint8_t proto, cursor *c, td_dec *d);

#endif
