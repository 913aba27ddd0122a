/* report_merge_text.c - a connection record read back (tlsdiag report) in the text report's layout:
 * the header, the verdict with its evidence, KB section and fix, the TLS, offered, certificate,
 * alert and TCP lines, the findings.  Lines a record cannot rebuild (the QUIC, STARTTLS and proxy
 * lines, -v's hello lists and ladder) are left to its JSON. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/report/report_merge.h"
#include "analyzer/report/text_line.h"

static const char *or_empty(const char *s) { return s ? s : ""; }

static uint64_t u64(const td_jv *o, const char *key)
{
    uint64_t v = 0;
    td_jv_u64(o, key, &v);
    return v;
}

static void header(FILE *out, int width, const td_jv *c, const td_merge_ident *id, bool color)
{
    const td_jv *cl = td_jv_get(c, "client"), *sv = td_jv_get(c, "server");
    const char *cip = or_empty(td_jv_str(cl, "ip")), *sip = or_empty(td_jv_str(sv, "ip"));
    const char *sni = td_jv_str(td_jv_get(c, "tls"), "sni"), *tr = td_jv_str(c, "transport");
    bool v6c = strchr(cip, ':') != NULL, v6s = strchr(sip, ':') != NULL;
    td_line l = { .n = 0 };
    td_line_add(&l, "%s#%llu%s %s%s%s:%llu -> %s%s%s:%llu", col(color, C_BOLD), (unsigned long long)id->id, col(color, C_RESET),
        v6c ? "[" : "", cip, v6c ? "]" : "", (unsigned long long)u64(cl, "port"), v6s ? "[" : "", sip, v6s ? "]" : "",
        (unsigned long long)u64(sv, "port"));
    if (tr && strcmp(tr, "quic") == 0) td_line_add(&l, "/udp");
    if (sni) td_line_add(&l, " (%s)", sni);
    char span[64];
    td_line_add(&l, "  %s%s %s, %s%s", col(color, C_DIM), or_empty(td_jv_str(c, "file")),
        td_packet_span(u64(c, "first_packet"), u64(c, "last_packet"), span, sizeof span), or_empty(td_jv_str(c, "start")),
        col(color, C_RESET));
    td_text_put(out, width, "", 4, l.b);
    l.n = 0;
    td_line_add(&l, "%s #%llu", id->sensor, (unsigned long long)id->sensor_id);   /* who saw it, and its number there */
    td_text_labelled(out, width, "sensor", l.b);
}

static void verdict_block(FILE *out, int width, const td_jv *c, bool color)
{
    const char *v = td_jv_str(c, "verdict");
    if (!v) return;
    bool ok = strcmp(v, "ok") == 0;
    char b[160];
    snprintf(b, sizeof b, "%s%s%s%s (%s)", col(color, C_BOLD), col(color, ok ? C_GREEN : C_RED), v, col(color, C_RESET),
             or_empty(td_jv_str(c, "confidence")));
    td_text_labelled(out, width, "verdict", b);
    td_text_labelled(out, width, "what", or_empty(td_jv_str(c, "summary")));
    const td_jv *ev = td_jv_get(c, "evidence");
    size_t n = ev && ev->type == TD_JV_ARRAY ? ev->n : 0, k = 0;
    const td_jv **order = n ? calloc(n, sizeof *order) : NULL;
    for (const td_jv *e = order ? ev->child : NULL; e; e = e->next) {   /* in packet order, stable */
        size_t j = k++;
        while (j > 0 && u64(order[j - 1], "packet") > u64(e, "packet")) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = e;
    }
    for (size_t i = 0; i < k; i++)
        td_text_at_packet(out, width, i == 0 ? "evidence" : "", u64(order[i], "packet"), or_empty(td_jv_str(order[i], "what")));
    free(order);
    const char *kb = td_jv_str(c, "kb_section"), *fix = td_jv_str(c, "remedy");
    if (kb) {
        snprintf(b, sizeof b, "Q197306, section \"%s\"", kb);
        td_text_labelled(out, width, "KB", b);
    }
    if (fix) td_text_labelled(out, width, "fix", fix);
}

