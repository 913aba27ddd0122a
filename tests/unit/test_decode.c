/* test_decode.c - unit tests for td_decode on handcrafted frames.
 *
 * Every link type, VLAN/QinQ, IPv4 and IPv6 (with extension headers), TCP; malformed headers,
 * padding, snap-length cuts, and every prefix of every valid frame (decoded from an exact-size
 * heap copy, so AddressSanitizer sees any over-read). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "check.h"
#include "dissectors/decode/decode.h"

/* ---- a frame builder ------------------------------------------------------------------------ */

typedef struct frame {
    uint8_t b[2048];
    size_t n;
} frame;

static void p8(frame *f, unsigned v) { f->b[f->n++] = (uint8_t)v; }
static void p16(frame *f, unsigned v) { p8(f, v >> 8); p8(f, v); }
static void p32(frame *f, uint32_t v) { p16(f, v >> 16); p16(f, v & 0xffff); }
static void p16le(frame *f, unsigned v) { p8(f, v); p8(f, v >> 8); }
static void p32le(frame *f, uint32_t v) { p16le(f, v & 0xffff); p16le(f, v >> 16); }
static void pbytes(frame *f, const void *d, size_t n) { memcpy(f->b + f->n, d, n); f->n += n; }
static void pzero(frame *f, size_t n) { memset(f->b + f->n, 0, n); f->n += n; }

