/* test_quic_conn.c - unit tests for the per-connection QUIC parser (dissectors/quic/quic_conn.c, quic.h) on real and hostile datagrams.
 *
 * Packets are the RFC 9001 Appendix A samples and packets sealed here (quic_seal.h, itself
 * checked against Appendix A byte for byte first).  Each test drives td_quic_conn_new /
 * td_quic_conn_datagram / td_quic_conn_end on a transcript of its own and reads the facts back:
 * td_quic (version, connection IDs, counts, Retry, Version Negotiation, CONNECTION_CLOSE) and the
 * td_tls the CRYPTO frames filled (hellos, SNI, cipher, JA4, alerts, key-log decryption). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "quic_flights.h"
#include "tls_bytes.h"
#include "quic_conn_fixture.h"
#include "dissectors/quic/quic.h"
#include "include/transcript.h"

/* ---- the sealing helper against RFC 9001 / RFC 9369 Appendix A ---------------------------------- */

static bool same_as(const buf *b, const char *hex)
{
    buf want = { 0 };
    qf_hex(&want, hex);
    bool same = b->n == want.n && memcmp(b->p, want.p, want.n) == 0;
    bfree(&want);
    return same;
}

static void check_seal_version(uint32_t v, const char *client_pkt, const char *server_pkt, const char *retry_pkt)
{
    quic_keys c, s;
    CHECK(quic_initial_keys(v, qf_odcid, 8, &c, &s));
    buf f = { 0 }, out = { 0 };
    qf_hex(&f, QV_CLIENT_CRYPTO);
    qf_pad(&f, 1162);
    qs_hdr ch = { .type = QUIC_PT_INITIAL, .version = v, .dcid = qf_odcid, .dcid_len = 8, .pn_len = 4 };
    CHECK(qs_seal(&c, &ch, 2, f.p, f.n, &out) == 1200 && same_as(&out, client_pkt));
    f.n = out.n = 0;
    qf_hex(&f, QV_SERVER_PAYLOAD);
    qs_hdr sh = { .type = QUIC_PT_INITIAL, .version = v, .scid = qf_scid, .scid_len = 8, .pn_len = 2 };
    CHECK(qs_seal(&s, &sh, 1, f.p, f.n, &out) && same_as(&out, server_pkt));
    out.n = 0;
    CHECK(qs_retry(v, qf_odcid, 8, NULL, 0, qf_scid, 8, (const uint8_t *)"token", 5, &out) == 36);
    CHECK(same_as(&out, retry_pkt) && quic_retry_valid(v, qf_odcid, 8, out.p, out.n));
    bfree(&f);
    bfree(&out);
}

TEST(seal_reproduces_rfc_appendix_a)
{
    check_seal_version(TD_QUIC_V1, QV1_CLIENT_PACKET, QV1_SERVER_PACKET, QV1_RETRY_PACKET);
    check_seal_version(TD_QUIC_V2, QV2_CLIENT_PACKET, QV2_SERVER_PACKET, QV2_RETRY_PACKET);
    uint8_t secret[32];                        /* A.5: ChaCha20-Poly1305, short header, one PING */
    buf sec = { 0 }, out = { 0 };
    qf_hex(&sec, QV_CHACHA_SECRET);
    memcpy(secret, sec.p, 32);
    quic_keys k;
    CHECK(quic_secret_keys(TD_QUIC_V1, 0x1303, secret, 32, &k));
    qs_hdr h = { .type = QUIC_PT_SHORT, .pn_len = 3 };
    CHECK(qs_seal(&k, &h, 654360564, (const uint8_t *)"\x01", 1, &out) == 21 && same_as(&out, QV1_CHACHA_PACKET));
    bfree(&sec);
    bfree(&out);
}

/* ---- handshakes ------------------------------------------------------------------------------------ */

