/* test_reassembly_connections.c - connection handling through the engine: SYNs unanswered or
 * refused, stray packets, roles guessed mid-stream, port reuse, the TLS port filter and -A, output
 * order, --max-connections eviction, idle timeout, several files and shards. */

#include "check.h"
#include "engine_frames.h"

TEST(syn_only_with_retransmits)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51008, 443, 12345, 0);
    send_at(&g, &k, 0, 12345, SYN, NULL, 0);
    g.ts += 1.0;
    send_at(&g, &k, 0, 12345, SYN, NULL, 0);
    g.ts += 2.0;
    send_at(&g, &k, 0, 12345, SYN, NULL, 0);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.syn_seen && r->tcp.syn_retransmits == 2);
        CHECK(!r->tcp.synack_seen && !r->tcp.handshake);
        CHECK(r->tcp.close == TD_CLOSE_NONE && r->tcp.closed_by == TD_BY_NONE);
        CHECK(r->first_packet == 1 && r->last_packet == 3);
        CHECK(r->tcp.packets[0] == 3 && r->tcp.packets[1] == 0);
        CHECK(!r->client_hello);
        CHECK(r->n_events == 1);                 /* one SYN event, not three */
    }
    eng_free(&g);
}

TEST(syn_answered_by_rst)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51009, 443, 5000, 0);
    xmit(&g, &k, 0, SYN, NULL, 0);
    xmit(&g, &k, 1, RST | ACK, NULL, 0);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->tcp.close == TD_CLOSE_RST && r->tcp.closed_by == TD_BY_SERVER);
        CHECK(r->tcp.rst_packet == 2 && r->tcp.rst_from == TD_S2C);
        CHECK(!r->tcp.synack_seen && !r->tcp.handshake);
        CHECK(r->last_packet == 2);
    }
    eng_free(&g);
}

TEST(stray_packets_make_no_connection)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 51010, 443, 5000, 9000);
    xmit(&g, &k, 0, ACK, NULL, 0);
    xmit(&g, &k, 1, RST, NULL, 0);
    xmit(&g, &k, 0, FIN | ACK, NULL, 0);
    eng_end(&g);
    CHECK(g.out.n == 0);
    eng_free(&g);
}

TEST(midstream_roles_from_port)
{
    buf app = { 0 }, app2 = { 0 };
    appdata(&app, 400);
    appdata(&app2, 40);
    for (int first = 0; first < 2; first++) {
        eng g;
        eng_init(&g, LINKTYPE_IPV4);
        eng_start(&g);
        tcpc k = conn(5, 60000, 443, 1000000, 2000000);
        /* No SYN: the first packet is data, from the server (first == 1) or the client. */
        sendb(&g, &k, first, PSH | ACK, &app);
        sendb(&g, &k, !first, PSH | ACK, &app2);
        sendb(&g, &k, first, PSH | ACK, &app);
        eng_end(&g);
        const conn_rec *r = only(&g);
        CHECK(r != NULL);
        if (r) {
            CHECK(r->tcp.midstream && r->roles_guessed);
            CHECK(!r->tcp.syn_seen && !r->tcp.handshake);
            CHECK_STR(r->cip, "10.0.0.5");
            CHECK_STR(r->sip, "192.0.2.1");
            CHECK(r->cport == 60000 && r->sport == 443);
            CHECK(r->tcp.bytes[first] == 2 * app.n && r->tcp.bytes[!first] == app2.n);
            CHECK(r->app_records[first] == 2 && r->app_data[first] == 800);
            CHECK(r->app_records[!first] == 1);
            CHECK(r->tcp.gaps[0] == 0 && r->tcp.gaps[1] == 0);
        }
        eng_free(&g);
    }
    bfree(&app);
    bfree(&app2);
}

