/* test_tls_stream_records.c - the TLS stream parser's record layer: alerts in the clear and
 * encrypted, application data, empty and oversized records, gaps, resynchronisation.
 *
 * After a broken record or a hole in the capture the parser must find the next record header
 * again; 100000 alerts must be counted in bounded time and memory. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "tls_stream_fixture.h"

/* ---- alerts ------------------------------------------------------------------------------------------- */

TEST(plaintext_alert)
{
    buf c = { 0 }, s = { 0 };
    ch_opts co = { .sni = "x.example" };
    client_hello_record(&c, &co);
    alert_record(&s, 2, 40);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_alerts == 1 && x->n_alerts_total == 1);
    if (x->n_alerts == 1) {
        CHECK(x->alerts[0].from == 1 && x->alerts[0].level == 2 && x->alerts[0].code == 40);
        CHECK(!x->alerts[0].encrypted && x->alerts[0].packet == 2);
    }
    CHECK(has_event(&f.t, TD_EV_ALERT, 1, 0));
    CHECK(x->bad_records[1] == 0);
    fx_free(&f);

    /* An alert split across two deliveries, header and each byte apart. */
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feed(&f, 1, s.p, 3, 2);
    feed(&f, 1, s.p + 3, 3, 3);
    CHECK(f.t.tls.n_alerts == 0);
    feed(&f, 1, s.p + 6, 1, 4);
    CHECK(f.t.tls.n_alerts == 1);
    if (f.t.tls.n_alerts == 1) CHECK(f.t.tls.alerts[0].code == 40 && f.t.tls.alerts[0].packet == 4);
    fx_free(&f);
    bfree(&c);
    bfree(&s);
}

TEST(encrypted_alert_after_ccs)
{
    flow fl = { 0 };
    tls12_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < 4; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    buf a = { 0 };
    opaque_record(&a, 21, 26, 0x77);
    feedb(&f, 0, &a, 9);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_alerts == 1);
    if (x->n_alerts == 1) {
        CHECK(x->alerts[0].encrypted && x->alerts[0].from == 0 && x->alerts[0].packet == 9);
        CHECK(x->alerts[0].level == 0);
    }
    fx_free(&f);
    bfree(&a);
    flow_free(&fl);
}

TEST(hundred_thousand_alerts)
{
    buf b = { 0 };
    for (int i = 0; i < 100000; i++) alert_record(&b, 1, 0);
    fx f;
    fx_init(&f);
    clock_t t0 = clock();
    feedb(&f, 1, &b, 1);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    CHECK(f.t.tls.n_alerts == TD_MAX_ALERTS);
    CHECK(f.t.tls.n_alerts_total == 100000);
    CHECK(f.t.n_events <= TD_MAX_EVENTS);
    CHECK(f.t.n_events + f.t.n_events_dropped == 100000);
    CHECK(f.t.tls.alerts[TD_MAX_ALERTS - 1].level == 1 && f.t.tls.alerts[TD_MAX_ALERTS - 1].code == 0);
    CHECK(secs < 2.0);
    fx_free(&f);
    bfree(&b);
}

/* ---- application data ------------------------------------------------------------------------------- */

TEST(appdata_counting_per_direction)
{
    flow fl = { 0 };
    tls12_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < 4; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    buf c = { 0 }, s = { 0 };
    opaque_record(&c, 23, 100, 1);
    opaque_record(&c, 23, 200, 1);
    opaque_record(&c, 23, 300, 1);
    opaque_record(&s, 23, 1000, 2);
    opaque_record(&s, 23, 16384, 2);
    feedb(&f, 0, &c, 10);
    feedb(&f, 1, &s, 11);
    opaque_record(&c, 23, 0, 0);                 /* an empty application data record */
    feed(&f, 0, c.p + c.n - 5, 5, 12);
    const td_tls *x = &f.t.tls;
    CHECK(x->app_records[0] == 3 && x->app_data[0] == 600);
    CHECK(x->app_records[1] == 2 && x->app_data[1] == 17384);
    CHECK(x->first_app_packet[0] == 10 && x->first_app_packet[1] == 11);
    CHECK(x->empty_records[0] == 1);
    CHECK(x->bad_records[0] == 0);               /* an empty application data record is legal */
    fx_free(&f);
    bfree(&c);
    bfree(&s);
    flow_free(&fl);
}

/* ---- malformed records ------------------------------------------------------------------------ */

