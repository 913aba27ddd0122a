/* test_quic_packet.c - unit tests for dissectors/quic/quic_packet.c: varints and packet headers
 * (v1, v2, drafts, Version Negotiation, Retry, short, unknown versions) and the headers that lie. */
#include <string.h>

#include "bytebuf.h"
#include "check.h"
#include "quic_vectors.h"
#include "dissectors/quic/quic_int.h"

static uint64_t varint_of(const uint8_t *b, size_t n, bool *bad, size_t *left)
{
    cursor c = cur_make(b, n);
    uint64_t v = quic_varint(&c);
    *bad = c.bad;
    *left = cur_left(&c);
    return v;
}

/* RFC 9000 A.1's examples, each form, and each form cut short. */
TEST(varints_of_every_length)
{
    static const uint8_t v8[] = { 0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c, 0xaa };
    static const uint8_t v4[] = { 0x9d, 0x7f, 0x3e, 0x7d }, v2[] = { 0x7b, 0xbd }, v1[] = { 0x25 };
    static const uint8_t v1as2[] = { 0x40, 0x25 }, max[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    bool bad;
    size_t left;
    CHECK(varint_of(v8, sizeof v8, &bad, &left) == 151288809941952652u && !bad && left == 1);
    CHECK(varint_of(v4, sizeof v4, &bad, &left) == 494878333u && !bad && left == 0);
    CHECK(varint_of(v2, sizeof v2, &bad, &left) == 15293 && !bad);
    CHECK(varint_of(v1, sizeof v1, &bad, &left) == 37 && !bad);
    CHECK(varint_of(v1as2, sizeof v1as2, &bad, &left) == 37 && !bad);
    CHECK(varint_of(max, sizeof max, &bad, &left) == ((uint64_t)1 << 62) - 1 && !bad);
    for (size_t n = 0; n < 8; n++) {
        CHECK(varint_of(v8, n, &bad, &left) == 0 && bad && left == 0);
    }
    CHECK(varint_of(v4, 3, &bad, &left) == 0 && bad);
    CHECK(varint_of(v2, 1, &bad, &left) == 0 && bad);
    CHECK(varint_of(v1, 0, &bad, &left) == 0 && bad);
    cursor c = cur_make(v1, sizeof v1);                /* a cursor already bad stays bad */
    c.bad = true;
    CHECK(quic_varint(&c) == 0 && c.bad);
}

static size_t hex(const char *h, uint8_t *out, size_t cap) { return qv_hex(h, out, cap); }

TEST(v1_initials_of_rfc9001)
{
    uint8_t pkt[1300];
    size_t n = hex(QV1_CLIENT_PACKET, pkt, sizeof pkt);
    quic_hdr h;
    CHECK(quic_parse_header(pkt, n, 0, &h));
    CHECK(h.type == QUIC_PT_INITIAL && h.version == TD_QUIC_V1 && h.first == 0xc0);
    CHECK(h.dcid_len == 8 && memcmp(h.dcid, "\x83\x94\xc8\xf0\x3e\x51\x57\x08", 8) == 0 && h.scid_len == 0);
    CHECK(h.token_len == 0 && h.pn_offset == 18 && h.packet_len == 1200);
    n = hex(QV1_SERVER_PACKET, pkt, sizeof pkt);
    CHECK(quic_parse_header(pkt, n, 0, &h));
    CHECK(h.type == QUIC_PT_INITIAL && h.dcid_len == 0 && h.scid_len == 8 && h.scid[0] == 0xf0);
    CHECK(h.pn_offset == 18 && h.packet_len == 18 + 0x75 && h.packet_len == n);
    CHECK(quic_looks_long(pkt, n));
}

TEST(v2_packet_types_map_to_v1s)
{
    uint8_t pkt[1300];
    size_t n = hex(QV2_CLIENT_PACKET, pkt, sizeof pkt);
    quic_hdr h;
    CHECK(quic_parse_header(pkt, n, 0, &h) && h.type == QUIC_PT_INITIAL && h.version == TD_QUIC_V2);
    CHECK(h.pn_offset == 18 && h.packet_len == 1200);
    n = hex(QV2_SERVER_PACKET, pkt, sizeof pkt);
    CHECK(quic_parse_header(pkt, n, 0, &h) && h.type == QUIC_PT_INITIAL && h.packet_len == n);
    n = hex(QV2_RETRY_PACKET, pkt, sizeof pkt);
    CHECK(quic_parse_header(pkt, n, 0, &h) && h.type == QUIC_PT_RETRY);
    /* The type bits, v1 then v2: 0-RTT and Handshake (a header with an empty Length). */
    static const struct { uint32_t v; uint8_t bits; uint8_t type; } m[] = {
        { TD_QUIC_V1, 0x10, QUIC_PT_0RTT }, { TD_QUIC_V1, 0x20, QUIC_PT_HANDSHAKE },
        { TD_QUIC_V2, 0x20, QUIC_PT_0RTT }, { TD_QUIC_V2, 0x30, QUIC_PT_HANDSHAKE },
        { 0xff00001d, 0x20, QUIC_PT_HANDSHAKE }, { 0xff000022, 0x10, QUIC_PT_0RTT },
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        uint8_t b[] = { (uint8_t)(0xc0 | m[i].bits), (uint8_t)(m[i].v >> 24), (uint8_t)(m[i].v >> 16),
                        (uint8_t)(m[i].v >> 8), (uint8_t)m[i].v, 1, 0xaa, 2, 0xbb, 0xcc, 0x03, 1, 2, 3, 9 };
        CHECK(quic_parse_header(b, sizeof b, 0, &h));
        CHECK(h.type == m[i].type && h.version == m[i].v && h.token_len == 0);
        CHECK(h.dcid_len == 1 && h.dcid[0] == 0xaa && h.scid_len == 2 && h.scid[1] == 0xcc);
        CHECK(h.pn_offset == 11 && h.packet_len == 14);    /* the trailing byte: the next packet */
    }
}

TEST(initial_token_is_read)
{
    buf b = { 0 };
    put8(&b, 0xc3);
    put32(&b, TD_QUIC_V1);
    put8(&b, 4);
    putstr(&b, "dcid");
    put8(&b, 0);
    put8(&b, 0x40);                            /* token length 6, in 2 bytes */
    put8(&b, 6);
    putstr(&b, "tokens");
    put16(&b, 0x4000 | 21);                    /* Length 21 */
    for (int i = 0; i < 21; i++) put8(&b, (unsigned)i);
    quic_hdr h;
    CHECK(quic_parse_header(b.p, b.n, 0, &h));
    CHECK(h.token_len == 6 && memcmp(h.token, "tokens", 6) == 0);
    CHECK(h.pn_offset == 1 + 4 + 5 + 1 + 2 + 6 + 2 && h.packet_len == b.n);
    CHECK(!quic_parse_header(b.p, b.n - 1, 0, &h));           /* Length past the datagram */
    CHECK(h.type == 0 && h.packet_len == 0);
    b.p[12] = 60;                                             /* token length past the end */
    CHECK(!quic_parse_header(b.p, b.n, 0, &h));
    CHECK(!quic_parse_header(b.p, 12, 0, &h));                /* token length cut short */
    bfree(&b);
}

TEST(version_negotiation)
{
    static const uint8_t vn[] = { 0x80 | 0x3a, 0, 0, 0, 0, 2, 0x11, 0x22, 1, 0x33,
                                  0, 0, 0, 1, 0x6b, 0x33, 0x43, 0xcf, 0x0a, 0x1a, 0x2a, 0x3a };
    quic_hdr h;
    CHECK(quic_parse_header(vn, sizeof vn, 0, &h));
    CHECK(h.type == QUIC_PT_VN && h.version == 0 && h.dcid_len == 2 && h.scid_len == 1);
    CHECK(h.n_vn_versions == 3 && h.vn_versions == vn + 10 && h.packet_len == sizeof vn);
    CHECK(quic_looks_long(vn, sizeof vn));                    /* fixed bit clear: still VN */
    CHECK(!quic_parse_header(vn, sizeof vn - 1, 0, &h));      /* a version cut short */
    CHECK(quic_parse_header(vn, 10, 0, &h) && h.n_vn_versions == 0);
}

TEST(retry_token_runs_to_the_tag)
{
    uint8_t pkt[64];
    size_t n = hex(QV1_RETRY_PACKET, pkt, sizeof pkt);
    quic_hdr h;
    CHECK(quic_parse_header(pkt, n, 0, &h));
    CHECK(h.type == QUIC_PT_RETRY && h.token == pkt + 15 && h.token_len == 5 && h.packet_len == n);
    CHECK(quic_parse_header(pkt, 15 + 16, 0, &h) && h.token_len == 0);
    CHECK(!quic_parse_header(pkt, 15 + 15, 0, &h));           /* no room for the tag */
}

TEST(short_header_takes_the_connections_cid_length)
{
    static const uint8_t s[] = { 0x41, 1, 2, 3, 4, 5, 6, 7, 8, 0xaa, 0xbb, 0xcc };
    quic_hdr h;
    CHECK(quic_parse_header(s, sizeof s, 8, &h));
    CHECK(h.type == QUIC_PT_SHORT && h.version == 0 && h.dcid_len == 8 && h.dcid[7] == 8);
    CHECK(h.pn_offset == 9 && h.packet_len == sizeof s && h.first == 0x41);
    CHECK(quic_parse_header(s, sizeof s, 0, &h) && h.pn_offset == 1);
    CHECK(!quic_parse_header(s, 8, 8, &h));                   /* the DCID cut short */
    CHECK(!quic_parse_header(s, sizeof s, 21, &h));
    CHECK(!quic_looks_long(s, sizeof s));
    static const uint8_t nofixed[] = { 0x01, 1, 2, 3 };        /* fixed bit greased (RFC 9287): still read */
    CHECK(quic_parse_header(nofixed, sizeof nofixed, 0, &h) && h.type == QUIC_PT_SHORT);
}

TEST(unknown_versions_give_only_cids)
{
    static const uint8_t u[] = { 0xc5, 0x1a, 0x2a, 0x3a, 0x4a, 3, 1, 2, 3, 2, 4, 5, 0xff, 0xff, 0xff };
    quic_hdr h;
    CHECK(quic_parse_header(u, sizeof u, 0, &h));
    CHECK(h.type == QUIC_PT_UNKNOWN_VERSION && h.version == 0x1a2a3a4a);
    CHECK(h.dcid_len == 3 && h.dcid[2] == 3 && h.scid_len == 2 && h.scid[1] == 5);
    CHECK(h.packet_len == sizeof u && h.pn_offset == 0 && h.token == NULL);
    uint8_t big[64] = { 0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 21 };   /* 21-byte CIDs are kept from none */
    CHECK(!quic_parse_header(big, sizeof big, 0, &h));
    static const uint8_t d28[] = { 0xc0, 0xff, 0, 0, 0x1c, 0, 0, 0x00, 0x00 };   /* draft-28: not known */
    CHECK(quic_parse_header(d28, sizeof d28, 0, &h) && h.type == QUIC_PT_UNKNOWN_VERSION);
}

TEST(long_headers_that_lie)
{
    uint8_t pkt[1300];
    size_t n = hex(QV1_CLIENT_PACKET, pkt, sizeof pkt);
    quic_hdr h;
    CHECK(!quic_parse_header(pkt, n - 1, 0, &h));             /* Length past the datagram */
    pkt[0] &= (uint8_t)~0x40;                                 /* fixed bit clear: greased (RFC 9287) */
    CHECK(quic_parse_header(pkt, n, 0, &h) && h.type == QUIC_PT_INITIAL);
    CHECK(!quic_looks_long(pkt, n));                          /* ... but never a new connection's first */
    pkt[0] |= 0x40;
    pkt[5] = 21;                                              /* a 21-byte DCID in v1 */
    CHECK(!quic_parse_header(pkt, n, 0, &h));
    pkt[5] = 8;
    pkt[14] = 21;                                             /* a 21-byte SCID */
    CHECK(!quic_parse_header(pkt, n, 0, &h));
    pkt[14] = 0;
    for (size_t cut = 0; cut < 18; cut++) CHECK(!quic_parse_header(pkt, cut, 0, &h));
    CHECK(quic_parse_header(pkt, n, 0, &h));
    CHECK(!quic_parse_header(NULL, 0, 0, &h));
    CHECK(!quic_looks_long(pkt, 6));
}

/* Coalesced packets: each header's packet_len is where the next one starts. */
TEST(coalesced_packets_walk_by_packet_len)
{
    uint8_t d[512];
    size_t n = hex(QV1_SERVER_PACKET, d, sizeof d);
    static const uint8_t hs[] = { 0xe0, 0, 0, 0, 1, 0, 1, 0x77, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                                  11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };
    memcpy(d + n, hs, sizeof hs);
    size_t total = n + sizeof hs, off = 0, count = 0;
    uint8_t types[4];
    quic_hdr h;
    while (off < total && count < 4 && quic_parse_header(d + off, total - off, 0, &h)) {
        types[count++] = h.type;
        off += h.packet_len;
    }
    CHECK(count == 2 && off == total);
    CHECK(types[0] == QUIC_PT_INITIAL && types[1] == QUIC_PT_HANDSHAKE);
}

int main(void)
{
    RUN(varints_of_every_length);
    RUN(v1_initials_of_rfc9001);
    RUN(v2_packet_types_map_to_v1s);
    RUN(initial_token_is_read);
    RUN(version_negotiation);
    RUN(retry_token_runs_to_the_tag);
    RUN(short_header_takes_the_connections_cid_length);
    RUN(unknown_versions_give_only_cids);
    RUN(long_headers_that_lie);
    RUN(coalesced_packets_walk_by_packet_len);
    return check_done();
}
