/* tls_stream.c - the TLS record layer over one connection's two reassembled byte streams.
 *
 * Per direction: decide from the first bytes whether the stream is TLS, SSLv2 or something else;
 * then walk record headers.  Application data and encrypted records are skipped without copying;
 * only a split record header, an alert and a handshake message being assembled are buffered,
 * each under a cap.  After a gap (or in a connection picked up mid-stream) the parser looks for
 * the next plausible record header and goes on from there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/cursor.h"
#include "dissectors/dissect.h"
#include "dissectors/tls/keylog.h"
#include "dissectors/tls/tls_int.h"

#define REC_MAX_LEN (16384 + 2048)      /* TLSCiphertext.length limit (RFC 5246 6.2.3) */
#define HS_MSG_MAX (256 * 1024)         /* a handshake message larger than this is skipped */
#define SNIFF_BYTES 256                 /* bytes shown to the plaintext recogniser */
#define PLAINTEXT_SCAN_MAX (64 * 1024)  /* plaintext searched for a later hello (STARTTLS) */
#define ALERT_BUF 16                    /* a plaintext alert record: at most 8 alerts back to back */
#define HB_HEADER 3                     /* HeartbeatMessage: type, u16 payload_length */
#define HB_PADDING 16                   /* RFC 6520: at least 16 bytes of padding follow the payload */

enum { CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APPDATA = 23, CT_HEARTBEAT = 24 };

enum { RM_NONE, RM_APPDATA, RM_OPAQUE };

/* ST_SSLV2: an SSLv2 hello record (or the server's ERROR) being assembled at the start of a
 * stream; ST_SSLV2_RECORDS: the rest of an SSLv2 session (CLIENT-MASTER-KEY, ERROR, then
 * encrypted records). */
typedef enum { ST_START, ST_TLS, ST_SSLV2, ST_SSLV2_RECORDS, ST_RESYNC, ST_PLAINTEXT, ST_DEAD } dir_state;

typedef struct dir_parser {
    /* What every packet reads, first: in one or two cache lines. */
    dir_state state;
    uint8_t hdr[5];                      /* record header (or first bytes at ST_START) so far */
    uint8_t rtype;                       /* current record */
    bool rkeep;                          /* body goes to the handshake or alert parser */
    uint8_t rmode;                       /* what the current record's body counts towards (RM_*) */
    bool rdec;                           /* the current record is being buffered to be decrypted */
    size_t hdr_have;
    size_t rlen, rleft;
    size_t ridx;                         /* ... 1 + its index in tls.records, 0 if not kept */
    size_t rbody;                        /* ... its body bytes seen but not yet counted (flush_body) */
    uint8_t alert[ALERT_BUF];            /* plaintext alert record body so far */
    size_t alert_have;
    uint8_t hb[HB_HEADER];               /* plaintext heartbeat message header so far */
    size_t hb_have;
    uint8_t hshdr[4];                    /* handshake message header so far */
    size_t hshdr_have;
    uint8_t *hsbuf;                      /* handshake message body being assembled */
    size_t hslen, hshave, hscap;
    size_t hsskip;                       /* bytes left of an over-cap message being skipped */
    bool hs_lost;                        /* a gap broke handshake framing: wait for a new record */
    uint8_t *v2buf;                      /* SSLv2 record being assembled (a hello, or a clear one later) */
    size_t v2len, v2have;
    bool v2_encrypted;                   /* SSLv2: this direction's records are now encrypted */
    size_t plaintext_seen;               /* bytes searched for a hello after plaintext */
    uint8_t *sniff;                      /* start of a plaintext stream, until its first line is whole */
    size_t sniff_have;
} dir_parser;

/* A protected record held to be opened. */
typedef struct dec_rec {
    uint8_t dir;
    uint8_t hdr[5];
    uint8_t *buf;                        /* the record body, at most REC_MAX_LEN */
    size_t have;
    uint64_t packet;
    double ts;
    bool early;                          /* came before the ServerHello: 0-RTT early data */
} dec_rec;

#define PENDING_MAX 32                   /* records held while a live key log may still bring keys */

/* Decryption with a key log: only allocated when one was given (dissectors/tls/tls_decrypt.c). */
typedef struct dec_state {
    td_keylog *keylog;                   /* learns the master secrets of TLS 1.2 sessions */
    uint8_t client_random[32];
    bool have_random, tried;
    uint8_t *ticket;                     /* the session ticket the ClientHello offered (heap) */
    size_t ticket_len;
    uint8_t server_random[32];
    bool server_hello, etm;              /* the ServerHello parsed (and accepted encrypt_then_mac) */
    size_t keys_seen;                    /* secrets in the key log when it was last looked at */
    uint32_t missed[2];                  /* protected records that went by without keys */
    td_tlsdec *k;                        /* NULL until the ServerHello, or when there are no keys */
    dec_rec rec[2];                      /* the record being read, per direction */
    /* Live: the client writes its key log after the packets that need it may have gone by, so
     * the protected records of a connection without keys are held (in order) until its keys come
     * or the cap is hit, the connection ends, or the wait is given up. */
    bool wait;
    dec_rec *pending;
    size_t n_pending;
} dec_state;

struct td_tls_stream {
    td_transcript *t;
    td_x509_cache *x509;                 /* certificate summaries (not owned; may be NULL) */
    bool v2_session;                     /* the server answered in SSLv2: both streams are SSLv2 */
    bool replaying;                      /* a record that could not be decrypted goes the usual way */
    bool replaying_early;                /* ... and it is 0-RTT data held until the ServerHello: it
                                            counts as it would have then (data, not a TLS 1.3 record) */
    dir_parser d[2];
    dec_state *dec;
};

