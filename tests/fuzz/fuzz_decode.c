/* fuzz_decode.c - the link/IP/TCP decoder (td_decode) on one frame of every supported link type,
 * tunnels (GRE, ERSPAN, VXLAN, Geneve, GTP-U, IP in IP) and MPLS included, plus the TLS and
 * plaintext recognisers on the TCP payload it finds.
 *
 * Input: one byte choosing the link type (index into the table below, modulo its size; the last
 * entry is a type td_decode does not know), then the frame.  Besides memory safety it checks the
 * decoder's promises: the payload lies inside the frame, a malformed frame says why. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/decode/decode.h"
#include "dissectors/dissect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[] = {
    1,      /* Ethernet (VLAN, QinQ) */
    113,    /* Linux SLL */
    276,    /* Linux SLL2 */
    0,      /* BSD null/loopback (host order) */
    108,    /* OpenBSD loopback (network order) */
    12,     /* raw IP */
    14,     /* raw IP (BSD) */
    101,    /* LINKTYPE_RAW */
    228,    /* IPv4 */
    229,    /* IPv6 */
    9,      /* PPP */
    50,     /* PPP in HDLC-like framing, or Cisco HDLC */
    51,     /* PPPoE */
    104,    /* Cisco HDLC */
    166,    /* PPP with pppd's direction byte */
    204,    /* PPP with a direction byte */
    205,    /* Cisco HDLC with a direction byte */
    219,    /* MPLS */
    147,    /* DLT_USER0: not supported */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int dlt = links[data[0] % (sizeof links / sizeof links[0])];
    const uint8_t *frame = data + 1;
    size_t caplen = size - 1;
    td_pkt p;
    const char *why = NULL;
    td_decode_status st = td_decode(dlt, frame, caplen, &p, &why);
    if (td_decode_link_supported(dlt) != (st != TD_DEC_UNSUPPORTED_LINK)) abort();
    switch (st) {
    case TD_DEC_TCP: {
        if (p.ipver != 4 && p.ipver != 6) abort();
        if (p.payload_len > caplen) abort();
        if (p.payload_len && (p.payload < frame || (size_t)(p.payload - frame) > caplen - p.payload_len))
            abort();
        if (p.payload_len > p.payload_wire_len) abort();
        if (p.truncated != (p.payload_len < p.payload_wire_len)) abort();
        char a[46], b[46];
        td_addr_text(p.ipver, p.src, a, sizeof a);
        td_addr_text(p.ipver, p.dst, b, sizeof b);
        if (!memchr(a, 0, sizeof a) || !memchr(b, 0, sizeof b)) abort();
        char what[160];
        (void)td_sniff_tls(p.payload, p.payload_len);
        (void)td_sniff_plaintext(p.payload, p.payload_len, what, sizeof what);
        if (!memchr(what, 0, sizeof what)) abort();
        break;
    }
    case TD_DEC_MALFORMED:
        if (!why || !why[0]) abort();
        break;
    default:
        break;
    }
    return 0;
}
