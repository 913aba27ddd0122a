/* conn_lifetimes.c - a connection's life in the engine, from its first packet to its report.
 *
 * It is begun (roles, the ports followed, the connection cap), grown when its first byte comes,
 * ended (close and linger, idle timeout, eviction, end of input), and let out in the order
 * connections began.
 *
 * A connection starts small (td_conn_new_small): without t.tls, which only the stream parser
 * writes and which is read once the connection has finished, and without the endpoints' text,
 * written when it finishes.  One that never carries a byte (a SYN flood, a million idle sessions)
 * needs neither until then; grow() adds them. */
#include <stdlib.h>
#include <string.h>

#include "analyzer/flow/engine_int.h"

/* ---- the creation-order list ---------------------------------------------------------------- */

static void born_link(td_engine *e, td_conn *c)
{
    c->born_prev = e->born_last;
    c->born_next = NULL;
    if (e->born_last) e->born_last->born_next = c;
    else e->born_first = c;
    e->born_last = c;
}

static void born_unlink(td_engine *e, td_conn *c)
{
    if (e->pass_mark == c) e->pass_mark = c->born_prev;
    if (c->born_prev) c->born_prev->born_next = c->born_next;
    else e->born_first = c->born_next;
    if (c->born_next) c->born_next->born_prev = c->born_prev;
    else e->born_last = c->born_prev;
    c->born_prev = c->born_next = NULL;
}

/* ---- freeing, growing, emitting ------------------------------------------------------------- */

static void conn_free(td_conn *c)
{
    if (c->small) free(c->t.events);               /* nothing in t.tls was ever set */
    else td_transcript_clear(&c->t);
    free(c);
}

static void emit_now(td_engine *e, td_conn *c)
{
    e->st.connections++;
    if (!c->passed) c->t.id = ++e->emitted;        /* dense, in order of first packet when ordered */
    e->emit(e->ctx, &c->t);
    conn_free(c);
}

/* Give a small connection its t.tls.  realloc may move it: a connection that is still open is
 * taken off the flow table and the creation-order list first and put back after (the caller has
 * just touched it, so it goes back to the same, newest, place in the idle order).  Returns the
 * connection, still small if memory ran out. */
static td_conn *grow(td_engine *e, td_conn *c, bool open)
{
    td_conn *prev = c->born_prev, *next = c->born_next;
    bool mark = e->pass_mark == c;
    if (open) {
        td_flows_remove(&e->flows, c);
        born_unlink(e, c);
    }
    td_conn *n = td_conn_grow(c);
    if (n) {
        c = n;
        c->small = false;
    }
    if (open) {
        td_flows_insert(&e->flows, c);
        c->born_prev = prev;
        c->born_next = next;
        if (prev) prev->born_next = c;
        else e->born_first = c;
        if (next) next->born_prev = c;
        else e->born_last = c;
        if (mark) e->pass_mark = c;
    }
    return c;
}

/* The stream parser (and t.tls, which it fills) come with a connection's first payload byte or
 * first gap, so that a connection that never carries data (a SYN flood, idle sessions) costs only
 * its small td_conn. */
td_conn *td_conn_need_stream(td_engine *e, td_conn *c)
{
    if (c->stream) return c;
    if (c->small && (c = grow(e, c, true))->small) return c;
    if (c->quic) c->stream = td_quic_parser_new(&c->t, e->x509, e->keylog, &c->stream_ops);
    else c->stream = td_stream_parser_new(&c->t, e->x509, e->fp, e->keylog, e->keylog_grows, &c->stream_ops);
    return c;
}

/* The open connections created before `order` are passed by a finished one: each is given its
 * id now, and the run told, so that the report keeps their place (analyzer/run/run_line.c).  A
 * -A candidate is not (it may never be reported): it goes out later, out of order, if at all. */
static void pass_open(td_engine *e, uint64_t order)
{
    td_conn *c = e->pass_mark ? e->pass_mark->born_next : e->born_first;
    for (; c && c->order < order; c = c->born_next) {
        e->pass_mark = c;
        if (c->passed || c->candidate) continue;
        c->passed = true;
        c->t.id = ++e->emitted;
        e->pass(e->ctx, c->t.id, c->t.start, false);
    }
}

