/* live_workers.c - --workers N: live capture on N threads.
 *
 * The kernel splits the packets between the N sockets of one AF_PACKET fanout group by a flow hash
 * (analyzer/capture/fanout_bpf.c: an ICMP error goes where the connection it quotes goes),
 * which is the same for both directions of a connection, so every connection lives wholly in one
 * worker.  Each worker has its own socket, engine (flow table, reassembly, TLS parser,
 * certificate cache) and clock, and shares nothing with the others while it reads packets.  The
 * transcripts it finishes are moved (not copied) to its queue once per batch of packets.
 *
 * The calling thread is the one writer: it classifies and reports, so the classifier, the report
 * writers, the verdict counts and the roll-up stay single-threaded.  It takes the connections of
 * all workers in the order they ended by their worker's clock (the newest packet time stamp, or
 * the wall clock of the last idle sweep), ties to the lower worker, and only once no other worker
 * can still end one earlier (each worker publishes how far its clock has got).  So the order
 * depends on the packets' time stamps, not on thread scheduling, and connection numbers (#N) are
 * given in that order.  Packet numbers in the evidence count the packets of that worker.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include "analyzer/capture/keylog_file.h"
#include "analyzer/live/live_int.h"

#define WRITER_WAIT_MS 100         /* the writer's longest sleep: signals and --duration are seen */

typedef struct done {
    struct done *next;
    double at;                     /* the worker's clock when it ended the connection */
    td_transcript t;
} done;

struct pool;

typedef struct worker {
    struct pool *pool;
    unsigned index;                /* 1-based, as the messages say */
    td_source *src;
    td_engine *engine;
    td_keylog_files *keylogs;      /* --keylog: this worker's own reading of the files (NULL: none) */
    double next_keylog;            /* monotonic clock */
    pthread_t thread;
    bool running;                  /* the thread was started (and must be joined) */
    /* The worker's own. */
    double clock;                  /* never goes back: the newest packet time or idle-sweep time */
    uint64_t number;               /* frames this worker read */
    uint64_t bad, first_bad;
    uint64_t dropped_seen;
    bool drops_pending;
    bool oom_warned;
    done *batch_head, *batch_tail; /* ended since the last publish */
    /* Under pool.mu while the thread runs. */
    done *head, *tail;
    double watermark;              /* what this worker ends later ends at or after this clock */
    bool finished;                 /* its queue holds everything it will ever end */
    bool failed;
    char error[PCAP_ERRBUF_SIZE + 64];
    /* Written by the worker, read after it was joined. */
    bool have_stats;
    uint64_t received, dropped;
} worker;

typedef struct pool {
    td_run *r;
    worker *w;
    unsigned n;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_bool stop;
    atomic_uint_fast64_t taken;    /* frames handed to engines, all workers: for -c */
    uint64_t limit;
    uint64_t next_id;
} pool;

/* ---- a worker ------------------------------------------------------------------------------- */

/* The engine's callback: the transcript moves to the batch; the engine frees an empty shell. */
static void worker_emit(void *ctx, td_transcript *t)
{
    worker *w = ctx;
    done *d = malloc(sizeof *d);
    if (!d) {
        if (!w->oom_warned)
            fprintf(stderr, "tlsdiag: worker %u: out of memory: finished connections are lost\n", w->index);
        w->oom_warned = true;
        return;
    }
    d->next = NULL;
    d->at = w->clock;
    d->t = *t;
    memset(t, 0, sizeof *t);
    if (w->batch_tail) w->batch_tail->next = d;
    else w->batch_head = d;
    w->batch_tail = d;
}

/* Hand the batch to the writer and say how far this worker's clock has got. */
static void publish(worker *w, bool finished)
{
    pool *P = w->pool;
    pthread_mutex_lock(&P->mu);
    bool news = w->batch_head || finished;
    if (w->batch_head) {
        if (w->tail) w->tail->next = w->batch_head;
        else w->head = w->batch_head;
        w->tail = w->batch_tail;
        w->batch_head = w->batch_tail = NULL;
    }
    w->watermark = w->clock;
    if (finished) w->finished = true;
    pthread_mutex_unlock(&P->mu);
    if (news) pthread_cond_signal(&P->cv);
}

