/* test_starttls_binary.c - the binary upgrades (dissectors/starttls/starttls_binary.c, _ldap.c,
 * _mysql.c) through the TLS stream parser: PostgreSQL's SSLRequest, LDAP's StartTLS, MySQL's SSL
 * Request accepted, refused, split at every byte, and hostile (lying and huge lengths, unknown
 * codes, a server that speaks unasked). */
#include "check.h"
#include "dissectors/starttls/starttls.h"
#include "tls_stream_fixture.h"

static void run(const flow *fl, fx *f)
{
    fx_init(f);
    for (int i = 0; i < fl->n; i++) feedb(f, fl->dir[i], &fl->b[i], (uint64_t)i + 1);
}

/* The facts as text, the flow delivered whole or with step split_step cut at byte cut. */
static char *facts(const flow *fl, int split_step, size_t cut)
{
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl->n; i++) {
        const buf *b = &fl->b[i];
        if (split_step == i && cut && cut < b->n) {
            feed(&f, fl->dir[i], b->p, cut, (uint64_t)i + 1);
            feed(&f, fl->dir[i], b->p + cut, b->n - cut, (uint64_t)i + 1);
        } else {
            feed(&f, fl->dir[i], b->p, b->n, (uint64_t)i + 1);
        }
    }
    char *out = calloc(1, 512);
    const td_starttls *s = f.t.tls.stls;
    snprintf(out, 512, "%s req=%d/%llu ans=%d acc=%d reply=%s/%llu ch=%d sh=%d stls=%d bad=%u/%u",
             s ? td_stls_proto_name(s->protocol) : "-", s ? s->requested : 0,
             s ? (unsigned long long)s->request_packet : 0, s ? s->answered : 0, s ? s->accepted : 0,
             s ? s->reply : "", s ? (unsigned long long)s->reply_packet : 0, f.t.tls.client_hello,
             f.t.tls.server_hello, f.t.tls.starttls, f.t.tls.bad_records[0], f.t.tls.bad_records[1]);
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

static void pg_req(buf *b, uint32_t len, uint32_t code)
{
    put32(b, len);
    put32(b, code);
}

/* A startup message (protocol 3.0, user=u): PostgreSQL's own plaintext. */
static void pg_startup(buf *b)
{
    put32(b, 4 + 4 + 7);
    put32(b, 0x00030000);
    put(b, "user\0u\0", 7);
}

static void hellos(flow *fl, int client_step_same)
{
    ch_opts co = { .sni = "db.example", .versions = { 0x0304, 0x0303 } };
    client_hello_record(client_step_same ? &fl->b[fl->n - 1] : step(fl, 0), &co);
    sh_opts so = { .cipher = 0x1301 };
    server_hello_record(step(fl, 1), &so);
}

TEST(pgsql_upgrade)
{
    for (int together = 0; together < 2; together++) {
        flow fl = { 0 };
        pg_req(step(&fl, 0), 8, 80877103);
        putstr(step(&fl, 1), "S");
        hellos(&fl, 0);
        if (together) {                        /* 'S' and the ServerHello in one segment */
            flow g = { 0 };
            pg_req(step(&g, 0), 8, 80877103);
            putstr(step(&g, 1), "S");
            ch_opts co = { .sni = "db.example", .versions = { 0x0304, 0x0303 } };
            client_hello_record(step(&g, 0), &co);
            sh_opts so = { .cipher = 0x1301 };
            server_hello_record(&g.b[1], &so);
            flow_free(&fl);
            fl = g;
        }
        fx f;
        run(&fl, &f);
        const td_starttls *s = f.t.tls.stls;
        CHECK(s && s->protocol == TD_STLS_PGSQL && s->requested && s->request_packet == 1);
        CHECK(s && s->answered && s->accepted && s->reply_packet == 2);
        CHECK_STR(s ? s->reply : NULL, "S");
        CHECK(f.t.tls.starttls && f.t.tls.client_hello && f.t.tls.server_hello && f.t.tls.cipher == 0x1301);
        CHECK_STR(f.t.tls.sni, "db.example");
        CHECK(f.t.tls.bad_records[0] == 0 && f.t.tls.bad_records[1] == 0);
        fx_free(&f);
        CHECK(split_differs(&fl) == 0);
        flow_free(&fl);
    }
}

