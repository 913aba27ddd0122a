/* test_starttls_binary.c - the binary upgrades (dissectors/starttls/starttls_binary.c) through the
 * TLS stream parser: PostgreSQL's SSLRequest accepted, refused, after a GSSENCRequest, split at
 * every byte, and hostile (lying lengths, unknown codes, a server that speaks unasked). */
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

TEST(pgsql_opening_and_name)
{
    static const uint8_t ssl[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f }, gss[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30 },
                         other[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2e };
    CHECK(td_stls_opening(ssl, 8) && td_stls_opening(gss, 8));
    CHECK(!td_stls_opening(ssl, 7) && !td_stls_opening(other, 8));
    CHECK_STR(td_stls_proto_name(TD_STLS_PGSQL), "postgresql");
}

int main(void)
{
    RUN(pgsql_upgrade);
    RUN(pgsql_refused_then_plaintext);
    RUN(pgsql_gssenc_refused_then_ssl);
    RUN(pgsql_hostile);
    RUN(pgsql_opening_and_name);
    return check_done();
}
