/* starttls_int.h - the recognisers' shared state: starttls.c frames lines (or XML tags) and tells
 * the protocol; starttls_dialogues.c reads each protocol's lines. */
#ifndef TLSDIAG_STARTTLS_INT_H
#define TLSDIAG_STARTTLS_INT_H

#include "dissectors/starttls/starttls.h"

#define STLS_LINE_CAP 2048             /* a line longer than this is read from its first bytes */
#define STLS_SMTP_OR_FTP 0x80          /* a "220 " banner: SMTP or FTP, the client's command will say */

struct td_stls_parser {
    uint8_t proto;                     /* td_stls_proto, or STLS_SMTP_OR_FTP while undecided */
    int8_t status;                     /* td_stls_status */
    bool lost[2];                      /* a gap: this direction's lines are no longer read */
    bool cut[2];                       /* the line being read overflowed STLS_LINE_CAP */
    bool in_caps;                      /* the server's multi-line capability list is being read */
    bool proceed_open;                 /* XMPP: <proceed> without its end tag yet */
    bool pg_gss;                       /* PostgreSQL: the request awaiting its answer is a GSSENCRequest */
    bool bin_over;                     /* a binary dialogue went on without TLS: its bytes are no longer read */
    uint32_t ldap_id;                  /* LDAP: the StartTLS request's messageID */
    size_t skip[2];                    /* LDAP: bytes left of a message too long to hold (passed over) */
    char tag[32];                      /* IMAP: the STARTTLS command's tag */
    uint32_t cmds, replies;            /* SMTP, POP3, FTP: client commands and server replies so far (the
                                          banner is reply 1, so command k is answered by reply k + 1) */
    uint32_t req_no, caps_no;          /* ... the numbers of STARTTLS and of the capability request */
    size_t have[2];
    char line[2][STLS_LINE_CAP + 1];   /* the line being read, NUL-terminated when handed on */
};

/* One complete line (or XML tag chunk) of len bytes, without its terminator: true when TLS
 * begins right after it in direction dir. */
bool td_stls_line(td_stls_parser *p, td_starttls *s, int dir, const char *l, size_t len, uint64_t packet);

/* A binary dialogue (PostgreSQL's SSLRequest, LDAP's StartTLS, MySQL's greeting): the protocol a
 * first byte may open (0: none; every server's first byte is tried as MySQL's), then its reader,
 * with td_stls_feed's contract.  LDAP's and MySQL's readers give up a pending guess by setting proto
 * back to 0, the bytes held left as a line's start. */
uint8_t td_stls_binary_opens(int dir, uint8_t first);
size_t td_stls_ldap(td_stls_parser *p, td_starttls **out, int dir, const uint8_t *data, size_t n, uint64_t packet,
                    bool *tls);
bool td_stls_ldap_opening(const uint8_t *data, size_t len);
size_t td_stls_mysql(td_stls_parser *p, td_starttls **out, int dir, const uint8_t *data, size_t n, uint64_t packet,
                     bool *tls);
size_t td_stls_binary(td_stls_parser *p, td_starttls **out, int dir, const uint8_t *data, size_t n,
                      uint64_t packet, bool *tls);

#endif
