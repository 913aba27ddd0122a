/* stream_ops.h - what TCP reassembly hands a connection's bytes to: in-order data, a gap, the end
 * (as Zeek's DeliverStream, Undelivered and EndOfData), and freeing its state. */
#ifndef TLSDIAG_STREAM_OPS_H
#define TLSDIAG_STREAM_OPS_H

#include <stddef.h>
#include <stdint.h>

/* `stream` is the parser's state, made by whoever chose the parser (analyzer/flow/stream_parser.c);
 * dir is TD_C2S or TD_S2C, packet the frame that carried the bytes (or showed the gap). */
typedef struct td_stream_ops {
    /* In-order bytes of one direction. */
    void (*data)(void *stream, int dir, const uint8_t *data, size_t len, uint64_t packet, double ts);
    /* `bytes` bytes of this direction were never captured (0 if unknown): resync after them. */
    void (*gap)(void *stream, int dir, uint64_t bytes, uint64_t packet, double ts);
    /* The connection is over: no more data or gaps; called before free. */
    void (*end)(void *stream);
    void (*free)(void *stream);
} td_stream_ops;

#endif
