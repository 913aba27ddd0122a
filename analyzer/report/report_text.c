/* report_text.c - the report for people: one block per connection, verdict first, then the
 * evidence and the fix; the facts below; with -v the message ladder; a summary table at the end. */
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dissectors/dissect.h"
#include "dissectors/starttls/starttls.h"
#include "analyzer/report/report.h"
#include "analyzer/report/rollup.h"
#include "analyzer/report/text_line.h"

/* ---- layout: lines wrapped at the width, between words only ------------------------------ */

/* Columns a text takes on the screen: colour escapes take none. */
static int visible(const char *p, size_t n)
{
    int w = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\033') {
            while (i < n && p[i] != 'm') i++;
            continue;
        }
        if (((unsigned char)p[i] & 0xc0) != 0x80) w++;   /* UTF-8: count lead bytes only */
    }
    return w;
}

/* head (written as it is), then body's words, wrapped at width; continuation lines start at
 * column indent.  A word longer than a line is written whole: values are never cut. */
static void put(FILE *out, int width, const char *head, int indent, const char *body)
{
    fputs(head, out);
    int at = visible(head, strlen(head));
    bool first = true;
    for (const char *p = body; *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *sp = strchr(p, ' ');
        size_t n = sp ? (size_t)(sp - p) : strlen(p);
        int w = visible(p, n);
        if (!first) {
            if (at + 1 + w > width && at > indent) {
                fprintf(out, "\n%*s", indent, "");
                at = indent;
            } else {
                fputc(' ', out);
                at++;
            }
        }
        fwrite(p, 1, n, out);
        at += w;
        p += n;
        first = false;
    }
    fputc('\n', out);
}

#define LABEL_COLS 15              /* "  label        " */

/* "  LABEL        body", the body wrapped under itself. */
static void labelled(FILE *out, int width, const char *label, const char *body)
{
    char head[64];
    snprintf(head, sizeof head, "  %-12s ", label);
    put(out, width, head, LABEL_COLS, body);
}

/* "  LABEL        pkt 123    body": the body wrapped under itself. */
static void at_packet(FILE *out, int width, const char *label, uint64_t packet, const char *body)
{
    char head[96];
    int n = snprintf(head, sizeof head, "  %-12s pkt %-6llu ", label, (unsigned long long)packet);
    put(out, width, head, n, body);
}


/* The layout above, for tlsdiag report's records (analyzer/report/report_merge_text.c). */
void td_text_put(FILE *out, int width, const char *head, int indent, const char *body) { put(out, width, head, indent, body); }
void td_text_labelled(FILE *out, int width, const char *label, const char *body) { labelled(out, width, label, body); }
void td_text_at_packet(FILE *out, int width, const char *label, uint64_t packet, const char *body)
{
    at_packet(out, width, label, packet, body);
}

void td_text_human_bytes(uint64_t n, char *buf, size_t len)
{
    if (n < 10000) snprintf(buf, len, "%llu B", (unsigned long long)n);
    else if (n < 10000ull * 1024) snprintf(buf, len, "%.1f KiB", (double)n / 1024);
    else if (n < 10000ull * 1024 * 1024) snprintf(buf, len, "%.1f MiB", (double)n / (1024.0 * 1024));
    else snprintf(buf, len, "%.1f GiB", (double)n / (1024.0 * 1024 * 1024));
}

/* -v: a certificate's identity (serial, SHA-1, key usages, AIA URIs, SCTs) on a line of its own. */
static void cert_identity_line(FILE *out, int width, const td_cert *x)
{
    td_line l = { .n = 0 };
    td_line_add(&l, "serial %s, sha1 %s", x->serial[0] ? x->serial : "?", x->sha1);
    for (unsigned b = 0, k = 0; td_x509_key_usage_name(b); b++)
        if (x->key_usage >> b & 1) td_line_add(&l, "%s%s", k++ ? " " : ", usage ", td_x509_key_usage_name(b));
    for (size_t i = 0; i < x->n_eku; i++) td_line_add(&l, "%s%s", i ? " " : ", EKU ", x->eku[i]);
    for (size_t i = 0; i < x->n_ocsp_urls; i++) td_line_add(&l, "%s%s", i ? " " : ", OCSP ", x->ocsp_urls[i]);
    for (size_t i = 0; i < x->n_ca_issuer_urls; i++) td_line_add(&l, "%s%s", i ? " " : ", CA issuers ", x->ca_issuer_urls[i]);
    if (x->scts || x->scts_malformed)
        td_line_add(&l, ", %u %s%s", x->scts, x->scts == 1 ? "SCT" : "SCTs", x->scts_malformed ? " (list malformed)" : "");
    if (x->precert) td_line_add(&l, ", precertificate (CT poison)");
    labelled(out, width, "", l.b);
}

