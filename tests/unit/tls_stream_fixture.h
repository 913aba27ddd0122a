/* tls_stream_fixture.h - one TLS stream parser and its transcript for the unit tests: deliveries,
 * event counts, sanity and a text fingerprint of the transcript, flows delivered in every split,
 * and the standard TLS 1.2 and TLS 1.3 flows. */
#ifndef TLSDIAG_TLS_STREAM_FIXTURE_H
#define TLSDIAG_TLS_STREAM_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/dissect.h"
#include "include/transcript.h"
#include "tls_bytes.h"

/* ---- fixture: one stream and its transcript --------------------------------------------------- */

typedef struct fx {
    td_transcript t;
    td_tls_stream *s;
} fx;

static inline void fx_init(fx *f)
{
    memset(&f->t, 0, sizeof f->t);
    f->s = td_tls_stream_new(&f->t);
}

static inline void fx_free(fx *f)
{
    td_tls_stream_free(f->s);
    td_transcript_clear(&f->t);
}

/* Deliver from an exact-size heap copy, so that ASan sees any read past the end. */
static inline void feed(fx *f, int dir, const uint8_t *p, size_t n, uint64_t packet)
{
    uint8_t *copy = malloc(n ? n : 1);
    if (n) memcpy(copy, p, n);
    td_tls_stream_data(f->s, dir, copy, n, packet, (double)packet);
    free(copy);
}

static inline void feedb(fx *f, int dir, const buf *b, uint64_t packet) { feed(f, dir, b->p, b->n, packet); }

static inline bool has_event(const td_transcript *t, td_ev_kind kind, int dir, int sub)
{
    for (size_t i = 0; i < t->n_events; i++)
        if (t->events[i].kind == kind && t->events[i].dir == dir && (sub < 0 || t->events[i].sub == sub))
            return true;
    return false;
}

static inline size_t count_events(const td_transcript *t, td_ev_kind kind, int dir)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_events; i++)
        if (t->events[i].kind == kind && t->events[i].dir == dir) n++;
    return n;
}

/* The first malformed record of direction d in words, or NULL when there was none. */
static inline const char *bad_what(const td_tls *x, int d)
{
    static char words[2][128];
    return x->bad_records[d] ? td_anomaly_text(&x->bad_record_first[d], d, words[d], sizeof words[d]) : NULL;
}

static inline bool printable(const char *s)
{
    if (!s) return true;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) return false;
    return true;
}

/* Every string in the transcript is printable and every list within its cap. */
static inline bool transcript_sane(const td_transcript *t)
{
    const td_tls *x = &t->tls;
    bool ok = printable(x->sni) && printable(x->alpn) && x->n_alerts <= TD_MAX_ALERTS &&
              x->n_alerts <= x->n_alerts_total && t->n_events <= TD_MAX_EVENTS &&
              x->n_alpn_offered <= TD_MAX_LIST && x->n_ca_names <= TD_MAX_LIST &&
              x->n_offered_ciphers <= TD_MAX_CIPHERS && x->n_offered_versions <= 16 &&
              x->server_chain.n <= TD_MAX_CHAIN && x->client_chain.n <= TD_MAX_CHAIN &&
              x->session_id_c_len <= 32 && x->session_id_s_len <= 32;
    for (size_t i = 0; ok && i < x->n_alpn_offered; i++) ok = printable(x->alpn_offered[i]);
    for (size_t i = 0; ok && i < x->n_ca_names; i++) ok = printable(x->ca_names[i]);
    for (int d = 0; ok && d < 2; d++) ok = printable(x->not_tls_what[d]) && printable(bad_what(x, d));
    for (size_t i = 0; ok && i < x->server_chain.n; i++)
        ok = printable(x->server_chain.certs[i].subject) && printable(x->server_chain.certs[i].issuer);
    return ok;
}

