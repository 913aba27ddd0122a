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
#include <stdlib.h>
#include <string.h>

#include "dissectors/cursor.h"
#include "dissectors/tls/tls_int.h"

enum { EXT_SNI = 0, EXT_GROUPS = 10, EXT_POINT_FORMATS = 11, EXT_SIGALGS = 13, EXT_ALPN = 16, EXT_VERSIONS = 43 };

/* A string with room decided in advance: appends past the end are dropped (never happens when
 * the room was computed from the input length).  The text is written by hand, not with printf:
 * a ClientHello gives a hundred numbers, and vsnprintf's set-up for each was most of the cost. */
typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

enum { SB_STACK = 8192 };          /* room on the stack: heap only for a hello over 2 KB */

/* b over the caller's stack room when `want` fits, else over a heap block (p NULL without memory). */
static void sb_open(sbuf *b, char *stack, size_t want)
{
    b->n = 0;
    b->cap = want;
    b->p = want <= SB_STACK ? stack : malloc(want);
    if (b->p) b->p[0] = '\0';
}

static void sb_close(sbuf *b, const char *stack)
{
    if (b->p != stack) free(b->p);
    b->p = NULL;
}

static void sb_char(sbuf *b, char ch)
{
    if (!b->p || b->n + 1 >= b->cap) return;
    b->p[b->n++] = ch;
    b->p[b->n] = '\0';
}

/* A 16-bit value in decimal (at most 5 digits), one check of the room for all of them. */
static void sb_dec(sbuf *b, unsigned v)
{
    if (!b->p || b->n + 6 > b->cap || v > 0xffff) return;
    char *o = b->p + b->n;
    if (v >= 10000) *o++ = (char)('0' + v / 10000);
    if (v >= 1000) *o++ = (char)('0' + v / 1000 % 10);
    if (v >= 100) *o++ = (char)('0' + v / 100 % 10);
    if (v >= 10) *o++ = (char)('0' + v / 10 % 10);
    *o++ = (char)('0' + v % 10);
    *o = '\0';
    b->n = (size_t)(o - b->p);
}

static const char HEX[] = "0123456789abcdef";

/* sep (if not NUL) and v in 4 hex digits. */
static void sb_hex4(sbuf *b, char sep, uint16_t v)
{
    if (!b->p || b->n + 6 > b->cap) return;
    char *o = b->p + b->n;
    if (sep) *o++ = sep;
    for (int s = 12; s >= 0; s -= 4) *o++ = HEX[(v >> s) & 15];
    *o = '\0';
    b->n = (size_t)(o - b->p);
}

/* A heap copy of the text (the transcript owns it), NULL without memory. */
static char *sb_dup(const sbuf *b)
{
    char *s = b->p ? malloc(b->n + 1) : NULL;
    if (s) memcpy(s, b->p, b->n + 1);
    return s;
}

static void hex_bytes(const uint8_t *d, size_t hex_len, char *out)
{
    for (size_t i = 0; i < hex_len / 2; i++) {
        out[2 * i] = HEX[d[i] >> 4];
        out[2 * i + 1] = HEX[d[i] & 15];
    }
    out[hex_len] = '\0';
}

