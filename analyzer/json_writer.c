/* json_writer.c - see json_writer.h. */
#include <stdarg.h>

#include "json_writer.h"

void td_jw_init(td_jw *w, FILE *out)
{
    w->out = out;
    w->len = 0;
}

void td_jw_flush(td_jw *w)
{
    if (w->len) fwrite(w->buf, 1, w->len, w->out);
    w->len = 0;
}

void td_jw_bytes_slow(td_jw *w, const char *s, size_t n)
{
    td_jw_flush(w);
    if (n > sizeof w->buf) {
        fwrite(s, 1, n, w->out);
        return;
    }
    memcpy(w->buf, s, n);
    w->len = n;
}

void td_jw_raw(td_jw *w, const char *s)
{
    td_jw_bytes(w, s, strlen(s));
}

void td_jw_str(td_jw *w, const char *s)
{
    if (!s) {
        TD_JW_LIT(w, "null");
        return;
    }
    td_jw_char(w, '"');
    /* 1 for the bytes that need escaping: controls, '"', '\\', DEL and past ASCII; 0 is the end. */
    static const unsigned char special[256] = {
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    };
    const unsigned char *p = (const unsigned char *)s, *run = p;   /* plain bytes go out in runs */
    for (;; p++) {
        while (!special[*p]) p++;
        if (!*p) break;
        if (p > run) td_jw_bytes(w, (const char *)run, (size_t)(p - run));
        run = p + 1;
        switch (*p) {
        case '"': TD_JW_LIT(w, "\\\""); break;
        case '\\': TD_JW_LIT(w, "\\\\"); break;
        case '\n': TD_JW_LIT(w, "\\n"); break;
        case '\r': TD_JW_LIT(w, "\\r"); break;
        case '\t': TD_JW_LIT(w, "\\t"); break;
        default: {
            /* Control bytes and bytes past ASCII (names are not promised to be UTF-8). */
            static const char hex[] = "0123456789abcdef";
            char u[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };
            td_jw_bytes(w, u, sizeof u);
        }
        }
    }
    if (p > run) td_jw_bytes(w, (const char *)run, (size_t)(p - run));
    td_jw_char(w, '"');
}

void td_jw_u64(td_jw *w, uint64_t v)
{
    char d[20];
    size_t i = sizeof d;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    td_jw_bytes(w, d + i, sizeof d - i);
}

void td_jw_bool(td_jw *w, bool b)
{
    if (b) TD_JW_LIT(w, "true");
    else TD_JW_LIT(w, "false");
}

void td_jw_printf(td_jw *w, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) {
        td_jw_bytes(w, tmp, (size_t)n);
        return;
    }
    td_jw_flush(w);                                /* longer than tmp: straight to the stream */
    va_start(ap, fmt);
    vfprintf(w->out, fmt, ap);
    va_end(ap);
}
