/* quic_conn.c - one QUIC connection: datagrams split into packets, packets opened, frames read, CRYPTO handed to the TLS handshake parser.
 *
 * Initial packets are opened with the keys of the client's Destination Connection ID (after a
 * Retry, the DCID its next Initial carries).  With a key log, the Handshake and 1-RTT secrets of
 * the client random open the rest once the ServerHello has named the cipher suite; packets that
 * came before that wait (a few, copied).  Each packet-number space has its own CRYPTO stream per
 * direction (quic_crypto_stream.c), delivered in order into one td_tls_stream, so the transcript's
 * td_tls is filled as for TCP.  CONNECTION_CLOSE is a transport fact (td_quic) and, when it carries
 * a TLS alert (0x100 + code), an alert of the TLS transcript too. */
#include <stdlib.h>
#include <string.h>

#include "dissectors/quic/quic.h"
#include "dissectors/quic/quic_int.h"
#include "dissectors/tls/keylog.h"

enum { SP_INITIAL = 0, SP_HANDSHAKE, SP_APP, SP_N };
#define CRYPTO_WINDOW (64 * 1024)           /* CRYPTO bytes held out of order per space and direction */
#define HELD_MAX 16                         /* packets waiting for keys */
#define HELD_BYTES 2048                     /* ... each at most this long (a datagram's worth) */
#define MAX_PACKETS_PER_DATAGRAM 64         /* coalesced packets read from one datagram */
#define SMALL_1RTT 256                      /* settled, with a key log: 1-RTT datagrams still opened (closes) */

typedef struct held_packet {
    uint8_t dir;
    uint16_t len;
    uint64_t packet;
    double ts;
    uint8_t data[HELD_BYTES];
} held_packet;

struct td_quic_conn {
    td_transcript *t;
    td_tls_stream *tls;
    td_keylog *keylog;
    quic_keys keys[SP_N][2];                /* [space][dir]: the keys the sender of dir uses */
    td_quic_cid initial_dcid;               /* the DCID the Initial keys were made from */
    uint32_t keys_version;                  /* ... and the version they are for */
    bool keys_tried;                        /* the key log was asked (after the ServerHello) */
    uint64_t largest_pn[SP_N][2];
    quic_crypto_stream crypto[SP_N][2];
    uint8_t hello_head[38];                 /* the client's first CRYPTO bytes: the client random */
    size_t hello_have;
    held_packet *held;                      /* heap, HELD_MAX */
    size_t n_held;
    uint32_t app_opened[2];                 /* 1-RTT packets opened per direction */
    bool settled;                           /* nothing left to learn from 1-RTT packets: only counted */
    /* The packet being read, for the CRYPTO delivery callback. */
    int cur_dir, cur_space;
    uint64_t cur_packet;
    double cur_ts;
    uint8_t *plain;                         /* heap: one packet's frames, grown to the longest packet */
    size_t plain_cap;
};

static void set_cid(td_quic_cid *c, const uint8_t *b, size_t len)
{
    c->len = (uint8_t)(len > TD_QUIC_CID_MAX ? TD_QUIC_CID_MAX : len);
    memcpy(c->b, b, c->len);
}

td_quic_conn *td_quic_conn_new(td_transcript *t, td_x509_cache *x509, struct td_keylog *k)
{
    td_quic_conn *q = calloc(1, sizeof *q);
    if (!q) return NULL;
    t->quic = calloc(1, sizeof *t->quic);
    q->tls = td_tls_stream_new(t);
    if (!t->quic || !q->tls) {
        td_tls_stream_free(q->tls);
        free(q);
        return NULL;
    }
    td_tls_stream_set_x509_cache(q->tls, x509);
    q->t = t;
    q->keylog = k;
    for (int s = 0; s < SP_N; s++)
        for (int d = 0; d < 2; d++) {
            q->largest_pn[s][d] = UINT64_MAX;
            quic_crypto_init(&q->crypto[s][d], CRYPTO_WINDOW);
        }
    if (k && !t->tls.dec && (t->tls.dec = calloc(1, sizeof *t->tls.dec)))
        t->tls.dec->status = "no QUIC handshake in the capture";
    return q;
}

/* ---- CRYPTO bytes to the TLS parser ----------------------------------------------------------- */

