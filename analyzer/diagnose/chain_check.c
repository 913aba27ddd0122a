/* chain_check.c - passive chain checks with OpenSSL: X509_verify_cert with the verification time
 * set to the capture's timestamp, X509_check_host / X509_check_ip_asc for names.  A verify
 * callback records every error instead of stopping at the first, so one pass tells both "not
 * trusted" and "expired".
 *
 * Why a chain does not reach a trust anchor.  When verification fails for want of an anchor
 * (OpenSSL: depth-zero self-signed, self-signed in chain, unable to get issuer [locally], unable
 * to verify the leaf signature), we look at the path OpenSSL built from the leaf through the
 * certificates the server sent (in any order; strays are ignored) and then the store, and at
 * its top certificate T, whose issuer is nowhere to be found.  Exactly one verdict:
 *
 *   path, top T                                   verdict          names
 *   ------------------------------------------    ---------------  -----------------------------
 *   the leaf alone, self-issued                   self_signed (if  untrusted_root = leaf subject
 *                                                 it verifies)
 *   T self-issued (a root), the server sent it    unknown_root     untrusted_root = T's subject
 *                                                 + root_sent
 *   T self-issued, from the store (a root the     unknown_root     untrusted_root = T's subject
 *     store holds but not for this purpose)
 *   T from the store, not self-issued (the store  unknown_root     untrusted_root = T's issuer
 *     holds an intermediate, not its root)
 *   T a CA the server sent above its leaf, not    unknown_root     untrusted_root = T's issuer
 *     self-issued, issuer unknown
 *   the leaf alone, not self-issued, issuer       incomplete       missing_issuer = leaf's issuer,
 *     unknown, the leaf has an AIA caIssuers URI                   missing_issuer_url = that URI,
 *                                                                  untrusted_root = the issuer
 *   the leaf alone, not self-issued, issuer       issuer_unknown   missing_issuer = leaf's issuer,
 *     unknown, no AIA caIssuers                                    untrusted_root = the issuer
 *
 * The reasoning.  A server must send its certificate and every intermediate; it may leave out
 * the root (RFC 8446 4.4.2, RFC 5246 7.4.2).  So a chain that stops at a CA certificate the
 * server sent is complete as far as the packets can show: the missing issuer is taken to be the
 * root, and the advice is the client's trust store, not "install the full chain".  An AIA
 * caIssuers URI on that CA is no evidence against this: intermediates nearly always carry one,
 * pointing at their root.  A leaf sent alone is different: its issuer is a CA the client needs
 * and did not get.  If the leaf says where that CA's certificate is published (caIssuers), it
 * comes from a CA hierarchy run for others, where roots do not sign leaves directly (CA/Browser
 * Forum Baseline Requirements 6.1.7): the server should have sent that intermediate, so
 * `incomplete`.  Without AIA it may just as well be a private root the client does not trust
 * (the common in-house CA case) as an intermediate the server left out; names are no evidence
 * either way, and the store cannot tell (the leaf's issuer name and AKID point at the missing
 * certificate, not at its root, so a store root is no match): `issuer_unknown`.  When the
 * store holds that intermediate, the path goes on through it and the question is about the
 * store's top instead (the rows "from the store").  A self-issued top (issuer == subject) has
 * no issuer a server could add, whether or not its signature verifies.  "The leaf alone" means
 * the path holds only the server's certificate: it may have sent others, none of which issued
 * it.  The limit of the rule: a server that sends one intermediate but leaves out a second one
 * above it gets unknown_root naming that second intermediate; only fetching the AIA URI (which
 * a passive tool does not do) could tell it from a root.  Any other failure (a bad signature, a
 * CA that may not sign, the purpose) sets none of these; untrusted_root then names the top
 * certificate sent if it is self-signed, else its issuer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "analyzer/diagnose/chain_check.h"
#include "dissectors/dissect.h"

/* What the verify callback writes into. */
typedef struct verify_state {
    td_chain_check *out;
    bool no_anchor;                                /* an error that says no trust anchor was reached */
} verify_state;

