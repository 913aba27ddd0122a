/* hash_chains.c - see hash_chains.h. */
#include <stdlib.h>

#include "analyzer/diagnose/hash_chains.h"

static void link_head(td_hnode **b, td_hnode *x)
{
    x->next = *b;
    if (x->next) x->next->pprev = &x->next;
    x->pprev = b;
    *b = x;
}

/* Twice the buckets.  A bucket's nodes go to two new buckets (key & mask picks one of them):
 * each is walked newest to oldest and appended at the tail of its new bucket, so the order
 * within every new bucket is the old one. */
static int grow(td_htab *h, size_t min_buckets)
{
    size_t old = h->bucket ? h->mask + 1 : 0, size = old ? old * 2 : min_buckets;
    td_hnode **b = calloc(size, sizeof *b);
    if (!b) return old ? 0 : -1;                   /* a full table still works, only slower */
    for (size_t i = 0; i < old; i++) {
        td_hnode **tail[2] = { &b[i], &b[i + old] };
        for (td_hnode *x = h->bucket[i], *next; x; x = next) {
            next = x->next;
            td_hnode ***t = &tail[(x->key & (size - 1)) != i];
            x->next = NULL;
            x->pprev = *t;
            **t = x;
            *t = &x->next;
        }
    }
    free(h->bucket);
    h->bucket = b;
    h->mask = size - 1;
    return 0;
}

int td_htab_insert(td_htab *h, td_hnode *x, size_t min_buckets)
{
    if ((!h->bucket || h->n >= h->mask + 1) && grow(h, min_buckets) < 0) return -1;
    link_head(&h->bucket[x->key & h->mask], x);
    h->n++;
    return 0;
}

void td_htab_remove(td_htab *h, td_hnode *x)
{
    *x->pprev = x->next;
    if (x->next) x->next->pprev = x->pprev;
    x->next = NULL;
    x->pprev = NULL;
    h->n--;
}

void td_htab_free(td_htab *h)
{
    free(h->bucket);
    h->bucket = NULL;
    h->mask = 0;
    h->n = 0;
}

/* A slab: a pointer to the slab before, then TD_HPOOL_SLAB nodes (the pointer keeps them aligned
 * as malloc aligns, nodes being multiples of it in size). */
void *td_hpool_take(td_hpool *p)
{
    if (!p->spare) {
        char *k = malloc(sizeof(void *) + TD_HPOOL_SLAB * p->size);
        if (!k) return NULL;
        *(void **)k = p->slabs;
        p->slabs = k;
        for (size_t i = 0; i < TD_HPOOL_SLAB; i++) td_hpool_give(p, (td_hnode *)(k + sizeof(void *) + i * p->size));
    }
    td_hnode *x = p->spare;
    p->spare = x->next;
    return x;
}

void td_hpool_give(td_hpool *p, td_hnode *x)
{
    x->next = p->spare;
    p->spare = x;
}

void td_hpool_free(td_hpool *p)
{
    while (p->slabs) {
        void *before = *(void **)p->slabs;
        free(p->slabs);
        p->slabs = before;
    }
    p->spare = NULL;
}
