/* flow_table.c - connections by symmetric 5-tuple hash, and their order of last activity. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/flow/flow_int.h"

#define CONN_SMALL offsetof(td_conn, t.client)   /* t.client .. t.tls end the last member */

td_conn *td_conn_new_small(void)
{
    return calloc(1, CONN_SMALL);
}

td_conn *td_conn_grow(td_conn *c)
{
    unsigned char *n = realloc(c, sizeof *c);
    if (n) memset(n + CONN_SMALL, 0, sizeof *c - CONN_SMALL);
    return (td_conn *)n;
}

int td_flows_init(td_flow_table *ft)
{
    memset(ft, 0, sizeof *ft);
    ft->nbuckets = 1024;
    ft->buckets = calloc(ft->nbuckets, sizeof *ft->buckets);
    return ft->buckets ? 0 : -1;
}

void td_flows_free(td_flow_table *ft)
{
    free(ft->buckets);
    memset(ft, 0, sizeof *ft);
}

static uint32_t mix(uint32_t h, uint32_t v)
{
    h ^= v;
    h *= 0x9e3779b1u;
    return h ^ (h >> 15);
}

static uint32_t endpoint_hash(uint8_t ipver, const uint8_t *a, uint16_t port)
{
    uint32_t h = 0x811c9dc5u;
    size_t n = ipver == 6 ? 16 : 4;
    for (size_t i = 0; i < n; i += 4)
        h = mix(h, (uint32_t)a[i] << 24 | (uint32_t)a[i + 1] << 16 | (uint32_t)a[i + 2] << 8 | a[i + 3]);
    return mix(h, port);
}

/* Symmetric: the same for both directions (a + b), so --shard splits whole connections. */
uint32_t td_flow_hash(uint8_t ipver, const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp)
{
    uint32_t h = endpoint_hash(ipver, a, ap) + endpoint_hash(ipver, b, bp);
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    return h;
}

uint32_t td_host_pair_hash(uint8_t ipver, const uint8_t *a, const uint8_t *b)
{
    return td_flow_hash(ipver, a, 0, b, 0);
}

/* Sizes known when compiled, so that the compiler compares words instead of calling memcmp
 * (two calls per packet looked up). */
static bool addr_eq(const uint8_t *a, const uint8_t *b, bool v6)
{
    if (v6) return memcmp(a, b, 16) == 0;
    uint32_t x, y;
    memcpy(&x, a, 4);
    memcpy(&y, b, 4);
    return x == y;
}

static bool same(const td_conn *c, const td_pkt *p, int *dir)
{
    bool v6 = p->ipver == 6;
    if (c->ipver != p->ipver) return false;
    if (c->port[0] == p->sport && c->port[1] == p->dport && addr_eq(c->addr[0], p->src, v6) &&
        addr_eq(c->addr[1], p->dst, v6)) {
        *dir = TD_C2S;
        return true;
    }
    if (c->port[1] == p->sport && c->port[0] == p->dport && addr_eq(c->addr[1], p->src, v6) &&
        addr_eq(c->addr[0], p->dst, v6)) {
        *dir = TD_S2C;
        return true;
    }
    return false;
}

td_conn *td_flows_find(td_flow_table *ft, const td_pkt *p, uint32_t hash, int *dir)
{
    for (td_conn *c = ft->buckets[hash & (ft->nbuckets - 1)]; c; c = c->hnext)
        if (c->hash == hash && same(c, p, dir)) return c;
    return NULL;
}

static void grow(td_flow_table *ft)
{
    size_t n = ft->nbuckets * 2;
    td_conn **b = calloc(n, sizeof *b);
    if (!b) return;                                /* keep the old table: slower, still right */
    for (size_t i = 0; i < ft->nbuckets; i++) {
        td_conn *c = ft->buckets[i];
        while (c) {
            td_conn *next = c->hnext;
            c->hnext = b[c->hash & (n - 1)];
            b[c->hash & (n - 1)] = c;
            c = next;
        }
    }
    free(ft->buckets);
    ft->buckets = b;
    ft->nbuckets = n;
}

/* Open, closed and attempting connections are on their own lists, each in order of last activity. */
static void list_of(td_flow_table *ft, const td_conn *c, td_conn ***oldest, td_conn ***newest)
{
    if (c->closed) {
        *oldest = &ft->closed_oldest;
        *newest = &ft->closed_newest;
    } else if (c->attempt) {
        *oldest = &ft->attempt_oldest[c->attempt];
        *newest = &ft->attempt_newest[c->attempt];
    } else {
        *oldest = &ft->oldest;
        *newest = &ft->newest;
    }
}

static void unlink_idle(td_flow_table *ft, td_conn *c)
{
    td_conn **oldest, **newest;
    list_of(ft, c, &oldest, &newest);
    if (c->older) c->older->newer = c->newer;
    else *oldest = c->newer;
    if (c->newer) c->newer->older = c->older;
    else *newest = c->older;
    c->older = c->newer = NULL;
}

static void link_newest(td_flow_table *ft, td_conn *c)
{
    td_conn **oldest, **newest;
    list_of(ft, c, &oldest, &newest);
    c->older = *newest;
    c->newer = NULL;
    if (*newest) (*newest)->newer = c;
    else *oldest = c;
    *newest = c;
}

void td_flows_insert(td_flow_table *ft, td_conn *c)
{
    if (ft->count >= ft->nbuckets) grow(ft);
    td_conn **head = &ft->buckets[c->hash & (ft->nbuckets - 1)];
    c->hnext = *head;
    *head = c;
    ft->count++;
    link_newest(ft, c);
}

void td_flows_remove(td_flow_table *ft, td_conn *c)
{
    td_conn **pp = &ft->buckets[c->hash & (ft->nbuckets - 1)];
    while (*pp && *pp != c) pp = &(*pp)->hnext;
    if (*pp) {
        *pp = c->hnext;
        ft->count--;
    }
    c->hnext = NULL;
    unlink_idle(ft, c);
}

void td_flows_touch(td_flow_table *ft, td_conn *c)
{
    if (!c->newer) return;                         /* the newest of its list already */
    unlink_idle(ft, c);
    link_newest(ft, c);
}

void td_flows_mark_closed(td_flow_table *ft, td_conn *c)
{
    if (c->closed) return;
    unlink_idle(ft, c);
    c->closed = true;
    c->attempt = 0;
    link_newest(ft, c);
}

void td_flows_set_attempt(td_flow_table *ft, td_conn *c, uint8_t k)
{
    unlink_idle(ft, c);
    c->attempt = k;
    link_newest(ft, c);
}