TEST(rfc_client_then_server_initial)
{
    qc c;
    qc_open(&c, NULL);
    buf d = { 0 };
    qf_hex(&d, QV1_CLIENT_PACKET);
    qc_flush(&c, TD_C2S, &d);
    CHECK(c.t.tls.client_hello && !c.t.tls.server_hello);
    qf_hex(&d, QV1_SERVER_PACKET);
    qc_flush(&c, TD_S2C, &d);
    td_quic_conn_end(c.q);
    check_hellos(&c.t);
    const td_quic *f = c.t.quic;
    CHECK(f->client_cid.len == 0 && f->last_version == TD_QUIC_V1 && f->server_version == TD_QUIC_V1);
    CHECK(f->initials[0] == 1 && f->initials[1] == 1 && f->datagrams[0] == 1 && f->datagrams[1] == 1);
    CHECK(f->undecryptable[0] == 0 && f->undecryptable[1] == 0 && f->client_initial_min == 1200);
    CHECK(f->first_server_packet == 2 && !f->retries && !f->version_negotiation && !f->closed[0] && !f->closed[1]);
    /* JA4 by hand: TLS 1.3, SNI, 2 suites, 11 extensions, ALPN "alpn"; SHA-256 of "1301,1302" and of
     * the sorted extensions (SNI and ALPN left out) "_" the signature algorithms, cut to 12. */
    CHECK_STR(c.t.tls.hello ? c.t.tls.hello->ja4 : NULL, "q13d0211an_62ed6f6ca7ad_4d634acda6c0");
    CHECK(td_quic_conn_cid_len(c.q, TD_C2S) == 8 && td_quic_conn_cid_len(c.q, TD_S2C) == 0);
    CHECK(td_quic_conn_owns_cid(c.q, TD_C2S, qf_scid, 8) && !td_quic_conn_owns_cid(c.q, TD_C2S, qf_odcid, 8));
    bfree(&d);
    qc_free(&c);
}

static void check_split(bool coalesced)
{
    char ja4[TD_JA4_LEN + 1];
    reference_ja4(ja4);
    qc c;
    qc_open(&c, NULL);
    buf ch = { 0 }, d = { 0 };
    qf_client_hello(&ch);
    CHECK(ch.n == 241);
    static const int order[3] = { 1, 0, 2 };
    for (int i = 0; i < 3; i++) {
        split_hello(&d, ch.p, order[i]);
        if (!coalesced) qc_flush(&c, TD_C2S, &d);
        if (i == 1) CHECK(!c.t.tls.client_hello);   /* [50, 120) is still missing */
    }
    if (coalesced) qc_flush(&c, TD_C2S, &d);
    qf_hex(&d, QV1_SERVER_PACKET);
    qc_flush(&c, TD_S2C, &d);
    td_quic_conn_end(c.q);
    check_hellos(&c.t);
    CHECK(c.t.tls.hello && strcmp(c.t.tls.hello->ja4, ja4) == 0);
    CHECK(c.t.quic->initials[0] == 3 && c.t.quic->undecryptable[0] == 0 && !c.t.quic->crypto_over_cap);
    CHECK(c.t.quic->coalesced[0] == (coalesced ? 1u : 0u) && c.t.quic->datagrams[0] == (coalesced ? 1u : 3u));
    CHECK(td_quic_conn_buffered(c.q) == 0);
    bfree(&ch);
    bfree(&d);
    qc_free(&c);
}

TEST(split_client_hello_in_separate_datagrams) { check_split(false); }
TEST(split_client_hello_coalesced) { check_split(true); }

/* Server: Initial (A.3), Handshake (EE, Certificate) and 1-RTT (HANDSHAKE_DONE) in one datagram;
 * client: an Initial (ACK) then 200 zero bytes of padding, which are no packet. */
TEST(coalesced_initial_handshake_one_rtt)
{
    qc c;
    qc_open(&c, a2_keylog(0x40));
    buf d = { 0 }, f = { 0 };
    qf_hex(&d, QV1_CLIENT_PACKET);
    qc_flush(&c, TD_C2S, &d);
    qf_hex(&d, QV1_SERVER_PACKET);
    quic_keys hs = qf_keys(0x40, 1), app = qf_keys(0x40, 3);
    server_handshake(&d, &hs, 0);
    put8(&f, 0x1e);                            /* HANDSHAKE_DONE */
    qf_pad(&f, 30);
    CHECK(qf_short(&d, &app, NULL, 0, 0, &f));
    qc_flush(&c, TD_S2C, &d);
    const td_quic *q = c.t.quic;
    CHECK(q->initials[1] == 1 && q->handshakes[1] == 1 && q->short_packets[1] == 1 && q->coalesced[1] == 1);
    CHECK(q->one_rtt[1] && q->first_one_rtt_packet[1] == 2 && q->handshake_done && q->last_datagram_handshake[1]);
    check_hellos(&c.t);
    check_server_flight_opened(&c.t, 2);
    f.n = 0;
    qf_ack(&f, 1);
    qf_pad(&f, 40);
    quic_keys ci, si;
    quic_initial_keys(TD_QUIC_V1, qf_odcid, 8, &ci, &si);
    CHECK(qf_long(&d, &ci, QUIC_PT_INITIAL, TD_QUIC_V1, qf_scid, 8, NULL, 0, 3, &f));
    qf_pad(&d, d.n + 200);
    qc_flush(&c, TD_C2S, &d);
    CHECK(q->initials[0] == 2 && q->short_packets[0] == 0 && q->coalesced[0] == 0 && q->undecryptable[0] == 0);
    td_quic_conn_end(c.q);
    bfree(&d);
    bfree(&f);
    qc_free(&c);
}