static const uint8_t V4_SRC[4] = { 192, 0, 2, 1 }, V4_DST[4] = { 198, 51, 100, 7 };
static const uint8_t V6_SRC[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t V6_DST[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
static const char PAYLOAD[] = "\x16\x03\x01\x00\x05hello";   /* 10 bytes */
#define PAYLOAD_LEN (sizeof PAYLOAD - 1)

static void eth(frame *f, unsigned type)
{
    static const uint8_t macs[12] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
    pbytes(f, macs, 12);
    p16(f, type);
}

static void vlan(frame *f, unsigned tci, unsigned type) { p16(f, tci); p16(f, type); }

/* An IPv4 header of ihl words (options zero-filled) for `plen` bytes of payload. */
static void ipv4_hdr(frame *f, unsigned ihl, size_t plen, unsigned proto, unsigned frag)
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

static void ipv6_hdr(frame *f, size_t plen, unsigned next)
{
    p32(f, 0x60000000);
    p16(f, (unsigned)plen);
    p8(f, next);
    p8(f, 64);
    pbytes(f, V6_SRC, 16);
    pbytes(f, V6_DST, 16);
}

/* A TCP header of doff words (options as NOPs) followed by the payload. */
static void tcp_seg(frame *f, unsigned doff, unsigned flags, const void *data, size_t len)
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
static void ipv4_tcp(frame *f)
{
    ipv4_hdr(f, 5, TCP_LEN, 6, 0x4000);
    tcp_seg(f, 5, TD_TCP_PSH | TD_TCP_ACK, PAYLOAD, PAYLOAD_LEN);
}

static void ipv6_tcp(frame *f)
{
    ipv6_hdr(f, TCP_LEN, 6);
    tcp_seg(f, 5, TD_TCP_PSH | TD_TCP_ACK, PAYLOAD, PAYLOAD_LEN);
}

/* Decode from an exact-size heap copy, so any read past caplen is an ASan report. */
static td_decode_status dec(int dlt, const frame *f, size_t len, td_pkt *out, const char **why)
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
static void all_prefixes(int dlt, const frame *f)
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

static void check_tcp_v4(const frame *f, const td_pkt *p)
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

static void check_tcp_v6(const frame *f, const td_pkt *p)
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
static void expect_tcp(int dlt, const frame *f, int ipver)
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

static td_decode_status status_of(int dlt, const frame *f, const char **why)
{
    td_pkt p;
    return dec(dlt, f, f->n, &p, why);
}

/* ---- link types ----------------------------------------------------------------------------- */

TEST(ethernet_ipv4)
{
    frame f = { .n = 0 };
    eth(&f, 0x0800);
    ipv4_tcp(&f);
    expect_tcp(1, &f, 4);
}

TEST(ethernet_ipv6)
{
    frame f = { .n = 0 };
    eth(&f, 0x86dd);
    ipv6_tcp(&f);
    expect_tcp(1, &f, 6);
}

TEST(vlan_and_qinq)
{
    frame f = { .n = 0 };
    eth(&f, 0x8100);
    vlan(&f, 100, 0x0800);
    ipv4_tcp(&f);
    expect_tcp(1, &f, 4);

    f.n = 0;
    eth(&f, 0x88a8);
    vlan(&f, 200, 0x8100);
    vlan(&f, 100, 0x86dd);
    ipv6_tcp(&f);
    expect_tcp(1, &f, 6);

    f.n = 0;
    eth(&f, 0x9100);
    vlan(&f, 300, 0x8100);
    vlan(&f, 100, 0x0800);
    ipv4_tcp(&f);
    expect_tcp(1, &f, 4);

    /* Eight tags is the limit; nine is malformed. */
    f.n = 0;
    eth(&f, 0x88a8);
    for (int i = 0; i < 7; i++)
        vlan(&f, (unsigned)i, 0x8100);
    vlan(&f, 7, 0x0800);
    ipv4_tcp(&f);
    expect_tcp(1, &f, 4);

    const char *why = NULL;
    f.n = 0;
    eth(&f, 0x88a8);
    for (int i = 0; i < 8; i++)
        vlan(&f, (unsigned)i, 0x8100);
    vlan(&f, 8, 0x0800);
    ipv4_tcp(&f);
    CHECK(status_of(1, &f, &why) == TD_DEC_MALFORMED);
    CHECK_STR(why, "more than 8 stacked VLAN tags");
}

TEST(linux_sll)
{
    frame f = { .n = 0 };
    p16(&f, 0);          /* packet type: to us */
    p16(&f, 1);          /* ARPHRD_ETHER */
    p16(&f, 6);
    pbytes(&f, "\x00\x11\x22\x33\x44\x55\x00\x00", 8);
    p16(&f, 0x0800);
    ipv4_tcp(&f);
    expect_tcp(113, &f, 4);

    f.n = 0;
    p16(&f, 4);          /* outgoing */
    p16(&f, 1);
    p16(&f, 6);
    pzero(&f, 8);
    p16(&f, 0x8100);     /* libpcap puts offloaded VLAN tags back */
    vlan(&f, 5, 0x86dd);
    ipv6_tcp(&f);
    expect_tcp(113, &f, 6);

    const char *why = NULL;
    f.n = 0;
    p16(&f, 0);
    p16(&f, 1);
    p16(&f, 6);
    pzero(&f, 8);
    p16(&f, 0x0806);     /* ARP */
    pzero(&f, 28);
    CHECK(status_of(113, &f, &why) == TD_DEC_OTHER);
}

TEST(linux_sll2)
{
    frame f = { .n = 0 };
    p16(&f, 0x86dd);
    p16(&f, 0);
    p32(&f, 3);          /* ifindex */
    p16(&f, 1);
    p8(&f, 0);
    p8(&f, 6);
    pzero(&f, 8);
    ipv6_tcp(&f);
    expect_tcp(276, &f, 6);

    f.n = 0;
    p16(&f, 0x0800);
    p16(&f, 0);
    p32(&f, 3);
    p16(&f, 1);
    p8(&f, 4);
    p8(&f, 6);
    pzero(&f, 8);
    ipv4_tcp(&f);
    expect_tcp(276, &f, 4);
}

TEST(raw_ip)
{
    static const int raw_dlts[] = { 12, 14, 101 };
    for (size_t i = 0; i < sizeof raw_dlts / sizeof raw_dlts[0]; i++) {
        frame f = { .n = 0 };
        ipv4_tcp(&f);
        expect_tcp(raw_dlts[i], &f, 4);
        f.n = 0;
        ipv6_tcp(&f);
        expect_tcp(raw_dlts[i], &f, 6);
    }
    frame f = { .n = 0 };
    ipv4_tcp(&f);
    expect_tcp(228, &f, 4);
    f.n = 0;
    ipv6_tcp(&f);
    expect_tcp(229, &f, 6);

    /* The dedicated types insist on their version. */
    const char *why = NULL;
    CHECK(status_of(229, &(frame){ .n = 0 }, &why) == TD_DEC_MALFORMED);
    f.n = 0;
    ipv4_tcp(&f);
    CHECK(status_of(229, &f, &why) == TD_DEC_MALFORMED);
    CHECK_STR(why, "IPv6 header version is not 6");
    f.n = 0;
    ipv6_tcp(&f);
    CHECK(status_of(228, &f, &why) == TD_DEC_MALFORMED);
    CHECK_STR(why, "IPv4 header version is not 4");
    f.b[0] = 0x50;
    CHECK(status_of(12, &f, &why) == TD_DEC_MALFORMED);
}

TEST(bsd_loopback)
{
    static const uint32_t v6_families[] = { 10, 24, 28, 30 };
    for (int dlt = 0; dlt <= 108; dlt += 108) {
        for (int order = 0; order < 2; order++) {
            frame f = { .n = 0 };
            if (order) p32(&f, 2); else p32le(&f, 2);
            ipv4_tcp(&f);
            expect_tcp(dlt, &f, 4);
            for (size_t i = 0; i < 4; i++) {
                f.n = 0;
                if (order) p32(&f, v6_families[i]); else p32le(&f, v6_families[i]);
                ipv6_tcp(&f);
                expect_tcp(dlt, &f, 6);
            }
            f.n = 0;
            if (order) p32(&f, 7); else p32le(&f, 7);
            ipv4_tcp(&f);
            const char *why = NULL;
            CHECK(status_of(dlt, &f, &why) == TD_DEC_OTHER);
        }
    }
}

TEST(unsupported_link)
{
    frame f = { .n = 0 };
    ipv4_tcp(&f);
    const char *why = NULL;
    CHECK(status_of(105, &f, &why) == TD_DEC_UNSUPPORTED_LINK);   /* 802.11 */
    CHECK(status_of(127, &f, NULL) == TD_DEC_UNSUPPORTED_LINK);   /* radiotap */
    static const int yes[] = { 0, 1, 12, 14, 101, 108, 113, 228, 229, 276 };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        CHECK(td_decode_link_supported(yes[i]));
    CHECK(!td_decode_link_supported(105));
    CHECK(!td_decode_link_supported(127));
    CHECK(!td_decode_link_supported(-1));
}

/* ---- IP ------------------------------------------------------------------------------------- */

TEST(ipv4_options_and_not_tcp)
{
    frame f = { .n = 0 };
    eth(&f, 0x0800);
    ipv4_hdr(&f, 15, TCP_LEN, 6, 0);
    tcp_seg(&f, 5, TD_TCP_PSH | TD_TCP_ACK, PAYLOAD, PAYLOAD_LEN);
    expect_tcp(1, &f, 4);

    const char *why = NULL;
    f.n = 0;
    eth(&f, 0x0800);
    ipv4_hdr(&f, 5, 8, 17, 0);            /* UDP */
    pzero(&f, 8);
    CHECK(status_of(1, &f, &why) == TD_DEC_OTHER);

    f.n = 0;
    eth(&f, 0x0800);
    ipv4_hdr(&f, 5, TCP_LEN, 6, 0x2000);  /* MF */
    tcp_seg(&f, 5, 0, PAYLOAD, PAYLOAD_LEN);
    CHECK(status_of(1, &f, &why) == TD_DEC_OTHER);
    CHECK_STR(why, "IPv4 fragment");

    f.n = 0;
    eth(&f, 0x0800);
    ipv4_hdr(&f, 5, 16, 6, 0x0003);      /* offset 24 */
    pzero(&f, 16);
    CHECK(status_of(1, &f, &why) == TD_DEC_OTHER);

    f.n = 0;
    eth(&f, 0x0806);                      /* ARP */
    pzero(&f, 28);
    CHECK(status_of(1, &f, &why) == TD_DEC_OTHER);

    f.n = 0;
    eth(&f, 46);                          /* 802.3 length field */
    pzero(&f, 46);
    CHECK(status_of(1, &f, &why) == TD_DEC_OTHER);
}

TEST(ipv6_extension_headers)
{
    frame f = { .n = 0 };
    eth(&f, 0x86dd);
    /* hop-by-hop (8) -> routing (24) -> destination options (16) -> AH (24) -> TCP */
    ipv6_hdr(&f, 8 + 24 + 16 + 24 + TCP_LEN, 0);
    p8(&f, 43); p8(&f, 0); pzero(&f, 6);
    p8(&f, 60); p8(&f, 2); pzero(&f, 22);
    p8(&f, 51); p8(&f, 1); pzero(&f, 14);
    p8(&f, 6); p8(&f, 4); pzero(&f, 22);  /* AH: (4 + 2) * 4 = 24 bytes */
    tcp_seg(&f, 5, TD_TCP_PSH | TD_TCP_ACK, PAYLOAD, PAYLOAD_LEN);
    expect_tcp(1, &f, 6);

    /* mobility, HIP, shim6 are walked too */
    f.n = 0;
    ipv6_hdr(&f, 8 * 3 + TCP_LEN, 135);
    p8(&f, 139); p8(&f, 0); pzero(&f, 6);
    p8(&f, 140); p8(&f, 0); pzero(&f, 6);
    p8(&f, 6); p8(&f, 0); pzero(&f, 6);
    tcp_seg(&f, 5, TD_TCP_PSH | TD_TCP_ACK, PAYLOAD, PAYLOAD_LEN);
    expect_tcp(229, &f, 6);

    /* 16 headers are allowed ... */
    f.n = 0;
    ipv6_hdr(&f, 8 * 16 + TCP_LEN, 0);
    for (int i = 0; i < 16; i++) {
        p8(&f, i == 15 ? 6 : 0);
        p8(&f, 0);
        pzero(&f, 6);
    }
    tcp_seg(&f, 5, TD_TCP_PSH | TD_TCP_ACK, PAYLOAD, PAYLOAD_LEN);
    expect_tcp(229, &f, 6);

    /* ... 17 are not */
    const char *why = NULL;
    f.n = 0;
    ipv6_hdr(&f, 8 * 17 + TCP_LEN, 0);
    for (int i = 0; i < 17; i++) {
        p8(&f, i == 16 ? 6 : 0);
        p8(&f, 0);
        pzero(&f, 6);
    }
    tcp_seg(&f, 5, 0, PAYLOAD, PAYLOAD_LEN);
    CHECK(status_of(229, &f, &why) == TD_DEC_MALFORMED);
    CHECK_STR(why, "IPv6 extension header chain too long");

    /* an extension header longer than the declared payload */
    f.n = 0;
    ipv6_hdr(&f, 16, 60);
    p8(&f, 6); p8(&f, 3); pzero(&f, 14);  /* claims 32 bytes */
    CHECK(status_of(229, &f, &why) == TD_DEC_MALFORMED);
    CHECK_STR(why, "IPv6 extension header chain overruns packet");

    /* cut by the snap length inside an extension header */
    f.n = 0;
    ipv6_hdr(&f, 24 + TCP_LEN, 60);
    p8(&f, 6); p8(&f, 2); pzero(&f, 8);   /* 10 of 24 bytes captured */
    CHECK(status_of(229, &f, &why) == TD_DEC_MALFORMED);

    /* fragment header, no next header, ESP, UDP, jumbogram */
    static const unsigned others[] = { 44, 59, 50, 17 };
    for (size_t i = 0; i < 4; i++) {
        f.n = 0;
        ipv6_hdr(&f, 16, 0);
        p8(&f, others[i]); p8(&f, 0); pzero(&f, 6);
        pzero(&f, 8);
        CHECK(status_of(229, &f, &why) == TD_DEC_OTHER);
    }
    f.n = 0;
    ipv6_hdr(&f, 0, 0);
    p8(&f, 6); p8(&f, 0); pzero(&f, 6);
    tcp_seg(&f, 5, 0, PAYLOAD, PAYLOAD_LEN);
    CHECK(status_of(229, &f, &why) == TD_DEC_OTHER);
}

/* ---- malformed ------------------------------------------------------------------------------ */

TEST(ipv4_malformed)
{
    const char *why = NULL;
    frame f = { .n = 0 };
    eth(&f, 0x0800);
    ipv4_tcp(&f);
    f.b[14] = 0x43;                       /* IHL 3 */
    CHECK(status_of(1, &f, &why) == TD_DEC_MALFORMED);
    CHECK_STR(why, "IPv4 header length 12 < 20");
    f.b[14] = 0x40;
    CHECK(status_of(1, &f, &why) == TD_DEC_MALFORMED);
    CHECK_STR(why, "IPv4 header length 0 < 20");

    /* IHL beyond the packet */
    f.n = 0;
    eth(&f, 0x0800);
    ipv4_hdr(&f, 5, 0, 6, 0);
    f.b[14] = 0x4f;                       /* 60 bytes claimed, 20 there */
    CHECK(status_of(1, &f, &why) == TD_DEC_MALFORMED);
    CHECK_STR(why, "IPv4 header length 60 exceeds the captured bytes");

    /* total length < header length */
    f.n = 0;
    eth(&f, 0x0800);
    ipv4_tcp(&f);
    f.b[16] = 0;
    f.b[17] = 19;
    CHECK(status_of(1, &f, &why) == TD_DEC_MALFORMED);
    CHECK_STR(why, "IPv4 total length < header length");
}

TEST(tcp_malformed)
{
    const char *why = NULL;
    frame f = { .n = 0 };

    /* TCP header cut short: the IP header declares only 12 bytes of TCP */
    eth(&f, 0x0800);
    ipv4_hdr(&f, 5, 12, 6, 0);
    pzero(&f, 12);
    CHECK(status_of(1, &f, &why) == TD_DEC_MALFORMED);
    CHECK_STR(why, "TCP header cut short");

    /* data offset < 5 */
    f.n = 0;
    eth(&f, 0x0800);
    ipv4_tcp(&f);
    f.b[14 + 20 + 12] = 0x40;
    CHECK(status_of(1, &f, &why) == TD_DEC_MALFORMED);
    CHECK_STR(why, "TCP data offset 4 < 5");

    /* data offset beyond the segment (the IP-declared TCP length is 30) */
    f.b[14 + 20 + 12] = 0xf0;
    CHECK(status_of(1, &f, &why) == TD_DEC_MALFORMED);
    CHECK_STR(why, "TCP data offset 15 (60 bytes) exceeds the segment");
    f.b[14 + 20 + 12] = 0x80;             /* 32 > 30 */
    CHECK(status_of(1, &f, &why) == TD_DEC_MALFORMED);
    CHECK_STR(why, "TCP data offset 8 (32 bytes) exceeds the segment");

    /* data offset beyond the IP payload though padding would cover it */
    f.n = 0;
    eth(&f, 0x0800);
    ipv4_hdr(&f, 5, 20, 6, 0);
    tcp_seg(&f, 5, TD_TCP_SYN, "", 0);
    pzero(&f, 16);                        /* link padding */
    f.b[14 + 20 + 12] = 0x60;
    CHECK(status_of(1, &f, &why) == TD_DEC_MALFORMED);

    /* TCP options are skipped */
    f.n = 0;
    eth(&f, 0x0800);
    ipv4_hdr(&f, 5, 40 + PAYLOAD_LEN, 6, 0);
    tcp_seg(&f, 10, TD_TCP_PSH | TD_TCP_ACK, PAYLOAD, PAYLOAD_LEN);
    expect_tcp(1, &f, 4);
}

TEST(cut_in_each_header)
{
    const char *why = NULL;
    td_pkt p;
    CHECK(td_decode(1, NULL, 0, &p, &why) == TD_DEC_MALFORMED);   /* zero-length frame */
    CHECK_STR(why, "Ethernet header cut short");
    static const int dlts[] = { 0, 1, 12, 101, 108, 113, 228, 229, 276 };
    for (size_t i = 0; i < sizeof dlts / sizeof dlts[0]; i++) {
        uint8_t one = 0x45;
        why = NULL;
        CHECK(td_decode(dlts[i], &one, 0, &p, &why) == TD_DEC_MALFORMED);
        CHECK(why != NULL);
    }

    frame f = { .n = 0 };
    eth(&f, 0x8100);
    vlan(&f, 1, 0x0800);
    ipv4_tcp(&f);
    struct { size_t len; const char *why; } cuts[] = {
        { 13, "Ethernet header cut short" },
        { 17, "VLAN tag cut short" },
        { 18, "IPv4 header cut short" },
        { 30, "IPv4 header length 20 exceeds the captured bytes" },
        { 38 + 13, "TCP header cut short" },
        { 38 + 19, "TCP data offset 5 (20 bytes) exceeds the segment" },
    };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        why = NULL;
        CHECK(dec(1, &f, cuts[i].len, &p, &why) == TD_DEC_MALFORMED);
        CHECK_STR(why, cuts[i].why);
    }

    f.n = 0;
    eth(&f, 0x86dd);
    ipv6_tcp(&f);
    CHECK(dec(1, &f, 14 + 39, &p, &why) == TD_DEC_MALFORMED);
    CHECK_STR(why, "IPv6 header cut short");
    CHECK(dec(1, &f, 14 + 40, &p, &why) == TD_DEC_MALFORMED);
    CHECK_STR(why, "TCP header cut short");
}

/* ---- lengths -------------------------------------------------------------------------------- */

TEST(ethernet_padding_is_not_payload)
{
    /* A bare ACK: 54 bytes, padded to the 60-byte Ethernet minimum (plus a 4-byte FCS-like tail). */
    frame f = { .n = 0 };
    eth(&f, 0x0800);
    ipv4_hdr(&f, 5, 20, 6, 0x4000);
    tcp_seg(&f, 5, TD_TCP_ACK, "", 0);
    pbytes(&f, "\xde\xad\xbe\xef\x00\x00\x01\x02\x03\x04", 10);
    td_pkt p;
    const char *why = NULL;
    CHECK(dec(1, &f, f.n, &p, &why) == TD_DEC_TCP);
    CHECK(p.payload_len == 0 && p.payload_wire_len == 0 && !p.truncated);
    CHECK(p.flags == TD_TCP_ACK);

    /* Two bytes of payload, then padding. */
    f.n = 0;
    eth(&f, 0x0800);
    ipv4_hdr(&f, 5, 22, 6, 0);
    tcp_seg(&f, 5, TD_TCP_PSH | TD_TCP_ACK, "ab", 2);
    pbytes(&f, "PADPAD", 6);
    CHECK(dec(1, &f, f.n, &p, &why) == TD_DEC_TCP);
    CHECK(p.payload_len == 2 && p.payload_wire_len == 2 && !p.truncated);
    CHECK(p.payload && memcmp(p.payload, "ab", 2) == 0);

    /* The same for IPv6 payload length. */
    f.n = 0;
    eth(&f, 0x86dd);
    ipv6_hdr(&f, 22, 6);
    tcp_seg(&f, 5, TD_TCP_PSH | TD_TCP_ACK, "ab", 2);
    pbytes(&f, "PADPAD", 6);
    CHECK(dec(1, &f, f.n, &p, &why) == TD_DEC_TCP);
    CHECK(p.payload_len == 2 && p.payload_wire_len == 2 && !p.truncated);
}

TEST(snaplen_cut_payload)
{
    frame f = { .n = 0 };
    eth(&f, 0x0800);
    ipv4_tcp(&f);
    td_pkt p;
    const char *why = NULL;
    CHECK(dec(1, &f, f.n - 4, &p, &why) == TD_DEC_TCP);
    CHECK(p.truncated);
    CHECK(p.payload_len == PAYLOAD_LEN - 4 && p.payload_wire_len == PAYLOAD_LEN);
    CHECK(p.payload && memcmp(p.payload, PAYLOAD, PAYLOAD_LEN - 4) == 0);

    /* cut right after the TCP header: no payload present, all of it on the wire */
    CHECK(dec(1, &f, 14 + 20 + 20, &p, &why) == TD_DEC_TCP);
    CHECK(p.truncated && p.payload_len == 0 && p.payload_wire_len == PAYLOAD_LEN);

    f.n = 0;
    eth(&f, 0x86dd);
    ipv6_tcp(&f);
    CHECK(dec(1, &f, f.n - 1, &p, &why) == TD_DEC_TCP);
    CHECK(p.truncated && p.payload_len == PAYLOAD_LEN - 1 && p.payload_wire_len == PAYLOAD_LEN);
}

TEST(flags_and_addresses)
{
    frame f = { .n = 0 };
    ipv4_hdr(&f, 5, 20, 6, 0);
    tcp_seg(&f, 5, 0xc2, "", 0);          /* ECN-setup SYN: CWR|ECE|SYN */
    td_pkt p;
    CHECK(dec(228, &f, f.n, &p, NULL) == TD_DEC_TCP);
    CHECK(p.flags == TD_TCP_SYN);

    char buf[64];
    td_addr_text(6, V6_DST, buf, sizeof buf);
    CHECK_STR(buf, "2001:db8::2");
    td_addr_text(9, V6_DST, buf, sizeof buf);
    CHECK_STR(buf, "?");
    td_addr_text(6, V6_DST, buf, 4);      /* too small: no overflow */
    CHECK_STR(buf, "?");

    /* IPv4 is formatted by hand: every byte value, against inet_ntop. */
    int bad = 0;
    for (unsigned v = 0; v < 256; v++) {
        uint8_t a[4] = { (uint8_t)v, (uint8_t)(255 - v), (uint8_t)(v % 10), (uint8_t)(v * 7) };
        char want[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, a, want, sizeof want);
        td_addr_text(4, a, buf, sizeof buf);
        if (strcmp(buf, want) != 0) bad++;
    }
    CHECK(bad == 0);
    static const uint8_t widest[4] = { 255, 255, 255, 255 };
    char exact[16];
    td_addr_text(4, widest, exact, sizeof exact);   /* 15 characters and the NUL: fits */
    CHECK_STR(exact, "255.255.255.255");
    td_addr_text(4, widest, buf, 8);                 /* too small: no overflow */
    CHECK(strlen(buf) < 8);
}

int main(void)
{
    RUN(ethernet_ipv4);
    RUN(ethernet_ipv6);
    RUN(vlan_and_qinq);
    RUN(linux_sll);
    RUN(linux_sll2);
    RUN(raw_ip);
    RUN(bsd_loopback);
    RUN(unsupported_link);
    RUN(ipv4_options_and_not_tcp);
    RUN(ipv6_extension_headers);
    RUN(ipv4_malformed);
    RUN(tcp_malformed);
    RUN(cut_in_each_header);
    RUN(ethernet_padding_is_not_payload);
    RUN(snaplen_cut_payload);
    RUN(flags_and_addresses);
    return check_done();
}
