/* json_writer.h - the JSON report's output buffer: a record built on the stack, written at once.
 * One record is built in a buffer on the caller's stack and handed to stdio in one fwrite,
 * instead of the hundred-odd fprintf/putc calls (each taking the stream's lock) that a
 * connection's record would otherwise cost.
 * On a capture of many short connections that was a third of tlsdiag's time (make bench). */
#ifndef TLSDIAG_JSON_WRITER_H
#define TLSDIAG_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "include/transcript.h"
#include "analyzer/diagnose/list_memo.h"

typedef struct td_jw {
    FILE *out;
    size_t len;
    size_t flushed;                /* bytes handed to out so far: buf[a..len) is whole if unchanged */
    char buf[8192];                /* flushed when full; a record may be any size */
} td_jw;

void td_jw_init(td_jw *w, FILE *out);
void td_jw_flush(td_jw *w);
void td_jw_bytes_slow(td_jw *w, const char *s, size_t n);

static inline void td_jw_bytes(td_jw *w, const char *s, size_t n)
{
    if (n <= sizeof w->buf - w->len) {
        memcpy(w->buf + w->len, s, n);
        w->len += n;
    } else {
        td_jw_bytes_slow(w, s, n);
    }
}

static inline void td_jw_char(td_jw *w, char ch)
{
    if (w->len == sizeof w->buf) td_jw_flush(w);
    w->buf[w->len++] = ch;
}

/* A string literal, without strlen. */
#define TD_JW_LIT(w, lit) td_jw_bytes((w), "" lit, sizeof(lit) - 1)

void td_jw_str(td_jw *w, const char *s);                   /* "s", escaped; null for NULL */
void td_jw_u64(td_jw *w, uint64_t v);                      /* decimal */
void td_jw_bool(td_jw *w, bool b);                         /* true / false */
void td_jw_fixed3(td_jw *w, double v);                     /* as printf "%.3f" */

/* A list of codes written as names ("a","b",...): the text of the last few distinct lists is
 * remembered, so that a list seen before is one memcmp and one copy instead of a name lookup and
 * an escaped string a code.  A capture holds few distinct hellos and thousands of connections. */
typedef const char *(*td_jw_label_fn)(uint16_t v, char *buf, size_t len);
typedef struct td_jw_codes_memo {
    td_list_memo lists;
    char *text[TD_LIST_MEMO_SLOTS];
    size_t len[TD_LIST_MEMO_SLOTS];
} td_jw_codes_memo;
void td_jw_codes(td_jw *w, td_jw_codes_memo *m, const uint16_t *v, size_t n, td_jw_label_fn label); /* m: NULL ok */
void td_jw_codes_memo_free(td_jw_codes_memo *m);

/* The summary object's roll-up fields (analyzer/report/rollup_json.c). */
struct td_run_summary;
void td_json_rollup(td_jw *w, const struct td_run_summary *s);
/* The hellos' fingerprints and offered lists, as fields of the "tls" object (report_hello.c);
 * lists: TD_JW_HELLO_LISTS memos, one a list, or NULL. */
#define TD_JW_HELLO_LISTS 8
struct td_tls;
void td_json_hello(td_jw *w, const struct td_tls *s, td_jw_codes_memo *lists);

/* ,"path":{...}: what the path did to a TCP connection's segments (analyzer/report/report_path.c). */
void td_json_path(td_jw *w, const td_path *x);
/* The "quic" object of a QUIC connection (analyzer/report/report_quic.c). */
void td_json_quic(td_jw *w, const td_quic *q);

#endif
