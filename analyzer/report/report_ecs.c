/* report_ecs.c - --json=ecs: a connection record with Elastic Common Schema field names, so that
 * Filebeat or Elastic Agent (ndjson), OpenSearch or any ECS pipeline ingests it unchanged.
 * Built from the plain record (the one --json writes, parsed), so both say the same: @timestamp,
 * event.*, source/destination and client/server, network.*, observer.name (the sensor), tls.*
 * (version and version_protocol, cipher, established, resumed, next_protocol, client.server_name,
 * client.ja3, client.supported_ciphers, server.ja3s, server.x509.* and server.hash.* of the leaf
 * certificate, the same for the client's), and tlsdiag.* for what ECS has no name for (the verdict,
 * its confidence, summary, evidence, KB section, fix and findings, JA4, the tcp or quic facts). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/report/json_writer.h"
#include "analyzer/report/report_ecs.h"
#include "analyzer/report/report_merge.h"

#define ECS_VERSION "8.11.0"

/* ,"key":"value" when value is not NULL (first: no comma). */
static void str_field(td_jw *w, bool *first, const char *key, const char *value)
{
    if (!value) return;
    if (!*first) td_jw_char(w, ',');
    *first = false;
    td_jw_str(w, key);
    td_jw_char(w, ':');
    td_jw_str(w, value);
}

static void val_field(td_jw *w, bool *first, const char *key, const td_jv *v)
{
    if (!v || v->type == TD_JV_NULL) return;
    if (!*first) td_jw_char(w, ',');
    *first = false;
    td_jw_str(w, key);
    td_jw_char(w, ':');
    td_jw_value(w, v);
}

static void u64_field(td_jw *w, bool *first, const char *key, uint64_t v)
{
    if (!*first) td_jw_char(w, ',');
    *first = false;
    td_jw_str(w, key);
    td_jw_char(w, ':');
    td_jw_u64(w, v);
}

static void open_obj(td_jw *w, bool *first, const char *key)
{
    if (!*first) td_jw_char(w, ',');
    *first = false;
    td_jw_str(w, key);
    TD_JW_LIT(w, ":{");
}

/* An endpoint object {"ip":..,"port":..} under key. */
static void endpoint(td_jw *w, bool *first, const char *key, const td_jv *e)
{
    if (!e) return;
    open_obj(w, first, key);
    bool f = true;
    val_field(w, &f, "ip", td_jv_get(e, "ip"));
    val_field(w, &f, "port", td_jv_get(e, "port"));
    td_jw_char(w, '}');
}

/* A hex digest upper-cased, as ECS's hash fields are written. */
static void upper_hash(td_jw *w, bool *first, const char *key, const char *hex)
{
    if (!hex) return;
    char b[130];
    size_t n = strlen(hex);
    if (n >= sizeof b) return;
    for (size_t i = 0; i <= n; i++) b[i] = (char)toupper((unsigned char)hex[i]);
    str_field(w, first, key, b);
}

/* "CN=www.example.test,O=x" -> "www.example.test" (the first CN=), into buf. */
static const char *common_name(const char *dn, char *buf, size_t len)
{
    const char *p = dn ? strstr(dn, "CN=") : NULL;
    while (p && p != dn && p[-1] != ',' && p[-1] != '/' && p[-1] != ' ') p = strstr(p + 1, "CN=");
    if (!p) return NULL;
    p += 3;
    size_t n = strcspn(p, ",/");
    snprintf(buf, len, "%.*s", (int)n, p);
    return buf;
}

