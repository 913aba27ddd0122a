/* siblings.c - the classifier's memory of recent connections, for reasoning across them.
 *
 * A hash table of the connections judged in the last 2 x SIB_WINDOW seconds of capture time
 * (oldest forgotten first): who (client address, server address and port, SNI), which
 * certificate (the leaf's SHA-256 when it was seen), when (start, and the client's first FIN
 * or RST), whether requests flowed both ways, and the verdict with its confidence.  Two connections are siblings when who matches, the certificate matches or was
 * hidden in one of them (TLS 1.3), and they started at most SIB_WINDOW seconds apart. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/diagnose/hash_chains.h"
#include "analyzer/diagnose/result.h"
#include "analyzer/diagnose/siblings_int.h"

#define SIB_BUCKETS 4096          /* at first (a power of two); more as nodes come */
#define SIB_MAX (1u << 20)         /* connections remembered at most (the oldest go first) */
#define SIB_WINDOW 10.0            /* seconds between the starts of two siblings */
#define SIB_TOGETHER 1.0           /* seconds between two closes that count as one act */

/* Who is a hash of the client's and server's addresses, the server's port and the SNI; the
 * certificate is the leaf's SHA-256 cut to 64 bits (0: not seen).  Hashes, not the texts: a
 * collision of two 64-bit hashes of what clients chose to send is not worth 200 bytes a node. */
typedef struct sib {
    td_hnode h;                    /* first: the table's link, and the key (who) */
    struct sib *fifo;              /* next remembered after this one */
    uint64_t leaf;
    uint16_t port;
    double start, client_close;    /* client_close: 0 when the client never closed */
    bool used;                     /* application data both ways */
    bool asked;                    /* the server asked for a client certificate (seen or inferred) */
    bool certain;
    bool in_order;                 /* started no earlier than any remembered before it */
    td_verdict verdict;
    uint64_t id;
} sib;

/* What the three calls for one connection share, worked out once. */
typedef struct who_memo {
    const td_transcript *t;
    uint64_t id;
    uint64_t key, leaf;
    double client_close;
} who_memo;

/* The latest of something seen, by exact key, forgotten HORIZON seconds of capture time after it
 * started: a server certificate by who saw it, QUIC attempts and TCP connections by who without
 * the transport (fell-back-to-tcp), STARTTLS offers by client and server.  Exact keys, never a
 * slot shared with other connections, so that what a connection finds depends only on its own
 * client and server, never on how many others the capture interleaves (--shard K/N then judges
 * it as the whole run does). */
typedef struct seen {
    td_hnode h;                    /* first: the table's link (newer ones first), and the key */
    struct seen *fifo;             /* next added after this one */
    uint64_t id;
    uint16_t port;
    double start;
    bool in_order;                 /* started no earlier than any added before it (see past_window) */
    td_verdict verdict;
    td_sibling_cert *cert;         /* a certificate with defects (and its texts), or NULL */
} seen;

#define SEEN_BUCKETS 4096          /* at first (a power of two); more as entries come */
#define SEEN_MAX (1u << 18)        /* entries at most, the oldest forgotten first (memory's last bound) */
typedef struct recent {
    td_htab tab;
    seen *oldest, *newest;
    td_hpool pool;                 /* where the entries live; forgotten ones are reused */
    size_t n;
    double horizon;
    double latest;                 /* the latest start added */
    const double *keep_from;       /* the siblings' td_siblings_keep_from */
} recent;

#define SIB_FALLBACK 60.0          /* seconds from a QUIC attempt to the TCP connection after it */
#define SIB_STLS_WINDOW 3600.0     /* an offer of STARTTLS is remembered an hour */

struct td_siblings {
    double keep_from;              /* td_siblings_keep_from: INFINITY, or the oldest start still to come */
    double latest;                 /* the latest start remembered */
    who_memo memo;
    recent stls, quic, tcp, certs;
    td_sibling_cert found;         /* what td_siblings_cert returns for a certificate without defects */
    td_htab tab;
    sib *oldest, *newest;          /* in the order remembered */
    td_hpool pool;                 /* where the nodes live; forgotten ones are reused */
    size_t n;
};

