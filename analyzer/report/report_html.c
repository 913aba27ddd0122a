/* report_html.c - --html FILE: the report as one self-contained web page.
 * Inline CSS and a little inline script, a Content-Security-Policy that forbids every fetch: the
 * roll-up per server, then each connection with its verdict, evidence and fix and its message
 * ladder drawn as a client/server sequence diagram (inline SVG) with times and packet numbers,
 * failures marked.
 *
 * Every string that comes from the capture (SNI, certificate names, plaintext, file names) is
 * hostile and goes out through esc().  Connections are written to a temporary file as they are
 * classified; td_html_close writes the page around them once the roll-up is known. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/dissect.h"
#include "analyzer/report/report.h"
#include "analyzer/report/rollup.h"

#define HTML_MAX_CONNECTIONS 2000  /* drawn in full; past that counted (the page stays loadable) */

struct td_html {
    FILE *page;                    /* the file named by --html */
    FILE *body;                    /* the connections, until the page is written */
    uint64_t drawn, not_drawn;
};

td_html *td_html_open(const char *path, char *err, size_t errlen)
{
    td_html *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!(h->page = fopen(path, "w"))) {
        snprintf(err, errlen, "cannot write the page there: %s", strerror(errno));
        free(h);
        return NULL;
    }
    if (!(h->body = tmpfile())) {
        snprintf(err, errlen, "cannot make a temporary file: %s", strerror(errno));
        fclose(h->page);
        free(h);
        return NULL;
    }
    return h;
}

/* Text into HTML (element content and quoted attribute values alike).  Control characters
 * become U+FFFD; bytes >= 0x80 pass (the page is UTF-8; a bad sequence shows as U+FFFD). */
static void esc(FILE *f, const char *s)
{
    if (!s) return;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            if (c < 0x20 || c == 0x7f) fputs("&#xFFFD;", f);
            else fputc(c, f);
        }
    }
}

void td_html_text(FILE *f, const char *s) { esc(f, s); }

FILE *td_html_article(td_html *h)
{
    if (!h) return NULL;
    if (h->drawn >= HTML_MAX_CONNECTIONS) {
        h->not_drawn++;
        return NULL;
    }
    h->drawn++;
    return h->body;
}

static void endpoint(FILE *f, const td_endpoint *e)
{
    bool v6 = strchr(e->ip, ':') != NULL;
    fputs(v6 ? "[" : "", f);
    esc(f, e->ip);
    fprintf(f, "%s:%u", v6 ? "]" : "", e->port);
}

/* A failure on the ladder: a fatal alert, a reset, bytes that are not TLS, a hole. */
static bool bad_event(const td_transcript *t, const td_event *e)
{
    switch (e->kind) {
    case TD_EV_RST: case TD_EV_PLAINTEXT: case TD_EV_GAP: case TD_EV_UNKNOWN_RECORD: return true;
    case TD_EV_ALERT:
        if (e->sub < t->tls.n_alerts) {
            const td_alert *a = &t->tls.alerts[e->sub];
            return a->encrypted || a->level == 2;
        }
        return true;
    case TD_EV_SSL2: return e->sub == 0;           /* SSLv2 ERROR */
    default: return false;
    }
}

static bool cited(const td_result *r, uint64_t packet)
{
    for (size_t i = 0; i < r->n_evidence; i++)
        if (r->evidence[i].packet == packet) return true;
    return false;
}

#define LAD_W 760
#define LAD_C 170                  /* the client's line */
#define LAD_S 650                  /* the server's line */
#define LAD_TOP 46
#define LAD_ROW 30

