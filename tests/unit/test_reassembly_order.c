/* test_reassembly_order.c - TCP reassembly of whole streams through the engine: a full connection
 * and its close, Ethernet and IPv6 frames, segments out of order, duplicated and overlapping (the
 * first copy wins), a random cut and shuffle of a stream, data on a SYN or a FIN. */

#include "check.h"
#include "engine_frames.h"

TEST(full_connection)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51234, 443, 1000, 5000);
    buf ch = { 0 }, sh = { 0 };
    client_hello(&ch, "www.example.com");
    server_hello(&sh);
    handshake3(&g, &k);                          /* 1, 2, 3 */
    sendb(&g, &k, 0, PSH | ACK, &ch);            /* 4 */
    xmit(&g, &k, 1, ACK, NULL, 0);               /* 5 */
    sendb(&g, &k, 1, PSH | ACK, &sh);            /* 6 */
    xmit(&g, &k, 0, ACK, NULL, 0);               /* 7 */
    xmit(&g, &k, 0, FIN | ACK, NULL, 0);         /* 8 */
    xmit(&g, &k, 1, FIN | ACK, NULL, 0);         /* 9 */
    xmit(&g, &k, 0, ACK, NULL, 0);               /* 10 */
    CHECK(g.out.n == 0);                         /* closed, but lingering for stragglers */
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->id == 1);
        CHECK_STR(r->cip, "10.0.0.5");
        CHECK_STR(r->sip, "192.0.2.1");
        CHECK(r->cport == 51234 && r->sport == 443);
        CHECK(!r->roles_guessed && r->on_tls_port && !r->evicted);
        CHECK(r->tcp.syn_seen && r->tcp.synack_seen && r->tcp.handshake && !r->tcp.midstream);
        CHECK(r->tcp.syn_retransmits == 0);
        CHECK(r->tcp.close == TD_CLOSE_FIN && r->tcp.closed_by == TD_BY_CLIENT);
        CHECK(r->tcp.fin[0] && r->tcp.fin[1] && r->tcp.fin_packet[0] == 8 && r->tcp.fin_packet[1] == 9);
        CHECK(r->tcp.bytes[0] == ch.n && r->tcp.bytes[1] == sh.n);
        CHECK(r->tcp.gaps[0] == 0 && r->tcp.gaps[1] == 0);
        CHECK(r->tcp.retransmits[0] == 0 && r->tcp.retransmits[1] == 0);
        CHECK(r->tcp.packets[0] == 6 && r->tcp.packets[1] == 4);
        CHECK(r->first_packet == 1 && r->last_packet == 10);
        CHECK_STR(r->sni, "www.example.com");
        CHECK(r->client_hello && r->server_hello && r->server_hello_done);
        CHECK(r->version == 0x0303 && r->cipher == 0xc02f);
    }
    const td_engine_stats *st = td_engine_get_stats(g.e);
    CHECK(st->packets == 10 && st->tcp_packets == 10 && st->connections == 1 && st->undecoded == 0);
    CHECK(td_engine_open_connections(g.e) == 0);
    eng_free(&g);
    bfree(&ch);
    bfree(&sh);
}

TEST(closed_connection_emitted_after_linger)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(6, 40000, 443, 1, 2);
    handshake3(&g, &k);
    xmit(&g, &k, 1, FIN | ACK, NULL, 0);
    xmit(&g, &k, 0, FIN | ACK, NULL, 0);
    xmit(&g, &k, 1, ACK, NULL, 0);
    CHECK(g.out.n == 0);
    g.ts += 5.0;                                 /* any later packet moves capture time on */
    tcpc other = conn(7, 40001, 443, 100, 200);
    xmit(&g, &other, 0, SYN, NULL, 0);
    CHECK(g.out.n == 1);
    if (g.out.n == 1) {
        CHECK(g.out.v[0].id == 1 && g.out.v[0].tcp.closed_by == TD_BY_SERVER);
        CHECK(g.out.v[0].last_packet == 6);
    }
    eng_end(&g);
    CHECK(g.out.n == 2);
    eng_free(&g);
}

