/* main.c - tlsdiag: sources -> engine -> classifier -> report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "run.h"

void td_run_connection(void *ctx, td_transcript *t)
{
    td_run *r = ctx;
    td_result res;
    td_classify(r->classifier, t, &res);
    if (res.verdict != TD_V_NONE) {
        r->verdict_counts[res.verdict - TD_V_OK]++;
    } else {
        r->no_verdict++;
    }
    bool problem = td_result_is_problem(&res);
    if (problem) r->any_problem = true;
    if (r->opt.quiet && !problem) return;
    td_progress_clear(r->progress);                /* the report starts: no progress line in it */
    if (r->opt.json) td_json_connection(r->out, &res, r->opt.verbose, r->json_memo);
    else td_text_connection(r->out, &res, r->opt.verbose, r->color);
    if (r->opt.iface) fflush(r->out);              /* live: each verdict as it happens */
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    td_run r;
    memset(&r, 0, sizeof r);
    int rc = td_parse_options(argc, argv, &r.opt);
    if (rc) {
        td_options_free(&r.opt);
        return rc == 1 ? 0 : 2;
    }
    char err[512];
    r.classifier = td_classifier_new(r.opt.cacert, r.opt.capath, err, sizeof err);
    if (!r.classifier) {
        fprintf(stderr, "tlsdiag: %s\n", err);
        td_options_free(&r.opt);
        return 2;
    }
    r.out = stdout;
    if (r.opt.out_file && !(r.out = fopen(r.opt.out_file, "w"))) {
        perror(r.opt.out_file);
        td_json_memo_free(r.json_memo);
    td_classifier_free(r.classifier);
        td_options_free(&r.opt);
        return 2;
    }
    r.color = r.opt.color == TD_COLOR_ALWAYS ||
              (r.opt.color == TD_COLOR_AUTO && !r.opt.out_file && !r.opt.json && isatty(STDOUT_FILENO));
    r.verdict_names = td_verdict_list(&r.n_verdicts);
    r.verdict_counts = calloc(r.n_verdicts, sizeof *r.verdict_counts);
    r.engine = td_engine_new(&r.opt, !r.opt.iface, td_run_connection, &r);
    if (r.opt.json) r.json_memo = td_json_memo_new();
    if (!r.verdict_counts || !r.engine || (r.opt.json && !r.json_memo)) {
        fprintf(stderr, "tlsdiag: out of memory\n");
        return 2;
    }
    double t0 = now_s();
    if (r.opt.iface) td_run_live(&r);
    else td_run_files(&r);
    td_engine_end_file(r.engine);

    const td_engine_stats *st = td_engine_get_stats(r.engine);
    td_run_summary s = {
        .files = r.opt.files, .n_files = r.opt.n_files, .packets = st->packets,
        .connections = st->connections, .undecoded = st->undecoded, .truncated = st->truncated,
        .elapsed_s = now_s() - t0, .verdict_names = (const char **)r.verdict_names,
        .verdict_counts = r.verdict_counts, .n_verdicts = r.n_verdicts, .no_verdict = r.no_verdict,
        .live = r.opt.iface != NULL, .iface = r.opt.iface, .have_kernel_stats = r.have_kernel_stats,
        .kernel_received = r.kernel_received, .kernel_dropped = r.kernel_dropped,
    };
    if (r.opt.iface && !r.live_started) { /* the capture never began: its error says it all */ }
    else if (r.opt.json) td_json_summary(r.out, &s);
    else td_text_summary(r.out, &s, r.color);

    td_engine_free(r.engine);
    td_json_memo_free(r.json_memo);
    td_classifier_free(r.classifier);
    free(r.verdict_counts);
    if (r.out != stdout) fclose(r.out);
    else fflush(stdout);
    int status = r.input_error ? 2 : r.any_problem ? 1 : 0;
    td_options_free(&r.opt);
    return status;
}
