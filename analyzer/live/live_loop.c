/* live_loop.c - live capture on an interface with one worker: the way an administrator uses
 * tlsdiag on the server that is failing right now, for a minute or for days.  (The defaults may
 * choose several workers: live_plan.c; then live_workers.c runs the capture.)
 *
 * Order matters: the interface, the -w file (and, in main, the -o file) are opened first, then
 * privileges are dropped (-Z, or tcpdump's default user when started as root), so those files
 * may live where only root can write while no packet is ever parsed with root's rights.
 *
 * A reader thread (live_reader.c) empties the kernel's ring into a queue; this thread's loop
 * hands every frame of the queue to the engine, which emits a connection's verdict as soon as the
 * connection ends.  Between frames - and at least every TICK_MS on a quiet line - it ends idle
 * connections by the wall clock (the engine's own clock only moves when packets arrive), flushes
 * the -w file so that it can be read while the capture runs, and reads the kernel's drop count:
 * a drop may have hit any open connection, so those are marked.  SIGINT/SIGTERM, -c and
 * --duration end the loop; main then finishes every open connection and prints the summary. */
#include <errno.h>
#include <grp.h>
#include <pcap/pcap.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "dissectors/decode/decode.h"
#include "analyzer/live/live_int.h"
#include "analyzer/live/live_plan.h"
#include "analyzer/capture/keylog_file.h"
#include "analyzer/run/run.h"
#include "analyzer/capture/source.h"

#define TICK_MS TD_LIVE_TICK_MS
#define STATS_EVERY TD_LIVE_STATS_EVERY
#define MAX_PACKET_WARNINGS TD_LIVE_MAX_PACKET_WARNINGS
#define READER_QUEUE_MIN ((size_t)16 << 20)  /* bytes: the reader's queue, at least */
#define DEFAULT_USERS { "tcpdump", "nobody" }  /* as root without -Z: the first that exists */

typedef struct live {
    td_run *r;
    td_source *src;                /* one worker: the source; else srcs[0] */
    td_source **srcs;              /* --workers N: one per worker, in one fanout group */
    unsigned n_src;
    td_live_facts facts;           /* the link speed, memory and CPUs the defaults come from */
    td_live_plan plan;             /* the workers and the ring size */
    td_live_reader *reader;        /* one worker: the thread that empties the ring; NULL: none */
    pcap_dumper_t *dump;
    bool dump_dirty;               /* frames written since the last flush */
    bool usec_dump;                /* the handle (and so the -w file) has microsecond stamps */
    uint64_t number;               /* frames so far = frame numbers of the -w file */
    uint64_t bad, first_bad;       /* malformed frames */
    uint64_t dropped;              /* kernel drops at the last look */
    bool drops_pending;            /* new drops: mark again once the backlog is read */
    double next_tick, next_stats, next_keylog;  /* monotonic clock */
    double deadline;               /* --duration, monotonic; 0 = none */
} live;

/* ---- the filter ----------------------------------------------------------------------------- */

/* "((tcp and (port 443 or portrange 9000-9010 or port 25 ... or port 3128 or port 8080)) or (udp and
 * (port 443 or portrange 9000-9010)) or icmp or icmp6) and (EXPR)": TCP on the TLS, STARTTLS and proxy
 * ports, UDP (QUIC) on the TLS ports, ICMP (a port unreachable refuses QUIC); "(tcp or udp or icmp or
 * icmp6)" with -A (any port may carry TLS or QUIC, recognised by its bytes).
 * Returns malloc'ed text or NULL when out of memory. */
static size_t put_ports(char *f, size_t cap, const td_port_set *ps)
{
    size_t n = 0;
    for (size_t i = 0; i < ps->n && n < cap;) {
        size_t j = i;                              /* -P 9000-9010 expands; fold runs back */
        while (j + 1 < ps->n && ps->port[j + 1] == ps->port[j] + 1) j++;
        if (j > i)
            n += (size_t)snprintf(f + n, cap - n, "%sportrange %u-%u", i ? " or " : "", ps->port[i], ps->port[j]);
        else
            n += (size_t)snprintf(f + n, cap - n, "%sport %u", i ? " or " : "", ps->port[i]);
        i = j + 1;
    }
    return n < cap ? n : cap - 1;
}