/* x509.* and hash.* of a chain's first certificate, and the flat subject/issuer/dates ECS also has. */
static void leaf(td_jw *w, bool *first, const td_jv *chain)
{
    const td_jv *x = chain && chain->type == TD_JV_ARRAY ? chain->child : NULL;
    if (!x) return;
    const char *subject = td_jv_str(x, "subject"), *issuer = td_jv_str(x, "issuer"), *key = td_jv_str(x, "key");
    str_field(w, first, "subject", subject);
    str_field(w, first, "issuer", issuer);
    str_field(w, first, "not_before", td_jv_str(x, "not_before"));
    str_field(w, first, "not_after", td_jv_str(x, "not_after"));
    open_obj(w, first, "hash");
    bool f = true;
    upper_hash(w, &f, "sha1", td_jv_str(x, "sha1"));
    upper_hash(w, &f, "sha256", td_jv_str(x, "sha256"));
    td_jw_char(w, '}');
    if (td_jv_true(x, "parse_error")) return;
    open_obj(w, first, "x509");
    f = true;
    char cn[256];
    val_field(w, &f, "alternative_names", td_jv_get(x, "san"));
    str_field(w, &f, "serial_number", td_jv_str(x, "serial"));
    str_field(w, &f, "signature_algorithm", td_jv_str(x, "signature"));
    str_field(w, &f, "not_before", td_jv_str(x, "not_before"));
    str_field(w, &f, "not_after", td_jv_str(x, "not_after"));
    if (key) {                                     /* "RSA-2048", "EC-256" */
        const char *dash = strrchr(key, '-');
        char alg[64];
        snprintf(alg, sizeof alg, "%.*s", dash ? (int)(dash - key) : (int)strlen(key), key);
        str_field(w, &f, "public_key_algorithm", alg);
        if (dash && dash[1] >= '0' && dash[1] <= '9') u64_field(w, &f, "public_key_size", strtoull(dash + 1, NULL, 10));
    }
    open_obj(w, &f, "subject");
    bool g = true;
    str_field(w, &g, "distinguished_name", subject);
    str_field(w, &g, "common_name", common_name(subject, cn, sizeof cn));
    td_jw_char(w, '}');
    open_obj(w, &f, "issuer");
    g = true;
    str_field(w, &g, "distinguished_name", issuer);
    str_field(w, &g, "common_name", common_name(issuer, cn, sizeof cn));
    td_jw_char(w, '}');
    td_jw_char(w, '}');
}

/* "TLS1.2" -> "1.2" and "tls"; "SSL3" -> "3.0" and "ssl"; drafts keep their suffix. */
static void version_fields(td_jw *w, bool *first, const char *v)
{
    if (!v) return;
    char num[64];
    if (strncmp(v, "TLS", 3) == 0) {
        snprintf(num, sizeof num, "%s", v + 3);
        str_field(w, first, "version", num);
        str_field(w, first, "version_protocol", "tls");
    } else if (strncmp(v, "SSL", 3) == 0) {
        snprintf(num, sizeof num, "%s%s", v + 3, strchr(v + 3, '.') ? "" : ".0");
        str_field(w, first, "version", num);
        str_field(w, first, "version_protocol", "ssl");
    }
}

static void tls_object(td_jw *w, bool *first, const td_jv *tls, const char *verdict)
{
    if (!tls) return;
    open_obj(w, first, "tls");
    bool f = true;
    version_fields(w, &f, td_jv_str(tls, "version"));
    str_field(w, &f, "cipher", td_jv_str(tls, "cipher"));
    str_field(w, &f, "next_protocol", td_jv_str(tls, "alpn"));
    if (!f) td_jw_char(w, ',');
    f = false;
    TD_JW_LIT(w, "\"established\":");
    td_jw_bool(w, verdict && strcmp(verdict, "ok") == 0);
    TD_JW_LIT(w, ",\"resumed\":");
    td_jw_bool(w, td_jv_true(tls, "resumed"));
    open_obj(w, &f, "client");
    bool c = true;
    str_field(w, &c, "server_name", td_jv_str(tls, "sni"));
    str_field(w, &c, "ja3", td_jv_str(tls, "ja3"));
    val_field(w, &c, "supported_ciphers", td_jv_get(tls, "offered_ciphers"));
    leaf(w, &c, td_jv_get(tls, "client_chain"));
    td_jw_char(w, '}');
    open_obj(w, &f, "server");
    c = true;
    str_field(w, &c, "ja3s", td_jv_str(tls, "ja3s"));
    leaf(w, &c, td_jv_get(tls, "server_chain"));
    td_jw_char(w, '}');
    td_jw_char(w, '}');
}

static void event_object(td_jw *w, bool *first, const td_jv *c, const char *verdict)
{
    open_obj(w, first, "event");
    TD_JW_LIT(w, "\"kind\":\"event\",\"category\":[\"network\"],\"type\":[\"connection\"],"
                 "\"module\":\"tlsdiag\",\"dataset\":\"tlsdiag.connection\",\"outcome\":");
    td_jw_str(w, !verdict ? "unknown" : strcmp(verdict, "ok") == 0 ? "success" : "failure");
    bool f = false;
    str_field(w, &f, "start", td_jv_str(c, "start"));
    const td_jv *d = td_jv_get(c, "duration_ms");
    if (d && d->type == TD_JV_NUMBER) {
        double ms = strtod(d->str, NULL);
        if (ms >= 0 && ms < 1e15) u64_field(w, &f, "duration", (uint64_t)(ms * 1e6 + 0.5));   /* nanoseconds */
    }
    td_jw_char(w, '}');
}