/* ---- Retry -------------------------------------------------------------------------------------- */

static const uint8_t retry_scid[8] = { 0x52, 0x45, 0x54, 0x52, 0x59, 0x00, 0x00, 0x01 };

/* A.2, then the server's Retry (SCID retry_scid; tamper: one byte of its token flipped), then the
 * client's Initial to retry_scid (its keys) with the whole ClientHello. */
static void retry_start(qc *c, bool tamper)
{
    buf d = { 0 };
    qf_hex(&d, QV1_CLIENT_PACKET);
    qc_flush(c, TD_C2S, &d);
    CHECK(qs_retry(TD_QUIC_V1, qf_odcid, 8, NULL, 0, retry_scid, 8, (const uint8_t *)"retry-token", 11, &d));
    CHECK(quic_retry_valid(TD_QUIC_V1, qf_odcid, 8, d.p, d.n));
    if (tamper) d.p[20] ^= 0x01;
    qc_flush(c, TD_S2C, &d);
    qf_client_initial(&d, retry_scid, 8, retry_scid, 8, 3, 0, 241);
    qc_flush(c, TD_C2S, &d);
    bfree(&d);
}

TEST(retry_changes_the_initial_keys)
{
    qc c;
    qc_open(&c, NULL);
    retry_start(&c, false);
    buf d = { 0 };
    qf_server_initial(&d, retry_scid, 8, qf_scid, 8, 0, 0, 90);    /* under the Retry SCID's keys */
    qc_flush(&c, TD_S2C, &d);
    td_quic_conn_end(c.q);
    check_hellos(&c.t);
    const td_quic *q = c.t.quic;
    CHECK(q->retries == 1 && !q->retry_integrity_bad && q->retry_packet == 2);
    CHECK(q->initials[0] == 2 && q->initials[1] == 1 && q->undecryptable[0] == 0 && q->undecryptable[1] == 0);
    qc_free(&c);
    qc_open(&c, NULL);                         /* the same server Initial under the first DCID's keys */
    retry_start(&c, false);
    qf_server_initial(&d, qf_odcid, 8, qf_scid, 8, 0, 0, 90);
    qc_flush(&c, TD_S2C, &d);
    CHECK(!c.t.tls.server_hello && c.t.quic->undecryptable[1] == 1);
    bfree(&d);
    qc_free(&c);
}

TEST(tampered_retry_is_flagged)
{
    qc c;
    qc_open(&c, NULL);
    retry_start(&c, true);
    CHECK(c.t.quic->retries == 1 && c.t.quic->retry_integrity_bad);
    qc_free(&c);
    qc_open(&c, NULL);
    retry_start(&c, false);
    CHECK(c.t.quic->retries == 1 && !c.t.quic->retry_integrity_bad);
    qc_free(&c);
}

/* After a Retry the server may answer from a new SCID (ngtcp2 does: samples/quic/quic-retry-ngtcp2.pcap);
 * the client's later Initials go to that SCID but keep the Retry SCID's keys (RFC 9001 5.2). */
TEST(retry_then_server_cid_keeps_the_retry_keys)
{
    qc c;
    qc_open(&c, NULL);
    retry_start(&c, false);
    buf d = { 0 };
    qf_server_initial(&d, retry_scid, 8, qf_scid, 8, 0, 0, 40);
    qc_flush(&c, TD_S2C, &d);
    qf_client_initial(&d, retry_scid, 8, qf_scid, 8, 4, 0, 0);     /* to the server's SCID: an ACK */
    qc_flush(&c, TD_C2S, &d);
    qf_server_initial(&d, retry_scid, 8, qf_scid, 8, 1, 40, 90);
    qc_flush(&c, TD_S2C, &d);
    td_quic_conn_end(c.q);
    CHECK(c.t.quic->undecryptable[0] == 0);
    CHECK(c.t.quic->undecryptable[1] == 0);
    CHECK(c.t.tls.server_hello && c.t.tls.cipher == 0x1301);
    bfree(&d);
    qc_free(&c);
}

