/* tape_pages.c - see tape_pages.h. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "analyzer/run/heap_pages.h"
#include "analyzer/run/tape_pages.h"
#include "dissectors/asan.h"

#define BLOCK ((size_t)2 << 20)    /* a huge page */
#define PER_BLOCK (BLOCK / TD_TAPE_CHUNK)

struct tape_block {
    struct tape_block *next;
    void *map;                     /* what mmap gave: BLOCK more than the aligned block */
    char *mem;                     /* BLOCK bytes, aligned to BLOCK */
};

#if !TD_ASAN
/* A block aligned to its size (mapped one block larger, and the aligned part taken). */
static struct tape_block *block_new(void)
{
    struct tape_block *b = malloc(sizeof *b);
    if (!b) return NULL;
    b->map = mmap(NULL, 2 * BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (b->map == MAP_FAILED) {
        free(b);
        return NULL;
    }
    b->mem = (char *)(((uintptr_t)b->map + BLOCK - 1) & ~(uintptr_t)(BLOCK - 1));
#ifdef MADV_HUGEPAGE
    if (td_huge_pages_wanted()) madvise(b->mem, BLOCK, MADV_HUGEPAGE);   /* refused: small pages */
#endif
    return b;
}
#endif

void *td_tape_chunk_get(td_tape_pool *p)
{
    if (p->free_list) {
        void *c = p->free_list;
        p->free_list = *(void **)c;
        return c;
    }
#if TD_ASAN
    return malloc(TD_TAPE_CHUNK);
#else
    if (!p->blocks || p->used == PER_BLOCK) {
        struct tape_block *b = block_new();
        if (!b) return NULL;
        b->next = p->blocks;
        p->blocks = b;
        p->used = 0;
    }
    return p->blocks->mem + TD_TAPE_CHUNK * p->used++;
#endif
}

void td_tape_chunk_put(td_tape_pool *p, void *chunk)
{
    if (!chunk) return;
    *(void **)chunk = p->free_list;
    p->free_list = chunk;
}

void td_tape_pool_free(td_tape_pool *p)
{
#if TD_ASAN
    while (p->free_list) {
        void *c = p->free_list;
        p->free_list = *(void **)c;
        free(c);
    }
#endif
    for (struct tape_block *b = p->blocks, *next; b; b = next) {
        next = b->next;
        munmap(b->map, 2 * BLOCK);
        free(b);
    }
    p->blocks = NULL;
    p->used = 0;
    p->free_list = NULL;
}