TEST(ethernet_link_type)
{
    eng g;
    eng_init(&g, LINKTYPE_ETHERNET);
    eng_start(&g);
    tcpc k = conn(9, 50000, 443, 7, 9);
    buf ch = { 0 };
    client_hello(&ch, "eth.example");
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r && r->tcp.handshake);
    CHECK(r && strcmp(r->sni, "eth.example") == 0);
    CHECK(r && r->tcp.bytes[0] == ch.n);
    eng_free(&g);
    bfree(&ch);
}

TEST(out_of_order_segments)
{
    buf ch = { 0 };
    client_hello(&ch, "ooo.example.net");
    size_t a = ch.n / 3, b = 2 * ch.n / 3;
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51000, 443, 0xfffffff0u, 77);  /* the stream wraps past 2^32 */
    handshake3(&g, &k);
    uint32_t base = k.cseq;
    send_at(&g, &k, 0, base + (uint32_t)b, PSH | ACK, ch.p + b, ch.n - b);  /* 3 */
    send_at(&g, &k, 0, base, ACK, ch.p, a);                                 /* 1 */
    send_at(&g, &k, 0, base + (uint32_t)a, ACK, ch.p + a, b - a);           /* 2 */
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(r->sni, "ooo.example.net");
        CHECK(r->tcp.bytes[0] == ch.n);
        CHECK(r->tcp.gaps[0] == 0 && r->tcp.retransmits[0] == 0);
        CHECK(r->bad_records[0] == 0);
        CHECK(!r->tcp.ooo_cap_hit);
    }
    eng_free(&g);
    bfree(&ch);
}

TEST(duplicate_retransmission_not_double_delivered)
{
    buf ch = { 0 }, app = { 0 };
    client_hello(&ch, "dup.example");
    appdata(&app, 300);
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51001, 443, 100, 200);
    handshake3(&g, &k);
    uint32_t base = k.cseq;
    size_t half = ch.n / 2;
    send_at(&g, &k, 0, base, ACK, ch.p, half);
    send_at(&g, &k, 0, base, ACK, ch.p, half);                  /* exact duplicate */
    send_at(&g, &k, 0, base + (uint32_t)half, ACK, ch.p + half, ch.n - half);
    send_at(&g, &k, 0, base + (uint32_t)half, ACK, ch.p + half, ch.n - half);
    uint32_t next = base + (uint32_t)ch.n;
    /* A duplicate of an out-of-order (held) segment. */
    send_at(&g, &k, 0, next + 100, ACK, app.p + 100, app.n - 100);
    send_at(&g, &k, 0, next + 100, ACK, app.p + 100, app.n - 100);
    send_at(&g, &k, 0, next, ACK, app.p, 100);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.bytes[0] == ch.n + app.n);
        CHECK(r->tcp.retransmits[0] == 2);
        CHECK_STR(r->sni, "dup.example");
        CHECK(r->app_records[0] == 1 && r->app_data[0] == 300);
        CHECK(r->bad_records[0] == 0);
        CHECK(r->tcp.gaps[0] == 0);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&app);
}

static size_t find_sni(const buf *ch, const char *sni)
{
    size_t n = strlen(sni);
    for (size_t i = 0; i + n <= ch->n; i++)
        if (memcmp(ch->p + i, sni, n) == 0) return i;
    return 0;
}

TEST(overlap_first_copy_wins_in_order)
{
    buf ch = { 0 };
    client_hello(&ch, "first.example.com");
    size_t off = find_sni(&ch, "first.example.com");
    CHECK(off > 0);
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51002, 443, 100, 200);
    handshake3(&g, &k);
    uint32_t base = k.cseq;
    /* First copy: up to 8 bytes into the SNI.  Second copy: from the SNI on, its first 8 bytes
     * corrupted ("XXXXXXXX"), which would give "XXXXXXXXample.com" if it were used. */
    send_at(&g, &k, 0, base, ACK, ch.p, off + 8);
    buf second = { 0 };
    put(&second, ch.p + off, ch.n - off);
    memset(second.p, 'X', 8);
    send_at(&g, &k, 0, base + (uint32_t)off, ACK, second.p, second.n);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(r->sni, "first.example.com");
        CHECK(r->tcp.bytes[0] == ch.n);
        CHECK(r->tcp.retransmits[0] == 1);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&second);
}

