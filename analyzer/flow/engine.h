/* engine.h - frames in, finished transcripts out: decode, flow table, reassembly and the TLS
 * stream parser, connection lifetimes (close, idle timeout, eviction) and report order. */
#ifndef TLSDIAG_ENGINE_H
#define TLSDIAG_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer/capture/source.h"
#include "analyzer/flow/tls_ports.h"
#include "include/transcript.h"

typedef struct td_engine td_engine;

/* What the engine is told: which connections to follow and how long to keep them (the run layer
 * fills it from the command line, analyzer/run/run_engine_config.c). */
typedef struct td_engine_config {
    td_port_set tls_ports;         /* -P: the TLS server ports */
    bool any_port;                 /* -A: also any other TCP port whose first bytes are TLS */
    td_port_set proxy_ports;       /* HTTP proxies: followed when the client's first bytes are a CONNECT */
    double idle_timeout;           /* seconds of capture time without a packet; 0 = none */
    size_t max_connections;        /* open connections at most (the oldest idle one ends); 0 = no cap */
    unsigned shard_k, shard_n;     /* only host pairs in hash shard k of n (n = 0: all) */
} td_engine_config;

/* Called once per finished connection; the transcript is freed after it returns. */
typedef void (*td_emit_fn)(void *ctx, td_transcript *t);
/* Called, in order of first packet, for each open connection that finished ones must go out
 * before (TD_REORDER_MAX of them wait behind it already): its id is given now, and its transcript
 * comes later with that id, after connections with higher ids.  `withdrawn`: it ended without a
 * transcript after all (memory ran out). */
typedef void (*td_pass_fn)(void *ctx, uint64_t id, double start, bool withdrawn);

typedef struct td_engine_stats {
    uint64_t packets;              /* frames seen, all files */
    uint64_t tcp_packets;
    uint64_t quic_packets;         /* UDP datagrams read as QUIC */
    uint64_t undecoded;            /* malformed frames */
    uint64_t not_tcp;
    uint64_t truncated;            /* TCP payload cut by the snap length */
    uint64_t length_lies;          /* IP length larger than a frame that was not cut */
    uint64_t connections;          /* reported */
    uint64_t evicted;
    size_t peak_open;
    /* What a capture held besides connections (analyzer/run/run_notes.c says why there are none). */
    uint64_t tls_port_flows;       /* connections begun on a TLS port (-P), reported or not */
    uint64_t udp_tls_port;         /* UDP datagrams to or from a TLS port: QUIC or DTLS */
    uint64_t dtls_other;           /* UDP datagrams on other ports that start with a DTLS record */
    struct { uint16_t port; uint64_t initials; } quic_elsewhere[4];   /* QUIC client Initials on other UDP ports */
    struct { uint16_t port; uint64_t packets; } tls_elsewhere[8];   /* TCP packets on other ports */
    uint64_t tls_elsewhere_more;   /* that start with a TLS record, by server port; past the 8 */
} td_engine_stats;

/* The engine keeps a copy of *cfg.  ordered: emit connections in the order they started (files);
 * else as they finish (live). */
td_engine *td_engine_new(const td_engine_config *cfg, bool ordered, td_emit_fn emit, void *ctx);
/* Tell ctx (td_engine_new's) of the connections passed, so that it can keep their place. */
void td_engine_on_pass(td_engine *e, td_pass_fn pass);
/* A new input: packet numbers restart at 1; `name` must outlive the file's connections. */
void td_engine_begin_file(td_engine *e, const char *name, int linktype);
/* One frame; `number` is its 1-based position in the file.  Returns a static string naming the
 * problem if the frame was malformed (counted; skipped unless the problem could be worked
 * around), else NULL. */
const char *td_engine_frame(td_engine *e, const td_frame *f, uint64_t number);
/* Finish connections idle for longer than the idle timeout at time `now` (live mode). */
void td_engine_expire(td_engine *e, double now);
/* End of a file (or of the capture): every open connection is finished and emitted. */
void td_engine_end_file(td_engine *e);
/* Mark all open connections as having possibly lost packets (the kernel dropped some). */
void td_engine_mark_drops(td_engine *e);
const td_engine_stats *td_engine_get_stats(const td_engine *e);
size_t td_engine_open_connections(const td_engine *e);
void td_engine_free(td_engine *e);
/* Decrypt with key log k (not owned; it must outlive the engine): connections created from now
 * on use it.  grows: it is being written while we read (live), so records wait a little for it. */
struct td_keylog;
void td_engine_set_keylog(td_engine *e, struct td_keylog *k, bool grows);

#endif
