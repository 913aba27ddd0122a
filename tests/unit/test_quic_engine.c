/* test_quic_engine.c - unit tests for QUIC through the engine (analyzer/flow/engine.h): UDP datagrams to connections by 4-tuple and by connection ID, non-QUIC UDP, ICMP port unreachable, eviction under an Initial flood, TCP beside QUIC.
 *
 * Frames are Ethernet/IPv4/UDP (or ICMP) around packets sealed with quic_seal.h, fed to an engine
 * made as engine_frames.h makes it (its TCP frames too), with a sink that keeps each emitted
 * transcript's QUIC facts. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine_frames.h"
#include "quic_flights.h"
#include "analyzer/flow/engine.h"
#include "include/transcript.h"

/* ---- what the engine emits ------------------------------------------------------------------------ */

typedef struct qrec {
    bool quic, migrated, icmp, evicted, client_hello, server_hello, syn_seen;
    uint16_t cport, sport;
    char cip[46], sip[46], sni[64];
    uint32_t initials[2], datagrams[2], short_packets[2];
    uint64_t icmp_packet, first_packet;
} qrec;

typedef struct qsink {
    qrec *v;
    size_t n, cap;
} qsink;

static void q_emit(void *ctx, td_transcript *t)
{
    qsink *s = ctx;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v) abort();
    }
    qrec *r = &s->v[s->n++];
    memset(r, 0, sizeof *r);
    r->quic = t->quic != NULL;
    r->evicted = t->evicted;
    r->client_hello = t->tls.client_hello;
    r->server_hello = t->tls.server_hello;
    r->syn_seen = t->tcp.syn_seen;
    r->cport = t->client.port;
    r->sport = t->server.port;
    r->first_packet = t->first_packet;
    snprintf(r->cip, sizeof r->cip, "%s", t->client.ip);
    snprintf(r->sip, sizeof r->sip, "%s", t->server.ip);
    if (t->tls.sni) snprintf(r->sni, sizeof r->sni, "%s", t->tls.sni);
    if (!t->quic) return;
    r->migrated = t->quic->migrated;
    r->icmp = t->quic->icmp_unreachable;
    r->icmp_packet = t->quic->icmp_packet;
    for (int d = 0; d < 2; d++) {
        r->initials[d] = t->quic->initials[d];
        r->datagrams[d] = t->quic->datagrams[d];
        r->short_packets[d] = t->quic->short_packets[d];
    }
}

typedef struct qeng {
    eng g;                                     /* engine_frames.h's: config, engine, frame numbers */
    qsink out;
} qeng;

static void qe_start(qeng *q, size_t max_connections)
{
    memset(q, 0, sizeof *q);
    eng_init(&q->g, LINKTYPE_ETHERNET);
    q->g.cfg.max_connections = max_connections;
    q->g.e = td_engine_new(&q->g.cfg, true, q_emit, &q->out);
    td_engine_begin_file(q->g.e, "quic.pcap", LINKTYPE_ETHERNET);
}

static void qe_end(qeng *q)
{
    td_engine_end_file(q->g.e);
}

static void qe_free(qeng *q)
{
    td_engine_free(q->g.e);
    free(q->out.v);
}

/* ---- frames ------------------------------------------------------------------------------------ */

static const uint8_t cli[4] = { 10, 0, 0, 1 }, srv[4] = { 192, 0, 2, 1 };

