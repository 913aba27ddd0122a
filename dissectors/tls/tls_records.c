/* tls_records.c - a TLS stream in step with its records: each header read, each body sent on.
 *
 * A body goes where its content type says (handshake reassembly, alerts, heartbeats, the key
 * lookup) or is only counted (application data, protected records), without a copy. */
#include <stdlib.h>
#include <string.h>

#include "dissectors/tls/tls_stream_int.h"

/* A slot for one more protected record, or NULL past the cap (or out of memory): the list
 * grows 8, 16, 32, 48, since most connections are decided within a dozen records. */
__attribute__((always_inline)) static inline td_record *keep_record(td_tls *tls)
{
    size_t n = tls->n_records;
    if (n >= TD_MAX_RECORDS) return NULL;
    if (n == 0 || n == 8 || n == 16 || n == 32) {
        size_t cap = n == 0 ? 8 : n == 32 ? TD_MAX_RECORDS : n * 2;
        td_record *grown = realloc(tls->records, cap * sizeof *grown);
        if (!grown) return NULL;
        tls->records = grown;
    }
    return &tls->records[tls->n_records++];
}

/* An application-data record.  Before TLS 1.3 its type is what it says; in TLS 1.3 every
 * protected record looks like this, and what it really holds (the rest of the handshake, a
 * ticket, an alert or data) is inferred later from the whole exchange (analyzer/diagnose/tls13_without_keys.c),
 * so here only its facts are kept: direction, length, packet, time. */
__attribute__((always_inline)) static inline void encrypted_record(td_tls_stream *s, int dir, size_t len, uint64_t packet, double ts)
{
    td_tls *tls = &s->t->tls;
    dir_parser *d = &s->d[dir];
    if (td_version_is_tls13(tls->version) && tls->server_hello && !s->replaying_early) {
        d->rmode = RM_OPAQUE;
        d->ridx = 0;
        tls->encrypted[dir] = true;
        tls->records_total[dir]++;
        td_record *r = keep_record(tls);
        if (r) {
            r->dir = (uint8_t)dir;
            r->len = (uint16_t)len;                /* <= REC_MAX_LEN: tls_plausible_header checked it */
            r->captured = 0;
            r->packet = packet;
            r->ts = ts;
            d->ridx = tls->n_records;
        }
        td_transcript_event(s->t, TD_EV_OPAQUE, dir, r != NULL, (uint32_t)len, packet, ts);
        return;
    }
    d->rmode = RM_APPDATA;
    if (!tls->app_records[dir]) tls->first_app_packet[dir] = packet;
    tls->app_records[dir]++;
    td_transcript_event(s->t, TD_EV_APPDATA, dir, 0, (uint32_t)len, packet, ts);
}

/* Bytes of an application-data record's body that are really in the capture: counted as they
 * arrive, so a record cut off by the end of the capture counts what was seen, not its header. */
__attribute__((always_inline)) static inline void count_body(td_tls_stream *s, int dir, size_t n)
{
    td_tls *tls = &s->t->tls;
    dir_parser *d = &s->d[dir];
    if (d->rmode == RM_APPDATA) {
        tls->app_data[dir] += n;
    } else if (d->rmode == RM_OPAQUE) {
        tls->record_bytes[dir] += n;
        if (d->ridx) {
            td_record *r = &tls->records[d->ridx - 1];
            r->captured = (uint16_t)(r->captured + n > r->len ? r->len : r->captured + n);
        }
    }
}

/* Count the body bytes of the current record seen so far.  They are added up in the parser, which
 * every packet touches anyway, and counted in the transcript once a record ends or is left (a gap
 * that loses the framing, the switch to SSLv2, the end of the capture): a large record spans a
 * dozen packets, and t.tls is a cache miss away. */
static inline void flush_body(td_tls_stream *s, int dir)
{
    dir_parser *d = &s->d[dir];
    if (d->rmode && d->rbody) count_body(s, dir, d->rbody);
    d->rbody = 0;
}

