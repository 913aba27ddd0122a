/* report_merge.c - `tlsdiag report`: JSON Lines inputs read twice, first for their summaries (added
 * up), then for their connections, merged in the order one run would have reported them.
 * One run reports the connections of its capture files in file order, then in order of their first
 * packet; every input (a sensor, a shard) already is in that order, so merging the inputs' streams
 * by (file, first packet) is that order, and numbering them as they come gives the ids one run
 * would have given.  Each connection keeps its sensor's name ("sensor", else the input file's
 * name) and its number there ("sensor_id").  Stdin is spooled to a temporary file to be read twice. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/report/report_ecs.h"
#include "analyzer/report/report_merge.h"

/* A connection record's place, noted in pass 1 so that its merged number is known before pass 2
 * (a finding may name a connection written after it). */
typedef struct conn_key {
    uint64_t sensor_id, first_packet, new_id;
    size_t file;                   /* index in merge.fnames, then (renumber) in the merged files */
} conn_key;

typedef struct input {
    const char *name;              /* as given ("-": stdin) */
    char *sensor;                  /* the default sensor name: the file's base name, less .jsonl */
    FILE *f;
    uint64_t good_lines;           /* lines before the first damage (all when none) */
    uint64_t last_summary;         /* line of the last summary record (0: none) */
    uint64_t uncounted;            /* connections after it, counted from their records */
    uint64_t line;                 /* pass 2: lines read */
    bool damaged;                  /* an error was said: the rest of the input is not read */
    td_json *doc;                  /* pass 2: the next connection, or NULL when done */
    conn_key *keys;                /* its connection records, in order */
    size_t n_keys, alloc_keys, next_key;
    bool keys_sorted;              /* by sensor_id (as one run writes them): binary search */
} input;

typedef struct merge {
    const td_merge_options *o;
    FILE *out;
    td_html *html;
    td_merge_sum *sum;
    input *in;
    size_t n;
    char *buf;                     /* the line being read */
    size_t cap;
    bool input_error;
    char **fnames;                 /* the capture file names the records name */
    size_t n_fnames;
} merge;

/* One line into m->buf (without its newline; a NUL byte is kept, for the parser to name).
 * 1: a line, 0: the end, -1: too long (skipped to its end), -2: a read error. */
static int read_line(merge *m, FILE *f, size_t *len)
{
    size_t n = 0;
    bool too_long = false, any = false;
    int ch;
    while ((ch = getc_unlocked(f)) != EOF) {
        any = true;
        if (ch == '\n') break;
        if (too_long) continue;
        if (n + 1 >= m->cap) {
            if (m->cap >= TD_MERGE_MAX_LINE) {
                too_long = true;
                continue;
            }
            size_t cap = m->cap ? m->cap * 2 : 65536;
            char *b = realloc(m->buf, cap);
            if (!b) return -2;
            m->buf = b;
            m->cap = cap;
        }
        m->buf[n++] = (char)ch;
    }
    if (ferror(f)) return -2;
    if (!any) return 0;
    m->buf[n] = '\0';
    *len = n;
    return too_long ? -1 : 1;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return false;
    return true;
}

__attribute__((format(printf, 3, 4))) static void damage(merge *m, input *in, const char *fmt, ...);

static void damage(merge *m, input *in, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "tlsdiag: %s:%s\n", in->name, msg);
    m->input_error = true;
    in->damaged = true;
}

