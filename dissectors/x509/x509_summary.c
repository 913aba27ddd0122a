/* x509_summary.c - one DER certificate, summarised through OpenSSL.
 *
 * The bytes come off the wire, so nothing in them is trusted: the DER must parse and be consumed
 * exactly, every field OpenSSL hands back may be absent or odd, and every string we keep is made
 * printable ASCII (\xNN escapes) so reports and JSON can print it as is.  A field that cannot be
 * read is left empty; the rest of the summary still comes out.  No global state: everything
 * allocated here is freed here, or owned by the td_cert and freed by td_cert_clear. */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dissectors/dissect.h"
#include "dissectors/x509/x509_int.h"

#define SAN_MAX X509_SAN_MAX               /* subjectAltName entries kept */
#define SAN_TEXT_MAX 1024                  /* characters kept of one entry (after escaping) */
#define NAME_TEXT_MAX 65536                /* characters kept of a subject or issuer */
#define KEYID_BYTES 20                     /* bytes of a key identifier kept (as hex) */

/* ---- names ----------------------------------------------------------------------------------- */

/* An X509_NAME in RFC 2253 form ("CN=www.example.com,O=Example"); "" for an empty name.  OpenSSL
 * already escapes control and non-ASCII characters in this mode; td_x509_printable() is the backstop. */
static char *name_text(const X509_NAME *name)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio)
        return NULL;
    if (name)
        (void)X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253); /* partial output is kept */
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    char *s = td_x509_printable("", (const unsigned char *)(data ? data : ""),
                        (n > 0 && data) ? (size_t)n : 0, false, NAME_TEXT_MAX);
    BIO_free(bio);
    return s;
}

/* ---- fields -------------------------------------------------------------------------------- */

/* "YYYY-MM-DDTHH:MM:SSZ" and seconds since the epoch; "" and 0 if absent or unparsable. */
static void time_field(const ASN1_TIME *t, char *text, size_t textlen, int64_t *secs)
{
    struct tm tm;
    text[0] = '\0';
    *secs = 0;
    if (!t)                                /* ASN1_TIME_to_tm(NULL) would mean "now" */
        return;
    memset(&tm, 0, sizeof tm);
    if (ASN1_TIME_to_tm(t, &tm) != 1)
        return;
    long year = (long)tm.tm_year + 1900;
    if (year < 0 || year > 9999 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
        tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
        tm.tm_sec < 0 || tm.tm_sec > 60)
        return;
    struct tm copy = tm;
    time_t s = timegm(&copy);
    if (s == (time_t)-1 && !(year == 1969 && tm.tm_mon == 11 && tm.tm_mday == 31 &&
                             tm.tm_hour == 23 && tm.tm_min == 59 && tm.tm_sec == 59))
        return;
    int n = snprintf(text, textlen, "%04ld-%02d-%02dT%02d:%02d:%02dZ", year, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n < 0 || (size_t)n >= textlen) {
        text[0] = '\0';
        return;
    }
    *secs = (int64_t)s;
}

