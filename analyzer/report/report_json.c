/* report_json.c - JSON Lines: one object per connection, then one summary object.
 * Field names are stable (docs/DESIGN.md): add fields, never rename.  Each record is built in a
 * td_jw buffer (json_writer.h) and reaches the stream in one write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/dissect.h"
#include "dissectors/starttls/starttls.h"
#include "analyzer/report/json_writer.h"
#include "analyzer/diagnose/list_memo.h"
#include "analyzer/report/report.h"

static void key(td_jw *w, const char *k)
{
    td_jw_str(w, k);
    td_jw_char(w, ':');
}

static void str_list(td_jw *w, char *const *list, size_t n)
{
    td_jw_char(w, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) td_jw_char(w, ',');
        td_jw_str(w, list[i]);
    }
    td_jw_char(w, ']');
}

/* The identity fields of a parsed certificate (issue 23), each followed by a comma. */
static void cert_identity(td_jw *w, const td_cert *x)
{
    TD_JW_LIT(w, "\"serial\":"); td_jw_str(w, x->serial);
    TD_JW_LIT(w, ",\"san_ip\":[");
    for (size_t i = 0, k = 0; i < x->n_san; i++)
        if (x->san_ip[i / 64] >> (i % 64) & 1) {
            if (k++) td_jw_char(w, ',');
            td_jw_str(w, x->san[i]);
        }
    TD_JW_LIT(w, "],\"key_usage\":[");
    for (unsigned b = 0, k = 0; td_x509_key_usage_name(b); b++)
        if (x->key_usage >> b & 1) {
            if (k++) td_jw_char(w, ',');
            td_jw_str(w, td_x509_key_usage_name(b));
        }
    TD_JW_LIT(w, "],\"ext_key_usage\":"); str_list(w, x->eku, x->n_eku);
    TD_JW_LIT(w, ",\"ocsp_urls\":"); str_list(w, x->ocsp_urls, x->n_ocsp_urls);
    TD_JW_LIT(w, ",\"ca_issuer_urls\":"); str_list(w, x->ca_issuer_urls, x->n_ca_issuer_urls);
    TD_JW_LIT(w, ",\"scts\":"); td_jw_u64(w, x->scts);
    TD_JW_LIT(w, ",\"scts_malformed\":"); td_jw_bool(w, x->scts_malformed);
    TD_JW_LIT(w, ",\"precert\":"); td_jw_bool(w, x->precert);
    td_jw_char(w, ',');
}

static void cert_object(td_jw *w, const td_cert *x)
{
    td_jw_char(w, '{');
    if (x->parse_error) {
        TD_JW_LIT(w, "\"parse_error\":true,");
    } else {
        TD_JW_LIT(w, "\"subject\":"); td_jw_str(w, x->subject); td_jw_char(w, ',');
        TD_JW_LIT(w, "\"issuer\":"); td_jw_str(w, x->issuer); td_jw_char(w, ',');
        TD_JW_LIT(w, "\"san\":"); str_list(w, x->san, x->n_san); td_jw_char(w, ',');
        TD_JW_LIT(w, "\"not_before\":"); td_jw_str(w, x->not_before); td_jw_char(w, ',');
        TD_JW_LIT(w, "\"not_after\":"); td_jw_str(w, x->not_after); td_jw_char(w, ',');
        TD_JW_LIT(w, "\"key\":"); td_jw_str(w, x->key); td_jw_char(w, ',');
        TD_JW_LIT(w, "\"signature\":"); td_jw_str(w, x->signature); td_jw_char(w, ',');
        TD_JW_LIT(w, "\"self_signed\":"); td_jw_bool(w, x->self_signed); td_jw_char(w, ',');
        cert_identity(w, x);
    }
    TD_JW_LIT(w, "\"sha256\":"); td_jw_str(w, x->sha256);
    TD_JW_LIT(w, ",\"sha1\":"); td_jw_str(w, x->sha1);
    td_jw_char(w, '}');
}

/* A certificate's JSON object, remembered with its DER for the last few certificates: a capture
 * shows the same few chains on thousands of connections, and a summary is a function of the DER
 * alone (the summary cache, dissectors/x509/x509_cache.c, keys on the DER the same way). */
#define CERT_MEMO_SLOTS 8
typedef struct cert_memo {
    unsigned char *der;
    size_t der_len;
    char *text;
    size_t len;
} cert_memo;

