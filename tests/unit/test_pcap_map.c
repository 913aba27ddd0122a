/* test_pcap_map.c - the memory-mapped file reader (analyzer/capture/pcap_map.c, source_map.c)
 * against libpcap on files written here: pcap (both byte orders, micro- and nanosecond magic,
 * version 2.3), pcapng (both byte orders; several IDBs with their if_tsresol, decimal and binary,
 * and if_tsoffset; EPB, SPB, obsolete PB; unknown blocks; a second section; Decryption Secrets
 * Blocks), and every kind of damage: truncated final packet and record header, block total
 * lengths that disagree, an impossible length, a block beyond the end, a captured length beyond
 * its block, over the snapshot length and over libpcap's maximum, a packet on an interface never
 * described, an interface of another link type, a section of the other byte order, malformed IDB
 * options, a bad secrets block.  For each: the mapped reader alone (where it stops and why), and
 * td_source both ways (default, and TLSDIAG_READER=pcap): the same frames, bytes and times, the
 * same end and the same message, with and without a BPF filter.  Then a sparse file over 4 GiB. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "pcap_writer.h"
#include "analyzer/capture/pcap_map.h"
#include "analyzer/capture/source.h"

static char tmpdir[64];

static const char *save(const char *name, const vec *v)
{
    static char paths[16][128];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, sizeof paths[0], "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(v->b, 1, v->n, f) != v->n) {
        perror(p);
        exit(2);
    }
    fclose(f);
    return p;
}

/* ---- reading both ways ---------------------------------------------------------------------- */

typedef struct outcome {
    int frames, end;               /* frames handed out; td_source_next's last answer */
    uint64_t hash;                 /* FNV-1a over every frame's lengths, time and bytes */
    char err[256];
    int dlt;
    uint64_t secrets;              /* key-log bytes handed out */
    uint64_t secrets_hash;         /* over their origins and bytes, in order (the libpcap path
                                    * reads ahead, so they may come earlier among the frames) */
} outcome;

static void fold(uint64_t *h, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        *h = (*h ^ ((const uint8_t *)p)[i]) * 0x100000001b3ull;
}

static void count_secrets(void *ctx, const char *origin, const uint8_t *data, size_t len)
{
    outcome *o = ctx;
    fold(&o->secrets_hash, origin, strlen(origin));
    fold(&o->secrets_hash, data, len);
    o->secrets += len;
}

/* reader: NULL (the default: read windows), "mmap" or "pcap". */
static outcome read_way(const char *path, const char *reader, const char *filter)
{
    outcome o = { .hash = 0xcbf29ce484222325ull, .secrets_hash = 0xcbf29ce484222325ull };
    if (reader)
        setenv("TLSDIAG_READER", reader, 1);
    td_file_config cfg = { .on_secrets = count_secrets, .ctx = &o };
    td_source *src = td_source_open_file_cfg(path, &cfg, o.err, sizeof o.err);
    unsetenv("TLSDIAG_READER");
    if (!src) {
        o.end = -2;
        return o;
    }
    o.dlt = td_source_linktype(src);
    if (filter && td_source_set_filter(src, filter, o.err, sizeof o.err) != 0) {
        td_source_close(src);
        o.end = -3;
        return o;
    }
    td_frame f;
    while ((o.end = td_source_next(src, &f, o.err, sizeof o.err)) == 1) {
        o.frames++;
        uint64_t w[4] = { f.caplen, f.wirelen, f.ts_sec, f.ts_nsec };
        fold(&o.hash, w, sizeof w);
        fold(&o.hash, f.data, f.caplen);
        double dt = f.ts - ((double)f.ts_sec + f.ts_nsec / 1e9);
        CHECK(dt == 0);
    }
    td_source_close(src);
    return o;
}

static void agree(const char *path, outcome m, outcome p);

/* The three ways agree (read windows, memory map, libpcap); returns the default's outcome. */
static outcome both_ways(const char *path, const char *filter)
{
    outcome m = read_way(path, NULL, filter), p = read_way(path, "pcap", filter);
    agree(path, m, p);
    agree(path, read_way(path, "mmap", filter), p);
    return m;
}

