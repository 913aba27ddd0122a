/* cli.c - the command line: tcpdump's habits where they apply, curl's names for trust anchors. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "analyzer/diagnose/classify.h"
#include "analyzer/run/options.h"

#ifndef TLSDIAG_VERSION
#define TLSDIAG_VERSION "0.1.0"
#endif

static const char usage_text[] =        /* one 80x24 screen; the rest is in tlsdiag(1) */
    "Usage: tlsdiag [options] -r FILE... [EXPR]  read captures (pcap, pcapng, .gz, -)\n"
    "       tlsdiag [options] -i IFACE [EXPR]    capture live (until Ctrl-C, -c, ...)\n"
    "       tlsdiag report [options] FILE.jsonl...  one report from --json outputs\n"
    "Tells, for every TLS connection, whether the handshake worked; if not, why.\n"
    "\n"
    "  -r FILE...       read capture files (packet numbers are per file)\n"
    "  -i IFACE         capture on an interface     --workers N  threads (auto)\n"
    "  -P, --ports L    TLS server ports, e.g. 443,8443,9000-9010 (default 443)\n"
    "  -A               any TCP port that starts TLS  -p  no promiscuous mode\n"
    "  EXPR             extra BPF filter (tcpdump syntax), ANDed with the ports\n"
    "  -c COUNT         stop after COUNT packets    --duration SEC  stop after SEC s\n"
    "  -w FILE          save the packets (live, pcap)  -o FILE  the report to FILE\n"
    "  -B KIB           capture buffer (auto)       -Z USER  run as USER once open\n"
    "  --json[=ecs]     JSON Lines, a connection a line (ecs: Elastic Common Schema)\n"
    "  --sensor NAME    name the sensor in each JSON record (for tlsdiag report)\n"
    "  --keylog FILE    decrypt with an SSLKEYLOGFILE key log (repeatable)\n"
    "  -q / -v          only problem connections / add each message ladder\n"
    "  --cacert FILE    trust anchors (PEM)         --capath DIR  (hashed directory)\n"
    "  --idle-timeout S end a connection after S s without packets (live: 60)\n"
    "  --max-connections N   cap on open connections (the oldest idle one ends)\n"
    "  --shard K/N      only connections in host-pair hash shard K of N (0-based)\n"
    "  --no-siblings    judge every connection alone (no reasoning across them)\n"
    "  --verdict LIST   show only connections with these verdicts (unknown-ca,...)\n"
    "  --connection N   show only connection #N     --html FILE  also a web page\n"
    "  --ja3 HASH,...   only these JA3 or JA3S      --ja4 FP,...  only these JA4\n"
    "  --color WHEN     never, always or auto       -h, --help    -V, --version\n"
    "Exit status: 0 every connection ok, 1 some had a problem, 2 usage/input error.\n"
    "More: man tlsdiag (from a source checkout: man ./tlsdiag.1)\n";

enum {
    OPT_JSON = 1000, OPT_CACERT, OPT_CAPATH, OPT_COLOR, OPT_DURATION, OPT_IDLE, OPT_MAXCONN, OPT_SHARD,
    OPT_VERDICT, OPT_CONNECTION, OPT_HTML, OPT_WORKERS, OPT_KEYLOG, OPT_NO_SIBLINGS,
    OPT_JA3, OPT_JA4,
    OPT_PROXY_PORTS, OPT_SENSOR,
};

