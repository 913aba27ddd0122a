/* test_classify_client_cert.c - the client certificate rows of the verdict table on hand-built
 * transcripts: a certificate missing, rejected or sent empty, in TLS 1.2 and TLS 1.3, and the short
 * answers that may be a refusal. */

#include "classify_fixtures.h"

TEST(row_client_cert_missing_alert)
{
    td_transcript *t = tls12(&leaf_good, "www.example.test");
    cert_request(t, "CN=Test Root", 5);
    chain(t, &t->tls.client_chain, NULL, 0, 6);
    alert(t, TD_S2C, 2, 40, false, 7);
    VERDICT(classify(t), "client-cert-missing", "certain");
    CHECK(strstr(res.remedy, "CN=Test Root") != NULL && cites(&res, 7));
    tr_free(t);
}

TEST(empty_client_cert_short_answer_server_closes_tls12)
{
    /* nginx ssl_verify_client on answers 400 and closes; gnutls-serv asking optionally answers a
     * small HTTP/1.0 page and closes just the same.  Without keys: ok, likely, and a warning that
     * names the short answer (on the matrix, claiming a refusal was wrong 5 times in 6). */
    td_transcript *t = tls12(&leaf_good, "www.example.test");
    cert_request(t, "CN=Test Root", 5);
    chain(t, &t->tls.client_chain, NULL, 0, 6);
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    appdata12(t, TD_C2S, 100, 8);
    appdata12(t, TD_S2C, 420, 9);
    alert(t, TD_S2C, 0, 0, true, 10);
    tcp_close(t, TD_S2C, false, 10);
    VERDICT(classify(t), "ok", "likely");
    CHECK(has_finding(&res, "client-cert-not-sent"));
    tr_free(t);
}

TEST(empty_client_cert_short_answer_server_closes_tls13)
{
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 25, 6);                     /* empty Certificate */
    rec(t, TD_C2S, 53, 6);                     /* Finished */
    rec(t, TD_C2S, 90, 7);                     /* GET */
    rec(t, TD_S2C, 250, 8);                    /* NewSessionTicket x2 (equal sizes) */
    rec(t, TD_S2C, 250, 8);
    rec(t, TD_S2C, 450, 9);                    /* 400 No required SSL certificate was sent, or a page */
    rec(t, TD_S2C, 19, 10);                    /* close_notify */
    tcp_close(t, TD_S2C, false, 10);
    const td_result *r = classify(t);
    VERDICT(r, "ok", "likely");
    CHECK(r->inf.client_cert == TD_CC_EMPTY && r->inf.tickets == 2 && r->inf.handshake_complete == 1);
    CHECK(r->inf.response_records == 1 && r->inf.response_bytes == 450);
    CHECK(has_finding(r, "client-cert-not-sent"));
    tr_free(t);
}

TEST(optional_client_cert_served_normally_is_ok)
{
    td_transcript *t = tls13(0x1301);
    rec(t, TD_C2S, 25, 6);
    rec(t, TD_C2S, 53, 6);
    rec(t, TD_C2S, 90, 7);
    rec(t, TD_S2C, 250, 8);
    rec(t, TD_S2C, 250, 8);
    rec(t, TD_S2C, 5000, 9);
    rec(t, TD_C2S, 19, 10);                    /* the client closes first: it got what it wanted */
    tcp_close(t, TD_C2S, false, 10);
    VERDICT(classify(t), "ok", "certain");
    CHECK(has_finding(&res, "client-cert-not-sent"));
    tr_free(t);
}

TEST(empty_client_cert_short_answer_client_closes_first)
{
    /* nginx in TLS 1.3 with curl: the 400 arrives, curl closes before nginx does.  Without keys
     * this looks like an optional request served with a tiny page: ok, but only likely, and a
     * warning that says what the short answer may be. */
    td_transcript *t = tls13(0x1302);
    rec(t, TD_C2S, 25, 6);
    rec(t, TD_C2S, 69, 6);
    rec(t, TD_C2S, 97, 7);
    rec(t, TD_S2C, 298, 8);
    rec(t, TD_S2C, 298, 8);
    rec(t, TD_S2C, 406, 9);
    rec(t, TD_C2S, 19, 10);
    tcp_close(t, TD_C2S, false, 11);
    rec(t, TD_S2C, 19, 12);
    const td_result *r = classify(t);
    VERDICT(r, "ok", "likely");
    CHECK(has_finding(r, "client-cert-not-sent"));
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].id, "client-cert-not-sent") == 0) {
            CHECK_STR(r->findings[i].severity, "warning");
            CHECK(strstr(r->findings[i].detail, "406 bytes") != NULL);
        }
    tr_free(t);
}

TEST(mtls_short_page_server_answers_close_notify)
{
    /* Apache: a certificate sent, a 275-byte page, the client's close_notify first, then the
     * server's close_notify and FIN.  The server closed TCP first, but the client ended TLS first:
     * not a refusal. */
    td_transcript *t = tls13(0x1302);
    rec(t, TD_C2S, 1701, 6);
    rec(t, TD_C2S, 281, 7);
    rec(t, TD_C2S, 69, 7);
    rec(t, TD_S2C, 1178, 8);
    rec(t, TD_S2C, 1178, 8);
    rec(t, TD_C2S, 97, 9);
    rec(t, TD_S2C, 275, 10);
    rec(t, TD_C2S, 19, 11);
    rec(t, TD_S2C, 19, 12);
    tcp_close(t, TD_S2C, false, 13);
    tcp_close(t, TD_C2S, true, 14);
    /* ok; only likely, since a 275-byte answer could be nginx's 400 for a certificate it refused */
    VERDICT(classify(t), "ok", "likely");
    CHECK(has_finding(&res, "client-cert-answer-unread"));
    tr_free(t);
}

