/* test_x509.c - unit tests for the certificate summary (dissectors/x509/x509_summary.c).
 *
 * Certificates made here with OpenSSL, summarised, and every field checked; then hostile DER
 * (empty, truncated at every length, trailing bytes, random, mutated) which must give -1 or a
 * printable partial summary, never a crash or a leak. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "check.h"
#include "dissectors/dissect.h"

/* ---- building certificates ------------------------------------------------------------------ */

static X509_NAME *make_name(const char *cn, const char *org)
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
static X509 *make_cert(EVP_PKEY *pub, const char *cn, const char *org, const char *issuer_cn,
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

static bool sign_cert(X509 *x, EVP_PKEY *signer, const EVP_MD *md)
{
    int id = EVP_PKEY_get_base_id(signer);
    if (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448)
        md = NULL;
    return x && X509_sign(x, signer, md) > 0;
}

static unsigned char *to_der(X509 *x, size_t *len)
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
static int summarize_exact(const unsigned char *der, size_t len, td_cert *c)
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

static void expected_sha256(const unsigned char *der, size_t len, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(der, len, md);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static bool printable_str(const char *s)
{
    if (!s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

static bool all_printable(const td_cert *c)
{
    if (!printable_str(c->subject) || !printable_str(c->issuer))
        return false;
    for (size_t i = 0; i < c->n_san; i++)
        if (!printable_str(c->san[i]) || strlen(c->san[i]) > 1024)
            return false;
    return printable_str(c->not_before) && printable_str(c->not_after) &&
           printable_str(c->key) && printable_str(c->signature) && strlen(c->sha256) == 64;
}

static bool zeroed(const td_cert *c)
{
    static const td_cert zero;
    return memcmp(c, &zero, sizeof zero) == 0;
}

/* The standard test leaf: two DNS names, IPv4, IPv6, e-mail, URI. */
#define LEAF_SAN                                                                              \
    "DNS:www.example.com,DNS:example.com,IP:192.0.2.1,IP:2001:db8::1,email:admin@example.com," \
    "URI:https://example.com/"

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

    /* Ed25519 self-signed. */
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

    /* Self-issued (subject == issuer) but signed with another key: not self-signed. */
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

    OPENSSL_free(ca_der);
    OPENSSL_free(leaf_der);
    OPENSSL_free(ed_der);
    OPENSSL_free(fake_der);
    X509_free(ca);
    X509_free(leaf);
    X509_free(ed);
    X509_free(fake);
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

/* ---- hostile input ------------------------------------------------------------------------- */

static unsigned char *sample_cert(EVP_PKEY **keyp, size_t *len)
{
    *keyp = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = make_cert(*keyp, "www.example.com", "Example", "www.example.com", "Example",
                        "20240102030405Z", "20510607080910Z", LEAF_SAN);
    unsigned char *der = sign_cert(x, *keyp, EVP_sha256()) ? to_der(x, len) : NULL;
    X509_free(x);
    return der;
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

TEST(malformed_inputs)
{
    td_cert c;
    char sha[65];

    memset(&c, 0, sizeof c);              /* NULL, empty */
    CHECK(td_x509_summarize(NULL, 0, &c) == -1);
    CHECK(c.parse_error && c.der == NULL && c.der_len == 0);
    CHECK_STR(c.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    td_cert_clear(&c);
    static const unsigned char one[1] = { 0x30 };
    CHECK(summarize_exact(one, 0, &c) == -1 && c.parse_error);
    td_cert_clear(&c);
    CHECK(summarize_exact(one, 1, &c) == -1);             /* one byte */
    CHECK(c.parse_error && c.der_len == 1 && c.der && c.der[0] == 0x30 && c.subject == NULL);
    expected_sha256(one, 1, sha);
    CHECK_STR(c.sha256, sha);
    td_cert_clear(&c);

    EVP_PKEY *key = NULL;
    size_t len = 0;
    unsigned char *der = sample_cert(&key, &len);
    CHECK(der != NULL);
    if (!der) {
        EVP_PKEY_free(key);
        return;
    }

    /* Every proper prefix: -1, with der and sha256 of exactly the prefix. */
    int prefix_bad = 0;
    for (size_t n = 0; n < len; n++) {
        int rc = summarize_exact(der, n, &c);
        expected_sha256(der, n, sha);
        if (rc != -1 || !c.parse_error || c.der_len != n || strcmp(c.sha256, sha) != 0 ||
            c.subject || c.n_san)
            prefix_bad++;
        td_cert_clear(&c);
    }
    CHECK(prefix_bad == 0);

    /* Trailing garbage: one byte, and a whole second certificate. */
    unsigned char *two = malloc(2 * len);
    CHECK(two != NULL);
    if (two) {
        memcpy(two, der, len);
        memcpy(two + len, der, len);
        CHECK(summarize_exact(two, len + 1, &c) == -1 && c.parse_error && c.der_len == len + 1);
        td_cert_clear(&c);
        CHECK(summarize_exact(two, 2 * len, &c) == -1 && c.parse_error);
        td_cert_clear(&c);
        CHECK(summarize_exact(two, len, &c) == 0 && !c.parse_error);  /* sanity: exact parses */
        td_cert_clear(&c);
        free(two);
    }

    /* Random bytes, some dressed as a DER SEQUENCE. */
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    unsigned char buf[2048];
    int random_ok = 0;
    for (int i = 0; i < 3000; i++) {
        size_t n = (size_t)(rng_next(&seed) % sizeof buf);
        for (size_t k = 0; k < n; k++)
            buf[k] = (unsigned char)rng_next(&seed);
        if (n >= 4 && (i & 1)) {
            buf[0] = 0x30;
            buf[1] = 0x82;
            buf[2] = (unsigned char)((n - 4) >> 8);
            buf[3] = (unsigned char)(n - 4);
        }
        int rc = summarize_exact(buf, n, &c);
        if (rc == 0)
            random_ok += all_printable(&c) ? 0 : 1000;
        else if (rc != -1 || !c.parse_error || c.der_len != n)
            random_ok += 1000;
        td_cert_clear(&c);
    }
    CHECK(random_ok == 0);

    /* Mutations of the real certificate: any result, but no crash and printable strings. */
    unsigned char *m = malloc(len);
    int mutant_bad = 0, mutant_parsed = 0;
    CHECK(m != NULL);
    for (size_t pos = 0; m && pos < len; pos++) {
        static const unsigned char vals[] = { 0x00, 0xff, 0x80, 0x01, 0x7f };
        for (size_t v = 0; v < sizeof vals; v++) {
            memcpy(m, der, len);
            if (m[pos] == vals[v])
                continue;
            m[pos] = vals[v];
            int rc = summarize_exact(m, len, &c);
            if (rc == 0) {
                mutant_parsed++;
                if (!all_printable(&c))
                    mutant_bad++;
                if (c.not_before[0] == '\0' && c.not_before_t != 0)
                    mutant_bad++;
            } else if (rc != -1 || !c.parse_error) {
                mutant_bad++;
            }
            td_cert_clear(&c);
        }
    }
    CHECK(mutant_bad == 0);
    CHECK(mutant_parsed > 0);             /* some mutants still parse: partial summaries */
    free(m);

    OPENSSL_free(der);
    EVP_PKEY_free(key);
}

TEST(unparsable_time)
{
    EVP_PKEY *key = NULL;
    size_t len = 0;
    unsigned char *der = sample_cert(&key, &len);
    CHECK(der != NULL);
    /* Find the UTCTime "240102030405Z" (tag 0x17, length 13) and break a digit. */
    static const unsigned char utc[] = "\x17\x0d" "240102030405Z";
    unsigned char *hit = NULL;
    for (size_t i = 0; der && i + sizeof utc - 1 <= len; i++)
        if (memcmp(der + i, utc, sizeof utc - 1) == 0)
            hit = der + i;
    CHECK(hit != NULL);
    if (hit) {
        hit[2 + 7] = 'x';                  /* "2401020x0405Z" */
        td_cert c;
        int rc = summarize_exact(der, len, &c);
        if (rc == 0) {
            CHECK_STR(c.not_before, "");
            CHECK(c.not_before_t == 0);
            CHECK_STR(c.not_after, "2051-06-07T08:09:10Z");   /* the rest still comes out */
            CHECK_STR(c.subject, "CN=www.example.com,O=Example");
            CHECK(!c.self_signed);         /* the signature no longer verifies */
        } else {
            CHECK(rc == -1 && c.parse_error);
        }
        td_cert_clear(&c);
    }
    OPENSSL_free(der);
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

/* A CA certificate with every extension the chain check reads, some of them hostile; then one
 * with none of them; then basicConstraints cA FALSE.  Each through the summary cache as well. */
TEST(extensions)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
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

    /* None of them. */
    x = make_cert(key, "plain.example", NULL, "Root CA", "Example", "20240101000000Z", "20340101000000Z", NULL);
    CHECK(sign_cert(x, key, EVP_sha256()));
    der = to_der(x, &len);
    CHECK(summarize_exact(der, len, &c) == 0);
    CHECK(!c.is_ca && c.akid[0] == '\0' && c.skid[0] == '\0' && !c.aia_ca_issuers && !c.aia_ocsp);
    td_cert_clear(&c);
    OPENSSL_free(der);
    X509_free(x);

    /* basicConstraints cA FALSE, and an AIA holding only OCSP. */
    x = make_cert(key, "leaf.example", NULL, "Root CA", "Example", "20240101000000Z", "20340101000000Z", NULL);
    bc = BASIC_CONSTRAINTS_new();
    CHECK(X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1, X509V3_ADD_DEFAULT) == 1);
    BASIC_CONSTRAINTS_free(bc);
    aia = sk_ACCESS_DESCRIPTION_new_null();
    add_access(aia, NID_ad_OCSP, "http://ocsp.example/", 20, false);
    CHECK(X509_add1_ext_i2d(x, NID_info_access, aia, 0, X509V3_ADD_DEFAULT) == 1);
    AUTHORITY_INFO_ACCESS_free(aia);
    CHECK(sign_cert(x, key, EVP_sha256()));
    der = to_der(x, &len);
    CHECK(summarize_exact(der, len, &c) == 0);
    CHECK(!c.is_ca && !c.aia_ca_issuers);
    CHECK_STR(c.aia_ocsp, "http://ocsp.example/");
    td_cert_clear(&c);
    OPENSSL_free(der);
    X509_free(x);
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
    RUN(rsa_self_signed);
    RUN(ec_ca_and_leaf);
    RUN(ec_p384_and_edge_dates);
    RUN(empty_names_and_secp256k1);
    RUN(san_escaping_and_caps);
    RUN(malformed_inputs);
    RUN(unparsable_time);
    RUN(name_text);
    RUN(cert_clear);
    RUN(summary_cache);
    RUN(extensions);
    return check_done();
}
