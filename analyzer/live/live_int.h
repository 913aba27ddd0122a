/* live_priv.h - what run_live.c (opening, privileges, signals, the one-thread loop) shares with
 * live_workers.c (--workers N: one capture thread and engine per fanout socket). */
#ifndef TLSDIAG_LIVE_PRIV_H
#define TLSDIAG_LIVE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer/run/run.h"
#include "analyzer/capture/source.h"

#define TD_LIVE_TICK_MS 200        /* longest wait for a packet before housekeeping */
#define TD_LIVE_STATS_EVERY 1.0    /* seconds between reads of the kernel's counters */
#define TD_LIVE_MAX_PACKET_WARNINGS 5  /* malformed frames reported one by one; the rest counted */
#define TD_LIVE_KEYLOG_EVERY 0.002  /* seconds between reads of --keylog files that grow */

double td_live_mono_now(void);
/* The clock the kernel stamps packets with: what idle connections are measured against. */
double td_live_wall_now(void);
/* SIGINT or SIGTERM arrived (the handler only sets a flag and breaks the one-thread loop). */
bool td_live_signalled(void);
/* The first time drops are seen: one warning for the whole run, whichever thread sees them. */
void td_live_warn_drops(uint64_t dropped);

/* Capture with one thread per source (all in one fanout group, filters installed) until a
 * signal, -c or the deadline (monotonic; 0 = none); every connection, finished or still open at
 * the end, is reported once through td_run_connection on the calling thread.  Fills r's kernel
 * counts (summed over the sources) and r->live_stats (the engines' counts, summed). */
void td_live_workers(td_run *r, td_source **src, unsigned n, double deadline);

#endif