TEST(midstream_roles_from_client_hello)
{
    /* Both ports are TLS ports: the ClientHello sender is the client. */
    buf ch = { 0 };
    client_hello(&ch, "both.example");
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    g.cfg.tls_ports.n = 2;
    g.cfg.tls_ports.port[1] = 8443;
    eng_start(&g);
    tcpc k = conn(5, 8443, 443, 10, 20);
    /* The "server" here (192.0.2.1:443) sends the ClientHello. */
    sendb(&g, &k, 1, PSH | ACK, &ch);
    eng_end(&g);
    const conn_rec *r = only(&g);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(r->cip, "192.0.2.1");
        CHECK(r->cport == 443 && r->sport == 8443);
        CHECK_STR(r->sni, "both.example");
        CHECK(r->roles_guessed);
    }
    eng_free(&g);
    bfree(&ch);
}

TEST(port_reuse_makes_two_connections)
{
    for (int wait = 0; wait < 2; wait++) {
        eng g;
        eng_init(&g, LINKTYPE_IPV4);
        eng_start(&g);
        buf ch1 = { 0 }, ch2 = { 0 };
        client_hello(&ch1, "one.example");
        client_hello(&ch2, "two.example");
        tcpc k = conn(5, 52000, 443, 1000, 2000);
        handshake3(&g, &k);
        sendb(&g, &k, 0, PSH | ACK, &ch1);
        xmit(&g, &k, 0, FIN | ACK, NULL, 0);
        xmit(&g, &k, 1, FIN | ACK, NULL, 0);
        xmit(&g, &k, 0, ACK, NULL, 0);
        if (wait) g.ts += 10.0;                 /* after the linger, or right away */
        tcpc k2 = conn(5, 52000, 443, 900000, 800000);
        handshake3(&g, &k2);
        sendb(&g, &k2, 0, PSH | ACK, &ch2);
        eng_end(&g);
        CHECK(g.out.n == 2);
        if (g.out.n == 2) {
            CHECK(g.out.v[0].id == 1 && g.out.v[1].id == 2);
            CHECK_STR(g.out.v[0].sni, "one.example");
            CHECK_STR(g.out.v[1].sni, "two.example");
            CHECK(g.out.v[0].first_packet == 1 && g.out.v[0].last_packet == 7);
            CHECK(g.out.v[1].first_packet == 8 && g.out.v[1].last_packet == 11);
            CHECK(g.out.v[1].tcp.handshake && g.out.v[1].tcp.syn_retransmits == 0);
            CHECK(g.out.v[1].tcp.bytes[0] == ch2.n);
            CHECK(g.out.v[0].tcp.close == TD_CLOSE_FIN && g.out.v[1].tcp.close == TD_CLOSE_NONE);
        }
        eng_free(&g);
        bfree(&ch1);
        bfree(&ch2);
    }
}

TEST(non_tls_ports_ignored_unless_any_port)
{
    buf ch = { 0 };
    client_hello(&ch, "any.example");
    const char *http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 53000, 8443, 10, 20);
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    eng_end(&g);
    CHECK(g.out.n == 0);
    eng_free(&g);

    eng_init(&g, LINKTYPE_IPV4);
    g.cfg.any_port = true;
    eng_start(&g);
    k = conn(5, 53001, 8443, 10, 20);
    handshake3(&g, &k);
    sendb(&g, &k, 0, PSH | ACK, &ch);
    tcpc h = conn(6, 53002, 8080, 10, 20);
    handshake3(&g, &h);
    xmit(&g, &h, 0, PSH | ACK, (const uint8_t *)http, strlen(http));
    xmit(&g, &h, 1, PSH | ACK, (const uint8_t *)"HTTP/1.1 200 OK\r\n\r\n", 19);
    tcpc s = conn(7, 53003, 9999, 10, 20);      /* SYN only on another port: not shown to be TLS */
    xmit(&g, &s, 0, SYN, NULL, 0);
    eng_end(&g);
    CHECK(g.out.n == 1);
    if (g.out.n == 1) {
        const conn_rec *r = &g.out.v[0];
        CHECK(r->id == 1);
        CHECK(r->sport == 8443 && r->cport == 53001);
        CHECK(!r->on_tls_port);
        CHECK_STR(r->sni, "any.example");
        CHECK(r->tcp.handshake && r->tcp.syn_seen);
        CHECK(r->first_packet == 1);
        CHECK(r->tcp.bytes[0] == ch.n);
    }
    CHECK(td_engine_get_stats(g.e)->connections == 1);
    eng_free(&g);
    bfree(&ch);
}

