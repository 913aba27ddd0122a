/* test_tls_stream_plaintext.c - the TLS stream parser on streams that are not TLS: plaintext
 * protocols described, STARTTLS (plaintext, then TLS) in every split, a bounded scan. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tls_stream_fixture.h"

/* ---- plaintext ------------------------------------------------------------------------------------------ */

TEST(plaintext_http_request_and_response)
{
    const char *req = "GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n";
    const char *resp = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    fx f;
    fx_init(&f);
    feed(&f, 0, (const uint8_t *)req, strlen(req), 4);
    feed(&f, 1, (const uint8_t *)resp, strlen(resp), 5);
    const td_tls *x = &f.t.tls;
    CHECK(x->not_tls[0] && x->not_tls[1]);
    CHECK(x->not_tls_what[0] && strstr(x->not_tls_what[0], "HTTP request: GET / HTTP/1.1"));
    CHECK(x->not_tls_what[1] && strstr(x->not_tls_what[1], "HTTP response: HTTP/1.1 400 Bad Request"));
    CHECK(x->not_tls_packet[0] == 4 && x->not_tls_packet[1] == 5);
    CHECK(!x->client_hello && !x->server_hello && !x->starttls);
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    CHECK(has_event(&f.t, TD_EV_PLAINTEXT, 0, -1) && has_event(&f.t, TD_EV_PLAINTEXT, 1, -1));
    fx_free(&f);
}

TEST(plaintext_description_independent_of_segmentation)
{
    /* A client that writes its request in small pieces: the description must still name the
     * whole first line. */
    const char *req = "GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n";
    fx f;
    fx_init(&f);
    for (size_t i = 0; i < strlen(req); i += 3)
        feed(&f, 0, (const uint8_t *)req + i, strlen(req) - i < 3 ? strlen(req) - i : 3, 1);
    CHECK(f.t.tls.not_tls[0]);
    CHECK(f.t.tls.not_tls_what[0] && strstr(f.t.tls.not_tls_what[0], "HTTP request: GET / HTTP/1.1"));
    fx_free(&f);
}

static void starttls_flow(flow *fl)
{
    putstr(step(fl, 1), "220 smtp ready\r\n");
    putstr(step(fl, 0), "EHLO client.example\r\n");
    putstr(step(fl, 1), "250-smtp.example\r\n250 STARTTLS\r\n");
    putstr(step(fl, 0), "STARTTLS\r\n");
    putstr(step(fl, 1), "220 2.0.0 Ready to start TLS\r\n");
    ch_opts co = { .sni = "smtp.example", .versions = { 0x0304, 0x0303 } };
    client_hello_record(step(fl, 0), &co);
    sh_opts so = { .cipher = 0xc030 };
    server_hello_record(step(fl, 1), &so);
}

TEST(starttls)
{
    flow fl = { 0 };
    starttls_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    const td_tls *x = &f.t.tls;
    CHECK(x->not_tls[0] && x->not_tls[1]);
    CHECK(x->starttls);
    CHECK(x->not_tls_what[1] && strstr(x->not_tls_what[1], "220 smtp ready"));
    CHECK(x->client_hello && x->client_hello_packet == 6);
    CHECK_STR(x->sni, "smtp.example");
    CHECK(x->server_hello && x->version == 0x0303 && x->cipher == 0xc030);
    /* The switch to TLS is not a broken record. */
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    CHECK(bad_what(x, 0) == NULL && bad_what(x, 1) == NULL);
    fx_free(&f);
    flow_free(&fl);
}

TEST(starttls_every_split)
{
    flow fl = { 0 };
    starttls_flow(&fl);
    CHECK(split_mismatches(&fl) == 0);
    flow_free(&fl);
}

TEST(plaintext_then_hello_in_the_same_segment)
{
    /* A proxy client that pipelines: CONNECT line and the ClientHello in one segment. */
    buf b = { 0 };
    putstr(&b, "CONNECT www.example.com:443 HTTP/1.1\r\n\r\n");
    ch_opts co = { .sni = "www.example.com" };
    client_hello_record(&b, &co);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &b, 1);
    CHECK(!f.t.tls.not_tls[0]);                 /* read as a CONNECT (tls_http_connect.c) */
    CHECK(f.t.tls.proxy.type == TD_PROXY_HTTP_CONNECT);
    CHECK_STR(f.t.tls.proxy.target, "www.example.com:443");
    CHECK(f.t.tls.client_hello);
    CHECK_STR(f.t.tls.sni, "www.example.com");
    fx_free(&f);
    bfree(&b);
}

TEST(plaintext_scan_is_bounded)
{
    fx f;
    fx_init(&f);
    buf b = { 0 };
    putstr(&b, "HTTP/1.1 200 OK\r\n\r\n");
    bytes_of(&b, 'x', 100000);
    feedb(&f, 1, &b, 1);
    bfree(&b);
    sh_opts so = { .cipher = 0xc030 };
    server_hello_record(&b, &so);
    feedb(&f, 1, &b, 2);                         /* 100 KB later: no longer looked for */
    CHECK(f.t.tls.not_tls[1]);
    CHECK(!f.t.tls.server_hello);
    CHECK(!f.t.tls.starttls);
    fx_free(&f);
    bfree(&b);
}

int main(void)
{
    RUN(plaintext_http_request_and_response);
    RUN(plaintext_description_independent_of_segmentation);
    RUN(starttls);
    RUN(starttls_every_split);
    RUN(plaintext_then_hello_in_the_same_segment);
    RUN(plaintext_scan_is_bounded);
    return check_done();
}
