/* test_tcp_path.c - what analyzer/flow/tcp_path.c notes from hand-built TCP frames: a full-size segment retransmitted and never acknowledged while the peer's packets keep coming, the largest segment acknowledged, a bare ACK's sequence number past bytes that never arrived, and a hole at the very start of the client's data. */

#include "check.h"
#include "engine_frames.h"

/* The engine frees a transcript after emitting it: keep a copy of its td_path. */
typedef struct kept {
    int n;
    bool has_path;
    td_path path;
    td_tcp tcp;
    uint64_t last_packet;
} kept;

static void keep_path(void *ctx, td_transcript *t)
{
    kept *k = ctx;
    k->n++;
    k->tcp = t->tcp;
    k->last_packet = t->last_packet;
    k->has_path = t->path != NULL;
    if (t->path) k->path = *t->path;
}

static void start(eng *g, kept *k)
{
    eng_init(g, LINKTYPE_IPV4);
    memset(k, 0, sizeof *k);
    g->e = td_engine_new(&g->cfg, true, keep_path, k);
    td_engine_begin_file(g->e, "test.pcap", g->linktype);
}

static void finish(eng *g)
{
    eng_end(g);
    td_engine_free(g->e);
}

TEST(full_size_segment_stuck_at_the_sender)
{
    eng g;
    kept k;
    start(&g, &k);
    tcpc c = conn(7, 51007, 443, 1000, 5000);
    handshake3(&g, &c);
    buf ch = { 0 }, sh = { 0 };
    client_hello(&ch, "stuck.example");
    server_hello(&sh);
    sendb(&g, &c, 0, PSH | ACK, &ch);
    sendb(&g, &c, 1, PSH | ACK, &sh);
    uint8_t small[177] = { 0x17, 0x03, 0x03, 0x00, 172 }, big[1448] = { 0x17, 0x03, 0x03, 0x05, 0xa3 };
    xmit(&g, &c, 0, PSH | ACK, small, sizeof small);
    xmit(&g, &c, 1, ACK, NULL, 0);                     /* the server acknowledges the small one */
    uint32_t stuck = c.cseq;
    for (int i = 0; i < 4; i++) xmit(&g, &c, 0, ACK, big, sizeof big);
    uint32_t sent = c.cseq;
    c.cseq = stuck;                                      /* the server's ACKs stay at the first big byte */
    for (int i = 0; i < 3; i++) {
        g.ts += 0.5;
        send_at(&g, &c, 0, stuck, ACK, big, sizeof big);   /* retransmitted, never acknowledged */
    }
    xmit(&g, &c, 1, PSH | ACK, small, 60);               /* the server is alive: a small packet of its own */
    g.ts += 2;
    send_at(&g, &c, 0, stuck, ACK, big, sizeof big);
    uint64_t last_retx = g.number;
    c.cseq = sent;
    finish(&g);
    CHECK(k.n == 1 && k.has_path);
    const td_path *x = &k.path;
    CHECK(x->stuck_seq[TD_C2S] == stuck && x->stuck_retx[TD_C2S] == 4 && x->big_retx[TD_C2S] == 4);
    CHECK(x->last_big_retx_packet[TD_C2S] == last_retx && !x->acked_past_stuck[TD_C2S]);
    CHECK(x->ack_seen[TD_C2S] && x->high_ack[TD_C2S] == stuck);
    CHECK(x->peer_after_retx[TD_C2S] == 1);              /* the server's one packet after the first retransmission */
    CHECK(x->acked_seg_max[TD_C2S] == (ch.n > 177 ? ch.n : 177));   /* the ClientHello and the 177 bytes */
    CHECK(x->claim_known[TD_C2S] && x->claim_high[TD_C2S] == sent);
    CHECK(x->first_big_retx_ts[TD_C2S] > 0 && x->big_segs[TD_C2S] == 8);
    bfree(&ch);
    bfree(&sh);
    free(g.out.v);
}

