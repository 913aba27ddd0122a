/* report_merge.h - `tlsdiag report FILE.jsonl...`: the JSON Lines of several runs (sensors, or the
 * shards of one archive) read back and reported as if one run had seen everything.
 * The summaries' counts are added (report_merge_summary.c); the connections are written in the
 * order one run would have written them, renumbered, each naming its sensor (report_merge.c). */
#ifndef TLSDIAG_REPORT_MERGE_H
#define TLSDIAG_REPORT_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer/report/json_reader.h"
#include "analyzer/report/report.h"

#define TD_MERGE_MAX_LINE (16u << 20)   /* a longer line is damage, not a record */

typedef struct td_merge_options {
    bool json;                     /* --json: JSON Lines out */
    bool ecs;                      /* --json=ecs: the connections with Elastic Common Schema names */
    bool quiet;                    /* -q: only problem connections */
    uint32_t verdict_mask;         /* --verdict: bit v = show verdict v (0: all) */
    const char *out_file;          /* -o, or NULL for stdout */
    const char *html_file;         /* --html */
    bool color;
    int width;
} td_merge_options;

/* Read the inputs ("-" is stdin) and write the report.  Returns the exit status: 2 when an input
 * could not be read or was damaged (each error one line on stderr, naming FILE:LINE), else 1 when
 * a connection had a problem, else 0. */
int td_report_merge(const td_merge_options *o, const char *const *inputs, size_t n_inputs);

/* ---- the summaries added up (report_merge_summary.c) ---- */
typedef struct td_merge_sum td_merge_sum;
td_merge_sum *td_merge_sum_new(void);
void td_merge_sum_free(td_merge_sum *m);
/* A "summary" record added: 1; 0 (err says why) when it is not one tlsdiag writes; -1 (err says
 * it) when it is a --shard K/N already read: that input's connections are in the report already. */
int td_merge_sum_add(td_merge_sum *m, const td_jv *summary, char *err, size_t errlen);
/* A "connection" record counted by itself: for an input cut short before its summary. */
bool td_merge_sum_connection(td_merge_sum *m, const td_jv *conn, char *err, size_t errlen);
/* The position of a capture file in the merged "files" (the order one run would have read them),
 * or SIZE_MAX for a file no summary names. */
size_t td_merge_sum_file_index(const td_merge_sum *m, const char *file);
/* The merged summary, for the writers (valid until m is freed or changed). */
void td_merge_sum_fill(td_merge_sum *m, td_run_summary *s);
/* Any problem verdict counted. */
bool td_merge_sum_any_problem(const td_merge_sum *m);

/* ---- the connections ---- */
/* Who a connection is in the merged report: its number there, and the sensor's name and number. */
typedef struct td_merge_ident {
    uint64_t id;
    const char *sensor;
    uint64_t sensor_id;
} td_merge_ident;
/* A parsed value written back as JSON (the same bytes tlsdiag wrote: strings re-escaped as
 * td_jw_str does, numbers as they were written). */
struct td_jw;
void td_jw_value(struct td_jw *w, const td_jv *v);
/* A connection record renumbered (report_merge_json.c): "id" the merged number, then "sensor" and
 * "sensor_id" (kept when the record has them), every other member as it was. */
void td_merge_json_connection(FILE *out, const td_jv *c, const td_merge_ident *id);
/* A connection record in the text report's layout: the verdict, its evidence, fix and findings,
 * and the facts the record holds (report_merge_text.c). */
void td_merge_text_connection(FILE *out, const td_jv *c, const td_merge_ident *id, bool color, int width);
/* A connection record's article in the --html page (report_merge_html.c). */
void td_merge_html_connection(td_html *h, const td_jv *c, const td_merge_ident *id);
/* A connection record with Elastic Common Schema field names, one line (report_ecs.c). */
void td_ecs_connection(FILE *out, const td_jv *c, const td_merge_ident *id);

#endif
