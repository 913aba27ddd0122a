/* pcap_writer.h - capture files built in memory for the reader tests (test_pcap_map.c): classic
 * pcap headers and records, pcapng blocks (SHB, IDB with if_tsresol/if_tsoffset, EPB, SPB, PB,
 * Decryption Secrets Block, any other type), each frame an Ethernet/IPv4/TCP packet to port 443
 * or 80.  Static functions, included once. */
#ifndef TLSDIAG_TEST_PCAP_WRITER_H
#define TLSDIAG_TEST_PCAP_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct vec {
    uint8_t *b;
    size_t n, cap;
} vec;

static void put(vec *v, const void *d, size_t n)
{
    if (v->n + n > v->cap) {
        v->cap = (v->n + n) * 2 + 64;
        v->b = realloc(v->b, v->cap);
    }
    memcpy(v->b + v->n, d, n);
    v->n += n;
}

static void put16(vec *v, bool be, uint16_t x)
{
    uint8_t b[2] = { (uint8_t)(be ? x >> 8 : x), (uint8_t)(be ? x : x >> 8) };
    put(v, b, 2);
}

static void put32(vec *v, bool be, uint32_t x)
{
    put16(v, be, (uint16_t)(be ? x >> 16 : x));
    put16(v, be, (uint16_t)(be ? x : x >> 16));
}

static void set32(vec *v, size_t at, bool be, uint32_t x)
{
    vec t = { 0 };
    put32(&t, be, x);
    memcpy(v->b + at, t.b, 4);
    free(t.b);
}

/* A frame: Ethernet, IPv4, TCP 10.0.0.1:1000+i -> 10.0.0.2:443 (or :80 for odd i), padded. */
static void frame(vec *v, int i, uint32_t caplen)
{
    uint8_t f[128] = { 0 };
    memset(f, 0xaa, 12);
    f[12] = 0x08;
    f[14] = 0x45;
    f[23] = 6;
    f[26] = 10, f[29] = 1, f[30] = 10, f[33] = 2;
    f[34] = (uint8_t)((1000 + i) >> 8), f[35] = (uint8_t)(1000 + i);
    f[36] = 0x01, f[37] = (i & 1) ? 80 : 0xbb;
    f[36] = (i & 1) ? 0 : 0x01;
    for (uint32_t k = 54; k < sizeof f; k++)
        f[k] = (uint8_t)(i * 7 + k);
    for (uint32_t done = 0; done < caplen;) {
        uint32_t n = caplen - done < sizeof f ? caplen - done : (uint32_t)sizeof f;
        put(v, f, n);
        done += n;
    }
}

static void pcap_hdr(vec *v, bool be, bool nano, uint16_t minor, uint32_t snaplen)
{
    put32(v, be, nano ? 0xa1b23c4d : 0xa1b2c3d4);
    put16(v, be, 2);
    put16(v, be, minor);
    put32(v, be, 0);
    put32(v, be, 0);
    put32(v, be, snaplen);
    put32(v, be, 1);
}

static void pcap_rec(vec *v, bool be, int i, uint32_t caplen, uint32_t len)
{
    put32(v, be, 1700000000u + (uint32_t)i);
    put32(v, be, 1000u * (uint32_t)i + 7);
    put32(v, be, caplen);
    put32(v, be, len);
    frame(v, i, caplen);
}

static void block_end(vec *v, bool be, size_t start)
{
    while ((v->n - start) % 4)
        put(v, "", 1);
    uint32_t total = (uint32_t)(v->n - start + 4);
    set32(v, start + 4, be, total);
    put32(v, be, total);
}

static void shb(vec *v, bool be)
{
    size_t s = v->n;
    put32(v, be, 0x0A0D0D0A);
    put32(v, be, 0);
    put32(v, be, 0x1A2B3C4D);
    put16(v, be, 1);
    put16(v, be, 0);
    put32(v, be, 0xffffffff);
    put32(v, be, 0xffffffff);
    block_end(v, be, s);
}

