/* findings_quic.c - what a QUIC connection's transport shows beside its verdict: undersized Initials, Retry loops and bad Retries, a server stalled at its anti-amplification limit, migration, packets that failed. */
#include <string.h>

#include "analyzer/diagnose/findings_quic.h"
#include "analyzer/diagnose/result.h"

/* The server sent close to three times the client's bytes and then stopped, and the client never got
 * past its Initials: the server waited for the client to prove its address (RFC 9000 8.1), and the
 * client's next packets did not reach it. */
static bool stalled_at_amplification(const td_quic *q)
{
    if (!q->datagrams[TD_S2C] || q->handshakes[TD_C2S] || q->one_rtt[TD_C2S] || q->retries) return false;
    if (q->closed[TD_S2C]) return false;
    uint64_t c = q->bytes[TD_C2S], s = q->bytes[TD_S2C];
    return s * 10 >= c * 25 && s <= c * 3;
}

void td_findings_quic(const td_transcript *t, td_result *r)
{
    const td_quic *q = t->quic;
    if (!q) return;
    if (q->client_initial_min && q->client_initial_min < 1200)
        td_result_finding(r, "quic-initial-too-small", "warning",
                          "a client Initial came in a datagram of %u bytes, under the 1200 that RFC 9000 (14.1) requires: "
                          "servers drop it (a middlebox or a small path MTU may have cut it)", q->client_initial_min);
    if (q->retries > 1)
        td_result_finding(r, "quic-retry-loop", "warning",
                          "the server sent %u Retry packets: it did not accept the token it issued (servers behind one "
                          "address with different token keys, or a clock skew)", q->retries);
    if (q->retry_integrity_bad)
        td_result_finding(r, "quic-retry-invalid", "warning",
                          "a Retry (packet %llu) does not carry a valid integrity tag for the client's Destination "
                          "Connection ID: forged, or another version's; clients discard it",
                          (unsigned long long)q->retry_packet);
    if (stalled_at_amplification(q))
        td_result_finding(r, "quic-amplification-limit", "warning",
                          "the server stopped after %llu bytes, about three times the %llu the client had sent: its "
                          "anti-amplification limit (RFC 9000 8.1); the client's next packets (its ACKs) did not reach "
                          "it", (unsigned long long)q->bytes[TD_S2C], (unsigned long long)q->bytes[TD_C2S]);
    if (q->migrated)
        td_result_finding(r, "quic-migrated", "info",
                          "the client's address or port changed during the connection (migration or NAT rebinding); "
                          "its packets were followed by their connection ID");
    const td_decrypt_facts *d = t->tls.dec;
    if (d && (d->failed[0] || d->failed[1]))
        td_result_finding(r, "quic-undecryptable", "warning",
                          "%u protected packets failed authentication with the key log's secrets (another "
                          "connection's keys, or a key update)", d->failed[0] + d->failed[1]);
    const td_quic_tp *tp = &q->tp[TD_S2C];
    bool odcid_ok = tp->has_original_dcid && tp->original_dcid.len == q->odcid.len &&
                    memcmp(tp->original_dcid.b, q->odcid.b, q->odcid.len) == 0;
    if (tp->seen && q->odcid.len && !odcid_ok)
        td_result_finding(r, "quic-cid-authentication", "warning",
                          "the server's transport parameters %s the client's first Destination Connection ID (RFC 9000 "
                          "7.3): the client must close with TRANSPORT_PARAMETER_ERROR (a proxy or load balancer that "
                          "rewrote connection IDs?)", tp->has_original_dcid ? "do not repeat" : "leave out");
    else if (tp->seen && q->retries && !tp->has_retry_scid)
        td_result_finding(r, "quic-cid-authentication", "warning",
                          "the server sent a Retry but its transport parameters carry no retry_source_connection_id "
                          "(RFC 9000 7.3): the client must close the connection");
    if (q->crypto_over_cap)
        td_result_finding(r, "quic-crypto-over-cap", "warning",
                          "CRYPTO data beyond the 64 KiB reassembly window was dropped: the handshake may be read "
                          "only in part");
}
