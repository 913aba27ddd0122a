/* rules_int.h - what the verdict table (analyzer/diagnose/rules.c) and its matchers share.
 * It declares each row's match function (rules_*.c) and the few readings that more than one
 * file of matchers asks for. */
#ifndef TLSDIAG_RULES_INT_H
#define TLSDIAG_RULES_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer/diagnose/rule_facts_int.h"

/* A row's match: 0 when its symptom is absent, else which of the row's texts applies (1, 2, ...);
 * it records the evidence and the variables the texts name. */

/* The capture itself (rules_capture.c). */
int match_evicted(facts *f);
int match_one_sided(facts *f);
int match_incomplete(facts *f);
int match_unanswered(facts *f);

/* Before TLS gets going (rules_transport.c). */
int match_no_server_response(facts *f);
int match_connection_refused(facts *f);
int match_client_not_tls(facts *f);
int match_server_not_tls(facts *f);
int match_no_tls_response(facts *f);
int match_closed_before_hello(facts *f);
int match_starttls_refused(facts *f);
/* The finding starttls-stripped: a capability overwritten, or STARTTLS missing where connection
 * `offered_by` (0: none) to the same server offered it (rules_transport.c). */
void rule_starttls_findings(facts *f, uint64_t offered_by);
/* An HTTP proxy refused the CONNECT (rules_proxy.c). */
int match_proxy_refused(facts *f);

/* The handshake's parameters and its end (rules_handshake.c). */
int match_protocol_mismatch(facts *f);
int match_obsolete_protocol(facts *f);
int match_handshake_aborted(facts *f);

/* The server's certificate refused (rules_certificate.c). */
int match_unknown_ca(facts *f);
int match_incomplete_chain(facts *f);
int match_name_mismatch(facts *f);
int match_server_cert_expired(facts *f);
int match_server_cert_rejected(facts *f);

/* Client certificates (rules_client_cert.c). */
int match_client_cert_missing(facts *f);
int match_client_cert_rejected(facts *f);

/* What the network did (rules_network.c). */
int match_client_hello_dropped(facts *f);
int match_path_mtu_blackhole(facts *f);
int match_path_mtu_blackhole_after(facts *f);
int match_reset_injected(facts *f);

/* QUIC's own rows (rules_quic.c). */
int match_quic_blocked(facts *f);
int match_quic_unreachable(facts *f);
int match_quic_version(facts *f);
int match_quic_closed(facts *f);
int match_quic_refused_unread(facts *f);
int match_quic_server_refused_unread(facts *f);
int match_quic_ok(facts *f);
int match_quic_incomplete(facts *f);

/* A connection that worked (rules_ok.c). */
int match_ok(facts *f);

/* The server closed without a word on a ClientHello that offered only TLS 1.3, or nothing above
 * TLS 1.1 (rules_handshake.c; match_no_tls_response leaves it to match_protocol_mismatch). */
bool rule_narrow_offer_closed(const facts *f);
/* The client, asked for a certificate, sent nothing more and closed: the packet of its close, 0
 * if not so (rules_client_cert.c). */
uint64_t rule_dropped_at_cert_request(const facts *f);
/* The server asked for a client certificate and the client answered: *sent says whether with
 * certificates or empty (rules_client_cert.c). */
bool rule_client_cert_answer(const facts *f, bool *sent);
/* The server's whole answer was one short response, as an error page is; *bytes: its size. */
bool rule_short_answer(const facts *f, uint64_t *bytes);

#endif
