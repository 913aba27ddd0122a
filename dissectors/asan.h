/* asan.h - TD_ASAN is 1 when the build runs under AddressSanitizer.
 *
 * Memory that the program otherwise maps directly (zero pages, the tapes' huge-page blocks, the
 * read-ahead's windows) is then taken from the heap, where the sanitizer checks every access. */
#ifndef TLSDIAG_ASAN_H
#define TLSDIAG_ASAN_H

#if defined(__SANITIZE_ADDRESS__)
#define TD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TD_ASAN 1
#endif
#endif
#ifndef TD_ASAN
#define TD_ASAN 0
#endif

#endif
