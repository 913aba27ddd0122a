/* test_findings.c - analyzer/diagnose/findings_protocol.c: heartbeat abuse and weak offers.
 *
 * Every transcript here is built the way the engine builds one: real record bytes (hand-made
 * hellos, heartbeat records, SSLv2 hellos) fed through td_tls_stream_data; then
 * td_findings_protocol() is called directly and its findings checked. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "check.h"
#include "analyzer/diagnose/classify.h"
#include "dissectors/dissect.h"
#include "analyzer/diagnose/findings_protocol.h"
#include "include/transcript.h"

/* ---- record builders ----------------------------------------------------------------------------- */

static void record(buf *out, unsigned type, const uint8_t *body, size_t len)
{
    put8(out, type);
    put16(out, 0x0303);
    put16(out, (unsigned)len);
    put(out, body, len);
}

static void hs_record(buf *out, unsigned type, const buf *body)
{
    buf m = { 0 };
    put8(&m, type);
    put24(&m, body->n);
    putb(&m, body);
    record(out, 22, m.p, m.n);
    bfree(&m);
}

/* ClientHello offering `suites` (0-terminated), with the heartbeat extension. */
static void client_hello(buf *out, const uint16_t *suites)
{
    buf b = { 0 };
    put16(&b, 0x0303);
    for (int i = 0; i < 32; i++) put8(&b, i);
    put8(&b, 0);
    size_t n = 0;
    while (suites[n]) n++;
    put16(&b, (unsigned)(2 * n));
    for (size_t i = 0; i < n; i++) put16(&b, suites[i]);
    put8(&b, 1);
    put8(&b, 0);
    put16(&b, 5);
    put16(&b, 15);                                 /* heartbeat: peer_allowed_to_send */
    put16(&b, 1);
    put8(&b, 1);
    hs_record(out, 1, &b);
    bfree(&b);
}

/* ServerHello (TLS 1.2, the given suite) and ServerHelloDone. */
static void server_flight(buf *out, uint16_t suite)
{
    buf b = { 0 }, m = { 0 };
    put16(&b, 0x0303);
    for (int i = 0; i < 32; i++) put8(&b, 0x80 + i);
    put8(&b, 0);
    put16(&b, suite);
    put8(&b, 0);
    put16(&b, 0);
    put8(&m, 2);
    put24(&m, b.n);
    putb(&m, &b);
    put8(&m, 14);
    put24(&m, 0);
    record(out, 22, m.p, m.n);
    bfree(&b);
    bfree(&m);
}

static void heartbeat_record(buf *out, unsigned type, unsigned payload_length, size_t real, size_t pad)
{
    buf b = { 0 };
    put8(&b, type);
    put16(&b, payload_length);
    for (size_t i = 0; i < real; i++) put8(&b, 0x41);
    for (size_t i = 0; i < pad; i++) put8(&b, 0);
    record(out, 24, b.p, b.n);
    bfree(&b);
}

static void opaque_record(buf *out, unsigned type, size_t len)
{
    buf b = { 0 };
    for (size_t i = 0; i < len; i++) put8(&b, (unsigned)(i * 7));
    record(out, type, b.p, b.n);
    bfree(&b);
}

/* ---- fixture ----------------------------------------------------------------------------------- */

typedef struct fx {
    td_transcript t;
    td_tls_stream *s;
    td_result r;
    uint64_t packet;
} fx;

static void fx_init(fx *f)
{
    memset(f, 0, sizeof *f);
    f->s = td_tls_stream_new(&f->t);
}

static void fx_free(fx *f)
{
    td_tls_stream_free(f->s);
    td_transcript_clear(&f->t);
}

/* One delivery per call, packet numbers 1, 2, ...; b is emptied. */
static void send(fx *f, int dir, buf *b)
{
    uint8_t *copy = malloc(b->n ? b->n : 1);
    memcpy(copy, b->p, b->n);
    f->packet++;
    td_tls_stream_data(f->s, dir, copy, b->n, f->packet, (double)f->packet);
    free(copy);
    bfree(b);
}

static void findings_with(fx *f, td_offer_memo *memo)
{
    memset(&f->r, 0, sizeof f->r);
    f->r.t = &f->t;
    td_findings_protocol(&f->t, &f->r, memo);
}

