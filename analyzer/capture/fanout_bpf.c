/* fanout_bpf.c - the --workers split as a classic BPF program (see fanout_bpf.h).
 *
 * The kernel's own PACKET_FANOUT_HASH hashes each packet's outer addresses, protocol and ports,
 * so an ICMP error (port unreachable for a QUIC Initial, fragmentation needed for a TCP segment)
 * lands on another worker than the connection it is about, which then never learns of it.  This
 * program hashes the quoted packet's addresses and ports instead (assuming the quoted IPv4 header
 * has no options and the IPv6 one no extension headers, as their senders quote them), and for
 * everything else the packet's own: saddr ^ daddr ^ (sport ^ dport), which is the same both ways,
 * then mixed so that the kernel's modulo spreads it.
 *
 * Scratch memory: M0 the ports' share, M1 the addresses' share, M2 the offset of the IP header
 * the fields are read from (0, or where the quoted one starts), M3 a temporary. */
#include <string.h>

#include "analyzer/capture/fanout_bpf.h"

#define SKF_AD_OFF_ (-0x1000)      /* linux/filter.h's, not included: its BPF_STMT clashes with pcap's */
#define SKF_AD_PROTOCOL_ 0
#define SKF_NET_OFF_ (-0x100000)

enum { L_V4, L_V6, L_NONE, L_P4, L_ICMP4, L_E4, L_PI4, L_AI4, L_A4OUT, L_P6, L_ICMP6, L_E6, L_PI6, L_AI6, L_A6OUT,
       L_FINAL, N_LABELS };

typedef struct asm_ {
    struct bpf_insn *p;
    size_t n;
    size_t at[N_LABELS];           /* where each label is */
    struct { size_t insn; int jt, jf; } fix[64];   /* jumps to labels (-1: the next instruction) */
    size_t n_fix;
    bpf_u_int32 net;               /* k of the network header's first byte */
    td_fanout_frame how;
} asm_;

static void op(asm_ *a, unsigned short code, bpf_u_int32 k)
{
    if (a->n < TD_FANOUT_PROG_MAX) a->p[a->n++] = (struct bpf_insn){ code, 0, 0, k };
}

/* Jump to label jt when A compares true with k (code: BPF_JEQ, BPF_JGT...), else to jf (-1: on). */
static void jump(asm_ *a, unsigned short code, bpf_u_int32 k, int jt, int jf)
{
    if (a->n_fix < sizeof a->fix / sizeof a->fix[0]) {
        a->fix[a->n_fix].insn = a->n;
        a->fix[a->n_fix].jt = jt;
        a->fix[a->n_fix].jf = jf;
        a->n_fix++;
    }
    op(a, (unsigned short)(BPF_JMP | code | BPF_K), k);
}

static void go(asm_ *a, int label)
{
    jump(a, BPF_JA, 0, label, label);
}

static void label(asm_ *a, int l)
{
    a->at[l] = a->n;
}

/* Load the byte, halfword or word at X + off of the network header (BPF_B, BPF_H, BPF_W). */
static void ld_x(asm_ *a, unsigned short size, bpf_u_int32 off)
{
    op(a, (unsigned short)(BPF_LD | size | BPF_IND), a->net + off);
}

/* M0 = sport ^ dport, the ports at X + off; X is M2 again after. */
static void ports(asm_ *a, bpf_u_int32 off)
{
    ld_x(a, BPF_H, off);
    op(a, BPF_ST, 0);
    ld_x(a, BPF_H, off + 2);
    op(a, BPF_ST, 3);
    op(a, BPF_LDX | BPF_MEM, 3);
    op(a, BPF_LD | BPF_MEM, 0);
    op(a, BPF_ALU | BPF_XOR | BPF_X, 0);
    op(a, BPF_ST, 0);
    op(a, BPF_LDX | BPF_MEM, 2);
}

/* M1 = the XOR of n words from X + off (the two addresses). */
static void addrs(asm_ *a, bpf_u_int32 off, unsigned words)
{
    ld_x(a, BPF_W, off);
    op(a, BPF_ST, 1);
    for (unsigned i = 1; i < words; i++) {
        op(a, BPF_LDX | BPF_MEM, 2);
        ld_x(a, BPF_W, off + 4 * i);
        op(a, BPF_ST, 3);
        op(a, BPF_LDX | BPF_MEM, 3);
        op(a, BPF_LD | BPF_MEM, 1);
        op(a, BPF_ALU | BPF_XOR | BPF_X, 0);
        op(a, BPF_ST, 1);
    }
}

/* M1 = the XOR of n words from off of the network header (a fixed place: no index). */
static void addrs_at(asm_ *a, bpf_u_int32 off, unsigned words)
{
    op(a, BPF_LD | BPF_W | BPF_ABS, a->net + off);
    for (unsigned i = 1; i < words; i++) {
        op(a, BPF_MISC | BPF_TAX, 0);
        op(a, BPF_LD | BPF_W | BPF_ABS, a->net + off + 4 * i);
        op(a, BPF_ALU | BPF_XOR | BPF_X, 0);
    }
    op(a, BPF_ST, 1);
}

/* M2 = X = A. */
static void base_from_a(asm_ *a)
{
    op(a, BPF_ST, 2);
    op(a, BPF_MISC | BPF_TAX, 0);
}

