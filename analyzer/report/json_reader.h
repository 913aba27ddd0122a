/* json_reader.h - one JSON text (a line of JSON Lines) parsed into a tree, for `tlsdiag report`.
 * The input is hostile: nesting is bounded (TD_JSON_MAX_DEPTH), every value is checked against the
 * bytes really there, and an error names the column and what is wrong.  A parsed document owns all
 * its values and strings in two allocations; td_json_free releases them.
 * \u0080 to \u00ff read as that one byte: tlsdiag's JSON writer (td_jw_str) escapes each byte past
 * ASCII so, since the names it reports (SNI, certificate fields) are not promised to be UTF-8; so a
 * string read back and written again is the same bytes. */
#ifndef TLSDIAG_JSON_READER_H
#define TLSDIAG_JSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TD_JSON_MAX_DEPTH 64       /* arrays and objects nested deeper are an error */

typedef enum td_jv_type {
    TD_JV_NULL, TD_JV_FALSE, TD_JV_TRUE, TD_JV_NUMBER, TD_JV_STRING, TD_JV_ARRAY, TD_JV_OBJECT,
} td_jv_type;

typedef struct td_jv {
    td_jv_type type;
    const char *key;               /* a member's name (decoded, NUL-terminated); NULL in an array */
    const char *str;               /* string: decoded (no NUL inside: \u0000 reads U+FFFD);
                                    * number: its text as written */
    size_t len;                    /* strlen(str) */
    struct td_jv *child;           /* array, object: the first element or member */
    struct td_jv *next;            /* the next element or member of the parent */
    size_t n;                      /* array, object: how many */
} td_jv;

typedef struct td_json td_json;

/* Parse len bytes (one JSON value, surrounding white space allowed).  NULL on an error: err says
 * "column N: what" (columns count bytes from 1). */
td_json *td_json_parse(const char *text, size_t len, char *err, size_t errlen);
const td_jv *td_json_root(const td_json *doc);
void td_json_free(td_json *doc);

/* An object's member by name (the first of that name), or NULL (also when v is no object). */
const td_jv *td_jv_get(const td_jv *v, const char *key);
/* A member's string, or NULL when missing or not a string. */
const char *td_jv_str(const td_jv *v, const char *key);
/* A member as an unsigned integer (a number without sign, fraction or exponent that fits). */
bool td_jv_u64(const td_jv *v, const char *key, uint64_t *out);
/* A member's number as a double (0 when missing or not a number). */
double td_jv_num(const td_jv *v, const char *key);
/* A member that is true. */
bool td_jv_true(const td_jv *v, const char *key);

#endif
