/* rules.c - the verdict table.
 *
 * Each row names a verdict, the section of KB Q197306 it answers, the remedy, and a match
 * function over the transcript.  The rows are in handshake order: the first that matches is the
 * first thing that went wrong.  A match is "certain" when the packets show it in the clear and
 * "likely" when it is inferred (TLS 1.3 hides certificates and most alerts: sizes, order and
 * the passive certificate checks stand in for them).  A new symptom is a new row. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "cert_cache.h"
#include "certcheck.h"
#include "classify_priv.h"
#include "dissect.h"

static const char *const verdicts[] = {
    "ok", "no-server-response", "connection-refused", "no-tls-response", "server-not-tls",
    "client-not-tls", "protocol-mismatch", "unknown-ca", "name-mismatch", "server-cert-expired",
    "server-cert-rejected", "client-cert-missing", "client-cert-rejected", "handshake-aborted",
    "incomplete",
};

const char *const *td_verdict_list(size_t *n)
{
    *n = sizeof verdicts / sizeof verdicts[0];
    return verdicts;
}

struct td_classifier {
    X509_STORE *store;
    bool system_store_owed;        /* no --cacert/--capath: the system store, loaded when first needed */
    td_cert_cache *cache;          /* chains checked before (NULL: check every time) */
};

td_classifier *td_classifier_new(const char *cacert, const char *capath, char *err, size_t errlen)
{
    td_classifier *c = calloc(1, sizeof *c);
    if (!c || !(c->store = X509_STORE_new())) {
        snprintf(err, errlen, "out of memory");
        free(c);
        return NULL;
    }
    int ok = 1;
    if (cacert || capath) {
        if (cacert && !X509_STORE_load_file(c->store, cacert)) {
            snprintf(err, errlen, "%s: cannot load trust anchors (want PEM certificates)", cacert);
            ok = 0;
        }
        if (ok && capath && !X509_STORE_load_path(c->store, capath)) {
            snprintf(err, errlen, "%s: cannot use as a CA directory", capath);
            ok = 0;
        }
    } else {
        /* Reading the system bundle costs ~20 ms: not worth paying for a capture that never
         * shows a certificate (TLS 1.3 hides them). */
        c->system_store_owed = true;
    }
    ERR_clear_error();
    if (!ok) {
        td_classifier_free(c);
        return NULL;
    }
    c->cache = td_cert_cache_new(1024);
    return c;
}

void td_classifier_free(td_classifier *c)
{
    if (!c) return;
    X509_STORE_free(c->store);
    td_cert_cache_free(c->cache);
    free(c);
}

/* ---- what the rules look at --------------------------------------------------------------- */

typedef struct facts {
    const td_transcript *t;
    const td_tls *s;
    const td_tcp *tcp;
    td_result *r;
    td_chain_check sc, cc;         /* server and client chain checks */
    bool tls13;
    const td_alert *fatal;         /* first fatal alert, or first encrypted alert during the handshake */
    bool hs_done;                  /* both sides finished the handshake */
    bool client_aborted_13;        /* TLS 1.3: the client's first encrypted record is alert-sized */
    uint32_t client_enc_first;     /* TLS 1.3: size of the client's first encrypted record */
    uint64_t client_enc_first_pkt;
    size_t client_enc_records;     /* ... and how many handshake records it sent */
    bool server_aborted_after_client_flight;  /* TLS 1.3: server sent only an alert-sized record, then closed */
    uint64_t server_abort_pkt;
    uint64_t close_pkt;            /* packet of the first FIN or RST */
    int64_t when;                  /* the capture's time, seconds (certificate dates are checked at it) */
} facts;

static const char *who(int dir) { return dir == TD_C2S ? "client" : "server"; }

static void summary(facts *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void summary(facts *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->r->summary, sizeof f->r->summary, fmt, ap);
    va_end(ap);
}

static void remedy(facts *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void remedy(facts *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->r->remedy_buf, sizeof f->r->remedy_buf, fmt, ap);
    va_end(ap);
    f->r->remedy = f->r->remedy_buf;
}

static const char *alert_text(const td_alert *a, char *buf, size_t len)
{
    char name[32];
    if (a->encrypted) snprintf(buf, len, "%s alert (encrypted)", who(a->from));
    else snprintf(buf, len, "%s %s alert %s(%u)", who(a->from), a->level == 2 ? "fatal" : "warning",
                  td_alert_label(a->code, name, sizeof name), a->code);
    return buf;
}

static void evidence_alert(facts *f, const td_alert *a)
{
    char buf[96];
    td_result_evidence(f->r, a->packet, "%s", alert_text(a, buf, sizeof buf));
}

static void evidence_client_hello(facts *f)
{
    const td_tls *s = f->s;
    if (!s->client_hello) return;
    char vers[96] = "";
    size_t o = 0;
    for (size_t i = 0; i < s->n_offered_versions && o < sizeof vers - 16; i++) {
        char b[16];
        o += (size_t)snprintf(vers + o, sizeof vers - o, "%s%s", i ? " " : "", td_version_label(s->offered_versions[i], b, sizeof b));
    }
    char suites[160] = "";
    if (s->n_offered_ciphers_total <= 3) {                /* few: name them */
        size_t k = 0;
        for (size_t i = 0; i < s->n_offered_ciphers && k + 2 < sizeof suites; i++) {
            char b[64];
            k += (size_t)snprintf(suites + k, sizeof suites - k, "%s%s", i ? ", " : ": ", td_cipher_label(s->offered_ciphers[i], b, sizeof b));
        }
    }
    td_result_evidence(f->r, s->client_hello_packet, "client ClientHello%s%s: offers %s, %zu cipher suite%s%s",
                       s->sni ? " for " : "", s->sni ? s->sni : "", vers, s->n_offered_ciphers_total,
                       s->n_offered_ciphers_total == 1 ? "" : "s", suites);
}

