/* transcript.c - appending to and freeing a connection's transcript. */
#include <stdlib.h>
#include <string.h>

#include "include/transcript.h"

void td_transcript_event(td_transcript *t, td_ev_kind kind, int dir, int sub, uint32_t len,
                         uint64_t packet, double ts)
{
    /* Runs of application data, of encrypted SSLv2 records, and of protected records past those
     * kept, become one entry. */
    if ((kind == TD_EV_APPDATA || kind == TD_EV_SSL2_ENCRYPTED || (kind == TD_EV_OPAQUE && sub == 0) ||
         kind == TD_EV_QUIC_PACKET) && t->n_events > 0) {
        td_event *last = &t->events[t->n_events - 1];
        if (last->kind == kind && last->dir == dir && last->sub == sub) {
            last->count++;
            last->len = (uint32_t)(last->len + len < last->len ? UINT32_MAX : last->len + len);
            return;
        }
    }
    if (t->n_events == t->cap_events) {
        if (t->cap_events >= TD_MAX_EVENTS) {
            t->n_events_dropped++;
            return;
        }
        /* 2 for an idle connection (SYN, SYN-ACK); a busy one goes on to 32, 64, ...: a TLS
         * handshake with its data and close takes 17 to 32 (18,366 of the bench's 20,000), so one
         * step, not two (16, then 32). */
        size_t cap = t->cap_events ? (t->cap_events < 32 ? 32 : t->cap_events * 2) : 2;
        if (cap > TD_MAX_EVENTS) cap = TD_MAX_EVENTS;
        td_event *ev = realloc(t->events, cap * sizeof *ev);
        if (!ev) {
            t->n_events_dropped++;
            return;
        }
        t->events = ev;
        t->cap_events = cap;
    }
    td_event *e = &t->events[t->n_events++];
    e->kind = (uint8_t)kind;
    e->dir = (uint8_t)dir;
    e->sub = (uint8_t)sub;
    e->flags = 0;
    e->len = len;
    e->count = 1;
    e->packet = packet;
    e->ts = ts;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++) free(list[i]);
    free(list);
}

/* Frees what the certificate owns: one packed block (a cached copy), or each field. */
void td_cert_clear(td_cert *c)
{
    if (!c)
        return;
    if (c->block) {                                /* a packed copy: one allocation */
        free(c->block);
        memset(c, 0, sizeof *c);
        return;
    }
    free(c->subject);
    free(c->issuer);
    if (c->san)
        for (size_t i = 0; i < c->n_san; i++)
            free(c->san[i]);
    free(c->san);
    free(c->der);
    free_list(c->eku, c->n_eku);
    free_list(c->ocsp_urls, c->n_ocsp_urls);   /* aia_ocsp is ocsp_urls[0] */
    free_list(c->ca_issuer_urls, c->n_ca_issuer_urls);   /* aia_ca_issuers is ca_issuer_urls[0] */
    memset(c, 0, sizeof *c);
}

static void chain_clear(td_chain *c)
{
    for (size_t i = 0; i < c->n; i++) td_cert_clear(&c->certs[i]);
    free(c->certs);
    memset(c, 0, sizeof *c);
}

void td_transcript_clear(td_transcript *t)
{
    td_tls *tls = &t->tls;
    free(tls->offered_ciphers);
    free(tls->sni);
    free_list(tls->alpn_offered, tls->n_alpn_offered);
    free(tls->alpn);
    chain_clear(&tls->server_chain);
    chain_clear(&tls->client_chain);
    free_list(tls->ca_names, tls->n_ca_names);
    free(tls->alerts);
    free(tls->records);
    free(tls->heartbeats);
    for (int d = 0; d < 2; d++) {
        free(tls->not_tls_what[d]);
    }
    if (tls->dec) {
        free(tls->dec->app_first[0]);
        free(tls->dec->app_first[1]);
        free(tls->dec->recs);
        free(tls->dec);
    }
    free(tls->proxy.target);
    free(tls->proxy.reason);
    if (tls->hello) {
        free(tls->hello->ja3_string);
        free(tls->hello->ja3s_string);
        free(tls->hello);
    }
    free(tls->stls);
    free(tls->quic_tp[0]);
    free(tls->quic_tp[1]);
    free(t->quic);
    free(t->path);
    free(t->events);
    memset(t, 0, sizeof *t);
}
