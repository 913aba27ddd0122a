/* certcheck.c - passive chain checks with OpenSSL: X509_verify_cert with the verification time
 * set to the capture's timestamp, X509_check_host / X509_check_ip_asc for names.  A verify
 * callback records every error instead of stopping at the first, so one pass tells both "not
 * trusted" and "expired". */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "certcheck.h"

static int collect_errors(int ok, X509_STORE_CTX *ctx)
{
    if (ok) return 1;
    td_chain_check *out = X509_STORE_CTX_get_app_data(ctx);
    int err = X509_STORE_CTX_get_error(ctx);
    int depth = X509_STORE_CTX_get_error_depth(ctx);
    switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        if (depth == 0) out->expired = true;
        else out->chain_expired = true;
        break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        if (depth == 0) out->not_yet_valid = true;
        else out->chain_expired = true;
        break;
    default:
        if (!out->error) {
            out->error = err;
            snprintf(out->error_text, sizeof out->error_text, "%s", X509_verify_cert_error_string(err));
        }
        if (err == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT || err == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
            err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY || err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
            err == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE) {
            out->trusted = false;
        }
        break;
    }
    return 1;                                      /* keep going: we want every problem */
}

static bool weak_key(const td_cert *c)
{
    if (strncmp(c->key, "RSA", 3) == 0 || strncmp(c->key, "DSA", 3) == 0 || strncmp(c->key, "DH", 2) == 0)
        return c->key_bits > 0 && c->key_bits < 2048;
    if (strncmp(c->key, "EC", 2) == 0) return c->key_bits > 0 && c->key_bits < 224;
    return false;
}

static bool weak_signature(const td_cert *c)
{
    return strstr(c->signature, "md5") || strstr(c->signature, "MD5") || strstr(c->signature, "sha1") ||
           strstr(c->signature, "SHA1");
}

/* Seconds since the epoch of an ASN1_TIME; false if it cannot be read. */
static bool asn1_seconds(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm)) return false;
    *out = (int64_t)timegm(&tm);
    return true;
}

/* Shrink [*from, *until) around `when` so that it holds neither b nor b + 1 (a validity date is
 * compared with <, <= or > depending on the check: either side of it is a different answer). */
static void narrow(int64_t b, int64_t when, int64_t *from, int64_t *until)
{
    for (int k = 0; k < 2 && (k == 0 || b < INT64_MAX); k++) {
        int64_t x = b + k;
        if (x <= when) {
            if (x > *from) *from = x;
        } else if (x < *until) {
            *until = x;
        }
    }
}