static void deliver(void *ctx, const uint8_t *p, size_t n)
{
    td_quic_conn *q = ctx;
    if (q->cur_space == SP_INITIAL && q->cur_dir == TD_C2S && q->hello_have < sizeof q->hello_head) {
        size_t k = sizeof q->hello_head - q->hello_have;
        if (k > n) k = n;
        memcpy(q->hello_head + q->hello_have, p, k);
        q->hello_have += k;
    }
    bool had_hello = q->t->tls.client_hello;
    td_tls_stream_crypto(q->tls, q->cur_dir, p, n, q->cur_space != SP_INITIAL, q->cur_packet, q->cur_ts);
    const td_tls *tls = &q->t->tls;
    for (int d = 0; d < 2; d++)
        if (tls->quic_tp[d] && !q->t->quic->tp[d].seen)
            quic_transport_params(tls->quic_tp[d], tls->quic_tp_len[d], &q->t->quic->tp[d]);
    td_hello *h = q->t->tls.hello;
    if (!had_hello && q->t->tls.client_hello && h && h->ja4[0] == 't')
        h->ja4[0] = 'q';                    /* JA4's first character is the transport: q for QUIC */
}

static void crypto_frame(void *ctx, uint64_t offset, const uint8_t *data, size_t len)
{
    td_quic_conn *q = ctx;
    quic_crypto_stream *s = &q->crypto[q->cur_space][q->cur_dir];
    quic_crypto_add(s, offset, data, len, deliver, q);
    if (s->over_cap) q->t->quic->crypto_over_cap = true;
}

/* ---- what the frames said --------------------------------------------------------------------- */

static void note_close(td_quic_conn *q, int dir, int space, const quic_close *c)
{
    td_quic *f = q->t->quic;
    if (f->closed[dir]) return;
    f->closed[dir] = true;
    td_transcript_event(q->t, TD_EV_QUIC_CLOSE, dir, 0, (uint32_t)c->code, q->cur_packet, q->cur_ts);
    f->close_app[dir] = c->app;
    f->close_encrypted[dir] = space != SP_INITIAL;
    f->close_code[dir] = c->code;
    f->close_frame_type[dir] = c->frame_type;
    memcpy(f->close_reason[dir], c->reason, sizeof f->close_reason[dir]);
    f->close_reason[dir][sizeof f->close_reason[dir] - 1] = 0;
    f->close_packet[dir] = q->cur_packet;
    f->close_ts[dir] = q->cur_ts;
    if (!c->app && c->code >= 0x100 && c->code <= 0x1ff)
        td_tls_stream_quic_alert(q->tls, dir, (uint8_t)(c->code & 0xff), space != SP_INITIAL, q->cur_packet,
                                 q->cur_ts);
}

/* The first bytes of a request stream, read with the key log: the request, or the answer's status. */
static void stream_frame(void *ctx, uint64_t id, uint64_t offset, const uint8_t *data, size_t len, bool fin)
{
    (void)fin;
    td_quic_conn *q = ctx;
    td_decrypt_facts *d = q->t->tls.dec;
    int dir = q->cur_dir;
    if ((id & 3) != 0 || offset != 0 || !d || d->app_first[dir]) return;   /* client-initiated, bidirectional */
    char line[TD_APP_LINE_MAX];
    int st = quic_http3_headers(data, len, line, sizeof line);
    if (!st || !(d->app_first[dir] = strdup(line))) return;
    d->app_first_packet[dir] = q->cur_packet;
    if (dir == TD_S2C && st >= 100) q->t->quic->http3_status = (uint32_t)st;
}

static void read_frames(td_quic_conn *q, int dir, int space, const uint8_t *p, size_t n)
{
    quic_frames_out out;
    memset(&out, 0, sizeof out);
    q->cur_dir = dir;
    q->cur_space = space;
    quic_frames_streams(p, n, crypto_frame, space == SP_APP ? stream_frame : NULL, q, &out);
    if (out.close.seen) note_close(q, dir, space, &out.close);
    if (out.handshake_done && dir == TD_S2C) q->t->quic->handshake_done = true;
}

/* ---- keys from the key log -------------------------------------------------------------------- */