void td_siblings_keep_from(td_siblings *sb, double start)
{
    if (sb) sb->keep_from = start;
}

td_siblings *td_siblings_new(void)
{
    td_siblings *sb = calloc(1, sizeof(td_siblings));
    if (!sb) return NULL;
    sb->keep_from = INFINITY;
    sb->latest = sb->stls.latest = sb->quic.latest = sb->tcp.latest = sb->certs.latest = -INFINITY;
    sb->stls.keep_from = sb->quic.keep_from = sb->tcp.keep_from = sb->certs.keep_from = &sb->keep_from;
    sb->pool.size = sizeof(sib);
    sb->stls.pool.size = sb->quic.pool.size = sb->tcp.pool.size = sb->certs.pool.size = sizeof(seen);
    sb->stls.horizon = SIB_STLS_WINDOW;
    sb->quic.horizon = 2 * SIB_FALLBACK;          /* a TCP connection looks back SIB_FALLBACK for QUIC */
    sb->tcp.horizon = 2 * SIB_WINDOW;              /* a QUIC attempt forward only SIB_WINDOW for TCP */
    sb->certs.horizon = 2 * SIB_CERT_WINDOW;
    return sb;
}

static void seen_forget_oldest(recent *rc)
{
    seen *o = rc->oldest;
    rc->oldest = o->fifo;
    if (!rc->oldest) rc->newest = NULL;
    td_htab_remove(&rc->tab, &o->h);
    free(o->cert);
    o->cert = NULL;
    td_hpool_give(&rc->pool, &o->h);
    rc->n--;
}

static void recent_free(recent *rc)
{
    while (rc->oldest) seen_forget_oldest(rc);
    td_hpool_free(&rc->pool);
    td_htab_free(&rc->tab);
}

/* A new entry for key (the newest: it hides older ones of the same key), what is older than the
 * horizon before `start` forgotten first; NULL when memory ran out. */
static seen *seen_add(recent *rc, uint64_t key, uint16_t port, double start, uint64_t id)
{
    double now = start < *rc->keep_from ? start : *rc->keep_from;
    while (rc->oldest && (rc->oldest->start < now - rc->horizon || rc->n >= SEEN_MAX)) seen_forget_oldest(rc);
    seen *e = td_hpool_take(&rc->pool);
    if (!e) return NULL;
    memset(e, 0, sizeof *e);
    e->h.key = key;
    e->port = port;
    e->start = start;
    e->id = id;
    e->in_order = start >= rc->latest;
    if (e->in_order) rc->latest = start;
    if (td_htab_insert(&rc->tab, &e->h, SEEN_BUCKETS) < 0) {
        td_hpool_give(&rc->pool, &e->h);
        return NULL;
    }
    if (rc->newest) rc->newest->fifo = e;
    else rc->oldest = e;
    rc->newest = e;
    rc->n++;
    return e;
}

/* The newest entry of key and port that started by `until`, or NULL.  A later one is not looked
 * at: whether it is known yet depends on when the run judges (it holds a connection for siblings
 * starting up to SIB_WINDOW after it, no longer), so it must not count. */
static const seen *seen_find(const recent *rc, uint64_t key, uint16_t port, double until)
{
    for (const seen *e = (const seen *)td_htab_bucket(&rc->tab, key); e; e = (const seen *)e->h.next)
        if (e->h.key == key && e->port == port && e->start <= until) return e;
    return NULL;
}

/* The entry of key and port nearest in time to `at` (the earlier of two as near), from `before`
 * seconds before it to SIB_WINDOW after, or NULL. */
static const seen *seen_nearest(const recent *rc, uint64_t key, uint16_t port, double at, double before)
{
    const seen *best = NULL;
    for (const seen *e = (const seen *)td_htab_bucket(&rc->tab, key); e; e = (const seen *)e->h.next) {
        if (e->in_order && e->start < at - before) break;   /* all after it started earlier still */
        if (e->h.key != key || e->port != port || e->start > at + SIB_WINDOW || e->start < at - before) continue;
        double d = fabs(e->start - at), b = best ? fabs(best->start - at) : 0;
        if (!best || d < b || (d == b && e->start < best->start)) best = e;
    }
    return best;
}

