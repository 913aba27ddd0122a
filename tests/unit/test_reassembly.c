/* test_reassembly.c - TCP reassembly and connection handling through the engine's public API.
 * The API is analyzer/flow/engine.h; behind it engine.c, reassembly.c, flow_table.c,
 * tcp_state.c, conn_roles.c and conn_lifetimes.c (analyzer/flow/).
 *
 * Frames are built here (raw IPv4, LINKTYPE_IPV4 = 228, and Ethernet), fed with
 * td_engine_frame, and the transcripts the engine emits are copied in the callback and checked
 * field by field: roles, the TCP handshake and close, byte counts, packet numbers, out-of-order
 * and overlapping segments, gaps, SYN retransmissions, port reuse, mid-stream pick-up, the TLS
 * port filter and -A, output order and --max-connections eviction. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "analyzer/flow/engine.h"
#include "include/transcript.h"

#define LINKTYPE_IPV4 228
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_IPV6 229

enum { FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10 };

/* ---- bytes ------------------------------------------------------------------------------------ */

#include "bytebuf.h"

static void record(buf *out, unsigned type, const uint8_t *body, size_t len)
{
    put8(out, type);
    put16(out, 0x0303);
    put16(out, (unsigned)len);
    put(out, body, len);
}

/* A TLS record holding a ClientHello with SNI and ALPN h2. */
static void client_hello(buf *out, const char *sni)
{
    buf b = { 0 }, ex = { 0 };
    put16(&b, 0x0303);
    for (int i = 0; i < 32; i++) put8(&b, 0x40 + i);
    put8(&b, 0);
    put16(&b, 4);
    put16(&b, 0x1301);
    put16(&b, 0xc02f);
    put8(&b, 1);
    put8(&b, 0);
    size_t n = strlen(sni);
    put16(&ex, 0);
    put16(&ex, (unsigned)(n + 5));
    put16(&ex, (unsigned)(n + 3));
    put8(&ex, 0);
    put16(&ex, (unsigned)n);
    put(&ex, sni, n);
    put16(&ex, 16);
    put16(&ex, 5);
    put16(&ex, 3);
    put8(&ex, 2);
    put(&ex, "h2", 2);
    put16(&b, (unsigned)ex.n);
    put(&b, ex.p, ex.n);
    buf m = { 0 };
    put8(&m, 1);
    put24(&m, b.n);
    put(&m, b.p, b.n);
    record(out, 22, m.p, m.n);
    bfree(&b);
    bfree(&ex);
    bfree(&m);
}

/* ServerHello (TLS 1.2, cipher 0xc02f) + ServerHelloDone in one record. */
static void server_hello(buf *out)
{
    buf b = { 0 }, m = { 0 };
    put16(&b, 0x0303);
    for (int i = 0; i < 32; i++) put8(&b, 0x90 + i);
    put8(&b, 0);
    put16(&b, 0xc02f);
    put8(&b, 0);
    put8(&m, 2);
    put24(&m, b.n);
    put(&m, b.p, b.n);
    put8(&m, 14);
    put24(&m, 0);
    record(out, 22, m.p, m.n);
    bfree(&b);
    bfree(&m);
}

static void alert(buf *out, unsigned level, unsigned code)
{
    uint8_t a[2] = { (uint8_t)level, (uint8_t)code };
    record(out, 21, a, 2);
}

static void appdata(buf *out, size_t len)
{
    buf b = { 0 };
    for (size_t i = 0; i < len; i++) put8(&b, (unsigned)(i * 7 + 3));
    record(out, 23, b.p, b.n);
    bfree(&b);
}

/* ---- what the engine emits ----------------------------------------------------------------------- */

typedef struct conn_rec {
    uint64_t id, first_packet, last_packet;
    char cip[46], sip[46];
    uint16_t cport, sport;
    bool roles_guessed, on_tls_port, evicted, idle_timeout, capture_drops;
    const char *file;
    td_tcp tcp;
    char sni[64];
    bool client_hello, server_hello, server_hello_done;
    uint16_t version;
    uint32_t cipher;
    uint64_t app_data[2], app_records[2];
    uint32_t bad_records[2];
    size_t n_alerts;
    uint8_t alert_code[TD_MAX_ALERTS];
    uint64_t alert_packet[TD_MAX_ALERTS];
    bool not_tls[2];
    size_t n_events;
    bool has_gap_event[2];
} conn_rec;

typedef struct sink {
    conn_rec *v;
    size_t n, cap;
} sink;

static void on_emit(void *ctx, td_transcript *t)
{
    sink *s = ctx;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v) abort();
    }
    conn_rec *r = &s->v[s->n++];
    memset(r, 0, sizeof *r);
    r->id = t->id;
    r->first_packet = t->first_packet;
    r->last_packet = t->last_packet;
    snprintf(r->cip, sizeof r->cip, "%s", t->client.ip);
    snprintf(r->sip, sizeof r->sip, "%s", t->server.ip);
    r->cport = t->client.port;
    r->sport = t->server.port;
    r->roles_guessed = t->roles_guessed;
    r->on_tls_port = t->on_tls_port;
    r->evicted = t->evicted;
    r->idle_timeout = t->idle_timeout;
    r->capture_drops = t->capture_drops;
    r->file = t->file;
    r->tcp = t->tcp;
    if (t->tls.sni) snprintf(r->sni, sizeof r->sni, "%s", t->tls.sni);
    r->client_hello = t->tls.client_hello;
    r->server_hello = t->tls.server_hello;
    r->server_hello_done = t->tls.server_hello_done;
    r->version = t->tls.version;
    r->cipher = t->tls.cipher;
    for (int d = 0; d < 2; d++) {
        r->app_data[d] = t->tls.app_data[d];
        r->app_records[d] = t->tls.app_records[d];
        r->bad_records[d] = t->tls.bad_records[d];
        r->not_tls[d] = t->tls.not_tls[d];
    }
    r->n_alerts = t->tls.n_alerts;
    for (size_t i = 0; i < t->tls.n_alerts && i < TD_MAX_ALERTS; i++) {
        r->alert_code[i] = t->tls.alerts[i].code;
        r->alert_packet[i] = t->tls.alerts[i].packet;
    }
    r->n_events = t->n_events;
    for (size_t i = 0; i < t->n_events; i++)
        if (t->events[i].kind == TD_EV_GAP) r->has_gap_event[t->events[i].dir] = true;
}

/* ---- an engine fed with synthetic frames ----------------------------------------------------------- */