static void cert_line(FILE *out, int width, const char *label, const td_cert *x, int verbose)
{
    td_line l = { .n = 0 };
    if (x->parse_error) {
        td_line_add(&l, "(unparsable certificate, sha256 %.16s...)", x->sha256);
        labelled(out, width, label, l.b);
        return;
    }
    td_line_add(&l, "%s <- %s", x->subject, x->issuer);
    labelled(out, width, label, l.b);
    l.n = 0;
    td_line_add(&l, "%s, %s, valid %s .. %s", x->key, x->signature, x->not_before, x->not_after);
    if (x->n_san) {
        td_line_add(&l, ", %s ", td_plural(x->n_san, "name", "names"));
        for (size_t i = 0; i < x->n_san && i < 6; i++) td_line_add(&l, "%s%s", i ? ", " : "", x->san[i]);
        if (x->n_san > 6) td_line_add(&l, ", ... (%zu)", x->n_san);
    }
    labelled(out, width, "", l.b);
    if (verbose > 0) cert_identity_line(out, width, x);
}

static void chain_lines(FILE *out, int width, const char *who, const td_chain *c, int verbose)
{
    if (!c->seen) return;
    if (c->empty) {
        char b[96];
        snprintf(b, sizeof b, "(empty: no certificate sent), pkt %llu", (unsigned long long)c->packet);
        labelled(out, width, who, b);
        return;
    }
    for (size_t i = 0; i < c->n; i++) cert_line(out, width, i == 0 ? who : "", &c->certs[i], verbose);
    if (c->n_total > c->n) {
        char b[64];
        snprintf(b, sizeof b, "... %zu more not kept", c->n_total - c->n);
        labelled(out, width, "", b);
    }
    if (c->malformed) labelled(out, width, "", "(the Certificate message's lengths do not add up)");
}

static void header(FILE *out, int width, const td_result *r, bool color)
{
    const td_transcript *t = r->t;
    td_line l = { .n = 0 };
    char ts[48];
    bool v6c = strchr(t->client.ip, ':') != NULL, v6s = strchr(t->server.ip, ':') != NULL;
    td_line_add(&l, "%s#%llu%s %s%s%s:%u -> %s%s%s:%u", col(color, C_BOLD), (unsigned long long)t->id, col(color, C_RESET),
        v6c ? "[" : "", t->client.ip, v6c ? "]" : "", t->client.port, v6s ? "[" : "", t->server.ip, v6s ? "]" : "",
        t->server.port);
    if (t->quic) td_line_add(&l, "/udp");
    if (t->tls.sni) td_line_add(&l, " (%s)", t->tls.sni);
    td_format_time(t->start, ts, sizeof ts);
    char span[64];
    td_line_add(&l, "  %s%s %s, %s%s", col(color, C_DIM), t->file ? t->file : "",
        td_packet_span(t->first_packet, t->last_packet, span, sizeof span), ts, col(color, C_RESET));
    put(out, width, "", 4, l.b);
}

/* "STARTTLS  smtp: offered, asked, accepted: 220 2.0.0 Ready to start TLS" at the answer's packet. */
static void starttls_line(FILE *out, int width, const td_starttls *x)
{
    if (!x || !x->protocol) return;
    char words[256];
    at_packet(out, width, "STARTTLS", x->reply_packet ? x->reply_packet : x->request_packet ? x->request_packet : x->caps_packet,
              td_starttls_text(x, words, sizeof words));
}

