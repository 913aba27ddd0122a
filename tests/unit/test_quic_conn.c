/* test_quic_conn.c - unit tests for the per-connection QUIC parser (dissectors/quic/quic_conn.c, quic.h) on real and hostile datagrams.
 *
 * Packets are the RFC 9001 Appendix A samples and packets sealed here (quic_seal.h, itself
 * checked against Appendix A byte for byte first).  Each test drives td_quic_conn_new /
 * td_quic_conn_datagram / td_quic_conn_end on a transcript of its own and reads the facts back:
 * td_quic (version, connection IDs, counts, Retry, Version Negotiation, CONNECTION_CLOSE) and the
 * td_tls the CRYPTO frames filled (hellos, SNI, cipher, JA4, alerts, key-log decryption). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "quic_flights.h"
#include "tls_bytes.h"
#include "dissectors/quic/quic.h"
#include "include/transcript.h"

/* ---- a connection under test ------------------------------------------------------------------- */

typedef struct qc {
    td_transcript t;
    td_quic_conn *q;
    td_keylog *kl;
    uint64_t packet;
} qc;

static void qc_open(qc *c, td_keylog *kl)
{
    memset(c, 0, sizeof *c);
    c->kl = kl;
    c->q = td_quic_conn_new(&c->t, NULL, kl);
    CHECK(c->q && c->t.quic);
}

static void qc_send(qc *c, int dir, const buf *d)
{
    c->packet++;
    td_quic_conn_datagram(c->q, dir, d->p, d->n, c->packet, 1700000000.0 + 0.01 * (double)c->packet);
}

/* Send d and empty it. */
static void qc_flush(qc *c, int dir, buf *d)
{
    qc_send(c, dir, d);
    d->n = 0;
}

static void qc_free(qc *c)
{
    td_quic_conn_free(c->q);
    td_transcript_clear(&c->t);
    td_keylog_free(c->kl);
    memset(c, 0, sizeof *c);
}

static bool has_alert(const td_transcript *t, int from, uint8_t code)
{
    for (size_t i = 0; i < t->tls.n_alerts; i++)
        if (t->tls.alerts[i].from == from && t->tls.alerts[i].code == code) return true;
    return false;
}

/* The facts every handshake here ends with: A.2's ClientHello and A.3's ServerHello read. */
static void check_hellos(const td_transcript *t)
{
    CHECK(t->tls.client_hello && t->tls.server_hello);
    CHECK_STR(t->tls.sni, "example.com");
    CHECK(t->tls.has_cipher && t->tls.cipher == 0x1301);
    CHECK(t->tls.version == 0x0304);
    CHECK(t->tls.hello && strncmp(t->tls.hello->ja4, "q13", 3) == 0);
    CHECK(t->quic->version == TD_QUIC_V1);
    CHECK(t->quic->odcid.len == 8 && memcmp(t->quic->odcid.b, qf_odcid, 8) == 0);
    CHECK(t->quic->server_cid.len == 8 && memcmp(t->quic->server_cid.b, qf_scid, 8) == 0);
}

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
    CHECK_STR(c.t.tls.hello->ja4, "q13d0211an_62ed6f6ca7ad_4d634acda6c0");   /* "alpn": a..n */
    CHECK(td_quic_conn_cid_len(c.q, TD_C2S) == 8 && td_quic_conn_cid_len(c.q, TD_S2C) == 0);
    CHECK(td_quic_conn_owns_cid(c.q, TD_C2S, qf_scid, 8) && !td_quic_conn_owns_cid(c.q, TD_C2S, qf_odcid, 8));
    bfree(&d);
    qc_free(&c);
}

/* The A.2 ClientHello cut into three Initials (pn 0, 1, 2) as Chromium sends it: CRYPTO frames
 * out of order inside a packet and across packets, overlapping; sent P2, P1, P3. */
static void split_hello(buf *out, const uint8_t *ch, int which)
{
    static const size_t cuts[3][2][2] = { { { 160, 241 }, { 0, 50 } }, { { 120, 200 }, { 0, 0 } },
                                          { { 40, 130 }, { 0, 0 } } };
    quic_keys c, s;
    quic_initial_keys(TD_QUIC_V1, qf_odcid, 8, &c, &s);
    buf f = { 0 };
    put8(&f, 0x01);                            /* PING first, as Chromium does */
    for (int i = 0; i < 2; i++)
        if (cuts[which][i][1]) qf_crypto(&f, cuts[which][i][0], ch + cuts[which][i][0], cuts[which][i][1] - cuts[which][i][0]);
    qf_pad(&f, 400);
    CHECK(qf_long(out, &c, QUIC_PT_INITIAL, TD_QUIC_V1, qf_odcid, 8, NULL, 0, (uint64_t)which, &f));
    bfree(&f);
}

