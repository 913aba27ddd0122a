/* report_text.c - the report for people: one block per connection, verdict first, then the
 * evidence and the fix; the facts below; with -v the message ladder; a summary table at the end. */
#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "report.h"

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_DIM "\033[2m"

static const char *col(bool color, const char *code) { return color ? code : ""; }

/* Print "  LABEL  text" with the text wrapped at WRAP columns under itself. */
#define WRAP 100
static void wrapped(FILE *out, const char *label, const char *text)
{
    int indent = 2 + 12 + 1;
    fprintf(out, "  %-12s ", label);
    int col = indent;
    for (const char *p = text; *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *sp = strchr(p, ' ');
        int wlen = sp ? (int)(sp - p) : (int)strlen(p);
        if (col > indent) {
            if (col + 1 + wlen > WRAP) {
                fprintf(out, "\n%*s", indent, "");
                col = indent;
            } else {
                fputc(' ', out);
                col++;
            }
        }
        fwrite(p, 1, (size_t)wlen, out);
        col += wlen;
        p += wlen;
    }
    fputc('\n', out);
}

static void human_bytes(uint64_t n, char *buf, size_t len)
{
    if (n < 10000) snprintf(buf, len, "%llu B", (unsigned long long)n);
    else if (n < 10000ull * 1024) snprintf(buf, len, "%.1f KiB", (double)n / 1024);
    else if (n < 10000ull * 1024 * 1024) snprintf(buf, len, "%.1f MiB", (double)n / (1024.0 * 1024));
    else snprintf(buf, len, "%.1f GiB", (double)n / (1024.0 * 1024 * 1024));
}

static void cert_line(FILE *out, const char *label, const td_cert *x)
{
    if (x->parse_error) {
        fprintf(out, "  %-12s (unparsable certificate, sha256 %.16s...)\n", label, x->sha256);
        return;
    }
    fprintf(out, "  %-12s %s <- %s\n", label, x->subject, x->issuer);
    fprintf(out, "  %-12s %s, %s, valid %s .. %s", "", x->key, x->signature, x->not_before, x->not_after);
    if (x->n_san) {
        fprintf(out, ", names ");
        for (size_t i = 0; i < x->n_san && i < 6; i++) fprintf(out, "%s%s", i ? "," : "", x->san[i]);
        if (x->n_san > 6) fprintf(out, ",... (%zu)", x->n_san);
    }
    fputc('\n', out);
}

static void chain_lines(FILE *out, const char *who, const td_chain *c)
{
    if (!c->seen) return;
    if (c->empty) {
        fprintf(out, "  %-12s (empty: no certificate sent), pkt %llu\n", who, (unsigned long long)c->packet);
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        char label[24];
        snprintf(label, sizeof label, "%s%s", i == 0 ? who : "", i == 0 ? "" : "");
        cert_line(out, i == 0 ? who : "", &c->certs[i]);
    }
    if (c->n_total > c->n) fprintf(out, "  %-12s ... %zu more not kept\n", "", c->n_total - c->n);
    if (c->malformed) fprintf(out, "  %-12s (the Certificate message's lengths do not add up)\n", "");
}

