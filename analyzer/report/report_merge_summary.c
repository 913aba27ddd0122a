/* report_merge_summary.c - the summary records of several runs added into one: packets,
 * connections and verdicts summed, the capture files joined in order, the per-server roll-up and
 * the network paths merged, the notes joined (a shard's "no results" dropped when others had some). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/report/report_merge.h"
#include "analyzer/report/rollup.h"

typedef struct strs {
    char **v;
    size_t n, alloc;
} strs;

/* The summaries of --shard K/N runs over the same files: their packets are counted once, since
 * every shard reads them all; the shards read are marked, so a missing one is noted. */
typedef struct shard_set {
    unsigned n, n_seen;
    char *files;                   /* the files, one a line */
    uint8_t *seen;                 /* bit k: shard k read */
} shard_set;

struct td_merge_sum {
    strs files, notes;
    shard_set *sets;
    size_t n_sets;
    uint64_t packets, connections, undecoded, truncated, kernel_received, kernel_dropped;
    bool have_kernel_stats;
    double elapsed_s;
    const char *const *verdict_names;
    size_t n_verdicts;
    uint64_t *verdict_counts;      /* per td_verdict_list() entry */
    uint64_t counted;              /* connections given a verdict */
    td_rollup *rollup;
};

static bool strs_add_unique(strs *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0) return true;
    if (s->n == s->alloc) {
        size_t alloc = s->alloc ? s->alloc * 2 : 8;
        char **v = realloc(s->v, alloc * sizeof *v);
        if (!v) return false;
        s->v = v;
        s->alloc = alloc;
    }
    if (!(s->v[s->n] = strdup(x))) return false;
    s->n++;
    return true;
}

static void strs_free(strs *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->v[i]);
    free(s->v);
}

td_merge_sum *td_merge_sum_new(void)
{
    td_merge_sum *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->verdict_names = td_verdict_list(&m->n_verdicts);
    m->verdict_counts = calloc(m->n_verdicts, sizeof *m->verdict_counts);
    m->rollup = td_rollup_new(TD_ROLLUP_CAP);
    if (!m->verdict_counts || !m->rollup) {
        td_merge_sum_free(m);
        return NULL;
    }
    return m;
}

void td_merge_sum_free(td_merge_sum *m)
{
    if (!m) return;
    strs_free(&m->files);
    strs_free(&m->notes);
    for (size_t i = 0; i < m->n_sets; i++) {
        free(m->sets[i].files);
        free(m->sets[i].seen);
    }
    free(m->sets);
    free(m->verdict_counts);
    td_rollup_free(m->rollup);
    free(m);
}

/* A verdict's name to the verdict, TD_V_NONE when unknown. */
static td_verdict verdict_named(const td_merge_sum *m, const char *name)
{
    for (size_t i = 0; name && i < m->n_verdicts; i++)
        if (strcmp(m->verdict_names[i], name) == 0) return (td_verdict)(TD_V_OK + i);
    return TD_V_NONE;
}

/* "2026-11-25T01:28:03.445032Z" (td_format_time) back to seconds since the epoch. */
static bool parse_time(const char *s, double *out)
{
    struct tm tm = { 0 };
    int usec = 0, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%6dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                     &tm.tm_min, &tm.tm_sec, &usec, &n) != 7 || s[n] != '\0')
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    if (t == (time_t)-1) return false;
    *out = (double)t + usec / 1e6;
    return true;
}

static bool counts(const td_jv *o, const char *const *keys, uint64_t *const *to, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t v = 0;
        if (td_jv_get(o, keys[i]) && !td_jv_u64(o, keys[i], &v)) {
            snprintf(err, errlen, "\"%s\" is not a count", keys[i]);
            return false;
        }
        *to[i] += v;
    }
    return true;
}

