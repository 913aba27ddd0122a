/* test_reassembly_gaps.c - TCP reassembly across what the capture lost: acknowledged holes, holes
 * inside a record and at the end, the caps on held segments and bytes, a snap length that cuts a
 * segment, and a frame that does not decode. */

#include "check.h"
#include "engine_frames.h"

TEST(acked_hole_becomes_gap)
{
    buf ch = { 0 }, sh = { 0 }, lost = { 0 }, next = { 0 }, al = { 0 };
    client_hello(&ch, "gap.example");
    server_hello(&sh);
    appdata(&lost, 200);
    appdata(&next, 50);
    alert(&al, 2, 20);
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51005, 443, 100, 200);
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    sendb(&g, &k, 1, PSH | ACK, &sh);
    /* The client's next record is not captured; the one after it is. */
    uint32_t lost_seq = k.cseq;
    k.cseq += (uint32_t)lost.n;
    sendb(&g, &k, 0, PSH | ACK, &next);
    CHECK(g.out.n == 0);
    xmit(&g, &k, 1, ACK, NULL, 0);               /* the server acknowledges everything */
    sendb(&g, &k, 0, PSH | ACK, &al);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.gaps[0] == 1);
        CHECK(r->tcp.gap_bytes[0] == lost.n);
        CHECK(r->has_gap_event[0]);
        CHECK(r->tcp.bytes[0] == ch.n + next.n + al.n);
        CHECK(r->app_records[0] == 1 && r->app_data[0] == 50);
        CHECK(r->n_alerts == 1 && r->alert_code[0] == 20);
        CHECK(r->tcp.gaps[1] == 0);
    }
    (void)lost_seq;
    eng_free(&g);
    bfree(&ch);
    bfree(&sh);
    bfree(&lost);
    bfree(&next);
    bfree(&al);
}

TEST(hole_inside_record_keeps_sync)
{
    /* A segment lost in the middle of one application-data record: later records still parse. */
    buf ch = { 0 }, big = { 0 }, al = { 0 };
    client_hello(&ch, "gap2.example");
    appdata(&big, 3000);
    alert(&al, 1, 0);
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51006, 443, 100, 200);
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    uint32_t base = k.cseq;
    send_at(&g, &k, 0, base, ACK, big.p, 1000);
    send_at(&g, &k, 0, base + 2000, ACK, big.p + 2000, 1000);   /* 1000..2000 never captured */
    send_at(&g, &k, 0, base + 3000, PSH | ACK, big.p + 3000, big.n - 3000);
    k.cseq = base + (uint32_t)big.n;
    xmit(&g, &k, 1, ACK, NULL, 0);
    sendb(&g, &k, 0, PSH | ACK, &al);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.gaps[0] == 1 && r->tcp.gap_bytes[0] == 1000);
        CHECK(r->n_alerts == 1 && r->alert_code[0] == 0);
        CHECK(r->app_records[0] == 1 && r->app_data[0] == 2000);   /* captured, not declared: 1000 lost */
        CHECK(r->bad_records[0] == 0);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&big);
    bfree(&al);
}

TEST(hole_never_filled_is_gap_at_end)
{
    buf ch = { 0 }, app = { 0 };
    client_hello(&ch, "end.example");
    appdata(&app, 100);
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51007, 443, 100, 200);
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    send_at(&g, &k, 0, k.cseq + 500, PSH | ACK, app.p, app.n);  /* 500 bytes never seen */
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.gaps[0] == 1 && r->tcp.gap_bytes[0] == 500);
        CHECK(r->tcp.bytes[0] == ch.n + app.n);
        CHECK(r->app_records[0] == 1);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&app);
}

