/* rule_facts.c - what the rules read, gathered once per connection before the table is tried.
 * That is both chains' checks, what siblings showed, the alert that refused and whether the
 * handshake ended; and the few readings of the transcript that several rules share. */
#include <stddef.h>
#include <string.h>

#include "analyzer/diagnose/chain_cache.h"
#include "analyzer/diagnose/classify_int.h"
#include "analyzer/diagnose/rule_facts_int.h"
#include "analyzer/diagnose/siblings_int.h"
#include "dissectors/dissect.h"

/* A ladder entry that carried TLS (or other payload) bytes, not TCP's own. */
bool rule_is_tls_bytes(const td_event *e)
{
    return e->kind != TD_EV_SYN && e->kind != TD_EV_SYNACK && e->kind != TD_EV_FIN && e->kind != TD_EV_RST && e->kind != TD_EV_GAP;
}

/* Is this alert its sender's answer to the peer's close, not a refusal?  The peer closed (FIN or
 * RST) after the sender had answered everything the peer sent: the sender was waiting, and the
 * alert only says the stream ended (OpenSSL's s_server sends decode_error then).  A ClientHello
 * followed at once by a FIN still gets its refusal counted: nothing answered it before the close. */
static bool alert_answers_close(const facts *f, const td_alert *a)
{
    int peer = !a->from;
    uint64_t closed = rule_first_close_packet(f, peer);
    if (!closed || closed >= a->packet || f->t->n_events >= TD_MAX_EVENTS) return false;
    uint64_t peer_last = 0;                        /* the peer's last TLS bytes before it closed */
    for (size_t i = 0; i < f->t->n_events; i++) {
        const td_event *e = &f->t->events[i];
        if (e->dir == peer && rule_is_tls_bytes(e) && e->packet < closed) peer_last = e->packet;
    }
    if (!peer_last) return false;
    for (size_t i = 0; i < f->t->n_events; i++) {
        const td_event *e = &f->t->events[i];
        if (e->dir == a->from && rule_is_tls_bytes(e) && e->packet > peer_last && e->packet < closed)
            return true;                           /* it had answered the peer's last bytes */
    }
    return false;
}

static void gather(facts *f)
{
    const td_tls *s = f->s;
    const td_inference *in = f->in;
    /* Read with a key log, TLS 1.3 shows what TLS 1.2 shows in the clear: its messages and
     * alerts are facts, and the rules for those apply (f->tls13 stands for "inferred"). */
    f->decrypted = td_tls_decrypted(s);
    f->tls13 = td_version_is_tls13(s->version) && !f->decrypted;
    for (size_t i = 0; i < s->n_alerts; i++) {
        const td_alert *a = &s->alerts[i];
        if (a->level == 2 || (a->encrypted && !(s->finished[0] && s->finished[1]))) {
            if (alert_answers_close(f, a)) {
                if (!f->close_answer) f->close_answer = a;
                continue;
            }
            f->fatal = a;
            break;
        }
    }
    if (f->tls13) {
        /* TLS 1.3: what the protected records held was inferred once, from the whole exchange
         * (analyzer/diagnose/tls13_without_keys.c); the rules only read that. */
        if (in->client_first) {
            const td_record *x = &s->records[in->client_first - 1];
            f->client_enc_first = x->len;
            f->client_enc_first_pkt = x->packet;
        }
        f->client_aborted_13 = in->client_aborted;
        f->server_aborted_after_client_flight = in->server_aborted && in->client_first;
        f->server_abort_pkt = in->server_abort_pkt;
        if (!f->server_abort_pkt && rule_closed_by(f, TD_S2C)) f->server_abort_pkt = rule_close_packet(f, TD_S2C);
        f->hs_done = in->done && in->handshake_complete == 1;
    } else {
        f->hs_done = (s->finished[TD_C2S] && s->finished[TD_S2C]) || (s->app_records[0] && s->app_records[1]);
    }
}

void rule_facts_gather(facts *f, td_classifier *c, const td_transcript *t, td_result *r)
{
    memset(f, 0, offsetof(facts, vars));       /* the variables (6 KB) are set before they are read */
    f->n_vars = 0;
    f->t = t;
    f->s = &t->tls;
    f->tcp = &t->tcp;
    f->r = r;
    f->in = &r->inf;
    f->anchors_named = c->trust.anchors_named;
    /* The capture's clock is input too: hold it to years 1970..9999 before it becomes a time_t. */
    f->when = t->start > 0 ? (t->start < 253402300800.0 ? (int64_t)t->start : 253402300799) : 0;
    const char *host = t->tls.sni;
    X509_STORE *store = td_trust_store_for(&c->trust, t);
    td_cert_cache_check(c->cache, store, &t->tls.server_chain, f->when, host, host ? NULL : t->server.ip, true, &f->sc);
    f->used_sibling = td_siblings_used_with(c->siblings, t);
    if (td_version_is_tls13(t->tls.version) && !t->tls.server_chain.seen) {
        f->borrowed = td_siblings_cert(c->siblings, t);
        f->asked_sibling = td_siblings_asked_client_cert(c->siblings, t);
    }
    td_cert_cache_check(c->cache, store, &t->tls.client_chain, f->when, NULL, NULL, false, &f->cc);
    gather(f);
    f->wire_cause = cert_cause_for(f, NULL);       /* read by several rules: worked out once */
}

/* Alerts a client sends when the server's key exchange, not its certificate, is what failed:
 * decrypt_error (the ServerKeyExchange signature did not verify), illegal_parameter (a bad
 * group or point), decode_error, unexpected_message. */
bool rule_is_key_exchange_alert(uint8_t code) { return code == 51 || code == 47 || code == 50 || code == 10; }

/* The client's first alert after the server's Certificate (a close_notify, mostly), or NULL. */
const td_alert *rule_client_alert_after_chain(const facts *f)
{
    const td_tls *s = f->s;
    for (size_t i = 0; i < s->n_alerts; i++)
        if (s->alerts[i].from == TD_C2S && s->alerts[i].packet > s->server_chain.packet) return &s->alerts[i];
    return NULL;
}

/* Who ended the connection first: the first close_notify (an alert after the handshake, visible
 * or inferred), FIN or RST.  -1 when it is still open. */
int rule_first_closer(const facts *f)
{
    uint64_t first[2] = { UINT64_MAX, UINT64_MAX };
    const td_tls *s = f->s;
    if (f->tls13) {
        for (size_t i = f->in->client_finished; i < s->n_records && f->in->client_finished; i++)
            if (f->in->label[i] == TD_REC_ALERT && s->records[i].packet < first[s->records[i].dir])
                first[s->records[i].dir] = s->records[i].packet;
    } else {
        for (size_t i = 0; i < s->n_alerts; i++) {
            const td_alert *a = &s->alerts[i];
            if ((a->encrypted || a->code == 0) && a->packet > s->server_hello_packet && a->packet < first[a->from])
                first[a->from] = a->packet;
        }
    }
    for (int d = 0; d < 2; d++) {
        if (f->tcp->fin[d] && f->tcp->fin_packet[d] < first[d]) first[d] = f->tcp->fin_packet[d];
        if (f->tcp->rst_packet && f->tcp->rst_from == d && f->tcp->rst_packet < first[d]) first[d] = f->tcp->rst_packet;
    }
    if (first[0] == UINT64_MAX && first[1] == UINT64_MAX) return -1;
    return first[TD_S2C] < first[TD_C2S] ? TD_S2C : TD_C2S;
}