static void cert_remembered(td_jw *w, const td_cert *x, cert_memo *certs, size_t *next)
{
    if (!certs || !x->der || !x->der_len) {
        cert_object(w, x);
        return;
    }
    for (size_t i = 0; i < CERT_MEMO_SLOTS; i++)
        if (certs[i].der_len == x->der_len && memcmp(certs[i].der, x->der, x->der_len) == 0) {
            td_jw_bytes(w, certs[i].text, certs[i].len);
            return;
        }
    size_t start = w->len, flushed = w->flushed;
    cert_object(w, x);
    if (w->flushed != flushed) return;             /* not whole in the buffer: not remembered */
    cert_memo *slot = &certs[*next];
    unsigned char *der = malloc(x->der_len);
    char *text = malloc(w->len - start);
    if (!der || !text) {
        free(der);
        free(text);
        return;
    }
    *next = (*next + 1) % CERT_MEMO_SLOTS;
    free(slot->der);
    free(slot->text);
    memcpy(der, x->der, x->der_len);
    memcpy(text, w->buf + start, w->len - start);
    *slot = (cert_memo){ der, x->der_len, text, w->len - start };
}

static void chain(td_jw *w, const td_chain *c, cert_memo *certs, size_t *next)
{
    td_jw_char(w, '[');
    for (size_t i = 0; i < c->n; i++) {
        if (i) td_jw_char(w, ',');
        cert_remembered(w, &c->certs[i], certs, next);
    }
    td_jw_char(w, ']');
}

static void alert(td_jw *w, const td_alert *a)
{
    char buf[32];
    TD_JW_LIT(w, "{\"from\":");
    td_jw_str(w, a->from == TD_C2S ? "client" : "server");
    if (a->encrypted) {
        TD_JW_LIT(w, ",\"level\":null,\"description\":null,\"code\":null");
    } else {
        TD_JW_LIT(w, ",\"level\":");
        td_jw_str(w, a->level == 1 ? "warning" : a->level == 2 ? "fatal" : "unknown");
        TD_JW_LIT(w, ",\"description\":");
        td_jw_str(w, td_alert_label(a->code, buf, sizeof buf));
        TD_JW_LIT(w, ",\"code\":");
        td_jw_u64(w, a->code);
    }
    TD_JW_LIT(w, ",\"packet\":");
    td_jw_u64(w, a->packet);
    TD_JW_LIT(w, ",\"encrypted\":");
    td_jw_bool(w, a->encrypted);
    td_jw_char(w, '}');
}

static void heartbeat(td_jw *w, const td_heartbeat *h)
{
    TD_JW_LIT(w, "{\"from\":");
    td_jw_str(w, h->from == TD_C2S ? "client" : "server");
    TD_JW_LIT(w, ",\"type\":");
    if (h->encrypted) TD_JW_LIT(w, "null");
    else td_jw_str(w, h->type == 1 ? "request" : h->type == 2 ? "response" : "unknown");
    TD_JW_LIT(w, ",\"payload_length\":");
    if (h->encrypted) TD_JW_LIT(w, "null");
    else td_jw_u64(w, h->payload_length);
    TD_JW_LIT(w, ",\"payload_in_record\":");
    if (h->encrypted) TD_JW_LIT(w, "null");
    else td_jw_u64(w, h->payload_actual);
    TD_JW_LIT(w, ",\"record_length\":"); td_jw_u64(w, h->record_length);
    TD_JW_LIT(w, ",\"encrypted\":"); td_jw_bool(w, h->encrypted);
    TD_JW_LIT(w, ",\"packet\":"); td_jw_u64(w, h->packet);
    td_jw_char(w, '}');
}

