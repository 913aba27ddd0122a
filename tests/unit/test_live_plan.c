/* test_live_plan.c - the live capture's default workers and ring size (analyzer/live/live_plan.c):
 * a pure function of the link speed, the memory and the CPUs. */
#include <stdio.h>

#include "check.h"
#include "analyzer/live/live_plan.h"
#include "analyzer/run/options.h"

#define GIB_KIB (1024u * 1024u)

#define W "-w saves the packets"

static td_live_plan plan(unsigned mbps, uint64_t mem_kib, unsigned cpus, unsigned workers, unsigned buffer_kib,
                         const char *one_because)
{
    td_live_facts f = { .speed_mbps = mbps, .mem_kib = mem_kib, .cpus = cpus };
    td_live_plan p;
    td_live_plan_make(&f, workers, buffer_kib, one_because, &p);
    return p;
}

/* 1 Gb/s for one second is 119 MiB (10^9 / 8 bytes), whole MiB, when memory is plentiful. */
TEST(one_second_of_line_rate)
{
    td_live_plan p = plan(1000, 64ull * GIB_KIB, 1, 0, 0, NULL);
    CHECK(p.buffer_auto && p.workers_auto);
    CHECK(p.workers == 1);
    CHECK(p.buffer_kib == 119u * 1024u);
    CHECK(p.ring_by == TD_RING_BY_SPEED);
    CHECK(p.sized_for_mbps == 1000);
}

/* Two workers share the budget: each gets half the ring, the sum stays one second. */
TEST(workers_share_the_budget)
{
    td_live_plan p = plan(1000, 64ull * GIB_KIB, 2, 0, 0, NULL);
    CHECK(p.workers == 2);
    CHECK(p.buffer_kib == 59u * 1024u);
}

/* An unknown speed (veth, lo, any) is sized for 10 Gb/s; 1 s of that (1192 MiB) is over both
 * 1/64 of 24 GiB (384 MiB) and the bound, so memory decides. */
TEST(unknown_speed_capped_by_memory)
{
    td_live_plan p = plan(0, 24ull * GIB_KIB, 1, 0, 0, NULL);
    CHECK(p.sized_for_mbps == TD_LIVE_ASSUMED_MBPS);
    CHECK(p.ring_by == TD_RING_BY_MEMORY);
    CHECK(p.buffer_kib == 384u * 1024u);
    td_live_plan big = plan(0, 256ull * GIB_KIB, 1, 0, 0, NULL);
    CHECK(big.ring_by == TD_RING_BY_MAX);
    CHECK(big.buffer_kib == TD_LIVE_RING_MAX_KIB);
    td_live_plan nomem = plan(0, 0, 1, 0, 0, NULL);   /* memory unknown: the bound still holds */
    CHECK(nomem.buffer_kib == TD_LIVE_RING_MAX_KIB);
}

/* A slow link or a small machine never goes below 8 MiB a worker, unless 8 MiB a worker is more
 * than the memory share: then tcpdump's 2 MiB. */
TEST(floors)
{
    td_live_plan slow = plan(10, 64ull * GIB_KIB, 1, 0, 0, NULL);
    CHECK(slow.buffer_kib == TD_LIVE_RING_MIN_KIB);
    CHECK(slow.ring_by == TD_RING_BY_MIN);
    td_live_plan small = plan(1000, 256u * 1024u, 1, 0, 0, NULL);  /* 256 MiB of memory: a 4 MiB share */
    CHECK(small.buffer_kib == 4096u && small.ring_by == TD_RING_BY_MEMORY);
    td_live_plan tiny = plan(1000, 64u * 1024u, 1, 0, 0, NULL);     /* 64 MiB: a 1 MiB share */
    CHECK(tiny.buffer_kib == TD_LIVE_RING_TINY_KIB);
    td_live_plan many = plan(10000, 4ull * GIB_KIB, 8, 0, 0, NULL); /* 64 MiB for 8: 8 MiB each */
    CHECK(many.workers == 8 && many.buffer_kib == 8192u);
}