static void md5_hex(td_fp_memo *memo, const sbuf *b, char out[33])
{
    uint8_t d[32];
    tls_fp_digest(memo, TLS_FP_MD5, b->p, b->n, d);
    hex_bytes(d, 32, out);
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
        if (!first) sb_char(b, '-');
        sb_dec(b, v);
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

enum { U16_STACK = 1024 };         /* values on the stack: heap only for a hello over 2 KB */

/* Room for `want` values: the caller's stack array when it fits, else the heap (NULL without
 * memory); u16_done gives it back. */
static uint16_t *u16_room(uint16_t *stack, size_t want)
{
    return want <= U16_STACK ? stack : malloc(want * sizeof *stack);
}

static void u16_done(uint16_t *p, const uint16_t *stack)
{
    if (p != stack) free(p);
}

static void ja3(td_hello *h, const hello_view *v, size_t len, td_fp_memo *memo)
{
    char room[SB_STACK];
    uint16_t types_room[U16_STACK];
    sbuf b;
    sb_open(&b, room, 4 * len + 32);                /* a byte gives at most 4 characters */
    uint16_t *types = u16_room(types_room, len / 4 + 1);
    if (!b.p || !types) goto out;
    sb_dec(&b, v->legacy);
    sb_char(&b, ',');
    ja3_list(&b, v->ciphers, false);
    sb_char(&b, ',');
    size_t n = ext_types(v->exts, types);
    for (size_t i = 0; i < n; i++) {
        if (i) sb_char(&b, '-');
        sb_dec(&b, types[i]);
    }
    sb_char(&b, ',');
    if (v->groups.p) { cursor g = v->groups; ja3_list(&b, cur_block16(&g), false); }
    sb_char(&b, ',');
    if (v->formats.p) { cursor f = v->formats; ja3_list(&b, cur_block8(&f), true); }
    md5_hex(memo, &b, h->ja3);
    free(h->ja3_string);
    h->ja3_string = sb_dup(&b);
out:
    sb_close(&b, room);
    u16_done(types, types_room);
}

/* Ascending, in place: insertion sort for the usual few dozen values, qsort beyond. */
static int cmp16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

static void sort16(uint16_t *v, size_t n)
{
    if (n > 64) {
        qsort(v, n, sizeof *v, cmp16);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint16_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--) v[j] = v[j - 1];
        v[j] = x;
    }
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
static void ja4_hash(uint16_t *vals, size_t n, const uint16_t *tail, size_t n_tail, char *out, sbuf *scratch,
                     td_fp_memo *memo)
{
    if (n == 0) {
        memcpy(out, "000000000000", 13);
        return;
    }
    sort16(vals, n);
    scratch->n = 0;
    scratch->p[0] = '\0';
    for (size_t i = 0; i < n; i++) sb_hex4(scratch, i ? ',' : '\0', vals[i]);
    for (size_t i = 0; i < n_tail; i++) sb_hex4(scratch, i ? ',' : '_', tail[i]);
    uint8_t d[32];
    tls_fp_digest(memo, TLS_FP_SHA256, scratch->p, scratch->n, d);
    hex_bytes(d, 12, out);
}

static void ja4(td_hello *h, const hello_view *v, size_t len, td_fp_memo *memo)
{
    size_t room = len / 2 + 1;
    uint16_t ciphers_room[U16_STACK], exts_room[U16_STACK], sigs_room[U16_STACK];
    char text_room[SB_STACK];
    uint16_t *ciphers = u16_room(ciphers_room, room), *exts = u16_room(exts_room, room);
    uint16_t *sigs = u16_room(sigs_room, room);
    sbuf s;
    sb_open(&s, text_room, 3 * len + 32);           /* 2 bytes give at most 5 characters */
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
    ja4_hash(ciphers, nc, NULL, 0, hc, &s, memo);
    ja4_hash(exts, nx, sigs, ns, he, &s, memo);
    /* "t" version "d"/"i" ciphers(2) extensions(2) alpn(2) "_" hc(12) "_" he(12): TD_JA4_LEN */
    unsigned cn = nc > 99 ? 99 : (unsigned)nc, en = ne > 99 ? 99 : (unsigned)ne;
    char *o = h->ja4;
    *o++ = 't';
    *o++ = ver[0];
    *o++ = ver[1];
    *o++ = v->sni ? 'd' : 'i';
    *o++ = (char)('0' + cn / 10);
    *o++ = (char)('0' + cn % 10);
    *o++ = (char)('0' + en / 10);
    *o++ = (char)('0' + en % 10);
    *o++ = alpn[0];
    *o++ = alpn[1];
    *o++ = '_';
    memcpy(o, hc, 12);
    o += 12;
    *o++ = '_';
    memcpy(o, he, 13);
out:
    u16_done(ciphers, ciphers_room);
    u16_done(exts, exts_room);
    u16_done(sigs, sigs_room);
    sb_close(&s, text_room);
}

void tls_fingerprint_client(td_hello *h, const uint8_t *body, size_t len, td_fp_memo *memo)
{
    hello_view v;
    if (!view_client(&v, body, len)) return;
    ja3(h, &v, len, memo);
    ja4(h, &v, len, memo);
}

void tls_fingerprint_server(td_hello *h, const uint8_t *body, size_t len, td_fp_memo *memo)
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
    uint16_t types_room[U16_STACK];
    char room[SB_STACK];
    uint16_t *types = u16_room(types_room, len / 4 + 1);
    sbuf b;
    sb_open(&b, room, 3 * len + 32);
    if (types && b.p) {
        sb_dec(&b, version);
        sb_char(&b, ',');
        sb_dec(&b, cipher);
        sb_char(&b, ',');
        size_t n = ext_types(exts, types);
        for (size_t i = 0; i < n; i++) {
            if (i) sb_char(&b, '-');
            sb_dec(&b, types[i]);
        }
        md5_hex(memo, &b, h->ja3s);
        free(h->ja3s_string);
        h->ja3s_string = sb_dup(&b);
    }
    u16_done(types, types_room);
    sb_close(&b, room);
}
