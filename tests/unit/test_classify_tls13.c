/* test_classify_tls13.c - TLS 1.3 without keys on hand-built transcripts: each reading of protected
 * records by their sizes and order (analyzer/diagnose/tls13_without_keys.c), and the verdicts those
 * readings give. */

#include "classify_fixtures.h"

TEST(infer_finished_sizes_per_suite)
{
    static const uint32_t suites[3] = { 0x1301, 0x1302, 0x1305 };
    static const uint16_t fin[3] = { 53, 69, 45 };
    for (int i = 0; i < 3; i++) {
        td_transcript *t = tls13(suites[i]);
        rec(t, TD_C2S, fin[i], 6);
        rec(t, TD_C2S, 80, 7);
        rec(t, TD_S2C, 3000, 8);
        const td_result *r = classify(t);
        VERDICT(r, "ok", "certain");
        CHECK(r->inf.label[4] == TD_REC_CLIENT_FINISHED && r->inf.exact);
        CHECK(r->inf.client_cert == TD_CC_NOT_REQUESTED);
        CHECK(r->app_records[0] == 1 && r->app_bytes[0] == 80 && r->app_bytes[1] == 3000);
        tr_free(t);
    }
}

TEST(infer_whole_client_flight_in_one_record)
{
    /* Go and Java put Certificate, CertificateVerify and Finished in one record. */
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 1250, 6);
    rec(t, TD_C2S, 80, 6);
    rec(t, TD_S2C, 2000, 7);
    const td_result *r = classify(t);
    VERDICT(r, "ok", "certain");
    CHECK(r->inf.label[4] == TD_REC_CLIENT_FLIGHT && r->inf.client_cert == TD_CC_SENT);
    CHECK(r->inf.label[5] == TD_REC_APPDATA);
    tr_free(t);
    /* An empty Certificate and the Finished in one record: 8 + 36 + 17 bytes. */
    t = tls13(0x1301);
    rec(t, TD_C2S, 61, 6);
    const td_result *r2 = classify(t);
    CHECK(r2->inf.label[4] == TD_REC_CLIENT_FLIGHT && r2->inf.client_cert == TD_CC_EMPTY);
    tr_free(t);
}

TEST(infer_finished_alone_after_a_pause)
{
    /* The Finished in its own packet, a second later, then the request: still one flight. */
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 53, 1000);
    rec(t, TD_C2S, 80, 1001);
    rec(t, TD_S2C, 700, 1002);
    const td_result *r = classify(t);
    VERDICT(r, "ok", "certain");
    CHECK(r->inf.handshake_complete == 1 && r->inf.client_finished == 5);
    tr_free(t);
}

TEST(infer_tickets_before_the_first_request)
{
    /* The server sends NewSessionTicket as soon as the client's Finished arrives, before the
     * client's request does: that is not a response. */
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 53, 6);
    rec(t, TD_S2C, 230, 7);                    /* ticket (Go sends one) */
    rec(t, TD_C2S, 80, 8);
    rec(t, TD_S2C, 3000, 9);
    const td_result *r = classify(t);
    CHECK(r->inf.label[5] == TD_REC_TICKET && r->inf.tickets == 1);
    CHECK(r->inf.label[7] == TD_REC_APPDATA && r->app_records[1] == 1 && r->app_bytes[1] == 3000);
    tr_free(t);
}

TEST(infer_client_sends_request_server_silent)
{
    /* wolfSSL: the client sends Finished and a request, then closes; the server never answers.
     * The handshake completed: not an aborted handshake. */
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 53, 6);
    rec(t, TD_C2S, 80, 6);
    rec(t, TD_C2S, 19, 7);
    tcp_close(t, TD_C2S, false, 7);
    const td_result *r = classify(t);
    CHECK(r->inf.handshake_complete == 1 && !r->inf.server_aborted);
    CHECK(r->verdict != TD_V_HANDSHAKE_ABORTED);
    VERDICT(r, "ok", "likely");
    tr_free(t);
}

