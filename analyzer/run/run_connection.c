/* run_connection.c - one finished connection of a run: classified, counted for the summary and the
 * roll-up, and reported (text or JSON, and the HTML page) when the filters show it.  The engine
 * calls it as each connection ends; with live --workers, the one writer thread does. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/run/heap_pages.h"
#include "analyzer/run/progress.h"
#include "analyzer/report/report_ecs.h"
#include "analyzer/report/rollup.h"
#include "analyzer/run/run.h"
#include "analyzer/run/run_held_int.h"

/* Is fingerprint fp (may be NULL or "") one of the comma-separated list's (case aside)? */
static bool fp_listed(const char *list, const char *fp)
{
    size_t n = fp ? strlen(fp) : 0;
    if (!n) return false;
    for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncasecmp(p, fp, n) == 0 && (p[n] == ',' || p[n] == '\0')) return true;
    return false;
}

/* --verdict, --connection, --ja3 and --ja4: which connections the report shows (all are counted). */
static bool shown(const td_run *r, const td_result *res, bool problem)
{
    const td_hello *h = res->t->tls.hello;
    if (r->opt.quiet && !problem) return false;
    if (r->opt.ja3_filter && !(h && (fp_listed(r->opt.ja3_filter, h->ja3) || fp_listed(r->opt.ja3_filter, h->ja3s))))
        return false;
    if (r->opt.ja4_filter && !(h && fp_listed(r->opt.ja4_filter, h->ja4))) return false;
    if (r->opt.connection && res->t->id != r->opt.connection) return false;
    if (r->opt.verdict_mask && !(r->opt.verdict_mask & (1u << res->verdict))) return false;
    return true;
}

/* Count a connection's final verdict and report it (the filters say whether it is shown): straight
 * out, or, when a connection held for its siblings is ahead of it (`behind`), into the line. */
static void report(td_run *r, td_result *res, bool behind)
{
    if (res->verdict != TD_V_NONE) {
        r->verdict_counts[res->verdict - TD_V_OK]++;
    } else {
        r->no_verdict++;
    }
    td_rollup_add(r->rollup, res);
    bool problem = td_result_is_problem(res);
    if (problem) r->any_problem = true;
    if (!shown(r, res, problem)) return;
    FILE *out = behind ? td_line_out(r) : NULL;
    if (!out) {
        out = r->out;
        behind = false;
        td_progress_report(r->progress);           /* the report starts: no progress line in it */
    }
    if (r->html) {
        if (behind) td_line_html(r, res);
        else td_html_connection(r->html, res);
    }
    if (r->opt.json_ecs) td_ecs_result(out, res, r->opt.verbose, r->json_memo, r->opt.sensor);
    else if (r->opt.json) td_json_connection(out, res, r->opt.verbose, r->json_memo);
    else td_text_connection(out, res, r->opt.verbose, r->color, r->width);
    if (behind) td_line_wrote(r);
}

/* Reading files, connections are reported in order of their first packet, so a sibling that
 * started later is not known when a connection is judged.  One whose verdict such a sibling
 * may change (only likely, and the client asked for nothing: a browser's spare socket, a TLS 1.3
 * refusal before the TLS 1.2 connection that shows the certificate) is held in the line
 * (run_line.c) until one that starts HOLD_WINDOW seconds after it is judged or the input ends;
 * then it is judged again and reported, and after it what the connections behind it wrote.
 * Its verdict never depends on how many other connections the capture interleaves (past the
 * line's bound it waits on the waiting list instead, run_waiting.c), so that --shard K/N judges
 * it as the whole run does. */
static bool may_change(const td_run *r, const td_transcript *t, const td_result *res)
{
    if (r->opt.iface || r->opt.no_siblings || !res->confidence) return false;
    if (t->quic && res->verdict != TD_V_OK) return true;   /* the TCP fallback may follow (fell-back-to-tcp) */
    if (strcmp(res->confidence, "likely") != 0) return false;
    if (!t->tls.server_hello || res->app_records[TD_C2S]) return false;
    switch (res->verdict) {
    case TD_V_OK: case TD_V_UNKNOWN_CA: case TD_V_INCOMPLETE_CHAIN: case TD_V_NAME_MISMATCH: case TD_V_SERVER_CERT_EXPIRED:
    case TD_V_SERVER_CERT_REJECTED:
        return true;
    default:
        return false;
    }
}

/* A held connection judged again and reported (off the line or the waiting list). */
static void judge_again(td_run *r, td_held *h)
{
    td_classify_again(r->classifier, &h->t, &h->res);
    report(r, &h->res, false);
}

/* A place off the line reported: a waiting connection judged again, a passed one as it was judged
 * when it came (none: its place was given up); then what the connections behind it wrote. */
static void settle(td_run *r, td_held *h)
{
    if (h->state == TD_HELD_WAITING) judge_again(r, h);
    else if (h->state == TD_HELD_READY) report(r, &h->res, false);
    td_line_flush(r, h);
    td_held_free(h);
}

/* Report the held connections that are due by capture time `now` (all of them, at the end), and,
 * while the line is over its bound, send its head to the waiting list. */
static void release_held(td_run *r, double now, bool all)
{
    for (td_held *w; (w = td_waiting_due(r, now, all));) {   /* they began before every one in line */
        judge_again(r, w);
        td_held_free(w);
    }
    for (td_held *h; (h = td_line_due(r, now, all));)
        settle(r, h);
    while (td_line_over(r)) {
        td_held *h = td_line_due(r, 0, true);
        if (h->state != TD_HELD_WAITING) {
            settle(r, h);
            continue;
        }
        td_line_flush(r, h);                       /* those behind it go out before it */
        if (!td_waiting_add(r, h)) {               /* the waiting list full: judged now */
            judge_again(r, h);
            td_held_free(h);
        }
    }
}

void td_run_release_held(td_run *r)
{
    release_held(r, 0, true);
    td_line_free(r);
}

void td_run_pass(void *ctx, uint64_t id, double start, bool withdrawn)
{
    td_run *r = ctx;
    if (!withdrawn) {
        if (id > r->last_id) r->last_id = id;
        td_line_keep_place(r, id, start);          /* out of memory: it goes out when it comes */
        return;
    }
    td_held *h = td_line_place(r, id);
    if (h) td_line_withdraw(r, h);
}

void td_run_connection(void *ctx, td_transcript *t)
{
    td_run *r = ctx;
    td_result res;
    td_heap_pages_follow();
    bool line = !r->opt.iface;                     /* reading files: the report keeps first-packet order */
    bool hold = line && !r->opt.no_siblings;
    if (line) release_held(r, t->start, false);
    td_held *place = t->id < r->last_id ? td_line_place(r, t->id) : NULL;   /* passed while open? */
    if (t->id > r->last_id) r->last_id = t->id;
    if (line) td_classify_keep_from(r->classifier, td_line_pending_from(r));   /* the siblings of those to come */
    td_classify(r->classifier, t, &res);
    if (place) {                                   /* passed while open: in its place */
        td_line_fill(r, place, t, &res, hold && may_change(r, t, &res) ? TD_HELD_WAITING : TD_HELD_READY);
        release_held(r, t->start, false);
        return;
    }
    if (hold && may_change(r, t, &res) && td_line_hold(r, t, &res)) {
        release_held(r, t->start, false);          /* the line's bound */
        return;
    }
    report(r, &res, line);
}
