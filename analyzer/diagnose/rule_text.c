/* rule_text.c - the rules' words: template variables and their expansion, and the evidence
 * lines several rules cite. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/diagnose/result.h"
#include "analyzer/diagnose/rule_facts_int.h"
#include "analyzer/diagnose/text_put_int.h"
#include "dissectors/dissect.h"

static rule_var *var_slot(facts *f, const char *key)
{
    for (size_t i = 0; i < f->n_vars; i++)
        if (strcmp(f->vars[i].key, key) == 0) return &f->vars[i];
    if (f->n_vars >= RULE_MAX_VARS) return NULL;
    rule_var *v = &f->vars[f->n_vars++];
    v->key = key;
    return v;
}

void rule_var_str2(facts *f, const char *key, const char *a, const char *b)
{
    rule_var *v = var_slot(f, key);
    if (!v) return;
    size_t na = strlen(a), nb = strlen(b);
    if (na > sizeof v->val - 1) na = sizeof v->val - 1;
    if (nb > sizeof v->val - 1 - na) nb = sizeof v->val - 1 - na;
    memcpy(v->val, a, na);
    memcpy(v->val + na, b, nb);
    v->val[na + nb] = '\0';
}

void rule_var_str(facts *f, const char *key, const char *val) { rule_var_str2(f, key, val, ""); }

void rule_var_set(facts *f, const char *key, const char *fmt, ...)
{
    rule_var *v = var_slot(f, key);
    if (!v) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->val, sizeof v->val, fmt, ap);
    va_end(ap);
}

/* Variables every template may use, made only when one names them. */
static const char *builtin(const facts *f, const char *key, size_t k, char *buf, size_t len)
{
    if (k == 9 && memcmp(key, "server_ip", 9) == 0) return f->t->server.ip;
    if (k == 4 && memcmp(key, "port", 4) == 0) {
        snprintf(buf, len, "%u", f->t->server.port);
        return buf;
    }
    if (k == 7 && memcmp(key, "version", 7) == 0) return td_version_label(f->s->version, buf, len);
    return NULL;
}

void rule_expand(const facts *f, const char *tpl, char *out, size_t len)
{
    char tmp[32];
    size_t o = 0, want = 0;
    if (!len) return;
    const char *p = tpl;
    while (*p) {
        /* A run of literal text up to the next '{' (a template is mostly that), then a name. */
        const char *brace = strchr(p, '{');
        size_t run = brace ? (size_t)(brace - p) : strlen(p);
        const char *val = NULL, *close = NULL;
        if (brace && run == 0 && (close = strchr(p, '}'))) {
            size_t k = (size_t)(close - p - 1);
            for (size_t i = 0; i < f->n_vars && !val; i++)
                if (strlen(f->vars[i].key) == k && memcmp(f->vars[i].key, p + 1, k) == 0) val = f->vars[i].val;
            if (!val) val = builtin(f, p + 1, k, tmp, sizeof tmp);
        }
        const char *src = val ? val : p;
        size_t n = val ? strlen(val) : run ? run : 1;      /* an unknown {name} is kept as written */
        want += n;
        size_t room = len - 1 - o;
        memcpy(out + o, src, n < room ? n : room);
        o += n < room ? n : room;
        p = val ? close + 1 : p + n;
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

const char *rule_close_word(const facts *f, uint64_t pkt)
{
    return f->tcp->rst_packet && f->tcp->rst_packet == pkt ? "reset" : "FIN";
}

uint64_t rule_first_close_packet(const facts *f, int dir)
{
    const td_tcp *tcp = f->tcp;
    uint64_t fin = tcp->fin[dir] ? tcp->fin_packet[dir] : 0;
    uint64_t rst = tcp->rst_packet && tcp->rst_from == dir ? tcp->rst_packet : 0;
    return fin && (!rst || fin < rst) ? fin : rst;
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

/* "client ClientHello for SNI: offers V1 V2, N cipher suites[: A, B]" - every connection has it,
 * so it is put together without printf. */
void ev_client_hello(facts *f)
{
    const td_tls *s = f->s;
    if (!s->client_hello) return;
    td_evidence *e = td_result_evidence_slot(f->r, s->client_hello_packet);
    if (!e) return;
    td_text t = td_text_on(e->what, sizeof e->what);
    char b[64];
    td_text_s(&t, "client ClientHello");
    if (s->sni) {
        td_text_n(&t, " for ", 5);
        td_text_s(&t, s->sni);
    }
    td_text_n(&t, ": offers ", 9);
    for (size_t i = 0; i < s->n_offered_versions; i++) {
        if (i) td_text_n(&t, " ", 1);
        td_text_s(&t, td_version_label(s->offered_versions[i], b, sizeof b));
    }
    td_text_n(&t, ", ", 2);
    td_text_u64(&t, s->n_offered_ciphers_total);
    td_text_s(&t, s->n_offered_ciphers_total == 1 ? " cipher suite" : " cipher suites");
    if (s->n_offered_ciphers_total <= 3)                    /* few: name them */
        for (size_t i = 0; i < s->n_offered_ciphers; i++) {
            td_text_n(&t, i ? ", " : ": ", 2);
            td_text_s(&t, td_cipher_label(s->offered_ciphers[i], b, sizeof b));
        }
    td_text_end(&t);
}

void ev_server_hello(facts *f)
{
    const td_tls *s = f->s;
    if (!s->server_hello) return;
    td_evidence *e = td_result_evidence_slot(f->r, s->server_hello_packet);
    if (!e) return;
    td_text t = td_text_on(e->what, sizeof e->what);
    char b[64];
    td_text_s(&t, "server ServerHello: ");
    td_text_s(&t, td_version_label(s->version, b, sizeof b));
    td_text_n(&t, ", ", 2);
    td_text_s(&t, s->has_cipher ? td_cipher_label(s->cipher, b, sizeof b) : "no cipher");
    td_text_end(&t);
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
    if (tcp->rst_packet && tcp->rst_from == dir && rule_first_close_packet(f, dir) < tcp->rst_packet)
        td_result_evidence(f->r, tcp->fin_packet[dir], "%s closed the connection (FIN), then reset it (RST, packet %llu)",
                           rule_who(dir), (unsigned long long)tcp->rst_packet);
    else if (tcp->rst_packet && tcp->rst_from == dir)
        td_result_evidence(f->r, tcp->rst_packet, "%s reset the connection (RST)", rule_who(dir));
    else if (tcp->fin[dir])
        td_result_evidence(f->r, tcp->fin_packet[dir], "%s closed the connection (FIN)", rule_who(dir));
}

bool rule_key_shares(const td_tls *s, char *buf, size_t len)
{
    bool pq = false;
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; s->hello && i < s->hello->n_key_shares && n + 2 < len; i++) {
        uint16_t g = s->hello->key_shares[i];
        if (td_is_grease(g)) continue;
        char b[24];
        n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", td_group_label(g, b, sizeof b));
        if (td_group_is_pq(g)) pq = true;
    }
    return pq;
}
