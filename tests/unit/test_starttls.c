/* test_starttls.c - the STARTTLS recognisers (dissectors/starttls/) through the TLS stream parser:
 * a dialogue per protocol that upgrades, refusals, and hostile dialogues (lines without end, huge
 * lines, pipelined commands, a server that sends TLS without accepting). */
#include "check.h"
#include "dissectors/starttls/starttls.h"
#include "tls_stream_fixture.h"

static void hellos(flow *fl, bool both_in_one)
{
    ch_opts co = { .sni = "mail.example", .versions = { 0x0304, 0x0303 } };
    client_hello_record(step(fl, 0), &co);
    sh_opts so = { .cipher = 0xc02f };
    if (!both_in_one) server_hello_record(step(fl, 1), &so);
}

/* Deliver the flow whole; the facts and the hellos. */
static void run(const flow *fl, fx *f)
{
    fx_init(f);
    for (int i = 0; i < fl->n; i++) feedb(f, fl->dir[i], &fl->b[i], (uint64_t)i + 1);
}

/* The recogniser's facts and the hellos, as text: the same whatever the segmentation. */
static char *facts(const flow *fl, int split_step, size_t cut)
{
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl->n; i++) {
        const buf *b = &fl->b[i];
        if ((split_step < 0 || split_step == i) && cut && cut < b->n) {
            feed(&f, fl->dir[i], b->p, cut, (uint64_t)i + 1);
            feed(&f, fl->dir[i], b->p + cut, b->n - cut, (uint64_t)i + 1);
        } else {
            feed(&f, fl->dir[i], b->p, b->n, (uint64_t)i + 1);
        }
    }
    char *out = calloc(1, 512);
    const td_starttls *s = f.t.tls.stls;
    snprintf(out, 512, "%s caps=%d/%llu off=%d req=%d/%llu ans=%d acc=%d reply=%s/%llu ch=%d sh=%d bad=%u/%u",
             s ? td_stls_proto_name(s->protocol) : "-", s ? s->caps_seen : 0,
             s ? (unsigned long long)s->caps_packet : 0, s ? s->offered : 0, s ? s->requested : 0,
             s ? (unsigned long long)s->request_packet : 0, s ? s->answered : 0, s ? s->accepted : 0,
             s ? s->reply : "", s ? (unsigned long long)s->reply_packet : 0, f.t.tls.client_hello,
             f.t.tls.server_hello, f.t.tls.bad_records[0], f.t.tls.bad_records[1]);
    fx_free(&f);
    return out;
}

static int split_differs(const flow *fl)
{
    char *ref = facts(fl, -1, 0);
    int bad = 0;
    for (int i = 0; i < fl->n; i++)
        for (size_t cut = 1; cut < fl->b[i].n; cut++) {
            char *fp = facts(fl, i, cut);
            if (strcmp(ref, fp) != 0 && !bad++) printf("    step %d cut %zu:\n    %s\n    %s\n", i, cut, ref, fp);
            free(fp);
        }
    free(ref);
    return bad;
}

static void smtp_flow(flow *fl, const char *answer)
{
    putstr(step(fl, 1), "220 mx.example ESMTP Postfix (Debian/GNU)\r\n");
    putstr(step(fl, 0), "EHLO client.example\r\n");
    putstr(step(fl, 1), "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 CHUNKING\r\n");
    putstr(step(fl, 0), "STARTTLS\r\n");
    putstr(step(fl, 1), answer);
}

TEST(smtp_upgrade)
{
    flow fl = { 0 };
    smtp_flow(&fl, "220 2.0.0 Ready to start TLS\r\n");
    hellos(&fl, false);
    fx f;
    run(&fl, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->protocol == TD_STLS_SMTP);
    CHECK(s && s->caps_seen && s->caps_packet == 3 && s->offered && s->requested && s->request_packet == 4);
    CHECK(s && s->answered && s->accepted && s->reply_packet == 5);
    CHECK_STR(s ? s->reply : NULL, "220 2.0.0 Ready to start TLS");
    CHECK(f.t.tls.starttls && f.t.tls.client_hello && f.t.tls.server_hello && f.t.tls.cipher == 0xc02f);
    CHECK(td_tls_stream_buffered(f.s) < 1024);    /* both sides TLS: the dialogue's reader is gone */
    CHECK_STR(f.t.tls.sni, "mail.example");
    CHECK(f.t.tls.bad_records[0] == 0 && f.t.tls.bad_records[1] == 0);
    fx_free(&f);
    CHECK(split_differs(&fl) == 0);
    flow_free(&fl);
}

