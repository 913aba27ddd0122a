/* main.c - tlsdiag: sources -> engine -> classifier -> report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/capture/keylog_file.h"
#include "analyzer/live/live.h"
#include "analyzer/run/heap_pages.h"
#include "analyzer/run/run_notes.h"
#include "analyzer/report/report_ecs.h"
#include "analyzer/report/rollup.h"
#include "analyzer/run/run.h"
#include "analyzer/app/report_cli.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail_setup(td_run *r, int status)
{
    td_html_close(r->html, NULL, NULL, 0);
    if (r->out && r->out != stdout) fclose(r->out);
    td_rollup_free(r->rollup);
    td_json_memo_free(r->json_memo);
    td_classifier_free(r->classifier);
    free(r->verdict_counts);
    td_options_free(&r->opt);
    return status;
}

/* The report's destinations and the classifier: -o, --html, --cacert/--capath.  0, or the exit
 * status (the error said, everything freed). */
static int open_outputs(td_run *r)
{
    char err[512];
    r->classifier = td_classifier_new(r->opt.cacert, r->opt.capath, err, sizeof err);
    if (!r->classifier) {
        fprintf(stderr, "tlsdiag: %s\n", err);
        return fail_setup(r, 2);
    }
    if (r->opt.no_siblings) td_classifier_no_siblings(r->classifier);
    r->out = stdout;
    if (r->opt.out_file && !(r->out = fopen(r->opt.out_file, "w"))) {
        fprintf(stderr, "tlsdiag: -o %s: cannot write the report there: %s\n", r->opt.out_file, strerror(errno));
        r->out = NULL;
        return fail_setup(r, 2);
    }
    if (r->opt.html_file && !(r->html = td_html_open(r->opt.html_file, err, sizeof err))) {
        fprintf(stderr, "tlsdiag: --html %s: %s\n", r->opt.html_file, err);
        return fail_setup(r, 2);
    }
    r->color = r->opt.color == TD_COLOR_ALWAYS ||
               (r->opt.color == TD_COLOR_AUTO && !r->opt.out_file && !r->opt.json && isatty(STDOUT_FILENO));
    r->width = td_text_width(r->opt.out_file ? -1 : STDOUT_FILENO);
    return 0;
}

/* The engine, the counts and the roll-up, and the key logs.  0, or the exit status. */
static int make_engine(td_run *r)
{
    r->verdict_names = td_verdict_list(&r->n_verdicts);
    r->verdict_counts = calloc(r->n_verdicts, sizeof *r->verdict_counts);
    r->rollup = td_rollup_new(TD_ROLLUP_CAP);
    td_engine_config cfg;
    td_run_engine_config(&r->opt, &cfg);
    r->engine = td_engine_new(&cfg, !r->opt.iface, td_run_connection, r);
    if (r->engine && !r->opt.iface) td_engine_on_pass(r->engine, td_run_pass);
    if (r->opt.json) r->json_memo = td_json_memo_new();
    td_json_memo_set_sensor(r->json_memo, r->opt.sensor);
    if (!r->verdict_counts || !r->engine || !r->rollup || (r->opt.json && !r->json_memo)) {
        fprintf(stderr, "tlsdiag: out of memory\n");
        td_engine_free(r->engine);
        return fail_setup(r, 2);
    }
    if (r->opt.n_keylogs) {
        bool bad = false;
        r->keylogs = td_keylog_files_open(r->opt.keylogs, r->opt.n_keylogs, &bad);
        if (!r->keylogs) {
            fprintf(stderr, "tlsdiag: out of memory\n");
            td_engine_free(r->engine);
            return fail_setup(r, 2);
        }
        if (bad) r->input_error = true;        /* reported; the captures are still analysed */
        td_engine_set_keylog(r->engine, td_keylog_files_keys(r->keylogs), r->opt.iface != NULL);
    }
    return 0;
}

/* The roll-up and the summary (text or JSON), and the --html page. */
static void write_summary(td_run *r, double t0)
{
    char err[512];
    const td_engine_stats *st = r->have_live_stats ? &r->live_stats : td_engine_get_stats(r->engine);
    td_notes notes;
    td_notes_explain(&notes, &r->opt, st);
    td_run_summary s = {
        .files = r->opt.files, .n_files = r->opt.n_files, .packets = st->packets,
        .connections = st->connections, .undecoded = st->undecoded, .truncated = st->truncated,
        .elapsed_s = now_s() - t0, .verdict_names = (const char **)r->verdict_names,
        .verdict_counts = r->verdict_counts, .n_verdicts = r->n_verdicts, .no_verdict = r->no_verdict,
        .live = r->opt.iface != NULL, .iface = r->opt.iface, .have_kernel_stats = r->have_kernel_stats,
        .kernel_received = r->kernel_received, .kernel_dropped = r->kernel_dropped,
        .rollup = r->rollup, .notes = (const char *const *)notes.text, .n_notes = notes.n,
        .shard_k = r->opt.shard_k, .shard_n = r->opt.shard_n,
    };
    /* Nothing could be read (the capture never began, no file opened): the error says it all,
     * and a summary of nothing would only hide it. */
    bool nothing_read = r->opt.iface ? !r->live_started : r->input_error && r->files_opened == 0;
    if (nothing_read) { }
    else if (r->opt.json_ecs) td_ecs_summary(r->out, &s);
    else if (r->opt.json) td_json_summary(r->out, &s);
    else {
        td_text_rollup(r->out, r->rollup, r->color, r->width);
        td_text_summary(r->out, &s, r->color, r->width);
    }
    if (r->html) {
        bool ok = td_html_close(r->html, nothing_read ? NULL : &s, err, sizeof err);
        r->html = NULL;
        if (!ok) {
            fprintf(stderr, "tlsdiag: --html %s: %s\n", r->opt.html_file, err);
            r->input_error = true;
        }
    }
    td_notes_free(&notes);
}

/* Free everything and close the report; the exit status. */
static int tear_down(td_run *r)
{
    td_engine_free(r->engine);
    td_keylog_files_free(r->keylogs);
    td_rollup_free(r->rollup);
    td_json_memo_free(r->json_memo);
    td_classifier_free(r->classifier);
    free(r->verdict_counts);
    if (r->out != stdout) {
        if (fclose(r->out) != 0) {
            fprintf(stderr, "tlsdiag: -o %s: cannot write the report there: %s\n", r->opt.out_file, strerror(errno));
            r->input_error = true;
        }
    } else {
        fflush(stdout);
    }
    int status = r->input_error ? 2 : r->any_problem ? 1 : 0;
    td_options_free(&r->opt);
    return status;
}

int main(int argc, char **argv)
{
    td_run r;
    memset(&r, 0, sizeof r);
    if (argc > 1 && strcmp(argv[1], "report") == 0) return td_report_main(argc - 1, argv + 1);
    td_heap_pages_init();
    int rc = td_parse_options(argc, argv, &r.opt);
    if (rc) {
        td_options_free(&r.opt);
        return rc == 1 ? 0 : 2;
    }
    if ((rc = open_outputs(&r)) || (rc = make_engine(&r))) return rc;
    double t0 = now_s();
    if (r.opt.iface) td_live_run(&r);
    else td_run_files(&r);
    td_engine_end_file(r.engine);
    td_run_release_held(&r);
    write_summary(&r, t0);
    return tear_down(&r);
}
