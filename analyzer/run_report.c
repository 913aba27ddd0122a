/* run_report.c - one finished connection of a run: classified, counted for the summary and the
 * roll-up, and reported (text or JSON, and the HTML page) when the filters show it.  The engine
 * calls it as each connection ends; with live --workers, the one writer thread does. */
#include <stdbool.h>

#include "progress.h"
#include "rollup.h"
#include "run.h"

/* --verdict and --connection: which connections the report shows (all are counted). */
static bool shown(const td_run *r, const td_result *res, bool problem)
{
    if (r->opt.quiet && !problem) return false;
    if (r->opt.connection && res->t->id != r->opt.connection) return false;
    if (r->opt.verdict_mask && !(r->opt.verdict_mask & (1u << res->verdict))) return false;
    return true;
}

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
    td_rollup_add(r->rollup, &res);
    bool problem = td_result_is_problem(&res);
    if (problem) r->any_problem = true;
    if (!shown(r, &res, problem)) return;
    if (r->html) td_html_connection(r->html, &res);
    td_progress_report(r->progress);               /* the report starts: no progress line in it */
    if (r->opt.json) td_json_connection(r->out, &res, r->opt.verbose, r->json_memo);
    else td_text_connection(r->out, &res, r->opt.verbose, r->color, r->width);
}