/* The SSLv2 session past its hellos; null unless the server answered in SSLv2. */
static void sslv2_object(td_jw *w, const td_tls *s)
{
    char buf[32];
    if (!s->sslv2_server_hello && !s->sslv2_error) {
        TD_JW_LIT(w, "null");
        return;
    }
    TD_JW_LIT(w, "{\"session_id_hit\":"); td_jw_bool(w, s->sslv2_session_id_hit);
    TD_JW_LIT(w, ",\"master_key\":");
    if (s->sslv2_master_key) {
        TD_JW_LIT(w, "{\"packet\":"); td_jw_u64(w, s->sslv2_master_key_packet);
        TD_JW_LIT(w, ",\"cipher\":");
        td_jw_str(w, td_cipher_label(s->sslv2_master_key_cipher, buf, sizeof buf));
        TD_JW_LIT(w, ",\"clear_key_length\":"); td_jw_u64(w, s->sslv2_clear_key_len);
        TD_JW_LIT(w, ",\"encrypted_key_length\":"); td_jw_u64(w, s->sslv2_encrypted_key_len);
        TD_JW_LIT(w, ",\"key_arg_length\":"); td_jw_u64(w, s->sslv2_key_arg_len);
        td_jw_char(w, '}');
    } else {
        TD_JW_LIT(w, "null");
    }
    TD_JW_LIT(w, ",\"encrypted_records_c2s\":"); td_jw_u64(w, s->sslv2_enc_records[0]);
    TD_JW_LIT(w, ",\"encrypted_records_s2c\":"); td_jw_u64(w, s->sslv2_enc_records[1]);
    TD_JW_LIT(w, ",\"encrypted_bytes_c2s\":"); td_jw_u64(w, s->sslv2_enc_bytes[0]);
    TD_JW_LIT(w, ",\"encrypted_bytes_s2c\":"); td_jw_u64(w, s->sslv2_enc_bytes[1]);
    for (int d = 0; d < 2; d++) {
        if (d == 0) TD_JW_LIT(w, ",\"first_encrypted_packet_c2s\":");
        else TD_JW_LIT(w, ",\"first_encrypted_packet_s2c\":");
        if (s->sslv2_enc_records[d]) td_jw_u64(w, s->sslv2_first_enc_packet[d]);
        else TD_JW_LIT(w, "null");
    }
    TD_JW_LIT(w, ",\"error\":");
    if (s->sslv2_error) {
        TD_JW_LIT(w, "{\"from\":");
        td_jw_str(w, s->sslv2_error_from == TD_C2S ? "client" : "server");
        TD_JW_LIT(w, ",\"code\":"); td_jw_u64(w, s->sslv2_error);
        TD_JW_LIT(w, ",\"name\":"); td_jw_str(w, td_sslv2_error_name(s->sslv2_error));
        TD_JW_LIT(w, ",\"packet\":"); td_jw_u64(w, s->sslv2_error_packet);
        td_jw_char(w, '}');
    } else {
        TD_JW_LIT(w, "null");
    }
    td_jw_char(w, '}');
}

/* A suite's IANA name is letters, digits and '_': written as it is, without escaping. */
static const char *suite_text(uint32_t code, char *buf, size_t len)
{
    const char *name = td_cipher_name(code);
    return name ? name : td_cipher_label(code, buf, len);
}

static void suite_name(td_jw *w, uint32_t code)
{
    char buf[16];
    const char *name = suite_text(code, buf, sizeof buf);
    td_jw_char(w, '"');
    td_jw_bytes(w, name, strlen(name));
    td_jw_char(w, '"');
}

/* A ClientHello offers ~30 suites and a capture holds few distinct offers (one per client
 * build), so the last few lists are kept with their JSON text: a list seen before is one
 * memcmp and one copy instead of ~30 name lookups. */
struct td_json_memo {
    const char *sensor;            /* --sensor: written in each record (td_json_memo_set_sensor) */
    td_list_memo lists;
    struct {
        char *text;                /* "A","B",... */
        size_t len;
    } json[TD_LIST_MEMO_SLOTS];
    td_jw_codes_memo hello[TD_JW_HELLO_LISTS];     /* the hellos' lists (report_hello.c) */
    cert_memo certs[CERT_MEMO_SLOTS];              /* the last certificates written */
    size_t next_cert;
};

td_json_memo *td_json_memo_new(void) { return calloc(1, sizeof(td_json_memo)); }

void td_json_memo_set_sensor(td_json_memo *m, const char *sensor)
{
    if (m) m->sensor = sensor;
}

void td_json_memo_free(td_json_memo *m)
{
    if (!m) return;
    for (size_t i = 0; i < TD_LIST_MEMO_SLOTS; i++) free(m->json[i].text);
    for (size_t i = 0; i < TD_JW_HELLO_LISTS; i++) td_jw_codes_memo_free(&m->hello[i]);
    for (size_t i = 0; i < CERT_MEMO_SLOTS; i++) {
        free(m->certs[i].der);
        free(m->certs[i].text);
    }
    free(m);
}