/* A text fingerprint of everything the parser decides, to compare deliveries. */
static inline char *fingerprint(const td_transcript *t)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    const td_tls *x = &t->tls;
    fprintf(f, "ch=%d sh=%d v2c=%d v2s=%d chp=%llu shp=%llu lv=%04x rv=%04x/%04x v=%04x cipher=%06x/%d\n",
            x->client_hello, x->server_hello, x->sslv2_client_hello, x->sslv2_server_hello,
            (unsigned long long)x->client_hello_packet, (unsigned long long)x->server_hello_packet,
            x->client_legacy_version, x->record_version[0], x->record_version[1], x->version,
            (unsigned)x->cipher, x->has_cipher);
    fprintf(f, "ov=");
    for (size_t i = 0; i < x->n_offered_versions; i++) fprintf(f, "%04x,", x->offered_versions[i]);
    fprintf(f, " oc=%zu/%zu:", x->n_offered_ciphers, x->n_offered_ciphers_total);
    for (size_t i = 0; i < x->n_offered_ciphers; i++) fprintf(f, "%04x,", x->offered_ciphers[i]);
    fprintf(f, "\nsni=%s alpn=%s ao=", x->sni ? x->sni : "-", x->alpn ? x->alpn : "-");
    for (size_t i = 0; i < x->n_alpn_offered; i++) fprintf(f, "%s,", x->alpn_offered[i]);
    fprintf(f, " sidc=%u sids=%u tk=%d psk=%d/%d ed=%d res=%d hrr=%d/%llu\n", x->session_id_c_len,
            x->session_id_s_len, x->ticket_offered, x->psk_offered, x->psk_accepted,
            x->early_data_offered, x->resumed, x->hello_retry, (unsigned long long)x->hello_retry_packet);
    const td_chain *chains[2] = { &x->server_chain, &x->client_chain };
    for (int c = 0; c < 2; c++) {
        const td_chain *ch = chains[c];
        fprintf(f, "chain%d n=%zu/%zu seen=%d empty=%d bad=%d p=%llu:", c, ch->n, ch->n_total, ch->seen,
                ch->empty, ch->malformed, (unsigned long long)ch->packet);
        for (size_t i = 0; i < ch->n; i++) fprintf(f, "[%s|%s|%s]", ch->certs[i].subject ? ch->certs[i].subject : "-",
                                                   ch->certs[i].issuer ? ch->certs[i].issuer : "-", ch->certs[i].sha256);
        fprintf(f, "\n");
    }
    fprintf(f, "cr=%d/%llu ca=", x->cert_requested, (unsigned long long)x->cert_request_packet);
    for (size_t i = 0; i < x->n_ca_names; i++) fprintf(f, "%s;", x->ca_names[i]);
    fprintf(f, " shd=%d alerts=%zu/%zu:", x->server_hello_done, x->n_alerts, x->n_alerts_total);
    for (size_t i = 0; i < x->n_alerts; i++)
        fprintf(f, "(%u %u %u %d %llu)", x->alerts[i].from, x->alerts[i].level, x->alerts[i].code,
                x->alerts[i].encrypted, (unsigned long long)x->alerts[i].packet);
    fprintf(f, "\n");
    for (int d = 0; d < 2; d++)
        fprintf(f, "dir%d ccs=%d enc=%d fin=%d app=%llu/%llu ehs=%u/%llu fap=%llu nt=%d/%s/%llu bad=%u/%s empty=%u\n", d,
                x->ccs[d], x->encrypted[d], x->finished[d], (unsigned long long)x->app_data[d],
                (unsigned long long)x->app_records[d], x->enc_hs_records[d], (unsigned long long)x->enc_hs_bytes[d],
                (unsigned long long)x->first_app_packet[d], x->not_tls[d],
                x->not_tls_what[d] ? x->not_tls_what[d] : "-", (unsigned long long)x->not_tls_packet[d],
                x->bad_records[d], bad_what(x, d) ? bad_what(x, d) : "-", x->empty_records[d]);
    fprintf(f, "heartbeats=%zu/%zu:", x->n_heartbeats, x->n_heartbeats_total);
    for (size_t i = 0; i < x->n_heartbeats; i++) {
        const td_heartbeat *h = &x->heartbeats[i];
        fprintf(f, "(%u %u %d %d %u %u %u %llu)", h->from, h->type, h->encrypted, h->malformed,
                h->payload_length, h->payload_actual, h->record_length, (unsigned long long)h->packet);
    }
    fprintf(f, "\nsslv2 kinds=%u hit=%d mk=%d/%llu/%06x/%u/%u/%u err=%u/%u/%llu", x->n_sslv2_offered_kinds,
            x->sslv2_session_id_hit, x->sslv2_master_key, (unsigned long long)x->sslv2_master_key_packet,
            (unsigned)x->sslv2_master_key_cipher, x->sslv2_clear_key_len, x->sslv2_encrypted_key_len,
            x->sslv2_key_arg_len, x->sslv2_error, x->sslv2_error_from, (unsigned long long)x->sslv2_error_packet);
    for (int d = 0; d < 2; d++)
        fprintf(f, " enc%d=%u/%llu/%llu", d, x->sslv2_enc_records[d], (unsigned long long)x->sslv2_enc_bytes[d],
                (unsigned long long)x->sslv2_first_enc_packet[d]);
    fprintf(f, "\n");
    fprintf(f, "starttls=%d ech=%d cap=%d hb=%d events=%zu/%zu:", x->starttls, x->ech_offered,
            x->buffer_cap_hit, x->heartbeat, t->n_events, t->n_events_dropped);
    /* (A plaintext event's length is the size of the first delivery: it may depend on the split.) */
    for (size_t i = 0; i < t->n_events; i++)
        fprintf(f, "(%u %u %u %u %u %llu)", t->events[i].kind, t->events[i].dir, t->events[i].sub,
                t->events[i].kind == TD_EV_PLAINTEXT ? 0 : t->events[i].len, t->events[i].count,
                (unsigned long long)t->events[i].packet);
    fprintf(f, "\n");
    fclose(f);
    return s;
}

