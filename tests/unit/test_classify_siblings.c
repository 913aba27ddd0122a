/* test_classify_siblings.c - the classifier's memory of recent connections on hand-built
 * transcripts: a spare connection beside a used one, a clear refusal lending its cause to a
 * sibling that shows less, and a sibling still found past a connection judged out of order. */

#include "classify_fixtures.h"

/* A TLS 1.3 connection from the client of `of`, keyless: its client sends an alert instead of
 * its Finished and closes.  Alone it shows no cause; a sibling may lend one. */
static td_transcript *keyless_refusal_beside(const td_transcript *of, uint64_t id)
{
    td_transcript *b = tls13(0x1301);
    if (of) strcpy(b->client.ip, of->client.ip);
    b->id = id;
    rec(b, TD_C2S, 19, 6);                     /* an alert instead of its Finished */
    tcp_close(b, TD_C2S, false, 7);
    return b;
}

/* The last result's sibling-failure finding names `who` ("connection #1,") and, if given, `what`. */
static bool sibling_failure_names(const char *who, const char *what)
{
    for (size_t i = 0; i < res.n_findings; i++)
        if (strcmp(res.findings[i].id, "sibling-failure") == 0)
            return strstr(res.findings[i].detail, who) && (!what || strstr(res.findings[i].detail, what));
    return false;
}

/* siblings_spare_connection_and_lent_cause, step 1: a browser's spare socket beside the one that
 * carried the request is no refusal; alone, it is a likely one. */
static void spare_connection_beside_a_used_one(td_classifier *sys)
{
    char err[256];
    /* A browser's two sockets: the first carries the request, the second finishes its handshake,
     * sends nothing and closes with the first.  Only this machine's store objects to the chain. */
    td_transcript *a = tls12(&leaf_good, "www.example.test");
    finished12(a, TD_C2S, 6);
    finished12(a, TD_S2C, 7);
    appdata12(a, TD_C2S, 300, 8);
    appdata12(a, TD_S2C, 900, 9);
    tcp_close(a, TD_C2S, false, 20);
    VERDICT(classify_no_anchors(sys, a), "ok", "certain");
    td_transcript *b = tls12(&leaf_good, "www.example.test");
    strcpy(b->client.ip, a->client.ip);
    b->client.port++;
    b->id = 2;
    finished12(b, TD_C2S, 6);
    finished12(b, TD_S2C, 7);
    tcp_close(b, TD_C2S, false, 20);
    VERDICT(classify_no_anchors(sys, b), "ok", "certain");
    CHECK(has_finding(&res, "unused-connection"));
    tr_free(a);
    /* Alone, the same spare is a likely refusal. */
    td_classifier *fresh = td_classifier_new(NULL, NULL, err, sizeof err);
    CHECK(fresh != NULL);
    if (fresh) {
        VERDICT(classify_no_anchors(fresh, b), "unknown-ca", "likely");
        td_classifier_free(fresh);
    }
    tr_free(b);
}

/* Step 2: a clear refusal lends its cause to a TLS 1.3 sibling that shows less. */
static void refusal_lends_its_cause_to_a_tls13_sibling(td_classifier *sys)
{
    /* A clear refusal lends its cause to a sibling that shows less (TLS 1.3, keyless). */
    td_transcript *a = tls12(&leaf_good, "www.example.test");
    alert(a, TD_C2S, 2, 48, false, 6);
    VERDICT(classify_no_anchors(sys, a), "unknown-ca", "certain");
    td_transcript *b = keyless_refusal_beside(a, 7);
    /* (TLS 1.3 hid the certificate; the sibling showed it, and only this machine's store
     * objects to it: unknown-ca, likely.) */
    VERDICT(classify_no_anchors(sys, b), "unknown-ca", "likely");
    CHECK(sibling_failure_names("connection #1,", "unknown-ca (certain)"));
    tr_free(a);
    tr_free(b);
}

/* Step 3: a TLS 1.2 sibling was shown the certificate expired.  Its transcript is returned, kept
 * until the end of the test. */
static td_transcript *expired_certificate_shown_to_a_sibling(td_classifier *sys)
{
    /* TLS 1.3 hides the certificate; a TLS 1.2 sibling showed it expired: named, likely. */
    td_transcript *a = tls12(&leaf_expired, "www.example.test");
    alert(a, TD_C2S, 2, 45, false, 6);
    VERDICT(classify_no_anchors(sys, a), "server-cert-expired", "certain");
    td_transcript *b = keyless_refusal_beside(a, 9);
    VERDICT(classify_no_anchors(sys, b), "server-cert-expired", "likely");
    CHECK(has_evidence(&res, "was shown the certificate TLS 1.3 hides here: it is out of date"));
    CHECK(strstr(res.remedy, "2022-01-01") != NULL);
    tr_free(b);
    return a;
}

