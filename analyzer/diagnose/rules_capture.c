/* rules_capture.c - the rows about the capture itself: a connection cut short by
 * --max-connections, one captured from one side only, and one that shows too little to judge. */
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
