/* test_tls_http_connect.c - an HTTP proxy's CONNECT before TLS, on hand-made dialogues: the target and status read, TLS from the byte after the answer, refusals, and hostile inputs. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tls_stream_fixture.h"

static void hello(buf *b, const char *sni)
{
    ch_opts co = { .sni = sni, .versions = { 0x0304, 0x0303 } };
    client_hello_record(b, &co);
}

static void server_hello(buf *b)
{
    sh_opts so = { .cipher = 0xc02f };
    server_hello_record(b, &so);
}

/* CONNECT, 200, ClientHello, ServerHello: each buffer delivered in pieces of `piece` bytes. */
static void tunnel_in_pieces(fx *f, const char *req, const char *resp, size_t piece)
{
    buf c = { 0 }, s = { 0 };
    putstr(&c, req);
    hello(&c, "www.example.com");
    putstr(&s, resp);
    server_hello(&s);
    size_t creq = strlen(req), sresp = strlen(resp);
    for (size_t i = 0; i < creq; i += piece) feed(f, 0, c.p + i, creq - i < piece ? creq - i : piece, 1);
    for (size_t i = 0; i < sresp; i += piece) feed(f, 1, s.p + i, sresp - i < piece ? sresp - i : piece, 2);
    feed(f, 0, c.p + creq, c.n - creq, 3);
    feed(f, 1, s.p + sresp, s.n - sresp, 4);
    bfree(&c);
    bfree(&s);
}

TEST(connect_200_then_tls)
{
    fx f;
    fx_init(&f);
    tunnel_in_pieces(&f, "CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\nUser-Agent: curl\r\n\r\n",
                     "HTTP/1.1 200 Connection established\r\n\r\n", 4096);
    const td_tls *x = &f.t.tls;
    CHECK(x->proxy.type == TD_PROXY_HTTP_CONNECT && x->proxy.requests == 1);
    CHECK_STR(x->proxy.target, "www.example.com:443");
    CHECK(x->proxy.status == 200 && x->proxy.tunnel);
    CHECK_STR(x->proxy.reason, "Connection established");
    CHECK(x->proxy.request_packet == 1 && x->proxy.response_packet == 2);
    CHECK(x->client_hello && x->client_hello_packet == 3 && x->server_hello && x->server_hello_packet == 4);
    CHECK_STR(x->sni, "www.example.com");
    CHECK(!x->not_tls[0] && !x->not_tls[1] && x->bad_records[0] == 0 && x->bad_records[1] == 0);
    fx_free(&f);
}

TEST(connect_every_piece_size)
{
    /* Status line and headers split across segments at every size: the same facts. */
    for (size_t piece = 1; piece <= 40; piece++) {
        fx f;
        fx_init(&f);
        tunnel_in_pieces(&f, "CONNECT h.example:8443 HTTP/1.1\r\nHost: h.example:8443\r\nProxy-Connection: Keep-Alive\r\n\r\n",
                         "HTTP/1.1 200 OK\r\nVia: 1.1 proxy\r\n\r\n", piece);
        const td_tls *x = &f.t.tls;
        CHECK(x->proxy.status == 200 && x->proxy.tunnel && x->proxy.target && strcmp(x->proxy.target, "h.example:8443") == 0);
        CHECK(x->client_hello && x->server_hello && x->bad_records[0] == 0 && x->bad_records[1] == 0);
        CHECK(x->proxy.reason && strcmp(x->proxy.reason, "OK") == 0);
        fx_free(&f);
    }
}

TEST(connect_http10_lowercase_lf_only)
{
    fx f;
    fx_init(&f);
    tunnel_in_pieces(&f, "connect [2001:db8::1]:443 HTTP/1.0\n\n", "HTTP/1.0 200\n\n", 7);
    const td_tls *x = &f.t.tls;
    CHECK_STR(x->proxy.target, "[2001:db8::1]:443");
    CHECK(x->proxy.status == 200 && x->proxy.tunnel);
    CHECK_STR(x->proxy.reason, "");
    CHECK(x->client_hello && x->server_hello);
    fx_free(&f);
}

