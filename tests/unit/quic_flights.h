/* quic_flights.h - the QUIC handshake pieces the connection and engine unit tests send: RFC 9001 Appendix A's ClientHello and ServerHello, frames, sealed Initial/Handshake/1-RTT packets, key logs for the A.2 client random.
 *
 * Built on quic_seal.h (sealing) and quic_vectors.h (the published samples).  Every connection
 * here starts as RFC 9001 A.2 does: the client's first Destination Connection ID is
 * 8394c8f03e515708 and the server answers with Source Connection ID f067a5502a4262b5 (A.3), so the
 * RFC's own packets and those sealed here can be mixed. */
#ifndef TLSDIAG_QUIC_FLIGHTS_H
#define TLSDIAG_QUIC_FLIGHTS_H

#include <stdio.h>
#include <string.h>

#include "bytebuf.h"
#include "quic_seal.h"
#include "quic_vectors.h"
#include "dissectors/quic/quic_int.h"
#include "dissectors/tls/keylog.h"

static const uint8_t qf_odcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };
static const uint8_t qf_scid[8] = { 0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5 };

/* Hex (spaces skipped) appended to b. */
static inline void qf_hex(buf *b, const char *hex)
{
    uint8_t tmp[2048];
    size_t n = qv_hex(hex, tmp, sizeof tmp);
    put(b, tmp, n);
}

/* The A.2 ClientHello (241 bytes: SNI example.com, TLS_AES_128_GCM_SHA256, ALPN "alpn"): the
 * RFC's CRYPTO frame without its 4-byte frame header. */
static inline void qf_client_hello(buf *b)
{
    buf f = { 0 };
    qf_hex(&f, QV_CLIENT_CRYPTO);
    put(b, f.p + 4, f.n - 4);
    bfree(&f);
}

/* The A.3 ServerHello (90 bytes, cipher 0x1301, TLS 1.3): the RFC payload after its ACK and
 * CRYPTO frame headers. */
static inline void qf_server_hello(buf *b)
{
    buf f = { 0 };
    qf_hex(&f, QV_SERVER_PAYLOAD);
    put(b, f.p + 9, f.n - 9);
    bfree(&f);
}

/* The client random of the A.2 ClientHello, as hex (for key log lines). */
static inline void qf_client_random_hex(char out[65])
{
    buf ch = { 0 };
    qf_client_hello(&ch);
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", ch.p[6 + i]);
    bfree(&ch);
}

/* ---- frames -------------------------------------------------------------------------------------- */

static inline void qf_crypto(buf *f, uint64_t off, const uint8_t *d, size_t n)
{
    put8(f, 0x06);
    qs_varint(f, off);
    qs_varint(f, n);
    put(f, d, n);
}

/* PADDING frames until the payload is `to` bytes long. */
static inline void qf_pad(buf *f, size_t to)
{
    while (f->n < to) put8(f, 0);
}

static inline void qf_ack(buf *f, uint64_t largest)
{
    put8(f, 0x02);
    qs_varint(f, largest);
    qs_varint(f, 0);
    qs_varint(f, 0);
    qs_varint(f, 0);
}

/* CONNECTION_CLOSE 0x1c (transport): error code, the frame type that caused it, a reason. */
static inline void qf_close(buf *f, uint64_t code, uint64_t frame_type, const char *reason)
{
    put8(f, 0x1c);
    qs_varint(f, code);
    qs_varint(f, frame_type);
    qs_varint(f, strlen(reason));
    putstr(f, reason);
}

/* ---- packets ----------------------------------------------------------------------------------- */

/* A long-header packet (Initial, 0-RTT, Handshake) of version v from dcid to scid, sealed with k. */
static inline size_t qf_long(buf *out, const quic_keys *k, uint8_t type, uint32_t v, const uint8_t *dcid,
                             size_t dcid_len, const uint8_t *scid, size_t scid_len, uint64_t pn, const buf *frames)
{
    qs_hdr h = { .type = type, .version = v, .dcid = dcid, .dcid_len = dcid_len, .scid = scid,
                 .scid_len = scid_len, .pn_len = 2 };
    return qs_seal(k, &h, pn, frames->p, frames->n, out);
}

