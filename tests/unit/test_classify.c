/* test_classify.c - the classifier without packets: hand-built transcripts, at least one per
 * row of the verdict table (analyzer/diagnose/rules.c) and one per reading of TLS 1.3 protected records
 * (analyzer/diagnose/tls13_without_keys.c), so a rule can be changed and checked without a capture.  Certificates
 * are made here with OpenSSL (EC P-256), and the classifier trusts only this file's root. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "check.h"
#include "analyzer/diagnose/classify.h"
#include "analyzer/diagnose/result.h"
#include "dissectors/dissect.h"
#include "include/transcript.h"

/* ---- a little PKI ------------------------------------------------------------------------- */

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

static X509 *make(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, const char *nb,
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

static der to_der(X509 *x)
{
    der d = { NULL, 0 };
    int n = i2d_X509(x, &d.p);
    d.n = n > 0 ? (size_t)n : 0;
    return d;
}

static der leaf(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey, const char *nb, const char *na, const char *san)
{
    X509 *x = make(key, cn, issuer, ikey, nb, na, san, false);
    der d = to_der(x);
    X509_free(x);
    return d;
}

static void pki_init(void)
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

static void pki_free(void)
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

/* ---- a transcript by hand ----------------------------------------------------------------- */

#define T0 1700000000.0                /* 2023-11-14: the good certificates are valid then */

static td_transcript *tr_new(void)
{
    td_transcript *t = calloc(1, sizeof *t);
    t->id = 1;
    t->file = "hand-built";
    /* Each transcript its own client: the classifier remembers connections (siblings.c), and
     * hand-built ones must not be siblings of the tests before them unless a test says so. */
    static unsigned n_made;
    n_made++;
    snprintf(t->client.ip, sizeof t->client.ip, "10.1.%u.%u", (n_made >> 8) & 255, n_made & 255);
    t->client.port = 51234;
    strcpy(t->server.ip, "10.0.0.9");
    t->server.port = 443;
    t->on_tls_port = true;
    t->first_packet = 1;
    t->start = t->end = t->capture_end = T0;
    return t;
}

static void tr_free(td_transcript *t)
{
    td_transcript_clear(t);
    free(t);
}

static double at(uint64_t pkt) { return T0 + (double)pkt * 0.001; }

static void tr_packet(td_transcript *t, int dir, uint64_t pkt)
{
    t->tcp.packets[dir]++;
    if (pkt > t->last_packet) t->last_packet = pkt;
    if (at(pkt) > t->end) t->end = t->capture_end = at(pkt);
}

static void tcp_open(td_transcript *t)
{
    t->tcp.syn_seen = t->tcp.synack_seen = t->tcp.handshake = true;
    td_transcript_event(t, TD_EV_SYN, TD_C2S, 0, 0, 1, at(1));
    td_transcript_event(t, TD_EV_SYNACK, TD_S2C, 0, 0, 2, at(2));
    tr_packet(t, TD_C2S, 1);
    tr_packet(t, TD_S2C, 2);
    tr_packet(t, TD_C2S, 3);
}

static void tcp_close(td_transcript *t, int dir, bool rst, uint64_t pkt)
{
    if (rst) {
        t->tcp.rst_packet = pkt;
        t->tcp.rst_from = (uint8_t)dir;
        t->tcp.close = TD_CLOSE_RST;
        td_transcript_event(t, TD_EV_RST, dir, 0, 0, pkt, at(pkt));
    } else {
        t->tcp.fin[dir] = true;
        t->tcp.fin_packet[dir] = pkt;
        if (!t->tcp.close) t->tcp.close = TD_CLOSE_FIN;
        td_transcript_event(t, TD_EV_FIN, dir, 0, 0, pkt, at(pkt));
    }
    if (!t->tcp.closed_by) t->tcp.closed_by = dir == TD_C2S ? TD_BY_CLIENT : TD_BY_SERVER;
    tr_packet(t, dir, pkt);
}

static void client_hello(td_transcript *t, const char *sni, uint16_t max_version, uint64_t pkt)
{
    td_tls *s = &t->tls;
    s->client_hello = true;
    s->client_hello_packet = pkt;
    s->client_legacy_version = 0x0303;
    size_t n = 0;
    if (max_version >= 0x0304) s->offered_versions[n++] = 0x0304;
    s->offered_versions[n++] = 0x0303;
    s->n_offered_versions = n;
    s->offered_ciphers = calloc(4, sizeof *s->offered_ciphers);
    s->offered_ciphers[0] = 0x1301;
    s->offered_ciphers[1] = 0x1302;
    s->offered_ciphers[2] = 0xc02f;
    s->n_offered_ciphers = s->n_offered_ciphers_total = 3;
    if (sni) s->sni = strdup(sni);
    td_transcript_event(t, TD_EV_HANDSHAKE, TD_C2S, 1, 200, pkt, at(pkt));
    tr_packet(t, TD_C2S, pkt);
    t->tcp.bytes[TD_C2S] += 200;
}

static void server_hello(td_transcript *t, uint16_t version, uint32_t cipher, uint64_t pkt)
{
    td_tls *s = &t->tls;
    s->server_hello = true;
    s->server_hello_packet = pkt;
    s->version = version;
    s->cipher = cipher;
    s->has_cipher = true;
    if (version == 0x0304) s->encrypted[TD_S2C] = true;
    td_transcript_event(t, TD_EV_HANDSHAKE, TD_S2C, 2, 90, pkt, at(pkt));
    tr_packet(t, TD_S2C, pkt);
    t->tcp.bytes[TD_S2C] += 90;
}

static void chain(td_transcript *t, td_chain *c, const der *certs, size_t n, uint64_t pkt)
{
    c->seen = true;
    c->packet = pkt;
    c->n = c->n_total = n;
    c->empty = n == 0;
    c->certs = n ? calloc(n, sizeof *c->certs) : NULL;
    for (size_t i = 0; i < n; i++) td_x509_summarize(certs[i].p, certs[i].n, &c->certs[i]);
    td_transcript_event(t, TD_EV_HANDSHAKE, c == &t->tls.server_chain ? TD_S2C : TD_C2S, 11, 800, pkt, at(pkt));
}

static void cert_request(td_transcript *t, const char *ca, uint64_t pkt)
{
    td_tls *s = &t->tls;
    s->cert_requested = true;
    s->cert_request_packet = pkt;
    if (ca) {
        s->ca_names = calloc(1, sizeof *s->ca_names);
        s->ca_names[0] = strdup(ca);
        s->n_ca_names = 1;
    }
}

static void alert(td_transcript *t, int from, uint8_t level, uint8_t code, bool encrypted, uint64_t pkt)
{
    td_tls *s = &t->tls;
    if (!s->alerts) s->alerts = calloc(TD_MAX_ALERTS, sizeof *s->alerts);
    td_alert *a = &s->alerts[s->n_alerts++];
    s->n_alerts_total++;
    a->from = (uint8_t)from;
    a->level = level;
    a->code = code;
    a->encrypted = encrypted;
    a->packet = pkt;
    a->ts = at(pkt);
    td_transcript_event(t, TD_EV_ALERT, from, (int)s->n_alerts - 1, 2, pkt, at(pkt));
    tr_packet(t, from, pkt);
}

/* TLS 1.2 after the key exchange: both ChangeCipherSpec + Finished. */
static void finished12(td_transcript *t, int dir, uint64_t pkt)
{
    td_tls *s = &t->tls;
    s->ccs[dir] = s->encrypted[dir] = s->finished[dir] = true;
    s->enc_hs_records[dir]++;
    td_transcript_event(t, TD_EV_CCS, dir, 0, 1, pkt, at(pkt));
    td_transcript_event(t, TD_EV_ENCRYPTED_HANDSHAKE, dir, 22, 40, pkt, at(pkt));
    tr_packet(t, dir, pkt);
}

static void appdata12(td_transcript *t, int dir, uint32_t len, uint64_t pkt)
{
    td_tls *s = &t->tls;
    if (!s->app_records[dir]) s->first_app_packet[dir] = pkt;
    s->app_records[dir]++;
    s->app_data[dir] += len;
    td_transcript_event(t, TD_EV_APPDATA, dir, 0, len, pkt, at(pkt));
    tr_packet(t, dir, pkt);
}

/* A TLS 1.3 protected record, as the parser keeps it. */
static void rec(td_transcript *t, int dir, uint16_t len, uint64_t pkt)
{
    td_tls *s = &t->tls;
    if (!s->records) s->records = calloc(TD_MAX_RECORDS, sizeof *s->records);
    s->records_total[dir]++;
    s->record_bytes[dir] += len;
    s->encrypted[dir] = true;
    if (s->n_records < TD_MAX_RECORDS) {
        td_record *r = &s->records[s->n_records++];
        r->dir = (uint8_t)dir;
        r->len = r->captured = len;
        r->packet = pkt;
        r->ts = at(pkt);
    }
    td_transcript_event(t, TD_EV_OPAQUE, dir, 1, len, pkt, at(pkt));
    tr_packet(t, dir, pkt);
}

/* A TLS 1.3 handshake up to the server's flight (SHA-256 suite unless told). */
static td_transcript *tls13(uint32_t cipher)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    server_hello(t, 0x0304, cipher, 5);
    rec(t, TD_S2C, 40, 5);                     /* EncryptedExtensions */
    rec(t, TD_S2C, 900, 5);                    /* Certificate */
    rec(t, TD_S2C, 100, 5);                    /* CertificateVerify */
    rec(t, TD_S2C, cipher == 0x1302 ? 69 : cipher == 0x1305 ? 45 : 53, 5);   /* Finished */
    return t;
}

