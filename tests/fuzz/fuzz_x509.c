/* fuzz_x509.c - the X.509 summariser (td_x509_summarize) and the DER Name printer
 * (td_x509_name_text) on the same bytes; then the summary cache (td_x509_summarize_cached, a
 * small cache kept across inputs so slots are hit, missed and replaced) must give exactly the
 * same summary; then the certificate is put in a server chain and classified, so the passive
 * chain checks (trust, dates, names, key, signature) and both reports see it too.  The identity
 * fields (serial, key usages, AIA URIs, SCTs: x509_ident.c) are compared and bounded as well.
 * Input: DER (a certificate, or a Name as in CertificateRequest). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/dissect.h"
#include "fuzz_common.h"
#include "include/transcript.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static td_x509_cache *cache;      /* lives as long as the process: reachable, not a leak */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_classifier();
    if (!(cache = td_x509_cache_new(4))) abort();
    return 0;
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void same_list(char *const *a, size_t na, char *const *b, size_t nb)
{
    if (na != nb) abort();
    for (size_t i = 0; i < na; i++)
        if (!same_str(a[i], b[i])) abort();
}

/* The identity fields (x509_ident.c): equal, bounded, and the AIA aliases the first URIs. */
static void check_same_identity(const td_cert *a, const td_cert *b)
{
    if (strcmp(a->serial, b->serial) != 0 || strcmp(a->sha1, b->sha1) != 0 || strlen(a->sha1) != 40 ||
        memcmp(a->san_ip, b->san_ip, sizeof a->san_ip) != 0 || a->key_usage != b->key_usage ||
        a->scts != b->scts || a->scts_malformed != b->scts_malformed || a->precert != b->precert)
        abort();
    same_list(a->eku, a->n_eku, b->eku, b->n_eku);
    same_list(a->ocsp_urls, a->n_ocsp_urls, b->ocsp_urls, b->n_ocsp_urls);
    same_list(a->ca_issuer_urls, a->n_ca_issuer_urls, b->ca_issuer_urls, b->n_ca_issuer_urls);
    if (a->n_eku > 16 || a->n_ocsp_urls > 4 || a->n_ca_issuer_urls > 4 || strlen(a->serial) > 132) abort();
    if ((b->n_ocsp_urls ? b->ocsp_urls[0] : NULL) != b->aia_ocsp ||
        (b->n_ca_issuer_urls ? b->ca_issuer_urls[0] : NULL) != b->aia_ca_issuers)
        abort();
    for (size_t i = a->n_san; i < 256; i++)
        if (a->san_ip[i / 64] >> (i % 64) & 1) abort();    /* no bit past the names kept */
}

/* The cache's promise: a summary equal, field for field, to td_x509_summarize's. */
static void check_same(const td_cert *a, const td_cert *b)
{
    if (!same_str(a->subject, b->subject) || !same_str(a->issuer, b->issuer) || a->n_san != b->n_san ||
        strcmp(a->not_before, b->not_before) != 0 || strcmp(a->not_after, b->not_after) != 0 ||
        a->not_before_t != b->not_before_t || a->not_after_t != b->not_after_t ||
        strcmp(a->key, b->key) != 0 || a->key_bits != b->key_bits ||
        strcmp(a->signature, b->signature) != 0 || strcmp(a->sha256, b->sha256) != 0 ||
        a->self_signed != b->self_signed || a->parse_error != b->parse_error ||
        a->der_len != b->der_len || (a->der_len && memcmp(a->der, b->der, a->der_len) != 0))
        abort();
    if (!same_str(a->aia_ca_issuers, b->aia_ca_issuers) || !same_str(a->aia_ocsp, b->aia_ocsp) ||
        a->is_ca != b->is_ca || strcmp(a->akid, b->akid) != 0 || strcmp(a->skid, b->skid) != 0)
        abort();
    for (size_t i = 0; i < a->n_san; i++)
        if (!same_str(a->san[i], b->san[i])) abort();
    check_same_identity(a, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    free(td_x509_name_text(data, size));

    td_cert *cert = calloc(1, sizeof *cert);
    if (!cert) return 0;
    int rc = td_x509_summarize(data, size, cert);
    /* The contract: sha256 and der always; parse_error exactly when it failed. */
    if (strlen(cert->sha256) != 64 || cert->der_len != size || (size && !cert->der)) abort();
    if ((rc != 0) != cert->parse_error) abort();
    if (size && memcmp(cert->der, data, size) != 0) abort();
    for (int pass = 0; pass < 2; pass++) {            /* a miss (or a replacement), then a hit */
        td_cert cached;
        memset(&cached, 0, sizeof cached);
        if (td_x509_summarize_cached(cache, data, size, &cached) != rc) abort();
        check_same(cert, &cached);
        td_cert_clear(&cached);
    }

    td_transcript t;
    memset(&t, 0, sizeof t);
    t.id = 1;
    t.file = "fuzz";
    t.start = t.end = 1700000000.0;
    t.first_packet = 1;
    t.last_packet = 6;
    strcpy(t.client.ip, "192.0.2.1");
    t.client.port = 50000;
    strcpy(t.server.ip, "192.0.2.2");
    t.server.port = 443;
    t.on_tls_port = true;
    t.tcp.syn_seen = t.tcp.synack_seen = t.tcp.handshake = true;
    td_tls *tls = &t.tls;
    tls->client_hello = tls->server_hello = true;
    tls->client_hello_packet = 4;
    tls->server_hello_packet = 5;
    tls->version = 0x0303;
    tls->cipher = 0xC02F;
    tls->has_cipher = true;
    tls->sni = strdup("www.example.test");
    tls->server_chain.certs = cert;
    tls->server_chain.n = tls->server_chain.n_total = 1;
    tls->server_chain.seen = true;
    tls->server_chain.packet = 5;
    /* The client gives up with bad_certificate: the classifier must say why from the cert. */
    tls->alerts = calloc(1, sizeof *tls->alerts);
    if (tls->alerts) {
        tls->alerts[0] = (td_alert){ .from = TD_C2S, .level = 2, .code = 42, .packet = 6, .ts = t.end };
        tls->n_alerts = tls->n_alerts_total = 1;
        td_transcript_event(&t, TD_EV_ALERT, TD_C2S, 0, 2, 6, t.end);
    }
    fuzz_report(&t);
    td_transcript_clear(&t);
    return 0;
}