/* One "servers" entry. */
static bool add_server(td_merge_sum *m, const td_jv *x, char *err, size_t errlen)
{
    const char *ip = td_jv_str(x, "ip"), *sni = td_jv_str(x, "sni"), *tr = td_jv_str(x, "transport");
    uint64_t port = 0;
    if (!ip || strlen(ip) >= sizeof ((td_server_stat *)0)->ip || !td_jv_u64(x, "port", &port) || port > 65535) {
        snprintf(err, errlen, "a server without its address and port");
        return false;
    }
    size_t sl = sni ? strlen(sni) : 0;
    td_server_stat *s = calloc(1, sizeof *s + sl + 1);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    snprintf(s->ip, sizeof s->ip, "%s", ip);
    s->port = (uint16_t)port;
    s->udp = tr && strcmp(tr, "quic") == 0;
    if (sl) memcpy(s->sni, sni, sl + 1);
    bool ok = td_jv_u64(x, "connections", &s->connections) && td_jv_u64(x, "failed", &s->failed);
    const td_jv *vs = td_jv_get(x, "verdicts");
    for (const td_jv *v = vs ? vs->child : NULL; ok && v; v = v->next) {
        td_verdict vd = verdict_named(m, v->key);
        uint64_t k = 0;
        ok = vd != TD_V_NONE && td_jv_u64(vs, v->key, &k);
        if (ok) s->verdicts[vd] += k;
    }
    if (ok && s->failed)
        ok = parse_time(td_jv_str(x, "first_failure"), &s->first_fail) && parse_time(td_jv_str(x, "last_failure"), &s->last_fail);
    if (ok) td_rollup_merge(m->rollup, s);
    else snprintf(err, errlen, "server %s:%u: its counts, verdicts or failure times are not tlsdiag's", s->ip, s->port);
    free(s);
    return ok;
}

static bool add_path(td_merge_sum *m, const td_jv *x, char *err, size_t errlen)
{
    td_path_stat p;
    memset(&p, 0, sizeof p);
    const char *net = td_jv_str(x, "client_network");
    p.verdict = verdict_named(m, td_jv_str(x, "verdict"));
    const td_jv *sv = td_jv_get(x, "servers");
    if (!net || strlen(net) >= sizeof p.network || p.verdict == TD_V_NONE || !td_jv_u64(x, "connections", &p.connections) ||
        !td_jv_u64(x, "more_servers", &p.more_servers) || !sv || sv->type != TD_JV_ARRAY) {
        snprintf(err, errlen, "a network path without its network, verdict or counts");
        return false;
    }
    snprintf(p.network, sizeof p.network, "%s", net);
    for (const td_jv *s = sv->child; s; s = s->next) {
        if (s->type != TD_JV_STRING || s->len >= sizeof p.servers[0]) continue;
        if (p.n_servers < TD_PATH_SERVERS) snprintf(p.servers[p.n_servers++], sizeof p.servers[0], "%s", s->str);
        else p.more_servers++;
    }
    td_paths_merge(td_rollup_paths_merge(m->rollup), &p);
    return true;
}

/* The elements of array member key, each through add (NULL array: nothing). */
static bool each(td_merge_sum *m, const td_jv *o, const char *key, bool (*add)(td_merge_sum *, const td_jv *, char *, size_t),
                 char *err, size_t errlen)
{
    const td_jv *a = td_jv_get(o, key);
    if (a && a->type != TD_JV_ARRAY) {
        snprintf(err, errlen, "\"%s\" is not a list", key);
        return false;
    }
    for (const td_jv *x = a ? a->child : NULL; x; x = x->next)
        if (!add(m, x, err, errlen)) return false;
    return true;
}

static bool add_file(td_merge_sum *m, const td_jv *x, char *err, size_t errlen)
{
    if (x->type == TD_JV_STRING && strs_add_unique(&m->files, x->str)) return true;
    snprintf(err, errlen, x->type == TD_JV_STRING ? "out of memory" : "a file name that is not a string");
    return false;
}

static bool add_note(td_merge_sum *m, const td_jv *x, char *err, size_t errlen)
{
    if (x->type == TD_JV_STRING && strs_add_unique(&m->notes, x->str)) return true;
    snprintf(err, errlen, x->type == TD_JV_STRING ? "out of memory" : "a note that is not a string");
    return false;
}

/* The files of a summary, one a line (a shard set's key); NULL when out of memory. */
static char *files_key(const td_jv *sum)
{
    const td_jv *a = td_jv_get(sum, "files");
    size_t n = 1;
    for (const td_jv *x = a ? a->child : NULL; x; x = x->next) n += x->len + 1;
    char *k = malloc(n), *o = k;
    if (!k) return NULL;
    for (const td_jv *x = a ? a->child : NULL; x; x = x->next)
        if (x->type == TD_JV_STRING) o += sprintf(o, "%s\n", x->str);
    *o = '\0';
    return k;
}

