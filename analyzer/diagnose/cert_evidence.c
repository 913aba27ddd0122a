/* cert_evidence.c - which defect of the server's certificate a refusing client acted on, by the
 * strength of the evidence for each (issue 21).
 *
 * The analyst's trust store is not the client's: private CAs are the common case, so "this
 * machine does not trust the issuer" is the weakest evidence there is.  A certificate's own facts
 * (the name the client asked for against its SAN/CN, its dates at the capture's time, its key,
 * its signature hash, its purpose) are certain from the wire whatever anyone trusts, and rank
 * above it (so does a CA certificate that may not sign: basicConstraints).  Trust anchors the
 * user named (--cacert, --capath) state the client's trust: then an
 * untrusted issuer is certain too, and comes first among equals, as OpenSSL builds the chain
 * before it checks the name and the dates.  An alert with a specific code (unknown_ca,
 * certificate_expired) outranks everything the passive checks say. */
#include <stdio.h>

#include <openssl/x509_vfy.h>

#include "analyzer/diagnose/rule_facts_int.h"
#include "analyzer/diagnose/siblings_int.h"

static const char *const strength_names[] = {
    [EV_NONE] = "none", [EV_STORE] = "this machine's trust store", [EV_INFERRED] = "inferred",
    [EV_WIRE] = "certain from the certificate", [EV_ALERT] = "the client's alert",
    [EV_KEYLOG] = "the client's alert, read with the key log",
};

const char *ev_strength_name(ev_strength s)
{
    return (unsigned)s <= EV_KEYLOG ? strength_names[s] : "?";
}

/* Without SNI the name the client checked is not on the wire: the address, most likely.  It is
 * still certain when the chain reaches the anchors the user named and is in date: a name the
 * certificate lists would have passed, whichever name the client asked for. */
static ev_strength name_strength(const facts *f)
{
    const td_chain_check *c = &f->sc;
    if (f->s->sni) return EV_WIRE;
    bool eliminated = f->anchors_named && c->trusted && !c->expired && !c->not_yet_valid && !c->chain_expired;
    return eliminated ? EV_WIRE : EV_INFERRED;
}

/* The chain fails for want of a trust anchor (not only because the leaf's purpose is wrong,
 * which OpenSSL also reports as a verify error). */
static bool trust_objects(const td_chain_check *c)
{
    bool own_defect = (c->bad_purpose && c->error == X509_V_ERR_INVALID_PURPOSE) ||
                      (c->bad_ca && (c->error == X509_V_ERR_INVALID_CA || c->error == X509_V_ERR_INVALID_NON_CA ||
                                     c->error == X509_V_ERR_PATH_LENGTH_EXCEEDED));
    return !c->trusted && !(own_defect && !c->unknown_root && !c->incomplete && !c->issuer_unknown);
}

size_t cert_causes(const facts *f, cert_cause *out)
{
    const td_chain_check *c = &f->sc;
    size_t n = 0;
    if (!c->present && f->borrowed) {
        /* TLS 1.3 hid it: what a sibling was shown, no more than inferred for this connection. */
        for (size_t i = 0; i < f->borrowed->n_causes && i < CERT_MAX_CAUSES; i++) {
            out[n] = f->borrowed->causes[i];
            if (out[n].strength > EV_INFERRED) out[n].strength = EV_INFERRED;
            n++;
        }
        return n;
    }
    if (!c->present) return 0;
    if (trust_objects(c))
        out[n++] = (cert_cause){ c->incomplete ? CERT_INCOMPLETE : CERT_UNTRUSTED, f->anchors_named ? EV_WIRE : EV_STORE };
    if (c->name_checked && !c->name_ok) out[n++] = (cert_cause){ CERT_NAME, name_strength(f) };
    if (c->expired || c->not_yet_valid || c->chain_expired) out[n++] = (cert_cause){ CERT_DATES, EV_WIRE };
    if (c->weak_key || c->weak_signature || c->bad_purpose || c->bad_ca) out[n++] = (cert_cause){ CERT_WEAK, EV_WIRE };
    /* Strongest first; a stable insertion sort keeps the checking order among equals. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && out[j].strength > out[j - 1].strength; j--) {
            cert_cause t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

cert_cause cert_cause_for(const facts *f, const td_alert *a)
{
    ev_strength said = f->decrypted ? EV_KEYLOG : EV_ALERT;
    if (a && a->code == 48) {                      /* unknown_ca: an intermediate left out, or the root? */
        bool incomplete = f->sc.present && f->sc.incomplete;
        for (size_t i = 0; !f->sc.present && f->borrowed && i < f->borrowed->n_causes; i++)
            if (f->borrowed->causes[i].reason == CERT_INCOMPLETE) incomplete = true;   /* as a sibling showed */
        return (cert_cause){ incomplete ? CERT_INCOMPLETE : CERT_UNTRUSTED, said };
    }
    if (a && a->code == 45) return (cert_cause){ CERT_DATES, said };   /* certificate_expired */
    cert_cause all[CERT_MAX_CAUSES];
    size_t n = cert_causes(f, all);
    if (n) return all[0];
    /* Nothing is wrong as far as the wire shows: the refusal itself is what the alert proves. */
    return (cert_cause){ CERT_OTHER, a ? said : EV_NONE };
}

const char *cert_weak_text(const facts *f, char *buf, size_t len)
{
    const td_chain_check *c = &f->sc;
    const td_chain *ch = &f->s->server_chain;
    if (c->bad_purpose) snprintf(buf, len, "%s", c->purpose);
    else if (c->bad_ca) snprintf(buf, len, "a certificate of its chain signs others but may not (basicConstraints without CA:TRUE, or its path length)");
    else if (c->weak_key && ch->n) snprintf(buf, len, "its key is %s, below the 2048 bits current clients require", ch->certs[0].key);
    else if (c->weak_signature) snprintf(buf, len, "a certificate of its chain is signed with SHA-1 or MD5, which current clients refuse");
    else return NULL;
    return buf;
}
