/* test_quic_frames.c - unit tests for dissectors/quic/quic_frames.c (every frame type, the frames
 * that lie, unknown types) and quic_crypto_stream.c (CRYPTO reassembly in any order). */
#include <string.h>

#include "bytebuf.h"
#include "check.h"
#include "quic_vectors.h"
#include "dissectors/quic/quic_int.h"

#define LIMIT62 ((uint64_t)1 << 62)

static void putv(buf *b, uint64_t v)          /* a varint in its shortest form */
{
    if (v < 64) put8(b, (unsigned)v);
    else if (v < 16384) put16(b, (unsigned)(0x4000 | v));
    else if (v < (1u << 30)) put32(b, (uint32_t)(0x80000000u | v));
    else {
        put32(b, (uint32_t)(0xc0000000u | (v >> 32)));
        put32(b, (uint32_t)v);
    }
}

/* What the CRYPTO callback saw. */
typedef struct seen {
    int calls;
    uint64_t offset[8];
    size_t len[8];
    uint8_t data[2048];
    size_t n;
} seen;

static void on_crypto(void *ctx, uint64_t offset, const uint8_t *d, size_t len)
{
    seen *s = ctx;
    if (s->calls < 8) {
        s->offset[s->calls] = offset;
        s->len[s->calls] = len;
    }
    s->calls++;
    if (s->n + len <= sizeof s->data) memcpy(s->data + s->n, d, len);
    s->n += len;
}

static bool walk(const buf *b, seen *s, quic_frames_out *o)
{
    memset(s, 0, sizeof *s);
    return quic_frames(b->p, b->n, on_crypto, s, o);
}

TEST(padding_ping_and_ack_eliciting)
{
    buf b = { 0 };
    seen s;
    quic_frames_out o;
    put8(&b, 0x00);
    put8(&b, 0x00);
    put8(&b, 0x00);
    CHECK(walk(&b, &s, &o) && o.padding_bytes == 3 && !o.ack_eliciting && o.pings == 0);
    put8(&b, 0x01);
    put8(&b, 0x00);
    CHECK(walk(&b, &s, &o) && o.padding_bytes == 4 && o.pings == 1 && o.ack_eliciting);
    CHECK(quic_frames(NULL, 0, NULL, NULL, &o) && o.padding_bytes == 0);
    bfree(&b);
}

TEST(ack_ranges_and_ecn)
{
    buf b = { 0 };
    seen s;
    quic_frames_out o;
    put8(&b, 0x02);
    putv(&b, 1000);                            /* Largest Acknowledged */
    putv(&b, 25);                              /* ACK Delay */
    putv(&b, 2);                               /* two more ranges */
    putv(&b, 10);                              /* 990..1000 */
    putv(&b, 5);                               /* gap: 983 is the next largest */
    putv(&b, 3);                               /* 980..983 */
    putv(&b, 978);                             /* gap: 0 is the next largest */
    putv(&b, 0);                               /* 0..0 */
    CHECK(walk(&b, &s, &o) && o.has_ack && o.acks == 1 && o.largest_acked == 1000 && !o.ack_eliciting);
    b.p[0] = 0x03;                             /* with ECN counts */
    putv(&b, 1);
    putv(&b, 2);
    putv(&b, 3);
    CHECK(walk(&b, &s, &o) && o.acks == 1);
    CHECK(quic_frames(b.p, b.n - 1, NULL, NULL, &o) == false);   /* ECN-CE count cut short */
    bfree(&b);
    put8(&b, 0x02);                            /* A.3's server ACK: largest 0, one packet */
    put8(&b, 0);
    put8(&b, 0);
    put8(&b, 0);
    put8(&b, 0);
    CHECK(walk(&b, &s, &o) && o.has_ack && o.largest_acked == 0);
    bfree(&b);
}

