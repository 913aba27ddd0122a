/* run_notes.h - why a run has no (or fewer) results, in words (analyzer/run/run_notes.c).
 * "no TCP port 443 traffic; 20 packets to port 3001 start with a TLS record: try -A or -P 3001",
 * and traffic that is there but not analysed (UDP on a TLS port: QUIC or DTLS), each said once in
 * the summary. */
#ifndef TLSDIAG_NOTES_H
#define TLSDIAG_NOTES_H

#include <stddef.h>

#include "analyzer/flow/engine.h"
#include "analyzer/run/options.h"

typedef struct td_notes {
    char *text[4];
    size_t n;
} td_notes;

void td_notes_explain(td_notes *n, const td_options *o, const td_engine_stats *st);
void td_notes_free(td_notes *n);

#endif
