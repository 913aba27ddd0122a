/* live_reader.c - one worker's reader thread: it only copies frames out of the kernel's ring
 * into a queue, which the analysing thread empties (live_loop.c).
 *
 * The kernel drops when its ring is full, so the ring must be emptied at the rate packets come,
 * not at the rate the analysis handles them: a burst of small TLS records, a certificate chain
 * to verify or a sweep of idle connections would otherwise hold the ring while it fills.  The
 * reader does nothing but copy, so the ring drains at memcpy speed and the backlog waits in the
 * queue (bounded: when it is full the reader waits, the ring fills and the kernel counts the
 * drops, as before).  The queue is a list of chunks of records (header, then the frame's bytes);
 * the reader appends to the last chunk and publishes how far it got after each batch of the
 * ring, the analyser reads up to there without the lock and recycles the chunks it finished.
 *
 * The kernel's counters are read here too (libpcap's handle is the reader's alone while it
 * runs); the analyser takes the newest reading. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include "analyzer/live/live_int.h"

#define CHUNK_BYTES (4u << 20)     /* > the largest frame (262144 bytes of snaplen) + its header */
#define READER_WAIT_MS 50          /* the reader's longest wait for the ring: it sees stop this soon */
#define READER_STATS_EVERY 0.1     /* seconds between its readings of the kernel's counters */

typedef struct record {
    uint64_t ts_sec;
    uint32_t ts_nsec;
    uint32_t caplen, wirelen;
    uint32_t size;                 /* of the record, header included, a multiple of 8 */
} record;

typedef struct chunk {
    struct chunk *next;
    size_t used;                   /* the reader's: bytes written */
    size_t published;              /* under mu: bytes the analyser may read */
    size_t read;                   /* the analyser's: bytes handed over */
    unsigned char data[];
} chunk;

struct td_live_reader {
    td_source *src;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    atomic_bool stop;
    /* Under mu. */
    chunk *head, *tail;            /* the queue: the analyser reads head, the reader writes tail */
    chunk *spare;                  /* read chunks, for the reader to reuse */
    size_t chunks, max_chunks;     /* allocated, and the bound */
    int end;                       /* 0 running; -2 stopped by td_source_break; -1 capture error */
    char error[PCAP_ERRBUF_SIZE + 64];
    bool have_stats;
    uint64_t received, dropped;
};

static chunk *new_chunk(td_live_reader *rd)
{
    chunk *c = rd->spare;
    if (c) {
        rd->spare = c->next;
    } else {
        if (rd->chunks >= rd->max_chunks || !(c = malloc(sizeof *c + CHUNK_BYTES))) return NULL;
        rd->chunks++;
    }
    c->next = NULL;
    c->used = c->published = c->read = 0;
    return c;
}

/* Make what the reader wrote readable. */
static void publish(td_live_reader *rd)
{
    pthread_mutex_lock(&rd->mu);
    bool news = rd->tail->published != rd->tail->used;
    rd->tail->published = rd->tail->used;
    pthread_mutex_unlock(&rd->mu);
    if (news) pthread_cond_signal(&rd->not_empty);
}

/* The reader's frame callback: append one record, moving to a new chunk when this one is full
 * (and waiting for one when the queue is at its bound). */
static void copy_frame(void *user, const td_frame *f)
{
    td_live_reader *rd = user;
    size_t caplen = f->caplen > CHUNK_BYTES - sizeof(record) ? CHUNK_BYTES - sizeof(record) : f->caplen;
    size_t size = (sizeof(record) + caplen + 7u) & ~(size_t)7u;
    chunk *c = rd->tail;
    if (c->used + size > CHUNK_BYTES) {
        pthread_mutex_lock(&rd->mu);
        c->published = c->used;
        chunk *n;
        while (!(n = new_chunk(rd)) && !atomic_load(&rd->stop)) {
            pthread_cond_signal(&rd->not_empty);
            pthread_cond_wait(&rd->not_full, &rd->mu);
        }
        if (n) {
            c->next = n;
            rd->tail = n;
        }
        pthread_mutex_unlock(&rd->mu);
        pthread_cond_signal(&rd->not_empty);
        if (!n) return;                            /* stopping: the frame is not wanted */
        c = n;
    }
    record h = { .ts_sec = f->ts_sec, .ts_nsec = f->ts_nsec, .caplen = (uint32_t)caplen,
                 .wirelen = (uint32_t)f->wirelen, .size = (uint32_t)size };
    memcpy(c->data + c->used, &h, sizeof h);
    memcpy(c->data + c->used + sizeof h, f->data, caplen);
    c->used += size;
}

static void read_stats(td_live_reader *rd)
{
    uint64_t received, dropped;
    if (!td_source_live_stats(rd->src, &received, &dropped)) return;
    pthread_mutex_lock(&rd->mu);
    rd->have_stats = true;
    rd->received = received;
    rd->dropped = dropped;
    pthread_mutex_unlock(&rd->mu);
}

