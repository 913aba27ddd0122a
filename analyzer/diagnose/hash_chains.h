/* hash_chains.h - an intrusive hash table whose buckets grow with what it holds.
 *
 * For the siblings' memory (siblings.c): its tables are emptied oldest first, in an order of their
 * own, and are read by key.  Unlinking is O(1) (each node knows the link that points to it), and
 * the bucket array doubles when there are more nodes than buckets, so a chain stays short however
 * many connections are remembered (a connection open for a whole capture makes the siblings keep
 * everything after its start).  Within a bucket, nodes are newest first, and doubling keeps that
 * order: readers that take the first match see the same node before and after a growth. */
#ifndef TD_HASH_CHAINS_H
#define TD_HASH_CHAINS_H

#include <stddef.h>
#include <stdint.h>

typedef struct td_hnode {
    struct td_hnode *next;         /* the next (older) node in the bucket */
    struct td_hnode **pprev;       /* the link that points to this node */
    uint64_t key;
} td_hnode;

typedef struct td_htab {
    td_hnode **bucket;             /* NULL until the first insert */
    size_t mask;                   /* buckets - 1 (a power of two) */
    size_t n;
} td_htab;

/* The newest node of key's bucket (other keys too: callers compare node->key), or NULL. */
static inline td_hnode *td_htab_bucket(const td_htab *h, uint64_t key)
{
    return h->bucket ? h->bucket[key & h->mask] : NULL;
}

/* Insert x (its key set) as the newest of its bucket.  Returns 0, or -1 when memory ran out
 * (then x is not inserted).  The table may grow first: `min_buckets` is its first size. */
int td_htab_insert(td_htab *h, td_hnode *x, size_t min_buckets);

/* Take x out of the table. */
void td_htab_remove(td_htab *h, td_hnode *x);

void td_htab_free(td_htab *h);

/* Where a table's nodes live: allocated TD_HPOOL_SLAB at a time, each node of `size` bytes with its
 * td_hnode first; a node given back is the next taken.  Memory goes only with the pool, so that
 * a connection remembered costs no allocation of its own. */
#define TD_HPOOL_SLAB 256
typedef struct td_hpool {
    size_t size;                   /* of a node: set before the first take */
    td_hnode *spare;               /* given back, linked through next */
    void *slabs;                   /* each begins with a pointer to the one allocated before */
} td_hpool;

/* A node (not zeroed), or NULL when memory ran out. */
void *td_hpool_take(td_hpool *p);
void td_hpool_give(td_hpool *p, td_hnode *x);
void td_hpool_free(td_hpool *p);

#endif
