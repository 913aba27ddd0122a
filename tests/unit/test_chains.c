/* test_chains.c - analyzer/diagnose/chain_check.c's answer to "why does this chain not reach a trust
 * anchor?" (incomplete, unknown_root, issuer_unknown, self_signed; the table at the top of
 * chain_check.c), on real certificate hierarchies made here with OpenSSL, through
 * td_cert_cache_check as the classifier calls it (afresh, from the cache, and with no cache).
 *
 *   CA A (trusted):   Root A  -> Issuing A (AIA -> Root A)  -> leaf A1 (AIA -> Issuing A)
 *                                                           -> leaf A2 (no AIA)
 *   CA B (untrusted): Root B  -> Issuing B (AIA -> Root B)  -> leaf B
 *   CA P (untrusted, private, no AIA anywhere): Root P -> leaf P
 *   a self-signed leaf S
 * The store holds Root A only, unless a test says otherwise. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "analyzer/diagnose/chain_cache.h"
#include "analyzer/diagnose/chain_check.h"
#include "check.h"
#include "dissectors/dissect.h"

#define WHEN 1767225600                   /* 2026-01-01T00:00:00Z: inside every validity below */
#define URL_A "http://ca.example.test/issuing-a.crt"

typedef struct made {
    EVP_PKEY *key;
    X509 *x;
} made;

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    CHECK(ext != NULL && X509_add_ext(x, ext, -1) == 1);
    X509_EXTENSION_free(ext);
}

/* A certificate "CN=cn,O=Example", issued by `by` (NULL: self-signed), a CA or a TLS server,
 * with an AIA caIssuers URI if aia is not NULL. */
static made make(const char *cn, const made *by, bool ca, const char *aia)
{
    static long serial = 1;
    made m = { EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), X509_new() };
    CHECK(m.key && m.x);
    X509_NAME *name = X509_NAME_new();
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"Example", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    CHECK(X509_set_version(m.x, 2));
    CHECK(ASN1_INTEGER_set(X509_get_serialNumber(m.x), serial++));
    CHECK(X509_set_subject_name(m.x, name));
    CHECK(X509_set_issuer_name(m.x, by ? X509_get_subject_name(by->x) : name));
    CHECK(ASN1_TIME_set_string_X509(X509_getm_notBefore(m.x), "20200101000000Z"));
    CHECK(ASN1_TIME_set_string_X509(X509_getm_notAfter(m.x), "20400101000000Z"));
    CHECK(X509_set_pubkey(m.x, m.key));
    X509 *issuer = by ? by->x : m.x;
    add_ext(m.x, issuer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(m.x, issuer, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    add_ext(m.x, issuer, NID_subject_key_identifier, "hash");
    if (by) add_ext(m.x, issuer, NID_authority_key_identifier, "keyid:always");
    if (!ca) {
        add_ext(m.x, issuer, NID_ext_key_usage, "serverAuth");
        add_ext(m.x, issuer, NID_subject_alt_name, "DNS:www.example.test");
    }
    if (aia) {
        char v[256];
        snprintf(v, sizeof v, "caIssuers;URI:%s,OCSP;URI:http://ocsp.example.test/", aia);
        add_ext(m.x, issuer, NID_info_access, v);
    }
    CHECK(X509_sign(m.x, by ? by->key : m.key, EVP_sha256()) > 0);
    X509_NAME_free(name);
    return m;
}

static void unmake(made *m)
{
    X509_free(m->x);
    EVP_PKEY_free(m->key);
}

/* A server chain as the dissector would hold it: each certificate summarised from its DER. */
static td_chain chain_of(const made *const *certs, size_t n)
{
    td_chain ch;
    memset(&ch, 0, sizeof ch);
    ch.certs = calloc(n, sizeof *ch.certs);
    CHECK(ch.certs != NULL);
    ch.seen = true;
    for (size_t i = 0; ch.certs && i < n; i++) {
        unsigned char *der = NULL;
        int len = i2d_X509(certs[i]->x, &der);
        CHECK(len > 0 && td_x509_summarize(der, (size_t)len, &ch.certs[i]) == 0);
        OPENSSL_free(der);
        ch.n++;
        ch.n_total++;
    }
    return ch;
}

static void chain_free(td_chain *ch)
{
    for (size_t i = 0; i < ch->n; i++) td_cert_clear(&ch->certs[i]);
    free(ch->certs);
}

static X509_STORE *store_of(const made *const *certs, size_t n)
{
    X509_STORE *s = X509_STORE_new();
    CHECK(s != NULL);
    for (size_t i = 0; s && i < n; i++) CHECK(X509_STORE_add_cert(s, certs[i]->x) == 1);
    return s;
}

/* The fixture: every certificate of the table above. */
static made root_a, int_a, leaf_a1, leaf_a2, root_b, int_b, leaf_b, root_p, leaf_p, self_s;

static void fixture(void)
{
    root_a = make("Root A", NULL, true, NULL);
    int_a = make("Issuing A", &root_a, true, "http://ca.example.test/root-a.crt");
    leaf_a1 = make("www.example.test", &int_a, false, URL_A);
    leaf_a2 = make("www.example.test", &int_a, false, NULL);
    root_b = make("Root B", NULL, true, NULL);
    int_b = make("Issuing B", &root_b, true, "http://ca-b.example.test/root-b.crt");
    leaf_b = make("www.example.test", &int_b, false, "http://ca-b.example.test/issuing-b.crt");
    root_p = make("Private Root P", NULL, true, NULL);
    leaf_p = make("www.example.test", &root_p, false, NULL);
    self_s = make("www.example.test", NULL, false, NULL);
}

static void fixture_free(void)
{
    made *all[] = { &root_a, &int_a, &leaf_a1, &leaf_a2, &root_b, &int_b, &leaf_b, &root_p, &leaf_p, &self_s };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) unmake(all[i]);
}

