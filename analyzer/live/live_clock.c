/* live_clock.c - what both live loops ask the outside world: the clocks, whether SIGINT or
 * SIGTERM came, and (once) that the kernel is dropping packets. */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "analyzer/live/live_int.h"

/* Written by the signal handler, read by the loops. */
static volatile sig_atomic_t got_signal;
static td_source *volatile signal_source;

double td_live_mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double td_live_wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool td_live_signalled(void)
{
    return got_signal != 0;
}

void td_live_warn_drops(uint64_t dropped)
{
    static atomic_flag warned = ATOMIC_FLAG_INIT;
    if (!atomic_flag_test_and_set(&warned))
        fprintf(stderr, "tlsdiag: warning: the kernel is dropping packets (%llu so far): the connections "
                        "open meanwhile are marked capture-drops; a narrower filter or a larger -B helps\n",
                (unsigned long long)dropped);
}

static void on_signal(int sig)
{
    got_signal = sig;
    td_source *src = signal_source;
    if (src) td_source_break(src);
}

/* SA_RESETHAND: a second Ctrl-C kills at once, should the final flush ever hang.  No SA_RESTART:
 * the wait for packets returns at once. */
void td_live_catch_signals(td_source *src, struct sigaction old[2])
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    got_signal = 0;
    signal_source = src;
    sigaction(SIGINT, &sa, &old[0]);
    sigaction(SIGTERM, &sa, &old[1]);
}

void td_live_restore_signals(const struct sigaction old[2])
{
    sigaction(SIGINT, &old[0], NULL);
    sigaction(SIGTERM, &old[1], NULL);
    signal_source = NULL;
}
