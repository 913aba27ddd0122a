/* run_held_int.h - the connections a run holds for their later siblings: the line that keeps the
 * report in order of first packet (run_line.c) and the waiting list of those that left it
 * (run_waiting.c); run_connection.c decides who is held and when each is reported. */
#ifndef TLSDIAG_RUN_HELD_INT_H
#define TLSDIAG_RUN_HELD_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer/run/run.h"

#define HOLD_WINDOW 10.0           /* as analyzer/diagnose/siblings.c's SIB_WINDOW */

typedef struct td_line td_line;

/* What a place in the line holds. */
typedef enum {
    TD_HELD_WAITING,               /* a connection waiting for its later siblings */
    TD_HELD_PENDING,               /* the place of a connection still open that later ones passed */
    TD_HELD_READY,                 /* such a connection, come and judged: reported when first */
    TD_HELD_EMPTY,                 /* such a connection that will never come */
} td_held_state;

typedef struct td_held {
    td_held_state state;
    td_transcript t;               /* moved out of the engine's connection (PENDING: only id and start) */
    td_result res;
    struct td_held *next;          /* in the line, or on the waiting list */
    /* In the line: where what the connections reported after it (and before the next held one)
     * wrote meanwhile ends in the line's report and page tapes (run_line.c), and the length of
     * each <article> (the page draws only so many). */
    uint64_t out_end, html_end;
    size_t *html_sizes, n_html, html_cap;
} td_held;

/* The line (run_line.c). */
/* Hold a connection (t is moved: the engine frees an empty shell; res copied) at the line's end;
 * NULL when memory ran out (nothing moved). */
td_held *td_line_hold(td_run *r, td_transcript *t, const td_result *res);
/* Keep a place at the line's end for connection `id`, still open; NULL when memory ran out. */
td_held *td_line_keep_place(td_run *r, uint64_t id, double start);
/* The place kept for connection `id`, or NULL (none: it was given up, td_line_due). */
td_held *td_line_place(td_run *r, uint64_t id);
/* Put the connection in its place (t moved, res copied, as td_line_hold). */
void td_line_fill(td_run *r, td_held *h, td_transcript *t, const td_result *res, td_held_state state);
/* The connection of place h will not come. */
void td_line_withdraw(td_run *r, td_held *h);
/* How many places are kept for connections still open. */
size_t td_line_pending(const td_run *r);
/* The start of the oldest connection a place is kept for, or INFINITY. */
double td_line_pending_from(td_run *r);
/* The stream a connection reported now writes to, when a held one is ahead of it: the last held
 * one's, or NULL (the line is empty, or memory ran out: straight out). */
FILE *td_line_out(td_run *r);
/* The same connection's <article>, kept for the page (r->html). */
void td_line_html(td_run *r, const td_result *res);
/* After a write into td_line_out's stream: where it ends noted, and the line's memory counted
 * (and bounded: td_line_over). */
void td_line_wrote(td_run *r);
/* Is the line longer than its bound (bytes held, TLSDIAG_LINE_MAX sets it for the tests)? */
bool td_line_over(const td_run *r);
/* The line's first place, taken off it, when it is due: a waiting connection's HOLD_WINDOW has
 * passed by `now`, a passed one has come (or will not); any, when `all`.  Else NULL. */
td_held *td_line_due(td_run *r, double now, bool all);
/* Write out what the connections behind h wrote while it was held (h is off the line). */
void td_line_flush(td_run *r, td_held *h);
/* Free a held connection off the line and the waiting list. */
void td_held_free(td_held *h);
/* The end: free the line (empty by now). */
void td_line_free(td_run *r);

/* The waiting list (run_waiting.c). */
/* Put h (off the line, flushed) at the list's end; false when the list is full. */
bool td_waiting_add(td_run *r, td_held *h);
/* The first waiting connection whose HOLD_WINDOW has passed by `now` (any, when all), taken off
 * the list, or NULL. */
td_held *td_waiting_due(td_run *r, double now, bool all);

#endif
