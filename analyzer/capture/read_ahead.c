/* read_ahead.c - a file read in order by a thread of its own (read_ahead.h).
 *
 * SLOTS slots: one is the window the reader works in, the others are filled ahead by the thread.
 * The thread fills the slots in ring order and stops at the end of the file or at a read error;
 * the reader takes them in the same order.  Once the ring is full the thread sleeps until half of
 * it is free again, then fills that half in one go: a wake-up is a system call on each side, and
 * one for each 256 KiB window made 4,500 of them on the bench's bulk capture (now under 1,000). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyzer/capture/read_ahead.h"
#include "dissectors/asan.h"

enum { SLOTS = 6, REFILL_AT = SLOTS / 2 };

struct slot {
    uint8_t *mem;                  /* keep_max bytes of room, then the chunk */
    size_t got;
    bool eof;
    int err;                       /* errno of a failed read (then the thread has stopped) */
};

struct td_read_ahead {
    int fd;
    uint64_t next_read;            /* the thread's: the file offset of its next chunk */
    size_t chunk, keep_max;
    struct slot slot[SLOTS];
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv_fill, cv_take;   /* the thread waits on the first, the reader on the second */
    unsigned ready;                /* slots filled and not yet taken */
    unsigned free;                 /* slots the thread may fill */
    unsigned fill_at, take_at;     /* the slot the thread fills next, the one the reader takes next */
    bool held;                     /* the reader holds the slot before take_at */
    bool filler_asleep, taker_asleep;
    bool stop, done;               /* told to stop; stopped */
};

/* One chunk into s: short only at the end of the file. */
static void read_chunk(td_read_ahead *ra, struct slot *s)
{
    size_t have = 0;
    s->eof = false;
    s->err = 0;
    while (have < ra->chunk) {
        ssize_t n = pread(ra->fd, s->mem + ra->keep_max + have, ra->chunk - have, (off_t)ra->next_read);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            s->err = errno ? errno : EIO;
            break;
        }
        if (n == 0) {
            s->eof = true;
            break;
        }
        have += (size_t)n;
        ra->next_read += (uint64_t)n;
    }
    s->got = have;
}

/* A slot's memory, mapped on its own and kept off huge pages: the slots' mappings would merge
 * into one region, and a 2 MiB page in it would count the room in front, seldom used, in the
 * peak memory (by how the mappings fell: a peak that varied run to run by 2 MB). */
static uint8_t *slot_map(size_t size)
{
#if TD_ASAN
    return malloc(size);                           /* where the sanitizer sees a read past the window */
#else
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_NOHUGEPAGE
    madvise(p, size, MADV_NOHUGEPAGE);
#endif
    return p;
#endif
}

static void slots_unmap(td_read_ahead *ra)
{
    for (unsigned i = 0; i < SLOTS; i++)
        if (ra->slot[i].mem) {
#if TD_ASAN
            free(ra->slot[i].mem);
#else
            munmap(ra->slot[i].mem, ra->keep_max + ra->chunk);
#endif
        }
}

static void *run(void *arg)
{
    td_read_ahead *ra = arg;
    pthread_mutex_lock(&ra->mu);
    for (;;) {
        if (!ra->stop && ra->free == 0)
            while (!ra->stop && ra->free < REFILL_AT) {
                ra->filler_asleep = true;
                pthread_cond_wait(&ra->cv_fill, &ra->mu);
                ra->filler_asleep = false;
            }
        if (ra->stop)
            break;
        struct slot *s = &ra->slot[ra->fill_at];
        ra->free--;
        pthread_mutex_unlock(&ra->mu);
        read_chunk(ra, s);                         /* the slot is the thread's alone meanwhile */
        pthread_mutex_lock(&ra->mu);
        ra->fill_at = (ra->fill_at + 1) % SLOTS;
        ra->ready++;
        if (ra->taker_asleep)
            pthread_cond_signal(&ra->cv_take);
        if (s->eof || s->err)
            break;
    }
    ra->done = true;
    pthread_cond_signal(&ra->cv_take);
    pthread_mutex_unlock(&ra->mu);
    return NULL;
}

td_read_ahead *td_read_ahead_start(int fd, uint64_t from, size_t chunk, size_t keep_max)
{
    td_read_ahead *ra = calloc(1, sizeof *ra);
    if (!ra)
        return NULL;
    ra->fd = fd;
    ra->next_read = from;
    ra->chunk = chunk;
    ra->keep_max = keep_max;
    ra->free = SLOTS;
    /* The room in front is touched only as far as a window's tail needs it. */
    for (unsigned i = 0; i < SLOTS; i++)
        if (!(ra->slot[i].mem = slot_map(keep_max + chunk)))
            goto fail;
    if (pthread_mutex_init(&ra->mu, NULL) != 0)
        goto fail;
    if (pthread_cond_init(&ra->cv_fill, NULL) != 0) {
        pthread_mutex_destroy(&ra->mu);
        goto fail;
    }
    if (pthread_cond_init(&ra->cv_take, NULL) != 0) {
        pthread_cond_destroy(&ra->cv_fill);
        pthread_mutex_destroy(&ra->mu);
        goto fail;
    }
    if (pthread_create(&ra->thread, NULL, run, ra) != 0) {
        pthread_cond_destroy(&ra->cv_take);
        pthread_cond_destroy(&ra->cv_fill);
        pthread_mutex_destroy(&ra->mu);
        goto fail;
    }
    return ra;

fail:
    slots_unmap(ra);
    free(ra);
    return NULL;
}

bool td_read_ahead_next(td_read_ahead *ra, const uint8_t *keep, size_t keep_len, uint8_t **base,
                        size_t *size, bool *eof)
{
    if (keep_len > ra->keep_max)
        return false;
    pthread_mutex_lock(&ra->mu);
    while (ra->ready == 0 && !ra->done) {
        ra->taker_asleep = true;
        pthread_cond_wait(&ra->cv_take, &ra->mu);
        ra->taker_asleep = false;
    }
    if (ra->ready == 0) {                          /* asked again after the end or an error */
        pthread_mutex_unlock(&ra->mu);
        errno = EIO;
        return false;
    }
    struct slot *s = &ra->slot[ra->take_at];
    ra->ready--;
    pthread_mutex_unlock(&ra->mu);
    if (s->err) {
        errno = s->err;
        return false;
    }
    uint8_t *start = s->mem + ra->keep_max - keep_len;
    memcpy(start, keep, keep_len);
    pthread_mutex_lock(&ra->mu);
    if (ra->held) {                                /* the window before is the thread's again */
        ra->free++;
        if (ra->filler_asleep && ra->free >= REFILL_AT)
            pthread_cond_signal(&ra->cv_fill);
    }
    ra->held = true;
    ra->take_at = (ra->take_at + 1) % SLOTS;
    pthread_mutex_unlock(&ra->mu);
    *base = start;
    *size = keep_len + s->got;
    *eof = s->eof;
    return true;
}

void td_read_ahead_stop(td_read_ahead *ra)
{
    if (!ra)
        return;
    pthread_mutex_lock(&ra->mu);
    ra->stop = true;
    pthread_cond_signal(&ra->cv_fill);
    pthread_mutex_unlock(&ra->mu);
    pthread_join(ra->thread, NULL);
    pthread_cond_destroy(&ra->cv_take);
    pthread_cond_destroy(&ra->cv_fill);
    pthread_mutex_destroy(&ra->mu);
    slots_unmap(ra);
    free(ra);
}
