/* tls_quic_entry.c - the TLS handshake parser entered without a record layer: QUIC's CRYPTO bytes and the TLS alerts its CONNECTION_CLOSE carries. */
#include "dissectors/tls/tls_stream_int.h"

void td_tls_stream_crypto(td_tls_stream *s, int dir, const uint8_t *data, size_t n, bool decrypted,
                          uint64_t packet, double ts)
{
    if (!s || dir < 0 || dir > 1 || !n) return;
    size_t ev0 = s->t->n_events;
    /* QUIC authenticates what it carries: no plausibility test on the bytes, as for a record
     * opened with the key log (wire = false). */
    tls_hs_feed(s, dir, data, n, false, packet, ts);
    if (decrypted)
        for (size_t i = ev0; i < s->t->n_events; i++) s->t->events[i].flags |= TD_EVF_DECRYPTED;
}

void td_tls_stream_quic_alert(td_tls_stream *s, int dir, uint8_t code, bool decrypted, uint64_t packet,
                              double ts)
{
    if (!s || dir < 0 || dir > 1) return;
    size_t ev0 = s->t->n_events;
    tls_add_alert(s, dir, 2, code, false, packet, ts);     /* a CONNECTION_CLOSE is always fatal */
    if (decrypted)
        for (size_t i = ev0; i < s->t->n_events; i++) s->t->events[i].flags |= TD_EVF_DECRYPTED;
}
