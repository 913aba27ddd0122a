/* source_file.c - capture files: pcap and pcapng (either byte order, micro- or nanosecond
 * timestamps), gzip-compressed or not, from a path or from stdin ("-").
 *
 * A regular uncompressed file is read in place, in large windows (source_map.c: 1 MiB reads, or
 * with TLSDIAG_READER=mmap a memory map; no copy per packet), unless TLSDIAG_READER=pcap is in the
 * environment.  Where that reader stops (damage, or something it leaves to libpcap) the file is
 * read again through libpcap, which skips the packets already handed out and goes on, so errors
 * and what comes after them are libpcap's; the pcapng secrets walker then passes over the blocks
 * the in-place reader already handed out.
 *
 * Everything else (stdin, pipes, gzip, formats the mapped reader does not take) is read through an fopencookie stream handed to
 * pcap_fopen_offline_with_tstamp_precision().  Its state (struct td_instream) first peeks at two
 * bytes of the raw descriptor - no seeking, so pipes work - and then either serves those bytes
 * followed by the rest of the descriptor, or, for gzip (1f 8b), feeds them and the rest through
 * zlib's inflate (which also handles concatenated gzip members).  Nothing is unpacked to disk.
 *
 * libpcap sees a damaged gzip stream only as a short read ("truncated dump file") or an early
 * end, so the stream keeps the zlib error and td_source_next reports that instead.
 *
 * libpcap skips pcapng Decryption Secrets Blocks.  When the caller wants them (td_file_config
 * on_secrets), every byte handed to libpcap (decompressed, for gzip) also passes through a
 * pcapng block walker (pcapng_secrets.h), which finds them without a second read; on input that
 * is not pcapng the walker gives up after its first 8 bytes (a pcap header is not a block). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <zlib.h>

#include "analyzer/capture/pcapng_secrets.h"
#include "analyzer/capture/source.h"
#include "analyzer/capture/source_int.h"
#include "analyzer/capture/source_map_int.h"

enum {
    IN_CHUNK = 64 * 1024,          /* raw bytes read per read(2) when inflating */
    STREAM_BUF = 64 * 1024,        /* stdio buffer of the cookie stream */
    DRAIN_CHUNK = 16 * 1024,
};
/* On a libpcap error, up to this many more decompressed bytes are inflated to find out whether
 * the gzip data was corrupt (a flipped bit may only show at the CRC check). */
#define DRAIN_CAP ((size_t)64 << 20)

struct td_instream {
    int fd;                        /* the file, or STDIN_FILENO */
    bool own_fd;                   /* close fd at the end (not stdin) */
    unsigned char peek[2];         /* the magic bytes read to tell gzip from not */
    size_t peek_len, peek_pos;
    bool gzip;
    bool z_ready;                  /* inflateInit2 succeeded: inflateEnd owed */
    bool in_member;                /* inside a gzip member: input ending now is truncation */
    bool in_eof;                   /* read(2) returned 0 */
    bool done;                     /* no more output: clean end, trailing garbage or error */
    z_stream z;
    uint64_t raw_read;             /* bytes read from fd (compressed ones, for gzip) */
    char *vbuf;                    /* the stdio buffer (STREAM_BUF bytes); freed after fclose */
    unsigned char *inbuf;          /* IN_CHUNK bytes, gzip only */
    char err[192];                 /* the first input error, "" if none */
    td_pcapng_walker *walker;      /* pcapng secrets: NULL unless the caller wants them */
    td_file_config cfg;
    const char *name;              /* the source's name, for the secrets' origin */
    uint64_t secrets_done;         /* secrets blocks before this offset were handed out already
                                    * (by the mapped reader, before a hand-over) */
};