static void *reader_main(void *arg)
{
    td_live_reader *rd = arg;
    double next_stats = 0;
    int end = 0;
    char err[PCAP_ERRBUF_SIZE + 64] = "";
    while (!atomic_load(&rd->stop)) {
        int rc = td_source_dispatch(rd->src, -1, copy_frame, rd, READER_WAIT_MS, err, sizeof err);
        publish(rd);
        double now = td_live_mono_now();
        if (now >= next_stats || rc == 0) {        /* rc 0: the ring is empty, a moment to look */
            read_stats(rd);
            next_stats = now + READER_STATS_EVERY;
        }
        if (rc < 0) {
            end = rc;
            break;
        }
    }
    read_stats(rd);
    pthread_mutex_lock(&rd->mu);
    rd->end = end ? end : -2;
    if (end == -1) snprintf(rd->error, sizeof rd->error, "%s", err);
    pthread_mutex_unlock(&rd->mu);
    pthread_cond_signal(&rd->not_empty);
    return NULL;
}

td_live_reader *td_live_reader_start(td_source *src, size_t queue_bytes)
{
    td_live_reader *rd = calloc(1, sizeof *rd);
    if (!rd) return NULL;
    rd->src = src;
    rd->max_chunks = queue_bytes / CHUNK_BYTES;
    if (rd->max_chunks < 4) rd->max_chunks = 4;
    atomic_init(&rd->stop, false);
    if (!(rd->head = rd->tail = new_chunk(rd))) {
        free(rd);
        return NULL;
    }
    if (pthread_mutex_init(&rd->mu, NULL) != 0) goto fail_mu;
    if (pthread_cond_init(&rd->not_empty, NULL) != 0) goto fail_ne;
    if (pthread_cond_init(&rd->not_full, NULL) != 0) goto fail_nf;
    /* The signals go to the analysing thread, whose handler breaks the reader's wait. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = pthread_create(&rd->thread, NULL, reader_main, rd);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == 0) return rd;
    pthread_cond_destroy(&rd->not_full);
fail_nf:
    pthread_cond_destroy(&rd->not_empty);
fail_ne:
    pthread_mutex_destroy(&rd->mu);
fail_mu:
    free(rd->head);
    free(rd);
    return NULL;
}

/* Wait until the queue has something, the reader ended, or wait_ms passed.  Under mu. */
static void wait_queue(td_live_reader *rd, int wait_ms)
{
    if (wait_ms <= 0) return;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (rd->head->read == rd->head->published && !rd->head->next && !rd->end && !td_live_signalled())
        if (pthread_cond_timedwait(&rd->not_empty, &rd->mu, &until) != 0) break;
}

int td_live_reader_dispatch(td_live_reader *rd, int max, td_frame_fn fn, void *user, int wait_ms, char *err,
                            size_t errlen)
{
    int n = 0;
    pthread_mutex_lock(&rd->mu);
    if (rd->head->read == rd->head->published && !rd->head->next && !rd->end) wait_queue(rd, wait_ms);
    while (max <= 0 || n < max) {
        chunk *c = rd->head;
        if (c->read == c->published) {
            if (!c->next || c->published != c->used) break;   /* nothing more yet */
            rd->head = c->next;                    /* finished: back to the reader */
            c->next = rd->spare;
            rd->spare = c;
            pthread_cond_signal(&rd->not_full);
            continue;
        }
        size_t until = c->published;
        pthread_mutex_unlock(&rd->mu);
        /* The bytes below published are the reader's no more: read them without the lock. */
        while (c->read < until && (max <= 0 || n < max)) {
            record h;
            memcpy(&h, c->data + c->read, sizeof h);
            td_frame f = { .data = c->data + c->read + sizeof h, .caplen = h.caplen, .wirelen = h.wirelen,
                           .ts_sec = h.ts_sec, .ts_nsec = h.ts_nsec };
            f.ts = (double)f.ts_sec + (double)f.ts_nsec / 1e9;
            c->read += h.size;
            fn(user, &f);
            n++;
        }
        pthread_mutex_lock(&rd->mu);
    }
    int end = rd->end;
    if (!n && end == -1 && err) snprintf(err, errlen, "%s", rd->error);
    pthread_mutex_unlock(&rd->mu);
    return n ? n : end;
}

bool td_live_reader_stats(td_live_reader *rd, uint64_t *received, uint64_t *dropped)
{
    pthread_mutex_lock(&rd->mu);
    bool have = rd->have_stats;
    *received = rd->received;
    *dropped = rd->dropped;
    pthread_mutex_unlock(&rd->mu);
    return have;
}

void td_live_reader_stop(td_live_reader *rd)
{
    if (!rd) return;
    atomic_store(&rd->stop, true);
    pthread_mutex_lock(&rd->mu);
    pthread_cond_broadcast(&rd->not_full);
    pthread_mutex_unlock(&rd->mu);
    pthread_join(rd->thread, NULL);
    for (chunk *c = rd->head; c;) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    for (chunk *c = rd->spare; c;) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    pthread_cond_destroy(&rd->not_full);
    pthread_cond_destroy(&rd->not_empty);
    pthread_mutex_destroy(&rd->mu);
    free(rd);
}
