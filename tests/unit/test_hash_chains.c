/* test_hash_chains.c - the siblings' growing hash table (analyzer/diagnose/hash_chains.c).
 * The buckets double as nodes come, so a chain stays short however much is remembered; within a
 * key the order stays newest first through every doubling (the siblings take the first match, so
 * a growth must not change which one that is); any node comes out in O(1), from anywhere; the
 * node pool hands out whole nodes and reuses those given back. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "analyzer/diagnose/hash_chains.h"

typedef struct item {
    td_hnode h;
    unsigned seq;                  /* the order of insertion */
    bool in;
} item;

#define N 20000
#define KEYS 7                     /* keys that share the first table's bucket 5 */

static uint64_t key_of(unsigned i) { return 5 + 4096ull * (i % KEYS) * 97; }

/* Every node of key, walked from its bucket: newest first, all of those still in, no other. */
static bool key_in_order(const td_htab *h, const item *items, uint64_t key)
{
    unsigned last = ~0u, found = 0, want = 0;
    for (unsigned i = 0; i < N; i++) want += items[i].in && items[i].h.key == key;
    for (const td_hnode *x = td_htab_bucket(h, key); x; x = x->next) {
        if (x->key != key) continue;
        const item *it = (const item *)x;
        if (!it->in || it->seq >= last) return false;
        last = it->seq;
        found++;
    }
    return found == want;
}

static size_t longest_chain(const td_htab *h)
{
    size_t best = 0;
    for (size_t b = 0; b <= h->mask; b++) {
        size_t n = 0;
        for (const td_hnode *x = h->bucket[b]; x; x = x->next) n++;
        if (n > best) best = n;
    }
    return best;
}

TEST(grows_and_keeps_the_order_within_a_key)
{
    item *items = calloc(N, sizeof *items);
    td_htab h = { 0 };
    CHECK(items != NULL);
    if (!items) return;
    CHECK(td_htab_bucket(&h, 5) == NULL);
    for (unsigned i = 0; i < N; i++) {
        items[i].h.key = key_of(i);
        items[i].seq = i;
        items[i].in = td_htab_insert(&h, &items[i].h, 16) == 0;
        CHECK(items[i].in);
    }
    CHECK(h.n == N);
    CHECK(h.mask + 1 >= N);                         /* 16 buckets at first, doubled to hold N */
    for (unsigned k = 0; k < KEYS; k++) CHECK(key_in_order(&h, items, key_of(k)));
    /* Out from the middle, the oldest and the newest of a chain: O(1), and the rest still found. */
    for (unsigned i = 0; i < N; i += 3) {
        td_htab_remove(&h, &items[i].h);
        items[i].in = false;
    }
    td_htab_remove(&h, &items[N - 1].h);
    items[N - 1].in = false;
    for (unsigned k = 0; k < KEYS; k++) CHECK(key_in_order(&h, items, key_of(k)));
    CHECK(h.n == N - (N + 2) / 3 - 1);
    td_htab_free(&h);
    free(items);
}

TEST(spread_keys_make_short_chains)
{
    enum { M = 1 << 16 };
    item *items = calloc(M, sizeof *items);
    td_htab h = { 0 };
    CHECK(items != NULL);
    if (!items) return;
    uint64_t x = 88172645463325252ull;
    for (unsigned i = 0; i < M; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;   /* xorshift: keys like the siblings' hashes */
        items[i].h.key = x;
        CHECK(td_htab_insert(&h, &items[i].h, 4096) == 0);
    }
    /* A fixed 4096 buckets would hold 16 a bucket on average: the growth keeps them near one. */
    CHECK(h.mask + 1 >= M);
    CHECK(longest_chain(&h) <= 12);
    td_htab_free(&h);
    free(items);
}

/* The node pool: nodes whole and apart across slabs, a node given back the next one taken. */
TEST(pool_nodes_apart_and_reused)
{
    td_hpool pool = { .size = sizeof(item) };
    enum { M = 3 * TD_HPOOL_SLAB + 5 };
    item **got = calloc(M, sizeof *got);
    CHECK(got != NULL);
    if (!got) return;
    for (unsigned i = 0; i < M; i++) {
        got[i] = td_hpool_take(&pool);
        CHECK(got[i] != NULL);
        if (!got[i]) return;
        got[i]->seq = i;
        got[i]->h.key = i;
    }
    for (unsigned i = 0; i < M; i++) CHECK(got[i]->seq == i && got[i]->h.key == i);
    td_hpool_give(&pool, &got[17]->h);
    td_hpool_give(&pool, &got[400]->h);
    CHECK(td_hpool_take(&pool) == got[400]);
    CHECK(td_hpool_take(&pool) == got[17]);
    td_hpool_free(&pool);
    CHECK(pool.slabs == NULL && pool.spare == NULL);
    free(got);
}

int main(void)
{
    RUN(grows_and_keeps_the_order_within_a_key);
    RUN(spread_keys_make_short_chains);
    RUN(pool_nodes_apart_and_reused);
    return check_done();
}
