/* fuzz_pcapng_secrets.c - the pcapng Decryption Secrets Block walker (pcapng_secrets.h), alone and
 * inside the file source (td_source_open_file_cfg with on_secrets).
 *
 * Input: one byte seeding how the rest is cut into feeds, then the file.  The file is walked in
 * one feed, then in pieces of pseudo-random sizes (1 to 64 bytes, or up to 4 KB): both walks must
 * hand out the same blocks (type, offset, bytes) and end in the same status and message; a failed
 * walk must say why.  Then the file is read through the source from a memfd, as tlsdiag reads it,
 * every frame taken. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyzer/capture/pcapng_secrets.h"
#include "analyzer/capture/source.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    memfd = memfd_create("tlsdiag-fuzz-dsb", MFD_CLOEXEC);
    if (memfd < 0) {
        perror("memfd_create");
        abort();
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
    return 0;
}

/* What a walk handed out, folded into a hash (FNV-1a) and a count. */
typedef struct tally {
    uint64_t hash, count, bytes;
} tally;

static void fold(tally *t, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        t->hash = (t->hash ^ b[i]) * 0x100000001b3ull;
}

static void on_block(void *ctx, uint32_t type, const uint8_t *data, size_t len, uint64_t offset)
{
    tally *t = ctx;
    if (len > TD_PCAPNG_SECRETS_MAX) abort();
    t->count++;
    t->bytes += len;
    fold(t, &type, sizeof type);
    fold(t, &offset, sizeof offset);
    fold(t, &len, sizeof len);
    fold(t, data, len);
}

static td_pcapng_status walk(const uint8_t *data, size_t size, uint8_t seed, tally *t, char *err, size_t errlen)
{
    td_pcapng_walker w;
    *t = (tally){ .hash = 0xcbf29ce484222325ull };
    td_pcapng_walker_init(&w, on_block, t);
    uint32_t x = seed;
    size_t max = seed & 0x80 ? 4096 : 64;
    for (size_t off = 0; off < size;) {
        size_t n = size - off;
        if (seed) {
            x = x * 1103515245u + 12345u;
            size_t piece = 1 + (x >> 16) % max;
            if (piece < n) n = piece;
        }
        td_pcapng_status st = td_pcapng_walker_feed(&w, data + off, n);
        if (w.pos > off + n) abort();                  /* never more than it was given */
        off += n;
        if (st != TD_PCAPNG_OK && seed) {
            /* a failed walker takes nothing more */
            uint64_t pos = w.pos;
            td_pcapng_walker_feed(&w, data + off, size - off);
            if (w.pos != pos) abort();
            break;
        }
    }
    td_pcapng_status st = td_pcapng_walker_finish(&w);
    if ((st == TD_PCAPNG_BAD_BLOCK || st == TD_PCAPNG_BAD_SECRETS) && !w.err[0]) abort();
    if (st == TD_PCAPNG_NOT_PCAPNG && t->count) abort();
    if (w.body_cap > TD_PCAPNG_SECRETS_MAX) abort();
    snprintf(err, errlen, "%s", w.err);
    td_pcapng_walker_free(&w);
    return st;
}

static void source_secrets(void *ctx, const char *origin, const uint8_t *data, size_t len)
{
    uint64_t *n = ctx;
    if (!origin || !strstr(origin, "Decryption Secrets Block at byte")) abort();
    if (len && !data) abort();
    (*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t seed = data[0];
    data++;
    size--;

    tally whole, pieces;
    char err1[160], err2[160];
    td_pcapng_status a = walk(data, size, 0, &whole, err1, sizeof err1);
    td_pcapng_status b = walk(data, size, seed ? seed : 1, &pieces, err2, sizeof err2);
    if (a != b || whole.hash != pieces.hash || whole.count != pieces.count || strcmp(err1, err2) != 0)
        abort();

    /* The file source, with the walker on the bytes libpcap reads. */
    if (ftruncate(memfd, 0) != 0 || pwrite(memfd, data, size, 0) != (ssize_t)size) abort();
    uint64_t handed = 0;
    td_file_config cfg = { .on_secrets = source_secrets, .ctx = &handed };
    char err[256];
    td_source *src = td_source_open_file_cfg(path, &cfg, err, sizeof err);
    if (src) {
        td_frame f;
        int r;
        while ((r = td_source_next(src, &f, err, sizeof err)) == 1)
            if (f.caplen && !f.data) abort();
        if (r == -1 && !err[0]) abort();
        td_source_close(src);
    }
    /* TLS key logs the source handed out: never more than the walker found blocks. */
    if (handed > whole.count) abort();
    return 0;
}