static void tls_lines(FILE *out, int width, const td_tls *s, int verbose)
{
    char b1[32], b2[32];
    td_line l = { .n = 0 };
    if (s->client_hello || s->server_hello || s->hello_retry) {
        if (s->version) td_line_add(&l, "%s", td_version_label(s->version, b1, sizeof b1));
        else td_line_add(&l, "version not negotiated");
        if (s->has_cipher) td_line_add(&l, ", %s", td_cipher_label(s->cipher, b2, sizeof b2));
        if (s->alpn) td_line_add(&l, ", ALPN %s", s->alpn);
        if (s->resumed) td_line_add(&l, ", resumed");
        if (s->hello_retry) td_line_add(&l, ", HelloRetryRequest");
        labelled(out, width, "TLS", l.b);
    }
    if (s->dec) {                                  /* --keylog given */
        const td_decrypt_facts *d = s->dec;
        l.n = 0;
        if (d->decrypted) {
            td_line_add(&l, "yes, %u records with the key log", d->records[0] + d->records[1]);
            if (d->early[0]) td_line_add(&l, ", %u of them 0-RTT early data", d->early[0]);
            if (d->early[0] + d->early[1] && s->encrypted_extensions)
                td_line_add(&l, s->early_data_accepted ? " (the server accepted it)" : " (the server refused it)");
            if (d->failed[0] + d->failed[1]) td_line_add(&l, " (%u failed authentication)", d->failed[0] + d->failed[1]);
            if (d->early[1]) td_line_add(&l, " (%u 0-RTT records not read: the key log has no CLIENT_EARLY_TRAFFIC_SECRET)", d->early[1]);
            for (int dir = 0; dir < 2; dir++)
                if (d->app_first[dir]) td_line_add(&l, "; %s first: %s", dir == TD_C2S ? "client" : "server", d->app_first[dir]);
        } else {
            td_line_add(&l, "no: %s", d->status ? d->status : "nothing to decrypt");
        }
        labelled(out, width, "decrypted", l.b);
    }
    if (s->client_hello) {
        l.n = 0;
        for (size_t i = 0; i < s->n_offered_versions; i++)
            td_line_add(&l, "%s%s", i ? " " : "", td_version_label(s->offered_versions[i], b1, sizeof b1));
        td_line_add(&l, "%s%zu %s", l.n ? "; " : "", s->n_offered_ciphers_total,
            td_plural(s->n_offered_ciphers_total, "cipher suite", "cipher suites"));
        if (s->n_alpn_offered) {
            td_line_add(&l, "; ALPN ");
            for (size_t i = 0; i < s->n_alpn_offered; i++) td_line_add(&l, "%s%s", i ? ", " : "", s->alpn_offered[i]);
        }
        if (!s->sni) td_line_add(&l, "; no SNI");
        if (s->sslv2_client_hello) td_line_add(&l, "; SSLv2-format hello");
        labelled(out, width, "offered", l.b);
    }
    chain_lines(out, width, "server cert", &s->server_chain, verbose);
    if (s->cert_requested) {
        l.n = 0;
        td_line_add(&l, "server asked for a client certificate (pkt %llu)", (unsigned long long)s->cert_request_packet);
        if (s->n_ca_names) td_line_add(&l, "; accepted issuers: %s%s", s->ca_names[0], s->n_ca_names > 1 ? ", ..." : "");
        labelled(out, width, "client auth", l.b);
    }
    chain_lines(out, width, "client cert", &s->client_chain, verbose);
    for (size_t i = 0; i < s->n_alerts; i++) {
        const td_alert *a = &s->alerts[i];
        l.n = 0;
        if (a->encrypted)
            td_line_add(&l, "%s alert (encrypted)", a->from == TD_C2S ? "client" : "server");
        else
            td_line_add(&l, "%s %s %s(%u)", a->from == TD_C2S ? "client" : "server",
                a->level == 2 ? "fatal" : a->level == 1 ? "warning" : "level?", td_alert_label(a->code, b1, sizeof b1),
                a->code);
        at_packet(out, width, i ? "" : "alerts", a->packet, l.b);
    }
    for (int d = 0; d < 2; d++)
        if (s->not_tls[d]) {
            l.n = 0;
            td_line_add(&l, "%s sent %s", d == TD_C2S ? "client" : "server", s->not_tls_what[d]);
            at_packet(out, width, "plaintext", s->not_tls_packet[d], l.b);
        }
    starttls_line(out, width, s->stls);
}