void td_siblings_free(td_siblings *sb)
{
    if (!sb) return;
    recent_free(&sb->stls);
    recent_free(&sb->quic);
    recent_free(&sb->tcp);
    recent_free(&sb->certs);
    td_hpool_free(&sb->pool);
    td_htab_free(&sb->tab);
    free(sb);
}

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; s && *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL;
}

/* Who, whatever the transport: QUIC and TCP to one server and name, for fell-back-to-tcp. */
static uint64_t pair_key(const td_transcript *t)
{
    uint64_t h = fnv(14695981039346656037ULL, t->client.ip);
    h = fnv(h, t->server.ip);
    h = fnv(h, t->tls.sni ? t->tls.sni : "");
    h = (h ^ t->server.port) * 1099511628211ULL;
    return h ? h : 1;
}

/* A QUIC connection is never a TCP connection's sibling (a spare, a lent certificate cause):
 * the transport is part of who. */
static uint64_t who_key(const td_transcript *t)
{
    uint64_t h = pair_key(t);
    if (t->quic) h = fnv(h, "quic");
    return h ? h : 1;
}

static uint64_t leaf_of(const td_transcript *t)
{
    if (!t->tls.server_chain.seen || !t->tls.server_chain.n) return 0;
    const char *hex = t->tls.server_chain.certs[0].sha256;   /* 64 hex digits and a NUL */
    uint64_t v = 0;
    for (int i = 0; i < 16 && hex[i]; i++) {
        char c = hex[i];
        v = v << 4 | ((uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10) & 15);
    }
    return v ? v : 1;
}

/* The time of the client's first FIN or RST, 0 if it never closed. */
static double client_close_time(const td_transcript *t)
{
    for (size_t i = 0; i < t->n_events; i++) {
        const td_event *e = &t->events[i];
        if (e->dir == TD_C2S && (e->kind == TD_EV_FIN || e->kind == TD_EV_RST)) return e->ts;
    }
    return 0;
}

/* The memo for t: td_siblings_used_with, the first of the three calls made for each connection,
 * works it out afresh; the other two find it (the pointer and the id name the connection). */
static const who_memo *who(const td_siblings *sb, const td_transcript *t, bool fresh)
{
    who_memo *m = (who_memo *)&sb->memo;           /* a cache: logically const */
    if (fresh || m->t != t || m->id != t->id) {
        m->t = t;
        m->id = t->id;
        m->key = who_key(t);
        m->leaf = leaf_of(t);
        m->client_close = client_close_time(t);
    }
    return m;
}

/* Connections are remembered in the order they started, but for those the engine let pass
 * (analyzer/flow/conn_lifetimes.c), which come later.  A bucket is newest first, so past a node
 * remembered in order that started more than SIB_WINDOW before t, every node started earlier
 * still: none is t's sibling, and the walk stops (a connection open for the whole capture makes
 * the siblings keep everything after its start: without the stop, each lookup walked it all). */
static bool past_window(const sib *s, const td_transcript *t)
{
    return s->in_order && s->start < t->start - SIB_WINDOW;
}

static bool is_sibling(const sib *s, uint64_t key, uint64_t leaf, const td_transcript *t)
{
    if (s->h.key != key || s->port != t->server.port) return false;
    if (s->leaf && leaf && s->leaf != leaf) return false;
    return fabs(s->start - t->start) <= SIB_WINDOW;
}

uint64_t td_siblings_used_with(const td_siblings *sb, const td_transcript *t)
{
    if (!sb) return 0;
    const who_memo *w = who(sb, t, true);
    if (!w->client_close) return 0;
    for (const sib *s = (const sib *)td_htab_bucket(&sb->tab, w->key); s && !past_window(s, t); s = (const sib *)s->h.next) {
        if (!is_sibling(s, w->key, w->leaf, t) || !s->used || s->verdict != TD_V_OK || !s->client_close) continue;
        if (fabs(s->client_close - w->client_close) <= SIB_TOGETHER) return s->id;
    }
    return 0;
}

