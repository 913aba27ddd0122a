/* quic_cids.c - the QUIC connection IDs each open connection's peers chose, so that a datagram from an address that moved still finds its connection. */
#include <stdlib.h>
#include <string.h>

#include "analyzer/flow/engine_int.h"

#define CID_BUCKETS 4096

struct td_quic_cid_entry {
    struct td_quic_cid_entry *next;
    td_conn *c;
    uint8_t dir;                                   /* packets to this CID travel this way */
    uint8_t len;
    uint8_t b[TD_QUIC_CID_MAX];
};

static uint32_t cid_hash(const uint8_t *b, size_t len)
{
    uint32_t h = 0x811c9dc5u ^ (uint32_t)len;
    for (size_t i = 0; i < len; i++) h = (h ^ b[i]) * 0x01000193u;
    return h & (CID_BUCKETS - 1);
}

/* A CID another open connection already holds is not indexed again: it could not tell the two
 * apart after a move anyway, and a capture that reuses one CID for thousands of connections (a
 * hostile one, or a client that never varies it) would make one long chain. */
static bool held(const td_quic_cid_index *x, const td_quic_cid *cid)
{
    for (const struct td_quic_cid_entry *n = x->buckets[cid_hash(cid->b, cid->len)]; n; n = n->next)
        if (n->len == cid->len && memcmp(n->b, cid->b, cid->len) == 0) return true;
    return false;
}

static void add(td_quic_cid_index *x, td_conn *c, int dir, const td_quic_cid *cid)
{
    if (!x->buckets && !(x->buckets = calloc(CID_BUCKETS, sizeof *x->buckets))) return;
    c->cids_indexed |= (uint8_t)(1u << (dir + 2));     /* tried: not again */
    if (held(x, cid)) return;
    struct td_quic_cid_entry *n = malloc(sizeof *n);
    if (!n) return;
    n->c = c;
    n->dir = (uint8_t)dir;
    n->len = cid->len;
    memcpy(n->b, cid->b, cid->len);
    uint32_t h = cid_hash(cid->b, cid->len);
    n->next = x->buckets[h];
    x->buckets[h] = n;
    x->len_mask |= 1u << cid->len;
    c->cids_indexed |= (uint8_t)(1u << dir);
}

void td_quic_cids_learn(td_engine *e, td_conn *c)
{
    const td_quic *q = c->t.quic;
    if (!q) return;
    for (int dir = 0; dir < 2; dir++) {
        const td_quic_cid *cid = dir == TD_C2S ? &q->server_cid : &q->client_cid;
        if (!(c->cids_indexed & (1u << (dir + 2))) && cid->len) add(&e->cids, c, dir, cid);
    }
}

static void remove_one(td_quic_cid_index *x, const td_conn *c, const td_quic_cid *cid)
{
    for (struct td_quic_cid_entry **pp = &x->buckets[cid_hash(cid->b, cid->len)]; *pp; pp = &(*pp)->next)
        if ((*pp)->c == c) {
            struct td_quic_cid_entry *dead = *pp;
            *pp = dead->next;
            free(dead);
            return;
        }
}

void td_quic_cids_forget(td_engine *e, td_conn *c)
{
    if (!(c->cids_indexed & 3) || !c->t.quic || !e->cids.buckets) return;
    for (int dir = 0; dir < 2; dir++)
        if (c->cids_indexed & (1u << dir))
            remove_one(&e->cids, c, dir == TD_C2S ? &c->t.quic->server_cid : &c->t.quic->client_cid);
    c->cids_indexed = 0;
}

td_conn *td_quic_cids_find(td_engine *e, const uint8_t *d, size_t len, int *dir)
{
    td_quic_cid_index *x = &e->cids;
    if (!x->buckets) return NULL;
    for (size_t l = 1; l <= TD_QUIC_CID_MAX && l + 1 <= len; l++) {
        if (!(x->len_mask & (1u << l))) continue;
        for (struct td_quic_cid_entry *n = x->buckets[cid_hash(d + 1, l)]; n; n = n->next)
            if (n->len == l && memcmp(n->b, d + 1, l) == 0) {
                *dir = n->dir;
                return n->c;
            }
    }
    return NULL;
}

void td_quic_cids_free(td_engine *e)
{
    td_quic_cid_index *x = &e->cids;
    if (!x->buckets) return;
    for (size_t i = 0; i < CID_BUCKETS; i++)
        while (x->buckets[i]) {
            struct td_quic_cid_entry *n = x->buckets[i];
            x->buckets[i] = n->next;
            free(n);
        }
    free(x->buckets);
    memset(x, 0, sizeof *x);
}