typedef struct eng {
    td_engine_config cfg;
    td_engine *e;
    sink out;
    uint64_t number;               /* last frame number */
    double ts;
    int linktype;
    const char *last_warning;
} eng;

static void eng_init(eng *g, int linktype)
{
    memset(g, 0, sizeof *g);
    g->cfg.tls_ports.n = 1;
    g->cfg.tls_ports.port[0] = 443;
    g->linktype = linktype;
    g->ts = 1700000000.0;
}

static void eng_start(eng *g)
{
    g->e = td_engine_new(&g->cfg, true, on_emit, &g->out);
    td_engine_begin_file(g->e, "test.pcap", g->linktype);
}

static void eng_end(eng *g)
{
    td_engine_end_file(g->e);
}

static void eng_free(eng *g)
{
    td_engine_free(g->e);
    free(g->out.v);
    g->out.v = NULL;
}

/* One TCP segment from (sip:sport) to (dip:dport), as a frame of the engine's link type. */
static void frame(eng *g, const uint8_t sip[4], uint16_t sport, const uint8_t dip[4], uint16_t dport,
                  uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *payload, size_t len)
{
    buf f = { 0 };
    if (g->linktype == LINKTYPE_ETHERNET) {
        put(&f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
        put16(&f, 0x0800);
    }
    put8(&f, 0x45);
    put8(&f, 0);
    put16(&f, (unsigned)(20 + 20 + len));
    put16(&f, 0x1234);
    put16(&f, 0x4000);                           /* DF */
    put8(&f, 64);
    put8(&f, 6);
    put16(&f, 0);
    put(&f, sip, 4);
    put(&f, dip, 4);
    put16(&f, sport);
    put16(&f, dport);
    put32(&f, seq);
    put32(&f, flags & ACK ? ack : 0);
    put8(&f, 5 << 4);
    put8(&f, flags);
    put16(&f, 65535);
    put16(&f, 0);
    put16(&f, 0);
    put(&f, payload, len);
    td_frame fr = { .data = f.p, .caplen = f.n, .wirelen = f.n, .ts = g->ts };
    fr.ts_sec = (uint64_t)g->ts;
    g->last_warning = td_engine_frame(g->e, &fr, ++g->number);
    bfree(&f);
    g->ts += 0.001;
}

/* The same over IPv6 (LINKTYPE_IPV6): addresses 2001:db8::<a> and 2001:db8::<b>. */
static void frame6(eng *g, uint8_t a, uint16_t sport, uint8_t b, uint16_t dport, uint32_t seq, uint32_t ack,
                   uint8_t flags, const uint8_t *payload, size_t len)
{
    buf f = { 0 };
    uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8 }, dst[16] = { 0x20, 0x01, 0x0d, 0xb8 };
    src[15] = a;
    dst[15] = b;
    put32(&f, 0x60000000u);
    put16(&f, (unsigned)(20 + len));
    put8(&f, 6);
    put8(&f, 64);
    put(&f, src, 16);
    put(&f, dst, 16);
    put16(&f, sport);
    put16(&f, dport);
    put32(&f, seq);
    put32(&f, flags & ACK ? ack : 0);
    put8(&f, 5 << 4);
    put8(&f, flags);
    put16(&f, 65535);
    put16(&f, 0);
    put16(&f, 0);
    put(&f, payload, len);
    td_frame fr = { .data = f.p, .caplen = f.n, .wirelen = f.n, .ts = g->ts };
    g->last_warning = td_engine_frame(g->e, &fr, ++g->number);
    bfree(&f);
    g->ts += 0.001;
}

/* A TCP connection's two endpoints and next sequence numbers. */
typedef struct tcpc {
    uint8_t cip[4], sip[4];
    uint16_t cport, sport;
    uint32_t cseq, sseq;           /* next sequence number each side sends */
} tcpc;

static tcpc conn(uint8_t last, uint16_t cport, uint16_t sport, uint32_t cisn, uint32_t sisn)
{
    tcpc k = { { 10, 0, 0, last }, { 192, 0, 2, 1 }, cport, sport, cisn, sisn };
    return k;
}

/* Send from the client (dir 0) or server (dir 1) at the side's current sequence number, acking
 * the peer's; advances the sequence number by the payload (and SYN/FIN). */
static void xmit(eng *g, tcpc *k, int dir, uint8_t flags, const uint8_t *data, size_t len)
{
    uint32_t *seq = dir == 0 ? &k->cseq : &k->sseq;
    uint32_t ack = dir == 0 ? k->sseq : k->cseq;
    if (dir == 0) frame(g, k->cip, k->cport, k->sip, k->sport, *seq, ack, flags, data, len);
    else frame(g, k->sip, k->sport, k->cip, k->cport, *seq, ack, flags, data, len);
    *seq += (uint32_t)len + ((flags & (SYN | FIN)) ? 1u : 0u);
}

static void sendb(eng *g, tcpc *k, int dir, uint8_t flags, const buf *b) { xmit(g, k, dir, flags, b->p, b->n); }

/* Send at an explicit sequence number, without moving the side's counter. */
static void send_at(eng *g, tcpc *k, int dir, uint32_t seq, uint8_t flags, const uint8_t *data, size_t len)
{
    uint32_t ack = dir == 0 ? k->sseq : k->cseq;
    if (dir == 0) frame(g, k->cip, k->cport, k->sip, k->sport, seq, ack, flags, data, len);
    else frame(g, k->sip, k->sport, k->cip, k->cport, seq, ack, flags, data, len);
}

static void handshake3(eng *g, tcpc *k)
{
    xmit(g, k, 0, SYN, NULL, 0);
    xmit(g, k, 1, SYN | ACK, NULL, 0);
    xmit(g, k, 0, ACK, NULL, 0);
}

static const conn_rec *only(const eng *g)
{
    return g->out.n == 1 ? &g->out.v[0] : NULL;
}

/* ---- tests -------------------------------------------------------------------------------------------- */

