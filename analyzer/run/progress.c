/* progress.c - the progress line on stderr (see progress.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/run/progress.h"

#define FIRST_DRAW 1.0             /* seconds into a file before the line appears */
#define REDRAW 0.25                /* seconds between redraws */

struct td_progress {
    char name[64];                 /* the file's name, shortened to fit */
    uint64_t size;
    double start, last_draw;
    bool shown;
    bool report_shares;            /* the report goes to a terminal too: clear the line before it */
    bool redraw;                   /* the line was taken down for other output: put it back soon */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

td_progress *td_progress_new(bool report_on_terminal)
{
    const char *ci = getenv("CI");
    if (!isatty(STDERR_FILENO) || (ci && *ci)) return NULL;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0) return NULL;
    td_progress *p = calloc(1, sizeof(td_progress));
    if (p) p->report_shares = report_on_terminal;
    return p;
}

void td_progress_file(td_progress *p, const char *name, uint64_t size)
{
    if (!p) return;
    td_progress_clear(p);
    size_t n = strlen(name);
    if (n < sizeof p->name) snprintf(p->name, sizeof p->name, "%s", name);
    else snprintf(p->name, sizeof p->name, "...%s", name + n - (sizeof p->name - 4));
    p->size = size;
    p->start = p->last_draw = now_s();
    p->redraw = false;
}

static const char *bytes_text(uint64_t b, char *buf, size_t len)
{
    if (b >= 10000000000ull) snprintf(buf, len, "%.1f GB", (double)b / 1e9);
    else if (b >= 10000000) snprintf(buf, len, "%.0f MB", (double)b / 1e6);
    else snprintf(buf, len, "%.1f MB", (double)b / 1e6);
    return buf;
}

void td_progress_update(td_progress *p, uint64_t bytes, uint64_t packets, uint64_t connections)
{
    if (!p) return;
    double t = now_s();
    if (t - p->start < FIRST_DRAW || (t - p->last_draw < REDRAW && !p->redraw)) return;
    p->redraw = false;
    p->last_draw = t;
    double rate = (double)bytes / (t - p->start);
    char line[256], b1[32], b2[32], b3[32], left[32] = "";
    int n;
    if (p->size) {
        uint64_t done = bytes < p->size ? bytes : p->size;
        if (rate > 0 && p->size > done) {
            unsigned s = (unsigned)((double)(p->size - done) / rate + 0.5);
            snprintf(left, sizeof left, ", %u:%02u left", s / 60, s % 60);
        }
        n = snprintf(line, sizeof line, "%s: %s of %s (%.0f%%), %llu packets, %llu connections, %s/s%s",
                     p->name, bytes_text(done, b1, sizeof b1), bytes_text(p->size, b2, sizeof b2),
                     100.0 * (double)done / (double)p->size, (unsigned long long)packets,
                     (unsigned long long)connections, bytes_text((uint64_t)rate, b3, sizeof b3), left);
    } else {
        n = snprintf(line, sizeof line, "%s: %s, %llu packets, %llu connections, %s/s", p->name,
                     bytes_text(bytes, b1, sizeof b1), (unsigned long long)packets,
                     (unsigned long long)connections, bytes_text((uint64_t)rate, b3, sizeof b3));
    }
    if (n < 0) return;
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    p->shown = true;
}

void td_progress_clear(td_progress *p)
{
    if (!p || !p->shown) return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p->shown = false;
    p->redraw = true;              /* back at the next update, not a blink of REDRAW later */
}

void td_progress_report(td_progress *p)
{
    if (p && p->report_shares) td_progress_clear(p);
}

void td_progress_free(td_progress *p)
{
    td_progress_clear(p);
    free(p);
}