TEST(pgsql_refused_then_plaintext)
{
    flow fl = { 0 };
    pg_req(step(&fl, 0), 8, 80877103);
    putstr(step(&fl, 1), "N");
    pg_startup(step(&fl, 0));
    buf *b = step(&fl, 1);
    putstr(b, "R");                            /* AuthenticationOk, then more of the server's own */
    put32(b, 8);
    put32(b, 0);
    fx f;
    run(&fl, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->protocol == TD_STLS_PGSQL && s->requested && s->answered && !s->accepted);
    CHECK_STR(s ? s->reply : NULL, "N");
    CHECK(s && s->reply_packet == 2);
    CHECK(!f.t.tls.starttls && !f.t.tls.client_hello);
    fx_free(&f);
    CHECK(split_differs(&fl) == 0);
    flow_free(&fl);
}

TEST(pgsql_gssenc_refused_then_ssl)
{
    flow fl = { 0 };
    pg_req(step(&fl, 0), 8, 80877104);
    putstr(step(&fl, 1), "N");
    pg_req(step(&fl, 0), 8, 80877103);
    putstr(step(&fl, 1), "S");
    hellos(&fl, 0);
    fx f;
    run(&fl, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->protocol == TD_STLS_PGSQL && s->requested && s->request_packet == 3);
    CHECK(s && s->accepted && s->reply_packet == 4);
    CHECK(f.t.tls.starttls && f.t.tls.client_hello && f.t.tls.server_hello);
    fx_free(&f);
    CHECK(split_differs(&fl) == 0);
    flow_free(&fl);
    /* Only GSSAPI asked for and refused, then a startup message: no TLS asked, nothing refused. */
    flow g = { 0 };
    pg_req(step(&g, 0), 8, 80877104);
    putstr(step(&g, 1), "N");
    pg_startup(step(&g, 0));
    run(&g, &f);
    s = f.t.tls.stls;
    CHECK(s && s->protocol == TD_STLS_PGSQL && !s->requested && !s->answered);
    fx_free(&f);
    flow_free(&g);
}

TEST(pgsql_hostile)
{
    /* Lying lengths and unknown codes: not an SSLRequest, nothing recognised, the search goes on. */
    static const uint32_t lens[] = { 9, 7, 0, 0xffffffffu, 8 }, codes[] = { 80877103, 80877103, 80877103, 80877103, 80877105 };
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        flow fl = { 0 };
        pg_req(step(&fl, 0), lens[i], codes[i]);
        putstr(step(&fl, 1), "S");
        fx f;
        run(&fl, &f);
        CHECK(!f.t.tls.stls);
        CHECK(!f.t.tls.starttls);
        fx_free(&f);
        flow_free(&fl);
    }
    /* A truncated request, then the server speaks: nothing recognised. */
    flow t = { 0 };
    put(step(&t, 0), "\0\0\0\x08\x04\xd2", 6);
    putstr(step(&t, 1), "S");
    fx f;
    run(&t, &f);
    CHECK(!f.t.tls.stls && !f.t.tls.starttls);
    fx_free(&f);
    flow_free(&t);
    /* An answer neither S nor N (an old server's error message): refused, and read no further. */
    flow e = { 0 };
    pg_req(step(&e, 0), 8, 80877103);
    buf *b = step(&e, 1);
    putstr(b, "E");
    put32(b, 4 + 20);
    put(b, "SFATAL\0Mbad proto\0\0\0\0", 20);
    run(&e, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->requested && s->answered && !s->accepted);
    CHECK_STR(s ? s->reply : NULL, "0x45 (neither S nor N)");
    CHECK(!f.t.tls.starttls);
    fx_free(&f);
    CHECK(split_differs(&e) == 0);
    flow_free(&e);
    /* The server's bytes before any request, a second request before an answer. */
    flow u = { 0 };
    pg_req(step(&u, 0), 8, 80877103);
    pg_req(&u.b[0], 8, 80877103);
    putstr(step(&u, 1), "S");
    run(&u, &f);
    s = f.t.tls.stls;
    CHECK(s && s->requested && !s->answered && !f.t.tls.starttls);
    fx_free(&f);
    flow_free(&u);
}

/* An LDAPMessage: SEQUENCE { messageID, op }, op given whole (tag, length, value). */
static void ldap_msg(buf *b, unsigned id, const buf *op)
{
    size_t l = 3 + op->n;
    put8(b, 0x30);
    if (l < 128) put8(b, (unsigned)l);
    else { put8(b, 0x82); put16(b, (unsigned)l); }
    put8(b, 0x02);
    put8(b, 1);
    put8(b, id);
    putb(b, op);
}

