/* report.h - text for people, JSON Lines for programs, both from td_result
 * (analyzer/report/report_text.c, analyzer/report/report_json.c). */
#ifndef TLSDIAG_REPORT_H
#define TLSDIAG_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer/diagnose/classify.h"

typedef struct td_run_summary {
    const char **files;
    size_t n_files;
    uint64_t packets;
    uint64_t connections;
    uint64_t undecoded;
    uint64_t truncated;
    double elapsed_s;
    const char **verdict_names;    /* verdicts in table order, with their counts */
    const uint64_t *verdict_counts;
    size_t n_verdicts;
    uint64_t no_verdict;
    bool live;
    const char *iface;             /* live: the interface */
    uint64_t kernel_received, kernel_dropped;
    bool have_kernel_stats;
    struct td_rollup *rollup;      /* the per-server roll-up (analyzer/report/rollup.h), or NULL */
    const char *const *notes;      /* why there are no (or fewer) results: "no TCP port 443 traffic; ..." */
    size_t n_notes;
    unsigned shard_k, shard_n;     /* --shard K/N (n = 0: none): JSON says "shard":{"k":K,"n":N} */
} td_run_summary;

/* What the JSON report remembers between connections (the last offered-suite lists, written
 * out); one per writer, NULL for none. */
typedef struct td_json_memo td_json_memo;
td_json_memo *td_json_memo_new(void);
void td_json_memo_free(td_json_memo *m);
/* --sensor NAME: each connection record says "sensor":NAME after its id (not set: no such field). */
void td_json_memo_set_sensor(td_json_memo *m, const char *sensor);
/* verbose > 0: with the ladder; memo may be NULL. */
void td_json_connection(FILE *out, const td_result *r, int verbose, td_json_memo *memo);
void td_json_summary(FILE *out, const td_run_summary *s);

/* The text report wraps at `width` columns (td_text_width), never inside a word. */
void td_text_connection(FILE *out, const td_result *r, int verbose, bool color, int width);
void td_text_rollup(FILE *out, struct td_rollup *ru, bool color, int width);
void td_text_summary(FILE *out, const td_run_summary *s, bool color, int width);
/* The text report's layout, for tlsdiag report: head then body wrapped at width, continuation lines
 * at column indent; "  LABEL        body"; the same with "pkt N" before the body; 1234 B, 12.1 KiB. */
void td_text_put(FILE *out, int width, const char *head, int indent, const char *body);
void td_text_labelled(FILE *out, int width, const char *label, const char *body);
void td_text_at_packet(FILE *out, int width, const char *label, uint64_t packet, const char *body);
void td_text_human_bytes(uint64_t n, char *buf, size_t len);
/* The width to wrap at: $COLUMNS if set, else the terminal's (when to_terminal_fd >= 0 is one),
 * else 80. */
int td_text_width(int to_terminal_fd);

/* -- html FILE: one self-contained page (analyzer/report/report_html.c).  Connections are kept in a
 * temporary file until td_html_close writes the page: the roll-up first, then each of them. */
typedef struct td_html td_html;
td_html *td_html_open(const char *path, char *err, size_t errlen);
void td_html_connection(td_html *h, const td_result *r);
/* One connection's <article> into f, which td_html_article gave or which will be copied there
 * (a run's connections that wait behind one held for its siblings: analyzer/run/run_line.c). */
void td_html_draw(FILE *f, const td_result *r);
/* For tlsdiag report's records (report_merge_html.c): the stream one more connection's <article>
 * goes to (NULL past the page's cap: counted), and text escaped for HTML. */
FILE *td_html_article(td_html *h);
void td_html_text(FILE *f, const char *s);
/* Writes the page and frees h; false (err filled) if it could not be written. */
bool td_html_close(td_html *h, const td_run_summary *s, char *err, size_t errlen);

/* Shared formatting. */
const char *td_plural(uint64_t n, const char *one, const char *many);   /* one when n == 1 */
/* "packet 9" or "packets 1-8": the frames a connection spans, written into buf. */
const char *td_packet_span(uint64_t first, uint64_t last, char *buf, size_t len);
void td_format_time(double ts, char *buf, size_t len);      /* 2026-11-25T00:33:01.123456Z */
const char *td_event_kind_name(uint8_t kind);                /* "syn", "handshake", "encrypted", ... */
/* The ladder's text for an event ("ClientHello (204 B)", "Alert fatal unknown_ca(48)"). */
const char *td_event_text(const td_transcript *t, const td_event *e, char *buf, size_t len);
/* The evidence of r in packet order (stable): order[i] indexes r->evidence; returns the count. */
size_t td_evidence_order(const td_result *r, size_t order[TD_MAX_EVIDENCE]);
/* For a ladder walk in order: what a protected TLS 1.3 record event was inferred to hold, or NULL
 * for other events; *rec counts the kept records passed (start it at 0). */
const char *td_event_record_label(const td_result *r, const td_event *e, size_t *rec);
/* Line i (from 0) of the hellos' facts (analyzer/report/report_hello.c): JA3/JA4/JA3S, then with
 * verbose the offered lists; *label and the body in buf ("" when line i is empty), NULL past the end. */
const char *td_hello_line(const td_tls *s, int i, bool verbose, const char **label, char *buf, size_t len);
/* What came before TLS, in words (analyzer/report/report_upgrade.c): a STARTTLS dialogue ("smtp:
 * offered, asked, accepted: 220 ..."); an HTTP CONNECT, its request (answer false) or the proxy's
 * answer (answer true). */
const char *td_starttls_text(const td_starttls *x, char *buf, size_t len);
const char *td_proxy_text(const td_transcript *t, bool answer, char *buf, size_t len);
/* A QUIC connection's transport facts in one line (analyzer/report/report_quic.c): version,
 * datagrams, Retry, Version Negotiation, who closed and why. */
const char *td_quic_line(const td_transcript *t, char *buf, size_t len);

#endif