enum verdict { TRUSTED, INCOMPLETE, UNKNOWN_ROOT, ISSUER_UNKNOWN, SELF_SIGNED };
static const char *const verdict_name[] = { "trusted", "incomplete", "unknown_root", "issuer_unknown", "self_signed" };

/* Exactly the one verdict: every other flag is checked to be clear. */
static bool is_verdict(const td_chain_check *c, enum verdict v)
{
    bool ok = c->present && c->trusted == (v == TRUSTED) && c->incomplete == (v == INCOMPLETE) &&
              c->unknown_root == (v == UNKNOWN_ROOT) && c->issuer_unknown == (v == ISSUER_UNKNOWN) &&
              c->self_signed == (v == SELF_SIGNED);
    ok = ok && (v == INCOMPLETE || v == ISSUER_UNKNOWN || c->missing_issuer[0] == '\0');
    ok = ok && (v == INCOMPLETE || c->missing_issuer_url[0] == '\0');
    ok = ok && (v == UNKNOWN_ROOT || !c->root_sent);
    ok = ok && (v != TRUSTED || c->untrusted_root[0] == '\0');
    if (!ok)
        printf("    expected %s; got trusted=%d incomplete=%d unknown_root=%d root_sent=%d issuer_unknown=%d "
               "self_signed=%d missing_issuer=\"%s\" url=\"%s\" untrusted_root=\"%s\" error=\"%s\"\n",
               verdict_name[v], c->trusted, c->incomplete, c->unknown_root, c->root_sent, c->issuer_unknown,
               c->self_signed, c->missing_issuer, c->missing_issuer_url, c->untrusted_root, c->error_text);
    return ok;
}

/* The chain check of certs (leaf first) against a store of anchors, as the classifier runs it:
 * through the cache (a miss, then a hit that must say the same) and, once more, with no cache. */
static td_chain_check check(const made *const *certs, size_t n, const made *const *anchors, size_t n_anchors)
{
    td_chain ch = chain_of(certs, n);
    X509_STORE *store = store_of(anchors, n_anchors);
    td_cert_cache *cache = td_cert_cache_new(8);   /* one per store: a cache serves one store */
    td_chain_check first, again, fresh;
    uint64_t hits, misses;
    td_cert_cache_check(cache, store, &ch, WHEN, "www.example.test", NULL, true, &first);
    td_cert_cache_check(cache, store, &ch, WHEN, "www.example.test", NULL, true, &again);
    td_cert_cache_stats(cache, &hits, &misses);
    td_cert_cache_free(cache);
    td_cert_cache_check(NULL, store, &ch, WHEN, "www.example.test", NULL, true, &fresh);
    CHECK(misses == 1 && hits == 1);
    CHECK(memcmp(&first, &again, sizeof first) == 0);
    CHECK(memcmp(&first, &fresh, sizeof first) == 0);
    CHECK(first.name_checked && first.name_ok);
    X509_STORE_free(store);
    chain_free(&ch);
    return first;
}

#define CHAIN(...) (const made *const[]){ __VA_ARGS__ }, sizeof((const made *const[]){ __VA_ARGS__ }) / sizeof(made *)

/* ---- the cases ------------------------------------------------------------------------------ */

/* The leaf alone; it names its issuer's certificate in AIA: the server should have sent it. */
TEST(leaf_only_with_aia_is_incomplete)
{
    td_chain_check c = check(CHAIN(&leaf_a1), CHAIN(&root_a));
    CHECK(is_verdict(&c, INCOMPLETE));
    CHECK_STR(c.missing_issuer, "CN=Issuing A,O=Example");
    CHECK_STR(c.missing_issuer_url, URL_A);
    CHECK_STR(c.untrusted_root, "CN=Issuing A,O=Example");
}

/* The same leaf with its intermediate: trusted, nothing to report. */
TEST(leaf_and_intermediate_is_trusted)
{
    td_chain_check c = check(CHAIN(&leaf_a1, &int_a), CHAIN(&root_a));
    CHECK(is_verdict(&c, TRUSTED));
    CHECK(!c.misordered && c.error == 0);
    /* The root sent too, or the certificates out of order: still trusted. */
    c = check(CHAIN(&leaf_a1, &int_a, &root_a), CHAIN(&root_a));
    CHECK(is_verdict(&c, TRUSTED));
    c = check(CHAIN(&leaf_a1, &root_a, &int_a), CHAIN(&root_a));
    CHECK(is_verdict(&c, TRUSTED) && c.misordered);
}

