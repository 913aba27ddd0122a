/* pcapng_secrets.c - the pcapng block walker of analyzer/capture/pcapng_secrets.h.
 *
 * Every block is: type (4), total length (4), body, total length again (4), the lengths counting
 * the whole block and always a multiple of 4.  A Section Header Block (type 0x0A0D0D0A, the same in
 * either byte order) carries a byte-order magic right after its length, which sets the byte order
 * of the section's blocks, its own length included.  A Decryption Secrets Block's body is: secrets
 * type (4), secrets length (4), the secrets, padding to 4, options.
 *
 * Only secrets blocks are copied (as their bytes arrive, so a lying length costs no more memory
 * than the bytes really there); every other block is skipped by counting. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/capture/pcapng_secrets.h"

enum {
    BT_SHB = 0x0A0D0D0A,
    BT_DSB = 0x0000000A,
    MIN_BLOCK = 12,                /* type, length, trailing length */
    MIN_SHB = 28,                  /* + magic, version, section length */
    MIN_DSB = 20,                  /* + secrets type, secrets length */
};

enum { W_HEAD, W_SKIP, W_BODY, W_TRAIL };

/* A 32-bit field in the section's byte order: one load, swapped when the section's order is not
 * the host's (this runs once or twice per block, on every block of the file). */
static uint32_t rd32(const uint8_t *p, int big_endian)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return big_endian ? v : __builtin_bswap32(v);
#else
    return big_endian ? __builtin_bswap32(v) : v;
#endif
}

static td_pcapng_status fail(td_pcapng_walker *w, td_pcapng_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static td_pcapng_status fail(td_pcapng_walker *w, td_pcapng_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err, sizeof w->err, fmt, ap);
    va_end(ap);
    w->status = s;
    return s;
}

void td_pcapng_walker_init(td_pcapng_walker *w, td_pcapng_secrets_fn fn, void *ctx)
{
    memset(w, 0, sizeof *w);
    w->fn = fn;
    w->ctx = ctx;
    w->state = W_HEAD;
    w->head_want = 8;
}

void td_pcapng_walker_free(td_pcapng_walker *w)
{
    free(w->body);
    w->body = NULL;
    w->body_cap = w->body_len = 0;
}

static void next_block(td_pcapng_walker *w)
{
    w->blocks++;
    w->block_start = w->pos;
    w->state = W_HEAD;
    w->head_len = w->trail_len = w->body_len = 0;
    w->head_want = 8;
    w->block_type = 0;
}

/* The block's type and length (and, for a section header, byte order) are in: check them and
 * decide whether its body is skipped or kept. */
static void head_done(td_pcapng_walker *w)
{
    unsigned long long at = (unsigned long long)w->block_start;
    if (w->block_type == BT_SHB) {
        static const uint8_t be[4] = { 0x1A, 0x2B, 0x3C, 0x4D }, le[4] = { 0x4D, 0x3C, 0x2B, 0x1A };
        if (memcmp(w->head + 8, be, 4) == 0)
            w->big_endian = 1;
        else if (memcmp(w->head + 8, le, 4) == 0)
            w->big_endian = 0;
        else {
            fail(w, TD_PCAPNG_BAD_BLOCK, "pcapng Section Header Block at byte %llu: byte-order magic "
                 "%02x%02x%02x%02x is not 1a2b3c4d in either order", at,
                 w->head[8], w->head[9], w->head[10], w->head[11]);
            return;
        }
    }
    w->block_len = rd32(w->head + 4, w->big_endian);
    uint32_t min = w->block_type == BT_SHB ? MIN_SHB : w->block_type == BT_DSB ? MIN_DSB : MIN_BLOCK;
    if (w->block_len < min || w->block_len % 4 != 0) {
        fail(w, TD_PCAPNG_BAD_BLOCK, "pcapng block at byte %llu (type 0x%08x): total length %u is %s",
             at, (unsigned)w->block_type, (unsigned)w->block_len,
             w->block_len < min ? "too small" : "not a multiple of 4");
        return;
    }
    size_t body = (size_t)w->block_len - w->head_want - 4;
    if (w->block_type == BT_DSB) {
        if (body > TD_PCAPNG_SECRETS_MAX) {
            fail(w, TD_PCAPNG_BAD_SECRETS, "pcapng Decryption Secrets Block at byte %llu: %u bytes, "
                 "more than the %zu MiB tlsdiag reads", at, (unsigned)w->block_len,
                 TD_PCAPNG_SECRETS_MAX >> 20);
            return;
        }
        w->body_want = body;
        w->state = W_BODY;
    } else {
        w->skip = body;
        w->state = W_SKIP;
    }
}

