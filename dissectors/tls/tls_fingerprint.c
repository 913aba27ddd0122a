/* tls_fingerprint.c - JA3 and JA4 of a ClientHello, JA3S of a ServerHello, computed once per connection.
 *
 * JA3 (github.com/salesforce/ja3): "SSLVersion,Ciphers,Extensions,EllipticCurves,
 * EllipticCurvePointFormats", decimal values joined by '-', GREASE values left out, and its MD5.
 * JA3S: "SSLVersion,Cipher,Extensions" of the ServerHello, and its MD5.
 * JA4 (FoxIO's JA4 technical details, the openly licensed client fingerprint; JA4S, JA4X and the
 * rest of JA4+ are not implemented): "t" (TLS over TCP), the version (the highest of
 * supported_versions, else legacy_version), "d"/"i" (SNI or not), the cipher and extension counts,
 * the first and last characters of the first ALPN value; then the first 12 hex digits of the
 * SHA-256 of the sorted cipher list, and of the sorted extension list without SNI and ALPN
 * followed by "_" and the signature algorithms in order.  GREASE is ignored everywhere.
 *
 * The hello is walked again here, from its bytes, so that no cap on the transcript's lists
 * changes a fingerprint.  Every buffer is sized from the message's length beforehand. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "dissectors/cursor.h"
#include "dissectors/tls/tls_int.h"

enum { EXT_SNI = 0, EXT_GROUPS = 10, EXT_POINT_FORMATS = 11, EXT_SIGALGS = 13, EXT_ALPN = 16, EXT_VERSIONS = 43 };

/* A string with room decided in advance: appends past the end are dropped (never happens when
 * the room was computed from the input length). */
typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

__attribute__((format(printf, 2, 3))) static void sb_add(sbuf *b, const char *fmt, ...)
{
    if (!b->p || b->n + 1 >= b->cap) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    if (k > 0 && (size_t)k < b->cap - b->n) b->n += (size_t)k;
    else b->p[b->n] = '\0';
}