static void key_field(X509 *x, td_cert *out)
{
    snprintf(out->key, sizeof out->key, "unknown");
    EVP_PKEY *pk = X509_get0_pubkey(x);    /* not owned; NULL if the key does not decode */
    if (!pk)
        return;
    int bits = EVP_PKEY_get_bits(pk);
    out->key_bits = bits > 0 ? bits : 0;
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
        snprintf(out->key, sizeof out->key, "RSA-%d", out->key_bits);
        break;
    case EVP_PKEY_DSA:
        snprintf(out->key, sizeof out->key, "DSA-%d", out->key_bits);
        break;
    case EVP_PKEY_DH:
    case EVP_PKEY_DHX:
        snprintf(out->key, sizeof out->key, "DH-%d", out->key_bits);
        break;
    case EVP_PKEY_ED25519:
        snprintf(out->key, sizeof out->key, "ED25519");
        break;
    case EVP_PKEY_ED448:
        snprintf(out->key, sizeof out->key, "ED448");
        break;
    case EVP_PKEY_EC: {
        char group[80];
        size_t glen = 0;
        snprintf(out->key, sizeof out->key, "EC");
        if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                            &glen))
            break;                         /* explicit parameters: no curve name */
        group[sizeof group - 1] = '\0';
        int nid = OBJ_sn2nid(group);
        if (nid == NID_undef)
            nid = OBJ_ln2nid(group);
        const char *nist = nid != NID_undef ? EC_curve_nid2nist(nid) : NULL;
        char curve[sizeof out->key - 3];   /* room for "EC-" */
        size_t o = 0;
        const char *src = nist ? nist : group;
        for (size_t i = 0; src[i] && o + 1 < sizeof curve; i++) {
            unsigned char ch = (unsigned char)src[i];
            if (nist && ch == '-')
                continue;                  /* "P-256" -> "P256" */
            curve[o++] = (ch > 0x20 && ch < 0x7f) ? (char)ch : '?';
        }
        curve[o] = '\0';
        snprintf(out->key, sizeof out->key, "EC-%s", curve);
        break;
    }
    default:
        break;
    }
}

static void signature_field(const X509 *x, td_cert *out)
{
    out->signature[0] = '\0';
    int nid = X509_get_signature_nid(x);
    const char *ln = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
    if (ln) {
        snprintf(out->signature, sizeof out->signature, "%s", ln);
        return;
    }
    const X509_ALGOR *alg = NULL;
    X509_get0_signature(NULL, &alg, x);
    const ASN1_OBJECT *obj = NULL;
    if (alg)
        X509_ALGOR_get0(&obj, NULL, NULL, alg);
    if (!obj || OBJ_obj2txt(out->signature, (int)sizeof out->signature, obj, 1) <= 0)
        snprintf(out->signature, sizeof out->signature, "unknown");
    for (char *c = out->signature; *c; c++)   /* keep it printable whatever came out */
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
            *c = '?';
}

/* One GENERAL_NAME as text, or NULL for a kind we do not show. */
static char *san_text(const GENERAL_NAME *g)
{
    int type = -1;
    const void *v = GENERAL_NAME_get0_value(g, &type);
    /* Only these kinds hold an ASN1_STRING (the others are structures we do not show). */
    if (!v || (type != GEN_DNS && type != GEN_EMAIL && type != GEN_URI && type != GEN_IPADD))
        return NULL;
    const ASN1_STRING *s = v;
    const unsigned char *p = ASN1_STRING_get0_data(s);
    int n = ASN1_STRING_length(s);
    if (!p || n < 0)
        return NULL;
    switch (type) {
    case GEN_DNS:
        return td_x509_printable("", p, (size_t)n, true, SAN_TEXT_MAX);
    case GEN_EMAIL:
        return td_x509_printable("email:", p, (size_t)n, true, SAN_TEXT_MAX);
    case GEN_URI:
        return td_x509_printable("URI:", p, (size_t)n, true, SAN_TEXT_MAX);
    case GEN_IPADD: {
        char buf[INET6_ADDRSTRLEN];
        if (n == 4 && inet_ntop(AF_INET, p, buf, sizeof buf))
            return td_x509_printable("", (const unsigned char *)buf, strlen(buf), true, SAN_TEXT_MAX);
        if (n == 16 && inet_ntop(AF_INET6, p, buf, sizeof buf))
            return td_x509_printable("", (const unsigned char *)buf, strlen(buf), true, SAN_TEXT_MAX);
        return NULL;                       /* not an address (name-constraint style or junk) */
    }
    default:
        return NULL;
    }
}

static void san_field(const X509 *x, td_cert *out)
{
    int crit = 0;
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
    if (!names)                            /* absent, duplicated or malformed */
        return;
    int total = sk_GENERAL_NAME_num(names);
    if (total > 0) {
        size_t cap = (size_t)total < SAN_MAX ? (size_t)total : SAN_MAX;
        out->san = calloc(cap, sizeof *out->san);
        for (int i = 0; out->san && i < total && out->n_san < cap; i++) {
            const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
            char *t = g ? san_text(g) : NULL;
            if (!t)
                continue;
            if (g->type == GEN_IPADD)
                out->san_ip[out->n_san / 64] |= (uint64_t)1 << (out->n_san % 64);
            out->san[out->n_san++] = t;
        }
        if (out->san && out->n_san == 0) {
            free(out->san);
            out->san = NULL;
        }
    }
    GENERAL_NAMES_free(names);
}

