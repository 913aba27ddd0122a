/* tls_stream.c - the TLS record layer over one connection's two reassembled byte streams.
 *
 * Per direction: decide from the first bytes whether the stream is TLS, SSLv2 or something else;
 * then walk record headers (tls_records.c).  Application data and encrypted records are skipped
 * without copying; only a split record header, an alert and a handshake message being assembled
 * are buffered, each under a cap.  After a gap (or in a connection picked up mid-stream) the
 * parser looks for the next plausible record header and goes on from there (tls_resync.c).  The
 * files of this layer and their order are listed in tls_stream_int.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/tls/tls_stream_int.h"

td_tls_stream *td_tls_stream_new(td_transcript *t)
{
    td_tls_stream *s = calloc(1, sizeof *s);
    if (s) s->t = t;
    return s;
}

void td_tls_stream_set_x509_cache(td_tls_stream *s, td_x509_cache *c)
{
    if (s) s->x509 = c;
}

void td_tls_stream_set_fp_memo(td_tls_stream *s, td_fp_memo *m)
{
    if (s) s->fp = m;
}

void td_tls_stream_set_keylog(td_tls_stream *s, td_keylog *k, bool keys_may_come_later)
{
    if (!s || !k || s->dec) return;
    s->dec = calloc(1, sizeof *s->dec);
    if (!s->t->tls.dec) s->t->tls.dec = calloc(1, sizeof *s->t->tls.dec);
    if (!s->dec || !s->t->tls.dec) {
        free(s->dec);
        s->dec = NULL;
        return;
    }
    s->dec->keylog = k;
    s->dec->wait = keys_may_come_later;
    s->dec->sink = &tls_records_sink;
    s->t->tls.dec->status = "no TLS handshake in the capture";
}

void td_tls_stream_end(td_tls_stream *s)
{
    if (!s) return;
    if (s->dec) tls_dec_give_up(s);                        /* the keys never came */
    for (int dir = 0; dir < 2; dir++)
        if (s->d[dir].rdec) {                              /* cut short by the end of the capture */
            s->d[dir].rdec = false;
            tls_record_replay(s, dir, &s->dec->rec[dir], false);
        }
    for (int dir = 0; dir < 2; dir++) {
        tls_record_flush(s, dir);                  /* a record cut off by the end of the capture */
        const dir_parser *d = &s->d[dir];
        if (d->hshdr_have < 4 || d->hsskip || !s->t->tcp.fin[dir]) continue;
        tls_note_bad(s->t, dir, (td_anomaly){ .code = TD_ANOM_HANDSHAKE_UNFINISHED, .type = d->hshdr[0], .a = d->hslen,
                                              .b = d->hshave });
    }
}

void td_tls_stream_free(td_tls_stream *s)
{
    if (!s) return;
    for (int i = 0; i < 2; i++) {
        tls_hs_reset(&s->d[i]);
        free(s->d[i].v2buf);
        free(s->d[i].sniff);
        free(s->d[i].pline);
    }
    td_stls_free(s->stls);
    if (s->dec) {
        td_tlsdec_free(s->dec->k);
        free(s->dec->rec[0].buf);
        free(s->dec->rec[1].buf);
        free(s->dec->ticket);
        for (size_t i = 0; i < s->dec->n_pending; i++) free(s->dec->pending[i].buf);
        free(s->dec->pending);
        free(s->dec);
    }
    free(s);
}

size_t td_tls_stream_buffered(const td_tls_stream *s)
{
    return s->d[0].hscap + s->d[1].hscap + s->d[0].v2len + s->d[1].v2len +
           (s->d[0].sniff ? SNIFF_BYTES : 0) + (s->d[1].sniff ? SNIFF_BYTES : 0) + td_stls_buffered(s->stls) +
           (s->d[0].pline ? PROXY_LINE_MAX : 0) + (s->d[1].pline ? PROXY_LINE_MAX : 0) +
           (s->dec ? sizeof *s->dec + (s->dec->rec[0].buf ? REC_MAX_LEN : 0) + (s->dec->rec[1].buf ? REC_MAX_LEN : 0) +
                     s->dec->n_pending * (REC_MAX_LEN + sizeof(dec_rec)) : 0);
}

bool td_tls_stream_settled(const td_tls_stream *s)
{
    for (int i = 0; i < 2; i++) {
        const dir_parser *d = &s->d[i];
        if (d->state == ST_DEAD) continue;
        if (!s->t->tls.encrypted[i] || d->hsbuf || d->hshdr_have) return false;
    }
    /* Application data both ways, or (TLS 1.3) every protected record the classifier reads kept. */
    const td_tls *tls = &s->t->tls;
    if (tls->app_records[0] > 0 && tls->app_records[1] > 0) return true;
    return tls->n_records == TD_MAX_RECORDS && tls->records_total[0] > 0 && tls->records_total[1] > 0;
}

/* The server answered in SSLv2: from now on this direction is an SSLv2 record stream.  Bytes
 * already taken as the start of a TLS record header are given back to the SSLv2 parser. */
static void to_sslv2_records(td_tls_stream *s, int dir, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    uint8_t held[5];
    size_t n = d->hdr_have;
    memcpy(held, d->hdr, n);
    d->hdr_have = 0;
    tls_record_flush(s, dir);
    d->rleft = 0;
    d->rkeep = false;
    tls_hs_reset(d);
    d->state = ST_SSLV2_RECORDS;
    cursor c = cur_make(held, n);
    tls_sslv2_feed(s, dir, &c, packet, ts);
}