TEST(ack_ranges_below_zero_lie)
{
    static const uint8_t first_too_big[] = { 0x02, 5, 0, 0, 6 };
    static const uint8_t gap_too_big[] = { 0x02, 10, 0, 1, 2, 7, 0 };        /* 8..10, next 8-7-2 < 0 */
    static const uint8_t range_too_big[] = { 0x02, 10, 0, 1, 2, 0, 7 };      /* next 6, range 7 */
    static const uint8_t exact[] = { 0x02, 10, 0, 1, 2, 0, 6 };              /* next 6, down to 0 */
    static const uint8_t huge_count[] = { 0x02, 10, 0, 0xbf, 0xff, 0xff, 0xff, 0, 0, 0 };
    quic_frames_out o;
    CHECK(!quic_frames(first_too_big, sizeof first_too_big, NULL, NULL, &o));
    CHECK(!quic_frames(gap_too_big, sizeof gap_too_big, NULL, NULL, &o));
    CHECK(!quic_frames(range_too_big, sizeof range_too_big, NULL, NULL, &o));
    CHECK(quic_frames(exact, sizeof exact, NULL, NULL, &o) && o.largest_acked == 10);
    CHECK(!quic_frames(huge_count, sizeof huge_count, NULL, NULL, &o));    /* ranges not there */
}

TEST(crypto_frames_go_to_the_callback)
{
    uint8_t payload[1162];
    memset(payload, 0, sizeof payload);
    qv_hex(QV_CLIENT_CRYPTO, payload, sizeof payload);        /* RFC 9001 A.2's plaintext */
    seen s;
    memset(&s, 0, sizeof s);
    quic_frames_out o;
    CHECK(quic_frames(payload, sizeof payload, on_crypto, &s, &o));
    CHECK(o.crypto_frames == 1 && o.padding_bytes == 917 && o.ack_eliciting && s.calls == 1);
    CHECK(s.offset[0] == 0 && s.len[0] == 241);
    static const uint8_t hello[] = { 0x01, 0x00, 0x00, 0xed, 0x03, 0x03, 0xeb, 0xf8, 0xfa, 0x56, 0xf1, 0x29 };
    CHECK(memcmp(s.data, hello, sizeof hello) == 0);
    uint8_t server[128];
    size_t n = qv_hex(QV_SERVER_PAYLOAD, server, sizeof server);   /* A.3: ACK then CRYPTO */
    memset(&s, 0, sizeof s);
    CHECK(quic_frames(server, n, on_crypto, &s, &o));
    CHECK(o.acks == 1 && o.crypto_frames == 1 && s.len[0] == 90 && s.data[0] == 0x02 && o.padding_bytes == 0);
    CHECK(quic_frames(server, n, NULL, NULL, &o) && o.crypto_frames == 1);   /* no callback: fine */
}

TEST(crypto_frames_that_lie)
{
    buf b = { 0 };
    seen s;
    quic_frames_out o;
    put8(&b, 0x01);
    put8(&b, 0x06);
    putv(&b, 0);
    putv(&b, 5);
    putstr(&b, "abcd");                        /* one byte short */
    CHECK(!walk(&b, &s, &o) && s.calls == 0 && o.pings == 1);   /* what came before is kept */
    bfree(&b);
    put8(&b, 0x06);
    putv(&b, LIMIT62 - 2);                     /* offset + length = 2^62: over 2^62 - 1 */
    putv(&b, 2);
    putstr(&b, "ab");
    CHECK(!walk(&b, &s, &o) && s.calls == 0);
    bfree(&b);
    put8(&b, 0x06);
    putv(&b, LIMIT62 - 3);                     /* offset + length = 2^62 - 1: allowed */
    putv(&b, 2);
    putstr(&b, "ab");
    CHECK(walk(&b, &s, &o) && s.calls == 1 && s.offset[0] == LIMIT62 - 3);
    bfree(&b);
}

