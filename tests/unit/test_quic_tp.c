/* test_quic_tp.c - QUIC transport parameters read from their block: the values a diagnosis uses, the connection IDs, flags, GREASE parameters counted, and a block whose lengths lie. */
#include "check.h"
#include "dissectors/quic/quic_int.h"
#include "include/transcript.h"

TEST(values_and_ids)
{
    /* max_idle_timeout 30000 (4-byte varint 0x80007530), initial_source_connection_id 0a0b0c,
     * original_destination_connection_id 0102, a GREASE parameter 0x1b (27 + 31 * 0) of 2 bytes,
     * disable_active_migration (empty), grease_quic_bit (0x2ab2, 2-byte id 0x6ab2), active cid limit 7. */
    static const uint8_t b[] = {
        0x01, 0x04, 0x80, 0x00, 0x75, 0x30,
        0x0f, 0x03, 0x0a, 0x0b, 0x0c,
        0x00, 0x02, 0x01, 0x02,
        0x1b, 0x02, 0xaa, 0xbb,
        0x0c, 0x00,
        0x6a, 0xb2, 0x00,
        0x0e, 0x01, 0x07,
    };
    td_quic_tp tp;
    quic_transport_params(b, sizeof b, &tp);
    CHECK(tp.seen && !tp.malformed && tp.count == 7);
    CHECK(tp.max_idle_timeout_ms == 30000 && tp.active_connection_id_limit == 7);
    CHECK(tp.initial_scid.len == 3 && tp.initial_scid.b[2] == 0x0c);
    CHECK(tp.has_original_dcid && tp.original_dcid.len == 2 && tp.original_dcid.b[1] == 0x02);
    CHECK(!tp.has_retry_scid && tp.disable_active_migration && tp.grease_quic_bit);
}

TEST(lies_keep_what_came_before)
{
    static const uint8_t b[] = { 0x01, 0x01, 0x05, 0x0e, 0x09, 0x07 };   /* the second claims 9 bytes */
    td_quic_tp tp;
    quic_transport_params(b, sizeof b, &tp);
    CHECK(tp.seen && tp.malformed && tp.max_idle_timeout_ms == 5 && tp.active_connection_id_limit == 0);
    quic_transport_params(NULL, 0, &tp);
    CHECK(tp.seen && !tp.malformed && tp.count == 0);
    static const uint8_t longcid[] = { 0x0f, 0x19, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
                                       21, 22, 23, 24, 25 };
    quic_transport_params(longcid, sizeof longcid, &tp);
    CHECK(!tp.malformed && tp.initial_scid.len == TD_QUIC_CID_MAX);   /* kept to its first 20 bytes */
}

int main(void)
{
    RUN(values_and_ids);
    RUN(lies_keep_what_came_before);
    return check_done();
}
