/* test_fingerprints.c - JA3, JA3S and JA4 against the specs' published examples, and the hellos' lists.
 *
 * Through the TLS stream parser's public API (tls_stream_fixture.h): hellos built by hand carry
 * the values of the JA3 README (github.com/salesforce/ja3: two ClientHellos and their MD5s) and
 * of FoxIO's JA4 technical details (the example's ciphers, extensions and signature algorithms,
 * its hashes 8daaf6152771 / e5627efa2ab1 / 6d807ffa2a79, the ALPN hex rule's five examples),
 * with GREASE values added that must change nothing.  Then the lists of td_hello: order, GREASE
 * kept, caps and totals, the post-quantum group names, ECH, and every truncation of a hello.
 * The parser's own MD5 and SHA-256 against OpenSSL's on every length to 1000 bytes, and a hello
 * too large for the fingerprints' stack buffers against strings and hashes built here. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "check.h"
#include "dissectors/tls/tls_int.h"
#include "tls_stream_fixture.h"

/* One extension: type, u16 length, body. */
static void ext(buf *exts, unsigned type, const buf *body)
{
    put16(exts, type);
    put16(exts, body ? (unsigned)body->n : 0);
    if (body) putb(exts, body);
}

/* A u16 list with its length prefix (2 bytes, or 1 when len8). */
static void list16(buf *b, const unsigned *v, size_t n, bool len8)
{
    if (len8) put8(b, (unsigned)(2 * n));
    else put16(b, (unsigned)(2 * n));
    for (size_t i = 0; i < n; i++) put16(b, v[i]);
}

/* A ClientHello body: version, random, empty session id, ciphers, null compression, extensions
 * (none at all when exts is NULL). */
static void ch_body(buf *b, unsigned version, const unsigned *ciphers, size_t nc, const buf *exts)
{
    put16(b, version);
    bytes_of(b, 0x11, 32);
    put8(b, 0);
    list16(b, ciphers, nc, false);
    put8(b, 1);
    put8(b, 0);
    if (exts) {
        put16(b, (unsigned)exts->n);
        putb(b, exts);
    }
}

/* Feed one handshake message from the client (or the server) and keep the stream's transcript. */
static void feed_hello(fx *f, int dir, unsigned type, const buf *body)
{
    buf rec = { 0 };
    hs_record(&rec, type, body);
    feedb(f, dir, &rec, dir == 0 ? 4 : 6);
    bfree(&rec);
}

static const char *md5_hex(const char *s, char out[33])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_Digest(s, strlen(s), d, &n, EVP_md5(), NULL);
    for (unsigned i = 0; i < n && i < 16; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
    return out;
}

/* ---- JA3: the README's two examples ------------------------------------------------------------ */

TEST(ja3_readme_examples)
{
    static const unsigned ciphers[] = { 0x1a1a, 47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4 };
    buf exts = { 0 }, e = { 0 }, body = { 0 };
    ext(&exts, 0x3a3a, NULL);                      /* GREASE: left out of JA3 */
    putstr(&e, "\x00\x0c\x00\x00\x09" "localhost");
    ext(&exts, 0, &e);
    e.n = 0;
    list16(&e, (const unsigned[]){ 0x4a4a, 23, 24, 25 }, 4, false);
    ext(&exts, 10, &e);
    e.n = 0;
    put8(&e, 1);
    put8(&e, 0);
    ext(&exts, 11, &e);
    ch_body(&body, 0x0301, ciphers, 13, &exts);
    fx f;
    fx_init(&f);
    feed_hello(&f, 0, 1, &body);
    const td_hello *h = f.t.tls.hello;
    CHECK(h != NULL);
    if (h) {
        CHECK_STR(h->ja3_string, "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0");
        CHECK_STR(h->ja3, "ada70206e40642a3e4461f35503241d5");
    }
    fx_free(&f);
    static const unsigned old[] = { 4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99 };
    body.n = 0;
    ch_body(&body, 0x0301, old, 11, NULL);         /* no extensions block at all */
    fx_init(&f);
    feed_hello(&f, 0, 1, &body);
    h = f.t.tls.hello;
    CHECK(h != NULL);
    if (h) {
        CHECK_STR(h->ja3_string, "769,4-5-10-9-100-98-3-6-19-18-99,,,");
        CHECK_STR(h->ja3, "de350869b8c85de67a350c8d186f11e6");
        CHECK(strncmp(h->ja4, "t10i110000_", 11) == 0);   /* no SNI, 11 ciphers, no extension */
        CHECK(strcmp(h->ja4 + 23, "_000000000000") == 0);
    }
    fx_free(&f);
    bfree(&exts);
    bfree(&e);
    bfree(&body);
}