void td_conns_release(td_engine *e, bool all)
{
    /* At the end of the input all connections finish at once and are all in memory anyway:
     * the reorder buffer need not be bounded then. */
    /* A finished connection may go out once no connection that started before it is open. */
    td_reorder *h = &e->held;
    while (h->n && (all || !e->born_first || h->slot[0].order < e->born_first->order ||
                    (h->n > e->reorder_max && !e->flushing))) {
        if (e->pass && e->born_first && h->slot[0].order > e->born_first->order) pass_open(e, h->slot[0].order);
        emit_now(e, td_reorder_pop(h));
    }
}

/* A connection that ends without being reported: if its id was given, the run is told. */
static void forget(td_engine *e, td_conn *c)
{
    if (c->passed) e->pass(e->ctx, c->t.id, c->t.start, true);
    conn_free(c);
}

/* ---- the end -------------------------------------------------------------------------------- */

static void stream_close(td_conn *c)
{
    if (c->stream) {
        c->stream_ops->end(c->stream);
        c->stream_ops->free(c->stream);
    }
    c->stream = NULL;
}

/* c has ended; the input had run to `at` when it did. */
static void finish_at(td_engine *e, td_conn *c, double at)
{
    c->t.capture_end = at > c->t.end ? at : c->t.end;
    td_flows_remove(&e->flows, c);
    td_quic_cids_forget(e, c);
    born_unlink(e, c);
    td_reasm_flush(c, c->t.last_packet, c->t.end);
    td_reasm_free(c);
    stream_close(c);
    if (c->candidate) {                            /* -A: never shown to be TLS: not reported */
        forget(e, c);
        return;
    }
    if (c->small && (c = grow(e, c, false))->small) {
        forget(e, c);                              /* out of memory: cannot be reported */
        return;
    }
    /* Written now, not at creation: 96 bytes that an open connection need not carry. */
    td_addr_text(c->ipver, c->addr[0], c->t.client.ip, sizeof c->t.client.ip);
    td_addr_text(c->ipver, c->addr[1], c->t.server.ip, sizeof c->t.server.ip);
    c->t.client.port = c->port[0];
    c->t.server.port = c->port[1];
    if (!e->ordered) {
        emit_now(e, c);
        return;
    }
    if (!td_reorder_push(&e->held, c)) emit_now(e, c);
    td_conns_release(e, false);
}

void td_conn_finish(td_engine *e, td_conn *c)
{
    finish_at(e, c, e->now);
}

void td_conn_discard(td_engine *e, td_conn *c)
{
    td_flows_remove(&e->flows, c);
    td_quic_cids_forget(e, c);
    born_unlink(e, c);
    td_reasm_free(c);
    if (c->stream) c->stream_ops->free(c->stream);
    forget(e, c);
}

/* ---- unanswered attempts -------------------------------------------------------------------- *
 * Offline there is no idle timeout by default, so a SYN nobody answered stayed open to the end of
 * the input, and, the report being in order of first packets, everything that began after it
 * waited too (on the bench's 20,000 handshakes: 80 MB of report held behind 128 such SYNs). An
 * attempt ends once its client has given up: a client retransmits its SYN with a backoff that
 * doubles (Linux 1, 2, 4 ... 64 s; Windows 3, 6 s; macOS 1 s five times, then doubling), so
 * every gap so far is at most the time D it has been trying, and the next at most 2D.  It ends
 * after a silence of 4 x max(D, 3 s) (3 s: RFC 2988's initial timeout, which some stacks keep),
 * in classes of 12, 24, 48 ... 768 s so that each class is one list in order of last activity.
 * Trying for longer than 192 s, it waits like any open connection.  Zeek ends an attempt 5 s
 * after its first SYN (tcp_attempt_delay) and logs a later SYN as a new connection; here one comes
 * only past a silence a client's backoff cannot explain, and the report is the same as if the
 * capture had ended there (no verdict rule reads the time after the last packet of an attempt). */

static double attempt_wait(uint8_t k)
{
    return 12.0 * (double)(1u << (k - 1));
}

