/* zeroed_pages.h - large tables of zeros whose pages cost nothing until first written.
 *
 * The certificate caches are sparse: 1024 slots of which a capture fills a handful.  calloc
 * gives such a block fresh pages only when it maps it on its own, which glibc stops doing for
 * blocks under a threshold that rises as large blocks are freed (OpenSSL's start-up does); then
 * calloc writes every byte: 2.3 MB zeroed and faulted in at each start, a sixth of a run on an
 * empty capture.  Mapping the table directly keeps its untouched pages unbacked. */
#ifndef TLSDIAG_ZEROED_PAGES_H
#define TLSDIAG_ZEROED_PAGES_H

#include <stddef.h>

/* n * size bytes of zeros, or NULL (out of memory, or n * size overflows). */
void *td_zeroed_pages(size_t n, size_t size);

/* Gives back what td_zeroed_pages(n, size) returned (NULL: nothing). */
void td_zeroed_pages_free(void *p, size_t n, size_t size);

#endif
