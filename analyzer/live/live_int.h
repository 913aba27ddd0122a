/* live_int.h - what the live capture's files share: the one-thread loop (live_loop.c), the
 * worker threads (live_workers.c) and the clocks and signals both read (live_clock.c). */
#ifndef TLSDIAG_LIVE_INT_H
#define TLSDIAG_LIVE_INT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/live/live.h"
#include "analyzer/run/run.h"
#include "analyzer/capture/source.h"

#define TD_LIVE_TICK_MS 200        /* longest wait for a packet before housekeeping */
#define TD_LIVE_STATS_EVERY 1.0    /* seconds between reads of the kernel's counters */
#define TD_LIVE_MAX_PACKET_WARNINGS 5  /* malformed frames reported one by one; the rest counted */
#define TD_LIVE_KEYLOG_EVERY 0.002  /* seconds between reads of --keylog files that grow */

/* ---- clocks and signals (live_clock.c) ----------------------------------------------------- */

double td_live_mono_now(void);
/* The clock the kernel stamps packets with: what idle connections are measured against. */
double td_live_wall_now(void);
/* SIGINT or SIGTERM arrived (the handler only sets a flag and breaks the one-thread loop). */
bool td_live_signalled(void);
/* SIGINT and SIGTERM end the capture cleanly: from now on they set the flag and break src's wait
 * for packets (src may be NULL: the workers look at the flag themselves).  old gets the
 * handlers that were there, for td_live_restore_signals. */
void td_live_catch_signals(td_source *src, struct sigaction old[2]);
void td_live_restore_signals(const struct sigaction old[2]);
/* The first time drops are seen: one warning for the whole run, whichever thread sees them. */
void td_live_warn_drops(uint64_t dropped);

/* ---- one worker's reader thread (live_reader.c) ------------------------------------------ */

/* A thread that only copies src's frames into a queue of at most queue_bytes (then it waits and
 * the kernel's ring fills); NULL when it cannot be started.  While it runs, src is its alone. */
typedef struct td_live_reader td_live_reader;
td_live_reader *td_live_reader_start(td_source *src, size_t queue_bytes);
/* td_source_dispatch's contract, from the queue: frames first, then -2 (stopped) or -1 (the
 * capture failed: err) once the reader ended and the queue is empty. */
int td_live_reader_dispatch(td_live_reader *rd, int max, td_frame_fn fn, void *user, int wait_ms, char *err,
                            size_t errlen);
/* The kernel's counters as the reader last read them (td_source_live_stats). */
bool td_live_reader_stats(td_live_reader *rd, uint64_t *received, uint64_t *dropped);
/* Stop and join the thread, free the queue (what is still in it is not read). */
void td_live_reader_stop(td_live_reader *rd);

/* ---- worker threads (live_workers.c) ------------------------------------------------------- */

/* Capture with one thread per source (all in one fanout group, filters installed) until a
 * signal, -c or the deadline (monotonic; 0 = none); every connection, finished or still open at
 * the end, is reported once through td_run_connection on the calling thread.  Fills r's kernel
 * counts (summed over the sources) and r->live_stats (the engines' counts, summed). */
void td_live_workers(td_run *r, td_source **src, unsigned n, double deadline);

#endif
