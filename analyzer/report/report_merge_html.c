/* report_merge_html.c - a connection record read back (tlsdiag report) as an <article> of the --html
 * page: its verdict, evidence, fix, KB section and findings, in report_html.c's markup (the
 * verdict filter works on it).  Every string is the record's, hostile: it goes out through
 * td_html_text.  The message ladder is not drawn from a record. */
#include <stdlib.h>
#include <string.h>

#include "analyzer/report/report_merge.h"

static uint64_t u64(const td_jv *o, const char *key)
{
    uint64_t v = 0;
    td_jv_u64(o, key, &v);
    return v;
}

static void endpoint(FILE *f, const td_jv *e)
{
    const char *ip = td_jv_str(e, "ip");
    bool v6 = ip && strchr(ip, ':');
    fputs(v6 ? "[" : "", f);
    td_html_text(f, ip);
    fprintf(f, "%s:%llu", v6 ? "]" : "", (unsigned long long)u64(e, "port"));
}

static void evidence(FILE *f, const td_jv *ev)
{
    fputs("<table class=\"evidence\"><tr><th>packet</th><th>evidence</th></tr>\n", f);
    for (const td_jv *e = ev && ev->type == TD_JV_ARRAY ? ev->child : NULL; e; e = e->next) {
        fprintf(f, "<tr><td>%llu</td><td>", (unsigned long long)u64(e, "packet"));
        td_html_text(f, td_jv_str(e, "what"));
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void findings(FILE *f, const td_jv *fs)
{
    if (!fs || fs->type != TD_JV_ARRAY || !fs->n) return;
    fputs("<dl class=\"facts\">", f);
    for (const td_jv *x = fs->child; x; x = x->next) {
        const char *sev = td_jv_str(x, "severity");
        fprintf(f, "<dt>finding</dt><dd%s><b>", sev && strcmp(sev, "info") != 0 ? " class=\"warn\"" : "");
        td_html_text(f, td_jv_str(x, "id"));
        fputs("</b>: ", f);
        td_html_text(f, td_jv_str(x, "detail"));
        fputs("</dd>", f);
    }
    fputs("</dl>\n", f);
}

void td_merge_html_connection(td_html *h, const td_jv *c, const td_merge_ident *id)
{
    FILE *f = td_html_article(h);
    if (!f) return;
    const char *v = td_jv_str(c, "verdict"), *sni = td_jv_str(td_jv_get(c, "tls"), "sni");
    const char *conf = td_jv_str(c, "confidence"), *tr = td_jv_str(c, "transport");
    bool problem = v && strcmp(v, "ok") != 0;
    fprintf(f, "<article class=\"conn %s\" id=\"conn-%llu\" data-verdict=\"", problem ? "problem" : "fine",
            (unsigned long long)id->id);
    td_html_text(f, v ? v : "none");
    fprintf(f, "\">\n<h3><a href=\"#conn-%llu\">#%llu</a> ", (unsigned long long)id->id, (unsigned long long)id->id);
    endpoint(f, td_jv_get(c, "client"));
    fputs(" &rarr; ", f);
    endpoint(f, td_jv_get(c, "server"));
    if (tr && strcmp(tr, "quic") == 0) fputs("/udp", f);
    if (sni) {
        fputs(" <span class=\"sni\">", f);
        td_html_text(f, sni);
        fputs("</span>", f);
    }
    fprintf(f, " <span class=\"verdict %s\">", problem ? "bad" : "good");
    td_html_text(f, v ? v : "none");
    fputs("</span>", f);
    if (conf) {
        fputs(" <span class=\"conf\">(", f);
        td_html_text(f, conf);
        fputs(")</span>", f);
    }
    fputs("</h3>\n<p class=\"where\">", f);
    td_html_text(f, td_jv_str(c, "file"));
    char span[64];
    fprintf(f, ", %s, ", td_packet_span(u64(c, "first_packet"), u64(c, "last_packet"), span, sizeof span));
    td_html_text(f, td_jv_str(c, "start"));
    fputs(", sensor ", f);
    td_html_text(f, id->sensor);
    fprintf(f, " #%llu</p>\n", (unsigned long long)id->sensor_id);
    if (v) {
        fputs("<p class=\"what\">", f);
        td_html_text(f, td_jv_str(c, "summary"));
        fputs("</p>\n", f);
        evidence(f, td_jv_get(c, "evidence"));
        const char *fix = td_jv_str(c, "remedy"), *kb = td_jv_str(c, "kb_section");
        if (fix) {
            fputs("<p class=\"fix\"><b>Fix:</b> ", f);
            td_html_text(f, fix);
            fputs("</p>\n", f);
        }
        if (kb) {
            fputs("<p class=\"kb\">KB Q197306, section &ldquo;", f);
            td_html_text(f, kb);
            fputs("&rdquo;</p>\n", f);
        }
    }
    findings(f, td_jv_get(c, "findings"));
    fputs("</article>\n", f);
}