/* A certificate's identity after its names: serial, SHA-1, key usages, AIA URIs, SCTs. */
static void cert_identity(FILE *f, const td_cert *x)
{
    fputs("<br>serial ", f);
    esc(f, x->serial[0] ? x->serial : "?");
    fputs(", sha1 ", f);
    esc(f, x->sha1);
    for (unsigned b = 0, k = 0; td_x509_key_usage_name(b); b++)
        if (x->key_usage >> b & 1) {
            fputs(k++ ? " " : "; usage ", f);
            esc(f, td_x509_key_usage_name(b));
        }
    for (size_t i = 0; i < x->n_eku; i++) {
        fputs(i ? " " : "; EKU ", f);
        esc(f, x->eku[i]);
    }
    for (size_t i = 0; i < x->n_ocsp_urls; i++) {
        fputs(i ? " " : "; OCSP ", f);
        esc(f, x->ocsp_urls[i]);
    }
    for (size_t i = 0; i < x->n_ca_issuer_urls; i++) {
        fputs(i ? " " : "; CA issuers ", f);
        esc(f, x->ca_issuer_urls[i]);
    }
    if (x->scts || x->scts_malformed)
        fprintf(f, "; %u SCT%s%s", x->scts, x->scts == 1 ? "" : "s", x->scts_malformed ? " (list malformed)" : "");
    if (x->precert) fputs("; precertificate", f);
}

static void ladder(FILE *f, const td_result *r)
{
    const td_transcript *t = r->t;
    size_t n = t->n_events;
    int h = LAD_TOP + (int)n * LAD_ROW + 16;
    fprintf(f, "<svg class=\"ladder\" role=\"img\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\">\n", LAD_W, h,
            LAD_W, h);
    fputs("<title>message ladder</title>\n", f);
    fprintf(f, "<text class=\"who\" x=\"%d\" y=\"16\">client ", LAD_C);
    endpoint(f, &t->client);
    fprintf(f, "</text><text class=\"who\" x=\"%d\" y=\"16\">server ", LAD_S);
    endpoint(f, &t->server);
    if (t->quic) fputs("/udp", f);
    fputs("</text>\n", f);
    fprintf(f, "<text class=\"hd\" x=\"4\" y=\"36\">time</text><text class=\"hd\" x=\"84\" y=\"36\">packet</text>\n");
    fprintf(f, "<line class=\"life\" x1=\"%d\" y1=\"24\" x2=\"%d\" y2=\"%d\"/><line class=\"life\" x1=\"%d\" y1=\"24\" "
               "x2=\"%d\" y2=\"%d\"/>\n", LAD_C, LAD_C, h - 4, LAD_S, LAD_S, h - 4);
    size_t rec = 0;
    char buf[256];
    for (size_t i = 0; i < n; i++) {
        const td_event *e = &t->events[i];
        const char *label = td_event_record_label(r, e, &rec);
        int y = LAD_TOP + (int)i * LAD_ROW + 18;
        bool bad = bad_event(t, e), ev = cited(r, e->packet);
        bool c2s = e->dir == TD_C2S;
        fprintf(f, "<g class=\"ev%s%s\" data-packet=\"%llu\">", bad ? " bad" : "", ev ? " cited" : "",
                (unsigned long long)e->packet);
        fprintf(f, "<text class=\"t\" x=\"4\" y=\"%d\">%.3f ms</text>", y + 4, (e->ts - t->start) * 1000.0);
        fprintf(f, "<text class=\"p\" x=\"84\" y=\"%d\">pkt %llu</text>", y + 4, (unsigned long long)e->packet);
        fprintf(f, "<line class=\"msg\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" marker-end=\"url(#%s)\"/>",
                c2s ? LAD_C : LAD_S, y, c2s ? LAD_S - 2 : LAD_C + 2, y, bad ? "ahbad" : "ah");
        fprintf(f, "<text class=\"m\" x=\"%d\" y=\"%d\">", (LAD_C + LAD_S) / 2, y - 5);
        esc(f, td_event_text(t, e, buf, sizeof buf));
        if (label) {
            fputs(": likely ", f);
            esc(f, label);
        }
        if (e->flags & TD_EVF_DECRYPTED) fputs(" [decrypted]", f);
        fputs("</text></g>\n", f);
    }
    fputs("</svg>\n", f);
    if (t->n_events_dropped)
        fprintf(f, "<p class=\"note\">%zu more events not kept</p>\n", t->n_events_dropped);
}

