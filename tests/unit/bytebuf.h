/* bytebuf.h - a growable byte buffer for unit tests that build packets and TLS messages by hand. */
#ifndef TLSDIAG_BYTEBUF_H
#define TLSDIAG_BYTEBUF_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static inline void put(buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n) cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q) abort();
        b->p = q;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, d, n);
    b->n += n;
}

static inline void put8(buf *b, unsigned v) { uint8_t x = (uint8_t)v; put(b, &x, 1); }
static inline void put16(buf *b, unsigned v) { put8(b, v >> 8); put8(b, v); }
static inline void put24(buf *b, unsigned long v) { put8(b, (unsigned)(v >> 16)); put16(b, (unsigned)(v & 0xffff)); }
static inline void put32(buf *b, uint32_t v) { put16(b, v >> 16); put16(b, v & 0xffff); }
static inline void putb(buf *b, const buf *src) { put(b, src->p, src->n); }
static inline void putstr(buf *b, const char *s) { put(b, s, strlen(s)); }
static inline void bfree(buf *b) { free(b->p); memset(b, 0, sizeof *b); }

#endif
