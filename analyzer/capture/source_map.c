/* source_map.c - the in-place fast path of the file source (source_map_int.h).
 *
 * The file is read in large windows: by default pread(2) of READ_CHUNK bytes, the first into a
 * buffer of its own, the others by a thread of their own a few windows ahead (read_ahead.h: the
 * kernel's copy from the page cache overlaps the analysis), the record cut by a window's end
 * moved to the front of the next; with TLSDIAG_READER=mmap the whole file is one window,
 * memory-mapped (read-only, MADV_SEQUENTIAL).  Either way the packets are pointers into the window.  The read buffer is the
 * default because on the machines measured (tests/bench/README.md) mapping the page cache costs
 * several times the copy: each 4 KiB page mapped costs more than copying it.
 *
 * libpcap still reads the header, from the first window through fmemopen: so a header it refuses
 * is refused in its words (the caller then opens the file the usual way, which fails the same),
 * and the link type, the snapshot length and the BPF compiler are libpcap's own.  The records are
 * read by pcap_map.c; a filter runs with pcap_offline_filter on the bytes in the window.
 * Decryption Secrets Blocks go through the same pcapng walker as on the libpcap path
 * (pcapng_secrets.h), fed the file's bytes up to the end of each such block as the reader meets
 * it (and, before a window is dropped, up to its end), so that what it hands out and what it finds
 * wrong are the same. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/capture/pcap_map.h"
#include "analyzer/capture/pcapng_secrets.h"
#include "analyzer/capture/read_ahead.h"
#include "analyzer/capture/source_map_int.h"

enum {
    READ_CHUNK = 1 << 20,          /* bytes of the first window: one read(2) */
    AHEAD_CHUNK = 256 << 10,       /* bytes each later window adds, read ahead (read_ahead.h) */
    RECORD_MAX = 512 << 10,        /* more than pcap_map.c's largest record */
};

struct td_mapsrc {
    int fd;
    uint8_t *map;                  /* TLSDIAG_READER=mmap: the whole file */
    size_t map_size;
    uint8_t *buf;                  /* else: the first window, READ_CHUNK bytes */
    td_read_ahead *ahead;          /* the windows after the first, read on another thread */
    uint64_t next_read;            /* the file offset the next pread starts at */
    uint64_t file_size;            /* at open (the file may grow: reading goes on to its end) */
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
    const uint8_t *from = m->rd.base + (w->pos - m->rd.window_off);
    if (td_pcapng_walker_feed(w, from, (size_t)(end - w->pos)) != TD_PCAPNG_BAD_SECRETS)
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
    td_read_ahead_stop(m->ahead);
    if (m->map)
        munmap(m->map, m->map_size);
    free(m->buf);
    free(m);
}

/* libpcap reads the header from the first window. */
static bool probe(struct td_mapsrc *m, uint8_t *base, size_t size)
{
    FILE *fp = fmemopen(base, size, "r");
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

/* The first window: buf[0..cap) from the file's start; *got bytes, *eof when the file ended before
 * the buffer was full.  false on a read error. */
static bool fill(struct td_mapsrc *m, size_t cap, size_t *got, bool *eof)
{
    size_t have = 0;
    *eof = false;
    while (have < cap) {
        ssize_t n = pread(m->fd, m->buf + have, cap - have, (off_t)m->next_read);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        if (n == 0) {
            *eof = true;
            break;
        }
        have += (size_t)n;
        m->next_read += (uint64_t)n;
    }
    *got = have;
    return true;
}

/* The first window: the map, or the first read. */
static bool first_window(struct td_mapsrc *m, bool use_mmap, uint8_t **base, size_t *size, bool *eof)
{
    if (use_mmap) {
        m->map_size = (size_t)m->file_size;
        void *p = mmap(NULL, m->map_size, PROT_READ, MAP_PRIVATE, m->fd, 0);
        if (p == MAP_FAILED)
            return false;
        m->map = p;
        madvise(m->map, m->map_size, MADV_SEQUENTIAL);
        *base = m->map;
        *size = m->map_size;
        *eof = true;
        return true;
    }
    /* As MADV_SEQUENTIAL for the map: a larger readahead when the file is not cached yet. */
    posix_fadvise(m->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    m->buf = malloc(READ_CHUNK);                  /* later windows are the read-ahead ring's */
    if (!m->buf || !fill(m, READ_CHUNK, size, eof))
        return false;
    *base = m->buf;
    return true;
}

struct td_mapsrc *td_mapsrc_open(int fd, const char *name, const td_file_config *cfg, bool use_mmap)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size > (uint64_t)SIZE_MAX)
        return NULL;
    struct td_mapsrc *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->fd = fd;
    m->name = name;
    m->file_size = (uint64_t)st.st_size;
    uint8_t *base;
    size_t size;
    bool eof;
    if (!first_window(m, use_mmap, &base, &size, &eof) || size == 0 || !probe(m, base, size) ||
        !td_map_init(&m->rd, base, size, eof, pcap_datalink(m->probe), (uint32_t)pcap_snapshot(m->probe)))
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

/* TD_MAP_MORE: the walker takes the bytes about to be dropped, the record cut by the window's
 * end moves to the front and the rest of the buffer is read.  false: hand over to libpcap (a
 * read error, which libpcap will meet and word), or *bad: the walker found a bad secrets block. */
static bool next_window(struct td_mapsrc *m, bool *bad)
{
    td_map_reader *r = &m->rd;
    uint64_t keep_from = r->window_off + r->pos;
    td_pcapng_walker *w = m->walker;
    *bad = false;
    if (w && w->status == TD_PCAPNG_OK && w->pos < keep_from &&
        td_pcapng_walker_feed(w, r->base + (w->pos - r->window_off), (size_t)(keep_from - w->pos)) ==
            TD_PCAPNG_BAD_SECRETS) {
        snprintf(m->err, sizeof m->err, "%s", w->err);
        *bad = true;
        return false;
    }
    size_t left = (size_t)(r->size - r->pos);
    if (!m->buf || left >= RECORD_MAX)
        return false;
    if (!m->ahead && !(m->ahead = td_read_ahead_start(m->fd, m->next_read, AHEAD_CHUNK, RECORD_MAX)))
        return false;
    uint8_t *base;
    size_t size;
    bool eof;
    if (!td_read_ahead_next(m->ahead, r->base + r->pos, left, &base, &size, &eof))
        return false;
    td_map_window(r, base, size, keep_from, eof);
    return true;
}

int td_mapsrc_next(struct td_mapsrc *m, td_frame *frame, char *err, size_t errlen)
{
    td_map_packet pkt;
    for (;;) {
        int r = td_map_next(&m->rd, &pkt);
        if (r == TD_MAP_MORE) {
            bool bad;
            if (next_window(m, &bad))
                continue;
            if (!bad)
                return -2;
            r = TD_MAP_ERROR;
        }
        if (r == TD_MAP_END)
            return 0;
        if (r == TD_MAP_ERROR) {
            if (err && errlen)
                snprintf(err, errlen, "%s", m->err);
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
        if (err && errlen)
            snprintf(err, errlen, "%s", pcap_geterr(m->probe));
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
    *size = m->file_size;
    return m->rd.window_off + m->rd.pos;
}

pcap_t *td_mapsrc_pcap(struct td_mapsrc *m)
{
    return m->probe;
}