/* A whole secrets block, trailer checked, is in w->body: hand its secrets out. */
static void secrets_done(td_pcapng_walker *w)
{
    uint32_t type = rd32(w->body, w->big_endian);
    uint32_t len = rd32(w->body + 4, w->big_endian);
    if (len > w->body_len - 8) {
        fail(w, TD_PCAPNG_BAD_SECRETS, "pcapng Decryption Secrets Block at byte %llu: secrets length "
             "%u exceeds the %zu bytes the block holds", (unsigned long long)w->block_start,
             (unsigned)len, w->body_len - 8);
        return;
    }
    w->secrets++;
    if (w->fn)
        w->fn(w->ctx, type, w->body + 8, len, w->block_start);
}

/* Room for n more body bytes, growing by doubling (never past body_want). */
static int body_room(td_pcapng_walker *w, size_t n)
{
    if (w->body_len + n <= w->body_cap)
        return 1;
    size_t cap = w->body_cap ? w->body_cap : 4096;
    while (cap < w->body_len + n)
        cap *= 2;
    if (cap > w->body_want)
        cap = w->body_want;
    uint8_t *p = realloc(w->body, cap);
    if (!p)
        return 0;
    w->body = p;
    w->body_cap = cap;
    return 1;
}

/* Step over the ordinary blocks (neither section header nor secrets) that lie whole, lengths
 * consistent, at the start of data[0..len); returns the bytes stepped over. */
static size_t skip_whole_blocks(td_pcapng_walker *w, const uint8_t *data, size_t len)
{
    size_t off = 0;
    while (len - off >= MIN_BLOCK) {
        const uint8_t *p = data + off;
        uint32_t type = rd32(p, w->big_endian), n = rd32(p + 4, w->big_endian);
        if (type == BT_SHB || type == BT_DSB || n < MIN_BLOCK || n % 4 != 0 || n > len - off ||
            rd32(p + n - 4, w->big_endian) != n)
            break;
        off += n;
        w->blocks++;
    }
    w->pos += off;
    w->block_start = w->pos;
    return off;
}

/* Bytes of the block's header (type, length, and a section header's byte-order magic); returns
 * how many of data[0..len) were taken. */
static size_t take_head(td_pcapng_walker *w, const uint8_t *data, size_t len)
{
    size_t take = w->head_want - w->head_len;
    if (take > len)
        take = len;
    memcpy(w->head + w->head_len, data, take);
    w->head_len += take;
    if (w->head_len >= 4 && w->head_len - take < 4) {
        /* The type is in: a section header needs its byte-order magic as well. */
        w->block_type = rd32(w->head, w->big_endian);
        if (w->block_type == BT_SHB)
            w->head_want = 12;
        else if (w->blocks == 0) {
            w->status = TD_PCAPNG_NOT_PCAPNG;
            return take;
        }
    }
    if (w->head_len == w->head_want)
        head_done(w);
    return take;
}

/* Bytes of a secrets block's body, kept; returns how many were taken (also when out of memory:
 * walking stops then). */
