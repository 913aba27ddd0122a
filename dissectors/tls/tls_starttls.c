/* tls_starttls.c - a stream that does not begin as TLS: what it is, told from its first bytes;
 * a STARTTLS dialogue read by dissectors/starttls/, TLS then starting at the byte it names; else a
 * TLS hello searched for in what follows, up to PLAINTEXT_SCAN_MAX (either way). */
#include <stdlib.h>
#include <string.h>

#include "dissectors/tls/tls_stream_int.h"

#define PLAINTEXT_SCAN_MAX (64 * 1024)  /* plaintext searched for a later hello (STARTTLS) */

/* Describe a plaintext stream from its first bytes; called again as more arrive, until the
 * first line is complete or SNIFF_BYTES are in view, so the result does not depend on how the
 * bytes were segmented. */
static void sniff_more(td_tls_stream *s, int dir, const uint8_t *p, size_t n)
{
    dir_parser *d = &s->d[dir];
    if (!d->sniff) return;
    size_t k = SNIFF_BYTES - d->sniff_have < n ? SNIFF_BYTES - d->sniff_have : n;
    if (k == 0 && d->sniff_have) return;
    memcpy(d->sniff + d->sniff_have, p, k);
    d->sniff_have += k;
    char what[160];
    td_sniff_plaintext(d->sniff, d->sniff_have, what, sizeof what);
    tls_set_str(&s->t->tls.not_tls_what[dir], what, strlen(what));
    if (d->sniff_have == SNIFF_BYTES || memchr(d->sniff, '\n', d->sniff_have)) {
        free(d->sniff);
        d->sniff = NULL;
        d->sniff_have = 0;
    }
}

/* The dialogue says TLS begins here in direction dir; `held` bytes of it were already read. */
static void to_tls(td_tls_stream *s, int dir, const uint8_t *held, size_t n)
{
    dir_parser *d = &s->d[dir];
    s->t->tls.starttls = true;
    d->state = ST_TLS;
    if (n) memmove(d->hdr, held, n);           /* held may point into d->hdr */
    d->hdr_have = n;
    const dir_parser *o = &s->d[!dir];
    if (o->state != ST_PLAINTEXT && o->state != ST_START) {
        td_stls_free(s->stls);                     /* both sides are TLS now: the reader is done */
        s->stls = NULL;
    }
}

/* The stream began with the 5 bytes `first`, which are not TLS; the rest of the delivery
 * (`nrest` bytes) is then scanned as plaintext by the caller. */
void tls_not_tls(td_tls_stream *s, int dir, const uint8_t *first, size_t nfirst, size_t nrest,
                 uint64_t packet, double ts)
{
    td_tls *tls = &s->t->tls;
    dir_parser *d = &s->d[dir];
    tls->not_tls[dir] = true;
    tls->not_tls_packet[dir] = packet;
    td_transcript_event(s->t, TD_EV_PLAINTEXT, dir, 0, (uint32_t)(nfirst + nrest), packet, ts);
    d->sniff = malloc(SNIFF_BYTES);
    d->sniff_have = 0;
    if (d->sniff) {
        sniff_more(s, dir, first, nfirst);
    } else {
        char what[160];
        td_sniff_plaintext(first, nfirst, what, sizeof what);
        tls_set_str(&tls->not_tls_what[dir], what, strlen(what));
    }
    d->hdr_have = 0;                           /* those bytes were not a record header */
    d->state = ST_PLAINTEXT;
    if (!s->stls_tried) {
        s->stls_tried = true;
        s->stls = td_stls_new();
    }
    bool now = false;
    size_t used = td_stls_feed(s->stls, &tls->stls, dir, first, nfirst, packet, &now);
    if (now) to_tls(s, dir, first + used, nfirst - used);
}

/* Offset of a hello record (ClientHello from the client, ServerHello from the server) in
 * plaintext, as after STARTTLS; len if none. */
static size_t find_hello(const uint8_t *data, size_t len, int dir)
{
    uint8_t want = dir == TD_C2S ? 1 : 2;
    for (const uint8_t *p = data; (p = memchr(p, 22, (size_t)(data + len - p))) != NULL; p++) {
        size_t i = (size_t)(p - data);
        if (i + 6 > len) break;
        if (p[1] == 3 && p[2] <= 4 && p[5] == want && tls_plausible_header(p)) return i;
    }
    return len;
}

/* The dialogue's reader takes what it can of c: true when TLS starts (the rest of c is TLS), false
 * when c is used up; else the reader gave up and the rest is searched for a hello. */
static int dialogue_step(td_tls_stream *s, int dir, cursor *c, uint64_t packet)
{
    dir_parser *d = &s->d[dir];
    bool now = false;
    size_t used = td_stls_feed(s->stls, &s->t->tls.stls, dir, c->p, cur_left(c), packet, &now);
    sniff_more(s, dir, c->p, used);
    cur_skip(c, used);
    d->plaintext_seen += used;
    if (now) {
        to_tls(s, dir, NULL, 0);
        return 1;
    }
    if (td_stls_status_of(s->stls) == TD_STLS_UNKNOWN) {
        td_stls_free(s->stls);                     /* none of its protocols: the search takes over */
        s->stls = NULL;
        return -1;
    }
    if (d->plaintext_seen > PLAINTEXT_SCAN_MAX) d->state = ST_DEAD;
    return cur_empty(c) ? 0 : -1;
}

bool tls_plaintext_step(td_tls_stream *s, int dir, cursor *c, uint64_t packet)
{
    dir_parser *d = &s->d[dir];
    td_tls *tls = &s->t->tls;
    if (s->stls) {
        int r = dialogue_step(s, dir, c, packet);
        if (r >= 0 || d->state == ST_DEAD || cur_empty(c)) return r > 0;
    }
    size_t n = cur_left(c);
    if (tls_straddling(d, c, find_hello, dir)) {
        tls->starttls = true;
        d->state = ST_TLS;
        return true;
    }
    size_t off = find_hello(c->p, n, dir);
    sniff_more(s, dir, c->p, off);
    d->plaintext_seen += off;
    if (off == n) {
        tls_keep_tail(d, c->p, n, 5);
        if (d->plaintext_seen > PLAINTEXT_SCAN_MAX) {
            d->state = ST_DEAD;
            d->hdr_have = 0;
        }
        return false;
    }
    d->hdr_have = 0;
    cur_skip(c, off);
    tls->starttls = true;
    d->state = ST_TLS;
    return true;
}