static void evidence_server_hello(facts *f)
{
    const td_tls *s = f->s;
    if (!s->server_hello) return;
    char v[16], c[64];
    td_result_evidence(f->r, s->server_hello_packet, "server ServerHello: %s, %s", td_version_label(s->version, v, sizeof v),
                       s->has_cipher ? td_cipher_label(s->cipher, c, sizeof c) : "no cipher");
}

static void evidence_server_cert(facts *f)
{
    const td_chain *c = &f->s->server_chain;
    if (c->seen && c->n) {
        const td_cert *x = &c->certs[0];
        td_result_evidence(f->r, c->packet, "server Certificate: %s <- %s%s", x->subject ? x->subject : "?",
                           x->issuer ? x->issuer : "?", c->n > 1 ? " (+ more)" : "");
    } else if (f->tls13 && f->s->server_hello) {
        td_result_evidence(f->r, f->s->server_hello_packet,
                           "server's encrypted flight (EncryptedExtensions, Certificate, CertificateVerify, Finished)");
    }
}

static void evidence_close(facts *f, int dir)
{
    const td_tcp *tcp = f->tcp;
    if (tcp->rst_packet && tcp->rst_from == dir)
        td_result_evidence(f->r, tcp->rst_packet, "%s reset the connection (RST)", who(dir));
    else if (tcp->fin[dir])
        td_result_evidence(f->r, tcp->fin_packet[dir], "%s closed the connection (FIN)", who(dir));
}

static bool closed_by(const facts *f, int dir)
{
    return (f->tcp->rst_packet && f->tcp->rst_from == dir) || f->tcp->fin[dir];
}

/* Size of an encrypted TLS 1.3 alert record: 2 bytes + content type + AEAD tag. */
static uint32_t tls13_alert_len(uint32_t cipher) { return 2 + 1 + (cipher == 0x1305 ? 8 : 16); }

static void gather(facts *f)
{
    const td_tls *s = f->s;
    f->tls13 = s->version == 0x0304;
    for (size_t i = 0; i < s->n_alerts; i++) {
        const td_alert *a = &s->alerts[i];
        if (a->level == 2 || (a->encrypted && !f->hs_done && !(s->finished[0] && s->finished[1]))) {
            f->fatal = a;
            break;
        }
    }
    if (f->tls13) {
        uint32_t alert_len = tls13_alert_len(s->cipher);
        bool client_seen = false;
        bool server_after = false, server_other = false;
        uint32_t server_after_len = 0;
        for (size_t i = 0; i < f->t->n_events; i++) {
            const td_event *e = &f->t->events[i];
            bool enc = e->kind == TD_EV_ENCRYPTED_HANDSHAKE || e->kind == TD_EV_APPDATA;
            if (e->dir == TD_C2S && enc && !client_seen) {
                client_seen = true;
                f->client_enc_first = e->len;
                f->client_enc_first_pkt = e->packet;
            }
            if (e->dir == TD_C2S && e->kind == TD_EV_ENCRYPTED_HANDSHAKE) f->client_enc_records++;
            if (e->dir == TD_S2C && e->kind == TD_EV_APPDATA && client_seen) {
                if (!server_after && e->count == 1 && e->len >= alert_len && e->len <= alert_len + 3) {
                    server_after = true;
                    server_after_len = e->len;
                    f->server_abort_pkt = e->packet;
                } else {
                    server_other = true;
                }
            }
        }
        (void)server_after_len;
        f->client_aborted_13 = client_seen && f->client_enc_first >= alert_len && f->client_enc_first <= alert_len + 3 &&
                               f->client_enc_records <= 1 && !s->app_records[TD_C2S];
        f->server_aborted_after_client_flight = client_seen && !server_other && closed_by(f, TD_S2C) &&
                                                (server_after || !s->app_records[TD_S2C]);
        if (!f->server_abort_pkt && closed_by(f, TD_S2C))
            f->server_abort_pkt = f->tcp->rst_packet && f->tcp->rst_from == TD_S2C ? f->tcp->rst_packet : f->tcp->fin_packet[TD_S2C];
        f->hs_done = s->finished[TD_C2S] && !f->client_aborted_13 && !f->server_aborted_after_client_flight;
    } else {
        f->hs_done = s->finished[TD_C2S] && s->finished[TD_S2C];
    }
    if (s->app_records[0] && s->app_records[1] && !f->tls13) f->hs_done = true;
}

/* ---- the rules ---------------------------------------------------------------------------- */

/* Ended by --max-connections before it was over: whatever the packets so far suggest (a SYN
 * with no answer yet, a handshake under way), the capture was not followed to its end. */
