/* cert_fixtures.h - a little PKI for the classifier's unit tests: EC P-256 certificates made with
 * OpenSSL (a trusted test root, another CA, good, expired, misnamed and defective leaves), the root
 * written to a PEM file for the classifier to trust. */
#ifndef TLSDIAG_CERT_FIXTURES_H
#define TLSDIAG_CERT_FIXTURES_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

typedef struct der {
    unsigned char *p;
    size_t n;
} der;

static EVP_PKEY *root_key, *other_key;
static X509 *root_x, *other_x;
static der leaf_good, leaf_other, leaf_expired, client_good, client_rogue, leaf_via_inter, leaf_private, leaf_client_eku,
    leaf_rsa1024, leaf_via_non_ca, non_ca;
static char root_pem[64];

static const char *next_aia;           /* caIssuers URI for the next certificate made, or NULL */
static const char *next_eku;           /* extendedKeyUsage for the next certificate made, or NULL */

static inline X509 *make(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, const char *nb,
                  const char *na, const char *san, bool ca)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(random() & 0xffffff));
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, n);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    X509_NAME_free(n);
    ASN1_TIME_set_string_X509(X509_getm_notBefore(x), nb);
    ASN1_TIME_set_string_X509(X509_getm_notAfter(x), na);
    X509_set_pubkey(x, key);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    if (ca) {
        e = X509V3_EXT_nconf_nid(NULL, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    if (san) {
        e = X509V3_EXT_nconf_nid(NULL, &ctx, NID_subject_alt_name, san);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    if (next_eku) {
        e = X509V3_EXT_nconf_nid(NULL, &ctx, NID_ext_key_usage, next_eku);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    if (next_aia) {
        char v[200];
        snprintf(v, sizeof v, "caIssuers;URI:%s", next_aia);
        e = X509V3_EXT_nconf_nid(NULL, &ctx, NID_info_access, v);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256());
    return x;
}

static inline der to_der(X509 *x)
{
    der d = { NULL, 0 };
    int n = i2d_X509(x, &d.p);
    d.n = n > 0 ? (size_t)n : 0;
    return d;
}

static inline der leaf(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey, const char *nb, const char *na, const char *san)
{
    X509 *x = make(key, cn, issuer, ikey, nb, na, san, false);
    der d = to_der(x);
    X509_free(x);
    return d;
}

static inline void pki_init(void)
{
    root_key = EVP_EC_gen("P-256");
    other_key = EVP_EC_gen("P-256");
    EVP_PKEY *k = EVP_EC_gen("P-256");
    root_x = make(root_key, "Test Root", NULL, NULL, "20200101000000Z", "20400101000000Z", NULL, true);
    other_x = make(other_key, "Other CA", NULL, NULL, "20200101000000Z", "20400101000000Z", NULL, true);
    leaf_good = leaf(k, "www.example.test", root_x, root_key, "20230101000000Z", "20240101000000Z",
                     "DNS:www.example.test,IP:10.0.0.9");
    leaf_other = leaf(k, "www.example.test", other_x, other_key, "20230101000000Z", "20240101000000Z",
                      "DNS:www.example.test");
    leaf_expired = leaf(k, "www.example.test", root_x, root_key, "20210101000000Z", "20220101000000Z",
                        "DNS:www.example.test");
    client_good = leaf(k, "good client", root_x, root_key, "20230101000000Z", "20240101000000Z", NULL);
    client_rogue = leaf(k, "rogue client", other_x, other_key, "20230101000000Z", "20240101000000Z", NULL);
    /* Root -> intermediate -> leaf that says where the intermediate is published; and a leaf of
     * a private root nobody here trusts, with no AIA. */
    EVP_PKEY *ik = EVP_EC_gen("P-256"), *pk = EVP_EC_gen("P-256");
    X509 *inter = make(ik, "Test Intermediate", root_x, root_key, "20200101000000Z", "20400101000000Z", NULL, true);
    X509 *priv = make(pk, "Private Root", NULL, NULL, "20200101000000Z", "20400101000000Z", NULL, true);
    next_aia = "http://ca.example.test/inter.crt";
    leaf_via_inter = leaf(k, "www.example.test", inter, ik, "20230101000000Z", "20240101000000Z", "DNS:www.example.test");
    next_aia = NULL;
    leaf_private = leaf(k, "www.example.test", priv, pk, "20230101000000Z", "20240101000000Z", "DNS:www.example.test");
    next_eku = "clientAuth";
    leaf_client_eku = leaf(k, "www.example.test", root_x, root_key, "20230101000000Z", "20240101000000Z", "DNS:www.example.test");
    next_eku = NULL;
    /* A leaf signed by a certificate that is no CA (basicConstraints CA:FALSE), sent with it. */
    EVP_PKEY *nk = EVP_EC_gen("P-256");
    X509 *nca = make(nk, "Not A CA", root_x, root_key, "20200101000000Z", "20400101000000Z", NULL, false);
    non_ca = to_der(nca);
    leaf_via_non_ca = leaf(k, "www.example.test", nca, nk, "20230101000000Z", "20240101000000Z", "DNS:www.example.test");
    X509_free(nca);
    EVP_PKEY_free(nk);
    EVP_PKEY *rk = EVP_RSA_gen(1024);
    leaf_rsa1024 = leaf(rk, "www.example.test", root_x, root_key, "20230101000000Z", "20240101000000Z", "DNS:www.example.test");
    EVP_PKEY_free(rk);
    X509_free(inter);
    X509_free(priv);
    EVP_PKEY_free(ik);
    EVP_PKEY_free(pk);
    EVP_PKEY_free(k);
    snprintf(root_pem, sizeof root_pem, "/tmp/tlsdiag-test-classify-%d.pem", (int)getpid());
    FILE *f = fopen(root_pem, "w");
    if (f) {
        PEM_write_X509(f, root_x);
        fclose(f);
    }
}

static inline void pki_free(void)
{
    der *all[] = { &leaf_good, &leaf_other, &leaf_expired, &client_good, &client_rogue, &leaf_via_inter, &leaf_private,
                   &leaf_client_eku, &leaf_rsa1024, &leaf_via_non_ca, &non_ca };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) OPENSSL_free(all[i]->p);
    X509_free(root_x);
    X509_free(other_x);
    EVP_PKEY_free(root_key);
    EVP_PKEY_free(other_key);
    unlink(root_pem);
}

#endif
