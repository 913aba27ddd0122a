/* tls13_without_keys.c - what a TLS 1.3 exchange did, read without keys.
 *
 * After the ServerHello every TLS 1.3 record says "application data"; the parser keeps only
 * each record's direction, length, packet and time (tls.records).  Here, once and from the whole
 * exchange, each record is given its likely content:
 *
 *  - the server's records before the client's first one are its flight (EncryptedExtensions ..
 *    Finished), unless the first is alert-sized (the server gave up);
 *  - the client's first records are its flight, which must end with a Finished (application data
 *    cannot come before it: other keys).  The flight is recognised by message layouts, for the
 *    negotiated suite's hash and AEAD tag, not by one stack's habits: Finished alone; an empty
 *    Certificate then Finished; Certificate, CertificateVerify, Finished; any of them coalesced
 *    into one record (Go, Java); a Finished in its own packet after a pause changes nothing,
 *    since packets and times are not used for this;
 *  - a client that sent 0-RTT early data (before the ServerHello) starts its flight with an
 *    EndOfEarlyData when the server accepted it (RFC 8446 4.5);
 *  - an alert-sized record where a flight is due is an alert;
 *  - server records after the client's Finished and before its first request could be answered
 *    are NewSessionTickets; so are runs of equal-sized records leading the first answer;
 *  - the rest is application data, except a last alert-sized record (close_notify or fatal).
 * When the sizes match no layout exactly (padding, an unknown suite), the reading falls back to
 * order alone and says so (inf.exact = false). */
#include <string.h>

#include "analyzer/diagnose/classify_int.h"
#include "dissectors/dissect.h"

static const char *const label_names[TD_REC_N] = {
    [TD_REC_UNKNOWN] = "unknown",
    [TD_REC_SERVER_FLIGHT] = "server-flight",
    [TD_REC_CLIENT_CERT] = "client-certificate",
    [TD_REC_CLIENT_EMPTY_CERT] = "client-empty-certificate",
    [TD_REC_CLIENT_CV] = "client-certificate-verify",
    [TD_REC_CLIENT_FINISHED] = "client-finished",
    [TD_REC_CLIENT_FLIGHT] = "client-flight",
    [TD_REC_TICKET] = "new-session-ticket",
    [TD_REC_ALERT] = "alert",
    [TD_REC_APPDATA] = "appdata",
    [TD_REC_END_OF_EARLY_DATA] = "end-of-early-data",
};

const char *td_rec_label_name(td_rec_label l)
{
    return (unsigned)l < TD_REC_N ? label_names[l] : "unknown";
}

/* Sizes of protected records holding one message (inner content type byte and AEAD tag added). */
typedef struct layout {
    uint32_t alert;                /* Alert: 2 bytes */
    uint32_t eoed;                 /* EndOfEarlyData: a 4-byte header, no body */
    uint32_t finished;             /* Finished: 4 + hash length */
    uint32_t empty_cert;           /* Certificate with an empty context and no entries: 4 + 1 + 3 */
    uint32_t empty_cert_finished;  /* both in one record */
    uint32_t cv_min, cv_max;       /* CertificateVerify: 4 + 2 + 2 + signature (Ed25519 64 .. RSA-8192 1024) */
} layout;

/* pad: bytes of padding the sender adds to every record (RFC 8446 5.4): 0 for most stacks, 16
 * for Java's (JSSE). */
static layout layout_for(uint32_t cipher, uint32_t pad)
{
    uint32_t tag = (cipher == 0x1305 ? 8 : 16) + pad;  /* TLS_AES_128_CCM_8_SHA256 */
    uint32_t hash = cipher == 0x1302 ? 48 : 32;        /* TLS_AES_256_GCM_SHA384 */
    layout l;
    l.alert = 2 + 1 + tag;
    l.eoed = 4 + 1 + tag;
    l.finished = 4 + hash + 1 + tag;
    l.empty_cert = 8 + 1 + tag;
    l.empty_cert_finished = 8 + 4 + hash + 1 + tag;
    l.cv_min = 8 + 64 + 1 + tag;
    l.cv_max = 8 + 1024 + 1 + tag;
    return l;
}

static bool fixed_size(const layout *l, uint32_t len)
{
    return len == l->alert || len == l->finished || len == l->empty_cert || len == l->empty_cert_finished;
}

/* Does this sender pad its records?  Its first record where a flight is due has one of the
 * fixed sizes (an alert, a Finished, an empty Certificate, both) only with padding added. */
