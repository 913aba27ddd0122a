/* fanout_bpf.h - the classic BPF program that splits live packets between --workers sockets
 * (PACKET_FANOUT_CBPF): a hash of the connection that is the same both ways and, for an ICMP or
 * ICMPv6 error, the same as for the connection whose packet it quotes. */
#ifndef TLSDIAG_FANOUT_BPF_H
#define TLSDIAG_FANOUT_BPF_H

#include <stddef.h>

#include <pcap/pcap.h>               /* struct bpf_insn (pcap/bpf.h alone lacks its types) */

#define TD_FANOUT_PROG_MAX 200     /* instructions, more than the program has (164) */

/* Where the program finds the network header and the protocol: the kernel's fanout (the network
 * header through SKF_NET_OFF, the protocol from the socket buffer), or a frame as libpcap's
 * bpf_filter sees it (an Ethernet header, for the tests). */
typedef enum td_fanout_frame { TD_FANOUT_KERNEL, TD_FANOUT_ETHERNET } td_fanout_frame;

/* Write the program into prog (room for TD_FANOUT_PROG_MAX); returns its length.  It returns a
 * 32-bit hash (the kernel takes it modulo the number of sockets); 0 for what is neither IPv4
 * nor IPv6, or too short for the fields it reads. */
size_t td_fanout_prog(td_fanout_frame how, struct bpf_insn *prog);

#endif
