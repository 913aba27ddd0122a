/* run_waiting.c - the line of held connections grown, and the connections waiting for their later
 * siblings out of it.
 *
 * The line (run_connection.c) keeps the report in order of first packet but holds at most
 * HOLD_MAX connections: when it is full, the one at its head that still waits for siblings
 * comes here, so that it is judged again only when every connection that began up to HOLD_WINDOW
 * after it has been judged, however many other connections the capture interleaves.  A
 * connection judged earlier would see fewer of its siblings in the whole run than in one
 * --shard, whose line fills more slowly.  The list is bounded by capture time (HOLD_WINDOW of
 * waiting connections) and, as the last bound of memory, by WAITING_MAX; past it the oldest is
 * judged at once, as before this list existed (TLSDIAG_WAITING_MAX sets it, for the tests). */
#include <stdlib.h>

#include "analyzer/run/run_held_int.h"

#define WAITING_MAX 4096

/* h copied to `to`: the pointers into itself follow (the result's transcript and remedy). */
static void moved(td_held *to, const td_held *h)
{
    *to = *h;
    to->res.t = &to->t;
    if (h->res.remedy == h->res.remedy_buf) to->res.remedy = to->res.remedy_buf;
}

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
    td_held *w = malloc(sizeof *w);
    if (!w) return false;
    moved(w, h);
    w->next = NULL;
    if (r->waiting_last) r->waiting_last->next = w;
    else r->waiting_first = w;
    r->waiting_last = w;
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

void td_waiting_free(td_held *w)
{
    td_transcript_clear(&w->t);
    free(w);
}

bool td_held_grow(td_run *r, size_t max)
{
    size_t cap = r->held_cap ? 2 * r->held_cap : 64;
    if (cap > max) return false;
    td_held *n = malloc(cap * sizeof *n);
    if (!n) return false;
    for (size_t i = 0; i < r->n_held; i++) {
        moved(&n[i], &r->held[(r->held_head + i) % r->held_cap]);
    }
    free(r->held);
    r->held = n;
    r->held_head = 0;
    r->held_cap = cap;
    return true;
}
