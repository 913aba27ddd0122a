/* decode_frames.h - frames built by hand for the td_decode unit tests (link headers, VLAN tags,
 * IPv4, IPv6, TCP with a standard payload), decoded from exact-size heap copies and checked. */
#ifndef TLSDIAG_DECODE_FRAMES_H
#define TLSDIAG_DECODE_FRAMES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dissectors/decode/decode.h"

/* ---- a frame builder ------------------------------------------------------------------------ */

typedef struct frame {
    uint8_t b[2048];
    size_t n;
} frame;

static inline void p8(frame *f, unsigned v) { f->b[f->n++] = (uint8_t)v; }
static inline void p16(frame *f, unsigned v) { p8(f, v >> 8); p8(f, v); }
static inline void p32(frame *f, uint32_t v) { p16(f, v >> 16); p16(f, v & 0xffff); }
static inline void p16le(frame *f, unsigned v) { p8(f, v); p8(f, v >> 8); }
static inline void p32le(frame *f, uint32_t v) { p16le(f, v & 0xffff); p16le(f, v >> 16); }
static inline void pbytes(frame *f, const void *d, size_t n) { memcpy(f->b + f->n, d, n); f->n += n; }
static inline void pzero(frame *f, size_t n) { memset(f->b + f->n, 0, n); f->n += n; }

