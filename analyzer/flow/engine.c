/* engine.c - frames in, finished transcripts out.
 *
 * Per frame: decode, find or create the connection (roles from the SYN, else the TLS port, else
 * the ClientHello), follow the TCP state, reassemble, feed the TLS stream parser.  A connection
 * ends on RST or FIN both ways (after a short linger for the trailing ACKs), on the idle timeout,
 * on eviction by --max-connections, or at the end of the input.  Finished connections are
 * emitted in the order they started (a bounded reorder buffer) unless streaming live. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/decode/decode.h"
#include "analyzer/flow/engine.h"
#include "analyzer/flow/flow.h"

#define CLOSE_LINGER 1.0           /* seconds of capture time a closed connection waits for stragglers */
#define REORDER_MAX 4096           /* finished connections held back to keep the output in order */

/* A finished connection in the reorder heap, its key beside it: the heap is sifted without
 * touching the connections themselves (thousands of them, each a cache miss). */
struct held {
    uint64_t order;
    td_conn *c;
};

struct td_engine {
    td_engine_config cfg;          /* a copy: the caller's may go */
    bool ordered;
    td_emit_fn emit;
    void *ctx;
    td_flow_table flows;
    const char *file;
    int linktype;
    uint64_t next_order;           /* creation order of the next connection */
    td_conn *born_first, *born_last;   /* open connections, oldest creation first */
    uint64_t emitted;              /* connections output so far: the last id given */
    struct held *heap;             /* finished, waiting for their turn (min-heap on order) */
    size_t heap_n, heap_cap;
    const td_conn *prefetched;     /* the heap's top when its parts were last prefetched */
    const td_conn *prefetched_closed;  /* the oldest closed connection when last prefetched */
    double now;
    bool flushing;                 /* end of input: every open connection is being finished */
    td_engine_stats st;
    td_x509_cache *x509;           /* certificate summaries shared by all connections (may be NULL) */
    struct td_keylog *keylog;      /* --keylog (NULL: no decryption, no cost) */
    bool keylog_grows;             /* live: keys may come after the records that need them */
};

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
    e->x509 = td_x509_cache_new(1024);            /* without it every certificate is parsed afresh */
    return e;
}

/* ---- output order ------------------------------------------------------------------------ */

/* A connection starts small (td_conn_new_small): without t.tls, which only the TLS stream
 * parser writes and which is read once the connection has finished, and without the endpoints'
 * text, written when it finishes.  One that never carries a byte (a SYN flood, a million idle
 * sessions) needs neither until then; grow() adds them. */
static void conn_free(td_conn *c)
{
    if (c->small) free(c->t.events);               /* nothing in t.tls was ever set */
    else td_transcript_clear(&c->t);
    free(c);
}

static void emit_now(td_engine *e, td_conn *c)
{
    e->st.connections++;
    c->t.id = ++e->emitted;                        /* dense, in order of first packet when ordered */
    e->emit(e->ctx, &c->t);
    conn_free(c);
}

static void heap_push(td_engine *e, td_conn *c)
{
    if (e->heap_n == e->heap_cap) {
        size_t cap = e->heap_cap ? e->heap_cap * 2 : 64;
        struct held *h = realloc(e->heap, cap * sizeof *h);
        if (!h) {
            emit_now(e, c);
            return;
        }
        e->heap = h;
        e->heap_cap = cap;
    }
    size_t i = e->heap_n++;
    while (i > 0 && e->heap[(i - 1) / 2].order > c->order) {
        e->heap[i] = e->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    e->heap[i] = (struct held){ c->order, c };
}

static td_conn *heap_pop(td_engine *e)
{
    td_conn *top = e->heap[0].c;
    struct held last = e->heap[--e->heap_n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l >= e->heap_n) break;
        m = (l + 1 < e->heap_n && e->heap[l + 1].order < e->heap[l].order) ? l + 1 : l;
        if (e->heap[m].order >= last.order) break;
        e->heap[i] = e->heap[m];
        i = m;
    }
    if (e->heap_n) e->heap[i] = last;
    return top;
}

/* ---- prefetching the connections next in line ---------------------------------------------- */

