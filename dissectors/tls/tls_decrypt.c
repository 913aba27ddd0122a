/* tls_decrypt.c - open protected TLS records with the secrets of a key log, through OpenSSL.
 *
 * TLS 1.3 (RFC 8446 7): the traffic secrets of the key log give each direction its key and IV;
 * the client's early secret for its 0-RTT data until EndOfEarlyData, then handshake secrets
 * until that side's Finished, then application secrets, then their KeyUpdate generations.  A
 * record that does not open with the current keys is tried with the next ones (a server that
 * refused the early data, a Finished lost in a gap) before it counts as failed.  TLS 1.2 and
 * earlier (RFC 5246 6.3): the master secret gives the key block; AEAD suites (GCM, CCM,
 * ChaCha20-Poly1305) and CBC (AES, Camellia, 3DES) with HMAC, MAC-then-encrypt or
 * encrypt-then-MAC (RFC 7366).  The keys are derived in tls_key_schedule.c.  No cryptography is
 * written here: OpenSSL's AEAD and CBC ciphers and its HMAC do the work.  A record that fails
 * authentication is reported to the caller, never trusted. */
#include <string.h>
#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "dissectors/dissect.h"
#include "dissectors/tls/tls_decrypt.h"
#include "dissectors/tls/tls_key_schedule.h"

typedef enum { K_GCM, K_CHACHA, K_CCM, K_CCM8, K_CBC } aead_kind;
typedef enum { B_AES, B_CAMELLIA, B_3DES } cbc_cipher;   /* the block cipher of a K_CBC suite */

typedef struct suite_info {
    uint16_t id;
    uint8_t kind;                          /* aead_kind */
    uint8_t key_len;
    uint8_t mac_len;                       /* CBC: HMAC length (20 SHA-1, 32 SHA-256, 48 SHA-384) */
    bool sha384;                           /* PRF / HKDF hash SHA-384 (else SHA-256) */
    uint8_t cbc;                           /* K_CBC: cbc_cipher (AES unless given) */
} suite_info;

