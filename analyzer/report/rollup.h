/* rollup.h - the per-server roll-up (analyzer/report/rollup.c): verdicts counted by server.
 * Every connection's verdict is counted under its server (IP, port, transport and SNI), for the table after
 * the connections and the JSON summary.  At most `cap` servers are tracked; connections to
 * further servers are only counted. */
#ifndef TLSDIAG_ROLLUP_H
#define TLSDIAG_ROLLUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/diagnose/classify.h"

#define TD_ROLLUP_CAP 10000        /* servers tracked by default */

typedef struct td_server_stat {
    char ip[46];
    uint16_t port;
    bool udp;                      /* QUIC: a server on UDP, counted apart from TCP on the same port */
    uint64_t connections;
    uint64_t failed;               /* connections with a problem verdict (td_result_is_problem) */
    uint64_t verdicts[TD_V_COUNT];
    double first_fail, last_fail;  /* capture times of the first and last failed connection */
    char sni[];                    /* "" when the client sent none */
} td_server_stat;

/* Failures the network caused (client-hello-dropped, path-mtu-blackhole, reset-injected, quic-blocked),
 * by the client's network (/24, /64) and verdict (analyzer/report/rollup_paths.c). */
#define TD_PATHS_MAX 64
#define TD_PATH_SERVERS 8
typedef struct td_path_stat {
    char network[56];              /* "10.1.2.0/24", "2001:db8:1:2::/64" */
    td_verdict verdict;
    uint64_t connections;
    char servers[TD_PATH_SERVERS][46];   /* the servers' addresses, the first few */
    size_t n_servers;
    uint64_t more_servers;
    double first, last;            /* capture times of the first and last such connection */
} td_path_stat;
typedef struct td_paths {
    td_path_stat paths[TD_PATHS_MAX];
    size_t n;
    uint64_t untracked;
} td_paths;
bool td_verdict_is_network(td_verdict v);
/* Another run's path (tlsdiag report): counts added, its servers joined to the first few. */
void td_paths_merge(td_paths *p, const td_path_stat *in);
void td_paths_add(td_paths *p, const td_transcript *t, td_verdict v);
typedef struct td_rollup td_rollup;
/* The roll-up's network paths. */
const td_paths *td_rollup_paths(const td_rollup *ru);

td_rollup *td_rollup_new(size_t cap);
void td_rollup_free(td_rollup *ru);
/* Count one classified connection. */
void td_rollup_add(td_rollup *ru, const td_result *r);
/* The servers, most failures first (then most connections, then address): valid until the next
 * td_rollup_add or td_rollup_free. */
const td_server_stat *const *td_rollup_sorted(td_rollup *ru, size_t *n);
/* tlsdiag report: another run's counts for one server added (failure times widened), its
 * untracked connections, and its network paths to add to (td_paths_merge). */
void td_rollup_merge(td_rollup *ru, const td_server_stat *in);
void td_rollup_merge_untracked(td_rollup *ru, uint64_t n);
td_paths *td_rollup_paths_merge(td_rollup *ru);
/* Connections whose server was not tracked because the cap was reached (0: none). */
uint64_t td_rollup_untracked(const td_rollup *ru);
size_t td_rollup_cap(const td_rollup *ru);
/* The most common problem verdict of a server (TD_V_NONE when none failed). */
td_verdict td_server_cause(const td_server_stat *s);
/* Every connection (two or more) to the server failed, all with the same verdict. */
bool td_server_all_failed_alike(const td_server_stat *s);
/* "10:02:11-10:14:55" (UTC; with the dates when they differ), "10:02:11" for one time, "" for none. */
void td_server_fail_span(const td_server_stat *s, char *buf, size_t len);

#endif
