/* trust_store_int.h - the trust anchors the chain checks use (analyzer/diagnose/trust_store.c):
 * those named with --cacert/--capath, or else this machine's default store. */
#ifndef TLSDIAG_TRUST_STORE_INT_H
#define TLSDIAG_TRUST_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509_vfy.h>

#include "include/transcript.h"

typedef struct td_trust {
    X509_STORE *store;
    bool system_store_owed;        /* no --cacert/--capath: the system store, loaded when first needed */
    bool anchors_named;            /* --cacert/--capath: the user named the clients' trust anchors */
} td_trust;

/* Make the store and load cacert and capath into it (both NULL: the system store, later).
 * False, with err set, when the store cannot be made or either cannot be read; call
 * td_trust_close either way. */
bool td_trust_open(td_trust *tr, const char *cacert, const char *capath, char *err, size_t errlen);
void td_trust_close(td_trust *tr);
/* The store to check t's chains against: the system store is loaded here, by the first
 * connection that shows a certificate. */
X509_STORE *td_trust_store_for(td_trust *tr, const td_transcript *t);

#endif