TEST(smtp_refused)
{
    flow fl = { 0 };
    smtp_flow(&fl, "454 4.7.0 TLS not available due to local problem\r\n");
    putstr(step(&fl, 0), "QUIT\r\n");
    putstr(step(&fl, 1), "221 2.0.0 Bye\r\n");
    fx f;
    run(&fl, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->requested && s->answered && !s->accepted);
    CHECK_STR(s ? s->reply : NULL, "454 4.7.0 TLS not available due to local problem");
    CHECK(!f.t.tls.starttls && !f.t.tls.client_hello);
    fx_free(&f);
    flow_free(&fl);
}

TEST(smtp_not_offered_and_stripped)
{
    flow fl = { 0 };
    putstr(step(&fl, 1), "220 mx.example ESMTP\r\n");
    putstr(step(&fl, 0), "EHLO c\r\n");
    putstr(step(&fl, 1), "250-mx.example\r\n250-XXXXXXXA\r\n250 8BITMIME\r\n");
    putstr(step(&fl, 0), "QUIT\r\n");
    fx f;
    run(&fl, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->caps_seen && !s->offered && !s->requested && s->tampered);
    CHECK_STR(s ? s->tamper : NULL, "XXXXXXXA");
    fx_free(&f);
    flow_free(&fl);
}

TEST(imap_upgrade)
{
    flow fl = { 0 };
    putstr(step(&fl, 1), "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS "
                         "LOGINDISABLED] Dovecot (Debian) ready.\r\n");
    putstr(step(&fl, 0), "a001 CAPABILITY\r\n");
    putstr(step(&fl, 1), "* CAPABILITY IMAP4rev1 STARTTLS\r\na001 OK Pre-login capabilities listed, post-login capabilities have more.\r\n");
    putstr(step(&fl, 0), "a002 STARTTLS\r\n");
    putstr(step(&fl, 1), "a002 OK Begin TLS negotiation now.\r\n");
    hellos(&fl, false);
    fx f;
    run(&fl, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->protocol == TD_STLS_IMAP && s->caps_seen && s->caps_packet == 1 && s->offered);
    CHECK(s && s->requested && s->accepted && s->reply_packet == 5);
    CHECK_STR(s ? s->reply : NULL, "a002 OK Begin TLS negotiation now.");
    CHECK(f.t.tls.client_hello && f.t.tls.server_hello);
    fx_free(&f);
    CHECK(split_differs(&fl) == 0);
    flow_free(&fl);
}

TEST(imap_refused_other_tag_ignored)
{
    flow fl = { 0 };
    putstr(step(&fl, 1), "* OK IMAP ready\r\n");
    putstr(step(&fl, 0), "x1 STARTTLS\r\n");
    putstr(step(&fl, 1), "x0 OK unrelated\r\n* BYE\r\nx1 BAD STARTTLS not supported\r\n");
    fx f;
    run(&fl, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->protocol == TD_STLS_IMAP && !s->caps_seen && s->requested && s->answered && !s->accepted);
    CHECK_STR(s ? s->reply : NULL, "x1 BAD STARTTLS not supported");
    fx_free(&f);
    flow_free(&fl);
}

TEST(pop3_upgrade)
{
    flow fl = { 0 };
    putstr(step(&fl, 1), "+OK Dovecot (Debian) ready.\r\n");
    putstr(step(&fl, 0), "CAPA\r\n");
    putstr(step(&fl, 1), "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nSTLS\r\n.\r\n");
    putstr(step(&fl, 0), "STLS\r\n");
    putstr(step(&fl, 1), "+OK Begin TLS negotiation now.\r\n");
    hellos(&fl, false);
    fx f;
    run(&fl, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->protocol == TD_STLS_POP3 && s->caps_seen && s->offered && s->requested && s->accepted);
    CHECK(f.t.tls.client_hello && f.t.tls.server_hello);
    fx_free(&f);
    CHECK(split_differs(&fl) == 0);
    flow_free(&fl);
}

