/* classify_int.h - between the classifier and the steps it calls: its state, the keyless TLS 1.3
 * reading and the rule table. */
#ifndef TLSDIAG_CLASSIFY_INT_H
#define TLSDIAG_CLASSIFY_INT_H

#include "analyzer/diagnose/chain_cache.h"
#include "analyzer/diagnose/classify.h"
#include "analyzer/diagnose/trust_store_int.h"

struct td_classifier {
    td_trust trust;                /* --cacert/--capath, or this machine's store (trust_store.c) */
    td_cert_cache *cache;          /* chains checked before (NULL: check every time) */
    struct td_offer_memo *offer_memo;  /* weak kinds of recent offered-suite lists (findings_protocol.c) */
    struct td_siblings *siblings;  /* recent connections, for reasoning across them (siblings.c) */
    bool judging_again;            /* td_classify_again: siblings are not told of it twice */
};

/* Read a TLS 1.3 exchange without keys (analyzer/diagnose/tls13_without_keys.c); fills r->inf
 * and the application-data counts. */
void td_infer13(const td_transcript *t, td_result *r);
/* Pick the verdict (and its evidence and remedy) for t; add the certificate findings. */
void td_rules_apply(td_classifier *c, const td_transcript *t, td_result *r);

#endif