static char *build_filter(const td_options *o)
{
    td_port_set ps = o->ports;
    td_port_set_add_standard(&ps);                 /* the STARTTLS protocols' ports, beside -P's */
    size_t cap = 96 + (2 * ps.n + o->proxy_ports.n) * 32 + (o->bpf ? strlen(o->bpf) : 0);
    char *f = malloc(cap);
    if (!f) return NULL;
    size_t n;
    if (o->any_port || !ps.n) {
        n = (size_t)snprintf(f, cap, "(tcp or udp or icmp or icmp6)");
    } else {
        n = (size_t)snprintf(f, cap, "((tcp and (");
        n += put_ports(f + n, cap - n, &ps);
        for (size_t i = 0; i < o->proxy_ports.n; i++)   /* HTTP proxies (--proxy-ports) */
            n += (size_t)snprintf(f + n, cap - n, " or port %u", o->proxy_ports.port[i]);
        n += (size_t)snprintf(f + n, cap - n, ")) or (udp and (");
        n += put_ports(f + n, cap - n, &o->ports);      /* QUIC: the TLS ports only */
        n += (size_t)snprintf(f + n, cap - n, ")) or icmp or icmp6)");   /* ICMP: a refused QUIC port */
    }
    if (o->bpf && o->bpf[0]) snprintf(f + n, cap - n, " and (%s)", o->bpf);
    return f;
}

/* ---- privileges ----------------------------------------------------------------------------- */

static bool running_as_root(void)
{
    return getuid() == 0 || geteuid() == 0;
}

/* The user to become after opening everything, or NULL to stay as we are: -Z USER when root;
 * as root without -Z, tcpdump's habit (its own user if the system has one, else nobody). */
static const char *target_user(const td_options *o)
{
    if (!running_as_root()) return NULL;       /* nothing to give up (capabilities stay) */
    if (o->user) return o->user;
    static const char *const users[] = DEFAULT_USERS;
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++)
        if (getpwnam(users[i])) return users[i];
    fprintf(stderr, "tlsdiag: warning: no user 'tcpdump' or 'nobody' to drop privileges to; "
                    "capturing as root (use -Z USER)\n");
    return NULL;
}

static bool drop_privileges(const char *user)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        fprintf(stderr, "tlsdiag: -Z: no such user '%s'\n", user);
        return false;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    /* Supplementary groups first (needs root), then the group, then the user: the other way
     * round the process would no longer be allowed to change its groups. */
    if (initgroups(user, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        fprintf(stderr, "tlsdiag: cannot drop privileges to user '%s': %s\n", user, strerror(errno));
        return false;
    }
    if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        fprintf(stderr, "tlsdiag: dropping privileges to '%s' did not stick: still able to regain root\n", user);
        return false;
    }
    return true;
}

/* ---- the -w file ---------------------------------------------------------------------------- */

static bool open_dump(live *L)
{
    const td_options *o = &L->r->opt;
    if (!o->write_file) return true;
    if (strcmp(o->write_file, "-") == 0 && !o->out_file) {
        fprintf(stderr, "tlsdiag: -w -: the packets would be mixed with the report on stdout; "
                        "send the report elsewhere with -o FILE\n");
        return false;
    }
    pcap_t *p = td_source_pcap(L->src);
    L->dump = pcap_dump_open(p, o->write_file);
    if (!L->dump) {
        fprintf(stderr, "tlsdiag: -w %s: %s\n", o->write_file, pcap_geterr(p));
        return false;
    }
    L->usec_dump = pcap_get_tstamp_precision(p) != PCAP_TSTAMP_PRECISION_NANO;
    return true;
}

static void dump_frame(live *L, const td_frame *f)
{
    if (!L->dump) return;
    struct pcap_pkthdr h;
    h.ts.tv_sec = (time_t)f->ts_sec;
    /* The dump file has the handle's precision: tv_usec holds nanoseconds when that is nano. */
    h.ts.tv_usec = (suseconds_t)(L->usec_dump ? f->ts_nsec / 1000 : f->ts_nsec);
    h.caplen = (bpf_u_int32)f->caplen;
    h.len = (bpf_u_int32)f->wirelen;
    pcap_dump((u_char *)L->dump, &h, f->data);
    L->dump_dirty = true;
}

/* Push the -w file to disk so it can be read (and is complete up to here) while capturing.
 * A write error stops the saving, not the diagnosis. */
static void flush_dump(live *L)
{
    if (!L->dump || !L->dump_dirty) return;
    L->dump_dirty = false;
    if (pcap_dump_flush(L->dump) != 0) {
        fprintf(stderr, "tlsdiag: -w %s: write error: %s; no longer saving packets\n", L->r->opt.write_file,
                strerror(errno));
        pcap_dump_close(L->dump);
        L->dump = NULL;
        L->r->input_error = true;
    }
}

/* ---- the loop ------------------------------------------------------------------------------- */

/* Read the kernel's counters; any new drop may have hit any open connection.  The kernel drops
 * when its buffer is full, so the lost packets are newer than the backlog still in the buffer:
 * the connections they belonged to may only appear while that backlog is read, so they are
 * marked now and once more when the buffer has been drained (capture_loop). */