TEST(connection_close_transport_with_tls_alert)
{
    buf b = { 0 };
    seen s;
    quic_frames_out o;
    put8(&b, 0x1c);
    putv(&b, 0x12a);                           /* CRYPTO_ERROR + alert 42 (bad_certificate) */
    putv(&b, 0x06);                            /* in a CRYPTO frame */
    putv(&b, 9);
    put(&b, "bad\x01" "cert\xff", 9);
    CHECK(walk(&b, &s, &o) && o.close.seen && !o.close.app);
    CHECK(o.close.code == 0x12a && o.close.code - 0x100 == 42 && o.close.frame_type == 6);
    CHECK_STR(o.close.reason, "bad?cert?");
    CHECK(!o.ack_eliciting);
    CHECK(!quic_frames(b.p, b.n - 1, NULL, NULL, &o));        /* reason cut short */
    bfree(&b);
    put8(&b, 0x1d);                            /* application close: no frame type */
    putv(&b, 0x0100);
    putv(&b, 200);
    for (int i = 0; i < 200; i++) put8(&b, 'a' + i % 26);
    CHECK(walk(&b, &s, &o) && o.close.seen && o.close.app && o.close.code == 0x100 && o.close.frame_type == 0);
    CHECK(strlen(o.close.reason) == sizeof o.close.reason - 1 && o.close.reason[0] == 'a' && o.close.reason[26] == 'a');
    bfree(&b);
}

/* Every other frame type of RFC 9000 19 and RFC 9221, in one packet: all skipped, all counted. */
TEST(every_other_frame_type_is_walked)
{
    buf b = { 0 };
    seen s;
    quic_frames_out o;
    put8(&b, 0x04); putv(&b, 4); putv(&b, 7); putv(&b, 1000);           /* RESET_STREAM */
    put8(&b, 0x05); putv(&b, 4); putv(&b, 7);                           /* STOP_SENDING */
    put8(&b, 0x07); putv(&b, 3); putstr(&b, "tok");                     /* NEW_TOKEN */
    put8(&b, 0x0e); putv(&b, 4); putv(&b, 100); putv(&b, 3); putstr(&b, "xyz");   /* STREAM: OFF, LEN */
    put8(&b, 0x0a); putv(&b, 8); putv(&b, 2); putstr(&b, "hi");        /* STREAM: LEN */
    put8(&b, 0x10); putv(&b, 1 << 20);                                  /* MAX_DATA */
    put8(&b, 0x11); putv(&b, 4); putv(&b, 1 << 16);                     /* MAX_STREAM_DATA */
    put8(&b, 0x12); putv(&b, 100);                                      /* MAX_STREAMS bidi */
    put8(&b, 0x13); putv(&b, 100);                                      /* MAX_STREAMS uni */
    put8(&b, 0x14); putv(&b, 5000);                                     /* DATA_BLOCKED */
    put8(&b, 0x15); putv(&b, 4); putv(&b, 5000);                        /* STREAM_DATA_BLOCKED */
    put8(&b, 0x16); putv(&b, 3);                                        /* STREAMS_BLOCKED bidi */
    put8(&b, 0x17); putv(&b, 3);                                        /* STREAMS_BLOCKED uni */
    put8(&b, 0x18); putv(&b, 2); putv(&b, 1); put8(&b, 4); putstr(&b, "cid!");
    putstr(&b, "0123456789abcdef");                                     /* NEW_CONNECTION_ID */
    put8(&b, 0x19); putv(&b, 1);                                        /* RETIRE_CONNECTION_ID */
    put8(&b, 0x1a); putstr(&b, "12345678");                             /* PATH_CHALLENGE */
    put8(&b, 0x1b); putstr(&b, "12345678");                             /* PATH_RESPONSE */
    put8(&b, 0x1e);                                                     /* HANDSHAKE_DONE */
    put8(&b, 0x31); putv(&b, 4); putstr(&b, "dgrm");                    /* DATAGRAM with Length */
    put8(&b, 0x09); putv(&b, 12); putstr(&b, "to the end, FIN");        /* STREAM, FIN, no LEN */
    CHECK(walk(&b, &s, &o));
    CHECK(o.other_frames == 20 && o.handshake_done && o.ack_eliciting && s.calls == 0);
    CHECK(o.pings == 0 && o.acks == 0 && o.padding_bytes == 0 && !o.close.seen);
    buf d = { 0 };
    put8(&d, 0x30);                                                     /* DATAGRAM to the end */
    putstr(&d, "\x06\x00\x01z");               /* looks like CRYPTO: must not be read as one */
    CHECK(walk(&d, &s, &o) && o.other_frames == 1 && s.calls == 0 && o.ack_eliciting);
    bfree(&d);
    bfree(&b);
}