static const struct option long_opts[] = {
    { "ports", required_argument, NULL, 'P' },
    { "proxy-ports", required_argument, NULL, OPT_PROXY_PORTS },
    { "json", optional_argument, NULL, OPT_JSON },
    { "sensor", required_argument, NULL, OPT_SENSOR },
    { "cacert", required_argument, NULL, OPT_CACERT },
    { "capath", required_argument, NULL, OPT_CAPATH },
    { "color", required_argument, NULL, OPT_COLOR },
    { "colour", required_argument, NULL, OPT_COLOR },
    { "duration", required_argument, NULL, OPT_DURATION },
    { "idle-timeout", required_argument, NULL, OPT_IDLE },
    { "max-connections", required_argument, NULL, OPT_MAXCONN },
    { "shard", required_argument, NULL, OPT_SHARD },
    { "no-siblings", no_argument, NULL, OPT_NO_SIBLINGS },
    { "verdict", required_argument, NULL, OPT_VERDICT },
    { "connection", required_argument, NULL, OPT_CONNECTION },
    { "html", required_argument, NULL, OPT_HTML },
    { "workers", required_argument, NULL, OPT_WORKERS },
    { "buffer-size", required_argument, NULL, 'B' },
    { "keylog", required_argument, NULL, OPT_KEYLOG },
    { "ja3", required_argument, NULL, OPT_JA3 },
    { "ja4", required_argument, NULL, OPT_JA4 },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { "quiet", no_argument, NULL, 'q' },
    { "verbose", no_argument, NULL, 'v' },
    { NULL, 0, NULL, 0 },
};

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tlsdiag: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'tlsdiag --help'.\n", stderr);
    return 2;
}

static bool parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-') return false;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max) return false;
    *out = v;
    return true;
}

static bool parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0) || v > 1e9) return false;
    *out = v;
    return true;
}

static int parse_ports(const char *list, td_port_set *set)
{
    size_t n = strlen(list);
    if (!n || list[0] == ',' || list[n - 1] == ',' || strstr(list, ",,"))
        return usage_error("-P: %s port list '%s' (want e.g. 443,8443 or 9000-9010)", n ? "an empty entry in the" : "an empty", list);
    char *copy = strdup(list);
    if (!copy) return 2;
    set->n = 0;
    int rc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        unsigned long lo, hi;
        char *dash = strchr(tok, '-');
        if (dash) *dash = '\0';
        if (!parse_ulong(tok, 65535, &lo) || lo == 0 || (dash && (!parse_ulong(dash + 1, 65535, &hi) || hi < lo))) {
            rc = usage_error("bad port list '%s' (want e.g. 443,8443 or 9000-9010)", list);
            break;
        }
        if (!dash) hi = lo;
        for (unsigned long p = lo; p <= hi; p++) {
            if (set->n >= TD_MAX_USER_PORTS) {
                rc = usage_error("too many ports in '%s' (at most 64)", list);
                goto out;
            }
            set->port[set->n++] = (uint16_t)p;
        }
    }
out:
    free(copy);
    return rc;
}

_Static_assert(TD_V_COUNT <= 32, "verdict_mask has a bit for every verdict");

/* --verdict ok,unknown-ca: names from the verdict table (td_verdict_list). */
int td_parse_verdict_list(const char *list, uint32_t *mask)
{
    size_t n;
    const char *const *names = td_verdict_list(&n);
    *mask = 0;
    for (const char *p = list;; p++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        size_t i = 0;
        while (i < n && !(strlen(names[i]) == len && strncmp(names[i], p, len) == 0)) i++;
        if (i == n) {
            char known[512];
            size_t k = 0;
            for (size_t j = 0; j < n && k < sizeof known; j++)
                k += (size_t)snprintf(known + k, sizeof known - k, "%s%s", j ? ", " : "", names[j]);
            return usage_error("--verdict: unknown verdict '%.*s' (known: %s)", (int)len, p, known);
        }
        *mask |= 1u << (TD_V_OK + i);
        if (!end) break;
        p = end;
    }
    return 0;
}

/* --json, or --json=ecs. */
int td_parse_json_mode(const char *arg, bool *json, bool *ecs)
{
    *json = true;
    *ecs = arg && strcmp(arg, "ecs") == 0;
    if (arg && !*ecs) return usage_error("--json=%s: the JSON flavours are plain (--json) and ecs (--json=ecs)", arg);
    return 0;
}

/* --ja3 HASH,... (32 hex digits each) and --ja4 FP,... ("t13d1516h2_8daaf6152771_e5627efa2ab1"):
 * the list is kept as given; each entry is checked for the fingerprint's shape. */