TEST(infer_client_alert_instead_of_finished)
{
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 19, 6);
    tcp_close(t, TD_C2S, true, 7);
    const td_result *r = classify(t);
    CHECK(r->inf.client_aborted && r->inf.label[4] == TD_REC_ALERT && r->inf.handshake_complete == 0);
    VERDICT(r, "server-cert-rejected", "likely");
    CHECK(cites(r, 6));
    tr_free(t);
}

TEST(infer_padded_finished)
{
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 53 + 32, 6);                /* padded by an amount no known stack uses */
    rec(t, TD_C2S, 100, 7);
    rec(t, TD_S2C, 700, 8);
    const td_result *r = classify(t);
    CHECK(r->inf.label[4] == TD_REC_CLIENT_FINISHED && !r->inf.exact);
    VERDICT(r, "ok", "certain");
    tr_free(t);
}

TEST(infer_java_pads_every_record)
{
    /* JSSE adds 16 bytes of padding to each record: on a SHA-256 suite its Finished is 69 bytes
     * (an unpadded SHA-384 Finished), its empty Certificate 41, its alert 35. */
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 41, 6);
    rec(t, TD_C2S, 69, 6);
    rec(t, TD_C2S, 120, 7);
    rec(t, TD_S2C, 3000, 8);
    rec(t, TD_C2S, 35, 9);
    tcp_close(t, TD_C2S, false, 9);
    const td_result *r = classify(t);
    CHECK(r->inf.label[4] == TD_REC_CLIENT_EMPTY_CERT && r->inf.label[5] == TD_REC_CLIENT_FINISHED);
    CHECK(r->inf.client_cert == TD_CC_EMPTY && r->inf.exact);
    CHECK(r->inf.label[8] == TD_REC_ALERT && r->app_records[0] == 1);
    VERDICT(r, "ok", "certain");
    tr_free(t);
    /* ... and a padded alert where its Finished was due is the client giving up. */
    t = tls13(0x1301);
    rec(t, TD_C2S, 35, 6);
    tcp_close(t, TD_C2S, false, 7);
    CHECK(classify(t)->inf.client_aborted);
    tr_free(t);
}

TEST(infer_go_server_ticket_before_client_finished)
{
    /* Go's server sends its NewSessionTicket right after its own Finished, before the client's. */
    td_transcript *t = tls13(0x1301);
    rec(t, TD_S2C, 147, 5);
    rec(t, TD_C2S, 53, 6);
    rec(t, TD_C2S, 80, 7);
    rec(t, TD_S2C, 900, 8);
    const td_result *r = classify(t);
    CHECK(r->inf.label[3] == TD_REC_SERVER_FLIGHT && r->inf.label[4] == TD_REC_TICKET && r->inf.tickets == 1);
    CHECK(r->inf.label[5] == TD_REC_CLIENT_FINISHED && r->app_bytes[1] == 900);
    VERDICT(r, "ok", "certain");
    tr_free(t);
}

TEST(infer_server_alert_instead_of_flight)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    server_hello(t, 0x0304, 0x1301, 5);
    rec(t, TD_S2C, 19, 5);
    tcp_close(t, TD_S2C, false, 6);
    const td_result *r = classify(t);
    CHECK(r->inf.server_aborted && r->inf.label[0] == TD_REC_ALERT);
    VERDICT(r, "handshake-aborted", "likely");
    tr_free(t);
}

TEST(infer_close_notify_both_ways_after_health_check)
{
    /* A probe: Finished, then close_notify; the server answers close_notify.  The server's alert
     * follows the client's: a clean close, not a refusal. */
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 53, 6);
    rec(t, TD_C2S, 19, 7);
    tcp_close(t, TD_C2S, false, 7);
    rec(t, TD_S2C, 19, 8);
    tcp_close(t, TD_S2C, false, 9);
    const td_result *r = classify(t);
    CHECK(r->inf.handshake_complete == 1 && !r->inf.server_aborted);
    VERDICT(r, "ok", "likely");
    CHECK(has_finding(r, "no-application-data"));
    /* ... which is also how curl leaves after refusing the certificate TLS 1.3 hid: said. */
    CHECK(has_finding(r, "certificate-unread"));
    tr_free(t);
    /* A client that sent a request did not refuse the certificate: not said. */
    t = tls13(0x1301);
    rec(t, TD_C2S, 53, 6);
    rec(t, TD_C2S, 90, 7);
    rec(t, TD_S2C, 900, 8);
    rec(t, TD_C2S, 19, 9);
    tcp_close(t, TD_C2S, false, 9);
    VERDICT(classify(t), "ok", "certain");
    CHECK(!has_finding(&res, "certificate-unread"));
    tr_free(t);
}

