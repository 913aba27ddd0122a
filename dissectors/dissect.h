/* dissect.h - the protocol dissectors: pure functions from bytes to structs.
 *
 * Nothing here does I/O or keeps global state; every function is safe on hostile input and reads
 * only the bytes it is given.  Implementations live in dissectors/. */
#ifndef TLSDIAG_DISSECT_H
#define TLSDIAG_DISSECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/transcript.h"

/* ---- names (dissectors/tls/tls_names.c) ------------------------------------------------------ */
/* IANA name of a cipher suite ("TLS_AES_128_GCM_SHA256"), or NULL for an unassigned code point.
 * SSLv2 3-byte cipher kinds are passed as 0x01xxxx..0x07xxxx values cast to uint32_t. */
const char *td_cipher_name(uint32_t suite);
/* Weakness of a suite: NULL if fine, else a short reason ("NULL encryption", "export grade",
 * "RC4", "DES", "3DES", "anonymous key exchange", "MD5 MAC"). */
const char *td_cipher_weakness(uint32_t suite);
/* "SSL2","SSL3","TLS1.0","TLS1.1","TLS1.2","TLS1.3"; the TLS 1.3 drafts 0x7f00|N as
 * "TLS1.3-draft-N" (N 0..28, the drafts that were published; td_version_label names any N);
 * anything else NULL (Facebook's 0xFB17/0xFB1A too: td_version_label names them "TLS1.3-draft-23-fb"
 * and "TLS1.3-draft-26-fb").  GREASE values (0x?a?a)
 * are recognised by td_is_grease. */
const char *td_version_name(uint16_t version);
/* The draft number N of a draft-ietf-tls-tls13-N version (0x7f00|N), else -1. */
static inline int td_tls13_draft(uint16_t v) { return (v & 0xff00) == 0x7f00 ? (int)(v & 0xff) : -1; }
/* Does version v work as TLS 1.3 on the wire (everything after ServerHello encrypted, Certificate
 * with a request context, ...)?  RFC 8446's 0x0304, the drafts 0x7f00|N, and Facebook's
 * experimental 0xFB17 / 0xFB1A (Fizz's draft-23 / draft-26 variants).  Use this, never
 * `version == 0x0304`, wherever "is this TLS 1.3" is asked. */
static inline bool td_version_is_tls13(uint16_t v)
{
    return v == 0x0304 || (v & 0xff00) == 0x7f00 || v == 0xfb17 || v == 0xfb1a;
}
/* SSLv2 ERROR-CODE name ("NO-CIPHER-ERROR"), or NULL. */
const char *td_sslv2_error_name(uint16_t code);
bool td_is_grease(uint16_t value);
/* Alert description name ("unknown_ca"), or NULL if unassigned. */
const char *td_alert_name(uint8_t code);
/* Handshake message name ("ClientHello", "Certificate", ...), or NULL if unknown. */
const char *td_handshake_name(uint8_t type);
/* A parse anomaly of the TLS dissectors in words ("record length 20000 > 18432"), written into
 * buf; dir is the direction it was met in.  Returns buf. */
const char *td_anomaly_text(const td_anomaly *an, int dir, char *buf, size_t len);
/* Extension name ("server_name"), or NULL. */
const char *td_extension_name(uint16_t type);
/* The code points a hello offers (dissectors/tls/tls_names_hello.c): supported group
 * ("x25519", "X25519MLKEM768"), signature scheme ("rsa_pss_rsae_sha256"), EC point format,
 * PSK key exchange mode ("psk_dhe_ke"), certificate compression ("brotli"); NULL if unknown. */
const char *td_group_name(uint16_t group);
bool td_group_is_pq(uint16_t group);           /* ML-KEM or Kyber, alone or in a hybrid */
const char *td_sigalg_name(uint16_t scheme);
const char *td_point_format_name(uint8_t format);
const char *td_psk_mode_name(uint8_t mode);
const char *td_cert_compression_name(uint16_t alg);
/* The name, "grease" for a GREASE value, else "0x%04X" written into buf. */
const char *td_group_label(uint16_t group, char *buf, size_t len);
const char *td_sigalg_label(uint16_t scheme, char *buf, size_t len);
const char *td_extension_label(uint16_t type, char *buf, size_t len);
const char *td_cert_compression_label(uint16_t alg, char *buf, size_t len);

