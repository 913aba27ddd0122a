/* test_quic_keys.c - unit tests for dissectors/quic/quic_keys.c, quic_protect.c and quic_retry.c
 * against the published samples: RFC 9001 Appendix A (v1), RFC 9369 Appendix A (v2), the drafts.
 *
 * Each Initial sample is opened with the keys derived from its DCID and must give the RFC's
 * plaintext exactly (the CRYPTO frame, then PADDING); a tampered byte, a cut packet or the wrong
 * version's keys must not open.  AES-256-GCM has no published QUIC sample: a packet is sealed here
 * with OpenSSL directly (RFC 9001 5.3/5.4 by hand) and must open. */
#include <string.h>

#include <openssl/evp.h>

#include "check.h"
#include "quic_vectors.h"
#include "dissectors/quic/quic_int.h"

static uint8_t dcid[8];

static bool same_hex(const uint8_t *got, size_t n, const char *hex)
{
    uint8_t want[64];
    size_t wn = qv_hex(hex, want, sizeof want);
    return wn == n && memcmp(got, want, n) == 0;
}

static bool keys_are(const quic_keys *k, const char *key, const char *iv, const char *hp)
{
    return k->set && same_hex(k->key, k->key_len, key) && same_hex(k->iv, 12, iv) &&
           same_hex(k->hp, k->key_len, hp);
}

TEST(v1_initial_keys_are_rfc9001_a1)
{
    quic_keys c, s;
    CHECK(quic_initial_keys(TD_QUIC_V1, dcid, sizeof dcid, &c, &s));
    CHECK(c.aead == QUIC_AES_128_GCM && c.key_len == 16);
    CHECK(keys_are(&c, QV1_CLIENT_KEY, QV1_CLIENT_IV, QV1_CLIENT_HP));
    CHECK(keys_are(&s, QV1_SERVER_KEY, QV1_SERVER_IV, QV1_SERVER_HP));
}

TEST(v2_initial_keys_are_rfc9369_a1)
{
    quic_keys c, s;
    CHECK(quic_initial_keys(TD_QUIC_V2, dcid, sizeof dcid, &c, &s));
    CHECK(keys_are(&c, QV2_CLIENT_KEY, QV2_CLIENT_IV, QV2_CLIENT_HP));
    CHECK(keys_are(&s, QV2_SERVER_KEY, QV2_SERVER_IV, QV2_SERVER_HP));
}

/* Drafts 29..32 used draft-29's salt; 33 and 34 already had v1's; others are not known. */
TEST(draft_versions_use_their_salts)
{
    quic_keys c, s;
    for (uint32_t v = 0xff00001d; v <= 0xff000020; v++) {
        CHECK(quic_version_known(v));
        CHECK(quic_initial_keys(v, dcid, sizeof dcid, &c, &s));
        CHECK(keys_are(&c, QVD29_CLIENT_KEY, QVD29_CLIENT_IV, QVD29_CLIENT_HP));
        CHECK(keys_are(&s, QVD29_SERVER_KEY, QVD29_SERVER_IV, QVD29_SERVER_HP));
    }
    for (uint32_t v = 0xff000021; v <= 0xff000022; v++) {
        CHECK(quic_version_known(v));
        CHECK(quic_initial_keys(v, dcid, sizeof dcid, &c, &s));
        CHECK(keys_are(&c, QV1_CLIENT_KEY, QV1_CLIENT_IV, QV1_CLIENT_HP));
    }
    static const uint32_t unknown[] = { 0, 2, 0xff00001c, 0xff000023, 0x709a50c4, 0x1a2a3a4a };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        CHECK(!quic_version_known(unknown[i]));
        CHECK(!quic_initial_keys(unknown[i], dcid, sizeof dcid, &c, &s));
        CHECK(!c.set && !s.set);
    }
    CHECK(quic_initial_keys(TD_QUIC_V1, NULL, 0, &c, NULL));   /* an empty DCID still has keys */
    CHECK(c.set);
    uint8_t long_cid[21] = { 0 };
    CHECK(!quic_initial_keys(TD_QUIC_V1, long_cid, sizeof long_cid, &c, &s));
}

