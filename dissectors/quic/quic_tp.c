/* quic_tp.c - QUIC transport parameters (RFC 9000 18): the block a ClientHello or EncryptedExtensions carries, read into the few values a diagnosis needs. */
#include <string.h>

#include "dissectors/quic/quic_int.h"
#include "include/transcript.h"

enum {
    TP_ORIGINAL_DCID = 0x00, TP_MAX_IDLE_TIMEOUT = 0x01, TP_MAX_UDP_PAYLOAD = 0x03, TP_INITIAL_MAX_DATA = 0x04,
    TP_INITIAL_MAX_STREAMS_BIDI = 0x08, TP_DISABLE_MIGRATION = 0x0c, TP_ACTIVE_CID_LIMIT = 0x0e,
    TP_INITIAL_SCID = 0x0f, TP_RETRY_SCID = 0x10, TP_VERSION_INFORMATION = 0x11, TP_GREASE_QUIC_BIT = 0x2ab2,
};

static void cid(td_quic_cid *c, cursor v)
{
    size_t n = cur_left(&v);
    c->len = (uint8_t)(n > TD_QUIC_CID_MAX ? TD_QUIC_CID_MAX : n);
    memcpy(c->b, v.p, c->len);
}

/* One parameter's value (its bytes in v). */
static void param(td_quic_tp *tp, uint64_t id, cursor v)
{
    switch (id) {
    case TP_ORIGINAL_DCID: cid(&tp->original_dcid, v); tp->has_original_dcid = true; return;
    case TP_INITIAL_SCID: cid(&tp->initial_scid, v); return;
    case TP_RETRY_SCID: cid(&tp->retry_scid, v); tp->has_retry_scid = true; return;
    case TP_DISABLE_MIGRATION: tp->disable_active_migration = true; return;
    case TP_GREASE_QUIC_BIT: tp->grease_quic_bit = true; return;
    case TP_VERSION_INFORMATION: tp->version_information = true; return;
    default: break;
    }
    uint64_t x = quic_varint(&v);
    if (v.bad) return;
    switch (id) {
    case TP_MAX_IDLE_TIMEOUT: tp->max_idle_timeout_ms = x; break;
    case TP_MAX_UDP_PAYLOAD: tp->max_udp_payload_size = x; break;
    case TP_INITIAL_MAX_DATA: tp->initial_max_data = x; break;
    case TP_INITIAL_MAX_STREAMS_BIDI: tp->initial_max_streams_bidi = x; break;
    case TP_ACTIVE_CID_LIMIT: tp->active_connection_id_limit = x; break;
    default: break;
    }
}

void quic_transport_params(const uint8_t *p, size_t len, td_quic_tp *tp)
{
    memset(tp, 0, sizeof *tp);
    tp->seen = true;
    cursor c = cur_make(p, len);
    while (!cur_empty(&c)) {
        uint64_t id = quic_varint(&c), n = quic_varint(&c);
        if (c.bad || n > cur_left(&c)) {
            tp->malformed = true;
            return;
        }
        cursor v = cur_make(cur_bytes(&c, (size_t)n), (size_t)n);
        if (tp->count < UINT16_MAX) tp->count++;
        param(tp, id, v);
    }
}
