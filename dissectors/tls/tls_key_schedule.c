/* tls_key_schedule.c - key derivation for TLS record protection, through OpenSSL's KDFs.
 *
 * The TLS 1.2 PRF and key block (RFC 5246 5, 6.3), TLS 1.3's HKDF-Expand-Label, traffic keys and
 * KeyUpdate (RFC 8446 7).  No cryptography is written here; no I/O, no global state. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "dissectors/tls/tls_key_schedule.h"

static bool kdf(const char *name, OSSL_PARAM *params, uint8_t *out, size_t out_len)
{
    EVP_KDF *k = EVP_KDF_fetch(NULL, name, NULL);
    if (!k) return false;
    EVP_KDF_CTX *c = EVP_KDF_CTX_new(k);
    bool ok = c && EVP_KDF_derive(c, out, out_len, params) > 0;
    EVP_KDF_CTX_free(c);
    EVP_KDF_free(k);
    return ok;
}

bool td_hkdf_expand_label(const char *digest, const uint8_t *secret, size_t secret_len,
                          const char *label, const uint8_t *context, size_t context_len,
                          uint8_t *out, size_t out_len)
{
    /* struct { uint16 length; opaque label<7..255> = "tls13 " + label; opaque context<0..255>; } */
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t ll = 6 + strlen(label);
    if (ll > 255 || context_len > 255 || out_len > 0xffff) return false;
    size_t n = 0;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)ll;
    memcpy(info + n, "tls13 ", 6);
    memcpy(info + n + 6, label, ll - 6);
    n += ll;
    info[n++] = (uint8_t)context_len;
    if (context_len) memcpy(info + n, context, context_len);
    n += context_len;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
        OSSL_PARAM_construct_end(),
    };
    return kdf("HKDF", p, out, out_len);
}

bool td_tls_prf(const char *digest, const uint8_t *secret, size_t secret_len, const char *label,
                const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
    uint8_t buf[256];
    size_t ll = strlen(label);
    if (ll + seed_len > sizeof buf) return false;
    memcpy(buf, label, ll);
    memcpy(buf + ll, seed, seed_len);
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, buf, ll + seed_len),
        OSSL_PARAM_construct_end(),
    };
    return kdf("TLS1-PRF", p, out, out_len);
}

bool td_tls12_key_block(const char *prf_digest, const uint8_t master[48], const uint8_t client_random[32],
                        const uint8_t server_random[32], uint8_t *out, size_t need)
{
    uint8_t seed[64];
    memcpy(seed, server_random, 32);
    memcpy(seed + 32, client_random, 32);
    return td_tls_prf(prf_digest, master, 48, "key expansion", seed, 64, out, need);
}

bool td_tls13_traffic_keys(const char *digest, const uint8_t *secret, size_t secret_len,
                           uint8_t *key, size_t key_len, uint8_t iv[12])
{
    return td_hkdf_expand_label(digest, secret, secret_len, "key", NULL, 0, key, key_len) &&
           td_hkdf_expand_label(digest, secret, secret_len, "iv", NULL, 0, iv, 12);
}

bool td_tls13_next_secret(const char *digest, const uint8_t *secret, size_t secret_len, uint8_t *next)
{
    return td_hkdf_expand_label(digest, secret, secret_len, "traffic upd", NULL, 0, next, secret_len);
}