void tls_record_flush(td_tls_stream *s, int dir)
{
    flush_body(s, dir);
}

/* The parser's state for a record whose header is h. */
static inline void record_header(dir_parser *d, const uint8_t *h)
{
    d->rtype = h[0];
    d->rlen = d->rleft = (size_t)h[3] << 8 | h[4];
    d->rkeep = false;
    d->rmode = RM_NONE;
    d->alert_have = 0;
    d->hb_have = 0;
}

/* Are this direction's records protected?  After its ChangeCipherSpec they are, except for TLS
 * 1.3's compatibility CCS, which changes nothing (RFC 8446 D.4). */
static bool dir_protected(const td_tls *tls, int dir)
{
    return tls->encrypted[dir] || (tls->ccs[dir] && !td_version_is_tls13(tls->version));
}

/* A handshake record whose body is protected: counted, never read. */
static void encrypted_handshake(td_tls_stream *s, int dir, uint64_t packet, double ts)
{
    td_tls *tls = &s->t->tls;
    tls->enc_hs_records[dir]++;
    tls->enc_hs_bytes[dir] += s->d[dir].rlen;
    td_transcript_event(s->t, TD_EV_ENCRYPTED_HANDSHAKE, dir, CT_HANDSHAKE, (uint32_t)s->d[dir].rlen, packet, ts);
}

/* A record header has been read: decide what to do with its body.  (Inlined by force: this is
 * the per-record hot path, and it has a second caller, tls_record_replay.) */
__attribute__((always_inline)) static inline void record_plain(td_tls_stream *s, int dir, uint64_t packet, double ts)
{
    td_tls *tls = &s->t->tls;
    dir_parser *d = &s->d[dir];
    if (d->rlen == 0) {
        tls->empty_records[dir]++;
        if (d->rtype != CT_APPDATA) tls_note_bad(s->t, dir, (td_anomaly){ .code = TD_ANOM_ZERO_LENGTH_RECORD });
        return;
    }
    switch (d->rtype) {
    case CT_APPDATA:
        encrypted_record(s, dir, d->rlen, packet, ts);
        break;
    case CT_CCS:
        tls->ccs[dir] = true;
        if (s->dec && s->dec->k) td_tlsdec_ccs(s->dec->k, dir);
        if (!td_version_is_tls13(tls->version)) tls->encrypted[dir] = true;
        if (dir == TD_S2C && tls->server_hello && !tls->server_chain.seen && !td_version_is_tls13(tls->version))
            tls->resumed = true;                   /* abbreviated handshake: no Certificate */
        td_transcript_event(s->t, TD_EV_CCS, dir, 0, (uint32_t)d->rlen, packet, ts);
        break;
    case CT_ALERT:
        /* A plaintext alert record is 2 bytes (or a few alerts of 2 bytes each, see record_end).
         * Any other length is protected (MAC, explicit IV or AEAD tag), and so is any alert once
         * this direction is encrypted, even when its CCS or handshake is not in the capture. */
        if (!dir_protected(tls, dir) && d->rlen % 2 == 0 && d->rlen <= ALERT_BUF) d->rkeep = true;
        else tls_add_alert(s, dir, 0, 0, true, packet, ts);
        break;
    case CT_HANDSHAKE:
        if (tls->encrypted[dir] && !td_version_is_tls13(tls->version)) {
            if (!tls->finished[dir]) tls->finished[dir] = true;   /* first record after CCS */
            encrypted_handshake(s, dir, packet, ts);
        } else if (d->after_fatal) {             /* no handshake goes on after a side's fatal alert: */
            encrypted_handshake(s, dir, packet, ts);   /* a flight it had sent, protected */
        } else {
            d->rkeep = true;
            if (d->hs_lost) {                      /* resume framing at a record boundary */
                tls_hs_reset(d);
                d->hs_lost = false;
            }
        }
        break;
    case CT_HEARTBEAT:
        /* RFC 6520.  Protected after this side's CCS; TLS 1.3 has no heartbeat, and any record
         * after its ServerHello is protected.  In the clear only the 3-byte header is read. */
        tls->heartbeat = true;
        if (dir_protected(tls, dir) || (td_version_is_tls13(tls->version) && tls->server_hello))
            tls_add_heartbeat(s, dir, NULL, 0, true, packet, ts);
        else
            d->rkeep = true;
        break;
    default:
        break;
    }
}

