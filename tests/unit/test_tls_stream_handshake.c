/* test_tls_stream_handshake.c - the TLS stream parser on handshake messages: framing across records,
 * certificate chains, CertificateRequest CA names, and messages whose lengths lie.
 *
 * Hostile messages (lying certificate and extension lengths, huge handshake lengths, 5000
 * extensions, truncated hellos) must be handled in bounded time and memory, never a crash (run
 * the ASan build too). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "tls_stream_fixture.h"

/* ---- handshake framing ----------------------------------------------------------------------------- */

TEST(several_messages_in_one_record)
{
    buf msgs = { 0 }, rec = { 0 }, cert[1] = { { 0 } }, body = { 0 };
    sh_opts so = { .cipher = 0x009c, .no_extensions = true };
    server_hello_msg(&msgs, &so);
    make_cert_der(&cert[0], "one.example", "Issuer One");
    certificate_body(&body, cert, 1);
    handshake(&msgs, 11, body.p, body.n);
    handshake(&msgs, 14, NULL, 0);
    record(&rec, 22, 0x0303, msgs.p, msgs.n);
    fx f;
    fx_init(&f);
    feedb(&f, 1, &rec, 3);
    CHECK(f.t.tls.server_hello && f.t.tls.version == 0x0303 && f.t.tls.cipher == 0x009c);
    CHECK(f.t.tls.server_chain.n == 1);
    if (f.t.tls.server_chain.n == 1) CHECK_STR(f.t.tls.server_chain.certs[0].subject, "CN=one.example");
    CHECK(f.t.tls.server_hello_done);
    CHECK(f.t.n_events == 3);
    if (f.t.n_events == 3) {
        CHECK(f.t.events[0].sub == 2 && f.t.events[1].sub == 11 && f.t.events[2].sub == 14);
        CHECK(f.t.events[1].len == body.n && f.t.events[2].len == 0);
    }
    fx_free(&f);
    bfree(&msgs);
    bfree(&rec);
    bfree(&cert[0]);
    bfree(&body);
}

TEST(one_message_across_three_records)
{
    ch_opts co = { .sni = "three.example", .alpn = { "h2" }, .versions = { 0x0304 } };
    buf body = { 0 }, msg = { 0 }, recs = { 0 };
    client_hello_body(&body, &co);
    handshake(&msg, 1, body.p, body.n);
    size_t third = msg.n / 3;
    record(&recs, 22, 0x0301, msg.p, third);
    record(&recs, 22, 0x0301, msg.p + third, third);
    record(&recs, 22, 0x0301, msg.p + 2 * third, msg.n - 2 * third);
    fx f;
    fx_init(&f);
    /* Each record in its own delivery (packet), so the message completes in packet 3. */
    size_t r1 = 5 + third, r2 = 5 + third;
    feed(&f, 0, recs.p, r1, 1);
    CHECK(!f.t.tls.client_hello);
    CHECK(td_tls_stream_buffered(f.s) >= third);
    feed(&f, 0, recs.p + r1, r2, 2);
    CHECK(!f.t.tls.client_hello);
    feed(&f, 0, recs.p + r1 + r2, recs.n - r1 - r2, 3);
    CHECK(f.t.tls.client_hello);
    CHECK(f.t.tls.client_hello_packet == 3);
    CHECK_STR(f.t.tls.sni, "three.example");
    CHECK(f.t.tls.n_alpn_offered == 1);
    CHECK(f.t.tls.record_version[0] == 0x0301);
    CHECK(f.t.tls.bad_records[0] == 0);
    CHECK(td_tls_stream_buffered(f.s) == 0);
    fx_free(&f);
    bfree(&body);
    bfree(&msg);
    bfree(&recs);
}

