/* tls_fp_digest.c - MD5 (RFC 1321) and SHA-256 (FIPS 180-4) of the fingerprints' strings, remembered.
 *
 * JA3 names MD5 and JA4 SHA-256 as the hashes of their strings: names, not security.  Through
 * OpenSSL 3's EVP_Digest every call fetches the algorithm again (a lock, a name lookup and a
 * context allocation: 6000 instructions for a 100-byte string), four times per connection; these
 * plain functions take a few hundred and behave the same in a FIPS build, where EVP's MD5 is
 * missing.  tests/unit/test_fingerprints.c checks both against OpenSSL's on every length up
 * to 1000 bytes.
 *
 * The memo: the clients of a capture are a few programs, and each sends the same lists in every
 * connection, so the same strings come again and again (the JA4 parts, sorted and without
 * GREASE, even from browsers that shuffle their extensions).  An object the caller owns and
 * passes in (the dissectors keep no global state), like the X.509 cache: direct-mapped on a
 * hash of the string, confirmed by comparing the whole string, so an answer from it is the
 * digest itself.  A newcomer replaces whatever held its slot: memory is bounded by the slots. */
#include <stdlib.h>
#include <string.h>

#include "dissectors/tls/tls_int.h"

static uint32_t rol32(uint32_t x, unsigned n) { return (x << n) | (x >> (32 - n)); }
static uint32_t ror32(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static const uint32_t MD5_K[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

/* One MD5 step; the rounds are written out (no per-step branch or register rotation). */
#define MD5_STEP(f, a, b, c, d, k, r) (a) = (b) + rol32((a) + f((b), (c), (d)) + MD5_K[k] + m[MD5_G(k)], (r))
#define MD5_F(b, c, d) (((b) & (c)) | (~(b) & (d)))
#define MD5_GG(b, c, d) (((d) & (b)) | (~(d) & (c)))
#define MD5_H(b, c, d) ((b) ^ (c) ^ (d))
#define MD5_I(b, c, d) ((c) ^ ((b) | ~(d)))
#define MD5_G(k) ((k) < 16 ? (k) : (k) < 32 ? (5 * (k) + 1) & 15 : (k) < 48 ? (3 * (k) + 5) & 15 : (7 * (k)) & 15)
#define MD5_FOUR(f, k, r0, r1, r2, r3)                                                                     \
    MD5_STEP(f, a, b, c, d, k, r0);                                                                        \
    MD5_STEP(f, d, a, b, c, (k) + 1, r1);                                                                  \
    MD5_STEP(f, c, d, a, b, (k) + 2, r2);                                                                  \
    MD5_STEP(f, b, c, d, a, (k) + 3, r3)

static void md5_block(uint32_t st[4], const uint8_t *p)
{
    uint32_t m[16];
    for (int i = 0; i < 16; i++)
        m[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
    MD5_FOUR(MD5_F, 0, 7, 12, 17, 22);
    MD5_FOUR(MD5_F, 4, 7, 12, 17, 22);
    MD5_FOUR(MD5_F, 8, 7, 12, 17, 22);
    MD5_FOUR(MD5_F, 12, 7, 12, 17, 22);
    MD5_FOUR(MD5_GG, 16, 5, 9, 14, 20);
    MD5_FOUR(MD5_GG, 20, 5, 9, 14, 20);
    MD5_FOUR(MD5_GG, 24, 5, 9, 14, 20);
    MD5_FOUR(MD5_GG, 28, 5, 9, 14, 20);
    MD5_FOUR(MD5_H, 32, 4, 11, 16, 23);
    MD5_FOUR(MD5_H, 36, 4, 11, 16, 23);
    MD5_FOUR(MD5_H, 40, 4, 11, 16, 23);
    MD5_FOUR(MD5_H, 44, 4, 11, 16, 23);
    MD5_FOUR(MD5_I, 48, 6, 10, 15, 21);
    MD5_FOUR(MD5_I, 52, 6, 10, 15, 21);
    MD5_FOUR(MD5_I, 56, 6, 10, 15, 21);
    MD5_FOUR(MD5_I, 60, 6, 10, 15, 21);
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
}

static const uint32_t SHA_K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* One SHA-256 round: d and h take the new values, the caller renames instead of moving. */
#define SHA_ROUND(a, b, c, d, e, f, g, h, i)                                                               \
    do {                                                                                                   \
        uint32_t t1_ = (h) + (ror32((e), 6) ^ ror32((e), 11) ^ ror32((e), 25)) + (((e) & (f)) ^ (~(e) & (g))) + \
                       SHA_K[i] + w[i];                                                                    \
        uint32_t t2_ = (ror32((a), 2) ^ ror32((a), 13) ^ ror32((a), 22)) + (((a) & (b)) ^ ((a) & (c)) ^ ((b) & (c))); \
        (d) += t1_;                                                                                        \
        (h) = t1_ + t2_;                                                                                   \
    } while (0)

static void sha256_block(uint32_t st[8], const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
               (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
    for (int i = 0; i < 64; i += 8) {              /* eight rounds a turn, the names rotated */
        SHA_ROUND(a, b, c, d, e, f, g, h, i);
        SHA_ROUND(h, a, b, c, d, e, f, g, i + 1);
        SHA_ROUND(g, h, a, b, c, d, e, f, i + 2);
        SHA_ROUND(f, g, h, a, b, c, d, e, i + 3);
        SHA_ROUND(e, f, g, h, a, b, c, d, i + 4);
        SHA_ROUND(d, e, f, g, h, a, b, c, i + 5);
        SHA_ROUND(c, d, e, f, g, h, a, b, i + 6);
        SHA_ROUND(b, c, d, e, f, g, h, a, i + 7);
    }
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
    st[4] += e;
    st[5] += f;
    st[6] += g;
    st[7] += h;
}

/* The Merkle-Damgard walk both share: whole blocks, then the padding (0x80, zeros, the bit
 * length in the last 8 bytes, little-endian for MD5, big-endian for SHA-256). */
static void digest(void (*block)(uint32_t *, const uint8_t *), uint32_t *st, bool big_endian, const void *data,
                   size_t n)
{
    const uint8_t *p = data;
    size_t whole = n & ~(size_t)63;
    for (size_t i = 0; i < whole; i += 64) block(st, p + i);
    uint8_t tail[128] = { 0 };
    size_t rest = n - whole;
    memcpy(tail, p + whole, rest);
    tail[rest] = 0x80;
    size_t end = rest + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)n * 8;
    for (int i = 0; i < 8; i++) tail[end - 8 + i] = (uint8_t)(bits >> (big_endian ? 56 - 8 * i : 8 * i));
    block(st, tail);
    if (end == 128) block(st, tail + 64);
}

void tls_md5(const void *data, size_t n, uint8_t out[16])
{
    uint32_t st[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
    digest(md5_block, st, false, data, n);
    for (int i = 0; i < 16; i++) out[i] = (uint8_t)(st[i / 4] >> (8 * (i % 4)));
}

void tls_sha256(const void *data, size_t n, uint8_t out[32])
{
    uint32_t st[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    digest(sha256_block, st, true, data, n);
    for (int i = 0; i < 32; i++) out[i] = (uint8_t)(st[i / 4] >> (24 - 8 * (i % 4)));
}

/* ---- the memo --------------------------------------------------------------------------------- */

enum { MEMO_KEY_MAX = 2048 };      /* longer strings are hashed every time, not remembered */

typedef struct memo_slot {
    uint64_t hash;                 /* of the algorithm and the string; 0: empty */
    size_t len;
    char *text;                    /* heap copy of the string: the key, compared whole */
    uint8_t digest[32];            /* 16 bytes for MD5 */
} memo_slot;

struct td_fp_memo {
    memo_slot *slots;
    size_t n;                      /* a power of two */
};

td_fp_memo *td_fp_memo_new(size_t slots)
{
    td_fp_memo *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    size_t n = 1;
    while (n < slots) n *= 2;
    if (!(m->slots = calloc(n, sizeof *m->slots))) {
        free(m);
        return NULL;
    }
    m->n = n;
    return m;
}

void td_fp_memo_free(td_fp_memo *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) free(m->slots[i].text);
    free(m->slots);
    free(m);
}

/* A fast 64-bit hash to pick the slot (8 bytes a step); never 0.  Not a digest: a collision
 * costs a comparison, never a wrong answer. */
static uint64_t text_hash(int algo, const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)algo << 32) ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    memcpy(&w, s + i, n - i);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    return h ? h : 1;
}

void tls_fp_digest(td_fp_memo *m, int algo, const char *s, size_t n, uint8_t out[32])
{
    size_t dlen = algo == TLS_FP_MD5 ? 16 : 32;
    memo_slot *e = NULL;
    uint64_t h = 0;
    if (m && n <= MEMO_KEY_MAX) {
        h = text_hash(algo, s, n);
        e = &m->slots[h & (m->n - 1)];
        if (e->hash == h && e->len == n && memcmp(e->text, s, n) == 0) {
            memcpy(out, e->digest, dlen);
            return;
        }
    }
    if (algo == TLS_FP_MD5) tls_md5(s, n, out);
    else tls_sha256(s, n, out);
    if (!e) return;
    char *copy = malloc(n + 1);                    /* a newcomer replaces the slot's string */
    if (!copy) return;
    memcpy(copy, s, n);
    copy[n] = '\0';
    free(e->text);
    e->text = copy;
    e->hash = h;
    e->len = n;
    memcpy(e->digest, out, dlen);
}