uint64_t td_siblings_asked_client_cert(const td_siblings *sb, const td_transcript *t)
{
    if (!sb) return 0;
    const who_memo *w = who(sb, t, false);
    for (const sib *s = (const sib *)td_htab_bucket(&sb->tab, w->key); s && !past_window(s, t); s = (const sib *)s->h.next)
        if (s->asked && is_sibling(s, w->key, w->leaf, t)) return s->id;
    return 0;
}

/* Verdicts that are one way of failing: the client refused the server's certificate, or the
 * server the client's. */
static int family(td_verdict v)
{
    switch (v) {
    case TD_V_UNKNOWN_CA: case TD_V_INCOMPLETE_CHAIN: case TD_V_NAME_MISMATCH: case TD_V_SERVER_CERT_EXPIRED:
    case TD_V_SERVER_CERT_REJECTED:
        return 1;
    case TD_V_CLIENT_CERT_MISSING: case TD_V_CLIENT_CERT_REJECTED:
        return 2;
    default:
        return 0;
    }
}

void td_siblings_lend(const td_siblings *sb, const td_transcript *t, td_result *r)
{
    if (!sb || !r->confidence || strcmp(r->confidence, "certain") == 0 || !family(r->verdict)) return;
    const who_memo *w = who(sb, t, false);
    const sib *best = NULL;
    for (const sib *s = (const sib *)td_htab_bucket(&sb->tab, w->key); s && !past_window(s, t); s = (const sib *)s->h.next) {
        if (!s->certain || family(s->verdict) != family(r->verdict) || !is_sibling(s, w->key, w->leaf, t)) continue;
        if (!best || fabs(s->start - t->start) < fabs(best->start - t->start)) best = s;
    }
    if (!best) return;
    td_result_finding(r, "sibling-failure", "info",
                      "connection #%llu, from this client to the same server and name %.1f s %s, failed with %s (certain): "
                      "this connection most likely failed for the same reason",
                      (unsigned long long)best->id, fabs(t->start - best->start), best->start <= t->start ? "earlier" : "later",
                      td_verdict_name(best->verdict));
}

/* Forget the oldest node: off the fifo, out of its bucket, back to the pool. */
static void forget_oldest(td_siblings *sb)
{
    sib *o = sb->oldest;
    sb->oldest = o->fifo;
    if (!sb->oldest) sb->newest = NULL;
    td_htab_remove(&sb->tab, &o->h);
    td_hpool_give(&sb->pool, &o->h);
    sb->n--;
}

void td_siblings_remember(td_siblings *sb, const td_transcript *t, const td_result *r)
{
    if (sb) {
        /* TCP: only a connection that sent a hello (a SYN flood is not remembered). */
        seen *x = t->quic || t->tls.client_hello ? seen_add(t->quic ? &sb->quic : &sb->tcp, pair_key(t),
                                                            t->server.port, t->start, t->id) : NULL;
        if (x) x->verdict = r->verdict;
    }
    if (!sb || !t->tls.client_hello) return;
    /* A sibling starts within SIB_WINDOW: twice that back is old enough to forget (live, the
     * order is of ends, not starts). */
    double now = t->start < sb->keep_from ? t->start : sb->keep_from;
    while (sb->oldest && (sb->oldest->start < now - 2 * SIB_WINDOW || sb->n >= SIB_MAX)) forget_oldest(sb);
    sib *s = td_hpool_take(&sb->pool);
    if (!s) return;
    const who_memo *w = who(sb, t, false);
    memset(s, 0, sizeof *s);
    s->h.key = w->key;
    s->leaf = w->leaf;
    s->port = t->server.port;
    s->start = t->start;
    s->client_close = w->client_close;
    s->used = r->app_records[0] && r->app_records[1];
    s->asked = t->tls.cert_requested ||
               (r->inf.done && (r->inf.client_cert == TD_CC_EMPTY || r->inf.client_cert == TD_CC_SENT));
    s->id = t->id;
    s->verdict = r->verdict;
    s->certain = r->confidence && strcmp(r->confidence, "certain") == 0;
    s->in_order = t->start >= sb->latest;
    if (s->in_order) sb->latest = t->start;
    if (td_htab_insert(&sb->tab, &s->h, SIB_BUCKETS) < 0) {
        td_hpool_give(&sb->pool, &s->h);
        return;
    }
    if (sb->newest) sb->newest->fifo = s;
    else sb->oldest = s;
    sb->newest = s;
    sb->n++;
}

