/* test_x509_extensions.c - unit tests for the certificate summary's extensions (basicConstraints,
 * key identifiers, Authority Information Access) and for the summary cache. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "check.h"
#include "dissectors/dissect.h"
#include "x509_fixtures.h"

/* ---- extensions: basicConstraints, key identifiers, Authority Information Access ------------ */

static ASN1_OCTET_STRING *octets(const unsigned char *p, int n)
{
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    if (os && !ASN1_OCTET_STRING_set(os, p, n)) {
        ASN1_OCTET_STRING_free(os);
        return NULL;
    }
    return os;
}

/* One AIA entry: method nid, location a URI of n bytes (or, if dns, a dNSName). */
static void add_access(AUTHORITY_INFO_ACCESS *aia, int nid, const void *bytes, int n, bool dns)
{
    ACCESS_DESCRIPTION *ad = ACCESS_DESCRIPTION_new();
    ASN1_IA5STRING *s = ASN1_IA5STRING_new();
    if (!ad || !s || !ASN1_STRING_set(s, bytes, n)) {
        ACCESS_DESCRIPTION_free(ad);
        ASN1_IA5STRING_free(s);
        return;
    }
    ASN1_OBJECT_free(ad->method);
    ad->method = OBJ_nid2obj(nid);
    GENERAL_NAME_set0_value(ad->location, dns ? GEN_DNS : GEN_URI, s);
    if (!sk_ACCESS_DESCRIPTION_push(aia, ad))
        ACCESS_DESCRIPTION_free(ad);
}

/* A CA certificate with every extension the chain check reads, some of them hostile: cA TRUE,
 * key identifiers (the authority's longer than SHA-1), an AIA with a dNSName, a 3000-byte OCSP
 * URI, control bytes, second entries.  Signed with `key`. */
static X509 *ca_with_every_extension(EVP_PKEY *key)
{
    X509 *x = make_cert(key, "Issuing CA 1", "Example", "Root CA", "Example", "20240101000000Z",
                        "20340101000000Z", NULL);
    CHECK(x != NULL);

    BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
    bc->ca = 1;
    CHECK(X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1, X509V3_ADD_DEFAULT) == 1);
    BASIC_CONSTRAINTS_free(bc);

    unsigned char id[32];
    for (int i = 0; i < 32; i++) id[i] = (unsigned char)(0xa0 + i);
    ASN1_OCTET_STRING *skid = octets(id, 20);
    CHECK(X509_add1_ext_i2d(x, NID_subject_key_identifier, skid, 0, X509V3_ADD_DEFAULT) == 1);
    ASN1_OCTET_STRING_free(skid);
    AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
    akid->keyid = octets(id, 32);          /* longer than SHA-1: the first 20 bytes are kept */
    CHECK(X509_add1_ext_i2d(x, NID_authority_key_identifier, akid, 0, X509V3_ADD_DEFAULT) == 1);
    AUTHORITY_KEYID_free(akid);

    AUTHORITY_INFO_ACCESS *aia = sk_ACCESS_DESCRIPTION_new_null();
    static const char ctl[] = "http://ca.example/a\x01\\b\n.crt";   /* a control byte, a backslash, a newline */
    static char big[3000];
    memset(big, 'x', sizeof big);
    memcpy(big, "http://", 7);
    add_access(aia, NID_ad_ca_issuers, "ca.example", 10, true);   /* not a URI: skipped */
    add_access(aia, NID_ad_OCSP, big, (int)sizeof big, false);
    add_access(aia, NID_ad_ca_issuers, ctl, (int)strlen(ctl), false);
    add_access(aia, NID_ad_ca_issuers, "http://second.example/", 22, false);  /* not the first */
    add_access(aia, NID_ad_OCSP, "http://ocsp2.example/", 21, false);
    CHECK(X509_add1_ext_i2d(x, NID_info_access, aia, 0, X509V3_ADD_DEFAULT) == 1);
    AUTHORITY_INFO_ACCESS_free(aia);
    CHECK(sign_cert(x, key, EVP_sha256()));
    return x;
}

