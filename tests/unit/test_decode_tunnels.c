/* test_decode_tunnels.c - unit tests for td_decode on tunnelled frames: IP in IP (4 and 41, over
 * IPv4 and IPv6), GRE (plain; checksum, key and sequence; Ethernet bridging; PPTP), ERSPAN types
 * I, II and III, VXLAN, VXLAN-GPE, Geneve, GTP-U, and the depth bound.  The outer addresses differ
 * from the inner ones, so each check that the inner connection is the one reported; every prefix
 * of every frame is decoded from an exact-size heap copy (decode_frames.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode_frames.h"

static const uint8_t OUT_SRC[4] = { 10, 0, 0, 1 }, OUT_DST[4] = { 10, 0, 0, 2 };

/* The outer IPv4 header of a tunnel carrying plen bytes of protocol proto. */
static void outer_v4(frame *f, size_t plen, unsigned proto)
{
    p8(f, 0x45); p8(f, 0); p16(f, (unsigned)(20 + plen)); p16(f, 1); p16(f, 0x4000);
    p8(f, 64); p8(f, proto); p16(f, 0);
    pbytes(f, OUT_SRC, 4);
    pbytes(f, OUT_DST, 4);
}

static void outer_udp(frame *f, size_t plen, unsigned dport)
{
    outer_v4(f, 8 + plen, 17);
    p16(f, 40000); p16(f, dport); p16(f, (unsigned)(8 + plen)); p16(f, 0);
}

#define V4_PKT (20 + TCP_LEN)
#define V6_PKT (40 + TCP_LEN)
#define ETH_V4 (14 + V4_PKT)

TEST(ip_in_ip)
{
    frame f = { .n = 0 };
    eth(&f, 0x0800);
    outer_v4(&f, V4_PKT, 4);
    ipv4_tcp(&f);
    expect_tcp(1, &f, 4);

    f.n = 0;
    outer_v4(&f, V6_PKT, 41);                          /* 6in4 (sit) */
    ipv6_tcp(&f);
    expect_tcp(228, &f, 6);

    f.n = 0;
    ipv6_hdr(&f, V4_PKT, 4);                           /* IPv4 in IPv6 (ip6tnl) */
    ipv4_tcp(&f);
    expect_tcp(229, &f, 4);
}

TEST(gre_plain_and_optioned)
{
    frame f = { .n = 0 };
    outer_v4(&f, 4 + V4_PKT, 47);
    p16(&f, 0); p16(&f, 0x0800);
    ipv4_tcp(&f);
    expect_tcp(228, &f, 4);

    f.n = 0;                                           /* checksum, key and sequence number */
    eth(&f, 0x0800);
    outer_v4(&f, 16 + V6_PKT, 47);
    p16(&f, 0xb000); p16(&f, 0x86dd); p32(&f, 0xabcd0000); p32(&f, 42); p32(&f, 7);
    ipv6_tcp(&f);
    expect_tcp(1, &f, 6);

    f.n = 0;                                           /* gretap: a whole Ethernet frame, keyed */
    outer_v4(&f, 8 + ETH_V4 + 4, 47);
    p16(&f, 0x2000); p16(&f, 0x6558); p32(&f, 1);
    eth(&f, 0x8100);
    vlan(&f, 5, 0x0800);
    ipv4_tcp(&f);
    expect_tcp(228, &f, 4);

    f.n = 0;                                           /* source-routed and version 2: not ours */
    outer_v4(&f, 4 + V4_PKT, 47);
    p16(&f, 0x4000); p16(&f, 0x0800);
    ipv4_tcp(&f);
    CHECK(status_of(228, &f, NULL) == TD_DEC_OTHER);
    f.b[20] = 0; f.b[21] = 2;
    CHECK(status_of(228, &f, NULL) == TD_DEC_OTHER);
}

TEST(gre_pptp)
{
    frame f = { .n = 0 };
    outer_v4(&f, 16 + 4 + V4_PKT, 47);
    p16(&f, 0x3081); p16(&f, 0x880b);                 /* K, S, A; version 1; PPP */
    p16(&f, 4 + V4_PKT); p16(&f, 99); p32(&f, 5); p32(&f, 4);
    p8(&f, 0xff); p8(&f, 0x03); p16(&f, 0x0021);
    ipv4_tcp(&f);
    expect_tcp(228, &f, 4);
}

