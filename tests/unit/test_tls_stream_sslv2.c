/* test_tls_stream_sslv2.c - the TLS stream parser on SSLv2: the SSLv2-compatible ClientHello, the
 * SSLv2 SERVER-HELLO, whole SSLv2 sessions, their errors, resumption and hostile records. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tls_stream_fixture.h"

/* ---- SSLv2 ---------------------------------------------------------------------------------------------- */

/* SSLv2-compatible ClientHello: 0x80|len, type 1, version, cipher specs, session id, challenge. */
static void sslv2_client_hello(buf *out, unsigned version)
{
    static const uint8_t specs[] = { 0x01, 0x00, 0x80, 0x00, 0x00, 0x2f, 0x07, 0x00, 0xc0,
                                     0x00, 0x00, 0x35, 0x00, 0x00, 0x0a };
    buf body = { 0 };
    put8(&body, 1);
    put16(&body, version);
    put16(&body, sizeof specs);
    put16(&body, 0);
    put16(&body, 16);
    put(&body, specs, sizeof specs);
    bytes_of(&body, 0xcc, 16);
    put8(out, 0x80 | (unsigned)(body.n >> 8));
    put8(out, (unsigned)(body.n & 0xff));
    putb(out, &body);
    bfree(&body);
}

TEST(sslv2_compatible_client_hello)
{
    buf c = { 0 }, s = { 0 };
    sslv2_client_hello(&c, 0x0301);
    sh_opts so = { .legacy_version = 0x0301, .cipher = 0x002f, .no_extensions = true };
    server_hello_record(&s, &so);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    const td_tls *x = &f.t.tls;
    CHECK(x->client_hello && x->sslv2_client_hello);
    CHECK(x->client_hello_packet == 1);
    CHECK(x->client_legacy_version == 0x0301);
    CHECK(x->n_offered_versions == 1 && x->offered_versions[0] == 0x0301);
    CHECK(x->n_offered_ciphers_total == 5);
    CHECK(x->n_offered_ciphers == 3);            /* only the 00 xx yy specs are TLS suites */
    if (x->n_offered_ciphers == 3) {
        CHECK(x->offered_ciphers[0] == 0x002f);
        CHECK(x->offered_ciphers[1] == 0x0035);
        CHECK(x->offered_ciphers[2] == 0x000a);
    }
    CHECK(has_event(&f.t, TD_EV_SSL2, 0, 1));
    CHECK(x->bad_records[0] == 0);
    CHECK(!x->not_tls[0]);
    CHECK(td_tls_stream_buffered(f.s) == 0);
    feedb(&f, 1, &s, 2);
    CHECK(x->server_hello && !x->sslv2_server_hello);
    CHECK(x->version == 0x0301 && x->cipher == 0x002f);
    /* The client goes on in TLS records. */
    buf cke = { 0 };
    alert_record(&cke, 2, 80);
    feedb(&f, 0, &cke, 3);
    CHECK(x->n_alerts == 1 && x->alerts[0].code == 80);
    fx_free(&f);

    flow fl = { 0 };
    putb(step(&fl, 0), &c);
    putb(step(&fl, 1), &s);
    putb(step(&fl, 0), &cke);
    CHECK(split_mismatches(&fl) == 0);
    flow_free(&fl);
    bfree(&c);
    bfree(&s);
    bfree(&cke);
}

