/* rules_transport.c - the rows before TLS gets going: no answer to the SYN, a refused port,
 * plaintext on either side, a ClientHello never answered, a connection dropped before its hello. */
#include "analyzer/diagnose/result.h"
#include "analyzer/diagnose/rule_facts_int.h"
#include "analyzer/diagnose/rules_int.h"
#include "dissectors/dissect.h"
#include "dissectors/starttls/starttls.h"

int match_no_server_response(facts *f)
{
    const td_tcp *tcp = f->tcp;
    if (!tcp->syn_seen || tcp->synack_seen || tcp->packets[TD_S2C] > 0) return 0;
    if (tcp->packets[TD_C2S] > 1 + tcp->syn_retransmits) return 0;  /* the client went on: one-sided capture */
    f->r->confidence = tcp->syn_retransmits > 0 || tcp->close ? "certain" : "likely";
    td_result_evidence(f->r, f->t->first_packet, "client SYN to %s:%u", f->t->server.ip, f->t->server.port);
    if (tcp->syn_retransmits) {
        char n[48];
        td_result_evidence(f->r, f->t->last_packet, "%s over %.1f s, unanswered",
                           rule_plural(tcp->syn_retransmits, "SYN retransmission", "SYN retransmissions", n, sizeof n),
                           f->t->end - f->t->start);
    }
    rule_var_str(f, "retx", tcp->syn_retransmits ? " or its retransmissions" : "");
    return 1;
}

int match_connection_refused(facts *f)
{
    const td_tcp *tcp = f->tcp;
    if (!tcp->syn_seen || tcp->synack_seen || !tcp->rst_packet || tcp->rst_from != TD_S2C) return 0;
    f->r->confidence = "certain";
    td_result_evidence(f->r, f->t->first_packet, "client SYN to %s:%u", f->t->server.ip, f->t->server.port);
    td_result_evidence(f->r, tcp->rst_packet, "server RST: nothing listens on port %u", f->t->server.port);
    return 1;
}

/* The STARTTLS dialogue's evidence: the capability list, the request, the answer. */
static void ev_starttls(facts *f, const td_starttls *x)
{
    const char *proto = td_stls_proto_name(x->protocol);
    rule_var_str(f, "protocol", proto ? proto : "?");
    if (x->caps_seen)
        td_result_evidence(f->r, x->caps_packet, "server's %s capability list %s STARTTLS", proto,
                           x->offered ? "offers" : "does not offer");
    if (x->requested) td_result_evidence(f->r, x->request_packet, "client asked for STARTTLS");
    if (x->answered)
        td_result_evidence(f->r, x->reply_packet, "server %s it: %s", x->accepted ? "accepted" : "refused", x->reply);
}

/* A STARTTLS dialogue that did not reach TLS because of the server: it refused the command, or
 * did not offer it (and the client gave up, or went on in plaintext). */
int match_starttls_refused(facts *f)
{
    const td_tls *s = f->s;
    const td_starttls *x = s->stls;
    if (!x || !x->protocol || s->starttls || s->client_hello) return 0;
    bool refused = x->requested && x->answered && !x->accepted;
    bool not_offered = x->caps_seen && !x->offered && !(x->requested && !x->answered);
    if (!refused && !not_offered) return 0;
    f->r->confidence = "certain";
    ev_starttls(f, x);
    rule_var_str(f, "reply", x->reply);
    if (refused) return x->caps_seen && !x->offered ? 2 : 1;
    return 3;
}

void rule_starttls_findings(facts *f, uint64_t offered_by)
{
    const td_starttls *x = f->s->stls;
    if (!x || !x->protocol || !x->caps_seen) return;
    const char *proto = td_stls_proto_name(x->protocol);
    if (x->tampered)
        td_result_finding(f->r, "starttls-stripped", "warning",
                          "the server's %s capability list (packet %llu) shows \"%s\" where STARTTLS would be: a "
                          "middlebox overwrote it, as STARTTLS-stripping firewalls do", proto,
                          (unsigned long long)x->caps_packet, x->tamper);
    else if (!x->offered && offered_by && offered_by != f->t->id)
        td_result_finding(f->r, "starttls-stripped", "warning",
                          "the server's %s capability list (packet %llu) lacks STARTTLS, which the same server "
                          "offered on connection #%llu: something on the path may strip it", proto,
                          (unsigned long long)x->caps_packet, (unsigned long long)offered_by);
}

int match_client_not_tls(facts *f)
{
    const td_tls *s = f->s;
    if (!s->not_tls[TD_C2S] || s->starttls || s->client_hello) return 0;
    f->r->confidence = "certain";
    if (s->stls && s->stls->protocol && s->stls->offered && !s->stls->requested) {
        ev_starttls(f, s->stls);                   /* offered, never asked for */
        return 2;
    }
    rule_var_str(f, "what", s->not_tls_what[TD_C2S]);
    td_result_evidence(f->r, s->not_tls_packet[TD_C2S], "client sent %s", s->not_tls_what[TD_C2S]);
    if (s->not_tls[TD_S2C]) td_result_evidence(f->r, s->not_tls_packet[TD_S2C], "server answered %s", s->not_tls_what[TD_S2C]);
    else if (s->n_alerts) ev_alert(f, &s->alerts[0]);
    return 1;
}

