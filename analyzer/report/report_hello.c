/* report_hello.c - the hellos' fingerprints and offered lists, for the JSON, text and HTML reports.
 *
 * JSON: fields added to the "tls" object (null or [] when there was no hello).  Text and HTML:
 * td_hello_line gives the lines one by one (label, body), the same for both. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dissectors/dissect.h"
#include "analyzer/report/json_writer.h"
#include "analyzer/report/report.h"

typedef const char *(*label_fn)(uint16_t v, char *buf, size_t len);

static const char *point_format_label(uint16_t v, char *buf, size_t len)
{
    const char *n = td_point_format_name((uint8_t)v);
    if (n) return n;
    snprintf(buf, len, "%u", v);
    return buf;
}

static const char *psk_mode_label(uint16_t v, char *buf, size_t len)
{
    const char *n = td_psk_mode_name((uint8_t)v);
    if (n) return n;
    snprintf(buf, len, "%u", v);
    return buf;
}

/* The keys are literals, written as they are: ,"key":[ and ,"key": */
#define KEY_LIST(k) ",\"" k "\":[", sizeof(",\"" k "\":[") - 1
#define KEY(k) ",\"" k "\":", sizeof(",\"" k "\":") - 1

static void json_list16(td_jw *w, td_jw_codes_memo *m, const char *key, size_t key_len, const uint16_t *v,
                        size_t n, label_fn label)
{
    td_jw_bytes(w, key, key_len);
    td_jw_codes(w, m, v, n, label);
    td_jw_char(w, ']');
}

static void json_list8(td_jw *w, td_jw_codes_memo *m, const char *key, size_t key_len, const uint8_t *v, size_t n,
                       label_fn label)
{
    uint16_t wide[TD_MAX_HELLO_SMALL];
    size_t k = n < TD_MAX_HELLO_SMALL ? n : TD_MAX_HELLO_SMALL;
    for (size_t i = 0; i < k; i++) wide[i] = v[i];
    json_list16(w, m, key, key_len, wide, k, label);
}

static void json_fp(td_jw *w, const char *key, size_t key_len, const char *value)
{
    td_jw_bytes(w, key, key_len);
    td_jw_str(w, value && *value ? value : NULL);
}

void td_json_hello(td_jw *w, const td_tls *s, td_jw_codes_memo *lists)
{
    static const td_hello none;
    const td_hello *h = s->hello ? s->hello : &none;
    char buf[16];
    td_jw_codes_memo *m[TD_JW_HELLO_LISTS];
    for (size_t i = 0; i < TD_JW_HELLO_LISTS; i++) m[i] = lists ? &lists[i] : NULL;
    json_fp(w, KEY("ja3"), h->ja3);
    json_fp(w, KEY("ja3_string"), h->ja3_string);
    json_fp(w, KEY("ja3s"), h->ja3s);
    json_fp(w, KEY("ja3s_string"), h->ja3s_string);
    json_fp(w, KEY("ja4"), h->ja4);
    json_list16(w, m[0], KEY_LIST("client_extensions"), h->ext, h->n_ext, td_extension_label);
    TD_JW_LIT(w, ",\"client_extensions_total\":"); td_jw_u64(w, h->n_ext_total);
    json_list16(w, m[1], KEY_LIST("signature_algorithms"), h->sig_algs, h->n_sig_algs, td_sigalg_label);
    json_list16(w, m[2], KEY_LIST("supported_groups"), h->groups, h->n_groups, td_group_label);
    json_list16(w, m[3], KEY_LIST("key_share_groups"), h->key_shares, h->n_key_shares, td_group_label);
    json_list8(w, m[4], KEY_LIST("ec_point_formats"), h->point_formats, h->n_point_formats, point_format_label);
    json_list8(w, m[5], KEY_LIST("psk_key_exchange_modes"), h->psk_modes, h->n_psk_modes, psk_mode_label);
    json_list16(w, m[6], KEY_LIST("cert_compression"), h->cert_compression, h->n_cert_compression, td_cert_compression_label);
    TD_JW_LIT(w, ",\"ech\":"); td_jw_bool(w, h->ech);
    json_fp(w, KEY("ech_outer_sni"), h->ech ? s->sni : NULL);
    json_list16(w, m[7], KEY_LIST("server_extensions"), h->server_ext, h->n_server_ext, td_extension_label);
    TD_JW_LIT(w, ",\"server_key_share\":");
    td_jw_str(w, h->server_key_share ? td_group_label(h->server_key_share, buf, sizeof buf) : NULL);
}

