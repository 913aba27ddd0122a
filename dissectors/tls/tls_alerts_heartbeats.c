/* tls_alerts_heartbeats.c - alert and heartbeat records: the two record types whose few bytes in
 * the clear are read as they are, kept in the transcript under a cap. */
#include <stdlib.h>
#include <string.h>

#include "dissectors/tls/tls_stream_int.h"

#define HB_PADDING 16                   /* RFC 6520: at least 16 bytes of padding follow the payload */

void tls_add_alert(td_tls_stream *s, int dir, uint8_t level, uint8_t code, bool encrypted,
                   uint64_t packet, double ts)
{
    td_tls *tls = &s->t->tls;
    tls->n_alerts_total++;
    if (level == 2 && !encrypted) s->d[dir].after_fatal = true;
    int idx = 255;
    if (tls->n_alerts < TD_MAX_ALERTS) {
        if (tls->n_alerts == 0 || (tls->n_alerts & (tls->n_alerts - 1)) == 0) {
            size_t want = tls->n_alerts ? tls->n_alerts * 2 : 2;
            td_alert *a = realloc(tls->alerts, want * sizeof *a);
            if (!a) return;
            tls->alerts = a;
        }
        idx = (int)tls->n_alerts;
        td_alert *a = &tls->alerts[tls->n_alerts++];
        a->from = (uint8_t)dir;
        a->level = level;
        a->code = code;
        a->encrypted = encrypted;
        a->packet = packet;
        a->ts = ts;
    }
    td_transcript_event(s->t, TD_EV_ALERT, dir, idx, 2, packet, ts);
}

/* A plaintext alert record holds whole 2-byte alerts.  One alert is taken as it is; several
 * must each look like an alert (level warning or fatal, an assigned description), else the
 * record is a protected one that happens to have an even length. */
bool tls_plausible_alerts(const uint8_t *a, size_t n)
{
    if (n == 2) return true;
    for (size_t i = 0; i + 1 < n; i += 2)
        if ((a[i] != 1 && a[i] != 2) || !td_alert_name(a[i + 1])) return false;
    return n >= 2 && n % 2 == 0;
}

void tls_add_heartbeat(td_tls_stream *s, int dir, const uint8_t *hdr, size_t have, bool encrypted,
                       uint64_t packet, double ts)
{
    td_tls *tls = &s->t->tls;
    dir_parser *d = &s->d[dir];
    tls->heartbeat = true;
    tls->n_heartbeats_total++;
    int idx = 255;
    if (tls->n_heartbeats < TD_MAX_HEARTBEATS) {
        size_t n = tls->n_heartbeats;
        if (n == 0 || (n & (n - 1)) == 0) {            /* room for 2, 4, 8, 16 */
            size_t want = n ? n * 2 : 2;
            td_heartbeat *h = realloc(tls->heartbeats, want * sizeof *h);
            if (!h) goto event;
            tls->heartbeats = h;
        }
        idx = (int)n;
        td_heartbeat *h = &tls->heartbeats[tls->n_heartbeats++];
        memset(h, 0, sizeof *h);
        h->from = (uint8_t)dir;
        h->encrypted = encrypted;
        h->record_length = (uint16_t)d->rlen;          /* <= REC_MAX_LEN */
        h->packet = packet;
        h->ts = ts;
        if (!encrypted) {
            h->malformed = have < HB_HEADER;
            if (have >= 1) h->type = hdr[0];
            if (have >= HB_HEADER) h->payload_length = (uint16_t)(hdr[1] << 8 | hdr[2]);
            size_t room = d->rlen > HB_HEADER + HB_PADDING ? d->rlen - HB_HEADER - HB_PADDING : 0;
            h->payload_actual = (uint16_t)(room < h->payload_length ? room : h->payload_length);
        }
    }
event:
    td_transcript_event(s->t, TD_EV_HEARTBEAT, dir, idx, (uint32_t)d->rlen, packet, ts);
}
