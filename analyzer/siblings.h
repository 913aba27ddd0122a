/* siblings.h - reasoning across connections (issue 21): connections from one client to one
 * server with the same name (SNI) and certificate, a few seconds apart, are siblings.  A browser
 * opens a spare socket beside the one it uses and closes both together; a client that fails
 * once usually fails the same way on its next try.  The classifier remembers the last few
 * hundred connections it judged and asks about the ones before the connection at hand (the
 * engine reports in order of first packet, so a sibling that started earlier is known). */
#ifndef TLSDIAG_SIBLINGS_H
#define TLSDIAG_SIBLINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "classify.h"

typedef struct td_siblings td_siblings;

td_siblings *td_siblings_new(void);
void td_siblings_free(td_siblings *sb);

/* A sibling that carried requests both ways and that t's client closed together with: then t,
 * which finished its handshake and sent nothing, was a spare the client did not need, not a
 * refusal of the certificate the sibling accepted.  Returns its connection id, 0 if none. */
uint64_t td_siblings_used_with(const td_siblings *sb, const td_transcript *t);

/* A sibling whose failure was read certain (an alert in the clear, a key log): lends its
 * verdict, as a finding naming its id, to r when r failed the same way on weaker evidence. */
void td_siblings_lend(const td_siblings *sb, const td_transcript *t, td_result *r);

/* Remember r (call after it is final). */
void td_siblings_remember(td_siblings *sb, const td_transcript *t, const td_result *r);

#endif
