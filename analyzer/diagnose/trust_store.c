/* trust_store.c - the trust anchors the chain checks use: the files named with --cacert/--capath,
 * or else this machine's default store, loaded only when a connection first shows a certificate. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

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

/* Does dir hold OpenSSL's subject-hash names (8 hex digits, ".", a digit), as c_rehash and
 * update-ca-certificates make them? */
static bool hashed_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return false;
    bool found = false;
    for (struct dirent *e; !found && (e = readdir(d));)
        found = strlen(e->d_name) == 10 && e->d_name[8] == '.' && strspn(e->d_name, "0123456789abcdef") == 8 &&
                e->d_name[9] >= '0' && e->d_name[9] <= '9';
    closedir(d);
    return found;
}

/* This machine's default anchors.  The default bundle file is parsed whole (about 20 ms for 150
 * roots, paid by every run that shows a certificate); the default directory, when its hash names
 * are there (Debian's /etc/ssl/certs holds the same roots as the bundle), is read one issuer at a
 * time, on demand.  SSL_CERT_FILE or SSL_CERT_DIR set: OpenSSL's own choice, as curl makes it. */
static void load_system_store(X509_STORE *store)
{
    const char *dir = X509_get_default_cert_dir();
    X509_LOOKUP *l;
    if (!getenv(X509_get_default_cert_file_env()) && !getenv(X509_get_default_cert_dir_env()) && dir &&
        hashed_dir(dir) && (l = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir())) &&
        X509_LOOKUP_add_dir(l, dir, X509_FILETYPE_PEM))
        return;
    X509_STORE_set_default_paths(store);            /* none is not an error */
}

X509_STORE *td_trust_store_for(td_trust *tr, const td_transcript *t)
{
    if (tr->system_store_owed && (t->tls.server_chain.seen || t->tls.client_chain.seen)) {
        load_system_store(tr->store);
        ERR_clear_error();
        tr->system_store_owed = false;
    }
    return tr->store;
}
