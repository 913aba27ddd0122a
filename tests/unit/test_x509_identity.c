/* test_x509_identity.c - unit tests for a certificate's identity fields (dissectors/x509/x509_ident.c):
 * serial, SHA-1, IP SANs, keyUsage, extendedKeyUsage, AIA URIs, SCT count, precertificate.
 *
 * Where OpenSSL has its own reading (i2a_ASN1_INTEGER for the serial, SHA1() for the fingerprint,
 * its SCT list decoder) the summary is compared with it; hostile extensions (huge and negative
 * serials, many EKUs, malformed AIA and key usage, SCT lists whose lengths lie) must give bounded,
 * printable fields and a flag, never a crash. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ct.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "check.h"
#include "dissectors/dissect.h"
#include "x509_fixtures.h"

static EVP_PKEY *key;                      /* one P-256 key signs every certificate here */

static X509 *plain_cert(const char *san)
{
    return make_cert(key, "id.example", NULL, "Root CA", "Example", "20240101000000Z",
                     "20340101000000Z", san);
}

/* Sign x, summarise its DER into *c (rc 0 expected), free x. */
static void summarize_cert(X509 *x, td_cert *c)
{
    size_t len = 0;
    CHECK(x && sign_cert(x, key, EVP_sha256()));
    unsigned char *der = to_der(x, &len);
    CHECK(der != NULL);
    CHECK(summarize_exact(der, len, c) == 0);
    OPENSSL_free(der);
    X509_free(x);
}

/* An extension with these exact value bytes (not checked by OpenSSL: hostile is allowed). */
static void add_raw_ext(X509 *x, int nid, const void *val, int n, int crit)
{
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    CHECK(os && ASN1_OCTET_STRING_set(os, val, n));
    X509_EXTENSION *e = X509_EXTENSION_create_by_NID(NULL, nid, crit, os);
    CHECK(e && X509_add_ext(x, e, -1));
    X509_EXTENSION_free(e);
    ASN1_OCTET_STRING_free(os);
}

static void add_conf_ext(X509 *x, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, NULL, nid, value);
    CHECK(e && X509_add_ext(x, e, -1));
    X509_EXTENSION_free(e);
}

/* ---- serial ---------------------------------------------------------------------------------- */

/* What `openssl x509 -serial` prints (i2a_ASN1_INTEGER), without its "\\\n" line breaks. */
static void openssl_serial(const X509 *x, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    i2a_ASN1_INTEGER(b, X509_get0_serialNumber(x));
    char *d = NULL;
    long n = BIO_get_mem_data(b, &d);
    size_t o = 0;
    for (long i = 0; i < n && o + 1 < cap; i++)
        if (d[i] != '\\' && d[i] != '\n') out[o++] = d[i];
    out[o] = '\0';
    BIO_free(b);
}

/* A certificate whose serial is this hex number (negative if neg); its summary's serial and
 * OpenSSL's printing of it. */
static void serial_of(const char *hex, bool neg, char *got, size_t gotcap, char *want, size_t wantcap)
{
    X509 *x = plain_cert(NULL);
    BIGNUM *bn = NULL;
    CHECK(BN_hex2bn(&bn, hex) > 0);
    BN_set_negative(bn, neg);
    CHECK(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL);
    BN_free(bn);
    openssl_serial(x, want, wantcap);
    td_cert c;
    summarize_cert(x, &c);
    snprintf(got, gotcap, "%s", c.serial);
    td_cert_clear(&c);
}

TEST(serial)
{
    char got[200], want[400];
    serial_of("03C56F6636EDA72F7F4C5665FA055D933255", false, got, sizeof got, want, sizeof want);
    CHECK_STR(got, "03C56F6636EDA72F7F4C5665FA055D933255");
    CHECK_STR(got, want);
    serial_of("FF00000000000000000000000000000000000001", false, got, sizeof got, want, sizeof want);
    CHECK_STR(got, want);                 /* 20 bytes, top bit set: DER has a leading 00 */
    CHECK_STR(got, "FF00000000000000000000000000000000000001");
    serial_of("0", false, got, sizeof got, want, sizeof want);
    CHECK_STR(got, want);
    CHECK_STR(got, "00");
    serial_of("1", false, got, sizeof got, want, sizeof want);
    CHECK_STR(got, "01");
    serial_of("5", true, got, sizeof got, want, sizeof want);   /* negative: RFC 5280 forbids, CAs did it */
    CHECK_STR(got, want);
    CHECK_STR(got, "-05");
    char huge[2 * 100 + 1];                /* 100 bytes: the first 64 are kept, then "..." */
    for (int i = 0; i < 200; i++) huge[i] = "0123456789ABCDEF"[(i * 7 + 1) % 16];
    huge[200] = '\0';
    serial_of(huge, true, got, sizeof got, want, sizeof want);
    CHECK(strlen(got) == 1 + 128 + 3 && got[0] == '-' && strcmp(got + 129, "...") == 0);
    CHECK(strncmp(got, want, 129) == 0);
}

