/* test_x509.c - unit tests for the certificate summary (dissectors/x509/x509_summary.c) on
 * well-formed certificates.
 *
 * Certificates made here with OpenSSL (RSA, EC, Ed25519; odd dates, empty names, hostile
 * subjectAltNames), summarised, and every field checked; names as text; clearing.  Hostile DER:
 * test_x509_hostile.c; extensions and the summary cache: test_x509_extensions.c. */
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

/* ---- well-formed certificates --------------------------------------------------------------- */

TEST(rsa_self_signed)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    CHECK(key != NULL);
    X509 *x = make_cert(key, "www.example.com", "Example", "www.example.com", "Example",
                        "20240102030405Z", "20510607080910Z", LEAF_SAN);
    CHECK(sign_cert(x, key, EVP_sha256()));
    size_t len = 0;
    unsigned char *der = to_der(x, &len);
    CHECK(der != NULL && len > 100);

    td_cert c;
    CHECK(summarize_exact(der, len, &c) == 0);
    CHECK(!c.parse_error);
    CHECK_STR(c.subject, "CN=www.example.com,O=Example");
    CHECK_STR(c.issuer, "CN=www.example.com,O=Example");
    CHECK(c.n_san == 6);
    if (c.n_san == 6) {
        CHECK_STR(c.san[0], "www.example.com");
        CHECK_STR(c.san[1], "example.com");
        CHECK_STR(c.san[2], "192.0.2.1");
        CHECK_STR(c.san[3], "2001:db8::1");
        CHECK_STR(c.san[4], "email:admin@example.com");
        CHECK_STR(c.san[5], "URI:https://example.com/");
    }
    CHECK_STR(c.not_before, "2024-01-02T03:04:05Z");   /* stored as UTCTime */
    CHECK_STR(c.not_after, "2051-06-07T08:09:10Z");    /* stored as GeneralizedTime */
    CHECK(c.not_before_t == 1704164645);
    CHECK(c.not_after_t == 2569738150);
    CHECK_STR(c.key, "RSA-2048");
    CHECK(c.key_bits == 2048);
    CHECK_STR(c.signature, "sha256WithRSAEncryption");
    CHECK(c.self_signed);

    char sha[65];
    expected_sha256(der, len, sha);
    CHECK_STR(c.sha256, sha);
    CHECK(c.der != NULL && c.der_len == len && memcmp(c.der, der, len) == 0);
    CHECK(all_printable(&c));

    td_cert_clear(&c);
    CHECK(zeroed(&c));
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(key);
}

/* ec_ca_and_leaf: the P-256 CA, self-signed. */
static void check_ec_ca(const unsigned char *ca_der, size_t ca_len)
{
    td_cert c;
    CHECK(summarize_exact(ca_der, ca_len, &c) == 0);
    CHECK_STR(c.subject, "CN=Test Root CA,O=Example Trust");
    CHECK_STR(c.issuer, "CN=Test Root CA,O=Example Trust");
    CHECK(c.n_san == 0 && c.san == NULL);
    CHECK_STR(c.key, "EC-P256");
    CHECK(c.key_bits == 256);
    CHECK_STR(c.signature, "ecdsa-with-SHA256");
    CHECK_STR(c.not_before, "2020-01-01T00:00:00Z");
    CHECK(c.not_before_t == 1577836800);
    CHECK_STR(c.not_after, "2040-01-01T00:00:00Z");
    CHECK(c.not_after_t == 2208988800);
    CHECK(c.self_signed);
    td_cert_clear(&c);
}

/* ec_ca_and_leaf: the Ed25519 leaf the CA signed. */
static void check_ed25519_leaf(const unsigned char *leaf_der, size_t leaf_len)
{
    td_cert c;
    CHECK(summarize_exact(leaf_der, leaf_len, &c) == 0);
    CHECK_STR(c.subject, "CN=www.example.com,O=Example");
    CHECK_STR(c.issuer, "CN=Test Root CA,O=Example Trust");
    CHECK(c.n_san == 6);
    if (c.n_san == 6)
        CHECK_STR(c.san[3], "2001:db8::1");
    CHECK_STR(c.key, "ED25519");
    CHECK(c.key_bits == 256);
    CHECK_STR(c.signature, "ecdsa-with-SHA256");
    CHECK_STR(c.not_after, "2025-12-31T23:59:59Z");
    CHECK(c.not_after_t == 1767225599);
    CHECK(!c.self_signed);                 /* signed by the CA */
    char sha[65];
    expected_sha256(leaf_der, leaf_len, sha);
    CHECK_STR(c.sha256, sha);
    td_cert_clear(&c);
}

