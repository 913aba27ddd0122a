/* json_writer.c - the JSON report's output buffer: strings escaped, numbers written, one fwrite.
 * (Why a buffer: analyzer/report/json_writer.h.) */
#include <math.h>

#include "analyzer/report/json_writer.h"

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

/* True if one of the 8 bytes in x needs escaping: below 0x20, '"', '\\', or 0x7f and above
 * (the classic "has a byte less than n" / "has a zero byte" word tricks). */
static inline bool word_special(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t below_20 = (x - ones * 0x20) & ~x;
    uint64_t quote = (x ^ (ones * '"')) - ones, bslash = (x ^ (ones * '\\')) - ones;
    uint64_t del = (x ^ (ones * 0x7f)) - ones;
    return ((below_20 | (quote & ~(x ^ (ones * '"'))) | (bslash & ~(x ^ (ones * '\\'))) |
             (del & ~(x ^ (ones * 0x7f))) | x) & highs) != 0;
}

static inline bool byte_special(unsigned char b)
{
    return b < 0x20 || b >= 0x7f || b == '"' || b == '\\';
}

void td_jw_str(td_jw *w, const char *s)
{
    if (!s) {
        TD_JW_LIT(w, "null");
        return;
    }
    td_jw_char(w, '"');
    size_t n = strlen(s), i = 0, run = 0;          /* plain bytes go out in runs from run */
    while (i < n) {
        if (i + 8 <= n) {                          /* eight plain bytes at a time */
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (!word_special(x)) {
                i += 8;
                continue;
            }
        }
        unsigned char b = (unsigned char)s[i];
        if (!byte_special(b)) {
            i++;
            continue;
        }
        if (i > run) td_jw_bytes(w, s + run, i - run);
        run = ++i;
        switch (b) {
        case '"': TD_JW_LIT(w, "\\\""); break;
        case '\\': TD_JW_LIT(w, "\\\\"); break;
        case '\n': TD_JW_LIT(w, "\\n"); break;
        case '\r': TD_JW_LIT(w, "\\r"); break;
        case '\t': TD_JW_LIT(w, "\\t"); break;
        default: {
            /* Control bytes and bytes past ASCII (names are not promised to be UTF-8). */
            static const char hex[] = "0123456789abcdef";
            char u[6] = { '\\', 'u', '0', '0', hex[b >> 4], hex[b & 15] };
            td_jw_bytes(w, u, sizeof u);
        }
        }
    }
    if (n > run) td_jw_bytes(w, s + run, n - run);
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

/* What printf's "%.3f" writes, without printf's arbitrary-precision path unless the value is
 * within a hair of a rounding tie (or negative, NaN or huge: then printf itself). */
void td_jw_fixed3(td_jw *w, double v)
{
    double thousandths = v * 1000.0;
    if (thousandths >= 0 && !signbit(thousandths) && thousandths < 1e15) {   /* -0.0 is "-0.000" */
        unsigned long long whole = (unsigned long long)thousandths;
        double tie = thousandths - (double)whole - 0.5;    /* how far from x.5 */
        if (tie < 0) tie = -tie;
        if (tie > 1e-6 + thousandths * 1e-15) {
            unsigned long long r = (unsigned long long)(thousandths + 0.5);
            unsigned frac = (unsigned)(r % 1000);
            char f[4] = { '.', (char)('0' + frac / 100), (char)('0' + frac / 10 % 10), (char)('0' + frac % 10) };
            td_jw_u64(w, r / 1000);
            td_jw_bytes(w, f, sizeof f);
            return;
        }
    }
    char tmp[400];                                 /* DBL_MAX is 309 digits */
    int n = snprintf(tmp, sizeof tmp, "%.3f", v);
    if (n > 0) td_jw_bytes(w, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}
