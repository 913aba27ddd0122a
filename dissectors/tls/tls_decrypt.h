/* tls_decrypt.h - the TLS record decryptor: one per connection, keys from the key log (or a
 * known master secret), protected records opened in place (dissectors/tls/tls_decrypt.c).
 *
 * Pure: no I/O, no global state; a record that fails authentication is reported, never trusted. */
#ifndef TLSDIAG_TLS_DECRYPT_H
#define TLSDIAG_TLS_DECRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissectors/tls/keylog.h"

typedef struct td_tlsdec td_tlsdec;

/* Keys for the connection whose ClientHello had this random, once its ServerHello is known.
 * NULL with *why set (a static text) when the key log has nothing for it, or the cipher suite
 * or version is not one tlsdiag decrypts.  etm: the ServerHello accepted encrypt_then_mac. */
td_tlsdec *td_tlsdec_new(const td_keylog *k, const uint8_t client_random[32],
                         const uint8_t server_random[32], uint16_t version, uint16_t suite,
                         bool etm, const char **why);
/* TLS 1.3, a key log that grows (live): take the secrets it now holds for this connection and
 * d lacks.  A side that had no keys starts at the first phase it now has secrets for; one that
 * reached a phase without its secret gets that phase's keys.  True if a side without keys got them. */
bool td_tlsdec_refresh(td_tlsdec *d, const td_keylog *k, const uint8_t client_random[32]);
/* TLS 1.2 and earlier from a known master secret (a resumed session). */
td_tlsdec *td_tlsdec_new_master(const uint8_t master[48], const uint8_t client_random[32],
                                const uint8_t server_random[32], uint16_t version, uint16_t suite,
                                bool etm, const char **why);
/* TLS 1.2 and earlier: the connection's master secret (to remember its session). */
bool td_tlsdec_master(const td_tlsdec *d, uint8_t master[48]);
void td_tlsdec_free(td_tlsdec *d);
/* n protected records of dir went by before the keys were known (a key log that grew late):
 * the next record is number n. */
void td_tlsdec_skip(td_tlsdec *d, int dir, uint64_t n);
/* TLS 1.2 and earlier: a ChangeCipherSpec from dir; its later records are protected. */
void td_tlsdec_ccs(td_tlsdec *d, int dir);
/* Does dir have keys for its next protected record? */
bool td_tlsdec_ready(const td_tlsdec *d, int dir);
/* Open one protected record (hdr: its 5-byte header; body: len bytes, decrypted in place).
 * Returns true with *type (the true content type) and the plaintext at body[*off .. *off+*ptlen);
 * false if it fails authentication (or has no keys), with *why set. */
bool td_tlsdec_open(td_tlsdec *d, int dir, const uint8_t hdr[5], uint8_t *body, size_t len,
                    uint8_t *type, size_t *off, size_t *ptlen, const char **why);
/* A decrypted handshake message of type `type` from dir (TLS 1.3): Finished moves dir to its
 * application traffic keys, KeyUpdate to the next generation of them. */
void td_tlsdec_handshake(td_tlsdec *d, int dir, uint8_t type);
/* TLS 1.3: is dir still on the client's early (0-RTT) keys?  After a record opened: it was early
 * data (or the EndOfEarlyData).  Did the key log give an early secret at all? */
bool td_tlsdec_early_phase(const td_tlsdec *d, int dir);
bool td_tlsdec_has_early(const td_tlsdec *d);

#endif