/* Write a message into the caller's error buffer (shared with source_live.c). */
void td_source_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void in_fail(struct td_instream *in, const char *what, const char *detail)
{
    if (!in->err[0])
        snprintf(in->err, sizeof in->err, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
    in->done = true;
}

static ssize_t read_fd(int fd, void *buf, size_t len)
{
    ssize_t n;
    do
        n = read(fd, buf, len);
    while (n < 0 && errno == EINTR);
    return n;
}

/* ---- plain input: the peeked bytes, then the descriptor ------------------------------------ */

static ssize_t plain_read(struct td_instream *in, char *buf, size_t size)
{
    size_t n = 0;
    while (n < size && in->peek_pos < in->peek_len)
        buf[n++] = (char)in->peek[in->peek_pos++];
    if (n == size || in->done)
        return (ssize_t)n;
    ssize_t got = read_fd(in->fd, buf + n, size - n);
    if (got > 0)
        in->raw_read += (uint64_t)got;
    if (got < 0) {
        int e = errno;
        in_fail(in, "read error", strerror(e));
        if (n == 0) {
            errno = e;
            return -1;
        }
        return (ssize_t)n;
    }
    if (got == 0)
        in->done = true;
    return (ssize_t)(n + (size_t)got);
}

/* ---- gzip input ----------------------------------------------------------------------------- */

/* More raw input for inflate; false at end of input or on an error (recorded). */
static bool gz_refill(struct td_instream *in)
{
    if (in->in_eof)
        return false;
    ssize_t n = read_fd(in->fd, in->inbuf, IN_CHUNK);
    if (n > 0)
        in->raw_read += (uint64_t)n;
    if (n < 0) {
        in_fail(in, "read error", strerror(errno));
        return false;
    }
    if (n == 0) {
        in->in_eof = true;
        if (in->in_member)
            in_fail(in, "gzip stream truncated", NULL);
        else
            in->done = true;
        return false;
    }
    in->z.next_in = in->inbuf;
    in->z.avail_in = (uInt)n;
    return true;
}

static ssize_t gz_read(struct td_instream *in, char *buf, size_t size)
{
    in->z.next_out = (Bytef *)buf;
    in->z.avail_out = size > UINT_MAX ? UINT_MAX : (uInt)size;
    uInt want = in->z.avail_out;
    while (in->z.avail_out > 0 && !in->done) {
        if (in->z.avail_in == 0 && !gz_refill(in))
            break;
        if (!in->in_member) {
            /* Between members: another member starts with 1f; anything else is trailing
             * garbage (tape padding...), which gzip(1) also ignores. */
            if (in->z.next_in[0] != 0x1f) {
                in->done = true;
                break;
            }
            if (inflateReset(&in->z) != Z_OK) {
                in_fail(in, "gzip data corrupt", "cannot reset the decompressor");
                break;
            }
            in->in_member = true;
        }
        int r = inflate(&in->z, Z_NO_FLUSH);
        if (r == Z_STREAM_END)
            in->in_member = false;
        else if (r != Z_OK && r != Z_BUF_ERROR)
            in_fail(in, "gzip data corrupt", in->z.msg ? in->z.msg : zError(r));
    }
    size_t produced = want - in->z.avail_out;
    if (produced == 0 && in->err[0]) {
        errno = EIO;
        return -1;
    }
    return (ssize_t)produced;
}

/* ---- the cookie stream ---------------------------------------------------------------------- */

/* The walker found a Decryption Secrets Block: pass a TLS key log on. */
static void on_block(void *ctx, uint32_t type, const uint8_t *data, size_t len, uint64_t offset)
{
    struct td_instream *in = ctx;
    if (type != TD_PCAPNG_SECRETS_TLS || offset < in->secrets_done)
        return;                                        /* WireGuard, ZigBee, ... keys */
    char origin[512];
    snprintf(origin, sizeof origin, "%s: Decryption Secrets Block at byte %llu, line", in->name,
             (unsigned long long)offset);
    in->cfg.on_secrets(in->cfg.ctx, origin, data, len);
}

/* Bytes on their way to libpcap pass the walker; returns how many of them libpcap gets.  A
 * framing error is left to libpcap, which reads the same blocks and reports it in its words.  A
 * bad secrets block (which libpcap never looks into) is an input error of ours: libpcap gets the
 * bytes before it (so exactly the frames before it are analysed), then the error. */
static ssize_t walk(struct td_instream *in, const char *buf, ssize_t n)
{
    if (n <= 0 || in->walker->status != TD_PCAPNG_OK)
        return n;
    uint64_t start = in->walker->pos;
    if (td_pcapng_walker_feed(in->walker, (const uint8_t *)buf, (size_t)n) != TD_PCAPNG_BAD_SECRETS)
        return n;
    in_fail(in, in->walker->err, NULL);
    uint64_t bad = in->walker->block_start;
    ssize_t keep = bad > start ? (ssize_t)(bad - start) : 0;
    if (keep == 0)
        errno = EIO;
    return keep > 0 ? keep : -1;
}

static ssize_t in_read(void *cookie, char *buf, size_t size)
{
    struct td_instream *in = cookie;
    if (in->err[0]) {
        errno = EIO;
        return -1;
    }
    ssize_t n = in->gzip ? gz_read(in, buf, size) : plain_read(in, buf, size);
    return in->walker ? walk(in, buf, n) : n;
}

/* Release what the stream holds; safe to call twice. */
static void in_release(struct td_instream *in)
{
    if (in->z_ready) {
        inflateEnd(&in->z);
        in->z_ready = false;
    }
    if (in->own_fd && in->fd >= 0)
        close(in->fd);
    in->fd = -1;
    free(in->inbuf);
    in->inbuf = NULL;
    if (in->walker) {
        td_pcapng_walker_free(in->walker);
        free(in->walker);
        in->walker = NULL;
    }
}

static int in_close(void *cookie)
{
    in_release(cookie);
    return 0;
}

/* After libpcap failed on gzip input: inflate on (bounded) to see whether the gzip data itself
 * is damaged, which is the better explanation of whatever libpcap tripped over. */
static void in_drain(struct td_instream *in)
{
    if (!in->gzip || !in->z_ready || in->err[0])
        return;
    char *scratch = malloc(DRAIN_CHUNK);
    if (!scratch)
        return;
    for (size_t total = 0; total < DRAIN_CAP && !in->err[0];) {
        ssize_t n = gz_read(in, scratch, DRAIN_CHUNK);
        if (n <= 0)
            break;
        total += (size_t)n;
    }
    free(scratch);
}

uint64_t td_source_position(const td_source *src, uint64_t *size)
{
    struct stat st;
    if (src->map)
        return td_mapsrc_position(src->map, size);
    *size = 0;
    if (!src->in)
        return 0;
    if (src->in->fd >= 0 && fstat(src->in->fd, &st) == 0 && S_ISREG(st.st_mode))
        *size = (uint64_t)st.st_size;
    return src->in->raw_read;
}

/* ---- td_source ------------------------------------------------------------------------------ */

td_source *td_source_open_file(const char *path, char *err, size_t errlen)
{
    return td_source_open_file_cfg(path, NULL, err, errlen);
}

/* The file's descriptor (stdin for "-") and the source's name. */
static bool open_input(td_source *src, struct td_instream *in, const char *path, char *err, size_t errlen)
{
    bool is_stdin = strcmp(path, "-") == 0;
    src->name = strdup(is_stdin ? "stdin" : path);
    if (!src->name) {
        td_source_err(err, errlen, "out of memory");
        return false;
    }
    if (is_stdin) {
        in->fd = STDIN_FILENO;
        return true;
    }
    in->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0) {
        td_source_err(err, errlen, "cannot open: %s", strerror(errno));
        return false;
    }
    in->own_fd = true;
    return true;
}

