/* report_json.c - JSON Lines: one object per connection, then one summary object.
 * Field names are stable (DESIGN.md): add fields, never rename. */
#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "report.h"

static void jstr(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    putc('"', out);
    const unsigned char *p = (const unsigned char *)s, *run = p;   /* plain bytes go out in runs */
    for (; *p; p++) {
        if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') continue;
        if (p > run) fwrite(run, 1, (size_t)(p - run), out);
        run = p + 1;
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20 || *p >= 0x7f) fprintf(out, "\\u%04x", *p);
            else putc(*p, out);
        }
    }
    if (p > run) fwrite(run, 1, (size_t)(p - run), out);
    putc('"', out);
}

static void jkey(FILE *out, const char *k) { jstr(out, k); putc(':', out); }
static const char *jbool(bool b) { return b ? "true" : "false"; }

static void str_list(FILE *out, char *const *list, size_t n)
{
    putc('[', out);
    for (size_t i = 0; i < n; i++) {
        if (i) putc(',', out);
        jstr(out, list[i]);
    }
    putc(']', out);
}

static void chain(FILE *out, const td_chain *c)
{
    putc('[', out);
    for (size_t i = 0; i < c->n; i++) {
        const td_cert *x = &c->certs[i];
        if (i) putc(',', out);
        putc('{', out);
        if (x->parse_error) {
            fputs("\"parse_error\":true,", out);
        } else {
            jkey(out, "subject"); jstr(out, x->subject); putc(',', out);
            jkey(out, "issuer"); jstr(out, x->issuer); putc(',', out);
            jkey(out, "san"); str_list(out, x->san, x->n_san); putc(',', out);
            jkey(out, "not_before"); jstr(out, x->not_before); putc(',', out);
            jkey(out, "not_after"); jstr(out, x->not_after); putc(',', out);
            jkey(out, "key"); jstr(out, x->key); putc(',', out);
            jkey(out, "signature"); jstr(out, x->signature); putc(',', out);
            fprintf(out, "\"self_signed\":%s,", jbool(x->self_signed));
        }
        jkey(out, "sha256"); jstr(out, x->sha256);
        putc('}', out);
    }
    putc(']', out);
}

static void tls_object(FILE *out, const td_transcript *t)
{
    const td_tls *s = &t->tls;
    char buf[32];
    fputs("\"tls\":{\"offered_versions\":[", out);
    for (size_t i = 0; i < s->n_offered_versions; i++) {
        if (i) putc(',', out);
        jstr(out, td_version_label(s->offered_versions[i], buf, sizeof buf));
    }
    fputs("],\"version\":", out);
    jstr(out, s->version ? td_version_label(s->version, buf, sizeof buf) : NULL);
    fputs(",\"cipher\":", out);
    jstr(out, s->has_cipher ? td_cipher_label(s->cipher, buf, sizeof buf) : NULL);
    if (s->has_cipher) fprintf(out, ",\"cipher_id\":%u", s->cipher);
    else fputs(",\"cipher_id\":null", out);
    fputs(",\"sni\":", out);
    jstr(out, s->sni);
    fputs(",\"alpn_offered\":", out);
    str_list(out, s->alpn_offered, s->n_alpn_offered);
    fputs(",\"alpn\":", out);
    jstr(out, s->alpn);
    fprintf(out, ",\"resumed\":%s,\"hello_retry\":%s", jbool(s->resumed), jbool(s->hello_retry));
    fprintf(out, ",\"client_hello\":%s,\"server_hello\":%s,\"sslv2_client_hello\":%s",
            jbool(s->client_hello), jbool(s->server_hello), jbool(s->sslv2_client_hello));
    fputs(",\"server_chain\":", out);
    chain(out, &s->server_chain);
    fprintf(out, ",\"client_cert_requested\":%s,\"client_cert_authorities\":", jbool(s->cert_requested));
    str_list(out, s->ca_names, s->n_ca_names);
    fputs(",\"client_chain\":", out);
    chain(out, &s->client_chain);
    fputs(",\"alerts\":[", out);
    for (size_t i = 0; i < s->n_alerts; i++) {
        const td_alert *a = &s->alerts[i];
        if (i) putc(',', out);
        fprintf(out, "{\"from\":\"%s\",", a->from == TD_C2S ? "client" : "server");
        if (a->encrypted) {
            fputs("\"level\":null,\"description\":null,\"code\":null", out);
        } else {
            fprintf(out, "\"level\":\"%s\",\"description\":",
                    a->level == 1 ? "warning" : a->level == 2 ? "fatal" : "unknown");
            jstr(out, td_alert_label(a->code, buf, sizeof buf));
            fprintf(out, ",\"code\":%u", a->code);
        }
        fprintf(out, ",\"packet\":%llu,\"encrypted\":%s}", (unsigned long long)a->packet, jbool(a->encrypted));
    }
    fprintf(out, "],\"alerts_total\":%zu", s->n_alerts_total);
    fprintf(out, ",\"app_data_c2s\":%llu,\"app_data_s2c\":%llu",
            (unsigned long long)s->app_data[0], (unsigned long long)s->app_data[1]);
    fprintf(out, ",\"encrypted_handshake_c2s\":%u,\"encrypted_handshake_s2c\":%u",
            s->enc_hs_records[0], s->enc_hs_records[1]);
    fputs(",\"plaintext_c2s\":", out);
    jstr(out, s->not_tls[0] ? s->not_tls_what[0] : NULL);
    fputs(",\"plaintext_s2c\":", out);
    jstr(out, s->not_tls[1] ? s->not_tls_what[1] : NULL);
    putc('}', out);
}

