/* zeroed_pages.c - see zeroed_pages.h. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "dissectors/zeroed_pages.h"

/* Under AddressSanitizer the tables stay on its heap, where it checks every access. */
#if defined(__SANITIZE_ADDRESS__)
#define ZP_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZP_HEAP 1
#endif
#endif

void *td_zeroed_pages(size_t n, size_t size)
{
    if (!n || !size || n > SIZE_MAX / size) return NULL;
#ifdef ZP_HEAP
    return calloc(n, size);
#else
    void *p = mmap(NULL, n * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
#endif
}

void td_zeroed_pages_free(void *p, size_t n, size_t size)
{
#ifdef ZP_HEAP
    (void)n;
    (void)size;
    free(p);
#else
    if (p) munmap(p, n * size);
#endif
}