static int collect_errors(int ok, X509_STORE_CTX *ctx)
{
    if (ok) return 1;
    verify_state *st = X509_STORE_CTX_get_app_data(ctx);
    td_chain_check *out = st->out;
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
        if (err == X509_V_ERR_INVALID_CA || err == X509_V_ERR_INVALID_NON_CA || err == X509_V_ERR_PATH_LENGTH_EXCEEDED)
            out->bad_ca = true;
        if (!out->error) {
            out->error = err;
            snprintf(out->error_text, sizeof out->error_text, "%s", X509_verify_cert_error_string(err));
        }
        if (err == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT || err == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
            err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY || err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
            err == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE) {
            out->trusted = false;
            st->no_anchor = true;
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

/* Does the leaf's extendedKeyUsage / keyUsage allow a TLS server (or client)?  Decided from the
 * certificate alone (RFC 5280 4.2.1.3 and 4.2.1.12), whatever the store says, so that a leaf
 * issued for the wrong purpose is named even when its issuer is unknown here. */
static void check_purpose(X509 *leaf, bool server, td_chain_check *out)
{
    uint32_t flags = X509_get_extension_flags(leaf);
    if ((flags & EXFLAG_XKUSAGE) && !(X509_get_extended_key_usage(leaf) & (server ? XKU_SSL_SERVER | XKU_SGC : XKU_SSL_CLIENT))) {
        out->bad_purpose = true;
        snprintf(out->purpose, sizeof out->purpose, "its extendedKeyUsage does not include %s",
                 server ? "serverAuth" : "clientAuth");
        return;
    }
    if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(leaf) & (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT))) {
        out->bad_purpose = true;
        snprintf(out->purpose, sizeof out->purpose,
                 "its keyUsage allows none of digitalSignature, keyEncipherment, keyAgreement");
    }
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

/* A Name in RFC 2253 form into out (truncated to fit); "" if it cannot be printed. */
static void name_into(const X509_NAME *name, char *out, size_t outlen)
{
    out[0] = '\0';
    unsigned char *der = NULL;
    int n = name ? i2d_X509_NAME(name, &der) : -1;
    char *text = n > 0 ? td_x509_name_text(der, (size_t)n) : NULL;
    if (text) snprintf(out, outlen, "%s", text);
    free(text);
    OPENSSL_free(der);
}

/* The summary of the certificate x if the server sent it (x is one of sent[0..n)), else NULL. */
static const td_cert *sent_summary(const td_chain *chain, X509 *const *sent, const size_t *index, size_t n, X509 *x)
{
    for (size_t i = 0; i < n; i++)
        if (sent[i] == x || X509_cmp(sent[i], x) == 0) return &chain->certs[index[i]];
    return NULL;
}

/* The decision table at the top of this file: why no trust anchor was reached.  path is what
 * X509_verify_cert built; its first num_untrusted certificates came from the server. */
static void classify_untrusted(const td_chain *chain, X509 *const *sent, const size_t *index, size_t n_sent,
                               STACK_OF(X509) *path, int num_untrusted, td_chain_check *out)
{
    int k = path ? sk_X509_num(path) : 0;
    if (k <= 0) return;
    X509 *top = sk_X509_value(path, k - 1);
    const X509_NAME *subject = X509_get_subject_name(top), *issuer = X509_get_issuer_name(top);
    bool self_issued = subject && issuer && X509_NAME_cmp(subject, issuer) == 0;
    bool from_server = k <= num_untrusted;
    const td_cert *t = from_server ? sent_summary(chain, sent, index, n_sent, top) : NULL;
    if (k == 1 && self_issued) {                   /* the leaf signs itself (self_signed says if it verifies) */
        name_into(subject, out->untrusted_root, sizeof out->untrusted_root);
        return;
    }
    if (self_issued || !from_server || k >= 2) {
        out->unknown_root = true;
        out->root_sent = self_issued && from_server;
        name_into(self_issued ? subject : issuer, out->untrusted_root, sizeof out->untrusted_root);
        return;
    }
    /* The leaf alone, its issuer neither sent nor in the store. */
    name_into(issuer, out->missing_issuer, sizeof out->missing_issuer);
    snprintf(out->untrusted_root, sizeof out->untrusted_root, "%s", out->missing_issuer);
    if (t && t->aia_ca_issuers && t->aia_ca_issuers[0]) {
        out->incomplete = true;
        snprintf(out->missing_issuer_url, sizeof out->missing_issuer_url, "%s", t->aia_ca_issuers);
    } else {
        out->issuer_unknown = true;
    }
}

/* The chain's certificates as OpenSSL objects: the leaf, the others for the verifier, and the
 * place in the chain each parsed one came from. */
typedef struct parsed_chain {
    X509 *leaf;
    STACK_OF(X509) *rest;
    X509 *sent[TD_MAX_CHAIN];                      /* parsed certificates (not owned) and ... */
    size_t index[TD_MAX_CHAIN];                    /* ... their place in the chain */
    size_t n_sent;
} parsed_chain;

/* Parse what the server sent; a certificate OpenSSL cannot read is left out. */
static void parse_chain(const td_chain *chain, parsed_chain *pc)
{
    pc->leaf = NULL;
    pc->rest = sk_X509_new_null();
    pc->n_sent = 0;
    for (size_t i = 0; i < chain->n && i < TD_MAX_CHAIN; i++) {
        const unsigned char *p = chain->certs[i].der;
        X509 *x = d2i_X509(NULL, &p, (long)chain->certs[i].der_len);
        if (!x) continue;
        if (i == 0) pc->leaf = x;
        else if (!pc->rest || !sk_X509_push(pc->rest, x)) {
            X509_free(x);
            continue;
        }
        pc->sent[pc->n_sent] = x;
        pc->index[pc->n_sent++] = i;
    }
}

/* What the summaries tell without OpenSSL: a self-signed leaf, a weak key or signature, the
 * order; their dates bound the span [*from, *until) the answer holds for. */
static void check_summaries(const td_chain *chain, int64_t when, td_chain_check *out, int64_t *from, int64_t *until)
{
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
        if (chain->certs[i].not_before_t) narrow(chain->certs[i].not_before_t, when, from, until);
        if (chain->certs[i].not_after_t) narrow(chain->certs[i].not_after_t, when, from, until);
    }
}