static void check_stats(live *L)
{
    td_run *r = L->r;
    uint64_t received, dropped;
    if (L->reader ? !td_live_reader_stats(L->reader, &received, &dropped)
                  : !td_source_live_stats(L->src, &received, &dropped))
        return;
    r->have_kernel_stats = true;
    r->kernel_received = received;
    r->kernel_dropped = dropped;
    if (dropped > L->dropped) {
        td_live_warn_drops(dropped);
        td_engine_mark_drops(r->engine);
        L->dropped = dropped;
        L->drops_pending = true;
    }
}

/* The clients append to their key logs while we capture: read what they added (whole lines),
 * at most every TD_LIVE_KEYLOG_EVERY seconds, so that a connection finds its keys before it ends. */
static void refresh_keylogs(live *L, double now)
{
    if (!L->r->keylogs || now < L->next_keylog) return;
    L->next_keylog = now + TD_LIVE_KEYLOG_EVERY;
    bool bad = false;
    td_keylog_files_refresh(L->r->keylogs, &bad);
    if (bad) L->r->input_error = true;
}

static void housekeeping(live *L, double now)
{
    refresh_keylogs(L, now);
    td_engine_expire(L->r->engine, td_live_wall_now());
    flush_dump(L);
    if (now >= L->next_stats) {
        check_stats(L);
        L->next_stats = now + STATS_EVERY;
    }
    L->next_tick = now + TICK_MS / 1000.0;
}

static void handle_frame(void *user, const td_frame *f)
{
    live *L = user;
    L->number++;
    if (L->r->keylogs) refresh_keylogs(L, td_live_mono_now());   /* no clock read per packet without one */
    dump_frame(L, f);
    const char *why = td_engine_frame(L->r->engine, f, L->number);
    if (!why) return;
    if (!L->bad++) L->first_bad = L->number;
    if (L->bad <= MAX_PACKET_WARNINGS)
        fprintf(stderr, "tlsdiag: %s: packet %llu: %s\n", L->r->opt.iface, (unsigned long long)L->number, why);
}

/* Milliseconds to wait for the next packet: until the next tick or the deadline. */
static int wait_ms(const live *L, double now)
{
    double until = L->next_tick;
    if (L->deadline && L->deadline < until) until = L->deadline;
    double ms = (until - now) * 1000.0;
    return ms <= 0 ? 0 : ms > TICK_MS ? TICK_MS : (int)ms + 1;
}

static void capture_loop(live *L)
{
    td_run *r = L->r;
    uint64_t limit = (uint64_t)r->opt.count;
    char err[PCAP_ERRBUF_SIZE + 64];
    for (;;) {
        /* One clock read per wakeup, which hands over everything waiting (a block of packets). */
        double now = td_live_mono_now();
        if (now >= L->next_tick) housekeeping(L, now);
        fflush(r->out);                            /* the verdicts of the last batch, one write */
        if (td_live_signalled() || (L->deadline && now >= L->deadline)) break;
        uint64_t left = limit ? limit - L->number : 0;
        int max = !limit ? -1 : left > (uint64_t)INT32_MAX ? INT32_MAX : (int)left;
        int rc = L->reader ? td_live_reader_dispatch(L->reader, max, handle_frame, L, wait_ms(L, now), err, sizeof err)
                           : td_source_dispatch(L->src, max, handle_frame, L, wait_ms(L, now), err, sizeof err);
        if (rc > 0) {
            if (limit && L->number >= limit) break;
        } else if (rc == 0 && L->drops_pending) {
            td_engine_mark_drops(r->engine);       /* the backlog before the drops is read */
            L->drops_pending = false;
        } else if (rc == -2) {
            break;
        } else if (rc < 0) {
            fprintf(stderr, "tlsdiag: %s: capture stopped after packet %llu: %s\n", r->opt.iface,
                    (unsigned long long)L->number, err);
            r->input_error = true;
            break;
        }
    }
}

/* Open the interface once per worker; with several, all join one fanout group (unique to this
 * process) before any of them takes a packet.  false: reported. */
static bool open_sources(live *L, td_live_config *cfg)
{
    unsigned n = L->plan.workers;
    L->srcs = calloc(n, sizeof *L->srcs);
    if (!L->srcs) {
        fprintf(stderr, "tlsdiag: out of memory\n");
        return false;
    }
    cfg->fanout_group = n > 1 ? (unsigned)getpid() % 0xffffu + 1 : 0;
    char err[PCAP_ERRBUF_SIZE + 512];
    for (unsigned i = 0; i < n; i++) {
        L->srcs[i] = td_source_open_live(cfg, err, sizeof err);
        if (!L->srcs[i]) {
            fprintf(stderr, "tlsdiag: %s\n", err);
            return false;
        }
        L->n_src = i + 1;
        if (err[0] && i == 0) fprintf(stderr, "tlsdiag: warning: %s\n", err);
    }
    for (unsigned i = 0; i < n && cfg->fanout_group; i++) {
        if (!td_source_install_filter(L->srcs[i], cfg, err, sizeof err)) {
            fprintf(stderr, "tlsdiag: %s\n", err);
            return false;
        }
    }
    L->src = L->srcs[0];
    return true;
}