TEST(sslv2_server_hello)
{
    buf c = { 0 }, s = { 0 }, body = { 0 }, cert = { 0 };
    sslv2_client_hello(&c, 0x0002);
    make_cert_der(&cert, "sslv2.example", "Old CA");
    put8(&body, 4);                              /* SERVER-HELLO */
    put8(&body, 0);                              /* session_id_hit */
    put8(&body, 1);                              /* certificate_type: X.509 */
    put16(&body, 0x0002);
    put16(&body, (unsigned)cert.n);
    put16(&body, 3);
    put16(&body, 16);
    putb(&body, &cert);
    put(&body, "\x01\x00\x80", 3);               /* SSL_CK_RC4_128_WITH_MD5 */
    bytes_of(&body, 0xdd, 16);
    put8(&s, 0x80 | (unsigned)(body.n >> 8));
    put8(&s, (unsigned)(body.n & 0xff));
    putb(&s, &body);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    CHECK(f.t.tls.client_legacy_version == 0x0002);
    feedb(&f, 1, &s, 2);
    const td_tls *x = &f.t.tls;
    CHECK(x->sslv2_server_hello && x->server_hello && x->server_hello_packet == 2);
    CHECK(x->version == 0x0002);
    CHECK(x->has_cipher && x->cipher == 0x010080);
    CHECK(x->server_chain.n == 1 && x->server_chain.seen);
    if (x->server_chain.n == 1) CHECK_STR(x->server_chain.certs[0].subject, "CN=sslv2.example");
    CHECK(has_event(&f.t, TD_EV_SSL2, 1, 4));
    CHECK(x->bad_records[1] == 0);
    /* Everything after is SSLv2 (encrypted): ignored, no bad records. */
    buf junk = { 0 };
    bytes_of(&junk, 0x81, 100);
    feedb(&f, 0, &junk, 3);
    feedb(&f, 1, &junk, 4);
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    fx_free(&f);
    bfree(&c);
    bfree(&s);
    bfree(&body);
    bfree(&cert);
    bfree(&junk);
}

/* ---- SSLv2 sessions -------------------------------------------------------------------------------------- */

static void sslv2_record2(buf *out, const buf *body)
{
    put8(out, 0x80 | (unsigned)(body->n >> 8));
    put8(out, (unsigned)(body->n & 0xff));
    putb(out, body);
}

static void sslv2_server_hello_msg(buf *out, bool hit)
{
    buf body = { 0 }, cert = { 0 };
    make_cert_der(&cert, "sslv2.example", "Old CA");
    put8(&body, 4);
    put8(&body, hit ? 1 : 0);
    put8(&body, 1);
    put16(&body, 0x0002);
    put16(&body, hit ? 0 : (unsigned)cert.n);
    put16(&body, 6);
    put16(&body, 16);
    if (!hit) putb(&body, &cert);
    put(&body, "\x07\x00\xc0\x01\x00\x80", 6);
    bytes_of(&body, 0xdd, 16);
    sslv2_record2(out, &body);
    bfree(&body);
    bfree(&cert);
}

static void sslv2_client_master_key(buf *out, uint32_t kind, unsigned clear, unsigned enc, unsigned arg)
{
    buf body = { 0 };
    put8(&body, 2);
    put24(&body, kind);
    put16(&body, clear);
    put16(&body, enc);
    put16(&body, arg);
    bytes_of(&body, 0x11, clear);
    bytes_of(&body, 0x22, enc);
    bytes_of(&body, 0x33, arg);
    sslv2_record2(out, &body);
    bfree(&body);
}

/* An encrypted SSLv2 record: a 2-byte header, or a 3-byte one with padding. */
static void sslv2_encrypted_record(buf *out, size_t len, bool three, unsigned pad, unsigned fill)
{
    if (three) {
        put8(out, (unsigned)(len >> 8) & 0x3f);
        put8(out, (unsigned)(len & 0xff));
        put8(out, pad);
    } else {
        put8(out, 0x80 | (unsigned)(len >> 8));
        put8(out, (unsigned)(len & 0xff));
    }
    bytes_of(out, fill, len);
}

static void sslv2_session_flow(flow *fl)
{
    sslv2_client_hello(step(fl, 0), 0x0002);
    sslv2_server_hello_msg(step(fl, 1), false);
    buf *c = step(fl, 0);
    sslv2_client_master_key(c, 0x0700c0, 0, 128, 8);
    sslv2_encrypted_record(c, 33, false, 0, 0x80);         /* CLIENT-FINISHED (starts like a hello) */
    buf *s = step(fl, 1);
    sslv2_encrypted_record(s, 40, true, 7, 0x00);          /* SERVER-VERIFY (3-byte header) */
    sslv2_encrypted_record(s, 40, true, 7, 0x02);          /* SERVER-FINISHED */
    sslv2_encrypted_record(step(fl, 0), 300, false, 0, 0x04);
    sslv2_encrypted_record(step(fl, 1), 2000, false, 0, 0x00);
}