TEST(zero_length_records)
{
    buf b = { 0 }, c = { 0 };
    ch_opts co = { .sni = "z.example" };
    record(&b, 22, 0x0303, NULL, 0);
    client_hello_record(&b, &co);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &b, 1);
    CHECK(f.t.tls.empty_records[0] == 1);
    CHECK(f.t.tls.bad_records[0] == 1);
    CHECK(bad_what(&f.t.tls, 0) && strstr(bad_what(&f.t.tls, 0), "zero-length"));
    CHECK(f.t.tls.client_hello);
    CHECK_STR(f.t.tls.sni, "z.example");
    record(&c, 23, 0x0303, NULL, 0);
    record(&c, 21, 0x0303, NULL, 0);
    feedb(&f, 0, &c, 2);
    CHECK(f.t.tls.empty_records[0] == 3);
    CHECK(f.t.tls.bad_records[0] == 2);          /* the empty alert, not the empty app data */
    CHECK(f.t.tls.n_alerts == 0);
    fx_free(&f);
    bfree(&b);
    bfree(&c);
}

TEST(oversized_record_then_resync)
{
    buf b = { 0 };
    ch_opts co = { .sni = "resync.example" };
    client_hello_record(&b, &co);
    put(&b, "\x17\x03\x03\x4e\x20", 5);          /* application data, length 20000 */
    for (int i = 0; i < 300; i++) put8(&b, (unsigned)(i * 37 + 11) | 0x80);   /* garbage */
    alert_record(&b, 2, 10);
    alert_record(&b, 1, 0);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &b, 1);
    CHECK(f.t.tls.client_hello);
    CHECK(f.t.tls.bad_records[0] == 1);
    CHECK(bad_what(&f.t.tls, 0) && strstr(bad_what(&f.t.tls, 0), "20000"));
    CHECK_STR(bad_what(&f.t.tls, 0), "record length 20000 > 18432");
    CHECK(f.t.tls.n_alerts == 2);
    if (f.t.tls.n_alerts == 2) {
        CHECK(f.t.tls.alerts[0].level == 2 && f.t.tls.alerts[0].code == 10);
        CHECK(f.t.tls.alerts[1].level == 1 && f.t.tls.alerts[1].code == 0);
    }
    CHECK(has_event(&f.t, TD_EV_UNKNOWN_RECORD, 0, 23));
    fx_free(&f);

    /* Not a record header at all (content type 0x42) in the middle of a TLS stream. */
    buf g = { 0 };
    client_hello_record(&g, &co);
    put(&g, "\x42\x42\x42\x42\x42\x42\x42", 7);
    alert_record(&g, 2, 50);
    fx_init(&f);
    feedb(&f, 0, &g, 1);
    CHECK(f.t.tls.bad_records[0] == 1);
    CHECK(bad_what(&f.t.tls, 0) && strstr(bad_what(&f.t.tls, 0), "not a TLS record header"));
    CHECK(f.t.tls.n_alerts == 1 && f.t.tls.alerts[0].code == 50);
    fx_free(&f);
    bfree(&b);
    bfree(&g);
}

/* ---- gaps --------------------------------------------------------------------------------------------- */

TEST(gap_inside_appdata_keeps_sync)
{
    flow fl = { 0 };
    tls12_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < 4; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    buf a = { 0 }, tail = { 0 };
    opaque_record(&a, 23, 1000, 0x16);           /* body bytes that look like record types */
    feed(&f, 0, a.p, 5 + 300, 10);
    td_tls_stream_gap(f.s, 0, 400, 11, 11.0);
    feed(&f, 0, a.p + 5 + 700, 300, 12);
    alert_record(&tail, 1, 0);
    opaque_record(&tail, 23, 77, 0x16);
    feedb(&f, 0, &tail, 13);
    const td_tls *x = &f.t.tls;
    CHECK(x->bad_records[0] == 0);
    CHECK(x->n_alerts == 1);
    /* In step: the record after the hole is read as an alert; after the client's CCS it is an
     * encrypted one, whatever its length. */
    if (x->n_alerts == 1) CHECK(x->alerts[0].encrypted && x->alerts[0].packet == 13);
    CHECK(x->app_records[0] == 2 && x->app_data[0] == 677);   /* captured bytes: 400 were lost */
    CHECK(has_event(&f.t, TD_EV_GAP, 0, -1));
    fx_free(&f);
    bfree(&a);
    bfree(&tail);
    flow_free(&fl);
}

