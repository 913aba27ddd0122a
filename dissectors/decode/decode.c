/* decode.c - link, IP and TCP headers of one captured frame: the entry points, and the loop that
 * enters tunnels.
 *
 * Every read goes through the cursor (cursor.h): a frame is hostile input, cut by the snap length
 * anywhere.  The link layer (decode_link.c) finds the network header, the IP layer (decode_ip.c)
 * bounds the payload and splits TCP's header from it; an IP payload that may be a tunnel comes
 * back here and is entered (decode_tunnel.c), at most MAX_TUNNEL_DEPTH deep.  `why` always gets a
 * string literal or an entry of a static table, never a formatted buffer. */
#include "dissectors/decode/decode.h"

#include <arpa/inet.h>
#include <string.h>

#include "dissectors/decode/decode_int.h"

enum { DLT_RAW_ = 12, DLT_RAW_BSD_ = 14, LINKTYPE_RAW_ = 101, LINKTYPE_IPV4_ = 228, LINKTYPE_IPV6_ = 229 };

bool td_decode_link_supported(int dlt)
{
    switch (dlt) {
    case DLT_RAW_: case DLT_RAW_BSD_: case LINKTYPE_RAW_: case LINKTYPE_IPV4_: case LINKTYPE_IPV6_:
        return true;
    default:
        return td_dec_link_known(dlt);
    }
}

const char *td_decode_link_list(void)
{
    return "Ethernet, Linux cooked (SLL, SLL2), raw IPv4/IPv6, BSD loopback, PPP, PPP in HDLC "
           "framing, PPPoE, Cisco HDLC and MPLS";
}

const char *td_decode_link_name(int dlt)
{
    static const char *const user[16] = {
        "USER0", "USER1", "USER2", "USER3", "USER4", "USER5", "USER6", "USER7",
        "USER8", "USER9", "USER10", "USER11", "USER12", "USER13", "USER14", "USER15",
    };
    return dlt >= 147 && dlt <= 162 ? user[dlt - 147] : NULL;
}

static td_decode_status decode_link(int dlt, cursor *c, td_dec *d)
{
    switch (dlt) {
    case DLT_RAW_: case DLT_RAW_BSD_: case LINKTYPE_RAW_: return td_dec_ip(c, d);
    case LINKTYPE_IPV4_: return td_dec_ipv4(c, d);
    case LINKTYPE_IPV6_: return td_dec_ipv6(c, d);
    default: return td_dec_link(dlt, c, d);
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
    td_dec d = { .out = out, .why = why };
    td_decode_status st = decode_link(dlt, &c, &d);
    while (st == TD_DEC_INNER_) {
        if (d.depth >= MAX_TUNNEL_DEPTH)
            return td_dec_other(&d, "tunnels nested too deep");
        d.depth++;
        cursor inner = d.inner;
        st = td_dec_ip_proto(d.inner_proto, &inner, &d);
    }
    return st;
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