static size_t take_body(td_pcapng_walker *w, const uint8_t *data, size_t len)
{
    size_t take = w->body_want - w->body_len;
    if (take > len)
        take = len;
    if (!body_room(w, take)) {
        fail(w, TD_PCAPNG_BAD_SECRETS, "pcapng Decryption Secrets Block at byte %llu: out of memory",
             (unsigned long long)w->block_start);
        return take;
    }
    memcpy(w->body + w->body_len, data, take);
    w->body_len += take;
    return take;
}

/* Bytes of the block's trailing length; returns how many were taken. */
static size_t take_trail(td_pcapng_walker *w, const uint8_t *data, size_t len)
{
    size_t take = 4 - w->trail_len;
    if (take > len)
        take = len;
    memcpy(w->trail + w->trail_len, data, take);
    w->trail_len += take;
    return take;
}

/* Move on once the current part of the block is complete (a part may be empty: no data needed);
 * at the end of the block check its trailing length, hand out its secrets, start the next. */
static void part_done(td_pcapng_walker *w)
{
    if ((w->state == W_SKIP && w->skip == 0) || (w->state == W_BODY && w->body_len == w->body_want))
        w->state = W_TRAIL;
    if (w->state != W_TRAIL || w->trail_len != 4)
        return;
    uint32_t again = rd32(w->trail, w->big_endian);
    if (again != w->block_len) {
        fail(w, TD_PCAPNG_BAD_BLOCK, "pcapng block at byte %llu (type 0x%08x): trailing length %u "
             "differs from the leading %u", (unsigned long long)w->block_start,
             (unsigned)w->block_type, (unsigned)again, (unsigned)w->block_len);
        return;
    }
    if (w->block_type == BT_DSB) {
        secrets_done(w);
        if (w->status != TD_PCAPNG_OK)
            return;
    }
    next_block(w);
}

td_pcapng_status td_pcapng_walker_feed(td_pcapng_walker *w, const uint8_t *data, size_t len)
{
    while (len > 0 && w->status == TD_PCAPNG_OK) {
        if (w->state == W_HEAD && w->head_len == 0 && w->blocks > 0) {
            /* Fast path: ordinary blocks lying whole in this piece are stepped over in place.
             * Anything else (a section header, a secrets block, a block cut by the piece's end,
             * a bad length) takes the byte-wise path below, which also reports errors. */
            size_t n = skip_whole_blocks(w, data, len);
            data += n;
            len -= n;
            if (len == 0)
                break;
        }
        size_t take = 0;
        switch (w->state) {
        case W_HEAD:
            take = take_head(w, data, len);
            break;
        case W_SKIP:
            take = w->skip < len ? (size_t)w->skip : len;
            w->skip -= take;
            break;
        case W_BODY:
            take = take_body(w, data, len);
            break;
        case W_TRAIL:
            take = take_trail(w, data, len);
            break;
        }
        data += take;
        len -= take;
        w->pos += take;
        if (w->status != TD_PCAPNG_OK)
            break;
        part_done(w);
    }
    return w->status;
}

td_pcapng_status td_pcapng_walker_finish(td_pcapng_walker *w)
{
    if (w->status != TD_PCAPNG_OK)
        return w->status;
    if (w->state == W_HEAD && w->head_len == 0)
        return TD_PCAPNG_OK;                           /* at a block boundary (or empty input) */
    if (w->blocks == 0 && w->head_len < 4)
        return w->status = TD_PCAPNG_NOT_PCAPNG;       /* too short to tell: not pcapng to us */
    if (w->state == W_HEAD && w->head_len < 4)            /* the type has not arrived */
        return fail(w, TD_PCAPNG_BAD_BLOCK, "pcapng input ends inside the block at byte %llu (in its header)",
                    (unsigned long long)w->block_start);
    return fail(w, TD_PCAPNG_BAD_BLOCK, "pcapng input ends inside the block at byte %llu (type 0x%08x%s)",
                (unsigned long long)w->block_start, (unsigned)w->block_type,
                w->state == W_HEAD ? ", in its header" : "");
}