/* basicConstraints cA.  Absent, duplicated or malformed: not a CA. */
static void ca_field(const X509 *x, td_cert *out)
{
    int crit = 0;
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
    out->is_ca = bc && bc->ca;
    BASIC_CONSTRAINTS_free(bc);
}

/* A key identifier as lower-case hex, at most its first KEYID_BYTES bytes; "" if absent. */
static void keyid_hex(const ASN1_OCTET_STRING *id, char out[2 * KEYID_BYTES + 1])
{
    static const char hex[] = "0123456789abcdef";
    out[0] = '\0';
    const unsigned char *p = id ? ASN1_STRING_get0_data(id) : NULL;
    int n = id ? ASN1_STRING_length(id) : 0;
    if (!p || n <= 0)
        return;
    size_t k = (size_t)n < KEYID_BYTES ? (size_t)n : KEYID_BYTES;
    for (size_t i = 0; i < k; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
    out[2 * k] = '\0';
}

static void keyid_fields(X509 *x, td_cert *out)
{
    /* Both read OpenSSL's cache of the extensions; a malformed or duplicated extension leaves
     * them NULL. */
    keyid_hex(X509_get0_subject_key_id(x), out->skid);
    keyid_hex(X509_get0_authority_key_id(x), out->akid);
}

static bool is_self_signed(X509 *x)
{
    const X509_NAME *subj = X509_get_subject_name(x);
    const X509_NAME *iss = X509_get_issuer_name(x);
    if (!subj || !iss || X509_NAME_cmp(subj, iss) != 0)
        return false;
    /* Not X509_check_issued: it also demands keyCertSign, which a self-signed server
     * certificate (keyUsage digitalSignature only) lacks, yet it is self-signed all the same. */
    EVP_PKEY *pk = X509_get0_pubkey(x);
    return pk && X509_verify(x, pk) == 1;
}

/* ---- the API --------------------------------------------------------------------------------- */

int td_x509_summarize(const uint8_t *der, size_t len, td_cert *out)
{
    if (!der)
        len = 0;
    td_x509_fingerprints(der, len, out->sha1, out->sha256);
    if (len > 0) {
        out->der = malloc(len);
        if (out->der) {
            memcpy(out->der, der, len);
            out->der_len = len;
        }
    }
    if (len == 0 || len > (size_t)LONG_MAX) {
        out->parse_error = true;
        return -1;
    }

    ERR_set_mark();                        /* leave the caller's error queue as it was */
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (!x || (size_t)(p - der) != len) {
        X509_free(x);
        ERR_pop_to_mark();
        out->parse_error = true;
        return -1;
    }

    out->subject = name_text(X509_get_subject_name(x));
    out->issuer = name_text(X509_get_issuer_name(x));
    san_field(x, out);
    time_field(X509_get0_notBefore(x), out->not_before, sizeof out->not_before,
               &out->not_before_t);
    time_field(X509_get0_notAfter(x), out->not_after, sizeof out->not_after, &out->not_after_t);
    key_field(x, out);
    signature_field(x, out);
    out->self_signed = is_self_signed(x);
    ca_field(x, out);
    keyid_fields(x, out);
    td_x509_identity(x, out);

    X509_free(x);
    ERR_pop_to_mark();
    return 0;
}

char *td_x509_name_text(const uint8_t *der, size_t len)
{
    if (!der || len == 0 || len > (size_t)LONG_MAX)
        return NULL;
    ERR_set_mark();
    const unsigned char *p = der;
    X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)len);
    char *s = NULL;
    if (name && (size_t)(p - der) == len)
        s = name_text(name);
    X509_NAME_free(name);
    ERR_pop_to_mark();
    return s;
}
