/* quic_keys.c - QUIC packet protection keys: the Initial keys from a Destination Connection ID,
 * and the keys of a TLS traffic secret.
 *
 * RFC 9001 5.1 (key, iv, hp from a secret with HKDF-Expand-Label and the "quic key"/"quic iv"/
 * "quic hp" labels), 5.2 (Initial secrets: HKDF-Extract with the version's salt over the client's
 * first DCID, then "client in"/"server in"); RFC 9369 3.3.1-3.3.2 (v2's salt and "quicv2 ..."
 * labels).  The drafts: 29..32 used draft-29's salt; 33 and 34 already had v1's final values
 * (draft-ietf-quic-tls-34 C.1: "Added final values for Initial key derivation").  The labels get
 * the "tls13 " prefix from td_hkdf_expand_label.  No I/O, no global state. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "dissectors/quic/quic_int.h"
#include "dissectors/tls/tls_key_schedule.h"

static const uint8_t salt_v1[20] = {         /* RFC 9001 5.2; also drafts 33 and 34 */
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};
static const uint8_t salt_v2[20] = {         /* RFC 9369 3.3.1 */
    0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
};
static const uint8_t salt_draft29[20] = {    /* draft-ietf-quic-tls-29 5.2; drafts 29..32 */
    0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
    0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99,
};

bool quic_version_known(uint32_t version)
{
    return version == TD_QUIC_V1 || version == TD_QUIC_V2 ||
           (version >= 0xff00001du && version <= 0xff000022u);
}

static const uint8_t *initial_salt(uint32_t version)
{
    if (version == TD_QUIC_V2) return salt_v2;
    if (version >= 0xff00001du && version <= 0xff000020u) return salt_draft29;
    return salt_v1;
}

/* key, iv and hp of one secret (RFC 9001 5.1), with v2's labels for v2. */
static bool expand_keys(uint32_t version, const char *digest, const uint8_t *secret, size_t secret_len,
                        quic_aead aead, size_t key_len, quic_keys *out)
{
    bool v2 = version == TD_QUIC_V2;
    memset(out, 0, sizeof *out);
    bool ok = td_hkdf_expand_label(digest, secret, secret_len, v2 ? "quicv2 key" : "quic key", NULL, 0,
                                   out->key, key_len) &&
              td_hkdf_expand_label(digest, secret, secret_len, v2 ? "quicv2 iv" : "quic iv", NULL, 0,
                                   out->iv, sizeof out->iv) &&
              td_hkdf_expand_label(digest, secret, secret_len, v2 ? "quicv2 hp" : "quic hp", NULL, 0,
                                   out->hp, key_len);
    if (!ok) {
        OPENSSL_cleanse(out, sizeof *out);
        return false;
    }
    out->aead = (uint8_t)aead;
    out->key_len = (uint8_t)key_len;
    out->set = true;
    return true;
}

/* initial_secret = HKDF-Extract(salt, dcid) with SHA-256 (RFC 5869 2.2). */
static bool hkdf_extract(const uint8_t salt[20], const uint8_t *ikm, size_t ikm_len, uint8_t out[32])
{
    static const uint8_t none[1];
    int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(ikm_len ? ikm : none), ikm_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, 20),
        OSSL_PARAM_construct_end(),
    };
    EVP_KDF *k = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *c = k ? EVP_KDF_CTX_new(k) : NULL;
    bool ok = c && EVP_KDF_derive(c, out, 32, p) > 0;
    EVP_KDF_CTX_free(c);
    EVP_KDF_free(k);
    return ok;
}

/* One side's Initial keys from the initial secret: "client in" or "server in", then key/iv/hp. */
static bool initial_side(uint32_t version, const uint8_t initial[32], const char *label, quic_keys *out)
{
    uint8_t secret[32];
    bool ok = td_hkdf_expand_label("SHA256", initial, 32, label, NULL, 0, secret, sizeof secret) &&
              expand_keys(version, "SHA256", secret, sizeof secret, QUIC_AES_128_GCM, 16, out);
    OPENSSL_cleanse(secret, sizeof secret);
    return ok;
}

bool quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, quic_keys *client,
                       quic_keys *server)
{
    if (client) memset(client, 0, sizeof *client);
    if (server) memset(server, 0, sizeof *server);
    if (!quic_version_known(version) || dcid_len > TD_QUIC_MAX_CID || (dcid_len && !dcid)) return false;
    uint8_t initial[32];
    bool ok = hkdf_extract(initial_salt(version), dcid, dcid_len, initial) &&
              (!client || initial_side(version, initial, "client in", client)) &&
              (!server || initial_side(version, initial, "server in", server));
    OPENSSL_cleanse(initial, sizeof initial);
    if (!ok) {
        if (client) memset(client, 0, sizeof *client);
        if (server) memset(server, 0, sizeof *server);
    }
    return ok;
}

/* The secret must be as long as its suite's hash: a key log line of another suite gives false. */
bool quic_secret_keys(uint32_t version, uint16_t suite, const uint8_t *secret, size_t secret_len,
                      quic_keys *out)
{
    memset(out, 0, sizeof *out);
    if (!secret) return false;
    switch (suite) {
    case 0x1301:
        return secret_len == 32 && expand_keys(version, "SHA256", secret, 32, QUIC_AES_128_GCM, 16, out);
    case 0x1302:
        return secret_len == 48 && expand_keys(version, "SHA384", secret, 48, QUIC_AES_256_GCM, 32, out);
    case 0x1303:
        return secret_len == 32 &&
               expand_keys(version, "SHA256", secret, 32, QUIC_CHACHA20_POLY1305, 32, out);
    default:
        return false;
    }
}
