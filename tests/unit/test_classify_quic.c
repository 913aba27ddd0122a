/* test_classify_quic.c - the QUIC rows on hand-built transcripts: Initials unanswered, ICMP port unreachable, Version Negotiation, transport errors and TLS alerts in CONNECTION_CLOSE, an encrypted refusal, a handshake that worked, and fell-back-to-tcp. */

#include "classify_fixtures.h"

/* A QUIC transcript: the client's Initial datagrams at packets 1..initials (ClientHello in the first). */
static td_transcript *quic_attempt(unsigned initials)
{
    td_transcript *t = tr_new();
    t->quic = calloc(1, sizeof *t->quic);
    td_quic *q = t->quic;
    q->version = q->last_version = 0x00000001;
    q->odcid.len = 8;
    memset(q->odcid.b, 0xab, 8);
    q->client_cid.len = 8;
    client_hello(t, "www.example.test", 0x0304, 1);
    t->tcp.packets[TD_C2S] = t->tcp.bytes[TD_C2S] = 0;   /* QUIC: no TCP facts */
    q->datagrams[TD_C2S] = q->initials[TD_C2S] = initials;
    q->client_initial_min = 1252;
    for (unsigned i = 2; i <= initials; i++) {
        t->last_packet = i;
        t->end = t->capture_end = T0 + 0.3 * i;
    }
    return t;
}

/* The server's answer: its Initial with the ServerHello (packet 10), its Handshake flight. */
static void server_answers(td_transcript *t)
{
    td_quic *q = t->quic;
    server_hello(t, 0x0304, 0x1301, 10);
    t->tcp.packets[TD_S2C] = t->tcp.bytes[TD_S2C] = 0;
    q->datagrams[TD_S2C] = 3;
    q->initials[TD_S2C] = 1;
    q->handshakes[TD_S2C] = 3;
    q->first_server_packet = 10;
    q->server_cid.len = 8;
}

static void one_rtt(td_transcript *t, int dir, uint64_t pkt)
{
    td_quic *q = t->quic;
    q->one_rtt[dir] = true;
    q->short_packets[dir] += 2;
    if (!q->first_one_rtt_packet[dir]) q->first_one_rtt_packet[dir] = pkt;
    q->datagrams[dir] += 2;
    t->last_packet = pkt > t->last_packet ? pkt : t->last_packet;
    t->end = t->capture_end = at(pkt);
}

static void close_frame(td_transcript *t, int dir, bool app, uint64_t code, const char *reason, uint64_t pkt)
{
    td_quic *q = t->quic;
    q->closed[dir] = true;
    q->close_app[dir] = app;
    q->close_code[dir] = code;
    snprintf(q->close_reason[dir], sizeof q->close_reason[dir], "%s", reason);
    q->close_packet[dir] = pkt;
    if (!app && code >= 0x100 && code <= 0x1ff) alert(t, dir, 2, (uint8_t)(code & 0xff), false, pkt);
    t->tcp.packets[dir] = 0;
}

TEST(initials_unanswered_are_blocked)
{
    td_transcript *t = quic_attempt(4);                /* retransmitted: certain */
    VERDICT(classify(t), "quic-blocked", "certain");
    CHECK(strstr(res.summary, "UDP port 443") && strstr(res.summary, "retransmissions"));
    CHECK(strstr(res.remedy, "UDP port 443") && cites(&res, 1) && cites(&res, 4));
    CHECK(has_evidence(&res, "QUIC v1, SNI www.example.test"));
    tr_free(t);
    t = quic_attempt(1);                               /* one Initial, then 3 s of capture: likely */
    t->capture_end = t->end + 3;
    VERDICT(classify(t), "quic-blocked", "likely");
    tr_free(t);
    t = quic_attempt(1);                               /* the capture ended at once: cannot say */
    VERDICT(classify(t), "incomplete", "certain");
    CHECK(strstr(res.summary, "before the server answered"));
    tr_free(t);
}

TEST(icmp_port_unreachable_is_refused)
{
    td_transcript *t = quic_attempt(2);
    t->quic->icmp_unreachable = true;
    t->quic->icmp_packet = 3;
    VERDICT(classify(t), "connection-refused", "certain");
    CHECK(strstr(res.summary, "ICMP port unreachable") && cites(&res, 3));
    CHECK(strstr(res.remedy, "UDP port 443"));
    tr_free(t);
}

