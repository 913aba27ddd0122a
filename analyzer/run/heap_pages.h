/* heap_pages.h - the heap in huge pages where the kernel allows them (heap_pages.c). */
#ifndef TLSDIAG_HEAP_PAGES_H
#define TLSDIAG_HEAP_PAGES_H

#include <stdbool.h>

/* False when TLSDIAG_SMALL_PAGES=1 asks for 4 KiB pages only (for tests that compare peaks). */
bool td_huge_pages_wanted(void);
/* At the start: the heap grows in large steps and is kept. */
void td_heap_pages_init(void);
/* After the heap may have grown (once a connection): its new part asked for in huge pages. */
void td_heap_pages_follow(void);

#endif