/* Ed25519 self-signed. */
static void ed25519_self_signed(EVP_PKEY *leaf_key)
{
    td_cert c;
    X509 *ed = make_cert(leaf_key, "ed.example", NULL, "ed.example", NULL, "20240102030405Z",
                         "20251231235959Z", "DNS:ed.example");
    CHECK(sign_cert(ed, leaf_key, NULL));
    size_t ed_len = 0;
    unsigned char *ed_der = to_der(ed, &ed_len);
    CHECK(summarize_exact(ed_der, ed_len, &c) == 0);
    CHECK_STR(c.subject, "CN=ed.example");
    CHECK_STR(c.key, "ED25519");
    CHECK_STR(c.signature, "ED25519");
    CHECK(c.n_san == 1 && c.san && strcmp(c.san[0], "ed.example") == 0);
    CHECK(c.self_signed);
    td_cert_clear(&c);
    OPENSSL_free(ed_der);
    X509_free(ed);
}

/* Self-issued (subject == issuer) but signed with another key: not self-signed. */
static void self_issued_signed_by_another_key(EVP_PKEY *leaf_key, EVP_PKEY *ca_key)
{
    td_cert c;
    X509 *fake = make_cert(leaf_key, "www.example.com", "Example", "www.example.com", "Example",
                           "20240102030405Z", "20251231235959Z", NULL);
    CHECK(sign_cert(fake, ca_key, EVP_sha256()));
    size_t fake_len = 0;
    unsigned char *fake_der = to_der(fake, &fake_len);
    CHECK(summarize_exact(fake_der, fake_len, &c) == 0);
    CHECK_STR(c.subject, "CN=www.example.com,O=Example");
    CHECK_STR(c.issuer, c.subject);
    CHECK(!c.self_signed);
    td_cert_clear(&c);
    OPENSSL_free(fake_der);
    X509_free(fake);
}

TEST(ec_ca_and_leaf)
{
    EVP_PKEY *ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *leaf_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    CHECK(ca_key && leaf_key);

    X509 *ca = make_cert(ca_key, "Test Root CA", "Example Trust", "Test Root CA", "Example Trust",
                         "20200101000000Z", "20400101000000Z", NULL);
    CHECK(sign_cert(ca, ca_key, EVP_sha256()));
    X509 *leaf = make_cert(leaf_key, "www.example.com", "Example", "Test Root CA",
                           "Example Trust", "20240102030405Z", "20251231235959Z", LEAF_SAN);
    CHECK(sign_cert(leaf, ca_key, EVP_sha256()));

    size_t ca_len = 0, leaf_len = 0;
    unsigned char *ca_der = to_der(ca, &ca_len);
    unsigned char *leaf_der = to_der(leaf, &leaf_len);
    CHECK(ca_der && leaf_der);

    check_ec_ca(ca_der, ca_len);
    check_ed25519_leaf(leaf_der, leaf_len);
    ed25519_self_signed(leaf_key);
    self_issued_signed_by_another_key(leaf_key, ca_key);

    OPENSSL_free(ca_der);
    OPENSSL_free(leaf_der);
    X509_free(ca);
    X509_free(leaf);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(leaf_key);
}

TEST(ec_p384_and_edge_dates)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    CHECK(key != NULL);
    X509 *x = make_cert(key, "old.example", NULL, "old.example", NULL, "19500101000000Z",
                        "99991231235959Z", NULL);
    CHECK(sign_cert(x, key, EVP_sha384()));
    size_t len = 0;
    unsigned char *der = to_der(x, &len);
    td_cert c;
    CHECK(summarize_exact(der, len, &c) == 0);
    CHECK_STR(c.key, "EC-P384");
    CHECK(c.key_bits == 384);
    CHECK_STR(c.signature, "ecdsa-with-SHA384");
    CHECK_STR(c.not_before, "1950-01-01T00:00:00Z");
    CHECK(c.not_before_t == -631152000);
    CHECK_STR(c.not_after, "9999-12-31T23:59:59Z");
    CHECK(c.not_after_t == 253402300799);
    CHECK(c.self_signed);
    td_cert_clear(&c);
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(key);
}

