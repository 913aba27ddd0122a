/* progress.h - a progress line on stderr while capture files are read (analyzer/run/progress.c).
 * It shows bytes and percent of the file, packets, connections, rate and time left, redrawn in
 * place a few times a second.  Only when stderr is a terminal and $CI is unset, never in pipes or CI
 * logs, and only for a file that takes more than a second; it is erased before report output
 * that goes to a terminal too (never for a report written to a file or pipe: no flicker), before
 * any message on stderr and at the end of each file, and put back at the next update. */
#ifndef TLSDIAG_PROGRESS_H
#define TLSDIAG_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct td_progress td_progress;

/* NULL when no progress line should be shown; every function below accepts NULL. */
td_progress *td_progress_new(bool report_on_terminal);
/* A new file; size 0 when unknown (stdin, a pipe). */
void td_progress_file(td_progress *p, const char *name, uint64_t size);
/* Where reading stands: bytes of the file consumed, packets, connections seen.  Cheap enough to
 * call every few thousand packets; draws at most four times a second. */
void td_progress_update(td_progress *p, uint64_t bytes, uint64_t packets, uint64_t connections);
/* Erase the line if it is shown (before a message on stderr, at the end of a file). */
void td_progress_clear(td_progress *p);
/* A report record is about to be written: erase the line if the report shares the terminal. */
void td_progress_report(td_progress *p);
void td_progress_free(td_progress *p);

#endif