static void many_connections(int n, bool shuffle_activity, int *emitted, int *in_order, int *distinct)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    for (int i = 0; i < n; i++) {
        tcpc k = conn((uint8_t)(i / 50000 + 1), (uint16_t)(10000 + i % 50000), 443, (uint32_t)i * 7919u, 0);
        k.cip[2] = (uint8_t)(i >> 8);
        xmit(&g, &k, 0, SYN, NULL, 0);
        g.ts -= 0.0009;                           /* 0.1 ms apart: all open at once, inside the 12 s an
                                                     unanswered attempt waits for its client */
    }
    if (shuffle_activity) {
        /* Retransmit the SYNs of the even ones: the activity order is no longer the id order. */
        for (int i = 0; i < n; i += 2) {
            tcpc k = conn((uint8_t)(i / 50000 + 1), (uint16_t)(10000 + i % 50000), 443, (uint32_t)i * 7919u, 0);
            k.cip[2] = (uint8_t)(i >> 8);
            xmit(&g, &k, 0, SYN, NULL, 0);
        }
    }
    CHECK(td_engine_open_connections(g.e) == (size_t)n);
    eng_end(&g);
    *emitted = (int)g.out.n;
    *in_order = 1;
    for (size_t i = 0; i < g.out.n; i++)
        if (g.out.v[i].id != i + 1) *in_order = 0;
    *distinct = 1;
    for (size_t i = 0; i < g.out.n; i++)
        if (g.out.v[i].tcp.syn_retransmits != (shuffle_activity && (g.out.v[i].id - 1) % 2 == 0 ? 1u : 0u))
            *distinct = 0;
    CHECK(td_engine_get_stats(g.e)->peak_open == (size_t)n);
    eng_free(&g);
}

TEST(twenty_thousand_connections_in_id_order)
{
    int emitted, in_order, distinct;
    many_connections(20000, false, &emitted, &in_order, &distinct);
    CHECK(emitted == 20000);
    CHECK(in_order);
    CHECK(distinct);
}

TEST(end_of_file_output_in_id_order_whatever_the_activity)
{
    int emitted, in_order, distinct;
    many_connections(20000, true, &emitted, &in_order, &distinct);
    CHECK(emitted == 20000);
    CHECK(in_order);
    CHECK(distinct);
}

TEST(max_connections_evicts_oldest)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    g.cfg.max_connections = 10;
    eng_start(&g);
    for (int i = 0; i < 50; i++) {
        tcpc k = conn(5, (uint16_t)(20000 + i), 443, 100, 0);
        xmit(&g, &k, 0, SYN, NULL, 0);
        CHECK(td_engine_open_connections(g.e) <= 10);
    }
    CHECK(g.out.n == 40);
    eng_end(&g);
    CHECK(g.out.n == 50);
    int evicted = 0, order = 1;
    for (size_t i = 0; i < g.out.n; i++) {
        const conn_rec *r = &g.out.v[i];
        if (r->id != i + 1) order = 0;
        if (r->evicted) evicted++;
        CHECK(r->evicted == (r->id <= 40));
        CHECK(r->cport == 20000 + r->id - 1);
    }
    CHECK(evicted == 40);
    CHECK(order);
    CHECK(td_engine_get_stats(g.e)->evicted == 40);
    CHECK(td_engine_get_stats(g.e)->peak_open == 10);
    eng_free(&g);
}

