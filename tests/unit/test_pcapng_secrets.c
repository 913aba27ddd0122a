/* test_pcapng_secrets.c - the pcapng Decryption Secrets Block walker and the file source's hook.
 * The walker is analyzer/capture/pcapng_secrets.h, the hook td_file_config's on_secrets.
 * editcap's block in samples/keylog-suites/tls13-dsb.pcapng yields the injected key log byte for
 * byte, in one feed or split anywhere; sections of both byte orders written here; truncated input
 * and lying lengths end in a clear error, never an over-read (the sanitizer build checks that) or
 * a big allocation; pcap input is left alone; through td_source_open_file_cfg the secrets arrive
 * before the frames after them, also from gzip. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "bytebuf.h"
#include "check.h"
#include "analyzer/capture/pcapng_secrets.h"
#include "analyzer/capture/source.h"

#define DSB_FILE "samples/keylog-suites/tls13-dsb.pcapng"
#define DSB_KEYLOG "samples/keylog-suites/keylog/tls13-dsb.keylog"
#define PCAP_FILE "samples/keylog-suites/tls13-aes128gcm.pcap"

/* ---- what the callback saw ------------------------------------------------------------------ */

typedef struct seen {
    int n;
    uint32_t type[8];
    buf data[8];
    uint64_t offset[8];
} seen;

static void on_secrets(void *ctx, uint32_t type, const uint8_t *data, size_t len, uint64_t offset)
{
    seen *s = ctx;
    if (s->n < 8) {
        s->type[s->n] = type;
        put(&s->data[s->n], data, len);
        s->offset[s->n] = offset;
    }
    s->n++;
}

static void seen_free(seen *s)
{
    for (int i = 0; i < 8; i++)
        bfree(&s->data[i]);
    memset(s, 0, sizeof *s);
}

static bool same(const buf *b, const buf *want)
{
    return b->n == want->n && (b->n == 0 || memcmp(b->p, want->p, b->n) == 0);
}

static bool slurp(const char *path, buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    uint8_t tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        put(out, tmp, n);
    fclose(f);
    return true;
}

/* Walk in pieces of `chunk` bytes (0: all at once); returns the final status (after finish). */
static td_pcapng_status walk(const buf *in, size_t chunk, seen *s, td_pcapng_walker *w)
{
    td_pcapng_walker_init(w, on_secrets, s);
    size_t step = chunk ? chunk : in->n;
    for (size_t off = 0; off < in->n; off += step) {
        size_t n = in->n - off < step ? in->n - off : step;
        td_pcapng_walker_feed(w, in->p + off, n);
    }
    return td_pcapng_walker_finish(w);
}

/* ---- pcapng writer in either byte order ----------------------------------------------------- */

static void put32o(buf *b, uint32_t v, bool be)
{
    if (be)
        put32(b, v);
    else {
        put8(b, v & 0xff); put8(b, (v >> 8) & 0xff); put8(b, (v >> 16) & 0xff); put8(b, v >> 24);
    }
}

static void put16o(buf *b, unsigned v, bool be)
{
    if (be)
        put16(b, v);
    else {
        put8(b, v & 0xff); put8(b, v >> 8);
    }
}

static void block(buf *b, uint32_t type, const buf *body, bool be)
{
    uint32_t len = (uint32_t)(12 + body->n);
    put32o(b, type, be);
    put32o(b, len, be);
    putb(b, body);
    put32o(b, len, be);
}

static void shb(buf *b, bool be)
{
    buf body = { 0 };
    put32o(&body, 0x1A2B3C4D, be);
    put16o(&body, 1, be);
    put16o(&body, 0, be);
    put32o(&body, 0xffffffff, be);             /* section length unknown */
    put32o(&body, 0xffffffff, be);
    block(b, 0x0A0D0D0A, &body, be);
    bfree(&body);
}

static void idb(buf *b, bool be)
{
    buf body = { 0 };
    put16o(&body, 1, be);                      /* Ethernet */
    put16o(&body, 0, be);
    put32o(&body, 65535, be);
    block(b, 1, &body, be);
    bfree(&body);
}

