/* tape_pages.h - the memory of the line's tapes (run_line.c), in huge pages where the kernel allows.
 *
 * A tape holds the report of every connection behind a held or kept place: tens of megabytes on
 * a capture whose first connections stay open.  Taken from the heap, its chunks were touched a
 * 4 KiB page at a time wherever the heap's huge-page advice (heap_pages.c) did not reach (the
 * last, partial 2 MiB of each step the heap grew by): 1,300 page faults on the bench's
 * handshake capture, each microseconds on a virtual machine.  Here the chunks are cut from
 * blocks of 2 MiB mapped on their own, aligned and advised MADV_HUGEPAGE: one fault a block.
 * A chunk given back is kept for the next one; the blocks go when the pool does. */
#ifndef TLSDIAG_TAPE_PAGES_H
#define TLSDIAG_TAPE_PAGES_H

#include <stddef.h>

typedef struct td_tape_pool {
    struct tape_block *blocks;     /* mapped, newest first */
    size_t used;                   /* chunks cut from the newest block */
    void *free_list;               /* chunks given back, linked through their first bytes */
} td_tape_pool;

/* TD_TAPE_CHUNK bytes, or NULL when memory ran out. */
#define TD_TAPE_CHUNK ((size_t)256 << 10)
void *td_tape_chunk_get(td_tape_pool *p);
void td_tape_chunk_put(td_tape_pool *p, void *chunk);
/* Gives back every block (chunks still out are gone with them). */
void td_tape_pool_free(td_tape_pool *p);

#endif