static bool is_attempt(const td_conn *c)
{
    const td_tcp *tcp = &c->t.tcp;
    return !c->quic && !c->closed && tcp->syn_seen && !tcp->synack_seen && !tcp->packets[TD_S2C] &&
           tcp->packets[TD_C2S] == 1 + tcp->syn_retransmits;
}

void td_conn_attempt_update(td_engine *e, td_conn *c)
{
    uint8_t k = 0;
    if (is_attempt(c)) {
        double tried = c->t.end - c->t.start, floor = tried > 3.0 ? tried : 3.0;
        for (k = 1; k <= TD_ATTEMPT_CLASSES && attempt_wait(k) < 4.0 * floor; k++) {}
        if (k > TD_ATTEMPT_CLASSES) k = 0;
    }
    if (k != c->attempt) td_flows_set_attempt(&e->flows, c, k);
}

/* When c ends by a clock, if it does: an attempt after its wait (or the idle timeout, when
 * shorter), an open connection after the idle timeout.  (A closed one after its linger, but that
 * is the sweep's alone: a straggler after the linger, a FIN or ACK sent again, has always joined
 * its connection when no other packet came between, and the samples' records count it.) */
static bool due_time(const td_engine *e, const td_conn *c, double *due, bool *idle)
{
    double idle_after = e->cfg.idle_timeout;
    *idle = false;
    if (c->closed) {
        return false;
    } else if (c->attempt) {
        double wait = attempt_wait(c->attempt);
        *idle = idle_after > 0 && idle_after < wait;
        *due = c->last_seen + (*idle ? idle_after : wait);
    } else if (idle_after > 0) {
        *idle = true;
        *due = c->last_seen + idle_after;
    } else {
        return false;
    }
    return true;
}

/* An attempt or an idle connection ends at the moment it was due, not at the packet that happened
 * to run the sweep, and a packet past that moment finds it ended, whether a sweep ran in between
 * or not: a shard, whose sweeps run on its own packets only, writes the same records as the whole
 * run (the time after its last packet, the idle-timeout finding's seconds, which connection a
 * late packet belongs to). */
bool td_conn_end_if_due(td_engine *e, td_conn *c, double now)
{
    double due;
    bool idle;
    if (!due_time(e, c, &due, &idle) || !(due < now)) return false;
    c->t.idle_timeout = idle;
    finish_at(e, c, due);
    return true;
}

/* All lists are in order of last activity, so only their old ends need looking at: closed
 * connections end once their linger is over, attempts once their client has given up, open ones
 * after the idle timeout (if any). */
void td_conns_sweep(td_engine *e, double now)
{
    while (e->flows.closed_oldest && e->flows.closed_oldest->last_seen + TD_CLOSE_LINGER < now)
        td_conn_finish(e, e->flows.closed_oldest);
    if (e->flows.closed_oldest && e->flows.closed_oldest != e->prefetched_closed) {
        /* The next to end: asked for ahead, as the reorder heap's are (reorder_heap.c). */
        e->prefetched_closed = e->flows.closed_oldest;
        const td_conn *c = e->prefetched_closed;
        td_prefetch(c, c->small ? offsetof(td_conn, t.client) : sizeof *c);
    }
    for (uint8_t k = 1; k <= TD_ATTEMPT_CLASSES; k++)
        while (e->flows.attempt_oldest[k] && td_conn_end_if_due(e, e->flows.attempt_oldest[k], now)) {}
    if (e->cfg.idle_timeout > 0)                   /* else the oldest is not read at every packet */
        while (e->flows.oldest && td_conn_end_if_due(e, e->flows.oldest, now)) {}
}

/* ---- the beginning -------------------------------------------------------------------------- */

/* The open connection or attempt silent the longest (NULL: none). */
static td_conn *least_recent(td_engine *e)
{
    td_conn *v = e->flows.oldest;
    for (uint8_t k = 1; k <= TD_ATTEMPT_CLASSES; k++) {
        td_conn *a = e->flows.attempt_oldest[k];
        if (a && (!v || a->last_seen < v->last_seen)) v = a;
    }
    return v;
}

