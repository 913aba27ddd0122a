/* rules_quic.c - the rows for QUIC connections: Initials never answered, no version in common, a transport error, a refusal hidden by encryption, a handshake that worked, and what the capture does not show.
 *
 * A QUIC connection's TLS alerts (CONNECTION_CLOSE 0x100 + code) are alerts of its transcript, so
 * the certificate and version rows read them as they read TCP's; these rows say what only QUIC's
 * transport shows.  Without a key log, QUIC hides the certificate and the client's verdict on it
 * as TLS 1.3 over TCP does: whether the client sent 1-RTT packets is what the wire proves. */
#include <stdio.h>

#include "analyzer/diagnose/result.h"
#include "analyzer/diagnose/rule_facts_int.h"
#include "analyzer/diagnose/rules_int.h"
#include "dissectors/dissect.h"
#include "dissectors/quic/quic.h"

/* A close that reports a failure: a transport error other than NO_ERROR (application closes are
 * the application's business once the handshake is done). */
static bool close_is_error(const td_quic *q, int dir)
{
    return q->closed[dir] && !q->close_app[dir] && q->close_code[dir] != 0;
}

static void ev_close_frame(facts *f, const td_quic *q, int dir)
{
    char b[80];
    td_result_evidence(f->r, q->close_packet[dir], "%s CONNECTION_CLOSE%s: %s%s%s%s", rule_who(dir),
                       q->close_encrypted[dir] ? " (decrypted)" : "", td_quic_close_text(q, dir, b, sizeof b),
                       q->close_reason[dir][0] ? ", \"" : "", q->close_reason[dir],
                       q->close_reason[dir][0] ? "\"" : "");
}

static void ev_client_initial(facts *f, const td_quic *q)
{
    char v[24];
    const td_tls *s = f->s;
    td_result_evidence(f->r, f->t->first_packet, "client Initial to %s:%u (QUIC %s%s%s)", f->t->server.ip,
                       f->t->server.port, td_quic_version_label(q->version, v, sizeof v), s->sni ? ", SNI " : "",
                       s->sni ? s->sni : "");
}

/* The client's Initials got nothing back: no datagram, no ICMP. */
int match_quic_blocked(facts *f)
{
    const td_quic *q = f->t->quic;
    if (!q || q->datagrams[TD_S2C] || q->icmp_unreachable || !q->initials[TD_C2S]) return 0;
    if (q->handshakes[TD_C2S] || q->short_packets[TD_C2S]) return 0;   /* the client heard from it: one-sided */
    double waited = f->t->capture_end - f->t->end;
    if (q->datagrams[TD_C2S] < 2 && waited < 1.0) return 0;            /* the capture ended too soon to say */
    f->r->confidence = q->datagrams[TD_C2S] >= 2 ? "certain" : "likely";
    ev_client_initial(f, q);
    char n[48];
    if (q->datagrams[TD_C2S] >= 2)
        td_result_evidence(f->r, f->t->last_packet, "%s over %.1f s, unanswered",
                           rule_plural(q->datagrams[TD_C2S], "client datagram", "client datagrams", n, sizeof n),
                           f->t->end - f->t->start);
    rule_var_str(f, "retx", q->datagrams[TD_C2S] >= 2 ? " or its retransmissions" : "");
    rule_var_set(f, "port", "%u", f->t->server.port);
    return 1;
}

/* ICMP port unreachable answered the client's Initial. */
int match_quic_unreachable(facts *f)
{
    const td_quic *q = f->t->quic;
    if (!q || !q->icmp_unreachable || q->datagrams[TD_S2C]) return 0;
    f->r->confidence = "certain";
    ev_client_initial(f, q);
    td_result_evidence(f->r, q->icmp_packet, "ICMP port unreachable from %s: nothing listens on UDP port %u",
                       f->t->server.ip, f->t->server.port);
    rule_var_set(f, "port", "%u", f->t->server.port);
    return 1;
}

static bool listed(const td_quic *q, uint32_t v)
{
    for (size_t i = 0; i < q->n_vn_versions; i++)
        if (q->vn_versions[i] == v) return true;
    return false;
}

/* Version Negotiation, and the client never came back with a version from the server's list. */
int match_quic_version(facts *f)
{
    const td_quic *q = f->t->quic;
    if (!q || !q->version_negotiation || (q->last_version && listed(q, q->last_version))) return 0;
    if (f->s->server_hello) return 0;
    f->r->confidence = "certain";
    ev_client_initial(f, q);
    char list[160] = "", v[24];
    size_t n = 0;
    for (size_t i = 0; i < q->n_vn_versions && n < sizeof list - 24; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "",
                              td_quic_version_label(q->vn_versions[i], v, sizeof v));
    td_result_evidence(f->r, q->vn_packet, "server Version Negotiation: offers %s", list);
    rule_var_str(f, "client_version", td_quic_version_label(q->version, v, sizeof v));
    rule_var_str(f, "server_versions", list);
    return 1;
}