static void hex_digest(const EVP_MD *md, const char *s, size_t n, char *out, size_t hex_len)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dl = 0;
    out[0] = '\0';
    if (!EVP_Digest(s, n, d, &dl, md, NULL)) return;     /* e.g. MD5 unavailable (FIPS) */
    for (size_t i = 0; i < hex_len / 2 && i < dl; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The parts of a ClientHello the fingerprints read. */
typedef struct hello_view {
    uint16_t legacy;
    cursor ciphers, exts;
    cursor groups, formats, sigalgs, alpn, versions;    /* extension bodies (p NULL: absent) */
    bool sni;
} hello_view;

static bool view_client(hello_view *v, const uint8_t *body, size_t len)
{
    memset(v, 0, sizeof *v);
    cursor c = cur_make(body, len);
    v->legacy = cur_u16(&c);
    cur_skip(&c, 32);
    (void)cur_block8(&c);                          /* session id */
    v->ciphers = cur_block16(&c);
    (void)cur_block8(&c);                          /* compression methods */
    if (c.bad) return false;
    v->exts = cur_empty(&c) ? cur_make(NULL, 0) : cur_block16(&c);
    cursor e = v->exts;
    while (!cur_empty(&e) && !e.bad) {
        uint16_t type = cur_u16(&e);
        cursor body_ = cur_block16(&e);
        if (e.bad) break;
        cursor *slot = type == EXT_GROUPS ? &v->groups : type == EXT_POINT_FORMATS ? &v->formats :
                       type == EXT_SIGALGS ? &v->sigalgs : type == EXT_ALPN ? &v->alpn :
                       type == EXT_VERSIONS ? &v->versions : NULL;
        if (slot && !slot->p) *slot = body_;
        if (type == EXT_SNI) v->sni = true;
    }
    return true;
}

/* The values of a list (16-bit, or 8-bit when one8), GREASE left out, in decimal joined by '-'. */
static void ja3_list(sbuf *b, cursor l, bool one8)
{
    bool first = true;
    while (cur_left(&l) >= (one8 ? 1u : 2u)) {
        unsigned v = one8 ? cur_u8(&l) : cur_u16(&l);
        if (!one8 && td_is_grease((uint16_t)v)) continue;
        sb_add(b, first ? "%u" : "-%u", v);
        first = false;
    }
}

/* The extension types of an extensions block, GREASE left out. */
static size_t ext_types(cursor e, uint16_t *out)
{
    size_t n = 0;
    while (!cur_empty(&e) && !e.bad) {
        uint16_t type = cur_u16(&e);
        (void)cur_block16(&e);
        if (e.bad) break;
        if (!td_is_grease(type)) out[n++] = type;
    }
    return n;
}

static void ja3(td_hello *h, const hello_view *v, size_t len)
{
    sbuf b = { malloc(4 * len + 32), 0, 4 * len + 32 };   /* a byte gives at most 4 characters */
    uint16_t *types = malloc((len / 4 + 1) * sizeof *types);
    if (!b.p || !types) goto out;
    b.p[0] = '\0';
    sb_add(&b, "%u,", v->legacy);
    ja3_list(&b, v->ciphers, false);
    sb_add(&b, ",");
    size_t n = ext_types(v->exts, types);
    for (size_t i = 0; i < n; i++) sb_add(&b, i ? "-%u" : "%u", types[i]);
    sb_add(&b, ",");
    if (v->groups.p) { cursor g = v->groups; ja3_list(&b, cur_block16(&g), false); }
    sb_add(&b, ",");
    if (v->formats.p) { cursor f = v->formats; ja3_list(&b, cur_block8(&f), true); }
    hex_digest(EVP_md5(), b.p, b.n, h->ja3, 32);
    free(h->ja3_string);
    h->ja3_string = b.p;
    b.p = NULL;
out:
    free(b.p);
    free(types);
}

static int cmp16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* "13", "12", ..., "s3", "s2", "00": the version the client offers at most. */
static void ja4_version(const hello_view *v, char out[3])
{
    uint16_t best = v->legacy;
    if (v->versions.p) {
        cursor s = v->versions;
        cursor l = cur_block8(&s);
        best = 0;
        while (cur_left(&l) >= 2) {
            uint16_t x = cur_u16(&l);
            if (!td_is_grease(x) && x > best) best = x;
        }
    }
    const char *t = best == 0x0304 ? "13" : best == 0x0303 ? "12" : best == 0x0302 ? "11" : best == 0x0301 ? "10" :
                    best == 0x0300 ? "s3" : best == 0x0002 ? "s2" : best == 0xfeff ? "d1" : best == 0xfefd ? "d2" :
                    best == 0xfefc ? "d3" : "00";
    memcpy(out, t, 3);
}

static bool alnum(uint8_t c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

/* The first and last characters of the first ALPN value ("h2", "h1"); of its hex form when either
 * byte is not alphanumeric; "00" when there is none. */
static void ja4_alpn(const hello_view *v, char out[3])
{
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "00", 3);
    if (!v->alpn.p) return;
    cursor a = v->alpn;
    cursor list = cur_block16(&a);
    cursor first = cur_block8(&list);
    size_t n = cur_left(&first);
    if (first.bad || n == 0) return;
    uint8_t f = first.p[0], l = first.p[n - 1];
    if (alnum(f) && alnum(l)) {
        out[0] = (char)f;
        out[1] = (char)l;
    } else {
        out[0] = hex[f >> 4];
        out[1] = hex[l & 15];
    }
}

/* The first 12 hex digits of SHA-256 over the sorted values (then "_" and `tail`, in order, if
 * any), or "000000000000" when there are no values. */
static void ja4_hash(uint16_t *vals, size_t n, const uint16_t *tail, size_t n_tail, char *out, sbuf *scratch)
{
    if (n == 0) {
        memcpy(out, "000000000000", 13);
        return;
    }
    qsort(vals, n, sizeof *vals, cmp16);
    scratch->n = 0;
    scratch->p[0] = '\0';
    for (size_t i = 0; i < n; i++) sb_add(scratch, i ? ",%04x" : "%04x", vals[i]);
    for (size_t i = 0; i < n_tail; i++) sb_add(scratch, i ? ",%04x" : "_%04x", tail[i]);
    hex_digest(EVP_sha256(), scratch->p, scratch->n, out, 12);
}

static void ja4(td_hello *h, const hello_view *v, size_t len)
{
    size_t room = len / 2 + 1;
    uint16_t *ciphers = malloc(room * sizeof *ciphers), *exts = malloc(room * sizeof *exts);
    uint16_t *sigs = malloc(room * sizeof *sigs);
    sbuf s = { malloc(3 * len + 32), 0, 3 * len + 32 };     /* 2 bytes give at most 5 characters */
    if (!ciphers || !exts || !sigs || !s.p) goto out;
    size_t nc = 0, ne = 0, nx = 0, ns = 0;
    for (cursor c = v->ciphers; cur_left(&c) >= 2;) {
        uint16_t x = cur_u16(&c);
        if (!td_is_grease(x)) ciphers[nc++] = x;
    }
    size_t n_all = ext_types(v->exts, exts);
    for (size_t i = 0; i < n_all; i++)             /* SNI and ALPN are counted, not hashed */
        if (exts[i] != EXT_SNI && exts[i] != EXT_ALPN) exts[nx++] = exts[i];
    ne = n_all;
    if (v->sigalgs.p) {
        cursor a = v->sigalgs;
        for (cursor l = cur_block16(&a); cur_left(&l) >= 2;) {
            uint16_t x = cur_u16(&l);
            if (!td_is_grease(x)) sigs[ns++] = x;
        }
    }
    char ver[3], alpn[3], hc[13], he[13];
    ja4_version(v, ver);
    ja4_alpn(v, alpn);
    ja4_hash(ciphers, nc, NULL, 0, hc, &s);
    ja4_hash(exts, nx, sigs, ns, he, &s);
    snprintf(h->ja4, sizeof h->ja4, "t%s%c%02u%02u%s_%s_%s", ver, v->sni ? 'd' : 'i', (unsigned)(nc > 99 ? 99 : nc),
             (unsigned)(ne > 99 ? 99 : ne), alpn, hc, he);
out:
    free(ciphers);
    free(exts);
    free(sigs);
    free(s.p);
}

void tls_fingerprint_client(td_hello *h, const uint8_t *body, size_t len)
{
    hello_view v;
    if (!view_client(&v, body, len)) return;
    ja3(h, &v, len);
    ja4(h, &v, len);
}

void tls_fingerprint_server(td_hello *h, const uint8_t *body, size_t len)
{
    cursor c = cur_make(body, len);
    uint16_t version = cur_u16(&c);
    cur_skip(&c, 32);
    int draft = td_tls13_draft(version);
    bool old_draft = draft >= 0 && draft < 22;     /* no session id, no compression method */
    if (!old_draft) (void)cur_block8(&c);
    uint16_t cipher = cur_u16(&c);
    if (!old_draft) cur_u8(&c);
    if (c.bad) return;
    cursor exts = cur_empty(&c) ? cur_make(NULL, 0) : cur_block16(&c);
    uint16_t *types = malloc((len / 4 + 1) * sizeof *types);
    sbuf b = { malloc(3 * len + 32), 0, 3 * len + 32 };
    if (types && b.p) {
        b.p[0] = '\0';
        sb_add(&b, "%u,", version);
        sb_add(&b, "%u,", cipher);
        size_t n = ext_types(exts, types);
        for (size_t i = 0; i < n; i++) sb_add(&b, i ? "-%u" : "%u", types[i]);
        hex_digest(EVP_md5(), b.p, b.n, h->ja3s, 32);
        free(h->ja3s_string);
        h->ja3s_string = b.p;
        b.p = NULL;
    }
    free(types);
    free(b.p);
}
