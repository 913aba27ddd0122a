/* x509_int.h - what the X.509 summariser's files (x509_summary.c, x509_ident.c, x509_text.c) share. */
#ifndef TLSDIAG_X509_INT_H
#define TLSDIAG_X509_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

#include "include/transcript.h"

#define X509_SAN_MAX 256                   /* subjectAltName entries kept (td_cert.san_ip has 256 bits) */
#define X509_URI_TEXT_MAX 1024             /* characters kept of an AIA URI (after escaping) */

/* A heap copy of prefix + bytes with every byte outside printable ASCII written as \xNN (and, if
 * esc_backslash, '\' too), at most `cap` characters, never cutting an escape in half.  NULL only
 * when out of memory (x509_text.c). */
char *td_x509_printable(const char *prefix, const unsigned char *p, size_t n, bool esc_backslash,
                        size_t cap);

/* The identity fields of *out from the parsed certificate (x509_ident.c): serial, key usages,
 * the AIA URIs (and aia_ocsp / aia_ca_issuers), the SCT count and the precertificate poison. */
void td_x509_identity(const X509 *x, td_cert *out);

/* Lower-case hex of the SHA-1 and SHA-256 digests of the DER (x509_ident.c); "" if a digest
 * fails.  der may be NULL when len is 0. */
void td_x509_fingerprints(const unsigned char *der, size_t len, char sha1[41], char sha256[65]);

#endif
