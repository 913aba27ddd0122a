/* test_classify_transport.c - the transport rows of the verdict table (no answer, refused, not TLS,
 * evicted, mid-stream, ok) on hand-built transcripts, and the texts and names every verdict is
 * given in. */

#include "classify_fixtures.h"

TEST(row_evicted)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    t->evicted = true;
    VERDICT(classify(t), "incomplete", "certain");
    CHECK(strstr(res.summary, "--max-connections") != NULL);
    tr_free(t);
}

TEST(row_no_server_response)
{
    td_transcript *t = tr_new();
    t->tcp.syn_seen = true;
    t->tcp.syn_retransmits = 2;
    for (uint64_t p = 1; p <= 3; p++) tr_packet(t, TD_C2S, p);
    VERDICT(classify(t), "no-server-response", "certain");
    CHECK(strstr(res.summary, "retransmissions") != NULL);
    CHECK(strstr(res.remedy, "port 443") != NULL && strstr(res.remedy, "10.0.0.9") != NULL);
    tr_free(t);
}

TEST(row_one_sided)
{
    td_transcript *t = tr_new();
    t->tcp.syn_seen = true;
    for (uint64_t p = 1; p <= 5; p++) tr_packet(t, TD_C2S, p);
    VERDICT(classify(t), "incomplete", "certain");
    CHECK(strstr(res.summary, "only the client's side") != NULL);
    tr_free(t);
}

TEST(row_connection_refused)
{
    td_transcript *t = tr_new();
    t->tcp.syn_seen = true;
    tr_packet(t, TD_C2S, 1);
    tcp_close(t, TD_S2C, true, 2);
    VERDICT(classify(t), "connection-refused", "certain");
    CHECK(cites(&res, 2));
    tr_free(t);
}

TEST(row_client_not_tls)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    t->tls.not_tls[TD_C2S] = true;
    t->tls.not_tls_what[TD_C2S] = strdup("HTTP request: GET / HTTP/1.1");
    t->tls.not_tls_packet[TD_C2S] = 4;
    VERDICT(classify(t), "client-not-tls", "certain");
    CHECK(strstr(res.summary, "GET / HTTP/1.1") != NULL && cites(&res, 4));
    tr_free(t);
}

TEST(row_server_not_tls)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    t->tls.not_tls[TD_S2C] = true;
    t->tls.not_tls_what[TD_S2C] = strdup("HTTP response: HTTP/1.1 400 Bad Request");
    t->tls.not_tls_packet[TD_S2C] = 5;
    VERDICT(classify(t), "server-not-tls", "certain");
    CHECK(cites(&res, 4) && cites(&res, 5));
    tr_free(t);
}

TEST(row_no_tls_response)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    tcp_close(t, TD_S2C, false, 5);
    VERDICT(classify(t), "no-tls-response", "certain");
    CHECK(strstr(res.summary, "closed without answering") != NULL);
    CHECK(!has_finding(&res, "single-version-offered"));
    tr_free(t);
    /* A client offering one version only, closed on at once without a word: a server that does
     * not speak that version does this (Python's ssl module): protocol-mismatch, likely. */
    t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    t->tls.offered_versions[0] = 0x0304;
    t->tls.n_offered_versions = 1;
    tcp_close(t, TD_S2C, false, 5);
    VERDICT(classify(t), "protocol-mismatch", "likely");
    CHECK(strstr(res.summary, "offered only TLS1.3") != NULL);
    CHECK(cites(&res, 4) && cites(&res, 5));
    tr_free(t);
    /* ... but not when the client closed first. */
    t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    t->tls.offered_versions[0] = 0x0304;
    t->tls.n_offered_versions = 1;
    tcp_close(t, TD_C2S, false, 5);
    tcp_close(t, TD_S2C, false, 6);
    CHECK_STR(td_verdict_name(classify(t)->verdict), "no-tls-response");
    tr_free(t);
    /* Still silent when the capture ends 5 s later: likely. */
    t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0304, 4);
    t->capture_end = T0 + 5;
    VERDICT(classify(t), "no-tls-response", "likely");
    tr_free(t);
}