TEST(sslv2_full_session)
{
    flow fl = { 0 };
    sslv2_session_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    const td_tls *x = &f.t.tls;
    CHECK(x->sslv2_client_hello && x->sslv2_server_hello && x->version == 0x0002);
    CHECK(x->n_sslv2_offered_kinds == 2);
    if (x->n_sslv2_offered_kinds == 2)
        CHECK(x->sslv2_offered_kinds[0] == 0x010080 && x->sslv2_offered_kinds[1] == 0x0700c0);
    CHECK(!x->sslv2_session_id_hit);
    CHECK(x->sslv2_master_key && x->sslv2_master_key_packet == 3);
    CHECK(x->sslv2_master_key_cipher == 0x0700c0 && x->cipher == 0x0700c0 && x->has_cipher);
    CHECK(x->sslv2_clear_key_len == 0 && x->sslv2_encrypted_key_len == 128 && x->sslv2_key_arg_len == 8);
    CHECK(x->sslv2_enc_records[0] == 2 && x->sslv2_enc_bytes[0] == 333);
    CHECK(x->sslv2_enc_records[1] == 3 && x->sslv2_enc_bytes[1] == 2080);
    CHECK(x->sslv2_first_enc_packet[0] == 3 && x->sslv2_first_enc_packet[1] == 4);
    CHECK(x->sslv2_error == 0);
    CHECK(has_event(&f.t, TD_EV_SSL2, 0, 2));
    CHECK(count_events(&f.t, TD_EV_SSL2_ENCRYPTED, 1) == 2);   /* coalesced while uninterrupted */
    for (size_t i = 0; i < f.t.n_events; i++)
        if (f.t.events[i].kind == TD_EV_SSL2_ENCRYPTED && f.t.events[i].dir == 1 && f.t.events[i].packet == 4)
            CHECK(f.t.events[i].count == 2 && f.t.events[i].len == 80);
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    CHECK(!x->not_tls[0] && !x->not_tls[1]);
    CHECK(x->app_records[0] == 0 && x->n_alerts == 0);
    CHECK(td_tls_stream_buffered(f.s) == 0);
    fx_free(&f);
    CHECK(split_mismatches(&fl) == 0);
    flow_free(&fl);
}

/* The server has no cipher in common: ERROR NO-CIPHER instead of a SERVER-HELLO. */
static void sslv2_error_no_cipher(const buf *c)
{
    buf e = { 0 };
    put(&e, "\x80\x03\x00\x00\x01", 5);
    fx f;
    fx_init(&f);
    feedb(&f, 0, c, 1);
    feedb(&f, 1, &e, 2);
    const td_tls *x = &f.t.tls;
    CHECK(!x->server_hello && !x->not_tls[1]);
    CHECK(x->sslv2_error == 1 && x->sslv2_error_from == 1 && x->sslv2_error_packet == 2);
    CHECK(has_event(&f.t, TD_EV_SSL2, 1, 0));
    CHECK(x->bad_records[1] == 0);
    fx_free(&f);
    bfree(&e);
}

/* The client does not like the certificate (in the SERVER-HELLO `s`): ERROR BAD-CERTIFICATE
 * instead of a master key. */
static void sslv2_error_bad_certificate(const buf *c, const buf *s)
{
    buf ce = { 0 };
    put(&ce, "\x80\x03\x00\x00\x04", 5);
    fx f;
    fx_init(&f);
    feedb(&f, 0, c, 1);
    feedb(&f, 1, s, 2);
    feed(&f, 0, ce.p, 3, 3);                                  /* split, too */
    feed(&f, 0, ce.p + 3, 2, 4);
    const td_tls *x = &f.t.tls;
    CHECK(x->sslv2_error == 4 && x->sslv2_error_from == 0 && x->sslv2_error_packet == 4);
    CHECK(!x->sslv2_master_key && x->sslv2_enc_records[0] == 0);
    fx_free(&f);
    bfree(&ce);
}

