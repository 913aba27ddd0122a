/* conn_roles.c - which end of a new connection is the client: the SYN says, else the TLS port,
 * else the first bytes (a ClientHello or a ServerHello), else the higher port. */
#include "analyzer/flow/engine_int.h"

static bool is_client_hello(const td_pkt *p)
{
    const uint8_t *d = p->payload;
    if (p->payload_len >= 6 && d[0] == 22 && d[1] == 3 && d[5] == 1) return true;
    return p->payload_len >= 3 && (d[0] & 0x80) && d[2] == 1;   /* SSLv2-format ClientHello */
}

static bool is_server_hello(const td_pkt *p)
{
    const uint8_t *d = p->payload;
    return p->payload_len >= 6 && d[0] == 22 && d[1] == 3 && d[5] == 2;
}

bool td_conn_src_is_client(const td_pkt *p, const td_port_set *tls_ports, bool *guessed)
{
    bool syn = (p->flags & TD_TCP_SYN) && !(p->flags & TD_TCP_ACK);
    bool synack = (p->flags & TD_TCP_SYN) && (p->flags & TD_TCP_ACK);
    *guessed = false;
    if (syn) return true;
    if (synack) return false;
    *guessed = true;
    bool sport_tls = td_is_tls_port(tls_ports, p->sport), dport_tls = td_is_tls_port(tls_ports, p->dport);
    if (dport_tls && !sport_tls) return true;
    if (sport_tls && !dport_tls) return false;
    if (is_client_hello(p)) return true;
    if (is_server_hello(p)) return false;
    return p->sport > p->dport;                    /* the server usually has the lower port */
}