/* The first two bytes, which tell gzip from not (fewer at the end of a tiny input). */
static bool peek_magic(struct td_instream *in, char *err, size_t errlen)
{
    while (in->peek_len < sizeof in->peek) {
        ssize_t n = read_fd(in->fd, in->peek + in->peek_len, sizeof in->peek - in->peek_len);
        if (n < 0) {
            td_source_err(err, errlen, "cannot read: %s", strerror(errno));
            return false;
        }
        if (n == 0)
            break;
        in->peek_len += (size_t)n;
        in->raw_read += (uint64_t)n;
    }
    return true;
}

/* gzip: inflate from the peeked bytes on. */
static bool start_gzip(struct td_instream *in, char *err, size_t errlen)
{
    in->gzip = true;
    in->inbuf = malloc(IN_CHUNK);
    if (!in->inbuf) {
        td_source_err(err, errlen, "out of memory");
        return false;
    }
    if (inflateInit2(&in->z, 15 + 32) != Z_OK) {
        td_source_err(err, errlen, "gzip: cannot initialise zlib");
        return false;
    }
    in->z_ready = true;
    in->z.next_in = in->peek;
    in->z.avail_in = (uInt)in->peek_len;
    return true;
}

/* libpcap on the cookie stream that serves the (inflated) bytes. */
static bool open_pcap(td_source *src, struct td_instream *in, char *err, size_t errlen)
{
    cookie_io_functions_t io = { .read = in_read, .write = NULL, .seek = NULL, .close = in_close };
    src->fp = fopencookie(in, "r", io);
    if (!src->fp) {
        td_source_err(err, errlen, "cannot open: %s", strerror(errno));
        return false;
    }
    /* glibc ignores the size unless the buffer is given: without one, reads are 8 KB each. */
    in->vbuf = malloc(STREAM_BUF);
    setvbuf(src->fp, in->vbuf, _IOFBF, in->vbuf ? STREAM_BUF : BUFSIZ);

    char errbuf[PCAP_ERRBUF_SIZE] = "";
    src->pcap = pcap_fopen_offline_with_tstamp_precision(src->fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!src->pcap) {
        in_drain(in);
        td_source_err(err, errlen, "%s", in->err[0] ? in->err : errbuf[0] ? errbuf : "cannot read capture");
        return false;
    }
    return true;
}