static void chain_lines(FILE *out, int width, const char *who, const td_jv *chain)
{
    size_t i = 0;
    for (const td_jv *x = chain && chain->type == TD_JV_ARRAY ? chain->child : NULL; x; x = x->next, i++) {
        td_line l = { .n = 0 };
        if (td_jv_true(x, "parse_error")) {
            td_line_add(&l, "(unparsable certificate, sha256 %.16s...)", or_empty(td_jv_str(x, "sha256")));
            td_text_labelled(out, width, i ? "" : who, l.b);
            continue;
        }
        td_line_add(&l, "%s <- %s", or_empty(td_jv_str(x, "subject")), or_empty(td_jv_str(x, "issuer")));
        td_text_labelled(out, width, i ? "" : who, l.b);
        l.n = 0;
        td_line_add(&l, "%s, %s, valid %s .. %s", or_empty(td_jv_str(x, "key")), or_empty(td_jv_str(x, "signature")),
            or_empty(td_jv_str(x, "not_before")), or_empty(td_jv_str(x, "not_after")));
        const td_jv *san = td_jv_get(x, "san");
        if (san && san->n) {
            td_line_add(&l, ", %s ", td_plural(san->n, "name", "names"));
            size_t k = 0;
            for (const td_jv *s = san->child; s && k < 6; s = s->next, k++) td_line_add(&l, "%s%s", k ? ", " : "", or_empty(s->str));
            if (san->n > 6) td_line_add(&l, ", ... (%zu)", san->n);
        }
        td_text_labelled(out, width, "", l.b);
    }
}

static void str_list(td_line *l, const td_jv *a, const char *sep)
{
    size_t k = 0;
    for (const td_jv *s = a && a->type == TD_JV_ARRAY ? a->child : NULL; s; s = s->next)
        if (s->type == TD_JV_STRING) td_line_add(l, "%s%s", k++ ? sep : "", s->str);
}

static void tls_lines(FILE *out, int width, const td_jv *tls)
{
    td_line l = { .n = 0 };
    if (td_jv_true(tls, "client_hello") || td_jv_true(tls, "server_hello") || td_jv_true(tls, "hello_retry")) {
        const char *v = td_jv_str(tls, "version"), *cipher = td_jv_str(tls, "cipher"), *alpn = td_jv_str(tls, "alpn");
        td_line_add(&l, "%s", v ? v : "version not negotiated");
        if (cipher) td_line_add(&l, ", %s", cipher);
        if (alpn) td_line_add(&l, ", ALPN %s", alpn);
        if (td_jv_true(tls, "resumed")) td_line_add(&l, ", resumed");
        if (td_jv_true(tls, "hello_retry")) td_line_add(&l, ", HelloRetryRequest");
        td_text_labelled(out, width, "TLS", l.b);
    }
    if (td_jv_true(tls, "client_hello")) {
        l.n = 0;
        str_list(&l, td_jv_get(tls, "offered_versions"), " ");
        uint64_t n = u64(tls, "offered_ciphers_total");
        td_line_add(&l, "%s%llu %s", l.n ? "; " : "", (unsigned long long)n, td_plural(n, "cipher suite", "cipher suites"));
        const td_jv *alpn = td_jv_get(tls, "alpn_offered");
        if (alpn && alpn->n) {
            td_line_add(&l, "; ALPN ");
            str_list(&l, alpn, ", ");
        }
        if (!td_jv_str(tls, "sni")) td_line_add(&l, "; no SNI");
        if (td_jv_true(tls, "sslv2_client_hello")) td_line_add(&l, "; SSLv2-format hello");
        td_text_labelled(out, width, "offered", l.b);
    }
    chain_lines(out, width, "server cert", td_jv_get(tls, "server_chain"));
    chain_lines(out, width, "client cert", td_jv_get(tls, "client_chain"));
    const td_jv *alerts = td_jv_get(tls, "alerts");
    size_t i = 0;
    for (const td_jv *a = alerts && alerts->type == TD_JV_ARRAY ? alerts->child : NULL; a; a = a->next, i++) {
        l.n = 0;
        if (td_jv_true(a, "encrypted")) td_line_add(&l, "%s alert (encrypted)", or_empty(td_jv_str(a, "from")));
        else
            td_line_add(&l, "%s %s %s(%llu)", or_empty(td_jv_str(a, "from")), or_empty(td_jv_str(a, "level")),
                or_empty(td_jv_str(a, "description")), (unsigned long long)u64(a, "code"));
        td_text_at_packet(out, width, i ? "" : "alerts", u64(a, "packet"), l.b);
    }
}

