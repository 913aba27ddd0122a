/* fuzz_pcap_map.c - the in-place capture-file reader (pcap_map.h), alone and inside the file
 * source, against libpcap.
 *
 * Input: one byte seeding how the file is cut into windows, then the file (pcap or pcapng).
 * First the reader alone (link type Ethernet, the snapshot length from the seed): over the file
 * as one window, and over windows of pseudo-random sizes as the file source makes them (the
 * record cut by a window's end moved to the next); both must hand out the same packets, each
 * inside the bytes given, and end the same way; a stop must say why.  Then the file from a memfd
 * through td_source, read in place (the default, then TLSDIAG_READER=mmap) and through libpcap
 * (TLSDIAG_READER=pcap): the same frames (lengths, times, bytes), the same end and the same
 * message, the same key logs (Decryption Secrets Blocks), with and without a filter. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyzer/capture/pcap_map.h"
#include "analyzer/capture/source.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    memfd = memfd_create("tlsdiag-fuzz-pcap-map", MFD_CLOEXEC);
    if (memfd < 0) {
        perror("memfd_create");
        abort();
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
    return 0;
}

static void fold(uint64_t *h, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        *h = (*h ^ ((const uint8_t *)p)[i]) * 0x100000001b3ull;
}

/* ---- the reader alone ----------------------------------------------------------------------- */

typedef struct walk {
    int end, packets;
    uint64_t hash;
    char why[160];
} walk;

static walk read_windows(const uint8_t *data, size_t size, uint32_t snapshot, uint8_t seed)
{
    walk w = { .hash = 0xcbf29ce484222325ull };
    td_map_reader r;
    uint32_t x = seed;
    size_t given = seed ? (size < 24 ? size : 24 + (size_t)(seed % 64)) : size;
    if (given > size)
        given = size;
    if (!td_map_init(&r, data, given, given == size, 1, snapshot)) {
        if (!r.why[0]) abort();
        w.end = -3;
        td_map_free(&r);
        return w;
    }
    td_map_packet p;
    for (;;) {
        int rc = td_map_next(&r, &p);
        if (rc == TD_MAP_MORE) {
            if (r.eof) abort();                        /* more is never asked at the end */
            size_t from = (size_t)(r.window_off + r.pos);
            x = x * 1103515245u + 12345u;
            size_t want = from + (size_t)(r.size - r.pos) + 1 + (x >> 16) % (seed & 0x80 ? 4096 : 48);
            if (want > size) want = size;
            td_map_window(&r, data + from, want - from, from, want == size);
            continue;
        }
        if (rc != TD_MAP_PACKET) {
            w.end = rc;
            break;
        }
        /* Inside the window, under the snapshot length, never a copy. */
        if (p.data < r.base || p.caplen > r.size || p.data + p.caplen > r.base + r.size) abort();
        if (p.caplen > snapshot) abort();
        w.packets++;
        uint64_t v[4] = { p.caplen, p.len, p.ts_sec, p.ts_nsec };
        fold(&w.hash, v, sizeof v);
        fold(&w.hash, p.data, p.caplen);
    }
    if (w.end == TD_MAP_STOP && !r.why[0]) abort();
    if (w.end == TD_MAP_STOP)
        snprintf(w.why, sizeof w.why, "%s", r.why);
    td_map_free(&r);
    return w;
}

/* ---- through the file source ---------------------------------------------------------------- */

typedef struct seen {
    int end, frames, dlt;
    uint64_t hash, keys;
    char err[256];
} seen;

static void on_keys(void *ctx, const char *origin, const uint8_t *data, size_t len)
{
    seen *s = ctx;
    fold(&s->keys, origin, strlen(origin));
    fold(&s->keys, data, len);
}

static seen read_source(const char *reader, const char *filter)
{
    seen s = { .hash = 0xcbf29ce484222325ull, .keys = 0xcbf29ce484222325ull };
    if (reader) setenv("TLSDIAG_READER", reader, 1);
    else unsetenv("TLSDIAG_READER");
    td_file_config cfg = { .on_secrets = on_keys, .ctx = &s };
    td_source *src = td_source_open_file_cfg(path, &cfg, s.err, sizeof s.err);
    unsetenv("TLSDIAG_READER");
    if (!src) {
        s.end = -2;
        return s;
    }
    s.dlt = td_source_linktype(src);
    if (filter && td_source_set_filter(src, filter, s.err, sizeof s.err) != 0) {
        td_source_close(src);
        s.end = -3;
        return s;
    }
    td_frame f;
    while ((s.end = td_source_next(src, &f, s.err, sizeof s.err)) == 1) {
        s.frames++;
        uint64_t v[4] = { f.caplen, f.wirelen, f.ts_sec, f.ts_nsec };
        fold(&s.hash, v, sizeof v);
        fold(&s.hash, f.data, f.caplen);
    }
    if (s.end == -1 && !s.err[0]) abort();
    td_source_close(src);
    return s;
}

static void same(const seen *a, const seen *b)
{
    if (a->end != b->end || a->frames != b->frames || a->hash != b->hash || a->keys != b->keys ||
        a->dlt != b->dlt || strcmp(a->err, b->err) != 0) {
        fprintf(stderr, "readers differ: %d frames end %d dlt %d \"%s\" / %d frames end %d dlt %d \"%s\"\n",
                a->frames, a->end, a->dlt, a->err, b->frames, b->end, b->dlt, b->err);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t seed = data[0];
    data++;
    size--;

    static const uint32_t snaps[4] = { 65535, 262144, 100, 1 };
    uint32_t snapshot = snaps[seed & 3];
    walk whole = read_windows(data, size, snapshot, 0);
    walk parts = read_windows(data, size, snapshot, seed ? seed : 1);
    if (whole.end != parts.end || whole.packets != parts.packets || whole.hash != parts.hash ||
        strcmp(whole.why, parts.why) != 0)
        abort();

    if (ftruncate(memfd, 0) != 0 || (size && pwrite(memfd, data, size, 0) != (ssize_t)size)) abort();
    const char *filter = seed & 0x40 ? "tcp port 443 or udp" : NULL;
    seen lib = read_source("pcap", filter);
    seen in_place = read_source(NULL, filter);
    same(&in_place, &lib);
    seen mapped = read_source("mmap", filter);
    same(&mapped, &lib);
    return 0;
}