void td_siblings_remember_cert(td_siblings *sb, const td_transcript *t, const td_sibling_cert *c)
{
    if (!sb) return;
    const who_memo *w = who(sb, t, false);
    seen *e = seen_add(&sb->certs, w->key, t->server.port, t->start, t->id);
    if (!e) return;
    if (c->n_causes && (e->cert = malloc(sizeof *e->cert))) {   /* ~900 bytes: only when there is a defect */
        *e->cert = *c;
        e->cert->id = t->id;
        e->cert->start = t->start;
    }
}

const td_sibling_cert *td_siblings_cert(const td_siblings *sb, const td_transcript *t)
{
    if (!sb) return NULL;
    const who_memo *w = who(sb, t, false);
    const seen *e = seen_nearest(&sb->certs, w->key, t->server.port, t->start, SIB_CERT_WINDOW);
    if (!e) return NULL;
    if (e->cert) return e->cert;
    td_sibling_cert *f = (td_sibling_cert *)&sb->found;      /* a scratch: logically const */
    memset(f, 0, offsetof(td_sibling_cert, name));
    f->id = e->id;
    f->start = e->start;
    return f;
}

/* STARTTLS by client and server (address and port): the host pair --shard keeps together. */
static uint64_t stls_key(const td_transcript *t)
{
    uint64_t h = fnv(14695981039346656037ULL, t->client.ip);
    return fnv(h, t->server.ip);
}

void td_siblings_remember_starttls(td_siblings *sb, const td_transcript *t)
{
    if (sb) seen_add(&sb->stls, stls_key(t), t->server.port, t->start, t->id);
}

uint64_t td_siblings_starttls_offered(const td_siblings *sb, const td_transcript *t)
{
    if (!sb) return 0;
    const seen *e = seen_find(&sb->stls, stls_key(t), t->server.port, t->start);
    return e && fabs(e->start - t->start) <= SIB_STLS_WINDOW ? e->id : 0;
}

/* The client's failed QUIC attempt to the same server (address, port, name) before TCP connection
 * t, or the TCP connection after QUIC connection t: fell-back-to-tcp. */
void td_siblings_fallback(const td_siblings *sb, const td_transcript *t, td_result *r)
{
    if (!sb) return;
    const seen *x = seen_find(t->quic ? &sb->tcp : &sb->quic, pair_key(t), t->server.port,
                               t->quic ? t->start + SIB_WINDOW : t->start + 0.5);
    if (!x || x->id == t->id) return;
    double gap = t->quic ? x->start - t->start : t->start - x->start;
    if (gap < -0.5 || gap > SIB_FALLBACK) return;  /* a browser races the two: TCP may start a little first */
    if (t->quic) {
        if (r->verdict == TD_V_OK) return;
        td_result_finding(r, "fell-back-to-tcp", "warning",
                          "the client fell back to TCP: connection #%llu to the same server and name, %.1f s later (%s)",
                          (unsigned long long)x->id, gap, td_verdict_name(x->verdict));
    } else if (x->verdict != TD_V_OK) {
        td_result_finding(r, "fell-back-to-tcp", "info",
                          "this is the client's fallback from QUIC: its QUIC attempt #%llu to the same server and name, "
                          "%.1f s earlier, failed (%s)", (unsigned long long)x->id, gap, td_verdict_name(x->verdict));
    }
}