static td_transcript *tls12(const der *leaf_der, const char *sni)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    client_hello(t, sni, 0x0303, 4);
    server_hello(t, 0x0303, 0xc02f, 5);
    chain(t, &t->tls.server_chain, leaf_der, 1, 5);
    t->tls.server_hello_done = true;
    return t;
}

/* ---- classifying -------------------------------------------------------------------------- */

static td_classifier *cls;
static td_result res;

static const td_result *classify(const td_transcript *t)
{
    td_classify(cls, t, &res);
    /* Every text must be fully expanded: a "{name}" left means a template names a variable its
     * rule did not set. */
    CHECK(strchr(res.summary, '{') == NULL);
    CHECK(!res.remedy || strchr(res.remedy, '{') == NULL);
    return &res;
}

static bool has_finding(const td_result *r, const char *id)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].id, id) == 0) return true;
    return false;
}

static bool has_evidence(const td_result *r, const char *part)
{
    for (size_t i = 0; i < r->n_evidence; i++)
        if (strstr(r->evidence[i].what, part)) return true;
    return false;
}

static bool cites(const td_result *r, uint64_t pkt)
{
    for (size_t i = 0; i < r->n_evidence; i++)
        if (r->evidence[i].packet == pkt) return true;
    return false;
}

#define VERDICT(r, v, conf)                                                        \
    do {                                                                           \
        CHECK_STR(td_verdict_name((r)->verdict), v);                               \
        CHECK_STR((r)->confidence, conf);                                          \
    } while (0)

/* ---- one test per row of the table -------------------------------------------------------- */

TEST(row_evicted)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    t->evicted = true;
    VERDICT(classify(t), "incomplete", "certain");
    CHECK(strstr(res.summary, "--max-connections") != NULL);
    tr_free(t);
}

TEST(row_no_server_response)
{
    td_transcript *t = tr_new();
    t->tcp.syn_seen = true;
    t->tcp.syn_retransmits = 2;
    for (uint64_t p = 1; p <= 3; p++) tr_packet(t, TD_C2S, p);
    VERDICT(classify(t), "no-server-response", "certain");
    CHECK(strstr(res.summary, "retransmissions") != NULL);
    CHECK(strstr(res.remedy, "port 443") != NULL && strstr(res.remedy, "10.0.0.9") != NULL);
    tr_free(t);
}

TEST(row_one_sided)
{
    td_transcript *t = tr_new();
    t->tcp.syn_seen = true;
    for (uint64_t p = 1; p <= 5; p++) tr_packet(t, TD_C2S, p);
    VERDICT(classify(t), "incomplete", "certain");
    CHECK(strstr(res.summary, "only the client's side") != NULL);
    tr_free(t);
}

TEST(row_connection_refused)
{
    td_transcript *t = tr_new();
    t->tcp.syn_seen = true;
    tr_packet(t, TD_C2S, 1);
    tcp_close(t, TD_S2C, true, 2);
    VERDICT(classify(t), "connection-refused", "certain");
    CHECK(cites(&res, 2));
    tr_free(t);
}

TEST(row_client_not_tls)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    t->tls.not_tls[TD_C2S] = true;
    t->tls.not_tls_what[TD_C2S] = strdup("HTTP request: GET / HTTP/1.1");
    t->tls.not_tls_packet[TD_C2S] = 4;
    VERDICT(classify(t), "client-not-tls", "certain");
    CHECK(strstr(res.summary, "GET / HTTP/1.1") != NULL && cites(&res, 4));
    tr_free(t);
}

TEST(row_server_not_tls)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    t->tls.not_tls[TD_S2C] = true;
    t->tls.not_tls_what[TD_S2C] = strdup("HTTP response: HTTP/1.1 400 Bad Request");
    t->tls.not_tls_packet[TD_S2C] = 5;
    VERDICT(classify(t), "server-not-tls", "certain");
    CHECK(cites(&res, 4) && cites(&res, 5));
    tr_free(t);
}

TEST(row_no_tls_response)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    tcp_close(t, TD_S2C, false, 5);
    VERDICT(classify(t), "no-tls-response", "certain");
    CHECK(strstr(res.summary, "closed without answering") != NULL);
    CHECK(!has_finding(&res, "single-version-offered"));
    tr_free(t);
    /* A client offering one version only, closed on at once without a word: a server that does
     * not speak that version does this (Python's ssl module): protocol-mismatch, likely. */
    t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    t->tls.offered_versions[0] = 0x0304;
    t->tls.n_offered_versions = 1;
    tcp_close(t, TD_S2C, false, 5);
    VERDICT(classify(t), "protocol-mismatch", "likely");
    CHECK(strstr(res.summary, "offered only TLS1.3") != NULL);
    CHECK(cites(&res, 4) && cites(&res, 5));
    tr_free(t);
    /* ... but not when the client closed first. */
    t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    t->tls.offered_versions[0] = 0x0304;
    t->tls.n_offered_versions = 1;
    tcp_close(t, TD_C2S, false, 5);
    tcp_close(t, TD_S2C, false, 6);
    CHECK_STR(td_verdict_name(classify(t)->verdict), "no-tls-response");
    tr_free(t);
    /* Still silent when the capture ends 5 s later: likely. */
    t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    t->capture_end = T0 + 5;
    VERDICT(classify(t), "no-tls-response", "likely");
    tr_free(t);
}

TEST(row_protocol_mismatch)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0303, 4);
    alert(t, TD_S2C, 2, 70, false, 5);
    VERDICT(classify(t), "protocol-mismatch", "certain");
    CHECK(strstr(res.summary, "no TLS version in common") != NULL && strstr(res.summary, "TLS1.2") != NULL);
    tr_free(t);
    t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0303, 4);
    alert(t, TD_S2C, 2, 40, false, 5);
    VERDICT(classify(t), "protocol-mismatch", "certain");
    CHECK(strstr(res.summary, "3 cipher suites") != NULL);
    CHECK(strstr(res.remedy, "cipher suite") != NULL);
    tr_free(t);
}

TEST(row_obsolete_protocol)
{
    td_transcript *t = tls12(&leaf_good, "www.example.test");
    t->tls.version = 0x0300;
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    appdata12(t, TD_C2S, 100, 8);
    appdata12(t, TD_S2C, 900, 9);
    VERDICT(classify(t), "obsolete-protocol", "certain");
    CHECK(strstr(res.summary, "SSL 3.0") != NULL);
    tr_free(t);
}

TEST(row_unknown_ca)
{
    td_transcript *t = tls12(&leaf_other, "www.example.test");
    alert(t, TD_C2S, 2, 48, false, 6);
    tcp_close(t, TD_C2S, false, 7);
    VERDICT(classify(t), "unknown-ca", "certain");
    CHECK(strstr(res.summary, "CN=Other CA") != NULL);
    /* A complete chain that ends at an untrusted root: the fix is trust, not "send the chain". */
    CHECK(strstr(res.remedy, "trust store") != NULL && strstr(res.remedy, "full chain") == NULL);
    CHECK(has_finding(&res, "untrusted-chain"));
    tr_free(t);
}

TEST(row_incomplete_chain)
{
    /* The leaf alone, issued by an intermediate it names the URL of: the server left it out. */
    td_transcript *t = tls12(&leaf_via_inter, "www.example.test");
    alert(t, TD_C2S, 2, 48, false, 6);
    VERDICT(classify(t), "incomplete-chain", "certain");
    CHECK(strstr(res.summary, "CN=Test Intermediate") != NULL);
    CHECK(strstr(res.remedy, "full chain") != NULL && strstr(res.remedy, "http://ca.example.test/inter.crt") != NULL);
    CHECK(has_finding(&res, "incomplete-chain"));
    tr_free(t);
}

TEST(leaf_alone_from_a_private_root_is_not_called_incomplete)
{
    /* No AIA: its issuer may be a private root as well as a missing intermediate; say both. */
    td_transcript *t = tls12(&leaf_private, "www.example.test");
    alert(t, TD_C2S, 2, 48, false, 6);
    VERDICT(classify(t), "unknown-ca", "certain");
    CHECK(strstr(res.summary, "CN=Private Root") != NULL && strstr(res.remedy, "trust store") != NULL);
    CHECK(!has_finding(&res, "incomplete-chain"));
    tr_free(t);
}

