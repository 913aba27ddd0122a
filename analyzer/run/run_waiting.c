/* run_waiting.c - the connections waiting for their later siblings out of the line.
 *
 * The line (run_line.c) keeps the report in order of first packet, but its memory is bounded:
 * past the bound, the held connection at its head comes here, and the connections behind it
 * are written out at once.  It is judged again only when every connection that began up to
 * HOLD_WINDOW after it has been judged, however many other connections the capture
 * interleaves: a connection judged earlier would see fewer of its siblings in the whole run than
 * in one --shard, whose line is shorter.  The list is bounded by capture time (HOLD_WINDOW of
 * waiting connections) and, as the last bound of memory, by WAITING_MAX; past it the oldest is
 * judged at once (TLSDIAG_WAITING_MAX sets it, for the tests). */
#include <stdlib.h>

#include "analyzer/run/run_held_int.h"

#define WAITING_MAX 4096

static size_t waiting_max(void)
{
    static size_t max;
    if (!max) {
        const char *v = getenv("TLSDIAG_WAITING_MAX");
        long n = v ? strtol(v, NULL, 10) : 0;
        max = n > 0 ? (size_t)n : WAITING_MAX;
    }
    return max;
}

bool td_waiting_add(td_run *r, td_held *h)
{
    if (r->n_waiting >= waiting_max()) return false;
    h->next = NULL;
    if (r->waiting_last) r->waiting_last->next = h;
    else r->waiting_first = h;
    r->waiting_last = h;
    r->n_waiting++;
    return true;
}

td_held *td_waiting_due(td_run *r, double now, bool all)
{
    td_held *w = r->waiting_first;
    if (!w || (!all && w->t.start + HOLD_WINDOW >= now)) return NULL;
    r->waiting_first = w->next;
    if (!r->waiting_first) r->waiting_last = NULL;
    r->n_waiting--;
    return w;
}
