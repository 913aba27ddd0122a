/* flow_int.h - the flow layer's connections: a connection's state, the flow table, reassembly.
 * The flow table maps a 5-tuple to its connection and keeps the idle order
 * (analyzer/flow/flow_table.c); reassembly orders each direction's bytes
 * (analyzer/flow/reassembly.c).  Internal to analyzer/flow. */
#ifndef TLSDIAG_FLOW_INT_H
#define TLSDIAG_FLOW_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissectors/decode/decode.h"
#include "analyzer/flow/stream_ops.h"
#include "include/transcript.h"

/* A segment that arrived ahead of the bytes before it, held until the hole fills. */
typedef struct td_seg {
    struct td_seg *next;
    uint32_t seq;
    uint32_t len;
    uint64_t packet;
    double ts;
    uint8_t data[];
} td_seg;

typedef struct td_reasm {
    bool init;                     /* next_seq is known */
    bool fin_seen;                 /* a FIN was sent at fin_seq */
    bool fin_done;                 /* ... and the stream has reached it */
    uint32_t fin_seq;
    uint32_t next_seq;             /* next byte expected in order */
    td_seg *held;                  /* out-of-order segments, sorted by seq, non-overlapping starts */
    uint32_t held_bytes;           /* <= TD_REASM_MAX_BYTES */
    uint32_t held_count;           /* <= TD_REASM_MAX_SEGS */
} td_reasm;

/* The fields are ordered so that there is no padding before t (a connection is kept small: see
 * `small`), and so that what a lookup reads (hnext .. addr) is together. */
typedef struct td_conn {
    void *stream;                  /* the stream parser's state: NULL until the first byte or gap */
    const td_stream_ops *stream_ops;   /* ... and how it is told of them (stream_parser.c) */
    td_reasm r[2];                 /* per direction, TD_C2S / TD_S2C */
    struct td_conn *hnext;         /* hash chain */
    uint32_t hash;
    uint16_t port[2];              /* [0] client, [1] server */
    uint8_t ipver;
    bool closed;                   /* RST, or FIN both ways: waits a moment for trailing packets */
    bool passed;                   /* open when later ones went out before it: its id is given */
    bool candidate;                /* -A: not on a TLS port and not yet shown to be TLS */
    bool small;                    /* allocated without t.client, t.server and t.tls: no TLS byte
                                      yet (analyzer/flow/conn_lifetimes.c) */
    bool quic;                     /* a QUIC connection (UDP): stream is dissectors/quic/'s parser */
    uint8_t cids_indexed;          /* QUIC: bit dir: the CID dir's receiver chose is in the CID index;
                                      bit dir + 2: it was looked at (indexed or, held by another, not) */
    uint8_t attempt;               /* TCP, nothing but the client's SYNs yet: the class of its wait
                                      (1..TD_ATTEMPT_CLASSES, conn_lifetimes.c), the list it is on; 0: not */
    uint32_t syn_seq;
    uint8_t addr[2][16];           /* [0] client, [1] server */
    struct td_conn *older, *newer; /* idle order: oldest activity first */
    double last_seen;
    uint64_t order;                /* creation order: the report's order; ids are given at output */
    struct td_conn *born_prev, *born_next;  /* open connections in creation order */
    td_transcript t;               /* last, and t.client .. t.tls last in it: see `small` */
} td_conn;

/* Caps per direction for held out-of-order data; past them the hole is declared a gap. */
#define TD_REASM_MAX_BYTES (256 * 1024)
#define TD_REASM_MAX_SEGS 512

/* Unanswered connection attempts wait for their client to give up, longer the longer it has been
 * trying: one list per length of wait, so that each list's oldest end is its next due. */
#define TD_ATTEMPT_CLASSES 7

typedef struct td_flow_table {
    td_conn **buckets;
    size_t nbuckets;               /* a power of two */
    size_t count;
    td_conn *oldest, *newest;      /* open connections, by last activity */
    td_conn *closed_oldest, *closed_newest;  /* closed ones (RST, FIN both ways), lingering */
    td_conn *attempt_oldest[TD_ATTEMPT_CLASSES + 1], *attempt_newest[TD_ATTEMPT_CLASSES + 1];  /* [0] unused */
} td_flow_table;

/* A connection without t.client, t.server and t.tls (see td_conn.small; the caller sets small),
 * zeroed, and the same given them, zeroed: td_conn_grow may move it (the caller relinks it) and returns NULL,
 * leaving c as it was, when memory runs out.  Here, apart from their users, so that the compiler
 * does not see a td_conn shorter than its type. */
td_conn *td_conn_new_small(void);
td_conn *td_conn_grow(td_conn *c);

int td_flows_init(td_flow_table *ft);
void td_flows_free(td_flow_table *ft);  /* frees the table, not the connections */
uint32_t td_flow_hash(uint8_t ipver, const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp);
/* Symmetric in the two addresses, ports left out: --shard's key, so that a client's connections
 * to one server (siblings, analyzer/diagnose/siblings.c) are judged in the same process. */
uint32_t td_host_pair_hash(uint8_t ipver, const uint8_t *a, const uint8_t *b);
/* Find the connection of this packet; *dir gets the packet's direction. */
td_conn *td_flows_find(td_flow_table *ft, const td_pkt *p, uint32_t hash, int *dir);
void td_flows_insert(td_flow_table *ft, td_conn *c);
void td_flows_remove(td_flow_table *ft, td_conn *c);
void td_flows_touch(td_flow_table *ft, td_conn *c);   /* move to the newest end of the idle order */
/* Set c->closed and move c to the closed list, so that the ends of both lists are the next
 * connections due: a closed one never waits behind an open one that stays silent. */
void td_flows_mark_closed(td_flow_table *ft, td_conn *c);
/* Move c to the list of unanswered attempts of class k (0: back to the open connections), at its
 * newest end. */
void td_flows_set_attempt(td_flow_table *ft, td_conn *c, uint8_t k);

/* Reassembly: take one segment's payload in direction dir and deliver in-order bytes (and gaps)
 * to the connection's stream parser (c->stream_ops; none while c->stream is NULL).  `ack_from_peer` lets a hole that the receiver has
 * acknowledged be declared a gap at once. */
void td_reasm_segment(td_conn *c, int dir, const td_pkt *p, uint64_t packet, double ts);
void td_reasm_ack(td_conn *c, int dir, uint32_t ack, uint64_t packet, double ts);
void td_reasm_syn(td_conn *c, int dir, uint32_t seq);
void td_reasm_fin(td_conn *c, int dir, uint32_t seq_after_data);
/* Deliver everything still held, marking holes as gaps (end of connection). */
void td_reasm_flush(td_conn *c, uint64_t packet, double ts);
void td_reasm_free(td_conn *c);

#endif
