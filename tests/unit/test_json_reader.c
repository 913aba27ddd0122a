/* test_json_reader.c - the JSON reader of `tlsdiag report` (analyzer/report/json_reader.c): values,
 * escapes and UTF-8, the depth bound, and an error for each kind of damage with its column. */
#include <stdlib.h>
#include <string.h>

#include "analyzer/report/json_reader.h"
#include "tests/unit/check.h"

static td_json *parse(const char *s, char *err, size_t errlen) { return td_json_parse(s, strlen(s), err, errlen); }

/* The error of a text that must fail. */
static const char *error_of(const char *s)
{
    static char err[200];
    td_json *d = parse(s, err, sizeof err);
    if (d) {
        td_json_free(d);
        return "(parsed)";
    }
    return err;
}

TEST(values_of_a_connection_line)
{
    char err[200];
    td_json *d = parse(" {\"type\":\"connection\",\"id\":17,\"client\":{\"ip\":\"10.0.0.1\",\"port\":5},"
                       "\"duration_ms\":3.776,\"tls\":{\"alpn\":null,\"resumed\":false,\"ech\":true},"
                       "\"san\":[\"a\",\"b\",\"c\"],\"neg\":-2e3,\"id\":99} \n", err, sizeof err);
    CHECK(d != NULL);
    const td_jv *r = td_json_root(d);
    CHECK(r && r->type == TD_JV_OBJECT && r->n == 8);
    CHECK_STR(td_jv_str(r, "type"), "connection");
    uint64_t id = 0;
    CHECK(td_jv_u64(r, "id", &id) && id == 17);          /* the first of a repeated name */
    CHECK_STR(td_jv_str(td_jv_get(r, "client"), "ip"), "10.0.0.1");
    CHECK(td_jv_num(r, "duration_ms") > 3.775 && td_jv_num(r, "duration_ms") < 3.777);
    CHECK_STR(td_jv_get(r, "duration_ms")->str, "3.776");  /* a number keeps its text */
    const td_jv *tls = td_jv_get(r, "tls");
    CHECK(td_jv_get(tls, "alpn")->type == TD_JV_NULL);
    CHECK(!td_jv_true(tls, "resumed") && td_jv_true(tls, "ech"));
    const td_jv *san = td_jv_get(r, "san");
    CHECK(san->type == TD_JV_ARRAY && san->n == 3 && strcmp(san->child->next->next->str, "c") == 0);
    CHECK(!td_jv_u64(r, "neg", &id) && td_jv_num(r, "neg") == -2000.0);
    CHECK(!td_jv_u64(r, "duration_ms", &id));
    CHECK(td_jv_get(r, "missing") == NULL && td_jv_str(r, "id") == NULL);
    td_json_free(d);
}

TEST(escapes_and_utf8)
{
    char err[200];
    td_json *d = parse("[\"a\\\"b\\\\c\\/\\n\\t\", \"\\u00e9\\u20ac\\ud83d\\ude00\", \"caf\xc3\xa9\", \"\\u0000x\", \"\\udc00\"]",
                       err, sizeof err);
    CHECK(d != NULL);
    const td_jv *a = td_json_root(d)->child;
    CHECK_STR(a->str, "a\"b\\c/\n\t");
    CHECK_STR(a->next->str, "\xe9\xe2\x82\xac\xf0\x9f\x98\x80");   /* \u00e9: the byte, as tlsdiag escapes it */
    CHECK_STR(a->next->next->str, "caf\xc3\xa9");
    CHECK_STR(a->next->next->next->str, "\xef\xbf\xbdx");   /* NUL never inside a C string */
    CHECK(a->next->next->next->len == 4);
    CHECK_STR(a->next->next->next->next->str, "\xef\xbf\xbd");   /* a lone surrogate */
    td_json_free(d);
}

