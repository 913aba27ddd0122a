/* quic_flows.c - QUIC datagrams to their connections: by addresses and ports, else (a client that moved) by the connection ID it sends to.
 *
 * A QUIC connection is a td_conn like a TCP one (lifetimes, idle timeout, eviction, order of
 * output), found in the same flow table under a hash that differs from TCP's for the same ports.
 * It begins with a client's long-header Initial on a TLS port (-P; any port with -A); its parser
 * is dissectors/quic/'s, behind the same stream interface.  Migration and NAT rebinding: a
 * short-header datagram from an unknown address whose Destination Connection ID is one that a
 * connection's peer chose belongs to that connection (the CID index, quic_cids.c). */
#include <string.h>

#include "analyzer/flow/engine_int.h"
#include "dissectors/quic/quic.h"

static uint32_t td_quic_flow_hash(const td_pkt *p)
{
    return td_flow_hash(p->ipver, p->src, p->sport, p->dst, p->dport) ^ 0x5175c0deu;
}

/* Which side sent this Initial: the client, unless it comes from a TLS port to another port. */
static bool sender_is_client(const td_engine *e, const td_pkt *p)
{
    bool from_tls = td_is_tls_port(&e->cfg.tls_ports, p->sport);
    bool to_tls = td_is_tls_port(&e->cfg.tls_ports, p->dport);
    return !(from_tls && !to_tls);
}

/* The connection this datagram starts, or NULL (not a QUIC Initial, not a port we follow). */
static td_conn *begin(td_engine *e, const td_pkt *p, uint32_t hash, uint64_t number, double ts, int *dir)
{
    if (!td_quic_sniff_initial(p->payload, p->payload_len)) return NULL;
    bool client = sender_is_client(e, p);
    uint16_t server_port = client ? p->dport : p->sport;
    bool on_tls_port = td_is_tls_port(&e->cfg.tls_ports, server_port);
    if (!on_tls_port && !e->cfg.any_port) return NULL;
    td_conn *c = td_conn_begin(e, p, hash, number, ts, client, !client, on_tls_port);
    if (!c) return NULL;
    c->quic = true;
    c->candidate = false;                          /* -A: its Initial showed it to be QUIC */
    *dir = client ? TD_C2S : TD_S2C;
    return td_conn_need_stream(e, c);
}

bool td_quic_datagram(td_engine *e, const td_pkt *p, uint64_t number, double ts)
{
    if (!p->payload_len) return false;
    uint32_t hash = td_quic_flow_hash(p);
    int dir = 0;
    td_conn *c = td_flows_find(&e->flows, p, hash, &dir);
    if (c && td_conn_end_if_due(e, c, ts)) c = NULL;
    if (!c && !(p->payload[0] & 0x80) && (c = td_quic_cids_find(e, p->payload, p->payload_len, &dir)))
        c->t.quic->migrated = true;
    if (!c && !(c = begin(e, p, hash, number, ts, &dir))) return false;
    c->t.last_packet = number;
    if (ts > c->t.end) c->t.end = ts;
    c->last_seen = ts;
    td_flows_touch(&e->flows, c);
    if (!c->stream) return true;                   /* out of memory: counted, not read */
    if (p->truncated) e->st.truncated++;
    c->stream_ops->data(c->stream, dir, p->payload, p->payload_len, number, ts);
    td_quic_cids_learn(e, c);
    const td_quic *q = c->t.quic;
    if (q && (q->closed[0] || q->closed[1])) td_flows_mark_closed(&e->flows, c);   /* draining: a short linger */
    return true;
}

void td_quic_icmp_unreachable(td_engine *e, const td_pkt *p, uint64_t number, double ts)
{
    int dir = 0;
    td_conn *c = td_flows_find(&e->flows, p, td_quic_flow_hash(p), &dir);
    if (c && td_conn_end_if_due(e, c, ts)) return;    /* it came too late */
    if (!c || !c->t.quic || dir != TD_C2S) return;     /* it must quote the client's datagram */
    td_quic *q = c->t.quic;
    if (!q->icmp_unreachable) {
        q->icmp_unreachable = true;
        q->icmp_packet = number;
    }
    c->t.last_packet = number;
    if (ts > c->t.end) c->t.end = ts;
    c->last_seen = ts;
    td_flows_touch(&e->flows, c);
}