static void count_opened(td_quic_conn *q, int dir, bool ok)
{
    td_decrypt_facts *f = q->t->tls.dec;
    if (!f) return;
    if (ok) {
        f->decrypted = true;
        f->status = NULL;
        f->records[dir]++;
    } else {
        f->failed[dir]++;
        if (!f->decrypted) f->status = "packets failed authentication: the key log does not belong to this connection";
    }
}

/* After the ServerHello: the Handshake and 1-RTT keys of both sides, if the key log has them. */
static void try_keys(td_quic_conn *q)
{
    td_tls *tls = &q->t->tls;
    if (q->keys_tried || !q->keylog || !tls->server_hello || !tls->has_cipher) return;
    q->keys_tried = true;
    td_decrypt_facts *f = tls->dec;
    if (q->hello_have < sizeof q->hello_head) {
        if (f) f->status = "the ClientHello is not in the capture: no client random to look up";
        return;
    }
    static const td_keylog_label labels[SP_N][2] = {
        { 0, 0 },
        { TD_KL_CLIENT_HANDSHAKE, TD_KL_SERVER_HANDSHAKE },
        { TD_KL_CLIENT_TRAFFIC_0, TD_KL_SERVER_TRAFFIC_0 },
    };
    const uint8_t *random = q->hello_head + 6;        /* type, length (3), legacy_version (2) */
    uint32_t version = q->t->quic->version;
    int found = 0;
    for (int s = SP_HANDSHAKE; s < SP_N; s++)
        for (int d = 0; d < 2; d++) {
            uint8_t secret[TD_KL_SECRET_MAX];
            size_t len = td_keylog_find(q->keylog, labels[s][d], random, secret);
            if (len && quic_secret_keys(version, (uint16_t)tls->cipher, secret, len, &q->keys[s][d])) found++;
        }
    if (!found && f) f->status = "the key log has no secrets for this connection's client random";
}

/* ---- packets ---------------------------------------------------------------------------------- */

static void hold(td_quic_conn *q, int dir, const uint8_t *pkt, size_t len)
{
    if (len > HELD_BYTES || q->n_held >= HELD_MAX) {
        q->t->quic->undecryptable[dir]++;
        return;
    }
    if (!q->held && !(q->held = malloc(HELD_MAX * sizeof *q->held))) {
        q->t->quic->undecryptable[dir]++;
        return;
    }
    held_packet *h = &q->held[q->n_held++];
    h->dir = (uint8_t)dir;
    h->len = (uint16_t)len;
    h->packet = q->cur_packet;
    h->ts = q->cur_ts;
    memcpy(h->data, pkt, len);
}

/* Open packet pkt (header h) of space `space` with the sender's keys and read its frames; a packet
 * whose keys may yet come from the key log waits for them. */
static void open_packet(td_quic_conn *q, int dir, int space, const uint8_t *pkt, const quic_hdr *h,
                        bool may_hold)
{
    const quic_keys *k = &q->keys[space][dir];
    if (!k->set) {
        if (may_hold && q->keylog && space != SP_INITIAL && !q->keys_tried) hold(q, dir, pkt, h->packet_len);
        else q->t->quic->undecryptable[dir]++;
        return;
    }
    uint64_t pn;
    uint8_t first;
    size_t n;
    if (h->packet_len > q->plain_cap) {
        uint8_t *b = realloc(q->plain, h->packet_len);
        if (!b) {
            q->t->quic->undecryptable[dir]++;
            return;
        }
        q->plain = b;
        q->plain_cap = h->packet_len;
    }
    if (!quic_unprotect(k, pkt, h, q->largest_pn[space][dir], &pn, &first, q->plain, q->plain_cap, &n)) {
        q->t->quic->undecryptable[dir]++;
        if (space != SP_INITIAL) count_opened(q, dir, false);
        return;
    }
    if (q->largest_pn[space][dir] == UINT64_MAX || pn > q->largest_pn[space][dir]) q->largest_pn[space][dir] = pn;
    if (space != SP_INITIAL) count_opened(q, dir, true);
    read_frames(q, dir, space, q->plain, n);
    if (space == SP_INITIAL) try_keys(q);
    if (space == SP_APP && q->app_opened[dir] < UINT32_MAX) q->app_opened[dir]++;
}

