/* test_classify_network.c - the network rows on hand-built transcripts: a ClientHello whose second segment never arrives (seen at the client and at the server) or whose first one never arrives (at the server), a path-MTU black hole (at the sender and at the receiver, in the handshake and after it), a request never answered, a forged reset against a genuine one, and a client whose TCP had dropped the connection before the server answered. */

#include "classify_fixtures.h"

/* SYN 1, SYN-ACK 2 (1 ms round trip at these times: 40 ms below), ACK 3; a ClientHello of `size`
 * bytes starting at sequence 1000 at packet 4. */
static td_transcript *with_path(uint32_t size)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    t->events[1].ts = t->events[0].ts + 0.040;         /* a 40 ms round trip */
    t->tcp.mss[0] = t->tcp.mss[1] = 1460;
    t->tcp.syn_ttl[0] = 64;
    t->tcp.syn_ttl[1] = 63;
    t->path = calloc(1, sizeof *t->path);
    td_path *x = t->path;
    x->ch_len = size;
    x->ch_start = 1000;
    x->ch_first_packet = 4;
    x->ch_ts = at(4);
    x->ttl_min[0] = x->ttl_max[0] = 64;
    x->ttl_min[1] = x->ttl_max[1] = 63;
    return t;
}

TEST(client_hello_dropped_at_the_client)
{
    td_transcript *t = with_path(1900);
    client_hello(t, "www.example.test", 0x0304, 4);
    t->tls.hello = calloc(1, sizeof *t->tls.hello);
    t->tls.hello->key_shares[0] = 0x11ec;                /* X25519MLKEM768 */
    t->tls.hello->key_shares[1] = 0x001d;
    t->tls.hello->n_key_shares = 2;
    td_path *x = t->path;
    x->ch_segs = 2;
    x->ch_got = 1900;
    x->ch_retx = 3;
    x->ch_last_retx_packet = 9;
    x->ack_seen[TD_C2S] = true;
    x->high_ack[TD_C2S] = 1000 + 1448;
    tr_packet(t, TD_C2S, 9);
    t->end = t->capture_end = at(9) + 5;
    VERDICT(classify(t), "client-hello-dropped", "certain");
    CHECK(strstr(res.summary, "1900 bytes in 2 segments") && strstr(res.summary, "X25519MLKEM768"));
    CHECK(strstr(res.summary, "acknowledged 1448 bytes") && strstr(res.remedy, "hybrid group"));
    CHECK(cites(&res, 4) && cites(&res, 9));
    /* The server acknowledged all of it: not dropped on the path (it is the server's silence). */
    x->high_ack[TD_C2S] = 1000 + 1900;
    CHECK(classify(t)->verdict != TD_V_CLIENT_HELLO_DROPPED);
    /* One retransmission only: likely. */
    x->high_ack[TD_C2S] = 1000 + 1448;
    x->ch_retx = 1;
    VERDICT(classify(t), "client-hello-dropped", "likely");
    /* A ClientHello in one segment is never this. */
    x->ch_segs = 1;
    CHECK(classify(t)->verdict != TD_V_CLIENT_HELLO_DROPPED);
    tr_free(t);
}

TEST(client_hello_dropped_at_the_server)
{
    td_transcript *t = with_path(1900);
    td_path *x = t->path;
    x->ch_segs = 1;
    x->ch_got = 1448;                                    /* only the first segment ever arrived */
    t->tcp.bytes[TD_C2S] = 1448;
    tcp_close(t, TD_C2S, false, 20);
    t->end = t->capture_end = at(4) + 12;                /* the client gave up 12 s later */
    VERDICT(classify(t), "client-hello-dropped", "likely");
    CHECK(strstr(res.summary, "only its first 1448 bytes arrived"));
    /* The capture ended at once, the server had not acknowledged the part: nothing says. */
    t->end = t->capture_end = at(4) + 0.2;
    CHECK(classify(t)->verdict != TD_V_CLIENT_HELLO_DROPPED);
    /* ... but the server acknowledged the full segment it had and waited: the rest never came. */
    x->ack_seen[TD_C2S] = true;
    x->high_ack[TD_C2S] = 1000 + 1448;
    VERDICT(classify(t), "client-hello-dropped", "likely");
    CHECK(strstr(res.summary, "only its first 1448 bytes"));
    /* A first part that is not a full segment: the client wrote it so; not the path's doing. */
    x->ch_got = 700;
    x->high_ack[TD_C2S] = 1000 + 700;
    CHECK(classify(t)->verdict != TD_V_CLIENT_HELLO_DROPPED);
    tr_free(t);
}