/* That CA's summary, fresh and through the summary cache. */
static void every_extension(EVP_PKEY *key)
{
    X509 *x = ca_with_every_extension(key);
    size_t len = 0;
    unsigned char *der = to_der(x, &len);
    td_cert c, hit, hit2;
    memset(&hit, 0, sizeof hit);
    memset(&hit2, 0, sizeof hit2);
    CHECK(summarize_exact(der, len, &c) == 0);
    CHECK(c.is_ca);
    CHECK_STR(c.skid, "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3");
    CHECK_STR(c.akid, "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3");
    CHECK_STR(c.aia_ca_issuers, "http://ca.example/a\\x01\\x5cb\\x0a.crt");
    CHECK(c.aia_ocsp && strlen(c.aia_ocsp) == 1024 && strncmp(c.aia_ocsp, "http://xxx", 10) == 0);
    CHECK(printable_str(c.aia_ca_issuers) && printable_str(c.aia_ocsp));

    td_x509_cache *cache = td_x509_cache_new(2);
    CHECK(td_x509_summarize_cached(cache, der, len, &hit) == 0);
    CHECK(td_x509_summarize_cached(cache, der, len, &hit2) == 0);
    td_x509_cache_free(cache);
    CHECK(hit2.block != NULL);
    CHECK_STR(hit2.aia_ca_issuers, c.aia_ca_issuers);
    CHECK_STR(hit2.aia_ocsp, c.aia_ocsp);
    CHECK(hit2.aia_ca_issuers != hit.aia_ca_issuers);
    CHECK(hit2.is_ca && strcmp(hit2.akid, c.akid) == 0 && strcmp(hit2.skid, c.skid) == 0);
    td_cert_clear(&hit);
    td_cert_clear(&hit2);
    td_cert_clear(&c);
    CHECK(zeroed(&c));
    OPENSSL_free(der);
    X509_free(x);
}

/* None of them. */
static void no_extension(EVP_PKEY *key)
{
    td_cert c;
    size_t len = 0;
    X509 *x = make_cert(key, "plain.example", NULL, "Root CA", "Example", "20240101000000Z", "20340101000000Z", NULL);
    CHECK(sign_cert(x, key, EVP_sha256()));
    unsigned char *der = to_der(x, &len);
    CHECK(summarize_exact(der, len, &c) == 0);
    CHECK(!c.is_ca && c.akid[0] == '\0' && c.skid[0] == '\0' && !c.aia_ca_issuers && !c.aia_ocsp);
    td_cert_clear(&c);
    OPENSSL_free(der);
    X509_free(x);
}

/* basicConstraints cA FALSE, and an AIA holding only OCSP. */
static void not_a_ca_and_only_ocsp(EVP_PKEY *key)
{
    td_cert c;
    size_t len = 0;
    X509 *x = make_cert(key, "leaf.example", NULL, "Root CA", "Example", "20240101000000Z", "20340101000000Z", NULL);
    BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
    CHECK(X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1, X509V3_ADD_DEFAULT) == 1);
    BASIC_CONSTRAINTS_free(bc);
    AUTHORITY_INFO_ACCESS *aia = sk_ACCESS_DESCRIPTION_new_null();
    add_access(aia, NID_ad_OCSP, "http://ocsp.example/", 20, false);
    CHECK(X509_add1_ext_i2d(x, NID_info_access, aia, 0, X509V3_ADD_DEFAULT) == 1);
    AUTHORITY_INFO_ACCESS_free(aia);
    CHECK(sign_cert(x, key, EVP_sha256()));
    unsigned char *der = to_der(x, &len);
    CHECK(summarize_exact(der, len, &c) == 0);
    CHECK(!c.is_ca && !c.aia_ca_issuers);
    CHECK_STR(c.aia_ocsp, "http://ocsp.example/");
    td_cert_clear(&c);
    OPENSSL_free(der);
    X509_free(x);
}

/* A CA certificate with every extension the chain check reads, some of them hostile; then one
 * with none of them; then basicConstraints cA FALSE.  Each through the summary cache as well. */
TEST(extensions)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    every_extension(key);
    no_extension(key);
    not_a_ca_and_only_ocsp(key);
    EVP_PKEY_free(key);
}

