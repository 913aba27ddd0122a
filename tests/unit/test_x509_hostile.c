/* test_x509_hostile.c - unit tests for the certificate summary (dissectors/x509/x509_summary.c) on
 * hostile DER.
 *
 * Empty, truncated at every length, trailing bytes, random, mutated, an unparsable time: each
 * must give -1 or a printable partial summary, never a crash or a leak (run the ASan build too). */
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

/* ---- hostile input ------------------------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* malformed_inputs: NULL, empty, one byte. */
static void null_empty_and_one_byte(void)
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
}

/* Every proper prefix: -1, with der and sha256 of exactly the prefix. */
static void every_proper_prefix(const unsigned char *der, size_t len)
{
    td_cert c;
    char sha[65];
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
}

/* Trailing garbage: one byte, and a whole second certificate. */
static void trailing_garbage(const unsigned char *der, size_t len)
{
    td_cert c;
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
}

/* Random bytes, some dressed as a DER SEQUENCE. */
static void random_bytes(void)
{
    td_cert c;
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
}

/* Mutations of the real certificate: any result, but no crash and printable strings. */
static void mutations(const unsigned char *der, size_t len)
{
    td_cert c;
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
}

TEST(malformed_inputs)
{
    null_empty_and_one_byte();

    EVP_PKEY *key = NULL;
    size_t len = 0;
    unsigned char *der = sample_cert(&key, &len);
    CHECK(der != NULL);
    if (!der) {
        EVP_PKEY_free(key);
        return;
    }
    every_proper_prefix(der, len);
    trailing_garbage(der, len);
    random_bytes();
    mutations(der, len);

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

int main(void)
{
    RUN(malformed_inputs);
    RUN(unparsable_time);
    return check_done();
}