static bool memo_suites(td_jw *w, td_json_memo *m, const uint16_t *codes, size_t n)
{
    if (!m) return false;
    int slot = td_list_memo_find(&m->lists, codes, n);
    if (slot < 0) {
        char buf[16];
        size_t len = 0;
        for (size_t i = 0; i < n; i++) len += strlen(suite_text(codes[i], buf, sizeof buf)) + 3;
        char *text = len ? malloc(len) : NULL;
        if (!text || (slot = td_list_memo_put(&m->lists, codes, n)) < 0) {
            free(text);
            return false;
        }
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
            const char *name = suite_text(codes[i], buf, sizeof buf);
            size_t k = strlen(name);
            if (i) text[o++] = ',';
            text[o++] = '"';
            memcpy(text + o, name, k);
            o += k;
            text[o++] = '"';
        }
        free(m->json[slot].text);
        m->json[slot].text = text;
        m->json[slot].len = o;
    }
    td_jw_bytes(w, m->json[slot].text, m->json[slot].len);
    return true;
}

static void offered_suites(td_jw *w, const td_tls *s, td_json_memo *m)
{
    if (!memo_suites(w, m, s->offered_ciphers, s->n_offered_ciphers))
        for (size_t i = 0; i < s->n_offered_ciphers; i++) {
            if (i) td_jw_char(w, ',');
            suite_name(w, s->offered_ciphers[i]);
        }
    for (size_t i = 0; i < s->n_sslv2_offered_kinds; i++) {      /* an SSLv2 hello's own kinds */
        if (i || s->n_offered_ciphers) td_jw_char(w, ',');
        suite_name(w, s->sslv2_offered_kinds[i]);
    }
}

/* "starttls": the plaintext dialogue before TLS (null when none was recognised). */
static void starttls_object(td_jw *w, const td_starttls *x)
{
    TD_JW_LIT(w, ",\"starttls\":");
    if (!x) {
        TD_JW_LIT(w, "null");
        return;
    }
    TD_JW_LIT(w, "{\"protocol\":"); td_jw_str(w, td_stls_proto_name(x->protocol));
    TD_JW_LIT(w, ",\"capabilities_seen\":"); td_jw_bool(w, x->caps_seen);
    TD_JW_LIT(w, ",\"offered\":"); td_jw_bool(w, x->offered);
    TD_JW_LIT(w, ",\"requested\":"); td_jw_bool(w, x->requested);
    TD_JW_LIT(w, ",\"accepted\":"); td_jw_bool(w, x->accepted);
    TD_JW_LIT(w, ",\"reply\":"); td_jw_str(w, x->answered ? x->reply : NULL);
    TD_JW_LIT(w, ",\"tampered\":"); td_jw_str(w, x->tampered ? x->tamper : NULL);
    TD_JW_LIT(w, ",\"capabilities_packet\":"); td_jw_u64(w, x->caps_packet);
    TD_JW_LIT(w, ",\"request_packet\":"); td_jw_u64(w, x->request_packet);
    TD_JW_LIT(w, ",\"reply_packet\":"); td_jw_u64(w, x->reply_packet);
    TD_JW_LIT(w, ",\"tls_before_acceptance\":"); td_jw_bool(w, x->tls_unasked);
    td_jw_char(w, '}');
}

