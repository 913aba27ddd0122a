/* test_decode_links.c - unit tests for td_decode on the serial and carrier link layers: PPP (bare,
 * HDLC-framed, with the protocol compressed, with a direction byte), PPPoE, Cisco HDLC and MPLS
 * label stacks (with IPv4, IPv6, an Ethernet pseudowire), each with every prefix decoded from an
 * exact-size heap copy (decode_frames.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode_frames.h"

enum { DLT_PPP = 9, DLT_PPP_SERIAL = 50, DLT_PPP_ETHER = 51, DLT_C_HDLC = 104, DLT_PPP_PPPD = 166,
       DLT_PPP_WITH_DIR = 204, DLT_C_HDLC_WITH_DIR = 205, DLT_MPLS = 219 };

static void mpls_label(frame *f, uint32_t label, int bottom)
{
    p32(f, label << 12 | (bottom ? 0x100u : 0) | 64);
}

TEST(ppp_bare_and_framed)
{
    frame f = { .n = 0 };
    p8(&f, 0xff); p8(&f, 0x03); p16(&f, 0x0021);       /* RFC 1662 address, control, protocol */
    ipv4_tcp(&f);
    expect_tcp(DLT_PPP, &f, 4);
    expect_tcp(DLT_PPP_SERIAL, &f, 4);

    f.n = 0;
    p16(&f, 0x0057);                                    /* address and control left out */
    ipv6_tcp(&f);
    expect_tcp(DLT_PPP, &f, 6);

    f.n = 0;
    p8(&f, 0x21);                                       /* protocol field compressed */
    ipv4_tcp(&f);
    expect_tcp(DLT_PPP, &f, 4);

    f.n = 0;
    p8(&f, 0xff); p8(&f, 0x03); p16(&f, 0x0281);        /* MPLS over PPP */
    mpls_label(&f, 1000, 1);
    ipv4_tcp(&f);
    expect_tcp(DLT_PPP, &f, 4);
}

TEST(ppp_not_ip)
{
    static const unsigned protos[] = { 0xc021 /* LCP */, 0x8021 /* IPCP */, 0x002d /* VJ */, 0x00fd };
    for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++) {
        frame f = { .n = 0 };
        p8(&f, 0xff); p8(&f, 0x03); p16(&f, protos[i]);
        ipv4_tcp(&f);
        const char *why = NULL;
        CHECK(status_of(DLT_PPP, &f, &why) == TD_DEC_OTHER);
        CHECK(why && why[0]);
    }
    frame f = { .n = 0 };
    p8(&f, 0x7e); p8(&f, 0xff); p8(&f, 0x7d); p8(&f, 0x23);   /* still byte-stuffed: not undone */
    ipv4_tcp(&f);
    CHECK(status_of(DLT_PPP, &f, NULL) == TD_DEC_OTHER);
}

TEST(ppp_direction_bytes)
{
    frame f = { .n = 0 };
    p8(&f, 0x01); p8(&f, 0x03); p16(&f, 0x0021);       /* pppd: direction in place of 0xff */
    ipv4_tcp(&f);
    expect_tcp(DLT_PPP_PPPD, &f, 4);

    f.n = 0;
    p8(&f, 0x00); p8(&f, 0xff); p8(&f, 0x03); p16(&f, 0x0057);
    ipv6_tcp(&f);
    expect_tcp(DLT_PPP_WITH_DIR, &f, 6);

    f.n = 0;
    p8(&f, 0x01); p8(&f, 0x0f); p8(&f, 0x00); p16(&f, 0x0800);
    ipv4_tcp(&f);
    expect_tcp(DLT_C_HDLC_WITH_DIR, &f, 4);
}

TEST(cisco_hdlc)
{
    frame f = { .n = 0 };
    p8(&f, 0x0f); p8(&f, 0x00); p16(&f, 0x0800);
    ipv4_tcp(&f);
    expect_tcp(DLT_C_HDLC, &f, 4);
    expect_tcp(DLT_PPP_SERIAL, &f, 4);                 /* DLT 50 carries Cisco HDLC too */

    f.n = 0;
    p8(&f, 0x8f); p8(&f, 0x00); p16(&f, 0x86dd);
    ipv6_tcp(&f);
    expect_tcp(DLT_C_HDLC, &f, 6);

    f.n = 0;
    p8(&f, 0x0f); p8(&f, 0x00); p16(&f, 0x8035);        /* SLARP keepalive */
    pzero(&f, 20);
    CHECK(status_of(DLT_C_HDLC, &f, NULL) == TD_DEC_OTHER);
}

