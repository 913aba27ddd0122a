/* tls_sslv2.c - SSLv2 records and messages, as still met at the start of a connection.
 *
 * The SSLv2-compatible ClientHello of old clients (RFC 5246 appendix E.2), and a real SSL 2.0
 * session with servers that still speak it: SERVER-HELLO (or an ERROR instead), the client's
 * CLIENT-MASTER-KEY (or an ERROR), then only encrypted records, which are counted.  Message
 * layouts: the SSL 2.0 draft (Hickman, 1995), "SSL Handshake Protocol" and "Error Messages". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/cursor.h"
#include "dissectors/dissect.h"
#include "dissectors/tls/tls_stream_int.h"

enum { SSL2_ERROR = 0, SSL2_CLIENT_HELLO = 1, SSL2_CLIENT_MASTER_KEY = 2, SSL2_SERVER_HELLO = 4 };

/* An ERROR message: type 0 and a 2-byte ERROR-CODE, one of the four the draft defines. */
static bool sslv2_error_shaped(const uint8_t *body, size_t len)
{
    return len == 3 && body[0] == SSL2_ERROR && body[1] == 0 && td_sslv2_error_name(body[2]) != NULL;
}

size_t tls_sslv2_record_len(const uint8_t *data, size_t len, int dir)
{
    if (len < 5 || !(data[0] & 0x80)) return 0;
    size_t rlen = (size_t)(data[0] & 0x7f) << 8 | data[1];
    if (dir == TD_C2S) {
        bool version_ok = (data[3] == 0x00 && data[4] == 0x02) || (data[3] == 0x03 && data[4] <= 0x04);
        if (data[2] != SSL2_CLIENT_HELLO || !version_ok || rlen < 9) return 0;
    } else {
        if (rlen == 3 && sslv2_error_shaped(data + 2, 3)) return 5;   /* ERROR instead of a hello */
        if (data[2] != SSL2_SERVER_HELLO || rlen < 11) return 0;
        if (len >= 7 && !(data[5] == 0x00 && data[6] == 0x02)) return 0;
    }
    return rlen + 2;
}

static void client_hello(td_transcript *t, cursor *c, uint64_t packet)
{
    td_tls *tls = &t->tls;
    uint16_t version = cur_u16(c);
    uint16_t specs_len = cur_u16(c);
    uint16_t sid_len = cur_u16(c);
    uint16_t challenge_len = cur_u16(c);
    cursor specs = cur_sub(c, specs_len);
    cur_skip(c, sid_len);
    cur_skip(c, challenge_len);
    tls->client_hello = true;
    tls->sslv2_client_hello = true;
    tls->client_hello_packet = packet;
    tls->client_legacy_version = version;
    tls->n_offered_versions = 0;
    tls->offered_versions[tls->n_offered_versions++] = version;
    if (specs.bad) return;
    /* Each spec is 3 bytes: 00 xx yy is a TLS suite, anything else an SSLv2 cipher kind. */
    size_t total = cur_left(&specs) / 3, keep = 0;
    uint16_t *list = total ? realloc(tls->offered_ciphers, (total < TD_MAX_CIPHERS ? total : TD_MAX_CIPHERS) * sizeof *list) : NULL;
    while (cur_left(&specs) >= 3) {
        uint8_t hi = cur_u8(&specs);
        uint16_t lo = cur_u16(&specs);
        if (hi == 0 && list && keep < TD_MAX_CIPHERS) list[keep++] = lo;
        else if (hi != 0 && tls->n_sslv2_offered_kinds < TD_MAX_SSL2_KINDS)
            tls->sslv2_offered_kinds[tls->n_sslv2_offered_kinds++] = (uint32_t)hi << 16 | lo;
    }
    if (list) {
        tls->offered_ciphers = list;
        tls->n_offered_ciphers = keep;
    }
    tls->n_offered_ciphers_total = total;
}

static void server_hello(td_transcript *t, cursor *c, uint64_t packet)
{
    td_tls *tls = &t->tls;
    tls->sslv2_session_id_hit = cur_u8(c) != 0;    /* resumed: no CLIENT-MASTER-KEY follows */
    cur_u8(c);                                     /* certificate_type */
    uint16_t version = cur_u16(c);
    uint16_t cert_len = cur_u16(c);
    uint16_t specs_len = cur_u16(c);
    cur_u16(c);                                    /* connection_id_length */
    cursor cert = cur_sub(c, cert_len);
    cursor specs = cur_sub(c, specs_len);
    tls->server_hello = true;
    tls->sslv2_server_hello = true;
    tls->server_hello_packet = packet;
    tls->version = version;
    tls->encrypted[TD_S2C] = tls->encrypted[TD_C2S] = true;    /* all that follows is SSLv2 */
    if (!cert.bad && cert_len > 0) {
        td_chain *chain = &tls->server_chain;
        if (!chain->certs) chain->certs = calloc(TD_MAX_CHAIN, sizeof *chain->certs);
        if (chain->certs && chain->n == 0) {
            td_x509_summarize(cert.p, cert_len, &chain->certs[0]);
            chain->n = chain->n_total = 1;
            chain->seen = true;
            chain->packet = packet;
        }
    }
    if (!specs.bad && cur_left(&specs) >= 3) {
        uint32_t kind = (uint32_t)cur_u8(&specs) << 16;
        kind |= cur_u16(&specs);
        tls->cipher = kind;                        /* a 24-bit SSLv2 cipher kind */
        tls->has_cipher = true;
    }
}