TEST(certificate_chain_across_records)
{
    buf certs[3] = { { 0 }, { 0 }, { 0 } }, body = { 0 }, msg = { 0 }, recs = { 0 };
    make_cert_der(&certs[0], "leaf.example.org", "Intermediate CA");
    make_cert_der(&certs[1], "Intermediate CA", "Root CA");
    make_cert_der(&certs[2], "Root CA", "Root CA");
    certificate_body(&body, certs, 3);
    handshake(&msg, 11, body.p, body.n);
    records_of(&recs, 22, &msg, 150);            /* many small records */
    fx f;
    fx_init(&f);
    buf sh = { 0 };
    sh_opts so = { .cipher = 0xc02f };
    server_hello_record(&sh, &so);
    feedb(&f, 1, &sh, 1);
    feedb(&f, 1, &recs, 2);
    const td_chain *ch = &f.t.tls.server_chain;
    CHECK(ch->seen && !ch->malformed && !ch->empty);
    CHECK(ch->n == 3 && ch->n_total == 3);
    CHECK(ch->packet == 2);
    if (ch->n == 3) {
        CHECK_STR(ch->certs[0].subject, "CN=leaf.example.org");
        CHECK_STR(ch->certs[0].issuer, "CN=Intermediate CA");
        CHECK_STR(ch->certs[1].subject, "CN=Intermediate CA");
        CHECK_STR(ch->certs[2].subject, "CN=Root CA");
        CHECK(ch->certs[0].der_len == certs[0].n);
        CHECK(strcmp(ch->certs[0].key, "EC-P256") == 0);
    }
    CHECK(f.t.tls.client_chain.n == 0 && !f.t.tls.client_chain.seen);
    CHECK(f.t.tls.bad_records[1] == 0);

    /* The client's (empty) Certificate goes to client_chain. */
    buf empty = { 0 }, crec = { 0 };
    put24(&empty, 0);
    hs_record(&crec, 11, &empty);
    feedb(&f, 0, &crec, 3);
    CHECK(f.t.tls.client_chain.seen && f.t.tls.client_chain.empty && f.t.tls.client_chain.n == 0);
    CHECK(f.t.tls.server_chain.n == 3);
    fx_free(&f);
    for (int i = 0; i < 3; i++) bfree(&certs[i]);
    bfree(&body);
    bfree(&msg);
    bfree(&recs);
    bfree(&sh);
    bfree(&empty);
    bfree(&crec);
}

TEST(certificate_request_ca_names)
{
    buf body = { 0 }, cas = { 0 }, n1 = { 0 }, n2 = { 0 }, rec = { 0 }, sh = { 0 };
    name_der(&n1, "Client CA One", "Example");
    name_der(&n2, "Client CA Two", NULL);
    put16(&cas, (unsigned)n1.n);
    putb(&cas, &n1);
    put16(&cas, (unsigned)n2.n);
    putb(&cas, &n2);
    put8(&body, 2);                              /* certificate_types: rsa_sign, ecdsa_sign */
    put8(&body, 1);
    put8(&body, 64);
    put16(&body, 4);                             /* signature algorithms (TLS 1.2) */
    put16(&body, 0x0403);
    put16(&body, 0x0804);
    put16(&body, (unsigned)cas.n);
    putb(&body, &cas);
    hs_record(&rec, 13, &body);
    sh_opts so = { .cipher = 0xc02f };
    server_hello_record(&sh, &so);
    fx f;
    fx_init(&f);
    feedb(&f, 1, &sh, 1);
    feedb(&f, 1, &rec, 2);
    const td_tls *x = &f.t.tls;
    CHECK(x->cert_requested && x->cert_request_packet == 2);
    CHECK(x->n_ca_names == 2);
    if (x->n_ca_names == 2) {
        CHECK_STR(x->ca_names[0], "CN=Client CA One,O=Example");
        CHECK_STR(x->ca_names[1], "CN=Client CA Two");
    }
    CHECK(x->bad_records[1] == 0);
    fx_free(&f);

    /* TLS 1.1: no signature_algorithms field. */
    buf body11 = { 0 }, rec11 = { 0 }, sh11 = { 0 };
    put8(&body11, 1);
    put8(&body11, 1);
    put16(&body11, (unsigned)cas.n);
    putb(&body11, &cas);
    hs_record(&rec11, 13, &body11);
    sh_opts so11 = { .legacy_version = 0x0302, .cipher = 0x002f };
    server_hello_record(&sh11, &so11);
    fx_init(&f);
    feedb(&f, 1, &sh11, 1);
    feedb(&f, 1, &rec11, 2);
    CHECK(f.t.tls.version == 0x0302);
    CHECK(f.t.tls.n_ca_names == 2);
    CHECK(f.t.tls.bad_records[1] == 0);
    fx_free(&f);
    bfree(&body);
    bfree(&cas);
    bfree(&n1);
    bfree(&n2);
    bfree(&rec);
    bfree(&sh);
    bfree(&body11);
    bfree(&rec11);
    bfree(&sh11);
}

