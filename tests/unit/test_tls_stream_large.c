/* test_tls_stream_large.c - the TLS stream parser on large and odd handshakes: a 340 KB Certificate
 * over many records and segments, a message over the handshake budget, protected handshake records
 * whose CCS is missing or that follow a fatal alert, and the Facebook TLS 1.3 drafts' names. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "check.h"
#include "tls_stream_fixture.h"

/* DER of a certificate for CN=cn with n DNS names in its subjectAltName (san-N.big.example.test). */
static void make_san_cert_der(buf *out, const char *cn, const char *issuer, int n)
{
    X509 *x = X509_new();
    X509_NAME *s = make_name(cn, NULL), *i = make_name(issuer, NULL);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 9);
    X509_set_subject_name(x, s);
    X509_set_issuer_name(x, i);
    ASN1_TIME_set_string_X509(X509_getm_notBefore(x), "20250101000000Z");
    ASN1_TIME_set_string_X509(X509_getm_notAfter(x), "20350101000000Z");
    X509_set_pubkey(x, test_key());
    GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
    for (int k = 0; k < n; k++) {
        char dns[64];
        snprintf(dns, sizeof dns, "san-%06d.big.example.test", k);
        GENERAL_NAME *g = GENERAL_NAME_new();
        ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
        ASN1_STRING_set(ia5, dns, (int)strlen(dns));
        GENERAL_NAME_set0_value(g, GEN_DNS, ia5);
        sk_GENERAL_NAME_push(names, g);
    }
    X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT);
    GENERAL_NAMES_free(names);
    X509_sign(x, test_key(), EVP_sha256());
    unsigned char *der = NULL;
    int len = i2d_X509(x, &der);
    if (len > 0) put(out, der, (size_t)len);
    OPENSSL_free(der);
    X509_NAME_free(s);
    X509_NAME_free(i);
    X509_free(x);
}

/* The client's hello and a TLS 1.2 ServerHello, delivered. */
static void tls12_hellos(fx *f)
{
    buf c = { 0 }, s = { 0 };
    ch_opts co = { .sni = "big.example.test" };
    client_hello_record(&c, &co);
    sh_opts so = { .cipher = 0xc02f };
    server_hello_record(&s, &so);
    feedb(f, 0, &c, 1);
    feedb(f, 1, &s, 2);
    bfree(&c);
    bfree(&s);
}

/* Deliver b in segments of seg bytes; the peak of td_tls_stream_buffered. */
static size_t feed_segments(fx *f, int dir, const buf *b, size_t seg, uint64_t packet)
{
    size_t peak = 0;
    for (size_t off = 0; off < b->n; off += seg, packet++) {
        feed(f, dir, b->p + off, b->n - off < seg ? b->n - off : seg, packet);
        size_t now = td_tls_stream_buffered(f->s);
        if (now > peak) peak = now;
    }
    return peak;
}

TEST(certificate_of_340k_over_records_and_segments)
{
    buf certs[3] = { { 0 } }, body = { 0 }, msgs = { 0 }, wire = { 0 };
    make_san_cert_der(&certs[0], "big.example.test", "Big Intermediate", 11800);
    make_cert_der(&certs[1], "Big Intermediate", "Big Root");
    make_cert_der(&certs[2], "Big Root", "Big Root");
    certificate_body(&body, certs, 3);
    CHECK(body.n > 340 * 1000 && body.n < 400 * 1000);      /* over the old 256 KiB cap */
    handshake(&msgs, 11, body.p, body.n);
    handshake(&msgs, 14, NULL, 0);                        /* ServerHelloDone after it, same flight */
    records_of(&wire, 22, &msgs, 16384);
    fx f;
    fx_init(&f);
    tls12_hellos(&f);
    size_t peak = feed_segments(&f, 1, &wire, 1448, 3);
    const td_tls *x = &f.t.tls;
    CHECK(x->server_chain.seen && !x->server_chain.malformed);
    CHECK(x->server_chain.n == 3 && x->server_chain.n_total == 3);
    if (x->server_chain.n == 3) {
        CHECK_STR(x->server_chain.certs[0].subject, "CN=big.example.test");
        CHECK_STR(x->server_chain.certs[2].subject, "CN=Big Root");
        CHECK(x->server_chain.certs[0].n_san > 0);
    }
    CHECK(x->server_hello_done);
    CHECK(x->bad_records[1] == 0 && !x->buffer_cap_hit && x->hs_over_budget == 0);
    CHECK(peak >= body.n && peak <= body.n + 4096);      /* the message, as it came, no more */
    CHECK(td_tls_stream_buffered(f.s) == 0);             /* and freed once whole */
    fx_free(&f);
    for (int i = 0; i < 3; i++) bfree(&certs[i]);
    bfree(&body);
    bfree(&msgs);
    bfree(&wire);
}