/* Open packet[0..n) whose header parses with short_dcid_len, with k. */
static bool open_packet(const quic_keys *k, const uint8_t *pkt, size_t n, size_t short_dcid_len,
                        uint64_t largest, uint64_t *pn, uint8_t *first, uint8_t *out, size_t *out_len)
{
    quic_hdr h;
    if (!quic_parse_header(pkt, n, short_dcid_len, &h)) return false;
    return quic_unprotect(k, pkt, &h, largest, pn, first, out, n, out_len);
}

/* The client Initial of RFC 9001 A.2 (v1) or RFC 9369 A.2 (v2): pn 2, the CRYPTO frame, then
 * PADDING to 1162 bytes; the other version's keys do not open it, nor does a flipped byte. */
static void check_client_initial(uint32_t version, const char *hex, uint8_t first_byte)
{
    static uint8_t pkt[1200], out[1200], want[1162];
    size_t n = qv_hex(hex, pkt, sizeof pkt), out_len = 0;
    memset(want, 0, sizeof want);
    size_t cn = qv_hex(QV_CLIENT_CRYPTO, want, sizeof want);
    CHECK(n == 1200 && cn == 245);
    quic_keys c, s, other;
    CHECK(quic_initial_keys(version, dcid, sizeof dcid, &c, &s));
    CHECK(quic_initial_keys(version == TD_QUIC_V1 ? TD_QUIC_V2 : TD_QUIC_V1, dcid, sizeof dcid, &other, NULL));
    uint64_t pn = 0;
    uint8_t first = 0;
    CHECK(open_packet(&c, pkt, n, 0, UINT64_MAX, &pn, &first, out, &out_len));
    CHECK(pn == 2 && first == first_byte && out_len == 1162);
    CHECK(memcmp(out, want, sizeof want) == 0);
    CHECK(!open_packet(&s, pkt, n, 0, UINT64_MAX, &pn, &first, out, &out_len));
    CHECK(!open_packet(&other, pkt, n, 0, UINT64_MAX, &pn, &first, out, &out_len));
    CHECK(out_len == 0);
    pkt[600] ^= 0x01;                          /* the ciphertext */
    CHECK(!open_packet(&c, pkt, n, 0, UINT64_MAX, &pn, &first, out, &out_len));
    pkt[600] ^= 0x01;
    pkt[n - 1] ^= 0x80;                        /* the tag */
    CHECK(!open_packet(&c, pkt, n, 0, UINT64_MAX, &pn, &first, out, &out_len));
    pkt[n - 1] ^= 0x80;
    pkt[6] ^= 0x01;                            /* the header (the DCID: associated data) */
    CHECK(!open_packet(&c, pkt, n, 0, UINT64_MAX, &pn, &first, out, &out_len));
    pkt[6] ^= 0x01;
    CHECK(open_packet(&c, pkt, n, 0, UINT64_MAX, &pn, &first, out, &out_len));
}

TEST(v1_client_initial_opens_to_rfc9001_a2) { check_client_initial(TD_QUIC_V1, QV1_CLIENT_PACKET, 0xc3); }
TEST(v2_client_initial_opens_to_rfc9369_a2) { check_client_initial(TD_QUIC_V2, QV2_CLIENT_PACKET, 0xd3); }

static void check_server_initial(uint32_t version, const char *hex, uint8_t first_byte)
{
    uint8_t pkt[256], out[256], want[128];
    size_t n = qv_hex(hex, pkt, sizeof pkt), wn = qv_hex(QV_SERVER_PAYLOAD, want, sizeof want), out_len;
    quic_keys c, s;
    CHECK(quic_initial_keys(version, dcid, sizeof dcid, &c, &s));
    uint64_t pn = 0;
    uint8_t first = 0;
    CHECK(open_packet(&s, pkt, n, 0, UINT64_MAX, &pn, &first, out, &out_len));
    CHECK(pn == 1 && first == first_byte && out_len == wn && memcmp(out, want, wn) == 0);
    /* The 2-byte packet number 0x0001 decodes near the largest seen (RFC 9000 A.3). */
    CHECK(open_packet(&s, pkt, n, 0, 0x10000, &pn, &first, out, &out_len) == false);  /* nonce 0x10001 */
    CHECK(open_packet(&s, pkt, n, 0, 0, &pn, &first, out, &out_len) && pn == 1);
    CHECK(!open_packet(&c, pkt, n, 0, UINT64_MAX, &pn, &first, out, &out_len));
    CHECK(!open_packet(&s, pkt, n - 1, 0, UINT64_MAX, &pn, &first, out, &out_len));   /* Length past end */
    quic_hdr h;
    CHECK(quic_parse_header(pkt, n, 0, &h));
    CHECK(!quic_unprotect(&s, pkt, &h, UINT64_MAX, &pn, &first, out, wn - 1, &out_len));  /* no room */
}