TEST(row_name_mismatch)
{
    td_transcript *t = tls12(&leaf_good, "other.example.test");
    alert(t, TD_C2S, 2, 42, false, 6);
    VERDICT(classify(t), "name-mismatch", "certain");
    CHECK(strstr(res.summary, "other.example.test") != NULL);
    tr_free(t);
    /* curl: finishes the handshake, then closes without a request. */
    t = tls12(&leaf_good, "other.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    tcp_close(t, TD_C2S, false, 8);
    VERDICT(classify(t), "name-mismatch", "likely");
    tr_free(t);
}

TEST(no_sni_close_after_handshake_is_a_likely_name_mismatch)
{
    /* No SNI: a client that connects by address sends none (RFC 6066), so the address is the
     * name checked (DESIGN.md's name-mismatch row); but an old client may have wanted a name, so
     * the verdict stays likely even when all the client sent was read. */
    der self = leaf_good;
    td_transcript *t = tls12(&self, NULL);
    strcpy(t->server.ip, "10.0.0.77");         /* not in the certificate */
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    tcp_close(t, TD_C2S, false, 8);
    VERDICT(classify(t), "name-mismatch", "likely");
    CHECK(strstr(res.summary, "10.0.0.77") != NULL && has_finding(&res, "no-sni"));
    tr_free(t);
}

TEST(no_sni_server_closes_first_is_ok_with_a_warning)
{
    /* The server ended it: nothing says the client refused anything, only that the address is
     * not among the names (a finding). */
    der self = leaf_good;
    td_transcript *t = tls12(&self, NULL);
    strcpy(t->server.ip, "10.0.0.77");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    tcp_close(t, TD_S2C, false, 8);
    VERDICT(classify(t), "ok", "likely");
    CHECK(has_finding(&res, "name-unverified") && has_finding(&res, "no-sni"));
    tr_free(t);
}

TEST(row_server_cert_expired)
{
    td_transcript *t = tls12(&leaf_expired, "www.example.test");
    alert(t, TD_C2S, 2, 45, false, 6);
    VERDICT(classify(t), "server-cert-expired", "certain");
    CHECK(strstr(res.remedy, "2022-01-01") != NULL);
    tr_free(t);
}

TEST(row_server_cert_rejected)
{
    td_transcript *t = tls12(&leaf_good, "www.example.test");
    alert(t, TD_C2S, 2, 42, false, 6);           /* bad_certificate, and nothing wrong is visible */
    VERDICT(classify(t), "server-cert-rejected", "certain");
    tr_free(t);
}

TEST(row_client_cert_missing_alert)
{
    td_transcript *t = tls12(&leaf_good, "www.example.test");
    cert_request(t, "CN=Test Root", 5);
    chain(t, &t->tls.client_chain, NULL, 0, 6);
    alert(t, TD_S2C, 2, 40, false, 7);
    VERDICT(classify(t), "client-cert-missing", "certain");
    CHECK(strstr(res.remedy, "CN=Test Root") != NULL && cites(&res, 7));
    tr_free(t);
}

TEST(empty_client_cert_short_answer_server_closes_tls12)
{
    /* nginx ssl_verify_client on answers 400 and closes; gnutls-serv asking optionally answers a
     * small HTTP/1.0 page and closes just the same.  Without keys: ok, likely, and a warning that
     * names the short answer (on the matrix, claiming a refusal was wrong 5 times in 6). */
    td_transcript *t = tls12(&leaf_good, "www.example.test");
    cert_request(t, "CN=Test Root", 5);
    chain(t, &t->tls.client_chain, NULL, 0, 6);
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    appdata12(t, TD_C2S, 100, 8);
    appdata12(t, TD_S2C, 420, 9);
    alert(t, TD_S2C, 0, 0, true, 10);
    tcp_close(t, TD_S2C, false, 10);
    VERDICT(classify(t), "ok", "likely");
    CHECK(has_finding(&res, "client-cert-not-sent"));
    tr_free(t);
}

TEST(empty_client_cert_short_answer_server_closes_tls13)
{
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 25, 6);                     /* empty Certificate */
    rec(t, TD_C2S, 53, 6);                     /* Finished */
    rec(t, TD_C2S, 90, 7);                     /* GET */
    rec(t, TD_S2C, 250, 8);                    /* NewSessionTicket x2 (equal sizes) */
    rec(t, TD_S2C, 250, 8);
    rec(t, TD_S2C, 450, 9);                    /* 400 No required SSL certificate was sent, or a page */
    rec(t, TD_S2C, 19, 10);                    /* close_notify */
    tcp_close(t, TD_S2C, false, 10);
    const td_result *r = classify(t);
    VERDICT(r, "ok", "likely");
    CHECK(r->inf.client_cert == TD_CC_EMPTY && r->inf.tickets == 2 && r->inf.handshake_complete == 1);
    CHECK(r->inf.response_records == 1 && r->inf.response_bytes == 450);
    CHECK(has_finding(r, "client-cert-not-sent"));
    tr_free(t);
}