TEST(row_client_cert_rejected_alert_tls13)
{
    td_transcript *t = tls13(0x1302);
    rec(t, TD_C2S, 900, 6);                    /* Certificate */
    rec(t, TD_C2S, 281, 6);                    /* CertificateVerify (RSA-2048) */
    rec(t, TD_C2S, 69, 6);                     /* Finished, SHA-384 */
    rec(t, TD_S2C, 19, 7);                     /* alert */
    tcp_close(t, TD_S2C, false, 8);
    const td_result *r = classify(t);
    VERDICT(r, "client-cert-rejected", "likely");
    CHECK(r->inf.client_cert == TD_CC_SENT && r->inf.server_aborted && r->inf.server_abort_pkt == 7);
    CHECK(r->inf.label[4] == TD_REC_CLIENT_CERT && r->inf.label[5] == TD_REC_CLIENT_CV &&
          r->inf.label[6] == TD_REC_CLIENT_FINISHED && r->inf.label[7] == TD_REC_ALERT);
    tr_free(t);
}

TEST(row_client_cert_rejected_http_tls12)
{
    /* A certificate from an issuer the server did not ask for, then an HTTP refusal. */
    td_transcript *t = tls12(&leaf_good, "www.example.test");
    cert_request(t, "CN=Test Root", 5);
    chain(t, &t->tls.client_chain, &client_rogue, 1, 6);
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    appdata12(t, TD_C2S, 100, 8);
    appdata12(t, TD_S2C, 400, 9);
    tcp_close(t, TD_S2C, false, 10);
    VERDICT(classify(t), "client-cert-rejected", "likely");
    CHECK(has_finding(&res, "client-cert-issuer-not-requested"));
    tr_free(t);
    /* The same exchange with a certificate from the requested CA is a working mTLS request. */
    t = tls12(&leaf_good, "www.example.test");
    cert_request(t, "CN=Test Root", 5);
    chain(t, &t->tls.client_chain, &client_good, 1, 6);
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    appdata12(t, TD_C2S, 100, 8);
    appdata12(t, TD_S2C, 400, 9);
    tcp_close(t, TD_S2C, false, 10);
    VERDICT(classify(t), "ok", "certain");
    tr_free(t);
}

TEST(client_drops_at_certificate_request)
{
    /* A browser with no certificate to offer: nothing after the server's flight, no alert. */
    td_transcript *t = tls12(&leaf_good, "www.example.test");
    cert_request(t, "CN=Test Root", 5);
    tcp_close(t, TD_C2S, false, 6);
    VERDICT(classify(t), "client-cert-missing", "likely");
    CHECK(strstr(res.summary, "dropped the connection") != NULL);
    CHECK(has_evidence(&res, "sent nothing after the server's CertificateRequest") && cites(&res, 6));
    tr_free(t);
    /* The same drop when the server's certificate names another host: that is the reason. */
    t = tls12(&leaf_good, "other.example.test");
    cert_request(t, "CN=Test Root", 5);
    tcp_close(t, TD_C2S, false, 6);
    CHECK_STR(td_verdict_name(classify(t)->verdict), "name-mismatch");
    tr_free(t);
}

TEST(empty_client_cert_request_never_answered_is_not_called_optional)
{
    /* gnutls-cli with its input at an end: empty Certificate, Finished, the request and its
     * close_notify in one go; s_server (client certificate required) answers with one alert-sized
     * record and closes.  Whether that record is certificate_required or close_notify is hidden,
     * but the request was never answered: not "the server went on". */
    td_transcript *t = tls13(0x1302);
    rec(t, TD_C2S, 25, 6);                     /* empty Certificate */
    rec(t, TD_C2S, 69, 6);                     /* Finished */
    rec(t, TD_C2S, 35, 6);                     /* GET */
    rec(t, TD_C2S, 19, 6);                     /* close_notify */
    rec(t, TD_S2C, 19, 7);
    tcp_close(t, TD_S2C, false, 8);
    tcp_close(t, TD_C2S, false, 9);
    const td_result *r = classify(t);
    CHECK_STR(r->confidence, "likely");
    bool said = false;
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].id, "client-cert-not-sent") == 0) {
            said = true;
            CHECK(strstr(r->findings[i].detail, "went on") == NULL);
        }
    CHECK(said || strcmp(td_verdict_name(r->verdict), "client-cert-missing") == 0);
    tr_free(t);
}

int main(void)
{
    if (!classify_setup()) return 1;
    RUN(client_drops_at_certificate_request);
    RUN(row_client_cert_missing_alert);
    RUN(empty_client_cert_short_answer_server_closes_tls12);
    RUN(empty_client_cert_short_answer_server_closes_tls13);
    RUN(optional_client_cert_served_normally_is_ok);
    RUN(empty_client_cert_short_answer_client_closes_first);
    RUN(mtls_short_page_server_answers_close_notify);
    RUN(row_client_cert_rejected_alert_tls13);
    RUN(row_client_cert_rejected_http_tls12);
    RUN(empty_client_cert_request_never_answered_is_not_called_optional);
    classify_teardown();
    return check_done();
}
