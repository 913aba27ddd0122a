/* rules_client_cert.c - the rows for client certificates: the server asked for one and the
 * client sent none (or dropped the connection), or the server refused the one it was sent.  The
 * refusal may be an alert, an HTTP error page or a close. */
#include <stdlib.h>
#include <string.h>

#include "analyzer/diagnose/result.h"
#include "analyzer/diagnose/rule_facts_int.h"
#include "analyzer/diagnose/rules_int.h"
#include "analyzer/diagnose/siblings_int.h"
#include "dissectors/dissect.h"

static const char *ca_wanted(const facts *f)
{
    return f->s->n_ca_names ? f->s->ca_names[0] : "a CA the server trusts";
}

/* How the server refused a client certificate, or its absence. */
typedef enum { CC_NONE, CC_ALERT, CC_HTTP, CC_CLOSE, CC_DROPPED } cc_how;

/* The server asked for a client certificate and the client, sending nothing more (no Certificate,
 * no key exchange, no alert), closed the connection: what a browser with no certificate to offer
 * does (Chromium, twice, before it comes back with an empty one).  TLS 1.2 shows the request;
 * TLS 1.3 without keys hides it, and a sibling that showed this server asks stands in, unless the
 * certificate a sibling was shown has a defect of its own.  The packet of the close, 0 if not so. */
uint64_t rule_dropped_at_cert_request(const facts *f)
{
    const td_tls *s = f->s;
    if (s->client_chain.seen || !rule_closed_by(f, TD_C2S)) return 0;
    if (rule_closed_by(f, TD_S2C) && rule_first_close_packet(f, TD_S2C) < rule_first_close_packet(f, TD_C2S)) return 0;
    /* A client that closed before the server's answer came cannot have read the request in it. */
    if (!s->server_hello || rule_first_close_packet(f, TD_C2S) < s->server_hello_packet) return 0;
    if (f->tls13) {
        if (!f->asked_sibling || f->client_enc_first) return 0;
        if (f->borrowed && f->borrowed->n_causes && f->borrowed->causes[0].strength >= EV_WIRE) return 0;
    } else {
        if (!s->cert_requested || s->ccs[TD_C2S] || rule_first_close_packet(f, TD_C2S) < s->cert_request_packet) return 0;
        for (size_t i = 0; i < f->t->n_events; i++) {
            const td_event *e = &f->t->events[i];
            if (e->dir == TD_C2S && e->packet > s->cert_request_packet && rule_is_tls_bytes(e)) return 0;
        }
    }
    return rule_first_close_packet(f, TD_C2S);
}

/* The server asked for a client certificate (seen in TLS 1.2, inferred in TLS 1.3 from the
 * client's Certificate) and the client's answer was empty (*sent false) or a certificate. */
bool rule_client_cert_answer(const facts *f, bool *sent)
{
    const td_tls *s = f->s;
    if (!f->tls13) {
        if (!s->cert_requested || !s->client_chain.seen) return false;
        *sent = !s->client_chain.empty;
        return true;
    }
    if (f->in->client_cert == TD_CC_EMPTY) *sent = false;
    else if (f->in->client_cert == TD_CC_SENT) *sent = true;
    else return false;
    return true;
}

/* A server answers one short response and closes first: the HTTP-level refusal of nginx
 * (400 "No required SSL certificate was sent"), IIS (403.7) and others that finish the
 * handshake before they look at the certificate. */
#define REFUSAL_MAX_BYTES 1536

/* Was the server's whole answer one short response (what an error page looks like)?  *bytes: its size. */
bool rule_short_answer(const facts *f, uint64_t *bytes)
{
    uint64_t records = f->tls13 ? f->in->response_records : f->s->app_records[TD_S2C];
    *bytes = f->tls13 ? f->in->response_bytes : f->s->app_data[TD_S2C];
    return records && records <= 3 && *bytes <= REFUSAL_MAX_BYTES;
}

static bool http_refusal(facts *f, uint64_t *resp_bytes, uint64_t *resp_pkt)
{
    if (!f->hs_done || !f->r->app_records[TD_C2S] || rule_first_closer(f) != TD_S2C) return false;
    if (!rule_short_answer(f, resp_bytes)) return false;
    *resp_pkt = f->r->first_app_packet[TD_S2C];
    return true;
}

/* Read with a key log: the server's first answer is an HTTP status that refuses the client
 * (400 with nginx's certificate text, 403, or nginx's 495/496). */