TEST(post_handshake_close_with_untrusted_chain)
{
    /* wget (GnuTLS) and Node check the chain after the handshake and then just close. */
    td_transcript *t = tls12(&leaf_other, "www.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    alert(t, TD_C2S, 0, 0, true, 8);
    tcp_close(t, TD_C2S, false, 8);
    VERDICT(classify(t), "unknown-ca", "likely");
    CHECK(cites(&res, 8));
    tr_free(t);
    /* The same close with a chain that checks out is a probe: ok. */
    t = tls12(&leaf_good, "www.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    tcp_close(t, TD_C2S, false, 8);
    VERDICT(classify(t), "ok", "certain");
    tr_free(t);
}

/* Mark a TLS 1.2 transcript as read with a key log: its protected records were opened. */
static void as_decrypted(td_transcript *t)
{
    t->tls.dec = calloc(1, sizeof *t->tls.dec);
    if (!t->tls.dec) abort();
    t->tls.dec->decrypted = true;
    for (size_t i = 0; i < t->n_events; i++)
        if (t->events[i].kind == TD_EV_ENCRYPTED_HANDSHAKE) t->events[i].flags |= TD_EVF_DECRYPTED;
}

TEST(silent_refusal_certain_only_when_all_was_read_and_the_reason_is_no_guess)
{
    /* A client that gives up after the server's first flight, without a ClientKeyExchange or an
     * alert (JSSE does): all it sent is in the clear, and the name it asked for is not covered. */
    td_transcript *t = tls12(&leaf_good, "other.example.test");
    tcp_close(t, TD_C2S, false, 6);
    VERDICT(classify(t), "name-mismatch", "certain");
    CHECK(strncmp(res.summary, "the client gave up the handshake", 32) == 0 && cites(&res, 6));
    tr_free(t);
    /* An untrusted issuer: certain with the trust anchors the user named (this classifier's)... */
    t = tls12(&leaf_other, "www.example.test");
    tcp_close(t, TD_C2S, false, 6);
    VERDICT(classify(t), "unknown-ca", "certain");
    /* ... likely with this machine's store, which need not be the client's. */
    char err[256];
    td_classifier *system = td_classifier_new(NULL, NULL, err, sizeof err);
    CHECK(system != NULL);
    if (system) {
        td_classify(system, t, &res);
        CHECK_STR(td_verdict_name(res.verdict), "unknown-ca");
        CHECK_STR(res.confidence, "likely");
        td_classifier_free(system);
    }
    tr_free(t);
    /* Completed the handshake, then left without a request: keyless, its encrypted records were
     * not read (likely); read with a key log, they were (certain). */
    t = tls12(&leaf_good, "other.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    alert(t, TD_C2S, 0, 0, true, 8);
    tcp_close(t, TD_C2S, false, 8);
    VERDICT(classify(t), "name-mismatch", "likely");
    tr_free(t);
    t = tls12(&leaf_good, "other.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    alert(t, TD_C2S, 1, 0, false, 8);          /* close_notify, decrypted */
    tcp_close(t, TD_C2S, false, 8);
    as_decrypted(t);
    VERDICT(classify(t), "name-mismatch", "certain");
    CHECK(strncmp(res.summary, "the client completed the handshake, then closed without sending a request", 73) == 0);
    tr_free(t);
    /* A record the key log did not open leaves it likely. */
    t = tls12(&leaf_good, "other.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    alert(t, TD_C2S, 0, 0, true, 8);           /* not opened */
    tcp_close(t, TD_C2S, false, 8);
    as_decrypted(t);
    VERDICT(classify(t), "name-mismatch", "likely");
    tr_free(t);
    /* No SNI: the name the client checked is not on the wire.  With the trust anchors the user
     * named, a chain that reaches them and is in date leaves the name as the only check that
     * failed, whatever name the client asked for: certain. */
    t = tls12(&leaf_good, NULL);
    strcpy(t->server.ip, "10.0.0.77");
    tcp_close(t, TD_C2S, false, 6);
    VERDICT(classify(t), "name-mismatch", "certain");
    CHECK(has_evidence(&res, "the name is the check that failed"));
    /* ... with this machine's store, the client's may lack the root: likely.  (SSL_CERT_FILE
     * makes this machine's store trust the test root, so only whose anchors they are differs.) */
    system = td_classifier_new(NULL, NULL, err, sizeof err);
    CHECK(system != NULL);
    if (system) {
        setenv("SSL_CERT_FILE", root_pem, 1);     /* read at the first chain classified */
        td_classify(system, t, &res);
        unsetenv("SSL_CERT_FILE");
        CHECK_STR(td_verdict_name(res.verdict), "name-mismatch");
        CHECK_STR(res.confidence, "likely");
        td_classifier_free(system);
    }
    tr_free(t);
    /* ... and with an expired certificate, the dates are certain from the wire while the name
     * (no SNI) is only inferred: the expiry is named, the name stays a finding. */
    t = tls12(&leaf_expired, NULL);
    strcpy(t->server.ip, "10.0.0.77");
    tcp_close(t, TD_C2S, false, 6);
    VERDICT(classify(t), "server-cert-expired", "certain");
    CHECK(!has_evidence(&res, "the name is the check that failed"));
    CHECK(has_finding(&res, "name-mismatch"));
    tr_free(t);
}

TEST(alert_after_the_peers_close_answers_the_close)
{
    /* The client gives up after the server's flight (FIN); OpenSSL's s_server, waiting for the
     * client's next flight, answers the end of the stream with decode_error.  That alert is not the
     * server giving up: the client's refusal is the verdict. */
    td_transcript *t = tls12(&leaf_good, "other.example.test");
    tcp_close(t, TD_C2S, false, 6);
    alert(t, TD_S2C, 2, 50, false, 7);
    tcp_close(t, TD_C2S, true, 8);
    VERDICT(classify(t), "name-mismatch", "certain");
    CHECK(has_evidence(&res, "it answers the close"));
    CHECK(has_evidence(&res, "closed the connection (FIN), then reset it (RST, packet 8)") && cites(&res, 6));
    tr_free(t);
    /* A client that sends its certificate flight and closes at once: the server had not yet
     * answered that flight, so its alert refuses the certificate. */
    t = tls12(&leaf_good, "www.example.test");
    cert_request(t, "CN=Test Root", 5);
    chain(t, &t->tls.client_chain, &client_rogue, 1, 6);
    finished12(t, TD_C2S, 6);
    tcp_close(t, TD_C2S, false, 7);
    alert(t, TD_S2C, 2, 48, false, 8);
    VERDICT(classify(t), "client-cert-rejected", "certain");
    CHECK(cites(&res, 8));
    tr_free(t);
    /* A ClientHello followed at once by a FIN: nothing answered it before the close, so the
     * server's alert is its refusal of the ClientHello. */
    t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0303, 4);
    tcp_close(t, TD_C2S, false, 5);
    alert(t, TD_S2C, 2, 40, false, 6);
    VERDICT(classify(t), "protocol-mismatch", "certain");
    CHECK(cites(&res, 6));
    tr_free(t);
}

TEST(optional_client_cert_served_normally_is_ok)
{
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 25, 6);
    rec(t, TD_C2S, 53, 6);
    rec(t, TD_C2S, 90, 7);
    rec(t, TD_S2C, 250, 8);
    rec(t, TD_S2C, 250, 8);
    rec(t, TD_S2C, 5000, 9);
    rec(t, TD_C2S, 19, 10);                    /* the client closes first: it got what it wanted */
    tcp_close(t, TD_C2S, false, 10);
    VERDICT(classify(t), "ok", "certain");
    CHECK(has_finding(&res, "client-cert-not-sent"));
    tr_free(t);
}

TEST(empty_client_cert_short_answer_client_closes_first)
{
    /* nginx in TLS 1.3 with curl: the 400 arrives, curl closes before nginx does.  Without keys
     * this looks like an optional request served with a tiny page: ok, but only likely, and a
     * warning that says what the short answer may be. */
    td_transcript *t = tls13(0x1302);
    rec(t, TD_C2S, 25, 6);
    rec(t, TD_C2S, 69, 6);
    rec(t, TD_C2S, 97, 7);
    rec(t, TD_S2C, 298, 8);
    rec(t, TD_S2C, 298, 8);
    rec(t, TD_S2C, 406, 9);
    rec(t, TD_C2S, 19, 10);
    tcp_close(t, TD_C2S, false, 11);
    rec(t, TD_S2C, 19, 12);
    const td_result *r = classify(t);
    VERDICT(r, "ok", "likely");
    CHECK(has_finding(r, "client-cert-not-sent"));
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].id, "client-cert-not-sent") == 0) {
            CHECK_STR(r->findings[i].severity, "warning");
            CHECK(strstr(r->findings[i].detail, "406 bytes") != NULL);
        }
    tr_free(t);
}

TEST(mtls_short_page_server_answers_close_notify)
{
    /* Apache: a certificate sent, a 275-byte page, the client's close_notify first, then the
     * server's close_notify and FIN.  The server closed TCP first, but the client ended TLS first:
     * not a refusal. */
    td_transcript *t = tls13(0x1302);
    rec(t, TD_C2S, 1701, 6);
    rec(t, TD_C2S, 281, 7);
    rec(t, TD_C2S, 69, 7);
    rec(t, TD_S2C, 1178, 8);
    rec(t, TD_S2C, 1178, 8);
    rec(t, TD_C2S, 97, 9);
    rec(t, TD_S2C, 275, 10);
    rec(t, TD_C2S, 19, 11);
    rec(t, TD_S2C, 19, 12);
    tcp_close(t, TD_S2C, false, 13);
    tcp_close(t, TD_C2S, true, 14);
    /* ok; only likely, since a 275-byte answer could be nginx's 400 for a certificate it refused */
    VERDICT(classify(t), "ok", "likely");
    CHECK(has_finding(&res, "client-cert-answer-unread"));
    tr_free(t);
}

TEST(row_client_cert_rejected_alert_tls13)
{
    td_transcript *t = tls13(0x1302);
    rec(t, TD_C2S, 900, 6);                    /* Certificate */
    rec(t, TD_C2S, 281, 6);                    /* CertificateVerify (RSA-2048) */
    rec(t, TD_C2S, 69, 6);                     /* Finished, SHA-384 */
    rec(t, TD_S2C, 19, 7);                     /* alert */
    tcp_close(t, TD_S2C, false, 8);
    const td_result *r = classify(t);
    VERDICT(r, "client-cert-rejected", "likely");
    CHECK(r->inf.client_cert == TD_CC_SENT && r->inf.server_aborted && r->inf.server_abort_pkt == 7);
    CHECK(r->inf.label[4] == TD_REC_CLIENT_CERT && r->inf.label[5] == TD_REC_CLIENT_CV &&
          r->inf.label[6] == TD_REC_CLIENT_FINISHED && r->inf.label[7] == TD_REC_ALERT);
    tr_free(t);
}

TEST(row_client_cert_rejected_http_tls12)
{
    /* A certificate from an issuer the server did not ask for, then an HTTP refusal. */
    td_transcript *t = tls12(&leaf_good, "www.example.test");
    cert_request(t, "CN=Test Root", 5);
    chain(t, &t->tls.client_chain, &client_rogue, 1, 6);
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    appdata12(t, TD_C2S, 100, 8);
    appdata12(t, TD_S2C, 400, 9);
    tcp_close(t, TD_S2C, false, 10);
    VERDICT(classify(t), "client-cert-rejected", "likely");
    CHECK(has_finding(&res, "client-cert-issuer-not-requested"));
    tr_free(t);
    /* The same exchange with a certificate from the requested CA is a working mTLS request. */
    t = tls12(&leaf_good, "www.example.test");
    cert_request(t, "CN=Test Root", 5);
    chain(t, &t->tls.client_chain, &client_good, 1, 6);
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    appdata12(t, TD_C2S, 100, 8);
    appdata12(t, TD_S2C, 400, 9);
    tcp_close(t, TD_S2C, false, 10);
    VERDICT(classify(t), "ok", "certain");
    tr_free(t);
}

TEST(row_handshake_aborted)
{
    td_transcript *t = tls12(&leaf_good, "www.example.test");
    alert(t, TD_S2C, 2, 80, false, 6);          /* internal_error */
    VERDICT(classify(t), "handshake-aborted", "certain");
    CHECK(strstr(res.summary, "internal_error") != NULL);
    tr_free(t);
    t = tls12(&leaf_good, "www.example.test");
    t->tls.cert_requested = true;               /* so that the client's silence is not about the certificate */
    tcp_close(t, TD_S2C, true, 6);
    VERDICT(classify(t), "handshake-aborted", "certain");
    CHECK(strstr(res.summary, "server reset") != NULL);
    tr_free(t);
}

