/* fuzz_pipeline.c - the whole pipeline from the bytes of a capture file (pcap, pcapng, either
 * byte order, gzip-compressed or not) to the reports: td_source_open_file -> td_engine (decode,
 * flow table, reassembly, TLS stream parser) -> td_classify -> JSON and text reports, as
 * analyzer/run/run_files.c drives it.  Everything is freed each run: LeakSanitizer sees any leak.
 *
 * The input is written to a memfd and opened by path (/proc/self/fd/N), so the source reads it
 * exactly as it reads a file.  Options: port 443 plus any TCP port whose bytes look like TLS
 * (-A), at most 8 open connections (eviction), a 120 s idle timeout. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dissectors/decode/decode.h"
#include "analyzer/flow/engine.h"
#include "fuzz_common.h"
#include "analyzer/capture/source.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char path[64];
static td_engine_config cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    memfd = memfd_create("tlsdiag-fuzz", MFD_CLOEXEC);
    if (memfd < 0) {
        perror("memfd_create");
        abort();
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
    cfg.tls_ports.port[0] = 443;
    cfg.tls_ports.n = 1;
    cfg.any_port = true;
    cfg.max_connections = 8;
    cfg.idle_timeout = 120;
    fuzz_classifier();
    return 0;
}

typedef struct fuzz_run {
    uint64_t verdicts;
} fuzz_run;

static void emit(void *ctx, td_transcript *t)
{
    fuzz_run *r = ctx;
    r->verdicts++;
    fuzz_report(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ftruncate(memfd, 0) != 0) abort();
    for (size_t off = 0; off < size;) {
        ssize_t n = pwrite(memfd, data + off, size - off, (off_t)off);
        if (n <= 0) abort();
        off += (size_t)n;
    }

    char err[512];
    td_source *src = td_source_open_file(path, err, sizeof err);
    if (!src) return 0;
    int dlt = td_source_linktype(src);
    if (!td_decode_link_supported(dlt)) {
        td_source_close(src);
        return 0;
    }
    fuzz_run run = { 0 };
    td_engine *e = td_engine_new(&cfg, true, emit, &run);
    if (!e) abort();
    td_engine_begin_file(e, "fuzz.pcap", dlt);
    td_frame f;
    uint64_t number = 0;
    int rc;
    while ((rc = td_source_next(src, &f, err, sizeof err)) > 0) {
        if (f.caplen > 0 && !f.data) abort();
        (void)td_engine_frame(e, &f, ++number);
    }
    if (rc < 0 && !err[0]) abort();                /* an input error always says what */
    td_engine_end_file(e);
    td_source_close(src);
    if (td_engine_open_connections(e) != 0) abort();

    const td_engine_stats *st = td_engine_get_stats(e);
    if (st->connections != run.verdicts) abort();
    size_t nv;
    const char *const *names = td_verdict_list(&nv);
    uint64_t counts[32] = { 0 };
    const char *files[] = { "fuzz.pcap" };
    td_run_summary s = {
        .files = files, .n_files = 1, .packets = st->packets, .connections = st->connections,
        .undecoded = st->undecoded, .truncated = st->truncated,
        .verdict_names = (const char **)names, .verdict_counts = counts,
        .n_verdicts = nv < 32 ? nv : 32,
    };
    td_json_summary(fuzz_devnull(), &s);
    td_text_summary(fuzz_devnull(), &s, false, 80);
    td_engine_free(e);
    return 0;
}