TEST(overlap_first_copy_wins_when_held)
{
    /* The first copy of the SNI bytes arrives out of order and is held; a later in-order segment
     * overlaps it with different bytes.  The held (first) copy must win. */
    buf ch = { 0 };
    client_hello(&ch, "held.example.com");
    size_t off = find_sni(&ch, "held.example.com");
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51003, 443, 100, 200);
    handshake3(&g, &k);
    uint32_t base = k.cseq;
    send_at(&g, &k, 0, base + (uint32_t)off, ACK, ch.p + off, ch.n - off);   /* held */
    buf second = { 0 };
    put(&second, ch.p, off + 8);
    memset(second.p + off, 'X', 8);
    send_at(&g, &k, 0, base, ACK, second.p, second.n);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(r->sni, "held.example.com");
        CHECK(r->tcp.bytes[0] == ch.n);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&second);
}

TEST(overlap_between_held_segments)
{
    /* Two held segments that overlap: the first held copy wins, then the hole fills. */
    buf ch = { 0 };
    client_hello(&ch, "two.held.example");
    size_t off = find_sni(&ch, "two.held.example");
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51004, 443, 100, 200);
    handshake3(&g, &k);
    uint32_t base = k.cseq;
    send_at(&g, &k, 0, base + (uint32_t)off, ACK, ch.p + off, ch.n - off);   /* held, good */
    buf bad = { 0 };
    put(&bad, ch.p + 10, ch.n - 10);
    memset(bad.p + (off - 10), 'Y', 6);                                     /* overlaps with Ys */
    send_at(&g, &k, 0, base + 10, ACK, bad.p, bad.n);                        /* held too */
    send_at(&g, &k, 0, base, ACK, ch.p, 10);                                 /* fills the hole */
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(r->sni, "two.held.example");
        CHECK(r->tcp.bytes[0] == ch.n);
        CHECK(r->tcp.gaps[0] == 0);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&bad);
}

TEST(syn_with_data_fast_open)
{
    /* TCP Fast Open: the ClientHello rides on the SYN.  Its first byte has sequence number
     * ISN + 1 (the SYN takes ISN). */
    buf ch = { 0 }, sh = { 0 };
    client_hello(&ch, "tfo.example");
    server_hello(&sh);
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 54500, 443, 7000, 9000);
    sendb(&g, &k, 0, SYN, &ch);
    xmit(&g, &k, 1, SYN | ACK, NULL, 0);
    xmit(&g, &k, 0, ACK, NULL, 0);
    sendb(&g, &k, 1, PSH | ACK, &sh);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.bytes[0] == ch.n);
        CHECK(!r->not_tls[0]);
        CHECK(r->client_hello);
        CHECK_STR(r->sni, "tfo.example");
        CHECK(r->tcp.retransmits[0] == 0);
        CHECK(r->server_hello);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&sh);
}

TEST(fin_carrying_data)
{
    buf ch = { 0 }, al = { 0 };
    client_hello(&ch, "fin.example");
    alert(&al, 2, 40);
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 54600, 443, 1, 2);
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    sendb(&g, &k, 1, FIN | PSH | ACK, &al);      /* alert and FIN together */
    xmit(&g, &k, 0, ACK, NULL, 0);               /* acks the FIN: not a hole */
    xmit(&g, &k, 0, FIN | ACK, NULL, 0);
    xmit(&g, &k, 1, ACK, NULL, 0);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.bytes[1] == al.n);
        CHECK(r->n_alerts == 1 && r->alert_code[0] == 40 && r->alert_packet[0] == 5);
        CHECK(r->tcp.close == TD_CLOSE_FIN && r->tcp.closed_by == TD_BY_SERVER);
        CHECK(r->tcp.gaps[0] == 0 && r->tcp.gaps[1] == 0);
    }
    eng_free(&g);
    bfree(&ch);
    bfree(&al);
}