TEST(row_ok)
{
    td_transcript *t = tls12(&leaf_good, "www.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    appdata12(t, TD_C2S, 100, 8);
    appdata12(t, TD_S2C, 900, 9);
    const td_result *r = classify(t);
    VERDICT(r, "ok", "certain");
    CHECK(strstr(r->summary, "TLS1.2") != NULL && strstr(r->summary, "both ways") != NULL);
    CHECK(r->remedy == NULL && !td_result_is_problem(r));
    tr_free(t);
}

TEST(row_ok_handshake_not_captured)
{
    /* Picked up mid-stream, data both ways: it works, and the report says nothing of a version
     * or cipher it never saw. */
    td_transcript *t = tr_new();
    t->tcp.midstream = true;
    appdata12(t, TD_C2S, 100, 1);
    appdata12(t, TD_S2C, 900, 2);
    const td_result *r = classify(t);
    VERDICT(r, "ok", "certain");
    CHECK(strstr(r->summary, "not in the capture") != NULL && strstr(r->summary, "0x0000") == NULL);
    CHECK(has_finding(r, "handshake-not-captured"));
    tr_free(t);
}

TEST(row_incomplete)
{
    td_transcript *t = tr_new();
    t->tcp.midstream = true;
    tr_packet(t, TD_C2S, 1);
    tr_packet(t, TD_S2C, 2);
    VERDICT(classify(t), "incomplete", "certain");
    CHECK(strstr(res.summary, "started before the capture") != NULL);
    tr_free(t);
}

/* ---- the TLS 1.3 inference ---------------------------------------------------------------- */

TEST(infer_finished_sizes_per_suite)
{
    static const uint32_t suites[3] = { 0x1301, 0x1302, 0x1305 };
    static const uint16_t fin[3] = { 53, 69, 45 };
    for (int i = 0; i < 3; i++) {
        td_transcript *t = tls13(suites[i]);
        rec(t, TD_C2S, fin[i], 6);
        rec(t, TD_C2S, 80, 7);
        rec(t, TD_S2C, 3000, 8);
        const td_result *r = classify(t);
        VERDICT(r, "ok", "certain");
        CHECK(r->inf.label[4] == TD_REC_CLIENT_FINISHED && r->inf.exact);
        CHECK(r->inf.client_cert == TD_CC_NOT_REQUESTED);
        CHECK(r->app_records[0] == 1 && r->app_bytes[0] == 80 && r->app_bytes[1] == 3000);
        tr_free(t);
    }
}

TEST(infer_whole_client_flight_in_one_record)
{
    /* Go and Java put Certificate, CertificateVerify and Finished in one record. */
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 1250, 6);
    rec(t, TD_C2S, 80, 6);
    rec(t, TD_S2C, 2000, 7);
    const td_result *r = classify(t);
    VERDICT(r, "ok", "certain");
    CHECK(r->inf.label[4] == TD_REC_CLIENT_FLIGHT && r->inf.client_cert == TD_CC_SENT);
    CHECK(r->inf.label[5] == TD_REC_APPDATA);
    tr_free(t);
    /* An empty Certificate and the Finished in one record: 8 + 36 + 17 bytes. */
    t = tls13(0x1301);
    rec(t, TD_C2S, 61, 6);
    const td_result *r2 = classify(t);
    CHECK(r2->inf.label[4] == TD_REC_CLIENT_FLIGHT && r2->inf.client_cert == TD_CC_EMPTY);
    tr_free(t);
}

TEST(infer_finished_alone_after_a_pause)
{
    /* The Finished in its own packet, a second later, then the request: still one flight. */
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 53, 1000);
    rec(t, TD_C2S, 80, 1001);
    rec(t, TD_S2C, 700, 1002);
    const td_result *r = classify(t);
    VERDICT(r, "ok", "certain");
    CHECK(r->inf.handshake_complete == 1 && r->inf.client_finished == 5);
    tr_free(t);
}

TEST(infer_tickets_before_the_first_request)
{
    /* The server sends NewSessionTicket as soon as the client's Finished arrives, before the
     * client's request does: that is not a response. */
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 53, 6);
    rec(t, TD_S2C, 230, 7);                    /* ticket (Go sends one) */
    rec(t, TD_C2S, 80, 8);
    rec(t, TD_S2C, 3000, 9);
    const td_result *r = classify(t);
    CHECK(r->inf.label[5] == TD_REC_TICKET && r->inf.tickets == 1);
    CHECK(r->inf.label[7] == TD_REC_APPDATA && r->app_records[1] == 1 && r->app_bytes[1] == 3000);
    tr_free(t);
}

TEST(infer_client_sends_request_server_silent)
{
    /* wolfSSL: the client sends Finished and a request, then closes; the server never answers.
     * The handshake completed: not an aborted handshake. */
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 53, 6);
    rec(t, TD_C2S, 80, 6);
    rec(t, TD_C2S, 19, 7);
    tcp_close(t, TD_C2S, false, 7);
    const td_result *r = classify(t);
    CHECK(r->inf.handshake_complete == 1 && !r->inf.server_aborted);
    CHECK(r->verdict != TD_V_HANDSHAKE_ABORTED);
    VERDICT(r, "ok", "likely");
    tr_free(t);
}

TEST(infer_client_alert_instead_of_finished)
{
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 19, 6);
    tcp_close(t, TD_C2S, true, 7);
    const td_result *r = classify(t);
    CHECK(r->inf.client_aborted && r->inf.label[4] == TD_REC_ALERT && r->inf.handshake_complete == 0);
    VERDICT(r, "server-cert-rejected", "likely");
    CHECK(cites(r, 6));
    tr_free(t);
}

TEST(infer_padded_finished)
{
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 53 + 32, 6);                /* padded by an amount no known stack uses */
    rec(t, TD_C2S, 100, 7);
    rec(t, TD_S2C, 700, 8);
    const td_result *r = classify(t);
    CHECK(r->inf.label[4] == TD_REC_CLIENT_FINISHED && !r->inf.exact);
    VERDICT(r, "ok", "certain");
    tr_free(t);
}

TEST(infer_java_pads_every_record)
{
    /* JSSE adds 16 bytes of padding to each record: on a SHA-256 suite its Finished is 69 bytes
     * (an unpadded SHA-384 Finished), its empty Certificate 41, its alert 35. */
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 41, 6);
    rec(t, TD_C2S, 69, 6);
    rec(t, TD_C2S, 120, 7);
    rec(t, TD_S2C, 3000, 8);
    rec(t, TD_C2S, 35, 9);
    tcp_close(t, TD_C2S, false, 9);
    const td_result *r = classify(t);
    CHECK(r->inf.label[4] == TD_REC_CLIENT_EMPTY_CERT && r->inf.label[5] == TD_REC_CLIENT_FINISHED);
    CHECK(r->inf.client_cert == TD_CC_EMPTY && r->inf.exact);
    CHECK(r->inf.label[8] == TD_REC_ALERT && r->app_records[0] == 1);
    VERDICT(r, "ok", "certain");
    tr_free(t);
    /* ... and a padded alert where its Finished was due is the client giving up. */
    t = tls13(0x1301);
    rec(t, TD_C2S, 35, 6);
    tcp_close(t, TD_C2S, false, 7);
    CHECK(classify(t)->inf.client_aborted);
    tr_free(t);
}

TEST(infer_go_server_ticket_before_client_finished)
{
    /* Go's server sends its NewSessionTicket right after its own Finished, before the client's. */
    td_transcript *t = tls13(0x1301);
    rec(t, TD_S2C, 147, 5);
    rec(t, TD_C2S, 53, 6);
    rec(t, TD_C2S, 80, 7);
    rec(t, TD_S2C, 900, 8);
    const td_result *r = classify(t);
    CHECK(r->inf.label[3] == TD_REC_SERVER_FLIGHT && r->inf.label[4] == TD_REC_TICKET && r->inf.tickets == 1);
    CHECK(r->inf.label[5] == TD_REC_CLIENT_FINISHED && r->app_bytes[1] == 900);
    VERDICT(r, "ok", "certain");
    tr_free(t);
}

TEST(infer_server_alert_instead_of_flight)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    server_hello(t, 0x0304, 0x1301, 5);
    rec(t, TD_S2C, 19, 5);
    tcp_close(t, TD_S2C, false, 6);
    const td_result *r = classify(t);
    CHECK(r->inf.server_aborted && r->inf.label[0] == TD_REC_ALERT);
    VERDICT(r, "handshake-aborted", "likely");
    tr_free(t);
}