/* A Certificate of 1.5 MB (legal: under 2^24) is over the 1 MiB budget: skipped, noted, never
 * buffered, and the messages after it are read in step. */
TEST(certificate_over_budget_skipped_not_malformed)
{
    buf msgs = { 0 }, wire = { 0 };
    size_t len = 1536 * 1024;
    put8(&msgs, 11);
    put24(&msgs, len);
    bytes_of(&msgs, 0x30, len);
    handshake(&msgs, 14, NULL, 0);
    records_of(&wire, 22, &msgs, 16384);
    fx f;
    fx_init(&f);
    tls12_hellos(&f);
    size_t peak = feed_segments(&f, 1, &wire, 1448, 3);
    const td_tls *x = &f.t.tls;
    CHECK(x->buffer_cap_hit && x->hs_over_budget == len);
    CHECK(x->bad_records[1] == 0);
    CHECK(!x->server_chain.seen);
    CHECK(x->server_hello_done);
    CHECK(peak <= 4096);
    td_tls_stream_end(f.s);
    CHECK(x->bad_records[1] == 0);
    fx_free(&f);
    bfree(&msgs);
    bfree(&wire);
}

/* The budget is the connection's: a client message of 700 KB being assembled leaves room for a
 * server message of 300 KB, not for one of 400 KB. */
TEST(budget_is_shared_by_the_directions)
{
    fx f;
    fx_init(&f);
    tls12_hellos(&f);
    buf cm = { 0 }, cw = { 0 };
    put8(&cm, 11);
    put24(&cm, 700 * 1024);
    bytes_of(&cm, 0x30, 20000);                          /* only its start comes */
    records_of(&cw, 22, &cm, 16384);
    feedb(&f, 0, &cw, 3);
    buf s1 = { 0 }, w1 = { 0 };
    put8(&s1, 12);
    put24(&s1, 300 * 1024);
    bytes_of(&s1, 0x41, 300 * 1024);
    records_of(&w1, 22, &s1, 16384);
    feed_segments(&f, 1, &w1, 1448, 4);
    CHECK(!f.t.tls.buffer_cap_hit);
    buf s2 = { 0 }, w2 = { 0 };
    put8(&s2, 12);
    put24(&s2, 400 * 1024);
    bytes_of(&s2, 0x41, 400 * 1024);
    records_of(&w2, 22, &s2, 16384);
    size_t peak = feed_segments(&f, 1, &w2, 1448, 500);
    CHECK(f.t.tls.buffer_cap_hit && f.t.tls.hs_over_budget == 400 * 1024);
    CHECK(peak <= 32 * 1024);                            /* the client's 20000 bytes so far */
    CHECK(f.t.tls.bad_records[0] == 0 && f.t.tls.bad_records[1] == 0);
    fx_free(&f);
    bfree(&cm);
    bfree(&cw);
    bfree(&s1);
    bfree(&w1);
    bfree(&s2);
    bfree(&w2);
}

/* A handshake record of n bytes beginning with `head` (then 0x5a...). */
static void protected_hs_record(buf *out, const uint8_t *head, size_t nhead, size_t n)
{
    buf body = { 0 };
    put(&body, head, nhead);
    bytes_of(&body, 0x5a, n - nhead);
    record(out, 22, 0x0303, body.p, body.n);
    bfree(&body);
}

/* The client's encrypted Finished after its early fatal alert: its first bytes read as a
 * Certificate of 2 MB.  Counted as an encrypted handshake record; nothing buffered. */
TEST(encrypted_finished_after_fatal_alert)
{
    fx f;
    fx_init(&f);
    tls12_hellos(&f);
    buf a = { 0 }, fin = { 0 };
    alert_record(&a, 2, 46);                             /* certificate_unknown */
    static const uint8_t head[] = { 0x0b, 0x20, 0x00, 0x00 };
    protected_hs_record(&fin, head, sizeof head, 40);
    feedb(&f, 0, &a, 3);
    feedb(&f, 0, &fin, 4);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_alerts == 1 && x->alerts[0].level == 2 && !x->alerts[0].encrypted);
    CHECK(x->enc_hs_records[0] == 1 && x->enc_hs_bytes[0] == 40);
    CHECK(has_event(&f.t, TD_EV_ENCRYPTED_HANDSHAKE, 0, 22));
    CHECK(!x->buffer_cap_hit && x->bad_records[0] == 0 && !x->client_chain.seen);
    CHECK(td_tls_stream_buffered(f.s) == 0);
    td_tls_stream_end(f.s);
    CHECK(x->bad_records[0] == 0);
    fx_free(&f);
    bfree(&a);
    bfree(&fin);
}

/* Encrypted Finished records whose CCS is not in the capture: AES-GCM's explicit nonce (the
 * sequence number, 0) reads as HelloRequests, which a client never sends and nobody sends in the
 * clear; a ChaCha20 one starts with any byte.  Both are protected, not malformed. */
