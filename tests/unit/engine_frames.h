/* engine_frames.h - the engine fed with hand-built TCP frames for the reassembly unit tests: TLS
 * records to carry (ClientHello, ServerHello, alerts, application data), raw IPv4, Ethernet and IPv6
 * frames of one segment each, connections that keep their sequence numbers, and a copy of every
 * transcript the engine emits, field by field.
 *
 * The engine's API is analyzer/flow/engine.h; behind it engine.c, reassembly.c, flow_table.c,
 * tcp_state.c, conn_roles.c and conn_lifetimes.c (analyzer/flow/). */
#ifndef TLSDIAG_ENGINE_FRAMES_H
#define TLSDIAG_ENGINE_FRAMES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "analyzer/flow/engine.h"
#include "include/transcript.h"

#define LINKTYPE_IPV4 228
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_IPV6 229

enum { FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10 };

/* ---- bytes ------------------------------------------------------------------------------------ */

static inline void record(buf *out, unsigned type, const uint8_t *body, size_t len)
{
    put8(out, type);
    put16(out, 0x0303);
    put16(out, (unsigned)len);
    put(out, body, len);
}

/* A TLS record holding a ClientHello with SNI and ALPN h2. */
static inline void client_hello(buf *out, const char *sni)
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
static inline void server_hello(buf *out)
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

static inline void alert(buf *out, unsigned level, unsigned code)
{
    uint8_t a[2] = { (uint8_t)level, (uint8_t)code };
    record(out, 21, a, 2);
}

static inline void appdata(buf *out, size_t len)
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

static inline void on_emit(void *ctx, td_transcript *t)
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

static inline void eng_init(eng *g, int linktype)
{
    memset(g, 0, sizeof *g);
    g->cfg.tls_ports.n = 1;
    g->cfg.tls_ports.port[0] = 443;
    g->linktype = linktype;
    g->ts = 1700000000.0;
}

static inline void eng_start(eng *g)
{
    g->e = td_engine_new(&g->cfg, true, on_emit, &g->out);
    td_engine_begin_file(g->e, "test.pcap", g->linktype);
}

static inline void eng_end(eng *g)
{
    td_engine_end_file(g->e);
}

static inline void eng_free(eng *g)
{
    td_engine_free(g->e);
    free(g->out.v);
    g->out.v = NULL;
}

/* One TCP segment from (sip:sport) to (dip:dport), as a frame of the engine's link type. */
static inline void frame(eng *g, const uint8_t sip[4], uint16_t sport, const uint8_t dip[4], uint16_t dport,
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
static inline void frame6(eng *g, uint8_t a, uint16_t sport, uint8_t b, uint16_t dport, uint32_t seq, uint32_t ack,
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

static inline tcpc conn(uint8_t last, uint16_t cport, uint16_t sport, uint32_t cisn, uint32_t sisn)
{
    tcpc k = { { 10, 0, 0, last }, { 192, 0, 2, 1 }, cport, sport, cisn, sisn };
    return k;
}

/* Send from the client (dir 0) or server (dir 1) at the side's current sequence number, acking
 * the peer's; advances the sequence number by the payload (and SYN/FIN). */
static inline void xmit(eng *g, tcpc *k, int dir, uint8_t flags, const uint8_t *data, size_t len)
{
    uint32_t *seq = dir == 0 ? &k->cseq : &k->sseq;
    uint32_t ack = dir == 0 ? k->sseq : k->cseq;
    if (dir == 0) frame(g, k->cip, k->cport, k->sip, k->sport, *seq, ack, flags, data, len);
    else frame(g, k->sip, k->sport, k->cip, k->cport, *seq, ack, flags, data, len);
    *seq += (uint32_t)len + ((flags & (SYN | FIN)) ? 1u : 0u);
}

static inline void sendb(eng *g, tcpc *k, int dir, uint8_t flags, const buf *b) { xmit(g, k, dir, flags, b->p, b->n); }

/* Send at an explicit sequence number, without moving the side's counter. */
static inline void send_at(eng *g, tcpc *k, int dir, uint32_t seq, uint8_t flags, const uint8_t *data, size_t len)
{
    uint32_t ack = dir == 0 ? k->sseq : k->cseq;
    if (dir == 0) frame(g, k->cip, k->cport, k->sip, k->sport, seq, ack, flags, data, len);
    else frame(g, k->sip, k->sport, k->cip, k->cport, seq, ack, flags, data, len);
}

static inline void handshake3(eng *g, tcpc *k)
{
    xmit(g, k, 0, SYN, NULL, 0);
    xmit(g, k, 1, SYN | ACK, NULL, 0);
    xmit(g, k, 0, ACK, NULL, 0);
}

static inline const conn_rec *only(const eng *g)
{
    return g->out.n == 1 ? &g->out.v[0] : NULL;
}

#endif
