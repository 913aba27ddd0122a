/* keylog.h - NSS key log files (SSLKEYLOGFILE) and the TLS record decryptor that uses them.
 *
 * The parser (dissectors/tls/keylog_parse.c) and the decryptor (dissectors/tls/tls_decrypt.c) are pure:
 * no I/O, no global state; the key log text is hostile input like the capture. */
#ifndef TLSDIAG_KEYLOG_H
#define TLSDIAG_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the key log ---------------------------------------------------------------------------- */

typedef enum td_keylog_label {
    TD_KL_CLIENT_RANDOM = 0,               /* TLS 1.2 and earlier: the 48-byte master secret */
    TD_KL_CLIENT_HANDSHAKE,                /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
    TD_KL_SERVER_HANDSHAKE,                /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
    TD_KL_CLIENT_TRAFFIC_0,                /* CLIENT_TRAFFIC_SECRET_0 */
    TD_KL_SERVER_TRAFFIC_0,                /* SERVER_TRAFFIC_SECRET_0 */
    TD_KL_CLIENT_EARLY,                    /* CLIENT_EARLY_TRAFFIC_SECRET (0-RTT early data) */
    TD_KL_N,
    TD_KL_SESSION = TD_KL_N                /* learnt, not read: a TLS 1.2 session's master secret by the
                                              SHA-256 of its session ID or ticket (for resumptions the
                                              client did not log) */
} td_keylog_label;

#define TD_KL_SECRET_MAX 64                /* longest secret kept (SHA-512 sized) */
#define TD_KL_MAX_WARNINGS 8               /* warning texts kept (the rest are counted) */

typedef struct td_keylog td_keylog;

td_keylog *td_keylog_new(void);
void td_keylog_free(td_keylog *k);
/* Add NSS key log lines from a buffer: any order, unknown labels ignored, CRLF ok, a last line
 * without a newline ok.  Returns the number of secrets added (a repeated line adds nothing).
 * `origin` names the source in warnings ("keys.log", "capture.pcapng: Decryption Secrets Block at
 * byte 48, line"); lines of known labels that do not parse become warnings "ORIGIN:LINE: cause",
 * or "ORIGIN LINE: cause" when the origin ends in " line". */
long td_keylog_add_text(td_keylog *k, const char *text, size_t len, const char *origin);
/* The same for text that starts at line first_line of its origin (a key log read again as it
 * grows). */
long td_keylog_add_lines(td_keylog *k, const char *text, size_t len, const char *origin, size_t first_line);
/* Remember the master secret of a decrypted TLS 1.2 session under its session ID or ticket
 * (`id`, any length), so that a later connection resuming it can be decrypted too. */
void td_keylog_add_session(td_keylog *k, const uint8_t *id, size_t id_len, const uint8_t master[48]);
/* The master secret of the session with this ID or ticket: true if known. */
bool td_keylog_find_session(const td_keylog *k, const uint8_t *id, size_t id_len, uint8_t master[48]);
/* Secrets held. */
size_t td_keylog_count(const td_keylog *k);
/* The secret for (label, client random): its length (copied into out, at most TD_KL_SECRET_MAX
 * bytes), or 0 if the key log has none. */
size_t td_keylog_find(const td_keylog *k, td_keylog_label label, const uint8_t client_random[32],
                      uint8_t out[TD_KL_SECRET_MAX]);
/* Warnings so far: how many there were, and the text of the i-th of the first
 * TD_KL_MAX_WARNINGS (NULL past them). */
size_t td_keylog_warning_count(const td_keylog *k);
const char *td_keylog_warning(const td_keylog *k, size_t i);

/* ---- the decryptor (one per connection) ----------------------------------------------------- */

typedef struct td_tlsdec td_tlsdec;

/* Keys for the connection whose ClientHello had this random, once its ServerHello is known.
 * NULL with *why set (a static text) when the key log has nothing for it, or the cipher suite
 * or version is not one tlsdiag decrypts.  etm: the ServerHello accepted encrypt_then_mac. */
td_tlsdec *td_tlsdec_new(const td_keylog *k, const uint8_t client_random[32],
                         const uint8_t server_random[32], uint16_t version, uint16_t suite,
                         bool etm, const char **why);
/* TLS 1.2 and earlier from a known master secret (a resumed session). */
td_tlsdec *td_tlsdec_new_master(const uint8_t master[48], const uint8_t client_random[32],
                                const uint8_t server_random[32], uint16_t version, uint16_t suite,
                                bool etm, const char **why);
/* TLS 1.2 and earlier: the connection's master secret (to remember its session). */
bool td_tlsdec_master(const td_tlsdec *d, uint8_t master[48]);
void td_tlsdec_free(td_tlsdec *d);
/* n protected records of dir went by before the keys were known (a key log that grew late):
 * the next record is number n. */
void td_tlsdec_skip(td_tlsdec *d, int dir, uint64_t n);
/* TLS 1.2 and earlier: a ChangeCipherSpec from dir; its later records are protected. */
void td_tlsdec_ccs(td_tlsdec *d, int dir);
/* Does dir have keys for its next protected record? */
bool td_tlsdec_ready(const td_tlsdec *d, int dir);
/* Open one protected record (hdr: its 5-byte header; body: len bytes, decrypted in place).
 * Returns true with *type (the true content type) and the plaintext at body[*off .. *off+*ptlen);
 * false if it fails authentication (or has no keys), with *why set. */
bool td_tlsdec_open(td_tlsdec *d, int dir, const uint8_t hdr[5], uint8_t *body, size_t len,
                    uint8_t *type, size_t *off, size_t *ptlen, const char **why);
/* A decrypted handshake message of type `type` from dir (TLS 1.3): Finished moves dir to its
 * application traffic keys, KeyUpdate to the next generation of them. */
void td_tlsdec_handshake(td_tlsdec *d, int dir, uint8_t type);
/* TLS 1.3: is dir still on the client's early (0-RTT) keys?  After a record opened: it was early
 * data (or the EndOfEarlyData).  Did the key log give an early secret at all? */
bool td_tlsdec_early_phase(const td_tlsdec *d, int dir);
bool td_tlsdec_has_early(const td_tlsdec *d);

/* ---- the key schedule pieces, for tests ------------------------------------------------------ */
/* HKDF-Expand-Label (RFC 8446 7.1) with digest "SHA256" or "SHA384". */
bool td_hkdf_expand_label(const char *digest, const uint8_t *secret, size_t secret_len,
                          const char *label, const uint8_t *context, size_t context_len,
                          uint8_t *out, size_t out_len);
/* The TLS 1.2 PRF (RFC 5246 5) with digest "SHA256"/"SHA384", or "MD5-SHA1" for TLS 1.0/1.1. */
bool td_tls_prf(const char *digest, const uint8_t *secret, size_t secret_len, const char *label,
                const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len);

#endif
