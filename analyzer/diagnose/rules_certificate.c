/* rules_certificate.c - the rows for a client that refused the server's certificate.  They tell
 * whether it did and which defect it acted on (untrusted issuer, missing intermediate, name,
 * dates, the rest), with the evidence and words for each. */
#include <math.h>
#include <time.h>

#include "analyzer/diagnose/result.h"
#include "analyzer/diagnose/rule_facts_int.h"
#include "analyzer/diagnose/rules_int.h"
#include "analyzer/diagnose/siblings_int.h"
#include "dissectors/dissect.h"

static bool is_cert_alert(uint8_t code)
{
    return code == 42 || code == 43 || code == 44 || code == 45 || code == 46 || code == 48 || code == 49 ||
           code == 113 || code == 114;
}

/* Was every record the client sent read: in the clear, or opened with a key log?  Then what it
 * did not send is known too: no request hidden in an encrypted record, no alert naming another
 * reason. */
static bool client_read_whole(const facts *f)
{
    const td_tls *s = f->s;
    if (f->tls13 || (f->decrypted && s->dec->failed[TD_C2S])) return false;   /* inferred, or not all opened */
    for (size_t i = 0; i < f->t->n_events; i++) {
        const td_event *e = &f->t->events[i];
        if (e->dir != TD_C2S || (e->flags & TD_EVF_DECRYPTED)) continue;
        if (e->kind == TD_EV_OPAQUE || e->kind == TD_EV_APPDATA || e->kind == TD_EV_ENCRYPTED_HANDSHAKE) return false;
        if (e->kind == TD_EV_ALERT && (e->sub >= s->n_alerts || s->alerts[e->sub].encrypted)) return false;
    }
    return true;
}

/* Without SNI, a name failure is certain only by elimination (cert_evidence.c): the evidence says so. */
static bool name_failed_by_elimination(const facts *f)
{
    return !f->s->sni && f->anchors_named && f->sc.trusted && !f->sc.expired && !f->sc.not_yet_valid && !f->sc.chain_expired;
}

/* Did the client reject the server's certificate?  Sets *seen (the refusal itself is certain:
 * an alert read, or a silence every record of which was read), *cause (which defect, and how
 * strongly the capture supports it) and the packet. */
