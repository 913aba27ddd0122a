/* siblings_int.h - reasoning across connections (issue 21): connections from one client to one
 * server with the same name (SNI) and certificate, a few seconds apart, are siblings.  A browser
 * opens a spare socket beside the one it uses and closes both together; a client that fails
 * once usually fails the same way on its next try.  The classifier remembers the last few
 * hundred connections it judged and asks about the ones before the connection at hand (the
 * engine reports in order of first packet, so a sibling that started earlier is known). */
#ifndef TLSDIAG_SIBLINGS_INT_H
#define TLSDIAG_SIBLINGS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer/diagnose/classify.h"
#include "analyzer/diagnose/rule_facts_int.h"

typedef struct td_siblings td_siblings;

td_siblings *td_siblings_new(void);
void td_siblings_free(td_siblings *sb);
/* A connection that began at `start` (INFINITY: none) is still to be judged: what it may need is
 * not forgotten yet, however late the connections judged meanwhile began. */
void td_siblings_keep_from(td_siblings *sb, double start);

/* A sibling that carried requests both ways and that t's client closed together with: then t,
 * which finished its handshake and sent nothing, was a spare the client did not need, not a
 * refusal of the certificate the sibling accepted.  Returns its connection id, 0 if none. */
uint64_t td_siblings_used_with(const td_siblings *sb, const td_transcript *t);

/* A sibling that showed the server asks for a client certificate (a CertificateRequest in the
 * clear, or a client Certificate inferred in TLS 1.3): its id, 0 if none. */
uint64_t td_siblings_asked_client_cert(const td_siblings *sb, const td_transcript *t);

/* A sibling whose failure was read certain (an alert in the clear, a key log): lends its
 * verdict, as a finding naming its id, to r when r failed the same way on weaker evidence. */
void td_siblings_lend(const td_siblings *sb, const td_transcript *t, td_result *r);

/* The server's certificate as a sibling saw it (same client, server address and port and SNI,
 * at most SIB_CERT_WINDOW seconds apart), for a connection that hid its own (TLS 1.3 without
 * keys): what the passive checks found then, strongest first, and what the texts name. */
#define SIB_CERT_WINDOW 120.0
typedef struct td_sibling_cert {
    cert_cause causes[CERT_MAX_CAUSES];
    size_t n_causes;
    uint64_t id;                   /* the connection that showed it */
    double start;
    char name[256];                /* the name checked */
    char covers[160];              /* the leaf's first name, ", ..." if it has more */
    char not_before[24], not_after[24];
    char root[256];                /* the issuer not trusted, "" if none */
    char weak[160];                /* cert_weak_text, "" if none */
} td_sibling_cert;

/* The certificate of the sibling nearest in time that showed one (up to SIB_CERT_WINDOW seconds
 * before, up to 10 s after: as long as the run holds a connection for later siblings), or NULL
 * (valid until the next call on sb). */
const td_sibling_cert *td_siblings_cert(const td_siblings *sb, const td_transcript *t);
/* Remember what t showed of its server certificate (c: filled by the caller, id and start aside). */
void td_siblings_remember_cert(td_siblings *sb, const td_transcript *t, const td_sibling_cert *c);

/* QUIC and TCP from one client to one server and name (fell-back-to-tcp): on a failed QUIC
 * connection, the TCP connection that followed it; on a TCP connection, the failed QUIC attempt
 * before it.  A finding in r when there is one. */
void td_siblings_fallback(const td_siblings *sb, const td_transcript *t, td_result *r);

/* Remember r (call after it is final). */
void td_siblings_remember(td_siblings *sb, const td_transcript *t, const td_result *r);
/* STARTTLS by server (address and port): remember a connection whose capability list offered it;
 * the id of the last such connection to t's server (0: none remembered). */
void td_siblings_remember_starttls(td_siblings *sb, const td_transcript *t);
uint64_t td_siblings_starttls_offered(const td_siblings *sb, const td_transcript *t);

#endif
