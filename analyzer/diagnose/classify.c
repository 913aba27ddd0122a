/* classify.c - from a transcript to a result: the verdict comes from the rule table
 * (analyzer/diagnose/rules.c); the findings are facts worth a look whatever the verdict. */
#include <stdio.h>
#include <stdlib.h>

#include "analyzer/diagnose/classify.h"
#include "analyzer/diagnose/classify_int.h"
#include "analyzer/diagnose/findings_protocol.h"
#include "analyzer/diagnose/findings_network.h"
#include "analyzer/diagnose/findings_quic.h"
#include "analyzer/diagnose/result.h"
#include "analyzer/diagnose/siblings_int.h"
#include "dissectors/dissect.h"


td_classifier *td_classifier_new(const char *cacert, const char *capath, char *err, size_t errlen)
{
    td_classifier *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!td_trust_open(&c->trust, cacert, capath, err, errlen)) {
        td_classifier_free(c);
        return NULL;
    }
    c->cache = td_cert_cache_new(1024);
    c->offer_memo = td_offer_memo_new();          /* NULL: worked out every time */
    c->siblings = td_siblings_new();              /* NULL: each connection judged alone */
    return c;
}

void td_classifier_no_siblings(td_classifier *c)
{
    td_siblings_free(c->siblings);
    c->siblings = NULL;                            /* every sibling call takes NULL as "none" */
}

void td_classify_keep_from(td_classifier *c, double start)
{
    td_siblings_keep_from(c->siblings, start);
}

void td_classifier_free(td_classifier *c)
{
    if (!c) return;
    td_trust_close(&c->trust);
    td_cert_cache_free(c->cache);
    td_offer_memo_free(c->offer_memo);
    td_siblings_free(c->siblings);
    free(c);
}

/* Facts about the capture itself and the negotiated parameters. */
static void capture_findings(const td_transcript *t, td_result *r)
{
    const td_tls *s = &t->tls;
    const td_tcp *tcp = &t->tcp;
    if (tcp->gaps[0] + tcp->gaps[1])
        td_result_finding(r, "capture-gap", "warning", "%u hole(s), %llu bytes, missing from the capture",
                          tcp->gaps[0] + tcp->gaps[1], (unsigned long long)(tcp->gap_bytes[0] + tcp->gap_bytes[1]));
    if (tcp->midstream && !s->client_hello)
        td_result_finding(r, "handshake-not-captured", "warning",
                          "the connection started before the capture: its handshake is not in it");
    if (s->hs_over_budget)
        td_result_finding(r, "buffer-cap-hit", "warning",
                          "a handshake message of %u bytes exceeded tlsdiag's handshake budget (%u KiB per "
                          "connection) and was skipped", s->hs_over_budget, TD_HS_BUDGET_KIB);
    else if (s->buffer_cap_hit || tcp->ooo_cap_hit)
        td_result_finding(r, "buffer-cap-hit", "warning", "%s",
                          s->buffer_cap_hit ? "a handshake message exceeded tlsdiag's buffer cap and was skipped"
                                            : "too much out-of-order data: a hole was given up as a gap");
    for (int d = 0; d < 2; d++) {
        char what[128];
        if (s->bad_records[d])
            td_result_finding(r, "malformed-tls", "warning", "%s sent %u malformed record(s): %s",
                              d == TD_C2S ? "client" : "server", s->bad_records[d],
                              td_anomaly_text(&s->bad_record_first[d], d, what, sizeof what));
    }
    if (s->n_alerts_total > s->n_alerts)
        td_result_finding(r, "many-alerts", "warning", "%zu alerts, only the first %zu kept",
                          s->n_alerts_total, s->n_alerts);
    if (t->idle_timeout)
        td_result_finding(r, "idle-timeout", "info", "ended after %.0f s without packets (--idle-timeout); it may go on",
                          t->capture_end - t->end);
    if (t->evicted)
        td_result_finding(r, "evicted", "warning", "ended early: the connection table was full (--max-connections)");
    if (t->capture_drops)
        td_result_finding(r, "capture-drops", "warning", "the kernel dropped packets while this connection was open");
    if (s->client_hello && !s->sni && !s->sslv2_client_hello)
        td_result_finding(r, "no-sni", "info", "the ClientHello names no server (no SNI)");
    uint16_t v = s->version;
    if (s->server_hello && v && v < 0x0303) {
        char b[16];
        td_result_finding(r, "obsolete-protocol", "warning", "negotiated %s, which is obsolete (RFC 8996)",
                          td_version_name(v) ? td_version_name(v) : (snprintf(b, sizeof b, "0x%04X", v), b));
    }
    if (s->sslv2_client_hello)
        td_result_finding(r, "sslv2-hello", "info", "the client used the SSLv2-compatible hello format");
    if (s->server_hello && s->has_cipher && td_cipher_weakness(s->cipher)) {
        char b[16];
        td_result_finding(r, "weak-cipher", "warning", "negotiated %s (%s)", td_cipher_label(s->cipher, b, sizeof b),
                          td_cipher_weakness(s->cipher));
    }
    for (size_t i = 0; i < s->n_alerts; i++)
        if (!s->alerts[i].encrypted && s->alerts[i].level == 1 && s->alerts[i].code == 112)
            td_result_finding(r, "sni-unrecognized", "warning",
                              "the server does not recognise the name %s (warning alert unrecognized_name, pkt %llu)",
                              s->sni ? s->sni : "(none)", (unsigned long long)s->alerts[i].packet);
}

void td_classify(td_classifier *c, const td_transcript *t, td_result *out)
{
    /* The counted arrays are ~9 KB: only the heads need resetting. */
    out->t = t;
    out->verdict = TD_V_NONE;
    out->confidence = out->kb_section = out->remedy = NULL;
    out->summary[0] = out->remedy_buf[0] = '\0';
    out->n_evidence = out->n_findings = 0;
    /* Application data: counted by the parser where record types are visible, inferred in TLS 1.3. */
    const td_tls *s = &t->tls;
    for (int d = 0; d < 2; d++) {
        out->app_records[d] = s->app_records[d];
        out->app_bytes[d] = s->app_data[d];
        out->first_app_packet[d] = s->first_app_packet[d];
        out->enc_hs_records[d] = s->enc_hs_records[d];
    }
    td_infer13(t, out);
    td_rules_apply(c, t, out);
    capture_findings(t, out);
    td_findings_protocol(t, out, c->offer_memo);
    td_findings_quic(t, out);
    td_findings_network(t, out);
    td_siblings_lend(c->siblings, t, out);
    td_siblings_fallback(c->siblings, t, out);
    if (!c->judging_again) td_siblings_remember(c->siblings, t, out);
}

void td_classify_again(td_classifier *c, const td_transcript *t, td_result *out)
{
    c->judging_again = true;
    td_classify(c, t, out);
    c->judging_again = false;
}