TEST(full_connection)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51234, 443, 1000, 5000);
    buf ch = { 0 }, sh = { 0 };
    client_hello(&ch, "www.example.com");
    server_hello(&sh);
    handshake3(&g, &k);                          /* 1, 2, 3 */
    sendb(&g, &k, 0, PSH | ACK, &ch);            /* 4 */
    xmit(&g, &k, 1, ACK, NULL, 0);               /* 5 */
    sendb(&g, &k, 1, PSH | ACK, &sh);            /* 6 */
    xmit(&g, &k, 0, ACK, NULL, 0);               /* 7 */
    xmit(&g, &k, 0, FIN | ACK, NULL, 0);         /* 8 */
    xmit(&g, &k, 1, FIN | ACK, NULL, 0);         /* 9 */
    xmit(&g, &k, 0, ACK, NULL, 0);               /* 10 */
    CHECK(g.out.n == 0);                         /* closed, but lingering for stragglers */
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->id == 1);
        CHECK_STR(r->cip, "10.0.0.5");
        CHECK_STR(r->sip, "192.0.2.1");
        CHECK(r->cport == 51234 && r->sport == 443);
        CHECK(!r->roles_guessed && r->on_tls_port && !r->evicted);
        CHECK(r->tcp.syn_seen && r->tcp.synack_seen && r->tcp.handshake && !r->tcp.midstream);
        CHECK(r->tcp.syn_retransmits == 0);
        CHECK(r->tcp.close == TD_CLOSE_FIN && r->tcp.closed_by == TD_BY_CLIENT);
        CHECK(r->tcp.fin[0] && r->tcp.fin[1] && r->tcp.fin_packet[0] == 8 && r->tcp.fin_packet[1] == 9);
        CHECK(r->tcp.bytes[0] == ch.n && r->tcp.bytes[1] == sh.n);
        CHECK(r->tcp.gaps[0] == 0 && r->tcp.gaps[1] == 0);
        CHECK(r->tcp.retransmits[0] == 0 && r->tcp.retransmits[1] == 0);
        CHECK(r->tcp.packets[0] == 6 && r->tcp.packets[1] == 4);
        CHECK(r->first_packet == 1 && r->last_packet == 10);
        CHECK_STR(r->sni, "www.example.com");
        CHECK(r->client_hello && r->server_hello && r->server_hello_done);
        CHECK(r->version == 0x0303 && r->cipher == 0xc02f);
    }
    const td_engine_stats *st = td_engine_get_stats(g.e);
    CHECK(st->packets == 10 && st->tcp_packets == 10 && st->connections == 1 && st->undecoded == 0);
    CHECK(td_engine_open_connections(g.e) == 0);
    eng_free(&g);
    bfree(&ch);
    bfree(&sh);
}

TEST(closed_connection_emitted_after_linger)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(6, 40000, 443, 1, 2);
    handshake3(&g, &k);
    xmit(&g, &k, 1, FIN | ACK, NULL, 0);
    xmit(&g, &k, 0, FIN | ACK, NULL, 0);
    xmit(&g, &k, 1, ACK, NULL, 0);
    CHECK(g.out.n == 0);
    g.ts += 5.0;                                 /* any later packet moves capture time on */
    tcpc other = conn(7, 40001, 443, 100, 200);
    xmit(&g, &other, 0, SYN, NULL, 0);
    CHECK(g.out.n == 1);
    if (g.out.n == 1) {
        CHECK(g.out.v[0].id == 1 && g.out.v[0].tcp.closed_by == TD_BY_SERVER);
        CHECK(g.out.v[0].last_packet == 6);
    }
    eng_end(&g);
    CHECK(g.out.n == 2);
    eng_free(&g);
}

TEST(ethernet_link_type)
{
    eng g;
    eng_init(&g, LINKTYPE_ETHERNET);
    eng_start(&g);
    tcpc k = conn(9, 50000, 443, 7, 9);
    buf ch = { 0 };
    client_hello(&ch, "eth.example");
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r && r->tcp.handshake);
    CHECK(r && strcmp(r->sni, "eth.example") == 0);
    CHECK(r && r->tcp.bytes[0] == ch.n);
    eng_free(&g);
    bfree(&ch);
}

TEST(out_of_order_segments)
{
    buf ch = { 0 };
    client_hello(&ch, "ooo.example.net");
    size_t a = ch.n / 3, b = 2 * ch.n / 3;
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51000, 443, 0xfffffff0u, 77);  /* the stream wraps past 2^32 */
    handshake3(&g, &k);
    uint32_t base = k.cseq;
    send_at(&g, &k, 0, base + (uint32_t)b, PSH | ACK, ch.p + b, ch.n - b);  /* 3 */
    send_at(&g, &k, 0, base, ACK, ch.p, a);                                 /* 1 */
    send_at(&g, &k, 0, base + (uint32_t)a, ACK, ch.p + a, b - a);           /* 2 */
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(r->sni, "ooo.example.net");
        CHECK(r->tcp.bytes[0] == ch.n);
        CHECK(r->tcp.gaps[0] == 0 && r->tcp.retransmits[0] == 0);
        CHECK(r->bad_records[0] == 0);
        CHECK(!r->tcp.ooo_cap_hit);
    }
    eng_free(&g);
    bfree(&ch);
}

TEST(duplicate_retransmission_not_double_delivered)
{
    buf ch = { 0 }, app = { 0 };
    client_hello(&ch, "dup.example");
    appdata(&app, 300);
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51001, 443, 100, 200);
    handshake3(&g, &k);
    uint32_t base = k.cseq;
    size_t half = ch.n / 2;
    send_at(&g, &k, 0, base, ACK, ch.p, half);
    send_at(&g, &k, 0, base, ACK, ch.p, half);                  /* exact duplicate */
    send_at(&g, &k, 0, base + (uint32_t)half, ACK, ch.p + half, ch.n - half);
    send_at(&g, &k, 0, base + (uint32_t)half, ACK, ch.p + half, ch.n - half);
    uint32_t next = base + (uint32_t)ch.n;
    /* A duplicate of an out-of-order (held) segment. */
    send_at(&g, &k, 0, next + 100, ACK, app.p + 100, app.n - 100);
    send_at(&g, &k, 0, next + 100, ACK, app.p + 100, app.n - 100);
    send_at(&g, &k, 0, next, ACK, app.p, 100);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.bytes[0] == ch.n + app.n);
        CHECK(r->tcp.retransmits[0] == 2);
        CHECK_STR(r->sni, "dup.example");
        CHECK(r->app_records[0] == 1 && r->app_data[0] == 300);
        CHECK(r->bad_records[0] == 0);
        CHECK(r->tcp.gaps[0] == 0);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&app);
}

static size_t find_sni(const buf *ch, const char *sni)
{
    size_t n = strlen(sni);
    for (size_t i = 0; i + n <= ch->n; i++)
        if (memcmp(ch->p + i, sni, n) == 0) return i;
    return 0;
}