static const suite_info suites[] = {
    /* TLS 1.3 */
    { 0x1301, K_GCM, 16, 0, false, B_AES }, { 0x1302, K_GCM, 32, 0, true, B_AES },
    { 0x1303, K_CHACHA, 32, 0, false, B_AES }, { 0x1304, K_CCM, 16, 0, false, B_AES },
    { 0x1305, K_CCM8, 16, 0, false, B_AES },
    /* TLS 1.2 AES-GCM: RSA, DHE-RSA, DH, ECDHE-ECDSA, ECDH-ECDSA, ECDHE-RSA, ECDH-RSA */
    { 0x009C, K_GCM, 16, 0, false, B_AES }, { 0x009D, K_GCM, 32, 0, true, B_AES },
    { 0x009E, K_GCM, 16, 0, false, B_AES }, { 0x009F, K_GCM, 32, 0, true, B_AES },
    { 0x00A2, K_GCM, 16, 0, false, B_AES }, { 0x00A3, K_GCM, 32, 0, true, B_AES },
    { 0xC02B, K_GCM, 16, 0, false, B_AES }, { 0xC02C, K_GCM, 32, 0, true, B_AES },
    { 0xC02D, K_GCM, 16, 0, false, B_AES }, { 0xC02E, K_GCM, 32, 0, true, B_AES },
    { 0xC02F, K_GCM, 16, 0, false, B_AES }, { 0xC030, K_GCM, 32, 0, true, B_AES },
    { 0xC031, K_GCM, 16, 0, false, B_AES }, { 0xC032, K_GCM, 32, 0, true, B_AES },
    /* ChaCha20-Poly1305 (RFC 7905) */
    { 0xCCA8, K_CHACHA, 32, 0, false, B_AES }, { 0xCCA9, K_CHACHA, 32, 0, false, B_AES },
    { 0xCCAA, K_CHACHA, 32, 0, false, B_AES },
    /* AES-CCM (RFC 6655, 7251) */
    { 0xC09C, K_CCM, 16, 0, false, B_AES }, { 0xC09D, K_CCM, 32, 0, false, B_AES },
    { 0xC09E, K_CCM, 16, 0, false, B_AES }, { 0xC09F, K_CCM, 32, 0, false, B_AES },
    { 0xC0A0, K_CCM8, 16, 0, false, B_AES }, { 0xC0A1, K_CCM8, 32, 0, false, B_AES },
    { 0xC0A2, K_CCM8, 16, 0, false, B_AES }, { 0xC0A3, K_CCM8, 32, 0, false, B_AES },
    { 0xC0AC, K_CCM, 16, 0, false, B_AES }, { 0xC0AD, K_CCM, 32, 0, false, B_AES },
    { 0xC0AE, K_CCM8, 16, 0, false, B_AES }, { 0xC0AF, K_CCM8, 32, 0, false, B_AES },
    /* AES-CBC with HMAC-SHA1 */
    { 0x002F, K_CBC, 16, 20, false, B_AES }, { 0x0035, K_CBC, 32, 20, false, B_AES },
    { 0x0032, K_CBC, 16, 20, false, B_AES }, { 0x0033, K_CBC, 16, 20, false, B_AES },
    { 0x0038, K_CBC, 32, 20, false, B_AES }, { 0x0039, K_CBC, 32, 20, false, B_AES },
    { 0xC004, K_CBC, 16, 20, false, B_AES }, { 0xC005, K_CBC, 32, 20, false, B_AES },
    { 0xC009, K_CBC, 16, 20, false, B_AES }, { 0xC00A, K_CBC, 32, 20, false, B_AES },
    { 0xC00E, K_CBC, 16, 20, false, B_AES }, { 0xC00F, K_CBC, 32, 20, false, B_AES },
    { 0xC013, K_CBC, 16, 20, false, B_AES }, { 0xC014, K_CBC, 32, 20, false, B_AES },
    /* AES-CBC with HMAC-SHA256 / SHA384 (TLS 1.2) */
    { 0x003C, K_CBC, 16, 32, false, B_AES }, { 0x003D, K_CBC, 32, 32, false, B_AES },
    { 0x0040, K_CBC, 16, 32, false, B_AES }, { 0x0067, K_CBC, 16, 32, false, B_AES },
    { 0x006A, K_CBC, 32, 32, false, B_AES }, { 0x006B, K_CBC, 32, 32, false, B_AES },
    { 0xC023, K_CBC, 16, 32, false, B_AES }, { 0xC024, K_CBC, 32, 48, true, B_AES },
    { 0xC027, K_CBC, 16, 32, false, B_AES }, { 0xC028, K_CBC, 32, 48, true, B_AES },
    /* Camellia-CBC (RFC 5932, 6367) with HMAC-SHA1, -SHA256 and -SHA384 */
    { 0x0041, K_CBC, 16, 20, false, B_CAMELLIA }, { 0x0084, K_CBC, 32, 20, false, B_CAMELLIA },
    { 0x0044, K_CBC, 16, 20, false, B_CAMELLIA }, { 0x0087, K_CBC, 32, 20, false, B_CAMELLIA },
    { 0x0045, K_CBC, 16, 20, false, B_CAMELLIA }, { 0x0088, K_CBC, 32, 20, false, B_CAMELLIA },
    { 0x00BA, K_CBC, 16, 32, false, B_CAMELLIA }, { 0x00C0, K_CBC, 32, 32, false, B_CAMELLIA },
    { 0x00BD, K_CBC, 16, 32, false, B_CAMELLIA }, { 0x00C3, K_CBC, 32, 32, false, B_CAMELLIA },
    { 0x00BE, K_CBC, 16, 32, false, B_CAMELLIA }, { 0x00C4, K_CBC, 32, 32, false, B_CAMELLIA },
    { 0xC072, K_CBC, 16, 32, false, B_CAMELLIA }, { 0xC073, K_CBC, 32, 48, true, B_CAMELLIA },
    { 0xC076, K_CBC, 16, 32, false, B_CAMELLIA }, { 0xC077, K_CBC, 32, 48, true, B_CAMELLIA },
    /* 3DES-EDE-CBC with HMAC-SHA1: RSA, DHE-DSS, DHE-RSA, ECDHE-ECDSA, ECDHE-RSA */
    { 0x000A, K_CBC, 24, 20, false, B_3DES }, { 0x0013, K_CBC, 24, 20, false, B_3DES },
    { 0x0016, K_CBC, 24, 20, false, B_3DES }, { 0xC008, K_CBC, 24, 20, false, B_3DES },
    { 0xC012, K_CBC, 24, 20, false, B_3DES },
};

