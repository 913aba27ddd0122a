/* x509_cache.c - certificate summaries remembered, keyed by the certificate's bytes.
 *
 * OpenSSL 3 spends hundreds of microseconds in d2i_X509 (most of it choosing a decoder for the
 * public key); a capture of many connections to a few servers carries the same few
 * certificates thousands of times.  This cache is an object the caller owns and passes in (the
 * dissectors keep no global state): direct-mapped on a hash of the DER, confirmed by comparing
 * the whole DER, so a hit is exactly the summary td_x509_summarize would give, copied.  A
 * newcomer replaces whatever held its slot: memory is bounded by the number of slots. */
#include <stdlib.h>
#include <string.h>

#include "dissectors/dissect.h"
#include "dissectors/zeroed_pages.h"

typedef struct slot {
    bool used;
    bool listed;                   /* its index is in touched[] */
    int rc;                        /* td_x509_summarize's answer */
    uint64_t hash;
    td_cert cert;                  /* cert.der / der_len: the key */
} slot;

struct td_x509_cache {
    slot *slots;
    size_t n;                      /* a power of two */
    uint32_t *touched;             /* the slots ever filled: freeing reads only those, so the pages */
    size_t n_touched;              /* of slots never used are never faulted in (a run's exit) */
};

td_x509_cache *td_x509_cache_new(size_t slots)
{
    td_x509_cache *c = calloc(1, sizeof *c);
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
    c->n = n;
    return c;
}

void td_x509_cache_free(td_x509_cache *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n_touched; i++) td_cert_clear(&c->slots[c->touched[i]].cert);
    td_zeroed_pages_free(c->slots, c->n, sizeof *c->slots);
    free(c->touched);
    free(c);
}

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    for (; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h ^ (h >> 29);
}

/* Append n bytes of src at *at (NULL src: nothing) and return where they went. */
static void *place(unsigned char **at, const void *src, size_t n)
{
    if (!src) return NULL;
    void *where = *at;
    memcpy(where, src, n);
    *at += n;
    return where;
}

/* Bytes of a list's strings (with their NULs). */
static size_t list_bytes(char *const *list, size_t n)
{
    size_t sum = 0;
    for (size_t i = 0; i < n; i++) sum += list[i] ? strlen(list[i]) + 1 : 0;
    return sum;
}

/* Each string of src[n] placed at *at, its pointer in dst[] (placed earlier, so aligned). */
static void place_strings(unsigned char **at, char **dst, char *const *src, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] = src[i] ? place(at, src[i], strlen(src[i]) + 1) : NULL;
}

/* A deep copy of src into dst, packed into one allocation (dst->block): a cache hit costs one
 * malloc and one free instead of one per string.  The pointer arrays come first, so that they
 * are aligned.  False if memory ran out (dst then holds nothing). */
static bool cert_copy(td_cert *dst, const td_cert *src)
{
    size_t subject = src->subject ? strlen(src->subject) + 1 : 0;
    size_t issuer = src->issuer ? strlen(src->issuer) + 1 : 0;
    size_t nptr = src->n_san + src->n_eku + src->n_ocsp_urls + src->n_ca_issuer_urls;
    size_t strings = list_bytes(src->san, src->n_san) + list_bytes(src->eku, src->n_eku) +
                     list_bytes(src->ocsp_urls, src->n_ocsp_urls) +
                     list_bytes(src->ca_issuer_urls, src->n_ca_issuer_urls);
    unsigned char *block = malloc(nptr * sizeof(char *) + src->der_len + subject + issuer + strings + 1);
    *dst = *src;
    if (!block) {
        memset(dst, 0, sizeof *dst);
        return false;
    }
    unsigned char *at = block;
    dst->block = block;
    dst->san = src->n_san ? (char **)place(&at, src->san, src->n_san * sizeof(char *)) : NULL;
    dst->eku = src->n_eku ? (char **)place(&at, src->eku, src->n_eku * sizeof(char *)) : NULL;
    dst->ocsp_urls = src->n_ocsp_urls ? (char **)place(&at, src->ocsp_urls, src->n_ocsp_urls * sizeof(char *)) : NULL;
    dst->ca_issuer_urls = src->n_ca_issuer_urls
                        ? (char **)place(&at, src->ca_issuer_urls, src->n_ca_issuer_urls * sizeof(char *)) : NULL;
    place_strings(&at, dst->san, src->san, src->n_san);
    place_strings(&at, dst->eku, src->eku, src->n_eku);
    place_strings(&at, dst->ocsp_urls, src->ocsp_urls, src->n_ocsp_urls);
    place_strings(&at, dst->ca_issuer_urls, src->ca_issuer_urls, src->n_ca_issuer_urls);
    dst->der = src->der_len ? place(&at, src->der, src->der_len) : NULL;
    dst->subject = place(&at, src->subject, subject);
    dst->issuer = place(&at, src->issuer, issuer);
    dst->aia_ocsp = src->n_ocsp_urls ? dst->ocsp_urls[0] : NULL;            /* the first of each, */
    dst->aia_ca_issuers = src->n_ca_issuer_urls ? dst->ca_issuer_urls[0] : NULL;   /* as summarised */
    return true;
}

int td_x509_summarize_cached(td_x509_cache *c, const uint8_t *der, size_t len, td_cert *out)
{
    if (!c || !der || len == 0) return td_x509_summarize(der, len, out);
    uint64_t h = hash_bytes(der, len);
    slot *s = &c->slots[h & (c->n - 1)];
    if (s->used && s->hash == h && s->cert.der_len == len && memcmp(s->cert.der, der, len) == 0 &&
        cert_copy(out, &s->cert))
        return s->rc;
    int rc = td_x509_summarize(der, len, out);
    if (out->der_len != len) return rc;            /* out of memory in there: do not remember */
    td_cert_clear(&s->cert);
    if (!s->listed) {
        s->listed = true;
        c->touched[c->n_touched++] = (uint32_t)(s - c->slots);
    }
    s->used = cert_copy(&s->cert, out);
    s->rc = rc;
    s->hash = h;
    return rc;
}