td_source *td_source_open_file_cfg(const char *path, const td_file_config *cfg, char *err, size_t errlen)
{
    td_source *src = calloc(1, sizeof *src);
    struct td_instream *in = src ? calloc(1, sizeof *in) : NULL;
    if (!src || !in) {
        free(src);
        td_source_err(err, errlen, "out of memory");
        return NULL;
    }
    src->in = in;
    in->fd = -1;
    if (!open_input(src, in, path, err, errlen) || !peek_magic(in, err, errlen))
        goto fail;
    in->name = src->name;
    if (cfg && cfg->on_secrets) {
        in->cfg = *cfg;
        in->walker = malloc(sizeof *in->walker);
        if (!in->walker) {
            td_source_err(err, errlen, "out of memory");
            goto fail;
        }
        td_pcapng_walker_init(in->walker, on_block, in);
    }
    if (in->peek_len == 0) {                       /* not "truncated": there is nothing at all */
        td_source_err(err, errlen, "empty file (0 bytes), not a capture");
        goto fail;
    }
    bool gzip = in->peek_len == 2 && in->peek[0] == 0x1f && in->peek[1] == 0x8b;
    const char *reader = getenv("TLSDIAG_READER");
    if (!gzip && in->own_fd && !(reader && strcmp(reader, "pcap") == 0)) {
        src->map = td_mapsrc_open(in->fd, src->name, cfg, reader && strcmp(reader, "mmap") == 0);
        if (src->map)
            return src;                                /* else libpcap reads it all */
    }
    if ((gzip && !start_gzip(in, err, errlen)) || !open_pcap(src, in, err, errlen))
        goto fail;
    return src;

fail:
    td_source_close(src);
    return NULL;
}