typedef struct dir_keys {
    bool ready;
    uint8_t key[32], iv[16], mac[48];
    uint64_t seq;
    /* TLS 1.3 */
    uint8_t phase;                         /* 0 early (client), 1 handshake, 2 application keys */
    bool begun;                            /* it has had keys (its records are counted from there) */
    uint8_t early[TD_KL_SECRET_MAX], hs[TD_KL_SECRET_MAX], app[TD_KL_SECRET_MAX];
    size_t early_len, hs_len, app_len;
    bool ccs;                              /* TLS 1.2: ChangeCipherSpec seen */
} dir_keys;

struct td_tlsdec {
    const suite_info *s;
    bool tls13;
    uint16_t version;
    bool etm;
    const char *digest;                    /* "SHA256" / "SHA384" */
    EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *ctx;
    EVP_MAC *hmac;
    uint8_t master[48];                    /* TLS 1.2 and earlier */
    dir_keys d[2];
};

static const suite_info *find_suite(uint16_t id)
{
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        if (suites[i].id == id) return &suites[i];
    return NULL;
}

static const char *cipher_name(const suite_info *s)
{
    switch (s->kind) {
    case K_GCM: return s->key_len == 16 ? "AES-128-GCM" : "AES-256-GCM";
    case K_CHACHA: return "ChaCha20-Poly1305";
    case K_CCM: case K_CCM8: return s->key_len == 16 ? "AES-128-CCM" : "AES-256-CCM";
    default:
        if (s->cbc == B_3DES) return "DES-EDE3-CBC";
        if (s->cbc == B_CAMELLIA) return s->key_len == 16 ? "CAMELLIA-128-CBC" : "CAMELLIA-256-CBC";
        return s->key_len == 16 ? "AES-128-CBC" : "AES-256-CBC";
    }
}

/* CBC: the cipher's block, which is also the length of its IV. */
static size_t block_len(const suite_info *s) { return s->cbc == B_3DES ? 8 : 16; }

static size_t tag_len(const suite_info *s) { return s->kind == K_CCM8 ? 8 : s->kind == K_CBC ? 0 : 16; }

/* TLS 1.3: the secret of a key phase (NULL when the key log did not give it). */
static const uint8_t *phase_secret(const dir_keys *k, int phase, size_t *len)
{
    *len = phase == 0 ? k->early_len : phase == 1 ? k->hs_len : k->app_len;
    return *len ? (phase == 0 ? k->early : phase == 1 ? k->hs : k->app) : NULL;
}

/* TLS 1.3: this direction's key and IV from a traffic secret. */
static bool keys13(td_tlsdec *d, dir_keys *k, const uint8_t *secret, size_t len)
{
    k->seq = 0;
    k->ready = td_tls13_traffic_keys(d->digest, secret, len, k->key, d->s->key_len, k->iv);
    if (k->ready) k->begun = true;
    return k->ready;
}