static void epb(buf *b, bool be, unsigned caplen)
{
    buf body = { 0 };
    put32o(&body, 0, be);                      /* interface */
    put32o(&body, 0, be);
    put32o(&body, 1000, be);
    put32o(&body, caplen, be);
    put32o(&body, caplen, be);
    for (unsigned i = 0; i < caplen; i++)
        put8(&body, i & 0xff);
    while (body.n % 4)
        put8(&body, 0);
    block(b, 6, &body, be);
    bfree(&body);
}

/* A Decryption Secrets Block; secrets_len_lie != 0 writes that as the secrets length instead. */
static void dsb(buf *b, bool be, uint32_t type, const char *secrets, uint32_t secrets_len_lie)
{
    buf body = { 0 };
    size_t n = strlen(secrets);
    put32o(&body, type, be);
    put32o(&body, secrets_len_lie ? secrets_len_lie : (uint32_t)n, be);
    putstr(&body, secrets);
    while (body.n % 4)
        put8(&body, 0);
    block(b, 0x0A, &body, be);
    bfree(&body);
}

static const char *KL1 = "CLIENT_RANDOM 0102 0304\n";
static const char *KL2 = "SERVER_HANDSHAKE_TRAFFIC_SECRET aa bb\nCLIENT_HANDSHAKE_TRAFFIC_SECRET aa cc\n";

/* Two sections: big-endian (IDB, packet, TLS secrets, packet), then little-endian (WireGuard
 * secrets, TLS secrets, packet). */
static void two_sections(buf *b)
{
    shb(b, true);
    idb(b, true);
    epb(b, true, 60);
    dsb(b, true, TD_PCAPNG_SECRETS_TLS, KL1, 0);
    epb(b, true, 61);
    shb(b, false);
    idb(b, false);
    dsb(b, false, 0x57474b4c, "wireguard keys", 0);
    dsb(b, false, TD_PCAPNG_SECRETS_TLS, KL2, 0);
    epb(b, false, 62);
}

/* ---- the walker ----------------------------------------------------------------------------- */

TEST(editcap_block_is_the_key_log)
{
    buf file = { 0 }, keylog = { 0 };
    CHECK(slurp(DSB_FILE, &file));
    CHECK(slurp(DSB_KEYLOG, &keylog));
    CHECK(keylog.n > 100);
    seen s = { 0 };
    td_pcapng_walker w;
    CHECK(walk(&file, 0, &s, &w) == TD_PCAPNG_OK);
    CHECK(s.n == 1);
    CHECK(s.type[0] == TD_PCAPNG_SECRETS_TLS);
    CHECK(same(&s.data[0], &keylog));
    CHECK(w.blocks > 3);                       /* SHB, IDB, DSB and the packets */
    CHECK(w.pos == file.n);
    td_pcapng_walker_free(&w);
    seen_free(&s);
    bfree(&file);
    bfree(&keylog);
}

TEST(split_feeds_give_the_same)
{
    buf file = { 0 }, keylog = { 0 };
    CHECK(slurp(DSB_FILE, &file));
    CHECK(slurp(DSB_KEYLOG, &keylog));
    static const size_t chunks[] = { 1, 2, 3, 5, 7, 11, 13, 64, 4093 };
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        seen s = { 0 };
        td_pcapng_walker w;
        CHECK(walk(&file, chunks[i], &s, &w) == TD_PCAPNG_OK);
        CHECK(s.n == 1);
        CHECK(same(&s.data[0], &keylog));
        td_pcapng_walker_free(&w);
        seen_free(&s);
    }
    bfree(&file);
    bfree(&keylog);
}

TEST(sections_in_both_byte_orders)
{
    buf file = { 0 };
    two_sections(&file);
    for (size_t chunk = 0; chunk < 9; chunk++) {
        seen s = { 0 };
        td_pcapng_walker w;
        CHECK(walk(&file, chunk, &s, &w) == TD_PCAPNG_OK);
        CHECK(s.n == 3);
        CHECK(s.type[0] == TD_PCAPNG_SECRETS_TLS);
        CHECK(s.data[0].n == strlen(KL1) && memcmp(s.data[0].p, KL1, s.data[0].n) == 0);
        CHECK(s.type[1] == 0x57474b4c);
        CHECK(s.type[2] == TD_PCAPNG_SECRETS_TLS);
        CHECK(s.data[2].n == strlen(KL2) && memcmp(s.data[2].p, KL2, s.data[2].n) == 0);
        CHECK(s.offset[0] < s.offset[1] && s.offset[1] < s.offset[2]);
        CHECK(w.blocks == 10);
        td_pcapng_walker_free(&w);
        seen_free(&s);
    }
    bfree(&file);
}

