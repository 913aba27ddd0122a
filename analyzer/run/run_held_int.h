/* run_held_int.h - the connections a run holds for their later siblings (run_connection.c) and
 * the waiting list of those that left the line of held ones (run_waiting.c). */
#ifndef TLSDIAG_RUN_HELD_INT_H
#define TLSDIAG_RUN_HELD_INT_H

#include <stdbool.h>

#include "analyzer/run/run.h"

#define HOLD_WINDOW 10.0           /* as analyzer/diagnose/siblings.c's SIB_WINDOW */

typedef struct td_held {
    td_transcript t;               /* moved out of the engine's connection */
    td_result res;
    bool again;                    /* to be judged again before it is reported */
    struct td_held *next;          /* on the waiting list */
} td_held;

/* Double the line of held connections (r->held, a ring of r->held_cap), from 64 up to max; false
 * when it is that long already or memory ran out. */
bool td_held_grow(td_run *r, size_t max);
/* Move h onto the waiting list (in order of start); false when the list is full or memory ran
 * out (h is then as it was). */
bool td_waiting_add(td_run *r, td_held *h);
/* The first waiting connection whose HOLD_WINDOW has passed by `now` (any, when all), taken off
 * the list, or NULL. */
td_held *td_waiting_due(td_run *r, double now, bool all);
/* Free a connection taken off the list. */
void td_waiting_free(td_held *w);

#endif
