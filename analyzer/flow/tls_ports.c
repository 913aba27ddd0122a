/* tls_ports.c - the TLS server ports (-P): whether a port is one of them. */
#include "analyzer/flow/tls_ports.h"

bool td_is_tls_port(const td_port_set *s, uint16_t port)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->port[i] == port) return true;
    return false;
}
