/* rules_network.c - the rows for what the network did to TLS: a ClientHello whose later segments never arrive, a path-MTU black hole, a reset the server did not send.
 *
 * They read td_path (analyzer/flow/tcp_path.c): the ClientHello's segments and how much of it the
 * server acknowledged, full-size segments retransmitted and never acknowledged while smaller ones
 * pass (or bytes the sender's sequence numbers show it sent that never arrived), and the first
 * reset's TTL, timing and what came after it.  Each verdict holds at either
 * vantage point when the capture there shows its evidence; where it does not, these rows stay
 * silent and the connection gets today's verdict. */
#include <math.h>
#include <stdio.h>

#include "analyzer/diagnose/result.h"
#include "analyzer/diagnose/rule_facts_int.h"
#include "analyzer/diagnose/rules_int.h"
#include "dissectors/dissect.h"

static int32_t seq_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

/* The SYN to SYN-ACK round trip as the capture shows it (0 when either is missing). */
static double syn_rtt(const td_transcript *t)
{
    double syn = 0, synack = 0;
    for (size_t i = 0; i < t->n_events && i < 8; i++) {
        if (t->events[i].kind == TD_EV_SYN && !syn) syn = t->events[i].ts;
        if (t->events[i].kind == TD_EV_SYNACK && !synack) synack = t->events[i].ts;
    }
    return syn && synack > syn ? synack - syn : 0;
}

/* Is a segment of len bytes full-size for a receiver that announced mss (0: none, 1460 assumed)? */
static bool full_size(uint32_t len, uint16_t mss)
{
    return len >= 1000 && len + 64 >= (mss ? mss : 1460u);
}

/* Bytes of the ClientHello the server acknowledged. */
static uint32_t ch_acked(const td_path *x)
{
    if (!x->ack_seen[TD_C2S]) return 0;
    int32_t d = seq_diff(x->high_ack[TD_C2S], x->ch_start);
    return d <= 0 ? 0 : (uint32_t)d > x->ch_len ? x->ch_len : (uint32_t)d;
}

/* At the server: the client's first segment never arrived, a later one did.  Nothing before the hole
 * at the start of its data ever came (so no record header: the ClientHello is not read), the hole is a
 * full segment, the server acknowledged none of it and said so (a SACK past the hole, or an ACK
 * repeating the byte after the SYN), and the two together are a ClientHello's size.  Returns the
 * bytes of the hole (0: not this). */
static uint32_t first_segment_lost(const facts *f)
{
    const td_path *x = f->t->path;
    const td_tcp *tcp = f->tcp;
    if (x->ch_len || f->s->client_hello || !x->ooo_segs[TD_C2S] || !x->isn_known[TD_C2S] || !x->delivered_known[TD_C2S] ||
        x->delivered[TD_C2S] != x->isn[TD_C2S] || x->first_ooo_seq[TD_C2S] - x->first_ooo_hole[TD_C2S] != x->isn[TD_C2S])
        return 0;
    uint16_t mss = tcp->mss[TD_C2S] && tcp->mss[TD_S2C] ? (tcp->mss[TD_C2S] < tcp->mss[TD_S2C] ? tcp->mss[TD_C2S]
                   : tcp->mss[TD_S2C]) : tcp->mss[TD_C2S] | tcp->mss[TD_S2C];
    uint32_t hole = x->first_ooo_hole[TD_C2S];
    /* (Without SACK, the server's first acknowledgement after the later segment repeats the byte after
     * the SYN: it is the first ACK of the connection, not counted as a duplicate.) */
    bool said = (x->sack_seen[TD_C2S] && seq_diff(x->sack_high[TD_C2S], x->first_ooo_seq[TD_C2S]) > 0) ||
                x->dup_acks[TD_C2S] >= 1 || (x->ack_seen[TD_C2S] && x->high_ack_packet[TD_C2S] > x->first_ooo_packet[TD_C2S]);
    bool acked_none = !x->ack_seen[TD_C2S] || x->high_ack[TD_C2S] == x->isn[TD_C2S];
    if (!full_size(hole, mss) || !said || !acked_none || seq_diff(x->claim_high[TD_C2S], x->isn[TD_C2S]) < 600) return 0;
    return hole;
}