static bool r_evicted(facts *f)
{
    if (!f->t->evicted) return false;
    f->r->confidence = "certain";
    summary(f, "tlsdiag stopped following this connection before it ended: the connection table was full "
               "(--max-connections), and it was the one idle longest");
    td_result_evidence(f->r, f->t->first_packet, "first packet of the connection");
    if (f->t->last_packet != f->t->first_packet)
        td_result_evidence(f->r, f->t->last_packet, "last packet seen before it was evicted");
    remedy(f, "Raise --max-connections, or split the capture across processes with --shard K/N so that "
              "each holds fewer connections at once.");
    return true;
}

static bool r_no_server_response(facts *f)
{
    const td_tcp *tcp = f->tcp;
    if (!tcp->syn_seen || tcp->synack_seen || tcp->packets[TD_S2C] > 0) return false;
    if (tcp->packets[TD_C2S] > 1 + tcp->syn_retransmits) return false;  /* the client went on: one-sided capture */
    f->r->confidence = tcp->syn_retransmits > 0 || tcp->close ? "certain" : "likely";
    summary(f, "nothing answered the client's SYN%s: no SYN-ACK, no RST", tcp->syn_retransmits ? " or its retransmissions" : "");
    td_result_evidence(f->r, f->t->first_packet, "client SYN to %s:%u", f->t->server.ip, f->t->server.port);
    if (tcp->syn_retransmits)
        td_result_evidence(f->r, f->t->last_packet, "%u SYN retransmission%s over %.1f s, unanswered", tcp->syn_retransmits,
                           tcp->syn_retransmits > 1 ? "s" : "", f->t->end - f->t->start);
    remedy(f, "Nothing on the path answered port %u: check that the server is up at %s and that firewalls, "
              "security groups, routers or a proxy's packet filter let TCP port %u through to it.",
           f->t->server.port, f->t->server.ip, f->t->server.port);
    return true;
}

/* Only one side of the conversation was captured (asymmetric routing, a one-way tap): whatever
 * follows would be guessed from half the story. */
static bool r_one_sided(facts *f)
{
    const td_tcp *tcp = f->tcp;
    bool client_only = tcp->packets[TD_S2C] == 0 && tcp->packets[TD_C2S] > 1 + tcp->syn_retransmits;
    bool server_only = tcp->packets[TD_C2S] == 0;
    if (!client_only && !server_only) return false;
    f->r->confidence = "certain";
    summary(f, "only the %s's side of this connection is in the capture (the other side's packets took another "
               "path or were not captured)", client_only ? "client" : "server");
    td_result_evidence(f->r, f->t->first_packet, "first packet, from the %s", client_only ? "client" : "server");
    td_result_evidence(f->r, f->t->last_packet, "last packet: %u packets, none from the %s",
                       tcp->packets[TD_C2S] + tcp->packets[TD_S2C], client_only ? "server" : "client");
    remedy(f, "Capture where both directions pass (on the server or the client itself, or a tap/SPAN port that "
              "mirrors both directions); with asymmetric routing, capture on both paths and merge the files.");
    return true;
}

static bool r_connection_refused(facts *f)
{
    const td_tcp *tcp = f->tcp;
    if (!tcp->syn_seen || tcp->synack_seen || !tcp->rst_packet || tcp->rst_from != TD_S2C) return false;
    f->r->confidence = "certain";
    summary(f, "the server refused the connection: its port %u answered the SYN with a reset", f->t->server.port);
    td_result_evidence(f->r, f->t->first_packet, "client SYN to %s:%u", f->t->server.ip, f->t->server.port);
    td_result_evidence(f->r, tcp->rst_packet, "server RST: nothing listens on port %u", f->t->server.port);
    remedy(f, "The host answers but nothing listens on port %u: start the TLS service, or set the site's SSL "
              "port to %u and bind it to %s (or point the client at the port the service really uses).",
           f->t->server.port, f->t->server.port, f->t->server.ip);
    return true;
}

static bool r_client_not_tls(facts *f)
{
    const td_tls *s = f->s;
    if (!s->not_tls[TD_C2S] || s->starttls || s->client_hello) return false;
    f->r->confidence = "certain";
    summary(f, "the client spoke plaintext to the TLS port %u (%s)", f->t->server.port, s->not_tls_what[TD_C2S]);
    td_result_evidence(f->r, s->not_tls_packet[TD_C2S], "client sent %s", s->not_tls_what[TD_C2S]);
    if (s->not_tls[TD_S2C]) td_result_evidence(f->r, s->not_tls_packet[TD_S2C], "server answered %s", s->not_tls_what[TD_S2C]);
    else if (s->n_alerts) evidence_alert(f, &s->alerts[0]);
    remedy(f, "Use https:// (or the client's TLS option) for port %u; use http:// only with the plain-HTTP port.",
           f->t->server.port);
    return true;
}

static bool r_server_not_tls(facts *f)
{
    const td_tls *s = f->s;
    if (!s->not_tls[TD_S2C] || s->starttls || s->server_hello) return false;
    f->r->confidence = "certain";
    summary(f, "the server answered the ClientHello with plaintext, not TLS (%s)", s->not_tls_what[TD_S2C]);
    evidence_client_hello(f);
    td_result_evidence(f->r, s->not_tls_packet[TD_S2C], "server sent %s", s->not_tls_what[TD_S2C]);
    remedy(f, "TLS is not enabled on %s:%u: enable SSL/TLS for this site and port (bind a certificate to it), "
              "or point the client at the port that speaks TLS.", f->t->server.ip, f->t->server.port);
    return true;
}