static void v4(asm_ *a)
{
    label(a, L_V4);
    op(a, BPF_LDX | BPF_IMM, 0);
    ld_x(a, BPF_B, 0);                             /* X = the header's length */
    op(a, BPF_ALU | BPF_AND | BPF_K, 0x0f);
    op(a, BPF_ALU | BPF_LSH | BPF_K, 2);
    base_from_a(a);
    op(a, BPF_LD | BPF_IMM, 0);
    op(a, BPF_ST, 0);
    op(a, BPF_LDX | BPF_IMM, 0);
    ld_x(a, BPF_B, 9);                             /* the protocol */
    op(a, BPF_LDX | BPF_MEM, 2);
    jump(a, BPF_JEQ, 6, L_P4, -1);
    jump(a, BPF_JEQ, 17, L_P4, -1);
    jump(a, BPF_JEQ, 132, L_P4, -1);
    jump(a, BPF_JEQ, 1, L_ICMP4, L_A4OUT);
    label(a, L_P4);
    ports(a, 0);
    go(a, L_A4OUT);
    label(a, L_ICMP4);
    ld_x(a, BPF_B, 0);                             /* the type: an error quotes a packet */
    jump(a, BPF_JEQ, 3, L_E4, -1);                 /* destination unreachable */
    jump(a, BPF_JEQ, 11, L_E4, -1);                /* time exceeded */
    jump(a, BPF_JEQ, 12, L_E4, L_A4OUT);           /* parameter problem */
    label(a, L_E4);
    op(a, BPF_MISC | BPF_TXA, 0);
    op(a, BPF_ALU | BPF_ADD | BPF_K, 8);
    base_from_a(a);                                /* the quoted header */
    ld_x(a, BPF_B, 9);
    jump(a, BPF_JEQ, 6, L_PI4, -1);
    jump(a, BPF_JEQ, 17, L_PI4, L_AI4);
    label(a, L_PI4);
    ports(a, 20);
    label(a, L_AI4);
    addrs(a, 12, 2);
    go(a, L_FINAL);
    label(a, L_A4OUT);
    addrs_at(a, 12, 2);
    go(a, L_FINAL);
}

static void v6(asm_ *a)
{
    label(a, L_V6);
    op(a, BPF_LD | BPF_IMM, 0);
    op(a, BPF_ST, 0);
    base_from_a(a);
    ld_x(a, BPF_B, 6);                             /* the next header */
    jump(a, BPF_JEQ, 6, L_P6, -1);
    jump(a, BPF_JEQ, 17, L_P6, -1);
    jump(a, BPF_JEQ, 132, L_P6, -1);
    jump(a, BPF_JEQ, 58, L_ICMP6, L_A6OUT);
    label(a, L_P6);
    ports(a, 40);
    go(a, L_A6OUT);
    label(a, L_ICMP6);
    ld_x(a, BPF_B, 40);                            /* types under 128 are errors */
    jump(a, BPF_JGT, 127, L_A6OUT, L_E6);
    label(a, L_E6);
    op(a, BPF_LD | BPF_IMM, 48);
    base_from_a(a);
    ld_x(a, BPF_B, 6);
    jump(a, BPF_JEQ, 6, L_PI6, -1);
    jump(a, BPF_JEQ, 17, L_PI6, L_AI6);
    label(a, L_PI6);
    ports(a, 40);
    label(a, L_AI6);
    addrs_at(a, 48 + 8, 8);
    go(a, L_FINAL);
    label(a, L_A6OUT);
    addrs_at(a, 8, 8);
    go(a, L_FINAL);
}

/* A = M1 ^ M0, mixed (x ^= x >> 16; x *= 0x45d9f3b; x ^= x >> 16), returned. */
static void final(asm_ *a)
{
    label(a, L_FINAL);
    op(a, BPF_LDX | BPF_MEM, 0);
    op(a, BPF_LD | BPF_MEM, 1);
    op(a, BPF_ALU | BPF_XOR | BPF_X, 0);
    for (int round = 0; round < 2; round++) {
        op(a, BPF_ST, 3);
        op(a, BPF_ALU | BPF_RSH | BPF_K, 16);
        op(a, BPF_MISC | BPF_TAX, 0);
        op(a, BPF_LD | BPF_MEM, 3);
        op(a, BPF_ALU | BPF_XOR | BPF_X, 0);
        if (!round) op(a, BPF_ALU | BPF_MUL | BPF_K, 0x45d9f3b);
    }
    op(a, BPF_RET | BPF_A, 0);
}

size_t td_fanout_prog(td_fanout_frame how, struct bpf_insn *prog)
{
    asm_ a;
    memset(&a, 0, sizeof a);
    a.p = prog;
    a.how = how;
    if (how == TD_FANOUT_KERNEL) {
        a.net = (bpf_u_int32)SKF_NET_OFF_;
        op(&a, BPF_LD | BPF_H | BPF_ABS, (bpf_u_int32)(SKF_AD_OFF_ + SKF_AD_PROTOCOL_));
    } else {
        a.net = 14;
        op(&a, BPF_LD | BPF_H | BPF_ABS, 12);      /* the EtherType */
    }
    jump(&a, BPF_JEQ, 0x0800, L_V4, -1);
    jump(&a, BPF_JEQ, 0x86dd, L_V6, L_NONE);
    label(&a, L_NONE);
    op(&a, BPF_RET | BPF_K, 0);
    v4(&a);
    v6(&a);
    final(&a);
    for (size_t i = 0; i < a.n_fix; i++) {        /* the labels' places, relative to the next */
        size_t at = a.fix[i].insn;
        struct bpf_insn *in = &prog[at];
        if (BPF_OP(in->code) == BPF_JA) {
            in->k = (bpf_u_int32)(a.at[a.fix[i].jt] - at - 1);
            continue;
        }
        in->jt = (u_char)(a.fix[i].jt < 0 ? 0 : a.at[a.fix[i].jt] - at - 1);
        in->jf = (u_char)(a.fix[i].jf < 0 ? 0 : a.at[a.fix[i].jf] - at - 1);
    }
    return a.n;
}
