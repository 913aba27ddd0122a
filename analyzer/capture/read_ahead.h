/* read_ahead.h - a file read in order by a thread of its own, a few chunks ahead of its reader.
 *
 * Reading a file from the page cache is a copy by the kernel; done on the analysing thread it
 * adds to the analysis' time, done on another core it overlaps it.  The chunks go round a ring
 * of slots; each slot has room in front of its chunk for the bytes the reader still needs from
 * the chunk before (a record cut by the chunk's end), so that each window it sees is one run of
 * bytes. */
#ifndef TLSDIAG_READ_AHEAD_H
#define TLSDIAG_READ_AHEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct td_read_ahead td_read_ahead;

/* Starts reading fd from byte `from` on, in chunks of `chunk` bytes, each slot with `keep_max`
 * bytes of room in front.  NULL when out of memory or no thread could be started. */
td_read_ahead *td_read_ahead_start(int fd, uint64_t from, size_t chunk, size_t keep_max);

/* The next window: the `keep_len` bytes at `keep` (at most keep_max; they may lie in the window
 * handed out before, which is given back only now) followed by the next chunk of the file.
 * *eof when the file ended within it.  false on a read error (errno as pread(2) left it). */
bool td_read_ahead_next(td_read_ahead *ra, const uint8_t *keep, size_t keep_len, uint8_t **base,
                        size_t *size, bool *eof);

/* Stops the thread and frees everything. */
void td_read_ahead_stop(td_read_ahead *ra);

#endif
