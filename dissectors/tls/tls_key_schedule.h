/* tls_key_schedule.h - key derivation for TLS record protection: the TLS 1.2 PRF and key block,
 * TLS 1.3's HKDF-Expand-Label, traffic keys and KeyUpdate (dissectors/tls/tls_key_schedule.c).
 *
 * digest: "SHA256" or "SHA384"; the PRF of TLS 1.0 and 1.1 is "MD5-SHA1".  Each returns false
 * when OpenSSL cannot derive (or a length is out of range), with nothing in out to trust. */
#ifndef TLSDIAG_TLS_KEY_SCHEDULE_H
#define TLSDIAG_TLS_KEY_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* HKDF-Expand-Label (RFC 8446 7.1). */
bool td_hkdf_expand_label(const char *digest, const uint8_t *secret, size_t secret_len,
                          const char *label, const uint8_t *context, size_t context_len,
                          uint8_t *out, size_t out_len);
/* The TLS 1.2 PRF (RFC 5246 5). */
bool td_tls_prf(const char *digest, const uint8_t *secret, size_t secret_len, const char *label,
                const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len);

/* TLS 1.2 and earlier (RFC 5246 6.3): `need` bytes of key block from the master secret. */
bool td_tls12_key_block(const char *prf_digest, const uint8_t master[48], const uint8_t client_random[32],
                        const uint8_t server_random[32], uint8_t *out, size_t need);
/* TLS 1.3 (RFC 8446 7.3): a traffic secret's write key (key_len bytes) and 12-byte IV. */
bool td_tls13_traffic_keys(const char *digest, const uint8_t *secret, size_t secret_len,
                           uint8_t *key, size_t key_len, uint8_t iv[12]);
/* TLS 1.3 KeyUpdate (RFC 8446 7.2): the next generation of a traffic secret (as long as it). */
bool td_tls13_next_secret(const char *digest, const uint8_t *secret, size_t secret_len, uint8_t *next);

#endif
