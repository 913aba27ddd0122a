/* rollup_paths.c - the failures the network caused, grouped by the client's network and verdict: "everything from 10.1.2.0/24 through this firewall fails the same way" is one line. */
#include <arpa/inet.h>
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
    unsigned char a[16];
    char t[INET6_ADDRSTRLEN];
    bool v6 = strchr(ip, ':') != NULL;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, ip, a) != 1) {
        snprintf(buf, len, "%s", ip);
        return;
    }
    if (v6) memset(a + 8, 0, 8);
    else a[3] = 0;
    if (!inet_ntop(v6 ? AF_INET6 : AF_INET, a, t, sizeof t)) {
        snprintf(buf, len, "%s", ip);
        return;
    }
    snprintf(buf, len, "%s/%d", t, v6 ? 64 : 24);
}

void td_paths_add(td_paths *p, const td_transcript *t, td_verdict v)
{
    if (!td_verdict_is_network(v)) return;
    char net[56];
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

void td_paths_merge(td_paths *p, const td_path_stat *in)
{
    td_path_stat *s = NULL;
    for (size_t i = 0; i < p->n && !s; i++)
        if (p->paths[i].verdict == in->verdict && strcmp(p->paths[i].network, in->network) == 0) s = &p->paths[i];
    if (!s) {
        if (p->n == TD_PATHS_MAX) {
            p->untracked++;
            return;
        }
        s = &p->paths[p->n++];
        memset(s, 0, sizeof *s);
        snprintf(s->network, sizeof s->network, "%s", in->network);
        s->verdict = in->verdict;
    }
    s->connections += in->connections;
    s->more_servers += in->more_servers;
    for (size_t k = 0; k < in->n_servers; k++) {
        bool known = false;
        for (size_t i = 0; i < s->n_servers && !known; i++) known = strcmp(s->servers[i], in->servers[k]) == 0;
        if (known) continue;
        if (s->n_servers < TD_PATH_SERVERS) snprintf(s->servers[s->n_servers++], sizeof s->servers[0], "%s", in->servers[k]);
        else s->more_servers++;
    }
}
