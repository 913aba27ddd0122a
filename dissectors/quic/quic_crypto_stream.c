/* quic_crypto_stream.c - reassembles one QUIC CRYPTO stream: any order, overlaps, duplicates in;
 * each byte out once, in order.
 *
 * RFC 9000 19.6 and 2.2.  Bytes at the next offset wanted go straight to the callback, without a
 * copy; bytes ahead of it wait in a ring of `cap` bytes over the window [delivered, delivered +
 * cap), stream offset o at buf[o % cap], with one bit per byte saying it is there.  The ring is
 * allocated on the first byte that has to wait (a stream that only ever arrives in order never
 * allocates) and freed when nothing waits any more; when that allocation fails, in-order bytes still go straight through and waiting
 * ones are dropped with over_cap set.  Bytes wholly before `delivered` are ignored, partly before
 * it trimmed; a byte already held keeps its first value.  Offsets are checked against 2^62 before
 * any sum, so nothing overflows.  No I/O, no global state. */
#include <stdlib.h>
#include <string.h>

#include "dissectors/quic/quic_int.h"

#define LIMIT62 ((uint64_t)1 << 62)

typedef void (*deliver_fn)(void *ctx, const uint8_t *p, size_t n);

void quic_crypto_init(quic_crypto_stream *s, size_t cap)
{
    memset(s, 0, sizeof *s);
    s->cap = cap;
}

static bool has(const quic_crypto_stream *s, size_t slot) { return s->have[slot / 8] >> (slot % 8) & 1; }
static void set_bit(quic_crypto_stream *s, size_t slot) { s->have[slot / 8] |= (uint8_t)(1u << (slot % 8)); }
static void clear_bit(quic_crypto_stream *s, size_t slot) { s->have[slot / 8] &= (uint8_t)~(1u << (slot % 8)); }

static size_t slot_of(const quic_crypto_stream *s, uint64_t offset) { return (size_t)(offset % s->cap); }

/* The next n bytes have been handed on: forget any held copy of them, move the window. */
static void advance(quic_crypto_stream *s, uint64_t n)
{
    if (s->held && s->have) {
        uint64_t span = n < s->cap ? n : s->cap;
        for (uint64_t i = 0; i < span && s->held; i++) {
            size_t slot = slot_of(s, s->delivered + i);
            if (has(s, slot)) {
                clear_bit(s, slot);
                s->held--;
            }
        }
    }
    s->delivered += n;
}

/* Hand on the held bytes that now follow `delivered`, a run at a time (a run stops at a hole or
 * at the ring's end, where it wraps). */
static void flush(quic_crypto_stream *s, deliver_fn deliver, void *ctx)
{
    while (s->held && s->have) {
        size_t start = slot_of(s, s->delivered), n = 0;
        while (start + n < s->cap && has(s, start + n)) n++;
        if (n == 0) return;
        if (deliver) deliver(ctx, s->buf + start, n);
        advance(s, n);
    }
}

static bool ensure_ring(quic_crypto_stream *s)
{
    if (s->buf && s->have) return true;
    if (s->cap == 0) return false;
    s->buf = malloc(s->cap);
    s->have = calloc(s->cap / 8 + 1, 1);
    if (s->buf && s->have) return true;
    free(s->buf);
    free(s->have);
    s->buf = s->have = NULL;
    return false;
}

/* Bytes ahead of `delivered` (offset > delivered): held in the window, the rest dropped. */
static void hold(quic_crypto_stream *s, uint64_t offset, const uint8_t *data, size_t len)
{
    uint64_t ahead = offset - s->delivered;
    if (ahead >= s->cap || !ensure_ring(s)) {
        s->over_cap = true;
        return;
    }
    size_t room = s->cap - (size_t)ahead, n = len < room ? len : room;
    if (n < len) s->over_cap = true;
    for (size_t i = 0; i < n; i++) {
        size_t slot = slot_of(s, offset + i);
        if (has(s, slot)) continue;
        s->buf[slot] = data[i];
        set_bit(s, slot);
        s->held++;
    }
}

void quic_crypto_add(quic_crypto_stream *s, uint64_t offset, const uint8_t *data, size_t len,
                     void (*deliver)(void *ctx, const uint8_t *p, size_t n), void *ctx)
{
    if (len == 0 || !data) return;
    if (offset >= LIMIT62) {
        s->over_cap = true;
        return;
    }
    if ((uint64_t)len > LIMIT62 - offset) {    /* the stream cannot reach 2^62 */
        len = (size_t)(LIMIT62 - offset);
        s->over_cap = true;
    }
    if (offset + len <= s->delivered) return;  /* all of it handed on before */
    if (offset < s->delivered) {
        size_t skip = (size_t)(s->delivered - offset);
        data += skip;
        len -= skip;
        offset = s->delivered;
    }
    if (offset > s->delivered) {
        hold(s, offset, data, len);
        return;
    }
    if (deliver) deliver(ctx, data, len);
    advance(s, len);
    flush(s, deliver, ctx);
    if (!s->held && s->buf) {                  /* nothing waits: the ring goes until a byte must wait again */
        free(s->buf);
        free(s->have);
        s->buf = s->have = NULL;
    }
}

void quic_crypto_free(quic_crypto_stream *s)
{
    free(s->buf);
    free(s->have);
    memset(s, 0, sizeof *s);
}
