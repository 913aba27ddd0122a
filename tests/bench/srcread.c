/* srcread.c - read every frame of capture files through td_source, as tlsdiag does, and nothing
 * else: the cost of the file source alone.  With --secrets, td_source_open_file_cfg gets a no-op
 * on_secrets, so every byte also passes the pcapng Decryption Secrets Block walker; compare the
 * two under `valgrind --tool=callgrind` (instruction counts) or interleaved timings.
 *   cc -std=c17 -D_GNU_SOURCE -O2 -Iinclude -o build/bench/srcread tests/bench/srcread.c \
 *      build/libtlsdiag.a $(pkg-config --libs libpcap openssl zlib)
 *   build/bench/srcread [--secrets] FILE... */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/capture/source.h"

static void count_secrets(void *ctx, const char *origin, const uint8_t *data, size_t len)
{
    (void)origin;
    (void)data;
    *(size_t *)ctx += len;
}

int main(int argc, char **argv)
{
    int first = 1;
    size_t secrets = 0;
    td_file_config cfg = { 0 };
    if (argc > 1 && strcmp(argv[1], "--secrets") == 0) {
        cfg.on_secrets = count_secrets;
        cfg.ctx = &secrets;
        first = 2;
    }
    for (int i = first; i < argc; i++) {
        char err[256];
        td_source *src = td_source_open_file_cfg(argv[i], &cfg, err, sizeof err);
        if (!src) {
            fprintf(stderr, "srcread: %s: %s\n", argv[i], err);
            return 2;
        }
        td_frame f;
        uint64_t frames = 0, bytes = 0;
        int r;
        while ((r = td_source_next(src, &f, err, sizeof err)) == 1) {
            frames++;
            bytes += f.caplen;
        }
        td_source_close(src);
        if (r < 0) {
            fprintf(stderr, "srcread: %s: %s\n", argv[i], err);
            return 2;
        }
        printf("%s: %llu frames, %llu bytes, %zu bytes of secrets\n", argv[i],
               (unsigned long long)frames, (unsigned long long)bytes, secrets);
    }
    return 0;
}
