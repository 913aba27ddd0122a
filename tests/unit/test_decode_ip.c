/* test_decode_ip.c - unit tests for td_decode on handcrafted IPv4, IPv6 and TCP headers.
 *
 * IPv4 options, fragments and other protocols, IPv6 extension header chains; malformed headers,
 * cuts in each header, link padding, snap-length cuts; TCP flags and address text.  Every prefix
 * of every valid frame decodes from an exact-size heap copy (decode_frames.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "check.h"
#include "decode_frames.h"

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