static void ldap_starttls_req(buf *b, unsigned id)
{
    buf op = { 0 };
    const char *oid = "1.3.6.1.4.1.1466.20037";
    put8(&op, 0x77);
    put8(&op, (unsigned)(2 + strlen(oid)));
    put8(&op, 0x80);
    put8(&op, (unsigned)strlen(oid));
    putstr(&op, oid);
    ldap_msg(b, id, &op);
    bfree(&op);
}

static void ldap_ext_resp(buf *b, unsigned id, unsigned code, const char *diag)
{
    buf op = { 0 };
    put8(&op, 0x78);
    put8(&op, (unsigned)(3 + 2 + 2 + strlen(diag)));
    put8(&op, 0x0a);
    put8(&op, 1);
    put8(&op, code);
    put8(&op, 0x04);
    put8(&op, 0);
    put8(&op, 0x04);
    put8(&op, (unsigned)strlen(diag));
    putstr(&op, diag);
    ldap_msg(b, id, &op);
    bfree(&op);
}

/* An anonymous simple bind and its success, before StartTLS: other messages are passed over. */
static void ldap_bind(flow *fl)
{
    buf op = { 0 };
    put(&op, "\x60\x07\x02\x01\x03\x04\x00\x80\x00", 9);
    ldap_msg(step(fl, 0), 1, &op);
    bfree(&op);
    put(&op, "\x61\x07\x0a\x01\x00\x04\x00\x04\x00", 9);
    ldap_msg(step(fl, 1), 1, &op);
    bfree(&op);
}

TEST(ldap_upgrade)
{
    for (int bind = 0; bind < 2; bind++) {
        flow fl = { 0 };
        if (bind) ldap_bind(&fl);
        ldap_starttls_req(step(&fl, 0), 2);
        ldap_ext_resp(step(&fl, 1), 2, 0, "");
        hellos(&fl, 0);
        fx f;
        run(&fl, &f);
        const td_starttls *s = f.t.tls.stls;
        CHECK(s && s->protocol == TD_STLS_LDAP && s->requested && s->request_packet == (bind ? 3u : 1u));
        CHECK(s && s->answered && s->accepted && s->reply_packet == (bind ? 4u : 2u));
        CHECK_STR(s ? s->reply : NULL, "resultCode 0 (success)");
        CHECK(f.t.tls.starttls && f.t.tls.client_hello && f.t.tls.server_hello && f.t.tls.cipher == 0x1301);
        CHECK(f.t.tls.bad_records[0] == 0 && f.t.tls.bad_records[1] == 0);
        fx_free(&f);
        CHECK(split_differs(&fl) == 0);
        flow_free(&fl);
    }
}

TEST(ldap_refused)
{
    flow fl = { 0 };
    ldap_starttls_req(step(&fl, 0), 1);
    ldap_ext_resp(step(&fl, 1), 1, 2, "unsupported extended operation");
    fx f;
    run(&fl, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->protocol == TD_STLS_LDAP && s->requested && s->answered && !s->accepted);
    CHECK_STR(s ? s->reply : NULL, "resultCode 2 (protocolError): unsupported extended operation");
    CHECK(!f.t.tls.starttls);
    fx_free(&f);
    CHECK(split_differs(&fl) == 0);
    flow_free(&fl);
    /* An answer to another messageID is not the answer. */
    flow g = { 0 };
    ldap_starttls_req(step(&g, 0), 1);
    ldap_ext_resp(step(&g, 1), 9, 0, "");
    run(&g, &f);
    s = f.t.tls.stls;
    CHECK(s && s->requested && !s->answered && !f.t.tls.starttls);
    fx_free(&f);
    flow_free(&g);
}