static const char *event_name(const td_transcript *t, const td_event *e, char *buf, size_t len)
{
    char tmp[32];
    switch (e->kind) {
    case TD_EV_SYN: return "SYN";
    case TD_EV_SYNACK: return "SYN-ACK";
    case TD_EV_FIN: return "FIN";
    case TD_EV_RST: return "RST";
    case TD_EV_HANDSHAKE: {
        const char *n = e->sub == 6 ? "HelloRetryRequest" : td_handshake_name(e->sub);
        if (n) snprintf(buf, len, "%s (%u B)", n, e->len);
        else snprintf(buf, len, "handshake type %u (%u B)", e->sub, e->len);
        return buf;
    }
    case TD_EV_SSL2:
        if (e->sub == 0 && t->tls.sslv2_error) {
            const char *n = td_sslv2_error_name(t->tls.sslv2_error);
            snprintf(buf, len, "SSLv2 ERROR %s (%u)", n ? n : "?", t->tls.sslv2_error);
        } else {
            snprintf(buf, len, "SSLv2 %s (%u B)", e->sub == 1 ? "ClientHello" : e->sub == 4 ? "ServerHello" :
                     e->sub == 2 ? "ClientMasterKey" : e->sub == 0 ? "ERROR" : "message", e->len);
        }
        return buf;
    case TD_EV_SSL2_ENCRYPTED:
        if (e->count > 1) snprintf(buf, len, "SSLv2 encrypted records x%u (%u B)", e->count, e->len);
        else snprintf(buf, len, "SSLv2 encrypted record (%u B)", e->len);
        return buf;
    case TD_EV_HEARTBEAT:
        if (e->sub < t->tls.n_heartbeats) {
            const td_heartbeat *h = &t->tls.heartbeats[e->sub];
            if (h->encrypted)
                snprintf(buf, len, "Heartbeat (encrypted, %u B)", h->record_length);
            else
                snprintf(buf, len, "Heartbeat %s payload_length %u, %u in the record (%u B)",
                         h->type == 1 ? "request" : h->type == 2 ? "response" : "type?",
                         h->payload_length, h->payload_actual, h->record_length);
            return buf;
        }
        snprintf(buf, len, "Heartbeat (%u B)", e->len);
        return buf;
    case TD_EV_CCS: return "ChangeCipherSpec";
    case TD_EV_ALERT:
        if (e->sub < t->tls.n_alerts) {
            const td_alert *a = &t->tls.alerts[e->sub];
            if (a->encrypted) snprintf(buf, len, "Alert (encrypted)");
            else snprintf(buf, len, "Alert %s %s(%u)", a->level == 2 ? "fatal" : a->level == 1 ? "warning" : "level?",
                          td_alert_label(a->code, tmp, sizeof tmp), a->code);
            return buf;
        }
        return "Alert";
    case TD_EV_ENCRYPTED_HANDSHAKE: snprintf(buf, len, "encrypted handshake record (%u B)", e->len); return buf;
    case TD_EV_APPDATA:
        if (e->count > 1) snprintf(buf, len, "ApplicationData x%u (%u B)", e->count, e->len);
        else snprintf(buf, len, "ApplicationData (%u B)", e->len);
        return buf;
    case TD_EV_PLAINTEXT:
        snprintf(buf, len, "not TLS: %s", t->tls.not_tls_what[e->dir] ? t->tls.not_tls_what[e->dir] : "?");
        return buf;
    case TD_EV_GAP: snprintf(buf, len, "[capture gap: %u bytes missing]", e->len); return buf;
    case TD_EV_UNKNOWN_RECORD: snprintf(buf, len, "bad record (type %u, length %u)", e->sub, e->len); return buf;
    case TD_EV_OPAQUE:
        if (e->count > 1) snprintf(buf, len, "encrypted records x%u (%u B)", e->count, e->len);
        else snprintf(buf, len, "encrypted record (%u B)", e->len);
        return buf;
    }
    return "?";
}