/* The next record of in (pass 1 and 2): 1 with *doc parsed, 0 at the end or the damage (said). */
static int next_record(merge *m, input *in, uint64_t *line, td_json **doc, bool pass1)
{
    for (;;) {
        if (!pass1 && *line >= in->good_lines) return 0;
        size_t len;
        int rc = read_line(m, in->f, &len);
        if (rc == 0) return 0;
        ++*line;
        if (rc == -2) {
            if (pass1) damage(m, in, "%llu: cannot read: %s", (unsigned long long)*line, strerror(errno));
            return 0;
        }
        if (rc == -1) {
            if (pass1) damage(m, in, "%llu: a line longer than %u MiB is no record of tlsdiag's", (unsigned long long)*line,
                              TD_MERGE_MAX_LINE >> 20);
            return 0;
        }
        if (blank(m->buf, len)) continue;
        char err[200];
        if (!(*doc = td_json_parse(m->buf, len, err, sizeof err))) {
            if (pass1) damage(m, in, "%llu: not JSON: %s", (unsigned long long)*line, err);
            return 0;
        }
        const char *type = td_jv_str(td_json_root(*doc), "type");
        if (!type) {
            if (pass1) damage(m, in, "%llu: not a tlsdiag record (no \"type\")", (unsigned long long)*line);
            td_json_free(*doc);
            return 0;
        }
        return 1;
    }
}

static bool note_key(merge *m, input *in, const td_jv *c)
{
    if (in->n_keys == in->alloc_keys) {
        size_t alloc = in->alloc_keys ? in->alloc_keys * 2 : 256;
        conn_key *k = realloc(in->keys, alloc * sizeof *k);
        if (!k) return false;
        in->keys = k;
        in->alloc_keys = alloc;
    }
    conn_key *k = &in->keys[in->n_keys];
    memset(k, 0, sizeof *k);
    if (!td_jv_u64(c, "sensor_id", &k->sensor_id)) td_jv_u64(c, "id", &k->sensor_id);
    td_jv_u64(c, "first_packet", &k->first_packet);
    const char *file = td_jv_str(c, "file");
    if (!file) file = "";
    size_t i = 0;
    while (i < m->n_fnames && strcmp(m->fnames[i], file) != 0) i++;
    if (i == m->n_fnames) {
        char **v = realloc(m->fnames, (m->n_fnames + 1) * sizeof *v);
        if (!v) return false;
        m->fnames = v;
        if (!(v[i] = strdup(file))) return false;
        m->n_fnames++;
    }
    k->file = i;
    if (in->n_keys == 0) in->keys_sorted = true;
    else if (k->sensor_id <= in->keys[in->n_keys - 1].sensor_id) in->keys_sorted = false;
    in->n_keys++;
    return true;
}

/* Pass 1: the summaries added, the damage found. */
static void read_summaries(merge *m, input *in)
{
    uint64_t line = 0, after = 0;
    bool repeated = false;
    td_json *doc;
    while (next_record(m, in, &line, &doc, true)) {
        const td_jv *r = td_json_root(doc);
        const char *type = td_jv_str(r, "type");
        char err[300];
        if (strcmp(type, "summary") == 0) {
            int added = td_merge_sum_add(m->sum, r, err, sizeof err);
            if (added <= 0) {
                damage(m, in, "%llu: summary: %s", (unsigned long long)line, err);
                td_json_free(doc);
                repeated = added < 0;
                break;
            }
            in->last_summary = line;
            after = 0;
        } else if (strcmp(type, "connection") == 0) {
            after++;
            if (!note_key(m, in, r)) {
                damage(m, in, "%llu: out of memory", (unsigned long long)line);
                td_json_free(doc);
                break;
            }
        }
        td_json_free(doc);
    }
    in->good_lines = in->damaged ? line - 1 : line;   /* the records before the damage still count */
    if (repeated) in->good_lines = in->n_keys = 0;     /* a shard read twice: its connections are in already */
    in->uncounted = after;
}

/* Pass 2: the next connection record of in, or in->doc NULL. */
static void advance(merge *m, input *in)
{
    td_json_free(in->doc);
    in->doc = NULL;
    td_json *doc;
    while (next_record(m, in, &in->line, &doc, false)) {
        const td_jv *r = td_json_root(doc);
        if (strcmp(td_jv_str(r, "type"), "connection") != 0) {
            td_json_free(doc);
            continue;
        }
        if (in->line > in->last_summary) {         /* no summary counts it */
            char err[300];
            if (!td_merge_sum_connection(m->sum, r, err, sizeof err)) {
                damage(m, in, "%llu: connection: %s", (unsigned long long)in->line, err);
                td_json_free(doc);
                in->good_lines = in->line - 1;
                return;
            }
        }
        if (in->next_key >= in->n_keys) {          /* the input changed between the passes */
            damage(m, in, "%llu: changed while it was read", (unsigned long long)in->line);
            td_json_free(doc);
            return;
        }
        in->doc = doc;
        return;
    }
}

