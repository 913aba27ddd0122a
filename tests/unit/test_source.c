/* test_source.c - td_source (analyzer/capture/source_file.c) on capture files written here.
 * pcap (both byte orders, micro- and nanosecond magic), pcapng (both byte orders, default and
 * nanosecond if_tsresol), gzip copies (one member and several), stdin through a pipe (plain and
 * gzip), and damaged input: missing file, directory, bad magic, empty file, truncated record,
 * oversized record, corrupt and truncated gzip. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <zlib.h>

#include "check.h"
#include "analyzer/capture/source.h"

/* ---- test data ------------------------------------------------------------------------------ */

enum { NFRAMES = 5, NBIG = 300, MAXFRAME = 400 };

typedef struct rec {
    uint32_t sec, nsec;            /* the exact time */
    uint32_t caplen, len;
    uint8_t data[MAXFRAME];
} rec;

static rec recs[NBIG];
static char tmpdir[64];
static uint32_t ts_unit = 1;       /* 1000 while reading a microsecond file */
static bool check_frames = true;   /* false while reading damaged data: frames may be garbage */

/* Deterministic frames: varying sizes, some with len > caplen, semi-random bytes (so gzip has
 * real deflate data to damage). */
static void make_recs(void)
{
    uint32_t x = 12345;
    for (int i = 0; i < NBIG; i++) {
        rec *r = &recs[i];
        r->sec = 1700000000u + (uint32_t)i * 3;
        r->nsec = 123456789u + (uint32_t)i * 1001;     /* usec files keep nsec / 1000 */
        r->caplen = 54 + (uint32_t)(i * 37 % 300);
        r->len = r->caplen + (i % 3 == 2 ? 1000 : 0);
        for (uint32_t j = 0; j < r->caplen; j++) {
            x = x * 1103515245u + 12345u;
            r->data[j] = j < 12 ? (uint8_t)j : (uint8_t)((x >> 16) % 7 + 'a');
        }
    }
}

/* ---- a byte vector and the writers ---------------------------------------------------------- */

typedef struct vec {
    uint8_t *b;
    size_t n, cap;
} vec;

static void put(vec *v, const void *d, size_t n)
{
    if (v->n + n > v->cap) {
        v->cap = (v->n + n) * 2;
        v->b = realloc(v->b, v->cap);
    }
    memcpy(v->b + v->n, d, n);
    v->n += n;
}

static void put16(vec *v, bool be, uint16_t x)
{
    uint8_t b[2] = { (uint8_t)(be ? x >> 8 : x), (uint8_t)(be ? x : x >> 8) };
    put(v, b, 2);
}

static void put32(vec *v, bool be, uint32_t x)
{
    if (be) {
        put16(v, be, (uint16_t)(x >> 16));
        put16(v, be, (uint16_t)x);
    } else {
        put16(v, be, (uint16_t)x);
        put16(v, be, (uint16_t)(x >> 16));
    }
}

static void pcap_header(vec *v, bool be, bool nano, uint32_t snaplen, uint32_t linktype)
{
    put32(v, be, nano ? 0xa1b23c4d : 0xa1b2c3d4);
    put16(v, be, 2);
    put16(v, be, 4);
    put32(v, be, 0);               /* thiszone */
    put32(v, be, 0);               /* sigfigs */
    put32(v, be, snaplen);
    put32(v, be, linktype);
}

static void pcap_record(vec *v, bool be, bool nano, const rec *r)
{
    put32(v, be, r->sec);
    put32(v, be, nano ? r->nsec : r->nsec / 1000);
    put32(v, be, r->caplen);
    put32(v, be, r->len);
    put(v, r->data, r->caplen);
}

static vec write_pcap(bool be, bool nano, int n)
{
    vec v = { 0 };
    pcap_header(&v, be, nano, 65535, 1);
    for (int i = 0; i < n; i++)
        pcap_record(&v, be, nano, &recs[i]);
    return v;
}