static void tls_object(td_jw *w, const td_result *r, td_json_memo *m)
{
    const td_transcript *t = r->t;
    const td_tls *s = &t->tls;
    char buf[32];
    TD_JW_LIT(w, "\"tls\":{\"offered_versions\":[");
    for (size_t i = 0; i < s->n_offered_versions; i++) {
        if (i) td_jw_char(w, ',');
        td_jw_str(w, td_version_label(s->offered_versions[i], buf, sizeof buf));
    }
    TD_JW_LIT(w, "],\"version\":");
    td_jw_str(w, s->version ? td_version_label(s->version, buf, sizeof buf) : NULL);
    TD_JW_LIT(w, ",\"cipher\":");
    td_jw_str(w, s->has_cipher ? td_cipher_label(s->cipher, buf, sizeof buf) : NULL);
    TD_JW_LIT(w, ",\"cipher_id\":");
    if (s->has_cipher) td_jw_u64(w, s->cipher);
    else TD_JW_LIT(w, "null");
    TD_JW_LIT(w, ",\"sni\":");
    td_jw_str(w, s->sni);
    TD_JW_LIT(w, ",\"alpn_offered\":");
    str_list(w, s->alpn_offered, s->n_alpn_offered);
    TD_JW_LIT(w, ",\"alpn\":");
    td_jw_str(w, s->alpn);
    TD_JW_LIT(w, ",\"resumed\":"); td_jw_bool(w, s->resumed);
    TD_JW_LIT(w, ",\"hello_retry\":"); td_jw_bool(w, s->hello_retry);
    TD_JW_LIT(w, ",\"client_hello\":"); td_jw_bool(w, s->client_hello);
    TD_JW_LIT(w, ",\"server_hello\":"); td_jw_bool(w, s->server_hello);
    TD_JW_LIT(w, ",\"sslv2_client_hello\":"); td_jw_bool(w, s->sslv2_client_hello);
    TD_JW_LIT(w, ",\"server_chain\":");
    chain(w, &s->server_chain, m ? m->certs : NULL, m ? &m->next_cert : NULL);
    TD_JW_LIT(w, ",\"client_cert_requested\":"); td_jw_bool(w, s->cert_requested);
    TD_JW_LIT(w, ",\"client_cert_authorities\":");
    str_list(w, s->ca_names, s->n_ca_names);
    TD_JW_LIT(w, ",\"client_chain\":");
    chain(w, &s->client_chain, m ? m->certs : NULL, m ? &m->next_cert : NULL);
    TD_JW_LIT(w, ",\"alerts\":[");
    for (size_t i = 0; i < s->n_alerts; i++) {
        if (i) td_jw_char(w, ',');
        alert(w, &s->alerts[i]);
    }
    TD_JW_LIT(w, "],\"alerts_total\":"); td_jw_u64(w, s->n_alerts_total);
    TD_JW_LIT(w, ",\"app_data_c2s\":"); td_jw_u64(w, r->app_bytes[0]);
    TD_JW_LIT(w, ",\"app_data_s2c\":"); td_jw_u64(w, r->app_bytes[1]);
    TD_JW_LIT(w, ",\"encrypted_handshake_c2s\":"); td_jw_u64(w, r->enc_hs_records[0]);
    TD_JW_LIT(w, ",\"encrypted_handshake_s2c\":"); td_jw_u64(w, r->enc_hs_records[1]);
    TD_JW_LIT(w, ",\"plaintext_c2s\":");
    td_jw_str(w, s->not_tls[0] ? s->not_tls_what[0] : NULL);
    TD_JW_LIT(w, ",\"plaintext_s2c\":");
    td_jw_str(w, s->not_tls[1] ? s->not_tls_what[1] : NULL);
    /* Added fields (after the original ones, so those stay byte for byte as they were). */
    TD_JW_LIT(w, ",\"offered_ciphers\":[");
    offered_suites(w, s, m);
    TD_JW_LIT(w, "],\"offered_ciphers_total\":"); td_jw_u64(w, s->n_offered_ciphers_total);
    TD_JW_LIT(w, ",\"heartbeats\":[");
    for (size_t i = 0; i < s->n_heartbeats; i++) {
        if (i) td_jw_char(w, ',');
        heartbeat(w, &s->heartbeats[i]);
    }
    TD_JW_LIT(w, "],\"heartbeats_total\":"); td_jw_u64(w, s->n_heartbeats_total);
    TD_JW_LIT(w, ",\"sslv2\":");
    sslv2_object(w, s);
    starttls_object(w, s->stls);
    td_json_hello(w, s, m ? m->hello : NULL);      /* ja3, ja4, ..., server_extensions */
    td_jw_char(w, '}');
}

/* ,"proxy":{...}: only for a connection that began with an HTTP CONNECT. */
static void proxy_object(td_jw *w, const td_proxy *px)
{
    TD_JW_LIT(w, ",\"proxy\":{\"type\":\"http-connect\",\"target\":"); td_jw_str(w, px->target);
    TD_JW_LIT(w, ",\"status\":");
    if (px->status) td_jw_u64(w, px->status);
    else TD_JW_LIT(w, "null");
    TD_JW_LIT(w, ",\"reason\":"); td_jw_str(w, px->status ? px->reason : NULL);
    TD_JW_LIT(w, ",\"tunnel\":"); td_jw_bool(w, px->tunnel);
    TD_JW_LIT(w, ",\"requests\":"); td_jw_u64(w, px->requests);
    TD_JW_LIT(w, ",\"request_packet\":"); td_jw_u64(w, px->request_packet);
    TD_JW_LIT(w, ",\"response_packet\":");
    if (px->status) td_jw_u64(w, px->response_packet);
    else TD_JW_LIT(w, "null");
    TD_JW_LIT(w, ",\"headers_over_cap\":"); td_jw_bool(w, px->headers_over);
    td_jw_char(w, '}');
}

static void endpoint(td_jw *w, const td_endpoint *e)
{
    TD_JW_LIT(w, "{\"ip\":");
    td_jw_str(w, e->ip);
    TD_JW_LIT(w, ",\"port\":");
    td_jw_u64(w, e->port);
    td_jw_char(w, '}');
}

