/* rollup_paths.c - the failures the network caused, grouped by the client's network and verdict: "everything from 10.1.2.0/24 through this firewall fails the same way" is one line. */
#include <stdio.h>
#include <string.h>

#include "analyzer/report/rollup.h"

/* Verdicts of the network family (issue 25): in neither endpoint, but on the path between. */
bool td_verdict_is_network(td_verdict v)
{
    return v == TD_V_CLIENT_HELLO_DROPPED || v == TD_V_PATH_MTU_BLACKHOLE || v == TD_V_RESET_INJECTED ||
           v == TD_V_QUIC_BLOCKED;
}

/* The client's network: its /24 (IPv4) or /64 (IPv6), as text. */
static void client_network(const char *ip, char *buf, size_t len)
{
    if (!strchr(ip, ':')) {
        unsigned a, b, c;
        if (sscanf(ip, "%u.%u.%u.", &a, &b, &c) == 3) snprintf(buf, len, "%u.%u.%u.0/24", a, b, c);
        else snprintf(buf, len, "%s", ip);
        return;
    }
    /* The first four groups of the text form, "::" expanded no further than it appears. */
    size_t n = 0, groups = 0;
    while (ip[n] && groups < 4) {
        if (ip[n] == ':') {
            groups++;
            if (ip[n + 1] == ':') break;
        }
        n++;
    }
    snprintf(buf, len, "%.*s::/64", (int)n, ip);
}

void td_paths_add(td_paths *p, const td_transcript *t, td_verdict v)
{
    if (!td_verdict_is_network(v)) return;
    char net[48];
    client_network(t->client.ip, net, sizeof net);
    td_path_stat *s = NULL;
    for (size_t i = 0; i < p->n && !s; i++)
        if (p->paths[i].verdict == v && strcmp(p->paths[i].network, net) == 0) s = &p->paths[i];
    if (!s) {
        if (p->n == TD_PATHS_MAX) {
            p->untracked++;
            return;
        }
        s = &p->paths[p->n++];
        memset(s, 0, sizeof *s);
        snprintf(s->network, sizeof s->network, "%s", net);
        s->verdict = v;
        s->first = t->start;
    }
    s->connections++;
    if (t->start < s->first) s->first = t->start;
    if (t->start > s->last) s->last = t->start;
    bool known = false;
    for (size_t i = 0; i < s->n_servers && !known; i++) known = strcmp(s->servers[i], t->server.ip) == 0;
    if (known) return;
    if (s->n_servers < TD_PATH_SERVERS) snprintf(s->servers[s->n_servers++], sizeof s->servers[0], "%s", t->server.ip);
    else s->more_servers++;
}
