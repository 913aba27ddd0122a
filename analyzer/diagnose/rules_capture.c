/* rules_capture.c - the rows about the capture itself: a connection cut short by
 * --max-connections, one captured from one side only, a request the capture saw no answer to, and
 * one that shows too little to judge. */
#include <string.h>

#include "analyzer/diagnose/result.h"
#include "analyzer/diagnose/rule_facts_int.h"
#include "analyzer/diagnose/rules_int.h"

/* Ended by --max-connections before it was over: whatever the packets so far suggest, the
 * capture was not followed to its end. */
int match_evicted(facts *f)
{
    if (!f->t->evicted) return 0;
    f->r->confidence = "certain";
    td_result_evidence(f->r, f->t->first_packet, "first packet of the connection");
    if (f->t->last_packet != f->t->first_packet)
        td_result_evidence(f->r, f->t->last_packet, "last packet seen before it was evicted");
    return 1;
}

/* Only one side of the conversation was captured (asymmetric routing, a one-way tap): whatever
 * follows would be guessed from half the story. */
int match_one_sided(facts *f)
{
    const td_tcp *tcp = f->tcp;
    bool client_only = tcp->packets[TD_S2C] == 0 && tcp->packets[TD_C2S] > 1 + tcp->syn_retransmits;
    bool server_only = tcp->packets[TD_C2S] == 0;
    if (!client_only && !server_only) return 0;
    f->r->confidence = "certain";
    char n[32];
    td_result_evidence(f->r, f->t->first_packet, "first packet, from the %s", client_only ? "client" : "server");
    td_result_evidence(f->r, f->t->last_packet, "last packet: %s, none from the %s",
                       rule_plural(tcp->packets[TD_C2S] + tcp->packets[TD_S2C], "packet", "packets", n, sizeof n),
                       client_only ? "server" : "client");
    rule_var_str(f, "side", client_only ? "client" : "server");
    return 1;
}

int match_incomplete(facts *f)
{
    const td_tls *s = f->s;
    const td_tcp *tcp = f->tcp;
    f->r->confidence = "certain";
    td_result_evidence(f->r, f->t->first_packet, "first packet of the connection");
    if (f->t->last_packet != f->t->first_packet) td_result_evidence(f->r, f->t->last_packet, "last packet of the connection");
    if (tcp->midstream && !s->client_hello) return 1;
    if (!s->client_hello && !tcp->bytes[0] && !tcp->bytes[1] && tcp->handshake) return 2;
    if (tcp->gaps[0] || tcp->gaps[1]) return 3;
    if (!tcp->close && s->client_hello && !s->server_hello) {
        rule_var_set(f, "waited", "%.1f", f->t->capture_end - f->t->start);
        return 4;
    }
    if (!tcp->close) return 5;
    return 6;
}

/* Does the client speak HTTP here (an HTTP ALPN offered, or the server on 443/8443)? */
static bool speaks_http(const facts *f)
{
    const td_tls *s = f->s;
    for (size_t i = 0; i < s->n_alpn_offered; i++)
        if (!strcmp(s->alpn_offered[i], "http/1.1") || !strcmp(s->alpn_offered[i], "h2")) return true;
    return f->t->server.port == 443 || f->t->server.port == 8443;
}

/* After a handshake that worked, the client sent a request and the server nothing at all (no
 * response, no session ticket counted as data, no close) for two seconds or more while the capture
 * ran on, or until the client gave up (its FIN or reset two seconds or more after its last data).  Not ok: the request hung, and nothing here says whether the server was slow or the
 * rest of the request never arrived (a path-MTU black hole seen from the receiving side looks
 * exactly so: the client's full-size segments die on the way, its small request headers arrive). */
/* The client's first FIN or reset, when the server had not closed before it: its time (0: none). */
static double client_gave_up_at(const facts *f)
{
    uint64_t c = rule_first_close_packet(f, TD_C2S), sv = rule_first_close_packet(f, TD_S2C);
    if (!c || (sv && sv < c)) return 0;
    for (size_t i = 0; i < f->t->n_events; i++) {
        const td_event *e = &f->t->events[i];
        if ((e->kind == TD_EV_FIN || e->kind == TD_EV_RST) && e->packet == c) return e->ts;
    }
    return 0;
}

int match_unanswered(facts *f)
{
    const td_tls *s = f->s;
    const td_result *r = f->r;
    const td_tcp *tcp = f->tcp;
    if (!tcp->handshake || !(f->hs_done || (s->resumed && s->finished[TD_C2S])) || !r->app_records[TD_C2S] ||
        r->app_records[TD_S2C] || !speaks_http(f))
        return 0;
    /* Open at the end of the capture, or closed by the client after waiting for the answer (a timeout). */
    double gave_up = tcp->close ? client_gave_up_at(f) : 0;
    double last_sent = f->t->path ? f->t->path->last_data_ts[TD_C2S] : 0;
    double waited = !tcp->close ? f->t->capture_end - f->t->end : gave_up && last_sent ? gave_up - last_sent : 0;
    if (waited < 2.0) return 0;
    f->r->confidence = "likely";
    rule_var_set(f, "bytes", "%llu", (unsigned long long)r->app_bytes[TD_C2S]);
    rule_var_set(f, "waited", "%.1f", waited);
    ev_client_hello(f);
    ev_server_hello(f);
    td_result_evidence(f->r, r->first_app_packet[TD_C2S], "client application data: %llu bytes, no answer",
                       (unsigned long long)r->app_bytes[TD_C2S]);
    if (tcp->close) {
        uint64_t c = rule_first_close_packet(f, TD_C2S);
        td_result_evidence(f->r, c, "the client gave up (%s) %.1f s after the last of its data, nothing having come "
                           "from the server", rule_close_word(f, c), waited);
        return 2;
    }
    td_result_evidence(f->r, f->t->last_packet, "last packet of the connection; the capture ran on %.1f s, the "
                       "connection still open", waited);
    return 1;
}
