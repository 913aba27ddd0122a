/* source_int.h - struct td_source, shared by the capture-file source (source_file.c) and the
 * live-capture source (source_live.c).  td_source_next, td_source_close and the accessors in
 * source_file.c work for both: a live source leaves fp and in NULL. */
#ifndef TLSDIAG_SOURCE_PRIV_H
#define TLSDIAG_SOURCE_PRIV_H

#include <signal.h>
#include <stdio.h>

#include <pcap/pcap.h>

#include "analyzer/capture/source.h"

/* The input stream of a file source (source_file.c): the file descriptor, the two peeked magic
 * bytes, the zlib state for gzip input and the first input error (which libpcap cannot see: it
 * only gets a short read). */
struct td_instream;

struct td_source {
    pcap_t *pcap;                  /* the libpcap handle, file or live */
    FILE *fp;                      /* files: the fopencookie stream libpcap reads; once pcap
                                    * is open, pcap_close() closes it.  NULL for live */
    struct td_instream *in;        /* files: that stream's state; NULL for live */
    char *name;                    /* path, "stdin" or the interface name (malloc'ed) */
    struct td_mapsrc *map;         /* files: the memory-mapped reader (source_map.c) while it
                                    * reads; NULL for libpcap's path and for live */
    /* Live capture (source_live.c). */
    bool live;
    bool usec_ts;                  /* live: the platform gave microsecond timestamps, not nano */
    int fd;                        /* live: pcap_get_selectable_fd, or -1 (then poll by sleeping) */
    volatile sig_atomic_t stop;    /* live: td_source_break was called (from a signal handler) */
};

/* printf into an error buffer of errlen bytes (err may be NULL). */
void td_source_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
