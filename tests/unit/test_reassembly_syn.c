/* test_reassembly_syn.c - the opening of a connection as real stacks vary it, through the engine:
 * TCP Fast Open (data on the SYN, accepted or refused and sent again; the SYN retransmitted
 * without its data), a SYN-ACK carrying data, a SYN-ACK whose ISN changed when it was
 * retransmitted, and ECN's ECE/CWR flags beside the others.  None may open a gap. */

#include "check.h"
#include "engine_frames.h"

enum { ECE = 0x40, CWR = 0x80 };

/* The connection's two hellos, shared by the tests. */
typedef struct hellos {
    buf ch, sh;
} hellos;

static hellos make_hellos(const char *sni)
{
    hellos h = { { 0 }, { 0 } };
    client_hello(&h.ch, sni);
    server_hello(&h.sh);
    return h;
}

static void free_hellos(hellos *h)
{
    bfree(&h->ch);
    bfree(&h->sh);
}

/* Both hellos delivered whole, once, with no gap either way. */
static void check_clean(const conn_rec *r, const hellos *h, const char *sni)
{
    CHECK(r != NULL);
    if (!r) return;
    CHECK(r->client_hello && r->server_hello);
    CHECK_STR(r->sni, sni);
    CHECK(r->tcp.bytes[0] == h->ch.n && r->tcp.bytes[1] == h->sh.n);
    CHECK(r->tcp.gaps[0] == 0 && r->tcp.gaps[1] == 0);
    CHECK(r->tcp.gap_bytes[0] == 0 && r->tcp.gap_bytes[1] == 0);
    CHECK(!r->tcp.midstream && !r->roles_guessed);
}

TEST(fast_open_refused_then_resent)
{
    /* The server ignores the SYN's data (no valid cookie): its SYN-ACK acknowledges the SYN only,
     * and the client sends the ClientHello again after the handshake. */
    hellos h = make_hellos("tfo-refused.example");
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(5, 55001, 443, 0x7ffffff0, 0x10000);
    uint32_t isn = k.cseq;
    sendb(&g, &k, 0, SYN, &h.ch);
    frame(&g, k.sip, k.sport, k.cip, k.cport, k.sseq, isn + 1, SYN | ACK, NULL, 0);
    k.sseq++;
    send_at(&g, &k, 0, isn + 1, ACK, NULL, 0);
    send_at(&g, &k, 0, isn + 1, PSH | ACK, h.ch.p, h.ch.n);   /* the same bytes again */
    sendb(&g, &k, 1, PSH | ACK, &h.sh);
    eng_end(&g);
    const conn_rec *r = only(&g);
    check_clean(r, &h, "tfo-refused.example");
    if (r) CHECK(r->tcp.handshake && r->tcp.retransmits[0] == 1);
    eng_free(&g);
    free_hellos(&h);
}

TEST(fast_open_syn_retransmitted_without_data)
{
    /* Linux retransmits a SYN whose data went unanswered without the data. */
    hellos h = make_hellos("tfo-retry.example");
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(6, 55002, 443, 0xfffffff0, 77);       /* the data wraps round 2^32 */
    uint32_t isn = k.cseq;
    sendb(&g, &k, 0, SYN, &h.ch);
    send_at(&g, &k, 0, isn, SYN, NULL, 0);
    frame(&g, k.sip, k.sport, k.cip, k.cport, k.sseq, isn + 1, SYN | ACK, NULL, 0);
    k.sseq++;
    send_at(&g, &k, 0, isn + 1, ACK, NULL, 0);
    send_at(&g, &k, 0, isn + 1, PSH | ACK, h.ch.p, h.ch.n);
    sendb(&g, &k, 1, PSH | ACK, &h.sh);
    xmit(&g, &k, 0, ACK, NULL, 0);
    eng_end(&g);
    const conn_rec *r = only(&g);
    check_clean(r, &h, "tfo-retry.example");
    if (r) CHECK(r->tcp.syn_retransmits == 1);
    eng_free(&g);
    free_hellos(&h);
}

