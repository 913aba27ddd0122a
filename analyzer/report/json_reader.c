/* json_reader.c - a strict RFC 8259 parser for one JSON text into a tree of td_jv (json_reader.h).
 * Values live in chunks of nodes; every decoded string and number text lives in one buffer of the
 * input's size plus two bytes, enough since a decoded string is never longer than its quoted form. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/report/json_reader.h"

#define CHUNK_NODES 256

typedef struct chunk {
    struct chunk *next;
    size_t used;
    td_jv nodes[CHUNK_NODES];
} chunk;

struct td_json {
    td_jv *root;
    chunk *chunks;
    char *text;                    /* decoded strings and number texts */
    size_t text_used, text_cap;
};

typedef struct parser {
    const char *p, *start, *end;
    td_json *doc;
    char *err;
    size_t errlen;
    bool failed;
} parser;

__attribute__((format(printf, 2, 3))) static void fail(parser *ps, const char *fmt, ...)
{
    if (ps->failed) return;
    ps->failed = true;
    int k = snprintf(ps->err, ps->errlen, "column %zu: ", (size_t)(ps->p - ps->start) + 1);
    if (k < 0 || (size_t)k >= ps->errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err + k, ps->errlen - (size_t)k, fmt, ap);
    va_end(ap);
}

static td_jv *new_node(parser *ps, td_jv_type type)
{
    chunk *c = ps->doc->chunks;
    if (!c || c->used == CHUNK_NODES) {
        c = malloc(sizeof *c);
        if (!c) {
            fail(ps, "out of memory");
            return NULL;
        }
        c->next = ps->doc->chunks;
        c->used = 0;
        ps->doc->chunks = c;
    }
    td_jv *v = &c->nodes[c->used++];
    memset(v, 0, sizeof *v);
    v->type = type;
    return v;
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static void unexpected(parser *ps, const char *wanted)
{
    unsigned char c = ps->p < ps->end ? (unsigned char)*ps->p : 0;
    if (ps->p >= ps->end) fail(ps, "expected %s, found the end of the line", wanted);
    else if (c < 0x20 || c >= 0x7f) fail(ps, "expected %s, found byte 0x%02x", wanted, c);
    else fail(ps, "expected %s, found '%c'", wanted, c);
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | (cp >> 6 & 0x3F)); o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The length of the well-formed UTF-8 sequence at p (lead byte >= 0x80), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (!n || (size_t)(end - p) < n) return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;        /* overlong */
    if (c == 0xED && p[1] >= 0xA0) return 0;       /* a surrogate */
    if (c == 0xF0 && p[1] < 0x90) return 0;        /* overlong */
    if (c == 0xF4 && p[1] >= 0x90) return 0;       /* past U+10FFFF */
    return n;
}

/* \uXXXX (and a following low surrogate) at ps->p, just past the 'u': the code point. */
static unsigned unicode_escape(parser *ps)
{
    if (ps->end - ps->p < 4 || hex4(ps->p) < 0) {
        fail(ps, "\\u wants four hex digits");
        return 0;
    }
    unsigned cp = (unsigned)hex4(ps->p);
    ps->p += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF && ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u' &&
        hex4(ps->p + 2) >= 0xDC00 && hex4(ps->p + 2) <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned)hex4(ps->p + 2) - 0xDC00);
        ps->p += 6;
    } else if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0) {
        cp = 0xFFFD;                               /* a lone surrogate, or NUL: kept out of C strings */
    }
    return cp;
}

/* A string at ps->p (on its opening quote), decoded into the document's text buffer. */
static const char *string(parser *ps, size_t *len)
{
    td_json *d = ps->doc;
    char *o = d->text + d->text_used, *o0 = o;
    ps->p++;
    for (;;) {
        if (ps->p >= ps->end) {
            fail(ps, "a string is not closed");
            return NULL;
        }
        unsigned char c = (unsigned char)*ps->p;
        if (c == '"') break;
        if (c < 0x20) {
            fail(ps, "a control character inside a string (write it as \\u%04x)", c);
            return NULL;
        }
        if (c == '\\') {
            if (ps->end - ps->p < 2) {
                fail(ps, "a string is not closed");
                return NULL;
            }
            char e = ps->p[1];
            ps->p += 2;
            const char *simple = strchr("\"\\/bfnrt", e);
            if (e && simple) {
                static const char to[] = "\"\\/\b\f\n\r\t";
                *o++ = to[simple - "\"\\/bfnrt"];
            } else if (e == 'u') {
                unsigned cp = unicode_escape(ps);
                if (ps->failed) return NULL;
                if (cp >= 0x80 && cp <= 0xFF) *o++ = (char)cp;   /* tlsdiag's escape of one byte */
                else o += put_utf8(o, cp);         /* at most as long as the escape it replaces */
            } else {
                ps->p -= 2;
                fail(ps, "unknown escape \\%c", e >= 0x20 && e < 0x7f ? e : '?');
                return NULL;
            }
            continue;
        }
        if (c < 0x80) {
            *o++ = (char)c;
            ps->p++;
            continue;
        }
        size_t n = utf8_len((const unsigned char *)ps->p, (const unsigned char *)ps->end);
        if (!n) {
            fail(ps, "a string is not valid UTF-8");
            return NULL;
        }
        memcpy(o, ps->p, n);
        o += n;
        ps->p += n;
    }
    ps->p++;
    *o++ = '\0';
    d->text_used = (size_t)(o - d->text);
    *len = (size_t)(o - o0) - 1;
    return o0;
}

