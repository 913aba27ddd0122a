/* run_files.c - capture files through the engine, one after the other.  A damaged file is
 * reported (file, packet, what) and what came before the damage still gets its verdicts. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dissectors/decode/decode.h"
#include "analyzer/capture/keylog_file.h"
#include "analyzer/run/progress.h"
#include "analyzer/run/run.h"
#include "analyzer/capture/source.h"

#define MAX_PACKET_WARNINGS 5      /* per file; the rest are counted */

/* A pcapng Decryption Secrets Block (what `editcap --inject-secrets` writes): its key log joins
 * the --keylog files', or starts the run's key log when none was given.  It comes before the
 * packets it decrypts, so the engine has the keys before it meets their connections. */
static void secrets_block(void *ctx, const char *origin, const uint8_t *data, size_t len)
{
    td_run *r = ctx;
    bool bad = false;
    if (!r->keylogs) {
        r->keylogs = td_keylog_files_open(NULL, 0, &bad);
        if (!r->keylogs) {
            fprintf(stderr, "tlsdiag: %s: out of memory for its key log\n", origin);
            r->input_error = true;
            return;
        }
        td_engine_set_keylog(r->engine, td_keylog_files_keys(r->keylogs), false);
    }
    td_keylog_files_add_text(r->keylogs, (const char *)data, len, origin, &bad);
    if (bad) r->input_error = true;
}

/* Read one capture file.  Returns false on an input error (reported). */
static bool read_file(td_run *r, const char *path, uint64_t *budget)
{
    char err[PCAP_ERRBUF_SIZE + 128];
    const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
    td_file_config cfg = { .on_secrets = secrets_block, .ctx = r };
    td_source *src = td_source_open_file_cfg(path, &cfg, err, sizeof err);
    if (!src) {
        fprintf(stderr, "tlsdiag: %s: %s\n", name, err);
        return false;
    }
    int dlt = td_source_linktype(src);
    if (!td_decode_link_supported(dlt)) {
        const char *dn = pcap_datalink_val_to_name(dlt);
        if (!dn) dn = td_decode_link_name(dlt);
        fprintf(stderr, "tlsdiag: %s: link type %d (%s) is not one tlsdiag decodes (it decodes %s); nothing in it "
                "was analysed\n", name, dlt, dn ? dn : "unknown", td_decode_link_list());
        td_source_close(src);
        return false;
    }
    if (r->opt.bpf) {
        int rc = td_source_set_filter(src, r->opt.bpf, err, sizeof err);
        if (rc == -1)
            fprintf(stderr, "tlsdiag: bad filter expression '%s': %s\n", r->opt.bpf, err);
        else if (rc != 0)
            fprintf(stderr, "tlsdiag: %s: cannot apply the filter: %s\n", name, err);
        if (rc != 0) {
            td_source_close(src);
            return false;
        }
    }
    r->files_opened++;
    td_engine_begin_file(r->engine, name, dlt);
    uint64_t size;
    td_source_position(src, &size);
    td_progress_file(r->progress, name, size);
    td_frame f;
    uint64_t number = 0, warned = 0, bad = 0, first_bad = 0;
    const td_engine_stats *st = td_engine_get_stats(r->engine);
    uint64_t truncated_before = st->truncated;
    bool ok = true;
    int rc;
    while ((!budget || *budget > 0) && (rc = td_source_next(src, &f, err, sizeof err)) != 0) {
        if (rc < 0) {
            td_progress_clear(r->progress);
            fprintf(stderr, "tlsdiag: %s: after packet %llu: %s\n", name, (unsigned long long)number, err);
            ok = false;
            break;
        }
        number++;
        if (budget) (*budget)--;
        if (r->progress && (number & 1023) == 0)
            td_progress_update(r->progress, td_source_position(src, &size), number,
                               st->connections + td_engine_open_connections(r->engine));
        const char *why = td_engine_frame(r->engine, &f, number);
        if (why) {
            if (!bad++) first_bad = number;
            td_progress_clear(r->progress);
            if (warned++ < MAX_PACKET_WARNINGS)
                fprintf(stderr, "tlsdiag: %s: packet %llu: %s\n", name, (unsigned long long)number, why);
        }
    }
    td_progress_clear(r->progress);
    if (bad > MAX_PACKET_WARNINGS)
        fprintf(stderr, "tlsdiag: %s: %llu packets had problems in all (first: packet %llu)\n", name,
                (unsigned long long)bad, (unsigned long long)first_bad);
    if (st->truncated > truncated_before)
        fprintf(stderr, "tlsdiag: %s: %llu packet(s) cut short by the snap length; their missing bytes are "
                        "treated as capture gaps\n", name, (unsigned long long)(st->truncated - truncated_before));
    td_engine_end_file(r->engine);
    td_source_close(src);
    return ok;
}

void td_run_files(td_run *r)
{
    uint64_t budget = (uint64_t)r->opt.count;
    r->progress = td_progress_new(r->out == stdout && isatty(STDOUT_FILENO));
    for (size_t i = 0; i < r->opt.n_files; i++) {
        if (r->opt.count && budget == 0) break;
        if (!read_file(r, r->opt.files[i], r->opt.count ? &budget : NULL)) r->input_error = true;
    }
    td_progress_free(r->progress);
    r->progress = NULL;
}
