/* result.h - adding evidence lines and findings to a result (analyzer/diagnose/result.c).
 * The rules and the findings' checks write them; each text ends at a word boundary with "..."
 * when it does not fit its buffer (td_fit_words, classify.h). */
#ifndef TLSDIAG_RESULT_H
#define TLSDIAG_RESULT_H

#include <stdint.h>

#include "analyzer/diagnose/classify.h"

/* A finding with this id, unless r has one already or all TD_MAX_FINDINGS are taken. */
void td_result_finding(td_result *r, const char *id, const char *severity, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* An evidence line citing packet, unless all TD_MAX_EVIDENCE are taken. */
void td_result_evidence(td_result *r, uint64_t packet, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The next evidence line, for a caller that writes its text itself (NULL when all are taken). */
td_evidence *td_result_evidence_slot(td_result *r, uint64_t packet);

#endif