TEST(gap_inside_handshake_then_fresh_record_resyncs)
{
    buf sh = { 0 }, certrec = { 0 }, cert = { 0 }, body = { 0 }, after = { 0 }, empty = { 0 };
    sh_opts so = { .cipher = 0xc02f };
    server_hello_record(&sh, &so);
    make_cert_der(&cert, "gap.example", "Gap CA");
    certificate_body(&body, &cert, 1);
    hs_record(&certrec, 11, &body);
    hs_record(&after, 14, &empty);               /* ServerHelloDone */
    alert_record(&after, 2, 42);

    /* Unknown gap size in the middle of the Certificate: the parser must find the next record. */
    fx f;
    fx_init(&f);
    feedb(&f, 1, &sh, 1);
    feed(&f, 1, certrec.p, 100, 2);
    td_tls_stream_gap(f.s, 1, 0, 3, 3.0);
    feed(&f, 1, certrec.p + 150, certrec.n - 150, 4);
    feedb(&f, 1, &after, 5);
    CHECK(f.t.tls.server_hello_done);
    CHECK(f.t.tls.n_alerts == 1 && f.t.tls.n_alerts == 1 && f.t.tls.alerts[0].code == 42);
    CHECK(!f.t.tls.server_chain.seen);           /* the broken Certificate is not reported */
    CHECK(td_tls_stream_buffered(f.s) == 0);
    fx_free(&f);

    /* Known gap size inside the Certificate record: the record layer stays in step. */
    fx_init(&f);
    feedb(&f, 1, &sh, 1);
    feed(&f, 1, certrec.p, 100, 2);
    td_tls_stream_gap(f.s, 1, 50, 3, 3.0);
    feed(&f, 1, certrec.p + 150, certrec.n - 150, 4);
    feedb(&f, 1, &after, 5);
    CHECK(f.t.tls.server_hello_done);
    CHECK(f.t.tls.n_alerts == 1);
    CHECK(!f.t.tls.server_chain.seen);
    CHECK(f.t.tls.bad_records[1] == 0);          /* in step: nothing looked broken */
    CHECK(td_tls_stream_buffered(f.s) == 0);
    fx_free(&f);

    /* A gap while a record header is half read. */
    fx_init(&f);
    feedb(&f, 1, &sh, 1);
    feed(&f, 1, certrec.p, 3, 2);
    td_tls_stream_gap(f.s, 1, 0, 3, 3.0);
    feedb(&f, 1, &after, 4);
    CHECK(f.t.tls.server_hello_done);
    CHECK(f.t.tls.n_alerts == 1);
    fx_free(&f);
    bfree(&sh);
    bfree(&certrec);
    bfree(&cert);
    bfree(&body);
    bfree(&after);
}

TEST(resync_header_split_across_deliveries)
{
    /* After a gap, the first record header may straddle two segments: it must still be found. */
    buf b = { 0 };
    bytes_of(&b, 0xee, 20);                      /* the rest of the record the gap broke */
    alert_record(&b, 2, 20);                     /* bad_record_mac */
    fx f;
    fx_init(&f);
    buf c = { 0 };
    ch_opts co = { .sni = "r.example" };
    client_hello_record(&c, &co);
    feedb(&f, 0, &c, 1);
    td_tls_stream_gap(f.s, 0, 0, 2, 2.0);
    feed(&f, 0, b.p, 23, 3);                     /* cut after the alert's third header byte */
    feed(&f, 0, b.p + 23, b.n - 23, 4);
    CHECK(f.t.tls.n_alerts == 1);
    if (f.t.tls.n_alerts == 1) CHECK(f.t.tls.alerts[0].code == 20 && f.t.tls.alerts[0].packet == 4);
    fx_free(&f);
    bfree(&b);
    bfree(&c);
}

TEST(midstream_start_resyncs)
{
    /* A connection picked up mid-stream: the first bytes are the tail of a record. */
    fx f;
    fx_init(&f);
    f.t.tcp.midstream = true;
    buf b = { 0 };
    bytes_of(&b, 0xee, 37);
    opaque_record(&b, 23, 500, 0x99);
    opaque_record(&b, 23, 600, 0x98);
    feedb(&f, 1, &b, 1);
    CHECK(!f.t.tls.not_tls[1]);
    CHECK(f.t.tls.app_records[1] == 2 && f.t.tls.app_data[1] == 1100);
    fx_free(&f);
    bfree(&b);
}

/* ---- alerts: plaintext only when they can be ------------------------------------------------------------ */