/* ---- malformed handshake messages ------------------------------------------------------------- */

TEST(huge_handshake_length_not_allocated)
{
    fx f;
    fx_init(&f);
    buf first = { 0 }, body = { 0 };
    put8(&body, 11);
    put24(&body, 0xffffff);                      /* 16 MiB - 1: never completes */
    bytes_of(&body, 0x30, 16380);
    record(&first, 22, 0x0303, body.p, body.n);
    feedb(&f, 1, &first, 1);
    size_t peak = td_tls_stream_buffered(f.s);
    buf more = { 0 };
    opaque_record(&more, 22, 16384, 0x30);
    for (int i = 0; i < 40; i++) {
        feedb(&f, 1, &more, (uint64_t)i + 2);
        size_t now = td_tls_stream_buffered(f.s);
        if (now > peak) peak = now;
    }
    CHECK(peak <= 4096);                         /* over the budget: skipped, never buffered */
    CHECK(f.t.tls.buffer_cap_hit);
    CHECK(f.t.tls.hs_over_budget == 0xffffff);
    CHECK(f.t.tls.bad_records[1] == 0);          /* a legal length: too big for us, not malformed */
    CHECK(!f.t.tls.server_chain.seen);
    fx_free(&f);

    /* Just under the cap and never completed: buffered as it arrives, never past what arrived. */
    fx_init(&f);
    buf b2 = { 0 }, body2 = { 0 };
    put8(&body2, 11);
    put24(&body2, 200000);
    bytes_of(&body2, 0x30, 1000);
    record(&b2, 22, 0x0303, body2.p, body2.n);
    feedb(&f, 1, &b2, 1);
    CHECK(td_tls_stream_buffered(f.s) <= 4096);
    CHECK(!f.t.tls.buffer_cap_hit);
    fx_free(&f);
    bfree(&first);
    bfree(&body);
    bfree(&more);
    bfree(&b2);
    bfree(&body2);
}

/* certificate_lengths_lie, case 1: the list length claims more than the message holds. */
static void cert_list_longer_than_message(const buf *cert, const sh_opts *so)
{
    buf body = { 0 }, rec = { 0 };
    put24(&body, cert->n + 3 + 500);
    put24(&body, cert->n);
    putb(&body, cert);
    server_hello_record(&rec, so);
    hs_record(&rec, 11, &body);
    fx f;
    fx_init(&f);
    feedb(&f, 1, &rec, 1);
    CHECK(f.t.tls.server_chain.seen && f.t.tls.server_chain.malformed);
    CHECK(f.t.tls.bad_records[1] == 1);
    CHECK(bad_what(&f.t.tls, 1) && strstr(bad_what(&f.t.tls, 1), "Certificate"));
    fx_free(&f);
    bfree(&body);
    bfree(&rec);
}

/* Case 2: a good certificate, then one whose length runs past the list: the first is kept. */
static void cert_entry_past_the_list(const buf *cert, const sh_opts *so)
{
    buf body = { 0 }, rec = { 0 };
    put24(&body, (cert->n + 3) + 3 + 10);
    put24(&body, cert->n);
    putb(&body, cert);
    put24(&body, 5000);
    bytes_of(&body, 0x30, 10);
    server_hello_record(&rec, so);
    hs_record(&rec, 11, &body);
    fx f;
    fx_init(&f);
    feedb(&f, 1, &rec, 1);
    CHECK(f.t.tls.server_chain.malformed);
    CHECK(f.t.tls.server_chain.n == 1);
    if (f.t.tls.server_chain.n == 1) CHECK_STR(f.t.tls.server_chain.certs[0].subject, "CN=liar.example");
    fx_free(&f);
    bfree(&body);
    bfree(&rec);
}