/* ---- flows: a list of (direction, bytes) deliveries; packet number = index + 1 ------------------ */

#define MAX_STEPS 16

typedef struct flow {
    int n;
    int dir[MAX_STEPS];
    buf b[MAX_STEPS];
} flow;

static inline buf *step(flow *fl, int dir)
{
    fl->dir[fl->n] = dir;
    memset(&fl->b[fl->n], 0, sizeof fl->b[fl->n]);
    return &fl->b[fl->n++];
}

static inline void flow_free(flow *fl)
{
    for (int i = 0; i < fl->n; i++) bfree(&fl->b[i]);
    fl->n = 0;
}

/* Deliver the flow: step `split_step` (or every step when -1) in chunks of `chunk` bytes (0: whole),
 * or, when `cut` > 0, in two pieces cut at `cut`. */
static inline char *run_flow(const flow *fl, int split_step, size_t chunk, size_t cut)
{
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl->n; i++) {
        const buf *b = &fl->b[i];
        bool split = split_step < 0 || split_step == i;
        if (split && cut > 0 && cut < b->n) {
            feed(&f, fl->dir[i], b->p, cut, (uint64_t)i + 1);
            feed(&f, fl->dir[i], b->p + cut, b->n - cut, (uint64_t)i + 1);
        } else if (split && chunk) {
            for (size_t off = 0; off < b->n; off += chunk)
                feed(&f, fl->dir[i], b->p + off, b->n - off < chunk ? b->n - off : chunk, (uint64_t)i + 1);
        } else {
            feed(&f, fl->dir[i], b->p, b->n, (uint64_t)i + 1);
        }
    }
    char *fp = fingerprint(&f.t);
    fx_free(&f);
    return fp;
}

/* Every split of every step gives the reference transcript.  Returns the number of mismatches
 * (and prints the first). */
static inline int split_mismatches(const flow *fl)
{
    char *ref = run_flow(fl, -1, 0, 0);
    int bad = 0;
    char *one = run_flow(fl, -1, 1, 0);
    if (strcmp(ref, one) != 0) {
        if (!bad++) printf("    one byte at a time differs:\n--- whole:\n%s--- bytewise:\n%s", ref, one);
    }
    free(one);
    for (int i = 0; i < fl->n; i++) {
        for (size_t cut = 1; cut < fl->b[i].n; cut++) {
            char *fp = run_flow(fl, i, 0, cut);
            if (strcmp(ref, fp) != 0 && !bad++)
                printf("    step %d cut at %zu differs:\n--- whole:\n%s--- split:\n%s", i, cut, ref, fp);
            free(fp);
        }
    }
    free(ref);
    return bad;
}