static bool shown(const merge *m, const td_jv *c, bool *problem)
{
    const char *v = td_jv_str(c, "verdict");
    size_t n;
    const char *const *names = td_verdict_list(&n);
    unsigned bit = 0;                              /* TD_V_NONE */
    for (size_t i = 0; v && i < n; i++)
        if (strcmp(names[i], v) == 0) bit = (unsigned)(TD_V_OK + i);
    *problem = v && strcmp(v, "ok") != 0;
    if (m->o->quiet && !*problem) return false;
    return !m->o->verdict_mask || (m->o->verdict_mask >> bit & 1);
}

/* The merged number of the connection an input numbered sensor_id, or 0 when it holds none. */
static uint64_t renumbered(const input *in, uint64_t sensor_id)
{
    if (in->keys_sorted) {
        size_t lo = 0, hi = in->n_keys;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (in->keys[mid].sensor_id < sensor_id) lo = mid + 1;
            else hi = mid;
        }
        return lo < in->n_keys && in->keys[lo].sensor_id == sensor_id ? in->keys[lo].new_id : 0;
    }
    for (size_t i = 0; i < in->n_keys; i++)
        if (in->keys[i].sensor_id == sensor_id) return in->keys[i].new_id;
    return 0;
}

/* "connection #12" in a finding or evidence text names a connection by its sensor's number: it is
 * given the merged number (the record's tree is changed; *fresh keeps the new strings to free). */
static void renumber_text(const input *in, td_jv *v, char **fresh)
{
    static const char *const lead[] = { "connection #", "sibling #", "attempt #" };
    if (!v || v->type != TD_JV_STRING || !strchr(v->str, '#')) return;
    size_t cap = v->len * 2 + 32, o = 0;
    char *out = malloc(cap);
    if (!out) return;
    for (const char *p = v->str; *p;) {
        size_t k = 0;
        for (size_t i = 0; i < 3 && !k; i++)
            if (strncmp(p, lead[i], strlen(lead[i])) == 0) k = strlen(lead[i]);
        char *end;
        unsigned long long n = k && p[k] >= '0' && p[k] <= '9' ? strtoull(p + k, &end, 10) : 0;
        uint64_t to = n ? renumbered(in, n) : 0;
        if (!to || o + k + 24 >= cap) {
            if (o + 1 >= cap) break;
            out[o++] = *p++;
            continue;
        }
        memcpy(out + o, p, k);
        o += k;
        o += (size_t)snprintf(out + o, cap - o, "%llu", (unsigned long long)to);
        p = end;
    }
    out[o] = '\0';
    *fresh = out;
    v->str = out;
    v->len = o;
}

static void write_connection(merge *m, input *in)
{
    td_jv *c = (td_jv *)td_json_root(in->doc);     /* ours to change: the references renumbered */
    td_merge_ident id = { .id = in->keys[in->next_key].new_id, .sensor = td_jv_str(c, "sensor"),
                          .sensor_id = in->keys[in->next_key].sensor_id };
    in->next_key++;
    if (!id.sensor) id.sensor = in->sensor;
    bool problem;
    if (!shown(m, c, &problem)) return;
    size_t n_fresh = 0, cap = 0;
    static const char *const lists[] = { "findings", "evidence" }, *const texts[] = { "detail", "what" };
    for (int l = 0; l < 2; l++) {
        const td_jv *a = td_jv_get(c, lists[l]);
        if (a && a->type == TD_JV_ARRAY) cap += a->n;
    }
    char **fresh = cap ? calloc(cap, sizeof *fresh) : NULL;
    for (int l = 0; fresh && l < 2; l++) {
        const td_jv *a = td_jv_get(c, lists[l]);
        for (const td_jv *x = a && a->type == TD_JV_ARRAY ? a->child : NULL; x && n_fresh < cap; x = x->next)
            renumber_text(in, (td_jv *)td_jv_get(x, texts[l]), &fresh[n_fresh++]);
    }
    if (m->html) td_merge_html_connection(m->html, c, &id);
    if (m->o->ecs) td_ecs_connection(m->out, c, &id);
    else if (m->o->json) td_merge_json_connection(m->out, c, &id);
    else td_merge_text_connection(m->out, c, &id, m->o->color, m->o->width);
    for (size_t i = 0; i < n_fresh; i++) free(fresh[i]);
    free(fresh);
}