/* A resumed session (session-id-hit): no CLIENT-MASTER-KEY, encrypted at once both ways. */
static void sslv2_resumed_session(const buf *c)
{
    buf sh = { 0 }, cf = { 0 }, sv = { 0 };
    sslv2_server_hello_msg(&sh, true);
    sslv2_encrypted_record(&cf, 2 + 16 + 8, false, 0, 0x02);   /* would read as a master key */
    sslv2_encrypted_record(&sv, 50, true, 3, 0x00);
    fx f;
    fx_init(&f);
    feedb(&f, 0, c, 1);
    feedb(&f, 1, &sh, 2);
    feedb(&f, 0, &cf, 3);
    feedb(&f, 1, &sv, 4);
    const td_tls *x = &f.t.tls;
    CHECK(x->sslv2_session_id_hit && !x->sslv2_master_key);
    CHECK(x->sslv2_enc_records[0] == 1 && x->sslv2_enc_records[1] == 1);
    CHECK(x->sslv2_first_enc_packet[0] == 3 && x->sslv2_first_enc_packet[1] == 4);
    fx_free(&f);
    bfree(&sh);
    bfree(&cf);
    bfree(&sv);
}

/* Hostile: a CLIENT-MASTER-KEY whose key lengths lie is not taken as one; nor a zero-length or
 * over-padded record; a gap inside an encrypted record keeps framing. */
static void sslv2_hostile_records(const buf *c, const buf *s)
{
    buf bad = { 0 }, body = { 0 };
    put8(&body, 2);
    put24(&body, 0x010080);
    put16(&body, 0);
    put16(&body, 5000);
    put16(&body, 0);
    bytes_of(&body, 0x22, 10);
    sslv2_record2(&bad, &body);
    put(&bad, "\x80\x00", 2);
    put(&bad, "\x00\x04\x09", 3);
    bytes_of(&bad, 0x55, 4);
    fx f;
    fx_init(&f);
    feedb(&f, 0, c, 1);
    feedb(&f, 1, s, 2);
    feedb(&f, 0, &bad, 3);
    const td_tls *x = &f.t.tls;
    CHECK(!x->sslv2_master_key);
    CHECK(x->sslv2_enc_records[0] == 2);                     /* the fake master key, the padded one */
    CHECK(x->bad_records[0] == 2);
    buf big = { 0 };
    sslv2_encrypted_record(&big, 1000, false, 0, 0x66);
    feed(&f, 1, big.p, 100, 4);
    td_tls_stream_gap(f.s, 1, 500, 5, 5.0);
    feed(&f, 1, big.p + 600, big.n - 600, 6);
    buf after = { 0 };
    sslv2_encrypted_record(&after, 20, false, 0, 0x67);
    feedb(&f, 1, &after, 7);
    CHECK(x->sslv2_enc_records[1] == 2 && x->sslv2_enc_bytes[1] == 1020);
    CHECK(transcript_sane(&f.t));
    fx_free(&f);
    bfree(&bad);
    bfree(&body);
    bfree(&big);
    bfree(&after);
}

TEST(sslv2_errors_and_resumed_session)
{
    buf c = { 0 }, s = { 0 };
    sslv2_client_hello(&c, 0x0002);
    sslv2_server_hello_msg(&s, false);
    sslv2_error_no_cipher(&c);
    sslv2_error_bad_certificate(&c, &s);
    sslv2_resumed_session(&c);
    sslv2_hostile_records(&c, &s);
    bfree(&c);
    bfree(&s);
}

int main(void)
{
    RUN(sslv2_compatible_client_hello);
    RUN(sslv2_server_hello);
    RUN(sslv2_full_session);
    RUN(sslv2_errors_and_resumed_session);
    EVP_PKEY_free(test_key());
    return check_done();
}
