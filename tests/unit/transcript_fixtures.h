/* transcript_fixtures.h - transcripts built by hand for the classifier's unit tests: a TCP open and
 * close, ClientHello and ServerHello, certificate chains, alerts, TLS 1.2 Finished and application
 * data, TLS 1.3 protected records, and the two handshakes most tests start from. */
#ifndef TLSDIAG_TRANSCRIPT_FIXTURES_H
#define TLSDIAG_TRANSCRIPT_FIXTURES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert_fixtures.h"
#include "dissectors/dissect.h"
#include "include/transcript.h"

/* ---- a transcript by hand ----------------------------------------------------------------- */

#define T0 1700000000.0                /* 2023-11-14: the good certificates are valid then */

static inline td_transcript *tr_new(void)
{
    td_transcript *t = calloc(1, sizeof *t);
    t->id = 1;
    t->file = "hand-built";
    /* Each transcript its own client: the classifier remembers connections (siblings.c), and
     * hand-built ones must not be siblings of the tests before them unless a test says so. */
    static unsigned n_made;
    n_made++;
    snprintf(t->client.ip, sizeof t->client.ip, "10.1.%u.%u", (n_made >> 8) & 255, n_made & 255);
    t->client.port = 51234;
    strcpy(t->server.ip, "10.0.0.9");
    t->server.port = 443;
    t->on_tls_port = true;
    t->first_packet = 1;
    t->start = t->end = t->capture_end = T0;
    return t;
}

static inline void tr_free(td_transcript *t)
{
    td_transcript_clear(t);
    free(t);
}

static inline double at(uint64_t pkt) { return T0 + (double)pkt * 0.001; }

static inline void tr_packet(td_transcript *t, int dir, uint64_t pkt)
{
    t->tcp.packets[dir]++;
    if (pkt > t->last_packet) t->last_packet = pkt;
    if (at(pkt) > t->end) t->end = t->capture_end = at(pkt);
}

static inline void tcp_open(td_transcript *t)
{
    t->tcp.syn_seen = t->tcp.synack_seen = t->tcp.handshake = true;
    td_transcript_event(t, TD_EV_SYN, TD_C2S, 0, 0, 1, at(1));
    td_transcript_event(t, TD_EV_SYNACK, TD_S2C, 0, 0, 2, at(2));
    tr_packet(t, TD_C2S, 1);
    tr_packet(t, TD_S2C, 2);
    tr_packet(t, TD_C2S, 3);
}

static inline void tcp_close(td_transcript *t, int dir, bool rst, uint64_t pkt)
{
    if (rst) {
        t->tcp.rst_packet = pkt;
        t->tcp.rst_from = (uint8_t)dir;
        t->tcp.close = TD_CLOSE_RST;
        td_transcript_event(t, TD_EV_RST, dir, 0, 0, pkt, at(pkt));
    } else {
        t->tcp.fin[dir] = true;
        t->tcp.fin_packet[dir] = pkt;
        if (!t->tcp.close) t->tcp.close = TD_CLOSE_FIN;
        td_transcript_event(t, TD_EV_FIN, dir, 0, 0, pkt, at(pkt));
    }
    if (!t->tcp.closed_by) t->tcp.closed_by = dir == TD_C2S ? TD_BY_CLIENT : TD_BY_SERVER;
    tr_packet(t, dir, pkt);
}

static inline void client_hello(td_transcript *t, const char *sni, uint16_t max_version, uint64_t pkt)
{
    td_tls *s = &t->tls;
    s->client_hello = true;
    s->client_hello_packet = pkt;
    s->client_legacy_version = 0x0303;
    size_t n = 0;
    if (max_version >= 0x0304) s->offered_versions[n++] = 0x0304;
    s->offered_versions[n++] = 0x0303;
    s->n_offered_versions = n;
    s->offered_ciphers = calloc(4, sizeof *s->offered_ciphers);
    s->offered_ciphers[0] = 0x1301;
    s->offered_ciphers[1] = 0x1302;
    s->offered_ciphers[2] = 0xc02f;
    s->n_offered_ciphers = s->n_offered_ciphers_total = 3;
    if (sni) s->sni = strdup(sni);
    td_transcript_event(t, TD_EV_HANDSHAKE, TD_C2S, 1, 200, pkt, at(pkt));
    tr_packet(t, TD_C2S, pkt);
    t->tcp.bytes[TD_C2S] += 200;
}

static inline void server_hello(td_transcript *t, uint16_t version, uint32_t cipher, uint64_t pkt)
{
    td_tls *s = &t->tls;
    s->server_hello = true;
    s->server_hello_packet = pkt;
    s->version = version;
    s->cipher = cipher;
    s->has_cipher = true;
    if (version == 0x0304) s->encrypted[TD_S2C] = true;
    td_transcript_event(t, TD_EV_HANDSHAKE, TD_S2C, 2, 90, pkt, at(pkt));
    tr_packet(t, TD_S2C, pkt);
    t->tcp.bytes[TD_S2C] += 90;
}