/* ---- SHA-1 ----------------------------------------------------------------------------------- */

TEST(sha1_fingerprint)
{
    size_t len = 0;
    EVP_PKEY *k = NULL;
    unsigned char *der = sample_cert(&k, &len);
    unsigned char md[SHA_DIGEST_LENGTH];
    char want[41];
    SHA1(der, len, md);
    for (int i = 0; i < SHA_DIGEST_LENGTH; i++) snprintf(want + 2 * i, 3, "%02x", md[i]);
    td_cert c;
    CHECK(summarize_exact(der, len, &c) == 0);
    CHECK_STR(c.sha1, want);
    td_cert_clear(&c);
    CHECK(summarize_exact(der, len - 1, &c) == -1);   /* unparsable: the fingerprints all the same */
    SHA1(der, len - 1, md);
    for (int i = 0; i < SHA_DIGEST_LENGTH; i++) snprintf(want + 2 * i, 3, "%02x", md[i]);
    CHECK(c.parse_error);
    CHECK_STR(c.sha1, want);
    td_cert_clear(&c);
    CHECK(td_x509_summarize(NULL, 0, &c) == -1);
    CHECK_STR(c.sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");   /* SHA-1 of nothing */
    td_cert_clear(&c);
    OPENSSL_free(der);
    EVP_PKEY_free(k);
}

/* ---- IP SANs --------------------------------------------------------------------------------- */

static bool is_ip(const td_cert *c, size_t i)
{
    return c->san_ip[i / 64] >> (i % 64) & 1;
}

/* A GENERAL_NAME iPAddress of n raw bytes (5: not an address) added to x's SAN. */
static void san_with_odd_ip(X509 *x)
{
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    static const unsigned char five[5] = { 10, 0, 0, 1, 9 }, v4[4] = { 198, 51, 100, 7 };
    const unsigned char *bytes[] = { five, v4 };
    int lens[] = { 5, 4 };
    for (int i = 0; i < 2; i++) {
        GENERAL_NAME *g = GENERAL_NAME_new();
        ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
        CHECK(g && os && ASN1_OCTET_STRING_set(os, bytes[i], lens[i]));
        GENERAL_NAME_set0_value(g, GEN_IPADD, os);
        sk_GENERAL_NAME_push(gens, g);
    }
    CHECK(X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) == 1);
    GENERAL_NAMES_free(gens);
}

TEST(san_ip)
{
    td_cert c;
    /* A DNS name that reads like an address is not an IP SAN. */
    summarize_cert(plain_cert(LEAF_SAN ",DNS:10.0.0.1,IP:::ffff:192.0.2.9"), &c);
    CHECK(c.n_san == 8);
    CHECK_STR(c.san[2], "192.0.2.1");
    CHECK_STR(c.san[3], "2001:db8::1");
    CHECK_STR(c.san[6], "10.0.0.1");
    CHECK_STR(c.san[7], "::ffff:192.0.2.9");
    CHECK(!is_ip(&c, 0) && !is_ip(&c, 1) && is_ip(&c, 2) && is_ip(&c, 3) && !is_ip(&c, 4) &&
          !is_ip(&c, 5) && !is_ip(&c, 6) && is_ip(&c, 7));
    CHECK(c.san_ip[0] == 0x8c && c.san_ip[1] == 0 && c.san_ip[2] == 0 && c.san_ip[3] == 0);
    td_cert_clear(&c);

    /* 5 bytes is not an address: skipped, and the next entry's bit is its own. */
    X509 *x = plain_cert(NULL);
    san_with_odd_ip(x);
    summarize_cert(x, &c);
    CHECK(c.n_san == 1 && is_ip(&c, 0));
    CHECK_STR(c.san[0], "198.51.100.7");
    td_cert_clear(&c);

    /* Past the first 64-bit word: 100 DNS names, then an address at index 100. */
    char san[4096];
    size_t o = 0;
    for (int i = 0; i < 100; i++) o += (size_t)snprintf(san + o, sizeof san - o, "DNS:h%d.example,", i);
    snprintf(san + o, sizeof san - o, "IP:203.0.113.5");
    summarize_cert(plain_cert(san), &c);
    CHECK(c.n_san == 101 && is_ip(&c, 100) && !is_ip(&c, 99) && c.san_ip[0] == 0);
    CHECK(c.san_ip[1] == (uint64_t)1 << 36);
    CHECK_STR(c.san[100], "203.0.113.5");
    td_cert_clear(&c);
}

