/* test_keylog.c - unit tests for the key log, the key schedule and the record decryptor.
 *
 * dissectors/tls/keylog_parse.c, tls_key_schedule.c and tls_decrypt.c: RFC 8448's TLS 1.3 key
 * schedule vectors, the published TLS 1.2 PRF vector, and records sealed here with OpenSSL
 * (independently of the decryptor) that must open, and fail to open once tampered with. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "check.h"
#include "dissectors/dissect.h"
#include "dissectors/tls/keylog.h"
#include "dissectors/tls/tls_decrypt.h"
#include "dissectors/tls/tls_key_schedule.h"

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
    size_t n = 0;
    while (*s && n < max) {
        while (*s == ' ') s++;
        if (!s[0] || !s[1]) break;
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

static bool eq_hex(const uint8_t *got, size_t n, const char *want)
{
    uint8_t w[256];
    size_t wn = unhex(want, w, sizeof w);
    return wn == n && memcmp(got, w, n) == 0;
}

/* RFC 8448 3 (Simple 1-RTT Handshake). */
#define RFC8448_S_HS "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"
#define RFC8448_C_HS "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21"

static const char good_log[] =
    "# SSL/TLS secrets log file\r\n"
    "SERVER_HANDSHAKE_TRAFFIC_SECRET 0101010101010101010101010101010101010101010101010101010101010101 " RFC8448_S_HS "\r\n"
    "EXPORTER_SECRET 0101010101010101010101010101010101010101010101010101010101010101 00\n"
    "\n"
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET 0101010101010101010101010101010101010101010101010101010101010101 " RFC8448_C_HS "\n"
    "CLIENT_RANDOM 0202020202020202020202020202020202020202020202020202020202020202 "
    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b";   /* no newline */

TEST(keylog_parses_any_order_crlf_and_a_last_line_without_newline)
{
    td_keylog *k = td_keylog_new();
    CHECK(td_keylog_add_text(k, good_log, strlen(good_log), "k.log") == 3);
    CHECK(td_keylog_count(k) == 3);
    CHECK(td_keylog_warning_count(k) == 0);
    uint8_t cr1[32], cr2[32], out[TD_KL_SECRET_MAX];
    memset(cr1, 1, 32);
    memset(cr2, 2, 32);
    CHECK(td_keylog_find(k, TD_KL_SERVER_HANDSHAKE, cr1, out) == 32 && eq_hex(out, 32, RFC8448_S_HS));
    CHECK(td_keylog_find(k, TD_KL_CLIENT_HANDSHAKE, cr1, out) == 32 && eq_hex(out, 32, RFC8448_C_HS));
    CHECK(td_keylog_find(k, TD_KL_CLIENT_RANDOM, cr2, out) == 48 && out[47] == 0x0b);
    CHECK(td_keylog_find(k, TD_KL_CLIENT_RANDOM, cr1, out) == 0);
    CHECK(td_keylog_find(k, TD_KL_SERVER_TRAFFIC_0, cr1, out) == 0);
    /* The same lines again add nothing. */
    CHECK(td_keylog_add_text(k, good_log, strlen(good_log), "k.log") == 0);
    CHECK(td_keylog_count(k) == 3);
    td_keylog_free(k);
}