void td_check_chain_trust(X509_STORE *store, const td_chain *chain, int64_t when, bool purpose_server,
                          td_chain_check *out, X509 **leaf_out, int64_t *valid_from, int64_t *valid_until)
{
    memset(out, 0, sizeof *out);
    int64_t from = INT64_MIN, until = INT64_MAX;
    if (leaf_out) *leaf_out = NULL;
    if (valid_from) *valid_from = from;
    if (valid_until) *valid_until = until;
    if (!chain->seen || chain->n == 0 || chain->certs[0].parse_error) return;
    out->present = true;
    ERR_set_mark();
    X509 *leaf = NULL;
    STACK_OF(X509) *rest = sk_X509_new_null();
    for (size_t i = 0; i < chain->n; i++) {
        const unsigned char *p = chain->certs[i].der;
        X509 *x = d2i_X509(NULL, &p, (long)chain->certs[i].der_len);
        if (!x) continue;
        if (i == 0) leaf = x;
        else if (!rest || !sk_X509_push(rest, x)) X509_free(x);
    }
    const td_cert *l = &chain->certs[0];
    out->self_signed = l->self_signed;
    out->weak_key = weak_key(l);
    for (size_t i = 0; i + 1 < chain->n; i++) {
        const td_cert *a = &chain->certs[i], *b = &chain->certs[i + 1];
        if (!a->parse_error && !b->parse_error && a->issuer && b->subject && strcmp(a->issuer, b->subject) != 0)
            out->misordered = true;
        if (!a->self_signed && weak_signature(a)) out->weak_signature = true;
    }
    if (chain->n == 1 && !l->self_signed && weak_signature(l)) out->weak_signature = true;
    for (size_t i = 0; i < chain->n; i++) {
        if (chain->certs[i].not_before_t) narrow(chain->certs[i].not_before_t, when, &from, &until);
        if (chain->certs[i].not_after_t) narrow(chain->certs[i].not_after_t, when, &from, &until);
    }

    if (leaf && store) {
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        if (ctx && X509_STORE_CTX_init(ctx, store, leaf, rest)) {
            out->trusted = true;
            X509_STORE_CTX_set_app_data(ctx, out);
            X509_STORE_CTX_set_verify_cb(ctx, collect_errors);
            X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
            X509_VERIFY_PARAM_set_time(param, (time_t)when);
            X509_STORE_CTX_set_purpose(ctx, purpose_server ? X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT);
            if (X509_verify_cert(ctx) <= 0 && !out->error && !out->expired && !out->not_yet_valid && !out->chain_expired) {
                out->trusted = false;
                out->error = X509_STORE_CTX_get_error(ctx);
                snprintf(out->error_text, sizeof out->error_text, "%s", X509_verify_cert_error_string(out->error));
            }
            if (out->error) out->trusted = false;
            /* Name the anchor the client would need: the top certificate sent if it is a root,
             * else its issuer (an intermediate the server did not send, or a private root). */
            const td_cert *top = &chain->certs[chain->n - 1];
            const char *anchor = top->self_signed ? top->subject : top->issuer;
            if (!out->trusted && anchor) snprintf(out->untrusted_root, sizeof out->untrusted_root, "%s", anchor);
            out->incomplete = !out->trusted && !top->self_signed && chain->n >= 2 &&
                              out->error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
            /* The path OpenSSL built (the trust anchor included) bounds how long this answer holds. */
            STACK_OF(X509) *path = X509_STORE_CTX_get0_chain(ctx);
            for (int i = 0; path && i < sk_X509_num(path); i++) {
                X509 *x = sk_X509_value(path, i);
                int64_t nb, na;
                if (asn1_seconds(X509_get0_notBefore(x), &nb) && asn1_seconds(X509_get0_notAfter(x), &na)) {
                    narrow(nb, when, &from, &until);
                    narrow(na, when, &from, &until);
                } else {
                    from = when;                   /* a date we cannot read: this second only */
                    until = when + 1;
                }
            }
        }
        X509_STORE_CTX_free(ctx);
    }
    if (!leaf) {
        /* The dates can still be judged from the summary. */
        out->expired = l->not_after_t && when > l->not_after_t;
        out->not_yet_valid = l->not_before_t && when < l->not_before_t;
    }
    if (leaf_out) *leaf_out = leaf;
    else X509_free(leaf);
    if (valid_from) *valid_from = from;
    if (valid_until) *valid_until = until;
    sk_X509_pop_free(rest, X509_free);
    ERR_pop_to_mark();
}

void td_check_chain_name(X509 *leaf, const char *host, const char *ip, td_chain_check *out)
{
    if (!leaf) return;
    ERR_set_mark();
    if (host && *host) {
        out->name_checked = true;
        snprintf(out->name, sizeof out->name, "%s", host);
        out->name_ok = X509_check_host(leaf, host, strlen(host), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
    } else if (ip && *ip) {
        out->name_checked = true;
        snprintf(out->name, sizeof out->name, "%s", ip);
        out->name_ok = X509_check_ip_asc(leaf, ip, 0) == 1;
    }
    ERR_pop_to_mark();
}

void td_check_chain(X509_STORE *store, const td_chain *chain, int64_t when, const char *host,
                    const char *ip, bool purpose_server, td_chain_check *out)
{
    X509 *leaf = NULL;
    td_check_chain_trust(store, chain, when, purpose_server, out, &leaf, NULL, NULL);
    td_check_chain_name(leaf, host, ip, out);
    X509_free(leaf);
}
