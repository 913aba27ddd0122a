/* quic_protect.c - removes QUIC packet protection: header protection, the packet number, the AEAD.
 *
 * RFC 9001 5.3 (AEAD: nonce = iv XOR packet number, associated data = the unprotected header,
 * 16-byte tag), 5.4 (header protection: a 16-byte sample 4 bytes past the packet number's start,
 * AES-ECB or ChaCha20 makes a 5-byte mask over the first byte's low 4 (long) or 5 (short) bits
 * and the packet number); RFC 9000 17.1 and A.3 (decoding the truncated packet number).  The
 * packet is never written and never read past h->packet_len.  OpenSSL's ciphers are fetched per
 * call: no global state. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "dissectors/quic/quic_int.h"

#define PN_LIMIT ((uint64_t)1 << 62)         /* packet numbers are below 2^62 (RFC 9000 12.3) */
#define TAG_LEN 16
#define SAMPLE_LEN 16

/* RFC 9000 A.3: the full packet number nearest the one expected after largest (UINT64_MAX:
 * none yet, so 0 is expected). */
static uint64_t decode_pn(uint64_t largest, uint64_t truncated, unsigned nbits)
{
    uint64_t expected = largest == UINT64_MAX ? 0 : largest >= PN_LIMIT - 1 ? PN_LIMIT : largest + 1;
    uint64_t win = (uint64_t)1 << nbits, hwin = win / 2, mask = win - 1;
    uint64_t candidate = (expected & ~mask) | truncated;
    if (candidate + hwin <= expected && candidate < PN_LIMIT - win) return candidate + win;
    if (candidate > expected + hwin && candidate >= win) return candidate - win;
    return candidate;
}

/* The 5-byte header protection mask from the sample (RFC 9001 5.4.3, 5.4.4).  ChaCha20's 16-byte
 * IV in OpenSSL is the 4-byte little-endian counter then the 12-byte nonce: the sample as it is. */
static bool hp_mask(const quic_keys *k, const uint8_t sample[SAMPLE_LEN], uint8_t mask[5])
{
    static const uint8_t zeros[5];
    uint8_t block[SAMPLE_LEN];
    const char *name = k->aead == QUIC_CHACHA20_POLY1305 ? "ChaCha20"
                     : k->aead == QUIC_AES_256_GCM ? "AES-256-ECB" : "AES-128-ECB";
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    bool ok = cipher && ctx && (int)k->key_len == EVP_CIPHER_get_key_length(cipher);
    if (ok && k->aead == QUIC_CHACHA20_POLY1305)
        ok = EVP_EncryptInit_ex2(ctx, cipher, k->hp, sample, NULL) > 0 &&
             EVP_EncryptUpdate(ctx, block, &n, zeros, sizeof zeros) > 0 && n == 5;
    else if (ok)
        ok = EVP_EncryptInit_ex2(ctx, cipher, k->hp, NULL, NULL) > 0 &&
             EVP_CIPHER_CTX_set_padding(ctx, 0) > 0 &&
             EVP_EncryptUpdate(ctx, block, &n, sample, SAMPLE_LEN) > 0 && n == SAMPLE_LEN;
    if (ok) memcpy(mask, block, 5);
    OPENSSL_cleanse(block, sizeof block);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
    return ok;
}

/* One AEAD open: the associated data in three pieces (the unprotected first byte, the header's
 * middle as sent, the unprotected packet number), then the ciphertext and the tag. */
typedef struct aead_in {
    const uint8_t *nonce;
    uint8_t first;
    const uint8_t *mid;
    size_t mid_len;
    const uint8_t *pn;
    size_t pn_len;
    const uint8_t *ct;
    size_t ct_len;
    const uint8_t *tag;
} aead_in;

static bool aead_open(const quic_keys *k, const aead_in *a, uint8_t *out)
{
    const char *name = k->aead == QUIC_CHACHA20_POLY1305 ? "ChaCha20-Poly1305"
                     : k->aead == QUIC_AES_256_GCM ? "AES-256-GCM" : "AES-128-GCM";
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0;
    bool ok = cipher && ctx && (int)k->key_len == EVP_CIPHER_get_key_length(cipher) &&
              EVP_DecryptInit_ex2(ctx, cipher, k->key, a->nonce, NULL) > 0 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, (void *)a->tag) > 0 &&
              EVP_DecryptUpdate(ctx, NULL, &n, &a->first, 1) > 0 &&
              (a->mid_len == 0 || EVP_DecryptUpdate(ctx, NULL, &n, a->mid, (int)a->mid_len) > 0) &&
              EVP_DecryptUpdate(ctx, NULL, &n, a->pn, (int)a->pn_len) > 0;
    n = 0;
    if (ok && a->ct_len) ok = EVP_DecryptUpdate(ctx, out, &n, a->ct, (int)a->ct_len) > 0;
    ok = ok && EVP_DecryptFinal_ex(ctx, out + n, &fin) > 0 && (size_t)n + (size_t)fin == a->ct_len;
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
    if (!ok) OPENSSL_cleanse(out, a->ct_len);     /* never hand on unauthenticated plaintext */
    return ok;
}

static bool protected_type(uint8_t t)
{
    return t == QUIC_PT_INITIAL || t == QUIC_PT_0RTT || t == QUIC_PT_HANDSHAKE || t == QUIC_PT_SHORT;
}

bool quic_unprotect(const quic_keys *k, const uint8_t *pkt, const quic_hdr *h, uint64_t largest_pn,
                    uint64_t *pn, uint8_t *first, uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (out_len) *out_len = 0;
    if (!k || !k->set || !pkt || !h || !protected_type(h->type) || h->pn_offset < 1) return false;
    size_t plen = h->packet_len, off = h->pn_offset;
    if (off > plen || plen - off < 4 + SAMPLE_LEN) return false;   /* too short for a sample */
    uint8_t mask[5];
    if (!hp_mask(k, pkt + off + 4, mask)) return false;
    uint8_t b0 = (uint8_t)(pkt[0] ^ (mask[0] & (h->type == QUIC_PT_SHORT ? 0x1f : 0x0f)));
    size_t pn_len = (size_t)(b0 & 3) + 1;
    if (plen - off < pn_len + TAG_LEN) return false;
    uint8_t pnb[4];
    uint64_t truncated = 0;
    for (size_t i = 0; i < pn_len; i++) {
        pnb[i] = (uint8_t)(pkt[off + i] ^ mask[1 + i]);
        truncated = truncated << 8 | pnb[i];
    }
    uint64_t full = decode_pn(largest_pn, truncated, (unsigned)(8 * pn_len));
    size_t ct_len = plen - off - pn_len - TAG_LEN;
    if (!out || ct_len > out_cap || plen > (size_t)INT32_MAX) return false;
    uint8_t nonce[12];
    memcpy(nonce, k->iv, sizeof nonce);
    for (int i = 0; i < 8; i++) nonce[11 - i] ^= (uint8_t)(full >> (8 * i));
    aead_in a = { nonce, b0, pkt + 1, off - 1, pnb, pn_len, pkt + off + pn_len, ct_len,
                  pkt + plen - TAG_LEN };
    if (!aead_open(k, &a, out)) return false;
    if (pn) *pn = full;
    if (first) *first = b0;
    if (out_len) *out_len = ct_len;
    return true;
}