TEST(truncated_anywhere)
{
    buf file = { 0 };
    two_sections(&file);
    /* The block boundaries: a cut there is a clean end, anywhere else an error. */
    for (size_t cut = 0; cut < file.n; cut++) {
        buf part = { 0 };
        put(&part, file.p, cut);
        seen s = { 0 };
        td_pcapng_walker w;
        td_pcapng_status st = walk(&part, 0, &s, &w);
        if (cut < 4) {
            CHECK(st == (cut == 0 ? TD_PCAPNG_OK : TD_PCAPNG_NOT_PCAPNG));
        } else if (w.state == 0 && w.head_len == 0) {
            CHECK(st == TD_PCAPNG_OK);
        } else {
            CHECK(st == TD_PCAPNG_BAD_BLOCK);
            CHECK(strstr(w.err, "ends inside the block at byte") != NULL);
        }
        CHECK(s.n <= 3);
        /* in pieces: the same end and the same words (they once named the previous block) */
        seen s3 = { 0 };
        td_pcapng_walker w3;
        CHECK(walk(&part, 3, &s3, &w3) == st);
        CHECK_STR(w3.err, w.err);
        CHECK(s3.n == s.n);
        td_pcapng_walker_free(&w3);
        seen_free(&s3);
        td_pcapng_walker_free(&w);
        seen_free(&s);
        bfree(&part);
    }
    bfree(&file);
}

/* One block after a section header; the walker's status and message. */
static td_pcapng_status one_block(const buf *blk, bool be, td_pcapng_walker *w, seen *s)
{
    buf file = { 0 };
    shb(&file, be);
    putb(&file, blk);
    td_pcapng_status st = walk(&file, 0, s, w);
    bfree(&file);
    return st;
}

TEST(lying_lengths)
{
    for (int order = 0; order < 2; order++) {
        bool be = order == 1;
        td_pcapng_walker w;
        seen s = { 0 };
        buf b = { 0 };

        /* secrets length beyond the block */
        dsb(&b, be, TD_PCAPNG_SECRETS_TLS, KL1, 1000);
        CHECK(one_block(&b, be, &w, &s) == TD_PCAPNG_BAD_SECRETS);
        CHECK(strstr(w.err, "secrets length 1000 exceeds the 24 bytes the block holds") != NULL);
        CHECK(s.n == 0);
        td_pcapng_walker_free(&w);
        bfree(&b);

        /* secrets length 0xffffffff (no overflow in the check) */
        dsb(&b, be, TD_PCAPNG_SECRETS_TLS, KL1, 0xffffffff);
        CHECK(one_block(&b, be, &w, &s) == TD_PCAPNG_BAD_SECRETS);
        CHECK(s.n == 0);
        td_pcapng_walker_free(&w);
        bfree(&b);

        /* a 4 GB secrets block with 16 bytes behind its header: refused before any copy */
        put32o(&b, 0x0A, be); put32o(&b, 0xfffffff0, be); put32o(&b, TD_PCAPNG_SECRETS_TLS, be);
        put32o(&b, 8, be); putstr(&b, "CLIENT_R");
        CHECK(one_block(&b, be, &w, &s) == TD_PCAPNG_BAD_SECRETS);
        CHECK(strstr(w.err, "more than the 16 MiB") != NULL);
        CHECK(w.body_cap == 0);
        td_pcapng_walker_free(&w);
        bfree(&b);

        /* a 16 MiB secrets block, of which 100 bytes are there: only what arrived is held */
        put32o(&b, 0x0A, be); put32o(&b, 16u << 20, be); put32o(&b, TD_PCAPNG_SECRETS_TLS, be);
        put32o(&b, (16u << 20) - 20, be);
        for (int i = 0; i < 100; i++) put8(&b, 'x');
        CHECK(one_block(&b, be, &w, &s) == TD_PCAPNG_BAD_BLOCK);
        CHECK(strstr(w.err, "ends inside the block at byte 28 (type 0x0000000a)") != NULL);
        CHECK(w.body_cap <= 4096);
        td_pcapng_walker_free(&w);
        bfree(&b);

        /* block lengths too small, not a multiple of 4, trailer differing */
        put32o(&b, 6, be); put32o(&b, 8, be); put32o(&b, 8, be);
        CHECK(one_block(&b, be, &w, &s) == TD_PCAPNG_BAD_BLOCK);
        CHECK(strstr(w.err, "block at byte 28 (type 0x00000006): total length 8 is too small") != NULL);
        td_pcapng_walker_free(&w);
        bfree(&b);
        put32o(&b, 0x0A, be); put32o(&b, 16, be); put32o(&b, 0, be); put32o(&b, 16, be);
        CHECK(one_block(&b, be, &w, &s) == TD_PCAPNG_BAD_BLOCK);   /* a DSB needs 20 */
        CHECK(strstr(w.err, "too small") != NULL);
        td_pcapng_walker_free(&w);
        bfree(&b);
        put32o(&b, 6, be); put32o(&b, 14, be); put32o(&b, 0, be); put16o(&b, 14, be);
        CHECK(one_block(&b, be, &w, &s) == TD_PCAPNG_BAD_BLOCK);
        CHECK(strstr(w.err, "not a multiple of 4") != NULL);
        td_pcapng_walker_free(&w);
        bfree(&b);
        dsb(&b, be, TD_PCAPNG_SECRETS_TLS, KL1, 0);
        b.p[b.n - (be ? 1 : 4)] ^= 4;                              /* trailing length + or - 4 */
        CHECK(one_block(&b, be, &w, &s) == TD_PCAPNG_BAD_BLOCK);
        CHECK(strstr(w.err, "trailing length") != NULL);
        CHECK(s.n == 0);                                           /* not handed out */
        td_pcapng_walker_free(&w);
        bfree(&b);

        /* once failed, the walker stays failed and reads nothing more */
        uint64_t pos = w.pos;
        CHECK(td_pcapng_walker_feed(&w, (const uint8_t *)"abcd", 4) == TD_PCAPNG_BAD_BLOCK);
        CHECK(w.pos == pos);
        seen_free(&s);
    }
}

