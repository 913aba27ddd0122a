/* report_quic.c - a QUIC connection's transport facts in words (the text and HTML reports) and as JSON's "quic" object. */
#include <stdio.h>
#include <string.h>

#include "analyzer/report/json_writer.h"
#include "analyzer/report/report.h"
#include "dissectors/dissect.h"
#include "dissectors/quic/quic.h"

static void cid_hex(const td_quic_cid *c, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->len && n + 3 <= len; i++) n += (size_t)snprintf(buf + n, len - n, "%02x", c->b[i]);
}

const char *td_quic_line(const td_transcript *t, char *buf, size_t len)
{
    const td_quic *q = t->quic;
    char v[48], c[96];
    size_t n = (size_t)snprintf(buf, len, "%s, %u/%u datagrams up/down (%llu/%llu B)",
                                td_quic_version_label(q->version, v, sizeof v), q->datagrams[0], q->datagrams[1],
                                (unsigned long long)q->bytes[0], (unsigned long long)q->bytes[1]);
    if (q->retries && n < len)
        n += (size_t)snprintf(buf + n, len - n, ", Retry%s", q->retry_integrity_bad ? " (integrity tag bad)" : "");
    if (q->version_negotiation && n < len) n += (size_t)snprintf(buf + n, len - n, ", Version Negotiation");
    if (q->client_initial_min && q->client_initial_min < 1200 && n < len)
        n += (size_t)snprintf(buf + n, len - n, ", client Initial of %u B (< 1200)", q->client_initial_min);
    for (int d = 0; d < 2 && n < len; d++)
        if (q->closed[d])
            n += (size_t)snprintf(buf + n, len - n, ", %s closed: %s", d == TD_C2S ? "client" : "server",
                                  td_quic_close_text(q, d, c, sizeof c));
    if (!q->closed[0] && !q->closed[1] && n < len) n += (size_t)snprintf(buf + n, len - n, ", no CONNECTION_CLOSE seen");
    if (q->migrated && n < len) n += (size_t)snprintf(buf + n, len - n, ", migrated");
    if ((q->undecryptable[0] || q->undecryptable[1]) && n < len)
    {
        unsigned k = q->undecryptable[0] + q->undecryptable[1];
        snprintf(buf + n, len - n, ", %u %spacket%s%s", k, t->tls.dec ? "" : "protected ", k == 1 ? "" : "s",
                 t->tls.dec ? " not opened" : " (no key log)");
    }
    return buf;
}

static void pair(td_jw *w, const char *k, uint64_t a, uint64_t b)
{
    td_jw_str(w, k);
    TD_JW_LIT(w, ":[");
    td_jw_u64(w, a);
    td_jw_char(w, ',');
    td_jw_u64(w, b);
    td_jw_char(w, ']');
}

static void close_object(td_jw *w, const td_quic *q, int dir)
{
    char b[96], a[40];
    TD_JW_LIT(w, "{\"type\":"); td_jw_str(w, q->close_app[dir] ? "application" : "transport");
    TD_JW_LIT(w, ",\"code\":"); td_jw_u64(w, q->close_code[dir]);
    TD_JW_LIT(w, ",\"error\":"); td_jw_str(w, td_quic_close_text(q, dir, b, sizeof b));
    bool alert = !q->close_app[dir] && q->close_code[dir] >= 0x100 && q->close_code[dir] <= 0x1ff;
    TD_JW_LIT(w, ",\"tls_alert\":");
    td_jw_str(w, alert ? td_alert_label((uint8_t)(q->close_code[dir] & 0xff), a, sizeof a) : NULL);
    if (!q->close_app[dir]) {
        TD_JW_LIT(w, ",\"frame_type\":"); td_jw_u64(w, q->close_frame_type[dir]);
    }
    TD_JW_LIT(w, ",\"reason\":"); td_jw_str(w, q->close_reason[dir]);
    TD_JW_LIT(w, ",\"decrypted\":"); td_jw_bool(w, q->close_encrypted[dir]);
    TD_JW_LIT(w, ",\"packet\":"); td_jw_u64(w, q->close_packet[dir]);
    td_jw_char(w, '}');
}