static const uint8_t V4_SRC[4] = { 192, 0, 2, 1 }, V4_DST[4] = { 198, 51, 100, 7 };
static const uint8_t V6_SRC[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t V6_DST[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
static const char PAYLOAD[] = "\x16\x03\x01\x00\x05hello";   /* 10 bytes */
#define PAYLOAD_LEN (sizeof PAYLOAD - 1)

static inline void eth(frame *f, unsigned type)
{
    static const uint8_t macs[12] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
    pbytes(f, macs, 12);
    p16(f, type);
}

static inline void vlan(frame *f, unsigned tci, unsigned type) { p16(f, tci); p16(f, type); }

/* An IPv4 header of ihl words (options zero-filled) for `plen` bytes of payload. */
static inline void ipv4_hdr(frame *f, unsigned ihl, size_t plen, unsigned proto, unsigned frag)
{
    p8(f, 0x40 | ihl);
    p8(f, 0);
    p16(f, (unsigned)(ihl * 4 + plen));
    p16(f, 0x1234);
    p16(f, frag);
    p8(f, 64);
    p8(f, proto);
    p16(f, 0);
    pbytes(f, V4_SRC, 4);
    pbytes(f, V4_DST, 4);
    pzero(f, (ihl - 5) * 4);
}

static inline void ipv6_hdr(frame *f, size_t plen, unsigned next)
{
    p32(f, 0x60000000);
    p16(f, (unsigned)plen);
    p8(f, next);
    p8(f, 64);
    pbytes(f, V6_SRC, 16);
    pbytes(f, V6_DST, 16);
}

/* A TCP header of doff words (options as NOPs) followed by the payload. */
static inline void tcp_seg(frame *f, unsigned doff, unsigned flags, const void *data, size_t len)
{
    p16(f, 49152);
    p16(f, 443);
    p32(f, 0x01020304);
    p32(f, 0xa0b0c0d0);
    p8(f, doff << 4);
    p8(f, flags);
    p16(f, 65535);
    p16(f, 0);
    p16(f, 0);
    for (unsigned i = 5; i < doff; i++)
        p32(f, 0x01010101);
    pbytes(f, data, len);
}

#define TCP_LEN (20 + PAYLOAD_LEN)

/* IPv4 + TCP with the standard payload. */
static inline void ipv4_tcp(frame *f)
{
    ipv4_hdr(f, 5, TCP_LEN, 6, 0x4000);
    tcp_seg(f, 5, TD_TCP_PSH | TD_TCP_ACK, PAYLOAD, PAYLOAD_LEN);
}

static inline void ipv6_tcp(frame *f)
{
    ipv6_hdr(f, TCP_LEN, 6);
    tcp_seg(f, 5, TD_TCP_PSH | TD_TCP_ACK, PAYLOAD, PAYLOAD_LEN);
}

/* Decode from an exact-size heap copy, so any read past caplen is an ASan report. */
static inline td_decode_status dec(int dlt, const frame *f, size_t len, td_pkt *out, const char **why)
{
    uint8_t *copy = len ? malloc(len) : NULL;
    if (len)
        memcpy(copy, f->b, len);
    td_decode_status st = td_decode(dlt, copy, len, out, why);
    /* The payload points into the frame: rebase it onto f so it outlives the copy. */
    if (st == TD_DEC_TCP && out->payload && copy)
        out->payload = f->b + (out->payload - copy);
    free(copy);
    return st;
}

/* Every prefix of a valid frame decodes without a crash, and anything called TCP keeps its
 * payload inside the prefix. */
static inline void all_prefixes(int dlt, const frame *f)
{
    for (size_t len = 0; len <= f->n; len++) {
        td_pkt p;
        const char *why = NULL;
        td_decode_status st = dec(dlt, f, len, &p, &why);
        CHECK(st == TD_DEC_TCP || st == TD_DEC_MALFORMED);
        if (st == TD_DEC_MALFORMED)
            CHECK(why != NULL && why[0] != '\0');
        if (st == TD_DEC_TCP) {
            CHECK(p.payload >= f->b && p.payload + p.payload_len == f->b + len);
            CHECK(p.payload_len <= p.payload_wire_len);
            CHECK(p.truncated == (p.payload_len < p.payload_wire_len));
        }
    }
}

static inline void check_tcp_v4(const frame *f, const td_pkt *p)
{
    char a[64], b[64];
    CHECK(p->ipver == 4);
    td_addr_text(4, p->src, a, sizeof a);
    td_addr_text(4, p->dst, b, sizeof b);
    CHECK_STR(a, "192.0.2.1");
    CHECK_STR(b, "198.51.100.7");
    CHECK(p->sport == 49152 && p->dport == 443);
    CHECK(p->seq == 0x01020304 && p->ack == 0xa0b0c0d0);
    CHECK(p->flags == (TD_TCP_PSH | TD_TCP_ACK));
    CHECK(p->payload_len == PAYLOAD_LEN && p->payload_wire_len == PAYLOAD_LEN && !p->truncated);
    CHECK(p->payload && memcmp(p->payload, PAYLOAD, PAYLOAD_LEN) == 0);
    CHECK(p->payload == f->b + f->n - PAYLOAD_LEN);
}

static inline void check_tcp_v6(const frame *f, const td_pkt *p)
{
    char a[64], b[64];
    CHECK(p->ipver == 6);
    td_addr_text(6, p->src, a, sizeof a);
    td_addr_text(6, p->dst, b, sizeof b);
    CHECK_STR(a, "2001:db8::1");
    CHECK_STR(b, "2001:db8::2");
    CHECK(p->sport == 49152 && p->dport == 443);
    CHECK(p->seq == 0x01020304 && p->ack == 0xa0b0c0d0);
    CHECK(p->flags == (TD_TCP_PSH | TD_TCP_ACK));
    CHECK(p->payload_len == PAYLOAD_LEN && p->payload_wire_len == PAYLOAD_LEN && !p->truncated);
    CHECK(p->payload && memcmp(p->payload, PAYLOAD, PAYLOAD_LEN) == 0);
    CHECK(p->payload == f->b + f->n - PAYLOAD_LEN);
}

/* Decode a valid TCP frame, check its fields and all its prefixes. */
static inline void expect_tcp(int dlt, const frame *f, int ipver)
{
    td_pkt p;
    const char *why = "unset";
    CHECK(dec(dlt, f, f->n, &p, &why) == TD_DEC_TCP);
    CHECK(why == NULL);
    if (ipver == 4)
        check_tcp_v4(f, &p);
    else
        check_tcp_v6(f, &p);
    all_prefixes(dlt, f);
}

static inline td_decode_status status_of(int dlt, const frame *f, const char **why)
{
    td_pkt p;
    return dec(dlt, f, f->n, &p, why);
}

#endif