TEST(infer_close_notify_both_ways_after_health_check)
{
    /* A probe: Finished, then close_notify; the server answers close_notify.  The server's alert
     * follows the client's: a clean close, not a refusal. */
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 53, 6);
    rec(t, TD_C2S, 19, 7);
    tcp_close(t, TD_C2S, false, 7);
    rec(t, TD_S2C, 19, 8);
    tcp_close(t, TD_S2C, false, 9);
    const td_result *r = classify(t);
    CHECK(r->inf.handshake_complete == 1 && !r->inf.server_aborted);
    VERDICT(r, "ok", "likely");
    CHECK(has_finding(r, "no-application-data"));
    /* ... which is also how curl leaves after refusing the certificate TLS 1.3 hid: said. */
    CHECK(has_finding(r, "certificate-unread"));
    tr_free(t);
    /* A client that sent a request did not refuse the certificate: not said. */
    t = tls13(0x1301);
    rec(t, TD_C2S, 53, 6);
    rec(t, TD_C2S, 90, 7);
    rec(t, TD_S2C, 900, 8);
    rec(t, TD_C2S, 19, 9);
    tcp_close(t, TD_C2S, false, 9);
    VERDICT(classify(t), "ok", "certain");
    CHECK(!has_finding(&res, "certificate-unread"));
    tr_free(t);
}

TEST(empty_client_cert_request_never_answered_is_not_called_optional)
{
    /* gnutls-cli with its input at an end: empty Certificate, Finished, the request and its
     * close_notify in one go; s_server (client certificate required) answers with one alert-sized
     * record and closes.  Whether that record is certificate_required or close_notify is hidden,
     * but the request was never answered: not "the server went on". */
    td_transcript *t = tls13(0x1302);
    rec(t, TD_C2S, 25, 6);                     /* empty Certificate */
    rec(t, TD_C2S, 69, 6);                     /* Finished */
    rec(t, TD_C2S, 35, 6);                     /* GET */
    rec(t, TD_C2S, 19, 6);                     /* close_notify */
    rec(t, TD_S2C, 19, 7);
    tcp_close(t, TD_S2C, false, 8);
    tcp_close(t, TD_C2S, false, 9);
    const td_result *r = classify(t);
    CHECK_STR(r->confidence, "likely");
    bool said = false;
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].id, "client-cert-not-sent") == 0) {
            said = true;
            CHECK(strstr(r->findings[i].detail, "went on") == NULL);
        }
    CHECK(said || strcmp(td_verdict_name(r->verdict), "client-cert-missing") == 0);
    tr_free(t);
}

TEST(long_texts_end_at_a_word)
{
    td_result r;
    memset(&r, 0, sizeof r);
    char words[1200] = "";
    for (int i = 0; i < 60; i++) strcat(words, i % 2 ? "certificate " : "intermediates ");   /* 780 bytes */
    td_result_evidence(&r, 7, "server Certificate: %s", words);
    td_result_finding(&r, "x", "info", "%s", words);
    const char *texts[2] = { r.evidence[0].what, r.findings[0].detail };
    for (int k = 0; k < 2; k++) {
        size_t n = strlen(texts[k]);
        CHECK(n > 200 && n < 256);
        CHECK(n >= 4 && strcmp(texts[k] + n - 3, "...") == 0);
        /* what precedes the dots is a whole word of the input */
        CHECK(n >= 15 && (memcmp(texts[k] + n - 14, "certificate", 11) == 0 || memcmp(texts[k] + n - 16, "intermediates", 13) == 0));
    }
    /* A short text is left alone. */
    td_result_evidence(&r, 8, "short");
    CHECK_STR(r.evidence[1].what, "short");
}

TEST(verdict_names_are_one_table)
{
    size_t n = 0;
    const char *const *names = td_verdict_list(&n);
    CHECK(n == TD_V_COUNT - TD_V_OK);
    for (size_t i = 0; i < n; i++) CHECK_STR(names[i], td_verdict_name((td_verdict)(TD_V_OK + i)));
    CHECK(td_verdict_name(TD_V_NONE) == NULL && td_verdict_name(TD_V_COUNT) == NULL);
    CHECK_STR(td_rec_label_name(TD_REC_CLIENT_EMPTY_CERT), "client-empty-certificate");
}

/* ---- issue 21: verdicts follow the strongest evidence ------------------------------------- */

/* Classified with this machine's store (no --cacert): the test root is not in it. */
static const td_result *classify_no_anchors(td_classifier *sys, const td_transcript *t)
{
    td_classify(sys, t, &res);
    CHECK(strchr(res.summary, '{') == NULL);
    return &res;
}