/* A transport error closed the connection before the handshake was done. */
int match_quic_closed(facts *f)
{
    const td_quic *q = f->t->quic;
    if (!q) return 0;
    int dir = close_is_error(q, TD_S2C) ? TD_S2C : close_is_error(q, TD_C2S) ? TD_C2S : -1;
    if (dir < 0) return 0;
    if (q->close_code[dir] >= 0x100 && q->close_code[dir] <= 0x1ff && f->hs_done) return 0;
    f->r->confidence = "certain";
    ev_client_hello(f);
    ev_server_hello(f);
    ev_close_frame(f, q, dir);
    char b[80];
    rule_var_str(f, "who", rule_who(dir));
    rule_var_str(f, "error", td_quic_close_text(q, dir, b, sizeof b));
    rule_var_str2(f, "reason", q->close_reason[dir][0] ? ": " : "", q->close_reason[dir]);
    return 1;
}

/* Without keys: the server sent its encrypted flight, the client answered in Handshake packets and
 * never sent a 1-RTT packet, and went quiet (or closed): it refused what the flight held. */
int match_quic_refused_unread(facts *f)
{
    const td_quic *q = f->t->quic;
    if (!q || f->decrypted || q->one_rtt[TD_C2S] || !q->handshakes[TD_S2C] || !q->handshakes[TD_C2S]) return 0;
    /* A client that finishes sends its first 1-RTT packet with (or right after) its Finished: one
     * that answered the flight and never did had refused it, whenever the capture ended. */
    f->r->confidence = "likely";
    ev_client_hello(f);
    ev_server_hello(f);
    char n[48];
    td_result_evidence(f->r, f->t->last_packet, "the client sent %s and no 1-RTT packet: it never finished",
                       rule_plural(q->handshakes[TD_C2S], "Handshake packet", "Handshake packets", n, sizeof n));
    td_result_finding(f->r, "encrypted-refusal", "info",
                      "QUIC encrypts the server's certificate and the client's alert; give tlsdiag the client's key "
                      "log (--keylog, SSLKEYLOGFILE) to read which check failed");
    return 1;
}

/* Without keys: the client finished (it sent 1-RTT packets), and the server answered with Handshake
 * packets after that and fell silent, its last datagram one of them.  A server that accepts the
 * client's flight confirms the handshake and drops its Handshake keys (RFC 9001 4.9.2); one that
 * refuses it closes in Handshake and 1-RTT packets (RFC 9000 10.2.3), as for a missing or refused
 * client certificate. */
int match_quic_server_refused_unread(facts *f)
{
    const td_quic *q = f->t->quic;
    if (!q || f->decrypted || !q->one_rtt[TD_C2S] || !q->last_datagram_handshake[TD_S2C]) return 0;
    if (q->last_handshake_packet[TD_S2C] <= q->first_one_rtt_packet[TD_C2S]) return 0;
    f->r->confidence = "likely";
    rule_var_str(f, "who", "server");
    ev_client_hello(f);
    ev_server_hello(f);
    td_result_evidence(f->r, q->first_one_rtt_packet[TD_C2S], "client's first 1-RTT packet: it had finished its handshake");
    td_result_evidence(f->r, q->last_handshake_packet[TD_S2C],
                       "server's last datagram: Handshake packets after the client finished, then silence (a server "
                       "that accepted would have dropped its Handshake keys)");
    td_result_finding(f->r, "encrypted-refusal", "info",
                      "QUIC encrypts the server's close and the client's certificate; give tlsdiag the client's key log "
                      "(--keylog, SSLKEYLOGFILE) to read why the server refused (a client certificate missing or "
                      "rejected is the usual reason)");
    return 1;
}

/* The handshake completed: Finished both ways read with keys, HANDSHAKE_DONE, or, without keys,
 * the client's 1-RTT packets (sent only once it has finished) answered by the server's. */
int match_quic_ok(facts *f)
{
    const td_quic *q = f->t->quic;
    const td_tls *s = f->s;
    if (!q) return 0;
    bool read = f->decrypted && (q->handshake_done || (s->finished[TD_C2S] && s->finished[TD_S2C]));
    bool seen = q->one_rtt[TD_C2S] && q->one_rtt[TD_S2C];
    if (!read && !seen) return 0;
    bool answered = q->first_one_rtt_packet[TD_S2C] > q->first_one_rtt_packet[TD_C2S] || q->short_packets[TD_S2C] > 1;
    f->r->confidence = read || (s->server_hello && answered) ? "certain" : "likely";
    char c[64];
    rule_var_str(f, "cipher", s->has_cipher ? td_cipher_label(s->cipher, c, sizeof c) : "cipher unknown");
    rule_var_str2(f, "alpn", s->alpn ? ", ALPN " : "", s->alpn ? s->alpn : "");
    ev_client_hello(f);
    ev_server_hello(f);
    if (q->one_rtt[TD_C2S]) td_result_evidence(f->r, q->first_one_rtt_packet[TD_C2S], "client's first 1-RTT packet");
    if (q->one_rtt[TD_S2C]) td_result_evidence(f->r, q->first_one_rtt_packet[TD_S2C], "server's first 1-RTT packet");
    return 1;
}

/* Whatever else: the capture does not show enough of this QUIC connection. */
int match_quic_incomplete(facts *f)
{
    const td_quic *q = f->t->quic;
    if (!q) return 0;
    f->r->confidence = "certain";
    td_result_evidence(f->r, f->t->first_packet, "first datagram of the connection");
    if (f->t->last_packet != f->t->first_packet) td_result_evidence(f->r, f->t->last_packet, "last datagram of the connection");
    rule_var_set(f, "waited", "%.1f", f->t->capture_end - f->t->end);
    if (!q->datagrams[TD_S2C]) return 1;
    if (!f->s->server_hello) return 2;
    return 3;
}