TEST(ldap_hostile)
{
    /* Huge, indefinite and over-long BER lengths, a message that is not an LDAPMessage: nothing
     * recognised, or the reader stops; never a read past the bytes. */
    static const char *const bad[] = { "\x30\x84\xff\xff\xff\xff\x02\x01\x01", "\x30\x80\x02\x01\x01\x77\x00",
                                       "\x30\x83\xff\xff\xff\x02\x01\x01", "\x30\x05\x04\x01\x01\x77\x00",
                                       "\x30\x02\x02\x01" };
    static const size_t blen[] = { 9, 7, 8, 7, 4 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        flow fl = { 0 };
        put(step(&fl, 0), bad[i], blen[i]);
        ldap_ext_resp(step(&fl, 1), 1, 0, "");
        fx f;
        run(&fl, &f);
        CHECK(!f.t.tls.stls || !f.t.tls.stls->requested);
        CHECK(!f.t.tls.starttls);
        fx_free(&f);
        CHECK(split_differs(&fl) == 0);
        flow_free(&fl);
    }
    /* Inner lengths that lie (past the message's end) in the request and in the answer. */
    flow l = { 0 };
    put(step(&l, 0), "\x30\x1d\x02\x01\x01\x77\x7f\x80\x16" "1.3.6.1.4.1.1466.20037", 31);
    ldap_starttls_req(step(&l, 0), 2);
    put(step(&l, 1), "\x30\x0c\x02\x01\x02\x78\x07\x0a\x7f\x00\x04\x00\x04\x00", 14);
    fx f;
    run(&l, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->requested && s->request_packet == 2 && !s->answered);
    fx_free(&f);
    CHECK(split_differs(&l) == 0);
    flow_free(&l);
    /* A long message (a big search result) is passed over without being held, then the answer. */
    flow big = { 0 };
    ldap_starttls_req(step(&big, 0), 1);
    buf op = { 0 };
    put8(&op, 0x64);
    put8(&op, 0x82);
    put16(&op, 5000);
    for (int k = 0; k < 5000; k++) put8(&op, 0x04);
    ldap_msg(step(&big, 1), 7, &op);
    bfree(&op);
    ldap_ext_resp(&big.b[1], 1, 0, "");
    hellos(&big, 0);
    run(&big, &f);
    s = f.t.tls.stls;
    CHECK(s && s->accepted && f.t.tls.starttls && f.t.tls.server_hello);
    CHECK(td_tls_stream_buffered(f.s) < 8192);
    fx_free(&f);
    flow_free(&big);
    /* An IMAP tag beginning with "0" is still IMAP. */
    flow im = { 0 };
    putstr(step(&im, 1), "* OK ready\r\n");
    putstr(step(&im, 0), "0001 STARTTLS\r\n");
    putstr(step(&im, 1), "0001 OK Begin TLS\r\n");
    run(&im, &f);
    s = f.t.tls.stls;
    CHECK(s && s->protocol == TD_STLS_IMAP && s->accepted);
    fx_free(&f);
    flow_free(&im);
}

/* A MySQL packet: 3-byte length, sequence number, payload. */
static void my_packet(buf *b, unsigned seq, const buf *pl)
{
    put8(b, (unsigned)(pl->n & 0xff));
    put8(b, (unsigned)(pl->n >> 8 & 0xff));
    put8(b, (unsigned)(pl->n >> 16));
    put8(b, seq);
    putb(b, pl);
}

static void my_greeting(buf *b, unsigned caps)
{
    buf pl = { 0 };
    put8(&pl, 0x0a);
    put(&pl, "5.5.5-10.11.19-MariaDB", 23);        /* with its NUL */
    put(&pl, "\x07\x00\x00\x00" "abcdefgh" "\x00", 13);
    put8(&pl, caps & 0xff);
    put8(&pl, caps >> 8);
    put(&pl, "\x2d\x02\x00\xff\x81\x15\x00\x00\x00\x00\x00\x00\x1d\x00\x00\x00", 16);
    put(&pl, "ijklmnopqrst\0mysql_native_password\0", 35);
    my_packet(b, 0, &pl);
    bfree(&pl);
}

static void my_ssl_request(buf *b, unsigned caps, size_t len)
{
    buf pl = { 0 };
    put8(&pl, caps & 0xff);
    put8(&pl, caps >> 8);
    put16(&pl, 0);
    put32(&pl, 0x00000001);
    put8(&pl, 0x21);
    while (pl.n < len) put8(&pl, 0);
    my_packet(b, 1, &pl);
    bfree(&pl);
}

