/* test_classify_handshake.c - the protocol and handshake rows of the verdict table on hand-built
 * transcripts: versions and cipher suites in common, obsolete protocols, aborted handshakes and
 * whose alert is whose answer. */

#include "classify_fixtures.h"

TEST(row_protocol_mismatch)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0303, 4);
    alert(t, TD_S2C, 2, 70, false, 5);
    VERDICT(classify(t), "protocol-mismatch", "certain");
    CHECK(strstr(res.summary, "no TLS version in common") != NULL && strstr(res.summary, "TLS1.2") != NULL);
    tr_free(t);
    t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0303, 4);
    alert(t, TD_S2C, 2, 40, false, 5);
    VERDICT(classify(t), "protocol-mismatch", "certain");
    CHECK(strstr(res.summary, "3 cipher suites") != NULL);
    CHECK(strstr(res.remedy, "cipher suite") != NULL);
    tr_free(t);
}

TEST(row_obsolete_protocol)
{
    td_transcript *t = tls12(&leaf_good, "www.example.test");
    t->tls.version = 0x0300;
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    appdata12(t, TD_C2S, 100, 8);
    appdata12(t, TD_S2C, 900, 9);
    VERDICT(classify(t), "obsolete-protocol", "certain");
    CHECK(strstr(res.summary, "SSL 3.0") != NULL);
    tr_free(t);
}

TEST(row_handshake_aborted)
{
    td_transcript *t = tls12(&leaf_good, "www.example.test");
    alert(t, TD_S2C, 2, 80, false, 6);          /* internal_error */
    VERDICT(classify(t), "handshake-aborted", "certain");
    CHECK(strstr(res.summary, "internal_error") != NULL);
    tr_free(t);
    t = tls12(&leaf_good, "www.example.test");
    t->tls.cert_requested = true;               /* so that the client's silence is not about the certificate */
    tcp_close(t, TD_S2C, true, 6);
    VERDICT(classify(t), "handshake-aborted", "certain");
    CHECK(strstr(res.summary, "server reset") != NULL);
    tr_free(t);
}

TEST(key_exchange_alert_is_not_a_certificate_refusal)
{
    /* decrypt_error after a ServerKeyExchange: the signature failed, not the certificate (which
     * the named anchors do not trust either: that is not what the client said). */
    td_transcript *t = tls12(&leaf_other, "www.example.test");
    td_transcript_event(t, TD_EV_HANDSHAKE, TD_S2C, 12, 300, 5, at(5));
    alert(t, TD_C2S, 2, 51, false, 6);
    tcp_close(t, TD_C2S, true, 7);
    VERDICT(classify(t), "handshake-aborted", "certain");
    CHECK(strstr(res.summary, "key exchange") != NULL && strstr(res.summary, "decrypt_error") != NULL);
    CHECK(has_evidence(&res, "not the certificate") && cites(&res, 6));
    tr_free(t);
    /* illegal_parameter and unexpected_message likewise. */
    static const uint8_t codes[] = { 47, 10 };
    for (size_t i = 0; i < sizeof codes; i++) {
        t = tls12(&leaf_good, "www.example.test");
        td_transcript_event(t, TD_EV_HANDSHAKE, TD_S2C, 12, 300, 5, at(5));
        alert(t, TD_C2S, 2, codes[i], false, 6);
        VERDICT(classify(t), "handshake-aborted", "certain");
        CHECK(strstr(res.summary, "key exchange") != NULL);
        tr_free(t);
    }
    /* bad_certificate at the same place is about the certificate. */
    t = tls12(&leaf_other, "www.example.test");
    td_transcript_event(t, TD_EV_HANDSHAKE, TD_S2C, 12, 300, 5, at(5));
    alert(t, TD_C2S, 2, 42, false, 6);
    VERDICT(classify(t), "unknown-ca", "certain");
    tr_free(t);
    /* handshake_failure right after the Certificate is the certificate when it shows a defect,
     * else the handshake. */
    t = tls12(&leaf_good, "other.example.test");
    alert(t, TD_C2S, 2, 40, false, 6);
    VERDICT(classify(t), "name-mismatch", "certain");
    tr_free(t);
    t = tls12(&leaf_good, "www.example.test");
    alert(t, TD_C2S, 2, 40, false, 6);
    VERDICT(classify(t), "handshake-aborted", "certain");
    tr_free(t);
}

