/* starttls.h - recognisers for the plaintext dialogues that upgrade a TCP connection to TLS.
 *
 * SMTP (EHLO, STARTTLS, 220), IMAP (CAPABILITY, tag STARTTLS, tag OK), POP3 (CAPA, STLS, +OK),
 * FTP (FEAT, AUTH TLS, 234), XMPP (<starttls/> in the stream features, <proceed/> or
 * <failure/>), PostgreSQL (an 8-byte SSLRequest, answered 'S' or 'N') and LDAP (the StartTLS
 * ExtendedRequest, its ExtendedResponse's resultCode), MySQL/MariaDB (CLIENT_SSL in the greeting, the
 * client's SSL Request).  Pure dissector code: bytes in, facts out (td_starttls in the transcript), no I/O.
 * The caller (dissectors/tls/tls_starttls.c) feeds each direction's plaintext in order and is
 * told the exact byte where TLS begins: after the server's acceptance line, and, for the client,
 * at the first byte after its request that starts a TLS record.  A new line protocol is one more
 * recogniser in starttls_dialogues.c and one more case in the detection of starttls.c; a binary
 * one one more reader beside starttls_binary.c. */
#ifndef TLSDIAG_STARTTLS_H
#define TLSDIAG_STARTTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/transcript.h"

typedef struct td_stls_parser td_stls_parser;

td_stls_parser *td_stls_new(void);
void td_stls_free(td_stls_parser *p);
/* Bytes held (for the connection's memory account). */
size_t td_stls_buffered(const td_stls_parser *p);

typedef enum td_stls_status { TD_STLS_PENDING = 0, TD_STLS_KNOWN = 1, TD_STLS_UNKNOWN = -1 } td_stls_status;
/* PENDING: not yet told; KNOWN: a dialogue recognised (its facts in *out); UNKNOWN: none of these. */
td_stls_status td_stls_status_of(const td_stls_parser *p);

/* Plaintext bytes of direction dir (TD_C2S or TD_S2C).  Returns how many were read; when *tls is
 * set, the bytes from there on in this direction are TLS.  The facts go to *out, allocated when a
 * dialogue is recognised (freed by td_transcript_clear).  Once UNKNOWN, reads nothing. */
size_t td_stls_feed(td_stls_parser *p, td_starttls **out, int dir, const uint8_t *data, size_t n,
                    uint64_t packet, bool *tls);
/* Bytes of direction dir were lost: its line framing is gone for good. */
void td_stls_gap(td_stls_parser *p, int dir);

/* Is a one-byte answer (PostgreSQL's 'S' or 'N') awaited from direction dir?  Then the caller
 * hands its first byte over without waiting for a record header's five. */
bool td_stls_byte_due(const td_stls_parser *p, int dir);

/* Do a connection's first bytes (either side's) open one of these dialogues: a 220 banner, "* OK",
 * "+OK", EHLO, an XMPP stream header, an SSLRequest, an LDAP StartTLS request, a MySQL greeting?  (-A keeps such a connection, as it keeps one that starts
 * with a TLS record.) */
bool td_stls_opening(const uint8_t *data, size_t len);

/* "smtp", "imap", "pop3", "ftp", "xmpp", "postgresql", "ldap", "mysql"; NULL for TD_STLS_NONE or an unknown value. */
const char *td_stls_proto_name(int proto);

#endif