/* libpcap's answer r (not 1) as td_source_next's. */
static int pcap_end(td_source *src, int r, char *err, size_t errlen)
{
    struct td_instream *in = src->in;
    if (r == PCAP_ERROR_BREAK && !(in && in->err[0]))
        return 0;                                      /* end of input (or pcap_breakloop) */
    if (r == PCAP_ERROR && in)
        in_drain(in);
    if (in && in->err[0])
        td_source_err(err, errlen, "%s", in->err);
    else
        td_source_err(err, errlen, "%s", pcap_geterr(src->pcap));
    return -1;
}

/* The mapped reader stopped: libpcap reads the file from the start (the secrets walker quiet
 * over what was handed out), skips the packets the mapped reader read and takes over, with the
 * same filter.  Returns 1 when libpcap is ready, else td_source_next's answer. */
static int hand_over(td_source *src, char *err, size_t errlen)
{
    struct td_mapsrc *m = src->map;
    uint64_t skip = td_mapsrc_packets(m);
    src->in->secrets_done = td_mapsrc_secrets_done(m);
    bool opened = open_pcap(src, src->in, err, errlen);
    struct bpf_program *prog = td_mapsrc_filter(m);
    src->map = NULL;
    if (!opened) {
        td_mapsrc_close(m);
        return -1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    for (; skip > 0; skip--) {
        int r = pcap_next_ex(src->pcap, &h, &data);
        if (r != 1) {
            td_mapsrc_close(m);
            return pcap_end(src, r, err, errlen);
        }
    }
    int rc = prog ? pcap_setfilter(src->pcap, prog) : 0;
    td_mapsrc_close(m);
    if (rc != 0) {
        td_source_err(err, errlen, "cannot apply the filter: %s", pcap_geterr(src->pcap));
        return -1;
    }
    return 1;
}

int td_source_next(td_source *src, td_frame *frame, char *err, size_t errlen)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int r;
    if (src->map) {
        r = td_mapsrc_next(src->map, frame, err, errlen);
        if (r != -2)
            return r;
        if ((r = hand_over(src, err, errlen)) != 1)
            return r;
    }
    /* 0 is a live read timeout with nothing captured: wait on. */
    while ((r = pcap_next_ex(src->pcap, &h, &data)) == 0)
        ;
    if (r == 1) {
        frame->data = data;
        frame->caplen = h->caplen;
        frame->wirelen = h->len;
        /* Opened with nanosecond precision: tv_usec holds nanoseconds. */
        frame->ts_sec = (uint64_t)h->ts.tv_sec;
        frame->ts_nsec = (uint32_t)h->ts.tv_usec;
        frame->ts = (double)frame->ts_sec + (double)frame->ts_nsec / 1e9;
        return 1;
    }
    return pcap_end(src, r, err, errlen);
}

int td_source_set_filter(td_source *src, const char *expr, char *err, size_t errlen)
{
    if (src->map)
        return td_mapsrc_set_filter(src->map, expr, err, errlen) ? 0 : -1;
    struct bpf_program prog;
    if (pcap_compile(src->pcap, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        td_source_err(err, errlen, "%s", pcap_geterr(src->pcap));
        return -1;
    }
    int rc = pcap_setfilter(src->pcap, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        td_source_err(err, errlen, "%s", pcap_geterr(src->pcap));
        return -2;
    }
    return 0;
}

int td_source_linktype(const td_source *src)
{
    if (src->map)
        return td_mapsrc_linktype(src->map);
    return src->pcap ? pcap_datalink(src->pcap) : -1;
}

const char *td_source_name(const td_source *src)
{
    return src->name;
}

struct pcap *td_source_pcap(td_source *src)
{
    return src->map ? td_mapsrc_pcap(src->map) : src->pcap;
}

void td_source_close(td_source *src)
{
    if (!src)
        return;
    td_mapsrc_close(src->map);
    if (src->pcap)
        pcap_close(src->pcap);                         /* closes fp, which releases in */
    else if (src->fp)
        fclose(src->fp);
    if (src->in) {
        in_release(src->in);
        free(src->in->vbuf);
        free(src->in);
    }
    free(src->name);
    free(src);
}
