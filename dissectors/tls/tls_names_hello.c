/* tls_names_hello.c - names for the code points a hello offers: groups, signature schemes and the small lists.
 *
 * Supported groups (IANA "TLS Supported Groups", with the post-quantum hybrids and the Kyber
 * drafts' code points), signature schemes (IANA "TLS SignatureScheme", and the TLS 1.2
 * hash/signature pairs of RFC 5246 that predate it), EC point formats, PSK key exchange modes and
 * certificate compression algorithms.  Static tables, a binary search; no state. */
#include <stdio.h>

#include "dissectors/dissect.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

typedef struct code_name {
    uint16_t code;
    const char *name;
} code_name;

static const char *find(const code_name *t, size_t n, uint16_t code)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].code == code) return t[mid].name;
        if (t[mid].code < code) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* Strictly ascending by code. */
static const code_name groups[] = {
    { 0x0001, "sect163k1" }, { 0x0002, "sect163r1" }, { 0x0003, "sect163r2" }, { 0x0004, "sect193r1" },
    { 0x0005, "sect193r2" }, { 0x0006, "sect233k1" }, { 0x0007, "sect233r1" }, { 0x0008, "sect239k1" },
    { 0x0009, "sect283k1" }, { 0x000A, "sect283r1" }, { 0x000B, "sect409k1" }, { 0x000C, "sect409r1" },
    { 0x000D, "sect571k1" }, { 0x000E, "sect571r1" }, { 0x000F, "secp160k1" }, { 0x0010, "secp160r1" },
    { 0x0011, "secp160r2" }, { 0x0012, "secp192k1" }, { 0x0013, "secp192r1" }, { 0x0014, "secp224k1" },
    { 0x0015, "secp224r1" }, { 0x0016, "secp256k1" }, { 0x0017, "secp256r1" }, { 0x0018, "secp384r1" },
    { 0x0019, "secp521r1" }, { 0x001A, "brainpoolP256r1" }, { 0x001B, "brainpoolP384r1" },
    { 0x001C, "brainpoolP512r1" }, { 0x001D, "x25519" }, { 0x001E, "x448" },
    { 0x001F, "brainpoolP256r1tls13" }, { 0x0020, "brainpoolP384r1tls13" }, { 0x0021, "brainpoolP512r1tls13" },
    { 0x0022, "GC256A" }, { 0x0023, "GC256B" }, { 0x0024, "GC256C" }, { 0x0025, "GC256D" },
    { 0x0026, "GC512A" }, { 0x0027, "GC512B" }, { 0x0028, "GC512C" }, { 0x0029, "curveSM2" },
    { 0x0100, "ffdhe2048" }, { 0x0101, "ffdhe3072" }, { 0x0102, "ffdhe4096" }, { 0x0103, "ffdhe6144" },
    { 0x0104, "ffdhe8192" },
    { 0x0200, "MLKEM512" }, { 0x0201, "MLKEM768" }, { 0x0202, "MLKEM1024" },
    { 0x11EB, "SecP256r1MLKEM768" }, { 0x11EC, "X25519MLKEM768" }, { 0x11ED, "SecP384r1MLKEM1024" },
    { 0x6399, "X25519Kyber768Draft00" }, { 0x639A, "SecP256r1Kyber768Draft00" },
    { 0xFE30, "X25519Kyber512Draft00" },   /* the code points used before IANA's 0x6399 */
    { 0xFE31, "X25519Kyber768Draft00" },
    { 0xFF01, "arbitrary_explicit_prime_curves" }, { 0xFF02, "arbitrary_explicit_char2_curves" },
};

const char *td_group_name(uint16_t g) { return find(groups, N_ELEMS(groups), g); }

/* Post-quantum (ML-KEM, Kyber) or a hybrid with one. */
bool td_group_is_pq(uint16_t g)
{
    return (g >= 0x0200 && g <= 0x0202) || (g >= 0x11EB && g <= 0x11ED) || g == 0x6399 || g == 0x639A ||
           g == 0xFE30 || g == 0xFE31;
}

