/* test_classify_server_cert.c - the server certificate rows of the verdict table on hand-built
 * transcripts: untrusted, incomplete, misnamed, expired and defective chains, silent refusals, and
 * how sure a verdict is with the user's trust anchors or this machine's store. */

#include "classify_fixtures.h"

TEST(row_unknown_ca)
{
    td_transcript *t = tls12(&leaf_other, "www.example.test");
    alert(t, TD_C2S, 2, 48, false, 6);
    tcp_close(t, TD_C2S, false, 7);
    VERDICT(classify(t), "unknown-ca", "certain");
    CHECK(strstr(res.summary, "CN=Other CA") != NULL);
    /* A complete chain that ends at an untrusted root: the fix is trust, not "send the chain". */
    CHECK(strstr(res.remedy, "trust store") != NULL && strstr(res.remedy, "full chain") == NULL);
    CHECK(has_finding(&res, "untrusted-chain"));
    tr_free(t);
}

TEST(row_incomplete_chain)
{
    /* The leaf alone, issued by an intermediate it names the URL of: the server left it out. */
    td_transcript *t = tls12(&leaf_via_inter, "www.example.test");
    alert(t, TD_C2S, 2, 48, false, 6);
    VERDICT(classify(t), "incomplete-chain", "certain");
    CHECK(strstr(res.summary, "CN=Test Intermediate") != NULL);
    CHECK(strstr(res.remedy, "full chain") != NULL && strstr(res.remedy, "http://ca.example.test/inter.crt") != NULL);
    CHECK(has_finding(&res, "incomplete-chain"));
    tr_free(t);
}

TEST(leaf_alone_from_a_private_root_is_not_called_incomplete)
{
    /* No AIA: its issuer may be a private root as well as a missing intermediate; say both. */
    td_transcript *t = tls12(&leaf_private, "www.example.test");
    alert(t, TD_C2S, 2, 48, false, 6);
    VERDICT(classify(t), "unknown-ca", "certain");
    CHECK(strstr(res.summary, "CN=Private Root") != NULL && strstr(res.remedy, "trust store") != NULL);
    CHECK(!has_finding(&res, "incomplete-chain"));
    tr_free(t);
}

