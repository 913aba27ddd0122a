/* test_report.c - the report's building blocks: the time stamp format and the JSON writer
 * (escaping, numbers, records larger than its buffer). */
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
    RUN(json_larger_than_buffer);
    return check_done();
}