/* Case 3: certificate bytes that are not DER: kept as a parse error, chain not malformed. */
static void cert_bytes_not_der(const sh_opts *so)
{
    buf body = { 0 }, rec = { 0 }, junk = { 0 };
    bytes_of(&junk, 0x41, 64);
    certificate_body(&body, &junk, 1);
    server_hello_record(&rec, so);
    hs_record(&rec, 11, &body);
    fx f;
    fx_init(&f);
    feedb(&f, 1, &rec, 1);
    CHECK(f.t.tls.server_chain.n == 1 && !f.t.tls.server_chain.malformed);
    if (f.t.tls.server_chain.n == 1) CHECK(f.t.tls.server_chain.certs[0].parse_error);
    CHECK(transcript_sane(&f.t));
    fx_free(&f);
    bfree(&body);
    bfree(&rec);
    bfree(&junk);
}

/* Case 4: trailing bytes after the list. */
static void cert_list_trailing_bytes(const buf *cert, const sh_opts *so)
{
    buf body = { 0 }, rec = { 0 };
    certificate_body(&body, cert, 1);
    put(&body, "xyz", 3);
    server_hello_record(&rec, so);
    hs_record(&rec, 11, &body);
    fx f;
    fx_init(&f);
    feedb(&f, 1, &rec, 1);
    CHECK(f.t.tls.server_chain.malformed && f.t.tls.server_chain.n == 1);
    fx_free(&f);
    bfree(&body);
    bfree(&rec);
}

/* Case 5: more certificates than the cap: counted, not kept. */
static void cert_chain_past_the_cap(const buf *cert, const sh_opts *so)
{
    buf many[20], body = { 0 }, msg = { 0 }, rec = { 0 };
    for (int i = 0; i < 20; i++) {
        memset(&many[i], 0, sizeof many[i]);
        putb(&many[i], cert);
    }
    certificate_body(&body, many, 20);
    handshake(&msg, 11, body.p, body.n);
    server_hello_record(&rec, so);
    records_of(&rec, 22, &msg, 16384);
    fx f;
    fx_init(&f);
    feedb(&f, 1, &rec, 1);
    CHECK(f.t.tls.server_chain.n == TD_MAX_CHAIN && f.t.tls.server_chain.n_total == 20);
    CHECK(!f.t.tls.server_chain.malformed);
    fx_free(&f);
    for (int i = 0; i < 20; i++) bfree(&many[i]);
    bfree(&body);
    bfree(&msg);
    bfree(&rec);
}

TEST(certificate_lengths_lie)
{
    buf cert = { 0 };
    make_cert_der(&cert, "liar.example", "Liar CA");
    sh_opts so = { .cipher = 0xc02f };
    cert_list_longer_than_message(&cert, &so);
    cert_entry_past_the_list(&cert, &so);
    cert_bytes_not_der(&so);
    cert_list_trailing_bytes(&cert, &so);
    cert_chain_past_the_cap(&cert, &so);
    bfree(&cert);
}

TEST(client_hello_5000_extensions)
{
    ch_opts co = { .sni = "many.example", .alpn = { "h2" }, .versions = { 0x0304 }, .dummy_exts = 5000 };
    buf body = { 0 }, msg = { 0 }, recs = { 0 };
    client_hello_body(&body, &co);
    handshake(&msg, 1, body.p, body.n);
    records_of(&recs, 22, &msg, 16384);
    fx f;
    fx_init(&f);
    clock_t t0 = clock();
    feedb(&f, 0, &recs, 1);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    CHECK(f.t.tls.client_hello);
    CHECK_STR(f.t.tls.sni, "many.example");
    CHECK(f.t.tls.n_alpn_offered == 1);
    CHECK(f.t.tls.n_offered_versions == 1 && f.t.tls.offered_versions[0] == 0x0304);
    CHECK(f.t.tls.bad_records[0] == 0);
    CHECK(secs < 1.0);
    fx_free(&f);
    bfree(&body);
    bfree(&msg);
    bfree(&recs);
}