/* Once the handshake is decided, short-header packets tell nothing more that a verdict needs: without
 * a key log, once both sides sent 1-RTT packets; with one, once the server's HANDSHAKE_DONE came and
 * each side's first request or answer was read (or a few packets were opened trying).  From then on
 * a short-header datagram is counted and not opened (the fast path of td_quic_conn_datagram). */
static bool settled(const td_quic_conn *q)
{
    const td_quic *f = q->t->quic;
    if (!f->one_rtt[TD_C2S] || !f->one_rtt[TD_S2C]) return false;
    if (!q->keylog) return true;
    const td_decrypt_facts *d = q->t->tls.dec;
    if (!q->keys[SP_APP][TD_C2S].set && !q->keys[SP_APP][TD_S2C].set) return q->keys_tried;
    if (!f->handshake_done) return q->app_opened[TD_S2C] >= 64;
    for (int dir = 0; dir < 2; dir++)
        if (!(d && d->app_first[dir]) && q->app_opened[dir] < 16) return false;
    return true;
}

/* The client's Initial: the connection's version and IDs, and the Initial keys (again after a
 * Retry, from the new DCID). */
/* Both sides' Initial keys from a DCID, for a version. */
static void initial_keys(td_quic_conn *q, uint32_t version, const uint8_t *dcid, size_t len)
{
    if (quic_initial_keys(version, dcid, len, &q->keys[SP_INITIAL][TD_C2S], &q->keys[SP_INITIAL][TD_S2C])) {
        set_cid(&q->initial_dcid, dcid, len);
        q->keys_version = version;
    }
}

static void client_initial(td_quic_conn *q, const quic_hdr *h, size_t datagram_len)
{
    td_quic *f = q->t->quic;
    if (!f->version) {
        f->version = h->version;
        set_cid(&f->odcid, h->dcid, h->dcid_len);
        set_cid(&f->client_cid, h->scid, h->scid_len);
    }
    f->last_version = h->version;
    if (!f->client_initial_min || datagram_len < f->client_initial_min) f->client_initial_min = (uint32_t)datagram_len;
    /* The first Initial's DCID makes the keys; later ones go to the server's own CID and change
     * nothing (only a valid Retry does, retry()). */
    if (!q->keys[SP_INITIAL][TD_C2S].set) initial_keys(q, h->version, h->dcid, h->dcid_len);
}

static void version_negotiation(td_quic_conn *q, const quic_hdr *h)
{
    td_quic *f = q->t->quic;
    if (f->version_negotiation) return;
    f->version_negotiation = true;
    f->vn_packet = q->cur_packet;
    for (size_t i = 0; i < h->n_vn_versions && f->n_vn_versions < TD_QUIC_MAX_VERSIONS; i++) {
        const uint8_t *v = h->vn_versions + 4 * i;
        f->vn_versions[f->n_vn_versions++] = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
    }
}

static void retry(td_quic_conn *q, const uint8_t *pkt, const quic_hdr *h)
{
    td_quic *f = q->t->quic;
    if (f->retries < 255) f->retries++;
    if (!f->retry_packet) f->retry_packet = q->cur_packet;
    /* Its tag is made over the DCID of the Initial it answers: the one the keys came from.  A valid
     * Retry's SCID is the DCID of the client's next Initials, and makes the new keys (RFC 9001 5.2). */
    if (!quic_retry_valid(h->version, q->initial_dcid.b, q->initial_dcid.len, pkt, h->packet_len)) {
        f->retry_integrity_bad = true;
        return;
    }
    initial_keys(q, h->version, h->scid, h->scid_len);
}

static void server_long(td_quic_conn *q, const quic_hdr *h)
{
    td_quic *f = q->t->quic;
    if (!f->server_version) f->server_version = h->version;
    if (!f->server_cid.len && h->scid_len) set_cid(&f->server_cid, h->scid, h->scid_len);
}

