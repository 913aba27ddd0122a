/* classify.h - a transcript in, a diagnosis out (analyzer/diagnose/classify.c, the rules in
 * analyzer/diagnose/rules.c).  One verdict (with its confidence, summary, evidence, KB Q197306
 * section and remedy) and any number of findings. */
#ifndef TLSDIAG_CLASSIFY_H
#define TLSDIAG_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/transcript.h"

/* The verdicts, in the order of the README's verdict table; td_verdict_name() gives their stable names. */
typedef enum td_verdict {
    TD_V_NONE = 0,                 /* no verdict (never left so by td_classify) */
    TD_V_OK,
    TD_V_NO_SERVER_RESPONSE,
    TD_V_CONNECTION_REFUSED,
    TD_V_NO_TLS_RESPONSE,
    TD_V_SERVER_NOT_TLS,
    TD_V_CLIENT_NOT_TLS,
    TD_V_PROTOCOL_MISMATCH,
    TD_V_OBSOLETE_PROTOCOL,
    TD_V_UNKNOWN_CA,
    TD_V_INCOMPLETE_CHAIN,
    TD_V_NAME_MISMATCH,
    TD_V_SERVER_CERT_EXPIRED,
    TD_V_SERVER_CERT_REJECTED,
    TD_V_CLIENT_CERT_MISSING,
    TD_V_CLIENT_CERT_REJECTED,
    TD_V_HANDSHAKE_ABORTED,
    TD_V_INCOMPLETE,
    TD_V_STARTTLS_REFUSED,         /* appended: the numbers above stay */
    TD_V_PROXY_REFUSED,            /* an HTTP proxy refused the CONNECT (appended: the order is stable) */
    TD_V_QUIC_BLOCKED,             /* a QUIC client's Initials got no answer at all */
    TD_V_CLIENT_HELLO_DROPPED,     /* the ClientHello's later segments never reached the server */
    TD_V_PATH_MTU_BLACKHOLE,       /* full-size segments lost, small ones passing, ICMP filtered */
    TD_V_RESET_INJECTED,           /* a reset the server did not send */
    TD_V_COUNT
} td_verdict;

const char *td_verdict_name(td_verdict v);

#define TD_MAX_EVIDENCE 12
#define TD_MAX_FINDINGS 24

typedef struct td_evidence {
    uint64_t packet;
    char what[256];                /* a longer text ends at a word boundary with "..." */
} td_evidence;

typedef struct td_finding {
    const char *id;                /* "untrusted-chain", ... (static) */
    const char *severity;          /* "info", "warning", "error" (static) */
    char detail[256];              /* likewise */
} td_finding;

/* What a TLS 1.3 protected record holds, as inferred without keys (analyzer/diagnose/tls13_without_keys.c). */
typedef enum td_rec_label {
    TD_REC_UNKNOWN = 0,
    TD_REC_SERVER_FLIGHT,          /* EncryptedExtensions .. server Finished */
    TD_REC_CLIENT_CERT,            /* client Certificate with certificates (maybe with CertificateVerify) */
    TD_REC_CLIENT_EMPTY_CERT,      /* client Certificate with none */
    TD_REC_CLIENT_CV,              /* client CertificateVerify */
    TD_REC_CLIENT_FINISHED,
    TD_REC_CLIENT_FLIGHT,          /* several client messages in one record (Certificate .. Finished) */
    TD_REC_TICKET,                 /* NewSessionTicket */
    TD_REC_ALERT,
    TD_REC_APPDATA,
    TD_REC_END_OF_EARLY_DATA,      /* the client's EndOfEarlyData (0-RTT accepted), before its flight */
    TD_REC_N
} td_rec_label;

typedef enum td_client_cert_seen {
    TD_CC_UNKNOWN = 0, TD_CC_NOT_REQUESTED, TD_CC_EMPTY, TD_CC_SENT
} td_client_cert_seen;

/* The keyless reading of a TLS 1.3 exchange: done once, from every protected record, and read by
 * the rules and the reports. */
typedef struct td_inference {
    bool done;                     /* TLS 1.3 with protected records: the fields below mean something */
    uint8_t label[TD_MAX_RECORDS]; /* td_rec_label of tls.records[i] */
    int8_t handshake_complete;     /* 1 yes, 0 no, -1 cannot tell */
    uint8_t client_cert;           /* td_client_cert_seen */
    bool exact;                    /* every size matched a message layout exactly (no padding guessed) */
    bool client_aborted;           /* the client answered the server's flight with an alert */
    bool server_aborted;           /* the server answered the client's flight with an alert, or closed */
    size_t client_first;           /* 1 + index of the client's first protected record (0: none) */
    size_t client_finished;        /* 1 + index of the record holding the client's Finished (0: none) */
    uint64_t client_abort_pkt, server_abort_pkt;
    uint32_t tickets;
    uint64_t response_bytes;       /* server application data after the client's first request */
    uint32_t response_records;
} td_inference;

typedef struct td_result {
    const td_transcript *t;
    td_verdict verdict;
    const char *confidence;        /* "certain" or "likely" */
    char summary[300];
    td_evidence evidence[TD_MAX_EVIDENCE];
    size_t n_evidence;
    const char *kb_section;        /* NULL when the KB has nothing to say */
    const char *remedy;            /* points at remedy_buf or a static string */
    char remedy_buf[400];
    td_finding findings[TD_MAX_FINDINGS];
    size_t n_findings;
    td_inference inf;              /* TLS 1.3 without keys; inf.done is false otherwise */
    /* Application data per direction, whichever way it is known (visible record types before
     * TLS 1.3, the inference in TLS 1.3): what the reports print. */
    uint64_t app_records[2], app_bytes[2], first_app_packet[2];
    uint64_t enc_hs_records[2];
} td_result;

/* Trust anchors and other settings the checks need; opaque, built once per run. */
typedef struct td_classifier td_classifier;

td_classifier *td_classifier_new(const char *cacert, const char *capath, char *err, size_t errlen);
void td_classifier_free(td_classifier *c);
/* Judge every connection alone from now on: no reasoning across sibling connections. */
void td_classifier_no_siblings(td_classifier *c);
void td_classify(td_classifier *c, const td_transcript *t, td_result *out);
/* A connection that began at `start` (INFINITY: none) will be judged after later ones: the
 * siblings it may need are kept until then (reading files, analyzer/run/run_line.c). */
void td_classify_keep_from(td_classifier *c, double start);
/* Judge t again, now that siblings that started after it are known; t was judged before, so
 * the classifier does not remember it a second time. */
void td_classify_again(td_classifier *c, const td_transcript *t, td_result *out);

/* Label of a record for the ladder and the JSON ("server-flight", "client-finished", ...). */
const char *td_rec_label_name(td_rec_label l);

/* The names of every verdict from TD_V_OK on, in table order (for the summary): names[i] is
 * the verdict TD_V_OK + i. */
const char *const *td_verdict_list(size_t *n);

/* Is the verdict a failure (anything but none and ok)? */
bool td_result_is_problem(const td_result *r);
/* buf holds a text that needed `needed` bytes (snprintf's answer): if it did not fit, end it at a
 * word boundary with "..." instead of mid-word. */
void td_fit_words(char *buf, size_t size, int needed);

#endif