/* A server silent this long after a ClientHello is not going to answer (browsers give up sooner). */
#define NO_ANSWER_WAIT 3.0

static bool r_no_tls_response(facts *f)
{
    const td_tls *s = f->s;
    const td_tcp *tcp = f->tcp;
    if (!s->client_hello || s->server_hello || s->hello_retry || s->n_alerts || tcp->bytes[TD_S2C] > 0 ||
        s->not_tls[TD_S2C] || tcp->gaps[TD_S2C])
        return false;
    double ch_time = f->t->start;
    for (size_t i = 0; i < f->t->n_events; i++)
        if (f->t->events[i].kind == TD_EV_HANDSHAKE && f->t->events[i].dir == TD_C2S) {
            ch_time = f->t->events[i].ts;
            break;
        }
    double silence = f->t->capture_end - ch_time;
    if (!closed_by(f, TD_S2C) && !closed_by(f, TD_C2S) && silence < NO_ANSWER_WAIT) return false;
    if (tcp->packets[TD_S2C] == 0 && !tcp->synack_seen) return false;     /* we see only one side */
    evidence_client_hello(f);
    if (closed_by(f, TD_S2C)) {
        f->r->confidence = "certain";
        summary(f, "the server accepted TCP but closed without answering the ClientHello");
        evidence_close(f, TD_S2C);
    } else if (closed_by(f, TD_C2S)) {
        f->r->confidence = "certain";
        summary(f, "the server accepted TCP but never answered the ClientHello; the client gave up after %.1f s",
                f->t->end - f->t->start);
        evidence_close(f, TD_C2S);
    } else {
        f->r->confidence = "likely";
        summary(f, "the server accepted TCP but had not answered the ClientHello when the capture ended, %.1f s later",
                silence);
    }
    remedy(f, "Something accepts TCP on %s:%u but no TLS answers: make sure the TLS service owns this port, "
              "that a certificate is bound to this IP and port (and the change was committed and the service "
              "restarted), and that its TLS filter/module is loaded.", f->t->server.ip, f->t->server.port);
    return true;
}

static bool is_mismatch_alert(uint8_t code) { return code == 40 || code == 70 || code == 71 || code == 86; }

static bool r_protocol_mismatch(facts *f)
{
    const td_tls *s = f->s;
    const td_alert *a = f->fatal;
    char b[32];
    if (!a || a->encrypted || !is_mismatch_alert(a->code) || !s->client_hello) return false;
    /* The server refuses the ClientHello, or the client refuses the ServerHello's choice. */
    bool server_refuses = a->from == TD_S2C && !s->server_hello;
    bool client_refuses = a->from == TD_C2S && s->server_hello && !s->server_chain.seen && !f->tls13;
    bool client_refuses13 = a->from == TD_C2S && s->server_hello && f->tls13 && a->packet < f->client_enc_first_pkt + (f->client_enc_first_pkt == 0 ? UINT64_MAX / 2 : 0);
    if (!server_refuses && !client_refuses && !client_refuses13) return false;
    f->r->confidence = "certain";
    const char *what = a->code == 70 ? "no TLS version in common" : a->code == 71 ? "the client's offer is below the server's security minimum"
                     : a->code == 86 ? "a fallback to an older version was refused" : "no cipher suite (or group) in common";
    char offered[96] = "";
    size_t o = 0;
    for (size_t i = 0; i < s->n_offered_versions && o + 16 < sizeof offered; i++) {
        char v[16];
        o += (size_t)snprintf(offered + o, sizeof offered - o, "%s%s", i ? " " : "", td_version_label(s->offered_versions[i], v, sizeof v));
    }
    if (a->from == TD_S2C && a->code == 70)
        summary(f, "the server refused the ClientHello: no TLS version in common (the client offered %s)", offered);
    else if (a->from == TD_S2C)
        summary(f, "the server refused the ClientHello: %s (the client offered %s with %zu cipher suites)", what, offered,
                s->n_offered_ciphers_total);
    else
        summary(f, "the client refused the server's choice of %s: %s", a->code == 70 ? "version" : "parameters", what);
    evidence_client_hello(f);
    evidence_server_hello(f);
    evidence_alert(f, a);
    (void)b;
    if (a->code == 70)
        remedy(f, "Enable a common TLS version: TLS 1.2 and 1.3 on the server, and update or reconfigure clients "
                  "that offer only older (or only newer) versions than the server allows.");
    else
        remedy(f, "Enable a common cipher suite: ECDHE with AES-GCM or ChaCha20-Poly1305 (TLS 1.2) and the TLS 1.3 "
                  "suites on both sides; check the server's key type matches the suites offered, and update old clients.");
    return true;
}

/* The client gave up on the server's certificate; which check failed? */
typedef enum { CERT_NONE, CERT_UNTRUSTED, CERT_NAME, CERT_DATES, CERT_OTHER } cert_reason;

static cert_reason passive_reason(const facts *f)
{
    if (!f->sc.present) return CERT_OTHER;
    if (!f->sc.trusted) return CERT_UNTRUSTED;
    if (f->sc.name_checked && !f->sc.name_ok) return CERT_NAME;
    if (f->sc.expired || f->sc.not_yet_valid || f->sc.chain_expired) return CERT_DATES;
    return CERT_OTHER;
}