TEST(mtu_black_hole_at_the_sender)
{
    td_transcript *t = tls13(0x1301);
    t->tcp.mss[0] = t->tcp.mss[1] = 1460;
    t->path = calloc(1, sizeof *t->path);
    td_path *x = t->path;
    x->big_segs[TD_S2C] = 3;
    x->max_seg[TD_S2C] = 1448;
    x->big_retx[TD_S2C] = 4;
    x->first_big_retx_packet[TD_S2C] = 8;
    x->last_big_retx_packet[TD_S2C] = 14;
    x->stuck_seq[TD_S2C] = 5000;
    x->dup_acks[TD_S2C] = 3;
    VERDICT(classify(t), "path-mtu-blackhole", "certain");
    CHECK(strstr(res.summary, "server's full-size segments") && strstr(res.remedy, "fragmentation needed"));
    CHECK(cites(&res, 8) && cites(&res, 14));
    x->acked_past_stuck[TD_S2C] = true;                  /* they got through in the end */
    CHECK(classify(t)->verdict != TD_V_PATH_MTU_BLACKHOLE);
    tr_free(t);
}

TEST(mtu_black_hole_at_the_receiver)
{
    td_transcript *t = with_path(300);
    client_hello(t, "www.example.test", 0x0304, 4);
    td_path *x = t->path;
    x->ch_segs = 1;
    x->ch_got = 300;
    x->ack_seen[TD_C2S] = true;
    x->high_ack[TD_C2S] = 1300;
    x->ooo_segs[TD_S2C] = 1;                             /* the flight's last, small segment, past a hole */
    x->max_seg[TD_S2C] = 412;
    x->dup_acks[TD_S2C] = 1;                             /* the client said so: a duplicate ACK (with SACK) */
    t->tcp.gaps[TD_S2C] = 1;
    t->tcp.gap_bytes[TD_S2C] = 2896;
    VERDICT(classify(t), "path-mtu-blackhole", "likely");
    CHECK(strstr(res.summary, "largest that arrived 412 bytes"));
    x->max_seg[TD_S2C] = 1448;                           /* a full-size segment did arrive: not a black hole */
    x->big_segs[TD_S2C] = 1;
    CHECK(classify(t)->verdict != TD_V_PATH_MTU_BLACKHOLE);
    tr_free(t);
}

/* At the server: the client's first segment (1188 bytes; both SYNs' MSS 1200) never arrived, only
 * the 310 bytes behind it, which the server SACKed without acknowledging a byte. */