TEST(version_negotiation_without_a_common_version)
{
    td_transcript *t = quic_attempt(1);
    td_quic *q = t->quic;
    q->version = q->last_version = 0x1a2a3a4a;
    q->version_negotiation = true;
    q->vn_versions[0] = 0xff00001d;
    q->n_vn_versions = 1;
    q->vn_packet = 2;
    q->datagrams[TD_S2C] = 1;
    VERDICT(classify(t), "protocol-mismatch", "certain");
    CHECK(strstr(res.summary, "draft-29") && strstr(res.summary, "0x1a2a3a4a") && cites(&res, 2));
    /* The client came back with a version the server listed: negotiation did its job. */
    q->last_version = 0xff00001d;
    CHECK(classify(t)->verdict != TD_V_PROTOCOL_MISMATCH);
    tr_free(t);
}

TEST(close_frames_name_the_failure)
{
    /* A transport error from the server before the handshake ended. */
    td_transcript *t = quic_attempt(1);
    server_answers(t);
    close_frame(t, TD_S2C, false, 0x2, "busy", 11);
    VERDICT(classify(t), "handshake-aborted", "certain");
    CHECK(strstr(res.summary, "server closed the QUIC connection") && strstr(res.summary, "CONNECTION_REFUSED (0x2): busy"));
    CHECK(cites(&res, 11));
    tr_free(t);
    /* A TLS alert in the server's close, in its Initial (no ServerHello): the TLS rows read it. */
    t = quic_attempt(1);
    t->tls.alpn_offered = calloc(1, sizeof *t->tls.alpn_offered);
    t->tls.alpn_offered[0] = strdup("h3");
    t->tls.n_alpn_offered = 1;
    t->quic->datagrams[TD_S2C] = t->quic->initials[TD_S2C] = 1;
    close_frame(t, TD_S2C, false, 0x178, "", 11);
    VERDICT(classify(t), "protocol-mismatch", "certain");
    CHECK(strstr(res.summary, "ALPN offer (h3)") && strstr(res.remedy, "\"h3\""));
    tr_free(t);
    /* unknown_ca from the client, read with a key log. */
    t = quic_attempt(1);
    server_answers(t);
    t->quic->handshakes[TD_C2S] = 1;
    close_frame(t, TD_C2S, false, 0x130, "", 12);
    t->quic->close_encrypted[TD_C2S] = true;
    const td_result *r = classify(t);
    CHECK_STR(td_verdict_name(r->verdict), "unknown-ca");
    tr_free(t);
}

TEST(an_encrypted_refusal_is_likely_a_certificate)
{
    td_transcript *t = quic_attempt(1);
    server_answers(t);
    t->quic->handshakes[TD_C2S] = 2;
    t->quic->datagrams[TD_C2S] = 3;
    t->last_packet = 13;
    t->end = at(13);
    t->capture_end = t->end + 5;
    VERDICT(classify(t), "server-cert-rejected", "likely");
    CHECK(has_finding(&res, "encrypted-refusal") && strstr(res.remedy, "--keylog"));
    /* The client went on in 1-RTT: it accepted the flight. */
    one_rtt(t, TD_C2S, 14);
    one_rtt(t, TD_S2C, 15);
    VERDICT(classify(t), "ok", "certain");
    CHECK(strstr(res.summary, "QUIC handshake completed (TLS1.3, TLS_AES_128_GCM_SHA256"));
    CHECK(cites(&res, 14) && cites(&res, 15));
    tr_free(t);
}

TEST(ok_with_keys_and_no_close)
{
    td_transcript *t = quic_attempt(1);
    server_answers(t);
    t->tls.alpn = strdup("h3");
    t->quic->handshake_done = true;
    as_decrypted(t);
    one_rtt(t, TD_S2C, 12);                           /* the server's 0.5-RTT data only */
    one_rtt(t, TD_C2S, 13);
    VERDICT(classify(t), "ok", "certain");
    CHECK(strstr(res.summary, "ALPN h3"));
    /* A close with NO_ERROR or an application code after the handshake is no failure. */
    close_frame(t, TD_C2S, true, 0x100, "", 20);
    CHECK_STR(td_verdict_name(classify(t)->verdict), "ok");
    tr_free(t);
}

