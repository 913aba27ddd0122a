/* untracked_tls.c - TLS the engine does not follow, counted so that the summary can say where.
 * That is TCP on other ports that starts with a TLS record, and UDP on a TLS port (QUIC, DTLS) or
 * that starts with a DTLS record. */
#include "analyzer/flow/engine_int.h"
#include "dissectors/quic/quic.h"

/* By server port, for the note that says to try -A or -P. */
void td_count_tls_elsewhere(td_engine_stats *st, uint16_t port)
{
    size_t n = sizeof st->tls_elsewhere / sizeof st->tls_elsewhere[0];
    for (size_t i = 0; i < n; i++) {
        if (st->tls_elsewhere[i].port == port || !st->tls_elsewhere[i].packets) {
            st->tls_elsewhere[i].port = port;
            st->tls_elsewhere[i].packets++;
            return;
        }
    }
    st->tls_elsewhere_more++;
}

/* UDP that no QUIC connection took: the summary says so, once (QUIC Initials on other ports by port). */
void td_count_udp(td_engine_stats *st, const td_port_set *tls_ports, const td_pkt *p)
{
    if (td_is_tls_port(tls_ports, p->dport) || td_is_tls_port(tls_ports, p->sport)) {
        st->udp_tls_port++;
        return;
    }
    const uint8_t *d = p->payload;
    if (p->payload_len >= 13 && d[0] >= 20 && d[0] <= 23 && d[1] == 0xfe && d[2] >= 0xfc) st->dtls_other++;
    else if (p->payload_len >= 1200 && p->dport < p->sport && td_quic_sniff_initial(d, p->payload_len)) {
        /* a client Initial (padded), to what looks like the service port (the lower one) */
        size_t n = sizeof st->quic_elsewhere / sizeof st->quic_elsewhere[0];
        for (size_t i = 0; i < n; i++)
            if (st->quic_elsewhere[i].port == p->dport || !st->quic_elsewhere[i].initials) {
                st->quic_elsewhere[i].port = p->dport;
                st->quic_elsewhere[i].initials++;
                return;
            }
    }
}