static inline void flush_body(td_tls_stream *s, int dir);

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
    s->t->tls.dec->status = "no TLS handshake in the capture";
}

static void hs_reset(dir_parser *d)
{
    free(d->hsbuf);
    d->hsbuf = NULL;
    d->hslen = d->hshave = d->hscap = 0;
    d->hshdr_have = 0;
    d->hsskip = 0;
}

static void dec_give_up(td_tls_stream *s);
static void dec_replay(td_tls_stream *s, int dir, dec_rec *r, bool whole);

void td_tls_stream_end(td_tls_stream *s)
{
    if (!s) return;
    if (s->dec) dec_give_up(s);                            /* the keys never came */
    for (int dir = 0; dir < 2; dir++)
        if (s->d[dir].rdec) {                              /* cut short by the end of the capture */
            s->d[dir].rdec = false;
            dec_replay(s, dir, &s->dec->rec[dir], false);
        }
    for (int dir = 0; dir < 2; dir++) {
        flush_body(s, dir);                        /* a record cut off by the end of the capture */
        const dir_parser *d = &s->d[dir];
        if (d->hshdr_have < 4 || d->hsskip || !s->t->tcp.fin[dir]) continue;
        char what[128];
        const char *name = td_handshake_name(d->hshdr[0]);
        snprintf(what, sizeof what, "%s of %zu bytes unfinished: the %s closed after %zu of them",
                 name ? name : "handshake message", d->hslen, dir == TD_C2S ? "client" : "server", d->hshave);
        tls_note_bad(s->t, dir, what);
    }
}

void td_tls_stream_free(td_tls_stream *s)
{
    if (!s) return;
    for (int i = 0; i < 2; i++) {
        hs_reset(&s->d[i]);
        free(s->d[i].v2buf);
        free(s->d[i].sniff);
    }
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
           (s->d[0].sniff ? SNIFF_BYTES : 0) + (s->d[1].sniff ? SNIFF_BYTES : 0) +
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

/* ---- record header plausibility ---------------------------------------------------------- */

/* A TLS record header's content type and version, whatever its length says. */
static bool tls_shaped(const uint8_t *h)
{
    return h[0] >= CT_CCS && h[0] <= CT_HEARTBEAT && h[1] == 3 && h[2] <= 4;
}

static bool plausible_header(const uint8_t *h)
{
    size_t len = (size_t)h[3] << 8 | h[4];
    return tls_shaped(h) && len <= REC_MAX_LEN;
}

/* Offset of the first plausible record header in data (confirmed by the next header when it is
 * in view), or len if none. */
static size_t find_header(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i + 5 <= len; i++) {
        if (!plausible_header(data + i) || (data[i + 3] == 0 && data[i + 4] == 0)) continue;
        size_t next = i + 5 + ((size_t)data[i + 3] << 8 | data[i + 4]);
        if (next + 5 <= len && !plausible_header(data + next)) continue;
        return i;
    }
    return len;
}

/* A record header that makes no sense: note it, and look for the next plausible one (which may
 * begin inside these 5 bytes; h may point into d->hdr). */
static void bad_header(td_tls_stream *s, int dir, const uint8_t *h, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    char what[96];
    size_t rlen = (size_t)h[3] << 8 | h[4];
    if (tls_shaped(h))
        snprintf(what, sizeof what, "record length %zu > %d", rlen, REC_MAX_LEN);
    else
        snprintf(what, sizeof what, "not a TLS record header: %02x %02x %02x %02x %02x",
                 h[0], h[1], h[2], h[3], h[4]);
    tls_note_bad(s->t, dir, what);
    td_transcript_event(s->t, TD_EV_UNKNOWN_RECORD, dir, h[0], (uint32_t)rlen, packet, ts);
    hs_reset(d);
    memmove(d->hdr, h + 1, 4);
    d->hdr_have = 4;
    d->state = ST_RESYNC;
}

/* ---- handshake message reassembly -------------------------------------------------------- */

static void dec_server_hello(td_tls_stream *s, const uint8_t *body, size_t len);
static void dec_lookup(td_tls_stream *s);
static void dec_flush(td_tls_stream *s);
static void dec_client_hello(td_tls_stream *s, const uint8_t *body, size_t len);
static void dec_ticket(td_tls_stream *s, const uint8_t *body, size_t len);

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
    if (!tls_handshake_message(s->t, s->x509, dir, type, body, len, packet, ts)) {
        char what[96];
        const char *name = td_handshake_name(type);
        snprintf(what, sizeof what, "malformed %s (%zu bytes)", name ? name : "handshake message", len);
        tls_note_bad(s->t, dir, what);
    }
    if (!s->dec) return;
    if (type == HS_CLIENT_HELLO && dir == TD_C2S && len >= 34) {
        memcpy(s->dec->client_random, body + 2, 32);   /* after a HelloRetryRequest: the same */
        s->dec->have_random = true;
        dec_client_hello(s, body, len);
    } else if (type == HS_NEW_SESSION_TICKET && dir == TD_S2C && !td_version_is_tls13(s->t->tls.version)) {
        dec_ticket(s, body, len);
    } else if (type == HS_SERVER_HELLO && dir == TD_S2C && s->t->tls.server_hello && !s->dec->tried) {
        size_t mid = s->t->n_events;
        dec_server_hello(s, body, len);
        events_before(s->t, ev0, mid);             /* early data opened (or replayed) just now */
    } else if (s->dec->k) {
        td_tlsdec_handshake(s->dec->k, dir, type);
    }
}

