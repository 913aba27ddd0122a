/* run.h - one run of tlsdiag: the pieces main() wires together, shared by the file reader
 * (analyzer/run/run_files.c) and live capture (analyzer/live/). */
#ifndef TLSDIAG_RUN_H
#define TLSDIAG_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer/diagnose/classify.h"
#include "analyzer/flow/engine.h"
#include "analyzer/run/options.h"
#include "analyzer/report/report.h"

typedef struct td_run {
    td_options opt;
    FILE *out;
    bool color;
    td_classifier *classifier;
    td_json_memo *json_memo;       /* --json: what the writer remembers between connections */
    td_engine *engine;
    uint64_t *verdict_counts;      /* per td_verdict_list() entry */
    const char *const *verdict_names;
    size_t n_verdicts;
    uint64_t no_verdict;
    bool any_problem;
    bool input_error;
    /* Live capture fills these for the summary. */
    bool live_started;             /* the interface was opened (else: no summary, exit 2) */
    bool have_kernel_stats;
    uint64_t kernel_received, kernel_dropped;
    bool have_live_stats;          /* --workers: the summary counts are live_stats, the sum of the */
    td_engine_stats live_stats;    /* workers' engines (r->engine then sees no packet) */
    struct td_progress *progress;  /* the progress line while files are read, or NULL (progress.h) */
    struct td_rollup *rollup;      /* per-server counts (rollup.h) */
    td_html *html;                 /* --html, or NULL */
    int width;                     /* the text report's width */
    size_t files_opened;           /* -r files that could be opened and read (some packets or none) */
    struct td_keylog_files *keylogs;   /* --keylog, or NULL (keylog_file.h) */
    struct td_line *line;          /* reading files: connections held for later siblings (run_line.c) */
    struct td_held *waiting_first, *waiting_last;   /* waiting for siblings out of line (run_waiting.c) */
    size_t n_waiting;
    uint64_t last_id;              /* the highest connection id met: one below it was passed */
} td_run;

/* The engine's settings from the command line's (-P, -A, --idle-timeout, --max-connections,
 * --shard). */
void td_run_engine_config(const td_options *o, td_engine_config *cfg);
/* Read every -r file through the engine.  Errors are reported on stderr and set input_error. */
void td_run_files(td_run *r);
/* The engine's callback: classify a finished connection, count it, report it (reading files, a
 * connection a later sibling may change waits for it: see run_connection.c). */
void td_run_connection(void *ctx, td_transcript *t);
/* The engine's other callback (td_pass_fn): an open connection was passed by later ones: its
 * place in the report is kept until it comes (or is withdrawn). */
void td_run_pass(void *ctx, uint64_t id, double start, bool withdrawn);
/* The end of the input: report every connection still held, and free what held them. */
void td_run_release_held(td_run *r);

#endif