/* The clients append to their key logs while we capture: this worker reads what they added (as
 * live_loop.c does for one engine) at most every TD_LIVE_KEYLOG_EVERY seconds. */
static void refresh_keylogs(worker *w, double now)
{
    if (now < w->next_keylog) return;
    w->next_keylog = now + TD_LIVE_KEYLOG_EVERY;
    td_keylog_files_refresh(w->keylogs, NULL);
}

static void worker_frame(void *user, const td_frame *f)
{
    worker *w = user;
    pool *P = w->pool;
    if (P->limit && atomic_fetch_add(&P->taken, 1) >= P->limit) {
        atomic_store(&P->stop, true);              /* -c COUNT: the others have had theirs */
        return;
    }
    w->number++;
    if (f->ts > w->clock) w->clock = f->ts;
    if (w->keylogs) refresh_keylogs(w, td_live_mono_now());
    const char *why = td_engine_frame(w->engine, f, w->number);
    if (!why) return;
    if (!w->bad++) w->first_bad = w->number;
    if (w->bad <= TD_LIVE_MAX_PACKET_WARNINGS)
        fprintf(stderr, "tlsdiag: %s: worker %u: packet %llu: %s\n", P->r->opt.iface, w->index,
                (unsigned long long)w->number, why);
}

/* This socket's drops can only have hit this worker's connections: those are marked (now, and
 * once more when the backlog in the buffer is read, as in live_loop.c). */
static void worker_stats(worker *w)
{
    uint64_t received, dropped;
    if (!td_source_live_stats(w->src, &received, &dropped)) return;
    w->have_stats = true;
    w->received = received;
    w->dropped = dropped;
    if (dropped > w->dropped_seen) {
        td_live_warn_drops(dropped);
        td_engine_mark_drops(w->engine);
        w->dropped_seen = dropped;
        w->drops_pending = true;
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    pool *P = w->pool;
    double next_tick = 0, next_stats = td_live_mono_now() + TD_LIVE_STATS_EVERY;
    while (!atomic_load(&P->stop)) {
        double now = td_live_mono_now();
        if (now >= next_tick) {
            double wall = td_live_wall_now();
            if (wall > w->clock) w->clock = wall;
            if (w->keylogs) refresh_keylogs(w, now);
            td_engine_expire(w->engine, wall);
            if (now >= next_stats) {
                worker_stats(w);
                next_stats = now + TD_LIVE_STATS_EVERY;
            }
            next_tick = now + TD_LIVE_TICK_MS / 1000.0;
        }
        int wait = (int)((next_tick - now) * 1000.0) + 1;
        char err[PCAP_ERRBUF_SIZE + 64];
        int rc = td_source_dispatch(w->src, -1, worker_frame, w, wait, err, sizeof err);
        if (rc == 0 && w->drops_pending) {
            td_engine_mark_drops(w->engine);
            w->drops_pending = false;
        } else if (rc == -2) {
            break;
        } else if (rc < 0) {
            snprintf(w->error, sizeof w->error, "%s", err);
            w->failed = true;
            atomic_store(&P->stop, true);
            break;
        }
        publish(w, false);
    }
    worker_stats(w);
    td_engine_end_file(w->engine);                 /* every open connection, into the batch */
    publish(w, true);
    return NULL;
}

/* ---- the writer ----------------------------------------------------------------------------- */

/* The connection that goes out next, or NULL if none may yet: the earliest at the head of a
 * queue, provided no worker with an empty queue can still end one before it. */
static worker *next_ready(pool *P)
{
    worker *best = NULL;
    for (unsigned i = 0; i < P->n; i++)
        if (P->w[i].head && (!best || P->w[i].head->at < best->head->at)) best = &P->w[i];
    if (!best) return NULL;
    double at = best->head->at;
    for (unsigned i = 0; i < P->n; i++) {
        worker *o = &P->w[i];
        if (o == best || o->head || o->finished) continue;
        if (o->watermark < at || (o->watermark == at && o->index < best->index)) return NULL;
    }
    return best;
}

static bool all_done(const pool *P)
{
    for (unsigned i = 0; i < P->n; i++)
        if (!P->w[i].finished || P->w[i].head) return false;
    return true;
}

static void report(pool *P, done *d)
{
    d->t.id = ++P->next_id;
    td_run_connection(P->r, &d->t);
    td_transcript_clear(&d->t);
    free(d);
}

/* The workers look at the flag between batches, at least every TD_LIVE_TICK_MS. */
static void stop_all(pool *P)
{
    atomic_store(&P->stop, true);
}

static void writer(pool *P, double deadline)
{
    pthread_mutex_lock(&P->mu);
    for (;;) {
        worker *w;
        while ((w = next_ready(P))) {
            done *d = w->head;
            w->head = d->next;
            if (!w->head) w->tail = NULL;
            pthread_mutex_unlock(&P->mu);
            report(P, d);
            pthread_mutex_lock(&P->mu);
        }
        fflush(P->r->out);                         /* each verdict as it happens, one write a batch */
        if (all_done(P)) break;
        if (!atomic_load(&P->stop) && (td_live_signalled() || (deadline && td_live_mono_now() >= deadline)))
            stop_all(P);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += WRITER_WAIT_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&P->cv, &P->mu, &until);
    }
    pthread_mutex_unlock(&P->mu);
}