TEST(server_version_the_client_did_not_offer)
{
    /* A TLS 1.3-only client answered in TLS 1.2 resets: protocol-mismatch, not the certificate
     * (which the named anchors do not trust). */
    td_transcript *t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    t->tls.n_offered_versions = 1;             /* supported_versions: TLS 1.3 alone */
    server_hello(t, 0x0303, 0xc02f, 5);
    chain(t, &t->tls.server_chain, &leaf_other, 1, 5);
    tcp_close(t, TD_C2S, true, 6);
    VERDICT(classify(t), "protocol-mismatch", "certain");
    CHECK(strstr(res.summary, "TLS1.2") != NULL && strstr(res.summary, "did not offer") != NULL);
    CHECK(cites(&res, 5) && cites(&res, 6));
    tr_free(t);
    /* With its alert (protocol_version) the same. */
    t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    t->tls.n_offered_versions = 1;
    server_hello(t, 0x0303, 0xc02f, 5);
    chain(t, &t->tls.server_chain, &leaf_good, 1, 5);
    alert(t, TD_C2S, 2, 70, false, 6);
    VERDICT(classify(t), "protocol-mismatch", "certain");
    tr_free(t);
    /* A client that offered TLS 1.2 too is not refused a version. */
    t = tls12(&leaf_other, "www.example.test");
    tcp_close(t, TD_C2S, true, 6);
    CHECK_STR(td_verdict_name(classify(t)->verdict), "unknown-ca");
    tr_free(t);
}

TEST(alert_after_the_peers_close_answers_the_close)
{
    /* The client gives up after the server's flight (FIN); OpenSSL's s_server, waiting for the
     * client's next flight, answers the end of the stream with decode_error.  That alert is not the
     * server giving up: the client's refusal is the verdict. */
    td_transcript *t = tls12(&leaf_good, "other.example.test");
    tcp_close(t, TD_C2S, false, 6);
    alert(t, TD_S2C, 2, 50, false, 7);
    tcp_close(t, TD_C2S, true, 8);
    VERDICT(classify(t), "name-mismatch", "certain");
    CHECK(has_evidence(&res, "it answers the close"));
    CHECK(has_evidence(&res, "closed the connection (FIN), then reset it (RST, packet 8)") && cites(&res, 6));
    tr_free(t);
    /* A client that sends its certificate flight and closes at once: the server had not yet
     * answered that flight, so its alert refuses the certificate. */
    t = tls12(&leaf_good, "www.example.test");
    cert_request(t, "CN=Test Root", 5);
    chain(t, &t->tls.client_chain, &client_rogue, 1, 6);
    finished12(t, TD_C2S, 6);
    tcp_close(t, TD_C2S, false, 7);
    alert(t, TD_S2C, 2, 48, false, 8);
    VERDICT(classify(t), "client-cert-rejected", "certain");
    CHECK(cites(&res, 8));
    tr_free(t);
    /* A ClientHello followed at once by a FIN: nothing answered it before the close, so the
     * server's alert is its refusal of the ClientHello. */
    t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0303, 4);
    tcp_close(t, TD_C2S, false, 5);
    alert(t, TD_S2C, 2, 40, false, 6);
    VERDICT(classify(t), "protocol-mismatch", "certain");
    CHECK(cites(&res, 6));
    tr_free(t);
}

int main(void)
{
    if (!classify_setup()) return 1;
    RUN(key_exchange_alert_is_not_a_certificate_refusal);
    RUN(server_version_the_client_did_not_offer);
    RUN(row_protocol_mismatch);
    RUN(row_obsolete_protocol);
    RUN(alert_after_the_peers_close_answers_the_close);
    RUN(row_handshake_aborted);
    classify_teardown();
    return check_done();
}