__attribute__((always_inline)) static inline void hs_feed(td_tls_stream *s, int dir, const uint8_t *data, size_t n, uint64_t packet,
                    double ts)
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
                if (cur_left(&peek) >= len) {
                    hs_message(s, dir, type, peek.p, len, packet, ts);
                    cur_skip(&c, 4 + len);
                    continue;
                }
            }
            d->hshdr[d->hshdr_have++] = cur_u8(&c);
            if (d->hshdr_have < 4) continue;
            d->hslen = (size_t)d->hshdr[1] << 16 | (size_t)d->hshdr[2] << 8 | d->hshdr[3];
            d->hshave = 0;
            if (d->hslen > HS_MSG_MAX) {
                char what[96];
                snprintf(what, sizeof what, "handshake message of %zu bytes over the %d-byte cap",
                         d->hslen, HS_MSG_MAX);
                tls_note_bad(s->t, dir, what);
                s->t->tls.buffer_cap_hit = true;
                td_transcript_event(s->t, TD_EV_HANDSHAKE, dir, d->hshdr[0], (uint32_t)d->hslen, packet, ts);
                d->hsskip = d->hslen;
                continue;
            }
            if (d->hslen == 0) {
                hs_message(s, dir, d->hshdr[0], NULL, 0, packet, ts);
                d->hshdr_have = 0;
            }
            continue;
        }
        size_t want = d->hslen - d->hshave;
        size_t k = cur_left(&c) < want ? cur_left(&c) : want;
        if (d->hshave + k > d->hscap) {         /* grow as bytes arrive, never to a lied length */
            size_t cap = d->hscap ? d->hscap : 1024;
            while (cap < d->hshave + k) cap *= 2;
            if (cap > d->hslen) cap = d->hslen;
            uint8_t *b = realloc(d->hsbuf, cap);
            if (!b) {
                s->t->tls.buffer_cap_hit = true;
                hs_reset(d);
                d->hs_lost = true;
                return;
            }
            d->hsbuf = b;
            d->hscap = cap;
        }
        memcpy(d->hsbuf + d->hshave, cur_bytes(&c, k), k);
        d->hshave += k;
        if (d->hshave == d->hslen) {
            hs_message(s, dir, d->hshdr[0], d->hsbuf, d->hslen, packet, ts);
            hs_reset(d);
        }
    }
}

/* ---- records ----------------------------------------------------------------------------- */