/* Step 4: curl's close after the handshake, with a sibling shown a certificate for another name. */
static void close_after_handshake_beside_a_misnamed_sibling(td_classifier *sys)
{
    /* curl leaves after the handshake with close_notify and a FIN (no reset): with a sibling shown
     * a certificate for another name, that close is the refusal. */
    td_transcript *n12 = tls12(&leaf_good, "www.example.test");
    strcpy(n12->client.ip, "10.9.9.9");
    free(n12->tls.sni);
    n12->tls.sni = strdup("other.example.test");
    finished12(n12, TD_C2S, 6);
    finished12(n12, TD_S2C, 7);
    tcp_close(n12, TD_C2S, false, 8);
    VERDICT(classify_no_anchors(sys, n12), "name-mismatch", "likely");
    td_transcript *n13 = tls13(0x1301);
    strcpy(n13->client.ip, "10.9.9.9");
    free(n13->tls.sni);
    n13->tls.sni = strdup("other.example.test");
    n13->id = 11;
    rec(n13, TD_C2S, 53, 6);                   /* Finished */
    rec(n13, TD_C2S, 19, 7);                   /* close_notify */
    tcp_close(n13, TD_C2S, false, 7);
    VERDICT(classify_no_anchors(sys, n13), "name-mismatch", "likely");
    CHECK(has_evidence(&res, "it does not name the host asked for (other.example.test)"));
    tr_free(n12);
    tr_free(n13);
}

/* Step 5: Chromium's drop at the CertificateRequest, explained by its next connection. */
static void drop_explained_by_an_empty_certificate_after_it(td_classifier *sys)
{
    /* Chromium drops a TLS 1.3 connection at the (encrypted) CertificateRequest without a word,
     * then comes back with an empty Certificate: that sibling shows the server asks for one. */
    td_transcript *drop = tls13(0x1301);
    strcpy(drop->client.ip, "10.9.9.8");
    drop->id = 20;
    tcp_close(drop, TD_C2S, false, 6);
    VERDICT(classify_no_anchors(sys, drop), "server-cert-rejected", "likely");   /* alone */
    td_transcript *back = tls13(0x1301);
    strcpy(back->client.ip, "10.9.9.8");
    back->id = 21;
    rec(back, TD_C2S, 61, 6);                  /* empty Certificate and Finished */
    rec(back, TD_S2C, 19, 7);                  /* the server's alert */
    tcp_close(back, TD_S2C, false, 8);
    VERDICT(classify_no_anchors(sys, back), "client-cert-missing", "likely");
    td_classify_again(sys, drop, &res);
    VERDICT(&res, "client-cert-missing", "likely");
    CHECK(strstr(res.summary, "dropped the connection") != NULL && has_evidence(&res, "connection #21"));
    tr_free(drop);
    tr_free(back);
}

/* A connection judged out of start order (one the engine let pass while it was open) comes first
 * in its bucket with an early start; a lookup must not stop there (analyzer/diagnose/siblings.c,
 * past_window: only a node remembered in start order ends the walk), or the refusal remembered
 * before it is lost. */
TEST(siblings_found_past_a_connection_judged_out_of_order)
{
    char err[256];
    td_classifier *sys = td_classifier_new(NULL, NULL, err, sizeof err);
    CHECK(sys != NULL);
    if (!sys) return;
    td_transcript *refusal = tls12(&leaf_good, "www.example.test");
    alert(refusal, TD_C2S, 2, 48, false, 6);
    VERDICT(classify_no_anchors(sys, refusal), "unknown-ca", "certain");
    td_transcript *early = tls12(&leaf_good, "www.example.test");      /* began 200 s before, judged after */
    strcpy(early->client.ip, refusal->client.ip);
    early->client.port++;
    early->id = 2;
    early->start -= 200;                       /* past both windows: siblings 10 s, certificates 120 s */
    finished12(early, TD_C2S, 6);
    finished12(early, TD_S2C, 7);
    appdata12(early, TD_C2S, 300, 8);
    appdata12(early, TD_S2C, 900, 9);
    VERDICT(classify_no_anchors(sys, early), "ok", "certain");
    td_transcript *b = keyless_refusal_beside(refusal, 7);
    VERDICT(classify_no_anchors(sys, b), "unknown-ca", "likely");
    CHECK(sibling_failure_names("connection #1,", NULL));
    tr_free(refusal);
    tr_free(early);
    tr_free(b);
    td_classifier_free(sys);
}

TEST(siblings_spare_connection_and_lent_cause)
{
    char err[256];
    unsetenv("SSL_CERT_FILE");
    td_classifier *sys = td_classifier_new(NULL, NULL, err, sizeof err);
    CHECK(sys != NULL);
    if (!sys) return;
    spare_connection_beside_a_used_one(sys);
    refusal_lends_its_cause_to_a_tls13_sibling(sys);
    td_transcript *a = expired_certificate_shown_to_a_sibling(sys);
    close_after_handshake_beside_a_misnamed_sibling(sys);
    drop_explained_by_an_empty_certificate_after_it(sys);
    /* ... but not for another client. */
    td_transcript *b = keyless_refusal_beside(NULL, 1);
    VERDICT(classify_no_anchors(sys, b), "server-cert-rejected", "likely");
    tr_free(a);
    tr_free(b);
    td_classifier_free(sys);
}

int main(void)
{
    if (!classify_setup()) return 1;
    RUN(siblings_spare_connection_and_lent_cause);
    RUN(siblings_found_past_a_connection_judged_out_of_order);
    classify_teardown();
    return check_done();
}
