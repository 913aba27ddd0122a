/* options.h - what the command line asked for (analyzer/app/cli.c fills it). */
#ifndef TLSDIAG_OPTIONS_H
#define TLSDIAG_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/flow/tls_ports.h"

#define TD_MAX_BUFFER_KIB 2097151u /* -B: libpcap takes the size in bytes as an int */
#define TD_MAX_WORKERS 64

typedef enum td_color { TD_COLOR_AUTO = 0, TD_COLOR_NEVER, TD_COLOR_ALWAYS } td_color;

typedef struct td_options {
    const char **files;            /* -r, in order (argv strings, not owned) */
    size_t n_files;
    const char *iface;             /* -i */
    td_port_set ports;             /* -P: the TLS server ports */
    bool any_port;                 /* -A */
    td_port_set proxy_ports;       /* --proxy-ports: HTTP proxies whose CONNECT tunnels are followed */
    char *bpf;                     /* extra filter expression (heap) */
    const char *write_file;        /* -w */
    const char *out_file;          /* -o */
    bool json;
    bool json_ecs;                 /* --json=ecs: Elastic Common Schema names */
    const char *sensor;            /* --sensor NAME: each JSON record says which sensor wrote it */
    bool quiet;                    /* -q */
    int verbose;                   /* -v */
    const char *cacert, *capath;
    td_color color;
    double idle_timeout;           /* seconds of capture time; 0 = none */
    bool idle_timeout_set;
    long count;                    /* -c: stop after this many packets (0 = no limit) */
    double duration;               /* --duration (live) */
    bool no_promisc;               /* -p */
    const char *user;              /* -Z */
    size_t max_connections;        /* 0 = no cap */
    unsigned shard_k, shard_n;     /* --shard K/N (n = 0: off) */
    bool no_siblings;              /* --no-siblings: judge every connection alone */
    uint32_t verdict_mask;         /* --verdict LIST: bit v set = show verdict v (0: all) */
    uint64_t connection;           /* --connection N: show only connection #N (0: all) */
    const char *ja3_filter;        /* --ja3 H,H: show only these JA3 or JA3S (argv string; NULL: all) */
    const char *ja4_filter;        /* --ja4 F,F: show only these JA4 (argv string; NULL: all) */
    const char *html_file;         /* --html FILE */
    unsigned buffer_kib;           /* -B: live capture buffer in KiB (0 = sized by analyzer/live/live_plan.c) */
    unsigned workers;              /* --workers: live capture threads (0 = one per CPU, live_plan.c) */
    const char **keylogs;          /* --keylog FILE, in order (argv strings, not owned; heap array) */
    size_t n_keylogs;
} td_options;

/* Parse argv into *o.  Returns 0 to run, 1 if it printed help/version (exit 0), 2 on a usage
 * error (message already printed to stderr). */
int td_parse_options(int argc, char **argv, td_options *o);
void td_options_free(td_options *o);
/* Shared with `tlsdiag report` (analyzer/app/report_cli.c): --verdict's list into a mask, --json's
 * flavour; 0, or 2 after a usage error was printed. */
int td_parse_verdict_list(const char *list, uint32_t *mask);
int td_parse_json_mode(const char *arg, bool *json, bool *ecs);

#endif