/* Two summaries are the same, field by field (pointers may differ). */
static bool same_cert(const td_cert *a, const td_cert *b)
{
    bool same = a->n_san == b->n_san && a->der_len == b->der_len && a->parse_error == b->parse_error &&
                a->self_signed == b->self_signed && a->key_bits == b->key_bits &&
                a->not_before_t == b->not_before_t && a->not_after_t == b->not_after_t &&
                strcmp(a->not_before, b->not_before) == 0 && strcmp(a->not_after, b->not_after) == 0 &&
                strcmp(a->key, b->key) == 0 && strcmp(a->signature, b->signature) == 0 &&
                strcmp(a->sha256, b->sha256) == 0 && (a->der_len == 0 || memcmp(a->der, b->der, a->der_len) == 0);
    same = same && !a->subject == !b->subject && (!a->subject || strcmp(a->subject, b->subject) == 0);
    same = same && !a->issuer == !b->issuer && (!a->issuer || strcmp(a->issuer, b->issuer) == 0);
    same = same && !a->aia_ca_issuers == !b->aia_ca_issuers &&
           (!a->aia_ca_issuers || strcmp(a->aia_ca_issuers, b->aia_ca_issuers) == 0);
    same = same && !a->aia_ocsp == !b->aia_ocsp && (!a->aia_ocsp || strcmp(a->aia_ocsp, b->aia_ocsp) == 0);
    same = same && a->is_ca == b->is_ca && strcmp(a->akid, b->akid) == 0 && strcmp(a->skid, b->skid) == 0;
    for (size_t i = 0; same && i < a->n_san; i++) same = strcmp(a->san[i], b->san[i]) == 0;
    return same;
}

/* The summary cache: a hit is a packed copy (one allocation) equal to a fresh summary, usable
 * and freeable on its own after the cache is gone; a different certificate in the same slot
 * replaces it; unparsable DER is answered the same way from the cache. */
TEST(summary_cache)
{
    EVP_PKEY *key = NULL;
    size_t len = 0;
    unsigned char *der = sample_cert(&key, &len);
    td_x509_cache *cache = td_x509_cache_new(1);  /* one slot: every certificate competes for it */
    td_cert fresh, first, hit, other;
    memset(&fresh, 0, sizeof fresh);
    memset(&first, 0, sizeof first);
    memset(&hit, 0, sizeof hit);
    memset(&other, 0, sizeof other);
    CHECK(cache != NULL);
    CHECK(td_x509_summarize(der, len, &fresh) == 0);
    CHECK(td_x509_summarize_cached(cache, der, len, &first) == 0);
    CHECK(td_x509_summarize_cached(cache, der, len, &hit) == 0);
    CHECK(hit.block != NULL && fresh.block == NULL);
    CHECK(same_cert(&fresh, &first) && same_cert(&fresh, &hit));
    CHECK(hit.subject != first.subject && hit.der != first.der);

    EVP_PKEY *key2 = NULL;
    size_t len2 = 0;
    unsigned char *der2 = sample_cert(&key2, &len2);     /* a new key: other bytes */
    CHECK(td_x509_summarize_cached(cache, der2, len2, &other) == 0);
    CHECK(strcmp(other.sha256, fresh.sha256) != 0 && other.der_len == len2);

    unsigned char junk[40];
    memset(junk, 0x30, sizeof junk);
    td_cert bad1, bad2;
    memset(&bad1, 0, sizeof bad1);
    memset(&bad2, 0, sizeof bad2);
    CHECK(td_x509_summarize_cached(cache, junk, sizeof junk, &bad1) == -1);
    CHECK(td_x509_summarize_cached(cache, junk, sizeof junk, &bad2) == -1);
    CHECK(bad2.parse_error && bad2.block != NULL && same_cert(&bad1, &bad2));

    td_x509_cache_free(cache);
    CHECK(hit.n_san == 6 && strcmp(hit.san[5], fresh.san[5]) == 0);   /* outlives the cache */
    td_cert_clear(&hit);
    CHECK(zeroed(&hit));
    td_cert *all[] = { &fresh, &first, &other, &bad1, &bad2 };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) td_cert_clear(all[i]);
    OPENSSL_free(der);
    OPENSSL_free(der2);
    EVP_PKEY_free(key);
    EVP_PKEY_free(key2);
}

int main(void)
{
    RUN(summary_cache);
    RUN(extensions);
    return check_done();
}
