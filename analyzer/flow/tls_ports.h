/* tls_ports.h - the TLS server ports (-P): a small set of port numbers the engine asks about. */
#ifndef TLSDIAG_TLS_PORTS_H
#define TLSDIAG_TLS_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TD_MAX_USER_PORTS 64    /* -P's list */
#define TD_MAX_PORTS 80         /* ... and the standard ports of the STARTTLS protocols */

typedef struct td_port_set {
    uint16_t port[TD_MAX_PORTS];   /* in the order given; -P 9000-9010 is expanded */
    size_t n;
} td_port_set;

/* Is `port` one of the set's?  A linear scan: the set is small, and usually one port (443). */
bool td_is_tls_port(const td_port_set *s, uint16_t port);

/* Add the ports watched beside -P's: the STARTTLS protocols' (SMTP 25 and 587, IMAP 143, POP3 110,
 * FTP 21, XMPP 5222, PostgreSQL 5432, LDAP 389, MySQL 3306) and the implicit-TLS ports of the same services (SMTPS 465, IMAPS 993, POP3S
 * 995, FTPS 990, XMPP 5223), each once. */
void td_port_set_add_standard(td_port_set *s);

#endif