TEST(no_anchors_certain_defects_beat_this_machines_store)
{
    char err[256];
    unsetenv("SSL_CERT_FILE");
    td_classifier *sys = td_classifier_new(NULL, NULL, err, sizeof err);
    CHECK(sys != NULL);
    if (!sys) return;
    /* bad_certificate names no check.  The name (SNI against the SANs) is certain from the wire;
     * that this machine does not know the private root says nothing of the client. */
    td_transcript *t = tls12(&leaf_good, "other.example.test");
    alert(t, TD_C2S, 2, 42, false, 6);
    VERDICT(classify_no_anchors(sys, t), "name-mismatch", "certain");
    CHECK(has_finding(&res, "untrusted-chain"));
    CHECK(has_evidence(&res, "that store is not the client's"));
    tr_free(t);
    /* The dates likewise (Chromium's certificate_unknown). */
    t = tls12(&leaf_expired, "www.example.test");
    alert(t, TD_C2S, 2, 46, false, 6);
    VERDICT(classify_no_anchors(sys, t), "server-cert-expired", "certain");
    tr_free(t);
    /* The leaf's purpose: an extendedKeyUsage without serverAuth, named. */
    t = tls12(&leaf_client_eku, "www.example.test");
    alert(t, TD_C2S, 2, 43, false, 6);
    VERDICT(classify_no_anchors(sys, t), "server-cert-rejected", "certain");
    CHECK(strstr(res.summary, "does not include serverAuth") != NULL);
    CHECK(has_finding(&res, "bad-purpose"));
    tr_free(t);
    /* A chain through a certificate that may not sign (basicConstraints), named; with the anchors
     * named too, not taken for an untrusted root. */
    der pair[2] = { leaf_via_non_ca, non_ca };
    t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0303, 4);
    server_hello(t, 0x0303, 0xc02f, 5);
    chain(t, &t->tls.server_chain, pair, 2, 5);
    t->tls.server_hello_done = true;
    alert(t, TD_C2S, 2, 42, false, 6);
    VERDICT(classify_no_anchors(sys, t), "server-cert-rejected", "certain");
    CHECK(strstr(res.summary, "basicConstraints") != NULL && has_finding(&res, "bad-ca"));
    VERDICT(classify(t), "server-cert-rejected", "certain");
    tr_free(t);
    /* An RSA-1024 key, named. */
    t = tls12(&leaf_rsa1024, "www.example.test");
    alert(t, TD_C2S, 2, 42, false, 6);
    VERDICT(classify_no_anchors(sys, t), "server-cert-rejected", "certain");
    CHECK(strstr(res.summary, "RSA-1024") != NULL);
    tr_free(t);
    /* Nothing wrong but what this machine's store says: unknown-ca, only likely, and the
     * evidence says how to make it certain. */
    t = tls12(&leaf_good, "www.example.test");
    alert(t, TD_C2S, 2, 42, false, 6);
    VERDICT(classify_no_anchors(sys, t), "unknown-ca", "likely");
    CHECK(has_evidence(&res, "--cacert"));
    tr_free(t);
    /* unknown_ca itself names the check: certain whatever the store. */
    t = tls12(&leaf_good, "other.example.test");
    alert(t, TD_C2S, 2, 48, false, 6);
    VERDICT(classify_no_anchors(sys, t), "unknown-ca", "certain");
    tr_free(t);
    /* A close after the handshake with an encrypted alert, only the store objecting: close_notify
     * from a probe that is done, or NSS's fatal alert after its Finished; ok, but only likely,
     * and a warning says which two readings there are ... */
    t = tls12(&leaf_good, "www.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    alert(t, TD_C2S, 0, 0, true, 8);
    tcp_close(t, TD_C2S, false, 8);
    VERDICT(classify_no_anchors(sys, t), "ok", "likely");
    CHECK(has_finding(&res, "client-alert-unread"));
    tr_free(t);
    /* ... and the same with the client's roots named and trusted is a probe, certain. */
    t = tls12(&leaf_good, "www.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    alert(t, TD_C2S, 0, 0, true, 8);
    tcp_close(t, TD_C2S, false, 8);
    VERDICT(classify(t), "ok", "certain");
    CHECK(!has_finding(&res, "client-alert-unread"));
    tr_free(t);
    /* ... without it (wget, Node drop the connection): the refusal is likely. */
    t = tls12(&leaf_good, "www.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    tcp_close(t, TD_C2S, false, 8);
    VERDICT(classify_no_anchors(sys, t), "unknown-ca", "likely");
    tr_free(t);
    td_classifier_free(sys);
    /* With anchors named (--cacert of another CA: the user states the client's trust), the
     * untrusted root is as certain as the name and comes first, as OpenSSL checks it first. */
    t = tls12(&leaf_other, "other.example.test");
    alert(t, TD_C2S, 2, 42, false, 6);
    VERDICT(classify(t), "unknown-ca", "certain");
    CHECK(has_finding(&res, "name-mismatch"));
    CHECK(has_evidence(&res, "trust anchors given with --cacert"));
    tr_free(t);
}

TEST(key_exchange_alert_is_not_a_certificate_refusal)
{
    /* decrypt_error after a ServerKeyExchange: the signature failed, not the certificate (which
     * the named anchors do not trust either: that is not what the client said). */
    td_transcript *t = tls12(&leaf_other, "www.example.test");
    td_transcript_event(t, TD_EV_HANDSHAKE, TD_S2C, 12, 300, 5, at(5));
    alert(t, TD_C2S, 2, 51, false, 6);
    tcp_close(t, TD_C2S, true, 7);
    VERDICT(classify(t), "handshake-aborted", "certain");
    CHECK(strstr(res.summary, "key exchange") != NULL && strstr(res.summary, "decrypt_error") != NULL);
    CHECK(has_evidence(&res, "not the certificate") && cites(&res, 6));
    tr_free(t);
    /* illegal_parameter and unexpected_message likewise. */
    static const uint8_t codes[] = { 47, 10 };
    for (size_t i = 0; i < sizeof codes; i++) {
        t = tls12(&leaf_good, "www.example.test");
        td_transcript_event(t, TD_EV_HANDSHAKE, TD_S2C, 12, 300, 5, at(5));
        alert(t, TD_C2S, 2, codes[i], false, 6);
        VERDICT(classify(t), "handshake-aborted", "certain");
        CHECK(strstr(res.summary, "key exchange") != NULL);
        tr_free(t);
    }
    /* bad_certificate at the same place is about the certificate. */
    t = tls12(&leaf_other, "www.example.test");
    td_transcript_event(t, TD_EV_HANDSHAKE, TD_S2C, 12, 300, 5, at(5));
    alert(t, TD_C2S, 2, 42, false, 6);
    VERDICT(classify(t), "unknown-ca", "certain");
    tr_free(t);
    /* handshake_failure right after the Certificate is the certificate when it shows a defect,
     * else the handshake. */
    t = tls12(&leaf_good, "other.example.test");
    alert(t, TD_C2S, 2, 40, false, 6);
    VERDICT(classify(t), "name-mismatch", "certain");
    tr_free(t);
    t = tls12(&leaf_good, "www.example.test");
    alert(t, TD_C2S, 2, 40, false, 6);
    VERDICT(classify(t), "handshake-aborted", "certain");
    tr_free(t);
}

TEST(server_version_the_client_did_not_offer)
{
    /* A TLS 1.3-only client answered in TLS 1.2 resets: protocol-mismatch, not the certificate
     * (which the named anchors do not trust). */
    td_transcript *t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    t->tls.n_offered_versions = 1;             /* supported_versions: TLS 1.3 alone */
    server_hello(t, 0x0303, 0xc02f, 5);
    chain(t, &t->tls.server_chain, &leaf_other, 1, 5);
    tcp_close(t, TD_C2S, true, 6);
    VERDICT(classify(t), "protocol-mismatch", "certain");
    CHECK(strstr(res.summary, "TLS1.2") != NULL && strstr(res.summary, "did not offer") != NULL);
    CHECK(cites(&res, 5) && cites(&res, 6));
    tr_free(t);
    /* With its alert (protocol_version) the same. */
    t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    t->tls.n_offered_versions = 1;
    server_hello(t, 0x0303, 0xc02f, 5);
    chain(t, &t->tls.server_chain, &leaf_good, 1, 5);
    alert(t, TD_C2S, 2, 70, false, 6);
    VERDICT(classify(t), "protocol-mismatch", "certain");
    tr_free(t);
    /* A client that offered TLS 1.2 too is not refused a version. */
    t = tls12(&leaf_other, "www.example.test");
    tcp_close(t, TD_C2S, true, 6);
    CHECK_STR(td_verdict_name(classify(t)->verdict), "unknown-ca");
    tr_free(t);
}

TEST(server_closes_right_after_accepting)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    tcp_close(t, TD_S2C, true, 4);
    VERDICT(classify(t), "no-tls-response", "certain");
    CHECK(has_evidence(&res, "after accepting it, before the client had sent anything") && cites(&res, 4));
    CHECK(strstr(res.summary, "reset") != NULL);
    tr_free(t);
    /* A port probe closes from the client's side. */
    t = tr_new();
    tcp_open(t);
    tcp_close(t, TD_C2S, false, 4);
    tcp_close(t, TD_S2C, false, 5);
    CHECK_STR(td_verdict_name(classify(t)->verdict), "incomplete");
    tr_free(t);
}

TEST(tls13_close_after_finished_without_a_request_needs_a_defect)
{
    /* curl resets right after its Finished when the server's tickets came before it closed; a
     * health check (HAProxy's resets too) leaves the same way.  Alone, with the certificate
     * hidden, that is no refusal: ok, likely, with the warning (a sibling that shows a defect
     * makes it one: siblings_spare_connection_and_lent_cause). */
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 53, 6);
    rec(t, TD_S2C, 200, 7);                    /* NewSessionTicket */
    tcp_close(t, TD_C2S, true, 8);
    VERDICT(classify(t), "ok", "likely");
    CHECK(has_finding(&res, "certificate-unread"));
    tr_free(t);
    /* A client that closes with a FIN: the same. */
    t = tls13(0x1301);
    rec(t, TD_C2S, 53, 6);
    tcp_close(t, TD_C2S, false, 7);
    rec(t, TD_S2C, 200, 8);
    tcp_close(t, TD_C2S, true, 9);
    VERDICT(classify(t), "ok", "likely");
    CHECK(has_finding(&res, "certificate-unread"));
    tr_free(t);
}

