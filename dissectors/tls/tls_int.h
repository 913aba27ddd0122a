/* tls_int.h - what the TLS dissector's files share about TLS itself: content and message types,
 * record header shape, the handshake and SSLv2 message parsers, small list helpers.  (The record
 * layer's own state is in tls_stream_int.h.) */
#ifndef TLSDIAG_TLS_INT_H
#define TLSDIAG_TLS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissectors/cursor.h"
#include "dissectors/dissect.h"
#include "include/transcript.h"

#define REC_MAX_LEN (16384 + 2048)      /* TLSCiphertext.length limit (RFC 5246 6.2.3) */

/* Record content types. */
enum { CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APPDATA = 23, CT_HEARTBEAT = 24 };

/* A TLS record header's content type and version, whatever its length says. */
static inline bool tls_shaped(const uint8_t *h)
{
    return h[0] >= CT_CCS && h[0] <= CT_HEARTBEAT && h[1] == 3 && h[2] <= 4;
}

/* ... and a length within the limit. */
static inline bool tls_plausible_header(const uint8_t *h)
{
    size_t len = (size_t)h[3] << 8 | h[4];
    return tls_shaped(h) && len <= REC_MAX_LEN;
}

/* Handshake message types we act on. */
enum {
    HS_HELLO_REQUEST = 0, HS_CLIENT_HELLO = 1, HS_SERVER_HELLO = 2, HS_NEW_SESSION_TICKET = 4,
    HS_HELLO_RETRY = 6,                    /* RFC 8446's reserved slot: our ladder's HelloRetryRequest */
    HS_ENCRYPTED_EXTENSIONS = 8, HS_CERTIFICATE = 11, HS_SERVER_KEY_EXCHANGE = 12,
    HS_CERTIFICATE_REQUEST = 13, HS_SERVER_HELLO_DONE = 14, HS_CERTIFICATE_VERIFY = 15,
    HS_CLIENT_KEY_EXCHANGE = 16, HS_FINISHED = 20,
};

/* Parse one complete handshake message (type, body) sent in direction dir and record what it
 * says in t; certificates are summarised through x509 (may be NULL).  Returns false if the body
 * is malformed (what parsed is kept). */
bool tls_handshake_message(td_transcript *t, td_x509_cache *x509, td_fp_memo *fp, int dir, uint8_t type,
                           const uint8_t *body, size_t len, uint64_t packet, double ts);

/* SSLv2: parse a whole SSLv2 record (2-byte header included) at the start of a stream. */
bool tls_sslv2_record(td_transcript *t, int dir, const uint8_t *rec, size_t len,
                      uint64_t packet, double ts);
/* If data starts an SSLv2 ClientHello/ServerHello (or, from the server, an SSLv2 ERROR in
 * place of the ServerHello), return the full record length (header included), else 0.  Needs
 * 5 bytes. */
size_t tls_sslv2_record_len(const uint8_t *data, size_t len, int dir);
/* The body (header removed) of a later SSLv2 record, before this direction encrypts: if it is a
 * CLIENT-MASTER-KEY (from the client) or an ERROR, record it and return true; else return false
 * (it is an encrypted record). */
bool tls_sslv2_clear_message(td_transcript *t, int dir, const uint8_t *body, size_t len,
                             uint64_t packet, double ts);

/* Helpers shared by the TLS files (defined in tls_handshake.c): push to a capped heap list (false
 * if the cap is hit); replace a heap string; note a malformed record of direction dir. */
bool tls_list_push_str(char ***list, size_t *n, size_t cap, const char *s, size_t len);
void tls_set_str(char **dst, const char *s, size_t len);
void tls_note_bad(td_transcript *t, int dir, td_anomaly what);

/* The hellos' lists and fingerprints (tls_hello.c, tls_fingerprint.c).  tls_hello: the
 * transcript's td_hello, allocated on first use (NULL without memory).  The first ClientHello's
 * extensions and the ServerHello's are recorded one by one (type and body); the fingerprints are
 * computed once from a whole hello body (handshake header removed). */
td_hello *tls_hello(td_tls *tls);
void tls_hello_client_extension(td_hello *h, uint16_t type, cursor ext);
void tls_hello_server_extension(td_hello *h, uint16_t type, cursor ext);
void tls_fingerprint_client(td_hello *h, const uint8_t *body, size_t len, td_fp_memo *memo);
void tls_fingerprint_server(td_hello *h, const uint8_t *body, size_t len, td_fp_memo *memo);

/* MD5 and SHA-256 of a string, for JA3 and JA4 (tls_fp_digest.c); tls_fp_digest asks the memo
 * first (may be NULL) and writes 16 bytes for TLS_FP_MD5, 32 for TLS_FP_SHA256. */
enum { TLS_FP_MD5 = 1, TLS_FP_SHA256 = 2 };
void tls_md5(const void *data, size_t n, uint8_t out[16]);
void tls_sha256(const void *data, size_t n, uint8_t out[32]);
void tls_fp_digest(td_fp_memo *m, int algo, const char *s, size_t n, uint8_t out[32]);

#endif