/* ---- JA4: the technical details' example -------------------------------------------------------- */

static const unsigned ja4_ciphers[] = { 0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                        0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
static const unsigned ja4_exts[] = { 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
                                     0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015 };
static const unsigned ja4_sigs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };

/* The example's ClientHello, with GREASE first among the extensions; its signature_algorithms
 * list is empty when !sigs, and its first ALPN value is `alpn` (alpn_len bytes). */
static void ja4_example(buf *body, bool sigs, const char *alpn, size_t alpn_len)
{
    buf exts = { 0 }, e = { 0 };
    ext(&exts, 0xdada, NULL);
    for (size_t i = 0; i < sizeof ja4_exts / sizeof ja4_exts[0]; i++) {
        e.n = 0;
        switch (ja4_exts[i]) {
        case 0x0000: putstr(&e, "\x00\x0e\x00\x00\x0bexample.com"); break;
        case 0x0010:
            put16(&e, (unsigned)alpn_len + 1 + 9);
            put8(&e, (unsigned)alpn_len);
            put(&e, alpn, alpn_len);
            put8(&e, 8);
            putstr(&e, "http/1.1");
            break;
        case 0x000d: list16(&e, ja4_sigs, sigs ? 8 : 0, false); break;
        case 0x002b: list16(&e, (const unsigned[]){ 0x5a5a, 0x0304, 0x0303 }, 3, true); break;
        default: break;
        }
        ext(&exts, ja4_exts[i], &e);
    }
    ch_body(body, 0x0303, ja4_ciphers, 16, &exts);
    bfree(&exts);
    bfree(&e);
}

static void ja4_of(const buf *body, char out[TD_JA4_LEN + 1])
{
    fx f;
    fx_init(&f);
    feed_hello(&f, 0, 1, body);
    out[0] = '\0';
    if (f.t.tls.hello) memcpy(out, f.t.tls.hello->ja4, TD_JA4_LEN + 1);
    fx_free(&f);
}

