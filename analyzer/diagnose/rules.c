/* rules.c - the verdict table.
 *
 * Each row names its verdict, the section of KB Q197306 it answers, and the summary and remedy
 * it prints, as templates whose {variables} the match sets.  A match function only decides: it
 * returns 0 when its symptom is absent, else which of the row's texts applies (1, 2, ...), and
 * records the evidence (packets) and the variables the texts name.  Rows are in handshake
 * order: the first that matches is the first thing that went wrong.  A verdict is "certain"
 * when the packets show it in the clear and "likely" when it is inferred (TLS 1.3 hides
 * certificates and most alerts: the keyless inference of analyzer/diagnose/tls13_without_keys.c, order and the
 * passive certificate checks stand in for them).  A new symptom is a new row. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

#include <openssl/err.h>

#include "analyzer/diagnose/chain_cache.h"
#include "analyzer/diagnose/classify_int.h"
#include "dissectors/dissect.h"
#include "analyzer/diagnose/rule_facts_int.h"
#include "analyzer/diagnose/siblings.h"

/* ---- what the rules look at --------------------------------------------------------------- */

/* A ladder entry that carried TLS (or other payload) bytes, not TCP's own. */
static bool is_tls_bytes(const td_event *e)
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
        if (e->dir == peer && is_tls_bytes(e) && e->packet < closed) peer_last = e->packet;
    }
    if (!peer_last) return false;
    for (size_t i = 0; i < f->t->n_events; i++) {
        const td_event *e = &f->t->events[i];
        if (e->dir == a->from && is_tls_bytes(e) && e->packet > peer_last && e->packet < closed)
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

static const char *ca_wanted(const facts *f)
{
    return f->s->n_ca_names ? f->s->ca_names[0] : "a CA the server trusts";
}

/* ---- the rules ---------------------------------------------------------------------------- */

/* Ended by --max-connections before it was over: whatever the packets so far suggest, the
 * capture was not followed to its end. */
static int m_evicted(facts *f)
{
    if (!f->t->evicted) return 0;
    f->r->confidence = "certain";
    td_result_evidence(f->r, f->t->first_packet, "first packet of the connection");
    if (f->t->last_packet != f->t->first_packet)
        td_result_evidence(f->r, f->t->last_packet, "last packet seen before it was evicted");
    return 1;
}

static int m_no_server_response(facts *f)
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

/* Only one side of the conversation was captured (asymmetric routing, a one-way tap): whatever
 * follows would be guessed from half the story. */
static int m_one_sided(facts *f)
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

static int m_connection_refused(facts *f)
{
    const td_tcp *tcp = f->tcp;
    if (!tcp->syn_seen || tcp->synack_seen || !tcp->rst_packet || tcp->rst_from != TD_S2C) return 0;
    f->r->confidence = "certain";
    td_result_evidence(f->r, f->t->first_packet, "client SYN to %s:%u", f->t->server.ip, f->t->server.port);
    td_result_evidence(f->r, tcp->rst_packet, "server RST: nothing listens on port %u", f->t->server.port);
    return 1;
}

static int m_client_not_tls(facts *f)
{
    const td_tls *s = f->s;
    if (!s->not_tls[TD_C2S] || s->starttls || s->client_hello) return 0;
    f->r->confidence = "certain";
    rule_var_str(f, "what", s->not_tls_what[TD_C2S]);
    td_result_evidence(f->r, s->not_tls_packet[TD_C2S], "client sent %s", s->not_tls_what[TD_C2S]);
    if (s->not_tls[TD_S2C]) td_result_evidence(f->r, s->not_tls_packet[TD_S2C], "server answered %s", s->not_tls_what[TD_S2C]);
    else if (s->n_alerts) ev_alert(f, &s->alerts[0]);
    return 1;
}

static int m_server_not_tls(facts *f)
{
    const td_tls *s = f->s;
    if (!s->not_tls[TD_S2C] || s->starttls || s->server_hello) return 0;
    f->r->confidence = "certain";
    rule_var_str(f, "what", s->not_tls_what[TD_S2C]);
    ev_client_hello(f);
    td_result_evidence(f->r, s->not_tls_packet[TD_S2C], "server sent %s", s->not_tls_what[TD_S2C]);
    return 1;
}

/* The server closed without a word on a ClientHello whose versions are few and far from the
 * usual: TLS 1.3 alone (only supported_versions can say that), or nothing above TLS 1.1.  A
 * server that speaks none of them may close like this instead of sending protocol_version
 * (Python's ssl module, some appliances).  A ClientHello whose legacy version is TLS 1.2 and
 * that lists no versions offers TLS 1.0 to 1.2, which nearly every server speaks. */
static bool narrow_offer_closed(const facts *f)
{
    const td_tls *s = f->s;
    bool narrow = s->n_offered_versions == 1 && (s->offered_versions[0] == 0x0304 || s->offered_versions[0] < 0x0303);
    return s->client_hello && !s->server_hello && !s->hello_retry && !s->n_alerts && f->tcp->bytes[TD_S2C] == 0 &&
           narrow && rule_closed_by(f, TD_S2C) &&
           (!rule_closed_by(f, TD_C2S) || rule_close_packet(f, TD_S2C) < rule_close_packet(f, TD_C2S));
}

/* The server chose a version the client did not offer: a client that lists its versions
 * (supported_versions, so TLS 1.3 is among them) answered in an older one it left out.  RFC
 * 8446 4.1.3 has it abort; some stacks reset or just close. */
static bool version_not_offered(const facts *f)
{
    const td_tls *s = f->s;
    if (!s->server_hello || !s->version || s->hello_retry) return false;
    bool listed = false, offered = false;
    for (size_t i = 0; i < s->n_offered_versions; i++) {
        if (s->offered_versions[i] == 0x0304) listed = true;
        if (s->offered_versions[i] == s->version) offered = true;
    }
    return listed && !offered;
}

/* A server silent this long after a ClientHello is not going to answer (browsers give up sooner). */
#define NO_ANSWER_WAIT 3.0

static int m_no_tls_response(facts *f)
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
    if (narrow_offer_closed(f)) return 0;          /* m_protocol_mismatch's */
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
static int m_closed_before_hello(facts *f)
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

/* {offered}: the versions the ClientHello offered, "TLS1.3 TLS1.2". */
static void offered_versions_var(facts *f)
{
    const td_tls *s = f->s;
    char offered[96] = "";
    size_t o = 0;
    for (size_t i = 0; i < s->n_offered_versions && o + 16 < sizeof offered; i++) {
        char v[16];
        o += (size_t)snprintf(offered + o, sizeof offered - o, "%s%s", i ? " " : "", td_version_label(s->offered_versions[i], v, sizeof v));
    }
    rule_var_str(f, "offered", offered);
}

static bool is_mismatch_alert(uint8_t code) { return code == 40 || code == 70 || code == 71 || code == 86; }

static int m_protocol_mismatch(facts *f)
{
    const td_tls *s = f->s;
    const td_alert *a = f->fatal;
    if (s->sslv2_error == 1 && s->sslv2_error_from == TD_S2C) {     /* SSLv2 NO-CIPHER-ERROR */
        f->r->confidence = "certain";
        ev_client_hello(f);
        td_result_evidence(f->r, s->sslv2_error_packet, "server SSLv2 ERROR NO-CIPHER-ERROR");
        return 5;
    }
    if (narrow_offer_closed(f)) {
        f->r->confidence = "likely";
        char b[16];
        const char *v = td_version_label(s->offered_versions[0], b, sizeof b);   /* b, or a static name */
        rule_var_str(f, "offered", v);
        ev_client_hello(f);
        ev_close(f, TD_S2C);
        td_result_evidence(f->r, rule_close_packet(f, TD_S2C), "the server closed without answering and without an alert: "
                                                                "a server that does not speak %s closes like this (Python's ssl "
                                                                "module does), as does one that answers no TLS at all", v);
        return 6;
    }
    if (version_not_offered(f) && !s->ccs[TD_C2S] && (a ? a->from == TD_C2S : rule_closed_by(f, TD_C2S))) {
        f->r->confidence = "certain";
        char v[16];
        rule_var_str(f, "chosen", td_version_label(s->version, v, sizeof v));
        offered_versions_var(f);
        ev_client_hello(f);
        ev_server_hello(f);
        if (a) ev_alert(f, a);
        else ev_close(f, TD_C2S);
        return 7;
    }
    if (!a || a->encrypted || !is_mismatch_alert(a->code) || !s->client_hello) return 0;
    /* The server refuses the ClientHello, or the client refuses the ServerHello's choice. */
    bool server_refuses = a->from == TD_S2C && !s->server_hello;
    bool client_refuses = a->from == TD_C2S && s->server_hello && !s->server_chain.seen && !f->tls13;
    bool client_refuses13 = a->from == TD_C2S && s->server_hello && f->tls13 &&
                            (!f->client_enc_first_pkt || a->packet < f->client_enc_first_pkt);
    if (!server_refuses && !client_refuses && !client_refuses13) return 0;
    f->r->confidence = "certain";
    rule_var_str(f, "why", a->code == 70 ? "no TLS version in common"
                               : a->code == 71 ? "the client's offer is below the server's security minimum"
                               : a->code == 86 ? "a fallback to an older version was refused"
                                               : "no cipher suite (or group) in common");
    char n[32];
    offered_versions_var(f);
    rule_var_str(f, "suites", rule_plural(s->n_offered_ciphers_total, "cipher suite", "cipher suites", n, sizeof n));
    ev_client_hello(f);
    ev_server_hello(f);
    ev_alert(f, a);
    if (a->from == TD_S2C) return a->code == 70 ? 1 : 2;
    return a->code == 70 ? 3 : 4;
}

/* SSL 2.0 or 3.0 negotiated: whatever else happens, the protocol itself is the problem (RFC 6176,
 * RFC 7568); a client that still needs it must be replaced. */
static int m_obsolete_protocol(facts *f)
{
    const td_tls *s = f->s;
    bool ssl2 = s->sslv2_server_hello;
    bool ssl3 = s->server_hello && s->version == 0x0300;
    if (!ssl2 && !ssl3) return 0;
    f->r->confidence = "certain";
    rule_var_str(f, "proto", ssl2 ? "SSL 2.0" : "SSL 3.0");
    ev_client_hello(f);
    if (ssl2) td_result_evidence(f->r, s->server_hello_packet, "server SERVER-HELLO: SSL 2.0");
    else ev_server_hello(f);
    return 1;
}

static int first_closer(const facts *f);

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

/* Alerts a client sends when the server's key exchange, not its certificate, is what failed:
 * decrypt_error (the ServerKeyExchange signature did not verify), illegal_parameter (a bad
 * group or point), decode_error, unexpected_message. */
static bool is_key_exchange_alert(uint8_t code) { return code == 51 || code == 47 || code == 50 || code == 10; }

/* The client's first alert after the server's Certificate (a close_notify, mostly), or NULL. */
static const td_alert *client_alert_after_chain(const facts *f)
{
    const td_tls *s = f->s;
    for (size_t i = 0; i < s->n_alerts; i++)
        if (s->alerts[i].from == TD_C2S && s->alerts[i].packet > s->server_chain.packet) return &s->alerts[i];
    return NULL;
}

/* The packet of the server's ServerKeyExchange in the clear, 0 if none. */
static uint64_t server_key_exchange_packet(const facts *f)
{
    for (size_t i = 0; i < f->t->n_events; i++) {
        const td_event *e = &f->t->events[i];
        if (e->kind == TD_EV_HANDSHAKE && e->dir == TD_S2C && e->sub == 12) return e->packet;
    }
    return 0;
}

static uint64_t dropped_at_cert_request(const facts *f);

/* Did the client reject the server's certificate?  Sets *seen (the refusal itself is certain:
 * an alert read, or a silence every record of which was read), *cause (which defect, and how
 * strongly the capture supports it) and the packet. */
static bool client_rejected_server_cert(facts *f, bool *seen, cert_cause *cause, uint64_t *pkt)
{
    const td_tls *s = f->s;
    const td_alert *a = f->fatal;
    if (!s->server_hello) return false;
    if (a && a->from == TD_S2C) return false;      /* the server gave up first: not the client's refusal */
    if (a && a->from == TD_C2S && !a->encrypted && is_key_exchange_alert(a->code)) return false;
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
        bool silent = !f->client_enc_first && !s->client_chain.seen && rule_closed_by(f, TD_C2S) && s->records_total[TD_S2C] > 0;
        /* Or it finished the handshake and left without a request (curl, wget and GnuTLS check
         * the certificate after the handshake), and, as the TLS 1.2 rule below asks, the
         * certificate has a defect of its own: here, as a sibling was shown it for the same name.
         * How it leaves (close_notify, FIN or a reset with the tickets unread) is each stack's
         * habit and timing, and a probe leaves the same ways (HAProxy's checks reset). */
        bool sibling_defect = f->borrowed && f->borrowed->n_causes && f->borrowed->causes[0].strength >= EV_WIRE;
        bool left_after = f->hs_done && !f->r->app_records[TD_C2S] && !s->resumed && !f->used_sibling && first_closer(f) == TD_C2S &&
                          sibling_defect;
        if (!f->client_aborted_13 && !silent && !left_after) return false;
        if (silent && dropped_at_cert_request(f)) return false;   /* m_client_cert_missing's */
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
     * its own; else m_client_cert_missing's "dropped at the CertificateRequest".) */
    if (s->server_chain.seen && !went_on && rule_closed_by(f, TD_C2S) &&
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
    const td_alert *bye = client_alert_after_chain(f);   /* close_notify: the client closed TLS in order */
    if (s->server_chain.seen && f->hs_done && !f->r->app_records[TD_C2S] && !s->resumed && first_closer(f) == TD_C2S &&
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

static int m_unknown_ca(facts *f) { return cert_rule(f, CERT_UNTRUSTED); }
static int m_incomplete_chain(facts *f) { return cert_rule(f, CERT_INCOMPLETE); }

static int m_name_mismatch(facts *f) { return cert_rule(f, CERT_NAME); }
static int m_server_cert_expired(facts *f) { return cert_rule(f, CERT_DATES); }
static int m_server_cert_rejected(facts *f) { return cert_rule(f, CERT_OTHER); }

/* How the server refused a client certificate, or its absence. */
typedef enum { CC_NONE, CC_ALERT, CC_HTTP, CC_CLOSE, CC_DROPPED } cc_how;

/* The server asked for a client certificate and the client, sending nothing more (no Certificate,
 * no key exchange, no alert), closed the connection: what a browser with no certificate to offer
 * does (Chromium, twice, before it comes back with an empty one).  TLS 1.2 shows the request;
 * TLS 1.3 without keys hides it, and a sibling that showed this server asks stands in, unless the
 * certificate a sibling was shown has a defect of its own.  The packet of the close, 0 if not so. */
static uint64_t dropped_at_cert_request(const facts *f)
{
    const td_tls *s = f->s;
    if (s->client_chain.seen || !rule_closed_by(f, TD_C2S)) return 0;
    if (rule_closed_by(f, TD_S2C) && rule_first_close_packet(f, TD_S2C) < rule_first_close_packet(f, TD_C2S)) return 0;
    if (f->tls13) {
        if (!f->asked_sibling || f->client_enc_first) return 0;
        if (f->borrowed && f->borrowed->n_causes && f->borrowed->causes[0].strength >= EV_WIRE) return 0;
    } else {
        if (!s->cert_requested || s->ccs[TD_C2S]) return 0;
        for (size_t i = 0; i < f->t->n_events; i++) {
            const td_event *e = &f->t->events[i];
            if (e->dir == TD_C2S && e->packet > s->cert_request_packet && is_tls_bytes(e)) return 0;
        }
    }
    return rule_first_close_packet(f, TD_C2S);
}

/* The server asked for a client certificate (seen in TLS 1.2, inferred in TLS 1.3 from the
 * client's Certificate) and the client's answer was empty (*sent false) or a certificate. */
static bool client_cert_answer(const facts *f, bool *sent)
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

/* Who ended the connection first: the first close_notify (an alert after the handshake, visible
 * or inferred), FIN or RST.  -1 when it is still open. */
static int first_closer(const facts *f)
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

/* Was the server's whole answer one short response (what an error page looks like)?  *bytes: its size. */
static bool short_answer(const facts *f, uint64_t *bytes)
{
    uint64_t records = f->tls13 ? f->in->response_records : f->s->app_records[TD_S2C];
    *bytes = f->tls13 ? f->in->response_bytes : f->s->app_data[TD_S2C];
    return records && records <= 3 && *bytes <= REFUSAL_MAX_BYTES;
}

static bool http_refusal(facts *f, uint64_t *resp_bytes, uint64_t *resp_pkt)
{
    if (!f->hs_done || !f->r->app_records[TD_C2S] || first_closer(f) != TD_S2C) return false;
    if (!short_answer(f, resp_bytes)) return false;
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
    uint64_t dropped = dropped_at_cert_request(f);
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
    if (!client_cert_answer(f, sent)) return CC_NONE;
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
     * (m_ok) until a key log shows the answer. */
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

static int m_client_cert_missing(facts *f)
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

static int m_client_cert_rejected(facts *f)
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

static int m_handshake_aborted(facts *f)
{
    const td_tls *s = f->s;
    const td_tcp *tcp = f->tcp;
    if (f->hs_done || !s->client_hello) return 0;
    char b[96];
    if (f->fatal) {
        f->r->confidence = "certain";
        rule_var_str(f, "alert", rule_alert_text(f->fatal, b, sizeof b));
        rule_var_str(f, "who", rule_who(f->fatal->from));
        ev_client_hello(f);
        ev_server_hello(f);
        uint64_t ske = server_key_exchange_packet(f);
        bool on_kx = f->fatal->from == TD_C2S && !f->fatal->encrypted && is_key_exchange_alert(f->fatal->code) && ske &&
                     ske < f->fatal->packet;
        if (on_kx) {
            td_result_evidence(f->r, ske, "server ServerKeyExchange");
            if (s->server_chain.seen)
                td_result_evidence(f->r, f->fatal->packet, "the client's alert answers the key exchange, not the certificate "
                                                            "(a refused certificate is answered with bad_certificate, unknown_ca, ...)");
        }
        ev_alert(f, f->fatal);
        if (on_kx) {
            rule_var_str(f, "cause", f->fatal->code == 51   ? "the client could not verify the signature of the server's key exchange"
                                     : f->fatal->code == 47 ? "the client found a parameter of the server's key exchange invalid (group, point or signature scheme)"
                                     : f->fatal->code == 50 ? "the client could not decode the server's key exchange"
                                                            : "the client did not expect the server's key exchange message there");
            return 5;
        }
        return 1;
    }
    if (f->client_aborted_13 || f->server_aborted_after_client_flight) {
        int dir = f->client_aborted_13 ? TD_C2S : TD_S2C;
        f->r->confidence = "likely";
        rule_var_str(f, "who", rule_who(dir));
        ev_client_hello(f);
        ev_server_hello(f);
        td_result_evidence(f->r, dir == TD_C2S ? f->client_enc_first_pkt : f->server_abort_pkt,
                           "%s sent an alert-sized encrypted record where the handshake was to go on", rule_who(dir));
        ev_close(f, dir);
        return 4;
    }
    if (tcp->rst_packet) {
        f->r->confidence = "certain";
        rule_var_str(f, "who", rule_who(tcp->rst_from));
        ev_client_hello(f);
        ev_server_hello(f);
        ev_close(f, tcp->rst_from);
        return 2;
    }
    if (tcp->close && !tcp->gaps[0] && !tcp->gaps[1] && (s->server_hello || s->hello_retry)) {
        int dir = tcp->closed_by == TD_BY_CLIENT ? TD_C2S : TD_S2C;
        f->r->confidence = "likely";
        rule_var_str(f, "who", rule_who(dir));
        ev_client_hello(f);
        ev_server_hello(f);
        ev_close(f, dir);
        return 3;
    }
    return 0;
}

static int m_ok(facts *f)
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
    if (r->first_app_packet[0]) td_result_evidence(f->r, r->first_app_packet[0], "client application data: %llu bytes", (unsigned long long)r->app_bytes[0]);
    if (r->first_app_packet[1]) td_result_evidence(f->r, r->first_app_packet[1], "server application data: %llu bytes", (unsigned long long)r->app_bytes[1]);
    if (!s->server_hello) return 2;             /* the handshake is not in the capture */
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
    if (f->tls13 && !r->app_records[TD_C2S] && !s->resumed && first_closer(f) == TD_C2S && !f->used_sibling)
        td_result_finding(f->r, "certificate-unread", "warning",
                          "the client left without a request after the handshake, as a probe does, or a client that refused "
                          "the certificate after it (curl, wget, Node); TLS 1.3 hides it: read with the client's key log (--keylog)");
    /* The server asked for a client certificate: one short answer, then the end, may be its
     * refusal in HTTP (an error page looks just like a small page without keys). */
    bool sent = false;
    uint64_t bytes = 0;
    if (client_cert_answer(f, &sent)) {
        /* Read with a key log, the answer's status line is known (a refusal matched a rule above). */
        bool answer_read = f->decrypted && s->dec->app_first[TD_S2C];
        bool doubt = short_answer(f, &bytes) && f->tcp->close && !answer_read;
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
    if (!f->tls13 && !f->decrypted && f->hs_done && !r->app_records[TD_C2S] && !s->resumed && !f->used_sibling && s->server_chain.seen) {
        const td_alert *bye = client_alert_after_chain(f);
        if (bye && bye->encrypted && f->wire_cause.reason != CERT_OTHER && f->wire_cause.strength == EV_STORE) {
            f->r->confidence = "likely";
            td_result_finding(f->r, "client-alert-unread", "warning",
                              "the client ended the connection right after the handshake with an encrypted alert (pkt %llu) and "
                              "no request: close_notify from a probe, or a fatal alert refusing the certificate, whose issuer "
                              "this machine's store does not trust either; give the client's roots (--cacert) or its key log",
                              (unsigned long long)bye->packet);
        }
    }
    if (!s->sni && f->sc.name_checked && !f->sc.name_ok && !r->app_records[TD_C2S]) {
        f->r->confidence = "likely";               /* it may have refused the name: nothing says */
        td_result_finding(f->r, "name-unverified", "warning",
                          "the client sent no server name (SNI) and closed without a request; if it connected by the address %s, "
                          "the certificate does not cover it", f->t->server.ip);
    }
    return 1;
}

static int m_incomplete(facts *f)
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

#define KB_STD "Standard SSL Connectivity"
#define KB_MMC "Microsoft Management Console (MMC)"
#define KB_KEYMGR "Key Manager"
#define KB_CLIENT "SSL with Client Certificates"
#define KB_SCHANNEL "SSL with Client Certificates: the closing Schannel service-pack note"

#define REM_CIPHER "Enable a common cipher suite: ECDHE with AES-GCM or ChaCha20-Poly1305 (TLS 1.2) and the TLS 1.3 " \
                   "suites on both sides; check the server's key type matches the suites offered, and update old clients."
#define REM_VERSION "Enable a common TLS version: TLS 1.2 and 1.3 on the server, and update or reconfigure clients " \
                    "that offer only older (or only newer) versions than the server allows."
#define REM_CLIENT_CERT_MISSING "Install a client certificate and its private key, issued by {ca}, and configure the client " \
                                "to present it (a browser's empty certificate dialog means it has none that fits)."
#define REM_CLIENT_CERT_REJECTED "Give the client a certificate the server accepts: within its validity period, issued by " \
                                 "{ca}, not corrupt or revoked; or add its issuer to the server's trusted client CAs."
#define REM_NAME "Issue the certificate with {name} in its subjectAltName (it covers: {covers}), or have clients use a " \
                 "name it lists. Several HTTPS sites on one address need SNI-based certificate selection (or one " \
                 "certificate naming them all)."

typedef struct rule {
    td_verdict verdict;
    const char *kb_section;        /* KB Q197306 section, or NULL */
    int (*match)(facts *f);        /* 0: not this; else which text below (1-based) */
    const char *summary[7];
    const char *remedy[7];         /* NULL: the first one; all NULL: no remedy */
} rule;

static const rule rules[] = {
    { TD_V_INCOMPLETE, NULL, m_evicted,
      { "tlsdiag stopped following this connection before it ended: the connection table was full "
        "(--max-connections), and it was the one idle longest" },
      { "Raise --max-connections, or split the capture across processes with --shard K/N so that each holds "
        "fewer connections at once." } },
    { TD_V_NO_SERVER_RESPONSE, KB_STD, m_no_server_response,
      { "nothing answered the client's SYN{retx}: no SYN-ACK, no RST" },
      { "Nothing on the path answered port {port}: check that the server is up at {server_ip} and that firewalls, "
        "security groups, routers or a proxy's packet filter let TCP port {port} through to it." } },
    { TD_V_INCOMPLETE, NULL, m_one_sided,
      { "only the {side}'s side of this connection is in the capture (the other side's packets took another path "
        "or were not captured)" },
      { "Capture where both directions pass (on the server or the client itself, or a tap/SPAN port that mirrors "
        "both directions); with asymmetric routing, capture on both paths and merge the files." } },
    { TD_V_CONNECTION_REFUSED, KB_MMC, m_connection_refused,
      { "the server refused the connection: its port {port} answered the SYN with a reset" },
      { "The host answers but nothing listens on port {port}: start the TLS service, or set the site's SSL port to "
        "{port} and bind it to {server_ip} (or point the client at the port the service really uses)." } },
    { TD_V_CLIENT_NOT_TLS, KB_MMC, m_client_not_tls,
      { "the client spoke plaintext to the TLS port {port} ({what})" },
      { "Use https:// (or the client's TLS option) for port {port}; use http:// only with the plain-HTTP port." } },
    { TD_V_SERVER_NOT_TLS, KB_MMC, m_server_not_tls,
      { "the server answered the ClientHello with plaintext, not TLS ({what})" },
      { "TLS is not enabled on {server_ip}:{port}: enable SSL/TLS for this site and port (bind a certificate to it), "
        "or point the client at the port that speaks TLS." } },
    { TD_V_NO_TLS_RESPONSE, KB_KEYMGR, m_no_tls_response,
      { "the server accepted TCP but closed without answering the ClientHello",
        "the server accepted TCP but never answered the ClientHello; the client gave up after {waited} s",
        "the server accepted TCP but had not answered the ClientHello when the capture ended, {waited} s later" },
      { "Something accepts TCP on {server_ip}:{port} but no TLS answers: make sure the TLS service owns this port, "
        "that a certificate is bound to this IP and port (and the change was committed and the service restarted), "
        "and that its TLS filter/module is loaded." } },
    { TD_V_NO_TLS_RESPONSE, KB_KEYMGR, m_closed_before_hello,
      { "the server accepted TCP, then {how} the connection at once, before the client could send its ClientHello" },
      { "The service on {server_ip}:{port} accepts connections and drops them at once: check its log for refused "
        "connections (worker or licence limits, a TCP wrapper or access list), and, behind a load balancer, that a "
        "healthy TLS backend is there." } },
    { TD_V_PROTOCOL_MISMATCH, KB_SCHANNEL, m_protocol_mismatch,
      { "the server refused the ClientHello: no TLS version in common (the client offered {offered})",
        "the server refused the ClientHello: {why} (the client offered {offered} with {suites})",
        "the client refused the server's choice of version: {why}",
        "the client refused the server's choice of parameters: {why}",
        "the server refused the client's SSLv2 hello: no cipher in common (NO-CIPHER-ERROR)",
        "the server closed the connection on a ClientHello that offered only {offered}: most likely it does not speak it",
        "the server answered in {chosen}, which the client did not offer ({offered}), and the client gave up" },
      { REM_VERSION, REM_CIPHER, REM_VERSION, REM_CIPHER,
        "The client speaks only SSL 2.0, which no current server accepts: update or replace it so that it "
        "speaks TLS 1.2 or 1.3.",
        REM_VERSION, REM_VERSION } },
    { TD_V_OBSOLETE_PROTOCOL, KB_SCHANNEL, m_obsolete_protocol,
      { "the connection uses {proto}, which is broken and disabled by every current TLS stack" },
      { "Replace or update the client and the server so that both speak TLS 1.2 or 1.3, and disable {proto} on "
        "both; a peer that can speak nothing newer has to go." } },
    { TD_V_UNKNOWN_CA, KB_STD, m_unknown_ca,
      { "{refused}: {its} issuer {root} is not trusted",
        "{refused}: {its} issuer is not trusted",
        "{refused}: {its} issuer {missing} is not trusted (the server sent its certificate alone, so {missing} is "
        "a root the client lacks or an intermediate the server left out)" },
      { "The chain ends at {root}, which the client does not trust: install {root} in the client's trust store, or "
        "use a certificate from a CA the clients already trust.",
        NULL,
        "If {missing} is your own (private) CA, install it in the clients' trust stores; if it is an intermediate, "
        "configure the server to send it after its certificate." } },
    { TD_V_INCOMPLETE_CHAIN, KB_STD, m_incomplete_chain,
      { "{refused}: the server sent {it} without its intermediate {missing}" },
      { "Install the full chain on the server: its certificate followed by the intermediate {missing}{url}, so that "
        "clients can reach a root they trust." } },
    { TD_V_NAME_MISMATCH, KB_STD, m_name_mismatch,
      { "{refused}: {it} is not valid for {name}" },
      { REM_NAME } },
    { TD_V_SERVER_CERT_EXPIRED, KB_KEYMGR, m_server_cert_expired,
      { "{refused}: {it} has expired",
        "{refused}: {it} is not yet valid" },
      { "Renew the server certificate (valid {not_before} .. {not_after}) and install the new one; check the clocks "
        "of the server and the clients." } },
    { TD_V_SERVER_CERT_REJECTED, KB_KEYMGR, m_server_cert_rejected,
      { "the client rejected the server certificate",
        "the client rejected the server certificate (the passive checks find nothing wrong with it)",
        "{refused}: {weak}" },
      { "See the client's error log for the reason; check the certificate's key usage and extended key usage, its "
        "key size and signature algorithm, and whether it has been revoked." } },
    { TD_V_CLIENT_CERT_MISSING, KB_CLIENT, m_client_cert_missing,
      { "the server requires a client certificate and the client sent none",
        "the server asked for a client certificate and the client, with none to offer, dropped the connection" },
      { REM_CLIENT_CERT_MISSING } },
    { TD_V_CLIENT_CERT_REJECTED, KB_CLIENT, m_client_cert_rejected,
      { "the server rejected the client certificate{why}",
        "the server did not accept the client certificate{why}: it refused the request inside TLS (an HTTP "
        "error, then it closed)" },
      { REM_CLIENT_CERT_REJECTED } },
    { TD_V_HANDSHAKE_ABORTED, NULL, m_handshake_aborted,
      { "the handshake was aborted: {alert}",
        "the {who} reset the connection during the handshake",
        "the {who} closed the connection during the handshake, without an alert",
        "the {who} aborted the handshake with an encrypted alert",
        "the handshake failed on the key exchange, not the certificate: {cause} ({alert})" },
      { "The {who} gave up the handshake; its log says why (the alert names the reason).",
        "The {who} reset the connection mid-handshake: look at its log, or at a middlebox (IPS, proxy, load "
        "balancer) that resets TLS it dislikes.",
        "The {who} gave up the handshake silently; its log says why.",
        "The {who} gave up the handshake; its log says why (the alert is encrypted).",
        "The server's ServerKeyExchange did not pass the client's checks: make sure the server's key matches its "
        "certificate, that both sides share a signature scheme and group, and that no middlebox rewrites the "
        "handshake; update a client or server whose TLS library is known to mis-sign." } },
    { TD_V_OK, NULL, m_ok,
      { "handshake completed ({version}, {cipher}){data}",
        "application data flowed both ways: the connection works (its handshake is not in the capture, so its "
        "version and cipher are unknown)" },
      { NULL } },
    { TD_V_INCOMPLETE, NULL, m_incomplete,
      { "the connection started before the capture: its handshake is not in it",
        "a TCP connection that carried no data (a port probe or a health check)",
        "packets missing from the capture hide the handshake",
        "the capture ended {waited} s after the ClientHello, before the server answered",
        "the capture ended before the handshake did",
        "the capture does not show enough of this connection to judge it" },
      { "Capture from before the connection starts until after it ends, whole packets (snap length 0), on a host "
        "or port that sees both directions." } },
};

/* What this connection showed of the server's certificate, for a sibling that TLS 1.3 hides it
 * from (analyzer/diagnose/siblings.c). */
static void remember_cert(td_classifier *c, facts *f)
{
    const td_chain *ch = &f->s->server_chain;
    if (!c->siblings || !f->sc.present || !ch->seen || !ch->n) return;
    td_sibling_cert b;
    memset(&b, 0, offsetof(td_sibling_cert, name));
    b.n_causes = cert_causes(f, b.causes);
    if (!b.n_causes) {                             /* nothing wrong: no texts to keep */
        b.name[0] = '\0';
        td_siblings_remember_cert(c->siblings, f->t, &b);
        return;
    }
    const td_cert *leaf = &ch->certs[0];
    snprintf(b.name, sizeof b.name, "%s", f->sc.name);
    snprintf(b.covers, sizeof b.covers, "%s%s", leaf->n_san ? leaf->san[0] : leaf->subject ? leaf->subject : "?",
             leaf->n_san > 1 ? ", ..." : "");
    snprintf(b.not_before, sizeof b.not_before, "%s", leaf->not_before);
    snprintf(b.not_after, sizeof b.not_after, "%s", leaf->not_after);
    snprintf(b.root, sizeof b.root, "%s", f->sc.untrusted_root);
    if (!cert_weak_text(f, b.weak, sizeof b.weak)) b.weak[0] = '\0';
    td_siblings_remember_cert(c->siblings, f->t, &b);
}

void td_rules_apply(td_classifier *c, const td_transcript *t, td_result *r)
{
    facts f;
    memset(&f, 0, offsetof(facts, vars));      /* the variables (6 KB) are set before they are read */
    f.n_vars = 0;
    f.t = t;
    f.s = &t->tls;
    f.tcp = &t->tcp;
    f.r = r;
    f.in = &r->inf;
    f.anchors_named = c->anchors_named;
    /* The capture's clock is input too: hold it to years 1970..9999 before it becomes a time_t. */
    f.when = t->start > 0 ? (t->start < 253402300800.0 ? (int64_t)t->start : 253402300799) : 0;
    const char *host = t->tls.sni;
    if (c->system_store_owed && (t->tls.server_chain.seen || t->tls.client_chain.seen)) {
        X509_STORE_set_default_paths(c->store);    /* none is not an error */
        ERR_clear_error();
        c->system_store_owed = false;
    }
    td_cert_cache_check(c->cache, c->store, &t->tls.server_chain, f.when, host, host ? NULL : t->server.ip, true, &f.sc);
    f.used_sibling = td_siblings_used_with(c->siblings, t);
    if (td_version_is_tls13(t->tls.version) && !t->tls.server_chain.seen) {
        f.borrowed = td_siblings_cert(c->siblings, t);
        f.asked_sibling = td_siblings_asked_client_cert(c->siblings, t);
    }
    td_cert_cache_check(c->cache, c->store, &t->tls.client_chain, f.when, NULL, NULL, false, &f.cc);
    gather(&f);
    f.wire_cause = cert_cause_for(&f, NULL);       /* read by several rules: worked out once */
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const rule *row = &rules[i];
        r->n_evidence = r->n_findings = 0;
        f.n_vars = 0;
        int v = row->match(&f);
        if (!v) continue;
        r->verdict = row->verdict;
        r->kb_section = row->kb_section;
        const char *sum = row->summary[v - 1] ? row->summary[v - 1] : row->summary[0];
        const char *rem = row->remedy[v - 1] ? row->remedy[v - 1] : row->remedy[0];
        rule_expand(&f, sum, r->summary, sizeof r->summary);
        if (rem) {
            rule_expand(&f, rem, r->remedy_buf, sizeof r->remedy_buf);
            r->remedy = r->remedy_buf;
        }
        break;
    }
    rule_cert_findings(&f);
    if (!c->judging_again) remember_cert(c, &f);
}
