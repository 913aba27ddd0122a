/* heap_pages.c - the heap in huge pages where the kernel allows them.
 *
 * On the virtual machines we measure on, a page fault costs microseconds: a run's first touch of
 * each 4 KiB of heap was a fifth of its time on the bench's captures (perf: the faults inside
 * malloc writing a fresh chunk's header).  Transparent huge pages (in "madvise" mode, Debian's
 * default) take one fault per 2 MiB.  So the heap grows in 32 MiB steps (M_TOP_PAD) and is never
 * trimmed, and each time it has grown its new part is advised MADV_HUGEPAGE (a region brk adds
 * is a new mapping without the advice).  glibc's own glibc.malloc.hugetlb=1 does the same, but
 * only when set in the environment before the program starts.  Where the kernel has no huge
 * pages the advice fails and nothing changes.  The first 8 MiB of heap keep small pages. */
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyzer/run/heap_pages.h"

#define HUGE_PAGE ((uintptr_t)2 << 20)
#define SMALL_HEAP ((uintptr_t)8 << 20)

static uintptr_t advised_to;       /* the heap below this was advised */

void td_heap_pages_init(void)
{
    mallopt(M_TOP_PAD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_MMAP_THRESHOLD, 1 << 20);             /* fixed by the two above; as large as it would grow */
    /* The first SMALL_HEAP stays in 4 KiB pages: a small run's peak would otherwise move in 2 MiB steps
     * with where its allocations fall (tests/memory.sh compares such peaks), for faults that cost little. */
    advised_to = (uintptr_t)sbrk(0) + SMALL_HEAP;
    td_heap_pages_follow();
}

void td_heap_pages_follow(void)
{
    uintptr_t end = (uintptr_t)sbrk(0) & ~(HUGE_PAGE - 1);
    uintptr_t from = (advised_to + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    if (!advised_to || end <= from) return;
    madvise((void *)from, end - from, MADV_HUGEPAGE);
    advised_to = end;
}