/* Open the interface and the -w file, drop privileges.  false: reported, nothing to capture. */
static bool start(live *L)
{
    td_run *r = L->r;
    const td_options *o = &r->opt;
    if (o->user && !getpwnam(o->user)) {           /* fail before touching the interface */
        fprintf(stderr, "tlsdiag: -Z: no such user '%s'\n", o->user);
        return false;
    }
    char *filter = build_filter(o);
    if (!filter) {
        fprintf(stderr, "tlsdiag: out of memory\n");
        return false;
    }
    td_live_facts_read(o->iface, &L->facts);
    /* One worker sees every packet: what -w saves, and what --keylog needs to decrypt a resumed
     * session or 0-RTT data with the keys of the connection before it (each worker has its own). */
    const char *one = o->write_file ? "-w saves the packets"
                    : o->n_keylogs  ? "--keylog follows sessions across connections" : NULL;
    td_live_plan_make(&L->facts, o->workers, o->buffer_kib, one, &L->plan);
    td_live_config cfg = { .iface = o->iface, .filter = filter, .user_filter = o->bpf, .promisc = !o->no_promisc,
                           .buffer_kib = L->plan.buffer_kib };
    if (!open_sources(L, &cfg)) {
        free(filter);
        return false;
    }
    int dlt = td_source_linktype(L->src);
    const char *dname = pcap_datalink_val_to_name(dlt);
    if (!dname) dname = td_decode_link_name(dlt);
    if (!td_decode_link_supported(dlt)) {
        fprintf(stderr, "tlsdiag: %s: link type %d (%s) is not one tlsdiag decodes (it decodes %s)\n", o->iface, dlt,
                dname ? dname : "unknown", td_decode_link_list());
        free(filter);
        return false;
    }
    const char *user = target_user(o);
    if (!open_dump(L) || (user && !drop_privileges(user))) {
        free(filter);
        return false;
    }
    /* tcpdump's line, on stderr: the report on stdout stays clean; scripts wait for it. */
    char extra[256];
    td_live_plan_describe(&L->plan, &L->facts, extra, sizeof extra);
    fprintf(stderr, "tlsdiag: listening on %s, link-type %s, filter '%s'%s\n", o->iface, dname ? dname : "?", filter,
            extra);
    free(filter);
    td_engine_begin_file(r->engine, o->iface, dlt);
    return true;
}

void td_live_run(td_run *r)
{
    live L;
    memset(&L, 0, sizeof L);
    L.r = r;
    if (!start(&L)) {
        r->input_error = true;
    } else {
        r->live_started = true;
        struct sigaction old[2];
        td_live_catch_signals(L.n_src > 1 ? NULL : L.src, old);
        double now = td_live_mono_now();
        L.next_tick = now;
        L.next_stats = now + STATS_EVERY;
        if (r->opt.duration > 0) L.deadline = now + r->opt.duration;
        if (L.n_src > 1) {
            td_live_workers(r, L.srcs, L.n_src, L.deadline);
        } else {
            /* The reader thread empties the ring into a queue as large as the ring (the backlog
             * waits there); without it (no thread to be had) this thread reads the ring itself. */
            size_t queue = (size_t)L.plan.buffer_kib * 1024u;
            L.reader = td_live_reader_start(L.src, queue < READER_QUEUE_MIN ? READER_QUEUE_MIN : queue);
            if (!L.reader) fprintf(stderr, "tlsdiag: warning: no reader thread: the analysis reads the ring itself\n");
            capture_loop(&L);
            td_live_reader_stop(L.reader);
            L.reader = NULL;
            check_stats(&L);                       /* the last drops mark what is still open */
            flush_dump(&L);
            if (L.bad > MAX_PACKET_WARNINGS)
                fprintf(stderr, "tlsdiag: %s: %llu packets had problems in all (first: packet %llu)\n", r->opt.iface,
                        (unsigned long long)L.bad, (unsigned long long)L.first_bad);
        }
        td_live_restore_signals(old);
    }
    if (L.dump) pcap_dump_close(L.dump);
    for (unsigned i = 0; i < L.n_src; i++) td_source_close(L.srcs[i]);
    free(L.srcs);
}
