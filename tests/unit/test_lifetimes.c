/* test_lifetimes.c - the engine's memory-minded connection lifetimes (analyzer/flow/
 * conn_lifetimes.c, reorder_heap.c, flow_table.c).  Closed connections end after their linger even
 * when silent open ones are older; a connection starts without its TLS facts and gets them,
 * moved in memory, on its first byte, with every list it is on still right; output order survives
 * both; the endpoints, written only when a connection ends, are right whichever way it ended; an
 * attempt nobody answers ends once its client's backoff says it gave up, the same whether or not
 * other traffic ran a sweep in between (a shard's view).
 * Frames are raw IPv4 (LINKTYPE_IPV4 = 228) built here. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "analyzer/flow/engine.h"

#define LINKTYPE_IPV4 228
enum { FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16 };

typedef struct rec {
    uint64_t id;
    uint16_t cport;
    char cip[46], sip[46];
    uint16_t sport;
    bool not_tls;
    uint32_t packets[2];
    size_t n_events;
    uint64_t first_packet, last_packet;
    double end, capture_end;
    bool idle_timeout, evicted;
} rec;

typedef struct out {
    rec v[4096];
    size_t n;
} out;

static void on_conn(void *ctx, td_transcript *t)
{
    out *o = ctx;
    if (o->n >= sizeof o->v / sizeof o->v[0]) return;
    rec *r = &o->v[o->n++];
    r->id = t->id;
    r->cport = t->client.port;
    memcpy(r->cip, t->client.ip, sizeof r->cip);
    memcpy(r->sip, t->server.ip, sizeof r->sip);
    r->sport = t->server.port;
    r->not_tls = t->tls.not_tls[TD_C2S];
    r->packets[0] = t->tcp.packets[0];
    r->packets[1] = t->tcp.packets[1];
    r->n_events = t->n_events;
    r->first_packet = t->first_packet;
    r->last_packet = t->last_packet;
    r->end = t->end;
    r->capture_end = t->capture_end;
    r->idle_timeout = t->idle_timeout;
    r->evicted = t->evicted;
}

typedef struct eng {
    td_engine_config cfg;
    td_engine *e;
    out *out;
    uint64_t number;
    double ts;
} eng;

/* max_connections: --max-connections (0: no cap). */
static void eng_init(eng *g, size_t max_connections)
{
    memset(g, 0, sizeof *g);
    g->cfg.tls_ports.port[0] = 443;
    g->cfg.tls_ports.n = 1;
    g->cfg.max_connections = max_connections;
    g->out = calloc(1, sizeof *g->out);
    g->e = td_engine_new(&g->cfg, true, on_conn, g->out);
    td_engine_begin_file(g->e, "test", LINKTYPE_IPV4);
    g->ts = 1700000000.0;
}

/* The same with an idle timeout (--idle-timeout), no connection cap. */
static void eng_init_idle(eng *g, double idle_timeout)
{
    eng_init(g, 0);
    td_engine_free(g->e);
    g->cfg.idle_timeout = idle_timeout;
    g->e = td_engine_new(&g->cfg, true, on_conn, g->out);
    td_engine_begin_file(g->e, "test", LINKTYPE_IPV4);
}

static void eng_free(eng *g)
{
    td_engine_free(g->e);
    free(g->out);
}

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

/* One TCP segment from (sip, sport) to (dip, dport). */
static void frame(eng *g, uint32_t sip, uint16_t sport, uint32_t dip, uint16_t dport, uint32_t seq,
                  uint32_t ack, uint8_t flags, const char *data)
{
    uint8_t f[1500];
    size_t len = data ? strlen(data) : 0;
    memset(f, 0, 40);
    f[0] = 0x45;
    put16(f + 2, (unsigned)(40 + len));
    f[8] = 64;
    f[9] = 6;
    put32(f + 12, sip);
    put32(f + 16, dip);
    put16(f + 20, sport);
    put16(f + 22, dport);
    put32(f + 24, seq);
    put32(f + 28, ack);
    f[32] = 5 << 4;
    f[33] = flags;
    put16(f + 34, 65535);
    if (len) memcpy(f + 40, data, len);
    td_frame fr = { .data = f, .caplen = 40 + len, .wirelen = 40 + len, .ts = g->ts };
    td_engine_frame(g->e, &fr, ++g->number);
    g->ts += 0.001;
}

typedef struct tcpc {
    uint32_t cip, sip;
    uint16_t cport;
    uint32_t cseq, sseq;
} tcpc;

static tcpc conn(uint16_t cport)
{
    tcpc k = { 0x0a000001u + cport, 0x0a0000feu, cport, 1000u * cport, 7000u * cport };
    return k;
}

