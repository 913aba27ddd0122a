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
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/run/progress.h"
#include "analyzer/run/run_held_int.h"
#include "analyzer/run/tape_pages.h"

#define LINE_MAX_BYTES (128u << 20)

/* Bytes written through a stdio stream into memory, in chunks: [head, len) not yet copied out, as
 * offsets since the run began.  A chunk copied out goes back to the tape's pool (tape_pages.c),
 * so that its memory is reused instead of touched afresh (each new page costs microseconds here).  Past
 * mem_max bytes in memory, what comes is written to a temporary file instead (spilled) until the
 * copying out has caught up: a connection passed while open (td_line_keep_place) can keep its
 * place however many finish after it. */
enum { CHUNK = TD_TAPE_CHUNK, SPILL_IO = 1u << 20 };

typedef struct tape {
    FILE *f;
    char **chunk;                  /* chunk[i] holds [base + i * CHUNK, base + (i + 1) * CHUNK) */
    size_t n_chunk, cap_chunk;
    uint64_t base, head, len;
    td_tape_pool pool;
    bool failed;                   /* memory ran out: the rest goes straight out */
    uint64_t mem_max;              /* bytes in memory before spilling */
    FILE *spill;                   /* the temporary file (spill_file), once needed */
    bool spilling;                 /* [spill_from, len) is in the file, from its byte 0 */
    bool no_spill;                 /* no temporary file could be made: memory only */
    uint64_t spill_from;
    char *spill_buf;               /* SPILL_IO bytes to copy the file out through */
} tape;

/* The bytes of the tape held in memory. */
static uint64_t tape_in_memory(const tape *t)
{
    uint64_t end = t->spilling ? t->spill_from : t->len;
    return end > t->head ? end - t->head : 0;
}

/* A temporary file in $TMPDIR (else /tmp), gone when closed or when the program ends. */
static FILE *spill_file(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {                  /* a file system without O_TMPFILE: a name, removed at once */
        char path[4096];
        snprintf(path, sizeof path, "%s/tlsdiag-tape-XXXXXX", dir);
        if ((fd = mkstemp(path)) < 0) return NULL;
        unlink(path);
    }
    FILE *f = fdopen(fd, "w+");
    if (!f) close(fd);
    return f;
}

/* Start writing to the temporary file; false (memory it stays) when there is none. */
static bool tape_spill(tape *t)
{
    if (t->no_spill) return false;
    if (!t->spill) {
        if (!(t->spill = spill_file())) {
            t->no_spill = true;
            return false;
        }
        setvbuf(t->spill, NULL, _IOFBF, SPILL_IO);  /* few system calls: each is microseconds here */
    }
    t->spilling = true;
    t->spill_from = t->len;
    return true;
}

struct td_line {
    td_held *first, *last;
    size_t n;                      /* held in it */
    size_t max;                    /* its bound: bytes of memory (the tapes' spilled bytes aside) */
    size_t n_pending;              /* places kept for connections still open */
    td_held *first_pending;        /* the oldest of them, when !pending_stale */
    bool pending_stale;
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
    char *b = td_tape_chunk_get(&t->pool);
    if (!b) return false;
    t->chunk[t->n_chunk++] = b;
    return true;
}

