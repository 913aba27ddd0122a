/* tls_resync.c - finding the next record header where the framing was lost: a header that makes
 * no sense, a gap, or a connection joined mid-way. */
#include <stdio.h>
#include <string.h>

#include "dissectors/tls/tls_stream_int.h"

/* Offset of the first plausible record header in data (confirmed by the next header when it is
 * in view), or len if none. */
static size_t find_header(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i + 5 <= len; i++) {
        if (!tls_plausible_header(data + i) || (data[i + 3] == 0 && data[i + 4] == 0)) continue;
        size_t next = i + 5 + ((size_t)data[i + 3] << 8 | data[i + 4]);
        if (next + 5 <= len && !tls_plausible_header(data + next)) continue;
        return i;
    }
    return len;
}

/* A record header that makes no sense: note it, and look for the next plausible one (which may
 * begin inside these 5 bytes; h may point into d->hdr). */
void tls_bad_header(td_tls_stream *s, int dir, const uint8_t *h, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    size_t rlen = (size_t)h[3] << 8 | h[4];
    td_anomaly what = { .code = TD_ANOM_RECORD_TOO_LONG, .a = rlen, .b = REC_MAX_LEN };
    if (!tls_shaped(h)) {
        what = (td_anomaly){ .code = TD_ANOM_NOT_RECORD_HEADER };
        memcpy(what.bytes, h, 5);
    }
    tls_note_bad(s->t, dir, what);
    td_transcript_event(s->t, TD_EV_UNKNOWN_RECORD, dir, h[0], (uint32_t)rlen, packet, ts);
    tls_hs_reset(d);
    memmove(d->hdr, h + 1, 4);
    d->hdr_have = 4;
    d->state = ST_RESYNC;
}

/* Keep the last bytes seen (at most max <= 5) in d->hdr: a header may straddle this delivery
 * and the next. */
void tls_keep_tail(dir_parser *d, const uint8_t *p, size_t n, size_t max)
{
    if (n >= max) {
        memcpy(d->hdr, p + n - max, max);
        d->hdr_have = max;
        return;
    }
    size_t keep = d->hdr_have + n < max ? d->hdr_have + n : max;
    size_t old = keep - n;
    memmove(d->hdr, d->hdr + d->hdr_have - old, old);
    memcpy(d->hdr + old, p, n);
    d->hdr_have = keep;
}

static size_t find_any_header(const uint8_t *data, size_t len, int dir)
{
    (void)dir;
    return find_header(data, len);
}

/* The tail kept from the last delivery (d->hdr, under 5 bytes) and the start of this one may
 * hold a header that straddles them.  If `find` sees one starting in the tail, keep the tail
 * from there on in d->hdr and return true. */
bool tls_straddling(dir_parser *d, const cursor *c, size_t (*find)(const uint8_t *, size_t, int), int dir)
{
    if (!d->hdr_have) return false;
    uint8_t look[10];
    size_t k = d->hdr_have, n = cur_left(c), more = n < 5 ? n : 5;
    memcpy(look, d->hdr, k);
    memcpy(look + k, c->p, more);
    size_t at = find(look, k + more, dir);
    if (at >= k) return false;
    d->hdr_have = k - at;
    memmove(d->hdr, d->hdr + at, d->hdr_have);
    return true;
}

bool tls_resync_step(td_tls_stream *s, int dir, cursor *c)
{
    dir_parser *d = &s->d[dir];
    size_t n = cur_left(c);
    if (tls_straddling(d, c, find_any_header, dir)) {
        d->state = ST_TLS;
        d->hs_lost = true;
        return true;
    }
    size_t off = find_header(c->p, n);
    if (off == n) {
        tls_keep_tail(d, c->p, n, 4);
        return false;
    }
    d->hdr_have = 0;
    cur_skip(c, off);
    d->state = ST_TLS;
    d->hs_lost = true;
    return true;
}