/* A record header h has been read: open the record (with keys), or read its body the usual way. */
void tls_record_start(td_tls_stream *s, int dir, const uint8_t *h, uint64_t packet, double ts)
{
    td_tls *tls = &s->t->tls;
    dir_parser *d = &s->d[dir];
    uint16_t version = (uint16_t)(h[1] << 8 | h[2]);
    record_header(d, h);
    if (!tls->record_version[dir]) tls->record_version[dir] = version;
    if (s->dec && !s->replaying && d->rlen > 0 && tls_dec_wants(s, dir)) {
        tls_dec_begin(s, dir, h, packet, ts);
        return;
    }
    record_plain(s, dir, packet, ts);
}

__attribute__((always_inline)) static inline void record_body(td_tls_stream *s, int dir, const uint8_t *p, size_t n, uint64_t packet,
                        double ts)
{
    dir_parser *d = &s->d[dir];
    if (d->rdec) {
        tls_dec_body(s, dir, p, n);
        return;
    }
    d->rbody += n;
    if (!d->rkeep) return;
    if (d->rtype == CT_HANDSHAKE) {
        if (!tls_hs_feed(s, dir, p, n, true, packet, ts)) {   /* protected after all */
            d->rkeep = false;
            encrypted_handshake(s, dir, packet, ts);
        }
    } else if (d->rtype == CT_ALERT) {
        for (size_t i = 0; i < n && d->alert_have < ALERT_BUF; i++) d->alert[d->alert_have++] = p[i];
    } else if (d->rtype == CT_HEARTBEAT) {
        for (size_t i = 0; i < n && d->hb_have < HB_HEADER; i++) d->hb[d->hb_have++] = p[i];
        if (d->hb_have == HB_HEADER) {             /* the rest (payload, padding) is not needed */
            tls_add_heartbeat(s, dir, d->hb, d->hb_have, false, packet, ts);
            d->rkeep = false;
        }
    }
}

__attribute__((always_inline)) static inline void record_end(td_tls_stream *s, int dir, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    flush_body(s, dir);
    if (d->rdec) {
        tls_dec_end(s, dir);
        return;
    }
    if (!d->rkeep) return;
    if (d->rtype == CT_ALERT && d->alert_have == d->rlen) {
        if (!tls_plausible_alerts(d->alert, d->alert_have)) {
            tls_add_alert(s, dir, 0, 0, true, packet, ts);
        } else {
            for (size_t i = 0; i + 1 < d->alert_have; i += 2)
                tls_add_alert(s, dir, d->alert[i], d->alert[i + 1], false, packet, ts);
        }
    } else if (d->rtype == CT_HEARTBEAT) {         /* shorter than its own header */
        tls_add_heartbeat(s, dir, d->hb, d->hb_have, false, packet, ts);
        tls_note_bad(s->t, dir, (td_anomaly){ .code = TD_ANOM_HEARTBEAT_SHORT });
    }
}

/* A record that could not be opened (no keys, failed authentication, cut short) is counted as
 * the parser counts any protected record; the record the parser is in the middle of (this
 * direction may be inside another one) is left as it was. */
void tls_record_replay(td_tls_stream *s, int dir, dec_rec *r, bool whole)
{
    dir_parser *d = &s->d[dir];
    dir_parser saved = *d;
    d->rdec = false;
    s->replaying = true;
    s->replaying_early = r->early;
    record_header(d, r->hdr);
    record_plain(s, dir, r->packet, r->ts);
    if (r->have) record_body(s, dir, r->buf, r->have, r->packet, r->ts);
    if (whole) record_end(s, dir, r->packet, r->ts);
    s->replaying = s->replaying_early = false;
    d->rtype = saved.rtype;
    d->rlen = saved.rlen;
    d->rleft = saved.rleft;
    d->rkeep = saved.rkeep;
    d->rmode = saved.rmode;
    d->ridx = saved.ridx;
    d->alert_have = saved.alert_have;
    d->hb_have = saved.hb_have;
    d->rdec = saved.rdec;
}

