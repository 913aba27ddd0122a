/* reassembly.c - per-direction TCP byte streams, in order, for the connection's stream parser.
 *
 * In-order bytes go straight from the packet to the parser (no copy).  A segment that arrives
 * ahead of a hole is copied and held (bounded); it is delivered when the hole fills.  Overlaps
 * keep the FIRST copy seen (as Zeek and Wireshark's default do): bytes already delivered or
 * already held are never replaced.  A hole is declared a gap, and the parser told to resync, when
 * the receiver acknowledges past it (the bytes were sent but not captured), when the held data
 * exceeds its cap, or when the connection ends. */
#include <stdlib.h>
#include <string.h>

#include "analyzer/flow/flow_int.h"

/* Sequence-number arithmetic modulo 2^32. */
static int32_t seq_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

static void deliver(td_conn *c, int dir, const uint8_t *data, size_t len, uint64_t packet, double ts)
{
    if (!len) return;
    c->t.tcp.bytes[dir] += len;
    if (c->stream) c->stream_ops->data(c->stream, dir, data, len, packet, ts);
}

static void gap(td_conn *c, int dir, uint32_t bytes, uint64_t packet, double ts)
{
    c->t.tcp.gaps[dir]++;
    c->t.tcp.gap_bytes[dir] += bytes;
    if (c->stream) c->stream_ops->gap(c->stream, dir, bytes, packet, ts);
}

/* Deliver held segments that now continue the stream. */
static void drain(td_conn *c, int dir)
{
    td_reasm *r = &c->r[dir];
    while (r->held) {
        td_seg *s = r->held;
        int32_t rel = seq_diff(s->seq, r->next_seq);
        if (rel > 0) break;                        /* still a hole before it */
        uint32_t skip = r->next_seq - s->seq;      /* -rel, without overflow at -2^31 */
        if (skip < s->len) {
            deliver(c, dir, s->data + skip, s->len - skip, s->packet, s->ts);
            r->next_seq = s->seq + s->len;
        }
        r->held = s->next;
        r->held_bytes -= s->len;
        r->held_count--;
        free(s);
    }
}

/* Skip the hole before the first held segment (or up to `upto`), marking it as a gap. */
static void skip_hole(td_conn *c, int dir, uint32_t upto, uint64_t packet, double ts)
{
    td_reasm *r = &c->r[dir];
    int32_t missing = seq_diff(upto, r->next_seq);
    if (missing <= 0) return;
    gap(c, dir, (uint32_t)missing, packet, ts);
    r->next_seq = upto;
    drain(c, dir);
}

static void hold(td_conn *c, int dir, uint32_t seq, const uint8_t *data, uint32_t len,
                 uint64_t packet, double ts)
{
    td_reasm *r = &c->r[dir];
    td_seg **pp = &r->held;
    while (len > 0) {
        /* Find the first held segment that ends after seq; trim what it already covers. */
        while (*pp && seq_diff((*pp)->seq + (*pp)->len, seq) <= 0) pp = &(*pp)->next;
        if (*pp && seq_diff((*pp)->seq, seq) <= 0) {
            uint32_t covered = (*pp)->seq + (*pp)->len - seq;
            if (covered >= len) return;
            seq += covered;
            data += covered;
            len -= covered;
            continue;
        }
        uint32_t piece = len;
        if (*pp && seq_diff(seq + len, (*pp)->seq) > 0) piece = (*pp)->seq - seq;
        if (r->held_bytes + piece > TD_REASM_MAX_BYTES || r->held_count >= TD_REASM_MAX_SEGS) {
            c->t.tcp.ooo_cap_hit = true;
            /* Out of room: give up on the hole before the first held segment. */
            skip_hole(c, dir, r->held ? r->held->seq : seq, packet, ts);
            if (seq_diff(seq, r->next_seq) <= 0) {  /* now in order (or behind) */
                uint32_t skip = (uint32_t)-seq_diff(seq, r->next_seq);
                if (skip < len) {
                    deliver(c, dir, data + skip, len - skip, packet, ts);
                    r->next_seq = seq + len;
                    drain(c, dir);
                }
                return;
            }
            pp = &r->held;
            continue;
        }
        td_seg *s = malloc(sizeof *s + piece);
        if (!s) {
            c->t.tcp.ooo_cap_hit = true;
            return;
        }
        s->seq = seq;
        s->len = piece;
        s->packet = packet;
        s->ts = ts;
        memcpy(s->data, data, piece);
        s->next = *pp;
        *pp = s;
        r->held_bytes += piece;
        r->held_count++;
        pp = &s->next;
        seq += piece;
        data += piece;
        len -= piece;
    }
}

