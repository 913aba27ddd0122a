/* tls_handshake_reassembly.c - handshake messages put together from the bodies of handshake
 * records.
 *
 * A message may span records, a record may hold several; each whole message goes to the
 * handshake parser and, with a key log, to the key lookup.  A message is buffered only while
 * incomplete, as its bytes arrive: any legal length (up to 2^24-1) is assembled, within the
 * connection's handshake budget (TD_HS_BUDGET, both directions together).  A message over it is
 * skipped and noted (buffer_cap_hit, hs_over_budget): too big for us, not malformed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/tls/tls_stream_int.h"


void tls_hs_reset(dir_parser *d)
{
    free(d->hsbuf);
    d->hsbuf = NULL;
    d->hslen = d->hshave = d->hscap = 0;
    d->hshdr_have = 0;
    d->hsskip = 0;
}

/* The ladder events from `mid` on move before those from `from` (the ServerHello's): the 0-RTT
 * records held until the ServerHello came before it on the wire.  The decrypted-record list
 * follows its events. */
static void events_before(td_transcript *t, size_t from, size_t mid)
{
    td_event keep[8];
    size_t a = mid - from, end = t->n_events;
    if (mid <= from || mid >= end || a > sizeof keep / sizeof keep[0]) return;
    memcpy(keep, &t->events[from], a * sizeof keep[0]);
    memmove(&t->events[from], &t->events[mid], (end - mid) * sizeof keep[0]);
    memcpy(&t->events[end - a], keep, a * sizeof keep[0]);
    td_decrypt_facts *f = t->tls.dec;
    for (size_t i = 0; f && i < f->n_recs; i++)
        if (f->recs[i].first_event >= mid) {
            f->recs[i].first_event -= (uint32_t)a;
            f->recs[i].end_event -= (uint32_t)a;
        }
}

static void hs_message(td_tls_stream *s, int dir, uint8_t type, const uint8_t *body, size_t len,
                       uint64_t packet, double ts)
{
    size_t ev0 = s->t->n_events;
    if (!tls_handshake_message(s->t, s->x509, s->fp, dir, type, body, len, packet, ts)) {
        tls_note_bad(s->t, dir, (td_anomaly){ .code = TD_ANOM_HANDSHAKE_MALFORMED, .type = type, .a = len });
    }
    if (!s->dec) return;
    if (type == HS_CLIENT_HELLO && dir == TD_C2S && len >= 34) {
        memcpy(s->dec->client_random, body + 2, 32);   /* after a HelloRetryRequest: the same */
        s->dec->have_random = true;
        tls_dec_client_hello(s, body, len);
    } else if (type == HS_NEW_SESSION_TICKET && dir == TD_S2C && !td_version_is_tls13(s->t->tls.version)) {
        tls_dec_ticket(s, body, len);
    } else if (type == HS_SERVER_HELLO && dir == TD_S2C && s->t->tls.server_hello && !s->dec->tried) {
        size_t mid = s->t->n_events;
        tls_dec_server_hello(s, body, len);
        events_before(s->t, ev0, mid);             /* early data opened (or replayed) just now */
    } else if (s->dec->k) {
        td_tlsdec_handshake(s->dec->k, dir, type);
    }
}

/* Would assembling the message whose header d->hshdr now holds take the connection past its
 * handshake budget?  The other direction's message being assembled counts at its full length
 * (its buffer grows to that). */
static bool over_budget(const td_tls_stream *s, int dir)
{
    const dir_parser *o = &s->d[!dir];
    size_t other = o->hshdr_have == 4 && !o->hsskip ? o->hslen : 0;
    return s->d[dir].hslen + other > TD_HS_BUDGET;
}

/* Could a handshake message of this type and length begin here, in a record read off the wire in
 * the clear?  The types each side sends in the clear (and the drafts' and proxies' extras), at
 * lengths their layouts allow.  A record that fails this is protected (its CCS not seen, or a
 * peer that went on after its fatal alert): the first bytes of an encrypted Finished are random,
 * or (AES-GCM's explicit nonce, the sequence number 0) read as HelloRequests. */
