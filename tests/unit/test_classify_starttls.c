/* test_classify_starttls.c - the STARTTLS rows of the verdict table (starttls-refused, client-not-tls
 * when the client never asked) and the finding starttls-stripped, on hand-built transcripts. */

#include "classify_fixtures.h"

/* An SMTP dialogue before TLS: the server's capability list at packet 6, the request at 7 and the
 * answer at 8, as the arguments say. */
static td_transcript *smtp(bool offered, bool requested, const char *reply)
{
    td_transcript *t = tr_new();
    tcp_open(t);
    t->server.port = 25;
    for (int d = 0; d < 2; d++) {
        t->tls.not_tls[d] = true;
        t->tls.not_tls_what[d] = strdup(d ? "text protocol reply: 220 mx ESMTP" : "mail/FTP command: EHLO c");
        t->tls.not_tls_packet[d] = d ? 4 : 5;
    }
    td_starttls *x = calloc(1, sizeof *x);
    x->protocol = TD_STLS_SMTP;
    x->caps_seen = true;
    x->caps_packet = 6;
    x->offered = offered;
    x->requested = requested;
    x->request_packet = requested ? 7 : 0;
    if (reply) {
        x->answered = true;
        x->accepted = reply[0] == '2';
        x->reply_packet = 8;
        snprintf(x->reply, sizeof x->reply, "%s", reply);
    }
    t->tls.stls = x;
    return t;
}

TEST(refused)
{
    td_transcript *t = smtp(true, true, "454 4.7.0 TLS not available due to local problem");
    VERDICT(classify(t), "starttls-refused", "certain");
    CHECK(strstr(res.summary, "refused STARTTLS (smtp): 454 4.7.0") != NULL);
    CHECK(cites(&res, 6) && cites(&res, 7) && cites(&res, 8));
    CHECK(res.kb_section == NULL && res.remedy && strstr(res.remedy, "10.0.0.9:25") != NULL);
    tr_free(t);
}

TEST(not_offered_asked_anyway)
{
    td_transcript *t = smtp(false, true, "502 5.5.1 Error: command not implemented");
    VERDICT(classify(t), "starttls-refused", "certain");
    CHECK(strstr(res.summary, "does not offer STARTTLS (smtp) and refused") != NULL);
    CHECK(has_evidence(&res, "does not offer STARTTLS"));
    tr_free(t);
}

TEST(not_offered_client_gave_up)
{
    td_transcript *t = smtp(false, false, NULL);
    VERDICT(classify(t), "starttls-refused", "certain");
    CHECK(strstr(res.summary, "the client did not ask") != NULL && cites(&res, 6));
    tr_free(t);
}

TEST(offered_never_asked)
{
    td_transcript *t = smtp(true, false, NULL);
    VERDICT(classify(t), "client-not-tls", "certain");
    CHECK(strstr(res.summary, "offered STARTTLS (smtp) but the client did not ask") != NULL);
    CHECK(strstr(res.remedy, "require STARTTLS") != NULL);
    tr_free(t);
}

TEST(asked_no_answer_yet_is_not_refused)
{
    td_transcript *t = smtp(true, true, NULL);
    CHECK(strcmp(td_verdict_name(classify(t)->verdict), "starttls-refused") != 0);
    tr_free(t);
}

TEST(stripped_by_overwriting)
{
    td_transcript *t = smtp(false, false, NULL);
    t->tls.stls->tampered = true;
    snprintf(t->tls.stls->tamper, sizeof t->tls.stls->tamper, "XXXXXXXA");
    VERDICT(classify(t), "starttls-refused", "certain");
    CHECK(has_finding(&res, "starttls-stripped"));
    tr_free(t);
}

TEST(stripped_after_an_earlier_offer)
{
    td_transcript *a = smtp(true, true, "220 2.0.0 Ready to start TLS");
    a->id = 7;
    classify(a);
    CHECK(!has_finding(&res, "starttls-stripped"));
    td_transcript *b = smtp(false, false, NULL);
    b->id = 8;
    classify(b);                                   /* another client: remembered by host pair (--shard's key) */
    CHECK(!has_finding(&res, "starttls-stripped"));
    strcpy(b->client.ip, a->client.ip);
    classify(b);
    CHECK(has_finding(&res, "starttls-stripped"));
    CHECK(res.n_findings && strstr(res.findings[res.n_findings - 1].detail, "connection #7") != NULL);
    b->server.port = 587;                          /* another service of the host: no memory of it */
    classify(b);
    CHECK(!has_finding(&res, "starttls-stripped"));
    tr_free(a);
    tr_free(b);
}

int main(void)
{
    if (!classify_setup()) return 1;
    RUN(refused);
    RUN(not_offered_asked_anyway);
    RUN(not_offered_client_gave_up);
    RUN(offered_never_asked);
    RUN(asked_no_answer_yet_is_not_refused);
    RUN(stripped_by_overwriting);
    RUN(stripped_after_an_earlier_offer);
    classify_teardown();
    return check_done();
}
