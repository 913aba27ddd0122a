/* test_classify_proxy.c - the proxy-refused row and the proxy-sni-mismatch finding on hand-built transcripts: each refusal's text, a 407 then a 200 on one connection, TLS failures through an open tunnel. */

#include "classify_fixtures.h"

static td_transcript *connect_to(const char *target, uint16_t status, const char *reason)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    t->server.port = 3128;
    td_proxy *px = &t->tls.proxy;
    px->type = TD_PROXY_HTTP_CONNECT;
    px->requests = 1;
    px->target = strdup(target);
    px->request_packet = 4;
    tr_packet(t, TD_C2S, 4);
    if (status) {
        px->status = status;
        px->reason = strdup(reason);
        px->response_packet = 6;
        px->tunnel = status >= 200 && status < 300;
        tr_packet(t, TD_S2C, 6);
    }
    return t;
}

TEST(refusals_name_their_cause)
{
    static const struct { uint16_t status; const char *reason, *summary, *remedy; } cases[] = {
        { 407, "Proxy Authentication Required", "credentials", "Proxy-Authenticate" },
        { 401, "Unauthorized", "credentials", "--proxy-user" },
        { 403, "Forbidden", "policy", "http_access" },
        { 502, "Bad Gateway", "could not reach", "resolves" },
        { 503, "Service Unavailable", "could not reach", "outbound firewall" },
        { 504, "Gateway Timeout", "could not reach", "listens" },
        { 500, "Unable to connect", "refused to open a tunnel", "proxy's log" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        td_transcript *t = connect_to("www.example.com:443", cases[i].status, cases[i].reason);
        tcp_close(t, TD_S2C, false, 8);
        VERDICT(classify(t), "proxy-refused", "certain");
        CHECK(strstr(res.summary, cases[i].summary) && strstr(res.summary, "www.example.com:443"));
        CHECK(strstr(res.summary, cases[i].reason) && strstr(res.remedy, cases[i].remedy));
        CHECK(cites(&res, 4) && cites(&res, 6));
        CHECK(res.kb_section == NULL);
        tr_free(t);
    }
}

TEST(a_tunnel_is_not_a_refusal)
{
    /* 200, then a TLS 1.3 handshake that worked: ok, whatever the proxy said before. */
    td_transcript *t = tls13(0x1301);
    t->tls.proxy = (td_proxy){ .type = TD_PROXY_HTTP_CONNECT, .requests = 2, .status = 200, .tunnel = true,
                               .target = strdup("www.example.test:443"), .reason = strdup("Connection established") };
    const td_result *r = classify(t);
    CHECK(r->verdict != TD_V_PROXY_REFUSED);
    CHECK(!has_finding(r, "proxy-sni-mismatch"));   /* tls13() names www.example.test too */
    tr_free(t);
    /* No answer at all from the proxy: not a refusal either. */
    t = connect_to("www.example.com:443", 0, NULL);
    CHECK(classify(t)->verdict != TD_V_PROXY_REFUSED);
    tr_free(t);
}

TEST(sni_against_the_connect_target)
{
    static const struct { const char *target, *sni; bool finding; } cases[] = {
        { "www.example.com:443", "www.example.com", false },
        { "WWW.Example.COM.:443", "www.example.com", false },
        { "other.example:443", "www.example.com", true },
        { "[2001:db8::1]:443", "www.example.com", true },
        { "www.example.com", "www.example.com", false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        td_transcript *t = connect_to(cases[i].target, 200, "OK");
        client_hello(t, cases[i].sni, 0x0304, 8);
        const td_result *r = classify(t);
        CHECK(has_finding(r, "proxy-sni-mismatch") == cases[i].finding);
        tr_free(t);
    }
}

int main(void)
{
    if (!classify_setup()) return 1;
    RUN(refusals_name_their_cause);
    RUN(a_tunnel_is_not_a_refusal);
    RUN(sni_against_the_connect_target);
    classify_teardown();
    return check_done();
}