/* One frame (type then body bytes as given) must make the walk fail. */
static bool lies(const uint8_t *f, size_t n)
{
    quic_frames_out o;
    return !quic_frames(f, n, NULL, NULL, &o);
}

TEST(other_frames_that_lie)
{
    static const uint8_t empty_token[] = { 0x07, 0x00 };
    static const uint8_t token_past_end[] = { 0x07, 0x05, 'a', 'b' };
    static const uint8_t stream_len_past_end[] = { 0x0a, 0x04, 0x05, 'a' };
    static const uint8_t stream_past_2_62[] = { 0x0e, 0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 'a' };
    static const uint8_t stream_to_2_62_1[] = { 0x0e, 0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0x01, 'a' };
    static const uint8_t streams_over_2_60[] = { 0x12, 0xd0, 0, 0, 0, 0, 0, 0, 1 };
    static const uint8_t cid_empty[] = { 0x18, 1, 0, 0 };
    static const uint8_t cid_21[] = { 0x18, 1, 0, 21 };
    static const uint8_t cid_retire_past_seq[] = { 0x18, 1, 2, 1, 'x', '0', '1', '2', '3', '4', '5', '6',
                                                   '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f' };
    static const uint8_t cid_no_token[] = { 0x18, 1, 0, 1, 'x', '0', '1' };
    static const uint8_t challenge_short[] = { 0x1a, 1, 2, 3 };
    static const uint8_t datagram_past_end[] = { 0x31, 0x03, 'a' };
    static const uint8_t reset_short[] = { 0x04, 0x01, 0x02 };
    static const uint8_t type_cut[] = { 0x40 };
    CHECK(lies(empty_token, sizeof empty_token));
    CHECK(lies(token_past_end, sizeof token_past_end));
    CHECK(lies(stream_len_past_end, sizeof stream_len_past_end));
    CHECK(lies(stream_past_2_62, sizeof stream_past_2_62));
    CHECK(lies(streams_over_2_60, sizeof streams_over_2_60));
    CHECK(lies(cid_empty, sizeof cid_empty));
    CHECK(lies(cid_21, sizeof cid_21));
    CHECK(lies(cid_retire_past_seq, sizeof cid_retire_past_seq));
    CHECK(lies(cid_no_token, sizeof cid_no_token));
    CHECK(lies(challenge_short, sizeof challenge_short));
    CHECK(lies(datagram_past_end, sizeof datagram_past_end));
    CHECK(lies(reset_short, sizeof reset_short));
    CHECK(lies(type_cut, sizeof type_cut));
    static const uint8_t streams_2_60[] = { 0x12, 0xd0, 0, 0, 0, 0, 0, 0, 0 };   /* exactly 2^60 */
    CHECK(!lies(streams_2_60, sizeof streams_2_60));
    CHECK(!lies(stream_to_2_62_1, sizeof stream_to_2_62_1));
}

TEST(unknown_frame_type_stops_the_walk)
{
    static const uint8_t f[] = { 0x01, 0x21, 0x06, 0x00, 0x01, 'z', 0x01 };
    static const uint8_t ext[] = { 0x01, 0x80, 0x00, 0xaf, 0xab, 0x06, 0x00, 0x01, 'z' };  /* 4-byte type */
    seen s;
    memset(&s, 0, sizeof s);
    quic_frames_out o;
    CHECK(quic_frames(f, sizeof f, on_crypto, &s, &o));
    CHECK(o.pings == 1 && o.other_frames == 1 && o.crypto_frames == 0 && s.calls == 0);
    CHECK(quic_frames(ext, sizeof ext, on_crypto, &s, &o) && o.other_frames == 1 && s.calls == 0);
}