/* Compatible version negotiation (RFC 9368, RFC 9369 4): the client's first Initial is v1, the
 * server answers in v2 with v2's Initial keys of the same original DCID. */
TEST(server_answers_in_v2)
{
    qc c;
    qc_open(&c, NULL);
    buf d = { 0 }, f = { 0 }, sh = { 0 };
    qf_hex(&d, QV1_CLIENT_PACKET);
    qc_flush(&c, TD_C2S, &d);
    quic_keys c2, s2;
    CHECK(quic_initial_keys(TD_QUIC_V2, qf_odcid, 8, &c2, &s2));
    qf_server_hello(&sh);
    qf_ack(&f, 2);
    qf_crypto(&f, 0, sh.p, sh.n);
    CHECK(qf_long(&d, &s2, QUIC_PT_INITIAL, TD_QUIC_V2, NULL, 0, qf_scid, 8, 0, &f));
    qc_flush(&c, TD_S2C, &d);
    td_quic_conn_end(c.q);
    CHECK(c.t.quic->version == TD_QUIC_V1 && c.t.quic->server_version == TD_QUIC_V2);
    CHECK(c.t.quic->initials[1] == 1 && c.t.quic->undecryptable[1] == 0);
    CHECK(c.t.tls.server_hello && c.t.tls.cipher == 0x1301);
    bfree(&d);
    bfree(&f);
    bfree(&sh);
    qc_free(&c);
}

/* ---- Version Negotiation and CONNECTION_CLOSE ---------------------------------------------------- */

TEST(version_negotiation_lists_the_versions)
{
    qc c;
    qc_open(&c, NULL);
    buf d = { 0 };
    put8(&d, 0xc0);                            /* an Initial of a version no one speaks */
    put32(&d, 0x1a2a3a4a);
    put8(&d, 8);
    put(&d, qf_odcid, 8);
    put8(&d, 4);
    put(&d, "\x01\x02\x03\x04", 4);
    qf_pad(&d, 1200);
    qc_flush(&c, TD_C2S, &d);
    vn_packet(&d, 0x80, (const uint32_t[]){ 0x0a1a2a3a }, 1);        /* the client may not send one */
    qc_flush(&c, TD_C2S, &d);
    CHECK(!c.t.quic->version_negotiation);
    static const uint32_t vs[10] = { TD_QUIC_V2, TD_QUIC_V1, 0x4a5a6a7a, 0xff00001d, 5, 6, 7, 8, 9, 10 };
    vn_packet(&d, 0xaa, vs, 10);               /* VN's other 7 bits are arbitrary */
    qc_flush(&c, TD_S2C, &d);
    vn_packet(&d, 0x80, vs + 1, 1);            /* a second one changes nothing */
    qc_flush(&c, TD_S2C, &d);
    qf_hex(&d, QV1_CLIENT_PACKET);             /* the client tries again in v1 */
    qc_flush(&c, TD_C2S, &d);
    td_quic_conn_end(c.q);
    const td_quic *q = c.t.quic;
    CHECK(q->version_negotiation && q->vn_packet == 3 && q->n_vn_versions == TD_QUIC_MAX_VERSIONS);
    for (size_t i = 0; i < q->n_vn_versions; i++) CHECK(q->vn_versions[i] == vs[i]);
    CHECK(q->version == 0x1a2a3a4a && q->last_version == TD_QUIC_V1 && q->initials[0] == 1);
    CHECK(q->client_cid.len == 4 && c.t.tls.client_hello);
    bfree(&d);
    qc_free(&c);
}

TEST(connection_close_carries_a_tls_alert)
{
    qc c;
    qc_open(&c, NULL);
    buf d = { 0 }, f = { 0 };
    qf_hex(&d, QV1_CLIENT_PACKET);
    qc_flush(&c, TD_C2S, &d);
    quic_keys ci, si;
    quic_initial_keys(TD_QUIC_V1, qf_odcid, 8, &ci, &si);
    qf_ack(&f, 2);
    qf_close(&f, 0x178, 0x06, "no application protocol");
    CHECK(qf_long(&d, &si, QUIC_PT_INITIAL, TD_QUIC_V1, NULL, 0, qf_scid, 8, 0, &f));
    qc_flush(&c, TD_S2C, &d);
    td_quic_conn_end(c.q);
    const td_quic *q = c.t.quic;
    CHECK(q->closed[1] && !q->closed[0] && !q->close_app[1] && !q->close_encrypted[1]);
    CHECK(q->close_code[1] == 0x178 && q->close_frame_type[1] == 0x06 && q->close_packet[1] == 2);
    CHECK_STR(q->close_reason[1], "no application protocol");
    CHECK(has_alert(&c.t, TD_S2C, 120) && !has_alert(&c.t, TD_C2S, 120) && c.t.tls.n_alerts == 1);
    CHECK(c.t.tls.alerts[0].level == 2 && !c.t.tls.alerts[0].encrypted && c.t.tls.alerts[0].packet == 2);
    bfree(&d);
    bfree(&f);
    qc_free(&c);
}