/* CLIENT-MASTER-KEY: CIPHER-KIND[3], CLEAR-KEY-LENGTH, ENCRYPTED-KEY-LENGTH, KEY-ARG-LENGTH
 * (u16 each), then the three blocks; nothing after them. */
static bool client_master_key_shaped(cursor c)
{
    if (cur_u8(&c) != SSL2_CLIENT_MASTER_KEY) return false;
    cur_skip(&c, 3);
    size_t clear = cur_u16(&c), enc = cur_u16(&c), arg = cur_u16(&c);
    cur_skip(&c, clear + enc + arg);
    return !c.bad && cur_empty(&c);
}

static void client_master_key(td_transcript *t, cursor *c, uint64_t packet)
{
    td_tls *tls = &t->tls;
    uint32_t kind = cur_u24(c);
    tls->sslv2_clear_key_len = cur_u16(c);
    tls->sslv2_encrypted_key_len = cur_u16(c);
    tls->sslv2_key_arg_len = cur_u16(c);
    cur_skip(c, (size_t)tls->sslv2_clear_key_len + tls->sslv2_encrypted_key_len + tls->sslv2_key_arg_len);
    tls->sslv2_master_key = true;
    tls->sslv2_master_key_packet = packet;
    tls->sslv2_master_key_cipher = kind;
    tls->cipher = kind;                            /* the client's choice among the server's kinds */
    tls->has_cipher = true;
}

static void error_message(td_transcript *t, int dir, cursor *c, uint64_t packet)
{
    td_tls *tls = &t->tls;
    uint16_t code = cur_u16(c);
    if (tls->sslv2_error) return;                  /* the first one is kept */
    tls->sslv2_error = code;
    tls->sslv2_error_from = (uint8_t)dir;
    tls->sslv2_error_packet = packet;
}

bool tls_sslv2_record(td_transcript *t, int dir, const uint8_t *rec, size_t len,
                      uint64_t packet, double ts)
{
    cursor c = cur_make(rec, len);
    cur_skip(&c, 2);                               /* the 2-byte record header */
    uint8_t type = cur_u8(&c);
    td_transcript_event(t, TD_EV_SSL2, dir, type, (uint32_t)(len - 2), packet, ts);
    if (type == SSL2_CLIENT_HELLO && dir == TD_C2S) client_hello(t, &c, packet);
    else if (type == SSL2_SERVER_HELLO && dir == TD_S2C) server_hello(t, &c, packet);
    else if (type == SSL2_ERROR && dir == TD_S2C) error_message(t, dir, &c, packet);
    return !c.bad;
}

bool tls_sslv2_clear_message(td_transcript *t, int dir, const uint8_t *body, size_t len,
                             uint64_t packet, double ts)
{
    cursor c = cur_make(body, len);
    bool cmk = dir == TD_C2S && !t->tls.sslv2_master_key && client_master_key_shaped(c);
    if (!cmk && !sslv2_error_shaped(body, len)) return false;
    uint8_t type = cur_u8(&c);
    td_transcript_event(t, TD_EV_SSL2, dir, type, (uint32_t)len, packet, ts);
    if (cmk) client_master_key(t, &c, packet);
    else error_message(t, dir, &c, packet);
    return true;
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
void tls_sslv2_feed(td_tls_stream *s, int dir, cursor *c, uint64_t packet, double ts)
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
            tls_note_bad(s->t, dir, (td_anomaly){ .code = TD_ANOM_SSLV2_PADDING, .a = len, .b = pad });
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

/* The SSLv2 record a stream began with (a hello, or the server's ERROR) is complete. */
static void sslv2_first_record(td_tls_stream *s, int dir, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    if (!tls_sslv2_record(s->t, dir, d->v2buf, d->v2len, packet, ts))
        tls_note_bad(s->t, dir, (td_anomaly){ .code = TD_ANOM_SSLV2_HELLO_MALFORMED });
    free(d->v2buf);
    d->v2buf = NULL;
    d->v2len = d->v2have = 0;
    /* The server's SSLv2 answer makes the whole connection SSLv2; a client's SSLv2 hello may
     * still be answered in TLS. */
    if (dir == TD_S2C) s->v2_session = true;
    d->state = s->v2_session ? ST_SSLV2_RECORDS : ST_TLS;
}

bool tls_sslv2_begin(td_tls_stream *s, int dir, size_t v2, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    d->state = ST_SSLV2;
    d->v2len = v2;
    d->v2buf = malloc(v2);
    if (!d->v2buf) { d->state = ST_DEAD; return false; }
    memcpy(d->v2buf, d->hdr, 5);
    d->v2have = 5;
    d->hdr_have = 0;
    if (d->v2have == d->v2len) sslv2_first_record(s, dir, packet, ts);  /* a 5-byte ERROR */
    return true;
}

bool tls_sslv2_hello_step(td_tls_stream *s, int dir, cursor *c, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    size_t k = d->v2len - d->v2have < cur_left(c) ? d->v2len - d->v2have : cur_left(c);
    memcpy(d->v2buf + d->v2have, cur_bytes(c, k), k);
    d->v2have += k;
    if (d->v2have < d->v2len) return false;
    sslv2_first_record(s, dir, packet, ts);
    return true;
}