TEST(client_hello_first_segment_lost_at_the_server)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    t->tcp.mss[0] = t->tcp.mss[1] = 1200;
    t->path = calloc(1, sizeof *t->path);
    td_path *x = t->path;
    x->isn[TD_C2S] = 1000;
    x->isn_known[TD_C2S] = x->delivered_known[TD_C2S] = x->claim_known[TD_C2S] = true;
    x->delivered[TD_C2S] = 1000;                         /* nothing arrived in order */
    x->ooo_segs[TD_C2S] = 1;
    x->first_ooo_packet[TD_C2S] = 4;
    x->first_ooo_seq[TD_C2S] = 1000 + 1188;
    x->first_ooo_hole[TD_C2S] = 1188;
    x->max_seg[TD_C2S] = 310;
    x->claim_high[TD_C2S] = 1000 + 1498;
    x->claim_packet[TD_C2S] = 4;
    x->ack_seen[TD_C2S] = true;
    x->high_ack[TD_C2S] = 1000;
    x->sack_seen[TD_C2S] = true;
    x->sack_high[TD_C2S] = 1000 + 1498;
    t->tcp.gaps[TD_C2S] = 1;
    t->tcp.gap_bytes[TD_C2S] = 1188;
    tr_packet(t, TD_C2S, 4);
    tr_packet(t, TD_S2C, 5);
    VERDICT(classify(t), "client-hello-dropped", "likely");
    CHECK(strstr(res.summary, "first segment (1188 bytes) never arrived") && strstr(res.summary, "310 bytes behind it"));
    CHECK(cites(&res, 4) && cites(&res, 5) && strstr(res.remedy, "hybrid group"));
    /* The server never said it lacked the start (no SACK, no repeated ACK): the capture may have missed it. */
    x->sack_seen[TD_C2S] = false;
    CHECK(classify(t)->verdict != TD_V_CLIENT_HELLO_DROPPED);
    x->dup_acks[TD_C2S] = 1;                             /* ... an ACK repeating the byte after the SYN says it */
    VERDICT(classify(t), "client-hello-dropped", "likely");
    /* The server acknowledged the start after all: not lost before it. */
    x->high_ack[TD_C2S] = 1000 + 1188;
    CHECK(classify(t)->verdict != TD_V_CLIENT_HELLO_DROPPED);
    x->high_ack[TD_C2S] = 1000;
    /* A hole smaller than a segment: not a first segment lost whole. */
    x->first_ooo_seq[TD_C2S] = 1000 + 500;
    x->first_ooo_hole[TD_C2S] = 500;
    CHECK(classify(t)->verdict != TD_V_CLIENT_HELLO_DROPPED);
    /* A hole after bytes that did arrive is not at the start. */
    x->first_ooo_seq[TD_C2S] = 1000 + 1188 + 200;
    x->first_ooo_hole[TD_C2S] = 1188;
    x->delivered[TD_C2S] = 1000 + 200;
    CHECK(classify(t)->verdict != TD_V_CLIENT_HELLO_DROPPED);
    tr_free(t);
}

/* A TLS 1.3 connection that worked (Finished, a request, a response), then a large upload: path facts
 * by hand on top. */
static td_transcript *worked_then(void)
{
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 53, 6);
    rec(t, TD_C2S, 177, 7);
    rec(t, TD_S2C, 250, 8);
    t->tcp.mss[0] = t->tcp.mss[1] = 1460;
    t->path = calloc(1, sizeof *t->path);
    return t;
}