TEST(keylog_bad_lines_are_warnings_naming_the_line)
{
    static const char bad[] =
        "CLIENT_RANDOM 0202 00\n"                                        /* 1: random too short */
        "CLIENT_RANDOM zz02020202020202020202020202020202020202020202020202020202020202 00\n"   /* 2 */
        "CLIENT_RANDOM 0202020202020202020202020202020202020202020202020202020202020202 0b0b\n"  /* 3 */
        "SERVER_TRAFFIC_SECRET_0 0202020202020202020202020202020202020202020202020202020202020202\n" /* 4 */
        "RSA 00 11\n"                                                    /* 5: unknown label: ignored */
        "SERVER_TRAFFIC_SECRET_0 0202020202020202020202020202020202020202020202020202020202020202 "
        RFC8448_S_HS " extra\n";                                         /* 6 */
    td_keylog *k = td_keylog_new();
    CHECK(td_keylog_add_lines(k, bad, strlen(bad), "bad.log", 10) == 0);
    CHECK(td_keylog_warning_count(k) == 5);
    CHECK_STR(td_keylog_warning(k, 0), "bad.log:10: client random is not 64 hex digits");
    CHECK_STR(td_keylog_warning(k, 1), "bad.log:11: client random is not 64 hex digits");
    CHECK_STR(td_keylog_warning(k, 2), "bad.log:12: master secret is not 96 hex digits");
    CHECK_STR(td_keylog_warning(k, 3), "bad.log:13: line cut short: want LABEL CLIENT_RANDOM SECRET");
    CHECK_STR(td_keylog_warning(k, 4), "bad.log:15: more than 3 fields");
    CHECK(td_keylog_warning(k, 5) == NULL);
    /* Binary garbage with NULs and no newline: no crash, nothing added. */
    char junk[300];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (char)(i * 37);
    CHECK(td_keylog_add_text(k, junk, sizeof junk, "junk") == 0);
    /* A key log inside something else names its line in words (a pcapng secrets block). */
    CHECK(td_keylog_add_text(k, bad, 22, "x.pcapng: Decryption Secrets Block at byte 48, line") == 0);
    CHECK_STR(td_keylog_warning(k, 5), "x.pcapng: Decryption Secrets Block at byte 48, line 1: client random is not 64 hex digits");
    td_keylog_free(k);
}

TEST(hkdf_expand_label_rfc8448)
{
    uint8_t s[32], key[16], iv[12];
    unhex(RFC8448_S_HS, s, 32);
    CHECK(td_hkdf_expand_label("SHA256", s, 32, "key", NULL, 0, key, 16));
    CHECK(td_hkdf_expand_label("SHA256", s, 32, "iv", NULL, 0, iv, 12));
    CHECK(eq_hex(key, 16, "3fce516009c21727d0f2e4e86ee403bc"));
    CHECK(eq_hex(iv, 12, "5d313eb2671276ee13000b30"));
    unhex(RFC8448_C_HS, s, 32);
    CHECK(td_hkdf_expand_label("SHA256", s, 32, "key", NULL, 0, key, 16));
    CHECK(td_hkdf_expand_label("SHA256", s, 32, "iv", NULL, 0, iv, 12));
    CHECK(eq_hex(key, 16, "dbfaa693d1762c5b666af5d950258d01"));
    CHECK(eq_hex(iv, 12, "5bd3c71b836e0b76bb73265f"));
}

TEST(tls12_prf_sha256_vector)
{
    uint8_t secret[16], seed[16], out[100];
    unhex("9bbe436ba940f017b17652849a71db35", secret, 16);
    unhex("a0ba9f936cda311827a6f796ffd5198c", seed, 16);
    CHECK(td_tls_prf("SHA256", secret, 16, "test label", seed, 16, out, 100));
    CHECK(eq_hex(out, 100, "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
                           "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
                           "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
                           "87347b66"));
}

/* Seal with an AEAD (the test's own use of OpenSSL): ct then a 16-byte tag, into out. */
static size_t seal(const EVP_CIPHER *c, const uint8_t *key, const uint8_t nonce[12], const uint8_t *aad, size_t aadl,
                   const uint8_t *pt, size_t n, uint8_t *out)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0;
    EVP_EncryptInit_ex(x, c, NULL, NULL, NULL);
    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL);
    EVP_EncryptInit_ex(x, NULL, NULL, key, nonce);
    EVP_EncryptUpdate(x, NULL, &l, aad, (int)aadl);
    EVP_EncryptUpdate(x, out, &l, pt, (int)n);
    EVP_EncryptFinal_ex(x, out + l, &l);
    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, out + n);
    EVP_CIPHER_CTX_free(x);
    return n + 16;
}

/* A key log holding good_log, and the decryptor it gives the connection whose client random is
 * 32 bytes of `c` (the server random: 32 bytes of 3). */
static td_tlsdec *dec_for(td_keylog **k, uint8_t c, uint16_t version, uint16_t suite, bool etm, const char **why)
{
    *k = td_keylog_new();
    td_keylog_add_text(*k, good_log, strlen(good_log), "k.log");
    uint8_t cr[32], sr[32];
    memset(cr, c, 32);
    memset(sr, 3, 32);
    return td_tlsdec_new(*k, cr, sr, version, suite, etm, why);
}