TEST(ftp_upgrade_and_refusal)
{
    flow fl = { 0 };
    putstr(step(&fl, 1), "220 (vsFTPd 3.0.3)\r\n");
    putstr(step(&fl, 0), "FEAT\r\n");
    putstr(step(&fl, 1), "211-Features:\r\n AUTH TLS\r\n EPSV\r\n PBSZ\r\n211 End\r\n");
    putstr(step(&fl, 0), "AUTH TLS\r\n");
    putstr(step(&fl, 1), "234 Proceed with negotiation.\r\n");
    hellos(&fl, false);
    fx f;
    run(&fl, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->protocol == TD_STLS_FTP && s->caps_seen && s->offered && s->requested && s->accepted);
    CHECK(f.t.tls.client_hello && f.t.tls.server_hello);
    fx_free(&f);
    CHECK(split_differs(&fl) == 0);
    flow_free(&fl);

    flow anon = { 0 };                           /* a banner that names neither SMTP nor FTP */
    putstr(step(&anon, 1), "220-Authorized users only.\r\n220 All activity may be monitored\r\n");
    putstr(step(&anon, 0), "AUTH TLS\r\n");
    putstr(step(&anon, 1), "234 Proceed with negotiation.\r\n");
    hellos(&anon, false);
    run(&anon, &f);
    s = f.t.tls.stls;
    CHECK(s && s->protocol == TD_STLS_FTP && s->requested && s->accepted && s->reply_packet == 3);
    CHECK(f.t.tls.client_hello && f.t.tls.server_hello);
    fx_free(&f);
    CHECK(split_differs(&anon) == 0);
    flow_free(&anon);

    flow no = { 0 };
    putstr(step(&no, 1), "220 (vsFTPd 3.0.3)\r\n");
    putstr(step(&no, 0), "AUTH TLS\r\n");
    putstr(step(&no, 1), "530 Please login with USER and PASS.\r\n");
    run(&no, &f);
    s = f.t.tls.stls;
    CHECK(s && s->protocol == TD_STLS_FTP && !s->caps_seen && s->requested && s->answered && !s->accepted);
    CHECK_STR(s ? s->reply : NULL, "530 Please login with USER and PASS.");
    fx_free(&f);
    flow_free(&no);
}