/* The record's endpoints are those of conn(cport). */
static bool endpoints_are(const rec *r, uint16_t cport)
{
    tcpc k = conn(cport);
    char cip[46];
    snprintf(cip, sizeof cip, "%u.%u.%u.%u", k.cip >> 24, (k.cip >> 16) & 255, (k.cip >> 8) & 255, k.cip & 255);
    return r->cport == cport && strcmp(r->cip, cip) == 0 && strcmp(r->sip, "10.0.0.254") == 0 && r->sport == 443;
}

static void send_(eng *g, tcpc *k, int dir, uint8_t flags, const char *data)
{
    uint32_t *seq = dir == 0 ? &k->cseq : &k->sseq;
    uint32_t ack = dir == 0 ? k->sseq : k->cseq;
    if (dir == 0) frame(g, k->cip, k->cport, k->sip, 443, *seq, ack, flags, data);
    else frame(g, k->sip, 443, k->cip, k->cport, *seq, ack, flags, data);
    *seq += (uint32_t)(data ? strlen(data) : 0) + ((flags & (SYN | FIN)) ? 1u : 0u);
}

static void handshake3(eng *g, tcpc *k)
{
    send_(g, k, 0, SYN, NULL);
    send_(g, k, 1, SYN | ACK, NULL);
    send_(g, k, 0, ACK, NULL);
}

static void close4(eng *g, tcpc *k)
{
    send_(g, k, 0, FIN | ACK, NULL);
    send_(g, k, 1, FIN | ACK, NULL);
    send_(g, k, 0, ACK, NULL);
}

TEST(closed_connections_end_behind_silent_ones)
{
    eng g;
    eng_init(&g, 0);
    for (uint16_t i = 0; i < 20; i++) {               /* SYNs nobody answers: open to the end */
        tcpc k = conn((uint16_t)(30000 + i));
        send_(&g, &k, 0, SYN, NULL);
    }
    for (uint16_t i = 0; i < 200; i++) {              /* then short connections that close */
        tcpc k = conn((uint16_t)(40000 + i));
        handshake3(&g, &k);
        close4(&g, &k);
    }
    g.ts += 5;                                        /* past the linger */
    tcpc k = conn(50000);
    send_(&g, &k, 0, SYN, NULL);
    CHECK(td_engine_open_connections(g.e) == 21);
    td_engine_end_file(g.e);
    CHECK(g.out->n == 221);
    bool order = true;
    for (size_t i = 0; i < g.out->n; i++)
        if (g.out->v[i].id != i + 1 || (i > 0 && g.out->v[i].first_packet < g.out->v[i - 1].first_packet)) order = false;
    CHECK(order);
    eng_free(&g);
}

