/* stream_parser.c - where the engine chooses the parser for a connection's bytes: the TLS
 * stream parser (dissectors/tls/tls_stream.c) for TCP, the QUIC connection parser
 * (dissectors/quic/quic_conn.c) for UDP datagrams, behind td_stream_ops. */
#include "analyzer/flow/engine_int.h"
#include "dissectors/quic/quic.h"

static void tls_data(void *s, int dir, const uint8_t *data, size_t len, uint64_t packet, double ts)
{
    td_tls_stream_data(s, dir, data, len, packet, ts);
}

static void tls_gap(void *s, int dir, uint64_t bytes, uint64_t packet, double ts)
{
    td_tls_stream_gap(s, dir, bytes, packet, ts);
}

static void tls_end(void *s) { td_tls_stream_end(s); }
static void tls_free(void *s) { td_tls_stream_free(s); }

static const td_stream_ops tls_ops = { tls_data, tls_gap, tls_end, tls_free };

void *td_stream_parser_new(td_transcript *t, td_x509_cache *x509, td_fp_memo *fp, struct td_keylog *k,
                           bool k_grows, const td_stream_ops **ops)
{
    td_tls_stream *s = td_tls_stream_new(t);
    *ops = &tls_ops;
    if (!s) return NULL;
    td_tls_stream_set_x509_cache(s, x509);
    td_tls_stream_set_fp_memo(s, fp);
    if (k) td_tls_stream_set_keylog(s, k, k_grows);
    return s;
}

static void quic_data(void *s, int dir, const uint8_t *data, size_t len, uint64_t packet, double ts)
{
    td_quic_conn_datagram(s, dir, data, len, packet, ts);
}

static void quic_gap(void *s, int dir, uint64_t bytes, uint64_t packet, double ts)
{
    (void)s, (void)dir, (void)bytes, (void)packet, (void)ts;   /* datagrams have no gaps */
}

static void quic_end(void *s) { td_quic_conn_end(s); }
static void quic_free(void *s) { td_quic_conn_free(s); }

static const td_stream_ops quic_ops = { quic_data, quic_gap, quic_end, quic_free };

void *td_quic_parser_new(td_transcript *t, td_x509_cache *x509, struct td_keylog *k, const td_stream_ops **ops)
{
    *ops = &quic_ops;
    return td_quic_conn_new(t, x509, k);
}