static bool decrypted_refusal(const facts *f)
{
    const char *line = f->s->dec ? f->s->dec->app_first[TD_S2C] : NULL;
    if (!line || strncmp(line, "HTTP/1.", 7) != 0 || strlen(line) < 12) return false;
    int code = atoi(line + 9);
    return code == 495 || code == 496 || code == 403 || (code == 400 && strstr(line, " ... "));
}

static cc_how client_cert_outcome(facts *f, bool *sent, bool *certain, uint64_t *pkt, uint64_t *resp_bytes)
{
    const td_tls *s = f->s;
    const td_alert *a = f->fatal;
    if (f->decrypted && s->cert_requested && s->client_chain.seen) {
        /* Decrypted: the server's alert after the client's Certificate (TLS 1.3 sends it after
         * the client's Finished), or its HTTP refusal, is read, not inferred. */
        *sent = !s->client_chain.empty;
        if (a && a->from == TD_S2C && !a->encrypted && a->packet >= s->client_chain.packet) {
            *certain = true;
            *pkt = a->packet;
            return CC_ALERT;
        }
        if (decrypted_refusal(f)) {
            *certain = true;
            *pkt = s->dec->app_first_packet[TD_S2C];
            *resp_bytes = s->app_data[TD_S2C];
            return CC_HTTP;
        }
        /* No alert, no answer: the server hung up on the client's certificate flight. */
        uint64_t close = rule_closed_by(f, TD_S2C) ? rule_close_packet(f, TD_S2C) : 0;
        if (close && close > s->client_chain.packet && !s->app_records[TD_S2C] && !(a && a->from == TD_C2S)) {
            *certain = true;
            *pkt = close;
            return CC_CLOSE;
        }
    }
    if (!f->tls13 && s->cert_requested) {
        bool server_abort = (a && a->from == TD_S2C) || (rule_closed_by(f, TD_S2C) && !f->hs_done);
        bool no_cert_alert = a && a->from == TD_C2S && !a->encrypted && a->code == 41;   /* SSLv3 no_certificate */
        bool client_answered = s->client_chain.seen || s->ccs[TD_C2S] || no_cert_alert;
        if ((server_abort || no_cert_alert) && client_answered && !f->hs_done) {
            *sent = s->client_chain.seen && !s->client_chain.empty;
            *certain = true;
            *pkt = a && a->from == TD_S2C ? a->packet : rule_close_packet(f, TD_S2C);
            return CC_ALERT;
        }
    }
    uint64_t dropped = rule_dropped_at_cert_request(f);
    if (dropped && !a) {
        *sent = false;
        *certain = false;
        *pkt = dropped;
        return CC_DROPPED;
    }
    if (f->tls13 && a && a->from == TD_S2C && !a->encrypted && a->code == 116) {   /* certificate_required in clear */
        *sent = false;
        *certain = true;
        *pkt = a->packet;
        return CC_ALERT;
    }
    if (!rule_client_cert_answer(f, sent)) return CC_NONE;
    if (f->tls13 && f->server_aborted_after_client_flight && !f->client_aborted_13) {
        *certain = false;
        *pkt = f->server_abort_pkt;
        return CC_ALERT;
    }
    /* A refusal in HTTP is claimed only with a reason for it in the clear: a TLS 1.2 client
     * certificate from an issuer the server did not list, or out of date.  An empty certificate
     * followed by one short answer and the server's close is also what an optional request
     * served by an HTTP/1.0 backend looks like (gnutls-serv, stunnel in front of one): on the
     * matrix that reading was wrong five times for one right, so it stays ok with a warning
     * (match_ok) until a key log shows the answer. */
    if (!*sent || f->tls13) return CC_NONE;
    bool suspect = f->cc.present && (f->cc.expired || f->cc.not_yet_valid);
    if (s->n_ca_names && s->client_chain.n && s->client_chain.certs[0].issuer) {
        bool listed = false;
        for (size_t j = 0; j < s->n_ca_names; j++)
            if (strcmp(s->client_chain.certs[0].issuer, s->ca_names[j]) == 0) listed = true;
        if (!listed) suspect = true;
    }
    if (!suspect) return CC_NONE;
    if (http_refusal(f, resp_bytes, pkt)) {
        *certain = false;
        return CC_HTTP;
    }
    return CC_NONE;
}