/* ---- keyUsage and extendedKeyUsage ----------------------------------------------------------- */

TEST(key_usage)
{
    td_cert c;
    X509 *x = plain_cert(NULL);
    add_conf_ext(x, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    summarize_cert(x, &c);
    CHECK(c.key_usage == 0x5);
    td_cert_clear(&c);

    x = plain_cert(NULL);
    add_conf_ext(x, NID_key_usage, "keyCertSign,cRLSign,decipherOnly");
    summarize_cert(x, &c);
    CHECK(c.key_usage == (1u << 5 | 1u << 6 | 1u << 8));
    td_cert_clear(&c);

    static const unsigned char junk[] = { 0x04, 0x02, 0xff, 0xff };   /* an OCTET STRING, not bits */
    x = plain_cert(NULL);
    add_raw_ext(x, NID_key_usage, junk, sizeof junk, 1);
    summarize_cert(x, &c);
    CHECK(c.key_usage == 0);
    td_cert_clear(&c);

    CHECK_STR(td_x509_key_usage_name(0), "digitalSignature");
    CHECK_STR(td_x509_key_usage_name(8), "decipherOnly");
    CHECK(td_x509_key_usage_name(9) == NULL);
}

TEST(ext_key_usage)
{
    td_cert c;
    X509 *x = plain_cert(NULL);
    add_conf_ext(x, NID_ext_key_usage, "serverAuth,clientAuth,OCSPSigning,1.3.6.1.4.1.99999.1,anyExtendedKeyUsage");
    summarize_cert(x, &c);
    CHECK(c.n_eku == 5);
    if (c.n_eku == 5) {
        CHECK_STR(c.eku[0], "serverAuth");
        CHECK_STR(c.eku[1], "clientAuth");
        CHECK_STR(c.eku[2], "OCSPSigning");
        CHECK_STR(c.eku[3], "1.3.6.1.4.1.99999.1");
        CHECK_STR(c.eku[4], "anyExtendedKeyUsage");
    }
    td_cert_clear(&c);

    /* 40 OIDs, one of them with an arc of 120 digits: 16 kept, each cut to 80 and printable. */
    char conf[8192];
    size_t o = (size_t)snprintf(conf, sizeof conf, "1.2.");
    for (int i = 0; i < 120; i++) conf[o++] = (char)('1' + i % 9);
    conf[o] = '\0';
    for (int i = 1; i < 40; i++) o += (size_t)snprintf(conf + o, sizeof conf - o, ",1.2.3.%d", i);
    x = plain_cert(NULL);
    add_conf_ext(x, NID_ext_key_usage, conf);
    summarize_cert(x, &c);
    CHECK(c.n_eku == 16);
    for (size_t i = 0; i < c.n_eku; i++) CHECK(printable_str(c.eku[i]) && strlen(c.eku[i]) <= 80);
    CHECK(c.n_eku == 16 && strncmp(c.eku[0], "1.2.1234567891", 14) == 0 && strlen(c.eku[0]) == 80);
    CHECK(c.n_eku == 16 && strcmp(c.eku[15], "1.2.3.15") == 0);
    td_cert_clear(&c);

    static const unsigned char junk[] = { 0x30, 0x03, 0x06, 0x05, 0x2b };   /* inner length lies */
    x = plain_cert(NULL);
    add_raw_ext(x, NID_ext_key_usage, junk, sizeof junk, 0);
    summarize_cert(x, &c);
    CHECK(c.n_eku == 0 && c.eku == NULL);
    td_cert_clear(&c);
}

/* ---- Authority Information Access ----------------------------------------------------------- */

TEST(aia_urls)
{
    td_cert c;
    X509 *x = plain_cert(NULL);
    add_conf_ext(x, NID_info_access,
                 "OCSP;URI:http://o1.example,caIssuers;URI:http://c1.example/ca.der,OCSP;URI:http://o2.example,"
                 "OCSP;URI:http://o3.example,OCSP;URI:http://o4.example,OCSP;URI:http://o5.example,"
                 "OCSP;email:ocsp@example,caIssuers;URI:http://c2.example/ca.p7c");
    summarize_cert(x, &c);
    CHECK(c.n_ocsp_urls == 4 && c.n_ca_issuer_urls == 2);       /* a few of each; the e-mail skipped */
    if (c.n_ocsp_urls == 4 && c.n_ca_issuer_urls == 2) {
        CHECK_STR(c.ocsp_urls[0], "http://o1.example");
        CHECK_STR(c.ocsp_urls[3], "http://o4.example");
        CHECK_STR(c.ca_issuer_urls[1], "http://c2.example/ca.p7c");
        CHECK(c.aia_ocsp == c.ocsp_urls[0] && c.aia_ca_issuers == c.ca_issuer_urls[0]);
    }
    /* Through the cache: the lists are copied, the first of each is still the alias. */
    td_x509_cache *cache = td_x509_cache_new(1);
    td_cert hit;
    for (int pass = 0; pass < 2; pass++) {
        memset(&hit, 0, sizeof hit);
        CHECK(td_x509_summarize_cached(cache, c.der, c.der_len, &hit) == 0);
        CHECK(hit.n_ocsp_urls == 4 && hit.n_ca_issuer_urls == 2 && hit.ocsp_urls != c.ocsp_urls);
        CHECK(hit.n_ocsp_urls == 4 && strcmp(hit.ocsp_urls[2], "http://o3.example") == 0);
        CHECK(hit.aia_ocsp == hit.ocsp_urls[0] && hit.aia_ca_issuers == hit.ca_issuer_urls[0]);
        CHECK(strcmp(hit.serial, c.serial) == 0 && strcmp(hit.sha1, c.sha1) == 0);
        if (pass == 0) td_cert_clear(&hit);
    }
    td_x509_cache_free(cache);
    CHECK(hit.block != NULL);
    CHECK_STR(hit.ca_issuer_urls[1], "http://c2.example/ca.p7c");   /* outlives the cache */
    td_cert_clear(&hit);
    td_cert_clear(&c);

    static const unsigned char junk[] = { 0x30, 0x10, 0x30, 0x02, 0x06, 0x00 };   /* lengths lie */
    x = plain_cert(NULL);
    add_raw_ext(x, NID_info_access, junk, sizeof junk, 0);
    summarize_cert(x, &c);
    CHECK(c.n_ocsp_urls == 0 && c.n_ca_issuer_urls == 0 && !c.aia_ocsp && !c.aia_ca_issuers);
    td_cert_clear(&c);
}

/* ---- Certificate Transparency ---------------------------------------------------------------- */

/* A certificate carrying the SCT list `list` (n bytes) in the extension's inner OCTET STRING,
 * wrapped as RFC 6962 says (or not, if raw). */
static void sct_cert(const unsigned char *list, size_t n, bool raw, td_cert *c, int *openssl_count)
{
    unsigned char val[600];
    size_t o = 0;
    if (!raw) {
        val[o++] = 0x04;
        if (n >= 128) {
            val[o++] = 0x82;
            val[o++] = (unsigned char)(n >> 8);
        }
        val[o++] = (unsigned char)n;
    }
    memcpy(val + o, list, n);
    X509 *x = plain_cert(NULL);
    add_raw_ext(x, NID_ct_precert_scts, val, (int)(o + n), 0);
    STACK_OF(SCT) *scts = X509_get_ext_d2i(x, NID_ct_precert_scts, NULL, NULL);
    *openssl_count = scts ? sk_SCT_num(scts) : -1;
    SCT_LIST_free(scts);
    summarize_cert(x, c);
}

/* One SCT as RFC 6962 lays it out: v1, log id, timestamp, no extensions, an ECDSA signature. */
static size_t one_sct(unsigned char *p, unsigned char fill)
{
    size_t o = 0;
    p[o++] = 0;                            /* version v1 */
    memset(p + o, fill, 32 + 8);           /* log id, timestamp */
    o += 40;
    p[o++] = 0;                            /* extensions <0..2^16-1>: none */
    p[o++] = 0;
    p[o++] = 4;                            /* sha256 */
    p[o++] = 3;                            /* ecdsa */
    p[o++] = 0;
    p[o++] = 8;
    memset(p + o, 0x5a, 8);
    return o + 8;
}

/* A list of k well-formed SCTs into p; its length. */
static size_t sct_list(unsigned char *p, int k)
{
    size_t o = 2;
    for (int i = 0; i < k; i++) {
        size_t n = one_sct(p + o + 2, (unsigned char)i);
        p[o] = (unsigned char)(n >> 8);
        p[o + 1] = (unsigned char)n;
        o += 2 + n;
    }
    p[0] = (unsigned char)((o - 2) >> 8);
    p[1] = (unsigned char)(o - 2);
    return o;
}

TEST(scts)
{
    unsigned char list[512];
    td_cert c;
    int ossl = 0;
    for (int k = 1; k <= 3; k++) {         /* OpenSSL's own decoder agrees */
        sct_cert(list, sct_list(list, k), false, &c, &ossl);
        CHECK(c.scts == k && !c.scts_malformed && ossl == k && !c.precert);
        td_cert_clear(&c);
    }
    size_t n = sct_list(list, 3);
    list[1] = (unsigned char)(list[1] + 40);   /* the list claims more than is there */
    sct_cert(list, n, false, &c, &ossl);
    CHECK(c.scts == 3 && c.scts_malformed);
    td_cert_clear(&c);
    n = sct_list(list, 3);
    list[2 + 2 * (2 + 55) + 1] = 200;      /* the third SCT claims more than is left */
    sct_cert(list, n, false, &c, &ossl);
    CHECK(c.scts == 2 && c.scts_malformed);
    td_cert_clear(&c);
    n = sct_list(list, 2);
    list[2] = 0;                           /* the first SCT is empty */
    list[3] = 0;
    sct_cert(list, n, false, &c, &ossl);
    CHECK(c.scts == 0 && c.scts_malformed);
    td_cert_clear(&c);
    static const unsigned char empty[2] = { 0, 0 }, one_byte[1] = { 0 };
    sct_cert(empty, 2, false, &c, &ossl);  /* an empty list: <1..2^16-1> forbids it */
    CHECK(c.scts == 0 && c.scts_malformed);
    td_cert_clear(&c);
    sct_cert(one_byte, 1, false, &c, &ossl);
    CHECK(c.scts == 0 && c.scts_malformed);
    td_cert_clear(&c);
    n = sct_list(list, 1);
    sct_cert(list, n, true, &c, &ossl);    /* not wrapped in an OCTET STRING */
    CHECK(c.scts == 0 && c.scts_malformed);
    td_cert_clear(&c);
}

TEST(precert_and_duplicates)
{
    td_cert c;
    static const unsigned char null_value[2] = { 0x05, 0x00 };
    unsigned char list[256], val[300];
    size_t n = sct_list(list, 1);
    val[0] = 0x04;
    val[1] = (unsigned char)n;
    memcpy(val + 2, list, n);
    X509 *x = plain_cert(NULL);
    add_raw_ext(x, NID_ct_precert_poison, null_value, 2, 1);
    summarize_cert(x, &c);
    CHECK(c.precert && c.scts == 0 && !c.scts_malformed);
    td_cert_clear(&c);

    x = plain_cert(NULL);                  /* the SCT extension twice: which one to believe? */
    add_raw_ext(x, NID_ct_precert_scts, val, (int)(n + 2), 0);
    add_raw_ext(x, NID_ct_precert_scts, val, (int)(n + 2), 0);
    summarize_cert(x, &c);
    CHECK(c.scts == 0 && c.scts_malformed && !c.precert);
    td_cert_clear(&c);
}

int main(void)
{
    key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    RUN(serial);
    RUN(sha1_fingerprint);
    RUN(san_ip);
    RUN(key_usage);
    RUN(ext_key_usage);
    RUN(aia_urls);
    RUN(scts);
    RUN(precert_and_duplicates);
    EVP_PKEY_free(key);
    return check_done();
}