void td_reasm_syn(td_conn *c, int dir, uint32_t seq)
{
    td_reasm *r = &c->r[dir];
    if (r->init && (r->held || c->t.tcp.bytes[dir])) return;
    r->init = true;
    r->next_seq = seq + 1;
}

void td_reasm_segment(td_conn *c, int dir, const td_pkt *p, uint64_t packet, double ts)
{
    td_reasm *r = &c->r[dir];
    uint32_t len = (uint32_t)p->payload_wire_len;
    if (len == 0) return;
    /* Data on a SYN (TCP Fast Open) starts after the SYN's own sequence number. */
    uint32_t seq = p->seq + ((p->flags & TD_TCP_SYN) ? 1u : 0u);
    if (!r->init) {                                /* picked up mid-stream */
        r->init = true;
        r->next_seq = seq;
    }
    uint32_t have = (uint32_t)p->payload_len;     /* less than len when cut by the snap length */
    int32_t rel = seq_diff(seq, r->next_seq);
    if (rel > 0) {
        if (have < len) {                          /* keep what is there; the rest is a hole */
            hold(c, dir, seq, p->payload, have, packet, ts);
        } else {
            hold(c, dir, seq, p->payload, len, packet, ts);
        }
        return;
    }
    uint32_t skip = r->next_seq - seq;             /* -rel, without overflow at -2^31 */
    if (skip >= len) {
        c->t.tcp.retransmits[dir]++;
        return;
    }
    if (skip > 0) c->t.tcp.retransmits[dir]++;    /* partial overlap: the old bytes win */
    if (r->held && seq_diff(r->held->seq, seq + have) < 0) {
        /* An earlier copy of bytes further on is held: they win too.  Deliver up to them and
         * let hold() keep only what this copy adds beyond. */
        uint32_t upto = r->held->seq - seq;
        if (skip < upto) deliver(c, dir, p->payload + skip, upto - skip, packet, ts);
        r->next_seq = r->held->seq;
        hold(c, dir, r->held->seq, p->payload + upto, have - upto, packet, ts);
        drain(c, dir);
        return;
    }
    if (skip < have) deliver(c, dir, p->payload + skip, have - skip, packet, ts);
    r->next_seq = seq + len;
    if (have < len) {
        uint32_t missing = len - (skip > have ? skip : have);
        gap(c, dir, missing, packet, ts);
    }
    drain(c, dir);
}

void td_reasm_ack(td_conn *c, int dir, uint32_t ack, uint64_t packet, double ts)
{
    /* `ack` comes from the peer of dir: bytes of dir below it were received by the peer. */
    td_reasm *r = &c->r[dir];
    if (!r->init) return;
    uint32_t limit = ack;
    if (r->fin_done) return;
    if (r->fin_seen && seq_diff(ack, r->fin_seq) > 0) limit = r->fin_seq;  /* the FIN is not data */
    if (r->held && seq_diff(r->held->seq, ack) < 0) limit = r->held->seq;
    if (seq_diff(limit, r->next_seq) > 0 && seq_diff(limit, r->next_seq) < (1 << 30)) {
        /* An ACK of a FIN we have not seen the data before is still a hole: fine to skip. */
        skip_hole(c, dir, limit, packet, ts);
    }
}

void td_reasm_fin(td_conn *c, int dir, uint32_t seq_after_data)
{
    td_reasm *r = &c->r[dir];
    if (!r->init) {
        r->init = true;
        r->next_seq = seq_after_data;
    }
    r->fin_seen = true;
    r->fin_seq = seq_after_data;
    if (seq_diff(seq_after_data, r->next_seq) == 0 && !r->held) r->fin_done = true;
}

void td_reasm_flush(td_conn *c, uint64_t packet, double ts)
{
    for (int dir = 0; dir < 2; dir++) {
        td_reasm *r = &c->r[dir];
        while (r->held) skip_hole(c, dir, r->held->seq, packet, ts);
    }
}

void td_reasm_free(td_conn *c)
{
    for (int dir = 0; dir < 2; dir++) {
        td_seg *s = c->r[dir].held;
        while (s) {
            td_seg *n = s->next;
            free(s);
            s = n;
        }
        c->r[dir].held = NULL;
        c->r[dir].held_bytes = c->r[dir].held_count = 0;
    }
}