static bool setup12(td_tlsdec *d, const uint8_t *master, const uint8_t *cr, const uint8_t *sr)
{
    const suite_info *s = d->s;
    size_t fixed_iv = s->kind == K_CHACHA ? 12 : s->kind == K_CBC ? (d->version <= 0x0301 ? block_len(s) : 0) : 4;
    size_t need = 2 * (s->mac_len + s->key_len + fixed_iv);
    uint8_t block[2 * (48 + 32 + 16)];
    const char *prf = d->version >= 0x0303 ? d->digest : "MD5-SHA1";
    if (!td_tls12_key_block(prf, master, cr, sr, block, need)) return false;
    size_t o = 0;
    memcpy(d->d[0].mac, block + o, s->mac_len); o += s->mac_len;
    memcpy(d->d[1].mac, block + o, s->mac_len); o += s->mac_len;
    memcpy(d->d[0].key, block + o, s->key_len); o += s->key_len;
    memcpy(d->d[1].key, block + o, s->key_len); o += s->key_len;
    memcpy(d->d[0].iv, block + o, fixed_iv); o += fixed_iv;
    memcpy(d->d[1].iv, block + o, fixed_iv);
    OPENSSL_cleanse(block, sizeof block);
    memcpy(d->master, master, 48);
    d->d[0].ready = d->d[1].ready = true;
    return true;
}

/* A decryptor for this version and suite, its OpenSSL objects fetched; no keys yet. */
static td_tlsdec *create(uint16_t version, uint16_t suite, bool etm, const char **why)
{
    bool tls13 = td_version_is_tls13(version);
    const suite_info *s = find_suite(suite);
    if (!s || (tls13 != (suite >> 8 == 0x13)) || version < 0x0301 || (s->mac_len == 48 && version < 0x0303) ||
        (!tls13 && s->kind != K_CBC && version < 0x0303)) {
        *why = "cipher suite not decrypted by tlsdiag";
        return NULL;
    }
    td_tlsdec *d = calloc(1, sizeof *d);
    if (!d) {
        *why = "out of memory";
        return NULL;
    }
    d->s = s;
    d->tls13 = tls13;
    d->version = version;
    d->etm = etm && s->kind == K_CBC;
    d->digest = s->sha384 ? "SHA384" : "SHA256";
    d->cipher = EVP_CIPHER_fetch(NULL, cipher_name(s), NULL);
    d->ctx = EVP_CIPHER_CTX_new();
    if (s->kind == K_CBC) d->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!d->cipher || !d->ctx || (s->kind == K_CBC && !d->hmac)) {
        *why = "OpenSSL lacks the cipher";
        td_tlsdec_free(d);
        return NULL;
    }
    return d;
}

td_tlsdec *td_tlsdec_new_master(const uint8_t master[48], const uint8_t client_random[32],
                                const uint8_t server_random[32], uint16_t version, uint16_t suite,
                                bool etm, const char **why)
{
    *why = NULL;
    if (td_version_is_tls13(version)) {
        *why = "TLS 1.3 has no master secret to resume";
        return NULL;
    }
    td_tlsdec *d = create(version, suite, etm, why);
    if (d && !setup12(d, master, client_random, server_random)) {
        *why = "OpenSSL could not derive the keys";
        td_tlsdec_free(d);
        return NULL;
    }
    return d;
}

bool td_tlsdec_master(const td_tlsdec *d, uint8_t master[48])
{
    if (!d || d->tls13) return false;
    memcpy(master, d->master, 48);
    return true;
}

/* TLS 1.3: the secrets of dir the key log holds and d does not have yet (a live key log is
 * written as the handshake goes: OpenSSL's client logs the server's secrets before its own). */
static void fill_secrets13(td_tlsdec *d, int dir, const size_t len[TD_KL_N], uint8_t sec[TD_KL_N][TD_KL_SECRET_MAX])
{
    static const int hs_label[2] = { TD_KL_CLIENT_HANDSHAKE, TD_KL_SERVER_HANDSHAKE };
    static const int app_label[2] = { TD_KL_CLIENT_TRAFFIC_0, TD_KL_SERVER_TRAFFIC_0 };
    size_t hl = d->s->sha384 ? 48 : 32;
    dir_keys *dk = &d->d[dir];
    if (!dk->hs_len && len[hs_label[dir]] == hl) { memcpy(dk->hs, sec[hs_label[dir]], hl); dk->hs_len = hl; }
    if (!dk->app_len && len[app_label[dir]] == hl) { memcpy(dk->app, sec[app_label[dir]], hl); dk->app_len = hl; }
    if (dir == 0 && !dk->early_len && len[TD_KL_CLIENT_EARLY] == hl) {   /* the client tried 0-RTT */
        memcpy(dk->early, sec[TD_KL_CLIENT_EARLY], hl);
        dk->early_len = hl;
    }
}

