/* test_report.c - the report's building blocks: the time stamp format and the JSON writer
 * (escaping, numbers, records larger than its buffer). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "analyzer/report/json_writer.h"
#include "analyzer/report/report.h"

static char *formatted(double ts)
{
    static char buf[64];
    td_format_time(ts, buf, sizeof buf);
    return buf;
}

TEST(time_stamps)
{
    CHECK_STR(formatted(0), "1970-01-01T00:00:00.000000Z");
    CHECK_STR(formatted(951782400.25), "2000-02-29T00:00:00.250000Z");          /* leap day */
    CHECK_STR(formatted(951868799.0), "2000-02-29T23:59:59.000000Z");
    CHECK_STR(formatted(4107542400.0), "2100-03-01T00:00:00.000000Z");          /* 2100 is no leap year */
    CHECK_STR(formatted(1740787200.9999996), "2025-03-01T00:00:01.000000Z");    /* rounds up a second */
    CHECK_STR(formatted(1764547200.123456), "2025-12-01T00:00:00.123456Z");
    CHECK_STR(formatted(253402300799.0), "9999-12-31T23:59:59.000000Z");
    CHECK_STR(formatted(253402300800.0), "?");                                  /* past year 9999 */
    CHECK_STR(formatted(-1.0), "?");
    CHECK_STR(formatted(0.0 / 0.0), "?");
}

/* Run fn on a writer over a memory stream and return what reached the stream. */
static char *written(void (*fn)(td_jw *), size_t *len)
{
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    td_jw w;
    td_jw_init(&w, f);
    fn(&w);
    td_jw_flush(&w);
    fclose(f);
    *len = n;
    return text;
}

/* td_jw_fixed3 must write exactly what printf's "%.3f" writes: random values over many
 * magnitudes, values a hair either side of a rounding tie, exact ties, and the odd ones. */
static double fixed3_input;

static void one_fixed3(td_jw *w) { td_jw_fixed3(w, fixed3_input); }

static bool matches_printf(double v, int *shown)
{
    char want[400];
    snprintf(want, sizeof want, "%.3f", v);
    fixed3_input = v;
    size_t n;
    char *got = written(one_fixed3, &n);
    bool same = got && strcmp(got, want) == 0;
    if (!same && (*shown)++ < 5) printf("    %.17g: %s != %s\n", v, got ? got : "(null)", want);
    free(got);
    return same;
}

TEST(fixed3_like_printf)
{
    static const double odd[] = { 0, 0.0005, 0.0015, 0.0625, 0.1875, 1.0005, 2.5, 999.9995,
                                  1e12 + 0.0625, 1e13, 1e300, -0.0, -1.5, 123456.789 };
    int bad = 0, shown = 0;
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
        if (!matches_printf(odd[i], &shown)) bad++;
    unsigned long long x = 88172645463325252ull;
    for (int i = 0; i < 300000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double v;
        switch (i % 4) {
        case 0: v = (double)(x % 1000000000) / 1e6; break;                 /* up to 1000 s */
        case 1: v = (double)(x % 100000000) / 1000.0 + 0.0005; break;      /* near ties */
        case 2: v = (double)(x % 100000000) / 1000.0 + 0.0005 * (1 + 1e-12); break;
        default: v = (double)(x >> 11) / 9007199254740992.0 * 1e9; break; /* [0, 1e9) */
        }
        if (!matches_printf(v, &shown)) bad++;
    }
    CHECK(bad == 0);
}

static void escapes(td_jw *w)
{
    td_jw_str(w, "a\"b\\c\nd\re\tf\x01g\x7f\xc3\xa9");
    td_jw_char(w, ' ');
    td_jw_str(w, NULL);
    td_jw_char(w, ' ');
    td_jw_str(w, "");
}

TEST(json_strings)
{
    size_t n;
    char *s = written(escapes, &n);
    CHECK_STR(s, "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u007f\\u00c3\\u00a9\" null \"\"");
    free(s);
}

/* The writer against a byte-at-a-time reference, on strings of every length up to 40 made of
 * bytes near each escaping boundary (it scans eight bytes at a time). */
static const char *random_input;