/* The evidence of first_segment_lost's hole of `hole` bytes. */
static int first_segment_evidence(facts *f, uint32_t hole)
{
    const td_path *x = f->t->path;
    f->r->confidence = "likely";
    uint32_t seen = seq_diff(x->claim_high[TD_C2S], x->isn[TD_C2S]) > 0 ? x->claim_high[TD_C2S] - x->isn[TD_C2S] : 0;
    rule_var_set(f, "size", "%u", seen);
    rule_var_set(f, "hole", "%u", hole);
    rule_var_set(f, "after", "%u", seen - hole);
    td_result_evidence(f->r, x->first_ooo_packet[TD_C2S], "the client's first data here begins %u bytes (a full "
                       "segment) past its first byte: the ClientHello's first segment never arrived", hole);
    td_result_evidence(f->r, f->t->last_packet, "the server acknowledged none of the client's bytes; nothing filled "
                       "the hole (%u bytes of the client's data seen past it)", seen - hole);
    return 3;
}

/* At the client: a ClientHello that spans segments, whose later part the client sent again and again
 * for a second or more before the server acknowledged it, and the client gave up (FIN or reset) with
 * nothing more sent before the server's answer came: the path held it up (some middleboxes hold a
 * ClientHello's first segment until they have the rest, and lose the rest).  Returns the seconds. */
static double client_gave_up_on_stall(const facts *f)
{
    const td_path *x = f->t->path;
    const td_tcp *tcp = f->tcp;
    if (!x->ch_len || x->ch_segs < 2 || x->ch_retx < 2 || x->ch_got < x->ch_len || x->ch_last_retx_ts - x->ch_ts < 1.0 ||
        !rule_closed_by(f, TD_C2S) || !x->claim_known[TD_C2S] || seq_diff(x->claim_high[TD_C2S], x->ch_start) > (int32_t)x->ch_len)
        return 0;
    /* The retransmissions came before the server acknowledged the whole (at the server, copies a
     * middlebox held back arrive after it, and say nothing of the wait). */
    if (ch_acked(x) < x->ch_len || x->ch_last_retx_packet > x->high_ack_packet[TD_C2S]) return 0;
    uint64_t gone = rule_first_close_packet(f, TD_C2S);
    uint64_t answer = f->s->server_hello ? f->s->server_hello_packet : 0;
    if (!gone || (answer && answer < gone) || (!answer && tcp->bytes[TD_S2C])) return 0;
    return x->ch_last_retx_ts - x->ch_ts;
}

/* The client's ClientHello spans segments; the server acknowledged only part of it (or none) while
 * the client retransmitted the rest (seen at the client); or only its first part ever arrived and
 * the client did not give up at once, or only a later part arrived (seen at the server).  Also at
 * the client: a one-segment ClientHello sent again and again and never acknowledged, and one held up
 * on the path until the client gave up (client_gave_up_on_stall). */