static const layout *sender_layout(uint32_t first_len, const layout *plain, const layout *padded)
{
    return !fixed_size(plain, first_len) && fixed_size(padded, first_len) ? padded : plain;
}

/* A Finished padded by the sender (RFC 8446 5.4) is a little longer; a Certificate never is this
 * short.  Used only when no exact layout fits. */
#define PAD_SLACK 64

static bool closed_by(const td_tcp *tcp, int dir)
{
    return (tcp->rst_packet && tcp->rst_from == dir) || tcp->fin[dir];
}

/* Indexes of the first up to 3 client records, in order. */
static size_t client_records(const td_tls *s, size_t from, size_t *idx, size_t max)
{
    size_t k = 0;
    for (size_t i = from; i < s->n_records && k < max; i++)
        if (s->records[i].dir == TD_C2S) idx[k++] = i;
    return k;
}

/* The client's flight: label its records, return the index of the one holding the Finished, or
 * SIZE_MAX when it is not there (an alert, or the capture ended). */
static size_t client_flight(const td_tls *s, const layout *l, size_t first, td_inference *inf)
{
    size_t c[3] = { first, first, first };
    size_t n = client_records(s, first, c, 3);
    uint32_t len[3] = { 0, 0, 0 };
    for (size_t i = 0; i < n; i++) len[i] = s->records[c[i]].len;
    uint8_t *lab = inf->label;
    inf->exact = true;
    if (len[0] == l->alert) {
        lab[c[0]] = TD_REC_ALERT;
        inf->client_aborted = true;
        inf->client_abort_pkt = s->records[c[0]].packet;
        return SIZE_MAX;
    }
    if (len[0] == l->finished) {
        lab[c[0]] = TD_REC_CLIENT_FINISHED;
        inf->client_cert = TD_CC_NOT_REQUESTED;
        return c[0];
    }
    if (len[0] == l->empty_cert_finished) {
        lab[c[0]] = TD_REC_CLIENT_FLIGHT;
        inf->client_cert = TD_CC_EMPTY;
        return c[0];
    }
    if (len[0] == l->empty_cert) {
        lab[c[0]] = TD_REC_CLIENT_EMPTY_CERT;
        inf->client_cert = TD_CC_EMPTY;
        if (n < 2) return SIZE_MAX;
        lab[c[1]] = TD_REC_CLIENT_FINISHED;
        if (len[1] != l->finished) inf->exact = false;
        return c[1];
    }
    if (len[0] > l->finished && len[0] <= l->finished + PAD_SLACK) {   /* a padded Finished */
        lab[c[0]] = TD_REC_CLIENT_FINISHED;
        inf->client_cert = TD_CC_UNKNOWN;
        inf->exact = false;
        return c[0];
    }
    if (len[0] < l->finished) {                        /* nothing of a flight is this short */
        lab[c[0]] = TD_REC_UNKNOWN;
        inf->exact = false;
        return SIZE_MAX;
    }
    /* Longer: a Certificate with certificates, maybe coalesced with what follows it. */
    inf->client_cert = TD_CC_SENT;
    if (n >= 2 && len[1] == l->finished) {             /* [Certificate + CertificateVerify][Finished] */
        lab[c[0]] = TD_REC_CLIENT_CERT;
        lab[c[1]] = TD_REC_CLIENT_FINISHED;
        return c[1];
    }
    if (n >= 3 && len[1] >= l->cv_min && len[1] <= l->cv_max && len[2] == l->finished) {
        lab[c[0]] = TD_REC_CLIENT_CERT;
        lab[c[1]] = TD_REC_CLIENT_CV;
        lab[c[2]] = TD_REC_CLIENT_FINISHED;
        return c[2];
    }
    lab[c[0]] = TD_REC_CLIENT_FLIGHT;                  /* the whole flight in one record */
    return c[0];
}

/* The server's flight: everything it sent before the client's first protected record, which is
 * alert-sized when the server gave up; and a fatal alert the client sent in the clear before its
 * keys changed.  Returns the index of the client's first protected record (n: none). */