TEST(v1_server_initial_opens_to_rfc9001_a3) { check_server_initial(TD_QUIC_V1, QV1_SERVER_PACKET, 0xc1); }
TEST(v2_server_initial_opens_to_rfc9369_a3) { check_server_initial(TD_QUIC_V2, QV2_SERVER_PACKET, 0xd1); }

static void check_retry(uint32_t version, const char *hex)
{
    uint8_t pkt[64];
    size_t n = qv_hex(hex, pkt, sizeof pkt);
    quic_hdr h;
    CHECK(quic_parse_header(pkt, n, 0, &h));
    CHECK(h.type == QUIC_PT_RETRY && h.version == version && h.dcid_len == 0 && h.scid_len == 8);
    CHECK(h.token_len == 5 && memcmp(h.token, "token", 5) == 0 && h.packet_len == n);
    CHECK(quic_retry_valid(version, dcid, sizeof dcid, pkt, n));
    CHECK(!quic_retry_valid(version, dcid, 7, pkt, n));                 /* another ODCID */
    CHECK(!quic_retry_valid(version, NULL, 0, pkt, n));
    CHECK(!quic_retry_valid(version == TD_QUIC_V1 ? TD_QUIC_V2 : TD_QUIC_V1, dcid, sizeof dcid, pkt, n));
    CHECK(!quic_retry_valid(0x1a2a3a4a, dcid, sizeof dcid, pkt, n));
    CHECK(!quic_retry_valid(version, dcid, sizeof dcid, pkt, 15));
    for (size_t i = 0; i < n; i += 7) {
        pkt[i] ^= 0x20;
        CHECK(!quic_retry_valid(version, dcid, sizeof dcid, pkt, n));
        pkt[i] ^= 0x20;
    }
    CHECK(quic_retry_valid(version, dcid, sizeof dcid, pkt, n));
}

TEST(v1_retry_tag_is_rfc9001_a4) { check_retry(TD_QUIC_V1, QV1_RETRY_PACKET); }
TEST(v2_retry_tag_is_rfc9369_a4) { check_retry(TD_QUIC_V2, QV2_RETRY_PACKET); }

TEST(draft32_retry_tag_uses_draft29_key)
{
    uint8_t pkt[64];
    size_t n = qv_hex(QVD32_RETRY_PACKET, pkt, sizeof pkt);
    CHECK(quic_retry_valid(0xff000020, dcid, sizeof dcid, pkt, n));
    CHECK(!quic_retry_valid(0xff000021, dcid, sizeof dcid, pkt, n));    /* draft 33: v1's key */
    CHECK(!quic_retry_valid(TD_QUIC_V1, dcid, sizeof dcid, pkt, n));
}

/* RFC 9001 A.5 / RFC 9369 A.5: ChaCha20-Poly1305 keys from a secret, a 21-byte short header
 * packet (empty DCID) with packet number 654360564 sent as 3 bytes (49140), carrying one PING. */
static void check_chacha(uint32_t version, const char *key, const char *iv, const char *hp, const char *hex)
{
    uint8_t secret[32], pkt[32], out[32];
    qv_hex(QV_CHACHA_SECRET, secret, sizeof secret);
    size_t n = qv_hex(hex, pkt, sizeof pkt), out_len = 0;
    quic_keys k;
    CHECK(quic_secret_keys(version, 0x1303, secret, sizeof secret, &k));
    CHECK(k.aead == QUIC_CHACHA20_POLY1305 && k.key_len == 32 && keys_are(&k, key, iv, hp));
    uint64_t pn = 0;
    uint8_t first = 0;
    CHECK(open_packet(&k, pkt, n, 0, 654360563, &pn, &first, out, &out_len));
    CHECK(pn == 654360564 && first == 0x42 && out_len == 1 && out[0] == 0x01);
    CHECK(open_packet(&k, pkt, n, 0, 654360000, &pn, &first, out, &out_len) && pn == 654360564);
    CHECK(!open_packet(&k, pkt, n, 0, UINT64_MAX, &pn, &first, out, &out_len));   /* pn 49140 */
    CHECK(!open_packet(&k, pkt, n - 1, 0, 654360563, &pn, &first, out, &out_len)); /* no sample */
    pkt[n - 1] ^= 1;
    CHECK(!open_packet(&k, pkt, n, 0, 654360563, &pn, &first, out, &out_len));
}