/* One packet of a datagram (header parsed). */
static void one_packet(td_quic_conn *q, int dir, const uint8_t *pkt, const quic_hdr *h, size_t datagram_len)
{
    td_quic *f = q->t->quic;
    if (h->type == QUIC_PT_VN || h->type == QUIC_PT_RETRY) {
        td_transcript_event(q->t, TD_EV_QUIC_PACKET, dir, h->type == QUIC_PT_VN ? TD_QP_VN : TD_QP_RETRY,
                            (uint32_t)h->packet_len, q->cur_packet, q->cur_ts);
        if (dir == TD_S2C && h->type == QUIC_PT_VN) version_negotiation(q, h);
        if (dir == TD_S2C && h->type == QUIC_PT_RETRY) retry(q, pkt, h);
        return;
    }
    if (h->type != QUIC_PT_SHORT && h->type != QUIC_PT_UNKNOWN_VERSION && dir == TD_S2C) server_long(q, h);
    static const uint8_t ladder[] = { [QUIC_PT_INITIAL] = TD_QP_INITIAL, [QUIC_PT_0RTT] = TD_QP_0RTT,
                                      [QUIC_PT_HANDSHAKE] = TD_QP_HANDSHAKE, [QUIC_PT_SHORT] = TD_QP_1RTT,
                                      [QUIC_PT_UNKNOWN_VERSION] = TD_QP_OTHER };
    td_transcript_event(q->t, TD_EV_QUIC_PACKET, dir, h->type < sizeof ladder ? ladder[h->type] : TD_QP_OTHER,
                        (uint32_t)h->packet_len, q->cur_packet, q->cur_ts);
    switch (h->type) {
    case QUIC_PT_INITIAL:
        f->initials[dir]++;
        if (dir == TD_C2S) client_initial(q, h, datagram_len);
        if (q->keys_version && h->version != q->keys_version && quic_version_known(h->version))
            initial_keys(q, h->version, q->initial_dcid.b, q->initial_dcid.len);   /* RFC 9368: v1 answered in v2 */
        open_packet(q, dir, SP_INITIAL, pkt, h, false);
        break;
    case QUIC_PT_HANDSHAKE:
        f->handshakes[dir]++;
        f->last_handshake_packet[dir] = q->cur_packet;
        open_packet(q, dir, SP_HANDSHAKE, pkt, h, true);
        break;
    case QUIC_PT_0RTT:
        f->zero_rtt[dir]++;
        break;
    case QUIC_PT_SHORT:
        f->short_packets[dir]++;
        if (!f->one_rtt[dir]) {
            f->one_rtt[dir] = true;
            f->first_one_rtt_packet[dir] = q->cur_packet;
        }
        open_packet(q, dir, SP_APP, pkt, h, true);
        break;
    default:                                /* a version we do not know: its CIDs all the same */
        if (dir == TD_C2S && !f->version) {
            f->version = h->version;
            set_cid(&f->odcid, h->dcid, h->dcid_len);
            set_cid(&f->client_cid, h->scid, h->scid_len);
        }
        if (dir == TD_C2S) f->last_version = h->version;
        break;
    }
}

/* The held packets, now that the keys have been looked for. */
static void replay_held(td_quic_conn *q)
{
    size_t n = q->n_held;
    q->n_held = 0;
    for (size_t i = 0; i < n; i++) {
        held_packet *hp = &q->held[i];
        quic_hdr h;
        int rx_len = td_quic_conn_cid_len(q, hp->dir);
        if (!quic_parse_header(hp->data, hp->len, rx_len < 0 ? 0 : (size_t)rx_len, &h)) continue;
        q->cur_packet = hp->packet;
        q->cur_ts = hp->ts;
        int space = h.type == QUIC_PT_SHORT ? SP_APP : SP_HANDSHAKE;
        open_packet(q, hp->dir, space, hp->data, &h, false);
    }
}

/* A protected packet holds at least a packet number and the 16-byte sample (RFC 9001 5.4.2):
 * anything shorter is not one (a stray byte, a Length that lies low). */
static bool room_for_a_packet(const quic_hdr *h)
{
    bool protected = h->type == QUIC_PT_INITIAL || h->type == QUIC_PT_0RTT || h->type == QUIC_PT_HANDSHAKE ||
                     h->type == QUIC_PT_SHORT;
    return !protected || h->packet_len >= h->pn_offset + 4 + 16;
}

static bool zeros(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return false;
    return true;
}