static void findings(fx *f) { findings_with(f, NULL); }

static const td_finding *finding(const td_result *r, const char *id)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].id, id) == 0) return &r->findings[i];
    return NULL;
}

static bool detail_has(const td_result *r, const char *id, const char *text)
{
    const td_finding *x = finding(r, id);
    if (x && strstr(x->detail, text)) return true;
    printf("    %s: detail \"%s\" lacks \"%s\"\n", id, x ? x->detail : "(no such finding)", text);
    return false;
}

static const uint16_t good_suites[] = { 0xc02f, 0xc030, 0x009c, 0 };

/* ClientHello (pkt 1) and the server's hello flight (pkt 2). */
static void handshake_start(fx *f, const uint16_t *suites)
{
    buf b = { 0 };
    client_hello(&b, suites);
    send(f, TD_C2S, &b);
    server_flight(&b, 0xc02f);
    send(f, TD_S2C, &b);
}

/* ---- heartbeats ------------------------------------------------------------------------------- */

TEST(heartbleed_probe_and_leak_in_the_clear)
{
    fx f;
    fx_init(&f);
    handshake_start(&f, good_suites);
    buf b = { 0 };
    heartbeat_record(&b, 1, 16384, 1, 16);           /* pkt 3: claims 16384, holds 1 */
    send(&f, TD_C2S, &b);
    heartbeat_record(&b, 2, 16384, 16384, 16);       /* pkt 4: a vulnerable server answers */
    send(&f, TD_S2C, &b);
    findings(&f);
    const td_finding *a = finding(&f.r, "heartbleed-attempt"), *l = finding(&f.r, "heartbleed-leak");
    CHECK(a && strcmp(a->severity, "error") == 0);
    CHECK(l && strcmp(l->severity, "error") == 0);
    CHECK(detail_has(&f.r, "heartbleed-attempt", "pkt 3: client heartbeat request claims a 16384-byte payload"));
    CHECK(detail_has(&f.r, "heartbleed-attempt", "20-byte record holds 1"));
    CHECK(detail_has(&f.r, "heartbleed-leak", "pkt 4: server heartbeat response returns 16384 payload bytes"));
    CHECK(detail_has(&f.r, "heartbleed-leak", "request (pkt 3) that sent 1"));
    CHECK(!finding(&f.r, "heartbeat"));
    fx_free(&f);
}

TEST(heartbleed_probe_rejected)
{
    /* The probe as public exploit scripts send it (no payload, no padding), answered by an alert. */
    fx f;
    fx_init(&f);
    handshake_start(&f, good_suites);
    buf b = { 0 };
    put(&b, "\x18\x03\x03\x00\x03\x01\x40\x00", 8);
    send(&f, TD_C2S, &b);
    put(&b, "\x15\x03\x03\x00\x02\x02\x0a", 7);       /* fatal unexpected_message */
    send(&f, TD_S2C, &b);
    findings(&f);
    CHECK(finding(&f.r, "heartbleed-attempt") != NULL);
    CHECK(detail_has(&f.r, "heartbleed-attempt", "3-byte record holds 0"));
    CHECK(!finding(&f.r, "heartbleed-leak"));
    CHECK(!finding(&f.r, "heartbeat"));
    fx_free(&f);
}

TEST(honest_heartbeats_are_info)
{
    fx f;
    fx_init(&f);
    handshake_start(&f, good_suites);
    buf b = { 0 };
    heartbeat_record(&b, 1, 18, 18, 16);
    send(&f, TD_C2S, &b);
    heartbeat_record(&b, 2, 18, 18, 16);
    send(&f, TD_S2C, &b);
    heartbeat_record(&b, 1, 18, 18, 30);             /* more padding is fine */
    send(&f, TD_S2C, &b);
    findings(&f);
    const td_finding *h = finding(&f.r, "heartbeat");
    CHECK(h && strcmp(h->severity, "info") == 0);
    CHECK(detail_has(&f.r, "heartbeat", "3 heartbeat record(s), the first from the client in pkt 3"));
    CHECK(!finding(&f.r, "heartbleed-attempt") && !finding(&f.r, "heartbleed-leak"));
    fx_free(&f);
}

