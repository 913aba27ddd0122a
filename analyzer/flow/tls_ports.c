/* tls_ports.c - the TLS server ports (-P, and the STARTTLS protocols'): whether a port is one of them. */
#include "analyzer/flow/tls_ports.h"

bool td_is_tls_port(const td_port_set *s, uint16_t port)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->port[i] == port) return true;
    return false;
}

void td_port_set_add_standard(td_port_set *s)
{
    static const uint16_t standard[] = { 25, 587, 143, 110, 21, 5222, 465, 993, 995, 990, 5223, 5432, 389, 3306 };
    for (size_t i = 0; i < sizeof standard / sizeof standard[0]; i++)
        if (!td_is_tls_port(s, standard[i]) && s->n < TD_MAX_PORTS) s->port[s->n++] = standard[i];
}
