/* source_live.c - live capture on an interface through libpcap.
 *
 * The handle is made with pcap_create/pcap_activate rather than pcap_open_live so that each
 * setting can be asked for separately: nanosecond timestamps (what the rest of tlsdiag expects
 * from td_frame; microseconds are converted where the platform has nothing finer), a larger
 * kernel buffer than libpcap's default because a busy server bursts, and a short buffer timeout
 * instead of immediate mode.  On Linux, immediate mode means TPACKET_V2, whose ring has one slot
 * per packet sized for the largest packet (64 KiB with segmentation offloads), so 8 MiB would
 * hold some 128 packets; TPACKET_V3 packs packets into blocks and holds thousands.  The price is
 * that a block is handed over when full or after BUFFER_TIMEOUT_MS - nothing next to the one
 * second a closed connection lingers before its verdict.
 *
 * Reads are non-blocking and td_source_dispatch waits on the selectable descriptor itself:
 * libpcap's own read timeout is not a promise on every platform (with TPACKET_V3 the timer may
 * only start when a packet arrives), and the caller has to regain control on a quiet line to end
 * idle connections and to notice a signal or the end of --duration.  Each wakeup hands over all
 * that is queued (pcap_dispatch), not one packet. */
#include <errno.h>
#ifdef __linux__
#include <linux/if_packet.h>               /* PACKET_FANOUT */
#endif
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <pcap/pcap.h>

#include "analyzer/capture/fanout_bpf.h"
#include "analyzer/capture/source.h"
#include "analyzer/capture/source_int.h"

#define DEFAULT_SNAPLEN 262144     /* tcpdump's default: whole packets, even GSO-sized ones */
#define KERNEL_BUFFER (8 << 20)    /* bytes: 4x libpcap's default, absorbs bursts on busy links */
#define BUFFER_TIMEOUT_MS 100      /* longest a captured packet waits in the kernel's buffer */
#define MAX_LISTED_IFACES 12       /* shown after "no such interface" */


/* "lo, eth0, any" - the interfaces libpcap can open, for the no-such-interface message. */
static void list_interfaces(char *buf, size_t len)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_if_t *all = NULL;
    buf[0] = '\0';
    if (pcap_findalldevs(&all, errbuf) != 0 || !all)
        return;
    size_t used = 0;
    int n = 0;
    for (pcap_if_t *d = all; d && used + 1 < len; d = d->next) {
        int w = snprintf(buf + used, len - used, "%s%s", n ? ", " : "",
                         n < MAX_LISTED_IFACES ? d->name : "...");
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
        if (n++ == MAX_LISTED_IFACES)
            break;
    }
    pcap_freealldevs(all);
}

/* Turn a pcap_activate error into a message that says what to do about it. */
static void activate_error(pcap_t *p, int rc, const char *iface, char *err, size_t errlen)
{
    const char *why = pcap_geterr(p);
    switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE: {
        char names[256];
        list_interfaces(names, sizeof names);
        td_source_err(err, errlen, "no such interface '%s'%s%s", iface, names[0] ? " (interfaces: " : "",
                names[0] ? names : "");
        if (names[0])
            strncat(err, ")", errlen - strlen(err) - 1);
        break;
    }
    case PCAP_ERROR_PERM_DENIED:
        td_source_err(err, errlen,
                "no permission to capture on '%s' (%s): run tlsdiag as root, or grant it the "
                "capabilities CAP_NET_RAW and CAP_NET_ADMIN, e.g. "
                "setcap cap_net_raw,cap_net_admin=eip /path/to/tlsdiag",
                iface, why[0] ? why : "permission denied");
        break;
    case PCAP_ERROR_PROMISC_PERM_DENIED:
        td_source_err(err, errlen,
                "no permission to put '%s' into promiscuous mode (%s): use -p, or run tlsdiag as root",
                iface, why[0] ? why : "permission denied");
        break;
    case PCAP_ERROR_IFACE_NOT_UP:
        td_source_err(err, errlen, "interface '%s' is down (bring it up with: ip link set %s up)", iface, iface);
        break;
    default:
        td_source_err(err, errlen, "cannot capture on '%s': %s", iface,
                why[0] ? why : pcap_statustostr(rc));
        break;
    }
}

/* Compile and install the filter.  The user's expression is compiled on its own first, so that
 * libpcap's complaint is about the words the user typed, not about our port clause. */