static void agree(const char *path, outcome m, outcome p)
{
    CHECK(m.frames == p.frames);
    CHECK(m.end == p.end);
    CHECK(m.hash == p.hash);
    CHECK(m.dlt == p.dlt);
    CHECK(m.secrets == p.secrets && m.secrets_hash == p.secrets_hash);
    CHECK_STR(m.err, p.err);
    if (m.frames != p.frames || m.end != p.end || m.hash != p.hash || strcmp(m.err, p.err) != 0)
        printf("    %s: in place %d frames end %d \"%s\"; libpcap %d frames end %d \"%s\"\n", path,
               m.frames, m.end, m.err, p.frames, p.end, p.err);
}

/* The mapped reader alone: how many packets before it stops or ends, and why. */
static int map_alone(const vec *v, uint32_t snapshot, int *packets, char *why, size_t whylen)
{
    td_map_reader r;
    if (v->n >= 24 && v->b[0] != 0x0A) {                 /* pcap: the header's, as libpcap adjusts it */
        uint32_t s = (uint32_t)v->b[16] | (uint32_t)v->b[17] << 8 | (uint32_t)v->b[18] << 16 | (uint32_t)v->b[19] << 24;
        if (v->b[0] == 0xa1)
            s = __builtin_bswap32(s);
        snapshot = s == 0 || s > 262144 ? 262144 : s;
    }
    *packets = 0;
    why[0] = '\0';
    if (!td_map_init(&r, v->b, v->n, true, 1, snapshot)) {
        snprintf(why, whylen, "%s", r.why);
        td_map_free(&r);
        return -3;
    }
    td_map_packet pkt;
    int rc;
    while ((rc = td_map_next(&r, &pkt)) == TD_MAP_PACKET) {
        (*packets)++;
        CHECK(pkt.data >= v->b && pkt.data + pkt.caplen <= v->b + v->n);   /* no copy, inside */
    }
    snprintf(why, whylen, "%s", r.why);
    td_map_free(&r);
    return rc;
}

/* ---- the tests ------------------------------------------------------------------------------ */

TEST(good_files_read_in_place)
{
    char why[160];
    int n;
    for (int be = 0; be < 2; be++)
        for (int nano = 0; nano < 2; nano++) {
            vec v = good_pcap(be, nano, 40);
            CHECK(map_alone(&v, 65535, &n, why, sizeof why) == TD_MAP_END && n == 40);
            outcome o = both_ways(save("good.pcap", &v), NULL);
            CHECK(o.frames == 40 && o.end == 0 && o.dlt == 1);
            o = both_ways(save("good.pcap", &v), "tcp port 443");
            CHECK(o.frames == 20);
            free(v.b);
        }
    for (int be = 0; be < 2; be++) {
        vec v = good_pcapng(be, 30);
        CHECK(map_alone(&v, 65535, &n, why, sizeof why) == TD_MAP_END && n == 30);
        outcome o = both_ways(save("good.pcapng", &v), NULL);
        CHECK(o.frames == 30 && o.end == 0);
        both_ways(save("good.pcapng", &v), "tcp port 80");
        /* A second section of the same byte order, its own interfaces. */
        shb(&v, be);
        idb(&v, be, 1, 65535, 6, 0);
        epb(&v, be, 0, 1700000000123456ull, 99, 64, 64);
        CHECK(map_alone(&v, 65535, &n, why, sizeof why) == TD_MAP_END && n == 31);
        CHECK(both_ways(save("two-sections.pcapng", &v), NULL).frames == 31);
        free(v.b);
    }
}

/* A damaged copy: the mapped reader stops at packet `at` with a reason containing `why`, and
 * both ways agree (libpcap's message, or its acceptance). */
static void damaged(const char *name, const vec *v, int at, const char *why, bool pcap_fails)
{
    char got[160];
    int n;
    int rc = map_alone(v, 65535, &n, got, sizeof got);
    CHECK(rc == TD_MAP_STOP);
    CHECK(n == at);
    CHECK(strstr(got, why) != NULL);
    if (rc != TD_MAP_STOP || n != at || !strstr(got, why))
        printf("    %s: rc %d after %d packets: %s\n", name, rc, n, got);
    outcome o = both_ways(save(name, v), NULL);
    CHECK(o.frames >= at);
    CHECK(pcap_fails ? o.end == -1 && o.err[0] : o.end == 0);
    both_ways(save(name, v), "tcp port 443");
}

/* Times at the edges of libpcap's 32-bit fields: seconds past 2^31 (signed in a file of the
 * host's byte order, unsigned in the other: libpcap's byte swap), fractions past 10^9. */