TEST(empty_names_and_secp256k1)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
    CHECK(key != NULL);
    X509 *x = make_cert(key, NULL, NULL, NULL, NULL, "20240102030405Z", "20251231235959Z", NULL);
    CHECK(sign_cert(x, key, EVP_sha256()));
    size_t len = 0;
    unsigned char *der = to_der(x, &len);
    td_cert c;
    CHECK(summarize_exact(der, len, &c) == 0);
    CHECK_STR(c.subject, "");
    CHECK_STR(c.issuer, "");
    CHECK_STR(c.key, "EC-secp256k1");    /* no NIST name: the curve's short name */
    CHECK(c.key_bits == 256);
    td_cert_clear(&c);
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(key);
}

/* subjectAltName built by hand: hostile bytes, kinds we skip, an over-long name, too many names. */
static void add_name(GENERAL_NAMES *gens, int type, const void *bytes, int len)
{
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_STRING *s = type == GEN_IPADD ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
    if (!g || !s || !ASN1_STRING_set(s, bytes, len)) {
        GENERAL_NAME_free(g);
        ASN1_STRING_free(s);
        return;
    }
    GENERAL_NAME_set0_value(g, type, s);
    if (!sk_GENERAL_NAME_push(gens, g))
        GENERAL_NAME_free(g);
}

static unsigned char *cert_with_sans(EVP_PKEY *key, GENERAL_NAMES *gens, size_t *len)
{
    X509 *x = make_cert(key, "san.example", NULL, "san.example", NULL, "20240102030405Z",
                        "20251231235959Z", NULL);
    bool ok = x && X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) == 1;
    ok = ok && sign_cert(x, key, NULL);
    unsigned char *der = ok ? to_der(x, len) : NULL;
    X509_free(x);
    return der;
}

TEST(san_escaping_and_caps)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    CHECK(key != NULL);
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    CHECK(gens != NULL);

    add_name(gens, GEN_DNS, "a\x01" "b\xff" "c\\d\"e", 9);
    add_name(gens, GEN_DNS, "nul\0byte", 8);
    static const unsigned char ip8[8] = { 10, 0, 0, 0, 255, 0, 0, 0 }; /* address + mask: skipped */
    add_name(gens, GEN_IPADD, ip8, 8);
    static const unsigned char ip4[4] = { 198, 51, 100, 7 };
    add_name(gens, GEN_IPADD, ip4, 4);
    GENERAL_NAME *rid = GENERAL_NAME_new();  /* registeredID: skipped */
    if (rid) {
        GENERAL_NAME_set0_value(rid, GEN_RID, OBJ_nid2obj(NID_commonName));
        if (!sk_GENERAL_NAME_push(gens, rid))
            GENERAL_NAME_free(rid);
    }
    char big[5000];
    memset(big, 'a', sizeof big);
    add_name(gens, GEN_DNS, big, (int)sizeof big);             /* capped at 1024 */
    memset(big, 'b', 1018);
    big[1018] = '\x01';               /* "URI:" + 1018 + "\x01" = 1026: the escape is cut whole */
    add_name(gens, GEN_URI, big, 1019);
    for (int i = 0; i < 300; i++) {
        char n[32];
        int k = snprintf(n, sizeof n, "h%d.example", i);
        add_name(gens, GEN_DNS, n, k);
    }

    size_t len = 0;
    unsigned char *der = cert_with_sans(key, gens, &len);
    CHECK(der != NULL);
    td_cert c;
    CHECK(summarize_exact(der, len, &c) == 0);
    CHECK(c.n_san == 256);
    if (c.n_san == 256) {
        CHECK_STR(c.san[0], "a\\x01b\\xffc\\x5cd\"e");
        CHECK_STR(c.san[1], "nul\\x00byte");
        CHECK_STR(c.san[2], "198.51.100.7");
        CHECK(strlen(c.san[3]) == 1024 && strspn(c.san[3], "a") == 1024);
        CHECK(strncmp(c.san[4], "URI:bbb", 7) == 0 && strlen(c.san[4]) == 4 + 1018);
        CHECK_STR(c.san[5], "h0.example");
        CHECK_STR(c.san[255], "h250.example");
    }
    CHECK(all_printable(&c));
    CHECK(c.self_signed);
    td_cert_clear(&c);

    OPENSSL_free(der);
    GENERAL_NAMES_free(gens);
    EVP_PKEY_free(key);
}