TEST(ja4_spec_example)
{
    buf body = { 0 };
    char fp[TD_JA4_LEN + 1];
    ja4_example(&body, true, "h2", 2);
    ja4_of(&body, fp);
    CHECK_STR(fp, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    body.n = 0;
    ja4_example(&body, false, "h2", 2);            /* no signature algorithms: no "_" */
    ja4_of(&body, fp);
    CHECK_STR(fp, "t13d1516h2_8daaf6152771_6d807ffa2a79");
    bfree(&body);
}

TEST(ja4_alpn_rule)
{
    static const struct { const char *alpn; size_t len; const char *want; } cases[] = {
        { "\xab", 1, "ab" }, { "\xab\xcd", 2, "ad" }, { "\x30\xab", 2, "3b" }, { "\x30\x31\xab\xcd", 4, "3d" },
        { "\x30\xab\xcd\x31", 4, "01" }, { "http/1.1", 8, "h1" }, { "x", 1, "xx" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf body = { 0 };
        char fp[TD_JA4_LEN + 1];
        ja4_example(&body, true, cases[i].alpn, cases[i].len);
        ja4_of(&body, fp);
        CHECK(strlen(fp) == TD_JA4_LEN && memcmp(fp + 8, cases[i].want, 2) == 0);
        if (strlen(fp) != TD_JA4_LEN || memcmp(fp + 8, cases[i].want, 2) != 0)
            printf("    ALPN case %zu: %s, want %s\n", i, fp, cases[i].want);
        bfree(&body);
    }
}

/* No SNI, no ALPN, no extensions: "i", "00", and the zero hash for the missing extensions. */
TEST(ja4_without_extensions)
{
    buf body = { 0 };
    char fp[TD_JA4_LEN + 1];
    static const unsigned c[] = { 4, 5, 10 };
    ch_body(&body, 0x0300, c, 3, NULL);
    ja4_of(&body, fp);
    CHECK(strncmp(fp, "ts3i030000_", 11) == 0);
    CHECK(strcmp(fp + 23, "_000000000000") == 0);
    bfree(&body);
}

/* ---- JA3S ---------------------------------------------------------------------------------------- */

TEST(ja3s_server_hello)
{
    buf body = { 0 }, exts = { 0 }, e = { 0 };
    put16(&body, 0x0303);
    bytes_of(&body, 0x22, 32);
    put8(&body, 0);
    put16(&body, 0xc02f);
    put8(&body, 0);
    put8(&e, 0);
    ext(&exts, 0xff01, &e);
    ext(&exts, 0, NULL);
    e.n = 0;
    put8(&e, 1);
    put8(&e, 0);
    ext(&exts, 11, &e);
    ext(&exts, 35, NULL);
    e.n = 0;
    put16(&e, 3);
    put8(&e, 2);
    putstr(&e, "h2");
    ext(&exts, 16, &e);
    put16(&body, (unsigned)exts.n);
    putb(&body, &exts);
    fx f;
    fx_init(&f);
    feed_hello(&f, 1, 2, &body);
    const td_hello *h = f.t.tls.hello;
    char md5[33];
    CHECK(h != NULL);
    if (h) {
        CHECK_STR(h->ja3s_string, "771,49199,65281-0-11-35-16");
        CHECK_STR(h->ja3s, md5_hex("771,49199,65281-0-11-35-16", md5));
        CHECK(h->ja3[0] == '\0' && h->ja4[0] == '\0' && !h->ja3_string);   /* no ClientHello */
        CHECK(h->n_server_ext == 5 && h->server_ext[0] == 0xff01 && h->server_ext[4] == 16);
    }
    fx_free(&f);
    bfree(&body);
    bfree(&exts);
    bfree(&e);
}

/* ---- the lists ----------------------------------------------------------------------------------- */

TEST(hello_lists)
{
    buf exts = { 0 }, e = { 0 }, body = { 0 };
    ext(&exts, 0x2a2a, NULL);
    list16(&e, (const unsigned[]){ 0x2a2a, 0x11ec, 0x001d, 0x0017 }, 4, false);
    ext(&exts, 10, &e);
    e.n = 0;                                       /* key_share: GREASE, X25519MLKEM768, x25519 */
    put16(&e, 4 + 1 + 4 + 1184 + 4 + 32);
    put16(&e, 0x2a2a); put16(&e, 1); put8(&e, 0);
    put16(&e, 0x11ec); put16(&e, 1184); bytes_of(&e, 7, 1184);
    put16(&e, 0x001d); put16(&e, 32); bytes_of(&e, 8, 32);
    ext(&exts, 51, &e);
    e.n = 0;
    put8(&e, 1); put8(&e, 1);
    ext(&exts, 45, &e);
    e.n = 0;
    list16(&e, (const unsigned[]){ 2, 3 }, 2, true);
    ext(&exts, 27, &e);
    e.n = 0;
    put8(&e, 0); put16(&e, 1); put16(&e, 1); put8(&e, 42); put16(&e, 0); put16(&e, 0);
    ext(&exts, 0xfe0d, &e);
    for (unsigned i = 0; i < 70; i++) ext(&exts, 0x7000 + i, NULL);
    ch_body(&body, 0x0303, (const unsigned[]){ 0x1301 }, 1, &exts);
    fx f;
    fx_init(&f);
    feed_hello(&f, 0, 1, &body);
    const td_hello *h = f.t.tls.hello;
    char b[16];
    CHECK(h != NULL);
    if (h) {
        CHECK(h->n_ext == TD_MAX_HELLO_IDS && h->n_ext_total == 76);        /* capped, counted */
        CHECK(h->ext[0] == 0x2a2a && h->ext[1] == 10 && h->ext[2] == 51 && h->ext[5] == 0xfe0d);
        CHECK_STR(td_extension_label(h->ext[0], b, sizeof b), "grease");
        CHECK(h->n_groups == 4 && h->groups[1] == 0x11ec);
        CHECK_STR(td_group_label(h->groups[1], b, sizeof b), "X25519MLKEM768");
        CHECK(h->n_key_shares == 3 && h->key_shares[0] == 0x2a2a && h->key_shares[1] == 0x11ec &&
              h->key_shares[2] == 0x001d);
        CHECK(h->n_psk_modes == 1 && h->psk_modes[0] == 1);
        CHECK(h->n_cert_compression == 2 && h->cert_compression[0] == 2 && h->cert_compression[1] == 3);
        CHECK(h->ech && h->ech_type == 0);
        CHECK(strncmp(h->ja4, "t12i0175", 8) == 0);   /* 76 extensions: 75 without GREASE */
    }
    fx_free(&f);
    bfree(&exts);
    bfree(&e);
    bfree(&body);
}

TEST(names_of_groups_and_schemes)
{
    char b[16];
    CHECK_STR(td_group_name(0x11eb), "SecP256r1MLKEM768");
    CHECK_STR(td_group_name(0x11ed), "SecP384r1MLKEM1024");
    CHECK_STR(td_group_name(0x6399), "X25519Kyber768Draft00");
    CHECK_STR(td_group_name(0x001d), "x25519");
    CHECK(td_group_is_pq(0x11ec) && td_group_is_pq(0x6399) && !td_group_is_pq(0x001d));
    CHECK_STR(td_group_label(0x1234, b, sizeof b), "0x1234");
    CHECK_STR(td_group_label(0xcaca, b, sizeof b), "grease");
    CHECK_STR(td_sigalg_name(0x0804), "rsa_pss_rsae_sha256");
    CHECK_STR(td_sigalg_name(0x0807), "ed25519");
    CHECK(td_sigalg_name(0x0000) == NULL);
    CHECK_STR(td_cert_compression_name(2), "brotli");
    CHECK_STR(td_psk_mode_name(1), "psk_dhe_ke");
}

/* Every prefix of the JA4 example, with its handshake length saying so: whatever parsed, no
 * read past the end (ASan), and a JA4 only from a hello whose cipher list was whole. */
TEST(truncated_hellos)
{
    buf body = { 0 };
    ja4_example(&body, true, "h2", 2);
    for (size_t n = 0; n <= body.n; n++) {
        buf cut = { 0 };
        put(&cut, body.p, n);
        fx f;
        fx_init(&f);
        feed_hello(&f, 0, 1, &cut);
        const td_hello *h = f.t.tls.hello;
        if (n < 2 + 32 + 1 + 2 + 32 + 2) CHECK(!h || h->ja4[0] == '\0');
        else CHECK(h && strlen(h->ja4) == TD_JA4_LEN && h->ja3_string);
        fx_free(&f);
        bfree(&cut);
    }
    bfree(&body);
}

/* ---- the digests and the large-hello path ---------------------------------------------------- */

static void evp_hex(const EVP_MD *md, const void *p, size_t n, char *out, size_t hex_len)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dl = 0;
    EVP_Digest(p, n, d, &dl, md, NULL);
    for (size_t i = 0; i < hex_len / 2 && i < dl; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
    out[hex_len] = '\0';
}

static void raw_hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

TEST(digests_match_openssl)
{
    uint8_t data[1000];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof data; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (uint8_t)(x >> 16);
    }
    int bad = 0;
    for (size_t n = 0; n <= sizeof data; n++) {
        uint8_t d[32];
        char mine[65], want[65];
        tls_md5(data, n, d);
        raw_hex(d, 16, mine);
        evp_hex(EVP_md5(), data, n, want, 32);
        if (strcmp(mine, want) != 0 && bad++ < 3) printf("    MD5 of %zu bytes: %s, OpenSSL %s\n", n, mine, want);
        tls_sha256(data, n, d);
        raw_hex(d, 32, mine);
        evp_hex(EVP_sha256(), data, n, want, 64);
        if (strcmp(mine, want) != 0 && bad++ < 3) printf("    SHA-256 of %zu bytes: %s, OpenSSL %s\n", n, mine, want);
    }
    CHECK(bad == 0);
}

static int cmp_unsigned(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

/* 3000 cipher values (6 KB: past the stack room, onto the heap), GREASE among them: the JA3
 * string and hash, the JA4 counts and cipher hash, built here with printf and OpenSSL. */
TEST(large_hello)
{
    enum { N = 3000 };
    static unsigned ciphers[N], sorted[N];
    size_t n_real = 0;
    for (size_t i = 0; i < N; i++) {
        ciphers[i] = i % 100 == 7 ? 0x0a0a + 0x1010 * (unsigned)(i % 16) : (unsigned)(60000 - 17 * i);
        if (!td_is_grease((uint16_t)ciphers[i])) sorted[n_real++] = ciphers[i];
    }
    buf body = { 0 };
    ch_body(&body, 0x0303, ciphers, N, NULL);
    char *want = malloc(8 * N + 64), *hexlist = malloc(6 * N + 1);
    size_t w = (size_t)sprintf(want, "771,");
    for (size_t i = 0; i < n_real; i++) w += (size_t)sprintf(want + w, i ? "-%u" : "%u", sorted[i]);
    sprintf(want + w, ",,,");
    qsort(sorted, n_real, sizeof *sorted, cmp_unsigned);
    size_t hl = 0;
    for (size_t i = 0; i < n_real; i++) hl += (size_t)sprintf(hexlist + hl, i ? ",%04x" : "%04x", sorted[i]);
    char md5[33], sha[13];
    evp_hex(EVP_md5(), want, strlen(want), md5, 32);
    evp_hex(EVP_sha256(), hexlist, hl, sha, 12);
    fx f;
    fx_init(&f);
    feed_hello(&f, 0, 1, &body);
    const td_hello *h = f.t.tls.hello;
    CHECK(h != NULL);
    if (h) {
        CHECK_STR(h->ja3_string, want);
        CHECK_STR(h->ja3, md5);
        CHECK(strncmp(h->ja4, "t12i990000_", 11) == 0);
        CHECK(strlen(h->ja4) == TD_JA4_LEN && strncmp(h->ja4 + 11, sha, 12) == 0);
        CHECK(strcmp(h->ja4 + 23, "_000000000000") == 0);
    }
    fx_free(&f);
    free(want);
    free(hexlist);
    bfree(&body);
}

/* Hellos through streams that share a memo (of one slot, so that every new string evicts the
 * last, and of 256): JA3, JA3S and JA4 each time exactly those of a stream without it, and the
 * memo's MD5 and SHA-256 answers equal the plain functions' for strings of every length. */
static void hello_fps(td_fp_memo *m, const buf *body, bool server, char *ja3, char *ja4)
{
    fx f;
    fx_init(&f);
    td_tls_stream_set_fp_memo(f.s, m);
    feed_hello(&f, server ? 1 : 0, server ? 2 : 1, body);
    const td_hello *h = f.t.tls.hello;
    strcpy(ja3, h ? (server ? h->ja3s : h->ja3) : "none");
    strcpy(ja4, h ? h->ja4 : "none");
    fx_free(&f);
}

TEST(memo_changes_nothing)
{
    buf bodies[4] = { { 0 } };
    ja4_example(&bodies[0], true, "h2", 2);
    ja4_example(&bodies[1], false, "http/1.1", 8);
    static const unsigned c[] = { 4, 5, 10 };
    ch_body(&bodies[2], 0x0300, c, 3, NULL);
    put16(&bodies[3], 0x0303);                     /* a ServerHello: version, random, session id, */
    bytes_of(&bodies[3], 0x22, 32);                /* cipher, compression, no extensions */
    put8(&bodies[3], 0);
    put16(&bodies[3], 0xc02f);
    put8(&bodies[3], 0);
    td_fp_memo *memos[2] = { td_fp_memo_new(1), td_fp_memo_new(256) };
    CHECK(memos[0] && memos[1]);
    for (int round = 0; round < 3; round++)
        for (int mi = 0; mi < 2; mi++)
            for (int i = 0; i < 4; i++) {
                char a3[33], a4[TD_JA4_LEN + 1], b3[33], b4[TD_JA4_LEN + 1];
                hello_fps(NULL, &bodies[i], i == 3, a3, a4);
                hello_fps(memos[mi], &bodies[i], i == 3, b3, b4);
                CHECK(a3[0] != '\0' && strcmp(a3, "none") != 0);
                CHECK_STR(b3, a3);
                CHECK_STR(b4, a4);
            }
    char text[600];
    for (size_t n = 0; n < sizeof text; n++) text[n] = (char)('a' + n % 26);
    for (int round = 0; round < 2; round++)
        for (size_t n = 0; n < sizeof text; n += 7) {
            uint8_t want[32], got[32];
            tls_md5(text, n, want);
            tls_fp_digest(memos[round], TLS_FP_MD5, text, n, got);
            CHECK(memcmp(want, got, 16) == 0);
            tls_sha256(text, n, want);
            tls_fp_digest(memos[round], TLS_FP_SHA256, text, n, got);
            CHECK(memcmp(want, got, 32) == 0);
            tls_fp_digest(memos[round], TLS_FP_SHA256, text, n, got);   /* again: from the memo */
            CHECK(memcmp(want, got, 32) == 0);
        }
    td_fp_memo_free(memos[0]);
    td_fp_memo_free(memos[1]);
    for (int i = 0; i < 4; i++) bfree(&bodies[i]);
}

int main(void)
{
    RUN(ja3_readme_examples);
    RUN(ja4_spec_example);
    RUN(ja4_alpn_rule);
    RUN(ja4_without_extensions);
    RUN(ja3s_server_hello);
    RUN(hello_lists);
    RUN(names_of_groups_and_schemes);
    RUN(truncated_hellos);
    RUN(digests_match_openssl);
    RUN(large_hello);
    RUN(memo_changes_nothing);
    return check_done();
}