/* The first application data record each way (decrypted): its first line, if recognised
 * (dissectors/tls/tls_sniff.c), is all of application data that is kept. */
static void app_first(td_tls_stream *s, int dir, const uint8_t *p, size_t n, uint64_t packet)
{
    td_decrypt_facts *f = s->t->tls.dec;
    if (f->app_first_packet[dir] || n == 0) return;
    f->app_first_packet[dir] = packet;
    char line[TD_APP_LINE_MAX];
    if (td_sniff_app_first(p, n, line, sizeof line)) tls_set_str(&f->app_first[dir], line, strlen(line));
}

/* A record opened: its true content goes to the same parsers as a clear one, its events marked. */
static void record_opened(td_tls_stream *s, int dir, uint8_t type, const uint8_t *p, size_t n, uint64_t packet, double ts)
{
    td_tls *tls = &s->t->tls;
    size_t first = s->t->n_events;
    switch (type) {
    case CT_HANDSHAKE:
        if (s->d[dir].hs_lost) {
            tls_hs_reset(&s->d[dir]);
            s->d[dir].hs_lost = false;
        }
        tls_hs_feed(s, dir, p, n, false, packet, ts);
        break;
    case CT_ALERT:
        if (n >= 2 && n % 2 == 0) {
            for (size_t i = 0; i + 1 < n; i += 2) tls_add_alert(s, dir, p[i], p[i + 1], false, packet, ts);
        } else {
            tls_note_bad(s->t, dir, (td_anomaly){ .code = TD_ANOM_DECRYPTED_ALERT_ODD });
            tls_add_alert(s, dir, 0, 0, true, packet, ts);
        }
        break;
    case CT_APPDATA:
        if (!tls->app_records[dir]) tls->first_app_packet[dir] = packet;
        tls->app_records[dir]++;
        tls->app_data[dir] += n;
        td_transcript_event(s->t, TD_EV_APPDATA, dir, 1, (uint32_t)n, packet, ts);
        app_first(s, dir, p, n, packet);
        break;
    default:
        tls_note_bad(s->t, dir, (td_anomaly){ .code = TD_ANOM_DECRYPTED_UNKNOWN_TYPE });
        td_transcript_event(s->t, TD_EV_UNKNOWN_RECORD, dir, type, (uint32_t)n, packet, ts);
        break;
    }
    for (size_t i = first; i < s->t->n_events; i++) s->t->events[i].flags |= TD_EVF_DECRYPTED;
}

const tls_record_sink tls_records_sink = { record_opened, tls_record_replay };

void tls_records_feed(td_tls_stream *s, int dir, cursor *c, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    while (!cur_empty(c) && d->state == ST_TLS && !s->v2_session) {
        if (d->rleft == 0) {
            const uint8_t *h;
            if (d->hdr_have == 0 && cur_left(c) >= 5) {
                h = cur_bytes(c, 5);
            } else {
                while (d->hdr_have < 5 && !cur_empty(c)) d->hdr[d->hdr_have++] = cur_u8(c);
                if (d->hdr_have < 5) return;
                h = d->hdr;
            }
            d->hdr_have = 0;
            if (!tls_plausible_header(h)) {
                tls_bad_header(s, dir, h, packet, ts);
                continue;
            }
            tls_record_start(s, dir, h, packet, ts);
            if (d->rleft == 0) record_end(s, dir, packet, ts);
            continue;
        }
        size_t k = cur_left(c) < d->rleft ? cur_left(c) : d->rleft;
        record_body(s, dir, cur_bytes(c, k), k, packet, ts);
        d->rleft -= k;
        if (d->rleft == 0) record_end(s, dir, packet, ts);
    }
}