TEST(v1_chacha20_short_header_is_rfc9001_a5)
{
    check_chacha(TD_QUIC_V1, QV1_CHACHA_KEY, QV1_CHACHA_IV, QV1_CHACHA_HP, QV1_CHACHA_PACKET);
}

TEST(v2_chacha20_short_header_is_rfc9369_a5)
{
    check_chacha(TD_QUIC_V2, QV2_CHACHA_KEY, QV2_CHACHA_IV, QV2_CHACHA_HP, QV2_CHACHA_PACKET);
}

TEST(secret_keys_refuse_other_suites_and_lengths)
{
    uint8_t secret[48] = { 1 };
    quic_keys k;
    CHECK(quic_secret_keys(TD_QUIC_V1, 0x1301, secret, 32, &k) && k.key_len == 16 && k.aead == QUIC_AES_128_GCM);
    CHECK(quic_secret_keys(TD_QUIC_V1, 0x1302, secret, 48, &k) && k.key_len == 32 && k.aead == QUIC_AES_256_GCM);
    CHECK(!quic_secret_keys(TD_QUIC_V1, 0x1302, secret, 32, &k) && !k.set);
    CHECK(!quic_secret_keys(TD_QUIC_V1, 0x1301, secret, 48, &k));
    CHECK(!quic_secret_keys(TD_QUIC_V1, 0x1304, secret, 32, &k));   /* AES-128-CCM: not for QUIC here */
    CHECK(!quic_secret_keys(TD_QUIC_V1, 0xc02f, secret, 32, &k));
    CHECK(!quic_secret_keys(TD_QUIC_V1, 0x1301, NULL, 32, &k));
}

/* Seal `payload` as a short-header packet (DCID 4 bytes, 2-byte packet number) with AES-256-GCM
 * and AES-256-ECB header protection, by hand with OpenSSL (RFC 9001 5.3, 5.4.1, 5.4.3). */
static size_t seal_aes256(const quic_keys *k, uint64_t pn, const uint8_t *payload, size_t plen, uint8_t *pkt)
{
    static const uint8_t cid[4] = { 0xde, 0xad, 0xbe, 0xef };
    size_t hl = 0;
    pkt[hl++] = 0x40 | 0x04 | 0x01;            /* fixed bit, key phase 1, 2-byte packet number */
    memcpy(pkt + hl, cid, 4);
    hl += 4;
    pkt[hl++] = (uint8_t)(pn >> 8);
    pkt[hl++] = (uint8_t)pn;
    uint8_t nonce[12], mask[16];
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++) nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    int n = 0, f = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    CHECK(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, k->key, nonce) > 0);
    CHECK(EVP_EncryptUpdate(c, NULL, &n, pkt, (int)hl) > 0);
    CHECK(EVP_EncryptUpdate(c, pkt + hl, &n, payload, (int)plen) > 0);
    CHECK(EVP_EncryptFinal_ex(c, pkt + hl + n, &f) > 0);
    CHECK(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, pkt + hl + plen) > 0);
    CHECK(EVP_EncryptInit_ex(c, EVP_aes_256_ecb(), NULL, k->hp, NULL) > 0);
    EVP_CIPHER_CTX_set_padding(c, 0);
    CHECK(EVP_EncryptUpdate(c, mask, &n, pkt + (hl - 2) + 4, 16) > 0);   /* sample at pn + 4 */
    EVP_CIPHER_CTX_free(c);
    pkt[0] ^= mask[0] & 0x1f;
    pkt[hl - 2] ^= mask[1];
    pkt[hl - 1] ^= mask[2];
    return hl + plen + 16;
}