static bool install_filter(pcap_t *p, const td_live_config *cfg, char *err, size_t errlen)
{
    if ((!cfg->filter || !cfg->filter[0]) && !cfg->fanout_group)
        return true;                               /* (a fanout member must replace its reject-all) */
    bpf_u_int32 net = 0, mask = PCAP_NETMASK_UNKNOWN;
    char errbuf[PCAP_ERRBUF_SIZE];
    if (pcap_lookupnet(cfg->iface, &net, &mask, errbuf) != 0)
        mask = PCAP_NETMASK_UNKNOWN;               /* only "broadcast" needs it */
    struct bpf_program prog;
    if (cfg->user_filter && cfg->user_filter[0]) {
        if (pcap_compile(p, &prog, cfg->user_filter, 1, mask) != 0) {
            td_source_err(err, errlen, "bad filter expression '%s': %s", cfg->user_filter, pcap_geterr(p));
            return false;
        }
        pcap_freecode(&prog);
    }
    if (pcap_compile(p, &prog, cfg->filter ? cfg->filter : "", 1, mask) != 0) {
        td_source_err(err, errlen, "bad filter '%s': %s", cfg->filter, pcap_geterr(p));
        return false;
    }
    int rc = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        td_source_err(err, errlen, "cannot install the filter on '%s': %s", cfg->iface, pcap_geterr(p));
        return false;
    }
    return true;
}

/* The settings that must precede pcap_activate.  Failures here are not fatal: libpcap keeps
 * its default and activation says whether the result is usable. */
static void configure(pcap_t *p, const td_live_config *cfg)
{
    /* "any" has no promiscuous mode; asking only earns a warning. */
    bool promisc = cfg->promisc && strcmp(cfg->iface, "any") != 0;
    pcap_set_snaplen(p, cfg->snaplen > 0 ? cfg->snaplen : DEFAULT_SNAPLEN);
    pcap_set_promisc(p, promisc);
    pcap_set_timeout(p, BUFFER_TIMEOUT_MS);
    /* -B is at most 2 GiB - 1 KiB (cli.c): the product fits libpcap's int. */
    pcap_set_buffer_size(p, cfg->buffer_kib ? (int)(cfg->buffer_kib * 1024u) : KERNEL_BUFFER);
    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
}

static void discard(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    (void)user, (void)h, (void)data;
}

/* Join the fanout group: the kernel hands each packet to one member socket, chosen by the flow
 * hash, which is the same for both directions of a TCP connection.  Until every member has
 * joined, packets must not reach this socket by itself: it takes none (a filter that rejects
 * all) and what came in before that is thrown away; td_source_install_filter opens it. */
static bool join_fanout(td_source *src, const td_live_config *cfg, char *err, size_t errlen)
{
    struct bpf_insn reject = BPF_STMT(BPF_RET | BPF_K, 0);   /* (pcap_compile refuses to make it) */
    struct bpf_program none = { 1, &reject };
    if (pcap_setfilter(src->pcap, &none) != 0) {
        td_source_err(err, errlen, "cannot install the filter on '%s': %s", cfg->iface, pcap_geterr(src->pcap));
        return false;
    }
    while (pcap_dispatch(src->pcap, -1, discard, NULL) > 0) { }
#ifdef PACKET_FANOUT
    int fd = pcap_fileno(src->pcap), arg;
#ifdef PACKET_FANOUT_CBPF
    /* Our own hash (fanout_bpf.c), which sends an ICMP error to the worker of the connection it
     * quotes; the kernel's flow hash where the kernel (before 4.2) has no program fanout. */
    arg = (int)((cfg->fanout_group & 0xffffu) | ((unsigned)(PACKET_FANOUT_CBPF | PACKET_FANOUT_FLAG_DEFRAG) << 16));
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) == 0) {
        struct bpf_insn prog[TD_FANOUT_PROG_MAX];
        struct { unsigned short len; struct bpf_insn *filter; } fprog;   /* struct sock_fprog */
        fprog.len = (unsigned short)td_fanout_prog(TD_FANOUT_KERNEL, prog);
        fprog.filter = prog;
        if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT_DATA, &fprog, sizeof fprog) == 0)
            return true;
        td_source_err(err, errlen, "--workers: cannot share '%s' between workers (PACKET_FANOUT_DATA: %s)",
                      cfg->iface, strerror(errno));
        return false;
    }
#endif
    arg = (int)((cfg->fanout_group & 0xffffu) | ((unsigned)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16));
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) == 0)
        return true;
    td_source_err(err, errlen, "--workers: cannot share '%s' between workers (PACKET_FANOUT: %s)", cfg->iface,
                  strerror(errno));
#else
    td_source_err(err, errlen, "--workers: this platform has no packet fanout; use one worker");
#endif
    return false;
}

bool td_source_install_filter(td_source *src, const td_live_config *cfg, char *err, size_t errlen)
{
    return install_filter(src->pcap, cfg, err, errlen);
}