TEST(pppoe)
{
    frame f = { .n = 0 };
    p8(&f, 0x11); p8(&f, 0); p16(&f, 0x1234); p16(&f, 2 + 20 + TCP_LEN);
    p16(&f, 0x0021);
    ipv4_tcp(&f);
    expect_tcp(DLT_PPP_ETHER, &f, 4);

    /* Over Ethernet, padded: the PPPoE length keeps the padding out. */
    f.n = 0;
    eth(&f, 0x8864);
    p8(&f, 0x11); p8(&f, 0); p16(&f, 0x0001); p16(&f, 2 + 40 + TCP_LEN);
    p16(&f, 0x0057);
    ipv6_tcp(&f);
    expect_tcp(1, &f, 6);

    /* Discovery frames (code != 0) and other versions are not sessions. */
    f.n = 0;
    p8(&f, 0x11); p8(&f, 0x09); p16(&f, 0); p16(&f, 0);
    CHECK(status_of(DLT_PPP_ETHER, &f, NULL) == TD_DEC_OTHER);
}

TEST(mpls_stacks)
{
    frame f = { .n = 0 };
    eth(&f, 0x8847);
    mpls_label(&f, 16, 0);
    mpls_label(&f, 17, 0);
    mpls_label(&f, 18, 1);
    ipv4_tcp(&f);
    expect_tcp(1, &f, 4);

    f.n = 0;
    eth(&f, 0x8100);
    vlan(&f, 10, 0x8847);
    mpls_label(&f, 2, 1);                               /* IPv6 explicit null */
    ipv6_tcp(&f);
    expect_tcp(1, &f, 6);

    f.n = 0;
    mpls_label(&f, 300, 1);
    ipv4_tcp(&f);
    expect_tcp(DLT_MPLS, &f, 4);

    /* An Ethernet pseudowire with its control word (RFC 4448). */
    f.n = 0;
    eth(&f, 0x8847);
    mpls_label(&f, 100, 0);
    mpls_label(&f, 200, 1);
    p32(&f, 0);
    eth(&f, 0x0800);
    ipv4_tcp(&f);
    expect_tcp(1, &f, 4);

    /* Sixteen labels without a bottom of stack: malformed, not a walk off the end. */
    f.n = 0;
    eth(&f, 0x8847);
    for (int i = 0; i < 16; i++) mpls_label(&f, (uint32_t)i, 0);
    ipv4_tcp(&f);
    const char *why = NULL;
    CHECK(status_of(1, &f, &why) == TD_DEC_MALFORMED);
    CHECK(why && strstr(why, "MPLS"));
}

TEST(mpls_pseudowires_nest_boundedly)
{
    /* A pseudowire in a pseudowire in ...: each one is a level of tunnel. */
    frame f = { .n = 0 };
    eth(&f, 0x8847);
    for (int i = 0; i < 4; i++) {
        mpls_label(&f, 100, 1);
        p32(&f, 0);
        eth(&f, 0x8847);
    }
    mpls_label(&f, 100, 1);
    ipv4_tcp(&f);
    const char *why = NULL;
    CHECK(status_of(1, &f, &why) == TD_DEC_OTHER);
    CHECK(why && strstr(why, "nested too deep"));
}

TEST(new_links_supported)
{
    static const int yes[] = { DLT_PPP, DLT_PPP_SERIAL, DLT_PPP_ETHER, DLT_C_HDLC, DLT_PPP_PPPD,
                               DLT_PPP_WITH_DIR, DLT_C_HDLC_WITH_DIR, DLT_MPLS };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) CHECK(td_decode_link_supported(yes[i]));
    CHECK(!td_decode_link_supported(147));
    CHECK_STR(td_decode_link_name(147), "USER0");
    CHECK_STR(td_decode_link_name(162), "USER15");
    CHECK(td_decode_link_name(163) == NULL);
    CHECK(strstr(td_decode_link_list(), "PPP") != NULL);
}

int main(void)
{
    RUN(ppp_bare_and_framed);
    RUN(ppp_not_ip);
    RUN(ppp_direction_bytes);
    RUN(cisco_hdlc);
    RUN(pppoe);
    RUN(mpls_stacks);
    RUN(mpls_pseudowires_nest_boundedly);
    RUN(new_links_supported);
    return check_done();
}
