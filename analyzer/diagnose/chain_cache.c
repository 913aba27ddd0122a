/* chain_cache.c - remembered chain checks.
 *
 * Parsing and verifying a chain with OpenSSL costs hundreds of microseconds; a capture full of
 * short connections to a few servers shows the same chain thousands of times.  The key is the
 * list of the certificates' SHA-256 fingerprints (computed by the X.509 summary anyway, taken as
 * the hex text it wrote: decoding it cost more than the rest of a hit) and the purpose; the entry keeps the trust answer, the span of time it holds for, and the parsed leaf
 * for the per-connection name check (whose last answer it also keeps: most connections to a
 * server ask for the same name).  Direct-mapped: a slot holds one chain, a newcomer that
 * hashes to a taken slot replaces it, so memory is bounded whatever the capture holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/diagnose/chain_cache.h"
#include "dissectors/zeroed_pages.h"

typedef struct entry {
    bool used;
    bool listed;                   /* its index is in touched[] */
    bool purpose_server;
    uint64_t hash;
    size_t n;                      /* certificates in the chain */
    uint8_t *key;                  /* n SHA-256 fingerprints, KEY_BYTES each */
    int64_t from, until;           /* the answer holds for times in [from, until) */
    td_chain_check result;         /* name fields empty */
    X509 *leaf;
    int name_kind;                 /* the last name checked: 0 none, 1 host, 2 IP address */
    char name[256];
    bool name_ok;
} entry;

struct td_cert_cache {
    entry *slots;
    size_t n_slots;                /* a power of two */
    uint32_t *touched;             /* the slots ever filled: freeing reads only those, so the pages */
    size_t n_touched;              /* of slots never used are never faulted in (a run's exit) */
    uint64_t hits, misses;
};

td_cert_cache *td_cert_cache_new(size_t slots)
{
    td_cert_cache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    size_t n = 1;
    while (n < slots) n *= 2;
    c->slots = td_zeroed_pages(n, sizeof *c->slots);      /* pages faulted in as slots fill */
    c->touched = malloc(n * sizeof *c->touched);
    if (!c->slots || !c->touched) {
        td_zeroed_pages_free(c->slots, n, sizeof *c->slots);
        free(c->touched);
        free(c);
        return NULL;
    }
    c->n_slots = n;
    return c;
}

static void entry_clear(entry *e)
{
    X509_free(e->leaf);
    free(e->key);
    bool listed = e->listed;
    memset(e, 0, sizeof *e);
    e->listed = listed;
}

void td_cert_cache_free(td_cert_cache *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n_touched; i++) entry_clear(&c->slots[c->touched[i]]);
    td_zeroed_pages_free(c->slots, c->n_slots, sizeof *c->slots);
    free(c->touched);
    free(c);
}

void td_cert_cache_stats(const td_cert_cache *c, uint64_t *hits, uint64_t *misses)
{
    *hits = c ? c->hits : 0;
    *misses = c ? c->misses : 0;
}

enum { KEY_BYTES = 64 };           /* a fingerprint's hex text */

/* The chain's key: its fingerprints' text, side by side.  False if one is missing (then no
 * caching). */
static bool make_key(const td_chain *chain, uint8_t *key)
{
    for (size_t i = 0; i < chain->n; i++) {
        const char *h = chain->certs[i].sha256;
        if (memchr(h, '\0', KEY_BYTES)) return false;
        memcpy(key + KEY_BYTES * i, h, KEY_BYTES);
    }
    return true;
}

/* td_check_chain_name against the entry's leaf, answered from the entry when the name is the
 * one checked last. */
static void check_name(entry *e, const char *host, const char *ip, td_chain_check *out)
{
    int kind = host && *host ? 1 : ip && *ip ? 2 : 0;
    const char *name = kind == 1 ? host : ip;
    if (kind && e->leaf && kind == e->name_kind && strcmp(name, e->name) == 0) {
        out->name_checked = true;
        snprintf(out->name, sizeof out->name, "%s", name);
        out->name_ok = e->name_ok;
        return;
    }
    td_check_chain_name(e->leaf, host, ip, out);
    if (kind && e->leaf && strlen(name) < sizeof e->name) {
        e->name_kind = kind;
        memcpy(e->name, name, strlen(name) + 1);
        e->name_ok = out->name_ok;
    }
}

void td_cert_cache_check(td_cert_cache *c, X509_STORE *store, const td_chain *chain, int64_t when,
                         const char *host, const char *ip, bool purpose_server, td_chain_check *out)
{
    uint8_t key[TD_MAX_CHAIN * KEY_BYTES];
    if (!c || !chain->seen || chain->n == 0 || chain->n > TD_MAX_CHAIN || chain->certs[0].parse_error ||
        !make_key(chain, key)) {
        td_check_chain(store, chain, when, host, ip, purpose_server, out);
        return;
    }
    size_t klen = chain->n * KEY_BYTES;
    uint64_t h = 0xcbf29ce484222325ull ^ (purpose_server ? 1 : 2);
    for (size_t i = 0; i < klen; i += 8) {       /* hex of digests: every word differs */
        uint64_t w;
        memcpy(&w, key + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    entry *e = &c->slots[h & (c->n_slots - 1)];
    if (e->used && e->hash == h && e->n == chain->n && e->purpose_server == purpose_server &&
        memcmp(e->key, key, klen) == 0 && when >= e->from && when < e->until) {
        c->hits++;
        *out = e->result;
        check_name(e, host, ip, out);
        return;
    }
    c->misses++;
    entry_clear(e);
    if (!e->listed) {
        e->listed = true;
        c->touched[c->n_touched++] = (uint32_t)(e - c->slots);
    }
    X509 *leaf = NULL;
    int64_t from, until;
    td_check_chain_trust(store, chain, when, purpose_server, out, &leaf, &from, &until);
    e->key = malloc(klen);
    if (e->key) {
        memcpy(e->key, key, klen);
        e->used = true;
        e->hash = h;
        e->n = chain->n;
        e->purpose_server = purpose_server;
        e->from = from;
        e->until = until;
        e->result = *out;
        e->leaf = leaf;
    }
    if (e->key) {
        check_name(e, host, ip, out);
    } else {
        td_check_chain_name(leaf, host, ip, out);
        X509_free(leaf);
    }
}