/* TLS 1.3: dir's keys for the first phase the key log has secrets for. */
static void first_keys13(td_tlsdec *d, dir_keys *dk)
{
    for (dk->phase = 0; dk->phase < 2; dk->phase++) {
        size_t n = 0;
        if (phase_secret(dk, dk->phase, &n)) break;
    }
    size_t n = 0;
    const uint8_t *first = phase_secret(dk, dk->phase, &n);
    if (first) keys13(d, dk, first, n);
}

static void find_secrets(const td_keylog *k, const uint8_t client_random[32], size_t len[TD_KL_N],
                         uint8_t sec[TD_KL_N][TD_KL_SECRET_MAX])
{
    for (int l = 0; l < TD_KL_N; l++) len[l] = td_keylog_find(k, (td_keylog_label)l, client_random, sec[l]);
}

td_tlsdec *td_tlsdec_new(const td_keylog *k, const uint8_t client_random[32],
                         const uint8_t server_random[32], uint16_t version, uint16_t suite,
                         bool etm, const char **why)
{
    *why = NULL;
    bool tls13 = td_version_is_tls13(version);
    uint8_t sec[TD_KL_N][TD_KL_SECRET_MAX];
    size_t len[TD_KL_N] = { 0 };
    find_secrets(k, client_random, len, sec);
    bool any = tls13 ? (len[TD_KL_CLIENT_HANDSHAKE] || len[TD_KL_SERVER_HANDSHAKE] || len[TD_KL_CLIENT_TRAFFIC_0] ||
                        len[TD_KL_SERVER_TRAFFIC_0])
                     : len[TD_KL_CLIENT_RANDOM] != 0;
    if (!any) {
        *why = "the key log has no secrets for this connection's client random";
        return NULL;
    }
    td_tlsdec *d = create(version, suite, etm, why);
    if (!d) return NULL;
    bool ok = true;
    if (tls13) {
        for (int dir = 0; dir < 2; dir++) {
            fill_secrets13(d, dir, len, sec);
            first_keys13(d, &d->d[dir]);
        }
        if (!d->d[0].ready && !d->d[1].ready) {
            *why = "the key log's secrets do not fit this connection's cipher suite";
            ok = false;
        }
    } else {
        ok = setup12(d, sec[TD_KL_CLIENT_RANDOM], client_random, server_random);
    }
    OPENSSL_cleanse(sec, sizeof sec);
    if (!ok) {
        if (!*why) *why = "OpenSSL could not derive the keys";
        td_tlsdec_free(d);
        return NULL;
    }
    return d;
}

bool td_tlsdec_refresh(td_tlsdec *d, const td_keylog *k, const uint8_t client_random[32])
{
    if (!d || !d->tls13) return false;
    uint8_t sec[TD_KL_N][TD_KL_SECRET_MAX];
    size_t len[TD_KL_N] = { 0 };
    find_secrets(k, client_random, len, sec);
    bool gained = false;
    for (int dir = 0; dir < 2; dir++) {
        dir_keys *dk = &d->d[dir];
        bool was_ready = dk->ready;
        fill_secrets13(d, dir, len, sec);
        if (was_ready) continue;                   /* later phases' secrets, for when it gets there */
        if (!dk->begun) {
            first_keys13(d, dk);
        } else {                                   /* it reached a phase whose secret was missing */
            size_t n = 0;
            const uint8_t *now = phase_secret(dk, dk->phase, &n);
            if (now) keys13(d, dk, now, n);
        }
        gained |= dk->ready;
    }
    OPENSSL_cleanse(sec, sizeof sec);
    return gained;
}

void td_tlsdec_free(td_tlsdec *d)
{
    if (!d) return;
    EVP_CIPHER_free(d->cipher);
    EVP_CIPHER_CTX_free(d->ctx);
    EVP_MAC_free(d->hmac);
    OPENSSL_cleanse(d, sizeof *d);
    free(d);
}