TEST(answer_and_tls_in_one_segment)
{
    /* The 200 and the ServerHello in one segment, the CONNECT and the ClientHello in another:
     * TLS starts at the byte after the blank line, not by a search. */
    buf c = { 0 }, s = { 0 };
    putstr(&c, "CONNECT a.example:443 HTTP/1.1\r\n\r\n");
    hello(&c, "a.example");
    putstr(&s, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 Connection established\r\nX: \x16\x03\x01\r\n\r\n");
    server_hello(&s);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    const td_tls *x = &f.t.tls;
    CHECK(x->proxy.status == 200 && x->proxy.tunnel);
    CHECK(x->client_hello && x->server_hello && x->cipher == 0xc02f);
    CHECK(x->bad_records[1] == 0);
    fx_free(&f);
    bfree(&c);
    bfree(&s);
}

TEST(refused_407_then_credentials_then_200)
{
    /* A 407 with a body, then on the same connection a CONNECT with credentials and a 200. */
    const char *c1 = "CONNECT b.example:443 HTTP/1.1\r\n\r\n";
    const char *s1 = "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\n"
                     "Content-Length: 5\r\n\r\nHTTP/";
    const char *c2 = "CONNECT b.example:443 HTTP/1.1\r\nProxy-Authorization: Basic YTpi\r\n\r\n";
    fx f;
    fx_init(&f);
    feed(&f, 0, (const uint8_t *)c1, strlen(c1), 1);
    feed(&f, 1, (const uint8_t *)s1, strlen(s1), 2);
    CHECK(f.t.tls.proxy.status == 407 && !f.t.tls.proxy.tunnel);
    CHECK_STR(f.t.tls.proxy.reason, "Proxy Authentication Required");
    feed(&f, 0, (const uint8_t *)c2, strlen(c2), 3);
    tunnel_in_pieces(&f, "", "HTTP/1.1 200 Connection established\r\n\r\n", 5);
    const td_tls *x = &f.t.tls;
    CHECK(x->proxy.requests == 2 && x->proxy.status == 200 && x->proxy.tunnel);
    CHECK(x->proxy.request_packet == 3);
    CHECK(x->client_hello && x->server_hello && !x->not_tls[1]);
    fx_free(&f);
}

TEST(refused_403_body_to_close)
{
    const char *c1 = "CONNECT c.example:25 HTTP/1.1\r\n\r\n";
    const char *s1 = "HTTP/1.0 403 Forbidden\r\nContent-Type: text/html\r\n\r\n<html>\x16\x03\x01\x00\x10</html>";
    fx f;
    fx_init(&f);
    feed(&f, 0, (const uint8_t *)c1, strlen(c1), 1);
    feed(&f, 1, (const uint8_t *)s1, strlen(s1), 2);
    const td_tls *x = &f.t.tls;
    CHECK(x->proxy.status == 403 && !x->proxy.tunnel);
    CHECK(!x->server_hello && !x->not_tls[1] && x->bad_records[1] == 0);   /* the body is not searched */
    fx_free(&f);
}

TEST(not_a_connect)
{
    /* "CONNEX", a CONNECT without a version, and a server answer that is not a status line. */
    const char *bad[] = { "CONNEX foo HTTP/1.1\r\n\r\n", "CONNECT foo\r\n\r\n", "CONNECT  HTTP/1.1\r\n\r\n" };
    for (size_t i = 0; i < 3; i++) {
        fx f;
        fx_init(&f);
        feed(&f, 0, (const uint8_t *)bad[i], strlen(bad[i]), 1);
        CHECK(f.t.tls.not_tls[0] && f.t.tls.proxy.type == TD_PROXY_NONE);
        CHECK(printable(f.t.tls.not_tls_what[0]) && strstr(f.t.tls.not_tls_what[0], "CONNE"));
        fx_free(&f);
    }
    fx f;
    fx_init(&f);
    const char *req = "CONNECT d.example:443 HTTP/1.1\r\n\r\n", *resp = "HTTP/garbage\r\n\r\n";
    feed(&f, 0, (const uint8_t *)req, strlen(req), 1);
    feed(&f, 1, (const uint8_t *)resp, strlen(resp), 2);
    CHECK(f.t.tls.proxy.type == TD_PROXY_HTTP_CONNECT && f.t.tls.proxy.status == 0);
    CHECK(f.t.tls.not_tls[1]);
    fx_free(&f);
}

TEST(hostile_lines_and_headers)
{
    /* No CRLF at all: a line longer than the cap is read as far as kept, and the headers that
     * never end give the direction up at their cap (bounded memory). */
    size_t n = 200000;
    uint8_t *p = malloc(n);
    memcpy(p, "CONNECT ", 8);
    memset(p + 8, 'a', n - 8);
    fx f;
    fx_init(&f);
    for (size_t i = 0; i < n; i += 1400) feed(&f, 0, p + i, n - i < 1400 ? n - i : 1400, 1 + i / 1400);
    const td_tls *x = &f.t.tls;
    CHECK(x->proxy.type == TD_PROXY_HTTP_CONNECT && x->proxy.headers_over);
    CHECK(x->proxy.target && strlen(x->proxy.target) < 600 && printable(x->proxy.target));
    CHECK(td_tls_stream_buffered(f.s) < 4096);
    fx_free(&f);
    /* Huge headers after a good status line: given up, nothing read as TLS. */
    fx_init(&f);
    const char *req = "CONNECT e.example:443 HTTP/1.1\r\n";
    feed(&f, 0, (const uint8_t *)req, strlen(req), 1);
    for (size_t i = 0; i < 40; i++) {
        memset(p, 'h', 1000);
        memcpy(p + 998, "\r\n", 2);
        feed(&f, 0, p, 1000, 2 + i);
    }
    CHECK(f.t.tls.proxy.headers_over && !f.t.tls.client_hello);
    fx_free(&f);
    /* Binary junk and NULs in the target and reason: escaped, printable. */
    fx_init(&f);
    const uint8_t req2[] = "CONNECT \x01\x00\xff:443 HTTP/1.1\r\n\r\n";
    const uint8_t resp2[] = "HTTP/1.1 502 Bad\x00\x1b[31m Gateway\r\nContent-Length: 99999999999999999999\r\n\r\n";
    feed(&f, 0, req2, sizeof req2 - 1, 1);
    feed(&f, 1, resp2, sizeof resp2 - 1, 2);
    CHECK(printable(f.t.tls.proxy.target) && printable(f.t.tls.proxy.reason));
    CHECK(f.t.tls.proxy.status == 502);
    fx_free(&f);
    free(p);
}

TEST(sniff_http_connect)
{
    CHECK(td_sniff_http_connect((const uint8_t *)"CONNECT x:443 HTTP/1.1", 22));
    CHECK(td_sniff_http_connect((const uint8_t *)"connect ", 8));
    CHECK(!td_sniff_http_connect((const uint8_t *)"CONNECT", 7));
    CHECK(!td_sniff_http_connect((const uint8_t *)"GET / HTTP/1.1", 14));
    CHECK(!td_sniff_http_connect(NULL, 0));
}

int main(void)
{
    RUN(connect_200_then_tls);
    RUN(connect_every_piece_size);
    RUN(connect_http10_lowercase_lf_only);
    RUN(answer_and_tls_in_one_segment);
    RUN(refused_407_then_credentials_then_200);
    RUN(refused_403_body_to_close);
    RUN(not_a_connect);
    RUN(hostile_lines_and_headers);
    RUN(sniff_http_connect);
    return check_done();
}