void td_text_connection(FILE *out, const td_result *r, int verbose, bool color)
{
    const td_transcript *t = r->t;
    const td_tls *s = &t->tls;
    const td_tcp *tcp = &t->tcp;
    char buf[256], b1[32], b2[32];
    bool ok = r->verdict == TD_V_OK;

    fprintf(out, "%s#%llu%s %s%s%s:%u -> %s%s%s:%u", col(color, C_BOLD), (unsigned long long)t->id,
            col(color, C_RESET), t->client.ip[0] && strchr(t->client.ip, ':') ? "[" : "", t->client.ip,
            strchr(t->client.ip, ':') ? "]" : "", t->client.port, strchr(t->server.ip, ':') ? "[" : "",
            t->server.ip, strchr(t->server.ip, ':') ? "]" : "", t->server.port);
    if (s->sni) fprintf(out, " (%s)", s->sni);
    td_format_time(t->start, buf, sizeof buf);
    fprintf(out, "  %s%s packets %llu-%llu, %s%s\n", col(color, C_DIM), t->file ? t->file : "",
            (unsigned long long)t->first_packet, (unsigned long long)t->last_packet, buf, col(color, C_RESET));

    if (r->verdict) {
        fprintf(out, "  %-12s %s%s%s%s (%s)\n", "verdict", col(color, C_BOLD), col(color, ok ? C_GREEN : C_RED),
                td_verdict_name(r->verdict), col(color, C_RESET), r->confidence);
        wrapped(out, "what", r->summary);
        for (size_t i = 0; i < r->n_evidence; i++)
            fprintf(out, "  %-12s pkt %-6llu %s\n", i == 0 ? "evidence" : "", (unsigned long long)r->evidence[i].packet,
                    r->evidence[i].what);
        if (r->kb_section) fprintf(out, "  %-12s Q197306, section \"%s\"\n", "KB", r->kb_section);
        if (r->remedy) wrapped(out, "fix", r->remedy);
    }

    /* TLS facts */
    if (s->client_hello || s->server_hello || s->hello_retry) {
        fprintf(out, "  %-12s", "TLS");
        if (s->version) fprintf(out, " %s", td_version_label(s->version, b1, sizeof b1));
        else fprintf(out, " version not negotiated");
        if (s->has_cipher) fprintf(out, ", %s", td_cipher_label(s->cipher, b2, sizeof b2));
        if (s->alpn) fprintf(out, ", ALPN %s", s->alpn);
        if (s->resumed) fprintf(out, ", resumed");
        if (s->hello_retry) fprintf(out, ", HelloRetryRequest");
        fputc('\n', out);
    }
    if (s->client_hello) {
        fprintf(out, "  %-12s", "offered");
        for (size_t i = 0; i < s->n_offered_versions; i++)
            fprintf(out, "%s%s", i ? " " : " ", td_version_label(s->offered_versions[i], b1, sizeof b1));
        fprintf(out, "; %zu cipher suites", s->n_offered_ciphers_total);
        if (s->n_alpn_offered) {
            fprintf(out, "; ALPN ");
            for (size_t i = 0; i < s->n_alpn_offered; i++) fprintf(out, "%s%s", i ? "," : "", s->alpn_offered[i]);
        }
        if (!s->sni) fprintf(out, "; no SNI");
        if (s->sslv2_client_hello) fprintf(out, "; SSLv2-format hello");
        fputc('\n', out);
    }
    chain_lines(out, "server cert", &s->server_chain);
    if (s->cert_requested) {
        fprintf(out, "  %-12s server asked for a client certificate (pkt %llu)", "client auth",
                (unsigned long long)s->cert_request_packet);
        if (s->n_ca_names) fprintf(out, "; accepted issuers: %s%s", s->ca_names[0], s->n_ca_names > 1 ? ", ..." : "");
        fputc('\n', out);
    }
    chain_lines(out, "client cert", &s->client_chain);
    for (size_t i = 0; i < s->n_alerts; i++) {
        const td_alert *a = &s->alerts[i];
        if (a->encrypted)
            fprintf(out, "  %-12s pkt %-6llu %s alert (encrypted)\n", i ? "" : "alerts", (unsigned long long)a->packet,
                    a->from == TD_C2S ? "client" : "server");
        else
            fprintf(out, "  %-12s pkt %-6llu %s %s %s(%u)\n", i ? "" : "alerts", (unsigned long long)a->packet,
                    a->from == TD_C2S ? "client" : "server", a->level == 2 ? "fatal" : a->level == 1 ? "warning" : "level?",
                    td_alert_label(a->code, b1, sizeof b1), a->code);
    }
    for (int d = 0; d < 2; d++)
        if (s->not_tls[d])
            fprintf(out, "  %-12s pkt %-6llu %s sent %s\n", "plaintext", (unsigned long long)s->not_tls_packet[d],
                    d == TD_C2S ? "client" : "server", s->not_tls_what[d]);

    /* TCP facts */
    human_bytes(tcp->bytes[0], b1, sizeof b1);
    human_bytes(tcp->bytes[1], b2, sizeof b2);
    fprintf(out, "  %-12s %s", "TCP",
            tcp->handshake ? "handshake ok" : tcp->midstream ? "started before the capture" :
            tcp->synack_seen ? "SYN answered" : tcp->syn_seen ? "SYN unanswered" : "no handshake seen");
    if (tcp->syn_retransmits) fprintf(out, ", %u SYN retransmission%s", tcp->syn_retransmits, tcp->syn_retransmits > 1 ? "s" : "");
    if (tcp->close == TD_CLOSE_FIN || (tcp->close == TD_CLOSE_RST && (tcp->fin[0] || tcp->fin[1]))) {
        int first = tcp->closed_by == TD_BY_CLIENT ? TD_C2S : TD_S2C;
        fprintf(out, ", %s closed (FIN)", first == TD_C2S ? "client" : "server");
        if (tcp->rst_packet) fprintf(out, ", %s reset (RST)", tcp->rst_from == TD_C2S ? "client" : "server");
    } else if (tcp->close == TD_CLOSE_RST)
        fprintf(out, ", reset by %s (RST)", tcp->rst_from == TD_C2S ? "client" : "server");
    else
        fprintf(out, ", still open at the end");
    fprintf(out, ", %s up, %s down", b1, b2);
    if (r->app_records[0] || r->app_records[1]) {
        human_bytes(r->app_bytes[0], b1, sizeof b1);
        human_bytes(r->app_bytes[1], b2, sizeof b2);
        fprintf(out, " (application data %s up, %s down)", b1, b2);
    }
    if (tcp->gaps[0] + tcp->gaps[1]) fprintf(out, ", %u gap(s)", tcp->gaps[0] + tcp->gaps[1]);
    fputc('\n', out);

    for (size_t i = 0; i < r->n_findings; i++) {
        const td_finding *f = &r->findings[i];
        bool warn = strcmp(f->severity, "info") != 0;
        fprintf(out, "  %-12s %s%s%s: %s\n", i ? "" : "findings", col(color, warn ? C_YELLOW : ""), f->id,
                col(color, warn ? C_RESET : ""), f->detail);
    }

    if (verbose > 0 && t->n_events) {
        fprintf(out, "  %-12s\n", "ladder");
        size_t rec = 0;
        for (size_t i = 0; i < t->n_events; i++) {
            const td_event *e = &t->events[i];
            const char *label = td_event_record_label(r, e, &rec);
            fprintf(out, "    %10.3f ms  pkt %-6llu %s  %s%s%s\n", (e->ts - t->start) * 1000.0,
                    (unsigned long long)e->packet, e->dir == TD_C2S ? "C->S" : "S->C",
                    event_name(t, e, buf, sizeof buf), label ? ": likely " : "", label ? label : "");
        }
        if (t->n_events_dropped) fprintf(out, "    ... %zu more events not kept\n", t->n_events_dropped);
    }
    fputc('\n', out);
}

