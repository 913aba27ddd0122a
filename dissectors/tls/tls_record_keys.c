/* tls_record_keys.c - the keys of a connection's protected records, looked up in the key log, and
 * the records held while they are not there yet.
 *
 * A record to be opened is buffered whole (at most REC_MAX_LEN) and opened at its end; one that
 * does not open, or that waited for keys that never came, goes back to the record layer to be
 * counted as any protected record.  The record layer sits above this file: it hands over its two
 * entry points for that (dec_state.sink) so that this file never calls up into it. */
#include <stdlib.h>
#include <string.h>

#include "dissectors/tls/tls_stream_int.h"

#define PENDING_MAX 32                   /* records held while a live key log may still bring keys */

static void dec_lookup(td_tls_stream *s);
static void dec_flush(td_tls_stream *s);
static void dec_flush_ready(td_tls_stream *s);

/* The ServerHello is known: look the connection up in the key log. */
void tls_dec_server_hello(td_tls_stream *s, const uint8_t *body, size_t len)
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
    if (!x->k && !x->wait && x->n_pending) tls_dec_give_up(s);   /* held 0-RTT records: no keys will come */
    if (x->k) {
        for (int dir = 0; dir < 2; dir++) {
            if (tls->ccs[dir]) td_tlsdec_ccs(x->k, dir);   /* TLS 1.2: already past it */
            td_tlsdec_skip(x->k, dir, x->missed[dir]);
        }
        dec_flush_ready(s);                            /* the records held meanwhile, in order */
    }
}

/* TLS 1.3 with a key log that grows (live): the keys of one side can come after the other's
 * (OpenSSL's client logs the server's secrets first, its own after the server's Finished).  A
 * side still without keys waits for them, as a connection without any does. */
static bool side_waits(const td_tls_stream *s, int dir)
{
    const dec_state *x = s->dec;
    return x->k && x->wait && td_version_is_tls13(s->t->tls.version) && !td_tlsdec_ready(x->k, dir);
}

/* The key log grew: the secrets the decryptor lacked, and the records held for them. */
static void dec_refresh(td_tls_stream *s)
{
    dec_state *x = s->dec;
    x->keys_seen = td_keylog_count(x->keylog);
    if (td_tlsdec_refresh(x->k, x->keylog, x->client_random)) dec_flush_ready(s);
}

/* The session ticket a ClientHello offers (to find the master secret of a resumption). */
void tls_dec_client_hello(td_tls_stream *s, const uint8_t *body, size_t len)
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
void tls_dec_ticket(td_tls_stream *s, const uint8_t *body, size_t len)
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
bool tls_dec_wants(td_tls_stream *s, int dir)
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
    if (side_waits(s, dir)) {
        if (td_keylog_count(x->keylog) != x->keys_seen) dec_refresh(s);
        if (side_waits(s, dir)) return true;               /* held until this side's keys come */
    }
    if (!x->k) {
        if (x->missed[dir] < UINT32_MAX) x->missed[dir]++;
        return false;
    }
    return td_tlsdec_ready(x->k, dir);
}

void tls_dec_begin(td_tls_stream *s, int dir, const uint8_t *h, uint64_t packet, double ts)
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

void tls_dec_body(td_tls_stream *s, int dir, const uint8_t *p, size_t n)
{
    dec_rec *r = &s->dec->rec[dir];
    size_t rlen = (size_t)r->hdr[3] << 8 | r->hdr[4];       /* <= REC_MAX_LEN */
    size_t k = n < rlen - r->have ? n : rlen - r->have;
    memcpy(r->buf + r->have, p, k);
    r->have += k;
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

/* Open a whole record and feed what it holds; one that does not open goes the usual way (both
 * back in the record layer). */
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
        x->sink->opened(s, dir, type, r->buf + off, n, r->packet, r->ts);
        dec_list(f, dir, r->hdr[0], type, rlen, first, s->t->n_events, r->packet);
        return;
    }
    const td_tls *tls = &s->t->tls;
    if (x->k && dir == TD_C2S && td_version_is_tls13(tls->version) && tls->early_data_offered && !f->records[TD_C2S] &&
        !td_tlsdec_has_early(x->k)) {
        if (f->early[1] < UINT32_MAX) f->early[1]++;   /* 0-RTT data whose secret the client did not log */
    } else if (x->k && td_tlsdec_ready(x->k, dir)) {   /* (no keys for this side: not a failure) */
        if (f->failed[dir] < UINT32_MAX) f->failed[dir]++;
        if (!f->decrypted) f->status = "records failed authentication: the key log does not belong to this connection";
    }
    x->sink->unopened(s, dir, r, r->have == rlen);
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

/* Some keys came (a live key log): open the held records of the sides that have keys now, in
 * order, and keep holding the others'.  Not waiting any more: every record held goes. */
static void dec_flush_ready(td_tls_stream *s)
{
    dec_state *x = s->dec;
    if (!x->wait || !x->k) {
        dec_flush(s);
        return;
    }
    dec_rec *p = x->pending;
    size_t n = x->n_pending, keep = 0;
    x->pending = NULL;
    x->n_pending = 0;
    for (size_t i = 0; i < n; i++) {
        if (td_tlsdec_ready(x->k, p[i].dir) || !td_version_is_tls13(s->t->tls.version)) {
            dec_open(s, &p[i]);                    /* (a Finished opened here can make a side wait) */
            free(p[i].buf);
        } else {
            p[keep++] = p[i];
        }
    }
    if (keep && !x->n_pending) {
        x->pending = p;
        x->n_pending = keep;
        return;
    }
    for (size_t i = 0; i < keep; i++) free(p[i].buf);   /* (nothing is held meanwhile: never) */
    free(p);
}

/* No keys for the records held (the connection ends, or too many wait): they go the usual way,
 * and later records are not held any more. */
void tls_dec_give_up(td_tls_stream *s)
{
    dec_state *x = s->dec;
    if (x->server_hello && td_keylog_count(x->keylog) != x->keys_seen) {
        if (!x->k) dec_lookup(s);                  /* the key log grew since: one more look */
        else dec_refresh(s);
        if (x->k && !x->n_pending) return;         /* (and the records held are opened) */
    }
    x->wait = false;
    if (!x->k) {
        for (size_t i = 0; i < x->n_pending; i++) x->missed[x->pending[i].dir]++;
    }
    dec_flush(s);                                  /* without keys: each is replayed */
}

/* The record being read to be opened is whole (or cut short): open it, or hold it while the keys
 * may still come. */
void tls_dec_end(td_tls_stream *s, int dir)
{
    dec_state *x = s->dec;
    dec_rec *r = &x->rec[dir];
    s->d[dir].rdec = false;
    if ((!x->k && (x->wait || !x->server_hello)) || side_waits(s, dir)) {
        dec_rec *p = x->n_pending < PENDING_MAX ? realloc(x->pending, (x->n_pending + 1) * sizeof *p) : NULL;
        if (p) {                                   /* held: its buffer moves to the list */
            x->pending = p;
            p[x->n_pending++] = *r;
            r->buf = NULL;
            return;
        }
        tls_dec_give_up(s);
    }
    dec_open(s, r);
}