/* ST_START: the stream's first 5 bytes tell TLS, SSLv2, or something else.  False when c is used
 * up (or the stream is dead). */
static bool stream_start(td_tls_stream *s, int dir, cursor *c, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    if (d->hdr_have == 0 && !cur_empty(c) && td_stls_byte_due(s->stls, dir)) {
        d->hdr[d->hdr_have++] = cur_u8(c);     /* PostgreSQL's one-byte answer, 'S' or 'N' */
        tls_not_tls(s, dir, d->hdr, 1, cur_left(c), packet, ts);
        return true;
    }
    while (d->hdr_have < 5 && !cur_empty(c)) d->hdr[d->hdr_have++] = cur_u8(c);
    if (d->hdr_have < 5) return false;
    size_t v2 = tls_sslv2_record_len(d->hdr, 5, dir);
    if (tls_plausible_header(d->hdr)) {
        d->state = ST_TLS;
        d->hdr_have = 0;
        tls_record_start(s, dir, d->hdr, packet, ts);
    } else if (tls_shaped(d->hdr)) {
        tls_bad_header(s, dir, d->hdr, packet, ts);   /* TLS whose record length lies, not plaintext */
    } else if (tls_proxy_begins(s, dir, d->hdr) && tls_proxy_enter(s, dir, packet, ts)) {
        return true;                       /* an HTTP proxy's CONNECT, or its answer */
    } else if (v2) {
        return tls_sslv2_begin(s, dir, v2, packet, ts);
    } else if (s->t->tcp.midstream) {
        d->state = ST_RESYNC;              /* joined mid-connection: find a record header */
        memmove(d->hdr, d->hdr + 1, 4);    /* one may begin in the bytes after the first */
        d->hdr_have = 4;
    } else {
        tls_not_tls(s, dir, d->hdr, 5, cur_left(c), packet, ts);
    }
    return true;
}

void td_tls_stream_data(td_tls_stream *s, int dir, const uint8_t *data, size_t len,
                        uint64_t packet, double ts)
{
    if (!s || dir < 0 || dir > 1 || !data) return;
    dir_parser *d = &s->d[dir];
    cursor c = cur_make(data, len);
    bool more = true;                          /* false: the rest of c is kept for later */
    while (more && !cur_empty(&c)) {
        switch (d->state) {
        case ST_DEAD:
            return;
        case ST_PLAINTEXT:
            more = tls_plaintext_step(s, dir, &c, packet);
            break;
        case ST_START:
            more = stream_start(s, dir, &c, packet, ts);
            break;
        case ST_SSLV2:
            more = tls_sslv2_hello_step(s, dir, &c, packet, ts);
            break;
        case ST_SSLV2_RECORDS:
            tls_sslv2_feed(s, dir, &c, packet, ts);
            break;
        case ST_RESYNC:
            more = tls_resync_step(s, dir, &c);
            break;
        case ST_PROXY:
            more = tls_proxy_step(s, dir, &c, packet, ts);
            break;
        case ST_TLS:
            if (s->v2_session) to_sslv2_records(s, dir, packet, ts);
            else tls_records_feed(s, dir, &c, packet, ts);
            break;
        }
    }
}

void td_tls_stream_gap(td_tls_stream *s, int dir, uint64_t bytes, uint64_t packet, double ts)
{
    if (!s || dir < 0 || dir > 1) return;
    dir_parser *d = &s->d[dir];
    if (d->rdec) {                                /* a record with a hole cannot be opened */
        if (s->dec->n_pending) tls_dec_give_up(s);
        d->rdec = false;
        tls_record_replay(s, dir, &s->dec->rec[dir], false);
    }
    td_transcript_event(s->t, TD_EV_GAP, dir, 0, (uint32_t)(bytes > UINT32_MAX ? UINT32_MAX : bytes), packet, ts);
    switch (d->state) {
    case ST_DEAD:
        return;
    case ST_SSLV2_RECORDS:
        /* A hole inside an encrypted record keeps SSLv2 framing; any other loses it for good
         * (SSLv2 headers carry nothing to resynchronise on). */
        if (bytes && !d->v2buf && d->hdr_have == 0 && d->rleft > bytes) {
            d->rleft -= (size_t)bytes;
            return;
        }
        free(d->v2buf);
        d->v2buf = NULL;
        d->v2len = d->v2have = 0;
        d->hdr_have = 0;
        d->rleft = 0;
        d->state = ST_DEAD;
        return;
    case ST_TLS:
        /* A hole inside a record body we were skipping leaves the record layer in step. */
        if (bytes && d->hdr_have == 0 && d->rleft > bytes) {
            d->rleft -= (size_t)bytes;
            if (d->rkeep) {
                d->rkeep = false;
                tls_hs_reset(d);
                d->hs_lost = true;
            }
            return;
        }
        break;
    default:
        break;
    }
    tls_hs_reset(d);
    free(d->v2buf);
    d->v2buf = NULL;
    d->v2len = d->v2have = 0;
    free(d->sniff);
    d->sniff = NULL;
    d->sniff_have = 0;
    td_stls_gap(s->stls, dir);
    d->hdr_have = 0;
    tls_record_flush(s, dir);
    d->rleft = 0;
    d->hs_lost = true;
    d->state = ST_RESYNC;
}
