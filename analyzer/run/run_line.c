/* run_line.c - the line of connections held for their later siblings, and what the connections
 * behind them write meanwhile.
 *
 * Reading files, the report is in order of first packet.  A connection whose verdict a later
 * sibling may change waits until every connection that began up to HOLD_WINDOW after it has
 * been judged (run_connection.c); the connections after it are judged and counted at once, but
 * what they write (the report's text or JSON, their <article> for the page) goes onto a tape in
 * memory, and is copied out after the held connection it waited behind.  So a held connection
 * costs its transcript and result (12 KB) and every other connection only its report's bytes,
 * copied once; the tapes' chunks are reused.  The line is bounded by the bytes it keeps
 * (LINE_MAX_BYTES; TLSDIAG_LINE_MAX sets it for the tests): past it the held connection at its
 * head leaves for the waiting list (run_waiting.c) and is reported after connections that began
 * after it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/run/progress.h"
#include "analyzer/run/run_held_int.h"

#define LINE_MAX_BYTES (48u << 20)

/* Bytes written through a stdio stream into memory, in chunks: [head, len) not yet copied out, as
 * offsets since the run began.  A chunk copied out goes back to a few spares, so that the tape's
 * memory is reused instead of touched afresh (each new page costs microseconds here). */
enum { CHUNK = 256u << 10, SPARES = 8 };

typedef struct tape {
    FILE *f;
    char **chunk;                  /* chunk[i] holds [base + i * CHUNK, base + (i + 1) * CHUNK) */
    size_t n_chunk, cap_chunk;
    uint64_t base, head, len;
    char *spare[SPARES];
    size_t n_spare;
    bool failed;                   /* memory ran out: the rest goes straight out */
} tape;

struct td_line {
    td_held *first, *last;
    size_t n;                      /* held in it */
    tape out, html;
};

static bool tape_add_chunk(tape *t)
{
    if (t->n_chunk == t->cap_chunk) {
        size_t cap = t->cap_chunk ? 2 * t->cap_chunk : 16;
        char **c = realloc(t->chunk, cap * sizeof *c);
        if (!c) return false;
        t->chunk = c;
        t->cap_chunk = cap;
    }
    char *b = t->n_spare ? t->spare[--t->n_spare] : malloc(CHUNK);
    if (!b) return false;
    t->chunk[t->n_chunk++] = b;
    return true;
}

static ssize_t tape_write(void *cookie, const char *b, size_t n)
{
    tape *t = cookie;
    uint64_t start = t->len;
    for (size_t done = 0; done < n;) {
        size_t at = (size_t)(t->len - t->base), i = at / CHUNK, off = at % CHUNK;
        if (i == t->n_chunk && !tape_add_chunk(t)) {
            t->len = start;        /* no half record on the tape: the rest of the report goes straight out */
            t->failed = true;
            return 0;
        }
        size_t k = n - done < CHUNK - off ? n - done : CHUNK - off;
        memcpy(t->chunk[i] + off, b + done, k);
        done += k;
        t->len += k;
    }
    return (ssize_t)n;
}

/* The stream onto the tape.  A JSON record comes in one fwrite (json_writer.h): unbuffered, it is
 * copied once; the text report's many small writes want a buffer. */
static FILE *tape_stream(tape *t, bool whole_records)
{
    if (!t->f && !t->failed) {
        t->f = fopencookie(t, "w", (cookie_io_functions_t){ .write = tape_write });
        if (t->f) setvbuf(t->f, NULL, whole_records ? _IONBF : _IOFBF, whole_records ? 0 : 1u << 16);
        else t->failed = true;
    }
    return t->failed ? NULL : t->f;
}

/* Copy the tape out up to `end` into `to` (NULL: skip it), and recycle the chunks left behind. */
static void tape_copy_out(tape *t, uint64_t end, FILE *to)
{
    if (end > t->len) end = t->len;
    while (t->head < end) {
        size_t at = (size_t)(t->head - t->base), i = at / CHUNK, off = at % CHUNK;
        size_t k = end - t->head < CHUNK - off ? (size_t)(end - t->head) : CHUNK - off;
        if (to) fwrite(t->chunk[i] + off, 1, k, to);
        t->head += k;
    }
    size_t gone = (size_t)((t->head - t->base) / CHUNK);
    for (size_t i = 0; i < gone; i++) {
        if (t->n_spare < SPARES) t->spare[t->n_spare++] = t->chunk[i];
        else free(t->chunk[i]);
    }
    if (gone) {
        memmove(t->chunk, t->chunk + gone, (t->n_chunk - gone) * sizeof *t->chunk);
        t->n_chunk -= gone;
        t->base += (uint64_t)gone * CHUNK;
    }
}

