/* fuzz_common.h - what the libFuzzer harnesses share: one classifier (trust anchors loaded once)
 * and one report sink on /dev/null.  Harnesses use the public headers only (include/). */
#ifndef TLSDIAG_FUZZ_COMMON_H
#define TLSDIAG_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "classify.h"
#include "report.h"
#include "transcript.h"

#ifndef TD_FUZZ_CACERT
#define TD_FUZZ_CACERT "samples/ca/test-root-ca.pem"
#endif

/* Built once and kept for the life of the process (reachable, so not a leak).  The samples' test
 * root makes chains that verify reachable; without it the system store stands in. */
static td_classifier *fuzz_classifier(void)
{
    static td_classifier *c;
    if (!c) {
        char err[256];
        c = td_classifier_new(TD_FUZZ_CACERT, NULL, err, sizeof err);
        if (!c) c = td_classifier_new(NULL, NULL, err, sizeof err);
        if (!c) {
            fprintf(stderr, "fuzz: no classifier: %s\n", err);
            abort();
        }
    }
    return c;
}

static FILE *fuzz_devnull(void)
{
    static FILE *f;
    if (!f && !(f = fopen("/dev/null", "w"))) abort();
    return f;
}

/* Classify a finished transcript and write both reports (every formatting path) to /dev/null. */
static void fuzz_report(const td_transcript *t)
{
    td_result r;
    td_classify(fuzz_classifier(), t, &r);
    static td_json_memo *memo;     /* kept across inputs: both its miss and its hit paths run */
    if (!memo && !(memo = td_json_memo_new())) abort();
    td_json_connection(fuzz_devnull(), &r, 1, NULL);
    td_json_connection(fuzz_devnull(), &r, 1, memo);
    td_text_connection(fuzz_devnull(), &r, 2, true, 80);
    td_text_connection(fuzz_devnull(), &r, 1, false, 20);     /* narrow: wrapping on every line */
    (void)td_result_is_problem(&r);
}

#endif
