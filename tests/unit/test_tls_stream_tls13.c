/* test_tls_stream_tls13.c - the TLS stream parser on TLS 1.3: protected records kept as facts, their
 * cap, a record cut by the end of the capture, early data, and the drafts' ServerHello layouts. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tls_stream_fixture.h"

/* ---- TLS 1.3 flights ------------------------------------------------------------------------------- */

/* TLS 1.3: after the ServerHello every record says application data.  The parser keeps each
 * one's facts (direction, length, bytes captured, packet) and infers nothing: what they hold is
 * the classifier's business (tests/unit/test_classify.c). */
static size_t count_records(const td_tls *x, int dir)
{
    size_t n = 0;
    for (size_t i = 0; i < x->n_records; i++) n += x->records[i].dir == dir;
    return n;
}

TEST(tls13_protected_records_are_facts)
{
    flow fl = { 0 };
    tls13_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    const td_tls *x = &f.t.tls;
    CHECK(x->version == 0x0304);
    CHECK(x->ccs[0] && x->ccs[1]);
    CHECK(x->encrypted[0] && x->encrypted[1]);
    CHECK(x->n_records == 7 && count_records(x, 1) == 5);
    CHECK(x->records_total[1] == 5 && x->records_total[0] == 2);
    CHECK(x->record_bytes[1] == 30 + 900 + 100 + 53 + 300 && x->record_bytes[0] == 53 + 200);
    static const uint16_t want_len[7] = { 30, 900, 100, 53, 53, 200, 300 };
    static const uint8_t want_dir[7] = { 1, 1, 1, 1, 0, 0, 1 };
    for (size_t i = 0; i < 7 && i < x->n_records; i++) {
        CHECK(x->records[i].len == want_len[i] && x->records[i].captured == want_len[i]);
        CHECK(x->records[i].dir == want_dir[i]);
    }
    CHECK(x->records[0].packet == 4 && x->records[4].packet == 5 && x->records[6].packet == 6);
    /* Nothing is inferred here: no Finished, no application data, no handshake records. */
    CHECK(!x->finished[0] && !x->finished[1]);
    CHECK(x->app_records[0] == 0 && x->app_records[1] == 0);
    CHECK(x->enc_hs_records[0] == 0 && x->enc_hs_records[1] == 0);
    CHECK(count_events(&f.t, TD_EV_OPAQUE, 1) == 5 && count_events(&f.t, TD_EV_OPAQUE, 0) == 2);
    CHECK(count_events(&f.t, TD_EV_ENCRYPTED_HANDSHAKE, 1) == 0 && count_events(&f.t, TD_EV_APPDATA, 0) == 0);
    fx_free(&f);
    flow_free(&fl);
}

TEST(tls13_records_past_the_cap_are_counted)
{
    flow fl = { 0 };
    tls13_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    buf c = { 0 };
    for (int i = 0; i < TD_MAX_RECORDS + 10; i++) opaque_record(&c, 23, 100, 7);
    feedb(&f, 0, &c, 8);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_records == TD_MAX_RECORDS);
    CHECK(x->records_total[0] == 2 + TD_MAX_RECORDS + 10);
    CHECK(x->record_bytes[0] == 53 + 200 + 100 * (TD_MAX_RECORDS + 10));
    /* The records past the cap are one coalesced ladder entry, not one each. */
    size_t coalesced = 0;
    for (size_t i = 0; i < f.t.n_events; i++)
        if (f.t.events[i].kind == TD_EV_OPAQUE && f.t.events[i].sub == 0) coalesced++;
    CHECK(coalesced == 1);
    CHECK(td_tls_stream_settled(f.s));
    fx_free(&f);
    bfree(&c);
    flow_free(&fl);
}