TEST(xmpp_upgrade_and_failure)
{
    flow fl = { 0 };
    putstr(step(&fl, 0), "<?xml version='1.0'?><stream:stream xmlns='jabber:client' to='example.test' version='1.0' "
                         "xmlns:stream='http://etherx.jabber.org/streams'>");
    putstr(step(&fl, 1), "<?xml version='1.0'?><stream:stream xmlns='jabber:client' id='x' from='example.test' version='1.0' "
                         "xmlns:stream='http://etherx.jabber.org/streams'><stream:features><starttls "
                         "xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>");
    putstr(step(&fl, 0), "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    putstr(step(&fl, 1), "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    hellos(&fl, false);
    fx f;
    run(&fl, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->protocol == TD_STLS_XMPP && s->caps_seen && s->offered && s->requested && s->accepted);
    CHECK_STR(s ? s->reply : NULL, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    CHECK(f.t.tls.client_hello && f.t.tls.server_hello);
    fx_free(&f);
    CHECK(split_differs(&fl) == 0);
    flow_free(&fl);

    flow no = { 0 };
    putstr(step(&no, 0), "<stream:stream to='x'>");
    putstr(step(&no, 1), "<stream:stream from='x'><stream:features><bind/></stream:features>");
    putstr(step(&no, 0), "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    putstr(step(&no, 1), "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>");
    run(&no, &f);
    s = f.t.tls.stls;
    CHECK(s && s->caps_seen && !s->offered && s->requested && s->answered && !s->accepted);
    fx_free(&f);
    flow_free(&no);
}

TEST(hostile_line_without_end)
{
    flow fl = { 0 };
    putstr(step(&fl, 1), "220 mx ESMTP\r\n");
    buf *b = step(&fl, 0);
    putstr(b, "EHLO ");
    bytes_of(b, 'A', 200000);                    /* no end of line: bounded, then given up */
    putstr(step(&fl, 0), "\r\nSTARTTLS\r\n");
    putstr(step(&fl, 1), "220 go ahead\r\n");
    hellos(&fl, false);
    fx f;
    run(&fl, &f);
    CHECK(f.t.tls.stls && !f.t.tls.stls->requested);
    CHECK(!f.t.tls.client_hello);
    CHECK(td_tls_stream_buffered(f.s) < 16384);
    fx_free(&f);
    flow_free(&fl);
}

TEST(hostile_huge_capability_line)
{
    flow fl = { 0 };
    buf *b = step(&fl, 1);
    putstr(b, "* OK [CAPABILITY IMAP4rev1");
    for (int i = 0; i < 500; i++) putstr(b, " X-SOMETHING-LONG");
    putstr(b, " STARTTLS] ready\r\n");
    putstr(step(&fl, 0), "1 STARTTLS\r\n");
    putstr(step(&fl, 1), "1 OK go\r\n");
    hellos(&fl, false);
    fx f;
    run(&fl, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->caps_seen && s->requested && s->accepted);   /* the end of the line is not read */
    CHECK(f.t.tls.client_hello && f.t.tls.server_hello);
    fx_free(&f);
    flow_free(&fl);
}

TEST(pipelined_client)
{
    /* EHLO and STARTTLS in one segment, then STARTTLS's ClientHello before the server's 220 is seen. */
    flow fl = { 0 };
    putstr(step(&fl, 1), "220 mx ESMTP\r\n");
    buf *b = step(&fl, 0);
    putstr(b, "EHLO c\r\nSTARTTLS\r\n");
    ch_opts co = { .sni = "mx.example" };
    client_hello_record(b, &co);
    putstr(step(&fl, 1), "250-mx\r\n250 STARTTLS\r\n220 ready\r\n");
    sh_opts so = { .cipher = 0xc02f };
    server_hello_record(&fl.b[fl.n - 1], &so);
    fx f;
    run(&fl, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->offered && s->requested && s->accepted);
    CHECK(f.t.tls.client_hello && f.t.tls.server_hello);
    CHECK_STR(f.t.tls.sni, "mx.example");
    fx_free(&f);
    CHECK(split_differs(&fl) == 0);
    flow_free(&fl);
}

TEST(server_tls_without_accepting)
{
    flow fl = { 0 };
    putstr(step(&fl, 1), "220 mx ESMTP\r\n");
    putstr(step(&fl, 0), "STARTTLS\r\n");
    sh_opts so = { .cipher = 0xc02f };
    server_hello_record(step(&fl, 1), &so);      /* no 220 first: not taken as TLS */
    fx f;
    run(&fl, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->requested && !s->accepted && s->tls_unasked);
    CHECK(!f.t.tls.server_hello && !f.t.tls.starttls);
    fx_free(&f);
    flow_free(&fl);
}

TEST(unknown_protocol_falls_back_to_the_search)
{
    buf b = { 0 };
    /* HAProxy's PROXY protocol v1 line before the hello: no dialogue tlsdiag reads (an HTTP
     * CONNECT is one now: tls_http_connect.c). */
    putstr(&b, "PROXY TCP4 192.0.2.1 192.0.2.2 51000 443\r\n");
    ch_opts co = { .sni = "www.example.com" };
    client_hello_record(&b, &co);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &b, 1);
    CHECK(!f.t.tls.stls && f.t.tls.starttls && f.t.tls.client_hello);
    fx_free(&f);
    bfree(&b);
}

TEST(openings)
{
    /* What -A keeps beside a TLS record: the first bytes of either side of a dialogue. */
    static const char *const yes[] = { "220 mx.example ESMTP Postfix\r\n", "220-ftp\r\n", "* OK [CAPABILITY IMAP4rev1]",
                                       "+OK Dovecot ready.", "EHLO client\r\n", "<?xml version='1.0'?><stream:stream",
                                       "a1 STARTTLS\r\n", "AUTH TLS\r\n" };
    static const char *const no[] = { "GET / HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n", "SSH-2.0-OpenSSH_9.2\r\n", "",
                                      "USER anonymous\r\n", "hello" };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) CHECK(td_stls_opening((const uint8_t *)yes[i], strlen(yes[i])));
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) CHECK(!td_stls_opening((const uint8_t *)no[i], strlen(no[i])));
    static const uint8_t nul[] = { '2', '2', '0', ' ', 0, 'x' };
    CHECK(!td_stls_opening(nul, sizeof nul) && !td_stls_opening(NULL, 4));
}

TEST(names)
{
    CHECK_STR(td_stls_proto_name(TD_STLS_SMTP), "smtp");
    CHECK_STR(td_stls_proto_name(TD_STLS_XMPP), "xmpp");
    CHECK(td_stls_proto_name(0) == NULL && td_stls_proto_name(99) == NULL && td_stls_proto_name(-1) == NULL);
}

int main(void)
{
    RUN(smtp_upgrade);
    RUN(smtp_refused);
    RUN(smtp_not_offered_and_stripped);
    RUN(imap_upgrade);
    RUN(imap_refused_other_tag_ignored);
    RUN(pop3_upgrade);
    RUN(ftp_upgrade_and_refusal);
    RUN(xmpp_upgrade_and_failure);
    RUN(hostile_line_without_end);
    RUN(hostile_huge_capability_line);
    RUN(pipelined_client);
    RUN(server_tls_without_accepting);
    RUN(unknown_protocol_falls_back_to_the_search);
    RUN(openings);
    RUN(names);
    return check_done();
}
