/* decode.h - link, IP and TCP headers of one captured frame (dissectors/decode/decode.c). */
#ifndef TLSDIAG_DECODE_H
#define TLSDIAG_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { TD_TCP_FIN = 0x01, TD_TCP_SYN = 0x02, TD_TCP_RST = 0x04, TD_TCP_PSH = 0x08,
       TD_TCP_ACK = 0x10, TD_TCP_URG = 0x20 };

typedef struct td_pkt {
    uint8_t ipver;                 /* 4 or 6 */
    uint8_t src[16], dst[16];      /* IPv4 in the first 4 bytes */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;                 /* TD_TCP_* */
    const uint8_t *payload;        /* points into the frame */
    size_t payload_len;            /* bytes of payload present in the frame */
    size_t payload_wire_len;       /* bytes the IP header says the payload has */
    bool truncated;                /* payload_len < payload_wire_len: cut by the snap length */
    bool udp;                      /* TD_DEC_OTHER for a UDP datagram: ports and payload are set */
    uint8_t ttl;                   /* IPv4 TTL or IPv6 hop limit (of the innermost IP header) */
    uint16_t ip_id;                /* IPv4 identification (0 for IPv6) */
    uint16_t window;               /* TCP window, unscaled */
    uint16_t mss;                  /* SYN and SYN-ACK: the MSS option (0: none) */
    uint8_t wscale;                /* SYN and SYN-ACK: the window scale option + 1 (0: none) */
    bool sack;                     /* an ACK's SACK option: sack_right is its highest right edge */
    uint32_t sack_right;
    bool icmp_unreachable;         /* TD_DEC_OTHER for an ICMP(v6) port unreachable: ipver, src, dst and
                                      the ports are those of the UDP datagram it quotes */
} td_pkt;

typedef enum td_decode_status {
    TD_DEC_TCP = 0,                /* *out is a TCP segment */
    TD_DEC_OTHER,                  /* well-formed but not TCP (ARP, UDP, ICMP, IP fragment...): ignored */
    TD_DEC_MALFORMED,              /* a header lies or is cut short; *why says which */
    TD_DEC_UNSUPPORTED_LINK,       /* the link type is not one we decode */
} td_decode_status;

/* Decode one frame of link type `dlt` (libpcap DLT_/LINKTYPE_ value).  `why` (may be NULL) gets a
 * static string naming the problem for TD_DEC_MALFORMED, e.g. "IPv4 header length 12 < 20". */
td_decode_status td_decode(int dlt, const uint8_t *frame, size_t caplen, td_pkt *out,
                           const char **why);
/* True if td_decode knows this link type. */
bool td_decode_link_supported(int dlt);
/* The link types td_decode knows, in words, for a message about one it does not. */
const char *td_decode_link_list(void);
/* A name for link types libpcap may not name (DLT_USER0..15: "USER0"), else NULL. */
const char *td_decode_link_name(int dlt);
/* Text form of an address ("192.0.2.1", "2001:db8::1") into buf (>= 46 bytes). */
void td_addr_text(uint8_t ipver, const uint8_t *addr, char *buf, size_t buflen);

#endif