static bool client_rejected_server_cert(facts *f, bool *seen, cert_cause *cause, uint64_t *pkt)
{
    const td_tls *s = f->s;
    const td_alert *a = f->fatal;
    if (!s->server_hello) return false;
    if (a && a->from == TD_S2C) return false;      /* the server gave up first: not the client's refusal */
    if (a && a->from == TD_C2S && !a->encrypted && rule_is_key_exchange_alert(a->code)) return false;
    if (a && a->from == TD_C2S && !a->encrypted && is_cert_alert(a->code)) {
        *seen = true;
        *cause = cert_cause_for(f, a);
        *pkt = a->packet;
        return true;
    }
    /* handshake_failure right after the server's Certificate: a certificate refusal when the
     * certificate shows a defect (or this machine's store objects), else left to handshake-aborted. */
    if (a && a->from == TD_C2S && !a->encrypted && a->code == 40 && s->server_chain.seen && a->packet > s->server_chain.packet &&
        !s->ccs[TD_C2S]) {
        if (f->wire_cause.reason == CERT_OTHER) return false;
        *seen = true;
        *cause = f->wire_cause;
        *pkt = a->packet;
        return true;
    }
    if (f->tls13) {
        /* The client answered the server's encrypted flight with an alert, or with nothing, and
         * closed: it refused something in that flight (the certificate, most often). */
        bool silent = !f->client_enc_first && !s->client_chain.seen && rule_closed_by(f, TD_C2S) && s->records_total[TD_S2C] > 0 &&
                      rule_first_close_packet(f, TD_C2S) > s->server_hello_packet;   /* (not gone before the flight came) */
        /* Or it finished the handshake and left without a request (curl, wget and GnuTLS check
         * the certificate after the handshake), and, as the TLS 1.2 rule below asks, the
         * certificate has a defect of its own: here, as a sibling was shown it for the same name.
         * How it leaves (close_notify, FIN or a reset with the tickets unread) is each stack's
         * habit and timing, and a probe leaves the same ways (HAProxy's checks reset). */
        bool sibling_defect = f->borrowed && f->borrowed->n_causes && f->borrowed->causes[0].strength >= EV_WIRE;
        bool left_after = f->hs_done && !f->r->app_records[TD_C2S] && !s->resumed && !f->used_sibling && rule_first_closer(f) == TD_C2S &&
                          sibling_defect;
        if (!f->client_aborted_13 && !silent && !left_after) return false;
        if (silent && rule_dropped_at_cert_request(f)) return false;   /* match_client_cert_missing's */
        *seen = false;
        *cause = f->wire_cause;
        *pkt = f->client_aborted_13 ? f->client_enc_first_pkt : rule_close_packet(f, TD_C2S);
        return true;
    }
    /* TLS 1.2: the client closed (or sent an encrypted alert) after the server's Certificate
     * without sending its key exchange. */
    /* (Decrypted TLS 1.3: its ChangeCipherSpec is only for middleboxes; the Finished tells.) */
    bool went_on = f->decrypted && td_version_is_tls13(s->version) ? s->finished[TD_C2S] : s->ccs[TD_C2S];
    /* (A server that asked for a client certificate: a client with none to offer drops the
     * connection the same way, so the certificate is the reason only when it shows a defect of
     * its own; else match_client_cert_missing's "dropped at the CertificateRequest".) */
    if (s->server_chain.seen && !went_on && rule_closed_by(f, TD_C2S) && rule_first_close_packet(f, TD_C2S) > s->server_chain.packet &&
        (!s->cert_requested || f->wire_cause.strength >= EV_WIRE)) {
        *cause = f->wire_cause;
        *seen = client_read_whole(f);              /* it gave up right after the server's flight */
        *pkt = rule_close_packet(f, TD_C2S);
        return true;
    }
    /* curl, wget (GnuTLS), Node and others finish the handshake and check the certificate after
     * it: then the client ends the connection without a request.  Claimed only when the passive
     * checks find what it would refuse, and more than this machine's store objecting: a probe
     * that only shakes hands leaves the same way, and the client may well trust a private CA. */
    cert_cause why = f->wire_cause;
    const td_alert *bye = rule_client_alert_after_chain(f);   /* close_notify: the client closed TLS in order */
    if (s->server_chain.seen && f->hs_done && !f->r->app_records[TD_C2S] && !s->resumed && rule_first_closer(f) == TD_C2S &&
        !f->used_sibling && why.reason != CERT_OTHER && (why.strength > EV_STORE || !bye)) {
        *seen = client_read_whole(f);
        *cause = why;
        *pkt = bye ? bye->packet : rule_close_packet(f, TD_C2S);
        return true;
    }
    return false;
}

static const char *reason_text(cert_reason r)
{
    switch (r) {
    case CERT_UNTRUSTED: return "its issuer is not trusted";
    case CERT_INCOMPLETE: return "it came without its intermediate";
    case CERT_NAME: return "it does not name the host asked for";
    case CERT_DATES: return "it is out of date";
    case CERT_WEAK: return "it is weak or not for TLS servers";
    default: return "nothing wrong";
    }
}