void td_json_connection(FILE *out, const td_result *r)
{
    const td_transcript *t = r->t;
    const td_tcp *tcp = &t->tcp;
    char start[48];
    td_format_time(t->start, start, sizeof start);
    fprintf(out, "{\"type\":\"connection\",\"id\":%llu,\"file\":", (unsigned long long)t->id);
    jstr(out, t->file);
    fprintf(out, ",\"first_packet\":%llu,\"last_packet\":%llu,\"start\":\"%s\",\"duration_ms\":%.3f,",
            (unsigned long long)t->first_packet, (unsigned long long)t->last_packet, start,
            (t->end - t->start) * 1000.0);
    fprintf(out, "\"client\":{\"ip\":\"%s\",\"port\":%u},\"server\":{\"ip\":\"%s\",\"port\":%u},",
            t->client.ip, t->client.port, t->server.ip, t->server.port);
    static const char *const closers[] = { "null", "\"client\"", "\"server\"" };
    static const char *const closes[] = { "null", "\"fin\"", "\"rst\"" };
    fprintf(out, "\"tcp\":{\"syn_retransmits\":%u,\"handshake\":%s,\"midstream\":%s,\"closed_by\":%s,"
                 "\"close\":%s,\"bytes_c2s\":%llu,\"bytes_s2c\":%llu,\"gaps\":%u,\"gap_bytes\":%llu,"
                 "\"retransmits\":%u},",
            tcp->syn_retransmits, jbool(tcp->handshake), jbool(tcp->midstream),
            closers[tcp->closed_by % 3], closes[tcp->close % 3], (unsigned long long)tcp->bytes[0],
            (unsigned long long)tcp->bytes[1], tcp->gaps[0] + tcp->gaps[1],
            (unsigned long long)(tcp->gap_bytes[0] + tcp->gap_bytes[1]),
            tcp->retransmits[0] + tcp->retransmits[1]);
    tls_object(out, t);
    if (r->verdict) {
        fputs(",\"verdict\":", out);
        jstr(out, r->verdict);
        fputs(",\"confidence\":", out);
        jstr(out, r->confidence);
        fputs(",\"summary\":", out);
        jstr(out, r->summary);
        fputs(",\"evidence\":[", out);
        for (size_t i = 0; i < r->n_evidence; i++) {
            if (i) putc(',', out);
            fprintf(out, "{\"packet\":%llu,\"what\":", (unsigned long long)r->evidence[i].packet);
            jstr(out, r->evidence[i].what);
            putc('}', out);
        }
        fputs("],\"kb_section\":", out);
        jstr(out, r->kb_section);
        fputs(",\"remedy\":", out);
        jstr(out, r->remedy);
    }
    fputs(",\"findings\":[", out);
    for (size_t i = 0; i < r->n_findings; i++) {
        if (i) putc(',', out);
        fputs("{\"id\":", out);
        jstr(out, r->findings[i].id);
        fputs(",\"severity\":", out);
        jstr(out, r->findings[i].severity);
        fputs(",\"detail\":", out);
        jstr(out, r->findings[i].detail);
        putc('}', out);
    }
    fputs("]}\n", out);
}

void td_json_summary(FILE *out, const td_run_summary *s)
{
    fputs("{\"type\":\"summary\",\"files\":", out);
    putc('[', out);
    for (size_t i = 0; i < s->n_files; i++) {
        if (i) putc(',', out);
        jstr(out, s->files[i]);
    }
    fprintf(out, "],\"packets\":%llu,\"connections\":%llu,\"verdicts\":{",
            (unsigned long long)s->packets, (unsigned long long)s->connections);
    bool first = true;
    for (size_t i = 0; i < s->n_verdicts; i++) {
        if (!s->verdict_counts[i]) continue;
        fprintf(out, "%s\"%s\":%llu", first ? "" : ",", s->verdict_names[i],
                (unsigned long long)s->verdict_counts[i]);
        first = false;
    }
    fprintf(out, "},\"undecoded_packets\":%llu,\"truncated_packets\":%llu",
            (unsigned long long)s->undecoded, (unsigned long long)s->truncated);
    if (s->have_kernel_stats)
        fprintf(out, ",\"kernel_received\":%llu,\"kernel_dropped\":%llu",
                (unsigned long long)s->kernel_received, (unsigned long long)s->kernel_dropped);
    fprintf(out, ",\"elapsed_s\":%.3f}\n", s->elapsed_s);
}