/* An HTTP CONNECT before TLS: the server of this connection is the proxy, the TLS peer the target. */
static void proxy_line(FILE *out, int width, const td_transcript *t)
{
    const td_proxy *px = &t->tls.proxy;
    char words[512];
    at_packet(out, width, "proxy", px->request_packet, td_proxy_text(t, false, words, sizeof words));
    at_packet(out, width, "", px->status ? px->response_packet : px->request_packet,
              td_proxy_text(t, true, words, sizeof words));
}

static void tcp_line(FILE *out, int width, const td_result *r)
{
    const td_tcp *tcp = &r->t->tcp;
    char b1[32], b2[32];
    td_line l = { .n = 0 };
    td_text_human_bytes(tcp->bytes[0], b1, sizeof b1);
    td_text_human_bytes(tcp->bytes[1], b2, sizeof b2);
    td_line_add(&l, "%s", tcp->handshake ? "handshake ok" : tcp->midstream ? "started before the capture" :
                  tcp->synack_seen ? "SYN answered" : tcp->syn_seen ? "SYN unanswered" : "no handshake seen");
    if (tcp->syn_retransmits)
        td_line_add(&l, ", %u SYN %s", tcp->syn_retransmits, td_plural(tcp->syn_retransmits, "retransmission", "retransmissions"));
    if (tcp->close == TD_CLOSE_FIN || (tcp->close == TD_CLOSE_RST && (tcp->fin[0] || tcp->fin[1]))) {
        int first = tcp->closed_by == TD_BY_CLIENT ? TD_C2S : TD_S2C;
        td_line_add(&l, ", %s closed (FIN)", first == TD_C2S ? "client" : "server");
        if (tcp->rst_packet) td_line_add(&l, ", %s reset (RST)", tcp->rst_from == TD_C2S ? "client" : "server");
    } else if (tcp->close == TD_CLOSE_RST) {
        td_line_add(&l, ", reset by %s (RST)", tcp->rst_from == TD_C2S ? "client" : "server");
    } else {
        td_line_add(&l, ", still open at the end");
    }
    td_line_add(&l, ", %s up, %s down", b1, b2);
    if (r->app_records[0] || r->app_records[1]) {
        td_text_human_bytes(r->app_bytes[0], b1, sizeof b1);
        td_text_human_bytes(r->app_bytes[1], b2, sizeof b2);
        td_line_add(&l, " (application data %s up, %s down)", b1, b2);
    }
    unsigned gaps = tcp->gaps[0] + tcp->gaps[1];
    if (gaps) td_line_add(&l, ", %u %s", gaps, td_plural(gaps, "gap", "gaps"));
    labelled(out, width, "TCP", l.b);
}

static void ladder(FILE *out, int width, const td_result *r)
{
    const td_transcript *t = r->t;
    char buf[256], head[96];
    td_line l;
    fputs("  ladder\n", out);
    size_t rec = 0;
    for (size_t i = 0; i < t->n_events; i++) {
        const td_event *e = &t->events[i];
        const char *label = td_event_record_label(r, e, &rec);
        int n = snprintf(head, sizeof head, "    %10.3f ms  pkt %-6llu %s  ", (e->ts - t->start) * 1000.0,
                         (unsigned long long)e->packet, e->dir == TD_C2S ? "C->S" : "S->C");
        l.n = 0;
        td_line_add(&l, "%s%s%s%s", td_event_text(t, e, buf, sizeof buf), label ? ": likely " : "", label ? label : "",
            e->flags & TD_EVF_DECRYPTED ? " [decrypted]" : "");
        put(out, width, head, n, l.b);
    }
    if (t->n_events_dropped)
        fprintf(out, "    ... %zu more %s not kept\n", t->n_events_dropped, td_plural(t->n_events_dropped, "event", "events"));
}

