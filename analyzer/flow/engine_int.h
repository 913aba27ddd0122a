/* engine_int.h - what the engine's files share: the engine's state and each file's calls.
 * Those files are: connection lifetimes, TCP state, client/server roles, the reorder heap, the
 * stream parser, the TLS not followed.  Internal to analyzer/flow. */
#ifndef TLSDIAG_ENGINE_INT_H
#define TLSDIAG_ENGINE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/flow/engine.h"
#include "analyzer/flow/flow_int.h"
#include "analyzer/flow/tls_ports.h"
#include "analyzer/flow/stream_ops.h"
#include "dissectors/dissect.h"

#define TD_CLOSE_LINGER 1.0        /* seconds of capture time a closed connection waits for stragglers */
#define TD_REORDER_MAX 256         /* finished connections held behind an open one before they pass it */

/* ---- the reorder heap (analyzer/flow/reorder_heap.c) ---------------------------------------- */

/* A finished connection in the reorder heap, its key beside it: the heap is sifted without
 * touching the connections themselves (thousands of them, each a cache miss). */
typedef struct td_reorder_slot {
    uint64_t order;
    td_conn *c;
} td_reorder_slot;

/* Finished connections waiting for their turn: a min-heap on creation order. */
typedef struct td_reorder {
    td_reorder_slot *slot;
    size_t n, cap;
    const td_conn *prefetched;     /* the top when its parts were last prefetched */
} td_reorder;

/* Hold c; false (c not held) when memory runs out. */
bool td_reorder_push(td_reorder *h, td_conn *c);
/* Take the connection first in creation order (h->n > 0), asking ahead for what the next ones
 * out will need (see reorder_heap.c). */
td_conn *td_reorder_pop(td_reorder *h);
void td_reorder_free(td_reorder *h);

/* Ask the caches for n bytes at p ahead of their use: only a hint. */
static inline void td_prefetch(const void *p, size_t n)
{
    const char *b = p;
    for (size_t i = 0; i < n; i += 64) __builtin_prefetch(b + i);
    /* gcc 12 removes loops whose only effect is a prefetch, and calls to functions with no
     * other effect; an empty asm statement that may touch memory keeps them. */
    __asm__ volatile("" : : : "memory");
}

/* ---- the engine ----------------------------------------------------------------------------- */

/* QUIC connection IDs to their connections (analyzer/flow/quic_cids.c). */
struct td_quic_cid_entry;
typedef struct td_quic_cid_index {
    struct td_quic_cid_entry **buckets;   /* NULL until the first CID */
    uint32_t len_mask;                    /* bit L: some CID of L bytes is held */
} td_quic_cid_index;

struct td_engine {
    bool ordered;
    size_t reorder_max;            /* TD_REORDER_MAX, or TLSDIAG_REORDER_MAX (for the tests) */
    td_emit_fn emit;
    td_pass_fn pass;               /* NULL: passed connections just go out later */
    void *ctx;
    td_flow_table flows;
    const char *file;
    int linktype;
    uint64_t next_order;           /* creation order of the next connection */
    td_conn *born_first, *born_last;   /* open connections, oldest creation first */
    td_conn *pass_mark;            /* the newest of them passed (conn_lifetimes.c), or before it */
    uint64_t emitted;              /* connections output so far: the last id given */
    td_reorder held;               /* finished, waiting for their turn */
    const td_conn *prefetched_closed;  /* the oldest closed connection when last prefetched */
    double now;
    bool flushing;                 /* end of input: every open connection is being finished */
    td_engine_stats st;
    td_x509_cache *x509;           /* certificate summaries shared by all connections (may be NULL) */
    td_fp_memo *fp;                /* the fingerprints' digests, shared likewise (may be NULL) */
    struct td_keylog *keylog;      /* --keylog (NULL: no decryption, no cost) */
    bool keylog_grows;             /* live: keys may come after the records that need them */
    td_engine_config cfg;          /* a copy: the caller's may go */
    td_quic_cid_index cids;        /* QUIC: the connection IDs of open connections */
};

/* ---- connection lifetimes (analyzer/flow/conn_lifetimes.c) ---------------------------------- */

/* The connection a TCP packet with no connection starts, or NULL (a stray ACK, FIN or RST, not a
 * port we follow, out of memory); *dir gets the packet's direction. */
td_conn *td_conn_create(td_engine *e, const td_pkt *p, uint32_t hash, uint64_t number, double ts,
                        int *dir);
/* The stream parser for c (with t.tls), from its first payload byte or gap on; the connection
 * may have moved.  Still without one (c->stream NULL) when memory runs out. */
td_conn *td_conn_need_stream(td_engine *e, td_conn *c);
/* c has ended: flush it, and emit it now or when its turn comes. */
void td_conn_finish(td_engine *e, td_conn *c);
/* A new connection of packet p, its roles decided (TCP: td_conn_create; QUIC: quic_flows.c). */
td_conn *td_conn_begin(td_engine *e, const td_pkt *p, uint32_t hash, uint64_t number, double ts,
                       bool src_is_client, bool guessed, bool on_tls_port);