/* ---- Handshake packets with a key log ---------------------------------------------------------- */

/* A.2, A.3 and the server's Handshake flight, which comes before A.3 when early; the client's
 * Finished last. */
static void keylog_handshake(bool early)
{
    qc c;
    qc_open(&c, a2_keylog(0x40));
    buf d = { 0 };
    quic_keys hs = qf_keys(0x40, 1), chs = qf_keys(0x40, 0);
    qf_hex(&d, QV1_CLIENT_PACKET);
    qc_flush(&c, TD_C2S, &d);
    if (early) {
        server_handshake(&d, &hs, 0);
        qc_flush(&c, TD_S2C, &d);
        CHECK(!c.t.tls.dec->decrypted && !c.t.tls.encrypted_extensions && c.t.quic->undecryptable[1] == 0);
        CHECK(td_quic_conn_buffered(c.q) > 0);          /* it waits, copied */
    }
    qf_hex(&d, QV1_SERVER_PACKET);
    qc_flush(&c, TD_S2C, &d);
    if (!early) {
        server_handshake(&d, &hs, 0);
        qc_flush(&c, TD_S2C, &d);
    }
    client_finished(&d, &chs);
    qc_flush(&c, TD_C2S, &d);
    td_quic_conn_end(c.q);
    check_hellos(&c.t);
    check_server_flight_opened(&c.t, 1);
    CHECK(c.t.quic->handshakes[1] == 1 && c.t.quic->handshakes[0] == 1);
    CHECK(c.t.tls.dec->records[0] == 1 && c.t.tls.finished[0] && c.t.quic->undecryptable[0] == 0);
    CHECK(td_quic_conn_buffered(c.q) == 0);
    bfree(&d);
    qc_free(&c);
}

TEST(key_log_opens_handshake_packets) { keylog_handshake(false); }
TEST(handshake_before_server_hello_waits_for_its_keys) { keylog_handshake(true); }

TEST(handshake_under_a_wrong_secret_fails)
{
    for (int early = 0; early < 2; early++) {
        qc c;
        qc_open(&c, a2_keylog(0x40));
        buf d = { 0 };
        quic_keys wrong = qf_keys(0x90, 1);
        qf_hex(&d, QV1_CLIENT_PACKET);
        qc_flush(&c, TD_C2S, &d);
        if (early) server_handshake(&d, &wrong, 0);
        qf_hex(&d, QV1_SERVER_PACKET);
        if (!early) server_handshake(&d, &wrong, 0);
        qc_flush(&c, TD_S2C, &d);
        td_quic_conn_end(c.q);
        const td_decrypt_facts *f = c.t.tls.dec;
        CHECK(c.t.tls.server_hello && f && !f->decrypted && f->failed[1] == 1 && f->records[1] == 0);
        CHECK(f && f->status && strstr(f->status, "authentication"));
        CHECK(!c.t.tls.encrypted_extensions && !c.t.tls.server_chain.seen && c.t.quic->undecryptable[1] == 1);
        bfree(&d);
        qc_free(&c);
    }
}