/* The same, never NULL: the name, or the number ("0x%04X", "alert_%u") written into buf. */
const char *td_version_label(uint16_t v, char *buf, size_t len);
const char *td_cipher_label(uint32_t c, char *buf, size_t len);
const char *td_alert_label(uint8_t code, char *buf, size_t len);

/* ---- X.509 (dissectors/x509/x509_summary.c), through OpenSSL -------------------------------------- */
/* Summarise one DER certificate into *out (which must be zeroed; free with td_cert_clear).
 * Always sets sha256, der and der_len; on a DER that does not parse sets parse_error and returns
 * -1, else 0. */
int td_x509_summarize(const uint8_t *der, size_t len, td_cert *out);
/* A DER-encoded X.509 Name (as in CertificateRequest.certificate_authorities) as an RFC 2253
 * string, heap-allocated; NULL if it does not parse. */
char *td_x509_name_text(const uint8_t *der, size_t len);
/* The RFC 5280 name of keyUsage bit n (td_cert.key_usage), "digitalSignature" .. "decipherOnly";
 * NULL past bit 8 (dissectors/x509/x509_ident.c). */
const char *td_x509_key_usage_name(unsigned bit);
/* Summaries remembered (dissectors/x509/x509_cache.c): the same certificate, byte for byte, is parsed
 * once.  An object the caller owns and passes in, with at most `slots` certificates (rounded up
 * to a power of two); td_x509_summarize_cached gives exactly what td_x509_summarize would (a
 * NULL cache: it is td_x509_summarize). */
typedef struct td_x509_cache td_x509_cache;
td_x509_cache *td_x509_cache_new(size_t slots);
void td_x509_cache_free(td_x509_cache *c);
int td_x509_summarize_cached(td_x509_cache *c, const uint8_t *der, size_t len, td_cert *out);

/* ---- the fingerprints' digests remembered (dissectors/tls/tls_fp_digest.c) ------------------------ */
/* The MD5 and SHA-256 digests of JA3/JA3S/JA4 strings seen before, keyed by the whole string: an
 * object the caller owns and passes in, at most `slots` strings (rounded up to a power of two).
 * The fingerprints are the same with it and without it; it only saves the hashing. */
typedef struct td_fp_memo td_fp_memo;
td_fp_memo *td_fp_memo_new(size_t slots);
void td_fp_memo_free(td_fp_memo *m);

/* ---- recognisers (dissectors/tls/tls_sniff.c) ------------------------------------------------------ */
/* Do these first bytes of a TCP stream look like TLS or SSLv2 (a handshake record, or an SSLv2
 * ClientHello)?  Needs at least 3 bytes to say yes. */
bool td_sniff_tls(const uint8_t *data, size_t len);
/* If the bytes look like a known plaintext protocol, write a one-line description into out
 * (e.g. "HTTP request: GET /index.html HTTP/1.1", "HTTP response: HTTP/1.1 400 Bad Request",
 * "SSH banner: SSH-2.0-OpenSSH_9.2", "SMTP banner: 220 ...") and return true.  Otherwise write
 * a hex/ASCII preview of the first bytes ("non-TLS bytes: 16 03 ...") and return false. */
bool td_sniff_plaintext(const uint8_t *data, size_t len, char *out, size_t outlen);
/* The first bytes of decrypted application data: if they start an HTTP/1.x request line
 * ("GET / HTTP/1.1") or status line ("HTTP/1.1 400 Bad Request"), write that line (at most 160
 * characters; anything not printable ASCII as '?') into out, or "HTTP/2 connection preface"
 * for h2's, and return true; else write "" and return false.  A 4xx status line gets " ... "
 * and the phrase nginx uses to refuse a client certificate when the bytes hold it ("No required
 * SSL certificate was sent", "The SSL certificate error").  Nothing else is copied. */
