/* live_plan.c - the live capture's default workers and ring size (see live_plan.h).
 *
 * The ring is what absorbs a burst while the analysis falls behind: sized for TD_LIVE_RING_MS of
 * the link's line rate, it holds any burst shorter than that however slow the analysis.  The
 * rings of all workers share one budget, since each worker gets only its share of the packets.
 * The budget is capped by a share of the memory (the kernel's ring cannot be swapped out) and by
 * an absolute bound; libpcap shrinks the ring further if the kernel still refuses it. */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/live/live_plan.h"
#include "analyzer/run/options.h"

static unsigned auto_workers(const td_live_facts *f)
{
    unsigned n = f->cpus ? f->cpus : 1;
    return n > TD_LIVE_MAX_AUTO_WORKERS ? TD_LIVE_MAX_AUTO_WORKERS : n;
}

static unsigned auto_ring_kib(const td_live_facts *f, unsigned workers, td_live_plan *p)
{
    uint64_t mbps = f->speed_mbps ? f->speed_mbps : TD_LIVE_ASSUMED_MBPS;
    p->sized_for_mbps = (unsigned)mbps;
    p->ring_by = TD_RING_BY_SPEED;
    /* Mb/s * ms / 8 = bytes / 1000; in KiB: / 1024 more. */
    uint64_t total = mbps * 1000u * TD_LIVE_RING_MS / 8u / 1024u;
    uint64_t floor = TD_LIVE_RING_MIN_KIB;
    if (f->mem_kib) {
        uint64_t share = f->mem_kib / TD_LIVE_RING_MEM_SHARE;
        if (share < total) {
            total = share;
            p->ring_by = TD_RING_BY_MEMORY;
        }
        if (share < (uint64_t)TD_LIVE_RING_MIN_KIB * workers) floor = TD_LIVE_RING_TINY_KIB;
    }
    if (total > TD_LIVE_RING_MAX_KIB) {
        total = TD_LIVE_RING_MAX_KIB;
        p->ring_by = TD_RING_BY_MAX;
    }
    uint64_t each = total / workers / 1024u * 1024u;   /* whole MiB */
    if (each < floor) {
        each = floor;
        p->ring_by = TD_RING_BY_MIN;
    }
    return each > TD_MAX_BUFFER_KIB ? TD_MAX_BUFFER_KIB : (unsigned)each;
}

void td_live_plan_make(const td_live_facts *f, unsigned workers, unsigned buffer_kib, const char *one_because,
                       td_live_plan *p)
{
    memset(p, 0, sizeof *p);
    p->workers_auto = workers == 0;
    p->workers = workers ? workers : one_because ? 1 : auto_workers(f);
    if (p->workers_auto && one_because && auto_workers(f) > 1) p->held_to_one = one_because;
    p->buffer_auto = buffer_kib == 0;
    p->buffer_kib = buffer_kib ? buffer_kib : auto_ring_kib(f, p->workers, p);
}

/* The first unsigned number in a file, or 0 (also for "-1", which veth and others may say). */
static unsigned long long read_number(const char *path, const char *key)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return 0;
    char line[256];
    unsigned long long v = 0;
    while (fgets(line, sizeof line, fp)) {
        const char *s = line;
        if (key) {
            if (strncmp(line, key, strlen(key)) != 0) continue;
            s += strlen(key);
        }
        long long n = 0;
        if (sscanf(s, "%lld", &n) == 1 && n > 0) v = (unsigned long long)n;
        break;
    }
    fclose(fp);
    return v;
}

void td_live_facts_read(const char *iface, td_live_facts *f)
{
    memset(f, 0, sizeof *f);
    char path[128];
    /* "any", "lo" and paths with a '/' have no (readable) speed; a name that long has none. */
    if (iface && !strchr(iface, '/') && strlen(iface) < 64) {
        snprintf(path, sizeof path, "/sys/class/net/%s/speed", iface);
        unsigned long long mbps = read_number(path, NULL);
        f->speed_mbps = mbps > 10000000ull ? 0 : (unsigned)mbps;   /* > 10 Tb/s: not a speed */
    }
    f->mem_kib = read_number("/proc/meminfo", "MemTotal:");
#ifdef CPU_COUNT
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) f->cpus = (unsigned)CPU_COUNT(&set);
#endif
    if (!f->cpus) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        f->cpus = n > 0 ? (unsigned)n : 0;
    }
}

void td_live_plan_describe(const td_live_plan *p, const td_live_facts *f, char *buf, size_t len)
{
    char buffer[96], workers[96];
    const char *each = p->workers > 1 ? " each" : "";
    static const char *const why[] = { [TD_RING_BY_SPEED] = "", [TD_RING_BY_MEMORY] = "1/64 of memory, under ",
                                       [TD_RING_BY_MAX] = "the most, under ", [TD_RING_BY_MIN] = "the least, over " };
    if (!p->buffer_auto)
        snprintf(buffer, sizeof buffer, "buffer %u KiB%s", p->buffer_kib, each);
    else
        snprintf(buffer, sizeof buffer, "buffer %u MiB%s (auto: %s1 s of %g Gb/s%s)", p->buffer_kib / 1024, each,
                 why[p->ring_by], p->sized_for_mbps / 1000.0, f->speed_mbps ? "" : " assumed");
    const char *split = p->workers > 1 ? "; flows split by hash" : "";
    if (!p->workers_auto)
        snprintf(workers, sizeof workers, "%u worker%s%s", p->workers, p->workers > 1 ? "s" : "",
                 p->workers > 1 ? " (flows split by hash)" : "");
    else if (p->held_to_one)
        snprintf(workers, sizeof workers, "1 worker (auto: one because %s)", p->held_to_one);
    else
        snprintf(workers, sizeof workers, "%u worker%s (auto: %u CPU%s%s)", p->workers, p->workers > 1 ? "s" : "",
                 f->cpus, f->cpus == 1 ? "" : "s", split);
    snprintf(buf, len, ", %s, %s", buffer, workers);
}