static vec write_pcapng(bool be, bool nano, int n)
{
    vec v = { 0 };
    /* Section Header Block */
    put32(&v, be, 0x0a0d0d0a);
    put32(&v, be, 28);
    put32(&v, be, 0x1a2b3c4d);
    put16(&v, be, 1);
    put16(&v, be, 0);
    put32(&v, be, 0xffffffff);
    put32(&v, be, 0xffffffff);     /* section length: unknown */
    put32(&v, be, 28);
    /* Interface Description Block, with if_tsresol = 9 for nanoseconds */
    uint32_t idb_len = nano ? 32 : 20;
    put32(&v, be, 1);
    put32(&v, be, idb_len);
    put16(&v, be, 1);              /* LINKTYPE_ETHERNET */
    put16(&v, be, 0);
    put32(&v, be, 65535);
    if (nano) {
        put16(&v, be, 9);          /* if_tsresol */
        put16(&v, be, 1);
        put(&v, "\x09\0\0\0", 4);
        put16(&v, be, 0);          /* opt_endofopt */
        put16(&v, be, 0);
    }
    put32(&v, be, idb_len);
    /* Enhanced Packet Blocks */
    for (int i = 0; i < n; i++) {
        const rec *r = &recs[i];
        uint32_t padded = (r->caplen + 3) & ~3u;
        uint64_t ts = nano ? (uint64_t)r->sec * 1000000000u + r->nsec
                           : (uint64_t)r->sec * 1000000u + r->nsec / 1000;
        put32(&v, be, 6);
        put32(&v, be, 32 + padded);
        put32(&v, be, 0);
        put32(&v, be, (uint32_t)(ts >> 32));
        put32(&v, be, (uint32_t)ts);
        put32(&v, be, r->caplen);
        put32(&v, be, r->len);
        put(&v, r->data, r->caplen);
        put(&v, "\0\0\0", padded - r->caplen);
        put32(&v, be, 32 + padded);
    }
    return v;
}

static const char *path_of(const char *name)
{
    static char buf[8][128];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, sizeof buf[0], "%s/%s", tmpdir, name);
    return p;
}

static void save(const char *name, const void *d, size_t n)
{
    FILE *f = fopen(path_of(name), "wb");
    if (!f || fwrite(d, 1, n, f) != n) {
        perror(name);
        exit(2);
    }
    fclose(f);
}

/* gzip `v` into `name` as `members` concatenated gzip members. */
static void save_gz(const char *name, const vec *v, int members)
{
    const char *p = path_of(name);
    remove(p);
    size_t at = 0;
    for (int m = 0; m < members; m++) {
        size_t end = m == members - 1 ? v->n : v->n * (size_t)(m + 1) / (size_t)members;
        gzFile gz = gzopen(p, "ab");
        if (!gz || gzwrite(gz, v->b + at, (unsigned)(end - at)) != (int)(end - at)) {
            fprintf(stderr, "gzwrite %s failed\n", p);
            exit(2);
        }
        gzclose(gz);
        at = end;
    }
}

static vec load(const char *name)
{
    vec v = { 0 };
    FILE *f = fopen(path_of(name), "rb");
    uint8_t buf[4096];
    size_t n;
    while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
        put(&v, buf, n);
    if (f)
        fclose(f);
    return v;
}

/* ---- reading back --------------------------------------------------------------------------- */

/* Read `path` to the end: the frames must be recs[0..n) with exact times; returns what
 * td_source_next ended with (0 or -1), the error in err. */
static int read_all(const char *path, int n, int *got, char *err, size_t errlen)
{
    *got = 0;
    err[0] = '\0';
    td_source *src = td_source_open_file(path, err, errlen);
    if (!src)
        return -2;
    CHECK(td_source_linktype(src) == 1);
    CHECK(td_source_pcap(src) != NULL);
    td_frame f;
    int r;
    while ((r = td_source_next(src, &f, err, errlen)) == 1) {
        int i = (*got)++;
        if (!check_frames)
            continue;
        if (i >= n) {
            CHECK(i < n);
            continue;
        }
        const rec *e = &recs[i];
        CHECK(f.caplen == e->caplen);
        CHECK(f.wirelen == e->len);
        CHECK(f.caplen == e->caplen && memcmp(f.data, e->data, f.caplen) == 0);
        CHECK(f.ts_sec == e->sec);
        uint32_t nsec = e->nsec / ts_unit * ts_unit;
        CHECK(f.ts_nsec == nsec);
        double dt = f.ts - ((double)e->sec + nsec / 1e9);
        CHECK(dt < 1e-6 && dt > -1e-6);
    }
    td_source_close(src);
    return r;
}