static ssize_t tape_write(void *cookie, const char *b, size_t n)
{
    tape *t = cookie;
    if (!t->spilling && t->mem_max && tape_in_memory(t) + n > t->mem_max && t->len > t->head) tape_spill(t);
    if (t->spilling) {
        if (fwrite(b, 1, n, t->spill) != n) {
            t->failed = true;      /* the disk is full: the rest of the report goes straight out */
            return 0;
        }
        t->len += n;
        return (ssize_t)n;
    }
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

/* Copy the spilled bytes out up to `end` (t->head is in the file). */
static void spill_copy_out(tape *t, uint64_t end, FILE *to)
{
    if (fflush(t->spill) != 0 || (!t->spill_buf && !(t->spill_buf = malloc(SPILL_IO)))) {
        t->head = end;             /* cannot be read back: lost, as a write error would lose it */
        return;
    }
    while (t->head < end) {
        size_t k = end - t->head < SPILL_IO ? (size_t)(end - t->head) : SPILL_IO;
        ssize_t got = pread(fileno(t->spill), t->spill_buf, k, (off_t)(t->head - t->spill_from));
        if (got <= 0) {
            t->head = end;
            break;
        }
        if (to) fwrite(t->spill_buf, 1, (size_t)got, to);
        t->head += (uint64_t)got;
    }
}

/* Copy the tape out up to `end` into `to` (NULL: skip it), and recycle the chunks left behind. */
static void tape_copy_out(tape *t, uint64_t end, FILE *to)
{
    if (end > t->len) end = t->len;
    uint64_t mem_end = t->spilling ? t->spill_from : t->len;
    while (t->head < end && t->head < mem_end) {
        size_t at = (size_t)(t->head - t->base), i = at / CHUNK, off = at % CHUNK;
        uint64_t stop = end < mem_end ? end : mem_end;
        size_t k = stop - t->head < CHUNK - off ? (size_t)(stop - t->head) : CHUNK - off;
        if (to) fwrite(t->chunk[i] + off, 1, k, to);
        t->head += k;
    }
    if (t->spilling && t->head < end) spill_copy_out(t, end, to);
    /* Once the memory's bytes are all out, every chunk is free; once the file's are, it is emptied
     * and the tape goes on in memory from len. */
    size_t gone = t->spilling && t->head >= t->spill_from ? t->n_chunk : (size_t)((t->head - t->base) / CHUNK);
    if (t->spilling && t->head == t->len) {
        t->spilling = false;
        if (ftruncate(fileno(t->spill), 0) != 0 || fseek(t->spill, 0, SEEK_SET) != 0) t->no_spill = true;
    }
    for (size_t i = 0; i < gone; i++) td_tape_chunk_put(&t->pool, t->chunk[i]);
    if (gone) {
        memmove(t->chunk, t->chunk + gone, (t->n_chunk - gone) * sizeof *t->chunk);
        t->n_chunk -= gone;
        t->base += (uint64_t)gone * CHUNK;
    }
    if (!t->n_chunk && !t->spilling) t->base = t->len;     /* after a spill: memory from here */
}

static void tape_free(tape *t)
{
    if (t->f) fclose(t->f);
    if (t->spill) fclose(t->spill);
    free(t->spill_buf);
    for (size_t i = 0; i < t->n_chunk; i++) td_tape_chunk_put(&t->pool, t->chunk[i]);
    td_tape_pool_free(&t->pool);
    free(t->chunk);
}

/* The line's bound in bytes of memory. */
static size_t line_max(void)
{
    const char *v = getenv("TLSDIAG_LINE_MAX");
    long n = v ? strtol(v, NULL, 10) : 0;
    return n > 0 ? (size_t)n : LINE_MAX_BYTES;
}

/* A new place at the line's end. */
static td_held *line_append(td_run *r)
{
    if (!r->line) {
        if (!(r->line = calloc(1, sizeof *r->line))) return NULL;
        r->line->max = line_max();
        r->line->out.mem_max = r->line->max / 8 * 5;   /* the rest spills to a file */
        r->line->html.mem_max = r->line->max / 4;      /* so the tapes alone never fill the line */
    }
    td_line *l = r->line;
    td_held *h = malloc(sizeof *h);
    if (!h) return NULL;
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

/* A kept place is no longer waiting for its connection. */
static void unpend(td_line *l)
{
    l->n_pending--;
    l->pending_stale = true;
}

void td_line_fill(td_run *r, td_held *h, td_transcript *t, const td_result *res, td_held_state state)
{
    if (h->state == TD_HELD_PENDING) unpend(r->line);
    h->state = state;
    h->t = *t;                     /* moved: the engine frees an empty shell */
    memset(t, 0, sizeof *t);
    h->res = *res;
    h->res.t = &h->t;
    if (res->remedy == res->remedy_buf) h->res.remedy = h->res.remedy_buf;
}

td_held *td_line_hold(td_run *r, td_transcript *t, const td_result *res)
{
    td_held *h = line_append(r);
    if (!h) return NULL;
    h->state = TD_HELD_WAITING;    /* td_line_fill reads it */
    td_line_fill(r, h, t, res, TD_HELD_WAITING);
    return h;
}

td_held *td_line_keep_place(td_run *r, uint64_t id, double start)
{
    td_held *h = line_append(r);
    if (!h) return NULL;
    h->state = TD_HELD_PENDING;
    r->line->n_pending++;
    memset(&h->t, 0, sizeof h->t);
    memset(&h->res, 0, sizeof h->res);
    h->t.id = id;
    h->t.start = start;
    return h;
}

void td_line_withdraw(td_run *r, td_held *h)
{
    h->state = TD_HELD_EMPTY;
    unpend(r->line);
}

size_t td_line_pending(const td_run *r)
{
    return r->line ? r->line->n_pending : 0;
}

double td_line_pending_from(td_run *r)
{
    td_line *l = r->line;
    if (!l || !l->n_pending) return INFINITY;
    if (l->pending_stale || !l->first_pending) {
        l->first_pending = NULL;
        for (td_held *h = l->first; h && !l->first_pending; h = h->next)
            if (h->state == TD_HELD_PENDING) l->first_pending = h;
        l->pending_stale = false;
    }
    return l->first_pending ? l->first_pending->t.start : INFINITY;
}

td_held *td_line_place(td_run *r, uint64_t id)
{
    if (!td_line_pending(r)) return NULL;
    for (td_held *h = r->line->first; h; h = h->next)
        if (h->state == TD_HELD_PENDING && h->t.id == id) return h;
    return NULL;
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
    const td_line *l = r->line;
    if (!l || !l->first) return false;
    return tape_in_memory(&l->out) + tape_in_memory(&l->html) + l->n * sizeof(td_held) > l->max;
}

td_held *td_line_due(td_run *r, double now, bool all)
{
    td_line *l = r->line;
    td_held *h = l ? l->first : NULL;
    if (!h) return NULL;
    if (!all && h->state == TD_HELD_PENDING) return NULL;
    if (!all && h->state == TD_HELD_WAITING && h->t.start + HOLD_WINDOW >= now) return NULL;
    if (h->state == TD_HELD_PENDING) unpend(l);    /* given up: its connection goes out when it comes */
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