/* ---- the run -------------------------------------------------------------------------------- */

static void add_stats(td_engine_stats *sum, const td_engine_stats *s)
{
    sum->packets += s->packets;
    sum->tcp_packets += s->tcp_packets;
    sum->undecoded += s->undecoded;
    sum->not_tcp += s->not_tcp;
    sum->truncated += s->truncated;
    sum->length_lies += s->length_lies;
    sum->connections += s->connections;
    sum->evicted += s->evicted;
    sum->peak_open += s->peak_open;                /* the peaks may not coincide: at most this */
    sum->tls_port_flows += s->tls_port_flows;
    sum->udp_tls_port += s->udp_tls_port;
    sum->dtls_other += s->dtls_other;
    sum->tls_elsewhere_more += s->tls_elsewhere_more;
    size_t cap = sizeof sum->tls_elsewhere / sizeof sum->tls_elsewhere[0];
    for (size_t i = 0; i < cap && s->tls_elsewhere[i].packets; i++) {
        size_t j = 0;
        while (j < cap && sum->tls_elsewhere[j].packets && sum->tls_elsewhere[j].port != s->tls_elsewhere[i].port) j++;
        if (j == cap) {
            sum->tls_elsewhere_more += s->tls_elsewhere[i].packets;
            continue;
        }
        sum->tls_elsewhere[j].port = s->tls_elsewhere[i].port;
        sum->tls_elsewhere[j].packets += s->tls_elsewhere[i].packets;
    }
}

/* Start the workers with SIGINT and SIGTERM blocked: the signals go to the writer's thread. */
static bool start_workers(pool *P)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    bool ok = true;
    for (unsigned i = 0; i < P->n && ok; i++) {
        int rc = pthread_create(&P->w[i].thread, NULL, worker_main, &P->w[i]);
        if (rc != 0) {
            fprintf(stderr, "tlsdiag: --workers: cannot start worker %u: %s\n", i + 1, strerror(rc));
            ok = false;
        } else {
            P->w[i].running = true;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!ok) {                                     /* the ones started end at once, flushed */
        stop_all(P);
        pthread_mutex_lock(&P->mu);
        for (unsigned i = 0; i < P->n; i++)
            if (!P->w[i].running) P->w[i].finished = true;
        pthread_mutex_unlock(&P->mu);
    }
    return ok;
}

/* Worker i's engine (its share of --max-connections) and its own reading of the key logs;
 * false when memory runs out. */
