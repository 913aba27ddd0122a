/* live.h - live capture, the run's other input: packets from an interface instead of files. */
#ifndef TLSDIAG_LIVE_H
#define TLSDIAG_LIVE_H

#include "analyzer/run/run.h"

/* Capture on -i until a signal, -c or --duration (analyzer/live/live_loop.c; with --workers,
 * analyzer/live/live_workers.c). */
void td_live_run(td_run *r);

#endif
