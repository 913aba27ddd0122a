/* rules_handshake.c - the rows about the handshake's parameters and its end: no version or
 * cipher in common, an obsolete protocol, a handshake aborted by an alert, a reset or a close. */
#include <stdio.h>

#include "analyzer/diagnose/result.h"
#include "analyzer/diagnose/rule_facts_int.h"
#include "analyzer/diagnose/rules_int.h"
#include "dissectors/dissect.h"

/* The server closed without a word on a ClientHello whose versions are few and far from the
 * usual: TLS 1.3 alone (only supported_versions can say that), or nothing above TLS 1.1.  A
 * server that speaks none of them may close like this instead of sending protocol_version
 * (Python's ssl module, some appliances).  A ClientHello whose legacy version is TLS 1.2 and
 * that lists no versions offers TLS 1.0 to 1.2, which nearly every server speaks. */
bool rule_narrow_offer_closed(const facts *f)
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

static bool is_mismatch_alert(uint8_t code)
{
    return code == 40 || code == 70 || code == 71 || code == 86 || code == 120;   /* 120: no_application_protocol */
}

int match_protocol_mismatch(facts *f)
{
    const td_tls *s = f->s;
    const td_alert *a = f->fatal;
    if (s->sslv2_error == 1 && s->sslv2_error_from == TD_S2C) {     /* SSLv2 NO-CIPHER-ERROR */
        f->r->confidence = "certain";
        ev_client_hello(f);
        td_result_evidence(f->r, s->sslv2_error_packet, "server SSLv2 ERROR NO-CIPHER-ERROR");
        return 5;
    }
    if (rule_narrow_offer_closed(f)) {
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
    if (a->code == 120) {                          /* ALPN (RFC 7301 3.2): the server's to send */
        char list[160] = "";
        size_t k = 0;
        for (size_t i = 0; i < s->n_alpn_offered && k + 2 < sizeof list; i++)
            k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "", s->alpn_offered[i]);
        rule_var_str(f, "alpn", k ? list : "none");
        return 8;
    }
    if (a->from == TD_S2C) return a->code == 70 ? 1 : 2;
    return a->code == 70 ? 3 : 4;
}

/* SSL 2.0 or 3.0 negotiated: whatever else happens, the protocol itself is the problem (RFC 6176,
 * RFC 7568); a client that still needs it must be replaced. */
int match_obsolete_protocol(facts *f)
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

/* The packet of the server's ServerKeyExchange in the clear, 0 if none. */
static uint64_t server_key_exchange_packet(const facts *f)
{
    for (size_t i = 0; i < f->t->n_events; i++) {
        const td_event *e = &f->t->events[i];
        if (e->kind == TD_EV_HANDSHAKE && e->dir == TD_S2C && e->sub == 12) return e->packet;
    }
    return 0;
}

int match_handshake_aborted(facts *f)
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
        bool on_kx = f->fatal->from == TD_C2S && !f->fatal->encrypted && rule_is_key_exchange_alert(f->fatal->code) && ske &&
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