static void one_string(td_jw *w) { td_jw_str(w, random_input); }

static void reference(const char *s, char *out)
{
    *out++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"') out += sprintf(out, "\\\"");
        else if (*p == '\\') out += sprintf(out, "\\\\");
        else if (*p == '\n') out += sprintf(out, "\\n");
        else if (*p == '\r') out += sprintf(out, "\\r");
        else if (*p == '\t') out += sprintf(out, "\\t");
        else if (*p < 0x20 || *p >= 0x7f) out += sprintf(out, "\\u%04x", *p);
        else *out++ = (char)*p;
    }
    *out++ = '"';
    *out = '\0';
}

TEST(json_strings_random)
{
    static const unsigned char pool[] = { 0x01, 0x09, 0x0a, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b,
                                          0x5c, 0x5d, 0x7e, 0x7f, 0x80, 0xc3, 0xff, 'a', 'Z' };
    unsigned seed = 12345;
    int bad = 0;
    for (int round = 0; round < 20000; round++) {
        char in[41], expect[41 * 6 + 3];
        size_t len = (size_t)(round % 41);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            /* Mostly plain letters, so that whole plain words occur too. */
            in[i] = (char)((seed >> 16) % 4 ? 'a' + (seed >> 20) % 26 : pool[(seed >> 20) % sizeof pool]);
        }
        in[len] = '\0';
        random_input = in;
        reference(in, expect);
        size_t n;
        char *got = written(one_string, &n);
        if (!got || strcmp(got, expect) != 0) bad++;
        free(got);
    }
    CHECK(bad == 0);
}

static void numbers(td_jw *w)
{
    td_jw_u64(w, 0);
    td_jw_char(w, ',');
    td_jw_u64(w, 18446744073709551615ull);
    td_jw_char(w, ',');
    td_jw_bool(w, true);
    td_jw_bool(w, false);
    TD_JW_LIT(w, ",");
    td_jw_fixed3(w, 1.0005);
}

TEST(json_numbers)
{
    size_t n;
    char *s = written(numbers, &n);
    char expect[64];
    snprintf(expect, sizeof expect, "0,18446744073709551615,truefalse,%.3f", 1.0005);
    CHECK_STR(s, expect);
    free(s);
}

/* Numbers two digits a division: against printf's "%llu" at every power of ten and either side. */
static uint64_t u64_input;

static void one_u64(td_jw *w) { td_jw_u64(w, u64_input); }

TEST(json_u64_like_printf)
{
    int bad = 0;
    uint64_t p = 1;
    for (int e = 0; e < 20; e++, p *= 10) {
        uint64_t vs[] = { p - 1, p, p + 1, p * 2 - 1, p * 5, p * 9 + (p - 1) };
        for (size_t k = 0; k < sizeof vs / sizeof vs[0]; k++) {
            char want[32];
            snprintf(want, sizeof want, "%llu", (unsigned long long)vs[k]);
            u64_input = vs[k];
            size_t n;
            char *got = written(one_u64, &n);
            if (!got || strcmp(got, want) != 0) {
                if (bad++ < 5) printf("    %s written as %s\n", want, got ? got : "(null)");
            }
            free(got);
        }
    }
    uint64_t edges[] = { 0, 9, 10, 99, 100, 101, 4294967295ull, 4294967296ull, (uint64_t)INT64_MAX,
                         (uint64_t)INT64_MAX + 1, UINT64_MAX - 1, UINT64_MAX };
    for (size_t k = 0; k < sizeof edges / sizeof edges[0]; k++) {
        char want[32];
        snprintf(want, sizeof want, "%llu", (unsigned long long)edges[k]);
        u64_input = edges[k];
        size_t n;
        char *got = written(one_u64, &n);
        if (!got || strcmp(got, want) != 0) bad++;
        free(got);
    }
    CHECK(bad == 0);
}

/* Long strings with bytes to escape, written when the buffer is nearly full (the writer escapes
 * in pieces when the worst case does not fit the room left): against the reference. */
static const char *long_input;
static size_t long_filler;

static void filled_then_string(td_jw *w)
{
    for (size_t i = 0; i < long_filler; i++) td_jw_char(w, '.');
    td_jw_str(w, long_input);
}