static size_t label_server_flight(const td_tls *s, td_inference *inf, const layout *plain, const layout *padded)
{
    size_t n = s->n_records;
    size_t first_c = n;
    for (size_t i = 0; i < n; i++)
        if (s->records[i].dir == TD_C2S) { first_c = i; break; }
    for (size_t i = 0; i < first_c; i++) inf->label[i] = TD_REC_SERVER_FLIGHT;
    if (first_c > 0 && (s->records[0].len == plain->alert || s->records[0].len == padded->alert)) {
        /* no flight is alert-sized: it gave up */
        inf->label[0] = TD_REC_ALERT;
        inf->server_aborted = true;
        inf->server_abort_pkt = s->records[0].packet;
        inf->handshake_complete = 0;
    }
    for (size_t i = 0; i < s->n_alerts; i++)              /* a fatal alert sent before its keys changed */
        if (s->alerts[i].from == TD_C2S && s->alerts[i].level == 2 && !s->alerts[i].encrypted &&
            (first_c == n || s->alerts[i].packet <= s->records[first_c].packet)) {
            inf->client_aborted = true;
            inf->client_abort_pkt = s->alerts[i].packet;
            inf->handshake_complete = 0;
        }
    return first_c;
}

/* Go's servers send a NewSessionTicket right after their Finished, before the client's: the
 * records after the last Finished-sized one of the flight (not its first, EncryptedExtensions)
 * are tickets, when they are few and ticket-sized. */
static void label_flight_tickets(const td_tls *s, td_inference *inf, size_t first_c, const layout *plain,
                                 const layout *padded)
{
    for (size_t i = first_c; i-- > 1;) {
        uint32_t len = s->records[i].len;
        if (len != plain->finished && len != padded->finished) continue;
        size_t after = first_c - 1 - i;
        bool tickets = after > 0 && after <= 2;
        for (size_t k = i + 1; k < first_c && tickets; k++) tickets = s->records[k].len > padded->alert;
        if (tickets)
            for (size_t k = i + 1; k < first_c; k++) inf->label[k] = TD_REC_TICKET;
        break;
    }
}

/* 0-RTT: early data went before the ServerHello (the parser counted it as data, the version
 * being unknown then); accepted, the client's next record is its EndOfEarlyData.  Returns the
 * index of the record that starts the client's flight (n: none). */
static size_t label_end_of_early_data(const td_tls *s, td_inference *inf, size_t first_c, const layout *plain,
                                      const layout *padded)
{
    size_t n = s->n_records;
    bool early = s->early_data_offered && s->first_app_packet[TD_C2S] && s->first_app_packet[TD_C2S] <= s->server_hello_packet;
    if (!early || (s->records[first_c].len != plain->eoed && s->records[first_c].len != padded->eoed)) return first_c;
    inf->label[first_c] = TD_REC_END_OF_EARLY_DATA;
    size_t next = n;
    for (size_t i = first_c + 1; i < n; i++)
        if (s->records[i].dir == TD_C2S) { next = i; break; }
    for (size_t i = first_c + 1; i < next; i++)      /* the server's, meanwhile: tickets */
        if (!inf->label[i]) inf->label[i] = s->records[i].len > padded->alert ? TD_REC_TICKET : TD_REC_ALERT;
    return next;
}

/* Server records after the client's Finished and before its first request are tickets (nothing
 * has been asked yet); so is a run of equal-sized records that starts the server's first answer
 * (OpenSSL sends two).  The rest is application data, but for alert-sized records at the end. */
