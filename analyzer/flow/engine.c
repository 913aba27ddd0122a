/* engine.c - frames in, finished transcripts out: each frame's path through the engine.
 *
 * Per frame: decode, find or create the connection (analyzer/flow/conn_lifetimes.c, roles from
 * analyzer/flow/conn_roles.c), follow the TCP state (analyzer/flow/tcp_state.c), reassemble
 * (analyzer/flow/reassembly.c), feed the stream parser (analyzer/flow/stream_parser.c).  A
 * connection ends on RST or FIN both ways (after a short linger for the trailing ACKs), on the
 * idle timeout, on eviction by --max-connections, or at the end of the input.  Finished
 * connections are emitted in the order they started (analyzer/flow/reorder_heap.c) unless
 * streaming live. */
#include <stddef.h>
#include <stdlib.h>

#include "analyzer/flow/engine_int.h"
#include "dissectors/decode/decode.h"
#include "dissectors/starttls/starttls.h"

td_engine *td_engine_new(const td_engine_config *cfg, bool ordered, td_emit_fn emit, void *ctx)
{
    td_engine *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    if (td_flows_init(&e->flows) != 0) {
        free(e);
        return NULL;
    }
    e->cfg = *cfg;
    e->ordered = ordered;
    e->emit = emit;
    e->ctx = ctx;
    e->next_order = 1;
    const char *v = getenv("TLSDIAG_REORDER_MAX");   /* the tests: passing made common */
    long n = v ? strtol(v, NULL, 10) : 0;
    e->reorder_max = n > 0 ? (size_t)n : TD_REORDER_MAX;
    e->x509 = td_x509_cache_new(1024);            /* without it every certificate is parsed afresh */
    e->fp = td_fp_memo_new(256);                  /* without it every fingerprint is hashed afresh */
    return e;
}

void td_engine_on_pass(td_engine *e, td_pass_fn pass)
{
    e->pass = pass;
}

void td_engine_expire(td_engine *e, double now)
{
    td_conns_sweep(e, now);
}

/* A TCP packet, decoded: to its connection (a new one if it starts one), then its flags, its
 * bytes and its acknowledgement.  False when it showed an -A candidate not to be TLS: the sweep
 * of lingering and idle connections then waits for the next packet. */
static bool tcp_packet(td_engine *e, const td_pkt *p, uint64_t number, double ts)
{
    uint32_t hash = td_flow_hash(p->ipver, p->src, p->sport, p->dst, p->dport);
    int dir = 0;
    td_conn *c = td_flows_find(&e->flows, p, hash, &dir);
    if (c && td_conn_end_if_due(e, c, ts)) c = NULL;
    bool syn = (p->flags & TD_TCP_SYN) && !(p->flags & TD_TCP_ACK);
    if (c && syn && dir == TD_C2S && c->t.tcp.syn_seen && p->seq != c->syn_seq &&
        (c->closed || c->t.tcp.bytes[0] || c->t.tcp.bytes[1])) {
        td_conn_finish(e, c);                      /* the port was reused by a new connection */
        c = NULL;
    }
    if (!c && !(c = td_conn_create(e, p, hash, number, ts, &dir))) return true;
    c->t.last_packet = number;
    if (ts > c->t.end) c->t.end = ts;
    c->t.tcp.packets[dir]++;
    c->last_seen = ts;
    td_flows_touch(&e->flows, c);

    td_tcp_follow_flags(c, dir, p, number, ts);
    if (p->flags & TD_TCP_SYN) td_path_syn(c, dir, p);
    if (p->payload_wire_len) {
        if (c->candidate) {
            bool tls = td_sniff_tls(p->payload, p->payload_len);
            bool connect = dir == TD_C2S && td_sniff_http_connect(p->payload, p->payload_len);
            bool stls = e->cfg.any_port && td_stls_opening(p->payload, p->payload_len);
            if (!connect && !stls && !(tls && e->cfg.any_port)) {   /* a proxy port (no -A) takes only a CONNECT */
                if (tls) td_count_tls_elsewhere(&e->st, c->port[1]);
                td_conn_discard(e, c);             /* -A: neither TLS, a STARTTLS dialogue nor a CONNECT: not ours */
                return false;
            }
            c->candidate = false;
        }
        c = td_conn_need_stream(e, c);
        td_path_packet(c, dir, p, number, ts);
        td_reasm_segment(c, dir, p, number, ts);
    } else {
        td_path_packet(c, dir, p, number, ts);
    }
    if ((p->flags & TD_TCP_ACK) && !(p->flags & TD_TCP_SYN)) {
        /* An acknowledgement past the bytes seen declares a gap, which the stream must hear of. */
        if (!c->stream && c->r[!dir].init && (int32_t)(p->ack - c->r[!dir].next_seq) > 0)
            c = td_conn_need_stream(e, c);
        td_reasm_ack(c, !dir, p->ack, number, ts);
    }
    td_path_after(c, dir, p, number, ts);
    if (p->flags & (TD_TCP_FIN | TD_TCP_RST)) td_tcp_follow_close(&e->flows, c, dir, p, number, ts);
    if (c->attempt || c->t.tcp.packets[TD_C2S] + c->t.tcp.packets[TD_S2C] == 1) td_conn_attempt_update(e, c);
    return true;
}

