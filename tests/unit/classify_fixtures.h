/* classify_fixtures.h - the classifier the classify unit tests share (it trusts only the test root of
 * cert_fixtures.h), what they ask of its result, and the setup and teardown of each such program.
 *
 * The test_classify_*.c programs check the classifier without packets: at least one hand-built
 * transcript per row of the verdict table (analyzer/diagnose/rules*.c) and one per reading of TLS 1.3
 * protected records (analyzer/diagnose/tls13_without_keys.c), so a rule can be changed and checked
 * without a capture. */
#ifndef TLSDIAG_CLASSIFY_FIXTURES_H
#define TLSDIAG_CLASSIFY_FIXTURES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cert_fixtures.h"
#include "transcript_fixtures.h"
#include "analyzer/diagnose/classify.h"
#include "analyzer/diagnose/result.h"
#include "dissectors/dissect.h"
#include "include/transcript.h"

static td_classifier *cls;
static td_result res;

static inline const td_result *classify(const td_transcript *t)
{
    td_classify(cls, t, &res);
    /* Every text must be fully expanded: a "{name}" left means a template names a variable its
     * rule did not set. */
    CHECK(strchr(res.summary, '{') == NULL);
    CHECK(!res.remedy || strchr(res.remedy, '{') == NULL);
    return &res;
}

static inline bool has_finding(const td_result *r, const char *id)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].id, id) == 0) return true;
    return false;
}

static inline bool has_evidence(const td_result *r, const char *part)
{
    for (size_t i = 0; i < r->n_evidence; i++)
        if (strstr(r->evidence[i].what, part)) return true;
    return false;
}

static inline bool cites(const td_result *r, uint64_t pkt)
{
    for (size_t i = 0; i < r->n_evidence; i++)
        if (r->evidence[i].packet == pkt) return true;
    return false;
}

#define VERDICT(r, v, conf)                                                        \
    do {                                                                           \
        CHECK_STR(td_verdict_name((r)->verdict), v);                               \
        CHECK_STR((r)->confidence, conf);                                          \
    } while (0)

/* Classified with this machine's store (no --cacert): the test root is not in it. */
static inline const td_result *classify_no_anchors(td_classifier *sys, const td_transcript *t)
{
    td_classify(sys, t, &res);
    CHECK(strchr(res.summary, '{') == NULL);
    return &res;
}

/* Make the PKI and the classifier that trusts its root; false (and "not ok classifier") if none. */
static inline bool classify_setup(void)
{
    srandom(1);
    pki_init();
    char err[256];
    cls = td_classifier_new(root_pem, NULL, err, sizeof err);
    if (!cls) {
        printf("not ok classifier: %s\n", err);
        return false;
    }
    return true;
}

static inline void classify_teardown(void)
{
    td_classifier_free(cls);
    pki_free();
}

#endif