static void expect_good(const char *path, int n)
{
    char err[256];
    int got;
    int r = read_all(path, n, &got, err, sizeof err);
    CHECK(r == 0);
    CHECK(got == n);
    if (r != 0)
        printf("    %s: r=%d got=%d err=%s\n", path, r, got, err);
}

/* ---- stdin through a pipe ------------------------------------------------------------------- */

typedef struct piped {
    pid_t child;
    int saved_stdin;
} piped;

static piped stdin_from(const vec *v)
{
    int p[2];
    piped s = { -1, -1 };
    fflush(stdout);
    if (pipe(p) != 0)
        return s;
    s.child = fork();
    if (s.child == 0) {
        close(p[0]);
        size_t at = 0;
        while (at < v->n) {
            ssize_t w = write(p[1], v->b + at, v->n - at);
            if (w <= 0)
                _exit(1);
            at += (size_t)w;
        }
        _exit(0);
    }
    close(p[1]);
    s.saved_stdin = dup(STDIN_FILENO);
    dup2(p[0], STDIN_FILENO);
    close(p[0]);
    return s;
}

static void stdin_restore(piped s)
{
    dup2(s.saved_stdin, STDIN_FILENO);
    close(s.saved_stdin);
    clearerr(stdin);
    int status;
    waitpid(s.child, &status, 0);
}

/* ---- tests ---------------------------------------------------------------------------------- */

TEST(pcap_all_variants)
{
    for (int be = 0; be < 2; be++) {
        for (int nano = 0; nano < 2; nano++) {
            char name[64];
            snprintf(name, sizeof name, "p_%s_%s.pcap", be ? "be" : "le", nano ? "ns" : "us");
            vec v = write_pcap(be, nano, NFRAMES);
            save(name, v.b, v.n);
            ts_unit = nano ? 1 : 1000;
            expect_good(path_of(name), NFRAMES);
            ts_unit = 1;
            free(v.b);
        }
    }
    /* no packets at all */
    vec v = write_pcap(false, false, 0);
    save("empty_body.pcap", v.b, v.n);
    expect_good(path_of("empty_body.pcap"), 0);
    free(v.b);
}

TEST(pcapng_both_orders)
{
    for (int be = 0; be < 2; be++) {
        for (int nano = 0; nano < 2; nano++) {
            char name[64];
            snprintf(name, sizeof name, "n_%s_%s.pcapng", be ? "be" : "le", nano ? "ns" : "us");
            vec v = write_pcapng(be, nano, NFRAMES);
            save(name, v.b, v.n);
            ts_unit = nano ? 1 : 1000;
            expect_good(path_of(name), NFRAMES);
            ts_unit = 1;
            free(v.b);
        }
    }
}

TEST(gzip_files)
{
    vec v = write_pcap(true, true, NBIG);
    save_gz("one.pcap.gz", &v, 1);
    expect_good(path_of("one.pcap.gz"), NBIG);
    save_gz("three.pcap.gz", &v, 3);                   /* concatenated members */
    expect_good(path_of("three.pcap.gz"), NBIG);
    free(v.b);

    v = write_pcapng(false, true, NFRAMES);
    save_gz("ng.pcapng.gz", &v, 1);
    expect_good(path_of("ng.pcapng.gz"), NFRAMES);
    free(v.b);

    /* trailing zeros after the last member are ignored, as gzip(1) does */
    vec gz = load("ng.pcapng.gz");
    put(&gz, "\0\0\0\0\0\0\0\0", 8);
    save("padded.pcapng.gz", gz.b, gz.n);
    expect_good(path_of("padded.pcapng.gz"), NFRAMES);
    free(gz.b);
}

