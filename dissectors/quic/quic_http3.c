/* quic_http3.c - the first HEADERS frame of an HTTP/3 request stream, read far enough to name the request (:method, :path) or the answer (:status).
 *
 * RFC 9114 7.1-7.2 (frame: type, length, payload) and RFC 9204 (QPACK): a field section starts with
 * the Required Insert Count and the Delta Base, then field lines.  Only what needs no dynamic table
 * is read: static-table references (Appendix A) and literals.  A Huffman-coded value (RFC 7541
 * Appendix B) is decoded only when it is all digits, as a status is; a path so coded is left out.
 * Pure: no I/O, no global state. */
#include <stdio.h>
#include <string.h>

#include "dissectors/quic/quic_int.h"

#define H3_HEADERS 0x01
#define MAX_LINES 16

/* QPACK's static table (RFC 9204 Appendix A), the entries read here. */
static const char *static_status(uint64_t i)
{
    static const struct { uint8_t index; const char *value; } t[] = {
        { 24, "103" }, { 25, "200" }, { 26, "304" }, { 27, "404" }, { 28, "503" }, { 63, "100" }, { 64, "204" },
        { 65, "206" }, { 66, "302" }, { 67, "400" }, { 68, "403" }, { 69, "421" }, { 70, "425" }, { 71, "500" },
    };
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++)
        if (t[k].index == i) return t[k].value;
    return NULL;
}

static const char *static_method(uint64_t i)
{
    static const char *const m[] = { "CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT" };
    return i >= 15 && i <= 21 ? m[i - 15] : NULL;
}

/* An HPACK/QPACK integer with an n-bit prefix (RFC 7541 5.1); the first byte is `first`. */
static uint64_t prefixed_int(cursor *c, uint8_t first, unsigned n)
{
    uint64_t max = (1u << n) - 1, v = first & max;
    if (v < max) return v;
    for (unsigned shift = 0; shift < 56; shift += 7) {
        uint8_t b = cur_u8(c);
        if (c->bad) return 0;
        v += (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
    }
    c->bad = true;
    return 0;
}

/* Huffman-coded digits: '0'-'2' are 5 bits (00000..00010), '3'-'9' 6 bits (011001..011111); the
 * padding is the EOS prefix (all ones).  False for anything else. */
static bool huffman_digits(const uint8_t *p, size_t n, char *out, size_t outlen)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        acc = acc << 8 | p[i];
        bits += 8;
        while (bits >= 5) {
            unsigned five = (acc >> (bits - 5)) & 0x1f;
            if (five <= 2) {
                if (k + 1 >= outlen) return false;
                out[k++] = (char)('0' + five);
                bits -= 5;
            } else if (bits >= 6 && (((acc >> (bits - 6)) & 0x3f) >= 0x19 && ((acc >> (bits - 6)) & 0x3f) <= 0x1f)) {
                if (k + 1 >= outlen) return false;
                out[k++] = (char)('3' + (((acc >> (bits - 6)) & 0x3f) - 0x19));
                bits -= 6;
            } else {
                break;
            }
        }
        if (bits > 24) return false;
    }
    if (bits >= 8 || (bits && (acc & ((1u << bits) - 1)) != (1u << bits) - 1)) return false;
    out[k] = '\0';
    return k > 0;
}

/* A string literal (H bit and a 7-bit-prefix length, or for a literal name an n-bit prefix): plain
 * text copied printable, or Huffman digits; false when it cannot be read. */
static bool literal(cursor *c, unsigned prefix, char *out, size_t outlen)
{
    uint8_t first = cur_u8(c);
    bool huff = first & (1u << prefix);
    uint64_t n = prefixed_int(c, first, prefix);
    if (c->bad || n > cur_left(c)) return false;
    const uint8_t *p = cur_bytes(c, (size_t)n);
    if (huff) return huffman_digits(p, (size_t)n, out, outlen);
    size_t k = n < outlen - 1 ? (size_t)n : outlen - 1;
    for (size_t i = 0; i < k; i++) out[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    out[k] = '\0';
    return true;
}

typedef struct fields {
    char status[8], method[16], path[96];
} fields;

/* A static name index, and the value literal that follows: keep it if the name is one we want. */
static void named(fields *f, uint64_t index, const char *value)
{
    if (static_status(index)) snprintf(f->status, sizeof f->status, "%.7s", value);
    else if (static_method(index)) snprintf(f->method, sizeof f->method, "%.15s", value);
    else if (index == 1) snprintf(f->path, sizeof f->path, "%s", value);
}

/* One field line; false when it cannot be read (the rest of the section is not). */
static bool field_line(cursor *c, fields *f)
{
    uint8_t b = cur_u8(c);
    if (c->bad) return false;
    if (b & 0x80) {                                    /* indexed: 1 T index(6) */
        uint64_t i = prefixed_int(c, b, 6);
        if (!(b & 0x40)) return !c->bad;               /* the dynamic table: not known here */
        if (static_status(i)) snprintf(f->status, sizeof f->status, "%s", static_status(i));
        else if (static_method(i)) snprintf(f->method, sizeof f->method, "%s", static_method(i));
        else if (i == 1) snprintf(f->path, sizeof f->path, "/");
        return !c->bad;
    }
    char v[96];
    if (b & 0x40) {                                    /* literal with name reference: 01 N T index(4) */
        uint64_t i = prefixed_int(c, b, 4);
        bool ok = literal(c, 7, v, sizeof v);
        if (ok && (b & 0x10)) named(f, i, v);
        return !c->bad;
    }
    if (b & 0x20) {                                    /* literal with literal name: 001 N H len(3) */
        char name[32];
        c->p--;                                        /* the name's length prefix is in this byte */
        if (!literal(c, 3, name, sizeof name)) return false;
        bool ok = literal(c, 7, v, sizeof v);
        if (ok && strcmp(name, ":status") == 0) snprintf(f->status, sizeof f->status, "%.7s", v);
        if (ok && strcmp(name, ":path") == 0) snprintf(f->path, sizeof f->path, "%s", v);
        return !c->bad;
    }
    if (b & 0x10) {                                    /* indexed, post-base: 0001 index(4) */
        (void)prefixed_int(c, b, 4);
        return !c->bad;
    }
    (void)prefixed_int(c, b, 3);                       /* literal, post-base name: 0000 N index(3) */
    char skip[8];
    (void)literal(c, 7, skip, sizeof skip);
    return !c->bad;
}

int quic_http3_headers(const uint8_t *data, size_t len, char *out, size_t outlen)
{
    cursor c = cur_make(data, len);
    uint64_t type = quic_varint(&c), flen = quic_varint(&c);
    if (c.bad || type != H3_HEADERS || !outlen) return 0;
    cursor s = cur_make(c.p, flen < cur_left(&c) ? (size_t)flen : cur_left(&c));
    uint8_t b = cur_u8(&s);
    (void)prefixed_int(&s, b, 8);                      /* Required Insert Count */
    b = cur_u8(&s);
    (void)prefixed_int(&s, b, 7);                      /* Delta Base */
    fields f = { "", "", "" };
    for (int i = 0; i < MAX_LINES && !s.bad && !cur_empty(&s); i++)
        if (!field_line(&s, &f)) break;
    if (f.status[0]) {
        int st = 0;
        if (sscanf(f.status, "%3d", &st) != 1 || st < 100 || st > 599) return 0;
        snprintf(out, outlen, "HTTP/3 %d", st);
        return st;
    }
    if (!f.method[0]) return 0;
    snprintf(out, outlen, "HTTP/3 %s%s%s", f.method, f.path[0] ? " " : "", f.path);
    return 1;
}
