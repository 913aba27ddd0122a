/* tcp_path.c - what the path did to a TCP connection's segments: sizes, full-size retransmissions never acknowledged, bytes sent that never arrived, the ClientHello's segments and how much of it the server acknowledged, resets and the TTLs they came with.
 *
 * The SYN and SYN-ACK's own facts (MSS, window scale, TTL) go to td_tcp, which every connection
 * has; the rest to a td_path allocated with the first payload byte (analyzer/flow/engine.c calls
 * this before reassembly, so that a retransmission is still told from new data).  The network rows
 * of the verdict table (analyzer/diagnose/rules_network.c) read it. */
#include <stdlib.h>

#include "analyzer/flow/engine_int.h"

static int32_t seq_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

void td_path_syn(td_conn *c, int dir, const td_pkt *p)
{
    td_tcp *tcp = &c->t.tcp;
    if (tcp->syn_ttl[dir]) return;                 /* the first SYN (or SYN-ACK) of its side */
    tcp->syn_ttl[dir] = p->ttl ? p->ttl : 1;
    tcp->mss[dir] = p->mss;
    tcp->wscale[dir] = p->wscale;
}

/* A small connection (no payload yet) has no t.path at all: it lies past its allocation. */
static td_path *path_of(td_conn *c)
{
    if (c->small) return NULL;
    if (!c->t.path && (c->t.path = calloc(1, sizeof *c->t.path)))
        for (int d = 0; d < 2; d++)                /* the SYN and SYN-ACK count among each side's packets */
            c->t.path->ttl_min[d] = c->t.path->ttl_max[d] = c->t.tcp.syn_ttl[d];
    return c->t.path;
}

static void note_ttl(td_path *x, int dir, const td_pkt *p)
{
    if (!x->ttl_min[dir] || p->ttl < x->ttl_min[dir]) x->ttl_min[dir] = p->ttl;
    if (p->ttl > x->ttl_max[dir]) x->ttl_max[dir] = p->ttl;
    if (x->segs[dir] + x->dup_acks[dir] && p->ip_id != x->ip_id_last[dir]) x->ip_id_varies[dir] = true;
    x->ip_id_last[dir] = p->ip_id;
}

/* One more of dir's segments not yet acknowledged (its end and size).  When all eight places are
 * taken the newest two become one: a late acknowledgement then counts them together. */
static void inflight_add(td_path *x, int dir, uint32_t end, uint32_t len)
{
    uint8_t n = x->fl_n[dir];
    if (n == 8) {
        x->fl_end[dir][6] = x->fl_end[dir][7];
        if (x->fl_len[dir][7] > x->fl_len[dir][6]) x->fl_len[dir][6] = x->fl_len[dir][7];
        x->fl_merged[dir] |= 1u << 6;
        n = 7;
    }
    x->fl_end[dir][n] = end;
    x->fl_len[dir][n] = len > UINT16_MAX ? UINT16_MAX : (uint16_t)len;
    x->fl_merged[dir] &= (uint8_t)~(1u << n);
    x->fl_n[dir] = (uint8_t)(n + 1);
}

/* The peer acknowledged dir's bytes below ack (and SACKed a block ending at sack_right, when sack):
 * the segments that ended there arrived. */
static void inflight_acked(td_path *x, int dir, uint32_t ack, bool sack, uint32_t sack_right)
{
    uint8_t keep = 0, merged = 0;
    for (uint8_t i = 0; i < x->fl_n[dir]; i++) {
        bool one = !(x->fl_merged[dir] & (1u << i));
        if (seq_diff(ack, x->fl_end[dir][i]) >= 0 || (sack && one && x->fl_end[dir][i] == sack_right)) {
            if (x->fl_len[dir][i] > x->acked_seg_max[dir]) x->acked_seg_max[dir] = x->fl_len[dir][i];
            continue;
        }
        if (!one) merged |= (uint8_t)(1u << keep);
        x->fl_end[dir][keep] = x->fl_end[dir][i];
        x->fl_len[dir][keep++] = x->fl_len[dir][i];
    }
    x->fl_n[dir] = keep;
    x->fl_merged[dir] = merged;
}