void td_tlsdec_ccs(td_tlsdec *d, int dir)
{
    if (d && !d->tls13 && (dir == 0 || dir == 1)) {
        d->d[dir].ccs = true;
        d->d[dir].seq = 0;
    }
}

void td_tlsdec_skip(td_tlsdec *d, int dir, uint64_t n)
{
    if (d && (dir == 0 || dir == 1)) d->d[dir].seq += n;
}

bool td_tlsdec_ready(const td_tlsdec *d, int dir)
{
    if (!d || dir < 0 || dir > 1) return false;
    return d->d[dir].ready && (d->tls13 || d->d[dir].ccs);
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

/* One AEAD open, in place; true if the tag verifies. */
static bool aead_open(td_tlsdec *d, const dir_keys *k, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                      uint8_t *ct, size_t ct_len, const uint8_t *tag, size_t tlen)
{
    EVP_CIPHER_CTX *c = d->ctx;
    int n = 0;
    bool ccm = d->s->kind == K_CCM || d->s->kind == K_CCM8;
    if (ct_len > INT32_MAX) return false;
    if (EVP_DecryptInit_ex(c, d->cipher, NULL, NULL, NULL) <= 0 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) <= 0)
        return false;
    if (ccm && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, (int)tlen, (void *)tag) <= 0) return false;
    if (EVP_DecryptInit_ex(c, NULL, NULL, k->key, nonce) <= 0) return false;
    if (ccm && EVP_DecryptUpdate(c, NULL, &n, NULL, (int)ct_len) <= 0) return false;
    if (EVP_DecryptUpdate(c, NULL, &n, aad, (int)aad_len) <= 0) return false;
    if (ccm) return EVP_DecryptUpdate(c, ct, &n, ct, (int)ct_len) > 0;
    if (ct_len && EVP_DecryptUpdate(c, ct, &n, ct, (int)ct_len) <= 0) return false;
    if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, (int)tlen, (void *)tag) <= 0) return false;
    int m = 0;
    return EVP_DecryptFinal_ex(c, ct + n, &m) > 0;
}

static bool hmac_check(td_tlsdec *d, const dir_keys *k, const uint8_t *parts[], const size_t lens[], size_t nparts,
                       const uint8_t *want)
{
    const char *md = d->s->mac_len == 20 ? "SHA1" : d->s->mac_len == 32 ? "SHA256" : "SHA384";
    OSSL_PARAM p[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0), OSSL_PARAM_construct_end() };
    EVP_MAC_CTX *c = EVP_MAC_CTX_new(d->hmac);
    uint8_t out[64];
    size_t outl = 0;
    bool ok = c && EVP_MAC_init(c, k->mac, d->s->mac_len, p) > 0;
    for (size_t i = 0; ok && i < nparts; i++) ok = EVP_MAC_update(c, parts[i], lens[i]) > 0;
    ok = ok && EVP_MAC_final(c, out, &outl, sizeof out) > 0 && outl == d->s->mac_len &&
         CRYPTO_memcmp(out, want, outl) == 0;
    EVP_MAC_CTX_free(c);
    return ok;
}

static bool cbc_decrypt(td_tlsdec *d, const dir_keys *k, const uint8_t *iv, uint8_t *ct, size_t len)
{
    int n = 0, m = 0;
    if (len > INT32_MAX) return false;
    return EVP_DecryptInit_ex(d->ctx, d->cipher, NULL, k->key, iv) > 0 && EVP_CIPHER_CTX_set_padding(d->ctx, 0) > 0 &&
           EVP_DecryptUpdate(d->ctx, ct, &n, ct, (int)len) > 0 && EVP_DecryptFinal_ex(d->ctx, ct + n, &m) > 0;
}