/* Does a client's first segment begin an HTTP proxy's CONNECT ("CONNECT ", any case)? */
bool td_sniff_http_connect(const uint8_t *data, size_t len);
#define TD_APP_LINE_MAX 256
bool td_sniff_app_first(const uint8_t *data, size_t len, char *out, size_t outlen);

/* ---- the TLS stream parser (dissectors/tls/tls_stream.c) --------------------------------------- */
/* One per connection.  Takes the two reassembled byte streams (in order, possibly with gaps) and
 * writes what it finds into the transcript given at creation.  It buffers only what it must
 * (a split record header, a handshake message being assembled), each under a cap; application
 * data and encrypted records are skipped without copying. */
typedef struct td_tls_stream td_tls_stream;

td_tls_stream *td_tls_stream_new(td_transcript *t);
/* Summarise certificates through cache c (NULL: none); c must outlive the stream. */
void td_tls_stream_set_x509_cache(td_tls_stream *s, td_x509_cache *c);
/* Hash the fingerprints' strings through memo m (NULL: none); m must outlive the stream. */
void td_tls_stream_set_fp_memo(td_tls_stream *s, td_fp_memo *m);
/* Decrypt protected records with the secrets of key log k (dissectors/tls/keylog.h); k must outlive the
 * stream, which adds to it the master secrets of the TLS 1.2 sessions it decrypts (so that their
 * resumptions can be decrypted even when the client logged nothing for them).  keys_may_come_later
 * (live capture, where the client writes its key log as it goes): the protected records of a
 * connection without keys are held, a few, until they come.  Call right after td_tls_stream_new; without it nothing is decrypted and nothing costs. */
struct td_keylog;
void td_tls_stream_set_keylog(td_tls_stream *s, struct td_keylog *k, bool keys_may_come_later);
/* In-order bytes of one direction; packet is the frame that carried them. */
void td_tls_stream_data(td_tls_stream *s, int dir, const uint8_t *data, size_t len,
                        uint64_t packet, double ts);
/* `bytes` bytes of this direction are missing (0 if unknown): drop partial state and resync. */
void td_tls_stream_gap(td_tls_stream *s, int dir, uint64_t bytes, uint64_t packet, double ts);
/* QUIC (dissectors/quic/): handshake-protocol bytes of one direction's CRYPTO stream, in order, with
 * no record layer around them; `decrypted`: read from a packet opened with the key log (Handshake
 * or 1-RTT), not an Initial (whose keys are public). */
void td_tls_stream_crypto(td_tls_stream *s, int dir, const uint8_t *data, size_t n, bool decrypted,
                          uint64_t packet, double ts);
/* QUIC: a CONNECTION_CLOSE carrying TLS alert `code` (error 0x100 + code) sent in direction dir. */
void td_tls_stream_quic_alert(td_tls_stream *s, int dir, uint8_t code, bool decrypted, uint64_t packet,
                              double ts);
/* True once both directions only carry encrypted records (nothing left to learn but sizes). */
bool td_tls_stream_settled(const td_tls_stream *s);
/* Bytes currently buffered (for memory accounting). */
size_t td_tls_stream_buffered(const td_tls_stream *s);
/* Handshake messages (any legal length, up to 2^24-1) are assembled within this many bytes per
 * connection, both directions together; a larger one is skipped (tls.hs_over_budget). */
#define TD_HS_BUDGET (1024 * 1024)
#define TD_HS_BUDGET_KIB (TD_HS_BUDGET / 1024)
/* The connection is over: the bytes of a record it cut off are counted (application data and
 * protected records are counted as each record ends), and a handshake message that a side left
 * unfinished when it closed (FIN) is noted in the transcript as a malformed record.  Call before
 * td_tls_stream_free and before reading the transcript. */
void td_tls_stream_end(td_tls_stream *s);
void td_tls_stream_free(td_tls_stream *s);

#endif