static bool plausible(int dir, uint8_t type, size_t len, bool have_len)
{
    static const uint32_t c2s = 1u << 1 | 1u << 11 | 1u << 15 | 1u << 16 | 1u << 20 | 1u << 21 | 1u << 23 |
                                1u << 24 | 1u << 25;
    static const uint32_t s2c = 1u << 2 | 1u << 4 | 1u << 6 | 1u << 8 | 1u << 11 | 1u << 12 | 1u << 13 |
                                1u << 14 | 1u << 20 | 1u << 22 | 1u << 23 | 1u << 24 | 1u << 25;
    if (type == 67) return dir == TD_C2S && (!have_len || len <= 512);   /* NextProtocol (NPN) */
    if (type > 25 || !((dir == TD_C2S ? c2s : s2c) >> type & 1)) return false;
    if (!have_len) return true;
    switch (type) {
    case HS_SERVER_HELLO_DONE: return len == 0;
    case HS_FINISHED: return len >= 12 && len <= 64;
    case 24: return len == 1;                      /* KeyUpdate */
    default: return true;
    }
}

/* One more byte of a message header (d->hshdr); false if the bytes are not a message in the clear. */
static bool hs_header_byte(td_tls_stream *s, int dir, uint8_t b, bool wire, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    d->hshdr[d->hshdr_have++] = b;
    if (wire && d->hshdr_have == 1 && !plausible(dir, b, 0, false)) return false;
    if (d->hshdr_have < 4) return true;
    d->hslen = (size_t)d->hshdr[1] << 16 | (size_t)d->hshdr[2] << 8 | d->hshdr[3];
    d->hshave = 0;
    if (wire && !plausible(dir, d->hshdr[0], d->hslen, true)) return false;
    if (over_budget(s, dir)) {
        td_tls *tls = &s->t->tls;
        tls->buffer_cap_hit = true;
        if (!tls->hs_over_budget) tls->hs_over_budget = (uint32_t)d->hslen;
        td_transcript_event(s->t, TD_EV_HANDSHAKE, dir, d->hshdr[0], (uint32_t)d->hslen, packet, ts);
        d->hsskip = d->hslen;
    } else if (d->hslen == 0) {
        hs_message(s, dir, d->hshdr[0], NULL, 0, packet, ts);
        d->hshdr_have = 0;
    }
    return true;
}

/* k more bytes of the message body being assembled; false if out of memory. */
static bool hs_body(td_tls_stream *s, int dir, const uint8_t *p, size_t k, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    if (d->hshave + k > d->hscap) {             /* grow as bytes arrive, never to a lied length */
        size_t cap = d->hscap ? d->hscap : 1024;
        while (cap < d->hshave + k) cap *= 2;
        if (cap > d->hslen) cap = d->hslen;
        uint8_t *b = realloc(d->hsbuf, cap);
        if (!b) {
            s->t->tls.buffer_cap_hit = true;
            tls_hs_reset(d);
            d->hs_lost = true;
            return false;
        }
        d->hsbuf = b;
        d->hscap = cap;
    }
    memcpy(d->hsbuf + d->hshave, p, k);
    d->hshave += k;
    if (d->hshave == d->hslen) {
        hs_message(s, dir, d->hshdr[0], d->hsbuf, d->hslen, packet, ts);
        tls_hs_reset(d);
    }
    return true;
}

bool tls_hs_feed(td_tls_stream *s, int dir, const uint8_t *data, size_t n, bool wire, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    cursor c = cur_make(data, n);
    while (!cur_empty(&c)) {
        if (d->hsskip) {
            size_t k = cur_left(&c) < d->hsskip ? cur_left(&c) : d->hsskip;
            cur_skip(&c, k);
            d->hsskip -= k;
            if (!d->hsskip) d->hshdr_have = 0;
            continue;
        }
        if (d->hshdr_have < 4) {
            /* Whole message in view and nothing pending: parse it in place. */
            if (d->hshdr_have == 0 && cur_left(&c) >= 4) {
                cursor peek = c;
                uint8_t type = cur_u8(&peek);
                size_t len = cur_u24(&peek);
                if (cur_left(&peek) >= len && (!wire || plausible(dir, type, len, true))) {
                    hs_message(s, dir, type, peek.p, len, packet, ts);
                    cur_skip(&c, 4 + len);
                    continue;
                }
            }
            if (!hs_header_byte(s, dir, cur_u8(&c), wire, packet, ts)) {
                tls_hs_reset(d);
                return false;
            }
            continue;
        }
        size_t want = d->hslen - d->hshave;
        size_t k = cur_left(&c) < want ? cur_left(&c) : want;
        if (!hs_body(s, dir, cur_bytes(&c, k), k, packet, ts)) return true;
    }
    return true;
}