TEST(erspan_types)
{
    frame f = { .n = 0 };                              /* type I: no sequence, no ERSPAN header */
    outer_v4(&f, 4 + ETH_V4, 47);
    p16(&f, 0); p16(&f, 0x88be);
    eth(&f, 0x0800);
    ipv4_tcp(&f);
    expect_tcp(228, &f, 4);

    f.n = 0;                                           /* type II: sequence, version 1 header */
    eth(&f, 0x0800);
    outer_v4(&f, 8 + 8 + 14 + V6_PKT, 47);
    p16(&f, 0x1000); p16(&f, 0x88be); p32(&f, 1);
    p16(&f, 0x1000 | 12); p16(&f, 0x0000 | 33); p32(&f, 0);
    eth(&f, 0x86dd);
    ipv6_tcp(&f);
    expect_tcp(1, &f, 6);

    f.n = 0;                                           /* type III, with the platform subheader */
    outer_v4(&f, 8 + 12 + 8 + ETH_V4, 47);
    p16(&f, 0x1000); p16(&f, 0x22eb); p32(&f, 1);
    p16(&f, 0x2000); p16(&f, 33); p32(&f, 0x12345678); p16(&f, 0); p16(&f, 0x0001);
    p32(&f, 0); p32(&f, 0);
    eth(&f, 0x0800);
    ipv4_tcp(&f);
    expect_tcp(228, &f, 4);

    f.n = 0;                                           /* type III carrying an IP packet (FT 2) */
    outer_v4(&f, 8 + 12 + V4_PKT, 47);
    p16(&f, 0x1000); p16(&f, 0x22eb); p32(&f, 1);
    p16(&f, 0x2000); p16(&f, 33); p32(&f, 0); p16(&f, 0); p16(&f, 2 << 10);
    ipv4_tcp(&f);
    expect_tcp(228, &f, 4);
}

TEST(vxlan_and_geneve)
{
    frame f = { .n = 0 };
    eth(&f, 0x0800);
    outer_udp(&f, 8 + ETH_V4, 4789);
    p32(&f, 0x08000000); p32(&f, 0x00123400);
    eth(&f, 0x0800);
    ipv4_tcp(&f);
    expect_tcp(1, &f, 4);
    f.b[14 + 28] = 0;                                  /* the I flag cleared: not VXLAN */
    CHECK(status_of(1, &f, NULL) == TD_DEC_OTHER);

    f.n = 0;                                           /* Linux's default port */
    outer_udp(&f, 8 + ETH_V4, 8472);
    p32(&f, 0x08000000); p32(&f, 0x00000100);
    eth(&f, 0x0800);
    ipv4_tcp(&f);
    expect_tcp(228, &f, 4);

    f.n = 0;                                           /* VXLAN-GPE carrying IPv6 directly */
    outer_udp(&f, 8 + V6_PKT, 4790);
    p32(&f, 0x0c000002); p32(&f, 0x00000100);
    ipv6_tcp(&f);
    expect_tcp(228, &f, 6);

    f.n = 0;                                           /* Geneve with 8 bytes of options */
    outer_udp(&f, 8 + 8 + 14 + V6_PKT, 6081);
    p8(&f, 2); p8(&f, 0); p16(&f, 0x6558); p32(&f, 0x00abcd00);
    p32(&f, 0x01020304); p32(&f, 0x05060708);
    eth(&f, 0x86dd);
    ipv6_tcp(&f);
    expect_tcp(228, &f, 6);

    f.n = 0;                                           /* Geneve carrying IPv4 directly */
    outer_udp(&f, 8 + V4_PKT, 6081);
    p8(&f, 0); p8(&f, 0); p16(&f, 0x0800); p32(&f, 0);
    ipv4_tcp(&f);
    expect_tcp(228, &f, 4);
}

TEST(gtp_u)
{
    frame f = { .n = 0 };
    outer_udp(&f, 8 + V4_PKT, 2152);
    p8(&f, 0x30); p8(&f, 0xff); p16(&f, V4_PKT); p32(&f, 0x11223344);
    ipv4_tcp(&f);
    expect_tcp(228, &f, 4);
}

TEST(plain_udp_is_noted)
{
    frame f = { .n = 0 };
    outer_udp(&f, 5, 443);
    pbytes(&f, "hello", 5);
    td_pkt p;
    CHECK(dec(228, &f, f.n, &p, NULL) == TD_DEC_OTHER);
    CHECK(p.udp && p.sport == 40000 && p.dport == 443 && p.payload_len == 5);
}

/* n IP-in-IP headers around a TCP packet. */
static void nested(frame *f, int n)
{
    f->n = 0;
    for (int i = 0; i < n; i++) outer_v4(f, (size_t)(n - 1 - i) * 20 + V4_PKT, 4);
    ipv4_tcp(f);
}

TEST(depth_is_bounded)
{
    frame f;
    nested(&f, 3);
    expect_tcp(228, &f, 4);
    nested(&f, 4);
    const char *why = NULL;
    CHECK(status_of(228, &f, &why) == TD_DEC_OTHER);
    CHECK(why && strstr(why, "nested too deep"));

    /* VXLAN in GRE in IP in IP: three levels, decoded. */
    f.n = 0;
    outer_v4(&f, 20 + 4 + 28 + 8 + ETH_V4, 4);
    outer_v4(&f, 4 + 28 + 8 + ETH_V4, 47);
    p16(&f, 0); p16(&f, 0x0800);
    outer_udp(&f, 8 + ETH_V4, 4789);
    p32(&f, 0x08000000); p32(&f, 0);
    eth(&f, 0x0800);
    ipv4_tcp(&f);
    expect_tcp(228, &f, 4);
}

int main(void)
{
    RUN(ip_in_ip);
    RUN(gre_plain_and_optioned);
    RUN(gre_pptp);
    RUN(erspan_types);
    RUN(vxlan_and_geneve);
    RUN(gtp_u);
    RUN(plain_udp_is_noted);
    RUN(depth_is_bounded);
    return check_done();
}