/* --workers and -B win; -w (or --keylog) holds the automatic choice to one worker (and says why
 * only when the CPUs would have given more). */
TEST(the_command_line_wins)
{
    td_live_plan p = plan(1000, 64ull * GIB_KIB, 4, 3, 4096, NULL);
    CHECK(!p.workers_auto && p.workers == 3);
    CHECK(!p.buffer_auto && p.buffer_kib == 4096);
    td_live_plan w = plan(1000, 64ull * GIB_KIB, 4, 0, 0, W);
    CHECK(w.workers == 1 && w.workers_auto && w.held_to_one && !strcmp(w.held_to_one, W));
    CHECK(w.buffer_kib == 119u * 1024u);
    td_live_plan w1 = plan(1000, 64ull * GIB_KIB, 1, 0, 0, W);
    CHECK(w1.workers == 1 && !w1.held_to_one);
    td_live_plan explicit1 = plan(1000, 64ull * GIB_KIB, 4, 1, 0, NULL);
    CHECK(explicit1.workers == 1 && !explicit1.workers_auto);
}

/* The CPUs: one worker per CPU up to the bound; none known means one. */
TEST(workers_from_cpus)
{
    CHECK(plan(0, 0, 0, 0, 0, NULL).workers == 1);
    CHECK(plan(0, 0, 3, 0, 0, NULL).workers == 3);
    CHECK(plan(0, 0, 96, 0, 0, NULL).workers == TD_LIVE_MAX_AUTO_WORKERS);
}

/* Never above what libpcap takes (-B's own bound), whatever the facts say. */
TEST(bounded)
{
    td_live_plan p = plan(4000000000u, UINT64_MAX / 2, 1, 0, 0, NULL);
    CHECK(p.buffer_kib <= TD_MAX_BUFFER_KIB && p.buffer_kib <= TD_LIVE_RING_MAX_KIB);
    CHECK(p.buffer_kib >= TD_LIVE_RING_MIN_KIB);
}

/* The startup line's words. */
TEST(described)
{
    td_live_facts f = { .speed_mbps = 0, .mem_kib = 24ull * GIB_KIB, .cpus = 2 };
    td_live_plan p;
    char buf[256];
    td_live_plan_make(&f, 0, 0, NULL, &p);
    td_live_plan_describe(&p, &f, buf, sizeof buf);
    CHECK_STR(buf, ", buffer 192 MiB each (auto: 1/64 of memory, under 1 s of 10 Gb/s assumed), "
                   "2 workers (auto: 2 CPUs; flows split by hash)");
    td_live_plan_make(&f, 0, 0, W, &p);
    td_live_plan_describe(&p, &f, buf, sizeof buf);
    CHECK_STR(buf, ", buffer 384 MiB (auto: 1/64 of memory, under 1 s of 10 Gb/s assumed), "
                   "1 worker (auto: one because -w saves the packets)");
    td_live_plan_make(&f, 1, 4096, NULL, &p);
    td_live_plan_describe(&p, &f, buf, sizeof buf);
    CHECK_STR(buf, ", buffer 4096 KiB, 1 worker");
}

/* The facts of this machine: some CPU, some memory; lo says no speed. */
TEST(facts_read)
{
    td_live_facts f;
    td_live_facts_read("lo", &f);
    CHECK(f.cpus >= 1);
    CHECK(f.mem_kib > 0);
    CHECK(f.speed_mbps == 0);
    td_live_facts_read("../../etc/passwd", &f);
    CHECK(f.speed_mbps == 0);
}

int main(void)
{
    RUN(one_second_of_line_rate);
    RUN(workers_share_the_budget);
    RUN(unknown_speed_capped_by_memory);
    RUN(floors);
    RUN(the_command_line_wins);
    RUN(workers_from_cpus);
    RUN(bounded);
    RUN(described);
    RUN(facts_read);
    return check_done();
}