TEST(stdin_pipe)
{
    vec v = write_pcap(false, true, NBIG);
    piped s = stdin_from(&v);
    CHECK(s.child > 0);
    td_source *src = NULL;
    char err[256] = "";
    src = td_source_open_file("-", err, sizeof err);
    CHECK(src != NULL);
    if (src) {
        CHECK_STR(td_source_name(src), "stdin");
        td_source_close(src);
    }
    stdin_restore(s);

    s = stdin_from(&v);
    expect_good("-", NBIG);
    stdin_restore(s);

    save_gz("pipe.pcap.gz", &v, 2);
    vec gz = load("pipe.pcap.gz");
    s = stdin_from(&gz);
    expect_good("-", NBIG);
    stdin_restore(s);
    free(gz.b);
    free(v.b);
}

TEST(open_errors)
{
    char err[256];
    CHECK(td_source_open_file(path_of("no-such-file.pcap"), err, sizeof err) == NULL);
    CHECK_STR(err, "cannot open: No such file or directory");

    CHECK(td_source_open_file(tmpdir, err, sizeof err) == NULL);
    CHECK_STR(err, "cannot read: Is a directory");

    static const char text[] = "this is not a capture file at all\n";
    save("text.pcap", text, sizeof text - 1);
    CHECK(td_source_open_file(path_of("text.pcap"), err, sizeof err) == NULL);
    CHECK_STR(err, "unknown file format");

    save("empty.pcap", "", 0);
    err[0] = '\0';
    CHECK(td_source_open_file(path_of("empty.pcap"), err, sizeof err) == NULL);
    CHECK(strstr(err, "empty") != NULL && strstr(err, "truncated") == NULL);   /* not "truncated" */

    save("one.pcap", "\xd4", 1);
    err[0] = '\0';
    CHECK(td_source_open_file(path_of("one.pcap"), err, sizeof err) == NULL);
    CHECK(err[0] != '\0');

    /* gzip of something that is not a capture */
    vec t = { 0 };
    put(&t, "hello, this is text and not pcap\n", 33);
    save_gz("text.gz", &t, 1);
    CHECK(td_source_open_file(path_of("text.gz"), err, sizeof err) == NULL);
    CHECK_STR(err, "unknown file format");
    free(t.b);

    /* NULL/zero-size error buffers are fine */
    CHECK(td_source_open_file(path_of("no-such-file.pcap"), NULL, 0) == NULL);
}

TEST(truncated_record)
{
    ts_unit = 1000;
    char err[256];
    int got;
    vec v = write_pcap(false, false, 3);
    save("cut.pcap", v.b, v.n - 10);
    CHECK(read_all(path_of("cut.pcap"), 3, &got, err, sizeof err) == -1);
    CHECK(got == 2);
    CHECK(strstr(err, "truncated dump file") != NULL);
    /* cut inside the last record header */
    save("cut2.pcap", v.b, v.n - recs[2].caplen - 5);
    CHECK(read_all(path_of("cut2.pcap"), 3, &got, err, sizeof err) == -1);
    CHECK(got == 2);
    CHECK(strstr(err, "truncated dump file") != NULL);
    free(v.b);

    v = write_pcapng(true, false, 3);
    save("cut.pcapng", v.b, v.n - 10);
    CHECK(read_all(path_of("cut.pcapng"), 3, &got, err, sizeof err) == -1);
    CHECK(got == 2);
    CHECK(err[0] != '\0');
    free(v.b);
    ts_unit = 1;
}

TEST(oversized_record)
{
    ts_unit = 1000;
    /* A record claiming more than any snap length: libpcap's own message is passed on. */
    vec v = { 0 };
    pcap_header(&v, false, false, 65535, 1);
    pcap_record(&v, false, false, &recs[0]);
    put32(&v, false, 1);
    put32(&v, false, 0);
    put32(&v, false, 300000);
    put32(&v, false, 300000);
    put(&v, recs[1].data, 100);
    save("huge.pcap", v.b, v.n);
    char err[256];
    int got;
    CHECK(read_all(path_of("huge.pcap"), 1, &got, err, sizeof err) == -1);
    CHECK(got == 1);
    CHECK(strstr(err, "invalid packet capture length") != NULL);
    if (!strstr(err, "invalid packet capture length"))
        printf("    err=%s\n", err);
    free(v.b);
    ts_unit = 1;
}