/* The path OpenSSL built (the trust anchor included) bounds how long this answer holds. */
static void narrow_by_path(STACK_OF(X509) *path, int64_t when, int64_t *from, int64_t *until)
{
    for (int i = 0; path && i < sk_X509_num(path); i++) {
        X509 *x = sk_X509_value(path, i);
        int64_t nb, na;
        if (asn1_seconds(X509_get0_notBefore(x), &nb) && asn1_seconds(X509_get0_notAfter(x), &na)) {
            narrow(nb, when, from, until);
            narrow(na, when, from, until);
        } else {
            *from = when;                          /* a date we cannot read: this second only */
            *until = when + 1;
        }
    }
}

/* X509_verify_cert at the capture's time, every error collected (collect_errors); an untrusted
 * chain is told why (classify_untrusted) and named by what the client would need to trust. */
static void verify_chain(X509_STORE *store, const td_chain *chain, const parsed_chain *pc, int64_t when,
                         bool purpose_server, td_chain_check *out, int64_t *from, int64_t *until)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    verify_state st = { out, false };
    if (ctx && X509_STORE_CTX_init(ctx, store, pc->leaf, pc->rest)) {
        out->trusted = true;
        X509_STORE_CTX_set_app_data(ctx, &st);
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
        STACK_OF(X509) *path = X509_STORE_CTX_get0_chain(ctx);
        if (!out->trusted && st.no_anchor)
            classify_untrusted(chain, pc->sent, pc->index, pc->n_sent, path, X509_STORE_CTX_get_num_untrusted(ctx), out);
        if (!out->trusted && !out->untrusted_root[0]) {
            /* Another failure: name what the client would need to trust, as before: the top
             * certificate sent if it is a root, else its issuer. */
            const td_cert *top = &chain->certs[chain->n - 1];
            const char *anchor = top->self_signed ? top->subject : top->issuer;
            if (anchor) snprintf(out->untrusted_root, sizeof out->untrusted_root, "%s", anchor);
        }
        narrow_by_path(path, when, from, until);
    }
    X509_STORE_CTX_free(ctx);
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
    parsed_chain pc;
    parse_chain(chain, &pc);
    check_summaries(chain, when, out, &from, &until);
    if (pc.leaf) check_purpose(pc.leaf, purpose_server, out);
    if (pc.leaf && store) verify_chain(store, chain, &pc, when, purpose_server, out, &from, &until);
    if (!pc.leaf) {
        /* The dates can still be judged from the summary. */
        const td_cert *l = &chain->certs[0];
        out->expired = l->not_after_t && when > l->not_after_t;
        out->not_yet_valid = l->not_before_t && when < l->not_before_t;
    }
    if (leaf_out) *leaf_out = pc.leaf;
    else X509_free(pc.leaf);
    if (valid_from) *valid_from = from;
    if (valid_until) *valid_until = until;
    sk_X509_pop_free(pc.rest, X509_free);
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