int match_client_hello_dropped(facts *f)
{
    const td_path *x = f->t->path;
    const td_tcp *tcp = f->tcp;
    if (!x || !tcp->handshake) return 0;
    double stall = client_gave_up_on_stall(f);
    if (!stall && (f->s->server_hello || tcp->bytes[TD_S2C])) return 0;
    uint32_t hole = first_segment_lost(f);
    if (hole) return first_segment_evidence(f, hole);
    if (!x->ch_len) return 0;
    uint32_t acked = ch_acked(x);
    /* At the client: one segment, sent again and again, none of it ever acknowledged. */
    bool whole_lost = !stall && x->ch_segs == 1 && x->ch_got >= x->ch_len && !acked && x->ch_retx >= 2 &&
                      !tcp->bytes[TD_S2C];
    if (x->ch_len < 600 && !whole_lost) return 0;
    bool at_client = x->ch_segs >= 2 && x->ch_got >= x->ch_len && acked < x->ch_len && x->ch_retx >= 1;
    /* At the server: a full-size first segment, and the rest, which a client writes right behind it,
     * never came: the server acknowledged the part it had and waited, or a second went by.  Full-size
     * for the smaller MSS of the two SYNs: a router that clamps the MSS rewrites the SYN-ACK after the
     * server sent it, and the client's SYN as the server got it shows the clamp. */
    uint16_t mss = tcp->mss[TD_S2C] ? tcp->mss[TD_S2C] : 1460;
    if (tcp->mss[TD_C2S] && tcp->mss[TD_C2S] < mss) mss = tcp->mss[TD_C2S];
    bool full_first = x->ch_got + 64 >= mss && x->ch_got >= 1000;
    bool at_server = !stall && x->ch_got < x->ch_len && x->ch_got > 0 && !x->ch_retx && !tcp->gaps[TD_C2S] && full_first &&
                     (f->t->end - x->ch_ts >= 1.0 || acked == x->ch_got);
    if (!at_client && !at_server && !whole_lost && !stall) return 0;
    f->r->confidence = (at_client || whole_lost || stall) && x->ch_retx >= 2 ? "certain" : "likely";
    char ks[160], n[48];
    bool pq = rule_key_shares(f->s, ks, sizeof ks);
    /* At the server only the first segment arrived: the whole took as many of its size as it needs. */
    uint32_t segs = at_client || whole_lost || stall ? x->ch_segs : (x->ch_len + x->ch_got - 1) / x->ch_got;
    rule_var_set(f, "size", "%u", x->ch_len);
    rule_var_str(f, "segs", rule_plural(segs, "segment", "segments", n, sizeof n));
    rule_var_set(f, "got", "%u", at_client ? acked : x->ch_got);
    rule_var_str2(f, "why", pq ? ", with a post-quantum key share (" : ks[0] ? ", key shares " : "", ks);
    if (pq) rule_var_str(f, "why2", ")");
    else rule_var_str(f, "why2", "");
    td_result_evidence(f->r, x->ch_first_packet, "client's ClientHello: %u bytes in %s%s%s", x->ch_len,
                       rule_plural(segs, "segment", "segments", n, sizeof n), f->s->sni ? ", for " : "",
                       f->s->sni ? f->s->sni : "");
    if (stall) {
        rule_var_set(f, "stall", "%.1f", stall);
        td_result_evidence(f->r, x->ch_last_retx_packet, "%s of its later part over %.1f s before the server "
                           "acknowledged all of it", rule_plural(x->ch_retx, "retransmission", "retransmissions", n,
                           sizeof n), stall);
        uint64_t gone = rule_first_close_packet(f, TD_C2S);
        td_result_evidence(f->r, gone, "the client gave up (%s) before any answer came%s", rule_close_word(f, gone),
                           f->s->server_hello ? "; the server's ServerHello came after it" : "");
        return 5;
    }
    if (whole_lost) {
        rule_var_set(f, "sent", "%u", x->ch_retx + 1);
        td_result_evidence(f->r, x->ch_last_retx_packet, "sent %u times; the server acknowledged none of it, though "
                           "it had answered the SYN", x->ch_retx + 1);
        return 4;
    }
    if (at_client) {
        td_result_evidence(f->r, x->ch_last_retx_packet, "%s of it; the server acknowledged %u of its %u bytes",
                           rule_plural(x->ch_retx, "retransmission", "retransmissions", n, sizeof n), acked, x->ch_len);
        return 1;
    }
    uint64_t ack_pkt = x->high_ack_packet[TD_C2S] ? x->high_ack_packet[TD_C2S] : f->t->last_packet;
    if (acked == x->ch_got)
        td_result_evidence(f->r, ack_pkt, "only its first %u bytes (a full segment) arrived here; the server "
                           "acknowledged them and waited for the rest, which never came", x->ch_got);
    else
        td_result_evidence(f->r, f->t->last_packet, "only its first %u bytes (a full segment) arrived here; the client "
                           "was still there %.1f s later", x->ch_got, f->t->end - x->ch_ts);
    return 2;
}

/* At the sender: dir retransmitted the same full-size segment again and again for a second or more and
 * it was never acknowledged, the peer's acknowledgements stopping at the byte before it, and no segment
 * of dir as large ever acknowledged or selectively acknowledged (a smaller one past it may be: the
 * short tail of a burst gets through a black hole and the peer SACKs it).  Returns 1 when the peer's
 * packets kept coming after the first retransmission (it was alive: certain), 2 when nothing came
 * from it, but it had acknowledged dir's smaller segments up to the stuck one (and maybe SACKed
 * smaller ones past it) and the segment was sent three times or more (a peer that died at that
 * moment would look the same: likely), 0: not this. */
