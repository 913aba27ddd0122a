/* fuzz_json_reader.c - the JSON reader of `tlsdiag report` (analyzer/report/json_reader.h) and the
 * report itself on hostile JSON Lines.
 *
 * Input: the bytes of a JSON Lines file.  Each line is parsed alone: a parse that fails must say
 * why ("column N: ..."), one that succeeds must hold a consistent tree (lengths, counts, depth,
 * no NUL inside a string) and write back (td_jw_value) into JSON that parses to the same tree.
 * Then the whole input goes through td_report_merge as a file, text, JSON and ECS out to
 * /dev/null, as `tlsdiag report` reads it. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyzer/report/json_reader.h"
#include "analyzer/report/json_writer.h"
#include "analyzer/report/report_merge.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char path[64];
static FILE *null_out;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    memfd = memfd_create("tlsdiag-fuzz-jsonl", MFD_CLOEXEC);
    null_out = fopen("/dev/null", "w");
    if (memfd < 0 || !null_out) abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
    return 0;
}

static void check_tree(const td_jv *v, int depth)
{
    if (depth > TD_JSON_MAX_DEPTH) abort();
    if ((v->type == TD_JV_STRING || v->type == TD_JV_NUMBER) && (!v->str || strlen(v->str) != v->len)) abort();
    if (v->type == TD_JV_ARRAY || v->type == TD_JV_OBJECT) {
        size_t n = 0;
        for (const td_jv *m = v->child; m; m = m->next, n++) {
            if ((v->type == TD_JV_OBJECT) != (m->key != NULL)) abort();
            check_tree(m, depth + 1);
        }
        if (n != v->n) abort();
    }
}

static bool same_tree(const td_jv *a, const td_jv *b)
{
    if (a->type != b->type || a->n != b->n || (a->key == NULL) != (b->key == NULL)) return false;
    if (a->key && strcmp(a->key, b->key) != 0) return false;
    if ((a->type == TD_JV_STRING || a->type == TD_JV_NUMBER) && strcmp(a->str, b->str) != 0) return false;
    for (const td_jv *x = a->child, *y = b->child; x || y; x = x->next, y = y->next)
        if (!x || !y || !same_tree(x, y)) return false;
    return true;
}

static void one_line(const char *s, size_t n)
{
    char err[200];
    td_json *d = td_json_parse(s, n, err, sizeof err);
    if (!d) {
        if (strncmp(err, "column ", 7) != 0) abort();
        return;
    }
    check_tree(td_json_root(d), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) abort();
    td_jw w;
    td_jw_init(&w, mem);
    td_jw_value(&w, td_json_root(d));
    td_jw_flush(&w);
    fclose(mem);
    /* Written back and read again: the same tree (a byte past ASCII is written \u00XX, which reads
     * as that byte again). */
    td_json *again = td_json_parse(text, len, err, sizeof err);
    if (!again || !same_tree(td_json_root(again), td_json_root(d))) abort();
    td_json_free(again);
    free(text);
    td_json_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    for (size_t at = 0; at <= size;) {
        const char *nl = memchr(s + at, '\n', size - at);
        size_t n = nl ? (size_t)(nl - (s + at)) : size - at;
        one_line(s + at, n);
        at += n + 1;
    }
    if (ftruncate(memfd, 0) != 0 || pwrite(memfd, data, size, 0) != (ssize_t)size) abort();
    const char *inputs[] = { path, path };
    int out = dup(fileno(stdout));
    fflush(stdout);
    dup2(fileno(null_out), fileno(stdout));       /* the report goes to /dev/null */
    int saved_err = dup(fileno(stderr));
    dup2(fileno(null_out), fileno(stderr));
    for (int mode = 0; mode < 3; mode++) {
        td_merge_options o = { .json = mode > 0, .ecs = mode == 2, .width = 80, .quiet = mode == 1 };
        int rc = td_report_merge(&o, inputs, mode == 1 ? 2 : 1);
        if (rc < 0 || rc > 2) abort();
    }
    fflush(stdout);
    dup2(out, fileno(stdout));
    dup2(saved_err, fileno(stderr));
    close(out);
    close(saved_err);
    return 0;
}