/* -A: c turned out not to be TLS: forget it, unreported. */
void td_conn_discard(td_engine *e, td_conn *c);
/* End the closed connections whose linger is over, the unanswered attempts whose client has given
 * up and, with an idle timeout, the idle ones. */
void td_conns_sweep(td_engine *e, double now);
/* After each TCP packet of c: is it (still) an unanswered attempt, and on which list. */
void td_conn_attempt_update(td_engine *e, td_conn *c);
/* c was due to end by a clock (linger, attempt, idle timeout) before `now`, a packet's time (the
 * sweep had not run since, as in a shard it may not have): end it as of then; true if it ended. */
bool td_conn_end_if_due(td_engine *e, td_conn *c, double now);
/* End of input: end every connection still open. */
void td_conns_finish_all(td_engine *e);
/* Each connection still open (closed or not), in no particular order: f(c). */
void td_conns_each_open(td_engine *e, void (*f)(td_conn *));
/* Emit the finished connections whose turn has come (all: every one held). */
void td_conns_release(td_engine *e, bool all);

/* ---- TCP state (analyzer/flow/tcp_state.c) -------------------------------------------------- */

/* SYN, SYN-ACK and the handshake's ACK: the transcript's TCP facts, reassembly's start. */
void td_tcp_follow_flags(td_conn *c, int dir, const td_pkt *p, uint64_t number, double ts);
/* RST or FIN: how the connection closed; closed connections move to the table's closed list. */
void td_tcp_follow_close(td_flow_table *ft, td_conn *c, int dir, const td_pkt *p, uint64_t number,
                         double ts);

/* ---- what the path did (analyzer/flow/tcp_path.c) ------------------------------------------- */

/* A SYN or SYN-ACK: its MSS, window scale and TTL into td_tcp. */
void td_path_syn(td_conn *c, int dir, const td_pkt *p);
/* Every packet of a connection with payload so far (before reassembly sees it): td_path. */
void td_path_packet(td_conn *c, int dir, const td_pkt *p, uint64_t number, double ts);
/* The same packet after reassembly and its acknowledgement. */
void td_path_after(td_conn *c, int dir, const td_pkt *p, uint64_t number, double ts);

/* ---- client and server (analyzer/flow/conn_roles.c) ----------------------------------------- */

/* Is the sender of p (a packet starting a connection) its client?  From the SYN, else the TLS
 * port, else a ClientHello or ServerHello, else the higher port; *guessed unless from the SYN. */
bool td_conn_src_is_client(const td_pkt *p, const td_port_set *tls_ports, bool *guessed);

/* ---- TLS not followed (analyzer/flow/untracked_tls.c) --------------------------------------- */

/* A TCP connection on a port that is not a TLS port starts with a TLS record: counted by port. */
void td_count_tls_elsewhere(td_engine_stats *st, uint16_t port);
/* A UDP datagram on a TLS port (QUIC, DTLS), or one that starts with a DTLS record: counted. */
void td_count_udp(td_engine_stats *st, const td_port_set *tls_ports, const td_pkt *p);

/* ---- QUIC (analyzer/flow/quic_flows.c, quic_cids.c) ------------------------------------------ */

/* A UDP datagram: to its QUIC connection (a new one if it is a client's Initial on a port we
 * follow).  False when it is not one we follow. */
bool td_quic_datagram(td_engine *e, const td_pkt *p, uint64_t number, double ts);
/* An ICMP port unreachable quoting datagram p: noted on its QUIC connection, if there is one. */
void td_quic_icmp_unreachable(td_engine *e, const td_pkt *p, uint64_t number, double ts);
/* The CID index: c's peers' CIDs added once known, removed when c ends; a short-header datagram's
 * connection by its Destination CID (*dir its direction). */
void td_quic_cids_learn(td_engine *e, td_conn *c);
void td_quic_cids_forget(td_engine *e, td_conn *c);
td_conn *td_quic_cids_find(td_engine *e, const uint8_t *d, size_t len, int *dir);
void td_quic_cids_free(td_engine *e);

/* ---- the stream parser (analyzer/flow/stream_parser.c) -------------------------------------- */

/* The parser a connection's bytes go to (the TLS stream parser, writing into *t), or NULL when
 * memory runs out; *ops gets how to talk to it.  x509, fp and k may be NULL. */
void *td_stream_parser_new(td_transcript *t, td_x509_cache *x509, td_fp_memo *fp, struct td_keylog *k,
                           bool k_grows, const td_stream_ops **ops);
/* The same for a QUIC connection: its datagrams go to `data` whole, one call each. */
void *td_quic_parser_new(td_transcript *t, td_x509_cache *x509, struct td_keylog *k, const td_stream_ops **ops);

#endif