TEST(ring_merges_when_full_and_counts_acknowledged_segments)
{
    eng g;
    kept k;
    start(&g, &k);
    tcpc c = conn(8, 51008, 443, 1000, 5000);
    handshake3(&g, &c);
    buf ch = { 0 };
    client_hello(&ch, "ring.example");
    sendb(&g, &c, 0, PSH | ACK, &ch);
    uint8_t data[1200] = { 0 };
    /* Twelve segments in flight, growing: more than the eight places, so the newest are merged (the
     * ClientHello takes the first place, 100..500 the next five; 600 onwards share the last two).  The
     * server then acknowledges up to the end of the sixth: 600 went into a place that ends later, so it
     * counts only when those do; 500 is the largest counted. */
    uint32_t end6 = 0;
    for (int i = 1; i <= 12; i++) {
        xmit(&g, &c, 0, ACK, data, (size_t)(100 * i));
        if (i == 6) end6 = c.cseq;
    }
    uint32_t all = c.cseq;
    frame(&g, c.sip, c.sport, c.cip, c.cport, c.sseq, end6, ACK, NULL, 0);
    finish(&g);
    CHECK(k.n == 1 && k.has_path);
    CHECK(k.path.acked_seg_max[TD_C2S] == (ch.n > 500 ? ch.n : 500));
    CHECK(k.path.fl_n[TD_C2S] <= 8 && k.path.fl_n[TD_C2S] >= 1);
    CHECK(k.path.claim_high[TD_C2S] == all);
    bfree(&ch);
    free(g.out.v);
}

TEST(bare_ack_past_bytes_that_never_arrived)
{
    eng g;
    kept k;
    start(&g, &k);
    tcpc c = conn(9, 51009, 443, 1000, 5000);
    handshake3(&g, &c);
    buf ch = { 0 }, sh = { 0 };
    client_hello(&ch, "hole.example");
    server_hello(&sh);
    sendb(&g, &c, 0, PSH | ACK, &ch);
    sendb(&g, &c, 1, PSH | ACK, &sh);
    uint32_t arrived = c.sseq;
    c.sseq += 20000;                                     /* the server sent 20000 bytes that never came */
    xmit(&g, &c, 1, ACK, NULL, 0);                       /* its bare ACK shows it */
    uint64_t bare = g.number;
    finish(&g);
    CHECK(k.n == 1 && k.has_path);
    CHECK(k.path.claim_high[TD_S2C] == arrived + 20000 && k.path.claim_packet[TD_S2C] == bare);
    CHECK(k.path.delivered_known[TD_S2C] && k.path.delivered[TD_S2C] == arrived);
    bfree(&ch);
    bfree(&sh);
    free(g.out.v);
}

TEST(hole_at_the_start_of_the_client_data)
{
    eng g;
    kept k;
    start(&g, &k);
    tcpc c = conn(10, 51010, 443, 1000, 5000);
    handshake3(&g, &c);
    uint32_t isn1 = c.cseq;
    uint8_t tail[310] = { 0 };
    send_at(&g, &c, 0, isn1 + 1188, PSH | ACK, tail, sizeof tail);   /* the first 1188 bytes never come */
    xmit(&g, &c, 1, ACK, NULL, 0);                       /* the server: still at the byte after the SYN */
    xmit(&g, &c, 1, ACK, NULL, 0);
    finish(&g);
    CHECK(k.n == 1 && k.has_path);
    const td_path *x = &k.path;
    CHECK(x->isn_known[TD_C2S] && x->isn[TD_C2S] == isn1);
    CHECK(x->first_ooo_seq[TD_C2S] == isn1 + 1188 && x->first_ooo_hole[TD_C2S] == 1188);
    CHECK(x->delivered[TD_C2S] == isn1 && x->high_ack[TD_C2S] == isn1 && x->dup_acks[TD_C2S] >= 1);
    CHECK(x->claim_high[TD_C2S] == isn1 + 1188 + 310 && x->ch_len == 0);
    free(g.out.v);
}

int main(void)
{
    RUN(full_size_segment_stuck_at_the_sender);
    RUN(ring_merges_when_full_and_counts_acknowledged_segments);
    RUN(bare_ack_past_bytes_that_never_arrived);
    RUN(hole_at_the_start_of_the_client_data);
    return check_done();
}