static void tlsdiag_object(td_jw *w, bool *first, const td_jv *c, const td_merge_ident *id)
{
    open_obj(w, first, "tlsdiag");
    bool f = true;
    u64_field(w, &f, "id", id->id);
    str_field(w, &f, "sensor", id->sensor);
    if (id->sensor) u64_field(w, &f, "sensor_id", id->sensor_id);
    static const char *const keys[] = { "file", "first_packet", "last_packet", "transport", "verdict", "confidence",
                                        "summary", "evidence", "kb_section", "remedy", "findings", "tcp", "quic",
                                        "proxy", "decrypted", "decrypt_status" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) val_field(w, &f, keys[i], td_jv_get(c, keys[i]));
    const td_jv *tls = td_jv_get(c, "tls");
    val_field(w, &f, "ja4", td_jv_get(tls, "ja4"));
    val_field(w, &f, "alerts", td_jv_get(tls, "alerts"));
    td_jw_char(w, '}');
}

void td_ecs_connection(FILE *out, const td_jv *c, const td_merge_ident *id)
{
    const char *verdict = td_jv_str(c, "verdict"), *tr = td_jv_str(c, "transport");
    bool quic = tr && strcmp(tr, "quic") == 0;
    td_jw w;
    td_jw_init(&w, out);
    td_jw_char(&w, '{');
    bool first = true;
    str_field(&w, &first, "@timestamp", td_jv_str(c, "start"));
    TD_JW_LIT(&w, ",\"ecs\":{\"version\":\"" ECS_VERSION "\"}");
    event_object(&w, &first, c, verdict);
    if (id->sensor) {
        open_obj(&w, &first, "observer");
        bool f = true;
        str_field(&w, &f, "name", id->sensor);
        td_jw_char(&w, '}');
    }
    endpoint(&w, &first, "source", td_jv_get(c, "client"));
    endpoint(&w, &first, "destination", td_jv_get(c, "server"));
    endpoint(&w, &first, "client", td_jv_get(c, "client"));
    endpoint(&w, &first, "server", td_jv_get(c, "server"));
    open_obj(&w, &first, "network");
    TD_JW_LIT(&w, "\"transport\":");
    td_jw_str(&w, quic ? "udp" : "tcp");
    TD_JW_LIT(&w, ",\"protocol\":");
    td_jw_str(&w, quic ? "quic" : "tls");
    td_jw_char(&w, '}');
    tls_object(&w, &first, td_jv_get(c, "tls"), verdict);
    tlsdiag_object(&w, &first, c, id);
    TD_JW_LIT(&w, "}\n");
    td_jw_flush(&w);
}

void td_ecs_result(FILE *out, const td_result *r, int verbose, td_json_memo *memo, const char *sensor)
{
    char *text = NULL, err[200];
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) return;
    td_json_connection(mem, r, verbose, memo);
    bool ok = fclose(mem) == 0;
    td_json *doc = ok ? td_json_parse(text, len, err, sizeof err) : NULL;
    if (doc) {
        const td_jv *c = td_json_root(doc);
        td_merge_ident id = { .sensor = sensor };
        td_jv_u64(c, "id", &id.id);
        id.sensor_id = id.id;
        td_ecs_connection(out, c, &id);
    } else if (ok) {
        fprintf(stderr, "tlsdiag: --json=ecs: the connection's record did not read back: %s\n", err);
    }
    td_json_free(doc);
    free(text);
}

void td_ecs_summary(FILE *out, const td_run_summary *s)
{
    char *text = NULL, err[200], now[48];
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) return;
    td_json_summary(mem, s);
    td_json *doc = fclose(mem) == 0 ? td_json_parse(text, len, err, sizeof err) : NULL;
    if (doc) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        td_format_time((double)ts.tv_sec + ts.tv_nsec / 1e9, now, sizeof now);
        td_jw w;
        td_jw_init(&w, out);
        TD_JW_LIT(&w, "{\"@timestamp\":");
        td_jw_str(&w, now);
        TD_JW_LIT(&w, ",\"ecs\":{\"version\":\"" ECS_VERSION "\"},\"event\":{\"kind\":\"metric\",\"module\":\"tlsdiag\","
                      "\"dataset\":\"tlsdiag.summary\"},\"tlsdiag\":{\"summary\":");
        td_jw_value(&w, td_json_root(doc));
        TD_JW_LIT(&w, "}}\n");
        td_jw_flush(&w);
    }
    td_json_free(doc);
    free(text);
}
