/* test_tls_stream_hellos.c - the TLS stream parser on ClientHellos and ServerHellos, and on whole
 * TLS 1.2 and TLS 1.3 handshakes delivered in every split.
 *
 * Through its public API (dissectors/dissect.h): td_tls_stream_new/_data/_gap/_free filling a
 * td_transcript (dissectors/tls/: tls_stream.c and the files below it, see tls_stream_int.h).
 * TLS bytes are built by hand (tls_bytes.h), certificates are made with OpenSSL, and every test
 * checks exact values; a flow delivered one byte at a time, or in two chunks at every split
 * point, must give the same transcript (tls_stream_fixture.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tls_stream_fixture.h"

/* ---- ClientHello / ServerHello fields ------------------------------------------------------------ */

/* A list of names grows past its first 4 and 8 places with every name kept, in order. */
TEST(client_hello_alpn_list_of_eleven)
{
    ch_opts co = { .sni = "www.example.com",
                   .alpn = { "h2", "http/1.1", "h3", "spdy/3", "acme-tls/1", "imap", "pop3", "smtp", "xmpp-client",
                             "dot", "ftp" } };
    buf b = { 0 };
    client_hello_record(&b, &co);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &b, 1);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_alpn_offered == 11);
    bool same = x->n_alpn_offered == 11;
    for (size_t i = 0; same && i < 11; i++) same = strcmp(x->alpn_offered[i], co.alpn[i]) == 0;
    CHECK(same);
    fx_free(&f);
    bfree(&b);
}

TEST(client_hello_fields)
{
    static const uint8_t sid[32] = { 0xde, 0xad, 0xbe, 0xef };
    ch_opts co = { .sni = "www.example.com", .alpn = { "h2", "http/1.1" },
                   .versions = { 0x0a0a, 0x0304, 0x0303, 0xfafa }, .sid = sid, .sid_len = 32,
                   .ciphers = { 0x2a2a, 0x1301, 0x1302, 0xc02b }, .ticket = true, .early_data = true,
                   .ech = true };
    buf b = { 0 };
    client_hello_record(&b, &co);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &b, 4);
    const td_tls *x = &f.t.tls;
    CHECK(x->client_hello);
    CHECK(!x->server_hello);
    CHECK(x->client_hello_packet == 4);
    CHECK(x->client_legacy_version == 0x0303);
    CHECK(x->record_version[0] == 0x0303);
    CHECK_STR(x->sni, "www.example.com");
    CHECK(x->n_alpn_offered == 2);
    if (x->n_alpn_offered == 2) {
        CHECK_STR(x->alpn_offered[0], "h2");
        CHECK_STR(x->alpn_offered[1], "http/1.1");
    }
    CHECK(x->n_offered_versions == 2);           /* both GREASE values dropped */
    CHECK(x->offered_versions[0] == 0x0304);
    CHECK(x->offered_versions[1] == 0x0303);
    CHECK(x->n_offered_ciphers == 4 && x->n_offered_ciphers_total == 4);
    CHECK(x->n_offered_ciphers == 4 && x->offered_ciphers[1] == 0x1301 && x->offered_ciphers[3] == 0xc02b);
    CHECK(x->session_id_c_len == 32 && x->session_id_c[0] == 0xde && x->session_id_c[3] == 0xef);
    CHECK(x->ticket_offered);
    CHECK(x->early_data_offered);
    CHECK(x->ech_offered);
    CHECK(!x->psk_offered);
    CHECK(x->version == 0);
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    CHECK(f.t.n_events == 1 && f.t.events[0].kind == TD_EV_HANDSHAKE && f.t.events[0].sub == 1 &&
          f.t.events[0].dir == 0 && f.t.events[0].packet == 4 && f.t.events[0].len == b.n - 9);
    fx_free(&f);
    bfree(&b);
}

TEST(client_hello_without_extensions)
{
    /* TLS 1.0 ClientHello with no extension block at all: offered version = legacy_version. */
    buf body = { 0 }, b = { 0 };
    put16(&body, 0x0301);
    bytes_of(&body, 7, 32);
    put8(&body, 0);
    put16(&body, 4);
    put16(&body, 0x002f);
    put16(&body, 0x0035);
    put8(&body, 1);
    put8(&body, 0);
    hs_record(&b, 1, &body);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &b, 1);
    CHECK(f.t.tls.client_hello);
    CHECK(f.t.tls.client_legacy_version == 0x0301);
    CHECK(f.t.tls.n_offered_versions == 1 && f.t.tls.offered_versions[0] == 0x0301);
    CHECK(f.t.tls.sni == NULL);
    CHECK(f.t.tls.n_alpn_offered == 0);
    CHECK(f.t.tls.n_offered_ciphers == 2 && f.t.tls.offered_ciphers[0] == 0x002f);
    CHECK(f.t.tls.bad_records[0] == 0);
    fx_free(&f);
    bfree(&b);
    bfree(&body);
}