TEST(encrypted_finished_without_its_ccs)
{
    static const uint8_t gcm[] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    static const uint8_t chacha[] = { 0xc7, 0x31, 0x9e, 0x02 };   /* type 199: none */
    static const uint8_t finished_long[] = { 0x14, 0x01, 0x00, 0x00 };  /* Finished of 64 KiB */
    const uint8_t *heads[] = { gcm, chacha, finished_long };
    size_t nheads[] = { sizeof gcm, sizeof chacha, sizeof finished_long };
    for (int dir = 0; dir < 2; dir++)
        for (int k = 0; k < 3; k++) {
            fx f;
            fx_init(&f);
            tls12_hellos(&f);
            buf fin = { 0 };
            protected_hs_record(&fin, heads[k], nheads[k], 40);
            feedb(&f, dir, &fin, 3);
            const td_tls *x = &f.t.tls;
            CHECK(x->enc_hs_records[dir] == 1);
            CHECK(x->bad_records[dir] == 0 && !x->buffer_cap_hit);
            CHECK(td_tls_stream_buffered(f.s) == 0);
            fx_free(&f);
            bfree(&fin);
        }
}

/* After this side's CCS (TLS 1.2) a handshake record is protected whatever its bytes say, and a
 * whole flight after it is counted record by record. */
TEST(records_after_ccs_are_protected)
{
    fx f;
    fx_init(&f);
    tls12_hellos(&f);
    buf w = { 0 };
    ccs_record(&w);
    static const uint8_t head[] = { 0x0b, 0x20, 0x00, 0x00 };
    protected_hs_record(&w, head, sizeof head, 40);
    protected_hs_record(&w, head, sizeof head, 4000);
    feed_segments(&f, 0, &w, 7, 3);
    const td_tls *x = &f.t.tls;
    CHECK(x->ccs[0] && x->encrypted[0] && x->finished[0]);
    CHECK(x->enc_hs_records[0] == 2 && x->enc_hs_bytes[0] == 4040);
    CHECK(!x->buffer_cap_hit && x->bad_records[0] == 0 && td_tls_stream_buffered(f.s) == 0);
    fx_free(&f);
    bfree(&w);
}

/* A Finished in the clear of a plausible length, and a legal flight in the clear, still parse
 * (a decrypting proxy's view, an export cipher's NULL encryption). */
TEST(clear_messages_still_parse)
{
    fx f;
    fx_init(&f);
    tls12_hellos(&f);
    buf fin = { 0 }, body = { 0 };
    bytes_of(&body, 0x11, 12);
    hs_record(&fin, 20, &body);
    feedb(&f, 0, &fin, 3);
    CHECK(f.t.tls.finished[0] && f.t.tls.enc_hs_records[0] == 0);
    CHECK(has_event(&f.t, TD_EV_HANDSHAKE, 0, 20));
    fx_free(&f);
    bfree(&fin);
    bfree(&body);
}

/* Facebook's TLS 1.3 draft versions (Fizz): parsed as TLS 1.3 and labelled as drafts. */
TEST(facebook_drafts_named)
{
    char b[32];
    CHECK_STR(td_version_label(0xfb17, b, sizeof b), "TLS1.3-draft-23-fb");
    CHECK_STR(td_version_label(0xfb1a, b, sizeof b), "TLS1.3-draft-26-fb");
    CHECK_STR(td_version_label(0xfb1b, b, sizeof b), "0xFB1B");
    CHECK_STR(td_version_label(0x7f17, b, sizeof b), "TLS1.3-draft-23");
    fx f;
    fx_init(&f);
    buf c = { 0 }, s = { 0 };
    ch_opts co = { .sni = "fizz.example", .versions = { 0xfb1a, 0x7f1c, 0x0303 } };
    client_hello_record(&c, &co);
    sh_opts so = { .cipher = 0x1301, .selected_version = 0xfb1a };
    server_hello_record(&s, &so);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_offered_versions == 3 && x->offered_versions[0] == 0xfb1a);
    CHECK(x->version == 0xfb1a && x->cipher == 0x1301 && x->encrypted[1]);
    CHECK(x->bad_records[1] == 0);
    fx_free(&f);
    bfree(&c);
    bfree(&s);
}

int main(void)
{
    RUN(certificate_of_340k_over_records_and_segments);
    RUN(certificate_over_budget_skipped_not_malformed);
    RUN(budget_is_shared_by_the_directions);
    RUN(encrypted_finished_after_fatal_alert);
    RUN(encrypted_finished_without_its_ccs);
    RUN(records_after_ccs_are_protected);
    RUN(clear_messages_still_parse);
    RUN(facebook_drafts_named);
    EVP_PKEY_free(test_key());
    return check_done();
}
