/* text_line.c - a text report's line buffer, filled printf-style and cut between words when full. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/diagnose/classify.h"
#include "analyzer/report/text_line.h"

void td_line_add(td_line *l, const char *fmt, ...)
{
    if (l->n + 1 >= sizeof l->b) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(l->b + l->n, sizeof l->b - l->n, fmt, ap);
    va_end(ap);
    if (k < 0) return;
    if ((size_t)k >= sizeof l->b - l->n) {
        td_fit_words(l->b + l->n, sizeof l->b - l->n, k);
        l->n = strlen(l->b);
    } else {
        l->n += (size_t)k;
    }
}
