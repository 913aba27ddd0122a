/* run_connection.c - one finished connection of a run: classified, counted for the summary and the
 * roll-up, and reported (text or JSON, and the HTML page) when the filters show it.  The engine
 * calls it as each connection ends; with live --workers, the one writer thread does. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* Count a connection's final verdict and report it (the filters say whether it is shown). */
static void report(td_run *r, td_result *res)
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
    if (r->html) td_html_connection(r->html, res);
    td_progress_report(r->progress);               /* the report starts: no progress line in it */
    if (r->opt.json_ecs) td_ecs_result(r->out, res, r->opt.verbose, r->json_memo, r->opt.sensor);
    else if (r->opt.json) td_json_connection(r->out, res, r->opt.verbose, r->json_memo);
    else td_text_connection(r->out, res, r->opt.verbose, r->color, r->width);
}

/* Reading files, connections are reported in order of their first packet, so a sibling that
 * started later is not known when a connection is judged.  One whose verdict such a sibling
 * may change (only likely, and the client asked for nothing: a browser's spare socket, a TLS 1.3
 * refusal before the TLS 1.2 connection that shows the certificate) is held, with every
 * connection after it (the order stays), until one that starts HOLD_WINDOW seconds after it is
 * judged or the input ends; then it is judged again and all are reported.  When HOLD_MAX are
 * held (12 KB each), the one that waits at their head leaves the line for the waiting list (run_waiting.c)
 * and is reported when its own HOLD_WINDOW has passed, after connections that began after it:
 * its verdict never depends on how many other connections the capture interleaves, so that
 * --shard K/N judges it as the whole run does. */
#define HOLD_MAX 4096             /* as the engine's TD_REORDER_MAX; the line grows from 64 */

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

/* Report the held connections that are due: all of them, or those before the first that must
 * still wait for siblings starting up to `now`. */
static void release_held(td_run *r, double now, bool all)
{
    for (td_held *w; (w = td_waiting_due(r, now, all));) {   /* they began before every one held */
        td_classify_again(r->classifier, &w->t, &w->res);
        report(r, &w->res);
        td_waiting_free(w);
    }
    while (r->n_held) {
        td_held *h = &r->held[r->held_head];
        bool waits = !all && h->again && h->t.start + HOLD_WINDOW >= now;
        if (waits && r->n_held < r->held_cap) break;
        if (!waits || !td_waiting_add(r, h)) {     /* the waiting list full: judged now */
            if (h->again) td_classify_again(r->classifier, &h->t, &h->res);
            report(r, &h->res);
            td_transcript_clear(&h->t);
        }
        r->held_head = (r->held_head + 1) % r->held_cap;
        r->n_held--;
    }
}

void td_run_release_held(td_run *r)
{
    release_held(r, 0, true);
    free(r->held);
    r->held = NULL;
    r->held_cap = 0;
}

void td_run_connection(void *ctx, td_transcript *t)
{
    td_run *r = ctx;
    td_result stack_res;
    if (r->opt.iface || r->opt.no_siblings) {      /* nothing is ever held */
        td_classify(r->classifier, t, &stack_res);
        report(r, &stack_res);
        return;
    }
    if (r->n_held == r->held_cap) td_held_grow(r, HOLD_MAX);   /* full: a longer line, up to HOLD_MAX */
    release_held(r, t->start, false);
    if (r->n_held == r->held_cap) release_held(r, 0, false);    /* still full: the oldest goes out */
    if (!r->held) {                                /* no memory: judged alone */
        td_classify(r->classifier, t, &stack_res);
        report(r, &stack_res);
        return;
    }
    /* Judged straight into the next slot (a result is 10 KB: no copy when it stays). */
    td_held *h = &r->held[(r->held_head + r->n_held) % r->held_cap];
    td_classify(r->classifier, t, &h->res);
    h->again = may_change(r, t, &h->res);
    if (!h->again && !r->n_held) {                 /* nothing waits: out at once */
        report(r, &h->res);
        return;
    }
    h->t = *t;                                     /* moved: the engine frees an empty shell */
    memset(t, 0, sizeof *t);
    h->res.t = &h->t;
    r->n_held++;
}