/* TLS 1.2 and earlier, CBC + HMAC. */
static bool open_cbc(td_tlsdec *d, dir_keys *k, const uint8_t hdr[5], uint8_t *body, size_t len, size_t *off,
                     size_t *ptlen)
{
    size_t mac = d->s->mac_len, bs = block_len(d->s), ivl = d->version >= 0x0302 ? bs : 0;
    uint8_t seq[8], ad[5];
    put_u64(seq, k->seq);
    ad[0] = hdr[0];
    ad[1] = hdr[1];
    ad[2] = hdr[2];
    if (d->etm) {
        if (len < ivl + bs + mac || (len - ivl - mac) % bs) return false;
        size_t clen = len - mac;
        ad[3] = (uint8_t)(clen >> 8);
        ad[4] = (uint8_t)clen;
        const uint8_t *parts[] = { seq, ad, body };
        size_t lens[] = { 8, 5, clen };
        if (!hmac_check(d, k, parts, lens, 3, body + clen)) return false;
        uint8_t next_iv[16];
        memcpy(next_iv, body + clen - bs, bs);
        if (!cbc_decrypt(d, k, ivl ? body : k->iv, body + ivl, clen - ivl)) return false;
        if (!ivl) memcpy(k->iv, next_iv, bs);
        uint8_t pad = body[clen - 1];
        if ((size_t)pad + 1 > clen - ivl) return false;
        *off = ivl;
        *ptlen = clen - ivl - pad - 1;
        return true;
    }
    if (len < ivl + bs || (len - ivl) % bs || len - ivl < mac + 1) return false;
    uint8_t next_iv[16];
    memcpy(next_iv, body + len - bs, bs);
    if (!cbc_decrypt(d, k, ivl ? body : k->iv, body + ivl, len - ivl)) return false;
    uint8_t *pt = body + ivl;
    size_t n = len - ivl;
    uint8_t pad = pt[n - 1];
    if ((size_t)pad + 1 + mac > n) return false;
    for (size_t i = n - 1 - pad; i < n; i++)
        if (pt[i] != pad) return false;
    size_t clen = n - 1 - pad - mac;
    ad[3] = (uint8_t)(clen >> 8);
    ad[4] = (uint8_t)clen;
    const uint8_t *parts[] = { seq, ad, pt };
    size_t lens[] = { 8, 5, clen };
    if (!hmac_check(d, k, parts, lens, 3, pt + clen)) return false;
    if (!ivl) memcpy(k->iv, next_iv, bs);
    *off = ivl;
    *ptlen = clen;
    return true;
}

/* TLS 1.2 AEAD. */
static bool open_aead12(td_tlsdec *d, dir_keys *k, const uint8_t hdr[5], uint8_t *body, size_t len, size_t *off,
                        size_t *ptlen)
{
    size_t tl = tag_len(d->s), expl = d->s->kind == K_CHACHA ? 0 : 8;
    if (len < expl + tl) return false;
    size_t clen = len - expl - tl;
    uint8_t nonce[12], aad[13];
    if (expl) {
        memcpy(nonce, k->iv, 4);
        memcpy(nonce + 4, body, 8);
    } else {
        memcpy(nonce, k->iv, 12);
        for (int i = 0; i < 8; i++) nonce[4 + i] ^= (uint8_t)(k->seq >> (56 - 8 * i));
    }
    put_u64(aad, k->seq);
    aad[8] = hdr[0];
    aad[9] = hdr[1];
    aad[10] = hdr[2];
    aad[11] = (uint8_t)(clen >> 8);
    aad[12] = (uint8_t)clen;
    if (!aead_open(d, k, nonce, aad, 13, body + expl, clen, body + expl + clen, tl)) return false;
    *off = expl;
    *ptlen = clen;
    return true;
}

static bool open13(td_tlsdec *d, dir_keys *k, const uint8_t hdr[5], uint8_t *body, size_t len, size_t *ptlen)
{
    size_t tl = tag_len(d->s);
    if (len < tl + 1) return false;
    uint8_t nonce[12];
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++) nonce[4 + i] ^= (uint8_t)(k->seq >> (56 - 8 * i));
    if (!aead_open(d, k, nonce, hdr, 5, body, len - tl, body + len - tl, tl)) return false;
    *ptlen = len - tl;
    return true;
}