static int sender_stalled(const facts *f, int dir)
{
    const td_path *x = f->t->path;
    if (x->stuck_retx[dir] < 2 || x->acked_past_stuck[dir] || !x->ack_seen[dir] || x->high_ack[dir] != x->stuck_seq[dir] ||
        full_size(x->acked_seg_max[dir], f->tcp->mss[!dir]) || f->t->end - x->first_big_retx_ts[dir] < 1.0)
        return 0;
    if (x->peer_after_retx[dir] >= 1) return 1;
    return x->stuck_retx[dir] >= 3 && x->acked_seg_max[dir] ? 2 : 0;
}

/* At the receiver: dir's packets showed (by their sequence numbers) at least a full segment more than
 * ever arrived here, none of dir's segments was full-size, and the receiver acknowledged none of it. */
static uint32_t bytes_never_arrived(const facts *f, int dir)
{
    const td_path *x = f->t->path;
    uint16_t mss = f->tcp->mss[!dir];
    if (!mss || !x->claim_known[dir] || !x->delivered_known[dir] || x->big_segs[dir] || x->big_retx[dir] ||
        x->max_seg[dir] + 100 >= mss)
        return 0;
    int32_t missing = seq_diff(x->claim_high[dir], x->delivered[dir]);
    if (missing <= 0 || (uint32_t)missing + 100 < mss) return 0;
    if (x->ack_seen[dir] && seq_diff(x->high_ack[dir], x->delivered[dir]) > 0) return 0;
    return (uint32_t)missing;
}

/* The evidence and variables of a black hole in dir's segments; after: the handshake had worked. */
static int blackhole_evidence(facts *f, int dir, bool sender, int stalled, uint32_t missing, bool after)
{
    const td_path *x = f->t->path;
    const td_tcp *tcp = f->tcp;
    char n[48];
    /* A silent peer's own reset or FIN after the retransmissions began shows it was there all along. */
    uint64_t closed = rule_first_close_packet(f, !dir);
    uint64_t gave_up = sender && stalled == 2 && closed > x->first_big_retx_packet[dir] ? closed : 0;
    f->r->confidence = sender && (stalled != 2 || gave_up) ? "certain" : "likely";
    rule_var_str(f, "who", rule_who(dir));
    rule_var_set(f, "mss", "%u/%u", tcp->mss[TD_C2S], tcp->mss[TD_S2C]);
    /* The largest that arrived: at the sender the largest the peer acknowledged (when known). */
    uint32_t largest = sender ? (x->acked_seg_max[dir] ? x->acked_seg_max[dir] : x->max_seg[dir]) : x->max_seg[dir];
    rule_var_set(f, "largest", "%u", largest);
    if (!after) ev_client_hello(f);
    if (sender) {
        td_result_evidence(f->r, x->first_big_retx_packet[dir], "%s retransmits a full-size segment (%u bytes)",
                           rule_who(dir), x->max_seg[dir]);
        td_result_evidence(f->r, x->last_big_retx_packet[dir], "%s of full-size segments, never acknowledged",
                           rule_plural(x->big_retx[dir], "retransmission", "retransmissions", n, sizeof n));
        if (stalled) {
            int32_t unacked = seq_diff(x->claim_high[dir], x->high_ack[dir]);
            rule_var_set(f, "stuck", "%u", unacked > 0 ? (uint32_t)unacked : 0u);
            if (stalled == 1)
                td_result_evidence(f->r, f->t->last_packet, "the %s's acknowledgements stayed at the byte before it, its "
                                   "packets still coming (%u after the first retransmission); the largest %s segment "
                                   "acknowledged%s was %u bytes", rule_who(!dir), x->peer_after_retx[dir], rule_who(dir),
                                   x->sack_seen[dir] ? " (SACK included)" : "", x->acked_seg_max[dir]);
            else if (gave_up)
                td_result_evidence(f->r, x->high_ack_packet[dir], "the %s acknowledged the %s's smaller segments up to the "
                                   "byte before it (the largest %u bytes), then nothing more came from it until its %s "
                                   "(packet %llu): it was there, and gave up", rule_who(!dir), rule_who(dir),
                                   x->acked_seg_max[dir], rule_close_word(f, gave_up),
                                   (unsigned long long)gave_up);
            else
                td_result_evidence(f->r, x->high_ack_packet[dir], "the %s acknowledged the %s's smaller segments up to the "
                                   "byte before it (the largest %u bytes), then nothing more came from it (a %s that "
                                   "went down at that moment would look the same)", rule_who(!dir), rule_who(dir),
                                   x->acked_seg_max[dir], rule_who(!dir));
        }
        return 1;
    }
    if (!missing) {
        td_result_evidence(f->r, x->first_ooo_packet[dir], "%s of the %s arrived past a hole that never filled; the largest "
                           "that arrived was %u bytes, the MSS %u", rule_plural(x->ooo_segs[dir], "segment", "segments",
                           n, sizeof n), rule_who(dir), x->max_seg[dir], tcp->mss[!dir]);
        return 2;
    }
    rule_var_set(f, "missing", "%u", missing);
    td_result_evidence(f->r, x->claim_packet[dir], "the %s's packet shows %u bytes sent past the last that arrived here, "
                       "never acknowledged; the largest that arrived was %u bytes, the MSS %u", rule_who(dir), missing,
                       x->max_seg[dir], tcp->mss[!dir]);
    return 2;
}