TEST(alert_record_length_decides_encryption)
{
    /* A capture that starts after the handshake: no CCS seen, yet a 26-byte alert (AES-GCM:
     * 8 explicit nonce + 2 + 16 tag) is encrypted, not an alert of level 0x?? read from its IV. */
    fx f;
    fx_init(&f);
    f.t.tcp.midstream = true;
    buf b = { 0 };
    opaque_record(&b, 23, 100, 0x02);
    opaque_record(&b, 21, 26, 0x02);                        /* 02 02 ...: would read as fatal(2) */
    opaque_record(&b, 21, 3, 0x01);                         /* odd length */
    feedb(&f, 1, &b, 9);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_alerts == 2);
    for (size_t i = 0; i < x->n_alerts; i++) CHECK(x->alerts[i].encrypted && x->alerts[i].level == 0);
    fx_free(&f);
    bfree(&b);

    /* Several plaintext alerts in one record are each kept; an even-length record whose pairs
     * are not alerts is one encrypted alert. */
    fx_init(&f);
    buf c = { 0 }, s = { 0 };
    ch_opts co = { .sni = "x.example" };
    client_hello_record(&c, &co);
    static const uint8_t two[] = { 1, 112, 2, 40 };
    static const uint8_t junk[] = { 0x8f, 0x12, 0x33, 0x44, 0x01, 0x02 };
    record(&s, 21, 0x0303, two, sizeof two);
    record(&s, 21, 0x0303, junk, sizeof junk);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    CHECK(x->n_alerts == 3);
    if (x->n_alerts == 3) {
        CHECK(!x->alerts[0].encrypted && x->alerts[0].level == 1 && x->alerts[0].code == 112);
        CHECK(!x->alerts[1].encrypted && x->alerts[1].level == 2 && x->alerts[1].code == 40);
        CHECK(x->alerts[2].encrypted);
    }
    CHECK(count_events(&f.t, TD_EV_ALERT, 1) == 3);
    fx_free(&f);
    bfree(&s);

    /* TLS 1.3: a 19-byte record of type alert from the client is protected, even before the
     * client has sent an encrypted record. */
    flow fl = { 0 };
    tls13_flow(&fl);
    fx_init(&f);
    for (int i = 0; i < 4; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    CHECK(!x->encrypted[0]);
    buf a = { 0 };
    opaque_record(&a, 21, 19, 0x02);
    feedb(&f, 0, &a, 5);
    CHECK(x->n_alerts == 1 && x->alerts[0].encrypted);
    fx_free(&f);
    bfree(&a);
    flow_free(&fl);
    bfree(&c);
}

TEST(alert_after_ccs_is_encrypted_whatever_its_length)
{
    /* TLS 1.2: after the client's CCS even a 2-byte alert record is protected. */
    flow fl = { 0 };
    tls12_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < 3; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    buf a = { 0 };
    alert_record(&a, 2, 40);
    feedb(&f, 0, &a, 4);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_alerts == 1 && x->alerts[0].encrypted && x->alerts[0].from == 0);
    fx_free(&f);
    flow_free(&fl);

    /* TLS 1.3's compatibility CCS changes nothing: the client's alert after it, before any
     * encrypted record of its own, is still read in the clear (it rejects the ServerHello). */
    static const uint8_t sid[32] = { 9 };
    ch_opts co = { .sni = "tls13.example", .versions = { 0x0304 }, .sid = sid, .sid_len = 32 };
    sh_opts so = { .cipher = 0x1301, .selected_version = 0x0304, .sid = sid, .sid_len = 32 };
    buf c = { 0 }, s = { 0 };
    client_hello_record(&c, &co);
    server_hello_record(&s, &so);
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    buf c2 = { 0 };
    ccs_record(&c2);
    alert_record(&c2, 2, 47);
    feedb(&f, 0, &c2, 3);
    CHECK(x->n_alerts == 1 && !x->alerts[0].encrypted && x->alerts[0].code == 47);
    fx_free(&f);
    bfree(&a);
    bfree(&c);
    bfree(&s);
    bfree(&c2);
}

int main(void)
{
    RUN(plaintext_alert);
    RUN(encrypted_alert_after_ccs);
    RUN(hundred_thousand_alerts);
    RUN(appdata_counting_per_direction);
    RUN(zero_length_records);
    RUN(oversized_record_then_resync);
    RUN(gap_inside_appdata_keeps_sync);
    RUN(gap_inside_handshake_then_fresh_record_resyncs);
    RUN(resync_header_split_across_deliveries);
    RUN(midstream_start_resyncs);
    RUN(alert_record_length_decides_encryption);
    RUN(alert_after_ccs_is_encrypted_whatever_its_length);
    EVP_PKEY_free(test_key());
    return check_done();
}