/* The hellos' fingerprints and offered lists (analyzer/report/report_hello.c). */
static void hello_facts(FILE *f, const td_tls *s)
{
    char hb[4096];
    const char *hl, *label;
    for (int i = 0; (hl = td_hello_line(s, i, true, &label, hb, sizeof hb)); i++)
        if (*hl) {
            fputs("<dt>", f);
            esc(f, label);
            fputs("</dt><dd>", f);
            esc(f, hl);
            fputs("</dd>", f);
        }
}

/* What came before TLS: a STARTTLS dialogue, an HTTP CONNECT through a proxy; or QUIC's transport. */
static void upgrade_facts(FILE *f, const td_transcript *t)
{
    char words[512];
    if (t->quic) {
        fputs("<dt>transport</dt><dd>QUIC (UDP): ", f);
        esc(f, td_quic_line(t, words, sizeof words));
        fputs("</dd>", f);
    }
    if (t->tls.stls && t->tls.stls->protocol) {
        fputs("<dt>STARTTLS</dt><dd>", f);
        esc(f, td_starttls_text(t->tls.stls, words, sizeof words));
        fputs("</dd>", f);
    }
    if (t->tls.proxy.type) {
        fputs("<dt>proxy</dt><dd>", f);
        esc(f, td_proxy_text(t, false, words, sizeof words));
        fputs("; ", f);
        esc(f, td_proxy_text(t, true, words, sizeof words));
        fputs("</dd>", f);
    }
}

/* Both chains: each certificate's names, dates and identity. */
static void chain_facts(FILE *f, const td_tls *s)
{
    for (size_t i = 0; i < s->server_chain.n; i++) {
        const td_cert *x = &s->server_chain.certs[i];
        fputs(i ? "<dt></dt><dd>" : "<dt>server cert</dt><dd>", f);
        if (x->parse_error) {
            fputs("(unparsable certificate)", f);
        } else {
            esc(f, x->subject);
            fputs(" &larr; ", f);
            esc(f, x->issuer);
            fputs(", valid ", f);
            esc(f, x->not_before);
            fputs(" .. ", f);
            esc(f, x->not_after);
            for (size_t k = 0; k < x->n_san && k < 6; k++) {
                fputs(k ? ", " : "; names ", f);
                esc(f, x->san[k]);
            }
            cert_identity(f, x);
        }
        fputs("</dd>", f);
    }
    for (size_t i = 0; i < s->client_chain.n; i++) {
        const td_cert *x = &s->client_chain.certs[i];
        fputs(i ? "<dt></dt><dd>" : "<dt>client cert</dt><dd>", f);
        if (!x->parse_error) {
            esc(f, x->subject);
            fputs(" &larr; ", f);
            esc(f, x->issuer);
            cert_identity(f, x);
        }
        fputs("</dd>", f);
    }
}

static void facts(FILE *f, const td_result *r)
{
    const td_transcript *t = r->t;
    const td_tls *s = &t->tls;
    char b1[32], b2[32];
    fputs("<dl class=\"facts\">", f);
    if (s->client_hello || s->server_hello) {
        fputs("<dt>TLS</dt><dd>", f);
        esc(f, s->version ? td_version_label(s->version, b1, sizeof b1) : "version not negotiated");
        if (s->has_cipher) {
            fputs(", ", f);
            esc(f, td_cipher_label(s->cipher, b2, sizeof b2));
        }
        if (s->alpn) {
            fputs(", ALPN ", f);
            esc(f, s->alpn);
        }
        if (s->resumed) fputs(", resumed", f);
        fputs("</dd>", f);
    }
    if (s->dec) {                                  /* --keylog given */
        fputs("<dt>decrypted</dt><dd>", f);
        if (s->dec->decrypted) {
            fprintf(f, "yes, %u records", s->dec->records[0] + s->dec->records[1]);
            if (s->dec->early[0] + s->dec->early[1])
                fprintf(f, " (0-RTT early data: %u of %u read)", s->dec->early[0], s->dec->early[0] + s->dec->early[1]);
            for (int d = 0; d < 2; d++)
                if (s->dec->app_first[d]) {
                    fputs(d == TD_C2S ? "; client: " : "; server: ", f);
                    esc(f, s->dec->app_first[d]);
                }
        } else {
            fputs("no: ", f);
            esc(f, s->dec->status ? s->dec->status : "nothing to decrypt");
        }
        fputs("</dd>", f);
    }
    chain_facts(f, s);
    upgrade_facts(f, t);
    hello_facts(f, s);
    for (size_t i = 0; i < r->n_findings; i++) {
        const td_finding *x = &r->findings[i];
        fprintf(f, "%s<dd class=\"%s\"><b>", i ? "<dt></dt>" : "<dt>findings</dt>",
                strcmp(x->severity, "info") ? "warn" : "info");
        esc(f, x->id);
        fputs("</b>: ", f);
        esc(f, x->detail);
        fputs("</dd>", f);
    }
    fputs("</dl>\n", f);
}