TEST(overlap_first_copy_wins_in_order)
{
    buf ch = { 0 };
    client_hello(&ch, "first.example.com");
    size_t off = find_sni(&ch, "first.example.com");
    CHECK(off > 0);
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51002, 443, 100, 200);
    handshake3(&g, &k);
    uint32_t base = k.cseq;
    /* First copy: up to 8 bytes into the SNI.  Second copy: from the SNI on, its first 8 bytes
     * corrupted ("XXXXXXXX"), which would give "XXXXXXXXample.com" if it were used. */
    send_at(&g, &k, 0, base, ACK, ch.p, off + 8);
    buf second = { 0 };
    put(&second, ch.p + off, ch.n - off);
    memset(second.p, 'X', 8);
    send_at(&g, &k, 0, base + (uint32_t)off, ACK, second.p, second.n);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(r->sni, "first.example.com");
        CHECK(r->tcp.bytes[0] == ch.n);
        CHECK(r->tcp.retransmits[0] == 1);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&second);
}

TEST(overlap_first_copy_wins_when_held)
{
    /* The first copy of the SNI bytes arrives out of order and is held; a later in-order segment
     * overlaps it with different bytes.  The held (first) copy must win. */
    buf ch = { 0 };
    client_hello(&ch, "held.example.com");
    size_t off = find_sni(&ch, "held.example.com");
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51003, 443, 100, 200);
    handshake3(&g, &k);
    uint32_t base = k.cseq;
    send_at(&g, &k, 0, base + (uint32_t)off, ACK, ch.p + off, ch.n - off);   /* held */
    buf second = { 0 };
    put(&second, ch.p, off + 8);
    memset(second.p + off, 'X', 8);
    send_at(&g, &k, 0, base, ACK, second.p, second.n);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(r->sni, "held.example.com");
        CHECK(r->tcp.bytes[0] == ch.n);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&second);
}

TEST(overlap_between_held_segments)
{
    /* Two held segments that overlap: the first held copy wins, then the hole fills. */
    buf ch = { 0 };
    client_hello(&ch, "two.held.example");
    size_t off = find_sni(&ch, "two.held.example");
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51004, 443, 100, 200);
    handshake3(&g, &k);
    uint32_t base = k.cseq;
    send_at(&g, &k, 0, base + (uint32_t)off, ACK, ch.p + off, ch.n - off);   /* held, good */
    buf bad = { 0 };
    put(&bad, ch.p + 10, ch.n - 10);
    memset(bad.p + (off - 10), 'Y', 6);                                     /* overlaps with Ys */
    send_at(&g, &k, 0, base + 10, ACK, bad.p, bad.n);                        /* held too */
    send_at(&g, &k, 0, base, ACK, ch.p, 10);                                 /* fills the hole */
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(r->sni, "two.held.example");
        CHECK(r->tcp.bytes[0] == ch.n);
        CHECK(r->tcp.gaps[0] == 0);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&bad);
}

TEST(acked_hole_becomes_gap)
{
    buf ch = { 0 }, sh = { 0 }, lost = { 0 }, next = { 0 }, al = { 0 };
    client_hello(&ch, "gap.example");
    server_hello(&sh);
    appdata(&lost, 200);
    appdata(&next, 50);
    alert(&al, 2, 20);
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51005, 443, 100, 200);
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    sendb(&g, &k, 1, PSH | ACK, &sh);
    /* The client's next record is not captured; the one after it is. */
    uint32_t lost_seq = k.cseq;
    k.cseq += (uint32_t)lost.n;
    sendb(&g, &k, 0, PSH | ACK, &next);
    CHECK(g.out.n == 0);
    xmit(&g, &k, 1, ACK, NULL, 0);               /* the server acknowledges everything */
    sendb(&g, &k, 0, PSH | ACK, &al);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.gaps[0] == 1);
        CHECK(r->tcp.gap_bytes[0] == lost.n);
        CHECK(r->has_gap_event[0]);
        CHECK(r->tcp.bytes[0] == ch.n + next.n + al.n);
        CHECK(r->app_records[0] == 1 && r->app_data[0] == 50);
        CHECK(r->n_alerts == 1 && r->alert_code[0] == 20);
        CHECK(r->tcp.gaps[1] == 0);
    }
    (void)lost_seq;
    eng_free(&g);
    bfree(&ch);
    bfree(&sh);
    bfree(&lost);
    bfree(&next);
    bfree(&al);
}

TEST(hole_inside_record_keeps_sync)
{
    /* A segment lost in the middle of one application-data record: later records still parse. */
    buf ch = { 0 }, big = { 0 }, al = { 0 };
    client_hello(&ch, "gap2.example");
    appdata(&big, 3000);
    alert(&al, 1, 0);
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51006, 443, 100, 200);
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    uint32_t base = k.cseq;
    send_at(&g, &k, 0, base, ACK, big.p, 1000);
    send_at(&g, &k, 0, base + 2000, ACK, big.p + 2000, 1000);   /* 1000..2000 never captured */
    send_at(&g, &k, 0, base + 3000, PSH | ACK, big.p + 3000, big.n - 3000);
    k.cseq = base + (uint32_t)big.n;
    xmit(&g, &k, 1, ACK, NULL, 0);
    sendb(&g, &k, 0, PSH | ACK, &al);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.gaps[0] == 1 && r->tcp.gap_bytes[0] == 1000);
        CHECK(r->n_alerts == 1 && r->alert_code[0] == 0);
        CHECK(r->app_records[0] == 1 && r->app_data[0] == 2000);   /* captured, not declared: 1000 lost */
        CHECK(r->bad_records[0] == 0);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&big);
    bfree(&al);
}

TEST(hole_never_filled_is_gap_at_end)
{
    buf ch = { 0 }, app = { 0 };
    client_hello(&ch, "end.example");
    appdata(&app, 100);
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51007, 443, 100, 200);
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    send_at(&g, &k, 0, k.cseq + 500, PSH | ACK, app.p, app.n);  /* 500 bytes never seen */
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.gaps[0] == 1 && r->tcp.gap_bytes[0] == 500);
        CHECK(r->tcp.bytes[0] == ch.n + app.n);
        CHECK(r->app_records[0] == 1);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&app);
}

