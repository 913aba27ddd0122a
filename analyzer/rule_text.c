/* rule_text.c - the rules' words: template variables and their expansion, and the evidence
 * lines several rules cite. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "rule_facts.h"

void rule_var_set(facts *f, const char *key, const char *fmt, ...)
{
    rule_var *v = NULL;
    for (size_t i = 0; i < f->n_vars; i++)
        if (strcmp(f->vars[i].key, key) == 0) v = &f->vars[i];
    if (!v) {
        if (f->n_vars >= RULE_MAX_VARS) return;
        v = &f->vars[f->n_vars++];
        v->key = key;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->val, sizeof v->val, fmt, ap);
    va_end(ap);
}

void rule_expand(const facts *f, const char *tpl, char *out, size_t len)
{
    size_t o = 0, want = 0;
    if (!len) return;
    for (const char *p = tpl; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        const char *val = NULL;
        if (close) {
            size_t k = (size_t)(close - p - 1);
            for (size_t i = 0; i < f->n_vars && !val; i++)
                if (strlen(f->vars[i].key) == k && memcmp(f->vars[i].key, p + 1, k) == 0) val = f->vars[i].val;
        }
        size_t n = val ? strlen(val) : 1;
        const char *src = val ? val : p;
        want += n;
        if (n > len - 1 - o) n = len - 1 - o;
        memcpy(out + o, src, n);
        o += n;
        p = val ? close + 1 : p + 1;
    }
    out[o] = '\0';
    td_fit_words(out, len, want > (size_t)INT32_MAX ? INT32_MAX : (int)want);
}

const char *rule_plural(uint64_t n, const char *one, const char *many, char *buf, size_t len)
{
    snprintf(buf, len, "%llu %s", (unsigned long long)n, n == 1 ? one : many);
    return buf;
}

const char *rule_who(int dir) { return dir == TD_C2S ? "client" : "server"; }

bool rule_closed_by(const facts *f, int dir)
{
    return (f->tcp->rst_packet && f->tcp->rst_from == dir) || f->tcp->fin[dir];
}

uint64_t rule_close_packet(const facts *f, int dir)
{
    return f->tcp->rst_packet && f->tcp->rst_from == dir ? f->tcp->rst_packet : f->tcp->fin_packet[dir];
}

const char *rule_alert_text(const td_alert *a, char *buf, size_t len)
{
    char name[32];
    if (a->encrypted) snprintf(buf, len, "%s alert (encrypted)", rule_who(a->from));
    else snprintf(buf, len, "%s %s alert %s(%u)", rule_who(a->from), a->level == 2 ? "fatal" : "warning",
                  td_alert_label(a->code, name, sizeof name), a->code);
    return buf;
}

void ev_alert(facts *f, const td_alert *a)
{
    char buf[96];
    td_result_evidence(f->r, a->packet, "%s", rule_alert_text(a, buf, sizeof buf));
}

void ev_client_hello(facts *f)
{
    const td_tls *s = f->s;
    if (!s->client_hello) return;
    char vers[96] = "";
    size_t o = 0;
    for (size_t i = 0; i < s->n_offered_versions && o < sizeof vers - 16; i++) {
        char b[16];
        o += (size_t)snprintf(vers + o, sizeof vers - o, "%s%s", i ? " " : "", td_version_label(s->offered_versions[i], b, sizeof b));
    }
    char suites[160] = "";
    if (s->n_offered_ciphers_total <= 3) {                /* few: name them */
        size_t k = 0;
        for (size_t i = 0; i < s->n_offered_ciphers && k + 2 < sizeof suites; i++) {
            char b[64];
            k += (size_t)snprintf(suites + k, sizeof suites - k, "%s%s", i ? ", " : ": ", td_cipher_label(s->offered_ciphers[i], b, sizeof b));
        }
    }
    char n[32];
    td_result_evidence(f->r, s->client_hello_packet, "client ClientHello%s%s: offers %s, %s%s",
                       s->sni ? " for " : "", s->sni ? s->sni : "", vers,
                       rule_plural(s->n_offered_ciphers_total, "cipher suite", "cipher suites", n, sizeof n), suites);
}

void ev_server_hello(facts *f)
{
    const td_tls *s = f->s;
    if (!s->server_hello) return;
    char v[16], c[64];
    td_result_evidence(f->r, s->server_hello_packet, "server ServerHello: %s, %s", td_version_label(s->version, v, sizeof v),
                       s->has_cipher ? td_cipher_label(s->cipher, c, sizeof c) : "no cipher");
}

void ev_server_cert(facts *f)
{
    const td_chain *c = &f->s->server_chain;
    if (c->seen && c->n) {
        const td_cert *x = &c->certs[0];
        td_result_evidence(f->r, c->packet, "server Certificate: %s <- %s%s", x->subject ? x->subject : "?",
                           x->issuer ? x->issuer : "?", c->n > 1 ? " (+ more)" : "");
    } else if (f->tls13 && f->s->server_hello) {
        td_result_evidence(f->r, f->s->server_hello_packet,
                           "server's encrypted flight (EncryptedExtensions, Certificate, CertificateVerify, Finished)");
    }
}

void ev_close(facts *f, int dir)
{
    const td_tcp *tcp = f->tcp;
    if (tcp->rst_packet && tcp->rst_from == dir)
        td_result_evidence(f->r, tcp->rst_packet, "%s reset the connection (RST)", rule_who(dir));
    else if (tcp->fin[dir])
        td_result_evidence(f->r, tcp->fin_packet[dir], "%s closed the connection (FIN)", rule_who(dir));
}
