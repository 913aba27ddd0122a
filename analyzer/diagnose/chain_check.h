/* chain_check.h - passive checks of a certificate chain seen on the wire, through OpenSSL.
 * Does it reach a trusted root, is it complete and in order, is it valid at the capture's time,
 * do its names cover the name the client asked for? */
#ifndef TLSDIAG_CHAIN_CHECK_H
#define TLSDIAG_CHAIN_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "include/transcript.h"

typedef struct td_chain_check {
    bool present;                  /* there was a chain to check */
    bool trusted;                  /* X509_verify_cert found a path to a trust anchor (dates aside) */
    bool self_signed;              /* the leaf signs itself */
    /* Why an untrusted chain does not reach a trust anchor: at most one of self_signed (a lone
     * leaf that signs itself), incomplete, unknown_root and issuer_unknown; none of them when
     * the chain is trusted or fails for another reason (a bad signature, a CA that may not
     * sign, the purpose).  The decision table is at the top of chain_check.c. */
    bool incomplete;               /* the server sent its leaf alone, and the leaf's AIA names where
                                      its issuer (an intermediate it should have sent) is published */
    bool unknown_root;             /* the chain ends at a root (sent, or omitted as TLS allows) that the
                                      store does not hold: untrusted_root names it */
    bool root_sent;                /* unknown_root: the server sent that root itself */
    bool issuer_unknown;           /* the leaf alone, no AIA: its issuer is neither sent nor in the store,
                                      and nothing tells whether it is a root or an intermediate */
    char missing_issuer[256];      /* incomplete or issuer_unknown: the leaf's issuer (RFC 2253) */
    char missing_issuer_url[256];  /* incomplete: the leaf's first AIA caIssuers URI */
    bool misordered;               /* certificate i+1 is not the issuer of certificate i */
    bool expired, not_yet_valid;   /* the leaf, at the capture's time */
    bool chain_expired;            /* some other certificate of the path, at the capture's time */
    int error;                     /* first OpenSSL verify error other than dates, 0 if none */
    char error_text[120];
    bool name_checked;             /* there was a name (SNI or IP) to check */
    bool name_ok;
    char name[256];                /* the name checked */
    bool weak_key;                 /* RSA/DSA < 2048 bits, EC < 224 */
    bool weak_signature;           /* MD5 or SHA-1 signed (below the root) */
    bool bad_ca;                   /* a certificate of the chain signs others but may not (basicConstraints
                                      without CA:TRUE, or a path length exceeded): certain from the chain */
    bool bad_purpose;              /* the leaf's extendedKeyUsage or keyUsage forbids this use
                                      (TLS server, or client for a client chain): purpose says how */
    char purpose[120];
    char untrusted_root[256];      /* the top issuer the store lacks: the root (unknown_root), the
                                      missing issuer (incomplete, issuer_unknown), the leaf itself
                                      (self_signed); for another failure, as ever, the top certificate
                                      sent if it is self-signed, else its issuer; "" when trusted */
} td_chain_check;

/* Check chain (leaf first) as of time `when`.  `host` (SNI) or else `ip` is the name to check
 * (both may be NULL).  `purpose_server` chooses the server or client TLS purpose. */
void td_check_chain(X509_STORE *store, const td_chain *chain, int64_t when, const char *host,
                    const char *ip, bool purpose_server, td_chain_check *out);

/* td_check_chain in two parts, for analyzer/diagnose/chain_cache.c.  The trust part depends only on the
 * chain's bytes, the store, the purpose and the time: it fills everything but the name fields,
 * hands back the parsed leaf in *leaf (the caller frees it; NULL if none) and, when asked, the
 * span [*valid_from, *valid_until) around `when` in which no certificate of the chain or of the
 * verified path changes between not yet valid, valid and expired, so that the same answer holds
 * for any time in it.  The name part (cheap) checks host, or else ip, against the leaf. */
void td_check_chain_trust(X509_STORE *store, const td_chain *chain, int64_t when, bool purpose_server,
                          td_chain_check *out, X509 **leaf, int64_t *valid_from, int64_t *valid_until);
void td_check_chain_name(X509 *leaf, const char *host, const char *ip, td_chain_check *out);

#endif