TEST(siblings_spare_connection_and_lent_cause)
{
    char err[256];
    unsetenv("SSL_CERT_FILE");
    td_classifier *sys = td_classifier_new(NULL, NULL, err, sizeof err);
    CHECK(sys != NULL);
    if (!sys) return;
    /* A browser's two sockets: the first carries the request, the second finishes its handshake,
     * sends nothing and closes with the first.  Only this machine's store objects to the chain. */
    td_transcript *a = tls12(&leaf_good, "www.example.test");
    finished12(a, TD_C2S, 6);
    finished12(a, TD_S2C, 7);
    appdata12(a, TD_C2S, 300, 8);
    appdata12(a, TD_S2C, 900, 9);
    tcp_close(a, TD_C2S, false, 20);
    VERDICT(classify_no_anchors(sys, a), "ok", "certain");
    td_transcript *b = tls12(&leaf_good, "www.example.test");
    strcpy(b->client.ip, a->client.ip);
    b->client.port++;
    b->id = 2;
    finished12(b, TD_C2S, 6);
    finished12(b, TD_S2C, 7);
    tcp_close(b, TD_C2S, false, 20);
    VERDICT(classify_no_anchors(sys, b), "ok", "certain");
    CHECK(has_finding(&res, "unused-connection"));
    tr_free(a);
    /* Alone, the same spare is a likely refusal. */
    td_classifier *fresh = td_classifier_new(NULL, NULL, err, sizeof err);
    CHECK(fresh != NULL);
    if (fresh) {
        VERDICT(classify_no_anchors(fresh, b), "unknown-ca", "likely");
        td_classifier_free(fresh);
    }
    tr_free(b);
    /* A clear refusal lends its cause to a sibling that shows less (TLS 1.3, keyless). */
    a = tls12(&leaf_good, "www.example.test");
    alert(a, TD_C2S, 2, 48, false, 6);
    VERDICT(classify_no_anchors(sys, a), "unknown-ca", "certain");
    b = tls13(0x1301);
    strcpy(b->client.ip, a->client.ip);
    b->id = 7;
    rec(b, TD_C2S, 19, 6);                     /* an alert instead of its Finished */
    tcp_close(b, TD_C2S, false, 7);
    /* (TLS 1.3 hid the certificate; the sibling showed it, and only this machine's store
     * objects to it: unknown-ca, likely.) */
    VERDICT(classify_no_anchors(sys, b), "unknown-ca", "likely");
    bool named = false;
    for (size_t i = 0; i < res.n_findings; i++)
        if (strcmp(res.findings[i].id, "sibling-failure") == 0)
            named = strstr(res.findings[i].detail, "connection #1,") && strstr(res.findings[i].detail, "unknown-ca (certain)");
    CHECK(named);
    tr_free(a);
    tr_free(b);
    /* TLS 1.3 hides the certificate; a TLS 1.2 sibling showed it expired: named, likely. */
    a = tls12(&leaf_expired, "www.example.test");
    alert(a, TD_C2S, 2, 45, false, 6);
    VERDICT(classify_no_anchors(sys, a), "server-cert-expired", "certain");
    b = tls13(0x1301);
    strcpy(b->client.ip, a->client.ip);
    b->id = 9;
    rec(b, TD_C2S, 19, 6);
    tcp_close(b, TD_C2S, false, 7);
    VERDICT(classify_no_anchors(sys, b), "server-cert-expired", "likely");
    CHECK(has_evidence(&res, "was shown the certificate TLS 1.3 hides here: it is out of date"));
    CHECK(strstr(res.remedy, "2022-01-01") != NULL);
    tr_free(b);
    /* curl leaves after the handshake with close_notify and a FIN (no reset): with a sibling shown
     * a certificate for another name, that close is the refusal. */
    td_transcript *n12 = tls12(&leaf_good, "www.example.test");
    strcpy(n12->client.ip, "10.9.9.9");
    free(n12->tls.sni);
    n12->tls.sni = strdup("other.example.test");
    finished12(n12, TD_C2S, 6);
    finished12(n12, TD_S2C, 7);
    tcp_close(n12, TD_C2S, false, 8);
    VERDICT(classify_no_anchors(sys, n12), "name-mismatch", "likely");
    td_transcript *n13 = tls13(0x1301);
    strcpy(n13->client.ip, "10.9.9.9");
    free(n13->tls.sni);
    n13->tls.sni = strdup("other.example.test");
    n13->id = 11;
    rec(n13, TD_C2S, 53, 6);                   /* Finished */
    rec(n13, TD_C2S, 19, 7);                   /* close_notify */
    tcp_close(n13, TD_C2S, false, 7);
    VERDICT(classify_no_anchors(sys, n13), "name-mismatch", "likely");
    CHECK(has_evidence(&res, "it does not name the host asked for (other.example.test)"));
    tr_free(n12);
    tr_free(n13);
    /* Chromium drops a TLS 1.3 connection at the (encrypted) CertificateRequest without a word,
     * then comes back with an empty Certificate: that sibling shows the server asks for one. */
    td_transcript *drop = tls13(0x1301);
    strcpy(drop->client.ip, "10.9.9.8");
    drop->id = 20;
    tcp_close(drop, TD_C2S, false, 6);
    VERDICT(classify_no_anchors(sys, drop), "server-cert-rejected", "likely");   /* alone */
    td_transcript *back = tls13(0x1301);
    strcpy(back->client.ip, "10.9.9.8");
    back->id = 21;
    rec(back, TD_C2S, 61, 6);                  /* empty Certificate and Finished */
    rec(back, TD_S2C, 19, 7);                  /* the server's alert */
    tcp_close(back, TD_S2C, false, 8);
    VERDICT(classify_no_anchors(sys, back), "client-cert-missing", "likely");
    td_classify_again(sys, drop, &res);
    VERDICT(&res, "client-cert-missing", "likely");
    CHECK(strstr(res.summary, "dropped the connection") != NULL && has_evidence(&res, "connection #21"));
    tr_free(drop);
    tr_free(back);
    /* ... but not for another client. */
    b = tls13(0x1301);
    rec(b, TD_C2S, 19, 6);
    tcp_close(b, TD_C2S, false, 7);
    VERDICT(classify_no_anchors(sys, b), "server-cert-rejected", "likely");
    tr_free(a);
    tr_free(b);
    td_classifier_free(sys);
}

TEST(client_drops_at_certificate_request)
{
    /* A browser with no certificate to offer: nothing after the server's flight, no alert. */
    td_transcript *t = tls12(&leaf_good, "www.example.test");
    cert_request(t, "CN=Test Root", 5);
    tcp_close(t, TD_C2S, false, 6);
    VERDICT(classify(t), "client-cert-missing", "likely");
    CHECK(strstr(res.summary, "dropped the connection") != NULL);
    CHECK(has_evidence(&res, "sent nothing after the server's CertificateRequest") && cites(&res, 6));
    tr_free(t);
    /* The same drop when the server's certificate names another host: that is the reason. */
    t = tls12(&leaf_good, "other.example.test");
    cert_request(t, "CN=Test Root", 5);
    tcp_close(t, TD_C2S, false, 6);
    CHECK_STR(td_verdict_name(classify(t)->verdict), "name-mismatch");
    tr_free(t);
}

TEST(infer_server_alerts_after_the_request)
{
    /* gnutls-serv refusing a client certificate: the client's flight and its request, then two
     * alert-sized records (access_denied, close_notify) and the server's close.  Two bytes are no
     * answer to a request: both are alerts, and the server refused the flight. */
    td_transcript *t = tls13(0x1302);
    rec(t, TD_C2S, 900, 6);                    /* Certificate */
    rec(t, TD_C2S, 281, 6);                    /* CertificateVerify */
    rec(t, TD_C2S, 69, 6);                     /* Finished, SHA-384 */
    rec(t, TD_C2S, 96, 7);                     /* the request */
    rec(t, TD_S2C, 19, 8);
    rec(t, TD_S2C, 19, 9);
    tcp_close(t, TD_S2C, false, 9);
    const td_result *r = classify(t);
    VERDICT(r, "client-cert-rejected", "likely");
    CHECK(r->inf.label[8] == TD_REC_ALERT && r->inf.label[9] == TD_REC_ALERT && r->inf.server_aborted);
    tr_free(t);
    /* A real answer before them stays an answer. */
    t = tls13(0x1302);
    rec(t, TD_C2S, 900, 6);
    rec(t, TD_C2S, 281, 6);
    rec(t, TD_C2S, 69, 6);
    rec(t, TD_C2S, 96, 7);
    rec(t, TD_S2C, 700, 8);
    rec(t, TD_S2C, 19, 9);
    tcp_close(t, TD_S2C, false, 9);
    r = classify(t);
    CHECK(r->inf.label[8] == TD_REC_APPDATA && r->inf.label[9] == TD_REC_ALERT && !r->inf.server_aborted);
    tr_free(t);
}

int main(void)
{
    srandom(1);
    pki_init();
    char err[256];
    cls = td_classifier_new(root_pem, NULL, err, sizeof err);
    if (!cls) {
        printf("not ok classifier: %s\n", err);
        return 1;
    }
    RUN(row_evicted);
    RUN(no_anchors_certain_defects_beat_this_machines_store);
    RUN(key_exchange_alert_is_not_a_certificate_refusal);
    RUN(server_version_the_client_did_not_offer);
    RUN(server_closes_right_after_accepting);
    RUN(tls13_close_after_finished_without_a_request_needs_a_defect);
    RUN(siblings_spare_connection_and_lent_cause);
    RUN(client_drops_at_certificate_request);
    RUN(infer_server_alerts_after_the_request);
    RUN(row_no_server_response);
    RUN(row_one_sided);
    RUN(row_connection_refused);
    RUN(row_client_not_tls);
    RUN(row_server_not_tls);
    RUN(row_no_tls_response);
    RUN(row_protocol_mismatch);
    RUN(row_obsolete_protocol);
    RUN(row_unknown_ca);
    RUN(row_incomplete_chain);
    RUN(leaf_alone_from_a_private_root_is_not_called_incomplete);
    RUN(row_name_mismatch);
    RUN(no_sni_close_after_handshake_is_a_likely_name_mismatch);
    RUN(no_sni_server_closes_first_is_ok_with_a_warning);
    RUN(row_server_cert_expired);
    RUN(row_server_cert_rejected);
    RUN(row_client_cert_missing_alert);
    RUN(empty_client_cert_short_answer_server_closes_tls12);
    RUN(empty_client_cert_short_answer_server_closes_tls13);
    RUN(post_handshake_close_with_untrusted_chain);
    RUN(silent_refusal_certain_only_when_all_was_read_and_the_reason_is_no_guess);
    RUN(alert_after_the_peers_close_answers_the_close);
    RUN(optional_client_cert_served_normally_is_ok);
    RUN(empty_client_cert_short_answer_client_closes_first);
    RUN(mtls_short_page_server_answers_close_notify);
    RUN(row_client_cert_rejected_alert_tls13);
    RUN(row_client_cert_rejected_http_tls12);
    RUN(row_handshake_aborted);
    RUN(row_ok);
    RUN(row_ok_handshake_not_captured);
    RUN(row_incomplete);
    RUN(infer_finished_sizes_per_suite);
    RUN(infer_whole_client_flight_in_one_record);
    RUN(infer_finished_alone_after_a_pause);
    RUN(infer_tickets_before_the_first_request);
    RUN(infer_client_sends_request_server_silent);
    RUN(infer_client_alert_instead_of_finished);
    RUN(infer_padded_finished);
    RUN(infer_java_pads_every_record);
    RUN(infer_go_server_ticket_before_client_finished);
    RUN(infer_server_alert_instead_of_flight);
    RUN(infer_close_notify_both_ways_after_health_check);
    RUN(empty_client_cert_request_never_answered_is_not_called_optional);
    RUN(long_texts_end_at_a_word);
    RUN(verdict_names_are_one_table);
    td_classifier_free(cls);
    pki_free();
    return check_done();
}