TEST(tls13_record_cut_by_capture_end_counts_captured_bytes)
{
    flow fl = { 0 };
    tls13_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    buf s = { 0 };
    opaque_record(&s, 23, 4000, 7);
    feed(&f, 1, s.p, 5 + 1000, 8);               /* the capture ends 1000 bytes into it */
    td_tls_stream_end(f.s);                      /* as the engine does at the end of the input */
    const td_tls *x = &f.t.tls;
    CHECK(x->n_records == 8);
    if (x->n_records == 8) CHECK(x->records[7].len == 4000 && x->records[7].captured == 1000);
    CHECK(x->record_bytes[1] == 30 + 900 + 100 + 53 + 300 + 1000);
    fx_free(&f);
    bfree(&s);
    flow_free(&fl);
}

TEST(tls13_early_data_before_server_hello)
{
    /* 0-RTT: the client sends an application-data record (early data) right after its ClientHello,
     * before the ServerHello: it is application data, not one of the protected handshake records. */
    static const uint8_t sid[32] = { 4 };
    ch_opts co = { .sni = "0rtt.example", .versions = { 0x0304 }, .sid = sid, .sid_len = 32,
                   .psk = true, .early_data = true };
    sh_opts so = { .cipher = 0x1301, .selected_version = 0x0304, .sid = sid, .sid_len = 32, .psk = true };
    buf c = { 0 }, s = { 0 };
    client_hello_record(&c, &co);
    opaque_record(&c, 23, 300, 1);               /* early data */
    server_hello_record(&s, &so);
    opaque_record(&s, 23, 30, 2);                /* EncryptedExtensions */
    opaque_record(&s, 23, 53, 2);                /* Finished */
    fx f;
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    CHECK(f.t.tls.early_data_offered && f.t.tls.resumed);
    CHECK(f.t.tls.app_records[0] == 1 && f.t.tls.app_data[0] == 300);
    CHECK(f.t.tls.n_records == 2 && f.t.tls.records_total[1] == 2);
    fx_free(&f);
    bfree(&c);
    bfree(&s);
}

/* ---- TLS 1.3 drafts -------------------------------------------------------------------------------------- */

/* The ServerHello of draft-ietf-tls-tls13 before -22: version, random, cipher suite, extensions. */
static void draft_server_hello_record(buf *out, uint16_t version, uint16_t cipher)
{
    buf body = { 0 }, m = { 0 };
    put16(&body, version);
    for (int i = 0; i < 32; i++) put8(&body, 0x90 + i);
    put16(&body, cipher);
    put16(&body, 4 + 36 + 4);                                /* extensions */
    put16(&body, 40);                                        /* key_share (draft-23+: 51) */
    put16(&body, 36);
    put16(&body, 29);                                        /* x25519 */
    put16(&body, 32);
    bytes_of(&body, 0xee, 32);
    put16(&body, 41);                                        /* pre_shared_key */
    put16(&body, 0);
    handshake(&m, 2, body.p, body.n);
    record(out, 22, 0x0301, m.p, m.n);
    bfree(&body);
    bfree(&m);
}

/* Draft-18 (0x7f12), as Chrome and Firefox spoke it in 2017, after the ClientHello `c`. */
static void draft18_server_hello_and_ccs(const buf *c)
{
    buf s = { 0 };
    draft_server_hello_record(&s, 0x7f12, 0x1302);
    opaque_record(&s, 23, 600, 3);                           /* the encrypted flight */
    fx f;
    fx_init(&f);
    feedb(&f, 0, c, 1);
    feedb(&f, 1, &s, 2);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_offered_versions == 2 && x->offered_versions[0] == 0x7f12);
    CHECK(x->server_hello && x->server_hello_packet == 2);
    CHECK(x->version == 0x7f12);
    CHECK(x->has_cipher && x->cipher == 0x1302);
    CHECK(x->psk_accepted && x->resumed);                   /* pre_shared_key in its extensions */
    CHECK(x->session_id_s_len == 0);
    CHECK(x->encrypted[1]);                                  /* protected after the ServerHello */
    CHECK(x->bad_records[1] == 0);
    char b[32];
    CHECK_STR(td_version_label(x->version, b, sizeof b), "TLS1.3-draft-18");
    /* A CCS from a draft peer does not turn encryption on (it is TLS 1.3's no-op). */
    buf cc = { 0 };
    ccs_record(&cc);
    feedb(&f, 0, &cc, 3);
    CHECK(!x->encrypted[0]);
    fx_free(&f);
    bfree(&s);
    bfree(&cc);
}

