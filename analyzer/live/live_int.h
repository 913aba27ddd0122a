/* live_int.h - what the live capture's files share: the one-thread loop (live_loop.c), the
 * worker threads (live_workers.c) and the clocks and signals both read (live_clock.c). */
#ifndef TLSDIAG_LIVE_INT_H
#define TLSDIAG_LIVE_INT_H

#include <signal.h>
#include <stdbool.h>
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

/* ---- worker threads (live_workers.c) ------------------------------------------------------- */

/* Capture with one thread per source (all in one fanout group, filters installed) until a
 * signal, -c or the deadline (monotonic; 0 = none); every connection, finished or still open at
 * the end, is reported once through td_run_connection on the calling thread.  Fills r's kernel
 * counts (summed over the sources) and r->live_stats (the engines' counts, summed). */
void td_live_workers(td_run *r, td_source **src, unsigned n, double deadline);

#endif
