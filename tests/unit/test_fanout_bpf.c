/* test_fanout_bpf.c - the --workers split (analyzer/capture/fanout_bpf.c), run through libpcap's
 * BPF interpreter on Ethernet frames: the same hash both ways of a connection, the same for an
 * ICMP or ICMPv6 error as for the connection it quotes, spread over the workers. */
#include <stdint.h>
#include <string.h>

#include <pcap/pcap.h>

#include "check.h"
#include "analyzer/capture/fanout_bpf.h"

static struct bpf_insn prog[TD_FANOUT_PROG_MAX];
static size_t prog_len;

static unsigned run(const uint8_t *f, size_t len)
{
    return bpf_filter(prog, f, (u_int)len, (u_int)len);
}

static size_t eth(uint8_t *f, uint16_t type)
{
    memset(f, 0, 14);
    f[12] = (uint8_t)(type >> 8);
    f[13] = (uint8_t)type;
    return 14;
}

/* An IPv4 header (ihl 5 + opt_words) at f, then 4 bytes of ports; returns the bytes written. */
static size_t ip4(uint8_t *f, uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                  unsigned opt_words)
{
    size_t hl = 20 + 4 * opt_words;
    memset(f, 0, hl + 8);
    f[0] = (uint8_t)(0x40 | (5 + opt_words));
    f[8] = 64;
    f[9] = proto;
    for (int i = 0; i < 4; i++) {
        f[12 + i] = (uint8_t)(src >> (24 - 8 * i));
        f[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
    }
    f[hl] = (uint8_t)(sport >> 8), f[hl + 1] = (uint8_t)sport;
    f[hl + 2] = (uint8_t)(dport >> 8), f[hl + 3] = (uint8_t)dport;
    return hl + 8;
}

static size_t ip6(uint8_t *f, uint8_t next, uint8_t last_src, uint8_t last_dst, uint16_t sport, uint16_t dport)
{
    memset(f, 0, 48);
    f[0] = 0x60;
    f[6] = next;
    f[7] = 64;
    f[8] = 0xfd, f[23] = last_src;
    f[24] = 0xfd, f[39] = last_dst;
    f[40] = (uint8_t)(sport >> 8), f[41] = (uint8_t)sport;
    f[42] = (uint8_t)(dport >> 8), f[43] = (uint8_t)dport;
    return 48;
}

static unsigned tcp4(uint32_t a, uint32_t b, uint16_t pa, uint16_t pb, unsigned opts)
{
    uint8_t f[128];
    size_t n = eth(f, 0x0800);
    n += ip4(f + n, 6, a, b, pa, pb, opts);
    return run(f, n);
}

TEST(valid)
{
    CHECK(prog_len > 10 && prog_len <= TD_FANOUT_PROG_MAX);
    CHECK(bpf_validate(prog, (int)prog_len));
    struct bpf_insn kernel[TD_FANOUT_PROG_MAX];
    CHECK(td_fanout_prog(TD_FANOUT_KERNEL, kernel) == prog_len);
}

/* Both ways of a connection, IP options or not, alike; another connection not. */
TEST(both_ways)
{
    unsigned h = tcp4(0x0a000001, 0x0a000002, 40000, 443, 0);
    CHECK(h == tcp4(0x0a000002, 0x0a000001, 443, 40000, 0));
    CHECK(h == tcp4(0x0a000002, 0x0a000001, 443, 40000, 1));   /* the ports found past the options */
    CHECK(h != tcp4(0x0a000001, 0x0a000002, 40001, 443, 0));
    uint8_t f[128];
    size_t n = eth(f, 0x86dd);
    n += ip6(f + n, 17, 1, 2, 50000, 443);
    unsigned u6 = run(f, n);
    n = eth(f, 0x86dd);
    n += ip6(f + n, 17, 2, 1, 443, 50000);
    CHECK(u6 == run(f, n));
}

/* A port unreachable from the server answering the client's UDP datagram: the datagram's hash. */
TEST(icmp_errors_follow_their_connection)
{
    uint8_t f[160];
    size_t n = eth(f, 0x0800);
    n += ip4(f + n, 17, 0x0a000001, 0x0a000002, 51000, 443, 0);
    unsigned udp = run(f, n);
    n = eth(f, 0x0800);
    n += ip4(f + n, 1, 0x0a000002, 0x0a000001, 0, 0, 0) - 8;
    f[n] = 3, f[n + 1] = 3;                        /* destination unreachable, port */
    memset(f + n + 2, 0, 6);
    n += 8;
    n += ip4(f + n, 17, 0x0a000001, 0x0a000002, 51000, 443, 0);
    CHECK(run(f, n) == udp);
    f[14 + 20] = 8;                                /* an echo request is hashed as itself */
    CHECK(run(f, n) != udp);

    /* ICMPv6: destination unreachable (1) quoting the client's datagram. */
    n = eth(f, 0x86dd);
    n += ip6(f + n, 17, 1, 2, 51000, 443);
    unsigned udp6 = run(f, n);
    n = eth(f, 0x86dd);
    n += ip6(f + n, 58, 2, 1, 0, 0) - 8;
    f[n] = 1, f[n + 1] = 4;
    memset(f + n + 2, 0, 6);
    n += 8;
    n += ip6(f + n, 17, 1, 2, 51000, 443);
    CHECK(run(f, n) == udp6);
    f[14 + 40] = 128;                              /* an echo request */
    CHECK(run(f, n) != udp6);
}

/* Connections spread over 2 and 4 workers (the kernel takes the hash modulo the count). */
TEST(spread)
{
    unsigned per2[2] = { 0 }, per4[4] = { 0 };
    for (uint16_t port = 40000; port < 40064; port++) {
        unsigned h = tcp4(0x0a000001, 0x0a000002, port, 443, 0);
        per2[h % 2]++;
        per4[h % 4]++;
    }
    CHECK(per2[0] >= 16 && per2[1] >= 16);
    for (int i = 0; i < 4; i++) CHECK(per4[i] >= 6);
}

/* Not IP, or cut short: 0 (the first worker), never a fault. */
TEST(other_frames)
{
    uint8_t f[64];
    size_t n = eth(f, 0x0806);
    memset(f + n, 0xff, 28);
    CHECK(run(f, n + 28) == 0);
    n = eth(f, 0x0800);
    f[n] = 0x45;
    CHECK(run(f, n + 4) == 0);
}

int main(void)
{
    prog_len = td_fanout_prog(TD_FANOUT_ETHERNET, prog);
    RUN(valid);
    RUN(both_ways);
    RUN(icmp_errors_follow_their_connection);
    RUN(spread);
    RUN(other_frames);
    return check_done();
}