TEST(tls13_record_opens_with_the_rfc8448_keys)
{
    td_keylog *k = NULL;
    const char *why = NULL;
    td_tlsdec *d = dec_for(&k, 1, 0x0304, 0x1301, false, &why);
    CHECK(d != NULL);
    if (!d) { td_keylog_free(k); return; }
    CHECK(td_tlsdec_ready(d, 1) && td_tlsdec_ready(d, 0));
    uint8_t key[16], iv[12];
    unhex("3fce516009c21727d0f2e4e86ee403bc", key, 16);
    unhex("5d313eb2671276ee13000b30", iv, 12);
    /* Two records from the server (sequence 0 and 1): EncryptedExtensions, then an alert. */
    static const uint8_t inner0[] = { 8, 0, 0, 2, 0, 0, 22, 0, 0, 0 };   /* EE, type 22, padding */
    static const uint8_t inner1[] = { 2, 48, 21 };                      /* fatal unknown_ca, type 21 */
    const uint8_t *inner[2] = { inner0, inner1 };
    size_t inner_len[2] = { sizeof inner0, sizeof inner1 };
    for (int seq = 0; seq < 2; seq++) {
        uint8_t nonce[12], hdr[5] = { 23, 3, 3, 0, 0 }, rec[64];
        memcpy(nonce, iv, 12);
        nonce[11] ^= (uint8_t)seq;
        size_t n = inner_len[seq] + 16;
        hdr[4] = (uint8_t)n;
        seal(EVP_aes_128_gcm(), key, nonce, hdr, 5, inner[seq], inner_len[seq], rec);
        uint8_t copy[64];
        memcpy(copy, rec, n);
        copy[0] ^= 1;                                 /* tampered: must not open */
        uint8_t type = 0;
        size_t off = 0, pl = 0;
        if (seq == 1) {
            CHECK(!td_tlsdec_open(d, 1, hdr, copy, n, &type, &off, &pl, &why));
            CHECK_STR(why, "record failed authentication");
        }
        CHECK(td_tlsdec_open(d, 1, hdr, rec, n, &type, &off, &pl, &why));
        CHECK(type == (seq ? 21 : 22));
        CHECK(pl == (seq ? 2u : 6u));
        CHECK(memcmp(rec + off, inner[seq], pl) == 0);
    }
    /* The server's Finished moves it to application keys, which this key log lacks. */
    td_tlsdec_handshake(d, 1, 20);
    CHECK(!td_tlsdec_ready(d, 1));
    td_tlsdec_free(d);
    /* A client random the key log does not know. */
    uint8_t cr[32], sr[32];
    memset(cr, 9, 32);
    memset(sr, 3, 32);
    CHECK(td_tlsdec_new(k, cr, sr, 0x0304, 0x1301, false, &why) == NULL);
    CHECK_STR(why, "the key log has no secrets for this connection's client random");
    td_keylog_free(k);
}

/* TLS 1.2: the key block from the log's master secret (through the PRF checked above). */
static void key_block(uint16_t suite_key, size_t mac, size_t fixed_iv, uint8_t *kb)
{
    uint8_t master[48], seed[64];
    memset(master, 0x0b, 48);
    memset(seed, 3, 32);                             /* server random */
    memset(seed + 32, 2, 32);                        /* client random */
    td_tls_prf("SHA256", master, 48, "key expansion", seed, 64, kb, 2 * (mac + suite_key + fixed_iv));
}

