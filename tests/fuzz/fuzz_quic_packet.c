/* fuzz_quic_packet.c - the QUIC packet primitives on one hostile UDP datagram: headers of every
 * coalesced packet, Initial and secret-derived keys, header protection and AEAD removal, Retry
 * tags, frames and CRYPTO reassembly (dissectors/quic/quic_int.h).
 *
 * Input: the datagram's bytes.  Each packet's header is parsed (short headers with the first
 * packet's DCID length, else 8) and the walk advances by packet_len; the first long header's DCID
 * gives Initial keys of its version, the input's first bytes are also used as a TLS secret of each
 * QUIC suite, and every protected packet is opened with each key (the published samples that
 * make_seeds.py writes to seeds/quic_packet/ open, so their frames are walked).  Then the input
 * itself is walked as frames, CRYPTO data going into a 4096-byte reassembly.  The contracts of
 * quic_int.h are checked as it goes (abort() on a broken one). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/quic/quic_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct sink {
    quic_crypto_stream cs;
    uint64_t delivered;                        /* bytes the reassembly handed on */
} sink;

static void on_deliver(void *ctx, const uint8_t *p, size_t n)
{
    sink *s = ctx;
    if (n == 0 || !p) abort();
    volatile uint8_t touch = p[0] ^ p[n - 1];  /* the bytes must be readable */
    (void)touch;
    s->delivered += n;
}

static void on_crypto(void *ctx, uint64_t offset, const uint8_t *d, size_t len)
{
    sink *s = ctx;
    quic_crypto_add(&s->cs, offset, d, len, on_deliver, s);
    if (s->delivered != s->cs.delivered || s->cs.held > s->cs.cap) abort();
}

static void walk_frames(const uint8_t *p, size_t n, sink *s)
{
    quic_frames_out o;
    (void)quic_frames(p, n, on_crypto, s, &o);
    if (o.close.reason[sizeof o.close.reason - 1] != '\0') abort();
    for (const char *r = o.close.reason; *r; r++)
        if (*r < 0x20 || *r > 0x7e) abort();
}

static void check_header(const quic_hdr *h, size_t left)
{
    if (h->packet_len == 0 || h->packet_len > left || h->dcid_len > TD_QUIC_MAX_CID ||
        h->scid_len > TD_QUIC_MAX_CID || h->pn_offset > h->packet_len)
        abort();
    if (h->token && h->token_len > left) abort();
}

/* Open one packet with each key; a packet that opens has its frames walked. */
static void open_packet(const quic_keys *keys, size_t nkeys, const uint8_t *pkt, const quic_hdr *h,
                        uint64_t largest, sink *s)
{
    static uint8_t out[65536];
    if (h->packet_len > sizeof out) return;
    for (size_t i = 0; i < nkeys; i++) {
        uint64_t pn = 0;
        uint8_t first = 0;
        size_t n = 0;
        if (!quic_unprotect(&keys[i], pkt, h, largest, &pn, &first, out, h->packet_len, &n)) {
            if (n != 0) abort();
            continue;
        }
        if (n + h->pn_offset + 1 + 16 > h->packet_len || pn >= ((uint64_t)1 << 62) + (1u << 31)) abort();
        walk_frames(out, n, s);
    }
}

/* Keys: [0] client and [1] server Initial (set once the first long header is seen), [2..4] the
 * input's first bytes as a secret of each suite. */
static size_t secret_keys(const uint8_t *data, size_t size, quic_keys *k)
{
    static const uint16_t suites[3] = { 0x1301, 0x1302, 0x1303 };
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        size_t len = suites[i] == 0x1302 ? 48 : 32;
        uint32_t version = size > 48 && (data[48] & 1) ? TD_QUIC_V2 : TD_QUIC_V1;
        if (size >= len && quic_secret_keys(version, suites[i], data, len, &k[n])) n++;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sink s;
    memset(&s, 0, sizeof s);
    quic_crypto_init(&s.cs, 4096);
    (void)quic_looks_long(data, size);
    quic_keys keys[5];
    memset(keys, 0, sizeof keys);
    size_t nkeys = 2 + secret_keys(data, size, keys + 2), off = 0, short_len = 8;
    uint64_t largest = UINT64_MAX;
    if (size >= 8) memcpy(&largest, data + size - 8, 8);
    for (int n = 0; off < size && n < 64; n++) {
        quic_hdr h;
        if (!quic_parse_header(data + off, size - off, short_len, &h)) break;
        check_header(&h, size - off);
        if (n == 0 && h.type != QUIC_PT_SHORT) {
            (void)quic_initial_keys(h.version, h.dcid, h.dcid_len, &keys[0], &keys[1]);
            short_len = h.dcid_len;
        }
        if (h.type == QUIC_PT_RETRY)
            (void)quic_retry_valid(h.version, h.dcid, h.dcid_len, data + off, h.packet_len);
        if (h.type <= QUIC_PT_HANDSHAKE || h.type == QUIC_PT_SHORT)
            open_packet(keys, nkeys, data + off, &h, n % 2 ? largest : UINT64_MAX, &s);
        off += h.packet_len;                   /* never 0: check_header */
    }
    walk_frames(data, size, &s);
    quic_crypto_free(&s.cs);
    if (s.cs.buf || s.cs.have || s.cs.cap) abort();
    return 0;
}
