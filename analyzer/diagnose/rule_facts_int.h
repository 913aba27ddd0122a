/* rule_facts_int.h - what the rules read (facts gathered once per connection), the variables
 * their text templates name, and the evidence helpers they share (analyzer/diagnose/rule_text.c). */
#ifndef TLSDIAG_RULE_FACTS_INT_H
#define TLSDIAG_RULE_FACTS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer/diagnose/chain_check.h"
#include "analyzer/diagnose/classify.h"

#define RULE_MAX_VARS 24

typedef struct rule_var {
    const char *key;               /* static */
    char val[240];
} rule_var;

/* How strongly the capture supports a cause, weakest first (docs/DESIGN.md, "diagnose").  A verdict
 * names the best-supported cause; its confidence follows the weakest link it needed. */
typedef enum ev_strength {
    EV_NONE = 0,
    EV_STORE,                      /* this machine's trust store objects (the client's may differ) */
    EV_INFERRED,                   /* read between the lines: no SNI, so the name is the address */
    EV_WIRE,                       /* a certificate's own facts (name asked for, dates, key, signature,
                                      purpose), or the trust anchors the user named (--cacert) */
    EV_ALERT,                      /* an alert with a specific code, in the clear */
    EV_KEYLOG                      /* the same, read with a key log */
} ev_strength;

/* What was wrong with the server's certificate, for the client that refused it. */
typedef enum cert_reason {
    CERT_NONE, CERT_UNTRUSTED, CERT_INCOMPLETE, CERT_NAME, CERT_DATES, CERT_WEAK, CERT_OTHER
} cert_reason;

typedef struct cert_cause {
    cert_reason reason;
    ev_strength strength;
} cert_cause;

typedef struct facts {
    const td_transcript *t;
    const td_tls *s;
    const td_tcp *tcp;
    td_result *r;
    const td_inference *in;        /* TLS 1.3 without keys (in->done false otherwise) */
    td_chain_check sc, cc;         /* server and client chain checks */
    bool tls13;                    /* TLS 1.3 read without keys: the keyless inference applies */
    bool decrypted;                /* protected records were read with a key log (--keylog) */
    bool anchors_named;            /* trust anchors from --cacert/--capath, not this machine's store */
    const td_alert *fatal;         /* first fatal alert, or first encrypted alert during the handshake,
                                      that does not merely answer the peer's close */
    const td_alert *close_answer;  /* such an alert sent after the peer had closed (see gather) */
    bool hs_done;                  /* both sides finished the handshake */
    bool client_aborted_13;        /* TLS 1.3: the client answered the server's flight with an alert */
    uint32_t client_enc_first;     /* TLS 1.3: size of the client's first protected record */
    uint64_t client_enc_first_pkt;
    bool server_aborted_after_client_flight;  /* TLS 1.3: the server refused the client's flight */
    uint64_t server_abort_pkt;
    const struct td_sibling_cert *borrowed;   /* TLS 1.3 without keys: the certificate as a sibling
                                      showed it (analyzer/diagnose/siblings.c), or NULL */
    cert_cause wire_cause;         /* the server certificate's best-supported defect, no alert
                                      considered (cert_cause_for(f, NULL)) */
    uint64_t asked_sibling;        /* a sibling that showed the server asks for a client certificate */
    uint64_t used_sibling;         /* a sibling that carried the requests and closed with this one
                                      (analyzer/diagnose/siblings.c): its id, 0 if none */
    int64_t when;                  /* the capture's time, seconds (certificate dates are checked at it) */
    rule_var vars[RULE_MAX_VARS];  /* what the matching rule's templates name */
    size_t n_vars;
} facts;

#define CERT_MAX_CAUSES 6

/* Every defect of the server's certificate the passive checks show, strongest first (ties in
 * the order a chain is checked: trust, name, dates, the rest).  Returns how many. */
size_t cert_causes(const facts *f, cert_cause *out);
/* The cause a client's refusal points at: its alert's code when that names one (unknown_ca,
 * certificate_expired), else the best-supported defect; CERT_OTHER when nothing is wrong. */
cert_cause cert_cause_for(const facts *f, const td_alert *alert);
const char *ev_strength_name(ev_strength s);
/* The text for CERT_WEAK ("its key is RSA 1024 bits ..."), or NULL. */
const char *cert_weak_text(const facts *f, char *buf, size_t len);

/* Set a template variable ({key} in a rule's summary or remedy). */
void rule_var_set(facts *f, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same for plain strings (no formatting: the common case, and a hot path). */
void rule_var_str(facts *f, const char *key, const char *val);
void rule_var_str2(facts *f, const char *key, const char *a, const char *b);
/* Expand {key} from f's variables into out; an unknown key is kept as written (tests catch it). */
void rule_expand(const facts *f, const char *tpl, char *out, size_t len);
/* "1 cipher suite", "3 cipher suites". */
const char *rule_plural(uint64_t n, const char *one, const char *many, char *buf, size_t len);

const char *rule_who(int dir);
bool rule_closed_by(const facts *f, int dir);
uint64_t rule_close_packet(const facts *f, int dir);
/* The packet of dir's first FIN or RST, whichever came first (0: neither). */
uint64_t rule_first_close_packet(const facts *f, int dir);
/* "reset" when packet `pkt` is the connection's reset, else "FIN" (pkt: a close packet). */
const char *rule_close_word(const facts *f, uint64_t pkt);
const char *rule_alert_text(const td_alert *a, char *buf, size_t len);

/* The key shares a ClientHello sent ("X25519MLKEM768, x25519"; GREASE left out) into buf; true when
 * one is post-quantum (rule_text.c). */
bool rule_key_shares(const td_tls *s, char *buf, size_t len);

/* Evidence lines shared by several rules. */
void ev_alert(facts *f, const td_alert *a);
void ev_client_hello(facts *f);
void ev_server_hello(facts *f);
void ev_server_cert(facts *f);
void ev_close(facts *f, int dir);

/* Fill f for t before the table is tried (analyzer/diagnose/rule_facts.c): both chains checked
 * against c's trust store, what siblings showed, the refusing alert, whether the handshake ended,
 * the certificate's best-supported defect.  f->vars is left for the matching rule. */
void rule_facts_gather(facts *f, td_classifier *c, const td_transcript *t, td_result *r);
/* A ladder entry that carried TLS (or other payload) bytes, not TCP's own. */
bool rule_is_tls_bytes(const td_event *e);
/* Who ended the connection first (TD_C2S, TD_S2C): the first close_notify, FIN or RST; -1 when
 * it is still open. */
int rule_first_closer(const facts *f);
/* The client's first alert after the server's Certificate (a close_notify, mostly), or NULL. */
const td_alert *rule_client_alert_after_chain(const facts *f);
/* An alert a client sends when the server's key exchange, not its certificate, failed. */
bool rule_is_key_exchange_alert(uint8_t code);

/* Findings about the certificates, whatever the verdict (analyzer/diagnose/cert_findings.c). */
void rule_cert_findings(facts *f);

#endif