static void ev_checks(facts *f, cert_cause cause)
{
    const td_chain_check *c = &f->sc;
    cert_reason reason = cause.reason;
    if (!c->present && f->borrowed && reason != CERT_OTHER) {
        const td_sibling_cert *b = f->borrowed;
        td_result_evidence(f->r, f->s->server_hello_packet,
                           "connection #%llu, from this client to the same server and name %.1f s %s, was shown the "
                           "certificate TLS 1.3 hides here: %s (%s%s%s)", (unsigned long long)b->id, fabs(f->t->start - b->start),
                           b->start <= f->t->start ? "earlier" : "later", reason_text(reason),
                           reason == CERT_NAME ? b->name : reason == CERT_DATES ? "valid " : reason == CERT_WEAK ? b->weak : b->root,
                           reason == CERT_DATES ? b->not_before : "", reason == CERT_DATES ? ".." : "");
        return;
    }
    if (!c->present) return;
    if (reason == CERT_UNTRUSTED || reason == CERT_INCOMPLETE)
        td_result_evidence(f->r, f->s->server_chain.packet, "passive check: the chain does not reach %s (%s%s%s)",
                           f->anchors_named ? "the trust anchors given with --cacert/--capath" : "a root this machine trusts",
                           c->error_text, c->incomplete ? "; intermediates missing" : "", c->self_signed ? "; self-signed" : "");
    if (reason == CERT_NAME) {
        td_result_evidence(f->r, f->s->server_chain.packet, "passive check: %s is not among the certificate's names%s", c->name,
                           f->s->sni ? "" : " (no SNI: a client that connects by address sends none, so the address is the name it checks)");
        if (name_failed_by_elimination(f))
            td_result_evidence(f->r, f->s->server_chain.packet, "passive check: the chain reaches the trust anchors given with "
                                                                "--cacert/--capath and every certificate is in date, so the name is "
                                                                "the check that failed, whichever name the client asked for");
    }
    if (reason == CERT_DATES) {
        const td_cert *x = &f->s->server_chain.certs[0];
        char when[64] = "?";
        time_t w = (time_t)f->when;
        struct tm tm;
        if (gmtime_r(&w, &tm)) strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        td_result_evidence(f->r, f->s->server_chain.packet, "passive check: the certificate is valid %s .. %s, the capture is from %s",
                           x->not_before, x->not_after, when);
    }
    if (reason == CERT_WEAK) {
        char b[160];
        td_result_evidence(f->r, f->s->server_chain.packet, "passive check: %s", cert_weak_text(f, b, sizeof b) ? b : "?");
    }
    /* Why this defect and not another the checks also found (each stays a finding). */
    cert_cause all[CERT_MAX_CAUSES];
    size_t n = cert_causes(f, all);
    for (size_t i = 0; i < n; i++) {
        if (all[i].reason == reason || (all[i].reason != CERT_UNTRUSTED && all[i].reason != CERT_INCOMPLETE)) continue;
        if (all[i].strength == EV_STORE)
            td_result_evidence(f->r, f->s->server_chain.packet, "this machine's trust store does not reach the issuer either, "
                                                                "but that store is not the client's: the certificate's own defect "
                                                                "is named (a finding keeps the other)");
        else
            td_result_evidence(f->r, f->s->server_chain.packet, "the chain also fails the trust anchors given with "
                                                                "--cacert/--capath (a finding keeps it)");
    }
    if ((reason == CERT_UNTRUSTED || reason == CERT_INCOMPLETE) && cause.strength == EV_STORE)
        td_result_evidence(f->r, f->s->server_chain.packet, "only this machine's trust store objects, which need not be the "
                                                            "client's: give the client's roots with --cacert to make it certain");
}

static void leaf_vars(facts *f)
{
    if (!f->sc.present && f->borrowed) {           /* TLS 1.3 hid it: a sibling's view of it */
        const td_sibling_cert *b = f->borrowed;
        rule_var_str(f, "name", b->name[0] ? b->name : "the name asked for");
        rule_var_str(f, "covers", b->covers);
        rule_var_str(f, "not_before", b->not_before);
        rule_var_str(f, "not_after", b->not_after);
        rule_var_str(f, "root", b->root[0] ? b->root : "its issuer");
        rule_var_str(f, "missing", b->root[0] ? b->root : "its issuer");
        rule_var_str(f, "url", "");
        return;
    }
    const td_cert *leaf = f->s->server_chain.n ? &f->s->server_chain.certs[0] : NULL;
    rule_var_str(f, "name", f->sc.name[0] ? f->sc.name : "the name asked for");
    rule_var_set(f, "covers", "%s%s", leaf && leaf->n_san ? leaf->san[0] : (leaf && leaf->subject ? leaf->subject : "?"),
                 leaf && leaf->n_san > 1 ? ", ..." : "");
    rule_var_str(f, "not_before", leaf ? leaf->not_before : "?");
    rule_var_str(f, "not_after", leaf ? leaf->not_after : "?");
    rule_var_str(f, "root", f->sc.untrusted_root[0] ? f->sc.untrusted_root : "its issuer");
    rule_var_str(f, "missing", f->sc.missing_issuer[0] ? f->sc.missing_issuer : "its issuer");
    if (f->sc.missing_issuer_url[0]) rule_var_set(f, "url", " (published at %s)", f->sc.missing_issuer_url);
    else rule_var_str(f, "url", "");
}