/* The JA4 of A.2's ClientHello, read from the RFC packet in one piece. */
static void reference_ja4(char out[TD_JA4_LEN + 1])
{
    qc c;
    qc_open(&c, NULL);
    buf d = { 0 };
    qf_hex(&d, QV1_CLIENT_PACKET);
    qc_flush(&c, TD_C2S, &d);
    CHECK(c.t.tls.hello);
    snprintf(out, TD_JA4_LEN + 1, "%s", c.t.tls.hello ? c.t.tls.hello->ja4 : "");
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

/* EncryptedExtensions (ALPN h3) and, with cert, a TLS 1.3 Certificate of one certificate. */
static void ee_and_cert(buf *m, bool cert)
{
    static const uint8_t ee[] = { 0x00, 0x09, 0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 'h', '3' };
    handshake(m, 8, ee, sizeof ee);
    if (!cert) return;
    buf der = { 0 }, body = { 0 };
    make_cert_der(&der, "example.com", "Test CA");
    put8(&body, 0);                            /* certificate_request_context */
    put24(&body, 3 + der.n + 2);
    put24(&body, der.n);
    putb(&body, &der);
    put16(&body, 0);                           /* no extensions */
    handshake(m, 11, body.p, body.n);
    bfree(&der);
    bfree(&body);
}

/* The server's Handshake packet (CRYPTO at 0: EncryptedExtensions and Certificate) sealed with k. */
static void server_handshake(buf *out, const quic_keys *k, uint64_t pn)
{
    buf m = { 0 }, f = { 0 };
    ee_and_cert(&m, true);
    qf_crypto(&f, 0, m.p, m.n);
    CHECK(qf_long(out, k, QUIC_PT_HANDSHAKE, TD_QUIC_V1, NULL, 0, qf_scid, 8, pn, &f));
    bfree(&m);
    bfree(&f);
}

static td_keylog *a2_keylog(uint8_t fill)
{
    char random[65];
    qf_client_random_hex(random);
    return qf_keylog(random, fill);
}

static void check_server_flight_opened(const td_transcript *t, uint32_t records)
{
    CHECK(t->tls.dec && t->tls.dec->decrypted && t->tls.dec->status == NULL);
    CHECK(t->tls.dec && t->tls.dec->records[1] == records && t->tls.dec->failed[1] == 0);
    CHECK(t->tls.encrypted_extensions);
    CHECK_STR(t->tls.alpn, "h3");
    CHECK(t->tls.server_chain.seen && t->tls.server_chain.n == 1 && !t->tls.server_chain.malformed);
    CHECK(t->quic->undecryptable[1] == 0);
}

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

/* ---- Version Negotiation and CONNECTION_CLOSE ---------------------------------------------------- */

static void vn_packet(buf *d, uint8_t first, const uint32_t *versions, size_t n)
{
    put8(d, first);
    put32(d, 0);
    put8(d, 4);
    put(d, "\x01\x02\x03\x04", 4);            /* the client's SCID */
    put8(d, 8);
    put(d, qf_odcid, 8);
    for (size_t i = 0; i < n; i++) put32(d, versions[i]);
}

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

/* The client's Handshake packet: Finished (32 bytes of verify_data), sealed with k. */
static void client_finished(buf *out, const quic_keys *k)
{
    buf m = { 0 }, f = { 0 };
    uint8_t vd[32] = { 7 };
    handshake(&m, 20, vd, sizeof vd);
    qf_crypto(&f, 0, m.p, m.n);
    CHECK(qf_long(out, k, QUIC_PT_HANDSHAKE, TD_QUIC_V1, qf_scid, 8, NULL, 0, 0, &f));
    bfree(&m);
    bfree(&f);
}

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
    RUN(version_negotiation_lists_the_versions);
    RUN(connection_close_carries_a_tls_alert);
    RUN(key_log_opens_handshake_packets);
    RUN(handshake_before_server_hello_waits_for_its_keys);
    RUN(handshake_under_a_wrong_secret_fails);
    RUN(client_random_not_in_the_key_log);
    RUN(handshake_packets_held_then_dropped_at_the_end);
    EVP_PKEY_free(test_key());
    return check_done();
}