static void tcp_object(td_jw *w, const td_tcp *tcp, const td_path *path)
{
    static const char *const closers[] = { NULL, "client", "server" };
    static const char *const closes[] = { NULL, "fin", "rst" };
    TD_JW_LIT(w, "\"tcp\":{\"syn_retransmits\":"); td_jw_u64(w, tcp->syn_retransmits);
    TD_JW_LIT(w, ",\"handshake\":"); td_jw_bool(w, tcp->handshake);
    TD_JW_LIT(w, ",\"midstream\":"); td_jw_bool(w, tcp->midstream);
    TD_JW_LIT(w, ",\"closed_by\":"); td_jw_str(w, closers[tcp->closed_by % 3]);
    TD_JW_LIT(w, ",\"close\":"); td_jw_str(w, closes[tcp->close % 3]);
    TD_JW_LIT(w, ",\"bytes_c2s\":"); td_jw_u64(w, tcp->bytes[0]);
    TD_JW_LIT(w, ",\"bytes_s2c\":"); td_jw_u64(w, tcp->bytes[1]);
    TD_JW_LIT(w, ",\"gaps\":"); td_jw_u64(w, (uint64_t)tcp->gaps[0] + tcp->gaps[1]);
    TD_JW_LIT(w, ",\"gap_bytes\":"); td_jw_u64(w, tcp->gap_bytes[0] + tcp->gap_bytes[1]);
    TD_JW_LIT(w, ",\"retransmits\":"); td_jw_u64(w, (uint64_t)tcp->retransmits[0] + tcp->retransmits[1]);
    TD_JW_LIT(w, ",\"mss\":["); td_jw_u64(w, tcp->mss[0]); td_jw_char(w, ','); td_jw_u64(w, tcp->mss[1]);
    TD_JW_LIT(w, "],\"window_scale\":[");
    for (int d = 0; d < 2; d++) {
        if (d) td_jw_char(w, ',');
        if (tcp->wscale[d]) td_jw_u64(w, tcp->wscale[d] - 1u);
        else TD_JW_LIT(w, "null");
    }
    TD_JW_LIT(w, "],\"syn_ttl\":["); td_jw_u64(w, tcp->syn_ttl[0]); td_jw_char(w, ','); td_jw_u64(w, tcp->syn_ttl[1]);
    td_jw_char(w, ']');
    if (path) td_json_path(w, path);
    td_jw_char(w, '}');
}

/* --keylog given: what decryption gave (application data only as its recognised first line). */
static void decrypt_fields(td_jw *w, const td_tls *s)
{
    if (s->dec) {
        const td_decrypt_facts *d = s->dec;
        TD_JW_LIT(w, ",\"decrypted\":"); td_jw_bool(w, d->decrypted);
        TD_JW_LIT(w, ",\"decrypt_status\":"); td_jw_str(w, d->decrypted ? NULL : d->status);
        TD_JW_LIT(w, ",\"decrypted_records\":"); td_jw_u64(w, (uint64_t)d->records[0] + d->records[1]);
        TD_JW_LIT(w, ",\"decrypt_failures\":"); td_jw_u64(w, (uint64_t)d->failed[0] + d->failed[1]);
        TD_JW_LIT(w, ",\"early_data_records\":"); td_jw_u64(w, (uint64_t)d->early[0] + d->early[1]);
        TD_JW_LIT(w, ",\"early_data_decrypted\":"); td_jw_u64(w, d->early[0]);
        TD_JW_LIT(w, ",\"early_data_accepted\":");   /* null: no 0-RTT, or its answer not read */
        if (d->early[0] + d->early[1] && s->encrypted_extensions) td_jw_bool(w, s->early_data_accepted);
        else TD_JW_LIT(w, "null");
        TD_JW_LIT(w, ",\"app_first_c2s\":"); td_jw_str(w, d->app_first[0]);
        TD_JW_LIT(w, ",\"app_first_s2c\":"); td_jw_str(w, d->app_first[1]);
    }
}