TEST(server_closes_right_after_accepting)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    tcp_close(t, TD_S2C, true, 4);
    VERDICT(classify(t), "no-tls-response", "certain");
    CHECK(has_evidence(&res, "after accepting it, before the client had sent anything") && cites(&res, 4));
    CHECK(strstr(res.summary, "reset") != NULL);
    tr_free(t);
    /* A port probe closes from the client's side. */
    t = tr_new();
    tcp_open(t);
    tcp_close(t, TD_C2S, false, 4);
    tcp_close(t, TD_S2C, false, 5);
    CHECK_STR(td_verdict_name(classify(t)->verdict), "incomplete");
    tr_free(t);
}

TEST(row_ok)
{
    td_transcript *t = tls12(&leaf_good, "www.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    appdata12(t, TD_C2S, 100, 8);
    appdata12(t, TD_S2C, 900, 9);
    const td_result *r = classify(t);
    VERDICT(r, "ok", "certain");
    CHECK(strstr(r->summary, "TLS1.2") != NULL && strstr(r->summary, "both ways") != NULL);
    CHECK(r->remedy == NULL && !td_result_is_problem(r));
    tr_free(t);
}

TEST(row_ok_handshake_not_captured)
{
    /* Picked up mid-stream, data both ways: it works, and the report says nothing of a version
     * or cipher it never saw. */
    td_transcript *t = tr_new();
    t->tcp.midstream = true;
    appdata12(t, TD_C2S, 100, 1);
    appdata12(t, TD_S2C, 900, 2);
    const td_result *r = classify(t);
    VERDICT(r, "ok", "certain");
    CHECK(strstr(r->summary, "not in the capture") != NULL && strstr(r->summary, "0x0000") == NULL);
    CHECK(has_finding(r, "handshake-not-captured"));
    tr_free(t);
}

TEST(row_incomplete)
{
    td_transcript *t = tr_new();
    t->tcp.midstream = true;
    tr_packet(t, TD_C2S, 1);
    tr_packet(t, TD_S2C, 2);
    VERDICT(classify(t), "incomplete", "certain");
    CHECK(strstr(res.summary, "started before the capture") != NULL);
    tr_free(t);
}

TEST(long_texts_end_at_a_word)
{
    td_result r;
    memset(&r, 0, sizeof r);
    char words[1200] = "";
    for (int i = 0; i < 60; i++) strcat(words, i % 2 ? "certificate " : "intermediates ");   /* 780 bytes */
    td_result_evidence(&r, 7, "server Certificate: %s", words);
    td_result_finding(&r, "x", "info", "%s", words);
    const char *texts[2] = { r.evidence[0].what, r.findings[0].detail };
    for (int k = 0; k < 2; k++) {
        size_t n = strlen(texts[k]);
        CHECK(n > 200 && n < 256);
        CHECK(n >= 4 && strcmp(texts[k] + n - 3, "...") == 0);
        /* what precedes the dots is a whole word of the input */
        CHECK(n >= 15 && (memcmp(texts[k] + n - 14, "certificate", 11) == 0 || memcmp(texts[k] + n - 16, "intermediates", 13) == 0));
    }
    /* A short text is left alone. */
    td_result_evidence(&r, 8, "short");
    CHECK_STR(r.evidence[1].what, "short");
}

TEST(verdict_names_are_one_table)
{
    size_t n = 0;
    const char *const *names = td_verdict_list(&n);
    CHECK(n == TD_V_COUNT - TD_V_OK);
    for (size_t i = 0; i < n; i++) CHECK_STR(names[i], td_verdict_name((td_verdict)(TD_V_OK + i)));
    CHECK(td_verdict_name(TD_V_NONE) == NULL && td_verdict_name(TD_V_COUNT) == NULL);
    CHECK_STR(td_rec_label_name(TD_REC_CLIENT_EMPTY_CERT), "client-empty-certificate");
}

int main(void)
{
    if (!classify_setup()) return 1;
    RUN(row_evicted);
    RUN(server_closes_right_after_accepting);
    RUN(row_no_server_response);
    RUN(row_one_sided);
    RUN(row_connection_refused);
    RUN(row_client_not_tls);
    RUN(row_server_not_tls);
    RUN(row_no_tls_response);
    RUN(row_ok);
    RUN(row_ok_handshake_not_captured);
    RUN(row_incomplete);
    RUN(long_texts_end_at_a_word);
    RUN(verdict_names_are_one_table);
    classify_teardown();
    return check_done();
}
