/* test_decode.c - unit tests for td_decode on handcrafted frames of every link type.
 *
 * Ethernet, VLAN/QinQ (up to the tag limit), Linux cooked v1 and v2, raw IP, BSD loopback in both
 * byte orders, unsupported links; every prefix of every valid frame (decoded from an exact-size
 * heap copy, so AddressSanitizer sees any over-read).  IP and TCP: test_decode_ip.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode_frames.h"

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
    static const int yes[] = { 0, 1, 9, 12, 14, 50, 51, 101, 104, 108, 113, 166, 204, 205, 219, 228, 229, 276 };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        CHECK(td_decode_link_supported(yes[i]));
    CHECK(!td_decode_link_supported(105));
    CHECK(!td_decode_link_supported(127));
    CHECK(!td_decode_link_supported(-1));
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
    return check_done();
}