static void ev_client_cert_flight(facts *f, bool sent)
{
    const td_tls *s = f->s;
    if (s->cert_requested) {
        td_result_evidence(f->r, s->cert_request_packet, "server CertificateRequest%s%s%s", s->n_ca_names ? " (accepts issuers: " : "",
                           s->n_ca_names ? s->ca_names[0] : "", s->n_ca_names ? (s->n_ca_names > 1 ? ", ...)" : ")") : "");
    }
    if (s->client_chain.seen && s->client_chain.n && sent) {
        const td_cert *x = &s->client_chain.certs[0];
        td_result_evidence(f->r, s->client_chain.packet, "client Certificate: %s <- %s", x->subject ? x->subject : "?", x->issuer ? x->issuer : "?");
    } else if (s->client_chain.seen) {
        td_result_evidence(f->r, s->client_chain.packet, "client Certificate: empty");
    } else if (f->client_enc_first) {
        td_result_evidence(f->r, f->client_enc_first_pkt, "client's encrypted flight starts with a %u-byte record: %s",
                           f->client_enc_first, sent ? "a Certificate with certificates (so the server asked for one)"
                                                     : "an empty Certificate (so the server asked for one)");
    }
}

static void ev_refusal(facts *f, cc_how how, uint64_t pkt, uint64_t resp_bytes)
{
    const td_decrypt_facts *d = f->s->dec;
    if (how == CC_DROPPED && f->tls13) {
        ev_close(f, TD_C2S);
        td_result_evidence(f->r, pkt, "the client sent nothing after the server's encrypted flight and closed; connection "
                                      "#%llu, from this client to the same server and name, showed that the server asks for "
                                      "a client certificate: a browser with none to offer drops the connection so",
                           (unsigned long long)f->asked_sibling);
    } else if (how == CC_DROPPED) {
        ev_close(f, TD_C2S);
        td_result_evidence(f->r, pkt, "the client sent nothing after the server's CertificateRequest, not even an empty "
                                      "Certificate or an alert, and closed: a browser with no certificate to offer does this "
                                      "(the server's certificate shows no defect that would explain it)");
    } else if (how == CC_CLOSE) {
        td_result_evidence(f->r, pkt, "server closed the connection after the client's certificate flight, "
                                      "without an alert and without answering (read with the key log)");
    } else if (how == CC_HTTP && d && d->app_first[TD_S2C] && d->app_first_packet[TD_S2C] == pkt) {
        td_result_evidence(f->r, pkt, "server's decrypted answer: %s", d->app_first[TD_S2C]);
        ev_close(f, TD_S2C);
    } else if (how == CC_HTTP) {
        td_result_evidence(f->r, pkt, "server answered the first request with %llu bytes, then closed the connection itself "
                                      "(an HTTP error page, e.g. nginx's 400 or IIS's 403.7, fits this size)",
                           (unsigned long long)resp_bytes);
        ev_close(f, TD_S2C);
    } else if (f->fatal && f->fatal->from == TD_S2C) {
        ev_alert(f, f->fatal);
    } else if (pkt) {
        td_result_evidence(f->r, pkt, "server answered with one alert-sized encrypted record and no data: it aborted");
    }
}

int match_client_cert_missing(facts *f)
{
    bool sent = false, certain = false;
    uint64_t pkt = 0, resp = 0;
    cc_how how = client_cert_outcome(f, &sent, &certain, &pkt, &resp);
    if (how == CC_NONE || sent) return 0;
    f->r->confidence = certain ? "certain" : "likely";
    rule_var_str(f, "ca", ca_wanted(f));
    ev_client_hello(f);
    ev_server_hello(f);
    ev_client_cert_flight(f, false);
    ev_refusal(f, how, pkt, resp);
    return how == CC_DROPPED ? 2 : 1;
}

int match_client_cert_rejected(facts *f)
{
    bool sent = false, certain = false;
    uint64_t pkt = 0, resp = 0;
    cc_how how = client_cert_outcome(f, &sent, &certain, &pkt, &resp);
    if (how == CC_NONE || !sent) return 0;
    f->r->confidence = certain ? "certain" : "likely";
    rule_var_str(f, "ca", ca_wanted(f));
    rule_var_str(f, "why", f->cc.present && f->cc.expired ? ": it has expired"
                               : f->cc.present && f->cc.not_yet_valid ? ": it is not yet valid" : "");
    ev_client_hello(f);
    ev_server_hello(f);
    ev_client_cert_flight(f, true);
    ev_refusal(f, how, pkt, resp);
    return how == CC_HTTP ? 2 : 1;
}