TEST(fast_open_accepted_and_acknowledged)
{
    /* Data on the SYN, acknowledged by the SYN-ACK (ISN + 1 + length) and by later ACKs: no
     * acknowledgement may be taken for bytes missing from the capture. */
    hellos h = make_hellos("tfo-ok.example");
    eng g;
    eng_init(&g, LINKTYPE_ETHERNET);
    eng_start(&g);
    tcpc k = conn(7, 55003, 443, 1u << 31, 5);
    sendb(&g, &k, 0, SYN, &h.ch);
    xmit(&g, &k, 1, SYN | ACK, NULL, 0);
    sendb(&g, &k, 1, PSH | ACK, &h.sh);                 /* before the client's ACK */
    xmit(&g, &k, 0, ACK, NULL, 0);
    xmit(&g, &k, 0, FIN | ACK, NULL, 0);
    xmit(&g, &k, 1, FIN | ACK, NULL, 0);
    xmit(&g, &k, 0, ACK, NULL, 0);
    eng_end(&g);
    const conn_rec *r = only(&g);
    check_clean(r, &h, "tfo-ok.example");
    if (r) CHECK(r->tcp.handshake && r->tcp.close == TD_CLOSE_FIN);
    eng_free(&g);
    free_hellos(&h);
}

TEST(synack_carrying_data)
{
    hellos h = make_hellos("synack-data.example");
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(8, 55004, 443, 100, 200);
    sendb(&g, &k, 0, SYN, &h.ch);
    sendb(&g, &k, 1, SYN | ACK, &h.sh);                 /* the ServerHello rides on the SYN-ACK */
    xmit(&g, &k, 0, ACK, NULL, 0);
    eng_end(&g);
    const conn_rec *r = only(&g);
    check_clean(r, &h, "synack-data.example");
    eng_free(&g);
    free_hellos(&h);
}

TEST(synack_isn_changed_on_retransmission)
{
    /* The server's stack (or a SYN proxy in front of it) answers the SYN twice with different
     * ISNs; the client acknowledges the second and the data follows it. */
    hellos h = make_hellos("synack-isn.example");
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(9, 55005, 443, 1000, 0x40000000);
    xmit(&g, &k, 0, SYN, NULL, 0);
    xmit(&g, &k, 1, SYN | ACK, NULL, 0);
    k.sseq = 0x90000000;                                /* a new ISN, far from the first */
    xmit(&g, &k, 1, SYN | ACK, NULL, 0);
    xmit(&g, &k, 0, ACK, NULL, 0);
    sendb(&g, &k, 0, PSH | ACK, &h.ch);
    sendb(&g, &k, 1, PSH | ACK, &h.sh);
    xmit(&g, &k, 0, ACK, NULL, 0);
    eng_end(&g);
    const conn_rec *r = only(&g);
    check_clean(r, &h, "synack-isn.example");
    eng_free(&g);
    free_hellos(&h);
}

TEST(ecn_flags_beside_the_others)
{
    /* ECN negotiation (SYN with ECE and CWR, SYN-ACK with ECE), then data marked CWR and ACKs
     * with ECE: the flags TCP's state follows must be read as if ECE and CWR were not there. */
    hellos h = make_hellos("ecn.example");
    eng g;
    eng_init(&g, LINKTYPE_IPV4);
    eng_start(&g);
    tcpc k = conn(10, 55006, 443, 3000, 4000);
    xmit(&g, &k, 0, SYN | ECE | CWR, NULL, 0);
    xmit(&g, &k, 1, SYN | ACK | ECE, NULL, 0);
    xmit(&g, &k, 0, ACK, NULL, 0);
    sendb(&g, &k, 0, PSH | ACK | CWR, &h.ch);
    xmit(&g, &k, 1, ACK | ECE, NULL, 0);
    sendb(&g, &k, 1, PSH | ACK | ECE, &h.sh);
    xmit(&g, &k, 0, FIN | ACK | CWR, NULL, 0);
    xmit(&g, &k, 1, FIN | ACK | ECE, NULL, 0);
    xmit(&g, &k, 0, ACK, NULL, 0);
    eng_end(&g);
    const conn_rec *r = only(&g);
    check_clean(r, &h, "ecn.example");
    if (r) {
        CHECK(r->tcp.handshake && r->tcp.syn_retransmits == 0);
        CHECK(r->tcp.close == TD_CLOSE_FIN && r->tcp.closed_by == TD_BY_CLIENT);
        CHECK(r->tcp.retransmits[0] == 0 && r->tcp.retransmits[1] == 0);
    }
    eng_free(&g);
    free_hellos(&h);
}

int main(void)
{
    RUN(fast_open_refused_then_resent);
    RUN(fast_open_syn_retransmitted_without_data);
    RUN(fast_open_accepted_and_acknowledged);
    RUN(synack_carrying_data);
    RUN(synack_isn_changed_on_retransmission);
    RUN(ecn_flags_beside_the_others);
    return check_done();
}