TEST(idle_timeout)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    g.cfg.idle_timeout = 30;
    eng_start(&g);
    tcpc a = conn(5, 55000, 443, 1, 2), b = conn(6, 55001, 443, 1, 2);
    handshake3(&g, &a);
    g.ts += 31;
    handshake3(&g, &b);                          /* a has been idle for 31 s */
    CHECK(g.out.n == 1);
    if (g.out.n == 1) CHECK(g.out.v[0].id == 1 && g.out.v[0].idle_timeout);
    td_engine_expire(g.e, g.ts + 60);
    CHECK(g.out.n == 2);
    if (g.out.n == 2) CHECK(g.out.v[1].id == 2 && g.out.v[1].idle_timeout);
    CHECK(td_engine_open_connections(g.e) == 0);
    eng_end(&g);
    CHECK(g.out.n == 2);
    eng_free(&g);
}

TEST(two_files_ids_continue_packets_restart)
{
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);                               /* file "test.pcap" */
    tcpc a = conn(5, 41000, 443, 1, 2);
    handshake3(&g, &a);
    td_engine_mark_drops(g.e);
    eng_end(&g);
    td_engine_begin_file(g.e, "second.pcap", LINKTYPE_IPV4);
    g.number = 0;
    g.ts = 1600000000.0;                         /* earlier than the first file: time restarts */
    tcpc b = conn(5, 41000, 443, 1, 2);          /* the same 5-tuple in another file */
    handshake3(&g, &b);
    eng_end(&g);
    CHECK(g.out.n == 2);
    if (g.out.n == 2) {
        CHECK(g.out.v[0].id == 1 && g.out.v[1].id == 2);
        CHECK_STR(g.out.v[0].file, "test.pcap");
        CHECK_STR(g.out.v[1].file, "second.pcap");
        CHECK(g.out.v[1].first_packet == 1 && g.out.v[1].last_packet == 3);
        CHECK(g.out.v[0].capture_drops && !g.out.v[1].capture_drops);
        CHECK(g.out.v[1].tcp.handshake);
    }
    CHECK(td_engine_get_stats(g.e)->packets == 6);
    eng_free(&g);
}

TEST(shards_split_whole_connections)
{
    /* --shard K/N: every connection lands in exactly one shard, with both its directions. */
    int seen[200] = { 0 };
    int total = 0, complete = 0;
    for (unsigned shard = 0; shard < 3; shard++) {
        eng g;
        eng_init(&g, LINKTYPE_IPV4);
        g.cfg.shard_k = shard;
        g.cfg.shard_n = 3;
        eng_start(&g);
        for (int i = 0; i < 200; i++) {
            tcpc k = conn((uint8_t)(i % 250 + 1), (uint16_t)(30000 + i * 13), 443, (uint32_t)i, 7);
            handshake3(&g, &k);
        }
        eng_end(&g);
        for (size_t i = 0; i < g.out.n; i++) {
            unsigned port = g.out.v[i].cport;
            int idx = (int)(port - 30000) / 13;
            if (idx >= 0 && idx < 200) seen[idx]++;
            if (g.out.v[i].tcp.handshake) complete++;
        }
        total += (int)g.out.n;
        eng_free(&g);
    }
    CHECK(total == 200);
    CHECK(complete == 200);
    int once = 0;
    for (int i = 0; i < 200; i++) once += seen[i] == 1;
    CHECK(once == 200);
}

int main(void)
{
    RUN(syn_only_with_retransmits);
    RUN(syn_answered_by_rst);
    RUN(stray_packets_make_no_connection);
    RUN(midstream_roles_from_port);
    RUN(midstream_roles_from_client_hello);
    RUN(port_reuse_makes_two_connections);
    RUN(non_tls_ports_ignored_unless_any_port);
    RUN(twenty_thousand_connections_in_id_order);
    RUN(end_of_file_output_in_id_order_whatever_the_activity);
    RUN(max_connections_evicts_oldest);
    RUN(idle_timeout);
    RUN(two_files_ids_continue_packets_restart);
    RUN(shards_split_whole_connections);
    return check_done();
}