TEST(mtu_black_hole_after_the_handshake_at_the_sender)
{
    td_transcript *t = worked_then();
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    td_path *x = t->path;
    x->big_segs[TD_C2S] = 14;
    x->max_seg[TD_C2S] = 1448;
    x->big_retx[TD_C2S] = x->stuck_retx[TD_C2S] = 5;
    x->first_big_retx_packet[TD_C2S] = 12;
    x->first_big_retx_ts[TD_C2S] = at(12);
    x->last_big_retx_packet[TD_C2S] = 40;
    x->stuck_seq[TD_C2S] = 775;
    x->ack_seen[TD_C2S] = true;
    x->high_ack[TD_C2S] = 775;                           /* the server's ACKs stop at the byte before it */
    x->acked_seg_max[TD_C2S] = 517;
    x->claim_known[TD_C2S] = true;
    x->claim_high[TD_C2S] = 19599;
    x->peer_after_retx[TD_C2S] = 1;                      /* and the server is alive */
    tr_packet(t, TD_C2S, 40);
    t->end = t->capture_end = at(12) + 6.2;
    VERDICT(classify(t), "path-mtu-blackhole", "certain");
    CHECK(strstr(res.summary, "after the handshake, the client's full-size segments") &&
          strstr(res.summary, "18824 bytes") && strstr(res.summary, "MSS 1460/1460, the largest segment through 517 bytes"));
    CHECK(cites(&res, 12) && cites(&res, 40) && strstr(res.remedy, "fragmentation needed"));
    /* Each of these makes it what it was before: ok. */
    x->acked_past_stuck[TD_C2S] = true;                  /* acknowledged in the end */
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    x->acked_past_stuck[TD_C2S] = false;
    /* The peer fell silent after acknowledging the smaller segments up to the stuck one (an upload's
     * receiver has nothing to say once nothing arrives): still the black hole with five sends of it,
     * but only likely (a host that died then would look the same); with two sends, or with none of the
     * sender's segments ever acknowledged, not judged from so little. */
    x->peer_after_retx[TD_C2S] = 0;
    VERDICT(classify(t), "path-mtu-blackhole", "likely");
    CHECK(has_evidence(&res, "then nothing more came from it"));
    x->stuck_retx[TD_C2S] = 2;
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    x->stuck_retx[TD_C2S] = 5;
    x->acked_seg_max[TD_C2S] = 0;
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    x->acked_seg_max[TD_C2S] = 517;
    x->peer_after_retx[TD_C2S] = 1;
    x->acked_seg_max[TD_C2S] = 1448;                     /* a full-size segment got through before */
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    x->acked_seg_max[TD_C2S] = 517;
    x->high_ack[TD_C2S] = 2223;                          /* acknowledged past the first full-size segment */
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    x->high_ack[TD_C2S] = 775;
    x->stuck_retx[TD_C2S] = 1;                           /* the stuck segment sent again once only */
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    x->stuck_retx[TD_C2S] = 5;
    t->end = t->capture_end = at(12) + 0.5;              /* half a second of it: a loss, not a stall */
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    t->end = t->capture_end = at(12) + 6.2;
    x->sack_seen[TD_C2S] = true;                         /* the server SACKed a burst's short tail past it */
    x->sack_high[TD_C2S] = 5000;
    VERDICT(classify(t), "path-mtu-blackhole", "certain");
    CHECK(has_evidence(&res, "acknowledged (SACK included) was 517 bytes"));
    x->acked_seg_max[TD_C2S] = 1448;                     /* ... but a full-size one was SACKed: a loss */
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    x->acked_seg_max[TD_C2S] = 517;
    x->peer_after_retx[TD_C2S] = 0;                      /* the tail SACKed, then silence: likely */
    VERDICT(classify(t), "path-mtu-blackhole", "likely");
    x->acked_seg_max[TD_C2S] = 1448;                     /* ... unless a full-size one was SACKed */
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    tr_free(t);
}

TEST(mtu_black_hole_after_the_handshake_at_the_receiver)
{
    td_transcript *t = worked_then();
    td_path *x = t->path;
    x->max_seg[TD_C2S] = 517;
    x->delivered_known[TD_C2S] = x->claim_known[TD_C2S] = true;
    x->delivered[TD_C2S] = 775;                          /* the server has the client's bytes up to 775 */
    x->claim_high[TD_C2S] = 19599;                       /* a bare ACK of the client's says it sent up to 19599 */
    x->claim_packet[TD_C2S] = 30;
    x->ack_seen[TD_C2S] = true;
    x->high_ack[TD_C2S] = 775;
    tr_packet(t, TD_C2S, 30);
    VERDICT(classify(t), "path-mtu-blackhole", "likely");
    CHECK(strstr(res.summary, "after the handshake, 18824 bytes the client sent never arrived") &&
          strstr(res.summary, "the largest that arrived 517 bytes"));
    CHECK(cites(&res, 30));
    x->big_segs[TD_C2S] = 1;                             /* a full-size segment of the client's did arrive */
    x->max_seg[TD_C2S] = 1448;
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    x->big_segs[TD_C2S] = 0;
    x->max_seg[TD_C2S] = 517;
    x->high_ack[TD_C2S] = 19599;                         /* the server acknowledged them: the capture missed them */
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    x->high_ack[TD_C2S] = 775;
    x->claim_high[TD_C2S] = 775 + 900;                   /* less than a full segment missing */
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    tr_free(t);
}

/* A TLS 1.3 handshake that worked, a request, and nothing back while the capture ran on: the
 * request hung (the receiving side of a stalled upload looks so), incomplete rather than ok. */
