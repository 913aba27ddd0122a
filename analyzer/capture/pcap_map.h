/* pcap_map.h - a reader of classic pcap and pcapng records over bytes already in memory (a
 * window of the file: a large read(2) buffer, or the whole file memory-mapped): each packet is
 * handed out as a pointer into those bytes, never copied.  A pure parser
 * (analyzer/capture/pcap_map.c): no I/O, no global state, every length checked against the bytes
 * there.  A record that runs past the window asks for more input (TD_MAP_MORE) unless the window
 * ends at the end of the file.
 *
 * It is the file source's fast path (analyzer/capture/source_map.c) and deliberately narrower
 * than libpcap: it reads what libpcap reads in the same way, and stops (TD_MAP_STOP, with why)
 * at the first record it does not read exactly as libpcap would - damage of any kind (truncated
 * record, block lengths that disagree, a capture length over the snapshot length or beyond its
 * block, a packet on an interface never described), and the rare legal things it leaves to
 * libpcap (sections of another byte order, an interface of another link type, oversized blocks).
 * The caller then hands the rest of the file to libpcap, at the same packet, so that what is
 * reported (and in which words) is libpcap's. */
#ifndef TLSDIAG_PCAP_MAP_H
#define TLSDIAG_PCAP_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct td_map_packet {
    const uint8_t *data;           /* caplen bytes inside the mapped input */
    uint32_t caplen, len;
    uint64_t ts_sec;               /* as libpcap opened with nanosecond precision gives them */
    uint32_t ts_nsec;
} td_map_packet;

/* One pcapng interface: how its timestamps become seconds and nanoseconds. */
typedef struct td_map_iface {
    uint64_t tsresol;              /* timestamp units a second */
    int64_t tsoffset;              /* seconds added (if_tsoffset) */
    bool binary;                   /* tsresol is a power of 2 */
} td_map_iface;

enum {
    TD_MAP_ERROR = -2,             /* the DSB hook failed: the caller's error */
    TD_MAP_STOP = -1,              /* not read here: hand over to libpcap at this packet */
    TD_MAP_END = 0,
    TD_MAP_PACKET = 1,
    TD_MAP_MORE = 2,               /* the next record runs past the window: td_map_window with more */
};

/* Called with each pcapng Decryption Secrets Block (type 0x0000000A), its bytes [start, end) of
 * the file (file offsets; the block is whole in the window); returns false to end the read with
 * TD_MAP_ERROR. */
typedef bool (*td_map_dsb_fn)(void *ctx, uint64_t start, uint64_t end);

typedef struct td_map_reader {
    const uint8_t *base;           /* the window: size bytes of the file from window_off */
    uint64_t size;
    uint64_t window_off;
    bool eof;                      /* the window ends where the file ends */
    uint64_t pos;                  /* the next record's offset in the window */
    uint64_t record;               /* offset (in the window) of the record last read */
    uint64_t ahead;                /* offset (in the window) up to which the bytes were prefetched */
    uint64_t packets;              /* packet records read (the first packet after a stop is packets + 1) */
    bool pcapng;
    bool swapped;                  /* the file's (or section's) byte order is not the host's */
    bool nsec;                     /* classic pcap: nanosecond magic */
    int dlt;                       /* libpcap's link type for the file (from its first IDB) */
    uint32_t snapshot;             /* libpcap's snapshot length for the file */
    bool seen_idb;                 /* pcapng: an IDB was read (later ones must agree with it) */
    td_map_iface *ifaces;          /* pcapng: the current section's interfaces */
    uint32_t ifcount, ifcap;
    td_map_dsb_fn on_dsb;
    void *ctx;
    char why[160];                 /* after TD_MAP_STOP: what made the reader stop */
} td_map_reader;

/* Start reading base[0..size), the file's first bytes (all of it when eof): a classic pcap (version 2.4, micro- or nanosecond magic, either
 * byte order) or pcapng (first Section Header Block) whose header libpcap has already accepted,
 * giving dlt and snapshot (pcap_datalink, pcap_snapshot).  false (with why) if the file is not
 * one this reader takes from its start: the caller uses libpcap for all of it. */
bool td_map_init(td_map_reader *r, const uint8_t *base, uint64_t size, bool eof, int dlt, uint32_t snapshot);
/* After TD_MAP_MORE: the next window, which starts at the file offset of the record asked for
 * (window_off + pos of the last one) and holds more bytes; eof when it reaches the file's end. */
void td_map_window(td_map_reader *r, const uint8_t *base, uint64_t size, uint64_t offset, bool eof);
/* The next packet: TD_MAP_PACKET, TD_MAP_END at a clean end, TD_MAP_MORE, TD_MAP_STOP or
 * TD_MAP_ERROR.  A packet's data stays valid while the window does. */
int td_map_next(td_map_reader *r, td_map_packet *pkt);
void td_map_free(td_map_reader *r);

#endif
