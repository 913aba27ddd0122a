/* rollup.c - the per-server roll-up (see rollup.h).  One hash lookup and a few counters per
 * connection; the servers live in one array, found through an open-addressing index. */
#include <stdlib.h>
#include <string.h>

#include "analyzer/report/report.h"
#include "analyzer/report/rollup.h"

struct td_rollup {
    size_t cap;
    td_server_stat **servers;      /* in order of first appearance */
    size_t n, alloc;
    uint32_t *index;               /* 1 + position in servers, 0 empty; size mask + 1 */
    size_t mask;
    uint64_t untracked;
    bool sorted;                   /* servers[] is in report order (the index then is stale) */
    td_paths paths;                /* network failures by client network (rollup_paths.c) */
};

const td_paths *td_rollup_paths(const td_rollup *ru) { return &ru->paths; }

td_rollup *td_rollup_new(size_t cap)
{
    td_rollup *ru = calloc(1, sizeof *ru);
    if (!ru) return NULL;
    ru->cap = cap ? cap : TD_ROLLUP_CAP;
    ru->mask = 63;
    ru->index = calloc(ru->mask + 1, sizeof *ru->index);
    if (!ru->index) {
        free(ru);
        return NULL;
    }
    return ru;
}

void td_rollup_free(td_rollup *ru)
{
    if (!ru) return;
    for (size_t i = 0; i < ru->n; i++) free(ru->servers[i]);
    free(ru->servers);
    free(ru->index);
    free(ru);
}