TEST(tls12_gcm_record_opens)
{
    td_keylog *k = NULL;
    uint8_t kb[128];
    const char *why = NULL;
    td_tlsdec *d = dec_for(&k, 2, 0x0303, 0xC02F, false, &why);   /* ECDHE-RSA-AES128-GCM-SHA256 */
    CHECK(d != NULL);
    if (!d) { td_keylog_free(k); return; }
    CHECK(!td_tlsdec_ready(d, 0));                   /* not before its ChangeCipherSpec */
    td_tlsdec_ccs(d, 0);
    CHECK(td_tlsdec_ready(d, 0));
    key_block(16, 0, 4, kb);                         /* client key = kb[0..16), client IV = kb[32..36) */
    static const uint8_t fin[] = { 20, 0, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
    uint8_t rec[64], nonce[12], aad[13] = { 0 }, hdr[5] = { 22, 3, 3, 0, 8 + sizeof fin + 16 };
    memcpy(nonce, kb + 32, 4);
    memset(nonce + 4, 0x55, 8);                      /* explicit nonce */
    memcpy(rec, nonce + 4, 8);
    aad[8] = 22; aad[9] = 3; aad[10] = 3; aad[12] = sizeof fin;
    seal(EVP_aes_128_gcm(), kb, nonce, aad, 13, fin, sizeof fin, rec + 8);
    uint8_t type = 0;
    size_t off = 0, pl = 0;
    CHECK(td_tlsdec_open(d, 0, hdr, rec, hdr[4], &type, &off, &pl, &why));
    CHECK(type == 22 && off == 8 && pl == sizeof fin && memcmp(rec + off, fin, pl) == 0);
    td_tlsdec_free(d);
    td_keylog_free(k);
}

/* CBC + HMAC-SHA1, MAC-then-encrypt and encrypt-then-MAC, for a suite of this block cipher
 * (TLS_RSA_WITH_AES_128_CBC_SHA, _CAMELLIA_128_CBC_SHA, _3DES_EDE_CBC_SHA): a record sealed here
 * with OpenSSL opens, and the same record tampered does not. */
static void tls12_cbc(uint16_t suite, const EVP_CIPHER *cipher, bool etm)
{
    td_keylog *k = NULL;
    uint8_t kb[128];
    const char *why = NULL;
    td_tlsdec *d = dec_for(&k, 2, 0x0303, suite, etm, &why);
    CHECK(d != NULL);
    if (!d) { td_keylog_free(k); return; }
    td_tlsdec_ccs(d, 1);
    size_t kl = (size_t)EVP_CIPHER_get_key_length(cipher), bs = (size_t)EVP_CIPHER_get_block_size(cipher);
    key_block((uint16_t)kl, 20, 0, kb);              /* macs kb[0..40), then the client's key, the server's */
    const uint8_t *smac = kb + 20, *skey = kb + 40 + kl;
    static const char data[] = "HTTP/1.1 200 OK\r\n";
    size_t n = sizeof data - 1;
    uint8_t iv[16], buf[128], rec[160], mac[20], hdr[5] = { 23, 3, 3, 0, 0 };
    memset(iv, 0x42, 16);
    uint8_t pre[13] = { 0, 0, 0, 0, 0, 0, 0, 0, 23, 3, 3, 0, 0 };   /* seq 0, type, version, length */
    unsigned ml = 0;
    size_t body, m;
    if (!etm) {
        pre[12] = (uint8_t)n;
        memcpy(buf, pre, 13);
        memcpy(buf + 13, data, n);
        HMAC(EVP_sha1(), smac, 20, buf, 13 + n, mac, &ml);
        memcpy(buf, data, n);
        memcpy(buf + n, mac, 20);
        m = n + 20;
    } else {
        memcpy(buf, data, n);
        m = n;
    }
    size_t pad = bs - 1 - m % bs;
    memset(buf + m, (int)pad, pad + 1);
    m += pad + 1;
    memcpy(rec, iv, bs);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0;
    EVP_EncryptInit_ex(x, cipher, NULL, skey, iv);
    EVP_CIPHER_CTX_set_padding(x, 0);
    EVP_EncryptUpdate(x, rec + bs, &l, buf, (int)m);
    EVP_CIPHER_CTX_free(x);
    body = bs + m;
    if (etm) {
        pre[12] = (uint8_t)body;
        uint8_t macin[160];
        memcpy(macin, pre, 13);
        memcpy(macin + 13, rec, body);
        HMAC(EVP_sha1(), smac, 20, macin, 13 + body, mac, &ml);
        memcpy(rec + body, mac, 20);
        body += 20;
    }
    hdr[4] = (uint8_t)body;
    uint8_t copy[160];
    memcpy(copy, rec, body);
    copy[body - 1] ^= 0x80;                          /* tampered */
    uint8_t type = 0;
    size_t off = 0, pl = 0;
    CHECK(!td_tlsdec_open(d, 1, hdr, copy, body, &type, &off, &pl, &why));
    CHECK(td_tlsdec_open(d, 1, hdr, rec, body, &type, &off, &pl, &why));
    CHECK(type == 23 && pl == n && memcmp(rec + off, data, n) == 0);
    td_tlsdec_free(d);
    td_keylog_free(k);
}

TEST(tls12_cbc_mac_then_encrypt_opens) { tls12_cbc(0x002F, EVP_aes_128_cbc(), false); }
TEST(tls12_cbc_encrypt_then_mac_opens) { tls12_cbc(0x002F, EVP_aes_128_cbc(), true); }
TEST(tls12_camellia_cbc_opens)
{
    tls12_cbc(0x0041, EVP_camellia_128_cbc(), false);
    tls12_cbc(0x0041, EVP_camellia_128_cbc(), true);
}
TEST(tls12_3des_cbc_opens)                           /* an 8-byte block and IV */
{
    tls12_cbc(0x000A, EVP_des_ede3_cbc(), false);
    tls12_cbc(0x000A, EVP_des_ede3_cbc(), true);
}

TEST(unsupported_suite_says_so)
{
    td_keylog *k = NULL;
    const char *why = NULL;
    CHECK(dec_for(&k, 2, 0x0303, 0x0005, false, &why) == NULL);   /* RC4 */
    CHECK_STR(why, "cipher suite not decrypted by tlsdiag");
    td_keylog_free(k);
}

TEST(session_master_secret_is_remembered)
{
    td_keylog *k = td_keylog_new();
    uint8_t id[40], master[48], got[48];
    memset(id, 7, sizeof id);
    memset(master, 0x33, 48);
    CHECK(!td_keylog_find_session(k, id, sizeof id, got));
    td_keylog_add_session(k, id, sizeof id, master);
    CHECK(td_keylog_find_session(k, id, sizeof id, got) && memcmp(got, master, 48) == 0);
    CHECK(!td_keylog_find_session(k, id, 32, got));
    td_keylog_free(k);
}

static bool app_line(const char *data, char *out)
{
    return td_sniff_app_first((const uint8_t *)data, strlen(data), out, TD_APP_LINE_MAX);
}

TEST(first_line_of_application_data_is_recognised_and_nothing_else)
{
    char out[TD_APP_LINE_MAX];
    CHECK(app_line("GET /index.html HTTP/1.1\r\nHost: a\r\nCookie: secret\r\n\r\n", out));
    CHECK_STR(out, "GET /index.html HTTP/1.1");
    CHECK(app_line("HTTP/1.1 200 OK\r\nSet-Cookie: s=1\r\n\r\nbody", out));
    CHECK_STR(out, "HTTP/1.1 200 OK");
    CHECK(app_line("HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n<html><center>No required SSL certificate "
                   "was sent</center></html>", out));
    CHECK_STR(out, "HTTP/1.1 400 Bad Request ... No required SSL certificate was sent");
    CHECK(app_line("HTTP/1.0 403 Forbidden\r\n\r\n", out));
    CHECK_STR(out, "HTTP/1.0 403 Forbidden");
    CHECK(app_line("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04", out));
    CHECK_STR(out, "HTTP/2 connection preface");
    /* Anything else: nothing kept. */
    CHECK(!app_line("{\"password\":\"hunter2\"}", out) && out[0] == '\0');
    CHECK(!app_line("SSH-2.0-OpenSSH_9.2\r\n", out) && out[0] == '\0');
    CHECK(!app_line("GET /no-version\r\n", out) && out[0] == '\0');
    CHECK(!app_line("HTTP/1.1 2xx nope\r\n", out) && out[0] == '\0');
    /* Binary in the line becomes '?'. */
    CHECK(app_line("GET /\x01\xff HTTP/1.0\r\n", out));
    CHECK_STR(out, "GET /?? HTTP/1.0");
    /* A tiny buffer is respected. */
    char small[8];
    CHECK(td_sniff_app_first((const uint8_t *)"HTTP/1.1 200 OK\r\n", 17, small, sizeof small));
    CHECK_STR(small, "HTTP/1.");
}

int main(void)
{
    RUN(keylog_parses_any_order_crlf_and_a_last_line_without_newline);
    RUN(keylog_bad_lines_are_warnings_naming_the_line);
    RUN(hkdf_expand_label_rfc8448);
    RUN(tls12_prf_sha256_vector);
    RUN(tls13_record_opens_with_the_rfc8448_keys);
    RUN(tls12_gcm_record_opens);
    RUN(tls12_cbc_mac_then_encrypt_opens);
    RUN(tls12_cbc_encrypt_then_mac_opens);
    RUN(tls12_camellia_cbc_opens);
    RUN(tls12_3des_cbc_opens);
    RUN(unsupported_suite_says_so);
    RUN(session_master_secret_is_remembered);
    RUN(first_line_of_application_data_is_recognised_and_nothing_else);
    return check_done();
}