/* ---- CRYPTO stream reassembly ---- */

typedef struct out {
    uint8_t data[4096];
    size_t n;
    int calls;
    bool overflow;
} out;

static void on_deliver(void *ctx, const uint8_t *p, size_t n)
{
    out *o = ctx;
    o->calls++;
    if (o->n + n > sizeof o->data) {
        o->overflow = true;
        return;
    }
    memcpy(o->data + o->n, p, n);
    o->n += n;
}

static uint8_t stream_bytes[2000];

static void add(quic_crypto_stream *s, uint64_t off, size_t len, out *o)
{
    quic_crypto_add(s, off, stream_bytes + off, len, on_deliver, o);
}

static bool got_prefix(const out *o, size_t n)
{
    return !o->overflow && o->n == n && memcmp(o->data, stream_bytes, n) == 0;
}

TEST(crypto_stream_in_order_never_buffers)
{
    quic_crypto_stream s;
    out o = { .n = 0 };
    quic_crypto_init(&s, 64);
    for (size_t off = 0; off < 1000; off += 100) add(&s, off, 100, &o);   /* chunks bigger than cap */
    CHECK(got_prefix(&o, 1000) && o.calls == 10 && s.delivered == 1000);
    CHECK(s.buf == NULL && s.held == 0 && !s.over_cap);
    quic_crypto_free(&s);
    CHECK(s.buf == NULL && s.have == NULL && s.cap == 0 && s.delivered == 0);
}

TEST(crypto_stream_reversed_and_overlapping)
{
    quic_crypto_stream s;
    out o = { .n = 0 };
    quic_crypto_init(&s, 1024);
    for (int i = 9; i >= 0; i--) add(&s, (uint64_t)i * 50, 50, &o);      /* reversed */
    CHECK(got_prefix(&o, 500) && s.held == 0 && s.delivered == 500 && !s.over_cap);
    add(&s, 520, 60, &o);                      /* overlapping pieces ahead, in a mixed order */
    add(&s, 560, 40, &o);
    add(&s, 505, 30, &o);
    add(&s, 600, 10, &o);
    CHECK(o.n == 500 && s.held == 105);
    add(&s, 480, 40, &o);                      /* partly before delivered: trimmed */
    CHECK(got_prefix(&o, 610) && s.held == 0 && s.delivered == 610);
    add(&s, 0, 610, &o);                       /* all old: ignored */
    add(&s, 600, 5, &o);
    CHECK(got_prefix(&o, 610) && !s.over_cap);
    quic_crypto_free(&s);
}

TEST(crypto_stream_duplicates_are_delivered_once)
{
    quic_crypto_stream s;
    out o = { .n = 0 };
    quic_crypto_init(&s, 256);
    for (int r = 0; r < 3; r++) {
        add(&s, 100, 50, &o);
        add(&s, 50, 50, &o);
    }
    CHECK(o.n == 0 && s.held == 100);
    add(&s, 0, 50, &o);
    CHECK(got_prefix(&o, 150) && s.held == 0);
    add(&s, 0, 150, &o);
    add(&s, 149, 1, &o);
    CHECK(got_prefix(&o, 150));
    quic_crypto_free(&s);
}

TEST(crypto_stream_gap_never_filled)
{
    quic_crypto_stream s;
    out o = { .n = 0 };
    quic_crypto_init(&s, 512);
    add(&s, 0, 100, &o);
    add(&s, 110, 100, &o);
    add(&s, 300, 50, &o);
    CHECK(got_prefix(&o, 100) && s.delivered == 100 && s.held == 150 && !s.over_cap);
    add(&s, 100, 5, &o);                       /* half the hole: still waiting */
    CHECK(got_prefix(&o, 105) && s.held == 150);
    quic_crypto_free(&s);
}