TEST(server_hello_tls12)
{
    static const uint8_t csid[32] = { 1 }, ssid[32] = { 2 };
    ch_opts co = { .sni = "a.example", .alpn = { "h2", "http/1.1" }, .sid = csid, .sid_len = 32 };
    sh_opts so = { .cipher = 0xc02f, .alpn = "http/1.1", .sid = ssid, .sid_len = 32 };
    buf c = { 0 }, s = { 0 }, msgs = { 0 };
    client_hello_record(&c, &co);
    server_hello_msg(&msgs, &so);
    handshake(&msgs, 14, NULL, 0);
    record(&s, 22, 0x0303, msgs.p, msgs.n);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    const td_tls *x = &f.t.tls;
    CHECK(x->server_hello && x->server_hello_packet == 2);
    CHECK(x->version == 0x0303);
    CHECK(x->has_cipher && x->cipher == 0xc02f);
    CHECK_STR(x->alpn, "http/1.1");
    CHECK(x->session_id_s_len == 32 && x->session_id_s[0] == 2);
    CHECK(!x->resumed);                          /* a new session ID: full handshake */
    CHECK(!x->hello_retry);
    CHECK(x->server_hello_done);
    CHECK(!x->encrypted[1]);
    CHECK(has_event(&f.t, TD_EV_HANDSHAKE, 1, 2));
    CHECK(has_event(&f.t, TD_EV_HANDSHAKE, 1, 14));
    CHECK(x->bad_records[1] == 0);
    fx_free(&f);
    bfree(&c);
    bfree(&s);
    bfree(&msgs);
}

TEST(server_hello_tls13_and_psk)
{
    for (int psk = 0; psk < 2; psk++) {
        static const uint8_t sid[32] = { 5 };
        ch_opts co = { .sni = "b.example", .versions = { 0x0304, 0x0303 }, .sid = sid, .sid_len = 32, .psk = psk };
        sh_opts so = { .cipher = 0x1302, .selected_version = 0x0304, .sid = sid, .sid_len = 32, .psk = psk };
        buf c = { 0 }, s = { 0 };
        client_hello_record(&c, &co);
        server_hello_record(&s, &so);
        fx f;
        fx_init(&f);
        feedb(&f, 0, &c, 1);
        feedb(&f, 1, &s, 2);
        const td_tls *x = &f.t.tls;
        CHECK(x->server_hello);
        CHECK(x->version == 0x0304);             /* from supported_versions, not legacy 0x0303 */
        CHECK(x->cipher == 0x1302);
        CHECK(x->encrypted[1]);
        CHECK(x->psk_offered == (psk == 1));
        CHECK(x->psk_accepted == (psk == 1));
        CHECK(x->resumed == (psk == 1));         /* the echoed legacy session id is not resumption */
        CHECK(x->alpn == NULL);
        fx_free(&f);
        bfree(&c);
        bfree(&s);
    }
}

TEST(session_id_resumption_tls12)
{
    static const uint8_t sid[32] = { 0x42, 0x43, 0x44 };
    ch_opts co = { .sni = "r.example", .sid = sid, .sid_len = 32 };
    sh_opts so = { .cipher = 0xc030, .sid = sid, .sid_len = 32 };
    buf c = { 0 }, s = { 0 };
    client_hello_record(&c, &co);
    server_hello_record(&s, &so);
    ccs_record(&s);
    opaque_record(&s, 22, 40, 9);                /* encrypted Finished */
    fx f;
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    CHECK(f.t.tls.resumed);
    CHECK(f.t.tls.version == 0x0303);
    CHECK(f.t.tls.ccs[1] && f.t.tls.encrypted[1] && f.t.tls.finished[1]);
    CHECK(f.t.tls.enc_hs_records[1] == 1 && f.t.tls.enc_hs_bytes[1] == 40);
    CHECK(!f.t.tls.server_chain.seen);
    fx_free(&f);
    bfree(&s);

    /* Same session ID length but different bytes: not resumed (until an abbreviated CCS). */
    static const uint8_t other[32] = { 0x42, 0x43, 0x45 };
    so.sid = other;
    server_hello_record(&s, &so);
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    CHECK(!f.t.tls.resumed);
    fx_free(&f);
    bfree(&s);

    /* Empty session IDs on both sides are not an echo. */
    co.sid_len = 0;
    so.sid_len = 0;
    bfree(&c);
    client_hello_record(&c, &co);
    server_hello_record(&s, &so);
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    CHECK(!f.t.tls.resumed);
    fx_free(&f);
    bfree(&c);
    bfree(&s);
}