/* The key log knows another client random: nothing opens, and the status says why. */
TEST(client_random_not_in_the_key_log)
{
    qc c;
    qc_open(&c, qf_keylog("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 0x40));
    buf d = { 0 };
    quic_keys hs = qf_keys(0x40, 1);
    qf_hex(&d, QV1_CLIENT_PACKET);
    qc_flush(&c, TD_C2S, &d);
    server_handshake(&d, &hs, 0);              /* held until the ServerHello ... */
    qc_flush(&c, TD_S2C, &d);
    qf_hex(&d, QV1_SERVER_PACKET);
    qc_flush(&c, TD_S2C, &d);
    server_handshake(&d, &hs, 1);              /* ... and this one after it */
    qc_flush(&c, TD_S2C, &d);
    td_quic_conn_end(c.q);
    const td_decrypt_facts *f = c.t.tls.dec;
    CHECK(f && !f->decrypted && f->records[1] == 0 && f->status && strstr(f->status, "no secrets"));
    CHECK(c.t.quic->undecryptable[1] == 2 && !c.t.tls.encrypted_extensions);
    bfree(&d);
    qc_free(&c);
}

/* The server's Initial never comes: its Handshake packets wait (HELD_MAX = 16 of them), and at
 * the end every one counts as undecryptable. */
TEST(handshake_packets_held_then_dropped_at_the_end)
{
    qc c;
    qc_open(&c, a2_keylog(0x40));
    buf d = { 0 };
    quic_keys hs = qf_keys(0x40, 1);
    qf_hex(&d, QV1_CLIENT_PACKET);
    qc_flush(&c, TD_C2S, &d);
    for (int i = 0; i < 20; i++) {
        server_handshake(&d, &hs, (uint64_t)i);
        qc_flush(&c, TD_S2C, &d);
    }
    CHECK(c.t.quic->handshakes[1] == 20 && c.t.quic->undecryptable[1] == 4);   /* past the 16 held */
    size_t held = td_quic_conn_buffered(c.q);
    CHECK(held >= 16 * 1000 && held <= 16 * 4096);
    td_quic_conn_end(c.q);
    CHECK(c.t.quic->undecryptable[1] == 20 && !c.t.tls.dec->decrypted && td_quic_conn_buffered(c.q) == 0);
    bfree(&d);
    qc_free(&c);
}

/* ---- hostile datagrams ----------------------------------------------------------------------------- */

static bool counted_nothing(const td_quic *q, int dir)
{
    return !q->initials[dir] && !q->handshakes[dir] && !q->zero_rtt[dir] && !q->short_packets[dir] &&
           !q->one_rtt[dir] && !q->undecryptable[dir] && !q->coalesced[dir];
}

/* A connection past A.2 and A.3, with a key log that has its secrets (so 1-RTT keys are set). */
static void a2_a3(qc *c)
{
    qc_open(c, a2_keylog(0x40));
    buf d = { 0 };
    qf_hex(&d, QV1_CLIENT_PACKET);
    qc_flush(c, TD_C2S, &d);
    qf_hex(&d, QV1_SERVER_PACKET);
    qc_flush(c, TD_S2C, &d);
    bfree(&d);
}

/* Empty and 1-byte datagrams, each way: too short to hold any QUIC packet (RFC 9001 5.4.2: a
 * packet leaves 4 + 16 bytes for the sample after its packet number's start), so counted as
 * datagrams and nothing else: no 1-RTT packet, nothing that failed authentication. */
TEST(one_byte_datagrams_are_no_packets)
{
    static const uint8_t firsts[] = { 0x00, 0x40, 0x5f, 0x80, 0xc0, 0xff };
    for (size_t i = 0; i < sizeof firsts; i++) {
        qc c;
        a2_a3(&c);
        td_quic_conn_datagram(c.q, TD_C2S, firsts + i, 0, 3, 1.0);
        for (int dir = 0; dir < 2; dir++) td_quic_conn_datagram(c.q, dir, firsts + i, 1, 4, 1.0);
        td_quic_conn_end(c.q);
        const td_quic *q = c.t.quic;
        CHECK(q->datagrams[0] == 3 && q->datagrams[1] == 2 && q->initials[0] == 1 && q->initials[1] == 1);
        bool counted = q->short_packets[0] || q->short_packets[1] || q->one_rtt[0] || q->one_rtt[1] ||
                       q->undecryptable[0] || q->undecryptable[1] || c.t.tls.dec->failed[0] || c.t.tls.dec->failed[1];
        if (counted) printf("    first byte 0x%02x: read as a 1-RTT packet that failed authentication\n", firsts[i]);
        CHECK(!counted);
        qc_free(&c);
    }
    td_quic_conn_datagram(NULL, TD_C2S, firsts, 1, 1, 1.0);         /* no connection: nothing */
}

/* A Handshake packet whose Length is 0..19 has no room for a packet number and a sample: it is
 * not counted as a Handshake packet (the verdicts read handshakes[] as "a flight was sent"). */
TEST(long_header_with_no_room_for_a_packet)
{
    for (unsigned len = 0; len < 20; len += 7) {
        qc c;
        a2_a3(&c);
        buf d = { 0 };
        put(&d, "\xe0\x00\x00\x00\x01\x00\x08", 7);
        put(&d, qf_scid, 8);
        put8(&d, len);
        qf_pad(&d, d.n + len);
        qc_flush(&c, TD_S2C, &d);
        td_quic_conn_end(c.q);
        CHECK(c.t.quic->handshakes[1] == 0 && c.t.quic->undecryptable[1] == 0 && c.t.tls.dec->failed[1] == 0);
        bfree(&d);
        qc_free(&c);
    }
}

/* 10,000 minimal long headers (Handshake, empty CIDs, Length 0: 8 bytes each) in one datagram:
 * at most MAX_PACKETS_PER_DATAGRAM (64) are read, fast, with and without a key log. */
TEST(ten_thousand_coalesced_packets)
{
    buf d = { 0 };
    for (int i = 0; i < 10000; i++) put(&d, "\xe0\x00\x00\x00\x01\x00\x00\x00", 8);
    for (int with_keys = 0; with_keys < 2; with_keys++) {
        qc c;
        qc_open(&c, with_keys ? a2_keylog(0x40) : NULL);
        double t0 = now_s();
        for (int i = 0; i < 10; i++) {
            qc_send(&c, TD_C2S, &d);
            qc_send(&c, TD_S2C, &d);
        }
        td_quic_conn_end(c.q);
        double took = now_s() - t0;
        const td_quic *q = c.t.quic;
        CHECK(took < 2.0);
        CHECK(q->datagrams[0] == 10 && q->bytes[0] == 800000 && q->coalesced[0] <= 10);
        CHECK(q->handshakes[0] <= 10 * 64 && q->handshakes[1] <= 10 * 64);
        CHECK(q->undecryptable[0] <= 10 * 64 && q->initials[0] == 0 && q->short_packets[0] == 0);
        CHECK(td_quic_conn_buffered(c.q) == 0 && !c.t.tls.client_hello);
        qc_free(&c);
    }
    bfree(&d);
}

/* A Length past the datagram's end: that packet and what follows are not read. */
TEST(length_past_the_datagram)
{
    qc c;
    qc_open(&c, NULL);
    buf d = { 0 };
    qf_client_initial(&d, qf_odcid, 8, qf_odcid, 8, 0, 0, 241);
    CHECK(d.n == 1198 && d.p[16] == 0x44 && d.p[17] == 0x9c);       /* Length 0x49c = 1180 */
    d.p[16] = 0x47;
    d.p[17] = 0xd0;                                                  /* 2000 */
    qc_flush(&c, TD_C2S, &d);
    CHECK(counted_nothing(c.t.quic, TD_C2S) && c.t.quic->version == 0 && !c.t.tls.client_hello);
    qf_client_initial(&d, qf_odcid, 8, qf_odcid, 8, 1, 0, 241);      /* a good one, then a liar */
    size_t second = d.n;
    qf_client_initial(&d, qf_odcid, 8, qf_odcid, 8, 2, 0, 0);
    d.p[second + 16] = 0x7f;
    d.p[second + 17] = 0xff;
    qc_flush(&c, TD_C2S, &d);
    td_quic_conn_end(c.q);
    CHECK(c.t.quic->initials[0] == 1 && c.t.quic->coalesced[0] == 0 && c.t.quic->undecryptable[0] == 0);
    CHECK(c.t.tls.client_hello && c.t.quic->datagrams[0] == 2);
    bfree(&d);
    qc_free(&c);
}

TEST(crypto_offsets_near_2_62)
{
    const uint64_t l62 = (uint64_t)1 << 62;
    size_t base = base_buffered();
    qc c;
    qc_open(&c, NULL);
    crypto_at(&c, l62 - 10, 20, 0);            /* ends past 2^62 - 1: the frame lies, dropped */
    CHECK(c.t.quic->initials[0] == 1 && c.t.quic->undecryptable[0] == 0 && !c.t.quic->crypto_over_cap);
    CHECK(td_quic_conn_buffered(c.q) == base);
    crypto_at(&c, l62 - 30, 20, 1);            /* legal, but far past the window: dropped, said */
    CHECK(c.t.quic->crypto_over_cap && td_quic_conn_buffered(c.q) == base);
    crypto_at(&c, l62 - 1, 1, 2);              /* the last legal byte */
    CHECK(td_quic_conn_buffered(c.q) == base);
    td_quic_conn_end(c.q);
    CHECK(!c.t.tls.client_hello && c.t.quic->initials[0] == 3);
    qc_free(&c);
}

TEST(crypto_beyond_the_64k_window)
{
    size_t base = base_buffered();
    qc c;
    qc_open(&c, NULL);
    crypto_at(&c, 1000, 100, 0);               /* inside the window: held */
    CHECK(!c.t.quic->crypto_over_cap && td_quic_conn_buffered(c.q) == base + 100);
    crypto_at(&c, 20 + 65536 - 50, 100, 1);    /* straddles the window's end: 50 held */
    CHECK(c.t.quic->crypto_over_cap && td_quic_conn_buffered(c.q) == base + 150);
    qc_free(&c);
    qc_open(&c, NULL);
    crypto_at(&c, 70000, 100, 0);              /* wholly past it */
    CHECK(c.t.quic->crypto_over_cap && td_quic_conn_buffered(c.q) == base);
    qc_free(&c);
}

/* 3000 client Initials with random DCIDs (sealed, as a client does, with the first DCID's keys),
 * each with 100 CRYPTO bytes at a random offset past the ClientHello; then a Retry and 1000 more,
 * each sealed with its own DCID's keys.  Memory stays bounded: td_quic_conn_buffered() <= 64 KiB,
 * the one CRYPTO window written (Initial space, client to server); nothing else grows. */
TEST(initial_flood_with_random_dcids)
{
    qc c;
    qc_open(&c, NULL);
    buf d = { 0 }, f = { 0 };
    uint8_t junk[100];
    memset(junk, 0xa5, sizeof junk);
    qf_hex(&d, QV1_CLIENT_PACKET);
    qc_flush(&c, TD_C2S, &d);
    uint64_t seed = 0x9e3779b97f4a7c15u;
    size_t peak = 0;
    double t0 = now_s();
    for (int i = 0; i < 4000; i++) {
        if (i == 3000) {
            CHECK(qs_retry(TD_QUIC_V1, qf_odcid, 8, NULL, 0, retry_scid, 8, (const uint8_t *)"t", 1, &d));
            qc_flush(&c, TD_S2C, &d);
        }
        uint8_t dcid[8];
        uint64_t r = rnd(&seed);
        memcpy(dcid, &r, 8);
        quic_keys ci, si;
        quic_initial_keys(TD_QUIC_V1, i < 3000 ? qf_odcid : dcid, 8, &ci, &si);
        f.n = 0;
        qf_crypto(&f, 241 + rnd(&seed) % 100000, junk, sizeof junk);
        qf_pad(&f, 1162);
        CHECK(qf_long(&d, &ci, QUIC_PT_INITIAL, TD_QUIC_V1, dcid, 8, NULL, 0, 3 + (uint64_t)i, &f));
        qc_flush(&c, TD_C2S, &d);
        size_t b = td_quic_conn_buffered(c.q);
        if (b > peak) peak = b;
    }
    td_quic_conn_end(c.q);
    const td_quic *q = c.t.quic;
    CHECK(q->initials[0] == 4001 && c.t.tls.client_hello && q->crypto_over_cap);
    CHECK(q->undecryptable[0] <= 1000);        /* the first 3000 all open */
    CHECK(peak <= 64 * 1024 && peak >= 32 * 1024);
    CHECK(now_s() - t0 < 20.0);
    bfree(&d);
    bfree(&f);
    qc_free(&c);
}

int main(void)
{
    RUN(seal_reproduces_rfc_appendix_a);
    RUN(rfc_client_then_server_initial);
    RUN(split_client_hello_in_separate_datagrams);
    RUN(split_client_hello_coalesced);
    RUN(coalesced_initial_handshake_one_rtt);
    RUN(retry_changes_the_initial_keys);
    RUN(tampered_retry_is_flagged);
    RUN(retry_then_server_cid_keeps_the_retry_keys);
    RUN(server_answers_in_v2);
    RUN(version_negotiation_lists_the_versions);
    RUN(connection_close_carries_a_tls_alert);
    RUN(key_log_opens_handshake_packets);
    RUN(handshake_before_server_hello_waits_for_its_keys);
    RUN(handshake_under_a_wrong_secret_fails);
    RUN(client_random_not_in_the_key_log);
    RUN(handshake_packets_held_then_dropped_at_the_end);
    RUN(one_byte_datagrams_are_no_packets);
    RUN(long_header_with_no_room_for_a_packet);
    RUN(ten_thousand_coalesced_packets);
    RUN(length_past_the_datagram);
    RUN(crypto_offsets_near_2_62);
    RUN(crypto_beyond_the_64k_window);
    RUN(initial_flood_with_random_dcids);
    EVP_PKEY_free(test_key());
    return check_done();
}