TEST(timestamp_edges)
{
    static const uint32_t t[][2] = { { 0x94ee0ea1u, 5 }, { 5, 0xfffffff0u }, { 0x80000000u, 0x80000000u },
                                     { 1, 999999999 } };
    for (int be = 0; be < 2; be++)
        for (int nano = 0; nano < 2; nano++) {
            vec v = { 0 };
            pcap_hdr(&v, be, nano, 4, 65535);
            for (int i = 0; i < 4; i++) {
                put32(&v, be, t[i][0]);
                put32(&v, be, t[i][1]);
                put32(&v, be, 60);
                put32(&v, be, 60);
                frame(&v, i, 60);
            }
            CHECK(both_ways(save("times.pcap", &v), NULL).frames == 4);
            free(v.b);
        }
}

TEST(pcap_damage)
{
    vec v = good_pcap(false, false, 10);
    vec cut = v;
    cut.n -= 5;
    damaged("cut-data.pcap", &cut, 9, "truncated packet data", true);
    cut.n = v.n - (60 + 27 + 16) + 7;                 /* 7 bytes of the last record header */
    damaged("cut-header.pcap", &cut, 9, "truncated record header", true);
    /* Captured length over the snapshot length (libpcap cuts it to the snapshot length). */
    set32(&v, 24 + 8, false, 65535 + 100);
    damaged("over-snaplen.pcap", &v, 0, "snapshot length", true);
    vec w = { 0 };
    pcap_hdr(&w, false, false, 4, 100);
    pcap_rec(&w, false, 0, 60, 60);
    pcap_rec(&w, false, 1, 150, 150);               /* the snapshot length lies: 150 > 100 */
    pcap_rec(&w, false, 2, 60, 60);
    damaged("snaplen-lies.pcap", &w, 1, "snapshot length", false);
    free(w.b);
    w = (vec){ 0 };
    pcap_hdr(&w, true, true, 4, 0);                   /* snapshot 0: libpcap's maximum */
    pcap_rec(&w, true, 0, 60, 60);
    pcap_rec(&w, true, 1, 60, 30);                    /* caplen > len: handed out as is */
    w.n += 0;
    put32(&w, true, 1), put32(&w, true, 2), put32(&w, true, 300000), put32(&w, true, 300000);
    damaged("huge.pcap", &w, 2, "snapshot length", true);
    free(w.b);
    free(v.b);
    /* Version 2.3 (lengths maybe swapped) is left to libpcap from the start. */
    w = (vec){ 0 };
    pcap_hdr(&w, false, false, 3, 65535);
    pcap_rec(&w, false, 0, 60, 60);
    char why[160];
    int n;
    CHECK(map_alone(&w, 65535, &n, why, sizeof why) == -3);
    CHECK(both_ways(save("v23.pcap", &w), NULL).frames == 1);
    free(w.b);
}

TEST(pcapng_damage)
{
    vec v = good_pcapng(false, 8), d;
    size_t last = v.n - (8 + 20 + 68 + 4);           /* the last EPB: 67 bytes padded to 68 */
    d = v;
    d.n -= 3;
    damaged("cut.pcapng", &d, 7, "cut short", true);
    d.n = last + 5;
    damaged("cut-header.pcapng", &d, 7, "truncated block header", true);
    d = (vec){ malloc(v.n), v.n, v.n };
    memcpy(d.b, v.b, v.n);
    set32(&d, d.n - 4, false, 1000);
    damaged("trailer.pcapng", &d, 7, "trailer differ", true);
    memcpy(d.b, v.b, v.n);
    set32(&d, last + 4, false, 102);
    damaged("not4.pcapng", &d, 7, "impossible", true);
    memcpy(d.b, v.b, v.n);
    set32(&d, last + 4, false, 8);
    damaged("small.pcapng", &d, 7, "impossible", true);
    memcpy(d.b, v.b, v.n);
    set32(&d, last + 4, false, 1u << 30);
    damaged("huge-block.pcapng", &d, 7, "impossible", true);
    memcpy(d.b, v.b, v.n);
    set32(&d, last + 8 + 12, false, 200);             /* caplen beyond the block */
    damaged("caplen-beyond.pcapng", &d, 7, "beyond its block", true);
    memcpy(d.b, v.b, v.n);
    set32(&d, last + 8, false, 5);                    /* interface 5 */
    damaged("no-idb.pcapng", &d, 7, "no Interface Description Block", true);
    free(d.b);
    /* An interface of another link type; a section of the other byte order; bad options. */
    d = v, d.b = malloc(v.n + 4096), d.cap = v.n + 4096;
    memcpy(d.b, v.b, v.n);
    idb(&d, false, 113, 65535, 0, 0);
    epb(&d, false, 2, 1, 50, 60, 60);
    damaged("other-linktype.pcapng", &d, 8, "unlike the first", true);
    d.n = v.n;
    shb(&d, true);
    damaged("other-order.pcapng", &d, 8, "at byte", true);
    d.n = v.n;
    idb(&d, false, 1, 65535, 9, 0);
    d.b[d.n - 14] = 2;                                /* if_tsresol of length 2 */
    damaged("bad-option.pcapng", &d, 8, "options malformed", true);
    d.n = v.n;
    idb(&d, false, 1, 65535, 9, 0);
    epb(&d, false, 2, 1, 50, 300, 300);
    d.b[d.n - 4 - 300 - 8 + 3] = 0x20;                    /* caplen 300 -> 0x2000012c: over the snapshot */
    damaged("over-snaplen.pcapng", &d, 8, "snapshot length", true);
    free(d.b);
    free(v.b);
}