/* A complete chain of another CA, its root sent: the root is not trusted here, and "install
 * the full chain" would be wrong advice. */
TEST(complete_chain_of_untrusted_ca_is_unknown_root)
{
    td_chain_check c = check(CHAIN(&leaf_b, &int_b, &root_b), CHAIN(&root_a));
    CHECK(is_verdict(&c, UNKNOWN_ROOT));
    CHECK(c.root_sent);
    CHECK_STR(c.untrusted_root, "CN=Root B,O=Example");
}

/* The same chain with the root left out, as TLS allows; the intermediate's AIA points at its
 * root, which is no sign of a missing intermediate.  (The old rule called this incomplete.) */
TEST(chain_without_root_is_unknown_root_not_incomplete)
{
    td_chain_check c = check(CHAIN(&leaf_b, &int_b), CHAIN(&root_a));
    CHECK(is_verdict(&c, UNKNOWN_ROOT));
    CHECK(!c.root_sent);
    CHECK_STR(c.untrusted_root, "CN=Root B,O=Example");
}

/* A leaf from a private root with no AIA, sent alone: its issuer may be a root or an
 * intermediate; the packets cannot tell, so neither incomplete nor unknown_root. */
TEST(private_root_leaf_without_aia_is_issuer_unknown)
{
    td_chain_check c = check(CHAIN(&leaf_p), CHAIN(&root_a));
    CHECK(is_verdict(&c, ISSUER_UNKNOWN));
    CHECK_STR(c.missing_issuer, "CN=Private Root P,O=Example");
    CHECK_STR(c.untrusted_root, "CN=Private Root P,O=Example");
    /* The same leaf is trusted once its root is. */
    c = check(CHAIN(&leaf_p), CHAIN(&root_a, &root_p));
    CHECK(is_verdict(&c, TRUSTED));
}

/* The store holds the root, the leaf has no AIA and its intermediate was not sent: the store's
 * root is no match for the leaf's issuer, so this too is issuer_unknown (the rule's limit). */
TEST(missing_intermediate_without_aia_is_issuer_unknown)
{
    td_chain_check c = check(CHAIN(&leaf_a2), CHAIN(&root_a));
    CHECK(is_verdict(&c, ISSUER_UNKNOWN));
    CHECK_STR(c.missing_issuer, "CN=Issuing A,O=Example");
}

TEST(self_signed_leaf)
{
    td_chain_check c = check(CHAIN(&self_s), CHAIN(&root_a));
    CHECK(is_verdict(&c, SELF_SIGNED));
    CHECK_STR(c.untrusted_root, "CN=www.example.test,O=Example");
    CHECK(c.error == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    /* Trusted when the store holds it; still self-signed, nothing else. */
    c = check(CHAIN(&self_s), CHAIN(&self_s));
    CHECK(c.trusted && c.self_signed && !c.incomplete && !c.unknown_root && !c.issuer_unknown);
}

/* The top of the path OpenSSL builds decides, not the last certificate sent: a stray
 * certificate after the leaf, or the root without the intermediate, leave the leaf alone at
 * the top, and its AIA says an intermediate is missing. */
TEST(strays_do_not_hide_a_missing_intermediate)
{
    td_chain_check c = check(CHAIN(&leaf_a1, &leaf_b), CHAIN(&root_a));
    CHECK(is_verdict(&c, INCOMPLETE) && c.misordered);
    CHECK_STR(c.missing_issuer, "CN=Issuing A,O=Example");
    c = check(CHAIN(&leaf_a1, &root_a), CHAIN(&root_a));
    CHECK(is_verdict(&c, INCOMPLETE));
    CHECK_STR(c.missing_issuer_url, URL_A);
}

/* The store holds the intermediate: the path goes through it.  With its root too, trusted;
 * without, the store's own top lacks its root: unknown_root, naming Root A, nothing missing on
 * the server's side. */
TEST(intermediate_in_the_store)
{
    td_chain_check c = check(CHAIN(&leaf_a1), CHAIN(&root_a, &int_a));
    CHECK(is_verdict(&c, TRUSTED));
    c = check(CHAIN(&leaf_a1), CHAIN(&int_a));
    CHECK(is_verdict(&c, UNKNOWN_ROOT));
    CHECK(!c.root_sent);
    CHECK_STR(c.untrusted_root, "CN=Root A,O=Example");
}

int main(void)
{
    fixture();
    RUN(leaf_only_with_aia_is_incomplete);
    RUN(leaf_and_intermediate_is_trusted);
    RUN(complete_chain_of_untrusted_ca_is_unknown_root);
    RUN(chain_without_root_is_unknown_root_not_incomplete);
    RUN(private_root_leaf_without_aia_is_issuer_unknown);
    RUN(missing_intermediate_without_aia_is_issuer_unknown);
    RUN(self_signed_leaf);
    RUN(strays_do_not_hide_a_missing_intermediate);
    RUN(intermediate_in_the_store);
    fixture_free();
    return check_done();
}