static uint32_t fnv(uint32_t h, const char *s)
{
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* port: the server's port, with 0x10000 added for UDP (QUIC). */
static uint32_t key_hash(const char *ip, uint32_t port, const char *sni)
{
    uint32_t h = fnv(2166136261u, ip);
    h = (h ^ port) * 16777619u;
    return fnv(h, sni);
}

static uint32_t port_key(const td_server_stat *s) { return s->port | (s->udp ? 0x10000u : 0); }

static bool same(const td_server_stat *s, const char *ip, uint32_t port, const char *sni)
{
    return port_key(s) == port && strcmp(s->ip, ip) == 0 && strcmp(s->sni, sni) == 0;
}

static void reindex(td_rollup *ru)
{
    memset(ru->index, 0, (ru->mask + 1) * sizeof *ru->index);
    for (size_t i = 0; i < ru->n; i++) {
        const td_server_stat *s = ru->servers[i];
        size_t at = key_hash(s->ip, port_key(s), s->sni) & ru->mask;
        while (ru->index[at]) at = (at + 1) & ru->mask;
        ru->index[at] = (uint32_t)(i + 1);
    }
    ru->sorted = false;
}

static bool grow_index(td_rollup *ru)
{
    size_t mask = ru->mask * 2 + 1;
    uint32_t *idx = calloc(mask + 1, sizeof *idx);
    if (!idx) return false;
    free(ru->index);
    ru->index = idx;
    ru->mask = mask;
    reindex(ru);
    return true;
}

static td_server_stat *lookup(td_rollup *ru, const char *ip, uint32_t port, const char *sni)
{
    if (ru->sorted) reindex(ru);
    size_t at = key_hash(ip, port, sni) & ru->mask;
    for (; ru->index[at]; at = (at + 1) & ru->mask) {
        td_server_stat *s = ru->servers[ru->index[at] - 1];
        if (same(s, ip, port, sni)) return s;
    }
    if (ru->n >= ru->cap) return NULL;
    if ((ru->n + 1) * 2 > ru->mask + 1) {          /* keep the index at most half full */
        if (!grow_index(ru)) return NULL;
        return lookup(ru, ip, port, sni);
    }
    if (ru->n == ru->alloc) {
        size_t alloc = ru->alloc ? ru->alloc * 2 : 16;
        td_server_stat **v = realloc(ru->servers, alloc * sizeof *v);
        if (!v) return NULL;
        ru->servers = v;
        ru->alloc = alloc;
    }
    size_t sl = strlen(sni);
    td_server_stat *s = calloc(1, sizeof *s + sl + 1);
    if (!s) return NULL;
    snprintf(s->ip, sizeof s->ip, "%s", ip);
    s->port = (uint16_t)port;
    s->udp = port > 0xffff;
    memcpy(s->sni, sni, sl + 1);
    ru->servers[ru->n++] = s;
    ru->index[at] = (uint32_t)ru->n;
    return s;
}

void td_rollup_add(td_rollup *ru, const td_result *r)
{
    if (!ru) return;
    const td_transcript *t = r->t;
    td_paths_add(&ru->paths, t, r->verdict);
    td_server_stat *s = lookup(ru, t->server.ip, t->server.port | (t->quic ? 0x10000u : 0), t->tls.sni ? t->tls.sni : "");
    if (!s) {
        ru->untracked++;
        return;
    }
    s->connections++;
    s->verdicts[(unsigned)r->verdict < TD_V_COUNT ? r->verdict : TD_V_NONE]++;
    if (td_result_is_problem(r)) {
        if (!s->failed || t->start < s->first_fail) s->first_fail = t->start;
        if (!s->failed || t->start > s->last_fail) s->last_fail = t->start;
        s->failed++;
    }
}

/* Another run's counts for one server (tlsdiag report, analyzer/report/report_merge_summary.c). */
void td_rollup_merge(td_rollup *ru, const td_server_stat *in)
{
    if (!ru) return;
    td_server_stat *s = lookup(ru, in->ip, in->port | (in->udp ? 0x10000u : 0), in->sni);
    if (!s) {
        ru->untracked += in->connections;
        return;
    }
    if (in->failed) {
        if (!s->failed || in->first_fail < s->first_fail) s->first_fail = in->first_fail;
        if (!s->failed || in->last_fail > s->last_fail) s->last_fail = in->last_fail;
    }
    s->connections += in->connections;
    s->failed += in->failed;
    for (int v = 0; v < TD_V_COUNT; v++) s->verdicts[v] += in->verdicts[v];
}

void td_rollup_merge_untracked(td_rollup *ru, uint64_t n)
{
    if (ru) ru->untracked += n;
}

td_paths *td_rollup_paths_merge(td_rollup *ru) { return ru ? &ru->paths : NULL; }

static int by_report_order(const void *a, const void *b)
{
    const td_server_stat *x = *(const td_server_stat *const *)a, *y = *(const td_server_stat *const *)b;
    if (x->failed != y->failed) return x->failed > y->failed ? -1 : 1;
    if (x->connections != y->connections) return x->connections > y->connections ? -1 : 1;
    int c = strcmp(x->ip, y->ip);
    if (c) return c;
    if (x->port != y->port) return x->port < y->port ? -1 : 1;
    if (x->udp != y->udp) return x->udp ? 1 : -1;
    return strcmp(x->sni, y->sni);
}

const td_server_stat *const *td_rollup_sorted(td_rollup *ru, size_t *n)
{
    *n = ru ? ru->n : 0;
    if (!ru || !ru->n) return NULL;
    qsort(ru->servers, ru->n, sizeof *ru->servers, by_report_order);
    ru->sorted = true;
    return (const td_server_stat *const *)ru->servers;
}

uint64_t td_rollup_untracked(const td_rollup *ru) { return ru ? ru->untracked : 0; }
size_t td_rollup_cap(const td_rollup *ru) { return ru ? ru->cap : 0; }

td_verdict td_server_cause(const td_server_stat *s)
{
    td_verdict best = TD_V_NONE;
    for (int v = TD_V_OK + 1; v < TD_V_COUNT; v++)
        if (s->verdicts[v] > (best ? s->verdicts[best] : 0)) best = (td_verdict)v;
    return best;
}

bool td_server_all_failed_alike(const td_server_stat *s)
{
    return s->connections >= 2 && s->failed == s->connections && s->verdicts[td_server_cause(s)] == s->connections;
}

void td_server_fail_span(const td_server_stat *s, char *buf, size_t len)
{
    if (!len) return;
    buf[0] = '\0';
    if (!s->failed) return;
    char a[48], b[48];
    td_format_time(s->first_fail, a, sizeof a);    /* 2026-11-25T10:02:11.123456Z */
    td_format_time(s->last_fail, b, sizeof b);
    bool same_day = strncmp(a, b, 10) == 0 && a[0] != '?';
    if (strlen(a) < 19 || strlen(b) < 19) {        /* a wild clock: "?" */
        snprintf(buf, len, "%s", a);
        return;
    }
    a[19] = b[19] = '\0';
    a[10] = b[10] = ' ';
    const char *ta = same_day ? a + 11 : a, *tb = same_day ? b + 11 : b;
    if (strcmp(a, b) == 0) snprintf(buf, len, "%s", ta);
    else snprintf(buf, len, "%s-%s", ta, tb);
}