TEST(secrets_blocks)
{
    for (int be = 0; be < 2; be++) {
        vec v = { 0 };
        shb(&v, be);
        dsb(&v, be, "CLIENT_RANDOM 00 11\n", 0);
        idb(&v, be, 1, 65535, 0, 0);
        for (int i = 0; i < 5; i++)
            epb(&v, be, 0, 1700000000000000ull + (uint64_t)i, i, 60, 60);
        dsb(&v, be, "CLIENT_RANDOM 22 33\n", 0);
        epb(&v, be, 0, 1700000000000009ull, 9, 60, 60);
        outcome o = both_ways(save("dsb.pcapng", &v), NULL);
        CHECK(o.frames == 6 && o.end == 0 && o.secrets == 40);
        /* A damaged packet after both: the hand-over must not hand the keys out twice. */
        vec d = v;
        d.n -= 2;
        o = both_ways(save("dsb-cut.pcapng", &d), NULL);
        CHECK(o.frames == 5 && o.end == -1 && o.secrets == 40);
        /* A secrets length beyond its block: the frames before it, then the walker's error. */
        dsb(&v, be, "CLIENT_RANDOM 44 55\n", 5000);
        epb(&v, be, 0, 1700000000000010ull, 10, 60, 60);
        o = both_ways(save("dsb-bad.pcapng", &v), NULL);
        CHECK(o.frames == 6 && o.end == -1 && strstr(o.err, "secrets length") != NULL);
        free(v.b);
    }
}

/* The reader fed in windows of a few bytes to a few KiB, as the file source feeds it (the record
 * cut by a window's end moved to the front of the next): the same packets as in one window. */
static void windows_agree(const vec *v, uint32_t seed)
{
    td_map_reader whole, part;
    td_map_packet a, b;
    CHECK(td_map_init(&whole, v->b, v->n, true, 1, 65535));
    size_t given = 64 < v->n ? 64 : v->n;
    CHECK(td_map_init(&part, v->b, given, given == v->n, 1, 65535));
    int ra, rb, packets = 0;
    do {
        ra = td_map_next(&whole, &a);
        while ((rb = td_map_next(&part, &b)) == TD_MAP_MORE) {
            seed = seed * 1103515245u + 12345u;
            size_t from = (size_t)(part.window_off + part.pos);
            given = from + (part.size - part.pos) + 1 + (seed >> 16) % ((seed & 1) ? 40 : 5000);
            if (given > v->n)
                given = v->n;
            td_map_window(&part, v->b + from, given - from, from, given == v->n);
        }
        CHECK(ra == rb);
        if (ra == TD_MAP_PACKET && rb == TD_MAP_PACKET) {
            packets++;
            CHECK(a.data == b.data && a.caplen == b.caplen && a.len == b.len);
            CHECK(a.ts_sec == b.ts_sec && a.ts_nsec == b.ts_nsec);
        }
    } while (ra == TD_MAP_PACKET && rb == TD_MAP_PACKET);
    CHECK(packets > 0);
    td_map_free(&whole);
    td_map_free(&part);
}

