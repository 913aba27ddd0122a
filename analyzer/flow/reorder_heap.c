/* reorder_heap.c - finished connections held until their turn in creation order: a min-heap,
 * and the prefetching that has the next ones out already in the caches.
 *
 * A finished connection waits in the heap while thousands of others are worked on (up to
 * TD_REORDER_MAX of them, megabytes), so by the time it goes out its memory has left the caches
 * and the classifier and the report stall on one miss after another.  So the next ones are asked
 * for ahead, in three steps so that no step waits for what the one before asked for: the
 * transcript of the one after next (the top's smaller child: right 99 % of the time on the bench's
 * handshake capture), what the next one points to (its transcript was asked for a turn before),
 * and the certificates' names of the one going out now (its certificate array was asked for a
 * turn before).  Only hints: a wrong guess costs a few loads.  (Likewise a connection that lingers
 * after its close is asked for before its linger ends: analyzer/flow/conn_lifetimes.c.) */
#include <stdlib.h>

#include "analyzer/flow/engine_int.h"

bool td_reorder_push(td_reorder *h, td_conn *c)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        td_reorder_slot *s = realloc(h->slot, cap * sizeof *s);
        if (!s) return false;
        h->slot = s;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0 && h->slot[(i - 1) / 2].order > c->order) {
        h->slot[i] = h->slot[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->slot[i] = (td_reorder_slot){ c->order, c };
    return true;
}

static td_conn *sift_out_top(td_reorder *h)
{
    td_conn *top = h->slot[0].c;
    td_reorder_slot last = h->slot[--h->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l >= h->n) break;
        m = (l + 1 < h->n && h->slot[l + 1].order < h->slot[l].order) ? l + 1 : l;
        if (h->slot[m].order >= last.order) break;
        h->slot[i] = h->slot[m];
        i = m;
    }
    if (h->n) h->slot[i] = last;
    return top;
}

static void prefetch_names(const td_chain *ch)
{
    for (size_t i = 0; i < ch->n; i++) {
        const td_cert *x = &ch->certs[i];
        if (x->subject) td_prefetch(x->subject, 1);
        if (x->issuer) td_prefetch(x->issuer, 1);
        td_prefetch(x->san, x->n_san * sizeof *x->san);
    }
}

static void prefetch_parts(const td_conn *c)
{
    const td_transcript *t = &c->t;
    const td_tls *tls = &t->tls;
    td_prefetch(t->events, t->n_events * sizeof *t->events);
    td_prefetch(tls->records, tls->n_records * sizeof *tls->records);
    td_prefetch(tls->offered_ciphers, tls->n_offered_ciphers * sizeof *tls->offered_ciphers);
    td_prefetch(tls->alpn_offered, tls->n_alpn_offered * sizeof *tls->alpn_offered);
    if (tls->sni) td_prefetch(tls->sni, 1);
    td_prefetch(tls->server_chain.certs, tls->server_chain.n * sizeof *tls->server_chain.certs);
    td_prefetch(tls->client_chain.certs, tls->client_chain.n * sizeof *tls->client_chain.certs);
}

/* A connection's parts are asked for once, however many times the heap's top is looked at. */
static void prefetch_next(td_reorder *h)
{
    if (!h->n || h->slot[0].c == h->prefetched) return;
    h->prefetched = h->slot[0].c;
    prefetch_parts(h->slot[0].c);
    if (h->n > 1) {                                /* the one after it: the smaller child */
        size_t i = h->n > 2 && h->slot[2].order < h->slot[1].order ? 2 : 1;
        td_prefetch(h->slot[i].c, sizeof *h->slot[i].c);
    }
}

td_conn *td_reorder_pop(td_reorder *h)
{
    td_conn *c = sift_out_top(h);
    prefetch_next(h);
    prefetch_names(&c->t.tls.server_chain);
    prefetch_names(&c->t.tls.client_chain);
    return c;
}

void td_reorder_free(td_reorder *h)
{
    free(h->slot);
    h->slot = NULL;
    h->n = h->cap = 0;
}
