/* x509_ident.c - a certificate's identity: serial, fingerprints, key usages, AIA URIs, SCTs.
 *
 * The fields people search on (Zeek's x509.log, Suricata's tls records, `openssl x509`): each is
 * read from the parsed certificate and kept bounded (a few URIs, a few EKUs, a fixed serial
 * buffer), so that a hostile certificate costs a few kilobytes at most.  An extension that is
 * absent, duplicated or malformed gives an empty field, never an error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dissectors/dissect.h"
#include "dissectors/x509/x509_int.h"

#define SERIAL_BYTES 64                    /* serial bytes shown (RFC 5280: at most 20) */
#define EKU_MAX 16                         /* extendedKeyUsage entries kept */
#define EKU_TEXT_MAX 80                    /* characters kept of a dotted OID */
#define AIA_URL_MAX 4                      /* URIs kept of each AIA method */

/* ---- fingerprints ---------------------------------------------------------------------------- */

static void digest_hex(const EVP_MD *md, const unsigned char *der, size_t len, char *out, unsigned want)
{
    static const char hex[] = "0123456789abcdef";
    static const unsigned char none[1] = { 0 };
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    out[0] = '\0';
    if (!EVP_Digest(der ? der : none, der ? len : 0, d, &n, md, NULL) || n != want)
        return;
    for (unsigned int i = 0; i < n; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[2 * n] = '\0';
}

void td_x509_fingerprints(const unsigned char *der, size_t len, char sha1[41], char sha256[65])
{
    digest_hex(EVP_sha1(), der, len, sha1, 20);
    digest_hex(EVP_sha256(), der, len, sha256, 32);
}

/* ---- serial ---------------------------------------------------------------------------------- */

/* As i2a_ASN1_INTEGER writes it (what `openssl x509 -serial` and Zeek print), without its line
 * breaks: the magnitude's bytes in upper-case hex, "-" first for a negative number, "00" for an
 * empty one. */
static void serial_field(const X509 *x, td_cert *out)
{
    static const char hex[] = "0123456789ABCDEF";
    const ASN1_INTEGER *s = X509_get0_serialNumber(x);
    char *o = out->serial;
    out->serial[0] = '\0';
    if (!s)
        return;
    const unsigned char *p = ASN1_STRING_get0_data(s);
    int n = ASN1_STRING_length(s);
    if (ASN1_STRING_type(s) == V_ASN1_NEG_INTEGER)
        *o++ = '-';
    if (!p || n <= 0) {
        memcpy(o, "00", 3);
        return;
    }
    for (int i = 0; i < n && i < SERIAL_BYTES; i++) {
        *o++ = hex[p[i] >> 4];
        *o++ = hex[p[i] & 15];
    }
    if (n > SERIAL_BYTES) {
        memcpy(o, "...", 3);
        o += 3;
    }
    *o = '\0';
}

/* ---- key usages ------------------------------------------------------------------------------ */

static const char *const ku_names[] = {
    "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
    "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly",
};

const char *td_x509_key_usage_name(unsigned bit)
{
    return bit < sizeof ku_names / sizeof ku_names[0] ? ku_names[bit] : NULL;
}

static void key_usage_field(const X509 *x, td_cert *out)
{
    int crit = 0;
    ASN1_BIT_STRING *ku = X509_get_ext_d2i(x, NID_key_usage, &crit, NULL);
    if (!ku)                               /* absent, duplicated or malformed */
        return;
    for (int i = 0; i < (int)(sizeof ku_names / sizeof ku_names[0]); i++)
        if (ASN1_BIT_STRING_get_bit(ku, i))
            out->key_usage |= (uint16_t)(1u << i);
    ASN1_BIT_STRING_free(ku);
}

/* The purposes of RFC 5280 4.2.1.12 and the usual others, by OpenSSL's short names; an OID not
 * here is shown dotted, so that the names do not change with the OpenSSL version. */
static const struct {
    int nid;
    const char *name;
} eku_names[] = {
    { NID_server_auth, "serverAuth" },       { NID_client_auth, "clientAuth" },
    { NID_code_sign, "codeSigning" },        { NID_email_protect, "emailProtection" },
    { NID_ipsecEndSystem, "ipsecEndSystem" }, { NID_ipsecTunnel, "ipsecTunnel" },
    { NID_ipsecUser, "ipsecUser" },          { NID_time_stamp, "timeStamping" },
    { NID_OCSP_sign, "OCSPSigning" },        { NID_anyExtendedKeyUsage, "anyExtendedKeyUsage" },
    { NID_ms_sgc, "msSGC" },                 { NID_ns_sgc, "nsSGC" },
    { NID_ipsec_IKE, "ipsecIKE" },
};

static char *eku_text(const ASN1_OBJECT *obj)
{
    int nid = OBJ_obj2nid(obj);
    for (size_t i = 0; nid != NID_undef && i < sizeof eku_names / sizeof eku_names[0]; i++)
        if (eku_names[i].nid == nid)
            return strdup(eku_names[i].name);
    char buf[EKU_TEXT_MAX + 1];
    if (OBJ_obj2txt(buf, (int)sizeof buf, obj, 1) <= 0)
        return strdup("?");
    return td_x509_printable("", (const unsigned char *)buf, strlen(buf), true, EKU_TEXT_MAX);
}

static void eku_field(const X509 *x, td_cert *out)
{
    int crit = 0;
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
    if (!eku)
        return;
    int total = sk_ASN1_OBJECT_num(eku);
    if (total > 0) {
        size_t cap = (size_t)total < EKU_MAX ? (size_t)total : EKU_MAX;
        out->eku = calloc(cap, sizeof *out->eku);
        for (int i = 0; out->eku && i < total && out->n_eku < cap; i++) {
            const ASN1_OBJECT *obj = sk_ASN1_OBJECT_value(eku, i);
            char *t = obj ? eku_text(obj) : NULL;
            if (t)
                out->eku[out->n_eku++] = t;
        }
        if (out->eku && out->n_eku == 0) {
            free(out->eku);
            out->eku = NULL;
        }
    }
    EXTENDED_KEY_USAGE_free(eku);
}

/* ---- Authority Information Access ------------------------------------------------------------ */

/* Append a URI to a list of at most AIA_URL_MAX (allocated on the first). */
static void add_url(char ***list, size_t *n, const ASN1_STRING *uri)
{
    const unsigned char *p = uri ? ASN1_STRING_get0_data(uri) : NULL;
    int len = uri ? ASN1_STRING_length(uri) : 0;
    if (!p || len <= 0 || *n >= AIA_URL_MAX)
        return;
    if (!*list && !(*list = calloc(AIA_URL_MAX, sizeof **list)))
        return;
    char *s = td_x509_printable("", p, (size_t)len, true, X509_URI_TEXT_MAX);
    if (s)
        (*list)[(*n)++] = s;
}

/* Every caIssuers and OCSP URI (a few of each, in order); aia_ca_issuers and aia_ocsp are the
 * first of each. */
static void aia_field(const X509 *x, td_cert *out)
{
    int crit = 0;
    AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, &crit, NULL);
    if (!aia)                              /* absent, duplicated or malformed */
        return;
    int total = sk_ACCESS_DESCRIPTION_num(aia);
    for (int i = 0; i < total; i++) {
        const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
        if (!ad || !ad->method || !ad->location || ad->location->type != GEN_URI)
            continue;
        int nid = OBJ_obj2nid(ad->method);
        if (nid == NID_ad_ca_issuers)
            add_url(&out->ca_issuer_urls, &out->n_ca_issuer_urls, ad->location->d.uniformResourceIdentifier);
        else if (nid == NID_ad_OCSP)
            add_url(&out->ocsp_urls, &out->n_ocsp_urls, ad->location->d.uniformResourceIdentifier);
    }
    AUTHORITY_INFO_ACCESS_free(aia);
    out->aia_ca_issuers = out->n_ca_issuer_urls ? out->ca_issuer_urls[0] : NULL;
    out->aia_ocsp = out->n_ocsp_urls ? out->ocsp_urls[0] : NULL;
}