TEST(json_long_strings_near_full_buffer)
{
    static char in[3001], expect[3001 * 6 + 3];
    unsigned seed = 777;
    int bad = 0;
    for (int round = 0; round < 60; round++) {
        size_t len = 100 + (size_t)round * 48;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) & 0xff;
            in[i] = (char)(r % 7 ? 'a' + r % 26 : r | 1);     /* one in seven any byte but NUL */
        }
        in[len] = '\0';
        reference(in, expect);
        long_input = in;
        long_filler = 8192 - (size_t)round * 131;              /* from a full buffer down */
        size_t n;
        char *got = written(filled_then_string, &n);
        size_t want = long_filler + strlen(expect);
        if (!got || n != want || strcmp(got + long_filler, expect) != 0) bad++;
        free(got);
    }
    CHECK(bad == 0);
}

/* Code lists through the memo give what they give without it: more distinct lists than it has
 * slots, each seen again, the empty list, and a label the escaping has to change. */
static const char *odd_label(uint16_t v, char *buf, size_t len)
{
    if (v == 7) return "quote\"d";
    snprintf(buf, len, "0x%04X", v);
    return buf;
}

static td_jw_codes_memo *codes_memo;
static const uint16_t *codes_in;
static size_t codes_n;

static void codes(td_jw *w) { td_jw_codes(w, codes_memo, codes_in, codes_n, odd_label); }

TEST(json_code_lists_memo)
{
    static td_jw_codes_memo memo;
    uint16_t lists[7][5];
    for (size_t l = 0; l < 7; l++)
        for (size_t i = 0; i < 5; i++) lists[l][i] = (uint16_t)(l * 3 + i);
    int bad = 0;
    for (int pass = 0; pass < 3; pass++)
        for (size_t l = 0; l < 7; l++)
            for (size_t n = 0; n <= 5; n += 5) {
                codes_in = lists[l];
                codes_n = n;
                size_t k1, k2;
                codes_memo = NULL;
                char *plain = written(codes, &k1);
                codes_memo = &memo;
                for (int again = 0; again < 2; again++) {     /* remembered, then from the memo */
                    char *memod = written(codes, &k2);
                    if (!plain || !memod || strcmp(plain, memod) != 0) bad++;
                    free(memod);
                }
                free(plain);
            }
    CHECK(bad == 0);
    codes_in = lists[2];                                       /* holds 7: "quote\"d" escaped */
    codes_n = 3;
    size_t k;
    char *s = written(codes, &k);
    CHECK_STR(s, "\"0x0006\",\"quote\\\"d\",\"0x0008\"");
    free(s);
    td_jw_codes_memo_free(&memo);
}

/* More than the writer's buffer, in small pieces, one huge piece and a long printf. */
static void large(td_jw *w)
{
    for (int i = 0; i < 5000; i++) td_jw_str(w, "abc");          /* 25000 bytes */
    static char big[20000];
    memset(big, 'x', sizeof big - 1);
    td_jw_bytes(w, big, strlen(big));
    td_jw_bytes(w, big, strlen(big));
    td_jw_char(w, '!');
}

TEST(json_larger_than_buffer)
{
    size_t n;
    char *s = written(large, &n);
    CHECK(n == 25000 + 19999 + 20000);
    CHECK(s && memcmp(s, "\"abc\"\"abc\"", 10) == 0);
    CHECK(s && memcmp(s + 24995, "\"abc\"xxx", 8) == 0);
    CHECK(s && s[n - 1] == '!' && s[n - 2] == 'x');
    size_t xs = 0;
    for (size_t i = 25000; s && i < n; i++) xs += s[i] == 'x';
    CHECK(xs == 2 * 19999);
    free(s);
}

int main(void)
{
    RUN(time_stamps);
    RUN(json_strings);
    RUN(json_strings_random);
    RUN(fixed3_like_printf);
    RUN(json_numbers);
    RUN(json_u64_like_printf);
    RUN(json_long_strings_near_full_buffer);
    RUN(json_code_lists_memo);
    RUN(json_larger_than_buffer);
    return check_done();
}