TEST(request_never_answered)
{
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 53, 6);                               /* the client's Finished */
    rec(t, TD_S2C, 250, 6);                              /* two session tickets: not an answer */
    rec(t, TD_S2C, 250, 6);
    rec(t, TD_C2S, 185, 7);                              /* a request */
    t->capture_end = t->end + 13.7;
    VERDICT(classify(t), "incomplete", "likely");
    CHECK(strstr(res.summary, "the server answered nothing in the 13.7 s the capture ran on") &&
          strstr(res.remedy, "path-MTU black hole") && cites(&res, 7));
    t->capture_end = t->end + 1.5;                       /* the capture ended soon after: too soon to say */
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    t->capture_end = t->end + 13.7;
    t->tcp.close = TD_CLOSE_FIN;                         /* the connection was closed: not hung */
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    t->tcp.close = TD_CLOSE_NONE;
    t->server.port = 6514;                               /* not HTTP (syslog over TLS never answers) */
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    t->server.port = 443;
    rec(t, TD_S2C, 900, 9);                              /* the server answered */
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    tr_free(t);
}

/* The same facts during a handshake that stopped: the first row's, with the first row's texts. */
TEST(mtu_black_hole_in_the_handshake_from_the_new_evidence)
{
    td_transcript *t = tls13(0x1301);                    /* the server's flight; the client never finished */
    t->tcp.mss[0] = t->tcp.mss[1] = 1460;
    t->path = calloc(1, sizeof *t->path);
    td_path *x = t->path;
    x->max_seg[TD_S2C] = 412;
    x->delivered_known[TD_S2C] = x->claim_known[TD_S2C] = true;
    x->delivered[TD_S2C] = 5000;
    x->claim_high[TD_S2C] = 5000 + 2896;                 /* the server's FIN shows two segments never arrived */
    x->claim_packet[TD_S2C] = 9;
    tr_packet(t, TD_S2C, 9);
    VERDICT(classify(t), "path-mtu-blackhole", "likely");
    CHECK(strstr(res.summary, "the server's segments arrived only small") && cites(&res, 9));
    CHECK(has_evidence(&res, "2896 bytes sent past the last that arrived here"));
    tr_free(t);
}

TEST(forged_and_genuine_resets)
{
    td_transcript *t = with_path(300);
    client_hello(t, "blocked.test", 0x0304, 4);
    td_path *x = t->path;
    x->ch_segs = 1;
    x->ch_got = 300;
    tcp_close(t, TD_S2C, true, 5);
    x->rst_seen = true;
    x->rst_ttl = 64;                                     /* the server's packets come with 63 */
    x->rst_ts = at(4) + 0.002;                           /* 2 ms after the ClientHello; the round trip is 40 ms */
    VERDICT(classify(t), "reset-injected", "certain");
    CHECK(strstr(res.summary, "blocked.test") && has_evidence(&res, "TTL 64") && has_evidence(&res, "round trip"));
    x->rst_ts = at(4) + 0.041;                           /* in time: the TTL alone says it */
    VERDICT(classify(t), "reset-injected", "likely");
    x->data_after_rst[TD_S2C] = 2;                       /* and the server's own answer came after it */
    VERDICT(classify(t), "reset-injected", "certain");
    /* The server's own reset: its TTL, in time, nothing after. */
    x->rst_ttl = 63;
    x->data_after_rst[TD_S2C] = 0;
    const td_result *r = classify(t);
    CHECK(r->verdict != TD_V_RESET_INJECTED);
    CHECK_STR(td_verdict_name(r->verdict), "no-tls-response");   /* as before these rows */
    tr_free(t);
}

/* A reset at the end of a connection that completed its handshake and carried data both ways was not
 * forged at its ClientHello, whatever its TTL or timing say (a replay at top speed distorts both). */
TEST(reset_after_a_conversation_is_not_injected)
{
    td_transcript *t = worked_then();
    td_path *x = t->path;
    x->ttl_min[TD_S2C] = x->ttl_max[TD_S2C] = 63;
    tcp_close(t, TD_S2C, true, 9);
    x->rst_seen = true;
    x->rst_ttl = 64;                                     /* unlike the server's other packets */
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    tr_free(t);
}

/* At the server: the client answers the server's flight with a bare reset (no ACK bit) at once, having
 * sent nothing but its ClientHello: its TCP had dropped the connection (a reset forged toward it). */
