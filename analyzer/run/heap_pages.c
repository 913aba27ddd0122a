/* heap_pages.c - the heap in huge pages where the kernel allows them.
 *
 * On the virtual machines we measure on, a page fault costs microseconds: a run's first touch of
 * each 4 KiB of heap was a fifth of its time on the bench's captures (perf: the faults inside
 * malloc writing a fresh chunk's header).  Transparent huge pages (in "madvise" mode, Debian's
 * default) take one fault per 2 MiB.  So the heap grows in 32 MiB steps (M_TOP_PAD) and is never
 * trimmed, and each time it has grown its new part is advised MADV_HUGEPAGE (a region brk adds
 * is a new mapping without the advice).  glibc's own glibc.malloc.hugetlb=1 does the same, but
 * only when set in the environment before the program starts.  Where the kernel has no huge
 * pages the advice fails and nothing changes.
 *
 * From the heap's first byte: the first 8 MiB had kept small pages, and their 2,000 faults were
 * 13% of the CPU time on the bench's handshake capture.  A peak is then counted in 2 MiB steps;
 * TLSDIAG_SMALL_PAGES=1 in the environment keeps 4 KiB pages, for tests that compare the peaks of
 * two small runs to the kilobyte (tests/memory.sh). */
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyzer/run/heap_pages.h"

#define HUGE_PAGE ((uintptr_t)2 << 20)

static uintptr_t advised_to;       /* the heap below this was advised */

bool td_huge_pages_wanted(void)
{
    const char *small = getenv("TLSDIAG_SMALL_PAGES");
    return !(small && *small && *small != '0');
}

void td_heap_pages_init(void)
{
    mallopt(M_TOP_PAD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_MMAP_THRESHOLD, 1 << 20);             /* fixed by the two above; as large as it would grow */
    if (!td_huge_pages_wanted()) return;
    advised_to = (uintptr_t)sbrk(0);
    /* Grown now by M_TOP_PAD (a block larger than what the C library's start left free), so that
     * it is advised before the start-up's own allocations touch it. */
    void *volatile grow = malloc(512 << 10);      /* volatile: a malloc freed unused may be optimised away */
    free(grow);
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