/* The peer of dir acknowledges dir's bytes up to p->ack (and SACKs up to p->sack_right). */
static void note_ack(td_path *x, int dir, const td_pkt *p, uint64_t number, double ts)
{
    int peer = !dir;
    if (!(p->flags & TD_TCP_ACK)) return;
    if (x->fl_n[peer]) inflight_acked(x, peer, p->ack, p->sack, p->sack_right);
    if (!x->ack_seen[peer] || seq_diff(p->ack, x->high_ack[peer]) > 0) {
        x->high_ack[peer] = p->ack;
        x->high_ack_packet[peer] = number;
        x->ack_seen[peer] = true;
        if (x->stuck_seq[peer] && seq_diff(p->ack, x->stuck_seq[peer]) > 0 && !x->acked_past_stuck[peer]) {
            x->acked_past_stuck[peer] = true;
            x->unstuck_ts[peer] = ts;
        }
    } else if (p->ack == x->high_ack[peer] && !p->payload_wire_len && !(p->flags & (TD_TCP_SYN | TD_TCP_FIN))) {
        x->dup_acks[peer]++;
    }
    if (p->sack && (!x->sack_seen[peer] || seq_diff(p->sack_right, x->sack_high[peer]) > 0)) {
        x->sack_high[peer] = p->sack_right;
        x->sack_seen[peer] = true;
    }
    if (!p->window && !(p->flags & (TD_TCP_SYN | TD_TCP_RST))) x->zero_windows[dir]++;
}

/* The client's first record: a handshake record's length from its header, and each segment of it. */
static void note_client_hello(td_path *x, const td_pkt *p, uint32_t seq, bool retx, uint64_t number, double ts)
{
    if (!x->ch_len && !retx && x->isn_known[TD_C2S] && seq == x->isn[TD_C2S] && p->payload_len >= 5 &&
        p->payload[0] == 22 && p->payload[1] == 3) {
        x->ch_len = 5 + ((uint32_t)p->payload[3] << 8 | p->payload[4]);
        x->ch_start = seq;
        x->ch_first_packet = number;
        x->ch_ts = ts;
    }
    if (!x->ch_len || seq_diff(seq, x->ch_start) < 0 || seq_diff(seq, x->ch_start + x->ch_len) >= 0) return;
    if (retx) {
        x->ch_retx++;
        x->ch_last_retx_packet = number;
        x->ch_last_retx_ts = ts;
    } else {
        x->ch_segs++;
        x->ch_last_packet = number;
    }
}

/* A data segment of dir, before reassembly: new or a retransmission, full-size or not. */
static void note_segment(td_conn *c, td_path *x, int dir, const td_pkt *p, uint64_t number, double ts)
{
    uint32_t len = (uint32_t)p->payload_wire_len;
    uint32_t seq = p->seq + ((p->flags & TD_TCP_SYN) ? 1u : 0u);
    const td_reasm *r = &c->r[dir];
    if (!x->isn_known[dir]) {
        x->isn[dir] = r->init ? r->next_seq : seq;
        x->isn_known[dir] = true;
    }
    bool retx = r->init && seq_diff(seq + len, r->next_seq) <= 0;
    bool ahead = r->init && seq_diff(seq, r->next_seq) > 0;
    x->segs[dir]++;
    if (ahead && !x->ooo_segs[dir]++) {
        x->first_ooo_packet[dir] = number;
        x->first_ooo_seq[dir] = seq;
        x->first_ooo_hole[dir] = seq - r->next_seq;
    }
    if (ahead && !x->hole_open[dir]) {
        x->hole_open[dir] = true;
        x->hole_end[dir] = seq;
        x->hole_open_ts[dir] = ts;
    }
    if (!retx && len) inflight_add(x, dir, seq + len, len);
    if (len > x->max_seg[dir]) x->max_seg[dir] = len;
    uint32_t mss = c->t.tcp.mss[!dir] ? c->t.tcp.mss[!dir] : 1460;
    bool big = len >= 1000 && len + 64 >= mss;
    if (big) x->big_segs[dir]++;
    bool unacked = !x->ack_seen[dir] || seq_diff(x->high_ack[dir], seq) <= 0;
    if (big && retx && unacked) {
        if (!x->big_retx[dir]) {
            x->first_big_retx_packet[dir] = number;
            x->first_big_retx_ts[dir] = ts;
            x->stuck_seq[dir] = seq;
        }
        /* A tail-loss probe resends the last segment first; the one the peer waits for (its
         * acknowledgement stops at it) is the stuck one, once it is sent again. */
        if (seq != x->stuck_seq[dir] && x->ack_seen[dir] && seq == x->high_ack[dir] &&
            x->high_ack[dir] != x->stuck_seq[dir]) {
            x->stuck_seq[dir] = seq;
            x->stuck_retx[dir] = 0;
        }
        if (seq == x->stuck_seq[dir]) x->stuck_retx[dir]++;
        x->big_retx[dir]++;
        x->last_big_retx_packet[dir] = number;
    }
    if (dir == TD_C2S) note_client_hello(x, p, seq, retx, number, ts);
}

