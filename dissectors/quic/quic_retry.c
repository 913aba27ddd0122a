/* quic_retry.c - checks a QUIC Retry packet's integrity tag against the original DCID.
 *
 * RFC 9001 5.8: the tag is AEAD_AES_128_GCM with a fixed key and nonce over an empty plaintext,
 * the associated data being the Retry Pseudo-Packet (the original DCID's length byte, the
 * original DCID, then the Retry packet without its tag).  The fixed key and nonce are the
 * version's: v1's (RFC 9001 5.8, also drafts 33 and 34, whose values were already final), v2's
 * (RFC 9369 3.3.3) and draft-29's (draft-ietf-quic-tls-29 5.8, drafts 29..32).  No I/O, no
 * global state. */
#include <openssl/evp.h>

#include "dissectors/quic/quic_int.h"

static const uint8_t key_v1[16] = {
    0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a, 0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68, 0xc8, 0x4e,
};
static const uint8_t nonce_v1[12] = {
    0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb,
};
static const uint8_t key_v2[16] = {
    0x8f, 0xb4, 0xb0, 0x1b, 0x56, 0xac, 0x48, 0xe2, 0x60, 0xfb, 0xcb, 0xce, 0xad, 0x7c, 0xcc, 0x92,
};
static const uint8_t nonce_v2[12] = {
    0xd8, 0x69, 0x69, 0xbc, 0x2d, 0x7c, 0x6d, 0x99, 0x90, 0xef, 0xb0, 0x4a,
};
static const uint8_t key_draft29[16] = {
    0xcc, 0xce, 0x18, 0x7e, 0xd0, 0x9a, 0x09, 0xd0, 0x57, 0x28, 0x15, 0x5a, 0x6c, 0xb9, 0x6b, 0xe1,
};
static const uint8_t nonce_draft29[12] = {
    0xe5, 0x49, 0x30, 0xf9, 0x7f, 0x21, 0x36, 0xf0, 0x53, 0x0a, 0x8c, 0x1c,
};

bool quic_retry_valid(uint32_t version, const uint8_t *odcid, size_t odcid_len, const uint8_t *retry,
                      size_t len)
{
    const uint8_t *key = key_v1, *nonce = nonce_v1;
    if (version == TD_QUIC_V2) {
        key = key_v2;
        nonce = nonce_v2;
    } else if (version >= 0xff00001du && version <= 0xff000020u) {
        key = key_draft29;
        nonce = nonce_draft29;
    } else if (!quic_version_known(version)) {
        return false;
    }
    if (!retry || len < 16 || len - 16 > (size_t)INT32_MAX || odcid_len > TD_QUIC_MAX_CID ||
        (odcid_len && !odcid))
        return false;
    uint8_t odcid_len8 = (uint8_t)odcid_len, none[1];
    int n = 0;
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    bool ok = cipher && ctx && EVP_DecryptInit_ex2(ctx, cipher, key, nonce, NULL) > 0 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, (void *)(retry + len - 16)) > 0 &&
              EVP_DecryptUpdate(ctx, NULL, &n, &odcid_len8, 1) > 0 &&
              (odcid_len == 0 || EVP_DecryptUpdate(ctx, NULL, &n, odcid, (int)odcid_len) > 0) &&
              (len == 16 || EVP_DecryptUpdate(ctx, NULL, &n, retry, (int)(len - 16)) > 0) &&
              EVP_DecryptFinal_ex(ctx, none, &n) > 0;
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
    return ok;
}