static void tcp_line(FILE *out, int width, const td_jv *tcp, const td_jv *tls)
{
    if (!tcp) return;
    char b1[32], b2[32];
    td_line l = { .n = 0 };
    uint64_t syn = u64(tcp, "syn_retransmits");
    const char *close = or_empty(td_jv_str(tcp, "close")), *by = or_empty(td_jv_str(tcp, "closed_by"));
    td_line_add(&l, "%s", td_jv_true(tcp, "handshake") ? "handshake ok" : td_jv_true(tcp, "midstream") ? "started before the capture"
                                                                                                : "no handshake seen");
    if (syn) td_line_add(&l, ", %llu SYN %s", (unsigned long long)syn, td_plural(syn, "retransmission", "retransmissions"));
    if (strcmp(close, "fin") == 0) td_line_add(&l, ", %s closed (FIN)", by);
    else if (strcmp(close, "rst") == 0) td_line_add(&l, ", reset by %s (RST)", by);
    else td_line_add(&l, ", still open at the end");
    td_text_human_bytes(u64(tcp, "bytes_c2s"), b1, sizeof b1);
    td_text_human_bytes(u64(tcp, "bytes_s2c"), b2, sizeof b2);
    td_line_add(&l, ", %s up, %s down", b1, b2);
    uint64_t app[2] = { u64(tls, "app_data_c2s"), u64(tls, "app_data_s2c") };
    if (app[0] || app[1]) {
        td_text_human_bytes(app[0], b1, sizeof b1);
        td_text_human_bytes(app[1], b2, sizeof b2);
        td_line_add(&l, " (application data %s up, %s down)", b1, b2);
    }
    uint64_t gaps = u64(tcp, "gaps");
    if (gaps) td_line_add(&l, ", %llu %s", (unsigned long long)gaps, td_plural(gaps, "gap", "gaps"));
    td_text_labelled(out, width, "TCP", l.b);
}

void td_merge_text_connection(FILE *out, const td_jv *c, const td_merge_ident *id, bool color, int width)
{
    header(out, width, c, id, color);
    verdict_block(out, width, c, color);
    tls_lines(out, width, td_jv_get(c, "tls"));
    tcp_line(out, width, td_jv_get(c, "tcp"), td_jv_get(c, "tls"));
    const td_jv *fs = td_jv_get(c, "findings");
    size_t i = 0;
    for (const td_jv *f = fs && fs->type == TD_JV_ARRAY ? fs->child : NULL; f; f = f->next, i++) {
        const char *sev = td_jv_str(f, "severity");
        bool warn = !sev || strcmp(sev, "info") != 0;
        td_line l = { .n = 0 };
        td_line_add(&l, "%s%s%s: %s", col(color, warn ? C_YELLOW : ""), or_empty(td_jv_str(f, "id")), col(color, warn ? C_RESET : ""),
            or_empty(td_jv_str(f, "detail")));
        td_text_labelled(out, width, i ? "" : "findings", l.b);
    }
    fputc('\n', out);
}
