/* quic_int.h - what the QUIC dissector's files share: variable-length integers, packet headers,
 * packet protection keys (Initial from the Destination Connection ID, others from a key log's
 * secrets), header protection and AEAD removal, Retry integrity, frames and CRYPTO reassembly.
 *
 * RFC 9000 (QUIC v1 transport), RFC 9001 (QUIC-TLS: keys and protection), RFC 9369 (QUIC v2).
 * Everything here is pure: no I/O, no global state; every length is checked against the bytes
 * really there.  The per-connection state machine that uses it is quic_conn.c (quic.h). */
#ifndef TLSDIAG_QUIC_INT_H
#define TLSDIAG_QUIC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissectors/cursor.h"

#define TD_QUIC_V1 0x00000001u
#define TD_QUIC_V2 0x6b3343cfu
#define TD_QUIC_MAX_CID 20                  /* RFC 9000 17.2: v1 connection IDs are at most 20 bytes */

/* ---- variable-length integers (RFC 9000 16): quic_packet.c ------------------------------------ */
/* Read one varint (1, 2, 4 or 8 bytes); sets c->bad and returns 0 when cut short. */
uint64_t quic_varint(cursor *c);

/* ---- packet headers (RFC 9000 17, RFC 9369 3.2): quic_packet.c ------------------------------- */
typedef enum quic_ptype {
    QUIC_PT_INITIAL = 0, QUIC_PT_0RTT, QUIC_PT_HANDSHAKE, QUIC_PT_RETRY,   /* the v1 meanings */
    QUIC_PT_VN,                             /* Version Negotiation (long header, version 0) */
    QUIC_PT_SHORT,                          /* 1-RTT (short header) */
    QUIC_PT_UNKNOWN_VERSION,                /* long header of a version we do not know: only the
                                               version and the connection IDs are read */
} quic_ptype;

typedef struct quic_hdr {
    uint8_t type;                           /* quic_ptype (v2's type bits already mapped to v1's) */
    uint8_t first;                          /* the first byte as sent (still header-protected) */
    uint32_t version;                       /* 0 for a short header */
    uint8_t dcid[TD_QUIC_MAX_CID], scid[TD_QUIC_MAX_CID];
    uint8_t dcid_len, scid_len;
    const uint8_t *token;                   /* Initial: the token; Retry: the Retry Token */
    size_t token_len;
    size_t pn_offset;                       /* Initial/0-RTT/Handshake/short: where the (protected)
                                               packet number starts, from the packet's first byte */
    size_t packet_len;                      /* bytes of this packet in the datagram: for Initial/0-RTT/
                                               Handshake the header plus its Length field; Retry, VN
                                               and short headers run to the datagram's end */
    const uint8_t *vn_versions;             /* Version Negotiation: the list (4 bytes each) */
    size_t n_vn_versions;
} quic_hdr;

/* Parse the packet header at data[0..len).  A short header's DCID length is not on the wire:
 * short_dcid_len says it (the connection's own CID length).  Returns false when the header lies
 * (a length past the datagram, a CID over 20 bytes ...).  The fixed bit may be clear (greased, RFC 9287). */
bool quic_parse_header(const uint8_t *data, size_t len, size_t short_dcid_len, quic_hdr *h);
/* Does this datagram start with a QUIC long header (fixed bit set, a version field)? */
bool quic_looks_long(const uint8_t *data, size_t len);

/* ---- keys (RFC 9001 5, RFC 9369 3.3): quic_keys.c -------------------------------------------- */
typedef enum quic_aead { QUIC_AES_128_GCM = 0, QUIC_AES_256_GCM, QUIC_CHACHA20_POLY1305 } quic_aead;
typedef struct quic_keys {
    uint8_t aead;                           /* quic_aead */
    uint8_t key[32], iv[12], hp[32];
    uint8_t key_len;                        /* 16 or 32; hp is as long */
    bool set;
} quic_keys;

/* Is this a version whose Initial salt we know (v1, v2, and the drafts 29..34 = 0xff00001d..22:
 * 29..32 with draft-29's salt, 33 and 34 with v1's)? */
bool quic_version_known(uint32_t version);
/* The Initial keys of both sides from the client's first Destination Connection ID (or, after a
 * Retry, the Retry's Source Connection ID). */
bool quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, quic_keys *client,
                       quic_keys *server);
/* Keys of a TLS traffic secret (from the key log) for TLS cipher suite `suite` (0x1301 AES-128-GCM,
 * 0x1302 AES-256-GCM, 0x1303 ChaCha20-Poly1305): "quic key"/"quic iv"/"quic hp" (v2: "quicv2 ...").
 * False for any other suite. */
bool quic_secret_keys(uint32_t version, uint16_t suite, const uint8_t *secret, size_t secret_len,
                      quic_keys *out);

/* ---- packet protection (RFC 9001 5.3, 5.4): quic_protect.c --------------------------------- */
/* Remove header protection and the AEAD of one Initial/0-RTT/Handshake/short packet:
 * pkt[0..h->packet_len) is the packet as sent (not modified).  largest_pn is the largest packet
 * number seen so far in this packet-number space (-1 as UINT64_MAX: none), for decoding the
 * truncated number (RFC 9000 A.3).  On success writes the packet number, the frames (plaintext)
 * into out (at most out_cap bytes; out_cap >= h->packet_len is always enough) and their length,
 * and the unprotected first byte (key phase bit for short headers), and returns true; false when
 * the packet is too short for a sample or the tag does not verify (never parse it then). */