static bool set_up_worker(pool *P, unsigned i, td_source *src)
{
    const td_run *r = P->r;
    worker *w = &P->w[i];
    w->pool = P;
    w->index = i + 1;
    w->src = src;
    td_engine_config cfg;
    td_run_engine_config(&r->opt, &cfg);
    if (cfg.max_connections)                       /* the cap is on all of them: each its share */
        cfg.max_connections = (cfg.max_connections + P->n - 1) / P->n;
    w->engine = td_engine_new(&cfg, false, worker_emit, w);
    if (!w->engine) return false;
    td_engine_begin_file(w->engine, r->opt.iface, td_source_linktype(src));
    /* Each worker reads the key logs itself: the dissectors use their key log without locks
     * (and remember resumable TLS 1.2 sessions in it).  Problems were said by main.c. */
    if (r->opt.n_keylogs) {
        w->keylogs = td_keylog_files_open(r->opt.keylogs, r->opt.n_keylogs, NULL);
        if (!w->keylogs) return false;
        td_engine_set_keylog(w->engine, td_keylog_files_keys(w->keylogs), true);
    }
    return true;
}

/* After the capture: join the worker, say what went wrong and what it did, add its counts to
 * the run's, and free it. */
static void finish_worker(pool *P, worker *w)
{
    td_run *r = P->r;
    if (w->running) pthread_join(w->thread, NULL);
    if (w->failed) {
        fprintf(stderr, "tlsdiag: %s: worker %u: capture stopped after its packet %llu: %s\n", r->opt.iface,
                w->index, (unsigned long long)w->number, w->error);
        r->input_error = true;
    }
    if (w->bad > TD_LIVE_MAX_PACKET_WARNINGS)
        fprintf(stderr, "tlsdiag: %s: worker %u: %llu packets had problems in all (first: its packet %llu)\n",
                r->opt.iface, w->index, (unsigned long long)w->bad, (unsigned long long)w->first_bad);
    if (w->have_stats) {
        r->have_kernel_stats = true;
        r->kernel_received += w->received;
        r->kernel_dropped += w->dropped;
    }
    const td_engine_stats *st = w->engine ? td_engine_get_stats(w->engine) : NULL;
    fprintf(stderr, "tlsdiag: worker %u of %u: %llu packets, %llu connections (at most %zu open at once); "
            "kernel: %llu received, %llu dropped\n", w->index, P->n, (unsigned long long)w->number,
            (unsigned long long)(st ? st->connections : 0), st ? st->peak_open : 0,
            (unsigned long long)w->received, (unsigned long long)w->dropped);
    if (w->engine) add_stats(&r->live_stats, td_engine_get_stats(w->engine));
    td_engine_free(w->engine);
    td_keylog_files_free(w->keylogs);
    for (done *d = w->head; d;) {                  /* only when a worker could not start */
        done *next = d->next;
        td_transcript_clear(&d->t);
        free(d);
        d = next;
    }
}

void td_live_workers(td_run *r, td_source **src, unsigned n, double deadline)
{
    pool P;
    memset(&P, 0, sizeof P);
    P.r = r;
    P.n = n;
    P.limit = (uint64_t)r->opt.count;
    atomic_init(&P.stop, false);
    atomic_init(&P.taken, 0);
    P.w = calloc(n, sizeof *P.w);
    if (!P.w || pthread_mutex_init(&P.mu, NULL) != 0 || pthread_cond_init(&P.cv, NULL) != 0) {
        fprintf(stderr, "tlsdiag: out of memory\n");
        free(P.w);
        r->input_error = true;
        return;
    }
    bool ok = true;
    for (unsigned i = 0; i < n; i++)
        if (!set_up_worker(&P, i, src[i])) ok = false;
    if (!ok) {
        fprintf(stderr, "tlsdiag: out of memory\n");
        r->input_error = true;
    } else {
        if (!start_workers(&P)) r->input_error = true;
        writer(&P, deadline);
    }
    memset(&r->live_stats, 0, sizeof r->live_stats);
    r->have_live_stats = true;
    for (unsigned i = 0; i < n; i++) finish_worker(&P, &P.w[i]);
    pthread_cond_destroy(&P.cv);
    pthread_mutex_destroy(&P.mu);
    free(P.w);
}
