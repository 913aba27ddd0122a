/* test_quic_http3.c - the first HEADERS frame of an HTTP/3 stream: :status and :method/:path from QPACK's static table, plain and Huffman literals, and input that lies. */
#include "check.h"
#include "dissectors/quic/quic_int.h"

static int headers(const uint8_t *p, size_t n, char *out)
{
    return quic_http3_headers(p, n, out, 64);
}

TEST(status_from_the_static_table)
{
    char out[64];
    /* HEADERS (0x01), length 3: Required Insert Count 0, Delta Base 0, indexed static 25 (:status 200). */
    static const uint8_t ok[] = { 0x01, 0x03, 0x00, 0x00, 0xc0 | 25 };
    CHECK(headers(ok, sizeof ok, out) == 200);
    CHECK_STR(out, "HTTP/3 200");
    static const uint8_t nf[] = { 0x01, 0x03, 0x00, 0x00, 0xc0 | 27 };   /* 404 */
    CHECK(headers(nf, sizeof nf, out) == 404);
    /* Index 67 (:status 400) needs the 6-bit prefix's continuation byte: 0xff then 67 - 63. */
    static const uint8_t bad[] = { 0x01, 0x04, 0x00, 0x00, 0xff, 67 - 63 };
    CHECK(headers(bad, sizeof bad, out) == 400);
    CHECK_STR(out, "HTTP/3 400");
}

TEST(status_from_literals)
{
    char out[64] = "";
    /* Literal with name reference to static 24 (:status), plain value "201". */
    static const uint8_t plain[] = { 0x01, 0x08, 0x00, 0x00, 0x50 | 0x0f, 24 - 15, 0x03, '2', '0', '1' };
    CHECK(headers(plain, sizeof plain, out) == 201);
    CHECK_STR(out, "HTTP/3 201");
    /* The same value Huffman-coded: '2' 00010, '0' 00000, '1' 00001, padding 1 -> 0x10 0x03 (16 bits). */
    static const uint8_t huff[] = { 0x01, 0x06, 0x00, 0x00, 0x50 | 0x0f, 24 - 15, 0x82, 0x10, 0x03 };
    CHECK(headers(huff, sizeof huff - 1, out) == 0);   /* the value cut short */
    static const uint8_t huff2[] = { 0x01, 0x07, 0x00, 0x00, 0x50 | 0x0f, 24 - 15, 0x82, 0x10, 0x03 };
    CHECK(headers(huff2, sizeof huff2, out) == 201);   /* 00010 00000 00001, then one bit of padding */
    static const uint8_t badpad[] = { 0x01, 0x07, 0x00, 0x00, 0x50 | 0x0f, 24 - 15, 0x82, 0x10, 0x02 };
    CHECK(headers(badpad, sizeof badpad, out) == 0);   /* padding must be ones (the EOS prefix) */
    /* "503" Huffman: '5' 011011, '0' 00000, '3' 011001, then 7 bits of 1s: 0110 1100 0000 1100 1111 1111. */
    static const uint8_t h503[] = { 0x01, 0x08, 0x00, 0x00, 0x50 | 0x0f, 24 - 15, 0x83, 0x6c, 0x0c, 0xff };
    CHECK(headers(h503, sizeof h503, out) == 503);
    CHECK_STR(out, "HTTP/3 503");
    /* A literal name ":status" with a plain value "302". */
    /* (The name's length, 7, fills its 3-bit prefix: a continuation byte 0 follows.) */
    static const uint8_t lit[] = { 0x01, 0x0f, 0x00, 0x00, 0x20 | 0x07, 0x00, ':', 's', 't', 'a', 't', 'u', 's', 0x03, '3', '0', '2' };
    CHECK(headers(lit, sizeof lit, out) == 302);
}

TEST(requests)
{
    char out[64];
    /* GET (static 17), :path / (static 1), :scheme https (23), then a dynamic reference skipped. */
    static const uint8_t get[] = { 0x01, 0x06, 0x00, 0x00, 0xc0 | 17, 0xc0 | 1, 0xc0 | 23, 0x80 | 2 };
    CHECK(headers(get, sizeof get, out) == 1);
    CHECK_STR(out, "HTTP/3 GET /");
    /* POST with a literal :path "/api" (name reference to static 1). */
    static const uint8_t post[] = { 0x01, 0x09, 0x00, 0x00, 0xc0 | 20, 0x50 | 1, 0x04, '/', 'a', 'p', 'i' };
    CHECK(headers(post, sizeof post, out) == 1);
    CHECK_STR(out, "HTTP/3 POST /api");
}

TEST(what_is_not_read)
{
    char out[64] = "";
    static const uint8_t data_frame[] = { 0x00, 0x03, 'a', 'b', 'c' };      /* DATA, not HEADERS */
    CHECK(headers(data_frame, sizeof data_frame, out) == 0);
    static const uint8_t empty[] = { 0x01 };
    CHECK(headers(empty, sizeof empty, out) == 0);
    CHECK(quic_http3_headers(NULL, 0, out, sizeof out) == 0);
    static const uint8_t lie[] = { 0x01, 0x40, 0x50, 0x00, 0x00, 0x50 | 0x0f, 24 - 15, 0x7f, 0xff, 0xff };   /* length past the end */
    CHECK(headers(lie, sizeof lie, out) == 0);
    static const uint8_t dyn[] = { 0x01, 0x03, 0x02, 0x00, 0x80 | 5 };      /* only a dynamic reference */
    CHECK(headers(dyn, sizeof dyn, out) == 0);
    static const uint8_t big[] = { 0x01, 0x07, 0x00, 0x00, 0x50 | 0x0f, 24 - 15, 0x03, '9', '9', '9' };
    CHECK(headers(big, sizeof big, out) == 0);         /* not a status */
}

int main(void)
{
    RUN(status_from_the_static_table);
    RUN(status_from_literals);
    RUN(requests);
    RUN(what_is_not_read);
    return check_done();
}
