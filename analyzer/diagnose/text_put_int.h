/* text_put_int.h - building a bounded text by appending pieces, without printf.  It serves the
 * lines every connection gets (its ClientHello and ServerHello evidence), where vsnprintf was a
 * tenth of the time per connection.  A text that does not fit ends at a word boundary with "..."
 * (td_fit_words). */
#ifndef TD_TEXT_PUT_INT_H
#define TD_TEXT_PUT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyzer/diagnose/classify.h"

typedef struct td_text {
    char *buf;
    size_t size;   /* > 0 */
    size_t len;    /* bytes written, < size */
    size_t want;   /* bytes the whole text needs */
} td_text;

static inline td_text td_text_on(char *buf, size_t size)
{
    buf[0] = '\0';
    return (td_text){ buf, size, 0, 0 };
}

static inline void td_text_n(td_text *t, const char *s, size_t n)
{
    size_t room = t->size - 1 - t->len;
    size_t k = n < room ? n : room;
    memcpy(t->buf + t->len, s, k);
    t->len += k;
    t->want += n;
    t->buf[t->len] = '\0';
}

static inline void td_text_s(td_text *t, const char *s) { td_text_n(t, s, strlen(s)); }

static inline void td_text_u64(td_text *t, uint64_t v)
{
    char d[20];
    size_t i = sizeof d;
    do d[--i] = (char)('0' + v % 10); while ((v /= 10) && i);
    td_text_n(t, d + i, sizeof d - i);
}

/* Ends the text: cut at a word with "..." when it did not fit. */
static inline void td_text_end(td_text *t)
{
    td_fit_words(t->buf, t->size, t->want > (size_t)INT32_MAX ? INT32_MAX : (int)t->want);
}

#endif