static void tape_free(tape *t)
{
    if (t->f) fclose(t->f);
    for (size_t i = 0; i < t->n_chunk; i++) free(t->chunk[i]);
    for (size_t i = 0; i < t->n_spare; i++) free(t->spare[i]);
    free(t->chunk);
}

td_held *td_line_hold(td_run *r, td_transcript *t, const td_result *res)
{
    if (!r->line && !(r->line = calloc(1, sizeof *r->line))) return NULL;
    td_line *l = r->line;
    td_held *h = malloc(sizeof *h);
    if (!h) return NULL;
    h->t = *t;                     /* moved: the engine frees an empty shell */
    memset(t, 0, sizeof *t);
    h->res = *res;
    h->res.t = &h->t;
    if (res->remedy == res->remedy_buf) h->res.remedy = h->res.remedy_buf;
    h->next = NULL;
    h->out_end = l->out.len;
    h->html_end = l->html.len;
    h->html_sizes = NULL;
    h->n_html = h->html_cap = 0;
    if (l->last) l->last->next = h;
    else l->first = h;
    l->last = h;
    l->n++;
    return h;
}

FILE *td_line_out(td_run *r)
{
    return r->line && r->line->last ? tape_stream(&r->line->out, r->opt.json || r->opt.json_ecs) : NULL;
}

void td_line_wrote(td_run *r)
{
    td_line *l = r->line;
    if (fflush(l->out.f) == 0 && !l->out.failed) l->last->out_end = l->out.len;
}

void td_line_html(td_run *r, const td_result *res)
{
    td_line *l = r->line;
    td_held *h = l->last;
    FILE *f = tape_stream(&l->html, false);
    if (!f) return;
    if (h->n_html == h->html_cap) {
        size_t cap = h->html_cap ? 2 * h->html_cap : 16;
        size_t *s = realloc(h->html_sizes, cap * sizeof *s);
        if (!s) return;
        h->html_sizes = s;
        h->html_cap = cap;
    }
    td_html_draw(f, res);
    if (fflush(f) != 0 || l->html.failed) return;
    h->html_sizes[h->n_html++] = (size_t)(l->html.len - h->html_end);
    h->html_end = l->html.len;
}

bool td_line_over(const td_run *r)
{
    static size_t max;
    if (!max) {
        const char *v = getenv("TLSDIAG_LINE_MAX");
        long n = v ? strtol(v, NULL, 10) : 0;
        max = n > 0 ? (size_t)n : LINE_MAX_BYTES;
    }
    const td_line *l = r->line;
    if (!l || !l->first) return false;
    return l->out.len - l->out.head + l->html.len - l->html.head + l->n * sizeof(td_held) > max;
}

td_held *td_line_due(td_run *r, double now, bool all)
{
    td_line *l = r->line;
    td_held *h = l ? l->first : NULL;
    if (!h || (!all && h->t.start + HOLD_WINDOW >= now)) return NULL;
    l->first = h->next;
    if (!l->first) l->last = NULL;
    l->n--;
    h->next = NULL;
    return h;
}

void td_line_flush(td_run *r, td_held *h)
{
    td_line *l = r->line;
    if (h->out_end > l->out.head) {
        td_progress_report(r->progress);
        tape_copy_out(&l->out, h->out_end, r->out);
    }
    for (size_t i = 0; i < h->n_html; i++)                /* counted here, in the report's order */
        tape_copy_out(&l->html, l->html.head + h->html_sizes[i], td_html_article(r->html));
}

void td_held_free(td_held *h)
{
    free(h->html_sizes);
    td_transcript_clear(&h->t);
    free(h);
}

void td_line_free(td_run *r)
{
    if (!r->line) return;
    tape_free(&r->line->out);
    tape_free(&r->line->html);
    free(r->line);
    r->line = NULL;
}