void td_quic_conn_datagram(td_quic_conn *q, int dir, const uint8_t *data, size_t len, uint64_t packet,
                           double ts)
{
    if (!q || dir < 0 || dir > 1) return;
    td_quic *f = q->t->quic;
    f->datagrams[dir]++;
    f->bytes[dir] += len;
    int rx = td_quic_conn_cid_len(q, dir);
    /* The fast path: a 1-RTT datagram, counted (the ladder stops here: the QUIC line has the counts).
     * With a key log, small ones are still opened: a CONNECTION_CLOSE is one of them. */
    bool small = q->keylog && len <= SMALL_1RTT;
    if (q->settled && !small && len >= (size_t)(rx < 0 ? 0 : rx) + 21 && !(data[0] & 0x80)) {
        f->short_packets[dir]++;
        f->last_datagram_handshake[dir] = false;
        return;
    }
    if (dir == TD_S2C && !f->first_server_packet) {
        f->first_server_packet = packet;
        f->first_server_ts = ts;
    }
    q->cur_packet = packet;
    q->cur_ts = ts;
    size_t off = 0, n = 0;
    while (off < len && n < MAX_PACKETS_PER_DATAGRAM) {
        const uint8_t *p = data + off;
        int rx_len = td_quic_conn_cid_len(q, dir);
        quic_hdr h;
        if (n && zeros(p, len - off)) break;   /* padding after the last packet */
        if (!quic_parse_header(p, len - off, rx_len < 0 ? 0 : (size_t)rx_len, &h) || !h.packet_len) break;
        if (!room_for_a_packet(&h)) break;
        bool was_tried = q->keys_tried;
        one_packet(q, dir, p, &h, len);
        if (!was_tried && q->keys_tried && q->n_held) replay_held(q);
        q->cur_packet = packet;
        q->cur_ts = ts;
        off += h.packet_len;
        n++;
    }
    if (n > 1) f->coalesced[dir]++;
    f->last_datagram_handshake[dir] = f->last_handshake_packet[dir] == packet;
    if (!q->settled) q->settled = settled(q);
}

int td_quic_conn_cid_len(const td_quic_conn *q, int dir)
{
    const td_quic *f = q->t->quic;
    if (dir == TD_C2S) return f->server_cid.len || f->first_server_packet ? f->server_cid.len : -1;
    return f->version ? f->client_cid.len : -1;
}

bool td_quic_conn_owns_cid(const td_quic_conn *q, int dir, const uint8_t *cid, size_t len)
{
    const td_quic *f = q->t->quic;
    const td_quic_cid *c = dir == TD_C2S ? &f->server_cid : &f->client_cid;
    return c->len && len >= c->len && memcmp(c->b, cid, c->len) == 0;
}

void td_quic_conn_end(td_quic_conn *q)
{
    if (!q) return;
    if (q->n_held) {                        /* the keys never came */
        for (size_t i = 0; i < q->n_held; i++) q->t->quic->undecryptable[q->held[i].dir]++;
        q->n_held = 0;
    }
    td_tls_stream_end(q->tls);
}

void td_quic_conn_free(td_quic_conn *q)
{
    if (!q) return;
    for (int s = 0; s < SP_N; s++)
        for (int d = 0; d < 2; d++) quic_crypto_free(&q->crypto[s][d]);
    td_tls_stream_free(q->tls);
    free(q->held);
    free(q->plain);
    free(q);
}

size_t td_quic_conn_buffered(const td_quic_conn *q)
{
    if (!q) return 0;
    size_t n = td_tls_stream_buffered(q->tls) + q->n_held * sizeof *q->held;
    for (int s = 0; s < SP_N; s++)
        for (int d = 0; d < 2; d++) n += q->crypto[s][d].held;
    return n;
}

bool td_quic_sniff_long(const uint8_t *data, size_t len)
{
    return quic_looks_long(data, len);
}

/* A client's first Initial: a Destination Connection ID of at least 8 bytes (RFC 9000 7.2) and room
 * for a packet number and its sample; in a version we do not know (answered by Version Negotiation),
 * a datagram of at least 1200 bytes (RFC 9000 14.1).  Other UDP on the port does not start one. */
bool td_quic_sniff_initial(const uint8_t *data, size_t len)
{
    quic_hdr h;
    if (!quic_looks_long(data, len) || !quic_parse_header(data, len, 0, &h)) return false;
    if (h.type == QUIC_PT_UNKNOWN_VERSION) return len >= 1200 && h.dcid_len >= 8;
    return h.type == QUIC_PT_INITIAL && h.dcid_len >= 8 && room_for_a_packet(&h);
}