/* Full-size segments retransmitted and never acknowledged while smaller ones pass, where the handshake
 * stopped: at the sender, its own retransmissions; at the receiver, segments that arrived past a hole
 * that never filled, or sequence numbers past it, none of them full-size. */
int match_path_mtu_blackhole(facts *f)
{
    const td_path *x = f->t->path;
    const td_tcp *tcp = f->tcp;
    /* Only a handshake it stopped here; one that completed is the next row's. */
    if (!x || !tcp->handshake || f->hs_done || (f->r->app_records[0] && f->r->app_records[1])) return 0;
    for (int dir = TD_S2C; dir >= TD_C2S; dir--) {
        int stalled = sender_stalled(f, dir);
        bool sender = stalled || (x->big_retx[dir] >= 2 && !x->acked_past_stuck[dir] &&
                                  (x->small_acked[dir] || x->dup_acks[dir] >= 2));
        /* At the receiver: segments past a hole of at least one full segment that never filled, none
         * of them full-size, the receiver saying so (a duplicate ACK or a SACK), its MSS known. */
        uint16_t mss = tcp->mss[!dir];
        bool receiver = mss && !x->big_segs[dir] && x->ooo_segs[dir] >= 1 && tcp->gaps[dir] &&
                        tcp->gap_bytes[dir] + 100 >= mss && x->max_seg[dir] + 100 < mss && !x->big_retx[dir] &&
                        (x->dup_acks[dir] >= 1 || x->sack_seen[dir]);
        uint32_t missing = sender || receiver ? 0 : bytes_never_arrived(f, dir);
        if (sender || receiver || missing) return blackhole_evidence(f, dir, sender, stalled, missing, false);
    }
    return 0;
}

/* The same after a handshake that worked: the application's data never got through.  The user sees a
 * connection that hangs (a download or an upload that never ends), so it is a failure, not ok: at the
 * sender, the same full-size segment retransmitted for a second or more and never acknowledged while
 * the peer's packets kept coming; at the receiver, a full segment's worth of bytes or more that the
 * sender's later packets show it sent and that never arrived, only small segments having come. */
int match_path_mtu_blackhole_after(facts *f)
{
    const td_path *x = f->t->path;
    const td_tcp *tcp = f->tcp;
    bool both_data = f->r->app_records[0] && f->r->app_records[1];
    if (!x || !tcp->handshake || !(f->hs_done || both_data || (f->s->resumed && f->s->finished[TD_C2S]))) return 0;
    for (int dir = TD_S2C; dir >= TD_C2S; dir--) {
        int stalled = sender_stalled(f, dir);
        if (stalled) return blackhole_evidence(f, dir, true, stalled, 0, true);
        uint32_t missing = bytes_never_arrived(f, dir);
        if (missing) return blackhole_evidence(f, dir, false, false, missing, true);
    }
    return 0;
}