void td_html_connection(td_html *h, const td_result *r)
{
    FILE *f = td_html_article(h);
    if (f) td_html_draw(f, r);
}

void td_html_draw(FILE *f, const td_result *r)
{
    const td_transcript *t = r->t;
    const char *v = r->verdict ? td_verdict_name(r->verdict) : "none";
    bool problem = td_result_is_problem(r);
    char ts[48];
    fprintf(f, "<article class=\"conn %s\" id=\"conn-%llu\" data-verdict=\"%s\">\n", problem ? "problem" : "fine",
            (unsigned long long)t->id, v);
    fprintf(f, "<h3><a href=\"#conn-%llu\">#%llu</a> ", (unsigned long long)t->id, (unsigned long long)t->id);
    endpoint(f, &t->client);
    fputs(" &rarr; ", f);
    endpoint(f, &t->server);
    if (t->quic) fputs("/udp", f);
    if (t->tls.sni) {
        fputs(" <span class=\"sni\">", f);
        esc(f, t->tls.sni);
        fputs("</span>", f);
    }
    fprintf(f, " <span class=\"verdict %s\">%s</span>", problem ? "bad" : "good", v);
    if (r->confidence) fprintf(f, " <span class=\"conf\">(%s)</span>", r->confidence);
    fputs("</h3>\n<p class=\"where\">", f);
    esc(f, t->file);
    td_format_time(t->start, ts, sizeof ts);
    char span[64];
    fprintf(f, ", %s, %s</p>\n", td_packet_span(t->first_packet, t->last_packet, span, sizeof span), ts);
    if (r->verdict) {
        fputs("<p class=\"what\">", f);
        esc(f, r->summary);
        fputs("</p>\n<table class=\"evidence\"><tr><th>packet</th><th>evidence</th></tr>\n", f);
        size_t order[TD_MAX_EVIDENCE];
        size_t n = td_evidence_order(r, order);
        for (size_t i = 0; i < n; i++) {
            fprintf(f, "<tr><td>%llu</td><td>", (unsigned long long)r->evidence[order[i]].packet);
            esc(f, r->evidence[order[i]].what);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
        if (r->remedy) {
            fputs("<p class=\"fix\"><b>Fix:</b> ", f);
            esc(f, r->remedy);
            fputs("</p>\n", f);
        }
        if (r->kb_section) {
            fputs("<p class=\"kb\">KB Q197306, section &ldquo;", f);
            esc(f, r->kb_section);
            fputs("&rdquo;</p>\n", f);
        }
    }
    facts(f, r);
    if (t->n_events) ladder(f, r);
    fputs("</article>\n", f);
}

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1000px;padding:0 16px 40px;color:#222;"
    "background:#fafafa}\n"
    "h1{font-size:22px;margin:18px 0 4px}h2{font-size:18px;margin:24px 0 8px;border-bottom:1px solid #ccc}\n"
    "h3{font-size:15px;margin:0 0 4px;font-weight:600}h3 a{color:inherit;text-decoration:none}\n"
    "table{border-collapse:collapse;margin:6px 0}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid "
    "#e4e4e4;vertical-align:top}th{background:#f0f0f0}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".conn{background:#fff;border:1px solid #ddd;border-left:5px solid #3a3;border-radius:4px;padding:10px 14px;"
    "margin:12px 0}\n.conn.problem{border-left-color:#c33}\n"
    ".verdict{padding:1px 7px;border-radius:9px;font-size:13px;color:#fff}.verdict.good{background:#3a3}"
    ".verdict.bad{background:#c33}\n.conf,.where,.kb,.note{color:#666;font-size:12px}\n"
    ".sni{font-family:ui-monospace,monospace}.what{margin:6px 0}.fix{background:#fff8e1;padding:6px 8px;"
    "border-radius:3px}\n"
    ".facts{display:grid;grid-template-columns:110px 1fr;gap:2px 8px;font-size:13px}.facts dt{color:#666}"
    ".facts dd{margin:0;overflow-wrap:anywhere}.facts .warn b{color:#a60}\n"
    "svg.ladder{display:block;max-width:100%;height:auto;margin-top:8px;font:12px ui-monospace,monospace}\n"
    ".ladder .life{stroke:#999;stroke-dasharray:4 3}.ladder .msg{stroke:#357;stroke-width:1.5}\n"
    ".ladder .who{text-anchor:middle;font-weight:600}.ladder .hd{fill:#888}.ladder .t,.ladder .p{fill:#555}\n"
    ".ladder .m{text-anchor:middle}.ladder .bad .msg{stroke:#c33;stroke-width:2.5}.ladder .bad text{fill:#c33;"
    "font-weight:600}\n.ladder .cited .p{font-weight:700;text-decoration:underline}\n"
    "#filter label{margin-right:10px;white-space:nowrap}.hidden{display:none}\n"
    "tr.fail td:first-child{border-left:4px solid #c33}\n";

/* The verdict filter: a box per verdict present; the count of shown connections; data-ready
 * on <body> once it ran (the browser test looks for it). */
static const char script[] =
    "(function(){\n"
    "  var conns=Array.prototype.slice.call(document.querySelectorAll('article.conn'));\n"
    "  var box=document.getElementById('filter'), shown=document.getElementById('shown');\n"
    "  var seen={};\n"
    "  conns.forEach(function(c){seen[c.dataset.verdict]=(seen[c.dataset.verdict]||0)+1;});\n"
    "  function apply(){\n"
    "    var on={};\n"
    "    box.querySelectorAll('input').forEach(function(i){on[i.value]=i.checked;});\n"
    "    var n=0;\n"
    "    conns.forEach(function(c){var v=on[c.dataset.verdict]!==false;c.classList.toggle('hidden',!v);if(v)n++;});\n"
    "    shown.textContent=n+' of '+conns.length+' connections shown';\n"
    "    document.body.dataset.shown=String(n);\n"
    "  }\n"
    "  Object.keys(seen).sort().forEach(function(v){\n"
    "    var l=document.createElement('label'), i=document.createElement('input');\n"
    "    i.type='checkbox';i.checked=true;i.value=v;i.addEventListener('change',apply);\n"
    "    l.appendChild(i);l.appendChild(document.createTextNode(' '+v+' ('+seen[v]+')'));box.appendChild(l);\n"
    "  });\n"
    "  apply();\n"
    "  document.body.dataset.ready='1';\n"
    "})();\n";

static void rollup_table(FILE *f, td_rollup *ru)
{
    size_t n;
    const td_server_stat *const *sv = td_rollup_sorted(ru, &n);
    fprintf(f, "<section id=\"servers\"><h2>Servers (%zu)</h2>\n", n);
    if (!n) {
        fputs("<p>No connections.</p></section>\n", f);
        return;
    }
    fputs("<table><tr><th>server</th><th>SNI</th><th>connections</th><th>failed</th><th>most common cause</th>"
          "<th>failures (UTC)</th><th>verdicts</th></tr>\n", f);
    char span[64];
    for (size_t i = 0; i < n; i++) {
        const td_server_stat *s = sv[i];
        bool v6 = strchr(s->ip, ':') != NULL;
        fprintf(f, "<tr class=\"%s\"><td>%s", s->failed ? "fail" : "ok", v6 ? "[" : "");
        esc(f, s->ip);
        fprintf(f, "%s:%u%s</td><td class=\"sni\">", v6 ? "]" : "", s->port, s->udp ? "/udp" : "");
        if (s->sni[0]) esc(f, s->sni);
        else fputs("<i>none</i>", f);
        td_server_fail_span(s, span, sizeof span);
        fprintf(f, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td>%s%s</td><td>%s</td><td>",
                (unsigned long long)s->connections, (unsigned long long)s->failed,
                s->failed ? td_verdict_name(td_server_cause(s)) : "", td_server_all_failed_alike(s) ? " (every connection)" : "", span);
        bool first = true;
        for (int v = TD_V_OK; v < TD_V_COUNT; v++) {
            if (!s->verdicts[v]) continue;
            fprintf(f, "%s%s&nbsp;%llu", first ? "" : ", ", td_verdict_name((td_verdict)v),
                    (unsigned long long)s->verdicts[v]);
            first = false;
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    if (td_rollup_untracked(ru))
        fprintf(f, "<p class=\"note\">Only the first %zu servers are tracked: %llu connections to further servers "
                   "are in the totals only.</p>\n", td_rollup_cap(ru), (unsigned long long)td_rollup_untracked(ru));
    fputs("</section>\n", f);
}

static void summary(FILE *f, const td_run_summary *s)
{
    fprintf(f, "<p class=\"meta\">%llu connection%s in %llu packet%s from ", (unsigned long long)s->connections,
            s->connections == 1 ? "" : "s", (unsigned long long)s->packets, s->packets == 1 ? "" : "s");
    if (s->live) {
        fputs("interface ", f);
        esc(f, s->iface);
    } else {
        for (size_t i = 0; i < s->n_files; i++) {
            if (i) fputs(", ", f);
            fputs("<code>", f);
            esc(f, s->files[i]);
            fputs("</code>", f);
        }
    }
    fputs("</p>\n<table class=\"verdicts\"><tr><th>verdict</th><th>connections</th></tr>\n", f);
    for (size_t i = 0; i < s->n_verdicts; i++)
        if (s->verdict_counts[i])
            fprintf(f, "<tr><td>%s</td><td class=\"n\">%llu</td></tr>\n", s->verdict_names[i],
                    (unsigned long long)s->verdict_counts[i]);
    fputs("</table>\n", f);
    for (size_t i = 0; i < s->n_notes; i++) {
        fputs("<p class=\"note\">", f);
        esc(f, s->notes[i]);
        fputs("</p>\n", f);
    }
}

bool td_html_close(td_html *h, const td_run_summary *s, char *err, size_t errlen)
{
    if (!h) return true;
    bool ok = true;
    if (s) {
        FILE *f = h->page;
        fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
              "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
              "script-src 'unsafe-inline'\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
              "<title>tlsdiag report</title>\n<style>\n", f);
        fputs(css, f);
        fputs("</style></head>\n<body>\n", f);
        /* The arrow heads every ladder uses. */
        fputs("<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>"
              "<marker id=\"ah\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
              "orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#357\"/></marker>"
              "<marker id=\"ahbad\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
              "orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#c33\"/></marker></defs></svg>\n", f);
        fputs("<header><h1>tlsdiag report</h1>\n", f);
        summary(f, s);
        fputs("</header>\n", f);
        rollup_table(f, s->rollup);
        fputs("<section id=\"connections\"><h2>Connections</h2>\n<p id=\"filter\"></p><p id=\"shown\" class=\"note\">"
              "</p>\n", f);
        rewind(h->body);
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, h->body)) > 0) fwrite(buf, 1, n, f);
        if (h->not_drawn)
            fprintf(f, "<p class=\"note\">%llu more connections are not drawn (at most %d are): choose with --verdict "
                       "or --connection.</p>\n", (unsigned long long)h->not_drawn, HTML_MAX_CONNECTIONS);
        fputs("</section>\n<script>\n", f);
        fputs(script, f);
        fputs("</script>\n</body></html>\n", f);
        if (ferror(h->body) || ferror(f)) {
            snprintf(err, errlen, "cannot write the page: %s", strerror(errno));
            ok = false;
        }
    }
    fclose(h->body);
    if (fclose(h->page) != 0 && ok) {
        snprintf(err, errlen, "cannot write the page: %s", strerror(errno));
        ok = false;
    }
    free(h);
    return ok;
}
