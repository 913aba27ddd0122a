/* tls_ports.h - the TLS server ports (-P): a small set of port numbers the engine asks about. */
#ifndef TLSDIAG_TLS_PORTS_H
#define TLSDIAG_TLS_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TD_MAX_PORTS 64

typedef struct td_port_set {
    uint16_t port[TD_MAX_PORTS];   /* in the order given; -P 9000-9010 is expanded */
    size_t n;
} td_port_set;

/* Is `port` one of the set's?  A linear scan: the set is small, and usually one port (443). */
bool td_is_tls_port(const td_port_set *s, uint16_t port);

#endif