TEST(syn_only_with_retransmits)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51008, 443, 12345, 0);
    send_at(&g, &k, 0, 12345, SYN, NULL, 0);
    g.ts += 1.0;
    send_at(&g, &k, 0, 12345, SYN, NULL, 0);
    g.ts += 2.0;
    send_at(&g, &k, 0, 12345, SYN, NULL, 0);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.syn_seen && r->tcp.syn_retransmits == 2);
        CHECK(!r->tcp.synack_seen && !r->tcp.handshake);
        CHECK(r->tcp.close == TD_CLOSE_NONE && r->tcp.closed_by == TD_BY_NONE);
        CHECK(r->first_packet == 1 && r->last_packet == 3);
        CHECK(r->tcp.packets[0] == 3 && r->tcp.packets[1] == 0);
        CHECK(!r->client_hello);
        CHECK(r->n_events == 1);                 /* one SYN event, not three */
    }
    eng_free(&g);
}

TEST(syn_answered_by_rst)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51009, 443, 5000, 0);
    xmit(&g, &k, 0, SYN, NULL, 0);
    xmit(&g, &k, 1, RST | ACK, NULL, 0);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.close == TD_CLOSE_RST && r->tcp.closed_by == TD_BY_SERVER);
        CHECK(r->tcp.rst_packet == 2 && r->tcp.rst_from == TD_S2C);
        CHECK(!r->tcp.synack_seen && !r->tcp.handshake);
        CHECK(r->last_packet == 2);
    }
    eng_free(&g);
}

TEST(stray_packets_make_no_connection)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51010, 443, 5000, 9000);
    xmit(&g, &k, 0, ACK, NULL, 0);
    xmit(&g, &k, 1, RST, NULL, 0);
    xmit(&g, &k, 0, FIN | ACK, NULL, 0);
    eng_end(&g);
    CHECK(g.out.n == 0);
    eng_free(&g);
}

TEST(midstream_roles_from_port)
{
    buf app = { 0 }, app2 = { 0 };
    appdata(&app, 400);
    appdata(&app2, 40);
    for (int first = 0; first < 2; first++) {
        eng g;
        eng_init(&g, LINKTYPE_IPV4);
        eng_start(&g);
        tcpc k = conn(5, 60000, 443, 1000000, 2000000);
        /* No SYN: the first packet is data, from the server (first == 1) or the client. */
        sendb(&g, &k, first, PSH | ACK, &app);
        sendb(&g, &k, !first, PSH | ACK, &app2);
        sendb(&g, &k, first, PSH | ACK, &app);
        eng_end(&g);
        const conn_rec *r = only(&g);
        CHECK(r != NULL);
        if (r) {
            CHECK(r->tcp.midstream && r->roles_guessed);
            CHECK(!r->tcp.syn_seen && !r->tcp.handshake);
            CHECK_STR(r->cip, "10.0.0.5");
            CHECK_STR(r->sip, "192.0.2.1");
            CHECK(r->cport == 60000 && r->sport == 443);
            CHECK(r->tcp.bytes[first] == 2 * app.n && r->tcp.bytes[!first] == app2.n);
            CHECK(r->app_records[first] == 2 && r->app_data[first] == 800);
            CHECK(r->app_records[!first] == 1);
            CHECK(r->tcp.gaps[0] == 0 && r->tcp.gaps[1] == 0);
        }
        eng_free(&g);
    }
    bfree(&app);
    bfree(&app2);
}

TEST(midstream_roles_from_client_hello)
{
    /* Both ports are TLS ports: the ClientHello sender is the client. */
    buf ch = { 0 };
    client_hello(&ch, "both.example");
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    g.cfg.tls_ports.n = 2;
    g.cfg.tls_ports.port[1] = 8443;
    eng_start(&g);
    tcpc k = conn(5, 8443, 443, 10, 20);
    /* The "server" here (192.0.2.1:443) sends the ClientHello. */
    sendb(&g, &k, 1, PSH | ACK, &ch);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(r->cip, "192.0.2.1");
        CHECK(r->cport == 443 && r->sport == 8443);
        CHECK_STR(r->sni, "both.example");
        CHECK(r->roles_guessed);
    }
    eng_free(&g);
    bfree(&ch);
}

TEST(port_reuse_makes_two_connections)
{
    for (int wait = 0; wait < 2; wait++) {
        eng g;
        eng_init(&g, LINKTYPE_IPV4);
        eng_start(&g);
        buf ch1 = { 0 }, ch2 = { 0 };
        client_hello(&ch1, "one.example");
        client_hello(&ch2, "two.example");
        tcpc k = conn(5, 52000, 443, 1000, 2000);
        handshake3(&g, &k);
        sendb(&g, &k, 0, PSH | ACK, &ch1);
        xmit(&g, &k, 0, FIN | ACK, NULL, 0);
        xmit(&g, &k, 1, FIN | ACK, NULL, 0);
        xmit(&g, &k, 0, ACK, NULL, 0);
        if (wait) g.ts += 10.0;                 /* after the linger, or right away */
        tcpc k2 = conn(5, 52000, 443, 900000, 800000);
        handshake3(&g, &k2);
        sendb(&g, &k2, 0, PSH | ACK, &ch2);
        eng_end(&g);
        CHECK(g.out.n == 2);
        if (g.out.n == 2) {
            CHECK(g.out.v[0].id == 1 && g.out.v[1].id == 2);
            CHECK_STR(g.out.v[0].sni, "one.example");
            CHECK_STR(g.out.v[1].sni, "two.example");
            CHECK(g.out.v[0].first_packet == 1 && g.out.v[0].last_packet == 7);
            CHECK(g.out.v[1].first_packet == 8 && g.out.v[1].last_packet == 11);
            CHECK(g.out.v[1].tcp.handshake && g.out.v[1].tcp.syn_retransmits == 0);
            CHECK(g.out.v[1].tcp.bytes[0] == ch2.n);
            CHECK(g.out.v[0].tcp.close == TD_CLOSE_FIN && g.out.v[1].tcp.close == TD_CLOSE_NONE);
        }
        eng_free(&g);
        bfree(&ch1);
        bfree(&ch2);
    }
}