/* A summary with "shard": 1 when its packets are to be counted (the first shard of its set read),
 * 0 when not, -1 on an error, -2 for a shard read twice (err says which). */
static int shard_once(td_merge_sum *m, const td_jv *sum, char *err, size_t errlen)
{
    const td_jv *sh = td_jv_get(sum, "shard");
    if (!sh) return 1;
    uint64_t k, n;
    if (!td_jv_u64(sh, "k", &k) || !td_jv_u64(sh, "n", &n) || n == 0 || n > (1u << 20) || k >= n) {
        snprintf(err, errlen, "\"shard\" is not {\"k\":K,\"n\":N} with K < N");
        return -1;
    }
    char *key = files_key(sum);
    if (!key) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    shard_set *s = NULL;
    for (size_t i = 0; i < m->n_sets && !s; i++)
        if (m->sets[i].n == n && strcmp(m->sets[i].files, key) == 0) s = &m->sets[i];
    if (s) {
        free(key);
        if (s->seen[k / 8] >> (k % 8) & 1) {
            snprintf(err, errlen, "shard %llu/%llu of these files was read already: its connections would count twice",
                     (unsigned long long)k, (unsigned long long)n);
            return -2;
        }
        s->seen[k / 8] |= (uint8_t)(1u << (k % 8));
        s->n_seen++;
        return 0;
    }
    shard_set *v = realloc(m->sets, (m->n_sets + 1) * sizeof *v);
    uint8_t *seen = calloc((size_t)n / 8 + 1, 1);
    if (v) m->sets = v;
    if (!v || !seen) {
        free(key);
        free(seen);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    seen[k / 8] |= (uint8_t)(1u << (k % 8));
    m->sets[m->n_sets++] = (shard_set){ .n = (unsigned)n, .n_seen = 1, .files = key, .seen = seen };
    return 1;
}

int td_merge_sum_add(td_merge_sum *m, const td_jv *sum, char *err, size_t errlen)
{
    static const char *const keys[] = { "packets", "connections", "undecoded_packets", "truncated_packets",
                                        "servers_untracked" };
    uint64_t untracked = 0, ignored[3] = { 0, 0, 0 };
    int once = shard_once(m, sum, err, errlen);
    if (once < 0) return once == -2 ? -1 : 0;
    uint64_t *const to[] = { once ? &m->packets : &ignored[0], &m->connections, once ? &m->undecoded : &ignored[1],
                             once ? &m->truncated : &ignored[2], &untracked };
    if (!counts(sum, keys, to, 5, err, errlen)) return false;
    td_rollup_merge_untracked(m->rollup, untracked);
    if (td_jv_get(sum, "kernel_received")) {
        static const char *const kk[] = { "kernel_received", "kernel_dropped" };
        uint64_t *const kt[] = { &m->kernel_received, &m->kernel_dropped };
        if (!counts(sum, kk, kt, 2, err, errlen)) return false;
        m->have_kernel_stats = true;
    }
    const td_jv *vs = td_jv_get(sum, "verdicts");
    for (const td_jv *v = vs && vs->type == TD_JV_OBJECT ? vs->child : NULL; v; v = v->next) {
        td_verdict vd = verdict_named(m, v->key);
        uint64_t k = 0;
        if (vd == TD_V_NONE || !td_jv_u64(vs, v->key, &k)) {
            snprintf(err, errlen, "verdict \"%s\": not one this tlsdiag knows, or not a count", v->key);
            return false;
        }
        m->verdict_counts[vd - TD_V_OK] += k;
        m->counted += k;
    }
    m->elapsed_s += td_jv_num(sum, "elapsed_s");
    return each(m, sum, "files", add_file, err, errlen) && each(m, sum, "servers", add_server, err, errlen) &&
           each(m, sum, "network_paths", add_path, err, errlen) && each(m, sum, "notes", add_note, err, errlen);
}

bool td_merge_sum_connection(td_merge_sum *m, const td_jv *c, char *err, size_t errlen)
{
    const td_jv *cl = td_jv_get(c, "client"), *sv = td_jv_get(c, "server");
    const char *vname = td_jv_str(c, "verdict"), *tr = td_jv_str(c, "transport");
    const char *sni = td_jv_str(td_jv_get(c, "tls"), "sni");
    td_transcript t;                               /* the few facts the roll-up counts */
    memset(&t, 0, sizeof t);
    const char *cip = td_jv_str(cl, "ip"), *sip = td_jv_str(sv, "ip");
    uint64_t port = 0;
    if (!cip || !sip || strlen(cip) >= sizeof t.client.ip || strlen(sip) >= sizeof t.server.ip ||
        !td_jv_u64(sv, "port", &port) || port > 65535 || !parse_time(td_jv_str(c, "start"), &t.start)) {
        snprintf(err, errlen, "a connection without its endpoints or start time");
        return false;
    }
    td_verdict v = verdict_named(m, vname);
    if (vname && v == TD_V_NONE) {
        snprintf(err, errlen, "verdict \"%s\" is not one this tlsdiag knows", vname);
        return false;
    }
    snprintf(t.client.ip, sizeof t.client.ip, "%s", cip);
    snprintf(t.server.ip, sizeof t.server.ip, "%s", sip);
    size_t sl = sni ? strlen(sni) : 0;
    td_server_stat *s = calloc(1, sizeof *s + sl + 1);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    snprintf(s->ip, sizeof s->ip, "%s", sip);
    s->port = (uint16_t)port;
    s->udp = tr && strcmp(tr, "quic") == 0;
    if (sl) memcpy(s->sni, sni, sl + 1);
    s->connections = 1;
    s->verdicts[v]++;
    s->failed = v != TD_V_NONE && v != TD_V_OK;
    s->first_fail = s->last_fail = t.start;
    td_rollup_merge(m->rollup, s);
    free(s);
    td_paths_add(td_rollup_paths_merge(m->rollup), &t, v);
    m->connections++;
    if (v != TD_V_NONE) {
        m->verdict_counts[v - TD_V_OK]++;
        m->counted++;
    }
    return true;
}

size_t td_merge_sum_file_index(const td_merge_sum *m, const char *file)
{
    for (size_t i = 0; file && i < m->files.n; i++)
        if (strcmp(m->files.v[i], file) == 0) return i;
    return SIZE_MAX;
}

bool td_merge_sum_any_problem(const td_merge_sum *m)
{
    for (size_t i = 0; i < m->n_verdicts; i++)
        if (m->verdict_counts[i] && i != 0) return true;   /* entry 0 is ok */
    return false;
}

void td_merge_sum_fill(td_merge_sum *m, td_run_summary *s)
{
    memset(s, 0, sizeof *s);
    /* A shard that saw no connection says "no results: ..."; once the others have some, it is not so. */
    size_t k = 0;
    for (size_t i = 0; i < m->notes.n; i++) {
        if (m->connections && strncmp(m->notes.v[i], "no results:", 11) == 0) {
            free(m->notes.v[i]);
            continue;
        }
        m->notes.v[k++] = m->notes.v[i];
    }
    m->notes.n = k;
    for (size_t i = 0; i < m->n_sets; i++) {       /* a shard missing: said once */
        shard_set *x = &m->sets[i];
        if (x->n_seen == x->n || x->n_seen > x->n) continue;
        char note[200];
        snprintf(note, sizeof note, "only %u of the %u shards of the capture were read: the counts are theirs",
                 x->n_seen, x->n);
        x->n_seen = x->n + 1;
        strs_add_unique(&m->notes, note);
    }
    s->files = (const char **)m->files.v;
    s->n_files = m->files.n;
    s->packets = m->packets;
    s->connections = m->connections;
    s->undecoded = m->undecoded;
    s->truncated = m->truncated;
    s->elapsed_s = m->elapsed_s;
    s->verdict_names = (const char **)m->verdict_names;
    s->verdict_counts = m->verdict_counts;
    s->n_verdicts = m->n_verdicts;
    s->no_verdict = m->connections > m->counted ? m->connections - m->counted : 0;
    s->have_kernel_stats = m->have_kernel_stats;
    s->kernel_received = m->kernel_received;
    s->kernel_dropped = m->kernel_dropped;
    s->rollup = m->rollup;
    s->notes = (const char *const *)m->notes.v;
    s->n_notes = m->notes.n;
}