void td_text_connection(FILE *out, const td_result *r, int verbose, bool color, int width)
{
    const td_transcript *t = r->t;
    bool ok = r->verdict == TD_V_OK;
    header(out, width, r, color);
    if (r->verdict) {
        char v[128];
        snprintf(v, sizeof v, "%s%s%s%s (%s)", col(color, C_BOLD), col(color, ok ? C_GREEN : C_RED),
                 td_verdict_name(r->verdict), col(color, C_RESET), r->confidence);
        labelled(out, width, "verdict", v);
        labelled(out, width, "what", r->summary);
        size_t order[TD_MAX_EVIDENCE];
        size_t n = td_evidence_order(r, order);
        for (size_t i = 0; i < n; i++)
            at_packet(out, width, i == 0 ? "evidence" : "", r->evidence[order[i]].packet, r->evidence[order[i]].what);
        if (r->kb_section) {
            char kb[160];
            snprintf(kb, sizeof kb, "Q197306, section \"%s\"", r->kb_section);
            labelled(out, width, "KB", kb);
        }
        if (r->remedy) labelled(out, width, "fix", r->remedy);
    }
    if (t->tls.proxy.type) proxy_line(out, width, t);
    tls_lines(out, width, &t->tls, verbose);
    if (verbose > 0) {                             /* fingerprints and offered lists */
        char hb[4096];
        const char *hl, *label;
        for (int i = 0; (hl = td_hello_line(&t->tls, i, true, &label, hb, sizeof hb)); i++)
            if (*hl) labelled(out, width, label, hl);
    }
    if (t->quic) {
        char q[512];
        labelled(out, width, "QUIC", td_quic_line(t, q, sizeof q));
    } else {
        tcp_line(out, width, r);
    }
    for (size_t i = 0; i < r->n_findings; i++) {
        const td_finding *f = &r->findings[i];
        bool warn = strcmp(f->severity, "info") != 0;
        td_line l = { .n = 0 };
        td_line_add(&l, "%s%s%s: %s", col(color, warn ? C_YELLOW : ""), f->id, col(color, warn ? C_RESET : ""), f->detail);
        labelled(out, width, i ? "" : "findings", l.b);
    }
    if (verbose > 0 && t->n_events) ladder(out, width, r);
    fputc('\n', out);
}

/* The roll-up: one line per server, most failures first, and its verdicts when there are several. */
#define ROLLUP_SHOWN 50

/* Failures the network caused, by client network: one line each. */
static void paths_text(FILE *out, const td_paths *p, bool color, int width)
{
    if (!p->n) return;
    fprintf(out, "%sNetwork paths%s: failures on the way, by client network\n", col(color, C_BOLD), col(color, C_RESET));
    for (size_t i = 0; i < p->n; i++) {
        const td_path_stat *s = &p->paths[i];
        td_line l = { .n = 0 };
        size_t servers = s->n_servers + (size_t)s->more_servers;
        if (servers == 1) td_line_add(&l, "%s -> %s: ", s->network, s->servers[0]);
        else td_line_add(&l, "%s -> %zu servers: ", s->network, servers);
        td_line_add(&l, "%s%s%s on %llu %s", col(color, C_RED), td_verdict_name(s->verdict), col(color, C_RESET),
            (unsigned long long)s->connections, td_plural(s->connections, "connection", "connections"));
        put(out, width, "  ", 6, l.b);
    }
}