TEST(non_tls_ports_ignored_unless_any_port)
{
    buf ch = { 0 };
    client_hello(&ch, "any.example");
    const char *http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 53000, 8443, 10, 20);
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    eng_end(&g);
    CHECK(g.out.n == 0);
    eng_free(&g);

    eng_init(&g, LINKTYPE_IPV4);
    g.cfg.any_port = true;
    eng_start(&g);
    k = conn(5, 53001, 8443, 10, 20);
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    tcpc h = conn(6, 53002, 8080, 10, 20);
    handshake3(&g, &h);
    xmit(&g, &h, 0, PSH | ACK, (const uint8_t *)http, strlen(http));
    xmit(&g, &h, 1, PSH | ACK, (const uint8_t *)"HTTP/1.1 200 OK\r\n\r\n", 19);
    tcpc s = conn(7, 53003, 9999, 10, 20);      /* SYN only on another port: not shown to be TLS */
    xmit(&g, &s, 0, SYN, NULL, 0);
    eng_end(&g);
    CHECK(g.out.n == 1);
    if (g.out.n == 1) {
        const conn_rec *r = &g.out.v[0];
        CHECK(r->id == 1);
        CHECK(r->sport == 8443 && r->cport == 53001);
        CHECK(!r->on_tls_port);
        CHECK_STR(r->sni, "any.example");
        CHECK(r->tcp.handshake && r->tcp.syn_seen);
        CHECK(r->first_packet == 1);
        CHECK(r->tcp.bytes[0] == ch.n);
    }
    CHECK(td_engine_get_stats(g.e)->connections == 1);
    eng_free(&g);
    bfree(&ch);
}

static void many_connections(int n, bool shuffle_activity, int *emitted, int *in_order, int *distinct)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    for (int i = 0; i < n; i++) {
        tcpc k = conn((uint8_t)(i / 50000 + 1), (uint16_t)(10000 + i % 50000), 443, (uint32_t)i * 7919u, 0);
        k.cip[2] = (uint8_t)(i >> 8);
        xmit(&g, &k, 0, SYN, NULL, 0);
    }
    if (shuffle_activity) {
        /* Retransmit the SYNs of the even ones: the activity order is no longer the id order. */
        for (int i = 0; i < n; i += 2) {
            tcpc k = conn((uint8_t)(i / 50000 + 1), (uint16_t)(10000 + i % 50000), 443, (uint32_t)i * 7919u, 0);
            k.cip[2] = (uint8_t)(i >> 8);
            xmit(&g, &k, 0, SYN, NULL, 0);
        }
    }
    CHECK(td_engine_open_connections(g.e) == (size_t)n);
    eng_end(&g);
    *emitted = (int)g.out.n;
    *in_order = 1;
    for (size_t i = 0; i < g.out.n; i++)
        if (g.out.v[i].id != i + 1) *in_order = 0;
    *distinct = 1;
    for (size_t i = 0; i < g.out.n; i++)
        if (g.out.v[i].tcp.syn_retransmits != (shuffle_activity && (g.out.v[i].id - 1) % 2 == 0 ? 1u : 0u))
            *distinct = 0;
    CHECK(td_engine_get_stats(g.e)->peak_open == (size_t)n);
    eng_free(&g);
}

TEST(twenty_thousand_connections_in_id_order)
{
    int emitted, in_order, distinct;
    many_connections(20000, false, &emitted, &in_order, &distinct);
    CHECK(emitted == 20000);
    CHECK(in_order);
    CHECK(distinct);
}

TEST(end_of_file_output_in_id_order_whatever_the_activity)
{
    int emitted, in_order, distinct;
    many_connections(20000, true, &emitted, &in_order, &distinct);
    CHECK(emitted == 20000);
    CHECK(in_order);
    CHECK(distinct);
}

TEST(max_connections_evicts_oldest)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    g.cfg.max_connections = 10;
    eng_start(&g);
    for (int i = 0; i < 50; i++) {
        tcpc k = conn(5, (uint16_t)(20000 + i), 443, 100, 0);
        xmit(&g, &k, 0, SYN, NULL, 0);
        CHECK(td_engine_open_connections(g.e) <= 10);
    }
    CHECK(g.out.n == 40);
    eng_end(&g);
    CHECK(g.out.n == 50);
    int evicted = 0, order = 1;
    for (size_t i = 0; i < g.out.n; i++) {
        const conn_rec *r = &g.out.v[i];
        if (r->id != i + 1) order = 0;
        if (r->evicted) evicted++;
        CHECK(r->evicted == (r->id <= 40));
        CHECK(r->cport == 20000 + r->id - 1);
    }
    CHECK(evicted == 40);
    CHECK(order);
    CHECK(td_engine_get_stats(g.e)->evicted == 40);
    CHECK(td_engine_get_stats(g.e)->peak_open == 10);
    eng_free(&g);
}

TEST(out_of_order_cap)
{
    /* Far more held segments than the cap: a capped, counted gap, never a crash. */
    buf ch = { 0 };
    client_hello(&ch, "cap.example");
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 54000, 443, 100, 200);
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    uint32_t base = k.cseq;
    buf app = { 0 };
    appdata(&app, 16100);
    /* Leave a 10-byte hole, then send 1000 segments of 16 bytes each ahead of it. */
    for (uint32_t i = 0; i < 1000; i++) {
        uint32_t off = 10 + i * 16;
        send_at(&g, &k, 0, base + off, ACK, app.p + off, 16);
    }
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.ooo_cap_hit);
        CHECK(r->tcp.gaps[0] >= 1);
        CHECK(r->tcp.bytes[0] == ch.n + 16000);
        CHECK(r->tcp.gap_bytes[0] == 10);
        CHECK_STR(r->sni, "cap.example");
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&app);
}

TEST(syn_with_data_fast_open)
{
    /* TCP Fast Open: the ClientHello rides on the SYN.  Its first byte has sequence number
     * ISN + 1 (the SYN takes ISN). */
    buf ch = { 0 }, sh = { 0 };
    client_hello(&ch, "tfo.example");
    server_hello(&sh);
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 54500, 443, 7000, 9000);
    sendb(&g, &k, 0, SYN, &ch);
    xmit(&g, &k, 1, SYN | ACK, NULL, 0);
    xmit(&g, &k, 0, ACK, NULL, 0);
    sendb(&g, &k, 1, PSH | ACK, &sh);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.bytes[0] == ch.n);
        CHECK(!r->not_tls[0]);
        CHECK(r->client_hello);
        CHECK_STR(r->sni, "tfo.example");
        CHECK(r->tcp.retransmits[0] == 0);
        CHECK(r->server_hello);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&sh);
}