TEST(fallback_to_tcp_is_linked_both_ways)
{
    td_classifier *c = td_classifier_new(root_pem, NULL, NULL, 0);
    td_transcript *q = quic_attempt(5);
    q->id = 1;
    strcpy(q->client.ip, "10.9.9.9");
    td_result rq, rt;
    td_classify(c, q, &rq);
    CHECK_STR(td_verdict_name(rq.verdict), "quic-blocked");
    td_transcript *t = tls13(0x1301);
    t->id = 2;
    strcpy(t->client.ip, "10.9.9.9");
    t->start = q->start + 1.5;
    td_classify(c, t, &rt);
    bool found = false;
    for (size_t i = 0; i < rt.n_findings; i++)
        if (strcmp(rt.findings[i].id, "fell-back-to-tcp") == 0) found = strstr(rt.findings[i].detail, "#1") != NULL;
    CHECK(found);
    td_classify_again(c, q, &rq);                      /* the QUIC attempt, judged again, names its fallback */
    found = false;
    for (size_t i = 0; i < rq.n_findings; i++)
        if (strcmp(rq.findings[i].id, "fell-back-to-tcp") == 0) found = strstr(rq.findings[i].detail, "#2") != NULL;
    CHECK(found);
    /* Another client's TCP connection is no fallback. */
    td_transcript *o = tls13(0x1301);
    o->id = 3;
    o->start = q->start + 2;
    td_classify(c, o, &rt);
    for (size_t i = 0; i < rt.n_findings; i++) CHECK(strcmp(rt.findings[i].id, "fell-back-to-tcp") != 0);
    tr_free(q);
    tr_free(t);
    tr_free(o);
    td_classifier_free(c);
}

TEST(transport_findings)
{
    td_transcript *t = quic_attempt(1);
    server_answers(t);
    td_quic *q = t->quic;
    q->client_initial_min = 1100;
    q->retries = 2;
    q->retry_packet = 3;
    q->retry_integrity_bad = true;
    q->migrated = true;
    const td_result *r = classify(t);
    CHECK(has_finding(r, "quic-initial-too-small") && has_finding(r, "quic-retry-loop"));
    CHECK(has_finding(r, "quic-retry-invalid") && has_finding(r, "quic-migrated"));
    CHECK(!has_finding(r, "quic-amplification-limit"));
    tr_free(t);
    /* The server stopped at 3x what the client sent; the client never got past its Initials. */
    t = quic_attempt(1);
    q = t->quic;
    q->datagrams[TD_S2C] = 3;
    q->bytes[TD_C2S] = 1252;
    q->bytes[TD_S2C] = 3700;
    CHECK(has_finding(classify(t), "quic-amplification-limit"));
    q->bytes[TD_S2C] = 1500;                           /* well under the limit: something else */
    CHECK(!has_finding(classify(t), "quic-amplification-limit"));
    q->bytes[TD_S2C] = 3700;
    q->handshakes[TD_C2S] = 1;                         /* the client went on: no stall */
    CHECK(!has_finding(classify(t), "quic-amplification-limit"));
    CHECK(!has_finding(&res, "quic-initial-too-small") && !has_finding(&res, "quic-retry-loop"));
    /* Read with keys: the server's transport parameters authenticate the client's first DCID. */
    q->tp[TD_S2C].seen = true;
    CHECK(has_finding(classify(t), "quic-cid-authentication"));
    q->tp[TD_S2C].has_original_dcid = true;
    q->tp[TD_S2C].original_dcid = q->odcid;
    CHECK(!has_finding(classify(t), "quic-cid-authentication"));
    q->retries = 1;                                    /* ... and after a Retry, the Retry's SCID too */
    CHECK(has_finding(classify(t), "quic-cid-authentication"));
    tr_free(t);
}

int main(void)
{
    if (!classify_setup()) return 1;
    RUN(initials_unanswered_are_blocked);
    RUN(icmp_port_unreachable_is_refused);
    RUN(version_negotiation_without_a_common_version);
    RUN(close_frames_name_the_failure);
    RUN(an_encrypted_refusal_is_likely_a_certificate);
    RUN(ok_with_keys_and_no_close);
    RUN(fallback_to_tcp_is_linked_both_ways);
    RUN(transport_findings);
    classify_teardown();
    return check_done();
}