TEST(client_hello_extension_block_overruns)
{
    static const uint8_t sid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    ch_opts co = { .legacy_version = 0x0302, .sni = "over.example", .sid = sid, .sid_len = 8,
                   .ciphers = { 0x002f, 0x0035 }, .ext_len_delta = 400 };
    buf rec = { 0 };
    client_hello_record(&rec, &co);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &rec, 1);
    const td_tls *x = &f.t.tls;
    CHECK(x->client_hello);
    CHECK(x->bad_records[0] == 1);
    CHECK(bad_what(x, 0) && strstr(bad_what(x, 0), "malformed ClientHello"));
    CHECK(x->client_legacy_version == 0x0302);
    CHECK(x->session_id_c_len == 8 && x->session_id_c[7] == 8);
    CHECK(x->n_offered_ciphers == 2 && x->offered_ciphers[1] == 0x0035);
    CHECK(x->n_offered_versions == 1 && x->offered_versions[0] == 0x0302);
    fx_free(&f);
    bfree(&rec);

    /* An extension inside the block that lies about its own length. */
    buf body = { 0 }, r2 = { 0 };
    put16(&body, 0x0303);
    bytes_of(&body, 0, 32);
    put8(&body, 0);
    put16(&body, 2);
    put16(&body, 0x1301);
    put8(&body, 1);
    put8(&body, 0);
    put16(&body, 8);                             /* extensions: 8 bytes */
    put16(&body, 0);                             /* server_name ... */
    put16(&body, 60);                            /* ... claiming 60 */
    put(&body, "abcd", 4);
    hs_record(&r2, 1, &body);
    fx_init(&f);
    feedb(&f, 0, &r2, 1);
    CHECK(f.t.tls.client_hello);
    CHECK(f.t.tls.bad_records[0] == 1);
    CHECK(f.t.tls.sni == NULL);
    CHECK(f.t.tls.n_offered_ciphers == 1);
    fx_free(&f);
    bfree(&body);
    bfree(&r2);

    /* An SNI list entry whose name length overruns the extension. */
    buf b3 = { 0 }, r3 = { 0 };
    put16(&b3, 0x0303);
    bytes_of(&b3, 0, 32);
    put8(&b3, 0);
    put16(&b3, 2);
    put16(&b3, 0x1301);
    put8(&b3, 1);
    put8(&b3, 0);
    put16(&b3, 4 + 2 + 3 + 4);
    put16(&b3, 0);
    put16(&b3, 2 + 3 + 4);
    put16(&b3, 3 + 4);
    put8(&b3, 0);
    put16(&b3, 200);                             /* name length 200, 4 bytes present */
    put(&b3, "evil", 4);
    hs_record(&r3, 1, &b3);
    fx_init(&f);
    feedb(&f, 0, &r3, 1);
    CHECK(f.t.tls.client_hello);
    CHECK(f.t.tls.sni == NULL);
    CHECK(transcript_sane(&f.t));
    fx_free(&f);
    bfree(&b3);
    bfree(&r3);
}

TEST(server_hello_truncated)
{
    /* A ServerHello cut inside its random: malformed, no ServerHello recorded. */
    buf body = { 0 }, rec = { 0 };
    put16(&body, 0x0303);
    bytes_of(&body, 1, 20);
    hs_record(&rec, 2, &body);
    fx f;
    fx_init(&f);
    feedb(&f, 1, &rec, 1);
    CHECK(!f.t.tls.server_hello);
    CHECK(!f.t.tls.has_cipher);
    CHECK(f.t.tls.bad_records[1] == 1);
    CHECK(bad_what(&f.t.tls, 1) && strstr(bad_what(&f.t.tls, 1), "ServerHello"));
    fx_free(&f);
    bfree(&body);
    bfree(&rec);
}

int main(void)
{
    RUN(several_messages_in_one_record);
    RUN(one_message_across_three_records);
    RUN(certificate_chain_across_records);
    RUN(certificate_request_ca_names);
    RUN(huge_handshake_length_not_allocated);
    RUN(certificate_lengths_lie);
    RUN(client_hello_5000_extensions);
    RUN(client_hello_extension_block_overruns);
    RUN(server_hello_truncated);
    EVP_PKEY_free(test_key());
    return check_done();
}