TEST(ipv6_connection)
{
    buf ch = { 0 };
    client_hello(&ch, "v6.example");
    eng g;
    eng_init(&g, LINKTYPE_IPV6);
    eng_start(&g);
    frame6(&g, 5, 40000, 1, 443, 100, 0, SYN, NULL, 0);
    frame6(&g, 1, 443, 5, 40000, 900, 101, SYN | ACK, NULL, 0);
    frame6(&g, 5, 40000, 1, 443, 101, 901, ACK, NULL, 0);
    frame6(&g, 5, 40000, 1, 443, 101, 901, PSH | ACK, ch.p, ch.n);
    frame6(&g, 1, 443, 5, 40000, 901, 101 + (uint32_t)ch.n, RST | ACK, NULL, 0);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(r->cip, "2001:db8::5");
        CHECK_STR(r->sip, "2001:db8::1");
        CHECK(r->cport == 40000 && r->sport == 443);
        CHECK(r->tcp.handshake);
        CHECK_STR(r->sni, "v6.example");
        CHECK(r->tcp.close == TD_CLOSE_RST && r->tcp.closed_by == TD_BY_SERVER);
        CHECK(r->tcp.bytes[0] == ch.n);
    }
    eng_free(&g);
    bfree(&ch);
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

TEST(random_segmentation_order_duplicates)
{
    /* A stream of records cut at random, sent in a locally shuffled order with duplicates and
     * overlapping re-sends (same bytes): the parser must see exactly the original stream. */
    int failures = 0;
    for (int iter = 0; iter < 200; iter++) {
        buf st = { 0 };
        for (int i = 0; i < 60; i++) {
            appdata(&st, 1 + rnd() % 400);
            alert(&st, 1, (unsigned)i);
        }
        size_t cuts[400];
        size_t nseg = 0, off = 0;
        while (off < st.n && nseg < 399) {
            cuts[nseg++] = off;
            off += 1 + rnd() % 700;
        }
        cuts[nseg] = st.n;
        int order[400];
        for (size_t i = 0; i < nseg; i++) order[i] = (int)i;
        for (size_t i = 0; i + 1 < nseg; i++)     /* bounded displacement */
            if (rnd() % 3 == 0) {
                size_t j = i + 1 + rnd() % 4;
                if (j >= nseg) j = nseg - 1;
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        eng g;
        eng_init(&g, LINKTYPE_IPV4);
        eng_start(&g);
        tcpc k = conn(5, 42000, 443, rnd(), rnd());
        handshake3(&g, &k);
        uint32_t base = k.cseq;
        for (size_t i = 0; i < nseg; i++) {
            size_t a = cuts[order[i]], b = cuts[order[i] + 1];
            if (a > b || b > st.n) b = st.n;
            send_at(&g, &k, 0, base + (uint32_t)a, ACK, st.p + a, b - a);
            if (rnd() % 8 == 0) send_at(&g, &k, 0, base + (uint32_t)a, ACK, st.p + a, b - a);
            if (rnd() % 8 == 0) {                /* a re-send spanning into the next segment */
                size_t e2 = b + rnd() % 900;
                if (e2 > st.n) e2 = st.n;
                size_t a2 = a > 50 ? a - rnd() % 50 : a;
                send_at(&g, &k, 0, base + (uint32_t)a2, ACK, st.p + a2, e2 - a2);
            }
        }
        eng_end(&g);
        const conn_rec *r = only(&g);
        bool ok = r && r->tcp.bytes[0] == st.n && r->tcp.gaps[0] == 0 && r->bad_records[0] == 0 &&
                  r->app_records[0] == 60 && r->n_alerts == 60;
        for (size_t i = 0; ok && i < 60; i++) ok = r->alert_code[i] == i;
        if (!ok && !failures++)
            printf("    iteration %d: bytes %llu of %zu, gaps %u, bad %u, app %llu, alerts %zu\n", iter,
                   r ? (unsigned long long)r->tcp.bytes[0] : 0ull, st.n, r ? r->tcp.gaps[0] : 0,
                   r ? r->bad_records[0] : 0, r ? (unsigned long long)r->app_records[0] : 0ull,
                   r ? r->n_alerts : 0);
        eng_free(&g);
        bfree(&st);
    }
    CHECK(failures == 0);
}

int main(void)
{
    RUN(full_connection);
    RUN(closed_connection_emitted_after_linger);
    RUN(ethernet_link_type);
    RUN(out_of_order_segments);
    RUN(duplicate_retransmission_not_double_delivered);
    RUN(overlap_first_copy_wins_in_order);
    RUN(overlap_first_copy_wins_when_held);
    RUN(overlap_between_held_segments);
    RUN(syn_with_data_fast_open);
    RUN(fin_carrying_data);
    RUN(ipv6_connection);
    RUN(random_segmentation_order_duplicates);
    return check_done();
}