static cert_reason alert_reason(uint8_t code)
{
    switch (code) {
    case 48: return CERT_UNTRUSTED;                /* unknown_ca */
    case 45: return CERT_DATES;                    /* certificate_expired */
    default: return CERT_NONE;                     /* bad_certificate, certificate_unknown, ...: look */
    }
}

static bool is_cert_alert(uint8_t code)
{
    return code == 42 || code == 43 || code == 44 || code == 45 || code == 46 || code == 48 || code == 49 ||
           code == 113 || code == 114;
}

/* Did the client reject the server's certificate?  Sets *certain and *reason. */
static bool client_rejected_server_cert(facts *f, bool *certain, cert_reason *reason, uint64_t *pkt)
{
    const td_tls *s = f->s;
    const td_alert *a = f->fatal;
    if (!s->server_hello) return false;
    if (a && a->from == TD_C2S && !a->encrypted && is_cert_alert(a->code)) {
        *certain = true;
        *reason = alert_reason(a->code);
        if (*reason == CERT_NONE) *reason = passive_reason(f);
        *pkt = a->packet;
        return true;
    }
    if (f->tls13) {
        /* The client answered the server's encrypted flight with an alert-sized record, or with
         * nothing, and closed: it refused something in that flight (the certificate, most often). */
        if (f->client_aborted_13 || (!f->client_enc_first && !s->client_chain.seen && closed_by(f, TD_C2S) &&
                                     s->enc_hs_records[TD_S2C] > 0 && !s->app_records[TD_C2S])) {
            *certain = false;
            *reason = passive_reason(f);
            *pkt = f->client_aborted_13 ? f->client_enc_first_pkt : (f->tcp->rst_from == TD_C2S && f->tcp->rst_packet ? f->tcp->rst_packet : f->tcp->fin_packet[TD_C2S]);
            return true;
        }
        return false;
    }
    /* TLS 1.2: the client closed (or sent an encrypted/other alert) after the server's Certificate
     * without sending its key exchange. */
    if (s->server_chain.seen && !s->ccs[TD_C2S] && closed_by(f, TD_C2S) && !s->cert_requested) {
        *certain = false;
        *reason = passive_reason(f);
        *pkt = f->tcp->rst_packet && f->tcp->rst_from == TD_C2S ? f->tcp->rst_packet : f->tcp->fin_packet[TD_C2S];
        return true;
    }
    return false;
}

static void evidence_checks(facts *f, cert_reason reason)
{
    const td_chain_check *c = &f->sc;
    if (!c->present) return;
    if (reason == CERT_UNTRUSTED)
        td_result_evidence(f->r, f->s->server_chain.packet, "passive check: the chain does not reach a trusted root (%s%s%s)",
                           c->error_text, c->incomplete ? "; intermediates missing" : "", c->self_signed ? "; self-signed" : "");
    if (reason == CERT_NAME)
        td_result_evidence(f->r, f->s->server_chain.packet, "passive check: %s is not among the certificate's names", c->name);
    if (reason == CERT_DATES) {
        const td_cert *x = &f->s->server_chain.certs[0];
        char when[64] = "?";
        time_t w = (time_t)f->when;
        struct tm tm;
        if (gmtime_r(&w, &tm)) strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        td_result_evidence(f->r, f->s->server_chain.packet, "passive check: the certificate is valid %s .. %s, the capture is from %s",
                           x->not_before, x->not_after, when);
    }
}

static bool cert_rule(facts *f, cert_reason want)
{
    bool certain = false;
    cert_reason reason = CERT_NONE;
    uint64_t pkt = 0;
    if (!client_rejected_server_cert(f, &certain, &reason, &pkt)) return false;
    if (reason != want) return false;
    f->r->confidence = certain ? "certain" : "likely";
    const td_cert *leaf = f->s->server_chain.n ? &f->s->server_chain.certs[0] : NULL;
    switch (want) {
    case CERT_UNTRUSTED:
        if (f->sc.untrusted_root[0])
            summary(f, "the client rejected the server certificate: its issuer %s is not trusted", f->sc.untrusted_root);
        else
            summary(f, "the client rejected the server certificate: its issuer is not trusted");
        break;
    case CERT_NAME:
        summary(f, "the client rejected the server certificate: it is not valid for %s", f->sc.name);
        break;
    case CERT_DATES:
        summary(f, "the client rejected the server certificate: it %s", f->sc.not_yet_valid ? "is not yet valid" : "has expired");
        break;
    default:
        summary(f, "the client rejected the server certificate%s", certain ? "" : " (the passive checks find nothing wrong with it)");
        break;
    }
    evidence_client_hello(f);
    evidence_server_cert(f);
    if (f->fatal && f->fatal->from == TD_C2S) evidence_alert(f, f->fatal);
    else if (f->client_aborted_13) td_result_evidence(f->r, pkt, "client sent an alert-sized encrypted record (%u bytes) instead of its Finished", f->client_enc_first);
    else evidence_close(f, TD_C2S);
    evidence_checks(f, want);
    switch (want) {
    case CERT_UNTRUSTED:
        remedy(f, "Install the full chain on the server (the certificate followed by its intermediates), and make sure "
                  "the client trusts the root%s%s%s, or use a certificate from a CA the clients already trust.",
               f->sc.untrusted_root[0] ? " (" : "", f->sc.untrusted_root, f->sc.untrusted_root[0] ? ")" : "");
        break;
    case CERT_NAME:
        remedy(f, "Issue the certificate with %s in its subjectAltName (it covers: %s%s), or have clients use a name it "
                  "lists. Several HTTPS sites on one address need SNI-based certificate selection (or one certificate "
                  "naming them all).", f->sc.name, leaf && leaf->n_san ? leaf->san[0] : (leaf && leaf->subject ? leaf->subject : "?"),
               leaf && leaf->n_san > 1 ? ", ..." : "");
        break;
    case CERT_DATES:
        remedy(f, "Renew the server certificate (valid %s .. %s) and install the new one; check the clocks of the "
                  "server and the clients.", leaf ? leaf->not_before : "?", leaf ? leaf->not_after : "?");
        break;
    default:
        remedy(f, "See the client's error log for the reason; check the certificate's key usage and extended key "
                  "usage, its key size and signature algorithm, and whether it has been revoked.");
        break;
    }
    return true;
}

