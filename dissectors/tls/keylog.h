/* keylog.h - the key log: NSS key log text (SSLKEYLOGFILE) parsed, its secrets looked up by client
 * random.
 *
 * The parser (dissectors/tls/keylog_parse.c) is pure: no I/O, no global state; the key log text
 * is hostile input like the capture.  Its secrets open records through the decryptor
 * (dissectors/tls/tls_decrypt.h). */
#ifndef TLSDIAG_KEYLOG_H
#define TLSDIAG_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#endif