TEST(windows)
{
    for (uint32_t seed = 1; seed < 40; seed++) {
        vec v = seed & 1 ? good_pcapng(seed & 2, 60) : good_pcap(seed & 2, seed & 4, 60);
        windows_agree(&v, seed);
        v.n -= seed;                                  /* damaged at the end: the same stop */
        windows_agree(&v, seed);
        free(v.b);
    }
}

/* Files of several read windows (over 1 MiB): records cut by the windows' ends, secrets blocks
 * before and after a window's end, a packet damaged at the very end. */
TEST(large_files)
{
    vec v = { 0 };
    shb(&v, false);
    idb(&v, false, 1, 65535, 9, 0);
    for (int i = 0; i < 9000; i++) {
        if (i % 2500 == 7)
            dsb(&v, false, "CLIENT_RANDOM 66 77\n", 0);
        epb(&v, false, 0, 1700000000000000000ull + (uint64_t)i * 1000, i, 100 + (uint32_t)(i * 37 % 1400), 1514);
    }
    outcome o = both_ways(save("large.pcapng", &v), NULL);
    CHECK(o.frames == 9000 && o.end == 0 && o.secrets == 80 && v.n > (3u << 20));
    v.n -= 10;
    o = both_ways(save("large-cut.pcapng", &v), "tcp port 443");
    CHECK(o.end == -1);
    free(v.b);
    v = good_pcap(true, true, 0);
    for (int i = 0; i < 9000; i++)
        pcap_rec(&v, true, i, 60 + (uint32_t)(i * 41 % 1450), 1514);
    o = both_ways(save("large.pcap", &v), NULL);
    CHECK(o.frames == 9000 && o.end == 0);
    set32(&v, v.n / 2 - v.n / 2 % 4, true, 0x7fffffff);   /* a lying length somewhere */
    both_ways(save("large-bad.pcap", &v), NULL);
    free(v.b);
}

/* A sparse file a little over 4 GiB on tmpfs: records of 256 KiB whose bytes are holes; the last
 * frame starts past 2^32 and is read where it lies. */
TEST(over_4gib)
{
    if (sizeof(size_t) < 8 || access("/dev/shm", W_OK) != 0) {
        printf("    skipped: no 64-bit size_t or no /dev/shm\n");
        return;
    }
    char path[64];
    snprintf(path, sizeof path, "/dev/shm/tlsdiag-test-4g-%d.pcap", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    vec h = { 0 };
    pcap_hdr(&h, false, true, 4, 262144);
    const uint32_t cap = 262144;
    uint64_t off = h.n;
    int n = 0;
    while (off < (5ull << 30) / 4 * 4 - (4ull << 28)) {   /* to about 4.75 GiB */
        h.n = 0;
        put32(&h, false, 1700000000u + (uint32_t)n);
        put32(&h, false, (uint32_t)n);
        put32(&h, false, cap);
        put32(&h, false, cap);
        CHECK(pwrite(fd, h.b, 16, (off_t)off) == 16);
        off += 16 + cap;
        n++;
    }
    CHECK(ftruncate(fd, (off_t)off) == 0);
    h.n = 0;
    pcap_hdr(&h, false, true, 4, 262144);
    CHECK(pwrite(fd, h.b, 24, 0) == 24);
    close(fd);
    free(h.b);
    char err[256];
    td_source *src = td_source_open_file(path, err, sizeof err);
    CHECK(src != NULL);
    int frames = 0;
    td_frame f = { 0 }, last = { 0 };
    uint64_t pos = 0, size = 0;
    while (src && td_source_next(src, &f, err, sizeof err) == 1) {
        frames++;
        last = f;
        pos = td_source_position(src, &size);
    }
    CHECK(frames == n);
    CHECK(last.ts_sec == 1700000000u + (uint32_t)(n - 1) && last.ts_nsec == (uint32_t)(n - 1));
    CHECK(size == off && pos == off && off > (4ull << 30));
    td_source_close(src);
    unlink(path);
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
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tlsdiag-test-pcap-map-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    unsetenv("TLSDIAG_READER");
    RUN(good_files_read_in_place);
    RUN(timestamp_edges);
    RUN(pcap_damage);
    RUN(pcapng_damage);
    RUN(secrets_blocks);
    RUN(windows);
    RUN(large_files);
    RUN(over_4gib);
    remove_tmpdir();
    return check_done();
}
