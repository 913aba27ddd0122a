/* chain_cache.h - chain checks remembered: a chain seen before is neither parsed nor verified
 * again (analyzer/diagnose/chain_cache.c).  Keyed by the certificates' bytes (their SHA-256) and the
 * purpose; an answer is reused only at times for which it is known to hold (see
 * td_check_chain_trust), and the cheap name check is redone for each connection's name. */
#ifndef TLSDIAG_CHAIN_CACHE_H
#define TLSDIAG_CHAIN_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/diagnose/chain_check.h"

typedef struct td_cert_cache td_cert_cache;

/* A cache of at most `slots` chains (rounded up to a power of two; memory stays bounded). */
td_cert_cache *td_cert_cache_new(size_t slots);
void td_cert_cache_free(td_cert_cache *c);
/* td_check_chain, through the cache (a NULL cache checks afresh). */
void td_cert_cache_check(td_cert_cache *c, X509_STORE *store, const td_chain *chain, int64_t when,
                         const char *host, const char *ip, bool purpose_server, td_chain_check *out);
/* Lookups answered from the cache, and chains checked afresh. */
void td_cert_cache_stats(const td_cert_cache *c, uint64_t *hits, uint64_t *misses);

#endif