TEST(fin_carrying_data)
{
    buf ch = { 0 }, al = { 0 };
    client_hello(&ch, "fin.example");
    alert(&al, 2, 40);
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 54600, 443, 1, 2);
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    sendb(&g, &k, 1, FIN | PSH | ACK, &al);      /* alert and FIN together */
    xmit(&g, &k, 0, ACK, NULL, 0);               /* acks the FIN: not a hole */
    xmit(&g, &k, 0, FIN | ACK, NULL, 0);
    xmit(&g, &k, 1, ACK, NULL, 0);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.bytes[1] == al.n);
        CHECK(r->n_alerts == 1 && r->alert_code[0] == 40 && r->alert_packet[0] == 5);
        CHECK(r->tcp.close == TD_CLOSE_FIN && r->tcp.closed_by == TD_BY_SERVER);
        CHECK(r->tcp.gaps[0] == 0 && r->tcp.gaps[1] == 0);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&al);
}

TEST(snap_length_cut_is_a_gap)
{
    buf ch = { 0 }, app = { 0 }, al = { 0 };
    client_hello(&ch, "snap.example");
    appdata(&app, 1200);
    alert(&al, 1, 0);
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 54700, 443, 1, 2);
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    /* The application-data segment captured with a 200-byte snap length. */
    buf f = { 0 };
    put8(&f, 0x45);
    put8(&f, 0);
    put16(&f, (unsigned)(40 + app.n));
    put16(&f, 1);
    put16(&f, 0x4000);
    put8(&f, 64);
    put8(&f, 6);
    put16(&f, 0);
    put(&f, k.cip, 4);
    put(&f, k.sip, 4);
    put16(&f, k.cport);
    put16(&f, k.sport);
    put32(&f, k.cseq);
    put32(&f, k.sseq);
    put8(&f, 0x50);
    put8(&f, ACK);
    put16(&f, 1000);
    put16(&f, 0);
    put16(&f, 0);
    put(&f, app.p, app.n);
    td_frame fr = { .data = f.p, .caplen = 200, .wirelen = f.n, .ts = g.ts };
    td_engine_frame(g.e, &fr, ++g.number);
    k.cseq += (uint32_t)app.n;
    sendb(&g, &k, 0, PSH | ACK, &al);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.bytes[0] == ch.n + 160 + al.n);
        CHECK(r->tcp.gaps[0] == 1 && r->tcp.gap_bytes[0] == app.n - 160);
        CHECK(r->app_records[0] == 1 && r->app_data[0] == 155);    /* what the snap length kept of it */
        CHECK(r->n_alerts == 1);
        CHECK(r->bad_records[0] == 0);
    }
    CHECK(td_engine_get_stats(g.e)->truncated == 1);
    eng_free(&g);
    bfree(&ch);
    bfree(&app);
    bfree(&al);
    bfree(&f);
}

TEST(idle_timeout)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    g.cfg.idle_timeout = 30;
    eng_start(&g);
    tcpc a = conn(5, 55000, 443, 1, 2), b = conn(6, 55001, 443, 1, 2);
    handshake3(&g, &a);
    g.ts += 31;
    handshake3(&g, &b);                          /* a has been idle for 31 s */
    CHECK(g.out.n == 1);
    if (g.out.n == 1) CHECK(g.out.v[0].id == 1 && g.out.v[0].idle_timeout);
    td_engine_expire(g.e, g.ts + 60);
    CHECK(g.out.n == 2);
    if (g.out.n == 2) CHECK(g.out.v[1].id == 2 && g.out.v[1].idle_timeout);
    CHECK(td_engine_open_connections(g.e) == 0);
    eng_end(&g);
    CHECK(g.out.n == 2);
    eng_free(&g);
}

TEST(out_of_order_byte_cap)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 54001, 443, 100, 200);
    handshake3(&g, &k);
    buf ch = { 0 };
    client_hello(&ch, "bytecap.example");
    sendb(&g, &k, 0, PSH | ACK, &ch);
    uint32_t base = k.cseq;
    buf app = { 0 };
    appdata(&app, 300 * 1400 + 100);
    /* A 10-byte hole, then 300 segments of 1400 bytes (410 KB) held behind it. */
    for (uint32_t i = 0; i < 300; i++) {
        uint32_t off = 10 + i * 1400;
        send_at(&g, &k, 0, base + off, ACK, app.p + off, 1400);
    }
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.ooo_cap_hit);
        CHECK(r->tcp.gaps[0] == 1 && r->tcp.gap_bytes[0] == 10);
        CHECK(r->tcp.bytes[0] == ch.n + 300 * 1400);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&app);
}

TEST(ipv6_connection)
{
    buf ch = { 0 };
    client_hello(&ch, "v6.example");
    eng g;
    eng_init(&g, LINKTYPE_IPV6);
    eng_start(&g);
    frame6(&g, 5, 40000, 1, 443, 100, 0, SYN, NULL, 0);
    frame6(&g, 1, 443, 5, 40000, 900, 101, SYN | ACK, NULL, 0);
    frame6(&g, 5, 40000, 1, 443, 101, 901, ACK, NULL, 0);
    frame6(&g, 5, 40000, 1, 443, 101, 901, PSH | ACK, ch.p, ch.n);
    frame6(&g, 1, 443, 5, 40000, 901, 101 + (uint32_t)ch.n, RST | ACK, NULL, 0);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(r->cip, "2001:db8::5");
        CHECK_STR(r->sip, "2001:db8::1");
        CHECK(r->cport == 40000 && r->sport == 443);
        CHECK(r->tcp.handshake);
        CHECK_STR(r->sni, "v6.example");
        CHECK(r->tcp.close == TD_CLOSE_RST && r->tcp.closed_by == TD_BY_SERVER);
        CHECK(r->tcp.bytes[0] == ch.n);
    }
    eng_free(&g);
    bfree(&ch);
}

TEST(two_files_ids_continue_packets_restart)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);                               /* file "test.pcap" */
    tcpc a = conn(5, 41000, 443, 1, 2);
    handshake3(&g, &a);
    td_engine_mark_drops(g.e);
    eng_end(&g);
    td_engine_begin_file(g.e, "second.pcap", LINKTYPE_IPV4);
    g.number = 0;
    g.ts = 1600000000.0;                         /* earlier than the first file: time restarts */
    tcpc b = conn(5, 41000, 443, 1, 2);          /* the same 5-tuple in another file */
    handshake3(&g, &b);
    eng_end(&g);
    CHECK(g.out.n == 2);
    if (g.out.n == 2) {
        CHECK(g.out.v[0].id == 1 && g.out.v[1].id == 2);
        CHECK_STR(g.out.v[0].file, "test.pcap");
        CHECK_STR(g.out.v[1].file, "second.pcap");
        CHECK(g.out.v[1].first_packet == 1 && g.out.v[1].last_packet == 3);
        CHECK(g.out.v[0].capture_drops && !g.out.v[1].capture_drops);
        CHECK(g.out.v[1].tcp.handshake);
    }
    CHECK(td_engine_get_stats(g.e)->packets == 6);
    eng_free(&g);
}

