/* source.h - where packets come from: capture files (pcap, pcapng, gzip-compressed, stdin) and
 * live interfaces (analyzer/capture/source_*.c): libpcap, or for a plain file a memory map. */
#ifndef TLSDIAG_SOURCE_H
#define TLSDIAG_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct td_source td_source;

typedef struct td_frame {
    const uint8_t *data;           /* valid until the next td_source_next */
    size_t caplen;                 /* bytes present */
    size_t wirelen;                /* bytes on the wire */
    double ts;                     /* seconds since the epoch, microsecond or nanosecond precision */
    uint64_t ts_sec;               /* the same, exact */
    uint32_t ts_nsec;
} td_frame;

/* Open a capture file; "-" is stdin.  A gzip stream is recognised by its magic bytes and
 * decompressed on the fly (never to disk).  On failure returns NULL with a message in err. */
td_source *td_source_open_file(const char *path, char *err, size_t errlen);

/* What a file source does besides handing out frames. */
typedef struct td_file_config {
    /* Called with the TLS key log held by each pcapng Decryption Secrets Block (secrets type
     * "TLSK"), in file order, while the file is read: before libpcap hands out the frames that
     * follow the block.  origin names it ("x.pcapng: Decryption Secrets Block at byte 160");
     * data is valid during the call only.  NULL: blocks are not looked for (no cost at all). */
    void (*on_secrets)(void *ctx, const char *origin, const uint8_t *data, size_t len);
    void *ctx;
} td_file_config;

/* td_source_open_file with a configuration (cfg may be NULL).  A Decryption Secrets Block that is
 * inconsistent inside (secrets length beyond the block, larger than 16 MiB) is an input error:
 * td_source_next reports it after the frames before it. */
td_source *td_source_open_file_cfg(const char *path, const td_file_config *cfg, char *err, size_t errlen);

/* Next frame: 1 = got one, 0 = end of input, -1 = the input is damaged (message in err, which
 * names what is wrong; the caller adds the file name and packet number). */
int td_source_next(td_source *src, td_frame *frame, char *err, size_t errlen);

/* A BPF filter (tcpdump syntax) on a file source: only matching frames are handed out.  0, or -1
 * when the expression does not compile, -2 when it cannot be applied (libpcap's words in err). */
int td_source_set_filter(td_source *src, const char *expr, char *err, size_t errlen);

int td_source_linktype(const td_source *src);
/* Bytes of the input read so far (of the compressed stream, for gzip); *size gets the file's
 * size, or 0 when it is not a regular file (a pipe, stdin).  For a progress report. */
uint64_t td_source_position(const td_source *src, uint64_t *size);
const char *td_source_name(const td_source *src);
/* ---- live capture (source_live.c) ---------------------------------------------------------- */

typedef struct td_live_config {
    const char *iface;             /* interface name; "any" for all of them (Linux) */
    const char *filter;            /* the whole BPF program text; NULL or "" takes every packet */
    const char *user_filter;       /* the user's part of it, compiled alone first so that a
                                    * syntax error names the user's words; may be NULL */
    bool promisc;                  /* put the interface into promiscuous mode (not for "any") */
    int snaplen;                   /* bytes kept per packet; 0 = 262144 */
    unsigned buffer_kib;           /* -B: the kernel's capture buffer in KiB; 0 = 8 MiB */
    unsigned fanout_group;         /* non-zero: join this AF_PACKET fanout group (flow hash) and
                                    * leave the filter to td_source_install_filter, so that no
                                    * packet reaches two members while the group forms */
} td_live_config;

/* Open an interface for capture (packets handed over within 100 ms, nanosecond timestamps where
 * the platform has them, non-blocking reads) and install the filter.  On failure returns NULL with a message
 * in err that says what to do (no such interface, no permission, bad filter...).  On success err
 * holds libpcap's warning, if any (e.g. promiscuous mode not supported), else "". */
td_source *td_source_open_live(const td_live_config *cfg, char *err, size_t errlen);

/* Every frame waiting in the capture buffer, at most max of them (max <= 0: all), each handed
 * to fn; waits at most wait_ms for the first.  One call per wakeup instead of one per frame: a
 * busy link is read a block at a time.  Returns the number of frames handed over (0 = nothing
 * came in time, or a signal arrived), -2 = stopped by td_source_break, -1 = capture error. */
typedef void (*td_frame_fn)(void *user, const td_frame *frame);
int td_source_dispatch(td_source *src, int max, td_frame_fn fn, void *user, int wait_ms, char *err, size_t errlen);

/* Install cfg's filter on a source opened with a fanout group (see td_live_config). */
bool td_source_install_filter(td_source *src, const td_live_config *cfg, char *err, size_t errlen);

/* Make the next td_source_dispatch return -2.  Async-signal-safe (pcap_breakloop). */
void td_source_break(td_source *src);

/* The kernel's counts since the capture started: packets that passed the filter and packets
 * lost before tlsdiag could read them (capture buffer full, plus the interface's own drops).
 * false if the platform cannot tell. */
bool td_source_live_stats(td_source *src, uint64_t *received, uint64_t *dropped);

/* The libpcap handle, for pcap_dump_open and statistics. */
struct pcap *td_source_pcap(td_source *src);
void td_source_close(td_source *src);

#endif