TEST(connections_grow_on_their_first_byte)
{
    eng g;
    eng_init(&g, 0);
    enum { N = 300 };
    tcpc k[N];
    for (int i = 0; i < N; i++) {
        k[i] = conn((uint16_t)(20000 + i));
        handshake3(&g, &k[i]);
    }
    /* Data in a scrambled order: each connection moves in memory while its neighbours in the
     * hash chain, the idle order and the creation order stay in place. */
    for (int j = 0; j < N; j++) {
        int i = (j * 7919) % N;
        send_(&g, &k[i], 0, PSH | ACK, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        send_(&g, &k[i], 1, ACK, NULL);
    }
    CHECK(td_engine_open_connections(g.e) == N);
    for (int j = 0; j < N; j++) close4(&g, &k[(j * 31) % N]);
    td_engine_end_file(g.e);
    CHECK(g.out->n == N);
    int bad = 0;
    for (size_t i = 0; i < g.out->n && i < N; i++) {
        const rec *r = &g.out->v[i];
        if (r->id != i + 1 || !endpoints_are(r, (uint16_t)(20000 + i)) || !r->not_tls || r->packets[0] != 5 ||
            r->packets[1] != 3 || r->n_events < 5)
            bad++;
    }
    CHECK(bad == 0);
    eng_free(&g);
}

TEST(silent_connections_stay_small_and_are_reported)
{
    eng g;
    eng_init(&g, 0);
    for (uint16_t i = 0; i < 1000; i++) {
        tcpc k = conn((uint16_t)(10000 + i));
        handshake3(&g, &k);
    }
    CHECK(td_engine_open_connections(g.e) == 1000);
    td_engine_end_file(g.e);
    CHECK(g.out->n == 1000);
    CHECK(g.out->v[999].cport == 10999 && g.out->v[999].n_events == 2 && !g.out->v[999].not_tls);
    int bad = 0;
    for (size_t i = 0; i < g.out->n; i++)
        if (!endpoints_are(&g.out->v[i], (uint16_t)(10000 + i))) bad++;
    CHECK(bad == 0);
    eng_free(&g);
}

/* Connections pushed out by --max-connections, and closed ones, get their endpoints too. */
TEST(evicted_and_closed_connections_have_their_endpoints)
{
    eng g;
    eng_init(&g, 10);
    for (uint16_t i = 0; i < 50; i++) {
        tcpc k = conn((uint16_t)(60000 + i));
        handshake3(&g, &k);
        if (i % 2) close4(&g, &k);
    }
    td_engine_end_file(g.e);
    CHECK(g.out->n == 50);
    int bad = 0;
    for (size_t i = 0; i < g.out->n && i < 50; i++)
        if (!endpoints_are(&g.out->v[i], (uint16_t)(60000 + i))) bad++;
    CHECK(bad == 0);
    eng_free(&g);
}

/* A SYN from conn(cport) at the time `at` (the clock moved there, never back). */
static void syn_at(eng *g, uint16_t cport, double at)
{
    tcpc k = conn(cport);
    g->ts = at;
    send_(g, &k, 0, SYN, NULL);
}

/* One packet of another host pair at `at`, which runs the sweep. */
static void other_at(eng *g, double at)
{
    static uint16_t port = 1000;
    syn_at(g, port++, at);
}

/* Linux's backoff: SYNs at 0, 1 and 3 s, then the client gives up.  Four times the 3 s it tried
 * is 12 s: still open 11.9 s after its last SYN, ended 12.1 s after, by no timeout of the user's. */
TEST(an_unanswered_attempt_ends_when_its_client_gave_up)
{
    eng g;
    eng_init(&g, 0);
    double t0 = g.ts;
    syn_at(&g, 30000, t0);
    syn_at(&g, 30000, t0 + 1);
    syn_at(&g, 30000, t0 + 3);
    other_at(&g, t0 + 3 + 11.9);
    CHECK(g.out->n == 0);
    other_at(&g, t0 + 3 + 12.1);
    CHECK(g.out->n == 1);
    if (g.out->n == 1)
        CHECK(g.out->v[0].cport == 30000 && g.out->v[0].packets[0] == 3 && g.out->v[0].last_packet == 3 &&
              !g.out->v[0].idle_timeout && !g.out->v[0].evicted);
    td_engine_end_file(g.e);
    CHECK(g.out->n == 3);
    eng_free(&g);
}

/* The longer a client has tried, the longer its next gap may be: SYNs at 0, 1, 3, 7 and 15 s (D =
 * 15 s, next gap up to 16 s) wait four times 15 s, in the class of 96 s. */
TEST(a_longer_attempt_waits_longer)
{
    eng g;
    eng_init(&g, 0);
    double t0 = g.ts, at[] = { 0, 1, 3, 7, 15 };
    for (int i = 0; i < 5; i++) syn_at(&g, 30001, t0 + at[i]);
    other_at(&g, t0 + 15 + 59);                       /* four times 15 s is 60: not yet */
    other_at(&g, t0 + 15 + 95);
    CHECK(g.out->n == 0);
    other_at(&g, t0 + 15 + 96.5);                     /* it goes out, and the other held behind it */
    CHECK(g.out->n == 2);
    if (g.out->n == 2) CHECK(g.out->v[0].cport == 30001 && g.out->v[0].packets[0] == 5);
    td_engine_end_file(g.e);
    eng_free(&g);
}

/* Answered (a SYN-ACK), an attempt is an open connection: offline it stays open to the end. */
TEST(an_answered_attempt_stays_open)
{
    eng g;
    eng_init(&g, 0);
    double t0 = g.ts;
    syn_at(&g, 30002, t0);
    syn_at(&g, 30002, t0 + 1);
    tcpc k = conn(30002);
    k.cseq++;
    send_(&g, &k, 1, SYN | ACK, NULL);
    other_at(&g, t0 + 500);
    CHECK(g.out->n == 0);
    td_engine_end_file(g.e);
    CHECK(g.out->n == 2 && g.out->v[0].cport == 30002 && g.out->v[0].packets[1] == 1);
    eng_free(&g);
}

/* A SYN past the wait begins a new connection, whether the sweep ended the attempt first (another
 * host pair's packet came between, as in the whole run) or not (as in a shard that has only this
 * host pair): the two runs report the same two connections. */
TEST(a_syn_past_the_wait_begins_a_new_connection_with_or_without_a_sweep)
{
    rec got[2][2];
    for (int sweep = 0; sweep < 2; sweep++) {
        eng g;
        eng_init(&g, 0);
        double t0 = g.ts;
        syn_at(&g, 30003, t0);
        if (sweep) {
            other_at(&g, t0 + 12.5);
            CHECK(g.out->n == 1);
        }
        syn_at(&g, 30003, t0 + 13);
        td_engine_end_file(g.e);
        size_t n = 0;
        for (size_t i = 0; i < g.out->n; i++)
            if (g.out->v[i].cport == 30003 && n < 2) got[sweep][n++] = g.out->v[i];
        CHECK(n == 2);
        CHECK(got[sweep][0].packets[0] == 1 && got[sweep][1].packets[0] == 1);
        eng_free(&g);
    }
    CHECK(got[0][0].first_packet == 1 && got[1][0].first_packet == 1);
    CHECK(got[0][1].first_packet == 2 && got[1][1].first_packet == 3);   /* the other packet was 2 */
}

/* An idle timeout shorter than the attempt's wait ends it first, and says so (live: 60 s, longer
 * than a short attempt's 12 s, which then ends by its client's giving up). */
TEST(an_idle_timeout_shorter_than_the_wait_ends_an_attempt_as_idle)
{
    for (int i = 0; i < 2; i++) {
        eng g;
        eng_init_idle(&g, i ? 60 : 5);
        double t0 = g.ts;
        syn_at(&g, 30004, t0);
        other_at(&g, t0 + 5.5);
        CHECK(g.out->n == (i ? 0u : 1u));
        other_at(&g, t0 + 12.5);
        CHECK(g.out->n >= 1);
        if (g.out->n >= 1) CHECK(g.out->v[0].cport == 30004 && g.out->v[0].idle_timeout == (i == 0));
        td_engine_end_file(g.e);
        eng_free(&g);
    }
}

/* With an idle timeout of 5 s, an open connection silent for 6 s is over: its next packet begins
 * another connection, and the first ends as of its timeout (capture_end 5 s after its last
 * packet), whether another host pair's packet ran the sweep in between (the whole run) or not (a
 * shard without that host pair). */
TEST(an_idle_connection_ends_when_due_with_or_without_a_sweep)
{
    rec got[2][2];
    size_t n[2] = { 0, 0 };
    for (int sweep = 0; sweep < 2; sweep++) {
        eng g;
        eng_init_idle(&g, 5);
        double t0 = g.ts;
        tcpc k = conn(30010);
        handshake3(&g, &k);
        if (sweep) other_at(&g, t0 + 5.5);
        g.ts = t0 + 6;
        send_(&g, &k, 0, PSH | ACK, "late");
        td_engine_end_file(g.e);
        for (size_t i = 0; i < g.out->n; i++)
            if (g.out->v[i].cport == 30010 && n[sweep] < 2) got[sweep][n[sweep]++] = g.out->v[i];
        eng_free(&g);
    }
    CHECK(n[0] == 2 && n[1] == 2);
    for (int sweep = 0; sweep < 2 && n[sweep] == 2; sweep++) {
        CHECK(got[sweep][0].idle_timeout && got[sweep][0].packets[0] == 2 && got[sweep][0].packets[1] == 1);
        CHECK(got[sweep][0].capture_end == got[sweep][0].end + 5);
        CHECK(got[sweep][1].packets[0] == 1 && !got[sweep][1].idle_timeout);
    }
}

/* --max-connections takes the connection silent the longest, an attempt or not. */
TEST(eviction_takes_the_least_recent_attempt_or_connection)
{
    eng g;
    eng_init(&g, 2);
    double t0 = g.ts;
    syn_at(&g, 30005, t0);                            /* an attempt, the oldest */
    tcpc b = conn(30006);
    g.ts = t0 + 1;
    handshake3(&g, &b);                               /* an open connection */
    syn_at(&g, 30007, t0 + 2);                        /* a third: the attempt makes room */
    CHECK(g.out->n == 1);
    if (g.out->n == 1) CHECK(g.out->v[0].cport == 30005 && g.out->v[0].evicted);
    g.ts = t0 + 3;
    send_(&g, &b, 0, ACK, NULL);
    syn_at(&g, 30008, t0 + 4);                        /* now the attempt of 30007 is the least recent */
    td_engine_end_file(g.e);
    CHECK(g.out->n == 4);
    if (g.out->n == 4)
        CHECK(g.out->v[1].cport == 30006 && !g.out->v[1].evicted && g.out->v[2].cport == 30007 &&
              g.out->v[2].evicted && g.out->v[3].cport == 30008 && !g.out->v[3].evicted);
    eng_free(&g);
}

int main(void)
{
    RUN(closed_connections_end_behind_silent_ones);
    RUN(connections_grow_on_their_first_byte);
    RUN(silent_connections_stay_small_and_are_reported);
    RUN(evicted_and_closed_connections_have_their_endpoints);
    RUN(an_unanswered_attempt_ends_when_its_client_gave_up);
    RUN(a_longer_attempt_waits_longer);
    RUN(an_answered_attempt_stays_open);
    RUN(a_syn_past_the_wait_begins_a_new_connection_with_or_without_a_sweep);
    RUN(an_idle_timeout_shorter_than_the_wait_ends_an_attempt_as_idle);
    RUN(eviction_takes_the_least_recent_attempt_or_connection);
    RUN(an_idle_connection_ends_when_due_with_or_without_a_sweep);
    return check_done();
}