TEST(heartbleed_leak_encrypted)
{
    /* After both CCSs: a 40-byte request, a 16429-byte answer. */
    fx f;
    fx_init(&f);
    handshake_start(&f, good_suites);
    buf b = { 0 };
    put(&b, "\x14\x03\x03\x00\x01\x01", 6);
    opaque_record(&b, 22, 40);
    send(&f, TD_C2S, &b);                            /* pkt 3 */
    put(&b, "\x14\x03\x03\x00\x01\x01", 6);
    opaque_record(&b, 22, 40);
    send(&f, TD_S2C, &b);                            /* pkt 4 */
    opaque_record(&b, 24, 45);
    send(&f, TD_C2S, &b);                            /* pkt 5 */
    opaque_record(&b, 24, 16429);
    send(&f, TD_S2C, &b);                            /* pkt 6 */
    findings(&f);
    CHECK(finding(&f.r, "heartbleed-leak") != NULL);
    CHECK(detail_has(&f.r, "heartbleed-leak", "pkt 6: server encrypted heartbeat response of 16429 bytes"));
    CHECK(detail_has(&f.r, "heartbleed-leak", "45-byte request (pkt 5)"));
    CHECK(!finding(&f.r, "heartbleed-attempt"));     /* its claim cannot be read */
    fx_free(&f);

    /* The same sizes both ways: an echo, only the info finding. */
    fx_init(&f);
    handshake_start(&f, good_suites);
    put(&b, "\x14\x03\x03\x00\x01\x01", 6);
    send(&f, TD_C2S, &b);
    put(&b, "\x14\x03\x03\x00\x01\x01", 6);
    send(&f, TD_S2C, &b);
    opaque_record(&b, 24, 61);
    send(&f, TD_C2S, &b);
    opaque_record(&b, 24, 61);
    send(&f, TD_S2C, &b);
    findings(&f);
    CHECK(!finding(&f.r, "heartbleed-leak") && finding(&f.r, "heartbeat"));
    fx_free(&f);
}

TEST(no_heartbeat_no_finding)
{
    fx f;
    fx_init(&f);
    handshake_start(&f, good_suites);
    findings(&f);
    CHECK(f.r.n_findings == 0);
    fx_free(&f);
}

/* ---- offered suites ---------------------------------------------------------------------------- */

TEST(weak_offers_named_and_counted)
{
    static const uint16_t suites[] = { 0xc02f, 0x0004, 0x0003, 0x0018, 0x0002, 0x003b, 0x0019, 0x00ff, 0 };
    fx f;
    fx_init(&f);
    handshake_start(&f, suites);
    findings(&f);
    static const char *const ids[] = { "null-cipher-offered", "export-cipher-offered", "anon-cipher-offered", "rc4-offered" };
    for (int i = 0; i < 4; i++) {
        const td_finding *x = finding(&f.r, ids[i]);
        CHECK(x && strcmp(x->severity, "warning") == 0);
    }
    CHECK(detail_has(&f.r, "null-cipher-offered", "(pkt 1) offers 2 cipher suites without encryption (NULL), e.g. TLS_RSA_WITH_NULL_SHA"));
    CHECK(detail_has(&f.r, "export-cipher-offered", "offers 2 cipher suites of export grade, e.g. TLS_RSA_EXPORT_WITH_RC4_40_MD5"));
    CHECK(detail_has(&f.r, "anon-cipher-offered", "offers 2 cipher suites with anonymous key exchange"));
    CHECK(detail_has(&f.r, "anon-cipher-offered", "e.g. TLS_DH_anon_WITH_RC4_128_MD5"));
    CHECK(detail_has(&f.r, "rc4-offered", "offers 3 cipher suites with RC4"));
    CHECK(detail_has(&f.r, "rc4-offered", "e.g. TLS_RSA_WITH_RC4_128_MD5"));
    fx_free(&f);

    /* A modern offer (and the SCSV) gives none. */
    static const uint16_t modern[] = { 0x1301, 0x1302, 0xc02b, 0xcca9, 0x00ff, 0x5600, 0 };
    fx_init(&f);
    handshake_start(&f, modern);
    findings(&f);
    CHECK(f.r.n_findings == 0);
    fx_free(&f);
}

