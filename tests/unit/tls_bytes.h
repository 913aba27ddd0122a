/* tls_bytes.h - TLS bytes built by hand for the unit tests: records, handshake messages,
 * ClientHellos and ServerHellos with extensions, alerts, and certificates and CA names made with
 * OpenSSL (signed with one test key: free it with EVP_PKEY_free(test_key()) at the end). */
#ifndef TLSDIAG_TLS_BYTES_H
#define TLSDIAG_TLS_BYTES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "bytebuf.h"

/* ---- records and handshake messages ---------------------------------------------------------- */

/* A TLS record: type, version, u16 length, body. */
static inline void record(buf *out, unsigned type, unsigned version, const uint8_t *body, size_t len)
{
    put8(out, type);
    put16(out, version);
    put16(out, (unsigned)len);
    put(out, body, len);
}

/* A handshake message: type, u24 length, body. */
static inline void handshake(buf *out, unsigned type, const uint8_t *body, size_t len)
{
    put8(out, type);
    put24(out, len);
    put(out, body, len);
}

/* The handshake message wrapped in one handshake record. */
static inline void hs_record(buf *out, unsigned type, const buf *body)
{
    buf m = { 0 };
    handshake(&m, type, body->p, body->n);
    record(out, 22, 0x0303, m.p, m.n);
    bfree(&m);
}

/* Split `msgs` (handshake messages) into records of at most `max` bytes each. */
static inline void records_of(buf *out, unsigned type, const buf *msgs, size_t max)
{
    for (size_t off = 0; off < msgs->n; off += max) {
        size_t k = msgs->n - off < max ? msgs->n - off : max;
        record(out, type, 0x0303, msgs->p + off, k);
    }
}

static inline void bytes_of(buf *out, unsigned v, size_t n)
{
    for (size_t i = 0; i < n; i++) put8(out, v);
}

/* ---- hellos --------------------------------------------------------------------------------- */

static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

typedef struct ch_opts {
    uint16_t legacy_version;              /* 0 = 0x0303 */
    const char *sni;
    const char *alpn[12];                 /* NULL-terminated */
    uint16_t versions[8];                 /* supported_versions, 0-terminated; none: no extension */
    const uint8_t *sid;
    size_t sid_len;
    uint16_t ciphers[8];                  /* 0-terminated; none: a default list */
    bool psk, early_data, ticket, ech;
    size_t dummy_exts;                    /* extra empty extensions before the others */
    long ext_len_delta;                   /* added to the extensions block length (a lie) */
} ch_opts;

static inline void client_hello_body(buf *b, const ch_opts *o)
{
    put16(b, o->legacy_version ? o->legacy_version : 0x0303);
    for (int i = 0; i < 32; i++) put8(b, 0x11 + i);      /* random */
    put8(b, (unsigned)o->sid_len);
    put(b, o->sid, o->sid_len);
    buf cs = { 0 };
    if (o->ciphers[0]) {
        for (int i = 0; i < 8 && o->ciphers[i]; i++) put16(&cs, o->ciphers[i]);
    } else {
        put16(&cs, 0x1301);
        put16(&cs, 0xc02f);
        put16(&cs, 0x009c);
    }
    put16(b, (unsigned)cs.n);
    putb(b, &cs);
    bfree(&cs);
    put8(b, 1);                                              /* compression: null */
    put8(b, 0);

    buf ex = { 0 };
    for (size_t i = 0; i < o->dummy_exts; i++) {
        put16(&ex, 0xff00 + (unsigned)(i % 200) + 0x20);     /* unknown types */
        put16(&ex, 0);
    }
    if (o->sni) {
        size_t n = strlen(o->sni);
        put16(&ex, 0);
        put16(&ex, (unsigned)(n + 5));
        put16(&ex, (unsigned)(n + 3));
        put8(&ex, 0);
        put16(&ex, (unsigned)n);
        putstr(&ex, o->sni);
    }
    if (o->alpn[0]) {
        buf l = { 0 };
        for (int i = 0; i < 12 && o->alpn[i]; i++) {
            put8(&l, (unsigned)strlen(o->alpn[i]));
            putstr(&l, o->alpn[i]);
        }
        put16(&ex, 16);
        put16(&ex, (unsigned)(l.n + 2));
        put16(&ex, (unsigned)l.n);
        putb(&ex, &l);
        bfree(&l);
    }
    if (o->versions[0]) {
        int n = 0;
        while (n < 8 && o->versions[n]) n++;
        put16(&ex, 43);
        put16(&ex, (unsigned)(1 + 2 * n));
        put8(&ex, (unsigned)(2 * n));
        for (int i = 0; i < n; i++) put16(&ex, o->versions[i]);
    }
    if (o->ticket) {
        put16(&ex, 35);
        put16(&ex, 4);
        put(&ex, "tckt", 4);
    }
    if (o->early_data) {
        put16(&ex, 42);
        put16(&ex, 0);
    }
    if (o->ech) {
        put16(&ex, 0xfe0d);
        put16(&ex, 3);
        put(&ex, "ech", 3);
    }
    if (o->psk) {                                            /* last, as RFC 8446 requires */
        put16(&ex, 41);
        put16(&ex, 4);
        put(&ex, "\x00\x00\x00\x00", 4);
    }
    put16(b, (unsigned)((long)ex.n + o->ext_len_delta));
    putb(b, &ex);
    bfree(&ex);
}

