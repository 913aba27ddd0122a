/* quic_conn_fixture.h - one QUIC connection under test for test_quic_conn.c: a transcript and its td_quic_conn fed datagrams, the facts an RFC 9001 A.2/A.3 handshake must leave, and the server's and client's Handshake flights (EncryptedExtensions, Certificate, Finished).
 *
 * Also the pieces of the out-of-order, hostile and flooding flights: the ClientHello cut into three
 * Initials, Version Negotiation, CRYPTO frames at chosen offsets, a clock and a reproducible PRNG.
 * Include after check.h and tls_bytes.h (CHECK, handshake(), make_cert_der()). */
#ifndef TLSDIAG_QUIC_CONN_FIXTURE_H
#define TLSDIAG_QUIC_CONN_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quic_flights.h"
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

/* ---- Handshake flights -------------------------------------------------------------------------- */

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

/* ---- pieces of hostile and out-of-order flights ------------------------------------------------- */

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

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A validly protected client Initial whose frames are the ClientHello's first bytes and a CRYPTO
 * frame at `off` of `len` bytes. */
static void crypto_at(qc *c, uint64_t off, size_t len, uint64_t pn)
{
    buf d = { 0 }, f = { 0 }, ch = { 0 };
    uint8_t junk[2048];
    memset(junk, 0x5a, sizeof junk);
    qf_client_hello(&ch);
    qf_crypto(&f, 0, ch.p, 20);
    if (len) qf_crypto(&f, off, junk, len);
    qf_pad(&f, 1162);
    quic_keys ci, si;
    quic_initial_keys(TD_QUIC_V1, qf_odcid, 8, &ci, &si);
    CHECK(qf_long(&d, &ci, QUIC_PT_INITIAL, TD_QUIC_V1, qf_odcid, 8, NULL, 0, pn, &f));
    qc_send(c, TD_C2S, &d);
    bfree(&d);
    bfree(&f);
    bfree(&ch);
}

/* What the connection holds once the ClientHello's first 20 bytes came (the TLS parser's buffer). */
static size_t base_buffered(void)
{
    qc c;
    qc_open(&c, NULL);
    crypto_at(&c, 0, 0, 0);
    size_t n = td_quic_conn_buffered(c.q);
    qc_free(&c);
    return n;
}

/* xorshift: reproducible pseudo-random numbers for the floods. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

#endif
