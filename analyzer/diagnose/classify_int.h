/* classify_priv.h - between the classifier and its rule table. */
#ifndef TLSDIAG_CLASSIFY_PRIV_H
#define TLSDIAG_CLASSIFY_PRIV_H

#include <openssl/x509.h>

#include "analyzer/diagnose/chain_cache.h"
#include "analyzer/diagnose/classify.h"

struct td_classifier {
    X509_STORE *store;
    bool system_store_owed;        /* no --cacert/--capath: the system store, loaded when first needed */
    bool anchors_named;            /* --cacert/--capath: the user named the clients' trust anchors */
    td_cert_cache *cache;          /* chains checked before (NULL: check every time) */
    struct td_offer_memo *offer_memo;  /* weak kinds of recent offered-suite lists (findings_protocol.c) */
    struct td_siblings *siblings;  /* recent connections, for reasoning across them (siblings.c) */
    bool judging_again;            /* td_classify_again: siblings are not told of it twice */
};

/* Pick the verdict (and its evidence and remedy) for t; add the certificate findings. */
void td_rules_apply(td_classifier *c, const td_transcript *t, td_result *r);

#endif