/* The keyless reading of a TLS 1.3 exchange (analyzer/diagnose/tls13_without_keys.c). */
static void inference(td_jw *w, const td_inference *in)
{
    static const char *const cc[] = { NULL, "not-requested", "empty", "sent" };
    TD_JW_LIT(w, ",\"inference\":{\"handshake_complete\":");
    if (in->handshake_complete < 0) TD_JW_LIT(w, "null");
    else td_jw_bool(w, in->handshake_complete == 1);
    TD_JW_LIT(w, ",\"client_certificate\":"); td_jw_str(w, in->client_cert < 4 ? cc[in->client_cert] : NULL);
    TD_JW_LIT(w, ",\"server_aborted\":"); td_jw_bool(w, in->server_aborted);
    TD_JW_LIT(w, ",\"client_aborted\":"); td_jw_bool(w, in->client_aborted);
    TD_JW_LIT(w, ",\"tickets\":"); td_jw_u64(w, in->tickets);
    TD_JW_LIT(w, ",\"exact_sizes\":"); td_jw_bool(w, in->exact);
    TD_JW_LIT(w, ",\"confidence\":\"likely\"}");
}

/* -v: the message ladder, each protected TLS 1.3 record with what it was inferred to hold. */
static void ladder(td_jw *w, const td_result *r)
{
    const td_transcript *t = r->t;
    size_t rec = 0;
    TD_JW_LIT(w, ",\"ladder\":[");
    for (size_t i = 0; i < t->n_events; i++) {
        const td_event *e = &t->events[i];
        if (i) td_jw_char(w, ',');
        TD_JW_LIT(w, "{\"packet\":"); td_jw_u64(w, e->packet);
        TD_JW_LIT(w, ",\"dir\":"); td_jw_str(w, e->dir == TD_C2S ? "c2s" : "s2c");
        TD_JW_LIT(w, ",\"event\":"); td_jw_str(w, td_event_kind_name(e->kind));
        TD_JW_LIT(w, ",\"sub\":"); td_jw_u64(w, e->sub);
        TD_JW_LIT(w, ",\"len\":"); td_jw_u64(w, e->len);
        TD_JW_LIT(w, ",\"count\":"); td_jw_u64(w, e->count);
        const char *label = td_event_record_label(r, e, &rec);
        if (label) { TD_JW_LIT(w, ",\"infer\":"); td_jw_str(w, label); }
        if (e->flags & TD_EVF_DECRYPTED) TD_JW_LIT(w, ",\"decrypted\":true");
        td_jw_char(w, '}');
    }
    TD_JW_LIT(w, "]");
    const td_decrypt_facts *d = t->tls.dec;
    if (!d) return;
    /* --keylog: each decrypted record and the ladder entries (by index) that came from it. */
    TD_JW_LIT(w, ",\"decrypted_record_list\":[");
    for (size_t i = 0; i < d->n_recs; i++) {
        const td_dec_record *x = &d->recs[i];
        if (i) td_jw_char(w, ',');
        TD_JW_LIT(w, "{\"packet\":"); td_jw_u64(w, x->packet);
        TD_JW_LIT(w, ",\"dir\":"); td_jw_str(w, x->dir == TD_C2S ? "c2s" : "s2c");
        TD_JW_LIT(w, ",\"outer\":"); td_jw_u64(w, x->outer);
        TD_JW_LIT(w, ",\"inner\":"); td_jw_u64(w, x->inner);
        TD_JW_LIT(w, ",\"len\":"); td_jw_u64(w, x->len);
        TD_JW_LIT(w, ",\"events\":["); td_jw_u64(w, x->first_event);
        td_jw_char(w, ','); td_jw_u64(w, x->end_event);
        TD_JW_LIT(w, "]}");
    }
    TD_JW_LIT(w, "]");
}