bool td_tlsdec_open(td_tlsdec *d, int dir, const uint8_t hdr[5], uint8_t *body, size_t len,
                    uint8_t *type, size_t *off, size_t *ptlen, const char **why)
{
    *why = NULL;
    if (!td_tlsdec_ready(d, dir)) {
        *why = "no keys for this direction";
        return false;
    }
    dir_keys *k = &d->d[dir];
    *off = 0;
    *type = hdr[0];
    if (!d->tls13) {
        /* CBC keeps its ciphertext until the MAC is checked (EtM) or works on a copy (MtE):
         * a failed record must not be left half-decrypted for the caller, who only skips it. */
        bool ok = d->s->kind == K_CBC ? open_cbc(d, k, hdr, body, len, off, ptlen)
                                      : open_aead12(d, k, hdr, body, len, off, ptlen);
        if (!ok) {
            *why = "record failed authentication";
            return false;
        }
        k->seq++;
        return true;
    }
    uint8_t *copy = NULL;
    bool ok = false;
    size_t later = 0;
    for (int p = k->phase + 1; p <= 2; p++) {
        size_t n = 0;
        if (phase_secret(k, p, &n)) later++;
    }
    if (later) {                                   /* a try with the next keys needs the ciphertext */
        copy = malloc(len);
        if (copy) memcpy(copy, body, len);
    }
    ok = open13(d, k, hdr, body, len, ptlen);
    /* Not with these keys: the client's early data ended without an EndOfEarlyData in the capture
     * or the server refused it (then the client goes on with its handshake keys), or the
     * Finished that switches keys was lost in a gap.  Try the next phases' keys, in order. */
    for (int p = k->phase + 1; !ok && copy && p <= 2; p++) {
        size_t n = 0;
        const uint8_t *sec = phase_secret(k, p, &n);
        if (!sec) continue;
        dir_keys save = *k;
        k->phase = (uint8_t)p;
        memcpy(body, copy, len);
        if (keys13(d, k, sec, n) && open13(d, k, hdr, body, len, ptlen)) ok = true;
        else {
            *k = save;
            memcpy(body, copy, len);
        }
    }
    free(copy);
    if (!ok) {
        *why = "record failed authentication";
        return false;
    }
    k->seq++;
    /* TLSInnerPlaintext: content, the true type, then zero padding. */
    size_t n = *ptlen;
    while (n > 0 && body[n - 1] == 0) n--;
    if (n == 0) {
        *why = "decrypted record holds only padding";
        return false;
    }
    *type = body[n - 1];
    *ptlen = n - 1;
    return true;
}

void td_tlsdec_handshake(td_tlsdec *d, int dir, uint8_t type)
{
    if (!d || !d->tls13 || dir < 0 || dir > 1) return;
    dir_keys *k = &d->d[dir];
    if (type == 5 && k->phase == 0) {              /* EndOfEarlyData: the handshake keys */
        k->phase = 1;
        if (k->hs_len) keys13(d, k, k->hs, k->hs_len);
        else k->ready = false;
    } else if (type == 20 && k->phase == 1) {      /* Finished: application traffic keys */
        k->phase = 2;
        if (k->app_len) keys13(d, k, k->app, k->app_len);
        else k->ready = false;
    } else if (type == 24 && k->phase == 2 && k->app_len) {   /* KeyUpdate: the next generation */
        uint8_t next[TD_KL_SECRET_MAX];
        if (td_tls13_next_secret(d->digest, k->app, k->app_len, next)) {
            memcpy(k->app, next, k->app_len);
            keys13(d, k, k->app, k->app_len);
        } else {
            k->ready = false;
        }
        OPENSSL_cleanse(next, sizeof next);
    }
}

bool td_tlsdec_early_phase(const td_tlsdec *d, int dir)
{
    return d && d->tls13 && dir == 0 && d->d[0].phase == 0 && d->d[0].early_len;
}

bool td_tlsdec_has_early(const td_tlsdec *d) { return d && d->tls13 && d->d[0].early_len; }