static void label_after_finished(const td_tls *s, td_inference *inf, size_t first_c, size_t fin, const layout *lc,
                                 const layout *ls, const layout *padded)
{
    size_t n = s->n_records;
    uint64_t request_pkt = 0;
    for (size_t i = fin + 1; i < n; i++)
        if (s->records[i].dir == TD_C2S && !inf->label[i] && s->records[i].len != lc->alert) {
            request_pkt = s->records[i].packet;
            break;
        }
    size_t last_s = SIZE_MAX;                             /* the server's last protected record */
    for (size_t i = n; i-- > 0;)
        if (s->records[i].dir == TD_S2C) { last_s = i; break; }
    size_t last_c = SIZE_MAX;
    for (size_t i = n; i-- > fin + 1;)
        if (s->records[i].dir == TD_C2S) { last_c = i; break; }
    /* The server's last records, when alert-sized, are alerts: two bytes of plaintext are no
     * answer to a request (GnuTLS refuses a client certificate with access_denied and then
     * close_notify, after the request has come). */
    for (size_t i = n; i-- > fin + 1;) {
        const td_record *x = &s->records[i];
        if (x->dir != TD_S2C || inf->label[i]) continue;
        if (x->len != ls->alert && x->len != padded->alert) break;
        inf->label[i] = TD_REC_ALERT;
    }
    bool answered = false;                                /* server data after the request seen */
    for (size_t i = first_c; i < n; i++) {
        if (inf->label[i]) continue;
        const td_record *x = &s->records[i];
        if (x->dir == TD_C2S) {
            inf->label[i] = x->len == lc->alert && i == last_c ? TD_REC_ALERT : TD_REC_APPDATA;
            continue;
        }
        if (i < fin) {                                    /* during the client's flight */
            inf->label[i] = x->len == ls->alert || x->len == padded->alert ? TD_REC_ALERT : TD_REC_UNKNOWN;
            continue;
        }
        if ((x->len == ls->alert || x->len == padded->alert) && i == last_s) {   /* close_notify, or fatal */
            inf->label[i] = TD_REC_ALERT;
            continue;
        }
        if (!answered && (!request_pkt || x->packet < request_pkt) && x->len > padded->alert) {
            inf->label[i] = TD_REC_TICKET;
            continue;
        }
        /* Alert-sized before anything was asked: two bytes nobody requested are an alert (GnuTLS
         * refuses a client certificate with access_denied, then close_notify). */
        if (!answered && (!request_pkt || x->packet < request_pkt) && (x->len == ls->alert || x->len == padded->alert)) {
            inf->label[i] = TD_REC_ALERT;
            continue;
        }
        if (!answered) {
            size_t j = i + 1;
            while (j < n && s->records[j].dir == TD_S2C && s->records[j].len == x->len) j++;
            if (j > i + 1 && j < n && x->len > padded->alert && x->len < 4096) {
                for (size_t k = i; k < j; k++) inf->label[k] = TD_REC_TICKET;
                i = j - 1;
                continue;
            }
        }
        inf->label[i] = TD_REC_APPDATA;
        answered = true;
    }
}

/* The outcome.  The server refused the client's flight when all it answered was an alert, or
 * when it closed without a word after a flight that held a Certificate (it rejected it). */
static void judge_outcome(const td_transcript *t, td_inference *inf, size_t fin)
{
    const td_tls *s = &t->tls;
    size_t n = s->n_records;
    bool server_data = false, client_closed_first = false;
    uint64_t alert_pkt = 0, client_alert_pkt = 0;
    uint64_t kept_s = 0;
    for (size_t i = 0; i < n; i++) kept_s += s->records[i].dir == TD_S2C;
    for (size_t i = fin + 1; i < n; i++) {
        if (s->records[i].dir != TD_S2C) {
            if (inf->label[i] == TD_REC_ALERT && !client_alert_pkt) client_alert_pkt = s->records[i].packet;
            continue;
        }
        if (inf->label[i] == TD_REC_APPDATA || inf->label[i] == TD_REC_TICKET) server_data = true;
        if (inf->label[i] == TD_REC_ALERT && !alert_pkt) alert_pkt = s->records[i].packet;
    }
    /* The client's close_notify counts only if it came before the server's alert or close. */
    uint64_t server_end = alert_pkt ? alert_pkt : closed_by(&t->tcp, TD_S2C) ? (t->tcp.rst_packet && t->tcp.rst_from == TD_S2C ? t->tcp.rst_packet : t->tcp.fin_packet[TD_S2C]) : UINT64_MAX;
    if (t->tcp.rst_packet && t->tcp.rst_from == TD_S2C && t->tcp.rst_packet < server_end) server_end = t->tcp.rst_packet;
    if (t->tcp.fin[TD_S2C] && t->tcp.fin_packet[TD_S2C] < server_end) server_end = t->tcp.fin_packet[TD_S2C];
    if (client_alert_pkt && client_alert_pkt < server_end) client_closed_first = true;
    if (s->records_total[TD_S2C] > kept_s) server_data = true;
    bool cert_flight = inf->client_cert == TD_CC_EMPTY || inf->client_cert == TD_CC_SENT;
    if (t->tcp.fin[TD_C2S] && (!t->tcp.fin[TD_S2C] || t->tcp.fin_packet[TD_C2S] < t->tcp.fin_packet[TD_S2C]) &&
        (!alert_pkt || t->tcp.fin_packet[TD_C2S] < alert_pkt))
        client_closed_first = true;
    if (!server_data && !client_closed_first && closed_by(&t->tcp, TD_S2C) && (alert_pkt || cert_flight)) {
        inf->server_aborted = true;
        inf->server_abort_pkt = alert_pkt ? alert_pkt
                              : (t->tcp.rst_packet && t->tcp.rst_from == TD_S2C ? t->tcp.rst_packet : t->tcp.fin_packet[TD_S2C]);
        inf->handshake_complete = 0;
    } else {
        inf->handshake_complete = 1;
    }
}