static void number(parser *ps, td_jv *v)
{
    const char *s = ps->p;
    if (ps->p < ps->end && *ps->p == '-') ps->p++;
    if (ps->p < ps->end && *ps->p == '0') ps->p++;
    else if (ps->p < ps->end && *ps->p >= '1' && *ps->p <= '9')
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    else return unexpected(ps, "a digit");
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') return unexpected(ps, "a digit after '.'");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') return unexpected(ps, "a digit in the exponent");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    }
    td_json *d = ps->doc;
    size_t n = (size_t)(ps->p - s);
    char *o = d->text + d->text_used;
    memcpy(o, s, n);
    o[n] = '\0';
    d->text_used += n + 1;
    v->str = o;
    v->len = n;
}

static bool literal(parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return false;
    ps->p += n;
    return true;
}

static td_jv *value(parser *ps, int depth);

/* The elements of an array or the members of an object, after its opening bracket. */
static void members(parser *ps, td_jv *v, int depth)
{
    bool object = v->type == TD_JV_OBJECT;
    char close = object ? '}' : ']';
    td_jv **tail = &v->child;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return;
    }
    for (;;) {
        const char *key = NULL;
        if (object) {
            size_t klen;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != '"') return unexpected(ps, "a member name in quotes");
            if (!(key = string(ps, &klen))) return;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') return unexpected(ps, "':' after a member name");
            ps->p++;
        }
        td_jv *m = value(ps, depth + 1);
        if (!m) return;
        m->key = key;
        *tail = m;
        tail = &m->next;
        v->n++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return;
        }
        return unexpected(ps, object ? "',' or '}'" : "',' or ']'");
    }
}

static td_jv *value(parser *ps, int depth)
{
    skip_ws(ps);
    if (ps->p >= ps->end) {
        unexpected(ps, "a value");
        return NULL;
    }
    td_jv *v;
    char c = *ps->p;
    if (c == '{' || c == '[') {
        if (depth >= TD_JSON_MAX_DEPTH) {
            fail(ps, "nested deeper than %d levels", TD_JSON_MAX_DEPTH);
            return NULL;
        }
        if (!(v = new_node(ps, c == '{' ? TD_JV_OBJECT : TD_JV_ARRAY))) return NULL;
        members(ps, v, depth);
    } else if (c == '"') {
        if (!(v = new_node(ps, TD_JV_STRING))) return NULL;
        v->str = string(ps, &v->len);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        if (!(v = new_node(ps, TD_JV_NUMBER))) return NULL;
        number(ps, v);
    } else if (literal(ps, "true")) {
        v = new_node(ps, TD_JV_TRUE);
    } else if (literal(ps, "false")) {
        v = new_node(ps, TD_JV_FALSE);
    } else if (literal(ps, "null")) {
        v = new_node(ps, TD_JV_NULL);
    } else {
        unexpected(ps, "a value");
        return NULL;
    }
    return ps->failed ? NULL : v;
}

td_json *td_json_parse(const char *text, size_t len, char *err, size_t errlen)
{
    if (errlen) err[0] = '\0';
    td_json *d = calloc(1, sizeof *d);
    if (d) {
        d->text_cap = len + 2;
        d->text = malloc(d->text_cap);
    }
    if (!d || !d->text) {
        free(d);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    parser ps = { .p = text, .start = text, .end = text + len, .doc = d, .err = err, .errlen = errlen };
    d->root = value(&ps, 0);
    if (d->root) {
        skip_ws(&ps);
        if (ps.p < ps.end) unexpected(&ps, "the end of the line after the value");
    }
    if (ps.failed) {
        td_json_free(d);
        return NULL;
    }
    return d;
}

const td_jv *td_json_root(const td_json *doc) { return doc ? doc->root : NULL; }

void td_json_free(td_json *doc)
{
    if (!doc) return;
    for (chunk *c = doc->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(doc->text);
    free(doc);
}

const td_jv *td_jv_get(const td_jv *v, const char *key)
{
    if (!v || v->type != TD_JV_OBJECT) return NULL;
    for (const td_jv *m = v->child; m; m = m->next)
        if (strcmp(m->key, key) == 0) return m;
    return NULL;
}

const char *td_jv_str(const td_jv *v, const char *key)
{
    const td_jv *m = td_jv_get(v, key);
    return m && m->type == TD_JV_STRING ? m->str : NULL;
}

bool td_jv_u64(const td_jv *v, const char *key, uint64_t *out)
{
    const td_jv *m = td_jv_get(v, key);
    if (!m || m->type != TD_JV_NUMBER || m->str[0] == '-') return false;
    uint64_t x = 0;
    for (const char *p = m->str; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        unsigned d = (unsigned)(*p - '0');
        if (x > (UINT64_MAX - d) / 10) return false;
        x = x * 10 + d;
    }
    *out = x;
    return true;
}

double td_jv_num(const td_jv *v, const char *key)
{
    const td_jv *m = td_jv_get(v, key);
    return m && m->type == TD_JV_NUMBER ? strtod(m->str, NULL) : 0;
}

bool td_jv_true(const td_jv *v, const char *key)
{
    const td_jv *m = td_jv_get(v, key);
    return m && m->type == TD_JV_TRUE;
}