/* ---- text and HTML ------------------------------------------------------------------------ */

__attribute__((format(printf, 3, 4))) static void add(char *buf, size_t len, const char *fmt, ...)
{
    size_t n = strlen(buf);
    if (n + 1 >= len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, len - n, fmt, ap);
    va_end(ap);
}

static void text_list16(char *out, size_t len, const uint16_t *v, size_t n, size_t total, label_fn label)
{
    char b[16];
    for (size_t i = 0; i < n; i++) add(out, len, "%s%s", i ? " " : "", label(v[i], b, sizeof b));
    if (total > n) add(out, len, " (+%zu more)", total - n);
}

/* Line i of the hellos' facts: its label in *label, its body in buf; "" when line i has nothing to
 * say; NULL past the last line.  The fingerprints always; the lists only when verbose. */
const char *td_hello_line(const td_tls *s, int i, bool verbose, const char **label, char *buf, size_t len)
{
    const td_hello *h = s->hello;
    buf[0] = '\0';
    *label = "";
    if (!h || i > 6 || (!verbose && i > 0)) return NULL;
    switch (i) {
    case 0:
        *label = "fingerprint";
        if (h->ja3[0]) add(buf, len, "JA3=%s", h->ja3);
        if (h->ja4[0]) add(buf, len, "%sJA4=%s", buf[0] ? ", " : "", h->ja4);
        if (h->ja3s[0]) add(buf, len, "%sJA3S=%s", buf[0] ? ", " : "", h->ja3s);
        break;
    case 1:
        *label = "client exts";
        text_list16(buf, len, h->ext, h->n_ext, h->n_ext_total, td_extension_label);
        break;
    case 2:
        *label = "sig algs";
        text_list16(buf, len, h->sig_algs, h->n_sig_algs, h->n_sig_algs_total, td_sigalg_label);
        break;
    case 3:
        *label = "groups";
        text_list16(buf, len, h->groups, h->n_groups, h->n_groups_total, td_group_label);
        break;
    case 4:
        *label = "key shares";
        text_list16(buf, len, h->key_shares, h->n_key_shares, h->n_key_shares_total, td_group_label);
        if (h->n_psk_modes) add(buf, len, "%sPSK modes", buf[0] ? "; " : "");
        for (size_t k = 0; k < h->n_psk_modes; k++) {
            const char *m = td_psk_mode_name(h->psk_modes[k]);
            add(buf, len, " %s", m ? m : "?");
        }
        if (h->n_cert_compression) add(buf, len, "%scertificate compression ", buf[0] ? "; " : "");
        text_list16(buf, len, h->cert_compression, h->n_cert_compression, 0, td_cert_compression_label);
        if (h->ech) add(buf, len, "%sECH (outer SNI %s)", buf[0] ? "; " : "", s->sni ? s->sni : "none");
        break;
    case 5:
        *label = "server exts";
        text_list16(buf, len, h->server_ext, h->n_server_ext, h->n_server_ext_total, td_extension_label);
        break;
    case 6:
        *label = "server group";
        if (h->server_key_share) {
            char b[16];
            add(buf, len, "%s%s", td_group_label(h->server_key_share, b, sizeof b),
                td_group_is_pq(h->server_key_share) ? " (post-quantum)" : "");
        }
        break;
    default: break;
    }
    return buf;
}