TEST(u64_bounds)
{
    char err[200];
    td_json *d = parse("{\"max\":18446744073709551615,\"over\":18446744073709551616,\"f\":1.0}", err, sizeof err);
    uint64_t v = 0;
    CHECK(d && td_jv_u64(td_json_root(d), "max", &v) && v == UINT64_MAX);
    CHECK(!td_jv_u64(td_json_root(d), "over", &v));
    CHECK(!td_jv_u64(td_json_root(d), "f", &v));
    td_json_free(d);
}

TEST(depth_is_bounded)
{
    char deep[2 * TD_JSON_MAX_DEPTH + 8], err[200];
    for (int n = TD_JSON_MAX_DEPTH; n <= TD_JSON_MAX_DEPTH + 1; n++) {
        memset(deep, '[', (size_t)n);
        memset(deep + n, ']', (size_t)n);
        td_json *d = td_json_parse(deep, 2 * (size_t)n, err, sizeof err);
        CHECK((d != NULL) == (n == TD_JSON_MAX_DEPTH));
        td_json_free(d);
    }
    CHECK_STR(err, "column 65: nested deeper than 64 levels");
}

TEST(each_damage_is_named_with_its_column)
{
    CHECK_STR(error_of(""), "column 1: expected a value, found the end of the line");
    CHECK_STR(error_of("{\"a\":1"), "column 7: expected ',' or '}', found the end of the line");
    CHECK_STR(error_of("{\"a\" 1}"), "column 6: expected ':' after a member name, found '1'");
    CHECK_STR(error_of("{a:1}"), "column 2: expected a member name in quotes, found 'a'");
    CHECK_STR(error_of("[1,]"), "column 4: expected a value, found ']'");
    CHECK_STR(error_of("[01]"), "column 3: expected ',' or ']', found '1'");
    CHECK_STR(error_of("[1.]"), "column 4: expected a digit after '.', found ']'");
    CHECK_STR(error_of("[1e]"), "column 4: expected a digit in the exponent, found ']'");
    CHECK_STR(error_of("[-]"), "column 3: expected a digit, found ']'");
    CHECK_STR(error_of("\"abc"), "column 5: a string is not closed");
    CHECK_STR(error_of("\"a\tb\""), "column 3: a control character inside a string (write it as \\u0009)");
    CHECK_STR(error_of("\"\\x\""), "column 2: unknown escape \\x");
    CHECK_STR(error_of("\"\\u12g4\""), "column 4: \\u wants four hex digits");
    CHECK_STR(error_of("\"\xc3\x28\""), "column 2: a string is not valid UTF-8");
    CHECK_STR(error_of("\"\xed\xa0\x80\""), "column 2: a string is not valid UTF-8");   /* encoded surrogate */
    CHECK_STR(error_of("\"\xc0\xaf\""), "column 2: a string is not valid UTF-8");       /* overlong */
    CHECK_STR(error_of("{} {}"), "column 4: expected the end of the line after the value, found '{'");
    CHECK_STR(error_of("tru"), "column 1: expected a value, found 't'");
    CHECK_STR(error_of("[\x01]"), "column 2: expected a value, found byte 0x01");
}

TEST(truncated_prefixes_all_fail_cleanly)
{
    /* Every proper prefix of a valid line is an error (with a message), never a crash. */
    const char *s = "{\"a\":[1,2.5e-3,\"x\\u00e9y\",true,false,null,{\"b\":{}}],\"c\":\"\xe2\x82\xac\"}";
    char err[200];
    for (size_t n = 0; n < strlen(s); n++) {
        td_json *d = td_json_parse(s, n, err, sizeof err);
        CHECK(d == NULL && strncmp(err, "column ", 7) == 0);
        td_json_free(d);
    }
    td_json *d = td_json_parse(s, strlen(s), err, sizeof err);
    CHECK(d != NULL);
    td_json_free(d);
}

int main(void)
{
    RUN(values_of_a_connection_line);
    RUN(escapes_and_utf8);
    RUN(u64_bounds);
    RUN(depth_is_bounded);
    RUN(each_damage_is_named_with_its_column);
    RUN(truncated_prefixes_all_fail_cleanly);
    return check_done();
}