/* Seen at the server, a reset forged toward the client leaves one trace: the client's TCP no longer has
 * the connection when the server's answer to its ClientHello arrives, and answers it with a bare reset
 * (no ACK bit), as TCP does for a segment of a connection it does not know, within moments of that
 * answer.  A client that refused the certificate would have read it first and closed with an alert, a
 * FIN or a reset with the ACK bit.  A host firewall at the client that rejects the flight looks the
 * same, hence likely.  The client sent nothing but its ClientHello, and no FIN. */
static int client_tcp_gone(facts *f)
{
    const td_path *x = f->t->path;
    const td_tcp *tcp = f->tcp;
    if (tcp->rst_from != TD_C2S || !x->rst_bare || !x->ch_len || !f->s->client_hello || !tcp->bytes[TD_S2C] ||
        tcp->bytes[TD_C2S] > x->ch_len || tcp->fin_packet[TD_C2S] || !x->last_data_ts[TD_S2C])
        return 0;
    double after = x->rst_ts - x->last_data_ts[TD_S2C];
    if (after < 0 || after > 0.5) return 0;
    f->r->confidence = "likely";
    rule_var_str(f, "sni", f->s->sni ? f->s->sni : "(no SNI)");
    ev_client_hello(f);
    td_result_evidence(f->r, f->tcp->rst_packet, "client RST without the ACK bit %.2f ms after the server's answer: "
                       "its TCP no longer had the connection (a client that refused the certificate would have "
                       "closed with an alert, a FIN, or a RST with the ACK bit)", after * 1000);
    return 2;
}

/* A reset the server did not send: a TTL unlike the server's packets', sooner after the ClientHello
 * than the round trip allows, or the server's own answer after it. */
int match_reset_injected(facts *f)
{
    const td_path *x = f->t->path;
    const td_tcp *tcp = f->tcp;
    if (!x || !x->rst_seen || !tcp->rst_packet || !tcp->handshake) return 0;
    /* A handshake that completed and carried data both ways was not stopped at its ClientHello: its
     * reset is the end of a conversation (and the round trip a replay at top speed shows says nothing). */
    if (f->hs_done && f->r->app_records[0] && f->r->app_records[1]) return 0;
    int from = tcp->rst_from;
    uint8_t lo = x->ttl_min[from], hi = x->ttl_max[from];
    if (tcp->syn_ttl[from] && (!lo || tcp->syn_ttl[from] < lo)) lo = tcp->syn_ttl[from];
    if (tcp->syn_ttl[from] > hi) hi = tcp->syn_ttl[from];
    bool ttl_odd = lo && (x->rst_ttl < lo || x->rst_ttl > hi);
    double rtt = syn_rtt(f->t);
    double after_ch = x->ch_ts ? x->rst_ts - x->ch_ts : -1;
    bool too_soon = from == TD_S2C && rtt >= 0.002 && after_ch >= 0 && after_ch < 0.5 * rtt;
    bool answer_after = x->data_after_rst[from] > 0;
    int signs = ttl_odd + too_soon + answer_after;
    if (!signs) return client_tcp_gone(f);
    f->r->confidence = signs >= 2 ? "certain" : "likely";
    rule_var_str(f, "who", rule_who(from));
    rule_var_str(f, "sni", f->s->sni ? f->s->sni : "(no SNI)");
    ev_client_hello(f);
    if (ttl_odd) {
        char range[16];
        if (lo == hi) snprintf(range, sizeof range, "%u", lo);
        else snprintf(range, sizeof range, "%u-%u", lo, hi);
        td_result_evidence(f->r, tcp->rst_packet, "RST \"from the %s\" with TTL %u; the %s's other packets came with TTL %s",
                           rule_who(from), x->rst_ttl, rule_who(from), range);
    }
    if (too_soon)
        td_result_evidence(f->r, tcp->rst_packet, "RST %.1f ms after the ClientHello; the SYN to SYN-ACK round trip was %.1f ms",
                           after_ch * 1000, rtt * 1000);
    if (answer_after)
        td_result_evidence(f->r, x->first_data_after_rst[from], "the %s's own packets came after the reset (%u with data)",
                           rule_who(from), x->data_after_rst[from]);
    return 1;
}