TEST(tls13_close_after_finished_without_a_request_needs_a_defect)
{
    /* curl resets right after its Finished when the server's tickets came before it closed; a
     * health check (HAProxy's resets too) leaves the same way.  Alone, with the certificate
     * hidden, that is no refusal: ok, likely, with the warning (a sibling that shows a defect
     * makes it one: siblings_spare_connection_and_lent_cause). */
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 53, 6);
    rec(t, TD_S2C, 200, 7);                    /* NewSessionTicket */
    tcp_close(t, TD_C2S, true, 8);
    VERDICT(classify(t), "ok", "likely");
    CHECK(has_finding(&res, "certificate-unread"));
    tr_free(t);
    /* A client that closes with a FIN: the same. */
    t = tls13(0x1301);
    rec(t, TD_C2S, 53, 6);
    tcp_close(t, TD_C2S, false, 7);
    rec(t, TD_S2C, 200, 8);
    tcp_close(t, TD_C2S, true, 9);
    VERDICT(classify(t), "ok", "likely");
    CHECK(has_finding(&res, "certificate-unread"));
    tr_free(t);
}

TEST(infer_server_alerts_after_the_request)
{
    /* gnutls-serv refusing a client certificate: the client's flight and its request, then two
     * alert-sized records (access_denied, close_notify) and the server's close.  Two bytes are no
     * answer to a request: both are alerts, and the server refused the flight. */
    td_transcript *t = tls13(0x1302);
    rec(t, TD_C2S, 900, 6);                    /* Certificate */
    rec(t, TD_C2S, 281, 6);                    /* CertificateVerify */
    rec(t, TD_C2S, 69, 6);                     /* Finished, SHA-384 */
    rec(t, TD_C2S, 96, 7);                     /* the request */
    rec(t, TD_S2C, 19, 8);
    rec(t, TD_S2C, 19, 9);
    tcp_close(t, TD_S2C, false, 9);
    const td_result *r = classify(t);
    VERDICT(r, "client-cert-rejected", "likely");
    CHECK(r->inf.label[8] == TD_REC_ALERT && r->inf.label[9] == TD_REC_ALERT && r->inf.server_aborted);
    tr_free(t);
    /* A real answer before them stays an answer. */
    t = tls13(0x1302);
    rec(t, TD_C2S, 900, 6);
    rec(t, TD_C2S, 281, 6);
    rec(t, TD_C2S, 69, 6);
    rec(t, TD_C2S, 96, 7);
    rec(t, TD_S2C, 700, 8);
    rec(t, TD_S2C, 19, 9);
    tcp_close(t, TD_S2C, false, 9);
    r = classify(t);
    CHECK(r->inf.label[8] == TD_REC_APPDATA && r->inf.label[9] == TD_REC_ALERT && !r->inf.server_aborted);
    tr_free(t);
}

int main(void)
{
    if (!classify_setup()) return 1;
    RUN(tls13_close_after_finished_without_a_request_needs_a_defect);
    RUN(infer_server_alerts_after_the_request);
    RUN(infer_finished_sizes_per_suite);
    RUN(infer_whole_client_flight_in_one_record);
    RUN(infer_finished_alone_after_a_pause);
    RUN(infer_tickets_before_the_first_request);
    RUN(infer_client_sends_request_server_silent);
    RUN(infer_client_alert_instead_of_finished);
    RUN(infer_padded_finished);
    RUN(infer_java_pads_every_record);
    RUN(infer_go_server_ticket_before_client_finished);
    RUN(infer_server_alert_instead_of_flight);
    RUN(infer_close_notify_both_ways_after_health_check);
    classify_teardown();
    return check_done();
}