TEST(aes256_gcm_packet_sealed_by_hand_opens)
{
    uint8_t secret[48], payload[40], pkt[128], out[128];
    for (size_t i = 0; i < sizeof secret; i++) secret[i] = (uint8_t)(i * 7 + 3);
    memset(payload, 0, sizeof payload);
    payload[0] = 0x01;                         /* PING, then PADDING */
    quic_keys k;
    CHECK(quic_secret_keys(TD_QUIC_V1, 0x1302, secret, sizeof secret, &k));
    size_t n = seal_aes256(&k, 0x1234, payload, sizeof payload, pkt), out_len = 0;
    uint64_t pn = 0;
    uint8_t first = 0;
    CHECK(open_packet(&k, pkt, n, 4, 0x1200, &pn, &first, out, &out_len));
    CHECK(pn == 0x1234 && first == 0x45 && out_len == sizeof payload && memcmp(out, payload, out_len) == 0);
    quic_keys v2;
    CHECK(quic_secret_keys(TD_QUIC_V2, 0x1302, secret, sizeof secret, &v2));   /* other labels */
    CHECK(!open_packet(&v2, pkt, n, 4, 0x1200, &pn, &first, out, &out_len));
}

/* RFC 9000 A.3's example: largest 0xa82f30ea, 2-byte truncated 0x9b32 decodes to 0xa82f9b32.
 * Checked through a sealed packet, since decoding is inside quic_unprotect. */
TEST(packet_number_decoding_is_rfc9000_a3)
{
    uint8_t secret[48] = { 9 }, payload[24] = { 0x01 }, pkt[128], out[128];
    quic_keys k;
    CHECK(quic_secret_keys(TD_QUIC_V1, 0x1302, secret, sizeof secret, &k));
    size_t n = seal_aes256(&k, 0xa82f9b32, payload, sizeof payload, pkt), out_len;
    uint64_t pn = 0;
    CHECK(open_packet(&k, pkt, n, 4, 0xa82f30ea, &pn, NULL, out, &out_len) && pn == 0xa82f9b32);
    CHECK(!open_packet(&k, pkt, n, 4, 0xa8300000 + 0x10000, &pn, NULL, out, &out_len));
    CHECK(!open_packet(&k, pkt, n, 4, UINT64_MAX - 1, &pn, NULL, out, &out_len));  /* hostile largest */
}

TEST(unprotect_refuses_unset_keys_and_unprotected_types)
{
    uint8_t pkt[64];
    size_t n = qv_hex(QV1_RETRY_PACKET, pkt, sizeof pkt), out_len = 5;
    quic_keys c, none;
    memset(&none, 0, sizeof none);
    CHECK(quic_initial_keys(TD_QUIC_V1, dcid, sizeof dcid, &c, NULL));
    quic_hdr h;
    uint8_t out[64];
    CHECK(quic_parse_header(pkt, n, 0, &h));
    CHECK(!quic_unprotect(&c, pkt, &h, UINT64_MAX, NULL, NULL, out, sizeof out, &out_len) && out_len == 0);
    uint8_t chacha[32];
    n = qv_hex(QV1_CHACHA_PACKET, chacha, sizeof chacha);
    CHECK(quic_parse_header(chacha, n, 0, &h));
    CHECK(!quic_unprotect(&none, chacha, &h, UINT64_MAX, NULL, NULL, out, sizeof out, &out_len));
    CHECK(!quic_unprotect(NULL, chacha, &h, UINT64_MAX, NULL, NULL, out, sizeof out, &out_len));
}

int main(void)
{
    qv_hex(QV_DCID, dcid, sizeof dcid);
    RUN(v1_initial_keys_are_rfc9001_a1);
    RUN(v2_initial_keys_are_rfc9369_a1);
    RUN(draft_versions_use_their_salts);
    RUN(v1_client_initial_opens_to_rfc9001_a2);
    RUN(v2_client_initial_opens_to_rfc9369_a2);
    RUN(v1_server_initial_opens_to_rfc9001_a3);
    RUN(v2_server_initial_opens_to_rfc9369_a3);
    RUN(v1_retry_tag_is_rfc9001_a4);
    RUN(v2_retry_tag_is_rfc9369_a4);
    RUN(draft32_retry_tag_uses_draft29_key);
    RUN(v1_chacha20_short_header_is_rfc9001_a5);
    RUN(v2_chacha20_short_header_is_rfc9369_a5);
    RUN(secret_keys_refuse_other_suites_and_lengths);
    RUN(aes256_gcm_packet_sealed_by_hand_opens);
    RUN(packet_number_decoding_is_rfc9000_a3);
    RUN(unprotect_refuses_unset_keys_and_unprotected_types);
    return check_done();
}