int match_server_not_tls(facts *f)
{
    const td_tls *s = f->s;
    if (!s->not_tls[TD_S2C] || s->starttls || s->server_hello) return 0;
    f->r->confidence = "certain";
    rule_var_str(f, "what", s->not_tls_what[TD_S2C]);
    ev_client_hello(f);
    td_result_evidence(f->r, s->not_tls_packet[TD_S2C], "server sent %s", s->not_tls_what[TD_S2C]);
    return 1;
}

/* A server silent this long after a ClientHello is not going to answer (browsers give up sooner). */
#define NO_ANSWER_WAIT 3.0

int match_no_tls_response(facts *f)
{
    const td_tls *s = f->s;
    const td_tcp *tcp = f->tcp;
    if (!s->client_hello || s->server_hello || s->hello_retry || s->n_alerts || tcp->bytes[TD_S2C] > 0 ||
        s->not_tls[TD_S2C] || tcp->gaps[TD_S2C])
        return 0;
    double ch_time = f->t->start;
    for (size_t i = 0; i < f->t->n_events; i++)
        if (f->t->events[i].kind == TD_EV_HANDSHAKE && f->t->events[i].dir == TD_C2S) {
            ch_time = f->t->events[i].ts;
            break;
        }
    double silence = f->t->capture_end - ch_time;
    if (!rule_closed_by(f, TD_S2C) && !rule_closed_by(f, TD_C2S) && silence < NO_ANSWER_WAIT) return 0;
    if (tcp->packets[TD_S2C] == 0 && !tcp->synack_seen) return 0;     /* we see only one side */
    if (rule_narrow_offer_closed(f)) return 0;          /* match_protocol_mismatch's */
    ev_client_hello(f);
    if (rule_closed_by(f, TD_S2C)) {
        f->r->confidence = "certain";
        ev_close(f, TD_S2C);
        if (s->n_offered_versions == 1) {          /* a server that cannot speak it may just close */
            char v[16];
            td_result_finding(f->r, "single-version-offered", "warning",
                              "the client offered only %s: a server that does not speak it may close like this "
                              "instead of sending protocol_version", td_version_label(s->offered_versions[0], v, sizeof v));
        }
        return 1;
    }
    if (rule_closed_by(f, TD_C2S)) {
        f->r->confidence = "certain";
        rule_var_set(f, "waited", "%.1f", f->t->end - f->t->start);
        ev_close(f, TD_C2S);
        return 2;
    }
    f->r->confidence = "likely";
    rule_var_set(f, "waited", "%.1f", silence);
    return 3;
}

/* The server accepted the TCP connection and closed it (a reset, mostly) before any byte came
 * either way: it refused the client before TLS could start (a TLS service out of workers or
 * licences, a TCP wrapper, a load balancer with no healthy backend).  A port probe closes from
 * the client's side instead.  The time from accepting to closing is the evidence. */
int match_closed_before_hello(facts *f)
{
    const td_tcp *tcp = f->tcp;
    if (!tcp->handshake || f->s->client_hello || tcp->bytes[TD_C2S] || tcp->bytes[TD_S2C] || !rule_closed_by(f, TD_S2C)) return 0;
    uint64_t srv = rule_first_close_packet(f, TD_S2C), cli = rule_first_close_packet(f, TD_C2S);
    if (cli && cli < srv) return 0;
    double accepted = 0, closed = 0;
    for (size_t i = 0; i < f->t->n_events; i++) {
        const td_event *e = &f->t->events[i];
        if (e->kind == TD_EV_SYNACK && !accepted) accepted = e->ts;
        if (e->packet == srv && (e->kind == TD_EV_RST || e->kind == TD_EV_FIN) && e->dir == TD_S2C) closed = e->ts;
    }
    f->r->confidence = "certain";
    bool reset = tcp->rst_packet == srv && tcp->rst_from == TD_S2C;
    double us = accepted && closed >= accepted ? (closed - accepted) * 1e6 : -1;
    td_result_evidence(f->r, f->t->first_packet, "client SYN to %s:%u, answered with a SYN-ACK", f->t->server.ip, f->t->server.port);
    if (us >= 0)
        td_result_evidence(f->r, srv, "server %s the connection %.0f %s after accepting it, before the client had sent anything",
                           reset ? "reset" : "closed", us >= 10000 ? us / 1000 : us, us >= 10000 ? "ms" : "\xc2\xb5s");
    else
        td_result_evidence(f->r, srv, "server %s the connection before the client had sent anything", reset ? "reset" : "closed");
    rule_var_str(f, "how", reset ? "reset" : "closed");
    return 1;
}