void td_path_packet(td_conn *c, int dir, const td_pkt *p, uint64_t number, double ts)
{
    td_path *x = path_of(c);
    if (!x) return;
    if (p->flags & TD_TCP_RST) {
        if (!x->rst_seen) {
            x->rst_seen = true;
            x->rst_bare = !(p->flags & TD_TCP_ACK);
            x->rst_ttl = p->ttl;
            x->rst_ip_id = p->ip_id;
            x->rst_ts = ts;
        }
        return;
    }
    if (x->rst_seen) {
        x->after_rst[dir]++;
        /* Bytes the peer had acknowledged, coming again (a copy a middlebox held back, a late
         * retransmission), say nothing of who is still there. */
        bool fresh = !x->ack_seen[dir] || seq_diff(p->seq + (uint32_t)p->payload_wire_len, x->high_ack[dir]) > 0;
        if (p->payload_wire_len && fresh && !x->data_after_rst[dir]++) x->first_data_after_rst[dir] = number;
    }
    if (x->big_retx[!dir] && x->peer_after_retx[!dir] < UINT32_MAX) x->peer_after_retx[!dir]++;
    /* A packet's sequence number (plus its data) says the sender had sent everything below it, even
     * on a bare ACK or a FIN: the receiver's view of bytes that never arrived. */
    if (!(p->flags & TD_TCP_SYN)) {
        uint32_t end = p->seq + (uint32_t)p->payload_wire_len;
        if (!x->claim_known[dir] || seq_diff(end, x->claim_high[dir]) > 0) {
            x->claim_high[dir] = end;
            x->claim_packet[dir] = number;
            x->claim_known[dir] = true;
        }
    }
    note_ttl(x, dir, p);
    note_ack(x, dir, p, number, ts);
    if (p->payload_wire_len) {
        x->last_data_ts[dir] = ts;
        note_segment(c, x, dir, p, number, ts);
    }
}

/* After reassembly: how much of the ClientHello has been seen in order, how far each direction has
 * arrived in order (an acknowledgement past a hole skips it), and which of dir's smaller segments the
 * peer acknowledged. */
void td_path_after(td_conn *c, int dir, const td_pkt *p, uint64_t number, double ts)
{
    td_path *x = c->small ? NULL : c->t.path;
    if (!x) return;
    for (int d = 0; d < 2; d++)
        if (c->r[d].init) {
            x->delivered[d] = c->r[d].next_seq;
            x->delivered_known[d] = true;
        }
    if (x->hole_open[dir] && c->r[dir].init && seq_diff(x->delivered[dir], x->hole_end[dir]) >= 0) {
        x->hole_open[dir] = false;
        if (ts - x->hole_open_ts[dir] > x->longest_hole_s[dir]) {
            x->longest_hole_s[dir] = ts - x->hole_open_ts[dir];
            x->longest_hole_packet[dir] = number;
        }
    }
    if (dir == TD_C2S && x->ch_len) {
        int32_t got = seq_diff(c->r[TD_C2S].next_seq, x->ch_start);
        if (got > 0) x->ch_got = (uint32_t)got > x->ch_len ? x->ch_len : (uint32_t)got;
    }
    if ((p->flags & TD_TCP_ACK) && x->stuck_seq[!dir] && x->sack_seen[!dir] &&
        seq_diff(x->sack_high[!dir], x->stuck_seq[!dir]) > 0)
        x->small_acked[!dir] = x->small_acked[!dir] < UINT32_MAX ? x->small_acked[!dir] + 1 : UINT32_MAX;
}