/* Ethernet, then an IPv4 header of protocol proto from s to d around len bytes. */
static void ip4(buf *f, unsigned proto, const uint8_t s[4], const uint8_t d[4], size_t len)
{
    put(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
    put8(f, 0x45);
    put8(f, 0);
    put16(f, (unsigned)(20 + len));
    put16(f, 0x1234);
    put16(f, 0x4000);
    put8(f, 64);
    put8(f, proto);
    put16(f, 0);
    put(f, s, 4);
    put(f, d, 4);
}

static void udp_hdr(buf *f, uint16_t sport, uint16_t dport, size_t len)
{
    put16(f, sport);
    put16(f, dport);
    put16(f, (unsigned)(8 + len));
    put16(f, 0);
}

static void feed(qeng *q, const buf *f)
{
    td_frame fr = { .data = f->p, .caplen = f->n, .wirelen = f->n, .ts = q->g.ts };
    fr.ts_sec = (uint64_t)q->g.ts;
    q->g.last_warning = td_engine_frame(q->g.e, &fr, ++q->g.number);
    q->g.ts += 0.001;
}

/* One UDP datagram from s:sport to d:dport. */
static void udp(qeng *q, const uint8_t s[4], uint16_t sport, const uint8_t d[4], uint16_t dport, const buf *payload)
{
    buf f = { 0 };
    ip4(&f, 17, s, d, 8 + payload->n);
    udp_hdr(&f, sport, dport, payload->n);
    putb(&f, payload);
    feed(q, &f);
    bfree(&f);
}

/* The datagram d, client (cli:cport) to server (srv:443), or back; then d is emptied. */
static void c2s(qeng *q, uint16_t cport, buf *d)
{
    udp(q, cli, cport, srv, 443, d);
    d->n = 0;
}

static void s2c(qeng *q, uint16_t cport, buf *d)
{
    udp(q, srv, 443, cli, cport, d);
    d->n = 0;
}

/* ICMP port unreachable from the server, quoting the client's datagram cli:cport -> srv:443. */
static void icmp_unreachable(qeng *q, uint16_t cport)
{
    buf f = { 0 };
    ip4(&f, 1, srv, cli, 8 + 20 + 8);
    put(&f, "\x03\x03\x00\x00\x00\x00\x00\x00", 8);
    put8(&f, 0x45);
    put8(&f, 0);
    put16(&f, 20 + 8 + 1200);
    put16(&f, 0x4321);
    put16(&f, 0x4000);
    put8(&f, 64);
    put8(&f, 17);
    put16(&f, 0);
    put(&f, cli, 4);
    put(&f, srv, 4);
    udp_hdr(&f, cport, 443, 1200);
    feed(q, &f);
    bfree(&f);
}

/* ---- packets --------------------------------------------------------------------------------------- */

static const uint8_t ccid[4] = { 0xc1, 0x1e, 0x47, 0x01 };       /* the client's SCID when it has one */

/* The client's first Initial (DCID dcid, SCID scid) with the whole A.2 ClientHello, its keys. */
static void client_initial(buf *d, const uint8_t *dcid, size_t dcid_len, const uint8_t *scid, size_t scid_len)
{
    quic_keys c, s;
    quic_initial_keys(TD_QUIC_V1, dcid, dcid_len, &c, &s);
    buf ch = { 0 }, f = { 0 };
    qf_client_hello(&ch);
    qf_crypto(&f, 0, ch.p, ch.n);
    qf_pad(&f, 1162);
    CHECK(qf_long(d, &c, QUIC_PT_INITIAL, TD_QUIC_V1, dcid, dcid_len, scid, scid_len, 0, &f));
    bfree(&ch);
    bfree(&f);
}

/* A 1-RTT packet to dcid of 40 bytes of frames, sealed with a key no one here has. */
static void one_rtt(buf *d, const uint8_t *dcid, size_t dcid_len, uint64_t pn)
{
    buf f = { 0 };
    put8(&f, 0x01);
    qf_pad(&f, 40);
    quic_keys k = qf_keys(0x77, 3);
    CHECK(qf_short(d, &k, dcid, dcid_len, pn, &f));
    bfree(&f);
}

/* ---- tests ------------------------------------------------------------------------------------------ */

TEST(one_connection_per_four_tuple)
{
    qeng q;
    qe_start(&q, 0);
    buf d = { 0 };
    qf_hex(&d, QV1_CLIENT_PACKET);
    c2s(&q, 50000, &d);
    qf_hex(&d, QV1_SERVER_PACKET);
    s2c(&q, 50000, &d);                        /* the server's reply finds it */
    qf_hex(&d, QV1_CLIENT_PACKET);
    c2s(&q, 50001, &d);                        /* another port: another connection */
    CHECK(td_engine_open_connections(q.g.e) == 2);
    qe_end(&q);
    CHECK(q.out.n == 2 && td_engine_get_stats(q.g.e)->quic_packets == 3);
    const qrec *a = &q.out.v[0], *b = &q.out.v[1];
    CHECK(a->quic && a->cport == 50000 && a->sport == 443 && strcmp(a->cip, "10.0.0.1") == 0);
    CHECK(strcmp(a->sip, "192.0.2.1") == 0 && a->client_hello && a->server_hello && strcmp(a->sni, "example.com") == 0);
    CHECK(a->datagrams[0] == 1 && a->datagrams[1] == 1 && a->initials[1] == 1 && !a->migrated);
    CHECK(b->quic && b->cport == 50001 && b->client_hello && !b->server_hello && b->datagrams[1] == 0);
    bfree(&d);
    qe_free(&q);
}

/* The client moves from port 50000 to 50002 (NAT rebinding, migration) and goes on with 1-RTT
 * packets to the server's CID; the server answers to the new port, to the client's CID. */
TEST(migration_by_connection_id)
{
    qeng q;
    qe_start(&q, 0);
    buf d = { 0 };
    client_initial(&d, qf_odcid, 8, ccid, 4);
    c2s(&q, 50000, &d);
    qf_server_initial(&d, qf_odcid, 8, qf_scid, 8, 0, 0, 90);
    s2c(&q, 50000, &d);
    one_rtt(&d, qf_scid, 8, 0);
    c2s(&q, 50000, &d);
    one_rtt(&d, qf_scid, 8, 1);
    c2s(&q, 50002, &d);                        /* from the new port */
    one_rtt(&d, ccid, 4, 0);
    s2c(&q, 50002, &d);                        /* and back to it */
    one_rtt(&d, (const uint8_t *)"\x99\x98\x97\x96\x95\x94\x93\x92", 8, 2);
    c2s(&q, 50003, &d);                        /* a CID no one chose: nobody's */
    CHECK(td_engine_open_connections(q.g.e) == 1);
    qe_end(&q);
    CHECK(q.out.n == 1);
    const qrec *r = &q.out.v[0];
    CHECK(r->quic && r->migrated && r->cport == 50000 && r->server_hello);
    CHECK(r->datagrams[0] == 3 && r->datagrams[1] == 2 && r->short_packets[0] == 2 && r->short_packets[1] == 1);
    bfree(&d);
    qe_free(&q);
}

/* UDP on port 443 that is not a QUIC Initial starts nothing. */
TEST(udp_443_that_is_not_quic)
{
    qeng q;
    qe_start(&q, 0);
    buf d = { 0 };
    put(&d, "\x16\xfe\xfd\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10", 13);    /* a DTLS record */
    qf_pad(&d, 100);
    c2s(&q, 40000, &d);
    put(&d, "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);        /* a DNS query */
    c2s(&q, 40001, &d);
    one_rtt(&d, qf_scid, 8, 0);                /* a short header from nowhere */
    c2s(&q, 40002, &d);
    client_initial(&d, qf_odcid, 8, NULL, 0);
    d.p[0] &= (uint8_t)~0x40;                  /* fixed bit clear: not a first Initial */
    c2s(&q, 40003, &d);
    put8(&d, 0xc0);
    c2s(&q, 40004, &d);
    CHECK(td_engine_open_connections(q.g.e) == 0);
    qe_end(&q);
    const td_engine_stats *st = td_engine_get_stats(q.g.e);
    CHECK(q.out.n == 0 && st->quic_packets == 0 && st->udp_tls_port == 5);
    bfree(&d);
    qe_free(&q);
}

TEST(icmp_port_unreachable_marks_the_connection)
{
    qeng q;
    qe_start(&q, 0);
    buf d = { 0 };
    qf_hex(&d, QV1_CLIENT_PACKET);
    c2s(&q, 50000, &d);
    qf_hex(&d, QV1_CLIENT_PACKET);
    c2s(&q, 50001, &d);
    icmp_unreachable(&q, 50000);
    icmp_unreachable(&q, 50009);               /* quotes a datagram of no connection */
    qe_end(&q);
    CHECK(q.out.n == 2);
    for (size_t i = 0; i < q.out.n; i++) {
        const qrec *r = &q.out.v[i];
        CHECK(r->quic && r->icmp == (r->cport == 50000));
        if (r->cport == 50000) CHECK(r->icmp_packet == 3 && r->datagrams[1] == 0);
    }
    bfree(&d);
    qe_free(&q);
}

/* 5000 client Initials from 5000 ports, random DCIDs, --max-connections 100. */
TEST(initial_flood_evicts_and_emits_every_one)
{
    qeng q;
    qe_start(&q, 100);
    buf d = { 0 };
    uint64_t s = 0x243f6a8885a308d3u;
    size_t peak = 0;
    for (int i = 0; i < 5000; i++) {
        uint8_t dcid[8];
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        memcpy(dcid, &s, 8);
        client_initial(&d, dcid, 8, ccid, (size_t)(i % 2) * 4);
        c2s(&q, (uint16_t)(10000 + i), &d);
        size_t open = td_engine_open_connections(q.g.e);
        if (open > peak) peak = open;
    }
    qe_end(&q);
    CHECK(peak <= 100 && peak >= 99);
    CHECK(q.out.n == 5000 && td_engine_get_stats(q.g.e)->evicted >= 4900);
    size_t evicted = 0, heard = 0;
    bool ports[5000] = { false };
    for (size_t i = 0; i < q.out.n; i++) {
        const qrec *r = &q.out.v[i];
        evicted += r->evicted;
        heard += r->quic && r->client_hello && r->initials[0] == 1 && strcmp(r->sni, "example.com") == 0;
        if (r->cport >= 10000 && r->cport < 15000) ports[r->cport - 10000] = true;
    }
    size_t distinct = 0;
    for (int i = 0; i < 5000; i++) distinct += ports[i];
    CHECK(evicted >= 4900 && evicted < 5000 && heard == 5000 && distinct == 5000);
    bfree(&d);
    qe_free(&q);
}

/* TCP and QUIC on one 4-tuple (10.0.0.1:50000 <-> 192.0.2.1:443) are two connections. */
TEST(tcp_and_quic_on_one_four_tuple)
{
    qeng q;
    qe_start(&q, 0);
    tcpc k = { { 10, 0, 0, 1 }, { 192, 0, 2, 1 }, 50000, 443, 1000, 9000 };
    buf d = { 0 };
    handshake3(&q.g, &k);
    qf_hex(&d, QV1_CLIENT_PACKET);
    c2s(&q, 50000, &d);
    client_hello(&d, "tcp.example");
    sendb(&q.g, &k, 0, ACK | PSH, &d);
    d.n = 0;
    qf_hex(&d, QV1_SERVER_PACKET);
    s2c(&q, 50000, &d);
    CHECK(td_engine_open_connections(q.g.e) == 2);
    qe_end(&q);
    CHECK(q.out.n == 2);
    int tcp = -1, quic = -1;
    for (int i = 0; i < (int)q.out.n; i++) {
        if (q.out.v[i].quic) quic = i;
        else tcp = i;
    }
    CHECK(tcp >= 0 && quic >= 0);
    if (tcp >= 0 && quic >= 0) {
        const qrec *t = &q.out.v[tcp], *u = &q.out.v[quic];
        CHECK(t->syn_seen && strcmp(t->sni, "tcp.example") == 0 && !t->server_hello && t->cport == 50000);
        CHECK(strcmp(u->sni, "example.com") == 0 && u->server_hello && u->cport == 50000 && !u->syn_seen);
    }
    bfree(&d);
    qe_free(&q);
}

int main(void)
{
    RUN(one_connection_per_four_tuple);
    RUN(migration_by_connection_id);
    RUN(udp_443_that_is_not_quic);
    RUN(icmp_port_unreachable_marks_the_connection);
    RUN(initial_flood_evicts_and_emits_every_one);
    RUN(tcp_and_quic_on_one_four_tuple);
    return check_done();
}