TEST(shards_split_whole_connections)
{
    /* --shard K/N: every connection lands in exactly one shard, with both its directions. */
    int seen[200] = { 0 };
    int total = 0, complete = 0;
    for (unsigned shard = 0; shard < 3; shard++) {
        eng g;
        eng_init(&g, LINKTYPE_IPV4);
        g.cfg.shard_k = shard;
        g.cfg.shard_n = 3;
        eng_start(&g);
        for (int i = 0; i < 200; i++) {
            tcpc k = conn((uint8_t)(i % 250 + 1), (uint16_t)(30000 + i * 13), 443, (uint32_t)i, 7);
            handshake3(&g, &k);
        }
        eng_end(&g);
        for (size_t i = 0; i < g.out.n; i++) {
            unsigned port = g.out.v[i].cport;
            int idx = (int)(port - 30000) / 13;
            if (idx >= 0 && idx < 200) seen[idx]++;
            if (g.out.v[i].tcp.handshake) complete++;
        }
        total += (int)g.out.n;
        eng_free(&g);
    }
    CHECK(total == 200);
    CHECK(complete == 200);
    int once = 0;
    for (int i = 0; i < 200; i++) once += seen[i] == 1;
    CHECK(once == 200);
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

TEST(random_segmentation_order_duplicates)
{
    /* A stream of records cut at random, sent in a locally shuffled order with duplicates and
     * overlapping re-sends (same bytes): the parser must see exactly the original stream. */
    int failures = 0;
    for (int iter = 0; iter < 200; iter++) {
        buf st = { 0 };
        for (int i = 0; i < 60; i++) {
            appdata(&st, 1 + rnd() % 400);
            alert(&st, 1, (unsigned)i);
        }
        size_t cuts[400];
        size_t nseg = 0, off = 0;
        while (off < st.n && nseg < 399) {
            cuts[nseg++] = off;
            off += 1 + rnd() % 700;
        }
        cuts[nseg] = st.n;
        int order[400];
        for (size_t i = 0; i < nseg; i++) order[i] = (int)i;
        for (size_t i = 0; i + 1 < nseg; i++)     /* bounded displacement */
            if (rnd() % 3 == 0) {
                size_t j = i + 1 + rnd() % 4;
                if (j >= nseg) j = nseg - 1;
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        eng g;
        eng_init(&g, LINKTYPE_IPV4);
        eng_start(&g);
        tcpc k = conn(5, 42000, 443, rnd(), rnd());
        handshake3(&g, &k);
        uint32_t base = k.cseq;
        for (size_t i = 0; i < nseg; i++) {
            size_t a = cuts[order[i]], b = cuts[order[i] + 1];
            if (a > b || b > st.n) b = st.n;
            send_at(&g, &k, 0, base + (uint32_t)a, ACK, st.p + a, b - a);
            if (rnd() % 8 == 0) send_at(&g, &k, 0, base + (uint32_t)a, ACK, st.p + a, b - a);
            if (rnd() % 8 == 0) {                /* a re-send spanning into the next segment */
                size_t e2 = b + rnd() % 900;
                if (e2 > st.n) e2 = st.n;
                size_t a2 = a > 50 ? a - rnd() % 50 : a;
                send_at(&g, &k, 0, base + (uint32_t)a2, ACK, st.p + a2, e2 - a2);
            }
        }
        eng_end(&g);
        const conn_rec *r = only(&g);
        bool ok = r && r->tcp.bytes[0] == st.n && r->tcp.gaps[0] == 0 && r->bad_records[0] == 0 &&
                  r->app_records[0] == 60 && r->n_alerts == 60;
        for (size_t i = 0; ok && i < 60; i++) ok = r->alert_code[i] == i;
        if (!ok && !failures++)
            printf("    iteration %d: bytes %llu of %zu, gaps %u, bad %u, app %llu, alerts %zu\n", iter,
                   r ? (unsigned long long)r->tcp.bytes[0] : 0ull, st.n, r ? r->tcp.gaps[0] : 0,
                   r ? r->bad_records[0] : 0, r ? (unsigned long long)r->app_records[0] : 0ull,
                   r ? r->n_alerts : 0);
        eng_free(&g);
        bfree(&st);
    }
    CHECK(failures == 0);
}

TEST(malformed_frame_counted)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    td_frame fr = { .data = (const uint8_t *)"\x45\x00\x00", .caplen = 3, .wirelen = 3, .ts = 1.0 };
    const char *why = td_engine_frame(g.e, &fr, 1);
    CHECK(why != NULL);
    CHECK(td_engine_get_stats(g.e)->undecoded == 1);
    eng_end(&g);
    CHECK(g.out.n == 0);
    eng_free(&g);
}

int main(void)
{
    RUN(full_connection);
    RUN(closed_connection_emitted_after_linger);
    RUN(ethernet_link_type);
    RUN(out_of_order_segments);
    RUN(duplicate_retransmission_not_double_delivered);
    RUN(overlap_first_copy_wins_in_order);
    RUN(overlap_first_copy_wins_when_held);
    RUN(overlap_between_held_segments);
    RUN(acked_hole_becomes_gap);
    RUN(hole_inside_record_keeps_sync);
    RUN(hole_never_filled_is_gap_at_end);
    RUN(syn_only_with_retransmits);
    RUN(syn_answered_by_rst);
    RUN(stray_packets_make_no_connection);
    RUN(midstream_roles_from_port);
    RUN(midstream_roles_from_client_hello);
    RUN(port_reuse_makes_two_connections);
    RUN(non_tls_ports_ignored_unless_any_port);
    RUN(twenty_thousand_connections_in_id_order);
    RUN(end_of_file_output_in_id_order_whatever_the_activity);
    RUN(max_connections_evicts_oldest);
    RUN(out_of_order_cap);
    RUN(syn_with_data_fast_open);
    RUN(fin_carrying_data);
    RUN(snap_length_cut_is_a_gap);
    RUN(idle_timeout);
    RUN(out_of_order_byte_cap);
    RUN(ipv6_connection);
    RUN(two_files_ids_continue_packets_restart);
    RUN(shards_split_whole_connections);
    RUN(random_segmentation_order_duplicates);
    RUN(malformed_frame_counted);
    return check_done();
}