static void tp_object(td_jw *w, const td_quic_tp *tp)
{
    char h[48];
    if (!tp->seen) {
        TD_JW_LIT(w, "null");
        return;
    }
    TD_JW_LIT(w, "{\"count\":"); td_jw_u64(w, tp->count);
    TD_JW_LIT(w, ",\"malformed\":"); td_jw_bool(w, tp->malformed);
    TD_JW_LIT(w, ",\"max_idle_timeout_ms\":"); td_jw_u64(w, tp->max_idle_timeout_ms);
    TD_JW_LIT(w, ",\"max_udp_payload_size\":"); td_jw_u64(w, tp->max_udp_payload_size);
    TD_JW_LIT(w, ",\"initial_max_data\":"); td_jw_u64(w, tp->initial_max_data);
    TD_JW_LIT(w, ",\"initial_max_streams_bidi\":"); td_jw_u64(w, tp->initial_max_streams_bidi);
    TD_JW_LIT(w, ",\"active_connection_id_limit\":"); td_jw_u64(w, tp->active_connection_id_limit);
    TD_JW_LIT(w, ",\"disable_active_migration\":"); td_jw_bool(w, tp->disable_active_migration);
    TD_JW_LIT(w, ",\"grease_quic_bit\":"); td_jw_bool(w, tp->grease_quic_bit);
    TD_JW_LIT(w, ",\"version_information\":"); td_jw_bool(w, tp->version_information);
    cid_hex(&tp->initial_scid, h, sizeof h);
    TD_JW_LIT(w, ",\"initial_source_connection_id\":"); td_jw_str(w, h);
    cid_hex(&tp->original_dcid, h, sizeof h);
    TD_JW_LIT(w, ",\"original_destination_connection_id\":"); td_jw_str(w, tp->has_original_dcid ? h : NULL);
    cid_hex(&tp->retry_scid, h, sizeof h);
    TD_JW_LIT(w, ",\"retry_source_connection_id\":"); td_jw_str(w, tp->has_retry_scid ? h : NULL);
    td_jw_char(w, '}');
}

void td_json_quic(td_jw *w, const td_quic *q)
{
    char v[48], h[48];
    TD_JW_LIT(w, "\"quic\":{\"version\":"); td_jw_str(w, td_quic_version_label(q->version, v, sizeof v));
    snprintf(h, sizeof h, "0x%08x", q->version);
    TD_JW_LIT(w, ",\"version_hex\":"); td_jw_str(w, h);
    cid_hex(&q->odcid, h, sizeof h);
    TD_JW_LIT(w, ",\"original_dcid\":"); td_jw_str(w, h);
    cid_hex(&q->client_cid, h, sizeof h);
    TD_JW_LIT(w, ",\"client_cid\":"); td_jw_str(w, h);
    cid_hex(&q->server_cid, h, sizeof h);
    TD_JW_LIT(w, ",\"server_cid\":"); td_jw_str(w, h);
    td_jw_char(w, ',');
    pair(w, "datagrams", q->datagrams[0], q->datagrams[1]);
    td_jw_char(w, ',');
    pair(w, "bytes", q->bytes[0], q->bytes[1]);
    td_jw_char(w, ',');
    pair(w, "initial_packets", q->initials[0], q->initials[1]);
    td_jw_char(w, ',');
    pair(w, "handshake_packets", q->handshakes[0], q->handshakes[1]);
    td_jw_char(w, ',');
    pair(w, "0rtt_packets", q->zero_rtt[0], q->zero_rtt[1]);
    td_jw_char(w, ',');
    pair(w, "1rtt_packets", q->short_packets[0], q->short_packets[1]);
    td_jw_char(w, ',');
    pair(w, "undecryptable", q->undecryptable[0], q->undecryptable[1]);
    TD_JW_LIT(w, ",\"client_initial_min\":"); td_jw_u64(w, q->client_initial_min);
    TD_JW_LIT(w, ",\"retries\":"); td_jw_u64(w, q->retries);
    TD_JW_LIT(w, ",\"retry_integrity_ok\":");
    if (q->retries) td_jw_bool(w, !q->retry_integrity_bad);
    else TD_JW_LIT(w, "null");
    TD_JW_LIT(w, ",\"version_negotiation\":");
    if (q->version_negotiation) {
        td_jw_char(w, '[');
        for (size_t i = 0; i < q->n_vn_versions; i++) {
            if (i) td_jw_char(w, ',');
            snprintf(h, sizeof h, "0x%08x", q->vn_versions[i]);
            td_jw_str(w, h);
        }
        td_jw_char(w, ']');
    } else {
        TD_JW_LIT(w, "null");
    }
    for (int d = 0; d < 2; d++) {
        if (d) TD_JW_LIT(w, ",\"close_server\":");
        else TD_JW_LIT(w, ",\"close_client\":");
        if (q->closed[d]) close_object(w, q, d);
        else TD_JW_LIT(w, "null");
    }
    TD_JW_LIT(w, ",\"transport_parameters_client\":"); tp_object(w, &q->tp[TD_C2S]);
    TD_JW_LIT(w, ",\"transport_parameters_server\":"); tp_object(w, &q->tp[TD_S2C]);
    TD_JW_LIT(w, ",\"http3_status\":");
    if (q->http3_status) td_jw_u64(w, q->http3_status);
    else TD_JW_LIT(w, "null");
    TD_JW_LIT(w, ",\"handshake_done\":"); td_jw_bool(w, q->handshake_done);
    TD_JW_LIT(w, ",\"migrated\":"); td_jw_bool(w, q->migrated);
    TD_JW_LIT(w, ",\"icmp_unreachable\":"); td_jw_bool(w, q->icmp_unreachable);
    TD_JW_LIT(w, ",\"crypto_over_cap\":"); td_jw_bool(w, q->crypto_over_cap);
    td_jw_char(w, '}');
}
