/* quic_seal.h - test-only QUIC packet sealing: the AEAD, then header protection (RFC 9001 5.3, 5.4), for long and short headers, and Retry integrity tags (5.8).
 *
 * The other half of dissectors/quic/quic_protect.c and quic_retry.c, which only open: the unit
 * tests build protected packets with it from quic_keys (quic_initial_keys, quic_secret_keys).
 * Checked against RFC 9001 and RFC 9369 Appendix A, byte for byte (test_quic_conn.c).  Every
 * packet is appended to a buf; the Length field of a long header is always a 2-byte varint (as in
 * the RFC samples), so a sealed long-header packet is at most 16383 bytes past its header. */
#ifndef TLSDIAG_QUIC_SEAL_H
#define TLSDIAG_QUIC_SEAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "bytebuf.h"
#include "dissectors/quic/quic_int.h"

/* A varint in its shortest form (RFC 9000 16), or in exactly `size` bytes (1, 2, 4, 8). */
static inline void qs_varint_n(buf *b, uint64_t v, unsigned size)
{
    static const uint8_t top[9] = { 0, 0x00, 0x40, 0, 0x80, 0, 0, 0, 0xc0 };
    for (unsigned i = 0; i < size; i++) {
        uint8_t x = (uint8_t)(v >> (8 * (size - 1 - i)));
        put8(b, i == 0 ? (unsigned)(x | top[size]) : x);
    }
}

static inline void qs_varint(buf *b, uint64_t v)
{
    qs_varint_n(b, v, v < 64 ? 1 : v < 16384 ? 2 : v < (1u << 30) ? 4 : 8);
}

/* What a packet's header says; type is QUIC_PT_INITIAL, _0RTT, _HANDSHAKE or _SHORT. */
typedef struct qs_hdr {
    uint8_t type;
    uint32_t version;                          /* long headers: v1, v2 or a draft */
    const uint8_t *dcid, *scid, *token;
    size_t dcid_len, scid_len, token_len;
    unsigned pn_len;                           /* 1..4 bytes of the packet number on the wire */
    bool key_phase;                            /* short headers */
} qs_hdr;

static inline const char *qs_aead_name(const quic_keys *k)
{
    return k->aead == QUIC_CHACHA20_POLY1305 ? "ChaCha20-Poly1305" : k->aead == QUIC_AES_256_GCM ? "AES-256-GCM"
                                                                                                : "AES-128-GCM";
}

/* AEAD seal: ct gets n bytes of ciphertext then the 16-byte tag.  Nonce = iv XOR pn. */
static inline bool qs_aead(const quic_keys *k, uint64_t pn, const uint8_t *ad, size_t ad_len, const uint8_t *pt,
                           size_t n, uint8_t *ct)
{
    uint8_t nonce[12];
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++) nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, qs_aead_name(k), NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0;
    bool ok = c && x && EVP_EncryptInit_ex2(x, c, k->key, nonce, NULL) > 0 &&
              EVP_EncryptUpdate(x, NULL, &len, ad, (int)ad_len) > 0 && (len = 0) == 0 &&
              (n == 0 || EVP_EncryptUpdate(x, ct, &len, pt, (int)n) > 0) &&
              EVP_EncryptFinal_ex(x, ct + len, &fin) > 0 &&
              EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, ct + n) > 0;
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(c);
    return ok;
}

/* The 5-byte header protection mask of a 16-byte sample: AES-ECB, or ChaCha20 with the sample as
 * counter and nonce (RFC 9001 5.4.3, 5.4.4). */
static inline bool qs_hp_mask(const quic_keys *k, const uint8_t *sample, uint8_t mask[5])
{
    static const uint8_t zeros[16];
    uint8_t block[16];
    bool chacha = k->aead == QUIC_CHACHA20_POLY1305;
    const char *name = chacha ? "ChaCha20" : k->aead == QUIC_AES_256_GCM ? "AES-256-ECB" : "AES-128-ECB";
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int n = 0;
    bool ok = c && x && EVP_EncryptInit_ex2(x, c, k->hp, chacha ? sample : NULL, NULL) > 0 &&
              EVP_CIPHER_CTX_set_padding(x, 0) > 0 &&
              EVP_EncryptUpdate(x, block, &n, chacha ? zeros : sample, chacha ? 5 : 16) > 0;
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(c);
    if (ok) memcpy(mask, block, 5);
    return ok;
}

/* The first byte's type bits: v2 numbers the long types differently (RFC 9369 3.2). */
static inline unsigned qs_type_bits(uint32_t version, unsigned type)
{
    return version == TD_QUIC_V2 ? (type + 1) & 3 : type & 3;
}