/* The rows for a rejected server certificate share their evidence; the reason picks the row.
 * The verdict is certain when both links are: the refusal was seen (an alert read, or a silence
 * every record of which was read) and its cause is certain (an alert's code, or a defect certain
 * from the wire); this machine's trust store or a guessed name makes it likely. */
static int cert_rule(facts *f, cert_reason want)
{
    bool seen = false;
    cert_cause cause = { CERT_NONE, EV_NONE };
    uint64_t pkt = 0;
    if (!client_rejected_server_cert(f, &seen, &cause, &pkt)) return 0;
    if (cause.reason != want && !(want == CERT_OTHER && cause.reason == CERT_WEAK)) return 0;
    bool certain = seen && (cause.strength >= EV_WIRE || cause.reason == CERT_OTHER);
    f->r->confidence = certain ? "certain" : "likely";
    leaf_vars(f);
    ev_client_hello(f);
    ev_server_cert(f);
    /* The summary says what was seen: a refusal by alert (or inferred), or a client that left
     * without a word, which is certain only when every record it sent was read. */
    bool by_alert = f->fatal && f->fatal->from == TD_C2S && !f->fatal->encrypted &&
                    (is_cert_alert(f->fatal->code) || f->fatal->code == 40);
    bool hung_up = !by_alert && f->hs_done;
    bool gave_up = !by_alert && !hung_up && !f->client_aborted_13 && !(f->fatal && f->fatal->from == TD_C2S) && seen;
    char weak[160];
    rule_var_str(f, "weak", cert_weak_text(f, weak, sizeof weak) ? weak : "");
    rule_var_str(f, "refused", hung_up ? "the client completed the handshake, then closed without sending a request"
                               : gave_up ? "the client gave up the handshake after the server's certificate, without an alert"
                                         : "the client rejected the server certificate");
    rule_var_str(f, "it", hung_up || gave_up ? "the certificate" : "it");
    rule_var_str(f, "its", hung_up || gave_up ? "the certificate's" : "its");
    if (hung_up && seen)
        td_result_evidence(f->r, pkt, "client completed the handshake, then ended the connection with no request and no alert: "
                                      "every record it sent was read with the key log (curl, GnuTLS and Node check the "
                                      "certificate after the handshake and leave like this; so does a probe that only shakes hands)");
    else if (hung_up)
        td_result_evidence(f->r, pkt, "client completed the handshake, then ended the connection without a request "
                                      "(clients such as curl and GnuTLS check the certificate after the handshake)");
    else if (f->fatal && f->fatal->from == TD_C2S) ev_alert(f, f->fatal);
    else if (f->client_aborted_13)
        td_result_evidence(f->r, pkt, "client sent an alert-sized encrypted record (%u bytes) instead of its Finished", f->client_enc_first);
    else {
        ev_close(f, TD_C2S);
        if (gave_up)
            td_result_evidence(f->r, pkt, "client closed without going on with the handshake and without an alert: every "
                                          "record it sent was read %s", f->decrypted ? "with the key log" : "in the clear");
    }
    if (f->close_answer && f->close_answer->from == TD_S2C) {
        char b[96];
        td_result_evidence(f->r, f->close_answer->packet, "%s came after the client had closed: it answers the close "
                           "(OpenSSL's s_server does this), not the handshake", rule_alert_text(f->close_answer, b, sizeof b));
    }
    ev_checks(f, cause);
    switch (want) {
    case CERT_UNTRUSTED: return f->sc.issuer_unknown ? 3 : f->sc.untrusted_root[0] ? 1 : 2;
    case CERT_DATES: return f->sc.not_yet_valid ? 2 : 1;
    case CERT_OTHER: return cause.reason == CERT_WEAK ? 3 : f->sc.present ? 2 : 1;
    default: return 1;
    }
}

int match_unknown_ca(facts *f) { return cert_rule(f, CERT_UNTRUSTED); }
int match_incomplete_chain(facts *f) { return cert_rule(f, CERT_INCOMPLETE); }

int match_name_mismatch(facts *f) { return cert_rule(f, CERT_NAME); }
int match_server_cert_expired(facts *f) { return cert_rule(f, CERT_DATES); }
int match_server_cert_rejected(facts *f) { return cert_rule(f, CERT_OTHER); }