static bool r_unknown_ca(facts *f) { return cert_rule(f, CERT_UNTRUSTED); }
static bool r_name_mismatch(facts *f)
{
    if (cert_rule(f, CERT_NAME)) return true;
    /* curl and others check the name only after the handshake, then close without sending data. */
    const td_tls *s = f->s;
    if (f->hs_done && f->sc.name_checked && !f->sc.name_ok && !s->app_records[TD_C2S] && f->tcp->close && !s->resumed) {
        f->r->confidence = "likely";
        summary(f, "the client completed the handshake, then closed without sending a request: the certificate is not valid for %s",
                f->sc.name);
        evidence_client_hello(f);
        evidence_server_cert(f);
        for (size_t i = 0; i < s->n_alerts; i++)
            if (s->alerts[i].from == TD_C2S) { evidence_alert(f, &s->alerts[i]); break; }
        evidence_close(f, TD_C2S);
        evidence_checks(f, CERT_NAME);
        const td_cert *leaf = s->server_chain.n ? &s->server_chain.certs[0] : NULL;
        remedy(f, "Issue the certificate with %s in its subjectAltName (it covers: %s%s), or have clients use a name it lists.",
               f->sc.name, leaf && leaf->n_san ? leaf->san[0] : "?", leaf && leaf->n_san > 1 ? ", ..." : "");
        return true;
    }
    return false;
}
static bool r_server_cert_expired(facts *f) { return cert_rule(f, CERT_DATES); }
static bool r_server_cert_rejected(facts *f) { return cert_rule(f, CERT_OTHER); }

/* TLS 1.2: the server asked, the client's Certificate was empty (or absent), the server aborted. */
static bool client_cert_outcome(facts *f, bool *sent, bool *certain, uint64_t *pkt)
{
    const td_tls *s = f->s;
    const td_alert *a = f->fatal;
    if (!f->tls13) {
        if (!s->cert_requested) return false;
        bool server_abort = (a && a->from == TD_S2C) || (closed_by(f, TD_S2C) && !f->hs_done);
        bool no_cert_alert = a && a->from == TD_C2S && !a->encrypted && a->code == 41;   /* SSLv3 no_certificate */
        bool client_answered = s->client_chain.seen || s->ccs[TD_C2S] || no_cert_alert;
        if (!(server_abort || no_cert_alert) || !client_answered || f->hs_done) return false;
        *sent = s->client_chain.seen && !s->client_chain.empty;
        *certain = true;
        *pkt = a && a->from == TD_S2C ? a->packet : f->server_abort_pkt;
        return true;
    }
    /* TLS 1.3: a plaintext certificate_required is explicit; else sizes. */
    if (a && a->from == TD_S2C && !a->encrypted && a->code == 116) {
        *sent = false;
        *certain = true;
        *pkt = a->packet;
        return true;
    }
    if (!f->server_aborted_after_client_flight || f->client_aborted_13 || !f->client_enc_first) return false;
    uint32_t tag = s->cipher == 0x1305 ? 8 : 16;
    uint32_t empty_cert = 8 + 1 + tag;             /* Certificate with no entries, as a record */
    uint32_t finished = (s->cipher == 0x1302 ? 48 : 32) + 4 + 1 + tag;
    if (f->client_enc_first == empty_cert && f->client_enc_records >= 2) *sent = false;
    else if (f->client_enc_first > finished && f->client_enc_records >= 2) *sent = true;
    else return false;                             /* just a Finished: no certificate was asked for */
    *certain = false;
    *pkt = f->server_abort_pkt;
    return true;
}