/* The unprotected header, packet number included; *pn_off: where the packet number starts. */
static inline void qs_header(buf *b, const qs_hdr *h, uint64_t pn, size_t plen, size_t *pn_off)
{
    unsigned pl = h->pn_len ? h->pn_len : 2;
    if (h->type == QUIC_PT_SHORT) {
        put8(b, 0x40 | (h->key_phase ? 0x04 : 0) | (pl - 1));
        put(b, h->dcid, h->dcid_len);
    } else {
        put8(b, 0xc0 | qs_type_bits(h->version, h->type) << 4 | (pl - 1));
        put32(b, h->version);
        put8(b, (unsigned)h->dcid_len);
        put(b, h->dcid, h->dcid_len);
        put8(b, (unsigned)h->scid_len);
        put(b, h->scid, h->scid_len);
        if (h->type == QUIC_PT_INITIAL) {
            qs_varint(b, h->token_len);
            put(b, h->token, h->token_len);
        }
        qs_varint_n(b, pl + plen + 16, 2);
    }
    *pn_off = b->n;
    for (unsigned i = 0; i < pl; i++) put8(b, (unsigned)(pn >> (8 * (pl - 1 - i))));
}

/* Seal payload[0..plen) as packet number pn under header h with keys k; the packet is appended
 * to out.  Returns its length, 0 when it cannot be sealed (no sample: pad the payload). */
static inline size_t qs_seal(const quic_keys *k, const qs_hdr *h, uint64_t pn, const uint8_t *payload, size_t plen,
                             buf *out)
{
    buf p = { 0 };
    size_t pn_off = 0;
    qs_header(&p, h, pn, plen, &pn_off);
    size_t hl = p.n, pl = hl - pn_off;
    if (pl + plen + 16 < 4 + 16) {             /* the sample is 16 bytes from pn_off + 4 */
        bfree(&p);
        return 0;
    }
    uint8_t zero[16] = { 0 };
    for (size_t left = plen + 16; left;) {
        size_t n = left < sizeof zero ? left : sizeof zero;
        put(&p, zero, n);
        left -= n;
    }
    uint8_t mask[5];
    bool ok = qs_aead(k, pn, p.p, hl, payload, plen, p.p + hl) && qs_hp_mask(k, p.p + pn_off + 4, mask);
    if (ok) {
        p.p[0] ^= mask[0] & (h->type == QUIC_PT_SHORT ? 0x1f : 0x0f);
        for (size_t i = 0; i < pl; i++) p.p[pn_off + i] ^= mask[1 + i];
        put(out, p.p, p.n);
    }
    size_t n = ok ? p.n : 0;
    bfree(&p);
    return n;
}

/* A Retry (RFC 9000 17.2.5) answering a client whose first DCID was odcid, with its integrity tag:
 * AES-128-GCM under the version's fixed key and nonce over the Retry Pseudo-Packet (RFC 9001 5.8,
 * RFC 9369 3.3.3).  Returns the packet's length. */
static inline size_t qs_retry(uint32_t version, const uint8_t *odcid, size_t odcid_len, const uint8_t *dcid,
                              size_t dcid_len, const uint8_t *scid, size_t scid_len, const uint8_t *token,
                              size_t token_len, buf *out)
{
    static const uint8_t key_v1[16] = { 0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a,
                                        0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68, 0xc8, 0x4e };
    static const uint8_t nonce_v1[12] = { 0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb };
    static const uint8_t key_v2[16] = { 0x8f, 0xb4, 0xb0, 0x1b, 0x56, 0xac, 0x48, 0xe2,
                                        0x60, 0xfb, 0xcb, 0xce, 0xad, 0x7c, 0xcc, 0x92 };
    static const uint8_t nonce_v2[12] = { 0xd8, 0x69, 0x69, 0xbc, 0x2d, 0x7c, 0x6d, 0x99, 0x90, 0xef, 0xb0, 0x4a };
    buf pseudo = { 0 };
    put8(&pseudo, (unsigned)odcid_len);
    put(&pseudo, odcid, odcid_len);
    size_t start = pseudo.n;
    put8(&pseudo, 0xc0 | qs_type_bits(version, QUIC_PT_RETRY) << 4 | 0x0f);
    put32(&pseudo, version);
    put8(&pseudo, (unsigned)dcid_len);
    put(&pseudo, dcid, dcid_len);
    put8(&pseudo, (unsigned)scid_len);
    put(&pseudo, scid, scid_len);
    put(&pseudo, token, token_len);
    quic_keys k;
    memset(&k, 0, sizeof k);
    k.aead = QUIC_AES_128_GCM;
    memcpy(k.key, version == TD_QUIC_V2 ? key_v2 : key_v1, 16);
    memcpy(k.iv, version == TD_QUIC_V2 ? nonce_v2 : nonce_v1, 12);
    uint8_t tag[16];
    size_t n = 0;
    if (qs_aead(&k, 0, pseudo.p, pseudo.n, NULL, 0, tag)) {
        put(out, pseudo.p + start, pseudo.n - start);
        put(out, tag, 16);
        n = pseudo.n - start + 16;
    }
    bfree(&pseudo);
    return n;
}

#endif