static void add_alert(td_tls_stream *s, int dir, uint8_t level, uint8_t code, bool encrypted,
                      uint64_t packet, double ts)
{
    td_tls *tls = &s->t->tls;
    tls->n_alerts_total++;
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

/* Are this direction's records protected?  After its ChangeCipherSpec they are, except for TLS
 * 1.3's compatibility CCS, which changes nothing (RFC 8446 D.4). */
static bool dir_protected(const td_tls *tls, int dir)
{
    return tls->encrypted[dir] || (tls->ccs[dir] && !td_version_is_tls13(tls->version));
}

/* A plaintext alert record holds whole 2-byte alerts.  One alert is taken as it is; several
 * must each look like an alert (level warning or fatal, an assigned description), else the
 * record is a protected one that happens to have an even length. */
static bool plausible_alerts(const uint8_t *a, size_t n)
{
    if (n == 2) return true;
    for (size_t i = 0; i + 1 < n; i += 2)
        if ((a[i] != 1 && a[i] != 2) || !td_alert_name(a[i + 1])) return false;
    return n >= 2 && n % 2 == 0;
}

static void add_heartbeat(td_tls_stream *s, int dir, const uint8_t *hdr, size_t have, bool encrypted,
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

/* Length of a TLS 1.3 Finished record: 4-byte header + verify_data + content type + AEAD tag. */
/* An application-data record.  Before TLS 1.3 its type is what it says; in TLS 1.3 every
 * protected record looks like this, and what it really holds (the rest of the handshake, a
 * ticket, an alert or data) is inferred later from the whole exchange (analyzer/diagnose/tls13_without_keys.c),
 * so here only its facts are kept: direction, length, packet, time. */
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
            r->len = (uint16_t)len;                /* <= REC_MAX_LEN: plausible_header checked it */
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

/* ---- decryption with a key log ------------------------------------------------------------ */

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

static inline void record_plain(td_tls_stream *s, int dir, uint64_t packet, double ts);
static inline void record_body(td_tls_stream *s, int dir, const uint8_t *p, size_t n, uint64_t packet, double ts);
static inline void record_end(td_tls_stream *s, int dir, uint64_t packet, double ts);

/* The ServerHello is known: look the connection up in the key log. */
static void dec_server_hello(td_tls_stream *s, const uint8_t *body, size_t len)
{
    dec_state *x = s->dec;
    td_tls *tls = &s->t->tls;
    x->tried = true;
    if (!x->have_random) {
        tls->dec->status = "the ClientHello is not in the capture: no client random to look up";
        return;
    }
    cursor c = cur_make(body, len);
    cur_u16(&c);
    const uint8_t *sr = cur_bytes(&c, 32);
    (void)cur_block8(&c);                          /* session ID */
    cur_u16(&c);                                   /* cipher suite (tls->cipher has it) */
    cur_u8(&c);                                    /* compression */
    bool etm = false;
    if (!c.bad && !cur_empty(&c)) {
        cursor exts = cur_block16(&c);
        while (!cur_empty(&exts) && !exts.bad) {
            uint16_t type = cur_u16(&exts);
            (void)cur_block16(&exts);
            if (type == 22 && !exts.bad) etm = true;   /* encrypt_then_mac (RFC 7366) */
        }
    }
    if (!sr || c.bad) {
        tls->dec->status = "the ServerHello did not parse";
        return;
    }
    memcpy(x->server_random, sr, 32);
    x->etm = etm;
    x->server_hello = true;
    dec_lookup(s);
}

/* Look the connection up in the key log: at its ServerHello, and again while it has no keys
 * whenever the key log has grown (live mode: the client writes it as it goes). */
static void dec_lookup(td_tls_stream *s)
{
    dec_state *x = s->dec;
    td_tls *tls = &s->t->tls;
    const char *why = NULL;
    x->keys_seen = td_keylog_count(x->keylog);
    x->k = td_tlsdec_new(x->keylog, x->client_random, x->server_random, tls->version, (uint16_t)tls->cipher, x->etm, &why);
    uint8_t master[48];
    if (!x->k && !td_version_is_tls13(tls->version)) {
        /* A resumption the client did not log: the session's master secret may be known from the
         * connection that made it (by the session ID the server echoed, or the ticket offered). */
        bool known = (tls->resumed && td_keylog_find_session(x->keylog, tls->session_id_s, tls->session_id_s_len, master)) ||
                     (x->ticket && td_keylog_find_session(x->keylog, x->ticket, x->ticket_len, master));
        const char *why2 = NULL;
        if (known) x->k = td_tlsdec_new_master(master, x->client_random, x->server_random, tls->version,
                                               (uint16_t)tls->cipher, x->etm, &why2);
        if (why2) why = why2;
    }
    if (x->k && tls->session_id_s_len && td_tlsdec_master(x->k, master))
        td_keylog_add_session(x->keylog, tls->session_id_s, tls->session_id_s_len, master);
    tls->dec->status = x->k ? "no protected record could be opened" : why;
    if (!x->k && !x->wait && x->n_pending) dec_give_up(s);   /* held 0-RTT records: no keys will come */
    if (x->k) {
        for (int dir = 0; dir < 2; dir++) {
            if (tls->ccs[dir]) td_tlsdec_ccs(x->k, dir);   /* TLS 1.2: already past it */
            td_tlsdec_skip(x->k, dir, x->missed[dir]);
        }
        dec_flush(s);                                  /* the records held meanwhile, in order */
    }
}

/* The session ticket a ClientHello offers (to find the master secret of a resumption). */
static void dec_client_hello(td_tls_stream *s, const uint8_t *body, size_t len)
{
    cursor c = cur_make(body, len);
    cur_skip(&c, 34);
    (void)cur_block8(&c);                          /* session ID */
    (void)cur_block16(&c);                         /* cipher suites */
    (void)cur_block8(&c);                          /* compression */
    cursor exts = cur_block16(&c);
    while (!c.bad && !cur_empty(&exts) && !exts.bad) {
        uint16_t type = cur_u16(&exts);
        cursor ext = cur_block16(&exts);
        if (type == 35 && !exts.bad && !cur_empty(&ext)) {
            free(s->dec->ticket);
            s->dec->ticket_len = 0;
            if ((s->dec->ticket = malloc(cur_left(&ext))) != NULL) {
                s->dec->ticket_len = cur_left(&ext);
                memcpy(s->dec->ticket, ext.p, s->dec->ticket_len);
            }
        }
    }
}

/* TLS 1.2 NewSessionTicket (RFC 5077): a later connection may offer this ticket to resume. */
static void dec_ticket(td_tls_stream *s, const uint8_t *body, size_t len)
{
    cursor c = cur_make(body, len);
    cur_u32(&c);                                   /* ticket_lifetime_hint */
    cursor ticket = cur_block16(&c);
    uint8_t master[48];
    if (!c.bad && !cur_empty(&ticket) && s->dec->k && td_tlsdec_master(s->dec->k, master))
        td_keylog_add_session(s->dec->keylog, ticket.p, cur_left(&ticket), master);
}

/* Is this record one to open?  TLS 1.3: every application_data record after the ServerHello;
 * earlier versions: alert, handshake and application data after this side's ChangeCipherSpec. */
static bool dec_wants(td_tls_stream *s, int dir)
{
    const td_tls *tls = &s->t->tls;
    dec_state *x = s->dec;
    uint8_t type = s->d[dir].rtype;
    /* 0-RTT: the client's early data comes before the ServerHello that tells the version and
     * suite; it waits for them (and is opened with the early secret, or counted as any record). */
    if (!tls->server_hello && dir == TD_C2S && type == CT_APPDATA && tls->early_data_offered && tls->client_hello)
        return x->n_pending < PENDING_MAX;
    bool prot = td_version_is_tls13(tls->version) ? type == CT_APPDATA && tls->server_hello
                                                       : tls->ccs[dir] && (type == CT_APPDATA || type == CT_ALERT || type == CT_HANDSHAKE);
    if (!prot) return false;
    if (!x->k && x->server_hello && td_keylog_count(x->keylog) != x->keys_seen) dec_lookup(s);
    if (!x->k && x->wait && x->server_hello) return true;  /* held until the keys come */
    if (!x->k) {
        if (x->missed[dir] < UINT32_MAX) x->missed[dir]++;
        return false;
    }
    return td_tlsdec_ready(x->k, dir);
}

static void dec_begin(td_tls_stream *s, int dir, const uint8_t *h, uint64_t packet, double ts)
{
    dec_rec *r = &s->dec->rec[dir];
    if (!r->buf && !(r->buf = malloc(REC_MAX_LEN))) return;   /* then it goes the usual way */
    r->dir = (uint8_t)dir;
    memcpy(r->hdr, h, 5);
    r->have = 0;
    r->packet = packet;
    r->ts = ts;
    r->early = !s->t->tls.server_hello;
    s->d[dir].rdec = true;
    s->t->tls.encrypted[dir] = true;
}

static void dec_body(td_tls_stream *s, int dir, const uint8_t *p, size_t n)
{
    dec_rec *r = &s->dec->rec[dir];
    size_t rlen = (size_t)r->hdr[3] << 8 | r->hdr[4];       /* <= REC_MAX_LEN */
    size_t k = n < rlen - r->have ? n : rlen - r->have;
    memcpy(r->buf + r->have, p, k);
    r->have += k;
}

/* A record that could not be opened (no keys, failed authentication, cut short) is counted as
 * the parser counts any protected record; the record the parser is in the middle of (this
 * direction may be inside another one) is left as it was. */
static void dec_replay(td_tls_stream *s, int dir, dec_rec *r, bool whole)
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
static void dec_plain(td_tls_stream *s, int dir, uint8_t type, const uint8_t *p, size_t n, uint64_t packet, double ts)
{
    td_tls *tls = &s->t->tls;
    size_t first = s->t->n_events;
    switch (type) {
    case CT_HANDSHAKE:
        if (s->d[dir].hs_lost) {
            hs_reset(&s->d[dir]);
            s->d[dir].hs_lost = false;
        }
        hs_feed(s, dir, p, n, packet, ts);
        break;
    case CT_ALERT:
        if (n >= 2 && n % 2 == 0) {
            for (size_t i = 0; i + 1 < n; i += 2) add_alert(s, dir, p[i], p[i + 1], false, packet, ts);
        } else {
            tls_note_bad(s->t, dir, "decrypted alert record of odd length");
            add_alert(s, dir, 0, 0, true, packet, ts);
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
        tls_note_bad(s->t, dir, "decrypted record of an unknown content type");
        td_transcript_event(s->t, TD_EV_UNKNOWN_RECORD, dir, type, (uint32_t)n, packet, ts);
        break;
    }
    for (size_t i = first; i < s->t->n_events; i++) s->t->events[i].flags |= TD_EVF_DECRYPTED;
}

/* Keep the opened record in the list the verbose report gives (for cross-checks). */
static void dec_list(td_decrypt_facts *f, int dir, uint8_t outer, uint8_t inner, size_t len, size_t first,
                     size_t end, uint64_t packet)
{
    if (f->n_recs >= TD_MAX_DEC_RECORDS) return;
    if (f->n_recs == 0 || (f->n_recs >= 8 && (f->n_recs & (f->n_recs - 1)) == 0)) {
        size_t cap = f->n_recs ? f->n_recs * 2 : 8;     /* room for 8, 16, ... 256 */
        td_dec_record *r = realloc(f->recs, cap * sizeof *r);
        if (!r) return;
        f->recs = r;
    }
    td_dec_record *r = &f->recs[f->n_recs++];
    r->dir = (uint8_t)dir;
    r->outer = outer;
    r->inner = inner;
    r->len = (uint16_t)(len > UINT16_MAX ? UINT16_MAX : len);
    r->first_event = (uint32_t)first;
    r->end_event = (uint32_t)end;
    r->packet = packet;
}

/* Open a whole record and feed what it holds; one that does not open goes the usual way. */
static void dec_open(td_tls_stream *s, dec_rec *r)
{
    dec_state *x = s->dec;
    td_decrypt_facts *f = s->t->tls.dec;
    int dir = r->dir;
    size_t rlen = (size_t)r->hdr[3] << 8 | r->hdr[4];
    uint8_t type = 0;
    size_t off = 0, n = 0;
    const char *why = NULL;
    if (x->k && r->have == rlen && td_tlsdec_open(x->k, dir, r->hdr, r->buf, r->have, &type, &off, &n, &why)) {
        f->decrypted = true;
        f->status = NULL;
        if (f->records[dir] < UINT32_MAX) f->records[dir]++;
        if (td_tlsdec_early_phase(x->k, dir) && f->early[0] < UINT32_MAX) f->early[0]++;
        size_t first = s->t->n_events;
        dec_plain(s, dir, type, r->buf + off, n, r->packet, r->ts);
        dec_list(f, dir, r->hdr[0], type, rlen, first, s->t->n_events, r->packet);
        return;
    }
    const td_tls *tls = &s->t->tls;
    if (x->k && dir == TD_C2S && td_version_is_tls13(tls->version) && tls->early_data_offered && !f->records[TD_C2S] &&
        !td_tlsdec_has_early(x->k)) {
        if (f->early[1] < UINT32_MAX) f->early[1]++;   /* 0-RTT data whose secret the client did not log */
    } else if (x->k) {
        if (f->failed[dir] < UINT32_MAX) f->failed[dir]++;
        if (!f->decrypted) f->status = "records failed authentication: the key log does not belong to this connection";
    }
    dec_replay(s, dir, r, r->have == rlen);
}

/* The keys came: open the records held meanwhile, in order. */
static void dec_flush(td_tls_stream *s)
{
    dec_state *x = s->dec;
    dec_rec *p = x->pending;
    size_t n = x->n_pending;
    x->pending = NULL;
    x->n_pending = 0;
    for (size_t i = 0; i < n; i++) {
        dec_open(s, &p[i]);
        free(p[i].buf);
    }
    free(p);
}

/* No keys for the records held (the connection ends, or too many wait): they go the usual way,
 * and later records are not held any more. */
static void dec_give_up(td_tls_stream *s)
{
    dec_state *x = s->dec;
    if (!x->k && x->server_hello && td_keylog_count(x->keylog) != x->keys_seen) {
        dec_lookup(s);                             /* the key log grew since: one more look */
        if (x->k) return;                          /* (and the records held are opened) */
    }
    x->wait = false;
    if (!x->k) {
        for (size_t i = 0; i < x->n_pending; i++) x->missed[x->pending[i].dir]++;
    }
    dec_flush(s);                                  /* without keys: each is replayed */
}

static void dec_end(td_tls_stream *s, int dir)
{
    dec_state *x = s->dec;
    dec_rec *r = &x->rec[dir];
    s->d[dir].rdec = false;
    if (!x->k && (x->wait || !x->server_hello)) {
        dec_rec *p = x->n_pending < PENDING_MAX ? realloc(x->pending, (x->n_pending + 1) * sizeof *p) : NULL;
        if (p) {                                   /* held: its buffer moves to the list */
            x->pending = p;
            p[x->n_pending++] = *r;
            r->buf = NULL;
            return;
        }
        dec_give_up(s);
    }
    dec_open(s, r);
}

/* A record header has been read: decide what to do with its body.  (Inlined by force: this is
 * the per-record hot path, and it has a second caller, dec_replay.) */
__attribute__((always_inline)) static inline void record_plain(td_tls_stream *s, int dir, uint64_t packet, double ts)
{
    td_tls *tls = &s->t->tls;
    dir_parser *d = &s->d[dir];
    if (d->rlen == 0) {
        tls->empty_records[dir]++;
        if (d->rtype != CT_APPDATA) tls_note_bad(s->t, dir, "zero-length record");
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
        else add_alert(s, dir, 0, 0, true, packet, ts);
        break;
    case CT_HANDSHAKE:
        if (tls->encrypted[dir] && !td_version_is_tls13(tls->version)) {
            if (!tls->finished[dir]) tls->finished[dir] = true;   /* first record after CCS */
            tls->enc_hs_records[dir]++;
            tls->enc_hs_bytes[dir] += d->rlen;
            td_transcript_event(s->t, TD_EV_ENCRYPTED_HANDSHAKE, dir, CT_HANDSHAKE, (uint32_t)d->rlen, packet, ts);
        } else {
            d->rkeep = true;
            if (d->hs_lost) {                      /* resume framing at a record boundary */
                hs_reset(d);
                d->hs_lost = false;
            }
        }
        break;
    case CT_HEARTBEAT:
        /* RFC 6520.  Protected after this side's CCS; TLS 1.3 has no heartbeat, and any record
         * after its ServerHello is protected.  In the clear only the 3-byte header is read. */
        tls->heartbeat = true;
        if (dir_protected(tls, dir) || (td_version_is_tls13(tls->version) && tls->server_hello))
            add_heartbeat(s, dir, NULL, 0, true, packet, ts);
        else
            d->rkeep = true;
        break;
    default:
        break;
    }
}

static void record_start(td_tls_stream *s, int dir, const uint8_t *h, uint64_t packet, double ts)
{
    td_tls *tls = &s->t->tls;
    dir_parser *d = &s->d[dir];
    uint16_t version = (uint16_t)(h[1] << 8 | h[2]);
    record_header(d, h);
    if (!tls->record_version[dir]) tls->record_version[dir] = version;
    if (s->dec && !s->replaying && d->rlen > 0 && dec_wants(s, dir)) {
        dec_begin(s, dir, h, packet, ts);
        return;
    }
    record_plain(s, dir, packet, ts);
}

__attribute__((always_inline)) static inline void record_body(td_tls_stream *s, int dir, const uint8_t *p, size_t n, uint64_t packet,
                        double ts)
{
    dir_parser *d = &s->d[dir];
    if (d->rdec) {
        dec_body(s, dir, p, n);
        return;
    }
    d->rbody += n;
    if (!d->rkeep) return;
    if (d->rtype == CT_HANDSHAKE) {
        hs_feed(s, dir, p, n, packet, ts);
    } else if (d->rtype == CT_ALERT) {
        for (size_t i = 0; i < n && d->alert_have < ALERT_BUF; i++) d->alert[d->alert_have++] = p[i];
    } else if (d->rtype == CT_HEARTBEAT) {
        for (size_t i = 0; i < n && d->hb_have < HB_HEADER; i++) d->hb[d->hb_have++] = p[i];
        if (d->hb_have == HB_HEADER) {             /* the rest (payload, padding) is not needed */
            add_heartbeat(s, dir, d->hb, d->hb_have, false, packet, ts);
            d->rkeep = false;
        }
    }
}

__attribute__((always_inline)) static inline void record_end(td_tls_stream *s, int dir, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    flush_body(s, dir);
    if (d->rdec) {
        dec_end(s, dir);
        return;
    }
    if (!d->rkeep) return;
    if (d->rtype == CT_ALERT && d->alert_have == d->rlen) {
        if (!plausible_alerts(d->alert, d->alert_have)) {
            add_alert(s, dir, 0, 0, true, packet, ts);
        } else {
            for (size_t i = 0; i + 1 < d->alert_have; i += 2)
                add_alert(s, dir, d->alert[i], d->alert[i + 1], false, packet, ts);
        }
    } else if (d->rtype == CT_HEARTBEAT) {         /* shorter than its own header */
        add_heartbeat(s, dir, d->hb, d->hb_have, false, packet, ts);
        tls_note_bad(s->t, dir, "heartbeat record shorter than its 3-byte header");
    }
}

/* ---- an SSLv2 session after the hellos ----------------------------------------------------- */

static void sslv2_encrypted(td_tls_stream *s, int dir, size_t len, uint64_t packet, double ts)
{
    td_tls *tls = &s->t->tls;
    s->d[dir].v2_encrypted = true;
    if (!tls->sslv2_enc_records[dir]) tls->sslv2_first_enc_packet[dir] = packet;
    if (tls->sslv2_enc_records[dir] < UINT32_MAX) tls->sslv2_enc_records[dir]++;
    tls->sslv2_enc_bytes[dir] += len;
    td_transcript_event(s->t, TD_EV_SSL2_ENCRYPTED, dir, 0, (uint32_t)len, packet, ts);
}

/* Is this direction of an SSLv2 session encrypted now?  The client after its CLIENT-MASTER-KEY,
 * the server once it has received it; both right after a SERVER-HELLO that resumed a session,
 * and both once either side has sent a record that could only be encrypted (a master key the
 * capture missed or could not read). */
static bool sslv2_dir_encrypted(const td_tls_stream *s)
{
    const td_tls *tls = &s->t->tls;
    return s->d[0].v2_encrypted || s->d[1].v2_encrypted || tls->sslv2_master_key || tls->sslv2_session_id_hit;
}

/* Could a record of this length be a message in the clear: an ERROR (3 bytes), or from the
 * client a CLIENT-MASTER-KEY (10 bytes and its keys)? */
static bool sslv2_clear_len(int dir, size_t len)
{
    return len == 3 || (dir == TD_C2S && len >= 10);
}

/* SSLv2 records: a 2-byte header (high bit set; 15-bit length) or a 3-byte one (14-bit length,
 * then the padding count; only block ciphers pad, so it is always encrypted).  A record in the
 * clear is assembled and must be a CLIENT-MASTER-KEY or an ERROR; encrypted ones are skipped. */
static void sslv2_feed(td_tls_stream *s, int dir, cursor *c, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    while (!cur_empty(c)) {
        if (d->v2buf) {                                      /* a clear record being assembled */
            size_t k = d->v2len - d->v2have < cur_left(c) ? d->v2len - d->v2have : cur_left(c);
            memcpy(d->v2buf + d->v2have, cur_bytes(c, k), k);
            d->v2have += k;
            if (d->v2have < d->v2len) return;
            if (!tls_sslv2_clear_message(s->t, dir, d->v2buf, d->v2len, packet, ts))
                sslv2_encrypted(s, dir, d->v2len, packet, ts);
            free(d->v2buf);
            d->v2buf = NULL;
            d->v2len = d->v2have = 0;
            continue;
        }
        if (d->rleft) {                                      /* an encrypted record's body */
            size_t k = cur_left(c) < d->rleft ? cur_left(c) : d->rleft;
            cur_skip(c, k);
            d->rleft -= k;
            continue;
        }
        while (d->hdr_have < 2 && !cur_empty(c)) d->hdr[d->hdr_have++] = cur_u8(c);
        if (d->hdr_have < 2) return;
        bool three = !(d->hdr[0] & 0x80);
        if (three) {
            if (d->hdr_have < 3 && !cur_empty(c)) d->hdr[d->hdr_have++] = cur_u8(c);
            if (d->hdr_have < 3) return;
        }
        size_t len = (size_t)(d->hdr[0] & (three ? 0x3f : 0x7f)) << 8 | d->hdr[1];
        size_t pad = three ? d->hdr[2] : 0;
        d->hdr_have = 0;
        if (len == 0 || pad > len) {
            char what[80];
            snprintf(what, sizeof what, "SSLv2 record of %zu bytes with %zu bytes of padding", len, pad);
            tls_note_bad(s->t, dir, what);
            if (len == 0) continue;
        }
        if (three || sslv2_dir_encrypted(s) || !sslv2_clear_len(dir, len)) {
            sslv2_encrypted(s, dir, len, packet, ts);
            d->rleft = len;
            continue;
        }
        d->v2buf = malloc(len);                              /* at most 32767 bytes */
        if (!d->v2buf) {
            d->state = ST_DEAD;
            return;
        }
        d->v2len = len;
        d->v2have = 0;
    }
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
    flush_body(s, dir);
    d->rleft = 0;
    d->rkeep = false;
    hs_reset(d);
    d->state = ST_SSLV2_RECORDS;
    cursor c = cur_make(held, n);
    sslv2_feed(s, dir, &c, packet, ts);
}

/* The SSLv2 record a stream began with (a hello, or the server's ERROR) is complete. */
static void sslv2_first_record(td_tls_stream *s, int dir, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    if (!tls_sslv2_record(s->t, dir, d->v2buf, d->v2len, packet, ts))
        tls_note_bad(s->t, dir, "malformed SSLv2 hello");
    free(d->v2buf);
    d->v2buf = NULL;
    d->v2len = d->v2have = 0;
    /* The server's SSLv2 answer makes the whole connection SSLv2; a client's SSLv2 hello may
     * still be answered in TLS. */
    if (dir == TD_S2C) s->v2_session = true;
    d->state = s->v2_session ? ST_SSLV2_RECORDS : ST_TLS;
}

/* ---- the stream -------------------------------------------------------------------------- */

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

/* The stream began with the 5 bytes `first`, which are not TLS; the rest of the delivery
 * (`nrest` bytes) is then scanned as plaintext by the caller. */
static void not_tls(td_tls_stream *s, int dir, const uint8_t *first, size_t nfirst, size_t nrest,
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
}

/* Keep the last bytes seen (at most max <= 5) in d->hdr: a header may straddle this delivery
 * and the next. */
static void keep_tail(dir_parser *d, const uint8_t *p, size_t n, size_t max)
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

/* Offset of a hello record (ClientHello from the client, ServerHello from the server) in
 * plaintext, as after STARTTLS; len if none. */
static size_t find_hello(const uint8_t *data, size_t len, int dir)
{
    uint8_t want = dir == TD_C2S ? 1 : 2;
    for (const uint8_t *p = data; (p = memchr(p, 22, (size_t)(data + len - p))) != NULL; p++) {
        size_t i = (size_t)(p - data);
        if (i + 6 > len) break;
        if (p[1] == 3 && p[2] <= 4 && p[5] == want && plausible_header(p)) return i;
    }
    return len;
}

static size_t find_any_header(const uint8_t *data, size_t len, int dir)
{
    (void)dir;
    return find_header(data, len);
}

/* The tail kept from the last delivery (d->hdr, under 5 bytes) and the start of this one may
 * hold a header that straddles them.  If `find` sees one starting in the tail, keep the tail
 * from there on in d->hdr and return true. */
static bool straddling(dir_parser *d, const cursor *c, size_t (*find)(const uint8_t *, size_t, int), int dir)
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

void td_tls_stream_data(td_tls_stream *s, int dir, const uint8_t *data, size_t len,
                        uint64_t packet, double ts)
{
    if (!s || dir < 0 || dir > 1 || !data) return;
    dir_parser *d = &s->d[dir];
    td_tls *tls = &s->t->tls;
    cursor c = cur_make(data, len);

    while (!cur_empty(&c)) {
        switch (d->state) {
        case ST_DEAD:
            return;

        case ST_PLAINTEXT: {
            size_t n = cur_left(&c);
            if (straddling(d, &c, find_hello, dir)) {
                tls->starttls = true;
                d->state = ST_TLS;
                break;
            }
            size_t off = find_hello(c.p, n, dir);
            sniff_more(s, dir, c.p, off);
            d->plaintext_seen += off;
            if (off == n) {
                keep_tail(d, c.p, n, 5);
                if (d->plaintext_seen > PLAINTEXT_SCAN_MAX) {
                    d->state = ST_DEAD;
                    d->hdr_have = 0;
                }
                return;
            }
            d->hdr_have = 0;
            cur_skip(&c, off);
            tls->starttls = true;
            d->state = ST_TLS;
            break;
        }

        case ST_START: {
            while (d->hdr_have < 5 && !cur_empty(&c)) d->hdr[d->hdr_have++] = cur_u8(&c);
            if (d->hdr_have < 5) return;
            size_t v2 = tls_sslv2_record_len(d->hdr, 5, dir);
            if (plausible_header(d->hdr)) {
                d->state = ST_TLS;
                d->hdr_have = 0;
                record_start(s, dir, d->hdr, packet, ts);
            } else if (tls_shaped(d->hdr)) {
                bad_header(s, dir, d->hdr, packet, ts);   /* TLS whose record length lies, not plaintext */
            } else if (v2) {
                d->state = ST_SSLV2;
                d->v2len = v2;
                d->v2buf = malloc(v2);
                if (!d->v2buf) { d->state = ST_DEAD; return; }
                memcpy(d->v2buf, d->hdr, 5);
                d->v2have = 5;
                d->hdr_have = 0;
                if (d->v2have == d->v2len) sslv2_first_record(s, dir, packet, ts);  /* a 5-byte ERROR */
            } else if (s->t->tcp.midstream) {
                d->state = ST_RESYNC;              /* joined mid-connection: find a record header */
                memmove(d->hdr, d->hdr + 1, 4);    /* one may begin in the bytes after the first */
                d->hdr_have = 4;
            } else {
                not_tls(s, dir, d->hdr, 5, cur_left(&c), packet, ts);
            }
            break;
        }

        case ST_SSLV2: {
            size_t k = d->v2len - d->v2have < cur_left(&c) ? d->v2len - d->v2have : cur_left(&c);
            memcpy(d->v2buf + d->v2have, cur_bytes(&c, k), k);
            d->v2have += k;
            if (d->v2have < d->v2len) return;
            sslv2_first_record(s, dir, packet, ts);
            break;
        }

        case ST_SSLV2_RECORDS:
            sslv2_feed(s, dir, &c, packet, ts);
            break;

        case ST_RESYNC: {
            size_t n = cur_left(&c);
            if (straddling(d, &c, find_any_header, dir)) {
                d->state = ST_TLS;
                d->hs_lost = true;
                break;
            }
            size_t off = find_header(c.p, n);
            if (off == n) {
                keep_tail(d, c.p, n, 4);
                return;
            }
            d->hdr_have = 0;
            cur_skip(&c, off);
            d->state = ST_TLS;
            d->hs_lost = true;
            break;
        }

        case ST_TLS:
            if (s->v2_session) {
                to_sslv2_records(s, dir, packet, ts);
                break;
            }
            if (d->rleft == 0) {
                const uint8_t *h;
                if (d->hdr_have == 0 && cur_left(&c) >= 5) {
                    h = cur_bytes(&c, 5);
                } else {
                    while (d->hdr_have < 5 && !cur_empty(&c)) d->hdr[d->hdr_have++] = cur_u8(&c);
                    if (d->hdr_have < 5) return;
                    h = d->hdr;
                }
                d->hdr_have = 0;
                if (!plausible_header(h)) {
                    bad_header(s, dir, h, packet, ts);
                    break;
                }
                record_start(s, dir, h, packet, ts);
                if (d->rleft == 0) record_end(s, dir, packet, ts);
                break;
            }
            size_t k = cur_left(&c) < d->rleft ? cur_left(&c) : d->rleft;
            record_body(s, dir, cur_bytes(&c, k), k, packet, ts);
            d->rleft -= k;
            if (d->rleft == 0) record_end(s, dir, packet, ts);
            break;
        }
    }
}

void td_tls_stream_gap(td_tls_stream *s, int dir, uint64_t bytes, uint64_t packet, double ts)
{
    if (!s || dir < 0 || dir > 1) return;
    dir_parser *d = &s->d[dir];
    if (d->rdec) {                                /* a record with a hole cannot be opened */
        if (s->dec->n_pending) dec_give_up(s);
        d->rdec = false;
        dec_replay(s, dir, &s->dec->rec[dir], false);
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
                hs_reset(d);
                d->hs_lost = true;
            }
            return;
        }
        break;
    default:
        break;
    }
    hs_reset(d);
    free(d->v2buf);
    d->v2buf = NULL;
    d->v2len = d->v2have = 0;
    free(d->sniff);
    d->sniff = NULL;
    d->sniff_have = 0;
    d->hdr_have = 0;
    flush_body(s, dir);
    d->rleft = 0;
    d->hs_lost = true;
    d->state = ST_RESYNC;
}