bool quic_unprotect(const quic_keys *k, const uint8_t *pkt, const quic_hdr *h, uint64_t largest_pn,
                    uint64_t *pn, uint8_t *first, uint8_t *out, size_t out_cap, size_t *out_len);

/* ---- Retry (RFC 9001 5.8, RFC 9369 3.3.3): quic_retry.c ---------------------------------------- */
/* Does the Retry packet retry[0..len) carry a valid integrity tag for original DCID odcid? */
bool quic_retry_valid(uint32_t version, const uint8_t *odcid, size_t odcid_len, const uint8_t *retry,
                      size_t len);

/* ---- frames (RFC 9000 12.4, 19): quic_frames.c -------------------------------------------- */
typedef struct quic_close {
    bool seen;
    bool app;                               /* 0x1d: application close; 0x1c: transport */
    uint64_t code;                          /* error code; 0x0100..0x01ff: TLS alert (code - 0x100) */
    uint64_t frame_type;                    /* 0x1c only: the frame type that caused it */
    char reason[128];                       /* reason phrase, printable ASCII ('?' for others), cut */
} quic_close;

/* What a packet's frames said; CRYPTO data goes to the callback as it is met. */
typedef struct quic_frames_out {
    uint32_t padding_bytes, pings, acks, crypto_frames, other_frames;
    bool handshake_done;                    /* HANDSHAKE_DONE (0x1e) */
    bool ack_eliciting;
    quic_close close;                       /* the packet's CONNECTION_CLOSE, if any */
    uint64_t largest_acked;                 /* of the last ACK frame */
    bool has_ack;
} quic_frames_out;

typedef void (*quic_crypto_fn)(void *ctx, uint64_t offset, const uint8_t *data, size_t len);

/* Walk the frames of one decrypted packet.  Unknown frame types stop the walk (their length is
 * not knowable) and are counted in other_frames; STREAM/DATAGRAM/... of known layout are skipped.
 * Returns false when a frame's lengths lie (what came before is kept in *out). */
bool quic_frames(const uint8_t *p, size_t len, quic_crypto_fn crypto, void *ctx, quic_frames_out *out);

/* The same, with STREAM frames' data (RFC 9000 19.8) to `stream` as they are met (not reassembled). */
typedef void (*quic_stream_fn)(void *ctx, uint64_t stream_id, uint64_t offset, const uint8_t *data, size_t len,
                               bool fin);
bool quic_frames_streams(const uint8_t *p, size_t len, quic_crypto_fn crypto, quic_stream_fn stream, void *ctx,
                         quic_frames_out *out);

/* ---- HTTP/3 (RFC 9114, QPACK RFC 9204): quic_http3.c ------------------------------------------ */
/* The first bytes of a request stream (client-initiated bidirectional): if they begin a HEADERS
 * frame whose field section names, from QPACK's static table or a plain literal, a :status (from
 * the server) or a :method and :path (from the client), write "HTTP/3 200" or "HTTP/3 GET /x" into
 * out and return the status (100..599) or 1 for a request; else 0.  Dynamic-table references are
 * skipped; Huffman-coded values are read for :status only (digits). */
int quic_http3_headers(const uint8_t *data, size_t len, char *out, size_t outlen);

/* ---- transport parameters (RFC 9000 18): quic_tp.c ------------------------------------------- */
/* Read a transport-parameter block (the quic_transport_parameters extension's body) into *tp
 * (zeroed first; seen set; malformed when a length lies, what came before kept). */
struct td_quic_tp;
void quic_transport_params(const uint8_t *p, size_t len, struct td_quic_tp *tp);

/* ---- CRYPTO stream reassembly (RFC 9000 19.6): quic_crypto_stream.c ---------------------------- */
/* One packet-number space, one direction: CRYPTO frames arrive at any offset, in any order,
 * overlapping; bytes are handed on in order, exactly once.  Held out-of-order bytes are capped
 * (cap given at init); data beyond the cap, or at absurd offsets (>= 2^62 or past cap from the
 * delivered point), is dropped and `over_cap` set. */
typedef struct quic_crypto_stream {
    uint64_t delivered;                     /* bytes handed on so far (the next offset wanted) */
    uint8_t *buf;                           /* heap, cap bytes: window [delivered, delivered + cap) */
    uint8_t *have;                          /* heap bitmap over the window, one bit per byte */
    size_t cap;
    size_t held;                            /* bytes held in the window */
    bool over_cap;
} quic_crypto_stream;

void quic_crypto_init(quic_crypto_stream *s, size_t cap);
/* Add data at offset; call deliver(ctx, bytes, n) for each run that becomes contiguous. */
void quic_crypto_add(quic_crypto_stream *s, uint64_t offset, const uint8_t *data, size_t len,
                     void (*deliver)(void *ctx, const uint8_t *p, size_t n), void *ctx);
void quic_crypto_free(quic_crypto_stream *s);

#endif