static bool r_client_cert_missing(facts *f)
{
    bool sent = false, certain = false;
    uint64_t pkt = 0;
    if (!client_cert_outcome(f, &sent, &certain, &pkt) || sent) return false;
    const td_tls *s = f->s;
    f->r->confidence = certain ? "certain" : "likely";
    summary(f, "the server requires a client certificate and the client sent none");
    evidence_client_hello(f);
    evidence_server_hello(f);
    if (s->cert_requested) {
        td_result_evidence(f->r, s->cert_request_packet, "server CertificateRequest%s%s%s", s->n_ca_names ? " (accepts issuers: " : "",
                           s->n_ca_names ? s->ca_names[0] : "", s->n_ca_names ? (s->n_ca_names > 1 ? ", ...)" : ")") : "");
    }
    if (s->client_chain.seen) td_result_evidence(f->r, s->client_chain.packet, "client Certificate: empty");
    else if (f->client_enc_first) td_result_evidence(f->r, f->client_enc_first_pkt, "client's encrypted flight starts with a %u-byte record: an empty Certificate", f->client_enc_first);
    if (f->fatal && f->fatal->from == TD_S2C) evidence_alert(f, f->fatal);
    else if (pkt) td_result_evidence(f->r, pkt, "server answered with one alert-sized encrypted record and no data: it aborted");
    remedy(f, "Install a client certificate and its private key, issued by %s, and configure the client to "
              "present it (a browser's empty certificate dialog means it has none that fits).",
           s->n_ca_names ? s->ca_names[0] : "a CA the server trusts");
    return true;
}

static bool r_client_cert_rejected(facts *f)
{
    bool sent = false, certain = false;
    uint64_t pkt = 0;
    if (!client_cert_outcome(f, &sent, &certain, &pkt) || !sent) return false;
    const td_tls *s = f->s;
    f->r->confidence = certain ? "certain" : "likely";
    const char *why = "";
    if (f->cc.present) {
        if (f->cc.expired) why = ": it has expired";
        else if (f->cc.not_yet_valid) why = ": it is not yet valid";
    }
    summary(f, "the server rejected the client certificate%s", why);
    evidence_client_hello(f);
    evidence_server_hello(f);
    if (s->client_chain.seen && s->client_chain.n) {
        const td_cert *x = &s->client_chain.certs[0];
        td_result_evidence(f->r, s->client_chain.packet, "client Certificate: %s <- %s", x->subject ? x->subject : "?", x->issuer ? x->issuer : "?");
    } else if (f->client_enc_first) {
        td_result_evidence(f->r, f->client_enc_first_pkt, "client's encrypted flight starts with a %u-byte record: a certificate", f->client_enc_first);
    }
    if (f->fatal && f->fatal->from == TD_S2C) evidence_alert(f, f->fatal);
    else if (pkt) td_result_evidence(f->r, pkt, "server answered with one alert-sized encrypted record and no data: it aborted");
    remedy(f, "Give the client a certificate the server accepts: within its validity period, issued by %s, "
              "not corrupt or revoked; or add its issuer to the server's trusted client CAs.",
           s->n_ca_names ? s->ca_names[0] : "a CA the server trusts");
    return true;
}

static bool r_handshake_aborted(facts *f)
{
    const td_tls *s = f->s;
    const td_tcp *tcp = f->tcp;
    if (f->hs_done) return false;
    if (!s->client_hello) return false;
    char b[96];
    if (f->fatal) {
        f->r->confidence = "certain";
        summary(f, "the handshake was aborted: %s", alert_text(f->fatal, b, sizeof b));
        evidence_client_hello(f);
        evidence_server_hello(f);
        evidence_alert(f, f->fatal);
        remedy(f, "The %s gave up the handshake; its log says why (the alert names the reason).", who(f->fatal->from));
        return true;
    }
    if (tcp->rst_packet) {
        f->r->confidence = "certain";
        summary(f, "the %s reset the connection during the handshake", who(tcp->rst_from));
        evidence_client_hello(f);
        evidence_server_hello(f);
        evidence_close(f, tcp->rst_from);
        remedy(f, "The %s reset the connection mid-handshake: look at its log, or at a middlebox (IPS, proxy, "
                  "load balancer) that resets TLS it dislikes.", who(tcp->rst_from));
        return true;
    }
    if (tcp->close && !tcp->gaps[0] && !tcp->gaps[1] && (s->server_hello || s->hello_retry)) {
        int dir = tcp->closed_by == TD_BY_CLIENT ? TD_C2S : TD_S2C;
        f->r->confidence = "likely";
        summary(f, "the %s closed the connection during the handshake, without an alert", who(dir));
        evidence_client_hello(f);
        evidence_server_hello(f);
        evidence_close(f, dir);
        remedy(f, "The %s gave up the handshake silently; its log says why.", who(dir));
        return true;
    }
    return false;
}

static bool r_ok(facts *f)
{
    const td_tls *s = f->s;
    if (!f->hs_done && !(s->resumed && s->finished[TD_C2S]) && !(s->app_records[0] && s->app_records[1] && !f->tls13) &&
        !(f->tls13 && s->app_records[0] && s->app_records[1]))
        return false;
    f->r->confidence = "certain";
    char v[16], c[64];
    summary(f, "handshake completed (%s, %s%s)%s", td_version_label(s->version, v, sizeof v),
            s->has_cipher ? td_cipher_label(s->cipher, c, sizeof c) : "cipher unknown", s->resumed ? ", resumed" : "",
            s->app_records[0] && s->app_records[1] ? " and application data flowed both ways" : "");
    evidence_client_hello(f);
    evidence_server_hello(f);
    if (s->first_app_packet[0]) td_result_evidence(f->r, s->first_app_packet[0], "client application data: %llu bytes", (unsigned long long)s->app_data[0]);
    if (s->first_app_packet[1]) td_result_evidence(f->r, s->first_app_packet[1], "server application data: %llu bytes", (unsigned long long)s->app_data[1]);
    if (!s->app_records[0] || !s->app_records[1])
        td_result_finding(f->r, "no-application-data", "info",
                          "the handshake completed but no request/response followed (a health check or a probe such as openssl s_client behaves like this)");
    f->r->remedy = NULL;
    return true;
}

