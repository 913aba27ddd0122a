/* live_plan.h - the live capture's defaults for what the command line left open: how many
 * workers (threads that each read their share of the packets) and how large a kernel ring each
 * gets, from the link's speed, the machine's memory and the CPUs tlsdiag may run on. */
#ifndef TLSDIAG_LIVE_PLAN_H
#define TLSDIAG_LIVE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TD_LIVE_ASSUMED_MBPS 10000u   /* a link that does not say its speed (veth, lo, any, Wi-Fi) */
#define TD_LIVE_RING_MS 1000u         /* the ring holds this long of line rate... */
#define TD_LIVE_RING_MEM_SHARE 64u    /* ...but at most 1/64 of the memory, all rings together... */
#define TD_LIVE_RING_MAX_KIB (512u * 1024u)   /* ...and at most 512 MiB (allocating takes time too) */
#define TD_LIVE_RING_MIN_KIB 8192u    /* never less than the old fixed default */
#define TD_LIVE_RING_TINY_KIB 2048u   /* tcpdump's, where 8 MiB a worker is more than that share */
#define TD_LIVE_MAX_AUTO_WORKERS 8u   /* more rarely pays: each worker has its own flow table */

/* What the machine says; 0 = it does not say. */
typedef struct td_live_facts {
    unsigned speed_mbps;           /* the interface's link speed */
    uint64_t mem_kib;              /* MemTotal */
    unsigned cpus;                 /* CPUs this process may run on */
} td_live_facts;

typedef struct td_live_plan {
    unsigned workers;
    bool workers_auto;             /* --workers not given: chosen from the CPUs */
    const char *held_to_one;       /* ...and held to one for this reason (NULL: not held) */
    unsigned buffer_kib;           /* each worker's kernel ring */
    bool buffer_auto;              /* -B not given: sized from the speed and the memory */
    unsigned sized_for_mbps;       /* auto: the speed it was sized for (said or assumed) */
    enum { TD_RING_BY_SPEED, TD_RING_BY_MEMORY, TD_RING_BY_MAX, TD_RING_BY_MIN } ring_by;  /* auto: what set it */
} td_live_plan;

/* The plan for workers / buffer_kib as given on the command line (0 = not given); one_because:
 * why the automatic choice must be one worker ("-w saves the packets"), or NULL.  A pure function
 * of its arguments. */
void td_live_plan_make(const td_live_facts *f, unsigned workers, unsigned buffer_kib, const char *one_because,
                       td_live_plan *p);

/* Read the facts for iface from /sys/class/net, /proc/meminfo and the CPU affinity mask. */
void td_live_facts_read(const char *iface, td_live_facts *f);

/* ", buffer 188 MiB each (auto: 1/64 of memory, under 1 s of 10 Gb/s assumed), 2 workers (auto:
 * 2 CPUs; flows split by hash)": the startup line's words for the plan. */
void td_live_plan_describe(const td_live_plan *p, const td_live_facts *f, char *buf, size_t len);

#endif