/* ---- names and clearing ---------------------------------------------------------------------- */

TEST(name_text)
{
    X509_NAME *n = make_name("www.example.com", "Example");
    unsigned char *der = NULL;
    int len = n ? i2d_X509_NAME(n, &der) : -1;
    CHECK(len > 0);
    if (len > 0) {
        char *s = td_x509_name_text(der, (size_t)len);
        CHECK_STR(s, "CN=www.example.com,O=Example");
        free(s);
        int prefix_bad = 0;
        for (int k = 0; k < len; k++) {
            unsigned char *p = malloc((size_t)k + 1);
            if (!p)
                continue;
            memcpy(p, der, (size_t)k);
            s = td_x509_name_text(p, (size_t)k);
            prefix_bad += s != NULL;
            free(s);
            free(p);
        }
        CHECK(prefix_bad == 0);
        unsigned char *t = malloc((size_t)len + 1);       /* trailing byte */
        if (t) {
            memcpy(t, der, (size_t)len);
            t[len] = 0;
            CHECK(td_x509_name_text(t, (size_t)len + 1) == NULL);
            free(t);
        }
    }
    OPENSSL_free(der);
    X509_NAME_free(n);

    /* Non-ASCII and control characters come out escaped. */
    n = make_name("caf\xc3\xa9\x01", NULL);
    der = NULL;
    len = n ? i2d_X509_NAME(n, &der) : -1;
    CHECK(len > 0);
    if (len > 0) {
        char *s = td_x509_name_text(der, (size_t)len);
        CHECK(s != NULL && printable_str(s) && strncmp(s, "CN=caf", 6) == 0);
        free(s);
    }
    OPENSSL_free(der);
    X509_NAME_free(n);

    static const unsigned char empty_name[] = { 0x30, 0x00 };
    char *s = td_x509_name_text(empty_name, sizeof empty_name);
    CHECK_STR(s, "");
    free(s);
    static const unsigned char garbage[] = { 0x04, 0x03, 'a', 'b', 'c' };
    CHECK(td_x509_name_text(garbage, sizeof garbage) == NULL);
    CHECK(td_x509_name_text(garbage, 0) == NULL);
    CHECK(td_x509_name_text(NULL, 5) == NULL);
    static const unsigned char liar[] = { 0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x31 };
    CHECK(td_x509_name_text(liar, sizeof liar) == NULL);
}

TEST(cert_clear)
{
    td_cert c;
    memset(&c, 0, sizeof c);
    td_cert_clear(&c);                    /* on a zeroed struct */
    CHECK(zeroed(&c));
    td_cert_clear(NULL);

    EVP_PKEY *key = NULL;
    size_t len = 0;
    unsigned char *der = sample_cert(&key, &len);
    CHECK(summarize_exact(der, len, &c) == 0);
    CHECK(c.subject && c.issuer && c.san && c.n_san == 6 && c.der);
    td_cert_clear(&c);                    /* LeakSanitizer checks that all of it went */
    CHECK(zeroed(&c));
    td_cert_clear(&c);                    /* twice is harmless */
    CHECK(zeroed(&c));

    /* A summary reused after clearing. */
    CHECK(td_x509_summarize(der, len, &c) == 0 && c.n_san == 6);
    td_cert_clear(&c);
    OPENSSL_free(der);
    EVP_PKEY_free(key);
}

int main(void)
{
    RUN(rsa_self_signed);
    RUN(ec_ca_and_leaf);
    RUN(ec_p384_and_edge_dates);
    RUN(empty_names_and_secp256k1);
    RUN(san_escaping_and_caps);
    RUN(name_text);
    RUN(cert_clear);
    return check_done();
}