const char *td_engine_frame(td_engine *e, const td_frame *f, uint64_t number)
{
    e->st.packets++;
    td_pkt p;
    const char *why = NULL;
    td_decode_status st = td_decode(e->linktype, f->data, f->caplen, &p, &why);
    if (f->ts > e->now) e->now = f->ts;
    if (st == TD_DEC_MALFORMED || st == TD_DEC_UNSUPPORTED_LINK) {
        e->st.undecoded++;
        return why ? why : "cannot decode";
    }
    if (st != TD_DEC_TCP) {
        e->st.not_tcp++;
        if (p.icmp_unreachable) td_quic_icmp_unreachable(e, &p, number, f->ts);
        if (!p.udp) return NULL;
        if (e->cfg.shard_n && td_host_pair_hash(p.ipver, p.src, p.dst) % e->cfg.shard_n != e->cfg.shard_k)
            return NULL;
        if (td_quic_datagram(e, &p, number, f->ts)) {
            e->st.quic_packets++;
            td_conns_sweep(e, e->now);
        } else {
            td_count_udp(&e->st, &e->cfg.tls_ports, &p);
        }
        return NULL;
    }
    e->st.tcp_packets++;
    const char *warning = NULL;
    if (p.truncated && f->caplen >= f->wirelen) {
        /* Not cut by the snap length: the IP length field lies.  Trust the bytes really there. */
        e->st.length_lies++;
        p.payload_wire_len = p.payload_len;
        p.truncated = false;
        warning = "IP length field exceeds the frame (not a snap-length cut); using the captured bytes";
    }
    if (p.truncated) e->st.truncated++;
    if (e->cfg.shard_n && td_host_pair_hash(p.ipver, p.src, p.dst) % e->cfg.shard_n != e->cfg.shard_k)
        return warning;
    if (tcp_packet(e, &p, number, f->ts)) td_conns_sweep(e, e->now);
    return warning;
}

void td_engine_begin_file(td_engine *e, const char *name, int linktype)
{
    e->file = name;
    e->linktype = linktype;
    e->now = 0;
}

void td_engine_end_file(td_engine *e)
{
    e->flushing = true;
    td_conns_finish_all(e);
    e->flushing = false;
    td_conns_release(e, true);
}

static void mark_drops(td_conn *c)
{
    c->t.capture_drops = true;
}

void td_engine_mark_drops(td_engine *e)
{
    td_conns_each_open(e, mark_drops);
}

const td_engine_stats *td_engine_get_stats(const td_engine *e) { return &e->st; }
size_t td_engine_open_connections(const td_engine *e) { return e->flows.count; }

void td_engine_free(td_engine *e)
{
    if (!e) return;
    td_engine_end_file(e);
    td_flows_free(&e->flows);
    td_quic_cids_free(e);
    td_reorder_free(&e->held);
    td_x509_cache_free(e->x509);
    td_fp_memo_free(e->fp);
    free(e);
}

void td_engine_set_keylog(td_engine *e, struct td_keylog *k, bool grows)
{
    if (!e) return;
    e->keylog = k;
    e->keylog_grows = grows;
}