TEST(bad_byte_order_magic)
{
    buf file = { 0 };
    shb(&file, false);
    file.p[8] = 0x11;
    seen s = { 0 };
    td_pcapng_walker w;
    CHECK(walk(&file, 0, &s, &w) == TD_PCAPNG_BAD_BLOCK);
    CHECK(strstr(w.err, "byte-order magic 113c2b1a is not 1a2b3c4d in either order") != NULL);
    td_pcapng_walker_free(&w);
    bfree(&file);
}

TEST(pcap_is_not_pcapng)
{
    buf file = { 0 };
    CHECK(slurp(PCAP_FILE, &file));
    seen s = { 0 };
    td_pcapng_walker w;
    td_pcapng_walker_init(&w, on_secrets, &s);
    CHECK(td_pcapng_walker_feed(&w, file.p, file.n) == TD_PCAPNG_NOT_PCAPNG);
    CHECK(w.pos <= 8);
    CHECK(s.n == 0);
    td_pcapng_walker_free(&w);
    bfree(&file);
}

/* ---- through the file source ---------------------------------------------------------------- */

typedef struct got {
    int n;
    char origin[256];
    buf data;
    int frames_before;             /* frames the source had handed out when the secrets came */
    int *frames;
} got;

static void source_secrets(void *ctx, const char *origin, const uint8_t *data, size_t len)
{
    got *g = ctx;
    if (g->n++ == 0) {
        snprintf(g->origin, sizeof g->origin, "%s", origin);
        put(&g->data, data, len);
        g->frames_before = *g->frames;
    }
}

/* Read a whole file through td_source_open_file_cfg: frames, and the read's status and message. */
static int read_all(const char *path, got *g, int *frames, char *err, size_t errlen)
{
    *frames = 0;
    g->frames = frames;
    td_file_config cfg = { .on_secrets = source_secrets, .ctx = g };
    td_source *src = td_source_open_file_cfg(path, &cfg, err, errlen);
    if (!src)
        return -2;
    td_frame f;
    int r;
    while ((r = td_source_next(src, &f, err, errlen)) == 1)
        (*frames)++;
    td_source_close(src);
    return r;
}

static char tmpdir[64];

static const char *tmp(const char *name)
{
    static char p[128];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

static void write_file(const char *path, const buf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b->p, 1, b->n, f) != b->n)
        abort();
    fclose(f);
}