TEST(out_of_order_cap)
{
    /* Far more held segments than the cap: a capped, counted gap, never a crash. */
    buf ch = { 0 };
    client_hello(&ch, "cap.example");
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 54000, 443, 100, 200);
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    uint32_t base = k.cseq;
    buf app = { 0 };
    appdata(&app, 16100);
    /* Leave a 10-byte hole, then send 1000 segments of 16 bytes each ahead of it. */
    for (uint32_t i = 0; i < 1000; i++) {
        uint32_t off = 10 + i * 16;
        send_at(&g, &k, 0, base + off, ACK, app.p + off, 16);
    }
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.ooo_cap_hit);
        CHECK(r->tcp.gaps[0] >= 1);
        CHECK(r->tcp.bytes[0] == ch.n + 16000);
        CHECK(r->tcp.gap_bytes[0] == 10);
        CHECK_STR(r->sni, "cap.example");
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&app);
}

TEST(snap_length_cut_is_a_gap)
{
    buf ch = { 0 }, app = { 0 }, al = { 0 };
    client_hello(&ch, "snap.example");
    appdata(&app, 1200);
    alert(&al, 1, 0);
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 54700, 443, 1, 2);
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    /* The application-data segment captured with a 200-byte snap length. */
    buf f = { 0 };
    put8(&f, 0x45);
    put8(&f, 0);
    put16(&f, (unsigned)(40 + app.n));
    put16(&f, 1);
    put16(&f, 0x4000);
    put8(&f, 64);
    put8(&f, 6);
    put16(&f, 0);
    put(&f, k.cip, 4);
    put(&f, k.sip, 4);
    put16(&f, k.cport);
    put16(&f, k.sport);
    put32(&f, k.cseq);
    put32(&f, k.sseq);
    put8(&f, 0x50);
    put8(&f, ACK);
    put16(&f, 1000);
    put16(&f, 0);
    put16(&f, 0);
    put(&f, app.p, app.n);
    td_frame fr = { .data = f.p, .caplen = 200, .wirelen = f.n, .ts = g.ts };
    td_engine_frame(g.e, &fr, ++g.number);
    k.cseq += (uint32_t)app.n;
    sendb(&g, &k, 0, PSH | ACK, &al);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.bytes[0] == ch.n + 160 + al.n);
        CHECK(r->tcp.gaps[0] == 1 && r->tcp.gap_bytes[0] == app.n - 160);
        CHECK(r->app_records[0] == 1 && r->app_data[0] == 155);    /* what the snap length kept of it */
        CHECK(r->n_alerts == 1);
        CHECK(r->bad_records[0] == 0);
    }
    CHECK(td_engine_get_stats(g.e)->truncated == 1);
    eng_free(&g);
    bfree(&ch);
    bfree(&app);
    bfree(&al);
    bfree(&f);
}

TEST(out_of_order_byte_cap)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 54001, 443, 100, 200);
    handshake3(&g, &k);
    buf ch = { 0 };
    client_hello(&ch, "bytecap.example");
    sendb(&g, &k, 0, PSH | ACK, &ch);
    uint32_t base = k.cseq;
    buf app = { 0 };
    appdata(&app, 300 * 1400 + 100);
    /* A 10-byte hole, then 300 segments of 1400 bytes (410 KB) held behind it. */
    for (uint32_t i = 0; i < 300; i++) {
        uint32_t off = 10 + i * 1400;
        send_at(&g, &k, 0, base + off, ACK, app.p + off, 1400);
    }
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.ooo_cap_hit);
        CHECK(r->tcp.gaps[0] == 1 && r->tcp.gap_bytes[0] == 10);
        CHECK(r->tcp.bytes[0] == ch.n + 300 * 1400);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&app);
}

TEST(malformed_frame_counted)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    td_frame fr = { .data = (const uint8_t *)"\x45\x00\x00", .caplen = 3, .wirelen = 3, .ts = 1.0 };
    const char *why = td_engine_frame(g.e, &fr, 1);
    CHECK(why != NULL);
    CHECK(td_engine_get_stats(g.e)->undecoded == 1);
    eng_end(&g);
    CHECK(g.out.n == 0);
    eng_free(&g);
}

int main(void)
{
    RUN(acked_hole_becomes_gap);
    RUN(hole_inside_record_keeps_sync);
    RUN(hole_never_filled_is_gap_at_end);
    RUN(out_of_order_cap);
    RUN(snap_length_cut_is_a_gap);
    RUN(out_of_order_byte_cap);
    RUN(malformed_frame_counted);
    return check_done();
}
