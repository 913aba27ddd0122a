/* source.h - where packets come from: capture files (pcap, pcapng, gzip-compressed, stdin) and
 * live interfaces, all through libpcap (analyzer/source_*.c). */
#ifndef TLSDIAG_SOURCE_H
#define TLSDIAG_SOURCE_H

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

/* Next frame: 1 = got one, 0 = end of input, -1 = the input is damaged (message in err, which
 * names what is wrong; the caller adds the file name and packet number). */
int td_source_next(td_source *src, td_frame *frame, char *err, size_t errlen);

int td_source_linktype(const td_source *src);
const char *td_source_name(const td_source *src);
/* The libpcap handle, for pcap_dump_open and statistics. */
struct pcap *td_source_pcap(td_source *src);
void td_source_close(td_source *src);

#endif