/* Give every protected record its likely content, and judge whether the handshake completed. */
static void label_records(const td_transcript *t, td_inference *inf, const layout *plain, const layout *padded)
{
    const td_tls *s = &t->tls;
    size_t n = s->n_records;
    size_t first_c = label_server_flight(s, inf, plain, padded);
    if (first_c == n) {                                   /* the client never answered */
        if (closed_by(&t->tcp, TD_C2S) || closed_by(&t->tcp, TD_S2C)) inf->handshake_complete = 0;
        return;
    }
    label_flight_tickets(s, inf, first_c, plain, padded);
    first_c = label_end_of_early_data(s, inf, first_c, plain, padded);
    if (first_c == n) return;
    inf->client_first = first_c + 1;
    const layout *lc = sender_layout(s->records[first_c].len, plain, padded);
    const layout *ls = plain;                             /* the server's, if it pads, is unseen */
    size_t fin = client_flight(s, lc, first_c, inf);
    if (lc == padded) inf->exact = true;                  /* padding found, sizes matched */
    if (fin == SIZE_MAX) {
        if (inf->client_aborted) inf->handshake_complete = 0;
        /* Whatever follows an abandoned flight is alerts and the close. */
        for (size_t i = first_c + 1; i < n; i++)
            if (!inf->label[i])
                inf->label[i] = s->records[i].len == (s->records[i].dir == TD_C2S ? lc : ls)->alert ||
                                s->records[i].len == padded->alert ? TD_REC_ALERT : TD_REC_UNKNOWN;
        return;
    }
    inf->client_finished = fin + 1;
    label_after_finished(s, inf, first_c, fin, lc, ls, padded);
    judge_outcome(t, inf, fin);
}

/* Application data per direction, from the labels; records past those kept are data too. */
static void count_app_data(const td_tls *s, td_result *r)
{
    td_inference *inf = &r->inf;
    size_t n = s->n_records;
    for (int d = 0; d < 2; d++) {
        uint64_t kept = 0, kept_bytes = 0;
        for (size_t i = 0; i < n; i++) {
            const td_record *x = &s->records[i];
            if (x->dir != d) continue;
            kept++;
            kept_bytes += x->captured;
            if (inf->label[i] == TD_REC_APPDATA) {
                if (!r->app_records[d]) r->first_app_packet[d] = x->packet;
                r->app_records[d]++;
                r->app_bytes[d] += x->captured;
            } else if (inf->label[i] == TD_REC_TICKET) {
                if (d == TD_S2C) inf->tickets++;
            } else if (inf->label[i] != TD_REC_ALERT) {
                r->enc_hs_records[d]++;
            }
        }
        /* Records past those kept are data: the handshake is long over by then. */
        if (s->records_total[d] > kept) {
            r->app_records[d] += s->records_total[d] - kept;
            r->app_bytes[d] += s->record_bytes[d] > kept_bytes ? s->record_bytes[d] - kept_bytes : 0;
        }
    }
}

/* What the server answered after the client's first request. */
static void count_response(const td_tls *s, td_inference *inf)
{
    size_t n = s->n_records;
    bool asked = false;
    for (size_t i = inf->client_finished; i < n && inf->client_finished; i++) {
        const td_record *x = &s->records[i];
        if (x->dir == TD_C2S && inf->label[i] == TD_REC_APPDATA) asked = true;
        if (x->dir == TD_S2C && asked && inf->label[i] == TD_REC_APPDATA) {
            inf->response_records++;
            inf->response_bytes += x->captured;
        }
    }
    uint64_t kept_server = 0;
    for (size_t i = 0; i < n; i++) kept_server += s->records[i].dir == TD_S2C;
    if (s->records_total[TD_S2C] > kept_server) inf->response_records += (uint32_t)(s->records_total[TD_S2C] - kept_server);
}

void td_infer13(const td_transcript *t, td_result *r)
{
    const td_tls *s = &t->tls;
    td_inference *inf = &r->inf;
    memset(inf, 0, sizeof *inf);
    if (!td_version_is_tls13(s->version) || !s->server_hello || !s->n_records) return;
    if (td_tls_decrypted(s)) return;               /* read with a key log: nothing to infer */
    inf->done = true;
    inf->handshake_complete = -1;
    layout plain = layout_for(s->cipher, 0), padded = layout_for(s->cipher, 16);
    label_records(t, inf, &plain, &padded);
    /* Application data, and what the server answered after the first request. */
    count_app_data(s, r);
    count_response(s, inf);
}