/* tsresol: 0 = none (microseconds); else the option's byte.  tsoffset: 0 = none. */
static void idb(vec *v, bool be, uint16_t linktype, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
    size_t s = v->n;
    put32(v, be, 1);
    put32(v, be, 0);
    put16(v, be, linktype);
    put16(v, be, 0);
    put32(v, be, snaplen);
    if (tsresol) {
        put16(v, be, 9);
        put16(v, be, 1);
        uint8_t b[4] = { (uint8_t)tsresol, 0, 0, 0 };
        put(v, b, 4);
    }
    if (tsoffset) {
        put16(v, be, 14);
        put16(v, be, 8);
        put32(v, be, be ? (uint32_t)((uint64_t)tsoffset >> 32) : (uint32_t)tsoffset);
        put32(v, be, be ? (uint32_t)tsoffset : (uint32_t)((uint64_t)tsoffset >> 32));
    }
    if (tsresol || tsoffset)
        put32(v, be, 0);                              /* opt_endofopt */
    block_end(v, be, s);
}

static void epb(vec *v, bool be, uint32_t iface, uint64_t t, int i, uint32_t caplen, uint32_t len)
{
    size_t s = v->n;
    put32(v, be, 6);
    put32(v, be, 0);
    put32(v, be, iface);
    put32(v, be, (uint32_t)(t >> 32));
    put32(v, be, (uint32_t)t);
    put32(v, be, caplen);
    put32(v, be, len);
    frame(v, i, caplen);
    block_end(v, be, s);
}

static void spb(vec *v, bool be, int i, uint32_t len)
{
    size_t s = v->n;
    put32(v, be, 3);
    put32(v, be, 0);
    put32(v, be, len);
    frame(v, i, len);
    block_end(v, be, s);
}

static void pb(vec *v, bool be, uint16_t iface, uint64_t t, int i, uint32_t caplen)
{
    size_t s = v->n;
    put32(v, be, 2);
    put32(v, be, 0);
    put16(v, be, iface);
    put16(v, be, 0);
    put32(v, be, (uint32_t)(t >> 32));
    put32(v, be, (uint32_t)t);
    put32(v, be, caplen);
    put32(v, be, caplen);
    frame(v, i, caplen);
    block_end(v, be, s);
}

/* A block of another type (name resolution 4, custom 0xBAD...) with n body bytes. */
static void other(vec *v, bool be, uint32_t type, size_t n)
{
    size_t s = v->n;
    put32(v, be, type);
    put32(v, be, 0);
    for (size_t k = 0; k < n; k++)
        put(v, "x", 1);
    block_end(v, be, s);
}

static void dsb(vec *v, bool be, const char *keys, uint32_t claimed)
{
    size_t s = v->n;
    put32(v, be, 0x0A);
    put32(v, be, 0);
    put32(v, be, 0x544c534b);
    put32(v, be, claimed ? claimed : (uint32_t)strlen(keys));
    put(v, keys, strlen(keys));
    block_end(v, be, s);
}

/* A pcapng file: SHB, IDB (tsresol 9 = ns, offset 100 s), IDB (binary 2^-20), and n packets
 * alternating EPBs on both interfaces, with a PB, an SPB and an unknown block among them. */
static vec good_pcapng(bool be, int n)
{
    vec v = { 0 };
    shb(&v, be);
    other(&v, be, 0x80000001u, 10);
    idb(&v, be, 1, 65535, 9, 100);
    idb(&v, be, 1, 65535, 0x80 | 20, 0);
    for (int i = 0; i < n; i++) {
        if (i == 3)
            pb(&v, be, 1, (uint64_t)1700000000 << 20 | 12345, i, 80);
        else if (i == 4)
            spb(&v, be, i, 70);
        else
            epb(&v, be, (uint32_t)(i & 1),
                (i & 1) ? ((uint64_t)1700000000 << 20) + (uint64_t)i * 777
                        : 1700000000000000000ull + (uint64_t)i * 123456789, i, 60 + (uint32_t)i, 60 + (uint32_t)i + (uint32_t)(i % 3) * 100);
        if (i == 5)
            other(&v, be, 4, 24);
    }
    return v;
}

static vec good_pcap(bool be, bool nano, int n)
{
    vec v = { 0 };
    pcap_hdr(&v, be, nano, 4, 65535);
    for (int i = 0; i < n; i++)
        pcap_rec(&v, be, i, 60 + (uint32_t)i * 3, 60 + (uint32_t)i * 3 + (i % 2) * 1000);
    return v;
}

#endif
