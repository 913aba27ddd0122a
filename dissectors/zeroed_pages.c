/* zeroed_pages.c - see zeroed_pages.h. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "dissectors/asan.h"
#include "dissectors/zeroed_pages.h"

void *td_zeroed_pages(size_t n, size_t size)
{
    if (!n || !size || n > SIZE_MAX / size) return NULL;
#if TD_ASAN
    return calloc(n, size);
#else
    void *p = mmap(NULL, n * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
#endif
}

void td_zeroed_pages_free(void *p, size_t n, size_t size)
{
#if TD_ASAN
    (void)n;
    (void)size;
    free(p);
#else
    if (p) munmap(p, n * size);
#endif
}