TEST(corrupt_gzip)
{
    ts_unit = 1000;
    vec v = write_pcap(false, false, NBIG);
    save_gz("good.pcap.gz", &v, 1);
    vec gz = load("good.pcap.gz");
    /* Damage the deflate data at several places, one file each.  zlib may inflate garbage for a
     * while before it notices (at the latest at the CRC), so the frames are not compared. */
    check_frames = false;
    static const double where[] = { 0.1, 0.3, 0.5, 0.7, 0.95 };
    for (size_t k = 0; k < sizeof where / sizeof where[0]; k++) {
        vec bad = { 0 };
        put(&bad, gz.b, gz.n);
        size_t at = (size_t)(where[k] * (double)(gz.n - 8));
        for (size_t i = 0; i < 4; i++)
            bad.b[at + i] ^= 0x5a;
        save("bad.pcap.gz", bad.b, bad.n);
        char err[256];
        int got;
        int r = read_all(path_of("bad.pcap.gz"), NBIG, &got, err, sizeof err);
        CHECK(r == -1 || r == -2);
        CHECK(strstr(err, "gzip data corrupt") != NULL);
        if (!strstr(err, "gzip data corrupt"))
            printf("    at %zu: r=%d got=%d err=%s\n", at, r, got, err);
        free(bad.b);
    }
    check_frames = true;
    /* Damaged trailer (CRC): every frame arrives, then the error. */
    vec bad = { 0 };
    put(&bad, gz.b, gz.n);
    bad.b[gz.n - 6] ^= 0xff;
    save("badcrc.pcap.gz", bad.b, bad.n);
    char err[256];
    int got;
    CHECK(read_all(path_of("badcrc.pcap.gz"), NBIG, &got, err, sizeof err) == -1);
    CHECK(got == NBIG);
    CHECK_STR(err, "gzip data corrupt: incorrect data check");
    free(bad.b);
    free(gz.b);
    free(v.b);
    ts_unit = 1;
}

TEST(truncated_gzip)
{
    ts_unit = 1000;
    vec v = write_pcap(false, false, NBIG);
    save_gz("full.pcap.gz", &v, 1);
    vec gz = load("full.pcap.gz");
    char err[256];
    int got;

    save("half.pcap.gz", gz.b, gz.n / 2);
    CHECK(read_all(path_of("half.pcap.gz"), NBIG, &got, err, sizeof err) == -1);
    CHECK(got > 0 && got < NBIG);
    CHECK_STR(err, "gzip stream truncated");

    /* only the trailer missing: all frames, then the error */
    save("notrailer.pcap.gz", gz.b, gz.n - 8);
    CHECK(read_all(path_of("notrailer.pcap.gz"), NBIG, &got, err, sizeof err) == -1);
    CHECK(got == NBIG);
    CHECK_STR(err, "gzip stream truncated");

    /* cut inside the gzip header: the open fails, naming gzip */
    save("head.pcap.gz", gz.b, 5);
    CHECK(read_all(path_of("head.pcap.gz"), NBIG, &got, err, sizeof err) == -2);
    CHECK_STR(err, "gzip stream truncated");

    /* the same through a pipe */
    vec half = { 0 };
    put(&half, gz.b, gz.n / 2);
    piped s = stdin_from(&half);
    CHECK(read_all("-", NBIG, &got, err, sizeof err) == -1);
    CHECK_STR(err, "gzip stream truncated");
    stdin_restore(s);
    free(half.b);
    free(gz.b);
    free(v.b);
    ts_unit = 1;
}

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tlsdiag-test-source-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    make_recs();
    RUN(pcap_all_variants);
    RUN(pcapng_both_orders);
    RUN(gzip_files);
    RUN(stdin_pipe);
    RUN(open_errors);
    RUN(truncated_record);
    RUN(oversized_record);
    RUN(corrupt_gzip);
    RUN(truncated_gzip);
    remove_tmpdir();
    return check_done();
}