/* Before pass 2: every connection's merged number, by the order pass 2 will write them in. */
static void renumber(merge *m)
{
    size_t *findex = calloc(m->n_fnames ? m->n_fnames : 1, sizeof *findex);
    size_t *at = calloc(m->n ? m->n : 1, sizeof *at);
    if (!findex || !at) {
        free(findex);
        free(at);
        return;
    }
    for (size_t i = 0; i < m->n_fnames; i++) findex[i] = td_merge_sum_file_index(m->sum, m->fnames[i]);
    for (size_t i = 0; i < m->n; i++)
        for (size_t k = 0; k < m->in[i].n_keys; k++) m->in[i].keys[k].file = findex[m->in[i].keys[k].file];
    for (uint64_t next = 1;; next++) {
        conn_key *best = NULL;
        size_t from = 0;
        for (size_t i = 0; i < m->n; i++) {
            conn_key *k = at[i] < m->in[i].n_keys ? &m->in[i].keys[at[i]] : NULL;
            if (k && (!best || k->file < best->file || (k->file == best->file && k->first_packet < best->first_packet))) {
                best = k;
                from = i;
            }
        }
        if (!best) break;
        best->new_id = next;
        at[from]++;
    }
    free(findex);
    free(at);
}

/* Pass 2 over every input at once: the connections in the order renumber() gave them. */
static void merge_connections(merge *m)
{
    for (size_t i = 0; i < m->n; i++) {
        if (!m->in[i].f || fseek(m->in[i].f, 0, SEEK_SET) != 0) continue;
        advance(m, &m->in[i]);
    }
    for (;;) {
        input *best = NULL;
        for (size_t i = 0; i < m->n; i++) {
            input *in = &m->in[i];
            if (in->doc && (!best || in->keys[in->next_key].new_id < best->keys[best->next_key].new_id)) best = in;
        }
        if (!best) break;
        write_connection(m, best);
        advance(m, best);
    }
    for (size_t i = 0; i < m->n; i++)
        if (m->in[i].uncounted && m->in[i].n_keys && m->in[i].last_summary < m->in[i].good_lines)
            damage(m, &m->in[i], " %llu %s after its last summary record (cut short?): counted from %s",
                   (unsigned long long)m->in[i].uncounted, td_plural(m->in[i].uncounted, "connection", "connections"),
                   td_plural(m->in[i].uncounted, "its record", "their records"));
}

/* The input's default sensor name: "sensor-a.jsonl" -> "sensor-a"; stdin -> "stdin". */
static char *sensor_name(const char *path)
{
    if (strcmp(path, "-") == 0) return strdup("stdin");
    const char *b = strrchr(path, '/');
    b = b && b[1] ? b + 1 : path;
    size_t n = strlen(b);
    static const char *const ext[] = { ".jsonl", ".ndjson", ".json" };
    for (size_t i = 0; i < 3; i++) {
        size_t k = strlen(ext[i]);
        if (n > k && strcmp(b + n - k, ext[i]) == 0) {
            n -= k;
            break;
        }
    }
    return strndup(b, n);
}