TEST(mysql_upgrade)
{
    flow fl = { 0 };
    my_greeting(step(&fl, 1), 0xfffe);
    my_ssl_request(step(&fl, 0), 0xaa84, 32);
    hellos(&fl, 1);
    fx f;
    run(&fl, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->protocol == TD_STLS_MYSQL && s->caps_seen && s->caps_packet == 1 && s->offered);
    CHECK(s && s->requested && s->request_packet == 2 && s->accepted);
    CHECK(f.t.tls.starttls && f.t.tls.client_hello && f.t.tls.server_hello && f.t.tls.cipher == 0x1301);
    CHECK(f.t.tls.bad_records[0] == 0 && f.t.tls.bad_records[1] == 0);
    fx_free(&f);
    CHECK(split_differs(&fl) == 0);
    flow_free(&fl);
}

TEST(mysql_not_offered_and_plaintext)
{
    flow fl = { 0 };
    my_greeting(step(&fl, 1), 0xf7fe);          /* no CLIENT_SSL (0x0800) */
    my_ssl_request(step(&fl, 0), 0xa284, 150);      /* a full handshake response: no TLS asked */
    buf *b = step(&fl, 1);
    put(b, "\x07\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00", 11);
    fx f;
    run(&fl, &f);
    const td_starttls *s = f.t.tls.stls;
    CHECK(s && s->protocol == TD_STLS_MYSQL && s->caps_seen && !s->offered && !s->requested);
    CHECK(!f.t.tls.starttls);
    fx_free(&f);
    CHECK(split_differs(&fl) == 0);
    flow_free(&fl);
}

TEST(mysql_hostile)
{
    /* A length past the cap, a wrong sequence number, no version string end, a packet too short
     * for its capabilities: never TLS, never a read past the bytes. */
    static const char *const bad[] = { "\xff\xff\x00\x00\x0a", "\x10\x00\x00\x01\x0a", "\x06\x00\x00\x00\x0a" "5.5.5",
                                       "\x08\x00\x00\x00\x0a" "5\0" "abcde", "\x01\x00\x00\x00\x0a" };
    static const size_t blen[] = { 5, 5, 10, 12, 5 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        flow fl = { 0 };
        put(step(&fl, 1), bad[i], blen[i]);
        my_ssl_request(step(&fl, 0), 0xaa84, 32);
        hellos(&fl, 1);
        fx f;
        run(&fl, &f);
        CHECK(!f.t.tls.stls || (!f.t.tls.stls->offered && !f.t.tls.stls->accepted));
        fx_free(&f);
        CHECK(split_differs(&fl) == 0);
        flow_free(&fl);
    }
    /* An SSL Request of the wrong length, or without the flag: no TLS. */
    for (int k = 0; k < 2; k++) {
        flow fl = { 0 };
        my_greeting(step(&fl, 1), 0xfffe);
        my_ssl_request(step(&fl, 0), k ? 0xa284 : 0xaa84, k ? 32 : 31);
        fx f;
        run(&fl, &f);
        const td_starttls *s = f.t.tls.stls;
        CHECK(s && s->offered && !s->requested && !f.t.tls.starttls);
        fx_free(&f);
        flow_free(&fl);
    }
}

TEST(pgsql_opening_and_name)
{
    static const uint8_t ssl[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f }, gss[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30 },
                         other[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2e };
    CHECK(td_stls_opening(ssl, 8) && td_stls_opening(gss, 8));
    CHECK(!td_stls_opening(ssl, 7) && !td_stls_opening(other, 8));
    CHECK_STR(td_stls_proto_name(TD_STLS_PGSQL), "postgresql");
    buf b = { 0 };
    ldap_starttls_req(&b, 1);
    CHECK(td_stls_opening(b.p, b.n) && !td_stls_opening(b.p, 10));
    CHECK_STR(td_stls_proto_name(TD_STLS_LDAP), "ldap");
    CHECK_STR(td_stls_proto_name(TD_STLS_MYSQL), "mysql");
    buf g = { 0 };
    my_greeting(&g, 0xfffe);
    CHECK(td_stls_opening(g.p, g.n) && !td_stls_opening(g.p, 4));
    bfree(&g);
    bfree(&b);
}

int main(void)
{
    RUN(pgsql_upgrade);
    RUN(pgsql_refused_then_plaintext);
    RUN(pgsql_gssenc_refused_then_ssl);
    RUN(pgsql_hostile);
    RUN(ldap_upgrade);
    RUN(ldap_refused);
    RUN(ldap_hostile);
    RUN(mysql_upgrade);
    RUN(mysql_not_offered_and_plaintext);
    RUN(mysql_hostile);
    RUN(pgsql_opening_and_name);
    return check_done();
}