td_source *td_source_open_live(const td_live_config *cfg, char *err, size_t errlen)
{
    td_source_err(err, errlen, "%s", "");
    td_source *src = calloc(1, sizeof *src);
    if (!src || !(src->name = strdup(cfg->iface))) {
        free(src);
        td_source_err(err, errlen, "out of memory");
        return NULL;
    }
    src->live = true;
    src->fd = -1;
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    src->pcap = pcap_create(cfg->iface, errbuf);
    if (!src->pcap) {
        td_source_err(err, errlen, "cannot capture on '%s': %s", cfg->iface, errbuf[0] ? errbuf : "pcap_create failed");
        goto fail;
    }
    configure(src->pcap, cfg);
    int rc = pcap_activate(src->pcap);
    if (rc < 0) {
        activate_error(src->pcap, rc, cfg->iface, err, errlen);
        goto fail;
    }
    char warning[PCAP_ERRBUF_SIZE + 64] = "";
    if (rc > 0) {                                  /* a warning: capture works, but say it */
        const char *why = pcap_geterr(src->pcap);
        snprintf(warning, sizeof warning, "%s: %s", cfg->iface, why[0] ? why : pcap_statustostr(rc));
    }
    src->usec_ts = pcap_get_tstamp_precision(src->pcap) != PCAP_TSTAMP_PRECISION_NANO;
    if (pcap_setnonblock(src->pcap, 1, errbuf) != 0) {
        td_source_err(err, errlen, "cannot capture on '%s': %s", cfg->iface, errbuf);
        goto fail;
    }
    if (cfg->fanout_group ? !join_fanout(src, cfg, err, errlen) : !install_filter(src->pcap, cfg, err, errlen))
        goto fail;
    src->fd = pcap_get_selectable_fd(src->pcap);
    td_source_err(err, errlen, "%s", warning);
    return src;

fail:
    td_source_close(src);
    return NULL;
}

static void fill_frame(const td_source *src, const struct pcap_pkthdr *h, const u_char *data, td_frame *f)
{
    f->data = data;
    f->caplen = h->caplen;
    f->wirelen = h->len;
    f->ts_sec = (uint64_t)h->ts.tv_sec;
    /* With nanosecond precision libpcap puts nanoseconds in tv_usec. */
    f->ts_nsec = (uint32_t)h->ts.tv_usec * (src->usec_ts ? 1000u : 1u);
    f->ts = (double)f->ts_sec + (double)f->ts_nsec / 1e9;
}

/* Wait until the descriptor is readable, the time is up or a signal arrives. */
static void wait_readable(const td_source *src, int wait_ms)
{
    if (wait_ms <= 0)
        return;
    if (src->fd >= 0) {
        struct pollfd pfd = { .fd = src->fd, .events = POLLIN };
        (void)poll(&pfd, 1, wait_ms);             /* EINTR: the caller checks its stop flag */
        return;
    }
    /* No selectable descriptor on this platform: poll by sleeping a little. */
    struct timespec ts = { .tv_sec = 0, .tv_nsec = 10 * 1000000L };
    nanosleep(&ts, NULL);
}

struct dispatch_ctx {
    const td_source *src;
    td_frame_fn fn;
    void *user;
};

static void dispatch_one(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct dispatch_ctx *ctx = (struct dispatch_ctx *)user;
    td_frame f;
    fill_frame(ctx->src, h, data, &f);
    ctx->fn(ctx->user, &f);
}

int td_source_dispatch(td_source *src, int max, td_frame_fn fn, void *user, int wait_ms, char *err, size_t errlen)
{
    struct dispatch_ctx ctx = { src, fn, user };
    for (int pass = 0; pass < 2; pass++) {
        if (src->stop)
            return -2;
        int r = pcap_dispatch(src->pcap, max > 0 ? max : -1, dispatch_one, (u_char *)&ctx);
        if (r > 0)
            return r;
        if (r == PCAP_ERROR_BREAK)
            return -2;
        if (r < 0) {
            td_source_err(err, errlen, "%s", pcap_geterr(src->pcap));
            return -1;
        }
        if (pass == 0)
            wait_readable(src, wait_ms);
    }
    return 0;
}

void td_source_break(td_source *src)
{
    if (!src)
        return;
    src->stop = 1;
    if (src->pcap)
        pcap_breakloop(src->pcap);
}

bool td_source_live_stats(td_source *src, uint64_t *received, uint64_t *dropped)
{
    struct pcap_stat ps;
    if (!src->live || pcap_stats(src->pcap, &ps) != 0)
        return false;
    *received = ps.ps_recv;
    *dropped = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
    return true;
}