static bool fp_shaped(const char *p, size_t len, bool ja4)
{
    if (len != (ja4 ? 36u : 32u)) return false;
    for (size_t i = 0; i < len; i++) {
        bool under = ja4 && (i == 10 || i == 23);
        bool hex = (p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f') || (p[i] >= 'A' && p[i] <= 'F');
        bool alnum = hex || (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z');
        if (under ? p[i] != '_' : !(ja4 && i < 10 ? alnum : hex)) return false;
    }
    return true;
}

static int parse_fingerprints(const char *list, bool ja4, td_options *o)
{
    for (const char *p = list;; p++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (!fp_shaped(p, len, ja4))
            return usage_error(ja4 ? "--ja4: '%.*s' is not a JA4 fingerprint (like t13d1516h2_8daaf6152771_e5627efa2ab1)"
                                   : "--ja3: '%.*s' is not a JA3 or JA3S hash (32 hex digits)", (int)len, p);
        if (!end) break;
        p = end;
    }
    if (ja4) o->ja4_filter = list;
    else o->ja3_filter = list;
    return 0;
}

static int append_bpf(td_options *o, const char *word)
{
    size_t old = o->bpf ? strlen(o->bpf) : 0;
    char *b = realloc(o->bpf, old + strlen(word) + 2);
    if (!b) return 2;
    if (old) b[old++] = ' ';
    strcpy(b + old, word);
    o->bpf = b;
    return 0;
}

void td_options_free(td_options *o)
{
    free(o->files);
    free(o->bpf);
    free(o->keylogs);
    memset(o, 0, sizeof *o);
}

/* An operand after -r that names no file: a mistyped file name, or the start of a filter?  Filter
 * words never end like capture files nor start like paths. */
static bool looks_like_file(const char *w)
{
    static const char *const ext[] = { ".pcap", ".pcapng", ".cap", ".gz", ".dmp", ".erf", ".snoop", ".trc" };
    if (strncmp(w, "./", 2) == 0 || strncmp(w, "../", 3) == 0 || strncmp(w, "~/", 2) == 0) return true;
    if (w[0] == '/') return true;
    size_t n = strlen(w);
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t k = strlen(ext[i]);
        if (n > k && strcasecmp(w + n - k, ext[i]) == 0) return true;
    }
    return false;
}

/* One line naming the path and why it cannot be used; exit status 2. */
static int path_error(const char *what, const char *path, const char *why)
{
    fprintf(stderr, "tlsdiag: %s%s%s: %s\n", what, *what ? " " : "", path, why);
    return 2;
}

/* Every input named on the command line exists before anything is read: a typo in the third
 * file name is not found after the first two were analysed. */
static int check_paths(const td_options *o)
{
    struct stat sb;
    for (size_t i = 0; i < o->n_files; i++) {
        if (strcmp(o->files[i], "-") == 0) continue;
        if (stat(o->files[i], &sb) != 0) return path_error("", o->files[i], strerror(errno));
        if (S_ISDIR(sb.st_mode)) return path_error("", o->files[i], "is a directory, not a capture file");
    }
    if (o->cacert) {
        if (stat(o->cacert, &sb) != 0) return path_error("--cacert", o->cacert, strerror(errno));
        if (S_ISDIR(sb.st_mode)) return path_error("--cacert", o->cacert, "is a directory (--capath takes a directory)");
    }
    if (o->capath) {
        if (stat(o->capath, &sb) != 0) return path_error("--capath", o->capath, strerror(errno));
        if (!S_ISDIR(sb.st_mode)) return path_error("--capath", o->capath, "is not a directory (--cacert takes a file)");
    }
    return 0;
}

static int parse_color(const char *arg, td_options *o)
{
    if (strcmp(arg, "auto") == 0) o->color = TD_COLOR_AUTO;
    else if (strcmp(arg, "never") == 0 || strcmp(arg, "no") == 0) o->color = TD_COLOR_NEVER;
    else if (strcmp(arg, "always") == 0 || strcmp(arg, "yes") == 0) o->color = TD_COLOR_ALWAYS;
    else return usage_error("--color wants never, always or auto, not '%s'", arg);
    return 0;
}

/* --shard K/N, 0 <= K < N. */
static int parse_shard(const char *arg, td_options *o)
{
    unsigned long k, n;
    const char *slash = strchr(arg, '/');
    char kbuf[32];
    if (!slash || (size_t)(slash - arg) >= sizeof kbuf) return usage_error("--shard wants K/N, not '%s'", arg);
    memcpy(kbuf, arg, (size_t)(slash - arg));
    kbuf[slash - arg] = '\0';
    if (!parse_ulong(kbuf, 1 << 20, &k) || !parse_ulong(slash + 1, 1 << 20, &n) || n == 0 || k >= n)
        return usage_error("--shard wants K/N with 0 <= K < N, not '%s'", arg);
    o->shard_k = (unsigned)k;
    o->shard_n = (unsigned)n;
    return 0;
}

static int add_keylog(const char *arg, td_options *o)
{
    const char **k = realloc(o->keylogs, (o->n_keylogs + 1) * sizeof *k);
    if (!k) return usage_error("out of memory");
    k[o->n_keylogs++] = arg;
    o->keylogs = k;
    return 0;
}

/* The options that take a number: counts, times, sizes, limits.  0, or the exit code. */
static int take_number_option(int c, const char *arg, td_options *o)
{
    unsigned long v;
    switch (c) {
    case 'c':
        if (!parse_ulong(arg, 1UL << 62, &v) || v == 0) return usage_error("bad count '%s'", arg);
        o->count = (long)v;
        return 0;
    case OPT_DURATION:
        if (!parse_seconds(arg, &o->duration) || o->duration <= 0) return usage_error("bad duration '%s'", arg);
        return 0;
    case OPT_IDLE:
        if (!parse_seconds(arg, &o->idle_timeout)) return usage_error("bad idle timeout '%s'", arg);
        o->idle_timeout_set = true;
        return 0;
    case OPT_MAXCONN:
        if (!parse_ulong(arg, 1UL << 40, &v) || v == 0) return usage_error("bad connection cap '%s'", arg);
        o->max_connections = v;
        return 0;
    case OPT_SHARD: return parse_shard(arg, o);
    case OPT_CONNECTION:
        if (!parse_ulong(arg, 1UL << 62, &v) || v == 0)
            return usage_error("--connection wants a connection number as the report shows it (#N), not '%s'", arg);
        o->connection = v;
        return 0;
    case 'B':
        if (!parse_ulong(arg, ~0UL, &v) || v == 0 || v > TD_MAX_BUFFER_KIB)
            return usage_error("-B wants the capture buffer in KiB, 1 to %u (2 GiB), not '%s'", TD_MAX_BUFFER_KIB, arg);
        o->buffer_kib = (unsigned)v;
        return 0;
    case OPT_WORKERS:
        if (!parse_ulong(arg, TD_MAX_WORKERS, &v) || v == 0)
            return usage_error("--workers wants a number of capture threads, 1 to %d, not '%s'", TD_MAX_WORKERS, arg);
        o->workers = (unsigned)v;
        return 0;
    default: fputs("Try 'tlsdiag --help'.\n", stderr); return 2;
    }
}

/* One option from getopt_long.  0 to go on, 1 if it printed help or the version, 2 on an error. */
static int take_option(int c, const char *arg, td_options *o, bool *reading)
{
    switch (c) {
    case 'r':
        o->files[o->n_files++] = arg;
        *reading = true;
        return 0;
    case 'i': o->iface = arg; return 0;
    case 'P': return parse_ports(arg, &o->ports);
    case OPT_PROXY_PORTS:
        if (strcmp(arg, "none") == 0) {
            o->proxy_ports.n = 0;
            return 0;
        }
        return parse_ports(arg, &o->proxy_ports);
    case 'A': o->any_port = true; return 0;
    case 'w': o->write_file = arg; return 0;
    case 'p': o->no_promisc = true; return 0;
    case 'Z': o->user = arg; return 0;
    case 'o': o->out_file = arg; return 0;
    case 'q': o->quiet = true; return 0;
    case 'v': o->verbose++; return 0;
    case OPT_JSON: return td_parse_json_mode(arg, &o->json, &o->json_ecs);
    case OPT_SENSOR: o->sensor = arg; return 0;
    case OPT_CACERT: o->cacert = arg; return 0;
    case OPT_CAPATH: o->capath = arg; return 0;
    case OPT_COLOR: return parse_color(arg, o);
    case OPT_NO_SIBLINGS: o->no_siblings = true; return 0;
    case OPT_VERDICT: return td_parse_verdict_list(arg, &o->verdict_mask);
    case OPT_JA3: return parse_fingerprints(arg, false, o);
    case OPT_JA4: return parse_fingerprints(arg, true, o);
    case OPT_HTML: o->html_file = arg; return 0;
    case OPT_KEYLOG: return add_keylog(arg, o);
    case 'h': fputs(usage_text, stdout); return 1;
    case 'V': printf("tlsdiag %s\n", TLSDIAG_VERSION); return 1;
    default: return take_number_option(c, arg, o);
    }
}

/* Operands: with -r, existing files (and "-") extend the file list; the first operand that is not
 * a file starts the filter expression, which takes the rest.  0, or the exit code. */
static int take_operands(int first, int argc, char **argv, td_options *o, bool reading)
{
    int rc;
    for (int i = first; i < argc; i++) {
        struct stat sb;
        if (reading && !o->bpf && (strcmp(argv[i], "-") == 0 || stat(argv[i], &sb) == 0 || looks_like_file(argv[i]))) {
            o->files[o->n_files++] = argv[i];      /* a missing one is named by check_paths */
            continue;
        }
        if ((rc = append_bpf(o, argv[i]))) return rc;
    }
    return 0;
}

/* What the options ask for together: something to read, files that exist, no option without
 * the mode it is for.  0, or the exit code. */
static int check_together(td_options *o)
{
    int rc;
    if (!o->iface && o->n_files == 0) return usage_error("%s", "nothing to read: give -r FILE or -i IFACE");
    if ((rc = check_paths(o))) return rc;
    if (o->iface && o->n_files) return usage_error("%s", "-r and -i cannot be used together");
    if (o->write_file && !o->iface) return usage_error("%s", "-w saves live captures: use it with -i");
    if (o->buffer_kib && !o->iface) return usage_error("%s", "-B sizes the live capture buffer: use it with -i");
    if (o->workers && !o->iface)
        return usage_error("%s", "--workers is for live capture (-i); to split capture files use --shard K/N");
    if (o->workers > 1 && o->write_file)
        return usage_error("-w cannot be used with --workers %u: each worker sees only its share of the packets "
                           "(save them with --workers 1, or with tcpdump beside tlsdiag)", o->workers);
    return 0;
}

int td_parse_options(int argc, char **argv, td_options *o)
{
    memset(o, 0, sizeof *o);
    o->ports.port[0] = 443;
    o->ports.n = 1;
    o->proxy_ports = (td_port_set){ .port = { 3128, 8080 }, .n = 2 };   /* squid's, and the common one */
    o->files = calloc((size_t)argc + 1, sizeof *o->files);
    if (!o->files) return 2;
    bool reading = false;
    int c, rc;
    optind = 1;
    /* '+' would stop at the first operand; we want operands (files, EXPR) anywhere. */
    while ((c = getopt_long(argc, argv, "r:i:P:Ac:w:pZ:o:qvhVB:", long_opts, NULL)) != -1)
        if ((rc = take_option(c, optarg, o, &reading))) return rc;
    if ((rc = take_operands(optind, argc, argv, o, reading))) return rc;
    if ((rc = check_together(o))) return rc;
    if (!o->idle_timeout_set && o->iface) o->idle_timeout = 60;
    return 0;
}
