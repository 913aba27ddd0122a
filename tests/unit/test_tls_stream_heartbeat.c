/* test_tls_stream_heartbeat.c - the TLS stream parser on heartbeat records (RFC 6520): in the clear
 * (Heartbleed requests and answers), bare and short, encrypted, and the capped list. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tls_stream_fixture.h"

/* ---- heartbeat (RFC 6520) ------------------------------------------------------------------------------ */

/* A heartbeat record in the clear: type, payload_length, `real` payload bytes, `pad` padding. */
static void heartbeat_record(buf *out, unsigned type, unsigned payload_length, size_t real, size_t pad)
{
    buf body = { 0 };
    put8(&body, type);
    put16(&body, payload_length);
    bytes_of(&body, 0x41, real);
    bytes_of(&body, 0x00, pad);
    record(out, 24, 0x0303, body.p, body.n);
    bfree(&body);
}

/* ClientHello and the server's first flight of tls12_flow, then the heartbeats in the clear. */
static void heartbeat_clear_flow(flow *fl)
{
    flow full = { 0 };
    tls12_flow(&full);
    putb(step(fl, 0), &full.b[0]);
    putb(step(fl, 1), &full.b[1]);
    flow_free(&full);
    heartbeat_record(step(fl, 0), 1, 18, 18, 16);          /* an honest request: 3 + 18 + 16 */
    heartbeat_record(step(fl, 1), 2, 18, 18, 16);          /* its answer */
    heartbeat_record(step(fl, 0), 1, 16384, 1, 16);        /* Heartbleed: claims 16384, holds 1 */
    heartbeat_record(step(fl, 1), 2, 16384, 16384, 16);    /* a vulnerable server's answer */
}

TEST(heartbeat_in_the_clear)
{
    flow fl = { 0 };
    heartbeat_clear_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    const td_tls *x = &f.t.tls;
    CHECK(x->heartbeat);
    CHECK(x->n_heartbeats == 4 && x->n_heartbeats_total == 4);
    if (x->n_heartbeats == 4) {
        const td_heartbeat *h = x->heartbeats;
        CHECK(h[0].from == 0 && h[0].type == 1 && !h[0].encrypted && !h[0].malformed);
        CHECK(h[0].payload_length == 18 && h[0].payload_actual == 18 && h[0].record_length == 37);
        CHECK(h[0].packet == 3);
        CHECK(h[1].from == 1 && h[1].type == 2 && h[1].payload_length == 18 && h[1].payload_actual == 18);
        CHECK(h[1].packet == 4);
        CHECK(h[2].from == 0 && h[2].type == 1 && h[2].payload_length == 16384);
        CHECK(h[2].payload_actual == 1 && h[2].record_length == 20 && h[2].packet == 5);
        CHECK(h[3].from == 1 && h[3].type == 2 && h[3].payload_length == 16384);
        CHECK(h[3].payload_actual == 16384 && h[3].record_length == 16403 && h[3].packet == 6);
    }
    CHECK(count_events(&f.t, TD_EV_HEARTBEAT, 0) == 2 && count_events(&f.t, TD_EV_HEARTBEAT, 1) == 2);
    for (size_t i = 0, k = 0; i < f.t.n_events; i++)
        if (f.t.events[i].kind == TD_EV_HEARTBEAT) {
            CHECK(f.t.events[i].sub == k);
            CHECK(k >= x->n_heartbeats || f.t.events[i].len == x->heartbeats[k].record_length);
            k++;
        }
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    CHECK(x->app_records[0] == 0 && x->app_records[1] == 0);
    CHECK(transcript_sane(&f.t));
    fx_free(&f);
    CHECK(split_mismatches(&fl) == 0);
    flow_free(&fl);
}

TEST(heartbeat_bare_header_and_short_record)
{
    /* The classic probe sends no payload and no padding at all: 18 03 02 00 03 01 40 00. */
    static const uint8_t probe[] = { 0x18, 0x03, 0x02, 0x00, 0x03, 0x01, 0x40, 0x00 };
    static const uint8_t shorty[] = { 0x18, 0x03, 0x03, 0x00, 0x01, 0x01 };
    fx f;
    fx_init(&f);
    feed(&f, 0, probe, sizeof probe, 7);
    feed(&f, 0, shorty, sizeof shorty, 8);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_heartbeats == 2);
    if (x->n_heartbeats == 2) {
        CHECK(x->heartbeats[0].type == 1 && x->heartbeats[0].payload_length == 16384);
        CHECK(x->heartbeats[0].payload_actual == 0 && x->heartbeats[0].record_length == 3);
        CHECK(x->heartbeats[0].packet == 7 && !x->heartbeats[0].malformed);
        CHECK(x->heartbeats[1].malformed && x->heartbeats[1].type == 1);
        CHECK(x->heartbeats[1].payload_length == 0 && x->heartbeats[1].record_length == 1);
    }
    CHECK(x->bad_records[0] == 1);
    fx_free(&f);
}

TEST(heartbeat_encrypted_after_ccs_and_in_tls13)
{
    flow fl = { 0 };
    tls12_flow(&fl);
    opaque_record(step(&fl, 0), 24, 61, 0x77);              /* request after the client's CCS */
    opaque_record(step(&fl, 1), 24, 16429, 0x78);           /* a big answer */
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_heartbeats == 2);
    if (x->n_heartbeats == 2) {
        CHECK(x->heartbeats[0].encrypted && x->heartbeats[0].type == 0 && x->heartbeats[0].payload_length == 0);
        CHECK(x->heartbeats[0].record_length == 61 && x->heartbeats[0].packet == 7 && x->heartbeats[0].from == 0);
        CHECK(x->heartbeats[1].encrypted && x->heartbeats[1].record_length == 16429 && x->heartbeats[1].from == 1);
    }
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    fx_free(&f);
    CHECK(split_mismatches(&fl) == 0);
    flow_free(&fl);

    /* TLS 1.3: a heartbeat record after the ServerHello is protected (from the server at once, and
     * from the client too: TLS 1.3 has no heartbeat in the clear). */
    tls13_flow(&fl);
    heartbeat_record(step(&fl, 1), 2, 300, 300, 16);
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    CHECK(f.t.tls.n_heartbeats == 1);
    if (f.t.tls.n_heartbeats == 1) {
        CHECK(f.t.tls.heartbeats[0].encrypted && f.t.tls.heartbeats[0].payload_length == 0);
        CHECK(f.t.tls.heartbeats[0].record_length == 319);
    }
    fx_free(&f);
    flow_free(&fl);
}

TEST(heartbeat_list_is_capped)
{
    buf c = { 0 }, hb = { 0 };
    ch_opts co = { .sni = "hb.example" };
    client_hello_record(&c, &co);
    for (int i = 0; i < 1000; i++) heartbeat_record(&hb, 1, 16, 16, 16);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 0, &hb, 2);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_heartbeats == TD_MAX_HEARTBEATS && x->n_heartbeats_total == 1000);
    CHECK(has_event(&f.t, TD_EV_HEARTBEAT, 0, 255));        /* the ones not kept */
    CHECK(has_event(&f.t, TD_EV_HEARTBEAT, 0, TD_MAX_HEARTBEATS - 1));
    CHECK(transcript_sane(&f.t));
    fx_free(&f);
    bfree(&c);
    bfree(&hb);
}

int main(void)
{
    RUN(heartbeat_in_the_clear);
    RUN(heartbeat_bare_header_and_short_record);
    RUN(heartbeat_encrypted_after_ccs_and_in_tls13);
    RUN(heartbeat_list_is_capped);
    EVP_PKEY_free(test_key());
    return check_done();
}
