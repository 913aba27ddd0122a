/* source_map_int.h - the file source's fast path (analyzer/capture/source_map.c): a regular,
 * uncompressed pcap or pcapng file read in large windows (a read buffer, or a memory map) and
 * parsed in place by pcap_map.h, each frame a pointer into the window.  source_file.c opens it when it can and, when the mapped reader stops
 * (damage, or a record it leaves to libpcap), reopens the file through libpcap, skips the frames
 * already read and goes on from there. */
#ifndef TLSDIAG_SOURCE_MAP_INT_H
#define TLSDIAG_SOURCE_MAP_INT_H

#include <stddef.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "analyzer/capture/source.h"

struct td_mapsrc;

/* Read the file open on fd (not closed; read with pread only, so its offset does not move),
 * memory-mapped if use_mmap; NULL if it is not for the fast path (not a regular file, cannot be
 * read or mapped, a header libpcap refuses, a format variant the in-place reader leaves to
 * libpcap): the caller reads it through libpcap from the start. */
struct td_mapsrc *td_mapsrc_open(int fd, const char *name, const td_file_config *cfg, bool use_mmap);
/* 1 = a frame, 0 = end, -1 = an input error (in err: a bad Decryption Secrets Block), -2 = hand
 * over to libpcap (the reason in td_mapsrc_why). */
int td_mapsrc_next(struct td_mapsrc *m, td_frame *frame, char *err, size_t errlen);
/* Compile a BPF filter on libpcap's handle for the file; the frames that do not match are
 * skipped.  false with libpcap's message if it does not compile. */
bool td_mapsrc_set_filter(struct td_mapsrc *m, const char *expr, char *err, size_t errlen);
/* For a hand-over: packet records read (matching the filter or not), the input offset below
 * which every Decryption Secrets Block was handed out, the filter (NULL if none). */
uint64_t td_mapsrc_packets(const struct td_mapsrc *m);
uint64_t td_mapsrc_secrets_done(const struct td_mapsrc *m);
struct bpf_program *td_mapsrc_filter(struct td_mapsrc *m);
const char *td_mapsrc_why(const struct td_mapsrc *m);
int td_mapsrc_linktype(const struct td_mapsrc *m);
uint64_t td_mapsrc_position(const struct td_mapsrc *m, uint64_t *size);
pcap_t *td_mapsrc_pcap(struct td_mapsrc *m);
void td_mapsrc_close(struct td_mapsrc *m);

#endif