/* The classifier's memo of recent offers gives the findings worked out without it, for a list
 * seen before, a new one, and one whose slot was taken by later lists. */
TEST(offer_memo_gives_the_same_findings)
{
    static const uint16_t weak[] = { 0xc02f, 0x0004, 0x0003, 0x0018, 0x0002, 0 };
    static const uint16_t modern[] = { 0x1301, 0x1302, 0xc02b, 0 };
    static const uint16_t rc4_only[] = { 0x0005, 0xc02f, 0 };
    static const uint16_t others[][3] = { { 0xc02b, 0xc02c, 0 }, { 0xc02c, 0, 0 }, { 0x009c, 0x009d, 0 },
                                          { 0xcca8, 0, 0 }, { 0xcca9, 0xc02f, 0 } };
    const uint16_t *seq[] = { weak, modern, weak, rc4_only, others[0], others[1], others[2], others[3],
                              others[4], weak, rc4_only, modern };
    td_offer_memo *memo = td_offer_memo_new();
    CHECK(memo != NULL);
    for (size_t i = 0; i < sizeof seq / sizeof *seq; i++) {
        fx plain, memoed;
        fx_init(&plain);
        fx_init(&memoed);
        handshake_start(&plain, seq[i]);
        handshake_start(&memoed, seq[i]);
        findings(&plain);
        findings_with(&memoed, memo);
        CHECK(plain.r.n_findings == memoed.r.n_findings);
        for (size_t k = 0; k < plain.r.n_findings && k < memoed.r.n_findings; k++) {
            CHECK(strcmp(plain.r.findings[k].id, memoed.r.findings[k].id) == 0);
            CHECK(strcmp(plain.r.findings[k].detail, memoed.r.findings[k].detail) == 0);
        }
        if (seq[i] == weak) CHECK(plain.r.n_findings == 4);
        if (seq[i] == rc4_only) CHECK(finding(&memoed.r, "rc4-offered") && memoed.r.n_findings == 1);
        if (seq[i] == modern) CHECK(memoed.r.n_findings == 0);
        fx_free(&plain);
        fx_free(&memoed);
    }
    td_offer_memo_free(memo);
}

TEST(sslv2_hello_cipher_kinds_count)
{
    /* SSLv2 CLIENT-HELLO: RC4-128-EXPORT40, RC4-128, DES-EDE3 kinds and two TLS suites. */
    static const uint8_t specs[] = { 0x02, 0x00, 0x80, 0x01, 0x00, 0x80, 0x07, 0x00, 0xc0,
                                     0x00, 0x00, 0x2f, 0x00, 0x00, 0x05 };
    buf body = { 0 }, b = { 0 };
    put8(&body, 1);
    put16(&body, 0x0002);
    put16(&body, sizeof specs);
    put16(&body, 0);
    put16(&body, 16);
    put(&body, specs, sizeof specs);
    for (int i = 0; i < 16; i++) put8(&body, 0xcc);
    put8(&b, 0x80 | (unsigned)(body.n >> 8));
    put8(&b, (unsigned)(body.n & 0xff));
    putb(&b, &body);
    fx f;
    fx_init(&f);
    send(&f, TD_C2S, &b);
    findings(&f);
    CHECK(detail_has(&f.r, "export-cipher-offered", "offers 1 cipher suite of export grade, e.g. SSL2_RC4_128_EXPORT40_WITH_MD5"));
    CHECK(detail_has(&f.r, "rc4-offered", "offers 3 cipher suites with RC4 (RFC 7465 forbids it), e.g. TLS_RSA_WITH_RC4_128_SHA"));
    CHECK(!finding(&f.r, "null-cipher-offered") && !finding(&f.r, "anon-cipher-offered"));
    fx_free(&f);
    bfree(&body);
}

int main(void)
{
    RUN(heartbleed_probe_and_leak_in_the_clear);
    RUN(heartbleed_probe_rejected);
    RUN(honest_heartbeats_are_info);
    RUN(heartbleed_leak_encrypted);
    RUN(no_heartbeat_no_finding);
    RUN(weak_offers_named_and_counted);
    RUN(offer_memo_gives_the_same_findings);
    RUN(sslv2_hello_cipher_kinds_count);
    return check_done();
}
