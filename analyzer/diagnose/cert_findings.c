/* cert_findings.c - what the passive checks found wrong with either chain, reported whatever
 * the verdict (a connection can work and still serve an expiring or self-signed certificate). */
#include <string.h>

#include "analyzer/diagnose/result.h"
#include "analyzer/diagnose/rule_facts_int.h"

void rule_cert_findings(facts *f)
{
    const td_chain_check *c = &f->sc;
    td_result *r = f->r;
    if (c->present) {
        if (!c->trusted) td_result_finding(r, "untrusted-chain", "warning", "the server chain does not reach a trusted root: %s", c->error_text);
        if (c->incomplete)
            td_result_finding(r, "incomplete-chain", "warning", "the server sent its certificate without the intermediate %s%s%s",
                              c->missing_issuer, c->missing_issuer_url[0] ? ", published at " : "", c->missing_issuer_url);
        if (c->misordered) td_result_finding(r, "chain-order", "warning", "the server's certificates are not in issuer order");
        if (c->self_signed) td_result_finding(r, "self-signed", "warning", "the server certificate is self-signed");
        if (c->expired || c->not_yet_valid)
            td_result_finding(r, "server-cert-expired", "warning", "the server certificate is %s at the capture's time (valid %s .. %s)",
                              c->expired ? "expired" : "not yet valid", f->s->server_chain.certs[0].not_before, f->s->server_chain.certs[0].not_after);
        if (c->name_checked && !c->name_ok)
            td_result_finding(r, "name-mismatch", "warning", "%s is not among the server certificate's names", c->name);
        const td_cert *leaf = &f->s->server_chain.certs[0];
        if (leaf->not_after_t - leaf->not_before_t > 398LL * 86400 && !c->self_signed)
            td_result_finding(r, "cert-validity-too-long", "info",
                              "the server certificate is valid for %lld days; publicly trusted ones may not exceed 398",
                              (long long)((leaf->not_after_t - leaf->not_before_t) / 86400));
        if (c->weak_key) td_result_finding(r, "weak-key", "warning", "the server key is %s", f->s->server_chain.certs[0].key);
        if (c->weak_signature) td_result_finding(r, "weak-signature", "warning", "a certificate of the chain is signed with MD5 or SHA-1");
        if (c->bad_ca)
            td_result_finding(r, "bad-ca", "warning", "a certificate of the server's chain signs others but may not "
                                                       "(basicConstraints without CA:TRUE, or its path length exceeded)");
        if (c->bad_purpose) td_result_finding(r, "bad-purpose", "warning", "the server certificate may not serve TLS: %s", c->purpose);
    }
    const td_chain_check *k = &f->cc;
    if (k->present) {
        if (k->expired || k->not_yet_valid)
            td_result_finding(r, "client-cert-expired", "warning", "the client certificate is %s at the capture's time",
                              k->expired ? "expired" : "not yet valid");
        const td_tls *s = f->s;
        if (s->n_ca_names && s->client_chain.n) {
            bool listed = false;
            for (size_t i = 0; i < s->client_chain.n && !listed; i++)
                for (size_t j = 0; j < s->n_ca_names && !listed; j++)
                    if (s->client_chain.certs[i].issuer && strcmp(s->client_chain.certs[i].issuer, s->ca_names[j]) == 0) listed = true;
            if (!listed)
                td_result_finding(r, "client-cert-issuer-not-requested", "warning",
                                  "the client certificate's issuer (%s) is not among the CAs the server asked for",
                                  s->client_chain.certs[0].issuer ? s->client_chain.certs[0].issuer : "?");
        }
    }
}
