/* json_writer.c - the JSON report's output buffer: strings escaped, numbers written, one fwrite.
 * (Why a buffer: analyzer/report/json_writer.h.) */
#include <math.h>
#include <stdlib.h>

#include "analyzer/report/json_writer.h"

void td_jw_init(td_jw *w, FILE *out)
{
    w->out = out;
    w->len = 0;
    w->flushed = 0;
}

void td_jw_flush(td_jw *w)
{
    if (w->len) fwrite(w->buf, 1, w->len, w->out);
    w->flushed += w->len;
    w->len = 0;
}

void td_jw_bytes_slow(td_jw *w, const char *s, size_t n)
{
    td_jw_flush(w);
    if (n > sizeof w->buf) {
        fwrite(s, 1, n, w->out);
        w->flushed += n;
        return;
    }
    memcpy(w->buf, s, n);
    w->len = n;
}

/* True if one of the 16 bytes at p needs escaping: below 0x20, '"', '\\', or 0x7f and above (as
 * signed chars, the bytes past 0x7f are below 0x20 too).  GCC/clang vector extensions: a few SSE2
 * instructions on x86-64, plain code elsewhere. */
typedef signed char td_v16 __attribute__((vector_size(16)));

static inline bool chunk_special(const char *p)
{
    td_v16 v, m;
    uint64_t half[2];
    memcpy(&v, p, sizeof v);
    m = (v < 0x20) | (v == 0x7f) | (v == '"') | (v == '\\');
    memcpy(half, &m, sizeof half);
    return (half[0] | half[1]) != 0;
}

/* What a byte becomes inside a JSON string: 0 itself, 1 a \u00XX escape, else the letter after
 * the backslash. */
static const unsigned char escape_of[256] = {
    [0 ... 8] = 1, ['\t'] = 't', ['\n'] = 'n', [0x0b ... 0x0c] = 1, ['\r'] = 'r', [0x0e ... 0x1f] = 1,
    ['"'] = '"', ['\\'] = '\\', [0x7f ... 0xff] = 1,
};

/* One byte of a string at o, escaped if it must be; returns the end. */
static inline char *put_byte(char *o, unsigned char b)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char e = escape_of[b];
    if (!e) {
        *o++ = (char)b;
    } else if (e != 1) {
        *o++ = '\\';
        *o++ = (char)e;
    } else {                                       /* control bytes and bytes past ASCII (names are
                                                      not promised to be UTF-8) */
        memcpy(o, "\\u00", 4);
        o[4] = hex[b >> 4];
        o[5] = hex[b & 15];
        o += 6;
    }
    return o;
}

/* A string whose escaped form may not fit what is left of the buffer: in pieces of a quarter
 * buffer, each escaped into the buffer's room. */
static void str_in_pieces(td_jw *w, const char *s, size_t n)
{
    const size_t piece = sizeof w->buf / 4 / 6;
    td_jw_char(w, '"');
    for (size_t i = 0; i < n; i += piece) {
        size_t k = n - i < piece ? n - i : piece;
        if (sizeof w->buf - w->len < k * 6) td_jw_flush(w);
        char *o = w->buf + w->len;
        for (size_t j = 0; j < k; j++) o = put_byte(o, (unsigned char)s[i + j]);
        w->len = (size_t)(o - w->buf);
    }
    td_jw_char(w, '"');
}

/* Escaped straight into the buffer, 16 plain bytes copied at a time; a chunk holding a byte to
 * escape goes byte by byte.  The last chunk, if plain, is copied overlapping the one before: the
 * bytes written twice were written as they are. */
void td_jw_str(td_jw *w, const char *s)
{
    if (!s) {
        TD_JW_LIT(w, "null");
        return;
    }
    size_t n = strlen(s), room = sizeof w->buf - w->len;
    if (room < 2 || n > (room - 2) / 6) {          /* room for the worst case: every byte \u00XX */
        str_in_pieces(w, s, n);
        return;
    }
    char *o = w->buf + w->len;
    *o++ = '"';
    size_t i = 0;
    if (n >= 16) {
        for (; i + 16 <= n; i += 16) {
            if (!chunk_special(s + i)) {
                memcpy(o, s + i, 16);              /* fits: 16 bytes of input have room for 96 */
                o += 16;
            } else {
                for (size_t j = i; j < i + 16; j++) o = put_byte(o, (unsigned char)s[j]);
            }
        }
        if (i < n && !chunk_special(s + n - 16)) {
            memcpy(o - (i - (n - 16)), s + n - 16, 16);
            o += n - i;
            i = n;
        }
    }
    for (; i < n; i++) o = put_byte(o, (unsigned char)s[i]);
    *o++ = '"';
    w->len = (size_t)(o - w->buf);
}

void td_jw_u64(td_jw *w, uint64_t v)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                "8081828384858687888990919293949596979899";
    if (sizeof w->buf - w->len < 20) td_jw_flush(w);
    char *o = w->buf + w->len;
    if (v < 10) {                                  /* most counters */
        *o = (char)('0' + v);
        w->len++;
        return;
    }
    size_t n = 2;                                  /* digits: written from the last, in place */
    for (uint64_t p = 100; n < 20 && v >= p; p *= 10) n++;
    char *d = o + n;
    while (v >= 100) {                             /* two digits a division */
        unsigned k = (unsigned)(v % 100) * 2;
        v /= 100;
        *--d = pairs[k + 1];
        *--d = pairs[k];
    }
    if (v >= 10) {
        *--d = pairs[v * 2 + 1];
        *--d = pairs[v * 2];
    } else {
        *--d = (char)('0' + v);
    }
    w->len += n;
}

static void codes_plain(td_jw *w, const uint16_t *v, size_t n, td_jw_label_fn label)
{
    char buf[16];
    for (size_t i = 0; i < n; i++) {
        if (i) td_jw_char(w, ',');
        td_jw_str(w, label(v[i], buf, sizeof buf));
    }
}

void td_jw_codes(td_jw *w, td_jw_codes_memo *m, const uint16_t *v, size_t n, td_jw_label_fn label)
{
    int slot = m ? td_list_memo_find(&m->lists, v, n) : -1;
    if (slot < 0 && m && n) {
        /* Written once into a writer of its own, if the worst case fits its buffer. */
        char buf[16];
        size_t worst = 0;
        for (size_t i = 0; i < n; i++) worst += strlen(label(v[i], buf, sizeof buf)) * 6 + 3;
        td_jw *text = worst <= sizeof text->buf ? malloc(sizeof *text) : NULL;
        if (text) {
            td_jw_init(text, NULL);                /* never flushed: the worst case fits */
            codes_plain(text, v, n, label);
            char *copy = malloc(text->len);
            if (copy && (slot = td_list_memo_put(&m->lists, v, n)) >= 0) {
                memcpy(copy, text->buf, text->len);
                free(m->text[slot]);
                m->text[slot] = copy;
                m->len[slot] = text->len;
            } else {
                free(copy);
            }
            free(text);
        }
    }
    if (slot >= 0) td_jw_bytes(w, m->text[slot], m->len[slot]);
    else codes_plain(w, v, n, label);
}

void td_jw_codes_memo_free(td_jw_codes_memo *m)
{
    for (size_t i = 0; i < TD_LIST_MEMO_SLOTS; i++) free(m->text[i]);
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