static inline void client_hello_record(buf *out, const ch_opts *o)
{
    buf body = { 0 };
    client_hello_body(&body, o);
    hs_record(out, 1, &body);
    bfree(&body);
}

typedef struct sh_opts {
    uint16_t legacy_version;              /* 0 = 0x0303 */
    bool hrr;
    const uint8_t *sid;
    size_t sid_len;
    uint16_t cipher;
    uint16_t selected_version;            /* 0 = no supported_versions extension */
    const char *alpn;
    bool psk;
    bool no_extensions;
} sh_opts;

static inline void server_hello_body(buf *b, const sh_opts *o)
{
    put16(b, o->legacy_version ? o->legacy_version : 0x0303);
    if (o->hrr) put(b, hrr_random, 32);
    else for (int i = 0; i < 32; i++) put8(b, 0x80 + i);
    put8(b, (unsigned)o->sid_len);
    put(b, o->sid, o->sid_len);
    put16(b, o->cipher);
    put8(b, 0);
    if (o->no_extensions) return;
    buf ex = { 0 };
    if (o->selected_version) {
        put16(&ex, 43);
        put16(&ex, 2);
        put16(&ex, o->selected_version);
    }
    if (o->alpn) {
        size_t n = strlen(o->alpn);
        put16(&ex, 16);
        put16(&ex, (unsigned)(n + 3));
        put16(&ex, (unsigned)(n + 1));
        put8(&ex, (unsigned)n);
        putstr(&ex, o->alpn);
    }
    if (o->psk) {
        put16(&ex, 41);
        put16(&ex, 2);
        put16(&ex, 0);
    }
    put16(b, (unsigned)ex.n);
    putb(b, &ex);
    bfree(&ex);
}

static inline void server_hello_msg(buf *out, const sh_opts *o)
{
    buf body = { 0 };
    server_hello_body(&body, o);
    handshake(out, 2, body.p, body.n);
    bfree(&body);
}

static inline void server_hello_record(buf *out, const sh_opts *o)
{
    buf m = { 0 };
    server_hello_msg(&m, o);
    record(out, 22, 0x0303, m.p, m.n);
    bfree(&m);
}

static inline void alert_record(buf *out, unsigned level, unsigned code)
{
    uint8_t a[2] = { (uint8_t)level, (uint8_t)code };
    record(out, 21, 0x0303, a, 2);
}

static inline void ccs_record(buf *out)
{
    uint8_t one = 1;
    record(out, 20, 0x0303, &one, 1);
}

static inline void opaque_record(buf *out, unsigned type, size_t len, unsigned fill)
{
    buf body = { 0 };
    bytes_of(&body, fill, len);
    record(out, type, 0x0303, body.p, body.n);
    bfree(&body);
}

/* ---- certificates (OpenSSL) ------------------------------------------------------------------ */

static inline EVP_PKEY *test_key(void)
{
    static EVP_PKEY *key;
    if (!key) key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    return key;
}

static inline X509_NAME *make_name(const char *cn, const char *org)
{
    X509_NAME *n = X509_NAME_new();
    if (org) X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0);
    if (cn) X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    return n;
}

/* DER of a certificate for subject CN=cn issued by CN=issuer, signed with the test key. */
static inline void make_cert_der(buf *out, const char *cn, const char *issuer)
{
    X509 *x = X509_new();
    X509_NAME *s = make_name(cn, NULL), *i = make_name(issuer, NULL);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_set_subject_name(x, s);
    X509_set_issuer_name(x, i);
    ASN1_TIME_set_string_X509(X509_getm_notBefore(x), "20250101000000Z");
    ASN1_TIME_set_string_X509(X509_getm_notAfter(x), "20350101000000Z");
    X509_set_pubkey(x, test_key());
    X509_sign(x, test_key(), EVP_sha256());
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    if (n > 0) put(out, der, (size_t)n);
    OPENSSL_free(der);
    X509_NAME_free(s);
    X509_NAME_free(i);
    X509_free(x);
}

static inline void name_der(buf *out, const char *cn, const char *org)
{
    X509_NAME *n = make_name(cn, org);
    unsigned char *der = NULL;
    int len = i2d_X509_NAME(n, &der);
    if (len > 0) put(out, der, (size_t)len);
    OPENSSL_free(der);
    X509_NAME_free(n);
}

/* TLS 1.2 Certificate message body holding the given DER certificates. */
static inline void certificate_body(buf *out, const buf *certs, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += 3 + certs[i].n;
    put24(out, total);
    for (size_t i = 0; i < n; i++) {
        put24(out, certs[i].n);
        putb(out, &certs[i]);
    }
}

#endif