/* --max-connections: make room for one more. */
static void make_room(td_engine *e)
{
    td_conn *victim;
    if (e->flows.closed_oldest) {                  /* a closed one loses nothing by ending now */
        td_conn_finish(e, e->flows.closed_oldest);
    } else if ((victim = least_recent(e))) {
        victim->t.evicted = true;
        e->st.evicted++;
        td_conn_finish(e, victim);
    }
}

/* Every connection still open (end of input): first those whose clock ran out before the input's
 * last packet (the whole run's last sweep ended them; a shard may not have run one since), then
 * the closed, then the others by last activity. */
void td_conns_finish_all(td_engine *e)
{
    td_conn *c;
    td_conns_sweep(e, e->now);
    while (e->flows.closed_oldest) td_conn_finish(e, e->flows.closed_oldest);
    while ((c = least_recent(e))) td_conn_finish(e, c);
}

/* Each connection still open (closed or not), in no particular order: f(c). */
void td_conns_each_open(td_engine *e, void (*f)(td_conn *))
{
    for (td_conn *c = e->flows.oldest; c; c = c->newer) f(c);
    for (td_conn *c = e->flows.closed_oldest; c; c = c->newer) f(c);
    for (uint8_t k = 1; k <= TD_ATTEMPT_CLASSES; k++)
        for (td_conn *c = e->flows.attempt_oldest[k]; c; c = c->newer) f(c);
}

/* A new connection of packet p (its sender the client or not), in the flow table and the
 * creation-order list; NULL when memory runs out. */
td_conn *td_conn_begin(td_engine *e, const td_pkt *p, uint32_t hash, uint64_t number, double ts,
                       bool src_is_client, bool guessed, bool on_tls_port)
{
    uint16_t server_port = src_is_client ? p->dport : p->sport;
    if (on_tls_port) e->st.tls_port_flows++;
    if (e->cfg.max_connections && e->flows.count >= e->cfg.max_connections) make_room(e);

    td_conn *c = td_conn_new_small();              /* t.tls and the stream parser come later */
    if (!c) return NULL;
    c->small = true;
    size_t alen = p->ipver == 6 ? 16 : 4;
    c->ipver = p->ipver;
    memcpy(c->addr[0], src_is_client ? p->src : p->dst, alen);
    memcpy(c->addr[1], src_is_client ? p->dst : p->src, alen);
    c->port[0] = src_is_client ? p->sport : p->dport;
    c->port[1] = server_port;
    c->hash = hash;
    c->candidate = !on_tls_port;
    c->order = e->next_order++;
    c->t.file = e->file;
    c->t.first_packet = number;
    c->t.start = ts;
    c->t.on_tls_port = on_tls_port;
    c->t.roles_guessed = guessed;
    td_flows_insert(&e->flows, c);
    born_link(e, c);
    if (e->flows.count > e->st.peak_open) e->st.peak_open = e->flows.count;
    return c;
}

td_conn *td_conn_create(td_engine *e, const td_pkt *p, uint32_t hash, uint64_t number, double ts,
                        int *dir)
{
    bool syn = (p->flags & TD_TCP_SYN) && !(p->flags & TD_TCP_ACK);
    bool synack = (p->flags & TD_TCP_SYN) && (p->flags & TD_TCP_ACK);
    if ((p->flags & TD_TCP_RST) || (!syn && !synack && p->payload_wire_len == 0))
        return NULL;                               /* a stray ACK, FIN or RST: no connection */
    bool guessed;
    bool src_is_client = td_conn_src_is_client(p, &e->cfg.tls_ports, &guessed);
    uint16_t server_port = src_is_client ? p->dport : p->sport;
    bool on_tls_port = td_is_tls_port(&e->cfg.tls_ports, server_port);
    if (!on_tls_port && !e->cfg.any_port && !td_is_tls_port(&e->cfg.proxy_ports, server_port)) {
        if (p->payload_len && td_sniff_tls(p->payload, p->payload_len)) td_count_tls_elsewhere(&e->st, server_port);
        return NULL;
    }
    td_conn *c = td_conn_begin(e, p, hash, number, ts, src_is_client, guessed, on_tls_port);
    if (!c) return NULL;
    c->t.tcp.midstream = !syn && !synack;
    *dir = src_is_client ? TD_C2S : TD_S2C;
    return c;
}