/* Stdin into a temporary file, so it can be read twice. */
static FILE *spool_stdin(void)
{
    FILE *t = tmpfile();
    if (!t) return NULL;
    char buf[65536];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, stdin)) > 0)
        if (fwrite(buf, 1, k, t) != k) break;
    if (ferror(stdin) || ferror(t) || fflush(t) != 0 || fseek(t, 0, SEEK_SET) != 0) {
        fclose(t);
        return NULL;
    }
    return t;
}

static void open_inputs(merge *m, const char *const *names)
{
    bool stdin_used = false;
    for (size_t i = 0; i < m->n; i++) {
        input *in = &m->in[i];
        in->name = names[i];
        in->sensor = sensor_name(names[i]);
        if (strcmp(names[i], "-") == 0) {
            if (stdin_used) {
                damage(m, in, " stdin is read once; name it once");
                continue;
            }
            stdin_used = true;
            if (!(in->f = spool_stdin())) damage(m, in, " cannot read: %s", strerror(errno));
        } else if (!(in->f = fopen(names[i], "r"))) {
            damage(m, in, " cannot open: %s", strerror(errno));
        }
        if (in->f && in->sensor) read_summaries(m, in);
    }
}

static int finish(merge *m)
{
    td_run_summary s;
    td_merge_sum_fill(m->sum, &s);
    bool any_input = false;
    for (size_t i = 0; i < m->n; i++) any_input |= m->in[i].f != NULL;
    if (!any_input) {
        /* nothing could be read: the errors say it all */
    } else if (m->o->ecs) {
        td_ecs_summary(m->out, &s);
    } else if (m->o->json) {
        td_json_summary(m->out, &s);
    } else {
        td_text_rollup(m->out, s.rollup, m->o->color, m->o->width);
        td_text_summary(m->out, &s, m->o->color, m->o->width);
    }
    if (m->html) {
        char err[300];
        if (!td_html_close(m->html, any_input ? &s : NULL, err, sizeof err)) {
            fprintf(stderr, "tlsdiag: --html %s: %s\n", m->o->html_file, err);
            m->input_error = true;
        }
        m->html = NULL;
    }
    if (m->out != stdout && fclose(m->out) != 0) {
        fprintf(stderr, "tlsdiag: -o %s: cannot write the report there: %s\n", m->o->out_file, strerror(errno));
        m->input_error = true;
    } else if (m->out == stdout) {
        fflush(stdout);
    }
    return m->input_error ? 2 : td_merge_sum_any_problem(m->sum) ? 1 : 0;
}

int td_report_merge(const td_merge_options *o, const char *const *inputs, size_t n_inputs)
{
    merge m = { .o = o, .out = stdout, .n = n_inputs };
    char err[300];
    if (o->out_file && !(m.out = fopen(o->out_file, "w"))) {
        fprintf(stderr, "tlsdiag: -o %s: cannot write the report there: %s\n", o->out_file, strerror(errno));
        return 2;
    }
    if (o->html_file && !(m.html = td_html_open(o->html_file, err, sizeof err))) {
        fprintf(stderr, "tlsdiag: --html %s: %s\n", o->html_file, err);
        if (m.out != stdout) fclose(m.out);
        return 2;
    }
    m.sum = td_merge_sum_new();
    m.in = calloc(n_inputs ? n_inputs : 1, sizeof *m.in);
    if (!m.sum || !m.in) {
        fprintf(stderr, "tlsdiag: out of memory\n");
        td_merge_sum_free(m.sum);
        free(m.in);
        td_html_close(m.html, NULL, err, sizeof err);
        if (m.out != stdout) fclose(m.out);
        return 2;
    }
    open_inputs(&m, inputs);
    renumber(&m);
    merge_connections(&m);
    int status = finish(&m);
    for (size_t i = 0; i < m.n; i++) {
        if (m.in[i].f) fclose(m.in[i].f);
        td_json_free(m.in[i].doc);
        free(m.in[i].sensor);
        free(m.in[i].keys);
    }
    for (size_t i = 0; i < m.n_fnames; i++) free(m.fnames[i]);
    free(m.fnames);
    free(m.in);
    free(m.buf);
    td_merge_sum_free(m.sum);
    return status;
}