TEST(row_name_mismatch)
{
    td_transcript *t = tls12(&leaf_good, "other.example.test");
    alert(t, TD_C2S, 2, 42, false, 6);
    VERDICT(classify(t), "name-mismatch", "certain");
    CHECK(strstr(res.summary, "other.example.test") != NULL);
    tr_free(t);
    /* curl: finishes the handshake, then closes without a request. */
    t = tls12(&leaf_good, "other.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    tcp_close(t, TD_C2S, false, 8);
    VERDICT(classify(t), "name-mismatch", "likely");
    tr_free(t);
}

TEST(no_sni_close_after_handshake_is_a_likely_name_mismatch)
{
    /* No SNI: a client that connects by address sends none (RFC 6066), so the address is the
     * name checked (DESIGN.md's name-mismatch row); but an old client may have wanted a name, so
     * the verdict stays likely even when all the client sent was read. */
    der self = leaf_good;
    td_transcript *t = tls12(&self, NULL);
    strcpy(t->server.ip, "10.0.0.77");         /* not in the certificate */
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    tcp_close(t, TD_C2S, false, 8);
    VERDICT(classify(t), "name-mismatch", "likely");
    CHECK(strstr(res.summary, "10.0.0.77") != NULL && has_finding(&res, "no-sni"));
    tr_free(t);
}

TEST(no_sni_server_closes_first_is_ok_with_a_warning)
{
    /* The server ended it: nothing says the client refused anything, only that the address is
     * not among the names (a finding). */
    der self = leaf_good;
    td_transcript *t = tls12(&self, NULL);
    strcpy(t->server.ip, "10.0.0.77");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    tcp_close(t, TD_S2C, false, 8);
    VERDICT(classify(t), "ok", "likely");
    CHECK(has_finding(&res, "name-unverified") && has_finding(&res, "no-sni"));
    tr_free(t);
}

TEST(row_server_cert_expired)
{
    td_transcript *t = tls12(&leaf_expired, "www.example.test");
    alert(t, TD_C2S, 2, 45, false, 6);
    VERDICT(classify(t), "server-cert-expired", "certain");
    CHECK(strstr(res.remedy, "2022-01-01") != NULL);
    tr_free(t);
}

TEST(row_server_cert_rejected)
{
    td_transcript *t = tls12(&leaf_good, "www.example.test");
    alert(t, TD_C2S, 2, 42, false, 6);           /* bad_certificate, and nothing wrong is visible */
    VERDICT(classify(t), "server-cert-rejected", "certain");
    tr_free(t);
}

TEST(post_handshake_close_with_untrusted_chain)
{
    /* wget (GnuTLS) and Node check the chain after the handshake and then just close. */
    td_transcript *t = tls12(&leaf_other, "www.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    alert(t, TD_C2S, 0, 0, true, 8);
    tcp_close(t, TD_C2S, false, 8);
    VERDICT(classify(t), "unknown-ca", "likely");
    CHECK(cites(&res, 8));
    tr_free(t);
    /* The same close with a chain that checks out is a probe: ok. */
    t = tls12(&leaf_good, "www.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    tcp_close(t, TD_C2S, false, 8);
    VERDICT(classify(t), "ok", "certain");
    tr_free(t);
}

/* silent_refusal_certain_only_when_all_was_read_and_the_reason_is_no_guess, step 1: a client that
 * gives up after the server's first flight, with the user's anchors and with this machine's store. */
static void silent_refusal_after_the_servers_flight(void)
{
    /* A client that gives up after the server's first flight, without a ClientKeyExchange or an
     * alert (JSSE does): all it sent is in the clear, and the name it asked for is not covered. */
    td_transcript *t = tls12(&leaf_good, "other.example.test");
    tcp_close(t, TD_C2S, false, 6);
    VERDICT(classify(t), "name-mismatch", "certain");
    CHECK(strncmp(res.summary, "the client gave up the handshake", 32) == 0 && cites(&res, 6));
    tr_free(t);
    /* An untrusted issuer: certain with the trust anchors the user named (this classifier's)... */
    t = tls12(&leaf_other, "www.example.test");
    tcp_close(t, TD_C2S, false, 6);
    VERDICT(classify(t), "unknown-ca", "certain");
    /* ... likely with this machine's store, which need not be the client's. */
    char err[256];
    td_classifier *system = td_classifier_new(NULL, NULL, err, sizeof err);
    CHECK(system != NULL);
    if (system) {
        td_classify(system, t, &res);
        CHECK_STR(td_verdict_name(res.verdict), "unknown-ca");
        CHECK_STR(res.confidence, "likely");
        td_classifier_free(system);
    }
    tr_free(t);
}

/* Step 2: a client that completed the handshake, then left without a request. */
static void silent_refusal_after_the_handshake(void)
{
    /* Completed the handshake, then left without a request: keyless, its encrypted records were
     * not read (likely); read with a key log, they were (certain). */
    td_transcript *t = tls12(&leaf_good, "other.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    alert(t, TD_C2S, 0, 0, true, 8);
    tcp_close(t, TD_C2S, false, 8);
    VERDICT(classify(t), "name-mismatch", "likely");
    tr_free(t);
    t = tls12(&leaf_good, "other.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    alert(t, TD_C2S, 1, 0, false, 8);          /* close_notify, decrypted */
    tcp_close(t, TD_C2S, false, 8);
    as_decrypted(t);
    VERDICT(classify(t), "name-mismatch", "certain");
    CHECK(strncmp(res.summary, "the client completed the handshake, then closed without sending a request", 73) == 0);
    tr_free(t);
    /* A record the key log did not open leaves it likely. */
    t = tls12(&leaf_good, "other.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    alert(t, TD_C2S, 0, 0, true, 8);           /* not opened */
    tcp_close(t, TD_C2S, false, 8);
    as_decrypted(t);
    VERDICT(classify(t), "name-mismatch", "likely");
    tr_free(t);
}

/* Step 3: no SNI, so the name the client checked is not on the wire. */
static void silent_refusal_without_sni(void)
{
    /* No SNI: the name the client checked is not on the wire.  With the trust anchors the user
     * named, a chain that reaches them and is in date leaves the name as the only check that
     * failed, whatever name the client asked for: certain. */
    td_transcript *t = tls12(&leaf_good, NULL);
    strcpy(t->server.ip, "10.0.0.77");
    tcp_close(t, TD_C2S, false, 6);
    VERDICT(classify(t), "name-mismatch", "certain");
    CHECK(has_evidence(&res, "the name is the check that failed"));
    /* ... with this machine's store, the client's may lack the root: likely.  (SSL_CERT_FILE
     * makes this machine's store trust the test root, so only whose anchors they are differs.) */
    char err[256];
    td_classifier *system = td_classifier_new(NULL, NULL, err, sizeof err);
    CHECK(system != NULL);
    if (system) {
        setenv("SSL_CERT_FILE", root_pem, 1);     /* read at the first chain classified */
        td_classify(system, t, &res);
        unsetenv("SSL_CERT_FILE");
        CHECK_STR(td_verdict_name(res.verdict), "name-mismatch");
        CHECK_STR(res.confidence, "likely");
        td_classifier_free(system);
    }
    tr_free(t);
    /* ... and with an expired certificate, the dates are certain from the wire while the name
     * (no SNI) is only inferred: the expiry is named, the name stays a finding. */
    t = tls12(&leaf_expired, NULL);
    strcpy(t->server.ip, "10.0.0.77");
    tcp_close(t, TD_C2S, false, 6);
    VERDICT(classify(t), "server-cert-expired", "certain");
    CHECK(!has_evidence(&res, "the name is the check that failed"));
    CHECK(has_finding(&res, "name-mismatch"));
    tr_free(t);
}

TEST(silent_refusal_certain_only_when_all_was_read_and_the_reason_is_no_guess)
{
    silent_refusal_after_the_servers_flight();
    silent_refusal_after_the_handshake();
    silent_refusal_without_sni();
}

/* no_anchors_certain_defects_beat_this_machines_store, step 1: what the wire shows wrong with the
 * certificate is certain, whatever this machine's store (sys) says. */
static void no_anchors_named_defects_are_certain(td_classifier *sys)
{
    /* bad_certificate names no check.  The name (SNI against the SANs) is certain from the wire;
     * that this machine does not know the private root says nothing of the client. */
    td_transcript *t = tls12(&leaf_good, "other.example.test");
    alert(t, TD_C2S, 2, 42, false, 6);
    VERDICT(classify_no_anchors(sys, t), "name-mismatch", "certain");
    CHECK(has_finding(&res, "untrusted-chain"));
    CHECK(has_evidence(&res, "that store is not the client's"));
    tr_free(t);
    /* The dates likewise (Chromium's certificate_unknown). */
    t = tls12(&leaf_expired, "www.example.test");
    alert(t, TD_C2S, 2, 46, false, 6);
    VERDICT(classify_no_anchors(sys, t), "server-cert-expired", "certain");
    tr_free(t);
    /* The leaf's purpose: an extendedKeyUsage without serverAuth, named. */
    t = tls12(&leaf_client_eku, "www.example.test");
    alert(t, TD_C2S, 2, 43, false, 6);
    VERDICT(classify_no_anchors(sys, t), "server-cert-rejected", "certain");
    CHECK(strstr(res.summary, "does not include serverAuth") != NULL);
    CHECK(has_finding(&res, "bad-purpose"));
    tr_free(t);
    /* A chain through a certificate that may not sign (basicConstraints), named; with the anchors
     * named too, not taken for an untrusted root. */
    der pair[2] = { leaf_via_non_ca, non_ca };
    t = tr_new();
    tcp_open(t);
    client_hello(t, "www.example.test", 0x0303, 4);
    server_hello(t, 0x0303, 0xc02f, 5);
    chain(t, &t->tls.server_chain, pair, 2, 5);
    t->tls.server_hello_done = true;
    alert(t, TD_C2S, 2, 42, false, 6);
    VERDICT(classify_no_anchors(sys, t), "server-cert-rejected", "certain");
    CHECK(strstr(res.summary, "basicConstraints") != NULL && has_finding(&res, "bad-ca"));
    VERDICT(classify(t), "server-cert-rejected", "certain");
    tr_free(t);
    /* An RSA-1024 key, named. */
    t = tls12(&leaf_rsa1024, "www.example.test");
    alert(t, TD_C2S, 2, 42, false, 6);
    VERDICT(classify_no_anchors(sys, t), "server-cert-rejected", "certain");
    CHECK(strstr(res.summary, "RSA-1024") != NULL);
    tr_free(t);
}

/* Step 2: nothing wrong but what this machine's store (sys) says. */
static void no_anchors_only_the_store_objects(td_classifier *sys)
{
    /* Nothing wrong but what this machine's store says: unknown-ca, only likely, and the
     * evidence says how to make it certain. */
    td_transcript *t = tls12(&leaf_good, "www.example.test");
    alert(t, TD_C2S, 2, 42, false, 6);
    VERDICT(classify_no_anchors(sys, t), "unknown-ca", "likely");
    CHECK(has_evidence(&res, "--cacert"));
    tr_free(t);
    /* unknown_ca itself names the check: certain whatever the store. */
    t = tls12(&leaf_good, "other.example.test");
    alert(t, TD_C2S, 2, 48, false, 6);
    VERDICT(classify_no_anchors(sys, t), "unknown-ca", "certain");
    tr_free(t);
    /* A close after the handshake with an encrypted alert, only the store objecting: close_notify
     * from a probe that is done, or NSS's fatal alert after its Finished; ok, but only likely,
     * and a warning says which two readings there are ... */
    t = tls12(&leaf_good, "www.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    alert(t, TD_C2S, 0, 0, true, 8);
    tcp_close(t, TD_C2S, false, 8);
    VERDICT(classify_no_anchors(sys, t), "ok", "likely");
    CHECK(has_finding(&res, "client-alert-unread"));
    tr_free(t);
    /* ... and the same with the client's roots named and trusted is a probe, certain. */
    t = tls12(&leaf_good, "www.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    alert(t, TD_C2S, 0, 0, true, 8);
    tcp_close(t, TD_C2S, false, 8);
    VERDICT(classify(t), "ok", "certain");
    CHECK(!has_finding(&res, "client-alert-unread"));
    tr_free(t);
    /* ... without it (wget, Node drop the connection): the refusal is likely. */
    t = tls12(&leaf_good, "www.example.test");
    finished12(t, TD_C2S, 6);
    finished12(t, TD_S2C, 7);
    tcp_close(t, TD_C2S, false, 8);
    VERDICT(classify_no_anchors(sys, t), "unknown-ca", "likely");
    tr_free(t);
}

TEST(no_anchors_certain_defects_beat_this_machines_store)
{
    char err[256];
    unsetenv("SSL_CERT_FILE");
    td_classifier *sys = td_classifier_new(NULL, NULL, err, sizeof err);
    CHECK(sys != NULL);
    if (!sys) return;
    no_anchors_named_defects_are_certain(sys);
    no_anchors_only_the_store_objects(sys);
    td_classifier_free(sys);
    /* With anchors named (--cacert of another CA: the user states the client's trust), the
     * untrusted root is as certain as the name and comes first, as OpenSSL checks it first. */
    td_transcript *t = tls12(&leaf_other, "other.example.test");
    alert(t, TD_C2S, 2, 42, false, 6);
    VERDICT(classify(t), "unknown-ca", "certain");
    CHECK(has_finding(&res, "name-mismatch"));
    CHECK(has_evidence(&res, "trust anchors given with --cacert"));
    tr_free(t);
}

int main(void)
{
    if (!classify_setup()) return 1;
    RUN(no_anchors_certain_defects_beat_this_machines_store);
    RUN(row_unknown_ca);
    RUN(row_incomplete_chain);
    RUN(leaf_alone_from_a_private_root_is_not_called_incomplete);
    RUN(row_name_mismatch);
    RUN(no_sni_close_after_handshake_is_a_likely_name_mismatch);
    RUN(no_sni_server_closes_first_is_ok_with_a_warning);
    RUN(row_server_cert_expired);
    RUN(row_server_cert_rejected);
    RUN(post_handshake_close_with_untrusted_chain);
    RUN(silent_refusal_certain_only_when_all_was_read_and_the_reason_is_no_guess);
    classify_teardown();
    return check_done();
}