void td_json_connection(FILE *out, const td_result *r, int verbose, td_json_memo *memo)
{
    const td_transcript *t = r->t;
    td_jw w;
    td_jw_init(&w, out);
    char start[48];
    td_format_time(t->start, start, sizeof start);
    TD_JW_LIT(&w, "{\"type\":\"connection\",\"id\":"); td_jw_u64(&w, t->id);
    if (memo && memo->sensor) { TD_JW_LIT(&w, ",\"sensor\":"); td_jw_str(&w, memo->sensor); }
    TD_JW_LIT(&w, ",\"file\":"); td_jw_str(&w, t->file);
    TD_JW_LIT(&w, ",\"first_packet\":"); td_jw_u64(&w, t->first_packet);
    TD_JW_LIT(&w, ",\"last_packet\":"); td_jw_u64(&w, t->last_packet);
    TD_JW_LIT(&w, ",\"start\":"); td_jw_str(&w, start);
    TD_JW_LIT(&w, ",\"duration_ms\":");
    td_jw_fixed3(&w, (t->end - t->start) * 1000.0);
    td_jw_char(&w, ',');
    TD_JW_LIT(&w, "\"client\":"); endpoint(&w, &t->client);
    TD_JW_LIT(&w, ",\"server\":"); endpoint(&w, &t->server);
    TD_JW_LIT(&w, ",\"transport\":"); td_jw_str(&w, t->quic ? "quic" : "tcp");
    td_jw_char(&w, ',');
    if (t->quic) td_json_quic(&w, t->quic);
    else tcp_object(&w, &t->tcp, t->path);
    td_jw_char(&w, ',');
    tls_object(&w, r, memo);
    decrypt_fields(&w, &t->tls);
    if (t->tls.proxy.type) proxy_object(&w, &t->tls.proxy);
    if (r->inf.done) inference(&w, &r->inf);
    if (verbose > 0) ladder(&w, r);
    if (r->verdict) {
        TD_JW_LIT(&w, ",\"verdict\":"); td_jw_str(&w, td_verdict_name(r->verdict));
        TD_JW_LIT(&w, ",\"confidence\":"); td_jw_str(&w, r->confidence);
        TD_JW_LIT(&w, ",\"summary\":"); td_jw_str(&w, r->summary);
        TD_JW_LIT(&w, ",\"evidence\":[");
        for (size_t i = 0; i < r->n_evidence; i++) {
            if (i) td_jw_char(&w, ',');
            TD_JW_LIT(&w, "{\"packet\":"); td_jw_u64(&w, r->evidence[i].packet);
            TD_JW_LIT(&w, ",\"what\":"); td_jw_str(&w, r->evidence[i].what);
            td_jw_char(&w, '}');
        }
        TD_JW_LIT(&w, "],\"kb_section\":"); td_jw_str(&w, r->kb_section);
        TD_JW_LIT(&w, ",\"remedy\":"); td_jw_str(&w, r->remedy);
    }
    TD_JW_LIT(&w, ",\"findings\":[");
    for (size_t i = 0; i < r->n_findings; i++) {
        if (i) td_jw_char(&w, ',');
        TD_JW_LIT(&w, "{\"id\":"); td_jw_str(&w, r->findings[i].id);
        TD_JW_LIT(&w, ",\"severity\":"); td_jw_str(&w, r->findings[i].severity);
        TD_JW_LIT(&w, ",\"detail\":"); td_jw_str(&w, r->findings[i].detail);
        td_jw_char(&w, '}');
    }
    TD_JW_LIT(&w, "]}\n");
    td_jw_flush(&w);
}

void td_json_summary(FILE *out, const td_run_summary *s)
{
    td_jw w;
    td_jw_init(&w, out);
    TD_JW_LIT(&w, "{\"type\":\"summary\",\"files\":");
    td_jw_char(&w, '[');
    for (size_t i = 0; i < s->n_files; i++) {
        if (i) td_jw_char(&w, ',');
        td_jw_str(&w, s->files[i]);
    }
    td_jw_char(&w, ']');
    if (s->shard_n) {                              /* tlsdiag report counts the packets once per archive */
        TD_JW_LIT(&w, ",\"shard\":{\"k\":"); td_jw_u64(&w, s->shard_k);
        TD_JW_LIT(&w, ",\"n\":"); td_jw_u64(&w, s->shard_n); td_jw_char(&w, '}');
    }
    TD_JW_LIT(&w, ",\"packets\":"); td_jw_u64(&w, s->packets);
    TD_JW_LIT(&w, ",\"connections\":"); td_jw_u64(&w, s->connections);
    TD_JW_LIT(&w, ",\"verdicts\":{");
    bool first = true;
    for (size_t i = 0; i < s->n_verdicts; i++) {
        if (!s->verdict_counts[i]) continue;
        if (!first) td_jw_char(&w, ',');
        key(&w, s->verdict_names[i]);
        td_jw_u64(&w, s->verdict_counts[i]);
        first = false;
    }
    TD_JW_LIT(&w, "},\"undecoded_packets\":"); td_jw_u64(&w, s->undecoded);
    TD_JW_LIT(&w, ",\"truncated_packets\":"); td_jw_u64(&w, s->truncated);
    if (s->have_kernel_stats) {
        TD_JW_LIT(&w, ",\"kernel_received\":"); td_jw_u64(&w, s->kernel_received);
        TD_JW_LIT(&w, ",\"kernel_dropped\":"); td_jw_u64(&w, s->kernel_dropped);
    }
    td_json_rollup(&w, s);                         /* "servers", "notes" (rollup_json.c) */
    TD_JW_LIT(&w, ",\"elapsed_s\":");
    td_jw_fixed3(&w, s->elapsed_s);
    TD_JW_LIT(&w, "}\n");
    td_jw_flush(&w);
}