void td_text_summary(FILE *out, const td_run_summary *s, bool color)
{
    fprintf(out, "%sSummary%s: %llu connection%s in %llu packets", col(color, C_BOLD), col(color, C_RESET),
            (unsigned long long)s->connections, s->connections == 1 ? "" : "s", (unsigned long long)s->packets);
    if (s->live) fprintf(out, " captured on %s", s->iface ? s->iface : "?");
    else fprintf(out, " from %zu file%s", s->n_files, s->n_files == 1 ? "" : "s");
    fprintf(out, ", %.2f s\n", s->elapsed_s);
    for (size_t i = 0; i < s->n_verdicts; i++) {
        if (!s->verdict_counts[i]) continue;
        bool ok = strcmp(s->verdict_names[i], "ok") == 0;
        fprintf(out, "  %s%-22s%s %6llu\n", col(color, ok ? C_GREEN : C_RED), s->verdict_names[i],
                col(color, C_RESET), (unsigned long long)s->verdict_counts[i]);
    }
    if (s->no_verdict) fprintf(out, "  %-22s %6llu\n", "(no verdict)", (unsigned long long)s->no_verdict);
    if (s->undecoded) fprintf(out, "  %llu packet(s) could not be decoded\n", (unsigned long long)s->undecoded);
    if (s->truncated) fprintf(out, "  %llu packet(s) cut short by the snap length\n", (unsigned long long)s->truncated);
    if (s->have_kernel_stats)
        fprintf(out, "  kernel: %llu packets received, %llu dropped\n", (unsigned long long)s->kernel_received,
                (unsigned long long)s->kernel_dropped);
}