TEST(hello_retry_request)
{
    flow fl = { 0 };
    tls13_flow(&fl);
    fx f;
    fx_init(&f);
    feedb(&f, fl.dir[0], &fl.b[0], 1);
    feedb(&f, fl.dir[1], &fl.b[1], 2);
    const td_tls *x = &f.t.tls;
    CHECK(x->hello_retry);
    CHECK(x->hello_retry_packet == 2);
    CHECK(!x->server_hello);                     /* an HRR is not the ServerHello */
    CHECK(x->server_hello_packet == 0);
    CHECK(has_event(&f.t, TD_EV_HANDSHAKE, 1, 6));
    CHECK(!has_event(&f.t, TD_EV_HANDSHAKE, 1, 2));
    feedb(&f, fl.dir[2], &fl.b[2], 3);
    CHECK(!x->server_hello);
    CHECK(x->client_hello_packet == 1);          /* the first ClientHello's packet is kept */
    feedb(&f, fl.dir[3], &fl.b[3], 4);
    CHECK(x->server_hello && x->server_hello_packet == 4);
    CHECK(x->hello_retry);
    CHECK(x->version == 0x0304 && x->cipher == 0x1301);
    CHECK_STR(x->sni, "tls13.example");
    /* The second ClientHello repeats the lists: they must not be counted twice. */
    CHECK(x->n_alpn_offered == 2);
    CHECK(x->n_offered_versions == 2);
    CHECK(x->n_offered_ciphers == 3);
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    fx_free(&f);
    flow_free(&fl);
}

/* ---- TLS 1.2 full flow, split invariance ---------------------------------------------------------- */

TEST(tls12_full_handshake)
{
    flow fl = { 0 };
    tls12_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    const td_tls *x = &f.t.tls;
    CHECK(x->client_hello && x->server_hello);
    CHECK_STR(x->sni, "www.example.com");
    CHECK_STR(x->alpn, "h2");
    CHECK(x->version == 0x0303 && x->cipher == 0xc02f);
    CHECK(x->n_offered_versions == 2 && x->offered_versions[0] == 0x0304);
    CHECK(!x->resumed);
    CHECK(x->server_chain.seen && !x->server_chain.malformed && !x->server_chain.empty);
    CHECK(x->server_chain.n == 2 && x->server_chain.n_total == 2);
    if (x->server_chain.n == 2) {
        CHECK_STR(x->server_chain.certs[0].subject, "CN=www.example.com");
        CHECK_STR(x->server_chain.certs[0].issuer, "CN=Example CA");
        CHECK_STR(x->server_chain.certs[1].subject, "CN=Example CA");
        CHECK(!x->server_chain.certs[0].parse_error);
    }
    CHECK(x->server_chain.packet == 2);
    CHECK(x->server_hello_done);
    CHECK(x->ccs[0] && x->ccs[1] && x->encrypted[0] && x->encrypted[1]);
    CHECK(x->finished[0] && x->finished[1]);
    CHECK(x->enc_hs_records[0] == 1 && x->enc_hs_records[1] == 1);
    CHECK(x->app_records[0] == 2 && x->app_data[0] == 150);
    CHECK(x->app_records[1] == 1 && x->app_data[1] == 1500);
    CHECK(x->first_app_packet[0] == 5 && x->first_app_packet[1] == 6);
    CHECK(x->n_alerts == 1 && x->n_alerts_total == 1);
    if (x->n_alerts == 1) {
        CHECK(x->alerts[0].encrypted && x->alerts[0].from == 1 && x->alerts[0].level == 0);
        CHECK(x->alerts[0].packet == 6);
    }
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    CHECK(x->empty_records[0] == 0 && x->empty_records[1] == 0);
    CHECK(!x->buffer_cap_hit);
    CHECK(td_tls_stream_settled(f.s));
    CHECK(td_tls_stream_buffered(f.s) == 0);
    CHECK(count_events(&f.t, TD_EV_APPDATA, 0) == 1);  /* coalesced */
    for (size_t i = 0; i < f.t.n_events; i++)
        if (f.t.events[i].kind == TD_EV_APPDATA && f.t.events[i].dir == 0)
            CHECK(f.t.events[i].count == 2 && f.t.events[i].len == 150);
    CHECK(transcript_sane(&f.t));
    fx_free(&f);
    flow_free(&fl);
}

TEST(tls12_every_split_same_transcript)
{
    flow fl = { 0 };
    tls12_flow(&fl);
    CHECK(split_mismatches(&fl) == 0);
    flow_free(&fl);
}

TEST(tls13_every_split_same_transcript)
{
    flow fl = { 0 };
    tls13_flow(&fl);
    CHECK(split_mismatches(&fl) == 0);
    flow_free(&fl);
}

int main(void)
{
    RUN(client_hello_alpn_list_of_eleven);
    RUN(client_hello_fields);
    RUN(client_hello_without_extensions);
    RUN(server_hello_tls12);
    RUN(server_hello_tls13_and_psk);
    RUN(session_id_resumption_tls12);
    RUN(hello_retry_request);
    RUN(tls12_full_handshake);
    RUN(tls12_every_split_same_transcript);
    RUN(tls13_every_split_same_transcript);
    EVP_PKEY_free(test_key());
    return check_done();
}
