/* main.c - tlsdiag: sources -> engine -> classifier -> report. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "decode.h"
#include "engine.h"
#include "options.h"
#include "report.h"
#include "source.h"

#define MAX_PACKET_WARNINGS 5      /* per file; the rest are counted */

typedef struct run {
    td_options opt;
    FILE *out;
    bool color;
    td_classifier *classifier;
    td_engine *engine;
    uint64_t *verdict_counts;
    const char *const *verdict_names;
    size_t n_verdicts;
    uint64_t no_verdict;
    bool any_problem;
    bool input_error;
} run;

static void on_connection(void *ctx, td_transcript *t)
{
    run *r = ctx;
    td_result res;
    td_classify(r->classifier, t, &res);
    if (res.verdict) {
        for (size_t i = 0; i < r->n_verdicts; i++)
            if (strcmp(r->verdict_names[i], res.verdict) == 0) r->verdict_counts[i]++;
    } else {
        r->no_verdict++;
    }
    bool problem = td_result_is_problem(&res);
    if (problem) r->any_problem = true;
    if (r->opt.quiet && !problem) return;
    if (r->opt.json) td_json_connection(r->out, &res);
    else td_text_connection(r->out, &res, r->opt.verbose, r->color);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read one capture file through the engine.  Returns false on an input error (reported). */
static bool read_file(run *r, const char *path, uint64_t *budget)
{
    char err[PCAP_ERRBUF_SIZE + 128];
    const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
    td_source *src = td_source_open_file(path, err, sizeof err);
    if (!src) {
        fprintf(stderr, "tlsdiag: %s: %s\n", name, err);
        return false;
    }
    int dlt = td_source_linktype(src);
    if (!td_decode_link_supported(dlt)) {
        const char *dn = pcap_datalink_val_to_name(dlt);
        fprintf(stderr, "tlsdiag: %s: link type %d (%s) is not supported\n", name, dlt, dn ? dn : "unknown");
        td_source_close(src);
        return false;
    }
    if (r->opt.bpf) {
        struct bpf_program prog;
        pcap_t *p = td_source_pcap(src);
        if (pcap_compile(p, &prog, r->opt.bpf, 1, PCAP_NETMASK_UNKNOWN) != 0 || pcap_setfilter(p, &prog) != 0) {
            fprintf(stderr, "tlsdiag: bad filter expression '%s': %s\n", r->opt.bpf, pcap_geterr(p));
            td_source_close(src);
            exit(2);
        }
        pcap_freecode(&prog);
    }
    td_engine_begin_file(r->engine, name, dlt);
    td_frame f;
    uint64_t number = 0, warned = 0, bad = 0, first_bad = 0;
    const td_engine_stats *st = td_engine_get_stats(r->engine);
    uint64_t truncated_before = st->truncated;
    bool ok = true;
    int rc;
    while ((!budget || *budget > 0) && (rc = td_source_next(src, &f, err, sizeof err)) != 0) {
        if (rc < 0) {
            fprintf(stderr, "tlsdiag: %s: after packet %llu: %s\n", name, (unsigned long long)number, err);
            ok = false;
            break;
        }
        number++;
        if (budget) (*budget)--;
        const char *why = td_engine_frame(r->engine, &f, number);
        if (why) {
            if (!bad++) first_bad = number;
            if (warned++ < MAX_PACKET_WARNINGS)
                fprintf(stderr, "tlsdiag: %s: packet %llu: %s\n", name, (unsigned long long)number, why);
        }
    }
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

int main(int argc, char **argv)
{
    run r;
    memset(&r, 0, sizeof r);
    int rc = td_parse_options(argc, argv, &r.opt);
    if (rc) {
        td_options_free(&r.opt);
        return rc == 1 ? 0 : 2;
    }
    r.out = stdout;
    if (r.opt.out_file && !(r.out = fopen(r.opt.out_file, "w"))) {
        perror(r.opt.out_file);
        td_options_free(&r.opt);
        return 2;
    }
    r.color = r.opt.color == TD_COLOR_ALWAYS ||
              (r.opt.color == TD_COLOR_AUTO && !r.opt.out_file && !r.opt.json && isatty(STDOUT_FILENO));
    char err[512];
    r.classifier = td_classifier_new(r.opt.cacert, r.opt.capath, err, sizeof err);
    if (!r.classifier) {
        fprintf(stderr, "tlsdiag: %s\n", err);
        td_options_free(&r.opt);
        return 2;
    }
    r.verdict_names = td_verdict_list(&r.n_verdicts);
    r.verdict_counts = calloc(r.n_verdicts, sizeof *r.verdict_counts);
    r.engine = td_engine_new(&r.opt, !r.opt.iface, on_connection, &r);
    if (!r.verdict_counts || !r.engine) {
        fprintf(stderr, "tlsdiag: out of memory\n");
        return 2;
    }
    double t0 = now_s();
    if (r.opt.iface) {
        fprintf(stderr, "tlsdiag: live capture (-i) is not available in this build yet\n");
        r.input_error = true;
    }
    uint64_t budget = (uint64_t)r.opt.count;
    for (size_t i = 0; i < r.opt.n_files; i++)
        if (!read_file(&r, r.opt.files[i], r.opt.count ? &budget : NULL)) r.input_error = true;

    td_engine_end_file(r.engine);
    const td_engine_stats *st = td_engine_get_stats(r.engine);
    td_run_summary s = {
        .files = r.opt.files, .n_files = r.opt.n_files, .packets = st->packets,
        .connections = st->connections, .undecoded = st->undecoded, .truncated = st->truncated,
        .elapsed_s = now_s() - t0, .verdict_names = (const char **)r.verdict_names,
        .verdict_counts = r.verdict_counts, .n_verdicts = r.n_verdicts, .no_verdict = r.no_verdict,
    };
    if (r.opt.json) td_json_summary(r.out, &s);
    else td_text_summary(r.out, &s, r.color);

    td_engine_free(r.engine);
    td_classifier_free(r.classifier);
    free(r.verdict_counts);
    if (r.out != stdout) fclose(r.out);
    else fflush(stdout);
    int status = r.input_error ? 2 : r.any_problem ? 1 : 0;
    td_options_free(&r.opt);
    return status;
}
