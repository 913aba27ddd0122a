/* findings_network.c - what the TCP exchange cost a connection beside its verdict: a HelloRetryRequest's extra round trip, a ClientHello split over segments, SYN retransmissions, zero windows. */
#include <stdio.h>

#include "analyzer/diagnose/findings_network.h"
#include "analyzer/diagnose/result.h"
#include "analyzer/diagnose/rule_facts_int.h"
#include "dissectors/dissect.h"

/* The time of the first ladder event of this kind and direction at or after packet `from`. */
static double event_ts(const td_transcript *t, int kind, int dir, uint64_t from)
{
    for (size_t i = 0; i < t->n_events; i++)
        if (t->events[i].kind == kind && t->events[i].dir == dir && t->events[i].packet >= from) return t->events[i].ts;
    return 0;
}

void td_findings_network(const td_transcript *t, td_result *r)
{
    const td_tls *s = &t->tls;
    char ks[160], g[24];
    bool pq = rule_key_shares(s, ks, sizeof ks);
    if (s->hello_retry && s->hello && s->hello->server_key_share) {
        double a = event_ts(t, TD_EV_HANDSHAKE, TD_S2C, s->hello_retry_packet);
        double b = s->server_hello ? event_ts(t, TD_EV_HANDSHAKE, TD_S2C, s->hello_retry_packet + 1) : 0;
        char cost[48] = "";
        if (a > 0 && b > a) snprintf(cost, sizeof cost, " (%.1f ms to the second ServerHello)", (b - a) * 1000.0);
        td_result_finding(r, "hello-retry", "info",
                          "the server answered with a HelloRetryRequest (packet %llu): the client's key shares (%s) are "
                          "not among its groups, it asked for %s; one more round trip%s",
                          (unsigned long long)s->hello_retry_packet, ks[0] ? ks : "none",
                          td_group_label(s->hello->server_key_share, g, sizeof g), cost);
    }
    const td_path *x = t->path;
    if (x && x->ch_len && x->ch_segs >= 2)
        td_result_finding(r, "client-hello-segments", "info",
                          "the ClientHello is %u bytes in %u TCP segments%s%s%s: a firewall or load balancer that does not "
                          "reassemble TCP may drop or stall it", x->ch_len, x->ch_segs, pq ? " (post-quantum key share: " : "",
                          pq ? ks : "", pq ? ")" : "");
    /* A path-MTU black hole the connection lived through (the sender's TCP lowered its segment size,
     * tcp_mtu_probing, or an ICMP got through at last): not a failure, but seconds lost. */
    for (int dir = 0; x && dir < 2; dir++) {
        const char *who = dir == TD_C2S ? "client" : "server";
        if (x->stuck_retx[dir] >= 2 && x->acked_past_stuck[dir] && x->peer_after_retx[dir] >= 1 &&
            x->unstuck_ts[dir] - x->first_big_retx_ts[dir] >= 1.0)
            td_result_finding(r, "path-mtu-stall", "warning",
                              "the %s's full-size segment (packet %llu) was sent again %u times over %.1f s and never "
                              "acknowledged while the %s's packets kept coming, then the transfer went on: a path-MTU black "
                              "hole its TCP worked around (MTU probing or a late ICMP); clamp the MSS or let ICMP "
                              "\"fragmentation needed\" through", who, (unsigned long long)x->first_big_retx_packet[dir],
                              x->stuck_retx[dir], x->unstuck_ts[dir] - x->first_big_retx_ts[dir], dir ? "client" : "server");
        else if (!x->big_segs[dir] && !x->big_retx[dir] && x->longest_hole_s[dir] >= 1.0 && t->tcp.mss[!dir] &&
                 x->max_seg[dir] >= 500)
            td_result_finding(r, "path-mtu-stall", "warning",
                              "none of the %s's segments that arrived here was full-size (the largest %u bytes, the MSS "
                              "%u), and its data had a hole for %.1f s, filled by smaller segments at packet %llu: a "
                              "path-MTU black hole the %s's TCP worked around (MTU probing or a late ICMP)", who,
                              x->max_seg[dir], t->tcp.mss[!dir], x->longest_hole_s[dir],
                              (unsigned long long)x->longest_hole_packet[dir], who);
    }
    if (t->tcp.syn_retransmits && t->tcp.synack_seen)
        td_result_finding(r, "syn-retransmits", "warning",
                          "the SYN was sent %u more %s before the server answered: packets are lost on the way, or the "
                          "server's backlog was full", t->tcp.syn_retransmits, t->tcp.syn_retransmits == 1 ? "time" : "times");
    for (int d = 0; x && d < 2; d++)
        if (x->zero_windows[d])
            td_result_finding(r, "zero-window", "warning",
                              "the %s advertised a zero window %u %s: it stopped reading what it was sent",
                              d == TD_C2S ? "client" : "server", x->zero_windows[d], x->zero_windows[d] == 1 ? "time" : "times");
}
