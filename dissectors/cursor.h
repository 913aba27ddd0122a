/* cursor.h - the one way dissectors read bytes.
 *
 * A cursor is a position and an end.  Every read checks the bytes really there; a read past the
 * end sets `bad`, returns zero and leaves the cursor at its end, so a parser can read a whole
 * structure and test `bad` once (as tcpdump's bounds-checked accessors and picotls's decoders do).
 * Length-prefixed blocks (`opaque x<0..2^16-1>`) are opened as sub-cursors bounded by both the
 * prefix and the enclosing end; cur_close() says whether the block was consumed exactly. */
#ifndef TLSDIAG_CURSOR_H
#define TLSDIAG_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cursor {
    const uint8_t *p;
    const uint8_t *end;
    bool bad;                      /* a read ran past the end, or a block lied about its length */
} cursor;

static inline cursor cur_make(const uint8_t *data, size_t len)
{
    cursor c = { data, data ? data + len : data, false };
    return c;
}

static inline size_t cur_left(const cursor *c) { return (size_t)(c->end - c->p); }
static inline bool cur_empty(const cursor *c) { return c->p >= c->end; }

static inline bool cur_need(cursor *c, size_t n)
{
    if (c->bad || cur_left(c) < n) {
        c->bad = true;
        c->p = c->end;
        return false;
    }
    return true;
}

static inline uint8_t cur_u8(cursor *c)
{
    if (!cur_need(c, 1)) return 0;
    return *c->p++;
}

static inline uint16_t cur_u16(cursor *c)
{
    if (!cur_need(c, 2)) return 0;
    uint16_t v = (uint16_t)((uint16_t)c->p[0] << 8 | c->p[1]);
    c->p += 2;
    return v;
}

static inline uint32_t cur_u24(cursor *c)
{
    if (!cur_need(c, 3)) return 0;
    uint32_t v = (uint32_t)c->p[0] << 16 | (uint32_t)c->p[1] << 8 | c->p[2];
    c->p += 3;
    return v;
}

static inline uint32_t cur_u32(cursor *c)
{
    if (!cur_need(c, 4)) return 0;
    uint32_t v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
    c->p += 4;
    return v;
}

/* Little-endian reads, for capture-file and BSD loopback headers. */
static inline uint16_t cur_u16le(cursor *c)
{
    if (!cur_need(c, 2)) return 0;
    uint16_t v = (uint16_t)(c->p[0] | (uint16_t)c->p[1] << 8);
    c->p += 2;
    return v;
}

static inline uint32_t cur_u32le(cursor *c)
{
    if (!cur_need(c, 4)) return 0;
    uint32_t v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[3] << 24;
    c->p += 4;
    return v;
}

/* Point at the next n bytes and step over them; NULL (and bad) if they are not there. */
static inline const uint8_t *cur_bytes(cursor *c, size_t n)
{
    if (!cur_need(c, n)) return NULL;
    const uint8_t *b = c->p;
    c->p += n;
    return b;
}

static inline void cur_skip(cursor *c, size_t n) { (void)cur_bytes(c, n); }

/* A sub-cursor over the next n bytes. */
static inline cursor cur_sub(cursor *c, size_t n)
{
    const uint8_t *b = cur_bytes(c, n);
    cursor s = { b, b ? b + n : NULL, b == NULL };
    return s;
}

/* Open a block whose length is given by a 1-, 2- or 3-byte big-endian prefix. */
static inline cursor cur_block8(cursor *c) { size_t n = cur_u8(c); return cur_sub(c, n); }
static inline cursor cur_block16(cursor *c) { size_t n = cur_u16(c); return cur_sub(c, n); }
static inline cursor cur_block24(cursor *c) { size_t n = cur_u24(c); return cur_sub(c, n); }

/* Close a block: true if it was read without error and exactly to its end.  A bad block marks
 * its parent bad too. */
static inline bool cur_close(cursor *parent, const cursor *block)
{
    if (block->bad || block->p != block->end) {
        parent->bad = parent->bad || block->bad;
        return false;
    }
    return !parent->bad;
}

#endif
