/* classify.h - a transcript in, a diagnosis out: one verdict (with its confidence, summary,
 * evidence, KB Q197306 section and remedy) and any number of findings (analyzer/classify.c,
 * rules in analyzer/rules.c). */
#ifndef TLSDIAG_CLASSIFY_H
#define TLSDIAG_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transcript.h"

#define TD_MAX_EVIDENCE 12
#define TD_MAX_FINDINGS 24

typedef struct td_evidence {
    uint64_t packet;
    char what[200];
} td_evidence;

typedef struct td_finding {
    const char *id;                /* "untrusted-chain", ... (static) */
    const char *severity;          /* "info", "warning", "error" (static) */
    char detail[240];
} td_finding;

typedef struct td_result {
    const td_transcript *t;
    const char *verdict;           /* NULL: no verdict (static string otherwise) */
    const char *confidence;        /* "certain" or "likely" */
    char summary[300];
    td_evidence evidence[TD_MAX_EVIDENCE];
    size_t n_evidence;
    const char *kb_section;        /* NULL when the KB has nothing to say */
    const char *remedy;            /* points at remedy_buf or a static string */
    char remedy_buf[400];
    td_finding findings[TD_MAX_FINDINGS];
    size_t n_findings;
} td_result;

/* Trust anchors and other settings the checks need; opaque, built once per run. */
typedef struct td_classifier td_classifier;

td_classifier *td_classifier_new(const char *cacert, const char *capath, char *err, size_t errlen);
void td_classifier_free(td_classifier *c);
void td_classify(td_classifier *c, const td_transcript *t, td_result *out);

/* Every verdict, in the order of DESIGN.md's table (for the summary). */
const char *const *td_verdict_list(size_t *n);

/* Helpers for rules and reports. */
void td_result_finding(td_result *r, const char *id, const char *severity, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void td_result_evidence(td_result *r, uint64_t packet, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool td_result_is_problem(const td_result *r);

#endif
