/* quic_frames.c - walks the frames of one decrypted QUIC packet: counts them, hands CRYPTO data
 * on, keeps ACK's largest and CONNECTION_CLOSE's code and reason.
 *
 * RFC 9000 12.4 and 19 (every v1 frame), RFC 9221 4 (DATAGRAM).  A frame type the file does not
 * know stops the walk (its length cannot be known) and is counted in other_frames; so are all
 * known frames but PADDING, PING, ACK and CRYPTO.  A length or value the RFC calls a
 * FRAME_ENCODING_ERROR (past the packet's end, offset + length over 2^62 - 1, an ACK range below 0,
 * an empty NEW_TOKEN, a NEW_CONNECTION_ID of 0 or over 20 bytes or retiring past itself, a
 * stream count over 2^60) makes the walk return false.  No I/O, no global state. */
#include <string.h>

#include "dissectors/quic/quic_int.h"

#define MAX_END (((uint64_t)1 << 62) - 1)     /* stream and CRYPTO offset + length (RFC 9000 19.6, 19.8) */
#define LIMIT60 ((uint64_t)1 << 60)          /* stream counts (RFC 9000 19.11) */

typedef struct walk {
    cursor c;
    quic_crypto_fn crypto;
    quic_stream_fn stream;
    void *ctx;
    quic_frames_out *out;
} walk;

static void add32(uint32_t *n, uint64_t k)
{
    *n = k > (uint64_t)(UINT32_MAX - *n) ? UINT32_MAX : *n + (uint32_t)k;
}

/* n varints, none of them looked at. */
static bool skip_varints(cursor *c, int n)
{
    while (n-- > 0) (void)quic_varint(c);
    return !c->bad;
}

/* ACK (0x02, 0x03 with ECN counts): the ranges are walked down from Largest Acknowledged; one
 * below packet number 0 is a lie.  Each range takes at least two bytes, so the cursor's end
 * bounds the loop whatever the ACK Range Count says. */
static bool ack_frame(walk *w, uint64_t type)
{
    cursor *c = &w->c;
    uint64_t largest = quic_varint(c);
    (void)quic_varint(c);                      /* ACK Delay */
    uint64_t ranges = quic_varint(c), first = quic_varint(c);
    if (c->bad || first > largest) return false;
    uint64_t smallest = largest - first;
    for (uint64_t i = 0; i < ranges; i++) {
        uint64_t gap = quic_varint(c), len = quic_varint(c);
        if (c->bad || gap + 2 > smallest || len > smallest - gap - 2) return false;
        smallest = smallest - gap - 2 - len;
    }
    if (type == 0x03 && !skip_varints(c, 3)) return false;   /* ECT0, ECT1, ECN-CE */
    add32(&w->out->acks, 1);
    w->out->has_ack = true;
    w->out->largest_acked = largest;
    return true;
}

/* CRYPTO (0x06): Offset, Length, Crypto Data; the data goes to the callback. */
static bool crypto_frame(walk *w)
{
    cursor *c = &w->c;
    uint64_t off = quic_varint(c), n = quic_varint(c);
    if (c->bad || n > cur_left(c) || n > MAX_END - off) return false;
    const uint8_t *d = cur_bytes(c, (size_t)n);
    if (w->crypto) w->crypto(w->ctx, off, d, (size_t)n);
    add32(&w->out->crypto_frames, 1);
    return true;
}

/* STREAM (0x08..0x0f): Stream ID, Offset if OFF (0x04), Length if LEN (0x02) else to the end;
 * its data to the stream callback, if any. */
static bool stream_frame(walk *w, uint64_t type)
{
    cursor *c = &w->c;
    uint64_t id = quic_varint(c);
    uint64_t off = (type & 0x04) ? quic_varint(c) : 0;
    uint64_t n = (type & 0x02) ? quic_varint(c) : cur_left(c);
    if (c->bad || n > cur_left(c) || n > MAX_END - off) return false;
    const uint8_t *d = cur_bytes(c, (size_t)n);
    if (w->stream) w->stream(w->ctx, id, off, d, (size_t)n, (type & 0x01) != 0);
    return true;
}

/* NEW_CONNECTION_ID (0x18): Sequence Number, Retire Prior To, a 1..20-byte CID, a reset token. */
static bool new_cid_frame(cursor *c)
{
    uint64_t seq = quic_varint(c), retire = quic_varint(c);
    uint8_t n = cur_u8(c);
    if (c->bad || retire > seq || n < 1 || n > TD_QUIC_MAX_CID) return false;
    cur_skip(c, (size_t)n + 16);
    return !c->bad;
}

/* A length-prefixed field (NEW_TOKEN, DATAGRAM with length): the bytes must be there. */
static const uint8_t *length_prefixed(cursor *c, size_t *len)
{
    uint64_t n = quic_varint(c);
    if (c->bad || n > cur_left(c)) {
        c->bad = true;
        return NULL;
    }
    *len = (size_t)n;
    return cur_bytes(c, *len);
}