/* ---- Certificate Transparency ---------------------------------------------------------------- */

/* RFC 6962 3.3: SignedCertificateTimestampList = opaque SerializedSCT<1..2^16-1> list<1..2^16-1>.
 * Counts the SCTs wholly inside the bytes; a length that lies stops the count there. */
static void count_scts(const unsigned char *p, size_t n, td_cert *out)
{
    if (n < 2) {
        out->scts_malformed = true;
        return;
    }
    size_t list = (size_t)p[0] << 8 | p[1];
    if (list == 0 || list != n - 2)
        out->scts_malformed = true;
    size_t end = 2 + (list < n - 2 ? list : n - 2);
    for (size_t at = 2; at < end;) {
        size_t len = end - at >= 2 ? ((size_t)p[at] << 8 | p[at + 1]) : 0;
        if (len == 0 || len > end - at - 2) {
            out->scts_malformed = true;
            return;
        }
        at += 2 + len;
        out->scts++;                       /* at most 65535 / 3 of them */
    }
}

static void sct_field(const X509 *x, td_cert *out)
{
    out->precert = X509_get_ext_by_NID(x, NID_ct_precert_poison, -1) >= 0;
    int i = X509_get_ext_by_NID(x, NID_ct_precert_scts, -1);
    if (i < 0)
        return;
    if (X509_get_ext_by_NID(x, NID_ct_precert_scts, i) >= 0) {   /* twice: which one? */
        out->scts_malformed = true;
        return;
    }
    const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(x, i));
    const unsigned char *p = v ? ASN1_STRING_get0_data(v) : NULL;
    int n = v ? ASN1_STRING_length(v) : 0;
    const unsigned char *q = p;
    /* extnValue holds the DER of an OCTET STRING that holds the TLS-encoded list. */
    ASN1_OCTET_STRING *inner = p && n > 0 ? d2i_ASN1_OCTET_STRING(NULL, &q, n) : NULL;
    if (!inner || q != p + n) {
        out->scts_malformed = true;
    } else {
        const unsigned char *d = ASN1_STRING_get0_data(inner);
        int dn = ASN1_STRING_length(inner);
        count_scts(d, d && dn > 0 ? (size_t)dn : 0, out);
    }
    ASN1_OCTET_STRING_free(inner);
}

/* ---- the whole ------------------------------------------------------------------------------- */

void td_x509_identity(const X509 *x, td_cert *out)
{
    serial_field(x, out);
    key_usage_field(x, out);
    eku_field(x, out);
    aia_field(x, out);
    sct_field(x, out);
}