TEST(client_tcp_gone_seen_at_the_server)
{
    td_transcript *t = tls13(0x1301);                    /* ClientHello 4, the server's flight 5 */
    t->path = calloc(1, sizeof *t->path);
    td_path *x = t->path;
    x->ch_len = 300;
    x->ch_segs = 1;
    x->ch_got = 300;
    t->tcp.bytes[TD_C2S] = 300;
    t->tcp.bytes[TD_S2C] = 1093;
    x->last_data_ts[TD_S2C] = at(5);
    x->ttl_min[TD_C2S] = x->ttl_max[TD_C2S] = 63;
    tcp_close(t, TD_C2S, true, 6);
    x->rst_seen = true;
    x->rst_bare = true;
    x->rst_ttl = 63;                                     /* the client's own TTL: genuine */
    x->rst_ts = at(5) + 0.0004;
    VERDICT(classify(t), "reset-injected", "likely");
    CHECK(strstr(res.summary, "already dropped the connection") && strstr(res.summary, "www.example.test") &&
          has_evidence(&res, "without the ACK bit 0.40 ms after") && cites(&res, 6));
    x->rst_bare = false;                                 /* RST+ACK: the client closed it itself */
    CHECK(classify(t)->verdict != TD_V_RESET_INJECTED);
    x->rst_bare = true;
    t->tcp.bytes[TD_C2S] = 360;                          /* the client had answered the flight first */
    CHECK(classify(t)->verdict != TD_V_RESET_INJECTED);
    t->tcp.bytes[TD_C2S] = 300;
    x->rst_ts = at(5) + 2.0;                             /* two seconds later: not an answer to the flight */
    CHECK(classify(t)->verdict != TD_V_RESET_INJECTED);
    tr_free(t);
}

TEST(network_findings)
{
    td_transcript *t = tls13(0x1301);
    t->tls.hello_retry = true;
    t->tls.hello_retry_packet = 5;
    t->tls.hello = calloc(1, sizeof *t->tls.hello);
    t->tls.hello->key_shares[0] = 0x11ec;
    t->tls.hello->n_key_shares = 1;
    t->tls.hello->server_key_share = 0x0017;
    t->tcp.syn_retransmits = 2;
    t->path = calloc(1, sizeof *t->path);
    t->path->ch_len = 1900;
    t->path->ch_segs = 2;
    t->path->zero_windows[TD_S2C] = 3;
    const td_result *r = classify(t);
    CHECK(has_finding(r, "hello-retry") && has_finding(r, "client-hello-segments"));
    CHECK(has_finding(r, "syn-retransmits") && has_finding(r, "zero-window"));
    for (size_t i = 0; i < r->n_findings; i++) {
        if (strcmp(r->findings[i].id, "hello-retry") == 0) CHECK(strstr(r->findings[i].detail, "asked for secp256r1"));
        if (strcmp(r->findings[i].id, "client-hello-segments") == 0) CHECK(strstr(r->findings[i].detail, "X25519MLKEM768"));
        if (strcmp(r->findings[i].id, "zero-window") == 0) CHECK(strstr(r->findings[i].detail, "server advertised a zero window 3 times"));
    }
    t->tls.hello_retry = false;
    t->tcp.syn_retransmits = 0;
    t->path->ch_segs = 1;
    t->path->zero_windows[TD_S2C] = 0;
    r = classify(t);
    CHECK(!has_finding(r, "hello-retry") && !has_finding(r, "client-hello-segments"));
    CHECK(!has_finding(r, "syn-retransmits") && !has_finding(r, "zero-window"));
    tr_free(t);
}

int main(void)
{
    if (!classify_setup()) return 1;
    RUN(client_hello_dropped_at_the_client);
    RUN(client_hello_dropped_at_the_server);
    RUN(mtu_black_hole_at_the_sender);
    RUN(mtu_black_hole_at_the_receiver);
    RUN(client_hello_first_segment_lost_at_the_server);
    RUN(mtu_black_hole_after_the_handshake_at_the_sender);
    RUN(mtu_black_hole_after_the_handshake_at_the_receiver);
    RUN(request_never_answered);
    RUN(mtu_black_hole_in_the_handshake_from_the_new_evidence);
    RUN(forged_and_genuine_resets);
    RUN(reset_after_a_conversation_is_not_injected);
    RUN(client_tcp_gone_seen_at_the_server);
    RUN(network_findings);
    classify_teardown();
    return check_done();
}
