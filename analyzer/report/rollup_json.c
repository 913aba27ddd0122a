/* rollup_json.c - the roll-up in the JSON summary object: servers, untracked servers, notes.
 * "servers":[...] (most failures first), "servers_untracked" (connections to servers past the
 * cap) and "notes" (why there are no or few results). */
#include "analyzer/report/json_writer.h"
#include "analyzer/report/report.h"
#include "analyzer/report/rollup.h"

static void server(td_jw *w, const td_server_stat *s)
{
    char t[48];
    TD_JW_LIT(w, "{\"ip\":"); td_jw_str(w, s->ip);
    TD_JW_LIT(w, ",\"port\":"); td_jw_u64(w, s->port);
    if (s->udp) TD_JW_LIT(w, ",\"transport\":\"quic\"");
    TD_JW_LIT(w, ",\"sni\":"); td_jw_str(w, s->sni[0] ? s->sni : NULL);
    TD_JW_LIT(w, ",\"connections\":"); td_jw_u64(w, s->connections);
    TD_JW_LIT(w, ",\"failed\":"); td_jw_u64(w, s->failed);
    TD_JW_LIT(w, ",\"verdicts\":{");
    bool first = true;
    for (int v = TD_V_OK; v < TD_V_COUNT; v++) {
        if (!s->verdicts[v]) continue;
        if (!first) td_jw_char(w, ',');
        td_jw_str(w, td_verdict_name((td_verdict)v));
        td_jw_char(w, ':');
        td_jw_u64(w, s->verdicts[v]);
        first = false;
    }
    TD_JW_LIT(w, "},\"cause\":");
    td_jw_str(w, s->failed ? td_verdict_name(td_server_cause(s)) : NULL);
    TD_JW_LIT(w, ",\"all_failed_alike\":");
    if (td_server_all_failed_alike(s)) TD_JW_LIT(w, "true");
    else TD_JW_LIT(w, "false");
    TD_JW_LIT(w, ",\"first_failure\":");
    if (s->failed) { td_format_time(s->first_fail, t, sizeof t); td_jw_str(w, t); }
    else TD_JW_LIT(w, "null");
    TD_JW_LIT(w, ",\"last_failure\":");
    if (s->failed) { td_format_time(s->last_fail, t, sizeof t); td_jw_str(w, t); }
    else TD_JW_LIT(w, "null");
    td_jw_char(w, '}');
}

void td_json_rollup(td_jw *w, const td_run_summary *s)
{
    size_t n;
    const td_server_stat *const *sv = td_rollup_sorted(s->rollup, &n);
    TD_JW_LIT(w, ",\"servers\":[");
    for (size_t i = 0; i < n; i++) {
        if (i) td_jw_char(w, ',');
        server(w, sv[i]);
    }
    TD_JW_LIT(w, "],\"servers_untracked\":");
    td_jw_u64(w, td_rollup_untracked(s->rollup));
    TD_JW_LIT(w, ",\"network_paths\":[");
    const td_paths *p = s->rollup ? td_rollup_paths(s->rollup) : NULL;
    for (size_t i = 0; p && i < p->n; i++) {
        const td_path_stat *x = &p->paths[i];
        if (i) td_jw_char(w, ',');
        TD_JW_LIT(w, "{\"client_network\":"); td_jw_str(w, x->network);
        TD_JW_LIT(w, ",\"verdict\":"); td_jw_str(w, td_verdict_name(x->verdict));
        TD_JW_LIT(w, ",\"connections\":"); td_jw_u64(w, x->connections);
        TD_JW_LIT(w, ",\"servers\":[");
        for (size_t k = 0; k < x->n_servers; k++) {
            if (k) td_jw_char(w, ',');
            td_jw_str(w, x->servers[k]);
        }
        TD_JW_LIT(w, "],\"more_servers\":"); td_jw_u64(w, x->more_servers);
        td_jw_char(w, '}');
    }
    td_jw_char(w, ']');
    TD_JW_LIT(w, ",\"notes\":[");
    for (size_t i = 0; i < s->n_notes; i++) {
        if (i) td_jw_char(w, ',');
        td_jw_str(w, s->notes[i]);
    }
    td_jw_char(w, ']');
}