TEST(crypto_stream_ring_wraps)
{
    quic_crypto_stream s;
    out o = { .n = 0 };
    quic_crypto_init(&s, 16);
    for (uint64_t base = 0; base < 390; base += 13) {     /* each round: ahead first, then the gap */
        add(&s, base + 5, 8, &o);              /* held at slots that wrap round the ring */
        CHECK(s.held == 8);
        add(&s, base, 5, &o);
    }
    CHECK(got_prefix(&o, 390) && s.held == 0 && !s.over_cap);
    quic_crypto_free(&s);
}

TEST(crypto_stream_over_cap_drops_and_says_so)
{
    quic_crypto_stream s;
    out o = { .n = 0 };
    quic_crypto_init(&s, 32);
    add(&s, 40, 10, &o);                       /* wholly past the window */
    CHECK(s.over_cap && s.held == 0);
    s.over_cap = false;
    add(&s, 20, 30, &o);                       /* the window ends at 32: 12 held, 18 dropped */
    CHECK(s.over_cap && s.held == 12);
    add(&s, 0, 20, &o);
    CHECK(got_prefix(&o, 32) && s.delivered == 32 && s.held == 0);
    quic_crypto_free(&s);
    quic_crypto_init(&s, 0);                   /* no room at all: only in-order bytes pass */
    add(&s, 5, 5, &o);
    CHECK(s.over_cap && s.buf == NULL);
    quic_crypto_free(&s);
}

TEST(crypto_stream_offsets_near_2_62)
{
    quic_crypto_stream s;
    out o = { .n = 0 };
    uint8_t d[32] = { 0 };
    quic_crypto_init(&s, 64);
    quic_crypto_add(&s, LIMIT62 - 10, d, 20, on_deliver, &o);
    CHECK(s.over_cap && s.held == 0 && o.n == 0);
    s.over_cap = false;
    quic_crypto_add(&s, LIMIT62, d, 1, on_deliver, &o);
    CHECK(s.over_cap);
    quic_crypto_add(&s, UINT64_MAX, d, sizeof d, on_deliver, &o);
    quic_crypto_add(&s, UINT64_MAX - 3, d, sizeof d, on_deliver, &o);
    CHECK(o.n == 0 && s.delivered == 0);
    s.delivered = LIMIT62 - 16;                /* as if that much had been handed on */
    quic_crypto_add(&s, LIMIT62 - 8, d, 8, on_deliver, &o);
    quic_crypto_add(&s, LIMIT62 - 16, d, 32, on_deliver, &o);  /* the last 16 past 2^62: cut */
    CHECK(o.n == 16 && s.delivered == LIMIT62 && s.held == 0);
    quic_crypto_free(&s);
}

int main(void)
{
    for (size_t i = 0; i < sizeof stream_bytes; i++) stream_bytes[i] = (uint8_t)(i * 31 + i / 256);
    RUN(padding_ping_and_ack_eliciting);
    RUN(ack_ranges_and_ecn);
    RUN(ack_ranges_below_zero_lie);
    RUN(crypto_frames_go_to_the_callback);
    RUN(crypto_frames_that_lie);
    RUN(connection_close_transport_with_tls_alert);
    RUN(every_other_frame_type_is_walked);
    RUN(other_frames_that_lie);
    RUN(unknown_frame_type_stops_the_walk);
    RUN(crypto_stream_in_order_never_buffers);
    RUN(crypto_stream_reversed_and_overlapping);
    RUN(crypto_stream_duplicates_are_delivered_once);
    RUN(crypto_stream_gap_never_filled);
    RUN(crypto_stream_ring_wraps);
    RUN(crypto_stream_over_cap_drops_and_says_so);
    RUN(crypto_stream_offsets_near_2_62);
    return check_done();
}