void td_text_rollup(FILE *out, td_rollup *ru, bool color, int width)
{
    size_t n;
    const td_server_stat *const *sv = td_rollup_sorted(ru, &n);
    if (!n) return;
    fprintf(out, "%sServers%s: %zu (most failures first)\n", col(color, C_BOLD), col(color, C_RESET), n);
    for (size_t i = 0; i < n && i < ROLLUP_SHOWN; i++) {
        const td_server_stat *s = sv[i];
        bool v6 = strchr(s->ip, ':') != NULL;
        td_line l = { .n = 0 };
        char span[64];
        td_line_add(&l, "%s%s%s:%u%s %s: ", v6 ? "[" : "", s->ip, v6 ? "]" : "", s->port, s->udp ? "/udp" : "",
            s->sni[0] ? s->sni : "(no SNI)");
        if (td_server_all_failed_alike(s)) {
            td_server_fail_span(s, span, sizeof span);
            td_line_add(&l, "%sall %llu failed the same way, %s%s, %s", col(color, C_RED), (unsigned long long)s->connections,
                td_verdict_name(td_server_cause(s)), col(color, C_RESET), span);
        } else if (s->failed) {
            td_server_fail_span(s, span, sizeof span);
            td_line_add(&l, "%s%llu of %llu failed%s, %s, %s", col(color, C_RED), (unsigned long long)s->failed,
                (unsigned long long)s->connections, col(color, C_RESET), td_verdict_name(td_server_cause(s)), span);
        } else if (s->verdicts[TD_V_OK] == s->connections) {
            td_line_add(&l, "%s%llu %s, all ok%s", col(color, C_GREEN), (unsigned long long)s->connections,
                td_plural(s->connections, "connection", "connections"), col(color, C_RESET));
        } else {
            td_line_add(&l, "%llu %s, none failed", (unsigned long long)s->connections,
                td_plural(s->connections, "connection", "connections"));
        }
        int kinds = 0;
        for (int v = 0; v < TD_V_COUNT; v++) kinds += s->verdicts[v] != 0;
        if (kinds > 1) {
            td_line_add(&l, " (");
            int order[TD_V_COUNT], k = 0;              /* most common first, table order on ties */
            for (int v = 0; v < TD_V_COUNT; v++) {
                if (!s->verdicts[v]) continue;
                int j = k++;
                while (j > 0 && s->verdicts[order[j - 1]] < s->verdicts[v]) {
                    order[j] = order[j - 1];
                    j--;
                }
                order[j] = v;
            }
            for (int j = 0; j < k; j++)
                td_line_add(&l, "%s%s %llu", j ? ", " : "", order[j] ? td_verdict_name((td_verdict)order[j]) : "no verdict",
                    (unsigned long long)s->verdicts[order[j]]);
            td_line_add(&l, ")");
        }
        put(out, width, "  ", 6, l.b);
    }
    if (n > ROLLUP_SHOWN)
        fprintf(out, "  ... %zu more %s (all of them in --json and --html)\n", n - ROLLUP_SHOWN,
                td_plural(n - ROLLUP_SHOWN, "server", "servers"));
    paths_text(out, td_rollup_paths(ru), color, width);
    uint64_t un = td_rollup_untracked(ru);
    if (un) {
        char b[200];
        snprintf(b, sizeof b, "(only the first %zu servers are tracked: %llu %s to further servers are in the "
                              "totals below only)", td_rollup_cap(ru), (unsigned long long)un,
                 td_plural(un, "connection", "connections"));
        put(out, width, "  ", 3, b);
    }
    fputc('\n', out);
}

void td_text_summary(FILE *out, const td_run_summary *s, bool color, int width)
{
    fprintf(out, "%sSummary%s: %llu %s in %llu %s", col(color, C_BOLD), col(color, C_RESET),
            (unsigned long long)s->connections, td_plural(s->connections, "connection", "connections"),
            (unsigned long long)s->packets, td_plural(s->packets, "packet", "packets"));
    if (s->live) fprintf(out, " captured on %s", s->iface ? s->iface : "?");
    else fprintf(out, " from %zu %s", s->n_files, td_plural(s->n_files, "file", "files"));
    fprintf(out, ", %.2f s\n", s->elapsed_s);
    for (size_t i = 0; i < s->n_verdicts; i++) {
        if (!s->verdict_counts[i]) continue;
        bool ok = strcmp(s->verdict_names[i], "ok") == 0;
        fprintf(out, "  %s%-22s%s %6llu\n", col(color, ok ? C_GREEN : C_RED), s->verdict_names[i],
                col(color, C_RESET), (unsigned long long)s->verdict_counts[i]);
    }
    if (s->no_verdict) fprintf(out, "  %-22s %6llu\n", "(no verdict)", (unsigned long long)s->no_verdict);
    if (s->undecoded)
        fprintf(out, "  %llu %s could not be decoded\n", (unsigned long long)s->undecoded,
                td_plural(s->undecoded, "packet", "packets"));
    if (s->truncated)
        fprintf(out, "  %llu %s cut short by the snap length\n", (unsigned long long)s->truncated,
                td_plural(s->truncated, "packet", "packets"));
    if (s->have_kernel_stats)
        fprintf(out, "  kernel: %llu packets received, %llu dropped\n", (unsigned long long)s->kernel_received,
                (unsigned long long)s->kernel_dropped);
    for (size_t i = 0; i < s->n_notes; i++) put(out, width, "  ", 4, s->notes[i]);
}

int td_text_width(int fd)
{
    const char *c = getenv("COLUMNS");
    if (c && *c) {
        char *end;
        long v = strtol(c, &end, 10);
        if (!*end && v > 0) return v < 20 ? 20 : v > 10000 ? 10000 : (int)v;
    }
    struct winsize ws;
    if (fd >= 0 && isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col < 20 ? 20 : ws.ws_col;
    return 80;
}
