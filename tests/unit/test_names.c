/* test_names.c - unit tests for dissectors/tls/tls_names.c: cipher suite, version, alert, handshake
 * and extension names, GREASE, and the cipher weakness classification. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "dissectors/dissect.h"

typedef struct pair {
    uint32_t code;
    const char *name;
} pair;

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Known IANA code points, across every family in the registry. */
static const pair known_suites[] = {
    { 0x0000, "TLS_NULL_WITH_NULL_NULL" },
    { 0x0001, "TLS_RSA_WITH_NULL_MD5" },
    { 0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5" },
    { 0x0004, "TLS_RSA_WITH_RC4_128_MD5" },
    { 0x0005, "TLS_RSA_WITH_RC4_128_SHA" },
    { 0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5" },
    { 0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA" },
    { 0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA" },
    { 0x0009, "TLS_RSA_WITH_DES_CBC_SHA" },
    { 0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" },
    { 0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA" },
    { 0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA" },
    { 0x0018, "TLS_DH_anon_WITH_RC4_128_MD5" },
    { 0x001B, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA" },
    { 0x001E, "TLS_KRB5_WITH_DES_CBC_SHA" },
    { 0x0025, "TLS_KRB5_WITH_IDEA_CBC_MD5" },
    { 0x002B, "TLS_KRB5_EXPORT_WITH_RC4_40_MD5" },
    { 0x002C, "TLS_PSK_WITH_NULL_SHA" },
    { 0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA" },
    { 0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA" },
    { 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA" },
    { 0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA" },
    { 0x003B, "TLS_RSA_WITH_NULL_SHA256" },
    { 0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256" },
    { 0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256" },
    { 0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA" },
    { 0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA" },
    { 0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256" },
    { 0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256" },
    { 0x006D, "TLS_DH_anon_WITH_AES_256_CBC_SHA256" },
    { 0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA" },
    { 0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA" },
    { 0x008A, "TLS_PSK_WITH_RC4_128_SHA" },
    { 0x008C, "TLS_PSK_WITH_AES_128_CBC_SHA" },
    { 0x0091, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA" },
    { 0x0095, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA" },
    { 0x0096, "TLS_RSA_WITH_SEED_CBC_SHA" },
    { 0x009B, "TLS_DH_anon_WITH_SEED_CBC_SHA" },
    { 0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
    { 0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384" },
    { 0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" },
    { 0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" },
    { 0x00A8, "TLS_PSK_WITH_AES_128_GCM_SHA256" },
    { 0x00B9, "TLS_RSA_PSK_WITH_NULL_SHA384" },
    { 0x00BA, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
    { 0x00C5, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256" },
    { 0x00C6, "TLS_SM4_GCM_SM3" },
    { 0x00C7, "TLS_SM4_CCM_SM3" },
    { 0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV" },
    { 0x1301, "TLS_AES_128_GCM_SHA256" },
    { 0x1302, "TLS_AES_256_GCM_SHA384" },
    { 0x1303, "TLS_CHACHA20_POLY1305_SHA256" },
    { 0x1304, "TLS_AES_128_CCM_SHA256" },
    { 0x1305, "TLS_AES_128_CCM_8_SHA256" },
    { 0x5600, "TLS_FALLBACK_SCSV" },
    { 0xC001, "TLS_ECDH_ECDSA_WITH_NULL_SHA" },
    { 0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA" },
    { 0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" },
    { 0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" },
    { 0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA" },
    { 0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA" },
    { 0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" },
    { 0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" },
    { 0xC018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA" },
    { 0xC01A, "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA" },
    { 0xC022, "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA" },
    { 0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" },
    { 0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384" },
    { 0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256" },
    { 0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384" },
    { 0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
    { 0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
    { 0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
    { 0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
    { 0xC032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384" },
    { 0xC033, "TLS_ECDHE_PSK_WITH_RC4_128_SHA" },
    { 0xC035, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA" },
    { 0xC03B, "TLS_ECDHE_PSK_WITH_NULL_SHA384" },
    { 0xC03C, "TLS_RSA_WITH_ARIA_128_CBC_SHA256" },
    { 0xC04C, "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256" },
    { 0xC05C, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256" },
    { 0xC061, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384" },
    { 0xC071, "TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384" },
    { 0xC072, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256" },
    { 0xC08B, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384" },
    { 0xC09B, "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
    { 0xC09C, "TLS_RSA_WITH_AES_128_CCM" },
    { 0xC0A0, "TLS_RSA_WITH_AES_128_CCM_8" },
    { 0xC0AA, "TLS_PSK_DHE_WITH_AES_128_CCM_8" },
    { 0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM" },
    { 0xC0AF, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8" },
    { 0xC0B0, "TLS_ECCPWD_WITH_AES_128_GCM_SHA256" },
    { 0xC0B3, "TLS_ECCPWD_WITH_AES_256_CCM_SHA384" },
    { 0xC0B4, "TLS_SHA256_SHA256" },
    { 0xC0B5, "TLS_SHA384_SHA384" },
    { 0xC100, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC" },
    { 0xC102, "TLS_GOSTR341112_256_WITH_28147_CNT_IMIT" },
    { 0xC103, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L" },
    { 0xC106, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_S" },
    { 0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
    { 0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
    { 0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
    { 0xCCAE, "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256" },
    { 0xD001, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256" },
    { 0xD003, "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256" },
    { 0xD005, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256" },
    { 0x010080, "SSL2_RC4_128_WITH_MD5" },
    { 0x020080, "SSL2_RC4_128_EXPORT40_WITH_MD5" },
    { 0x030080, "SSL2_RC2_128_CBC_WITH_MD5" },
    { 0x040080, "SSL2_RC2_128_CBC_EXPORT40_WITH_MD5" },
    { 0x050080, "SSL2_IDEA_128_CBC_WITH_MD5" },
    { 0x060040, "SSL2_DES_64_CBC_WITH_MD5" },
    { 0x0700C0, "SSL2_DES_192_EDE3_CBC_WITH_MD5" },
};

TEST(cipher_known_names)
{
    for (size_t i = 0; i < N_ELEMS(known_suites); i++)
        CHECK_STR(td_cipher_name(known_suites[i].code), known_suites[i].name);
}

TEST(cipher_unassigned)
{
    static const uint32_t none[] = {
        0x001C, 0x001D, 0x0047, 0x0060, 0x0066, 0x0072, 0x0083, 0x00C8, 0x00FE, 0x0100,
        0x1300, 0x1308, 0x55FF, 0x5601, 0xC000, 0xC0B6, 0xC0FF, 0xC107, 0xCCA7, 0xCCAF,
        0xD000, 0xD004, 0xD006, 0xFEFE, 0xFEFF, 0xFFE0, 0xFFFF,
        /* GREASE is not a suite */
        0x0A0A, 0x3A3A, 0xCACA, 0xFAFA,
        /* near the SSLv2 kinds, and beyond */
        0x010000, 0x010081, 0x060080, 0x0700C1, 0x080080, 0xFFFFFF, 0xFFFFFFFFu,
    };
    for (size_t i = 0; i < N_ELEMS(none); i++) {
        const char *n = td_cipher_name(none[i]);
        CHECK(n == NULL);
        if (n)
            printf("    0x%06x unexpectedly named %s\n", (unsigned)none[i], n);
    }
}

/* A sweep: every entry of the (binary-searched) table must be reachable, so the number of named
 * code points is exactly the table size.  An unsorted or duplicated table loses entries here. */
TEST(cipher_sweep_counts)
{
    unsigned tls = 0, ssl2 = 0;
    bool names_ok = true;
    for (uint32_t v = 0; v <= 0xFFFF; v++) {
        const char *n = td_cipher_name(v);
        if (!n)
            continue;
        tls++;
        if (strncmp(n, "TLS_", 4) != 0)
            names_ok = false;
    }
    for (uint32_t v = 0x010000; v <= 0x07FFFF; v++) {
        const char *n = td_cipher_name(v);
        if (!n)
            continue;
        ssl2++;
        if (strncmp(n, "SSL2_", 5) != 0)
            names_ok = false;
    }
    CHECK(tls == 356);
    CHECK(ssl2 == 7);
    CHECK(names_ok);
    if (tls != 356 || ssl2 != 7)
        printf("    found %u TLS and %u SSLv2 names\n", tls, ssl2);
}

TEST(cipher_weakness)
{
    CHECK_STR(td_cipher_weakness(0x0004), "RC4");
    CHECK_STR(td_cipher_weakness(0x0005), "RC4");
    CHECK_STR(td_cipher_weakness(0xC011), "RC4");
    CHECK_STR(td_cipher_weakness(0x000A), "3DES");
    CHECK_STR(td_cipher_weakness(0xC012), "3DES");
    CHECK_STR(td_cipher_weakness(0x0023), "3DES");          /* KRB5 3DES .._MD5: 3DES first */
    CHECK_STR(td_cipher_weakness(0x0009), "DES");
    CHECK_STR(td_cipher_weakness(0x0015), "DES");
    CHECK_STR(td_cipher_weakness(0x0022), "DES");
    CHECK_STR(td_cipher_weakness(0x0003), "export grade");
    CHECK_STR(td_cipher_weakness(0x0006), "export grade");
    CHECK_STR(td_cipher_weakness(0x0008), "export grade");
    CHECK_STR(td_cipher_weakness(0x0017), "export grade");  /* anon + export + RC4: export wins */
    CHECK_STR(td_cipher_weakness(0x0026), "export grade");
    CHECK_STR(td_cipher_weakness(0x0018), "anonymous key exchange");
    CHECK_STR(td_cipher_weakness(0x0034), "anonymous key exchange");
    CHECK_STR(td_cipher_weakness(0xC018), "anonymous key exchange");
    CHECK_STR(td_cipher_weakness(0xC05A), "anonymous key exchange");
    CHECK_STR(td_cipher_weakness(0x0000), "NULL encryption");
    CHECK_STR(td_cipher_weakness(0x0001), "NULL encryption");
    CHECK_STR(td_cipher_weakness(0x0002), "NULL encryption");
    CHECK_STR(td_cipher_weakness(0x002C), "NULL encryption");
    CHECK_STR(td_cipher_weakness(0xC010), "NULL encryption");
    CHECK_STR(td_cipher_weakness(0xC015), "NULL encryption"); /* anon + NULL: NULL wins */
    CHECK_STR(td_cipher_weakness(0xC0B4), "NULL encryption"); /* integrity-only (RFC 9150) */
    CHECK_STR(td_cipher_weakness(0x0007), "IDEA");
    CHECK_STR(td_cipher_weakness(0x0021), "IDEA");
    CHECK_STR(td_cipher_weakness(0x010080), "RC4");
    CHECK_STR(td_cipher_weakness(0x020080), "export grade");
    CHECK_STR(td_cipher_weakness(0x030080), "RC2");
    CHECK_STR(td_cipher_weakness(0x040080), "export grade");
    CHECK_STR(td_cipher_weakness(0x050080), "IDEA");
    CHECK_STR(td_cipher_weakness(0x060040), "DES");
    CHECK_STR(td_cipher_weakness(0x0700C0), "3DES");

    static const uint32_t fine[] = {
        0x002F, 0x0035, 0x009C, 0x009E, 0x00C6, 0x1301, 0x1302, 0x1303, 0x1304, 0x1305,
        0xC009, 0xC013, 0xC027, 0xC02B, 0xC02F, 0xC030, 0xC09C, 0xC0AE, 0xC0B0, 0xC103,
        0xCCA8, 0xCCA9, 0xD001,
        /* SCSVs and unassigned values have no weakness */
        0x00FF, 0x5600, 0x0A0A, 0xD004, 0xFFFF, 0x080080,
    };
    for (size_t i = 0; i < N_ELEMS(fine); i++) {
        const char *w = td_cipher_weakness(fine[i]);
        CHECK(w == NULL);
        if (w)
            printf("    0x%04x unexpectedly weak: %s\n", (unsigned)fine[i], w);
    }
}

/* Every suite with a NULL cipher or EXPORT in its name is flagged, across the whole registry. */
TEST(cipher_weakness_sweep)
{
    unsigned missed = 0, flagged = 0;
    for (uint32_t v = 0; v <= 0xFFFF; v++) {
        const char *n = td_cipher_name(v);
        if (!n)
            continue;
        const char *w = td_cipher_weakness(v);
        if (w)
            flagged++;
        if ((strstr(n, "_WITH_NULL_") || strstr(n, "EXPORT") || strstr(n, "_RC4_") ||
             strstr(n, "_anon_") || strstr(n, "DES")) && !w)
            missed++;
        if (strstr(n, "_AES_") && strstr(n, "ECDHE_") && !strstr(n, "NULL") && w)
            missed++;
    }
    CHECK(missed == 0);
    CHECK(flagged > 50 && flagged < 200);
}

TEST(versions)
{
    CHECK_STR(td_version_name(0x0002), "SSL2");
    CHECK_STR(td_version_name(0x0300), "SSL3");
    CHECK_STR(td_version_name(0x0301), "TLS1.0");
    CHECK_STR(td_version_name(0x0302), "TLS1.1");
    CHECK_STR(td_version_name(0x0303), "TLS1.2");
    CHECK_STR(td_version_name(0x0304), "TLS1.3");
    CHECK_STR(td_version_name(0x7f00), "TLS1.3-draft-0");
    CHECK_STR(td_version_name(0x7f12), "TLS1.3-draft-18");
    CHECK_STR(td_version_name(0x7f15), "TLS1.3-draft-21");
    CHECK_STR(td_version_name(0x7f1c), "TLS1.3-draft-28");
    CHECK(td_version_name(0x7f1d) == NULL);                /* no such draft was published ... */
    CHECK(td_version_name(0x7fff) == NULL);
    CHECK(td_version_name(0xfb1a) == NULL);                /* Facebook's draft-26 variant */
    CHECK(td_version_name(0x0000) == NULL);
    CHECK(td_version_name(0x0001) == NULL);
    CHECK(td_version_name(0x0200) == NULL);
    CHECK(td_version_name(0x0305) == NULL);
    CHECK(td_version_name(0x0400) == NULL);
    CHECK(td_version_name(0x7eff) == NULL);
    CHECK(td_version_name(0x8000) == NULL);
    CHECK(td_version_name(0xfeff) == NULL);                /* DTLS 1.0 */
    CHECK(td_version_name(0xfefd) == NULL);                /* DTLS 1.2 */
    CHECK(td_version_name(0x0a0a) == NULL);                /* GREASE */
    CHECK(td_version_name(0xffff) == NULL);
}

TEST(version_labels_and_tls13_drafts)
{
    char b[32];
    CHECK_STR(td_version_label(0x0304, b, sizeof b), "TLS1.3");
    CHECK_STR(td_version_label(0x7f17, b, sizeof b), "TLS1.3-draft-23");
    CHECK_STR(td_version_label(0x7f1d, b, sizeof b), "TLS1.3-draft-29");   /* ... but a label it gets */
    CHECK_STR(td_version_label(0x7fff, b, sizeof b), "TLS1.3-draft-255");
    CHECK_STR(td_version_label(0xfb1a, b, sizeof b), "TLS1.3-draft-26-fb");   /* Facebook Fizz's drafts */
    CHECK_STR(td_version_label(0xfb17, b, sizeof b), "TLS1.3-draft-23-fb");
    CHECK_STR(td_version_label(0x0305, b, sizeof b), "0x0305");
    CHECK(td_tls13_draft(0x7f12) == 18);
    CHECK(td_tls13_draft(0x0304) == -1);
    CHECK(td_tls13_draft(0xfb1a) == -1);
    CHECK(td_version_is_tls13(0x0304));
    CHECK(td_version_is_tls13(0x7f00));
    CHECK(td_version_is_tls13(0x7f12));
    CHECK(td_version_is_tls13(0x7f1c));
    CHECK(td_version_is_tls13(0xfb17));
    CHECK(td_version_is_tls13(0xfb1a));
    CHECK(!td_version_is_tls13(0x0303));
    CHECK(!td_version_is_tls13(0x0000));
    CHECK(!td_version_is_tls13(0x0002));
    CHECK(!td_version_is_tls13(0x7eff));
    CHECK(!td_version_is_tls13(0x8000));
    CHECK(!td_version_is_tls13(0xfb1b));
}

TEST(sslv2_error_names)
{
    CHECK_STR(td_sslv2_error_name(1), "NO-CIPHER-ERROR");
    CHECK_STR(td_sslv2_error_name(2), "NO-CERTIFICATE-ERROR");
    CHECK_STR(td_sslv2_error_name(4), "BAD-CERTIFICATE-ERROR");
    CHECK_STR(td_sslv2_error_name(6), "UNSUPPORTED-CERTIFICATE-TYPE-ERROR");
    CHECK(td_sslv2_error_name(0) == NULL);
    CHECK(td_sslv2_error_name(3) == NULL);
    CHECK(td_sslv2_error_name(0x0100) == NULL);
}

TEST(grease)
{
    unsigned count = 0;
    for (uint32_t v = 0; v <= 0xFFFF; v++)
        if (td_is_grease((uint16_t)v))
            count++;
    CHECK(count == 16);
    for (unsigned h = 0; h < 16; h++) {
        uint16_t g = (uint16_t)(((h << 4 | 0xA) << 8) | (h << 4 | 0xA));
        CHECK(td_is_grease(g));
    }
    CHECK(td_is_grease(0x0A0A));
    CHECK(td_is_grease(0x5A5A));
    CHECK(td_is_grease(0xFAFA));
    CHECK(!td_is_grease(0x0A1A));
    CHECK(!td_is_grease(0x1A0A));
    CHECK(!td_is_grease(0x0A0B));
    CHECK(!td_is_grease(0x0B0B));
    CHECK(!td_is_grease(0xAAAB));
    CHECK(!td_is_grease(0x0000));
    CHECK(!td_is_grease(0x0303));
    CHECK(!td_is_grease(0xFFFF));
}

TEST(alerts)
{
    static const pair known[] = {
        { 0, "close_notify" },        { 10, "unexpected_message" },
        { 20, "bad_record_mac" },     { 21, "decryption_failed" },
        { 22, "record_overflow" },    { 30, "decompression_failure" },
        { 40, "handshake_failure" },  { 41, "no_certificate" },
        { 42, "bad_certificate" },    { 43, "unsupported_certificate" },
        { 44, "certificate_revoked" }, { 45, "certificate_expired" },
        { 46, "certificate_unknown" }, { 47, "illegal_parameter" },
        { 48, "unknown_ca" },         { 49, "access_denied" },
        { 50, "decode_error" },       { 51, "decrypt_error" },
        { 52, "too_many_cids_requested" }, { 60, "export_restriction" },
        { 70, "protocol_version" },   { 71, "insufficient_security" },
        { 80, "internal_error" },     { 86, "inappropriate_fallback" },
        { 90, "user_canceled" },      { 100, "no_renegotiation" },
        { 109, "missing_extension" }, { 110, "unsupported_extension" },
        { 111, "certificate_unobtainable" }, { 112, "unrecognized_name" },
        { 113, "bad_certificate_status_response" }, { 114, "bad_certificate_hash_value" },
        { 115, "unknown_psk_identity" }, { 116, "certificate_required" },
        { 117, "general_error" },     { 120, "no_application_protocol" },
        { 121, "ech_required" },
    };
    for (size_t i = 0; i < N_ELEMS(known); i++)
        CHECK_STR(td_alert_name((uint8_t)known[i].code), known[i].name);
    unsigned named = 0;
    for (unsigned c = 0; c < 256; c++)
        if (td_alert_name((uint8_t)c))
            named++;
    CHECK(named == N_ELEMS(known));
    CHECK(td_alert_name(1) == NULL);
    CHECK(td_alert_name(53) == NULL);
    CHECK(td_alert_name(118) == NULL);
    CHECK(td_alert_name(122) == NULL);
    CHECK(td_alert_name(255) == NULL);
}

TEST(handshakes)
{
    static const pair known[] = {
        { 0, "HelloRequest" },        { 1, "ClientHello" },
        { 2, "ServerHello" },         { 3, "HelloVerifyRequest" },
        { 4, "NewSessionTicket" },    { 5, "EndOfEarlyData" },
        { 8, "EncryptedExtensions" }, { 9, "RequestConnectionId" },
        { 10, "NewConnectionId" },    { 11, "Certificate" },
        { 12, "ServerKeyExchange" },  { 13, "CertificateRequest" },
        { 14, "ServerHelloDone" },    { 15, "CertificateVerify" },
        { 16, "ClientKeyExchange" },  { 17, "ClientCertificateRequest" },
        { 20, "Finished" },           { 21, "CertificateURL" },
        { 22, "CertificateStatus" },  { 23, "SupplementalData" },
        { 24, "KeyUpdate" },          { 25, "CompressedCertificate" },
        { 26, "EKTKey" },             { 254, "MessageHash" },
    };
    for (size_t i = 0; i < N_ELEMS(known); i++)
        CHECK_STR(td_handshake_name((uint8_t)known[i].code), known[i].name);
    unsigned named = 0;
    for (unsigned t = 0; t < 256; t++)
        if (td_handshake_name((uint8_t)t))
            named++;
    CHECK(named == N_ELEMS(known));
    CHECK(td_handshake_name(6) == NULL);                   /* HelloRetryRequest is a ServerHello */
    CHECK(td_handshake_name(7) == NULL);
    CHECK(td_handshake_name(18) == NULL);
    CHECK(td_handshake_name(27) == NULL);
    CHECK(td_handshake_name(253) == NULL);
    CHECK(td_handshake_name(255) == NULL);
}

TEST(extensions)
{
    static const pair known[] = {
        { 0, "server_name" },
        { 1, "max_fragment_length" },
        { 5, "status_request" },
        { 10, "supported_groups" },
        { 11, "ec_point_formats" },
        { 13, "signature_algorithms" },
        { 14, "use_srtp" },
        { 15, "heartbeat" },
        { 16, "application_layer_protocol_negotiation" },
        { 18, "signed_certificate_timestamp" },
        { 21, "padding" },
        { 22, "encrypt_then_mac" },
        { 23, "extended_master_secret" },
        { 27, "compress_certificate" },
        { 28, "record_size_limit" },
        { 35, "session_ticket" },
        { 39, "supported_ekt_ciphers" },
        { 41, "pre_shared_key" },
        { 42, "early_data" },
        { 43, "supported_versions" },
        { 44, "cookie" },
        { 45, "psk_key_exchange_modes" },
        { 47, "certificate_authorities" },
        { 48, "oid_filters" },
        { 49, "post_handshake_auth" },
        { 50, "signature_algorithms_cert" },
        { 51, "key_share" },
        { 54, "connection_id" },
        { 57, "quic_transport_parameters" },
        { 61, "rrc" },
        { 0xfd00, "ech_outer_extensions" },
        { 0xfe0d, "encrypted_client_hello" },
        { 0xff01, "renegotiation_info" },
    };
    for (size_t i = 0; i < N_ELEMS(known); i++)
        CHECK_STR(td_extension_name((uint16_t)known[i].code), known[i].name);
    CHECK(td_extension_name(40) == NULL);                  /* reserved */
    CHECK(td_extension_name(46) == NULL);                  /* reserved */
    CHECK(td_extension_name(63) == NULL);
    CHECK(td_extension_name(0x4469) == NULL);              /* ALPS: not in the IANA registry */
    CHECK(td_extension_name(0xfe0c) == NULL);
    CHECK(td_extension_name(0xff00) == NULL);
    CHECK(td_extension_name(0xffff) == NULL);
    for (unsigned h = 0; h < 16; h++) {
        uint16_t g = (uint16_t)(((h << 4 | 0xA) << 8) | (h << 4 | 0xA));
        CHECK(td_extension_name(g) == NULL);
    }
    unsigned named = 0;
    for (uint32_t v = 0; v <= 0xFFFF; v++)
        if (td_extension_name((uint16_t)v))
            named++;
    CHECK(named == 64);
}

int main(void)
{
    RUN(cipher_known_names);
    RUN(cipher_unassigned);
    RUN(cipher_sweep_counts);
    RUN(cipher_weakness);
    RUN(cipher_weakness_sweep);
    RUN(versions);
    RUN(version_labels_and_tls13_drafts);
    RUN(sslv2_error_names);
    RUN(grease);
    RUN(alerts);
    RUN(handshakes);
    RUN(extensions);
    return check_done();
}