static bool r_incomplete(facts *f)
{
    const td_tls *s = f->s;
    const td_tcp *tcp = f->tcp;
    f->r->confidence = "certain";
    if (tcp->packets[TD_S2C] == 0 && tcp->packets[TD_C2S] > 1 + tcp->syn_retransmits)
        summary(f, "only the client's side of this connection is in the capture (the server's packets took another path or were not captured)");
    else if (tcp->packets[TD_C2S] == 0)
        summary(f, "only the server's side of this connection is in the capture (the client's packets took another path or were not captured)");
    else if (tcp->midstream && !s->client_hello)
        summary(f, "the connection started before the capture: its handshake is not in it");
    else if (!s->client_hello && !tcp->bytes[0] && !tcp->bytes[1] && tcp->handshake)
        summary(f, "a TCP connection that carried no data (a port probe or a health check)");
    else if (tcp->gaps[0] || tcp->gaps[1])
        summary(f, "packets missing from the capture hide the handshake");
    else if (!tcp->close && s->client_hello && !s->server_hello)
        summary(f, "the capture ended %.1f s after the ClientHello, before the server answered",
                f->t->capture_end - f->t->start);
    else if (!tcp->close)
        summary(f, "the capture ended before the handshake did");
    else
        summary(f, "the capture does not show enough of this connection to judge it");
    td_result_evidence(f->r, f->t->first_packet, "first packet of the connection");
    if (f->t->last_packet != f->t->first_packet) td_result_evidence(f->r, f->t->last_packet, "last packet of the connection");
    remedy(f, "Capture from before the connection starts until after it ends, whole packets (snap length 0), "
              "on a host or port that sees both directions.");
    return true;
}

typedef struct rule {
    const char *verdict;
    const char *kb_section;        /* KB Q197306 section, or NULL */
    bool (*match)(facts *f);
} rule;

static const rule rules[] = {
    { "incomplete", NULL, r_evicted },
    { "no-server-response", "Standard SSL Connectivity", r_no_server_response },
    { "incomplete", NULL, r_one_sided },
    { "connection-refused", "Microsoft Management Console (MMC)", r_connection_refused },
    { "client-not-tls", "Microsoft Management Console (MMC)", r_client_not_tls },
    { "server-not-tls", "Microsoft Management Console (MMC)", r_server_not_tls },
    { "no-tls-response", "Key Manager", r_no_tls_response },
    { "protocol-mismatch", "SSL with Client Certificates: the closing Schannel service-pack note", r_protocol_mismatch },
    { "unknown-ca", "Standard SSL Connectivity", r_unknown_ca },
    { "name-mismatch", "Standard SSL Connectivity", r_name_mismatch },
    { "server-cert-expired", "Key Manager", r_server_cert_expired },
    { "server-cert-rejected", "Key Manager", r_server_cert_rejected },
    { "client-cert-missing", "SSL with Client Certificates", r_client_cert_missing },
    { "client-cert-rejected", "SSL with Client Certificates", r_client_cert_rejected },
    { "handshake-aborted", NULL, r_handshake_aborted },
    { "ok", NULL, r_ok },
    { "incomplete", NULL, r_incomplete },
};

static void cert_findings(facts *f)
{
    const td_chain_check *c = &f->sc;
    td_result *r = f->r;
    if (c->present) {
        if (!c->trusted) td_result_finding(r, "untrusted-chain", "warning", "the server chain does not reach a trusted root: %s", c->error_text);
        if (c->incomplete) td_result_finding(r, "incomplete-chain", "warning", "the chain the server sent stops at an intermediate whose issuer (%s) is unknown", c->untrusted_root);
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

void td_rules_apply(td_classifier *c, const td_transcript *t, td_result *r)
{
    facts f;
    memset(&f, 0, sizeof f);
    f.t = t;
    f.s = &t->tls;
    f.tcp = &t->tcp;
    f.r = r;
    /* The capture's clock is input too: hold it to years 1970..9999 before it becomes a time_t. */
    int64_t when = t->start > 0 ? (t->start < 253402300800.0 ? (int64_t)t->start : 253402300799) : 0;
    f.when = when;
    const char *host = t->tls.sni;
    if (c->system_store_owed && (t->tls.server_chain.seen || t->tls.client_chain.seen)) {
        X509_STORE_set_default_paths(c->store);    /* none is not an error */
        ERR_clear_error();
        c->system_store_owed = false;
    }
    td_cert_cache_check(c->cache, c->store, &t->tls.server_chain, when, host, host ? NULL : t->server.ip, true, &f.sc);
    td_cert_cache_check(c->cache, c->store, &t->tls.client_chain, when, NULL, NULL, false, &f.cc);
    gather(&f);
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        r->n_evidence = 0;
        r->remedy = NULL;
        if (rules[i].match(&f)) {
            r->verdict = rules[i].verdict;
            r->kb_section = rules[i].kb_section;
            break;
        }
    }
    cert_findings(&f);
}