/* CONNECTION_CLOSE: 0x1c (transport: code, frame type, reason) or 0x1d (application: code,
 * reason).  The reason phrase is kept as printable ASCII, '?' for any other byte, cut to fit. */
static bool close_frame(walk *w, uint64_t type)
{
    cursor *c = &w->c;
    quic_close *q = &w->out->close;
    uint64_t code = quic_varint(c), ft = type == 0x1c ? quic_varint(c) : 0;
    size_t rl = 0;
    const uint8_t *r = length_prefixed(c, &rl);
    if (c->bad || !r) return false;
    memset(q, 0, sizeof *q);
    q->seen = true;
    q->app = type == 0x1d;
    q->code = code;
    q->frame_type = ft;
    size_t n = rl < sizeof q->reason - 1 ? rl : sizeof q->reason - 1;
    for (size_t i = 0; i < n; i++) q->reason[i] = (r[i] >= 0x20 && r[i] < 0x7f) ? (char)r[i] : '?';
    return true;
}

/* The frames other than PADDING, PING, ACK, CRYPTO and CONNECTION_CLOSE: 1 when read, 0 when they
 * lie, -1 for a type this file does not know. */
static int other_frame(walk *w, uint64_t type)
{
    cursor *c = &w->c;
    size_t n = 0;
    switch (type) {
    case 0x04: return skip_varints(c, 3);                     /* RESET_STREAM */
    case 0x05: return skip_varints(c, 2);                     /* STOP_SENDING */
    case 0x07: return length_prefixed(c, &n) != NULL && n > 0; /* NEW_TOKEN */
    case 0x10: case 0x14: case 0x19: return skip_varints(c, 1);   /* MAX_DATA, DATA_BLOCKED, RETIRE_CID */
    case 0x11: case 0x15: return skip_varints(c, 2);          /* MAX_STREAM_DATA, STREAM_DATA_BLOCKED */
    case 0x12: case 0x13: case 0x16: case 0x17:               /* MAX_STREAMS, STREAMS_BLOCKED */
        return quic_varint(c) <= LIMIT60 && !c->bad;
    case 0x18: return new_cid_frame(c);                       /* NEW_CONNECTION_ID */
    case 0x1a: case 0x1b: cur_skip(c, 8); return !c->bad;     /* PATH_CHALLENGE, PATH_RESPONSE */
    case 0x1e: return 1;                                      /* HANDSHAKE_DONE */
    case 0x30: cur_skip(c, cur_left(c)); return 1;            /* DATAGRAM to the end */
    case 0x31: return length_prefixed(c, &n) != NULL;         /* DATAGRAM with Length */
    default:
        if (type >= 0x08 && type <= 0x0f) return stream_frame(w, type);
        return -1;
    }
}

/* One frame after its type: 1 go on, 0 a lie, -1 stop (a type not known). */
static int one_frame(walk *w, uint64_t type)
{
    quic_frames_out *out = w->out;
    if (type == 0x00) {                        /* PADDING: the whole run of zero bytes */
        size_t run = 1;
        while (!cur_empty(&w->c) && *w->c.p == 0) {
            w->c.p++;
            run++;
        }
        add32(&out->padding_bytes, run);
        return 1;
    }
    if (type == 0x02 || type == 0x03) return ack_frame(w, type);
    if (type == 0x1c || type == 0x1d) {
        add32(&out->other_frames, 1);
        return close_frame(w, type);
    }
    out->ack_eliciting = true;
    if (type == 0x01) {
        add32(&out->pings, 1);
        return 1;
    }
    if (type == 0x06) return crypto_frame(w);
    add32(&out->other_frames, 1);
    int r = other_frame(w, type);
    if (r > 0 && type == 0x1e) out->handshake_done = true;
    return r;
}

bool quic_frames(const uint8_t *p, size_t len, quic_crypto_fn crypto, void *ctx, quic_frames_out *out)
{
    return quic_frames_streams(p, len, crypto, NULL, ctx, out);
}

bool quic_frames_streams(const uint8_t *p, size_t len, quic_crypto_fn crypto, quic_stream_fn stream, void *ctx,
                         quic_frames_out *out)
{
    memset(out, 0, sizeof *out);
    walk w = { cur_make(p, len), crypto, stream, ctx, out };
    if (!p) return len == 0;
    while (!cur_empty(&w.c)) {
        uint64_t type = quic_varint(&w.c);
        if (w.c.bad) return false;
        int r = one_frame(&w, type);
        if (r < 0) return true;                /* unknown: not a lie, just not knowable */
        if (r == 0 || w.c.bad) return false;
    }
    return true;
}
