/* text_line.h - what the text reports share to build a line: the colour codes and a line buffer
 * filled printf-style (report_text.c for a run, report_merge_text.c for `tlsdiag report`). */
#ifndef TLSDIAG_TEXT_LINE_H
#define TLSDIAG_TEXT_LINE_H

#include <stdbool.h>
#include <stddef.h>

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_DIM "\033[2m"

static inline const char *col(bool color, const char *code) { return color ? code : ""; }

/* A line being built; longer text is cut at a word boundary (td_fit_words). */
typedef struct td_line {
    char b[2048];
    size_t n;
} td_line;

/* Append to l, printf-style. */
__attribute__((format(printf, 2, 3))) void td_line_add(td_line *l, const char *fmt, ...);

#endif