/* A finished connection waits in the heap while thousands of others are worked on (up to
 * REORDER_MAX of them, megabytes), so by the time it goes out its memory has left the caches and
 * the classifier and the report stall on one miss after another.  So the next ones are asked for
 * ahead, in three steps so that no step waits for what the one before asked for: the transcript
 * of the one after next (the top's smaller child: right 99 % of the time on the bench's handshake
 * capture), what the next one points to (its transcript was asked for a turn before), and the
 * certificates' names of the one going out now (its certificate array was asked for a turn
 * before).  Only hints: a wrong guess costs a few loads.
 * Likewise a connection that lingers after its close is asked for before its linger ends. */
static void prefetch(const void *p, size_t n)
{
    const char *b = p;
    for (size_t i = 0; i < n; i += 64) __builtin_prefetch(b + i);
    /* gcc 12 removes loops whose only effect is a prefetch, and calls to functions with no
     * other effect; an empty asm statement that may touch memory keeps them. */
    __asm__ volatile("" : : : "memory");
}

static void prefetch_names(const td_chain *ch)
{
    for (size_t i = 0; i < ch->n; i++) {
        const td_cert *x = &ch->certs[i];
        if (x->subject) prefetch(x->subject, 1);
        if (x->issuer) prefetch(x->issuer, 1);
        prefetch(x->san, x->n_san * sizeof *x->san);
    }
}

static void prefetch_parts(const td_conn *c)
{
    const td_transcript *t = &c->t;
    const td_tls *tls = &t->tls;
    prefetch(t->events, t->n_events * sizeof *t->events);
    prefetch(tls->records, tls->n_records * sizeof *tls->records);
    prefetch(tls->offered_ciphers, tls->n_offered_ciphers * sizeof *tls->offered_ciphers);
    prefetch(tls->alpn_offered, tls->n_alpn_offered * sizeof *tls->alpn_offered);
    if (tls->sni) prefetch(tls->sni, 1);
    prefetch(tls->server_chain.certs, tls->server_chain.n * sizeof *tls->server_chain.certs);
    prefetch(tls->client_chain.certs, tls->client_chain.n * sizeof *tls->client_chain.certs);
}

/* A connection's parts are asked for once, however many times the heap's top is looked at. */
static void prefetch_next(td_engine *e)
{
    if (!e->heap_n || e->heap[0].c == e->prefetched) return;
    e->prefetched = e->heap[0].c;
    prefetch_parts(e->heap[0].c);
    if (e->heap_n > 1) {                           /* the one after it: the smaller child */
        size_t i = e->heap_n > 2 && e->heap[2].order < e->heap[1].order ? 2 : 1;
        prefetch(e->heap[i].c, sizeof *e->heap[i].c);
    }
}

static void release_ready(td_engine *e, bool all)
{
    /* At the end of the input all connections finish at once and are all in memory anyway:
     * the reorder buffer need not be bounded then. */
    /* A finished connection may go out once no connection that started before it is open. */
    while (e->heap_n && (all || !e->born_first || e->heap[0].order < e->born_first->order ||
                         (e->heap_n > REORDER_MAX && !e->flushing))) {
        td_conn *c = heap_pop(e);
        prefetch_next(e);
        prefetch_names(&c->t.tls.server_chain);
        prefetch_names(&c->t.tls.client_chain);
        emit_now(e, c);
    }
}

/* ---- connection lifetime ----------------------------------------------------------------- */

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
    if (c->born_prev) c->born_prev->born_next = c->born_next;
    else e->born_first = c->born_next;
    if (c->born_next) c->born_next->born_prev = c->born_prev;
    else e->born_last = c->born_prev;
    c->born_prev = c->born_next = NULL;
}

/* Give a small connection its t.tls.  realloc may move it: a connection that is still open is
 * taken off the flow table and the creation-order list first and put back after (the caller has
 * just touched it, so it goes back to the same, newest, place in the idle order).  Returns the
 * connection, still small if memory ran out. */
static td_conn *grow(td_engine *e, td_conn *c, bool open)
{
    td_conn *prev = c->born_prev, *next = c->born_next;
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
    }
    return c;
}

