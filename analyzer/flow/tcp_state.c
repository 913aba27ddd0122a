/* tcp_state.c - a connection's TCP state from its packets' flags: SYN, SYN-ACK, the handshake,
 * and how it closed (FIN, RST), written into the transcript's TCP facts. */
#include "analyzer/flow/engine_int.h"

void td_tcp_follow_flags(td_conn *c, int dir, const td_pkt *p, uint64_t number, double ts)
{
    td_tcp *tcp = &c->t.tcp;
    bool syn = p->flags & TD_TCP_SYN, ack = p->flags & TD_TCP_ACK;
    if (syn && !ack && dir == TD_C2S) {
        if (tcp->syn_seen) tcp->syn_retransmits++;
        else td_transcript_event(&c->t, TD_EV_SYN, dir, 0, 0, number, ts);
        tcp->syn_seen = true;
        c->syn_seq = p->seq;
        td_reasm_syn(c, dir, p->seq);
    } else if (syn && ack && dir == TD_S2C) {
        if (!tcp->synack_seen) td_transcript_event(&c->t, TD_EV_SYNACK, dir, 0, 0, number, ts);
        tcp->synack_seen = true;
        td_reasm_syn(c, dir, p->seq);
    } else if (ack && dir == TD_C2S && tcp->synack_seen && tcp->syn_seen) {
        tcp->handshake = true;
    }
}

void td_tcp_follow_close(td_flow_table *ft, td_conn *c, int dir, const td_pkt *p, uint64_t number,
                         double ts)
{
    td_tcp *tcp = &c->t.tcp;
    uint8_t who = dir == TD_C2S ? TD_BY_CLIENT : TD_BY_SERVER;
    if (p->flags & TD_TCP_RST) {
        if (!tcp->rst_packet) {
            tcp->rst_packet = number;
            tcp->rst_from = (uint8_t)dir;
            td_transcript_event(&c->t, TD_EV_RST, dir, 0, 0, number, ts);
        }
        if (tcp->close != TD_CLOSE_RST && !(tcp->fin[0] && tcp->fin[1])) {
            if (tcp->close == TD_CLOSE_NONE) tcp->closed_by = who;
            tcp->close = TD_CLOSE_RST;
        }
        td_flows_mark_closed(ft, c);
    }
    if ((p->flags & TD_TCP_FIN) && !tcp->fin[dir]) {
        tcp->fin[dir] = true;
        tcp->fin_packet[dir] = number;
        td_transcript_event(&c->t, TD_EV_FIN, dir, 0, 0, number, ts);
        if (tcp->close == TD_CLOSE_NONE) {
            tcp->close = TD_CLOSE_FIN;
            tcp->closed_by = who;
        }
        td_reasm_fin(c, dir, p->seq + (uint32_t)p->payload_wire_len + ((p->flags & TD_TCP_SYN) ? 1u : 0u));
        if (tcp->fin[0] && tcp->fin[1]) td_flows_mark_closed(ft, c);
    }
}