/* Strictly ascending by code.  Below 0x0700 the TLS 1.2 (hash, signature) pairs. */
static const code_name sigalgs[] = {
    { 0x0101, "rsa_md5" }, { 0x0102, "dsa_md5" }, { 0x0103, "ecdsa_md5" },
    { 0x0201, "rsa_pkcs1_sha1" }, { 0x0202, "dsa_sha1" }, { 0x0203, "ecdsa_sha1" },
    { 0x0301, "rsa_sha224" }, { 0x0302, "dsa_sha224" }, { 0x0303, "ecdsa_sha224" },
    { 0x0401, "rsa_pkcs1_sha256" }, { 0x0402, "dsa_sha256" }, { 0x0403, "ecdsa_secp256r1_sha256" },
    { 0x0420, "rsa_pkcs1_sha256_legacy" },
    { 0x0501, "rsa_pkcs1_sha384" }, { 0x0502, "dsa_sha384" }, { 0x0503, "ecdsa_secp384r1_sha384" },
    { 0x0520, "rsa_pkcs1_sha384_legacy" },
    { 0x0601, "rsa_pkcs1_sha512" }, { 0x0602, "dsa_sha512" }, { 0x0603, "ecdsa_secp521r1_sha512" },
    { 0x0620, "rsa_pkcs1_sha512_legacy" },
    { 0x0704, "eccsi_sha256" }, { 0x0705, "iso_ibs1" }, { 0x0706, "iso_ibs2" }, { 0x0707, "iso_chinese_ibs" },
    { 0x0708, "sm2sig_sm3" }, { 0x0709, "gostr34102012_256a" }, { 0x070A, "gostr34102012_256b" },
    { 0x070B, "gostr34102012_256c" }, { 0x070C, "gostr34102012_256d" }, { 0x070D, "gostr34102012_512a" },
    { 0x070E, "gostr34102012_512b" }, { 0x070F, "gostr34102012_512c" },
    { 0x0804, "rsa_pss_rsae_sha256" }, { 0x0805, "rsa_pss_rsae_sha384" }, { 0x0806, "rsa_pss_rsae_sha512" },
    { 0x0807, "ed25519" }, { 0x0808, "ed448" },
    { 0x0809, "rsa_pss_pss_sha256" }, { 0x080A, "rsa_pss_pss_sha384" }, { 0x080B, "rsa_pss_pss_sha512" },
    { 0x081A, "ecdsa_brainpoolP256r1tls13_sha256" }, { 0x081B, "ecdsa_brainpoolP384r1tls13_sha384" },
    { 0x081C, "ecdsa_brainpoolP512r1tls13_sha512" },
    { 0x0904, "mldsa44" }, { 0x0905, "mldsa65" }, { 0x0906, "mldsa87" },
};

const char *td_sigalg_name(uint16_t s) { return find(sigalgs, N_ELEMS(sigalgs), s); }

const char *td_point_format_name(uint8_t f)
{
    static const char *const names[] = { "uncompressed", "ansiX962_compressed_prime", "ansiX962_compressed_char2" };
    return f < N_ELEMS(names) ? names[f] : NULL;
}

const char *td_psk_mode_name(uint8_t m) { return m == 0 ? "psk_ke" : m == 1 ? "psk_dhe_ke" : NULL; }

const char *td_cert_compression_name(uint16_t a)
{
    return a == 1 ? "zlib" : a == 2 ? "brotli" : a == 3 ? "zstd" : NULL;
}

/* ---- labels: the name, "grease", or the number -------------------------------------------- */

static const char *label16(const char *name, uint16_t v, char *buf, size_t len)
{
    if (name) return name;
    if (td_is_grease(v)) return "grease";
    snprintf(buf, len, "0x%04X", v);
    return buf;
}

const char *td_group_label(uint16_t g, char *buf, size_t len) { return label16(td_group_name(g), g, buf, len); }
const char *td_sigalg_label(uint16_t s, char *buf, size_t len) { return label16(td_sigalg_name(s), s, buf, len); }
const char *td_extension_label(uint16_t e, char *buf, size_t len)
{
    return label16(td_extension_name(e), e, buf, len);
}
const char *td_cert_compression_label(uint16_t a, char *buf, size_t len)
{
    return label16(td_cert_compression_name(a), a, buf, len);
}