static void finish(td_engine *e, td_conn *c)
{
    c->t.capture_end = e->now > c->t.end ? e->now : c->t.end;
    td_flows_remove(&e->flows, c);
    born_unlink(e, c);
    td_reasm_flush(c, c->t.last_packet, c->t.end);
    td_reasm_free(c);
    td_tls_stream_end(c->tls);
    td_tls_stream_free(c->tls);
    c->tls = NULL;
    if (c->candidate) {                            /* -A: never shown to be TLS: not reported */
        conn_free(c);
        return;
    }
    if (c->small && (c = grow(e, c, false))->small) {
        conn_free(c);                              /* out of memory: cannot be reported */
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
    heap_push(e, c);
    release_ready(e, false);
}

/* Both lists are in order of last activity, so only their old ends need looking at: closed
 * connections end once their linger is over, open ones after the idle timeout (if any). */
static void sweep(td_engine *e, double now)
{
    while (e->flows.closed_oldest && e->flows.closed_oldest->last_seen + CLOSE_LINGER < now)
        finish(e, e->flows.closed_oldest);
    if (e->flows.closed_oldest && e->flows.closed_oldest != e->prefetched_closed) {
        e->prefetched_closed = e->flows.closed_oldest;       /* the next to end: see prefetch() */
        const td_conn *c = e->prefetched_closed;
        prefetch(c, c->small ? offsetof(td_conn, t.client) : sizeof *c);
    }
    double idle = e->cfg.idle_timeout;
    while (idle > 0 && e->flows.oldest && e->flows.oldest->last_seen + idle < now) {
        e->flows.oldest->t.idle_timeout = true;
        finish(e, e->flows.oldest);
    }
}

void td_engine_expire(td_engine *e, double now)
{
    sweep(e, now);
}

static bool is_client_hello(const td_pkt *p)
{
    const uint8_t *d = p->payload;
    if (p->payload_len >= 6 && d[0] == 22 && d[1] == 3 && d[5] == 1) return true;
    return p->payload_len >= 3 && (d[0] & 0x80) && d[2] == 1;
}

static bool is_server_hello(const td_pkt *p)
{
    const uint8_t *d = p->payload;
    return p->payload_len >= 6 && d[0] == 22 && d[1] == 3 && d[5] == 2;
}

/* The TLS stream parser (and t.tls, which it fills) come with a connection's first payload byte
 * or first gap, so that a connection that never carries data (a SYN flood, idle sessions) costs
 * only its small td_conn.  Returns the connection, which may have moved. */
static td_conn *need_stream(td_engine *e, td_conn *c)
{
    if (c->tls) return c;
    if (c->small && (c = grow(e, c, true))->small) return c;
    c->tls = td_tls_stream_new(&c->t);
    td_tls_stream_set_x509_cache(c->tls, e->x509);
    if (e->keylog) td_tls_stream_set_keylog(c->tls, e->keylog, e->keylog_grows);
    return c;
}

/* A TCP packet on a port that is not a TLS port starts with a TLS record: counted by port, for
 * the note that says to try -A or -P. */
static void tls_elsewhere(td_engine_stats *st, uint16_t port)
{
    size_t n = sizeof st->tls_elsewhere / sizeof st->tls_elsewhere[0];
    for (size_t i = 0; i < n; i++) {
        if (st->tls_elsewhere[i].port == port || !st->tls_elsewhere[i].packets) {
            st->tls_elsewhere[i].port = port;
            st->tls_elsewhere[i].packets++;
            return;
        }
    }
    st->tls_elsewhere_more++;
}

/* UDP is not analysed; a datagram on a TLS port (QUIC, DTLS) or one that starts with a DTLS
 * record is counted so that the summary can say so, once. */
static void udp_seen(td_engine *e, const td_pkt *p)
{
    if (td_is_tls_port(&e->cfg.tls_ports, p->dport) || td_is_tls_port(&e->cfg.tls_ports, p->sport)) {
        e->st.udp_tls_port++;
        return;
    }
    const uint8_t *d = p->payload;
    if (p->payload_len >= 13 && d[0] >= 20 && d[0] <= 23 && d[1] == 0xfe && d[2] >= 0xfc) e->st.dtls_other++;
}

static td_conn *create(td_engine *e, const td_pkt *p, uint32_t hash, uint64_t number, double ts,
                       int *dir)
{
    bool syn = (p->flags & TD_TCP_SYN) && !(p->flags & TD_TCP_ACK);
    bool synack = (p->flags & TD_TCP_SYN) && (p->flags & TD_TCP_ACK);
    if ((p->flags & TD_TCP_RST) || (!syn && !synack && p->payload_wire_len == 0))
        return NULL;                               /* a stray ACK, FIN or RST: no connection */
    const td_port_set *tls_ports = &e->cfg.tls_ports;
    bool sport_tls = td_is_tls_port(tls_ports, p->sport), dport_tls = td_is_tls_port(tls_ports, p->dport);
    bool src_is_client;
    bool guessed = false;
    if (syn) src_is_client = true;
    else if (synack) src_is_client = false;
    else {
        guessed = true;
        if (dport_tls && !sport_tls) src_is_client = true;
        else if (sport_tls && !dport_tls) src_is_client = false;
        else if (is_client_hello(p)) src_is_client = true;
        else if (is_server_hello(p)) src_is_client = false;
        else src_is_client = p->sport > p->dport;   /* the server usually has the lower port */
    }
    uint16_t server_port = src_is_client ? p->dport : p->sport;
    bool on_tls_port = td_is_tls_port(tls_ports, server_port);
    if (!on_tls_port && !e->cfg.any_port) {
        if (p->payload_len && td_sniff_tls(p->payload, p->payload_len)) tls_elsewhere(&e->st, server_port);
        return NULL;
    }
    if (on_tls_port) e->st.tls_port_flows++;

    if (e->cfg.max_connections && e->flows.count >= e->cfg.max_connections) {
        if (e->flows.closed_oldest) {              /* a closed one loses nothing by ending now */
            finish(e, e->flows.closed_oldest);
        } else if (e->flows.oldest) {
            td_conn *victim = e->flows.oldest;
            victim->t.evicted = true;
            e->st.evicted++;
            finish(e, victim);
        }
    }
    td_conn *c = td_conn_new_small();              /* t.tls and the TLS stream parser come later */
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
    c->t.tcp.midstream = !syn && !synack;
    td_flows_insert(&e->flows, c);
    born_link(e, c);
    if (e->flows.count > e->st.peak_open) e->st.peak_open = e->flows.count;
    *dir = src_is_client ? TD_C2S : TD_S2C;
    return c;
}

static void tcp_flags(td_conn *c, int dir, const td_pkt *p, uint64_t number, double ts)
{
    td_tcp *tcp = &c->t.tcp;
    bool syn = p->flags & TD_TCP_SYN, ack = p->flags & TD_TCP_ACK;
    if (syn && !ack && dir == TD_C2S) {
        if (tcp->syn_seen) tcp->syn_retransmits++;
        else td_transcript_event(&c->t, TD_EV_SYN, dir, 0, 0, number, ts);
        tcp->syn_seen = true;
        c->syn_seq = p->seq;
        td_reasm_syn(c, dir, p->seq);
    } else if (syn && ack && dir == TD_S2C) {
        if (!tcp->synack_seen) td_transcript_event(&c->t, TD_EV_SYNACK, dir, 0, 0, number, ts);
        tcp->synack_seen = true;
        td_reasm_syn(c, dir, p->seq);
    } else if (ack && dir == TD_C2S && tcp->synack_seen && tcp->syn_seen) {
        tcp->handshake = true;
    }
}

static void tcp_close(td_flow_table *ft, td_conn *c, int dir, const td_pkt *p, uint64_t number, double ts)
{
    td_tcp *tcp = &c->t.tcp;
    uint8_t who = dir == TD_C2S ? TD_BY_CLIENT : TD_BY_SERVER;
    if (p->flags & TD_TCP_RST) {
        if (!tcp->rst_packet) {
            tcp->rst_packet = number;
            tcp->rst_from = (uint8_t)dir;
            td_transcript_event(&c->t, TD_EV_RST, dir, 0, 0, number, ts);
        }
        if (tcp->close != TD_CLOSE_RST && !(tcp->fin[0] && tcp->fin[1])) {
            if (tcp->close == TD_CLOSE_NONE) tcp->closed_by = who;
            tcp->close = TD_CLOSE_RST;
        }
        td_flows_mark_closed(ft, c);
    }
    if ((p->flags & TD_TCP_FIN) && !tcp->fin[dir]) {
        tcp->fin[dir] = true;
        tcp->fin_packet[dir] = number;
        td_transcript_event(&c->t, TD_EV_FIN, dir, 0, 0, number, ts);
        if (tcp->close == TD_CLOSE_NONE) {
            tcp->close = TD_CLOSE_FIN;
            tcp->closed_by = who;
        }
        td_reasm_fin(c, dir, p->seq + (uint32_t)p->payload_wire_len + ((p->flags & TD_TCP_SYN) ? 1u : 0u));
        if (tcp->fin[0] && tcp->fin[1]) td_flows_mark_closed(ft, c);
    }
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
        if (p.udp) udp_seen(e, &p);
        e->st.not_tcp++;
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
    double ts = f->ts;

    uint32_t hash = td_flow_hash(p.ipver, p.src, p.sport, p.dst, p.dport);
    if (e->cfg.shard_n && td_host_pair_hash(p.ipver, p.src, p.dst) % e->cfg.shard_n != e->cfg.shard_k) return warning;
    int dir = 0;
    td_conn *c = td_flows_find(&e->flows, &p, hash, &dir);
    bool syn = (p.flags & TD_TCP_SYN) && !(p.flags & TD_TCP_ACK);
    if (c && syn && dir == TD_C2S && c->t.tcp.syn_seen && p.seq != c->syn_seq &&
        (c->closed || c->t.tcp.bytes[0] || c->t.tcp.bytes[1])) {
        finish(e, c);                              /* the port was reused by a new connection */
        c = NULL;
    }
    if (!c) {
        c = create(e, &p, hash, number, ts, &dir);
        if (!c) {
            sweep(e, e->now);
            return warning;
        }
    }
    c->t.last_packet = number;
    if (ts > c->t.end) c->t.end = ts;
    c->t.tcp.packets[dir]++;
    c->last_seen = ts;
    td_flows_touch(&e->flows, c);

    tcp_flags(c, dir, &p, number, ts);
    if (p.payload_wire_len) {
        if (c->candidate) {
            if (!td_sniff_tls(p.payload, p.payload_len)) {
                td_flows_remove(&e->flows, c);    /* -A: not TLS, not ours */
                born_unlink(e, c);
                td_reasm_free(c);
                td_tls_stream_free(c->tls);
                conn_free(c);
                return warning;
            }
            c->candidate = false;
        }
        c = need_stream(e, c);
        td_reasm_segment(c, dir, &p, number, ts);
    }
    if ((p.flags & TD_TCP_ACK) && !(p.flags & TD_TCP_SYN)) {
        /* An acknowledgement past the bytes seen declares a gap, which the stream must hear of. */
        if (!c->tls && c->r[!dir].init && (int32_t)(p.ack - c->r[!dir].next_seq) > 0) c = need_stream(e, c);
        td_reasm_ack(c, !dir, p.ack, number, ts);
    }
    if (p.flags & (TD_TCP_FIN | TD_TCP_RST)) tcp_close(&e->flows, c, dir, &p, number, ts);
    sweep(e, e->now);
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
    while (e->flows.closed_oldest) finish(e, e->flows.closed_oldest);
    while (e->flows.oldest) finish(e, e->flows.oldest);
    e->flushing = false;
    release_ready(e, true);
}

void td_engine_mark_drops(td_engine *e)
{
    for (td_conn *c = e->flows.oldest; c; c = c->newer) c->t.capture_drops = true;
    for (td_conn *c = e->flows.closed_oldest; c; c = c->newer) c->t.capture_drops = true;
}

const td_engine_stats *td_engine_get_stats(const td_engine *e) { return &e->st; }
size_t td_engine_open_connections(const td_engine *e) { return e->flows.count; }

void td_engine_free(td_engine *e)
{
    if (!e) return;
    td_engine_end_file(e);
    td_flows_free(&e->flows);
    free(e->heap);
    td_x509_cache_free(e->x509);
    free(e);
}

void td_engine_set_keylog(td_engine *e, struct td_keylog *k, bool grows)
{
    if (!e) return;
    e->keylog = k;
    e->keylog_grows = grows;
}
