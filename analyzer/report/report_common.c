/* report_common.c - formatting shared by the text and JSON reports. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dissectors/dissect.h"
#include "dissectors/quic/quic.h"
#include "analyzer/report/report.h"

/* Civil date from days since 1970-01-01 (proleptic Gregorian; H. Hinnant's days_from_civil
 * inverse).  gmtime_r + strftime cost a lock and a time-zone check per connection. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);                          /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    unsigned mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* n decimal digits of v, zero-padded, at o; returns the end. */
static char *digits(char *o, unsigned long v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        o[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return o + n;
}

/* text[0..n) into buf as a string, cut to fit like snprintf. */
static void put(char *buf, size_t len, const char *text, size_t n)
{
    if (!len) return;
    if (n >= len) n = len - 1;
    memcpy(buf, text, n);
    buf[n] = '\0';
}

void td_format_time(double ts, char *buf, size_t len)
{
    if (!(ts >= 0 && ts < 253402300800.0)) {   /* years 1970..9999; a wild capture clock is input */
        snprintf(buf, len, "?");
        return;
    }
    int64_t sec = (int64_t)ts;
    long usec = (long)((ts - (double)sec) * 1e6 + 0.5);
    if (usec >= 1000000) {
        sec++;
        usec -= 1000000;
    }
    int64_t y;
    unsigned mo, d;
    civil_from_days(sec / 86400, &y, &mo, &d);
    unsigned s = (unsigned)(sec % 86400);
    char out[32];                                  /* by hand: one snprintf cost as much as the rest */
    char *o = out;
    if (y > 9999) *o++ = '1';                      /* 9999-12-31T23:59:59.9999995 rounds up to 10000 */
    o = digits(o, (unsigned long)(y % 10000), 4);
    *o++ = '-';
    o = digits(o, mo, 2);
    *o++ = '-';
    o = digits(o, d, 2);
    *o++ = 'T';
    o = digits(o, s / 3600, 2);
    *o++ = ':';
    o = digits(o, s / 60 % 60, 2);
    *o++ = ':';
    o = digits(o, s % 60, 2);
    *o++ = '.';
    o = digits(o, (unsigned long)usec, 6);
    *o++ = 'Z';
    put(buf, len, out, (size_t)(o - out));
}

const char *td_event_kind_name(uint8_t kind)
{
    static const char *const names[] = {
        [TD_EV_SYN] = "syn", [TD_EV_SYNACK] = "synack", [TD_EV_FIN] = "fin", [TD_EV_RST] = "rst",
        [TD_EV_HANDSHAKE] = "handshake", [TD_EV_SSL2] = "sslv2", [TD_EV_CCS] = "ccs", [TD_EV_ALERT] = "alert",
        [TD_EV_ENCRYPTED_HANDSHAKE] = "encrypted-handshake", [TD_EV_APPDATA] = "appdata",
        [TD_EV_PLAINTEXT] = "plaintext", [TD_EV_GAP] = "gap", [TD_EV_UNKNOWN_RECORD] = "bad-record",
        [TD_EV_OPAQUE] = "encrypted", [TD_EV_HEARTBEAT] = "heartbeat", [TD_EV_SSL2_ENCRYPTED] = "sslv2-encrypted",
        [TD_EV_QUIC_PACKET] = "quic-packet", [TD_EV_QUIC_CLOSE] = "quic-close",
    };
    return kind < sizeof names / sizeof names[0] && names[kind] ? names[kind] : "unknown";
}

const char *td_event_record_label(const td_result *r, const td_event *e, size_t *rec)
{
    if (e->kind != TD_EV_OPAQUE) return NULL;
    if (!e->sub) return r->inf.done ? td_rec_label_name(TD_REC_APPDATA) : NULL;   /* past those kept */
    size_t i = (*rec)++;
    if (!r->inf.done || i >= r->t->tls.n_records) return NULL;
    return td_rec_label_name((td_rec_label)r->inf.label[i]);
}

/* QUIC's ladder entries: a run of packets of one type, a CONNECTION_CLOSE. */
static const char *quic_event_text(const td_transcript *t, const td_event *e, char *buf, size_t len)
{
    static const char *const types[] = { "Initial", "0-RTT", "Handshake", "Retry", "Version Negotiation", "1-RTT",
                                         "long header" };
    if (e->kind == TD_EV_QUIC_PACKET) {
        const char *n = types[e->sub < 7 ? e->sub : 6];
        if (e->count > 1) snprintf(buf, len, "QUIC %s x%u (%u B)", n, e->count, e->len);
        else snprintf(buf, len, "QUIC %s (%u B)", n, e->len);
        return buf;
    }
    if (!t->quic || !t->quic->closed[e->dir]) return "CONNECTION_CLOSE";
    char c[96];
    const char *reason = t->quic->close_reason[e->dir];
    snprintf(buf, len, "CONNECTION_CLOSE %s%s%s%s", td_quic_close_text(t->quic, e->dir, c, sizeof c),
             reason[0] ? " \"" : "", reason, reason[0] ? "\"" : "");
    return buf;
}

/* The ladder's text for an event ("ClientHello (204 B)", "Alert fatal unknown_ca(48)"): a
 * static string or buf. */
const char *td_event_text(const td_transcript *t, const td_event *e, char *buf, size_t len)
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
    case TD_EV_QUIC_PACKET:
    case TD_EV_QUIC_CLOSE:
        return quic_event_text(t, e, buf, len);
    }
    return "?";
}

size_t td_evidence_order(const td_result *r, size_t order[TD_MAX_EVIDENCE])
{
    size_t n = r->n_evidence < TD_MAX_EVIDENCE ? r->n_evidence : TD_MAX_EVIDENCE;
    for (size_t i = 0; i < n; i++) {               /* insertion sort: stable, at most 12 entries */
        size_t j = i;
        while (j > 0 && r->evidence[order[j - 1]].packet > r->evidence[i].packet) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    return n;
}

const char *td_plural(uint64_t n, const char *one, const char *many) { return n == 1 ? one : many; }

const char *td_packet_span(uint64_t first, uint64_t last, char *buf, size_t len)
{
    if (first == last) snprintf(buf, len, "packet %llu", (unsigned long long)first);
    else snprintf(buf, len, "packets %llu-%llu", (unsigned long long)first, (unsigned long long)last);
    return buf;
}
