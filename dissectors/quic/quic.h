/* quic.h - one QUIC connection's datagrams in, its transcript out (dissectors/quic/quic_conn.c).
 *
 * The engine finds the connection (by its addresses, or by a connection ID after a migration) and
 * hands each UDP datagram here.  Initial packets are opened with keys derived from the client's
 * first Destination Connection ID; with a key log, Handshake and 1-RTT packets too.  CRYPTO frames
 * are reassembled per packet-number space and go through the TLS handshake parser (the same one as
 * TCP's, dissectors/tls/), so the transcript's td_tls is filled as for a TCP connection, and the
 * QUIC facts (version, connection IDs, Retry, Version Negotiation, CONNECTION_CLOSE) go to its
 * td_quic.  Pure: no I/O, no global state. */
#ifndef TLSDIAG_QUIC_H
#define TLSDIAG_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissectors/dissect.h"

struct td_keylog;
typedef struct td_quic_conn td_quic_conn;

/* Could this datagram start a QUIC connection: a long-header Initial (of any version we know, or
 * of an unknown version, which a server answers with Version Negotiation) of at least the header's
 * size?  Cheap: the engine asks it of every UDP datagram that has no connection yet. */
bool td_quic_sniff_initial(const uint8_t *data, size_t len);
/* Does the datagram start with a QUIC long header at all (any type)? */
bool td_quic_sniff_long(const uint8_t *data, size_t len);

/* A QUIC version in words: "v1", "v2", "draft-29", "0x1a2a3a4a (reserved, to force negotiation)",
 * else "0x%08x"; written into buf (>= 48 bytes), which is returned. */
const char *td_quic_version_label(uint32_t v, char *buf, size_t len);

/* One side's CONNECTION_CLOSE in words: "CONNECTION_REFUSED (0x2)", "TLS alert unknown_ca (0x130)",
 * "application error 0x10c" (written into buf, which is returned). */
const char *td_quic_close_text(const td_quic *q, int dir, char *buf, size_t len);

/* A new connection writing into t (t->quic is allocated here); certificates summarised through
 * x509 (may be NULL); k (may be NULL) opens Handshake and 1-RTT packets. */
td_quic_conn *td_quic_conn_new(td_transcript *t, td_x509_cache *x509, struct td_keylog *k);
/* One UDP datagram of the connection; dir TD_C2S or TD_S2C. */
void td_quic_conn_datagram(td_quic_conn *q, int dir, const uint8_t *data, size_t len, uint64_t packet,
                           double ts);
/* The connection IDs a short-header packet towards dir's receiver may carry: the length of the
 * CID the receiver chose (its Source Connection ID), or -1 when not yet known. */
int td_quic_conn_cid_len(const td_quic_conn *q, int dir);
/* Does a short-header datagram's DCID (its first bytes after the first byte) name this
 * connection's CID for the receiver of dir? */
bool td_quic_conn_owns_cid(const td_quic_conn *q, int dir, const uint8_t *cid, size_t len);
/* The connection is over (no more datagrams); call before reading the transcript. */
void td_quic_conn_end(td_quic_conn *q);
void td_quic_conn_free(td_quic_conn *q);
/* Bytes buffered (CRYPTO reassembly), for memory accounting. */
size_t td_quic_conn_buffered(const td_quic_conn *q);

#endif
