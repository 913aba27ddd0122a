/* trust_store.c - the trust anchors the chain checks use: the files named with --cacert/--capath,
 * or else this machine's default store, loaded only when a connection first shows a certificate. */
#include <stdio.h>

#include <openssl/err.h>

#include "analyzer/diagnose/trust_store_int.h"

bool td_trust_open(td_trust *tr, const char *cacert, const char *capath, char *err, size_t errlen)
{
    if (!(tr->store = X509_STORE_new())) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    bool ok = true;
    if (cacert || capath) {
        tr->anchors_named = true;
        if (cacert && !X509_STORE_load_file(tr->store, cacert)) {
            snprintf(err, errlen, "%s: cannot load trust anchors (want PEM certificates)", cacert);
            ok = false;
        }
        if (ok && capath && !X509_STORE_load_path(tr->store, capath)) {
            snprintf(err, errlen, "%s: cannot use as a CA directory", capath);
            ok = false;
        }
    } else {
        /* Reading the system bundle costs ~20 ms: not worth paying for a capture that never
         * shows a certificate (TLS 1.3 hides them). */
        tr->system_store_owed = true;
    }
    ERR_clear_error();
    return ok;
}

void td_trust_close(td_trust *tr)
{
    X509_STORE_free(tr->store);
    tr->store = NULL;
}

X509_STORE *td_trust_store_for(td_trust *tr, const td_transcript *t)
{
    if (tr->system_store_owed && (t->tls.server_chain.seen || t->tls.client_chain.seen)) {
        X509_STORE_set_default_paths(tr->store);   /* none is not an error */
        ERR_clear_error();
        tr->system_store_owed = false;
    }
    return tr->store;
}