/* A draft-21 peer's Certificate in a handshake record (as a decrypting proxy would pass it on)
 * has TLS 1.3's layout: request context, extensions per entry. */
static void draft21_certificate(const buf *c)
{
    buf certs[1] = { { 0 } }, body = { 0 }, msg = { 0 };
    make_cert_der(&certs[0], "draft.example", "Draft CA");
    put8(&body, 0);
    put24(&body, 3 + certs[0].n + 2);
    put24(&body, certs[0].n);
    putb(&body, &certs[0]);
    put16(&body, 0);
    hs_record(&msg, 11, &body);
    fx f;
    fx_init(&f);
    feedb(&f, 0, c, 1);
    buf sh = { 0 };
    draft_server_hello_record(&sh, 0x7f15, 0x1301);
    const td_tls *x = &f.t.tls;
    feedb(&f, 1, &sh, 2);
    CHECK(x->version == 0x7f15 && x->cipher == 0x1301);
    feedb(&f, 1, &msg, 3);
    CHECK(x->server_chain.seen && x->server_chain.n == 1 && !x->server_chain.malformed);
    CHECK(x->bad_records[1] == 0);
    fx_free(&f);
    bfree(&certs[0]);
    bfree(&body);
    bfree(&msg);
    bfree(&sh);
}

/* Draft-23 (0x7f17) already has RFC 8446's layout, with the version in supported_versions. */
static void draft23_server_hello(const buf *c)
{
    fx f;
    fx_init(&f);
    buf s23 = { 0 };
    sh_opts so = { .cipher = 0x1303, .selected_version = 0x7f17 };
    server_hello_record(&s23, &so);
    feedb(&f, 0, c, 1);
    feedb(&f, 1, &s23, 2);
    CHECK(f.t.tls.version == 0x7f17 && f.t.tls.cipher == 0x1303 && f.t.tls.encrypted[1]);
    CHECK(f.t.tls.bad_records[1] == 0);
    fx_free(&f);
    bfree(&s23);
}

/* The HelloRetryRequest of drafts 19-21: its own handshake type 6. */
static void draft_hello_retry_request(const buf *c)
{
    fx f;
    fx_init(&f);
    buf hrr = { 0 }, hb = { 0 };
    put16(&hb, 0x7f15);
    put16(&hb, 0x1301);
    put16(&hb, 6);
    put16(&hb, 40);                                          /* key_share: selected group */
    put16(&hb, 2);
    put16(&hb, 23);
    hs_record(&hrr, 6, &hb);
    feedb(&f, 0, c, 1);
    feedb(&f, 1, &hrr, 2);
    CHECK(f.t.tls.hello_retry && f.t.tls.hello_retry_packet == 2 && !f.t.tls.server_hello);
    CHECK(f.t.tls.version == 0x7f15 && f.t.tls.cipher == 0x1301);
    CHECK(has_event(&f.t, TD_EV_HANDSHAKE, 1, 6));
    CHECK(f.t.tls.bad_records[1] == 0);
    fx_free(&f);
    bfree(&hrr);
    bfree(&hb);
}

TEST(tls13_draft_server_hello_layouts)
{
    ch_opts co = { .sni = "draft.example", .versions = { 0x7f12, 0x0303 } };
    buf c = { 0 };
    client_hello_record(&c, &co);
    draft18_server_hello_and_ccs(&c);
    draft21_certificate(&c);
    draft23_server_hello(&c);
    draft_hello_retry_request(&c);
    bfree(&c);
}

int main(void)
{
    RUN(tls13_protected_records_are_facts);
    RUN(tls13_records_past_the_cap_are_counted);
    RUN(tls13_record_cut_by_capture_end_counts_captured_bytes);
    RUN(tls13_early_data_before_server_hello);
    RUN(tls13_draft_server_hello_layouts);
    EVP_PKEY_free(test_key());
    return check_done();
}
