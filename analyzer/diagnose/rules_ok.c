/* rules_ok.c - the row for a connection that worked, and the warnings it may still carry (no
 * request, a client certificate not sent, what TLS 1.3 without keys leaves unread). */
#include "analyzer/diagnose/result.h"
#include "analyzer/diagnose/rule_facts_int.h"
#include "analyzer/diagnose/rules_int.h"
#include "analyzer/diagnose/text_put_int.h"
#include "dissectors/dissect.h"

/* No request followed the handshake: a spare connection beside a sibling that carried the
 * requests, a probe, or (TLS 1.3 without keys) a client that refused the certificate after it. */
static void warn_no_request(facts *f, bool both_data)
{
    const td_tls *s = f->s;
    const td_result *r = f->r;
    if (!both_data && f->used_sibling && !r->app_records[TD_C2S])
        td_result_finding(f->r, "unused-connection", "info",
                          "the client finished the handshake, sent nothing and closed this connection together with its "
                          "sibling #%llu, which carried the requests: a spare connection (browsers open one), not a refusal",
                          (unsigned long long)f->used_sibling);
    else if (!both_data)
        td_result_finding(f->r, "no-application-data", "info",
                          "the handshake completed but no request/response followed (a health check or a probe such as openssl s_client behaves like this)");
    /* TLS 1.3 without keys: the certificate was never seen, and a client that refuses it after the
     * handshake leaves exactly as a probe does. */
    if (f->tls13 && !r->app_records[TD_C2S] && !s->resumed && rule_first_closer(f) == TD_C2S && !f->used_sibling)
        td_result_finding(f->r, "certificate-unread", "warning",
                          "the client left without a request after the handshake, as a probe does, or a client that refused "
                          "the certificate after it (curl, wget, Node); TLS 1.3 hides it: read with the client's key log (--keylog)");
}

/* The server asked for a client certificate: one short answer, then the end, may be its
 * refusal in HTTP (an error page looks just like a small page without keys). */
static void warn_client_cert_answer(facts *f)
{
    const td_tls *s = f->s;
    bool sent = false;
    uint64_t bytes = 0;
    if (!rule_client_cert_answer(f, &sent)) return;
    /* Read with a key log, the answer's status line is known (a refusal matched a rule above). */
    bool answer_read = f->decrypted && s->dec->app_first[TD_S2C];
    bool doubt = rule_short_answer(f, &bytes) && f->tcp->close && !answer_read;
    if (sent && doubt && f->tls13) {
        f->r->confidence = "likely";
        td_result_finding(f->r, "client-cert-answer-unread", "warning",
                          "the client sent a certificate (TLS 1.3 hides it) and the server's only answer was %llu bytes: "
                          "if the server did not accept the certificate, that answer is its refusal (nginx 400); read it "
                          "with a key log to be sure", (unsigned long long)bytes);
    } else if (!sent && doubt) {
        f->r->confidence = "likely";
        td_result_finding(f->r, "client-cert-not-sent", "warning",
                          "the server asked for a client certificate and the client sent none; the server's only answer "
                          "was %llu bytes: if the server requires a certificate, that answer is its refusal (nginx 400, "
                          "IIS 403.7); read it with a key log to be sure", (unsigned long long)bytes);
    } else if (!sent && !(f->tls13 ? f->in->response_records : s->app_records[TD_S2C]) && f->tcp->close) {
        /* No answer at all: "went on" would be a guess (a TLS 1.3 refusal is one encrypted alert). */
        f->r->confidence = "likely";
        td_result_finding(f->r, "client-cert-not-sent", "warning",
                          "the server asked for a client certificate and the client sent none; the server sent no answer "
                          "before the connection ended: if it requires a certificate, it refused; read it with a key log "
                          "to be sure");
    } else if (!sent) {
        td_result_finding(f->r, "client-cert-not-sent", "info",
                          "the server asked for a client certificate, the client sent none, and the server went on (optional client authentication)");
    }
}

/* TLS 1.2: the client ended with one encrypted alert right after the handshake, no request,
 * and this machine's store has a reason the client may share.  That alert is close_notify
 * from a probe that is done, or a fatal alert from a client that checked the certificate
 * after its Finished (NSS does): without keys or the client's roots, nothing tells. */
static void warn_client_alert_unread(facts *f)
{
    const td_tls *s = f->s;
    const td_result *r = f->r;
    if (f->tls13 || f->decrypted || !f->hs_done || r->app_records[TD_C2S] || s->resumed || f->used_sibling || !s->server_chain.seen)
        return;
    const td_alert *bye = rule_client_alert_after_chain(f);
    if (bye && bye->encrypted && f->wire_cause.reason != CERT_OTHER && f->wire_cause.strength == EV_STORE) {
        f->r->confidence = "likely";
        td_result_finding(f->r, "client-alert-unread", "warning",
                          "the client ended the connection right after the handshake with an encrypted alert (pkt %llu) and "
                          "no request: close_notify from a probe, or a fatal alert refusing the certificate, whose issuer "
                          "this machine's store does not trust either; give the client's roots (--cacert) or its key log",
                          (unsigned long long)bye->packet);
    }
}

/* "client application data: N bytes": every working connection's evidence, without printf. */
static void ev_app_data(td_result *r, int dir)
{
    if (!r->first_app_packet[dir]) return;
    td_evidence *e = td_result_evidence_slot(r, r->first_app_packet[dir]);
    if (!e) return;
    td_text t = td_text_on(e->what, sizeof e->what);
    td_text_s(&t, dir == TD_C2S ? "client application data: " : "server application data: ");
    td_text_u64(&t, r->app_bytes[dir]);
    td_text_n(&t, " bytes", 6);
    td_text_end(&t);
}

int match_ok(facts *f)
{
    const td_tls *s = f->s;
    const td_result *r = f->r;
    bool both_data = r->app_records[0] && r->app_records[1];
    if (!f->hs_done && !(s->resumed && s->finished[TD_C2S]) && !both_data) return 0;
    f->r->confidence = f->tls13 && f->in->done && !both_data ? "likely" : "certain";
    char c[64];
    rule_var_str2(f, "cipher", s->has_cipher ? td_cipher_label(s->cipher, c, sizeof c) : "cipher unknown",
                  s->resumed ? ", resumed" : "");
    rule_var_str(f, "data", both_data ? " and application data flowed both ways" : "");
    ev_client_hello(f);
    ev_server_hello(f);
    ev_app_data(f->r, TD_C2S);
    ev_app_data(f->r, TD_S2C);
    if (!s->server_hello) return 2;             /* the handshake is not in the capture */
    warn_no_request(f, both_data);
    warn_client_cert_answer(f);
    warn_client_alert_unread(f);
    if (!s->sni && f->sc.name_checked && !f->sc.name_ok && !r->app_records[TD_C2S]) {
        f->r->confidence = "likely";               /* it may have refused the name: nothing says */
        td_result_finding(f->r, "name-unverified", "warning",
                          "the client sent no server name (SNI) and closed without a request; if it connected by the address %s, "
                          "the certificate does not cover it", f->t->server.ip);
    }
    return 1;
}
