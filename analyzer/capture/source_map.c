/* source_map.c - the mapped fast path of the file source (source_map_int.h).
 *
 * The file is mapped whole (read-only, MADV_SEQUENTIAL) and libpcap still reads its header, from
 * the map through fmemopen: so a header it refuses is refused in its words (the caller then
 * opens the file the usual way, which fails the same), and the link type, the snapshot length
 * and the BPF compiler are libpcap's own.  The records are read by pcap_map.c; a filter runs
 * with pcap_offline_filter on the mapped bytes.  Decryption Secrets Blocks go through the same
 * pcapng walker as on the libpcap path (pcapng_secrets.h), fed the file's bytes up to the end of
 * each such block as the reader meets it, so what it hands out and what it finds wrong are the
 * same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "analyzer/capture/pcap_map.h"
#include "analyzer/capture/pcapng_secrets.h"
#include "analyzer/capture/source_int.h"
#include "analyzer/capture/source_map_int.h"

struct td_mapsrc {
    uint8_t *base;
    size_t size;
    td_map_reader rd;
    pcap_t *probe;                 /* libpcap on the map's header: link type, snapshot, filters */
    struct bpf_program prog;
    bool filtered;
    td_pcapng_walker *walker;      /* NULL unless the caller wants the secrets */
    td_file_config cfg;
    const char *name;
    char err[192];                 /* a bad secrets block */
};

/* The walker found a Decryption Secrets Block: a TLS key log goes to the caller, named as the
 * libpcap path names it. */
static void on_secrets(void *ctx, uint32_t type, const uint8_t *data, size_t len, uint64_t offset)
{
    struct td_mapsrc *m = ctx;
    if (type != TD_PCAPNG_SECRETS_TLS)
        return;
    char origin[512];
    snprintf(origin, sizeof origin, "%s: Decryption Secrets Block at byte %llu, line", m->name,
             (unsigned long long)offset);
    m->cfg.on_secrets(m->cfg.ctx, origin, data, len);
}

/* The reader met a secrets block at [start, end): the walker walks up to its end. */
static bool on_dsb(void *ctx, uint64_t start, uint64_t end)
{
    struct td_mapsrc *m = ctx;
    td_pcapng_walker *w = m->walker;
    (void)start;
    if (w->status != TD_PCAPNG_OK || end <= w->pos)
        return true;
    if (td_pcapng_walker_feed(w, m->base + w->pos, (size_t)(end - w->pos)) != TD_PCAPNG_BAD_SECRETS)
        return true;
    snprintf(m->err, sizeof m->err, "%s", w->err);
    return false;
}

void td_mapsrc_close(struct td_mapsrc *m)
{
    if (!m)
        return;
    if (m->filtered)
        pcap_freecode(&m->prog);
    if (m->probe)
        pcap_close(m->probe);      /* closes the fmemopen stream */
    if (m->walker) {
        td_pcapng_walker_free(m->walker);
        free(m->walker);
    }
    td_map_free(&m->rd);
    if (m->base)
        munmap(m->base, m->size);
    free(m);
}

/* libpcap reads the header from the map. */
static bool probe(struct td_mapsrc *m)
{
    FILE *fp = fmemopen(m->base, m->size, "r");
    if (!fp)
        return false;
    char errbuf[PCAP_ERRBUF_SIZE];
    m->probe = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!m->probe) {
        fclose(fp);
        return false;
    }
    return pcap_snapshot(m->probe) > 0;
}

struct td_mapsrc *td_mapsrc_open(int fd, const char *name, const td_file_config *cfg)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size > (uint64_t)SIZE_MAX)
        return NULL;
    struct td_mapsrc *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->name = name;
    m->size = (size_t)st.st_size;
    void *p = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
        free(m);
        return NULL;
    }
    m->base = p;
    madvise(m->base, m->size, MADV_SEQUENTIAL);
    if (!probe(m) || !td_map_init(&m->rd, m->base, m->size, pcap_datalink(m->probe),
                                  (uint32_t)pcap_snapshot(m->probe)))
        goto fail;
    if (cfg && cfg->on_secrets && m->rd.pcapng) {
        m->cfg = *cfg;
        m->walker = malloc(sizeof *m->walker);
        if (!m->walker)
            goto fail;
        td_pcapng_walker_init(m->walker, on_secrets, m);
        m->rd.on_dsb = on_dsb;
        m->rd.ctx = m;
    }
    return m;

fail:
    td_mapsrc_close(m);
    return NULL;
}

int td_mapsrc_next(struct td_mapsrc *m, td_frame *frame, char *err, size_t errlen)
{
    td_map_packet pkt;
    for (;;) {
        int r = td_map_next(&m->rd, &pkt);
        if (r == TD_MAP_END)
            return 0;
        if (r == TD_MAP_ERROR) {
            td_source_err(err, errlen, "%s", m->err);
            return -1;
        }
        if (r == TD_MAP_STOP)
            return -2;
        if (m->filtered) {
            struct pcap_pkthdr h = { .caplen = pkt.caplen, .len = pkt.len };
            if (!pcap_offline_filter(&m->prog, &h, pkt.data))
                continue;
        }
        frame->data = pkt.data;
        frame->caplen = pkt.caplen;
        frame->wirelen = pkt.len;
        frame->ts_sec = pkt.ts_sec;
        frame->ts_nsec = pkt.ts_nsec;
        frame->ts = (double)frame->ts_sec + (double)frame->ts_nsec / 1e9;
        return 1;
    }
}

bool td_mapsrc_set_filter(struct td_mapsrc *m, const char *expr, char *err, size_t errlen)
{
    struct bpf_program prog;
    if (pcap_compile(m->probe, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        td_source_err(err, errlen, "%s", pcap_geterr(m->probe));
        return false;
    }
    if (m->filtered)
        pcap_freecode(&m->prog);
    m->prog = prog;
    m->filtered = true;
    return true;
}

uint64_t td_mapsrc_packets(const struct td_mapsrc *m)
{
    return m->rd.packets;
}

uint64_t td_mapsrc_secrets_done(const struct td_mapsrc *m)
{
    return m->walker ? m->walker->pos : 0;
}

struct bpf_program *td_mapsrc_filter(struct td_mapsrc *m)
{
    return m->filtered ? &m->prog : NULL;
}

const char *td_mapsrc_why(const struct td_mapsrc *m)
{
    return m->rd.why;
}

int td_mapsrc_linktype(const struct td_mapsrc *m)
{
    return m->rd.dlt;
}

uint64_t td_mapsrc_position(const struct td_mapsrc *m, uint64_t *size)
{
    *size = m->size;
    return m->rd.pos;
}

pcap_t *td_mapsrc_pcap(struct td_mapsrc *m)
{
    return m->probe;
}
