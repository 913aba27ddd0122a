/* x509_fixtures.h - certificates made with OpenSSL for the X.509 summary unit tests, summarised
 * from exact-size heap copies, and the checks on a summary (printable, zeroed, its SHA-256). */
#ifndef TLSDIAG_X509_FIXTURES_H
#define TLSDIAG_X509_FIXTURES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dissectors/dissect.h"

/* ---- building certificates ------------------------------------------------------------------ */

static inline X509_NAME *make_name(const char *cn, const char *org)
{
    X509_NAME *n = X509_NAME_new();
    if (!n)
        return NULL;
    /* RFC 2253 prints the last RDN first: add O, then CN, to read "CN=...,O=...". */
    if (org)
        X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0);
    if (cn)
        X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    return n;
}

/* An unsigned certificate for `pub`.  san is an openssl.cnf-style value ("DNS:a,IP:1.2.3.4") or
 * NULL; times are "YYYYMMDDHHMMSSZ" (stored as UTCTime or GeneralizedTime as RFC 5280 says). */
static inline X509 *make_cert(EVP_PKEY *pub, const char *cn, const char *org, const char *issuer_cn,
                       const char *issuer_org, const char *not_before, const char *not_after,
                       const char *san)
{
    X509 *x = X509_new();
    X509_NAME *subj = make_name(cn, org);
    X509_NAME *iss = make_name(issuer_cn, issuer_org);
    bool ok = x && subj && iss;
    ok = ok && X509_set_version(x, 2);
    ok = ok && ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
    ok = ok && X509_set_subject_name(x, subj) && X509_set_issuer_name(x, iss);
    ok = ok && ASN1_TIME_set_string_X509(X509_getm_notBefore(x), not_before);
    ok = ok && ASN1_TIME_set_string_X509(X509_getm_notAfter(x), not_after);
    ok = ok && X509_set_pubkey(x, pub);
    if (ok && san) {
        X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, NULL, NID_subject_alt_name, san);
        ok = ext && X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    X509_NAME_free(subj);
    X509_NAME_free(iss);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static inline bool sign_cert(X509 *x, EVP_PKEY *signer, const EVP_MD *md)
{
    int id = EVP_PKEY_get_base_id(signer);
    if (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448)
        md = NULL;
    return x && X509_sign(x, signer, md) > 0;
}

static inline unsigned char *to_der(X509 *x, size_t *len)
{
    unsigned char *der = NULL;
    int n = x ? i2d_X509(x, &der) : -1;
    if (n <= 0) {
        *len = 0;
        return NULL;
    }
    *len = (size_t)n;
    return der;
}

/* Summarise from an exact-size heap copy, so that ASan sees any read past the end. */
static inline int summarize_exact(const unsigned char *der, size_t len, td_cert *c)
{
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy)
        return -2;
    if (len)
        memcpy(copy, der, len);
    memset(c, 0, sizeof *c);
    int rc = td_x509_summarize(copy, len, c);
    free(copy);
    return rc;
}

static inline void expected_sha256(const unsigned char *der, size_t len, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(der, len, md);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static inline bool printable_str(const char *s)
{
    if (!s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

static inline bool all_printable(const td_cert *c)
{
    if (!printable_str(c->subject) || !printable_str(c->issuer))
        return false;
    for (size_t i = 0; i < c->n_san; i++)
        if (!printable_str(c->san[i]) || strlen(c->san[i]) > 1024)
            return false;
    for (size_t i = 0; i < c->n_eku; i++)
        if (!printable_str(c->eku[i]) || strlen(c->eku[i]) > 80)
            return false;
    for (size_t i = 0; i < c->n_ocsp_urls + c->n_ca_issuer_urls; i++) {
        const char *u = i < c->n_ocsp_urls ? c->ocsp_urls[i] : c->ca_issuer_urls[i - c->n_ocsp_urls];
        if (!printable_str(u) || strlen(u) > 1024)
            return false;
    }
    if (c->n_eku > 16 || c->n_ocsp_urls > 4 || c->n_ca_issuer_urls > 4 || strlen(c->serial) > 132 ||
        !printable_str(c->serial) || strlen(c->sha1) != 40)
        return false;
    return printable_str(c->not_before) && printable_str(c->not_after) &&
           printable_str(c->key) && printable_str(c->signature) && strlen(c->sha256) == 64;
}

static inline bool zeroed(const td_cert *c)
{
    static const td_cert zero;
    return memcmp(c, &zero, sizeof zero) == 0;
}

/* The standard test leaf: two DNS names, IPv4, IPv6, e-mail, URI. */
#define LEAF_SAN                                                                              \
    "DNS:www.example.com,DNS:example.com,IP:192.0.2.1,IP:2001:db8::1,email:admin@example.com," \
    "URI:https://example.com/"

/* A signed self-issued certificate for a new P-256 key (*keyp), with LEAF_SAN; its DER. */
static inline unsigned char *sample_cert(EVP_PKEY **keyp, size_t *len)
{
    *keyp = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = make_cert(*keyp, "www.example.com", "Example", "www.example.com", "Example",
                        "20240102030405Z", "20510607080910Z", LEAF_SAN);
    unsigned char *der = sign_cert(x, *keyp, EVP_sha256()) ? to_der(x, len) : NULL;
    X509_free(x);
    return der;
}

#endif