/* A full TLS 1.2 handshake with a certificate chain, then application data and a close. */
static inline void tls12_flow(flow *fl)
{
    static const uint8_t sid[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    ch_opts co = { .sni = "www.example.com", .alpn = { "h2", "http/1.1" },
                   .versions = { 0x0a0a, 0x0304, 0x0303 }, .sid = sid, .sid_len = 32, .ticket = true };
    client_hello_record(step(fl, 0), &co);

    buf *s = step(fl, 1);
    buf msgs = { 0 }, certs[2] = { { 0 }, { 0 } }, body = { 0 };
    sh_opts so = { .cipher = 0xc02f, .alpn = "h2", .sid = (const uint8_t *)"0123456789abcdef0123456789abcdef", .sid_len = 32 };
    server_hello_msg(&msgs, &so);
    make_cert_der(&certs[0], "www.example.com", "Example CA");
    make_cert_der(&certs[1], "Example CA", "Example CA");
    certificate_body(&body, certs, 2);
    handshake(&msgs, 11, body.p, body.n);
    handshake(&msgs, 12, (const uint8_t *)"skeskeske", 9);
    handshake(&msgs, 14, NULL, 0);
    records_of(s, 22, &msgs, 700);                 /* the Certificate spans records */
    bfree(&msgs);
    bfree(&body);
    bfree(&certs[0]);
    bfree(&certs[1]);

    s = step(fl, 0);
    buf cke = { 0 };
    handshake(&cke, 16, (const uint8_t *)"\x20" "0123456789abcdef0123456789abcdef", 33);
    record(s, 22, 0x0303, cke.p, cke.n);
    bfree(&cke);
    ccs_record(s);
    opaque_record(s, 22, 40, 0x5a);                /* encrypted Finished */

    s = step(fl, 1);
    ccs_record(s);
    opaque_record(s, 22, 40, 0xa5);

    s = step(fl, 0);
    opaque_record(s, 23, 120, 0x33);
    opaque_record(s, 23, 30, 0x34);
    s = step(fl, 1);
    opaque_record(s, 23, 1500, 0x44);
    opaque_record(s, 21, 26, 0x45);                /* encrypted close_notify */
}

/* TLS 1.3: HRR, second ClientHello, ServerHello, the server's encrypted flight, the client's
 * Finished, application data. */
static inline void tls13_flow(flow *fl)
{
    static const uint8_t sid[32] = { 9, 9, 9 };
    ch_opts co = { .sni = "tls13.example", .alpn = { "h2", "http/1.1" },
                   .versions = { 0x3a3a, 0x0304, 0x0303 }, .sid = sid, .sid_len = 32 };
    client_hello_record(step(fl, 0), &co);
    sh_opts hrr = { .hrr = true, .cipher = 0x1301, .selected_version = 0x0304, .sid = sid, .sid_len = 32 };
    server_hello_record(step(fl, 1), &hrr);
    buf *c = step(fl, 0);
    ccs_record(c);
    client_hello_record(c, &co);
    buf *s = step(fl, 1);
    sh_opts so = { .cipher = 0x1301, .selected_version = 0x0304, .sid = sid, .sid_len = 32 };
    server_hello_record(s, &so);
    ccs_record(s);
    opaque_record(s, 23, 30, 1);                   /* EncryptedExtensions */
    opaque_record(s, 23, 900, 2);                  /* Certificate */
    opaque_record(s, 23, 100, 3);                  /* CertificateVerify */
    opaque_record(s, 23, 53, 4);                   /* Finished */
    c = step(fl, 0);
    opaque_record(c, 23, 53, 5);                   /* client Finished: 4 + 32 + 1 + 16 */
    opaque_record(c, 23, 200, 6);                  /* request */
    s = step(fl, 1);
    opaque_record(s, 23, 300, 7);                  /* NewSessionTicket + response: application */
}

#endif