TEST(source_hands_out_the_block)
{
    buf keylog = { 0 };
    CHECK(slurp(DSB_KEYLOG, &keylog));
    char err[256] = "";
    int frames = 0, frames_pcap = 0;
    got g = { 0 }, none = { 0 };
    CHECK(read_all(DSB_FILE, &g, &frames, err, sizeof err) == 0);
    CHECK(g.n == 1);
    CHECK(same(&g.data, &keylog));
    CHECK(strncmp(g.origin, DSB_FILE ": Decryption Secrets Block at byte ", strlen(DSB_FILE) + 35) == 0);
    CHECK(g.frames_before == 0);                       /* before the frames it precedes */
    /* the same packets as the pcap it was made from, which yields no secrets */
    CHECK(read_all(PCAP_FILE, &none, &frames_pcap, err, sizeof err) == 0);
    CHECK(none.n == 0);
    CHECK(frames == frames_pcap && frames > 10);

    /* gzip-compressed: the decompressed bytes are walked */
    buf file = { 0 };
    CHECK(slurp(DSB_FILE, &file));
    gzFile z = gzopen(tmp("dsb.pcapng.gz"), "wb9");
    CHECK(z && gzwrite(z, file.p, (unsigned)file.n) == (int)file.n);
    if (z) gzclose(z);
    got gz = { 0 };
    int frames_gz = 0;
    CHECK(read_all(tmp("dsb.pcapng.gz"), &gz, &frames_gz, err, sizeof err) == 0);
    CHECK(gz.n == 1 && same(&gz.data, &keylog));
    CHECK(frames_gz == frames);

    /* without on_secrets the file reads as before */
    td_source *src = td_source_open_file_cfg(DSB_FILE, &(td_file_config){ 0 }, err, sizeof err);
    CHECK(src != NULL);
    int n = 0;
    td_frame f;
    while (src && td_source_next(src, &f, err, sizeof err) == 1)
        n++;
    CHECK(n == frames);
    td_source_close(src);
    bfree(&g.data);
    bfree(&gz.data);
    bfree(&file);
    bfree(&keylog);
}

TEST(source_reports_a_bad_block_after_the_frames_before_it)
{
    buf file = { 0 };
    shb(&file, true);
    idb(&file, true);
    epb(&file, true, 60);
    epb(&file, true, 70);
    dsb(&file, true, TD_PCAPNG_SECRETS_TLS, KL1, 5000);
    epb(&file, true, 80);
    write_file(tmp("bad-dsb.pcapng"), &file);
    char err[256] = "";
    int frames = 0;
    got g = { 0 };
    CHECK(read_all(tmp("bad-dsb.pcapng"), &g, &frames, err, sizeof err) == -1);
    CHECK(frames == 2);
    CHECK(g.n == 0);
    CHECK_STR(err, "pcapng Decryption Secrets Block at byte 244: secrets length 5000 exceeds the 24 bytes the block holds");
    bfree(&file);

    /* a framing error is libpcap's to report, in its words, as without the walker */
    shb(&file, false);
    idb(&file, false);
    epb(&file, false, 60);
    put32o(&file, 6, false); put32o(&file, 13, false); put32o(&file, 0, false); put32o(&file, 13, false);
    write_file(tmp("bad-len.pcapng"), &file);
    char err2[256] = "";
    int frames2 = 0;
    got g2 = { 0 };
    int r = read_all(tmp("bad-len.pcapng"), &g2, &frames2, err, sizeof err);
    td_source *src = td_source_open_file(tmp("bad-len.pcapng"), err2, sizeof err2);
    td_frame f;
    int r2 = 0, n2 = 0;
    while (src && (r2 = td_source_next(src, &f, err2, sizeof err2)) == 1)
        n2++;
    td_source_close(src);
    CHECK(r == r2 && frames2 == n2);
    CHECK_STR(err, err2);
    bfree(&file);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tlsdiag-test-dsb-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(editcap_block_is_the_key_log);
    RUN(split_feeds_give_the_same);
    RUN(sections_in_both_byte_orders);
    RUN(truncated_anywhere);
    RUN(lying_lengths);
    RUN(bad_byte_order_magic);
    RUN(pcap_is_not_pcapng);
    RUN(source_hands_out_the_block);
    RUN(source_reports_a_bad_block_after_the_frames_before_it);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_done();
}