static inline void chain(td_transcript *t, td_chain *c, const der *certs, size_t n, uint64_t pkt)
{
    c->seen = true;
    c->packet = pkt;
    c->n = c->n_total = n;
    c->empty = n == 0;
    c->certs = n ? calloc(n, sizeof *c->certs) : NULL;
    for (size_t i = 0; i < n; i++) td_x509_summarize(certs[i].p, certs[i].n, &c->certs[i]);
    td_transcript_event(t, TD_EV_HANDSHAKE, c == &t->tls.server_chain ? TD_S2C : TD_C2S, 11, 800, pkt, at(pkt));
}

static inline void cert_request(td_transcript *t, const char *ca, uint64_t pkt)
{
    td_tls *s = &t->tls;
    s->cert_requested = true;
    s->cert_request_packet = pkt;
    if (ca) {
        s->ca_names = calloc(1, sizeof *s->ca_names);
        s->ca_names[0] = strdup(ca);
        s->n_ca_names = 1;
    }
}

static inline void alert(td_transcript *t, int from, uint8_t level, uint8_t code, bool encrypted, uint64_t pkt)
{
    td_tls *s = &t->tls;
    if (!s->alerts) s->alerts = calloc(TD_MAX_ALERTS, sizeof *s->alerts);
    td_alert *a = &s->alerts[s->n_alerts++];
    s->n_alerts_total++;
    a->from = (uint8_t)from;
    a->level = level;
    a->code = code;
    a->encrypted = encrypted;
    a->packet = pkt;
    a->ts = at(pkt);
    td_transcript_event(t, TD_EV_ALERT, from, (int)s->n_alerts - 1, 2, pkt, at(pkt));
    tr_packet(t, from, pkt);
}

/* TLS 1.2 after the key exchange: both ChangeCipherSpec + Finished. */
static inline void finished12(td_transcript *t, int dir, uint64_t pkt)
{
    td_tls *s = &t->tls;
    s->ccs[dir] = s->encrypted[dir] = s->finished[dir] = true;
    s->enc_hs_records[dir]++;
    td_transcript_event(t, TD_EV_CCS, dir, 0, 1, pkt, at(pkt));
    td_transcript_event(t, TD_EV_ENCRYPTED_HANDSHAKE, dir, 22, 40, pkt, at(pkt));
    tr_packet(t, dir, pkt);
}

static inline void appdata12(td_transcript *t, int dir, uint32_t len, uint64_t pkt)
{
    td_tls *s = &t->tls;
    if (!s->app_records[dir]) s->first_app_packet[dir] = pkt;
    s->app_records[dir]++;
    s->app_data[dir] += len;
    td_transcript_event(t, TD_EV_APPDATA, dir, 0, len, pkt, at(pkt));
    tr_packet(t, dir, pkt);
}

/* A TLS 1.3 protected record, as the parser keeps it. */
static inline void rec(td_transcript *t, int dir, uint16_t len, uint64_t pkt)
{
    td_tls *s = &t->tls;
    if (!s->records) s->records = calloc(TD_MAX_RECORDS, sizeof *s->records);
    s->records_total[dir]++;
    s->record_bytes[dir] += len;
    s->encrypted[dir] = true;
    if (s->n_records < TD_MAX_RECORDS) {
        td_record *r = &s->records[s->n_records++];
        r->dir = (uint8_t)dir;
        r->len = r->captured = len;
        r->packet = pkt;
        r->ts = at(pkt);
    }
    td_transcript_event(t, TD_EV_OPAQUE, dir, 1, len, pkt, at(pkt));
    tr_packet(t, dir, pkt);
}

/* A TLS 1.3 handshake up to the server's flight (SHA-256 suite unless told). */
static inline td_transcript *tls13(uint32_t cipher)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    server_hello(t, 0x0304, cipher, 5);
    rec(t, TD_S2C, 40, 5);                     /* EncryptedExtensions */
    rec(t, TD_S2C, 900, 5);                    /* Certificate */
    rec(t, TD_S2C, 100, 5);                    /* CertificateVerify */
    rec(t, TD_S2C, cipher == 0x1302 ? 69 : cipher == 0x1305 ? 45 : 53, 5);   /* Finished */
    return t;
}

static inline td_transcript *tls12(const der *leaf_der, const char *sni)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    client_hello(t, sni, 0x0303, 4);
    server_hello(t, 0x0303, 0xc02f, 5);
    chain(t, &t->tls.server_chain, leaf_der, 1, 5);
    t->tls.server_hello_done = true;
    return t;
}

/* Mark a TLS 1.2 transcript as read with a key log: its protected records were opened. */
static inline void as_decrypted(td_transcript *t)
{
    t->tls.dec = calloc(1, sizeof *t->tls.dec);
    if (!t->tls.dec) abort();
    t->tls.dec->decrypted = true;
    for (size_t i = 0; i < t->n_events; i++)
        if (t->events[i].kind == TD_EV_ENCRYPTED_HANDSHAKE) t->events[i].flags |= TD_EVF_DECRYPTED;
}

#endif
