/* quic_packet.c - QUIC variable-length integers and packet headers: long (v1, v2, drafts 29-34,
 * Version Negotiation, Retry, versions we do not know) and short.
 *
 * RFC 9000 16 (varints), 17.2 (long headers), 17.3 (short headers); RFC 8999 (the invariants:
 * what every version's long header shares); RFC 9369 3.2 (v2's long packet type bits).  Only the
 * header is read: the packet number and everything after it are still protected here
 * (quic_protect.c removes that).  No I/O, no global state; every length is checked against the
 * bytes really there. */
#include <string.h>

#include "dissectors/quic/quic_int.h"

uint64_t quic_varint(cursor *c)
{
    uint8_t b = cur_u8(c);
    size_t n = (size_t)1 << (b >> 6);         /* 1, 2, 4 or 8 bytes in all */
    uint64_t v = b & 0x3f;
    const uint8_t *rest = cur_bytes(c, n - 1);
    if (c->bad) return 0;
    for (size_t i = 0; i + 1 < n; i++) v = v << 8 | rest[i];
    return v;
}

/* A connection ID: a length byte and that many bytes (at most 20: longer is refused, since
 * quic_hdr keeps 20, though RFC 8999 lets versions other than v1/v2 use up to 255). */
static bool read_cid(cursor *c, uint8_t *cid, uint8_t *cid_len)
{
    uint8_t n = cur_u8(c);
    if (c->bad || n > TD_QUIC_MAX_CID) return false;
    const uint8_t *b = cur_bytes(c, n);
    if (!b) return false;
    memcpy(cid, b, n);
    *cid_len = n;
    return true;
}

/* Versions whose long headers this file reads in full: v1's layout (v1, the drafts 29..34) and
 * v2's (RFC 9369). */
static bool layout_known(uint32_t v)
{
    return v == TD_QUIC_V1 || v == TD_QUIC_V2 || (v >= 0xff00001du && v <= 0xff000022u);
}

/* Version Negotiation (RFC 9000 17.2.1): after the CIDs, the supported versions, 4 bytes each. */
static bool parse_vn(cursor *c, size_t len, quic_hdr *h)
{
    size_t left = cur_left(c);
    if (left % 4 != 0) return false;
    h->type = QUIC_PT_VN;
    h->vn_versions = c->p;
    h->n_vn_versions = left / 4;
    h->packet_len = len;
    return true;
}

/* Retry (RFC 9000 17.2.5): the Retry Token runs to the 16-byte Retry Integrity Tag at the end. */
static bool parse_retry(cursor *c, size_t len, quic_hdr *h)
{
    size_t left = cur_left(c);
    if (left < 16) return false;
    h->token = c->p;
    h->token_len = left - 16;
    h->packet_len = len;
    return true;
}

/* Initial, 0-RTT, Handshake: (Initial: a token), the Length of the packet number and payload. */
static bool parse_protected_long(cursor *c, const uint8_t *data, quic_hdr *h)
{
    if (h->type == QUIC_PT_INITIAL) {
        uint64_t tl = quic_varint(c);
        if (c->bad || tl > cur_left(c)) return false;
        h->token_len = (size_t)tl;
        h->token = cur_bytes(c, h->token_len);
    }
    uint64_t length = quic_varint(c);
    if (c->bad || length > cur_left(c)) return false;
    h->pn_offset = (size_t)(c->p - data);
    h->packet_len = h->pn_offset + (size_t)length;
    return true;
}

static bool parse_long(const uint8_t *data, size_t len, quic_hdr *h)
{
    cursor c = cur_make(data, len);
    (void)cur_u8(&c);
    h->version = cur_u32(&c);
    if (c.bad || !read_cid(&c, h->dcid, &h->dcid_len) || !read_cid(&c, h->scid, &h->scid_len))
        return false;
    if (h->version == 0) return parse_vn(&c, len, h);
    if (!layout_known(h->version)) {           /* RFC 8999: nothing past the CIDs is known */
        h->type = QUIC_PT_UNKNOWN_VERSION;
        h->packet_len = len;
        return true;
    }
    /* The fixed bit may be clear: a peer that advertised grease_quic_bit (RFC 9287, ngtcp2 does)
     * lets the other side send it as 0 on every packet but its first Initial. */
    unsigned bits = (h->first >> 4) & 3;
    if (h->version == TD_QUIC_V2) bits = (bits + 3) & 3;   /* v2: Retry 0, Initial 1, 0-RTT 2, HS 3 */
    h->type = (uint8_t)bits;                   /* QUIC_PT_INITIAL .. QUIC_PT_RETRY */
    if (h->type == QUIC_PT_RETRY) return parse_retry(&c, len, h);
    return parse_protected_long(&c, data, h);
}

bool quic_parse_header(const uint8_t *data, size_t len, size_t short_dcid_len, quic_hdr *h)
{
    memset(h, 0, sizeof *h);
    if (!data || len < 1) return false;
    h->first = data[0];
    if (data[0] & 0x80) {
        if (parse_long(data, len, h)) return true;
        memset(h, 0, sizeof *h);
        return false;
    }
    /* Short header (RFC 9000 17.3.1): the (maybe greased) fixed bit, then the DCID whose length the
     * receiver chose. */
    if (short_dcid_len > TD_QUIC_MAX_CID || len < 1 + short_dcid_len) {
        memset(h, 0, sizeof *h);
        return false;
    }
    h->type = QUIC_PT_SHORT;
    h->dcid_len = (uint8_t)short_dcid_len;
    memcpy(h->dcid, data + 1, short_dcid_len);
    h->pn_offset = 1 + short_dcid_len;
    h->packet_len = len;
    return true;
}

/* The header form and fixed bits, a version and both CID length bytes' room.  Version Negotiation
 * (version 0) needs only the form bit: its other 7 bits are arbitrary (RFC 9000 17.2.1).  The fixed
 * bit is required here, where a new connection is recognised: a client's first Initial never greases
 * it (RFC 9287 3.1), and it keeps other UDP traffic out. */
bool quic_looks_long(const uint8_t *data, size_t len)
{
    if (!data || len < 7 || !(data[0] & 0x80)) return false;
    uint32_t v = (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 8 | data[4];
    return v == 0 || (data[0] & 0x40);
}