/* A 1-RTT (short header) packet to dcid, sealed with k. */
static inline size_t qf_short(buf *out, const quic_keys *k, const uint8_t *dcid, size_t dcid_len, uint64_t pn,
                              const buf *frames)
{
    qs_hdr h = { .type = QUIC_PT_SHORT, .dcid = dcid, .dcid_len = dcid_len, .pn_len = 2 };
    return qs_seal(k, &h, pn, frames->p, frames->n, out);
}

/* The client's Initial to dcid (v1, empty SCID as in A.2) carrying ClientHello bytes [from, to)
 * at their offsets, padded to 1162 bytes of payload (a 1200-byte datagram); keys: the client's
 * Initial keys of key_dcid. */
static inline void qf_client_initial(buf *out, const uint8_t *key_dcid, size_t key_len, const uint8_t *dcid,
                                     size_t dcid_len, uint64_t pn, size_t from, size_t to)
{
    quic_keys c, s;
    quic_initial_keys(TD_QUIC_V1, key_dcid, key_len, &c, &s);
    buf ch = { 0 }, f = { 0 };
    qf_client_hello(&ch);
    if (to > ch.n) to = ch.n;
    if (to > from) qf_crypto(&f, from, ch.p + from, to - from);
    qf_pad(&f, 1162);
    qf_long(out, &c, QUIC_PT_INITIAL, TD_QUIC_V1, dcid, dcid_len, NULL, 0, pn, &f);
    bfree(&ch);
    bfree(&f);
}

/* The server's Initial (SCID scid) with an ACK and the ServerHello bytes [from, to), sealed with
 * the server Initial keys of key_dcid. */
static inline void qf_server_initial(buf *out, const uint8_t *key_dcid, size_t key_len, const uint8_t *scid,
                                     size_t scid_len, uint64_t pn, size_t from, size_t to)
{
    quic_keys c, s;
    quic_initial_keys(TD_QUIC_V1, key_dcid, key_len, &c, &s);
    buf sh = { 0 }, f = { 0 };
    qf_server_hello(&sh);
    if (to > sh.n) to = sh.n;
    qf_ack(&f, 2);
    if (to > from) qf_crypto(&f, from, sh.p + from, to - from);
    qf_pad(&f, 40);
    qf_long(out, &s, QUIC_PT_INITIAL, TD_QUIC_V1, NULL, 0, scid, scid_len, pn, &f);
    bfree(&sh);
    bfree(&f);
}

/* ---- key logs ---------------------------------------------------------------------------------- */

/* A secret of 32 bytes, all `fill`. */
static inline void qf_secret(uint8_t s[32], uint8_t fill)
{
    for (int i = 0; i < 32; i++) s[i] = (uint8_t)(fill + i);
}

/* A key log holding LABEL <random> <secret> lines: the server's and client's handshake and
 * traffic secrets of client random `random_hex`, each secret qf_secret(fill + label index). */
static inline td_keylog *qf_keylog(const char *random_hex, uint8_t fill)
{
    static const char *labels[4] = { "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                                      "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0" };
    td_keylog *k = td_keylog_new();
    char line[256];
    for (int l = 0; l < 4; l++) {
        uint8_t s[32];
        qf_secret(s, (uint8_t)(fill + 16 * l));
        int n = snprintf(line, sizeof line, "%s %s ", labels[l], random_hex);
        for (int i = 0; i < 32; i++) n += snprintf(line + n, sizeof line - (size_t)n, "%02x", s[i]);
        n += snprintf(line + n, sizeof line - (size_t)n, "\n");
        td_keylog_add_text(k, line, (size_t)n, "test.keys");
    }
    return k;
}

/* The keys of qf_keylog's secret for label l (0 client handshake, 1 server handshake, 2 client
 * traffic, 3 server traffic). */
static inline quic_keys qf_keys(uint8_t fill, int l)
{
    uint8_t s[32];
    quic_keys k;
    qf_secret(s, (uint8_t)(fill + 16 * l));
    quic_secret_keys(TD_QUIC_V1, 0x1301, s, sizeof s, &k);
    return k;
}

#endif
