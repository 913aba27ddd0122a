/* test_tls_stream.c - the TLS stream parser through its public API (dissectors/dissect.h).
 *
 * td_tls_stream_new/_data/_gap/_free filling a td_transcript (dissectors/tls/: tls_stream.c and
 * the files below it, see tls_stream_int.h).
 *
 * TLS bytes are built by hand here (records, handshake messages, hellos with extensions, SSLv2
 * hellos), certificates and CA names are made with OpenSSL, and every test checks exact values.
 * The same flows are also delivered in every split (one byte at a time, two chunks at every
 * split point) and must give the same transcript; hostile input (lying lengths, oversized
 * records, huge handshake lengths, 100000 alerts, byte flips) must be handled in bounded time and
 * memory, never a crash (run the ASan build too). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "check.h"
#include "dissectors/dissect.h"
#include "include/transcript.h"

/* ---- byte buffers ----------------------------------------------------------------------------- */

#include "bytebuf.h"

/* A TLS record: type, version, u16 length, body. */
static void record(buf *out, unsigned type, unsigned version, const uint8_t *body, size_t len)
{
    put8(out, type);
    put16(out, version);
    put16(out, (unsigned)len);
    put(out, body, len);
}

/* A handshake message: type, u24 length, body. */
static void handshake(buf *out, unsigned type, const uint8_t *body, size_t len)
{
    put8(out, type);
    put24(out, len);
    put(out, body, len);
}

/* The handshake message wrapped in one handshake record. */
static void hs_record(buf *out, unsigned type, const buf *body)
{
    buf m = { 0 };
    handshake(&m, type, body->p, body->n);
    record(out, 22, 0x0303, m.p, m.n);
    bfree(&m);
}

/* Split `msgs` (handshake messages) into records of at most `max` bytes each. */
static void records_of(buf *out, unsigned type, const buf *msgs, size_t max)
{
    for (size_t off = 0; off < msgs->n; off += max) {
        size_t k = msgs->n - off < max ? msgs->n - off : max;
        record(out, type, 0x0303, msgs->p + off, k);
    }
}

static void bytes_of(buf *out, unsigned v, size_t n)
{
    for (size_t i = 0; i < n; i++) put8(out, v);
}

/* ---- hellos --------------------------------------------------------------------------------- */

static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

typedef struct ch_opts {
    uint16_t legacy_version;              /* 0 = 0x0303 */
    const char *sni;
    const char *alpn[4];                  /* NULL-terminated */
    uint16_t versions[8];                 /* supported_versions, 0-terminated; none: no extension */
    const uint8_t *sid;
    size_t sid_len;
    uint16_t ciphers[8];                  /* 0-terminated; none: a default list */
    bool psk, early_data, ticket, ech;
    size_t dummy_exts;                    /* extra empty extensions before the others */
    long ext_len_delta;                   /* added to the extensions block length (a lie) */
} ch_opts;

static void client_hello_body(buf *b, const ch_opts *o)
{
    put16(b, o->legacy_version ? o->legacy_version : 0x0303);
    for (int i = 0; i < 32; i++) put8(b, 0x11 + i);      /* random */
    put8(b, (unsigned)o->sid_len);
    put(b, o->sid, o->sid_len);
    buf cs = { 0 };
    if (o->ciphers[0]) {
        for (int i = 0; i < 8 && o->ciphers[i]; i++) put16(&cs, o->ciphers[i]);
    } else {
        put16(&cs, 0x1301);
        put16(&cs, 0xc02f);
        put16(&cs, 0x009c);
    }
    put16(b, (unsigned)cs.n);
    putb(b, &cs);
    bfree(&cs);
    put8(b, 1);                                              /* compression: null */
    put8(b, 0);

    buf ex = { 0 };
    for (size_t i = 0; i < o->dummy_exts; i++) {
        put16(&ex, 0xff00 + (unsigned)(i % 200) + 0x20);     /* unknown types */
        put16(&ex, 0);
    }
    if (o->sni) {
        size_t n = strlen(o->sni);
        put16(&ex, 0);
        put16(&ex, (unsigned)(n + 5));
        put16(&ex, (unsigned)(n + 3));
        put8(&ex, 0);
        put16(&ex, (unsigned)n);
        putstr(&ex, o->sni);
    }
    if (o->alpn[0]) {
        buf l = { 0 };
        for (int i = 0; i < 4 && o->alpn[i]; i++) {
            put8(&l, (unsigned)strlen(o->alpn[i]));
            putstr(&l, o->alpn[i]);
        }
        put16(&ex, 16);
        put16(&ex, (unsigned)(l.n + 2));
        put16(&ex, (unsigned)l.n);
        putb(&ex, &l);
        bfree(&l);
    }
    if (o->versions[0]) {
        int n = 0;
        while (n < 8 && o->versions[n]) n++;
        put16(&ex, 43);
        put16(&ex, (unsigned)(1 + 2 * n));
        put8(&ex, (unsigned)(2 * n));
        for (int i = 0; i < n; i++) put16(&ex, o->versions[i]);
    }
    if (o->ticket) {
        put16(&ex, 35);
        put16(&ex, 4);
        put(&ex, "tckt", 4);
    }
    if (o->early_data) {
        put16(&ex, 42);
        put16(&ex, 0);
    }
    if (o->ech) {
        put16(&ex, 0xfe0d);
        put16(&ex, 3);
        put(&ex, "ech", 3);
    }
    if (o->psk) {                                            /* last, as RFC 8446 requires */
        put16(&ex, 41);
        put16(&ex, 4);
        put(&ex, "\x00\x00\x00\x00", 4);
    }
    put16(b, (unsigned)((long)ex.n + o->ext_len_delta));
    putb(b, &ex);
    bfree(&ex);
}

static void client_hello_record(buf *out, const ch_opts *o)
{
    buf body = { 0 };
    client_hello_body(&body, o);
    hs_record(out, 1, &body);
    bfree(&body);
}

typedef struct sh_opts {
    uint16_t legacy_version;              /* 0 = 0x0303 */
    bool hrr;
    const uint8_t *sid;
    size_t sid_len;
    uint16_t cipher;
    uint16_t selected_version;            /* 0 = no supported_versions extension */
    const char *alpn;
    bool psk;
    bool no_extensions;
} sh_opts;

static void server_hello_body(buf *b, const sh_opts *o)
{
    put16(b, o->legacy_version ? o->legacy_version : 0x0303);
    if (o->hrr) put(b, hrr_random, 32);
    else for (int i = 0; i < 32; i++) put8(b, 0x80 + i);
    put8(b, (unsigned)o->sid_len);
    put(b, o->sid, o->sid_len);
    put16(b, o->cipher);
    put8(b, 0);
    if (o->no_extensions) return;
    buf ex = { 0 };
    if (o->selected_version) {
        put16(&ex, 43);
        put16(&ex, 2);
        put16(&ex, o->selected_version);
    }
    if (o->alpn) {
        size_t n = strlen(o->alpn);
        put16(&ex, 16);
        put16(&ex, (unsigned)(n + 3));
        put16(&ex, (unsigned)(n + 1));
        put8(&ex, (unsigned)n);
        putstr(&ex, o->alpn);
    }
    if (o->psk) {
        put16(&ex, 41);
        put16(&ex, 2);
        put16(&ex, 0);
    }
    put16(b, (unsigned)ex.n);
    putb(b, &ex);
    bfree(&ex);
}

static void server_hello_msg(buf *out, const sh_opts *o)
{
    buf body = { 0 };
    server_hello_body(&body, o);
    handshake(out, 2, body.p, body.n);
    bfree(&body);
}

static void server_hello_record(buf *out, const sh_opts *o)
{
    buf m = { 0 };
    server_hello_msg(&m, o);
    record(out, 22, 0x0303, m.p, m.n);
    bfree(&m);
}

static void alert_record(buf *out, unsigned level, unsigned code)
{
    uint8_t a[2] = { (uint8_t)level, (uint8_t)code };
    record(out, 21, 0x0303, a, 2);
}

static void ccs_record(buf *out)
{
    uint8_t one = 1;
    record(out, 20, 0x0303, &one, 1);
}

static void opaque_record(buf *out, unsigned type, size_t len, unsigned fill)
{
    buf body = { 0 };
    bytes_of(&body, fill, len);
    record(out, type, 0x0303, body.p, body.n);
    bfree(&body);
}

/* ---- certificates (OpenSSL) ------------------------------------------------------------------ */

static EVP_PKEY *test_key(void)
{
    static EVP_PKEY *key;
    if (!key) key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    return key;
}

static X509_NAME *make_name(const char *cn, const char *org)
{
    X509_NAME *n = X509_NAME_new();
    if (org) X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0);
    if (cn) X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    return n;
}

/* DER of a certificate for subject CN=cn issued by CN=issuer, signed with the test key. */
static void make_cert_der(buf *out, const char *cn, const char *issuer)
{
    X509 *x = X509_new();
    X509_NAME *s = make_name(cn, NULL), *i = make_name(issuer, NULL);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_set_subject_name(x, s);
    X509_set_issuer_name(x, i);
    ASN1_TIME_set_string_X509(X509_getm_notBefore(x), "20250101000000Z");
    ASN1_TIME_set_string_X509(X509_getm_notAfter(x), "20350101000000Z");
    X509_set_pubkey(x, test_key());
    X509_sign(x, test_key(), EVP_sha256());
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    if (n > 0) put(out, der, (size_t)n);
    OPENSSL_free(der);
    X509_NAME_free(s);
    X509_NAME_free(i);
    X509_free(x);
}

static void name_der(buf *out, const char *cn, const char *org)
{
    X509_NAME *n = make_name(cn, org);
    unsigned char *der = NULL;
    int len = i2d_X509_NAME(n, &der);
    if (len > 0) put(out, der, (size_t)len);
    OPENSSL_free(der);
    X509_NAME_free(n);
}

/* TLS 1.2 Certificate message body holding the given DER certificates. */
static void certificate_body(buf *out, const buf *certs, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += 3 + certs[i].n;
    put24(out, total);
    for (size_t i = 0; i < n; i++) {
        put24(out, certs[i].n);
        putb(out, &certs[i]);
    }
}

/* ---- fixture: one stream and its transcript --------------------------------------------------- */

typedef struct fx {
    td_transcript t;
    td_tls_stream *s;
} fx;

static void fx_init(fx *f)
{
    memset(&f->t, 0, sizeof f->t);
    f->s = td_tls_stream_new(&f->t);
}

static void fx_free(fx *f)
{
    td_tls_stream_free(f->s);
    td_transcript_clear(&f->t);
}

/* Deliver from an exact-size heap copy, so that ASan sees any read past the end. */
static void feed(fx *f, int dir, const uint8_t *p, size_t n, uint64_t packet)
{
    uint8_t *copy = malloc(n ? n : 1);
    if (n) memcpy(copy, p, n);
    td_tls_stream_data(f->s, dir, copy, n, packet, (double)packet);
    free(copy);
}

static void feedb(fx *f, int dir, const buf *b, uint64_t packet) { feed(f, dir, b->p, b->n, packet); }

static bool has_event(const td_transcript *t, td_ev_kind kind, int dir, int sub)
{
    for (size_t i = 0; i < t->n_events; i++)
        if (t->events[i].kind == kind && t->events[i].dir == dir && (sub < 0 || t->events[i].sub == sub))
            return true;
    return false;
}

static size_t count_events(const td_transcript *t, td_ev_kind kind, int dir)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_events; i++)
        if (t->events[i].kind == kind && t->events[i].dir == dir) n++;
    return n;
}

/* The first malformed record of direction d in words, or NULL when there was none. */
static const char *bad_what(const td_tls *x, int d)
{
    static char words[2][128];
    return x->bad_records[d] ? td_anomaly_text(&x->bad_record_first[d], d, words[d], sizeof words[d]) : NULL;
}

static bool printable(const char *s)
{
    if (!s) return true;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) return false;
    return true;
}

/* Every string in the transcript is printable and every list within its cap. */
static bool transcript_sane(const td_transcript *t)
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
static char *fingerprint(const td_transcript *t)
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

static buf *step(flow *fl, int dir)
{
    fl->dir[fl->n] = dir;
    memset(&fl->b[fl->n], 0, sizeof fl->b[fl->n]);
    return &fl->b[fl->n++];
}

static void flow_free(flow *fl)
{
    for (int i = 0; i < fl->n; i++) bfree(&fl->b[i]);
    fl->n = 0;
}

/* Deliver the flow: step `split_step` (or every step when -1) in chunks of `chunk` bytes (0: whole),
 * or, when `cut` > 0, in two pieces cut at `cut`. */
static char *run_flow(const flow *fl, int split_step, size_t chunk, size_t cut)
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
static int split_mismatches(const flow *fl)
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
static void tls12_flow(flow *fl)
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
static void tls13_flow(flow *fl)
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

/* ---- ClientHello / ServerHello fields ------------------------------------------------------------ */

TEST(client_hello_fields)
{
    static const uint8_t sid[32] = { 0xde, 0xad, 0xbe, 0xef };
    ch_opts co = { .sni = "www.example.com", .alpn = { "h2", "http/1.1" },
                   .versions = { 0x0a0a, 0x0304, 0x0303, 0xfafa }, .sid = sid, .sid_len = 32,
                   .ciphers = { 0x2a2a, 0x1301, 0x1302, 0xc02b }, .ticket = true, .early_data = true,
                   .ech = true };
    buf b = { 0 };
    client_hello_record(&b, &co);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &b, 4);
    const td_tls *x = &f.t.tls;
    CHECK(x->client_hello);
    CHECK(!x->server_hello);
    CHECK(x->client_hello_packet == 4);
    CHECK(x->client_legacy_version == 0x0303);
    CHECK(x->record_version[0] == 0x0303);
    CHECK_STR(x->sni, "www.example.com");
    CHECK(x->n_alpn_offered == 2);
    if (x->n_alpn_offered == 2) {
        CHECK_STR(x->alpn_offered[0], "h2");
        CHECK_STR(x->alpn_offered[1], "http/1.1");
    }
    CHECK(x->n_offered_versions == 2);           /* both GREASE values dropped */
    CHECK(x->offered_versions[0] == 0x0304);
    CHECK(x->offered_versions[1] == 0x0303);
    CHECK(x->n_offered_ciphers == 4 && x->n_offered_ciphers_total == 4);
    CHECK(x->n_offered_ciphers == 4 && x->offered_ciphers[1] == 0x1301 && x->offered_ciphers[3] == 0xc02b);
    CHECK(x->session_id_c_len == 32 && x->session_id_c[0] == 0xde && x->session_id_c[3] == 0xef);
    CHECK(x->ticket_offered);
    CHECK(x->early_data_offered);
    CHECK(x->ech_offered);
    CHECK(!x->psk_offered);
    CHECK(x->version == 0);
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    CHECK(f.t.n_events == 1 && f.t.events[0].kind == TD_EV_HANDSHAKE && f.t.events[0].sub == 1 &&
          f.t.events[0].dir == 0 && f.t.events[0].packet == 4 && f.t.events[0].len == b.n - 9);
    fx_free(&f);
    bfree(&b);
}

TEST(client_hello_without_extensions)
{
    /* TLS 1.0 ClientHello with no extension block at all: offered version = legacy_version. */
    buf body = { 0 }, b = { 0 };
    put16(&body, 0x0301);
    bytes_of(&body, 7, 32);
    put8(&body, 0);
    put16(&body, 4);
    put16(&body, 0x002f);
    put16(&body, 0x0035);
    put8(&body, 1);
    put8(&body, 0);
    hs_record(&b, 1, &body);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &b, 1);
    CHECK(f.t.tls.client_hello);
    CHECK(f.t.tls.client_legacy_version == 0x0301);
    CHECK(f.t.tls.n_offered_versions == 1 && f.t.tls.offered_versions[0] == 0x0301);
    CHECK(f.t.tls.sni == NULL);
    CHECK(f.t.tls.n_alpn_offered == 0);
    CHECK(f.t.tls.n_offered_ciphers == 2 && f.t.tls.offered_ciphers[0] == 0x002f);
    CHECK(f.t.tls.bad_records[0] == 0);
    fx_free(&f);
    bfree(&b);
    bfree(&body);
}

TEST(server_hello_tls12)
{
    static const uint8_t csid[32] = { 1 }, ssid[32] = { 2 };
    ch_opts co = { .sni = "a.example", .alpn = { "h2", "http/1.1" }, .sid = csid, .sid_len = 32 };
    sh_opts so = { .cipher = 0xc02f, .alpn = "http/1.1", .sid = ssid, .sid_len = 32 };
    buf c = { 0 }, s = { 0 }, msgs = { 0 };
    client_hello_record(&c, &co);
    server_hello_msg(&msgs, &so);
    handshake(&msgs, 14, NULL, 0);
    record(&s, 22, 0x0303, msgs.p, msgs.n);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    const td_tls *x = &f.t.tls;
    CHECK(x->server_hello && x->server_hello_packet == 2);
    CHECK(x->version == 0x0303);
    CHECK(x->has_cipher && x->cipher == 0xc02f);
    CHECK_STR(x->alpn, "http/1.1");
    CHECK(x->session_id_s_len == 32 && x->session_id_s[0] == 2);
    CHECK(!x->resumed);                          /* a new session ID: full handshake */
    CHECK(!x->hello_retry);
    CHECK(x->server_hello_done);
    CHECK(!x->encrypted[1]);
    CHECK(has_event(&f.t, TD_EV_HANDSHAKE, 1, 2));
    CHECK(has_event(&f.t, TD_EV_HANDSHAKE, 1, 14));
    CHECK(x->bad_records[1] == 0);
    fx_free(&f);
    bfree(&c);
    bfree(&s);
    bfree(&msgs);
}

TEST(server_hello_tls13_and_psk)
{
    for (int psk = 0; psk < 2; psk++) {
        static const uint8_t sid[32] = { 5 };
        ch_opts co = { .sni = "b.example", .versions = { 0x0304, 0x0303 }, .sid = sid, .sid_len = 32, .psk = psk };
        sh_opts so = { .cipher = 0x1302, .selected_version = 0x0304, .sid = sid, .sid_len = 32, .psk = psk };
        buf c = { 0 }, s = { 0 };
        client_hello_record(&c, &co);
        server_hello_record(&s, &so);
        fx f;
        fx_init(&f);
        feedb(&f, 0, &c, 1);
        feedb(&f, 1, &s, 2);
        const td_tls *x = &f.t.tls;
        CHECK(x->server_hello);
        CHECK(x->version == 0x0304);             /* from supported_versions, not legacy 0x0303 */
        CHECK(x->cipher == 0x1302);
        CHECK(x->encrypted[1]);
        CHECK(x->psk_offered == (psk == 1));
        CHECK(x->psk_accepted == (psk == 1));
        CHECK(x->resumed == (psk == 1));         /* the echoed legacy session id is not resumption */
        CHECK(x->alpn == NULL);
        fx_free(&f);
        bfree(&c);
        bfree(&s);
    }
}

TEST(session_id_resumption_tls12)
{
    static const uint8_t sid[32] = { 0x42, 0x43, 0x44 };
    ch_opts co = { .sni = "r.example", .sid = sid, .sid_len = 32 };
    sh_opts so = { .cipher = 0xc030, .sid = sid, .sid_len = 32 };
    buf c = { 0 }, s = { 0 };
    client_hello_record(&c, &co);
    server_hello_record(&s, &so);
    ccs_record(&s);
    opaque_record(&s, 22, 40, 9);                /* encrypted Finished */
    fx f;
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    CHECK(f.t.tls.resumed);
    CHECK(f.t.tls.version == 0x0303);
    CHECK(f.t.tls.ccs[1] && f.t.tls.encrypted[1] && f.t.tls.finished[1]);
    CHECK(f.t.tls.enc_hs_records[1] == 1 && f.t.tls.enc_hs_bytes[1] == 40);
    CHECK(!f.t.tls.server_chain.seen);
    fx_free(&f);
    bfree(&s);

    /* Same session ID length but different bytes: not resumed (until an abbreviated CCS). */
    static const uint8_t other[32] = { 0x42, 0x43, 0x45 };
    so.sid = other;
    server_hello_record(&s, &so);
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    CHECK(!f.t.tls.resumed);
    fx_free(&f);
    bfree(&s);

    /* Empty session IDs on both sides are not an echo. */
    co.sid_len = 0;
    so.sid_len = 0;
    bfree(&c);
    client_hello_record(&c, &co);
    server_hello_record(&s, &so);
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    CHECK(!f.t.tls.resumed);
    fx_free(&f);
    bfree(&c);
    bfree(&s);
}

TEST(hello_retry_request)
{
    flow fl = { 0 };
    tls13_flow(&fl);
    fx f;
    fx_init(&f);
    feedb(&f, fl.dir[0], &fl.b[0], 1);
    feedb(&f, fl.dir[1], &fl.b[1], 2);
    const td_tls *x = &f.t.tls;
    CHECK(x->hello_retry);
    CHECK(x->hello_retry_packet == 2);
    CHECK(!x->server_hello);                     /* an HRR is not the ServerHello */
    CHECK(x->server_hello_packet == 0);
    CHECK(has_event(&f.t, TD_EV_HANDSHAKE, 1, 6));
    CHECK(!has_event(&f.t, TD_EV_HANDSHAKE, 1, 2));
    feedb(&f, fl.dir[2], &fl.b[2], 3);
    CHECK(!x->server_hello);
    CHECK(x->client_hello_packet == 1);          /* the first ClientHello's packet is kept */
    feedb(&f, fl.dir[3], &fl.b[3], 4);
    CHECK(x->server_hello && x->server_hello_packet == 4);
    CHECK(x->hello_retry);
    CHECK(x->version == 0x0304 && x->cipher == 0x1301);
    CHECK_STR(x->sni, "tls13.example");
    /* The second ClientHello repeats the lists: they must not be counted twice. */
    CHECK(x->n_alpn_offered == 2);
    CHECK(x->n_offered_versions == 2);
    CHECK(x->n_offered_ciphers == 3);
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    fx_free(&f);
    flow_free(&fl);
}

/* ---- TLS 1.2 full flow, split invariance ---------------------------------------------------------- */

TEST(tls12_full_handshake)
{
    flow fl = { 0 };
    tls12_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    const td_tls *x = &f.t.tls;
    CHECK(x->client_hello && x->server_hello);
    CHECK_STR(x->sni, "www.example.com");
    CHECK_STR(x->alpn, "h2");
    CHECK(x->version == 0x0303 && x->cipher == 0xc02f);
    CHECK(x->n_offered_versions == 2 && x->offered_versions[0] == 0x0304);
    CHECK(!x->resumed);
    CHECK(x->server_chain.seen && !x->server_chain.malformed && !x->server_chain.empty);
    CHECK(x->server_chain.n == 2 && x->server_chain.n_total == 2);
    if (x->server_chain.n == 2) {
        CHECK_STR(x->server_chain.certs[0].subject, "CN=www.example.com");
        CHECK_STR(x->server_chain.certs[0].issuer, "CN=Example CA");
        CHECK_STR(x->server_chain.certs[1].subject, "CN=Example CA");
        CHECK(!x->server_chain.certs[0].parse_error);
    }
    CHECK(x->server_chain.packet == 2);
    CHECK(x->server_hello_done);
    CHECK(x->ccs[0] && x->ccs[1] && x->encrypted[0] && x->encrypted[1]);
    CHECK(x->finished[0] && x->finished[1]);
    CHECK(x->enc_hs_records[0] == 1 && x->enc_hs_records[1] == 1);
    CHECK(x->app_records[0] == 2 && x->app_data[0] == 150);
    CHECK(x->app_records[1] == 1 && x->app_data[1] == 1500);
    CHECK(x->first_app_packet[0] == 5 && x->first_app_packet[1] == 6);
    CHECK(x->n_alerts == 1 && x->n_alerts_total == 1);
    if (x->n_alerts == 1) {
        CHECK(x->alerts[0].encrypted && x->alerts[0].from == 1 && x->alerts[0].level == 0);
        CHECK(x->alerts[0].packet == 6);
    }
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    CHECK(x->empty_records[0] == 0 && x->empty_records[1] == 0);
    CHECK(!x->buffer_cap_hit);
    CHECK(td_tls_stream_settled(f.s));
    CHECK(td_tls_stream_buffered(f.s) == 0);
    CHECK(count_events(&f.t, TD_EV_APPDATA, 0) == 1);  /* coalesced */
    for (size_t i = 0; i < f.t.n_events; i++)
        if (f.t.events[i].kind == TD_EV_APPDATA && f.t.events[i].dir == 0)
            CHECK(f.t.events[i].count == 2 && f.t.events[i].len == 150);
    CHECK(transcript_sane(&f.t));
    fx_free(&f);
    flow_free(&fl);
}

TEST(tls12_every_split_same_transcript)
{
    flow fl = { 0 };
    tls12_flow(&fl);
    CHECK(split_mismatches(&fl) == 0);
    flow_free(&fl);
}

TEST(tls13_every_split_same_transcript)
{
    flow fl = { 0 };
    tls13_flow(&fl);
    CHECK(split_mismatches(&fl) == 0);
    flow_free(&fl);
}

/* ---- handshake framing ----------------------------------------------------------------------------- */

TEST(several_messages_in_one_record)
{
    buf msgs = { 0 }, rec = { 0 }, cert[1] = { { 0 } }, body = { 0 };
    sh_opts so = { .cipher = 0x009c, .no_extensions = true };
    server_hello_msg(&msgs, &so);
    make_cert_der(&cert[0], "one.example", "Issuer One");
    certificate_body(&body, cert, 1);
    handshake(&msgs, 11, body.p, body.n);
    handshake(&msgs, 14, NULL, 0);
    record(&rec, 22, 0x0303, msgs.p, msgs.n);
    fx f;
    fx_init(&f);
    feedb(&f, 1, &rec, 3);
    CHECK(f.t.tls.server_hello && f.t.tls.version == 0x0303 && f.t.tls.cipher == 0x009c);
    CHECK(f.t.tls.server_chain.n == 1);
    if (f.t.tls.server_chain.n == 1) CHECK_STR(f.t.tls.server_chain.certs[0].subject, "CN=one.example");
    CHECK(f.t.tls.server_hello_done);
    CHECK(f.t.n_events == 3);
    if (f.t.n_events == 3) {
        CHECK(f.t.events[0].sub == 2 && f.t.events[1].sub == 11 && f.t.events[2].sub == 14);
        CHECK(f.t.events[1].len == body.n && f.t.events[2].len == 0);
    }
    fx_free(&f);
    bfree(&msgs);
    bfree(&rec);
    bfree(&cert[0]);
    bfree(&body);
}

TEST(one_message_across_three_records)
{
    ch_opts co = { .sni = "three.example", .alpn = { "h2" }, .versions = { 0x0304 } };
    buf body = { 0 }, msg = { 0 }, recs = { 0 };
    client_hello_body(&body, &co);
    handshake(&msg, 1, body.p, body.n);
    size_t third = msg.n / 3;
    record(&recs, 22, 0x0301, msg.p, third);
    record(&recs, 22, 0x0301, msg.p + third, third);
    record(&recs, 22, 0x0301, msg.p + 2 * third, msg.n - 2 * third);
    fx f;
    fx_init(&f);
    /* Each record in its own delivery (packet), so the message completes in packet 3. */
    size_t r1 = 5 + third, r2 = 5 + third;
    feed(&f, 0, recs.p, r1, 1);
    CHECK(!f.t.tls.client_hello);
    CHECK(td_tls_stream_buffered(f.s) >= third);
    feed(&f, 0, recs.p + r1, r2, 2);
    CHECK(!f.t.tls.client_hello);
    feed(&f, 0, recs.p + r1 + r2, recs.n - r1 - r2, 3);
    CHECK(f.t.tls.client_hello);
    CHECK(f.t.tls.client_hello_packet == 3);
    CHECK_STR(f.t.tls.sni, "three.example");
    CHECK(f.t.tls.n_alpn_offered == 1);
    CHECK(f.t.tls.record_version[0] == 0x0301);
    CHECK(f.t.tls.bad_records[0] == 0);
    CHECK(td_tls_stream_buffered(f.s) == 0);
    fx_free(&f);
    bfree(&body);
    bfree(&msg);
    bfree(&recs);
}

TEST(certificate_chain_across_records)
{
    buf certs[3] = { { 0 }, { 0 }, { 0 } }, body = { 0 }, msg = { 0 }, recs = { 0 };
    make_cert_der(&certs[0], "leaf.example.org", "Intermediate CA");
    make_cert_der(&certs[1], "Intermediate CA", "Root CA");
    make_cert_der(&certs[2], "Root CA", "Root CA");
    certificate_body(&body, certs, 3);
    handshake(&msg, 11, body.p, body.n);
    records_of(&recs, 22, &msg, 150);            /* many small records */
    fx f;
    fx_init(&f);
    buf sh = { 0 };
    sh_opts so = { .cipher = 0xc02f };
    server_hello_record(&sh, &so);
    feedb(&f, 1, &sh, 1);
    feedb(&f, 1, &recs, 2);
    const td_chain *ch = &f.t.tls.server_chain;
    CHECK(ch->seen && !ch->malformed && !ch->empty);
    CHECK(ch->n == 3 && ch->n_total == 3);
    CHECK(ch->packet == 2);
    if (ch->n == 3) {
        CHECK_STR(ch->certs[0].subject, "CN=leaf.example.org");
        CHECK_STR(ch->certs[0].issuer, "CN=Intermediate CA");
        CHECK_STR(ch->certs[1].subject, "CN=Intermediate CA");
        CHECK_STR(ch->certs[2].subject, "CN=Root CA");
        CHECK(ch->certs[0].der_len == certs[0].n);
        CHECK(strcmp(ch->certs[0].key, "EC-P256") == 0);
    }
    CHECK(f.t.tls.client_chain.n == 0 && !f.t.tls.client_chain.seen);
    CHECK(f.t.tls.bad_records[1] == 0);

    /* The client's (empty) Certificate goes to client_chain. */
    buf empty = { 0 }, crec = { 0 };
    put24(&empty, 0);
    hs_record(&crec, 11, &empty);
    feedb(&f, 0, &crec, 3);
    CHECK(f.t.tls.client_chain.seen && f.t.tls.client_chain.empty && f.t.tls.client_chain.n == 0);
    CHECK(f.t.tls.server_chain.n == 3);
    fx_free(&f);
    for (int i = 0; i < 3; i++) bfree(&certs[i]);
    bfree(&body);
    bfree(&msg);
    bfree(&recs);
    bfree(&sh);
    bfree(&empty);
    bfree(&crec);
}

TEST(certificate_request_ca_names)
{
    buf body = { 0 }, cas = { 0 }, n1 = { 0 }, n2 = { 0 }, rec = { 0 }, sh = { 0 };
    name_der(&n1, "Client CA One", "Example");
    name_der(&n2, "Client CA Two", NULL);
    put16(&cas, (unsigned)n1.n);
    putb(&cas, &n1);
    put16(&cas, (unsigned)n2.n);
    putb(&cas, &n2);
    put8(&body, 2);                              /* certificate_types: rsa_sign, ecdsa_sign */
    put8(&body, 1);
    put8(&body, 64);
    put16(&body, 4);                             /* signature algorithms (TLS 1.2) */
    put16(&body, 0x0403);
    put16(&body, 0x0804);
    put16(&body, (unsigned)cas.n);
    putb(&body, &cas);
    hs_record(&rec, 13, &body);
    sh_opts so = { .cipher = 0xc02f };
    server_hello_record(&sh, &so);
    fx f;
    fx_init(&f);
    feedb(&f, 1, &sh, 1);
    feedb(&f, 1, &rec, 2);
    const td_tls *x = &f.t.tls;
    CHECK(x->cert_requested && x->cert_request_packet == 2);
    CHECK(x->n_ca_names == 2);
    if (x->n_ca_names == 2) {
        CHECK_STR(x->ca_names[0], "CN=Client CA One,O=Example");
        CHECK_STR(x->ca_names[1], "CN=Client CA Two");
    }
    CHECK(x->bad_records[1] == 0);
    fx_free(&f);

    /* TLS 1.1: no signature_algorithms field. */
    buf body11 = { 0 }, rec11 = { 0 }, sh11 = { 0 };
    put8(&body11, 1);
    put8(&body11, 1);
    put16(&body11, (unsigned)cas.n);
    putb(&body11, &cas);
    hs_record(&rec11, 13, &body11);
    sh_opts so11 = { .legacy_version = 0x0302, .cipher = 0x002f };
    server_hello_record(&sh11, &so11);
    fx_init(&f);
    feedb(&f, 1, &sh11, 1);
    feedb(&f, 1, &rec11, 2);
    CHECK(f.t.tls.version == 0x0302);
    CHECK(f.t.tls.n_ca_names == 2);
    CHECK(f.t.tls.bad_records[1] == 0);
    fx_free(&f);
    bfree(&body);
    bfree(&cas);
    bfree(&n1);
    bfree(&n2);
    bfree(&rec);
    bfree(&sh);
    bfree(&body11);
    bfree(&rec11);
    bfree(&sh11);
}

/* ---- alerts ------------------------------------------------------------------------------------------- */

TEST(plaintext_alert)
{
    buf c = { 0 }, s = { 0 };
    ch_opts co = { .sni = "x.example" };
    client_hello_record(&c, &co);
    alert_record(&s, 2, 40);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_alerts == 1 && x->n_alerts_total == 1);
    if (x->n_alerts == 1) {
        CHECK(x->alerts[0].from == 1 && x->alerts[0].level == 2 && x->alerts[0].code == 40);
        CHECK(!x->alerts[0].encrypted && x->alerts[0].packet == 2);
    }
    CHECK(has_event(&f.t, TD_EV_ALERT, 1, 0));
    CHECK(x->bad_records[1] == 0);
    fx_free(&f);

    /* An alert split across two deliveries, header and each byte apart. */
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feed(&f, 1, s.p, 3, 2);
    feed(&f, 1, s.p + 3, 3, 3);
    CHECK(f.t.tls.n_alerts == 0);
    feed(&f, 1, s.p + 6, 1, 4);
    CHECK(f.t.tls.n_alerts == 1);
    if (f.t.tls.n_alerts == 1) CHECK(f.t.tls.alerts[0].code == 40 && f.t.tls.alerts[0].packet == 4);
    fx_free(&f);
    bfree(&c);
    bfree(&s);
}

TEST(encrypted_alert_after_ccs)
{
    flow fl = { 0 };
    tls12_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < 4; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    buf a = { 0 };
    opaque_record(&a, 21, 26, 0x77);
    feedb(&f, 0, &a, 9);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_alerts == 1);
    if (x->n_alerts == 1) {
        CHECK(x->alerts[0].encrypted && x->alerts[0].from == 0 && x->alerts[0].packet == 9);
        CHECK(x->alerts[0].level == 0);
    }
    fx_free(&f);
    bfree(&a);
    flow_free(&fl);
}

TEST(hundred_thousand_alerts)
{
    buf b = { 0 };
    for (int i = 0; i < 100000; i++) alert_record(&b, 1, 0);
    fx f;
    fx_init(&f);
    clock_t t0 = clock();
    feedb(&f, 1, &b, 1);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    CHECK(f.t.tls.n_alerts == TD_MAX_ALERTS);
    CHECK(f.t.tls.n_alerts_total == 100000);
    CHECK(f.t.n_events <= TD_MAX_EVENTS);
    CHECK(f.t.n_events + f.t.n_events_dropped == 100000);
    CHECK(f.t.tls.alerts[TD_MAX_ALERTS - 1].level == 1 && f.t.tls.alerts[TD_MAX_ALERTS - 1].code == 0);
    CHECK(secs < 2.0);
    fx_free(&f);
    bfree(&b);
}

/* ---- application data, TLS 1.3 flights ------------------------------------------------------------- */

TEST(appdata_counting_per_direction)
{
    flow fl = { 0 };
    tls12_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < 4; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    buf c = { 0 }, s = { 0 };
    opaque_record(&c, 23, 100, 1);
    opaque_record(&c, 23, 200, 1);
    opaque_record(&c, 23, 300, 1);
    opaque_record(&s, 23, 1000, 2);
    opaque_record(&s, 23, 16384, 2);
    feedb(&f, 0, &c, 10);
    feedb(&f, 1, &s, 11);
    opaque_record(&c, 23, 0, 0);                 /* an empty application data record */
    feed(&f, 0, c.p + c.n - 5, 5, 12);
    const td_tls *x = &f.t.tls;
    CHECK(x->app_records[0] == 3 && x->app_data[0] == 600);
    CHECK(x->app_records[1] == 2 && x->app_data[1] == 17384);
    CHECK(x->first_app_packet[0] == 10 && x->first_app_packet[1] == 11);
    CHECK(x->empty_records[0] == 1);
    CHECK(x->bad_records[0] == 0);               /* an empty application data record is legal */
    fx_free(&f);
    bfree(&c);
    bfree(&s);
    flow_free(&fl);
}

/* TLS 1.3: after the ServerHello every record says application data.  The parser keeps each
 * one's facts (direction, length, bytes captured, packet) and infers nothing: what they hold is
 * the classifier's business (tests/unit/test_classify.c). */
static size_t count_records(const td_tls *x, int dir)
{
    size_t n = 0;
    for (size_t i = 0; i < x->n_records; i++) n += x->records[i].dir == dir;
    return n;
}

TEST(tls13_protected_records_are_facts)
{
    flow fl = { 0 };
    tls13_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    const td_tls *x = &f.t.tls;
    CHECK(x->version == 0x0304);
    CHECK(x->ccs[0] && x->ccs[1]);
    CHECK(x->encrypted[0] && x->encrypted[1]);
    CHECK(x->n_records == 7 && count_records(x, 1) == 5);
    CHECK(x->records_total[1] == 5 && x->records_total[0] == 2);
    CHECK(x->record_bytes[1] == 30 + 900 + 100 + 53 + 300 && x->record_bytes[0] == 53 + 200);
    static const uint16_t want_len[7] = { 30, 900, 100, 53, 53, 200, 300 };
    static const uint8_t want_dir[7] = { 1, 1, 1, 1, 0, 0, 1 };
    for (size_t i = 0; i < 7 && i < x->n_records; i++) {
        CHECK(x->records[i].len == want_len[i] && x->records[i].captured == want_len[i]);
        CHECK(x->records[i].dir == want_dir[i]);
    }
    CHECK(x->records[0].packet == 4 && x->records[4].packet == 5 && x->records[6].packet == 6);
    /* Nothing is inferred here: no Finished, no application data, no handshake records. */
    CHECK(!x->finished[0] && !x->finished[1]);
    CHECK(x->app_records[0] == 0 && x->app_records[1] == 0);
    CHECK(x->enc_hs_records[0] == 0 && x->enc_hs_records[1] == 0);
    CHECK(count_events(&f.t, TD_EV_OPAQUE, 1) == 5 && count_events(&f.t, TD_EV_OPAQUE, 0) == 2);
    CHECK(count_events(&f.t, TD_EV_ENCRYPTED_HANDSHAKE, 1) == 0 && count_events(&f.t, TD_EV_APPDATA, 0) == 0);
    fx_free(&f);
    flow_free(&fl);
}

TEST(tls13_records_past_the_cap_are_counted)
{
    flow fl = { 0 };
    tls13_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    buf c = { 0 };
    for (int i = 0; i < TD_MAX_RECORDS + 10; i++) opaque_record(&c, 23, 100, 7);
    feedb(&f, 0, &c, 8);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_records == TD_MAX_RECORDS);
    CHECK(x->records_total[0] == 2 + TD_MAX_RECORDS + 10);
    CHECK(x->record_bytes[0] == 53 + 200 + 100 * (TD_MAX_RECORDS + 10));
    /* The records past the cap are one coalesced ladder entry, not one each. */
    size_t coalesced = 0;
    for (size_t i = 0; i < f.t.n_events; i++)
        if (f.t.events[i].kind == TD_EV_OPAQUE && f.t.events[i].sub == 0) coalesced++;
    CHECK(coalesced == 1);
    CHECK(td_tls_stream_settled(f.s));
    fx_free(&f);
    bfree(&c);
    flow_free(&fl);
}

TEST(tls13_record_cut_by_capture_end_counts_captured_bytes)
{
    flow fl = { 0 };
    tls13_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    buf s = { 0 };
    opaque_record(&s, 23, 4000, 7);
    feed(&f, 1, s.p, 5 + 1000, 8);               /* the capture ends 1000 bytes into it */
    td_tls_stream_end(f.s);                      /* as the engine does at the end of the input */
    const td_tls *x = &f.t.tls;
    CHECK(x->n_records == 8);
    if (x->n_records == 8) CHECK(x->records[7].len == 4000 && x->records[7].captured == 1000);
    CHECK(x->record_bytes[1] == 30 + 900 + 100 + 53 + 300 + 1000);
    fx_free(&f);
    bfree(&s);
    flow_free(&fl);
}

TEST(tls13_early_data_before_server_hello)
{
    /* 0-RTT: the client sends an application-data record (early data) right after its ClientHello,
     * before the ServerHello: it is application data, not one of the protected handshake records. */
    static const uint8_t sid[32] = { 4 };
    ch_opts co = { .sni = "0rtt.example", .versions = { 0x0304 }, .sid = sid, .sid_len = 32,
                   .psk = true, .early_data = true };
    sh_opts so = { .cipher = 0x1301, .selected_version = 0x0304, .sid = sid, .sid_len = 32, .psk = true };
    buf c = { 0 }, s = { 0 };
    client_hello_record(&c, &co);
    opaque_record(&c, 23, 300, 1);               /* early data */
    server_hello_record(&s, &so);
    opaque_record(&s, 23, 30, 2);                /* EncryptedExtensions */
    opaque_record(&s, 23, 53, 2);                /* Finished */
    fx f;
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    CHECK(f.t.tls.early_data_offered && f.t.tls.resumed);
    CHECK(f.t.tls.app_records[0] == 1 && f.t.tls.app_data[0] == 300);
    CHECK(f.t.tls.n_records == 2 && f.t.tls.records_total[1] == 2);
    fx_free(&f);
    bfree(&c);
    bfree(&s);
}

/* ---- SSLv2 ---------------------------------------------------------------------------------------------- */

/* SSLv2-compatible ClientHello: 0x80|len, type 1, version, cipher specs, session id, challenge. */
static void sslv2_client_hello(buf *out, unsigned version)
{
    static const uint8_t specs[] = { 0x01, 0x00, 0x80, 0x00, 0x00, 0x2f, 0x07, 0x00, 0xc0,
                                     0x00, 0x00, 0x35, 0x00, 0x00, 0x0a };
    buf body = { 0 };
    put8(&body, 1);
    put16(&body, version);
    put16(&body, sizeof specs);
    put16(&body, 0);
    put16(&body, 16);
    put(&body, specs, sizeof specs);
    bytes_of(&body, 0xcc, 16);
    put8(out, 0x80 | (unsigned)(body.n >> 8));
    put8(out, (unsigned)(body.n & 0xff));
    putb(out, &body);
    bfree(&body);
}

TEST(sslv2_compatible_client_hello)
{
    buf c = { 0 }, s = { 0 };
    sslv2_client_hello(&c, 0x0301);
    sh_opts so = { .legacy_version = 0x0301, .cipher = 0x002f, .no_extensions = true };
    server_hello_record(&s, &so);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    const td_tls *x = &f.t.tls;
    CHECK(x->client_hello && x->sslv2_client_hello);
    CHECK(x->client_hello_packet == 1);
    CHECK(x->client_legacy_version == 0x0301);
    CHECK(x->n_offered_versions == 1 && x->offered_versions[0] == 0x0301);
    CHECK(x->n_offered_ciphers_total == 5);
    CHECK(x->n_offered_ciphers == 3);            /* only the 00 xx yy specs are TLS suites */
    if (x->n_offered_ciphers == 3) {
        CHECK(x->offered_ciphers[0] == 0x002f);
        CHECK(x->offered_ciphers[1] == 0x0035);
        CHECK(x->offered_ciphers[2] == 0x000a);
    }
    CHECK(has_event(&f.t, TD_EV_SSL2, 0, 1));
    CHECK(x->bad_records[0] == 0);
    CHECK(!x->not_tls[0]);
    CHECK(td_tls_stream_buffered(f.s) == 0);
    feedb(&f, 1, &s, 2);
    CHECK(x->server_hello && !x->sslv2_server_hello);
    CHECK(x->version == 0x0301 && x->cipher == 0x002f);
    /* The client goes on in TLS records. */
    buf cke = { 0 };
    alert_record(&cke, 2, 80);
    feedb(&f, 0, &cke, 3);
    CHECK(x->n_alerts == 1 && x->alerts[0].code == 80);
    fx_free(&f);

    flow fl = { 0 };
    putb(step(&fl, 0), &c);
    putb(step(&fl, 1), &s);
    putb(step(&fl, 0), &cke);
    CHECK(split_mismatches(&fl) == 0);
    flow_free(&fl);
    bfree(&c);
    bfree(&s);
    bfree(&cke);
}

TEST(sslv2_server_hello)
{
    buf c = { 0 }, s = { 0 }, body = { 0 }, cert = { 0 };
    sslv2_client_hello(&c, 0x0002);
    make_cert_der(&cert, "sslv2.example", "Old CA");
    put8(&body, 4);                              /* SERVER-HELLO */
    put8(&body, 0);                              /* session_id_hit */
    put8(&body, 1);                              /* certificate_type: X.509 */
    put16(&body, 0x0002);
    put16(&body, (unsigned)cert.n);
    put16(&body, 3);
    put16(&body, 16);
    putb(&body, &cert);
    put(&body, "\x01\x00\x80", 3);               /* SSL_CK_RC4_128_WITH_MD5 */
    bytes_of(&body, 0xdd, 16);
    put8(&s, 0x80 | (unsigned)(body.n >> 8));
    put8(&s, (unsigned)(body.n & 0xff));
    putb(&s, &body);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    CHECK(f.t.tls.client_legacy_version == 0x0002);
    feedb(&f, 1, &s, 2);
    const td_tls *x = &f.t.tls;
    CHECK(x->sslv2_server_hello && x->server_hello && x->server_hello_packet == 2);
    CHECK(x->version == 0x0002);
    CHECK(x->has_cipher && x->cipher == 0x010080);
    CHECK(x->server_chain.n == 1 && x->server_chain.seen);
    if (x->server_chain.n == 1) CHECK_STR(x->server_chain.certs[0].subject, "CN=sslv2.example");
    CHECK(has_event(&f.t, TD_EV_SSL2, 1, 4));
    CHECK(x->bad_records[1] == 0);
    /* Everything after is SSLv2 (encrypted): ignored, no bad records. */
    buf junk = { 0 };
    bytes_of(&junk, 0x81, 100);
    feedb(&f, 0, &junk, 3);
    feedb(&f, 1, &junk, 4);
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    fx_free(&f);
    bfree(&c);
    bfree(&s);
    bfree(&body);
    bfree(&cert);
    bfree(&junk);
}

/* ---- plaintext ------------------------------------------------------------------------------------------ */

TEST(plaintext_http_request_and_response)
{
    const char *req = "GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n";
    const char *resp = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    fx f;
    fx_init(&f);
    feed(&f, 0, (const uint8_t *)req, strlen(req), 4);
    feed(&f, 1, (const uint8_t *)resp, strlen(resp), 5);
    const td_tls *x = &f.t.tls;
    CHECK(x->not_tls[0] && x->not_tls[1]);
    CHECK(x->not_tls_what[0] && strstr(x->not_tls_what[0], "HTTP request: GET / HTTP/1.1"));
    CHECK(x->not_tls_what[1] && strstr(x->not_tls_what[1], "HTTP response: HTTP/1.1 400 Bad Request"));
    CHECK(x->not_tls_packet[0] == 4 && x->not_tls_packet[1] == 5);
    CHECK(!x->client_hello && !x->server_hello && !x->starttls);
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    CHECK(has_event(&f.t, TD_EV_PLAINTEXT, 0, -1) && has_event(&f.t, TD_EV_PLAINTEXT, 1, -1));
    fx_free(&f);
}

TEST(plaintext_description_independent_of_segmentation)
{
    /* A client that writes its request in small pieces: the description must still name the
     * whole first line. */
    const char *req = "GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n";
    fx f;
    fx_init(&f);
    for (size_t i = 0; i < strlen(req); i += 3)
        feed(&f, 0, (const uint8_t *)req + i, strlen(req) - i < 3 ? strlen(req) - i : 3, 1);
    CHECK(f.t.tls.not_tls[0]);
    CHECK(f.t.tls.not_tls_what[0] && strstr(f.t.tls.not_tls_what[0], "HTTP request: GET / HTTP/1.1"));
    fx_free(&f);
}

static void starttls_flow(flow *fl)
{
    putstr(step(fl, 1), "220 smtp ready\r\n");
    putstr(step(fl, 0), "EHLO client.example\r\n");
    putstr(step(fl, 1), "250-smtp.example\r\n250 STARTTLS\r\n");
    putstr(step(fl, 0), "STARTTLS\r\n");
    putstr(step(fl, 1), "220 2.0.0 Ready to start TLS\r\n");
    ch_opts co = { .sni = "smtp.example", .versions = { 0x0304, 0x0303 } };
    client_hello_record(step(fl, 0), &co);
    sh_opts so = { .cipher = 0xc030 };
    server_hello_record(step(fl, 1), &so);
}

TEST(starttls)
{
    flow fl = { 0 };
    starttls_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    const td_tls *x = &f.t.tls;
    CHECK(x->not_tls[0] && x->not_tls[1]);
    CHECK(x->starttls);
    CHECK(x->not_tls_what[1] && strstr(x->not_tls_what[1], "220 smtp ready"));
    CHECK(x->client_hello && x->client_hello_packet == 6);
    CHECK_STR(x->sni, "smtp.example");
    CHECK(x->server_hello && x->version == 0x0303 && x->cipher == 0xc030);
    /* The switch to TLS is not a broken record. */
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    CHECK(bad_what(x, 0) == NULL && bad_what(x, 1) == NULL);
    fx_free(&f);
    flow_free(&fl);
}

TEST(starttls_every_split)
{
    flow fl = { 0 };
    starttls_flow(&fl);
    CHECK(split_mismatches(&fl) == 0);
    flow_free(&fl);
}

TEST(plaintext_then_hello_in_the_same_segment)
{
    /* A proxy client that pipelines: CONNECT line and the ClientHello in one segment. */
    buf b = { 0 };
    putstr(&b, "CONNECT www.example.com:443 HTTP/1.1\r\n\r\n");
    ch_opts co = { .sni = "www.example.com" };
    client_hello_record(&b, &co);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &b, 1);
    CHECK(f.t.tls.not_tls[0]);
    CHECK(f.t.tls.starttls);
    CHECK(f.t.tls.client_hello);
    CHECK_STR(f.t.tls.sni, "www.example.com");
    fx_free(&f);
    bfree(&b);
}

TEST(plaintext_scan_is_bounded)
{
    fx f;
    fx_init(&f);
    buf b = { 0 };
    putstr(&b, "HTTP/1.1 200 OK\r\n\r\n");
    bytes_of(&b, 'x', 100000);
    feedb(&f, 1, &b, 1);
    bfree(&b);
    sh_opts so = { .cipher = 0xc030 };
    server_hello_record(&b, &so);
    feedb(&f, 1, &b, 2);                         /* 100 KB later: no longer looked for */
    CHECK(f.t.tls.not_tls[1]);
    CHECK(!f.t.tls.server_hello);
    CHECK(!f.t.tls.starttls);
    fx_free(&f);
    bfree(&b);
}

/* ---- malformed ---------------------------------------------------------------------------------------- */

TEST(zero_length_records)
{
    buf b = { 0 }, c = { 0 };
    ch_opts co = { .sni = "z.example" };
    record(&b, 22, 0x0303, NULL, 0);
    client_hello_record(&b, &co);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &b, 1);
    CHECK(f.t.tls.empty_records[0] == 1);
    CHECK(f.t.tls.bad_records[0] == 1);
    CHECK(bad_what(&f.t.tls, 0) && strstr(bad_what(&f.t.tls, 0), "zero-length"));
    CHECK(f.t.tls.client_hello);
    CHECK_STR(f.t.tls.sni, "z.example");
    record(&c, 23, 0x0303, NULL, 0);
    record(&c, 21, 0x0303, NULL, 0);
    feedb(&f, 0, &c, 2);
    CHECK(f.t.tls.empty_records[0] == 3);
    CHECK(f.t.tls.bad_records[0] == 2);          /* the empty alert, not the empty app data */
    CHECK(f.t.tls.n_alerts == 0);
    fx_free(&f);
    bfree(&b);
    bfree(&c);
}

TEST(oversized_record_then_resync)
{
    buf b = { 0 };
    ch_opts co = { .sni = "resync.example" };
    client_hello_record(&b, &co);
    put(&b, "\x17\x03\x03\x4e\x20", 5);          /* application data, length 20000 */
    for (int i = 0; i < 300; i++) put8(&b, (unsigned)(i * 37 + 11) | 0x80);   /* garbage */
    alert_record(&b, 2, 10);
    alert_record(&b, 1, 0);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &b, 1);
    CHECK(f.t.tls.client_hello);
    CHECK(f.t.tls.bad_records[0] == 1);
    CHECK(bad_what(&f.t.tls, 0) && strstr(bad_what(&f.t.tls, 0), "20000"));
    CHECK_STR(bad_what(&f.t.tls, 0), "record length 20000 > 18432");
    CHECK(f.t.tls.n_alerts == 2);
    if (f.t.tls.n_alerts == 2) {
        CHECK(f.t.tls.alerts[0].level == 2 && f.t.tls.alerts[0].code == 10);
        CHECK(f.t.tls.alerts[1].level == 1 && f.t.tls.alerts[1].code == 0);
    }
    CHECK(has_event(&f.t, TD_EV_UNKNOWN_RECORD, 0, 23));
    fx_free(&f);

    /* Not a record header at all (content type 0x42) in the middle of a TLS stream. */
    buf g = { 0 };
    client_hello_record(&g, &co);
    put(&g, "\x42\x42\x42\x42\x42\x42\x42", 7);
    alert_record(&g, 2, 50);
    fx_init(&f);
    feedb(&f, 0, &g, 1);
    CHECK(f.t.tls.bad_records[0] == 1);
    CHECK(bad_what(&f.t.tls, 0) && strstr(bad_what(&f.t.tls, 0), "not a TLS record header"));
    CHECK(f.t.tls.n_alerts == 1 && f.t.tls.alerts[0].code == 50);
    fx_free(&f);
    bfree(&b);
    bfree(&g);
}

TEST(huge_handshake_length_not_allocated)
{
    fx f;
    fx_init(&f);
    buf first = { 0 }, body = { 0 };
    put8(&body, 11);
    put24(&body, 0xffffff);                      /* 16 MiB - 1: never completes */
    bytes_of(&body, 0x30, 16380);
    record(&first, 22, 0x0303, body.p, body.n);
    feedb(&f, 1, &first, 1);
    size_t peak = td_tls_stream_buffered(f.s);
    buf more = { 0 };
    opaque_record(&more, 22, 16384, 0x30);
    for (int i = 0; i < 40; i++) {
        feedb(&f, 1, &more, (uint64_t)i + 2);
        size_t now = td_tls_stream_buffered(f.s);
        if (now > peak) peak = now;
    }
    CHECK(peak <= 256 * 1024 + 4096);
    CHECK(f.t.tls.buffer_cap_hit);
    CHECK(f.t.tls.bad_records[1] >= 1);
    CHECK(!f.t.tls.server_chain.seen);
    fx_free(&f);

    /* Just under the cap and never completed: buffered as it arrives, never past what arrived. */
    fx_init(&f);
    buf b2 = { 0 }, body2 = { 0 };
    put8(&body2, 11);
    put24(&body2, 200000);
    bytes_of(&body2, 0x30, 1000);
    record(&b2, 22, 0x0303, body2.p, body2.n);
    feedb(&f, 1, &b2, 1);
    CHECK(td_tls_stream_buffered(f.s) <= 4096);
    CHECK(!f.t.tls.buffer_cap_hit);
    fx_free(&f);
    bfree(&first);
    bfree(&body);
    bfree(&more);
    bfree(&b2);
    bfree(&body2);
}

TEST(certificate_lengths_lie)
{
    buf cert = { 0 };
    make_cert_der(&cert, "liar.example", "Liar CA");
    sh_opts so = { .cipher = 0xc02f };

    /* 1: the list length claims more than the message holds. */
    {
        buf body = { 0 }, rec = { 0 };
        put24(&body, cert.n + 3 + 500);
        put24(&body, cert.n);
        putb(&body, &cert);
        server_hello_record(&rec, &so);
        hs_record(&rec, 11, &body);
        fx f;
        fx_init(&f);
        feedb(&f, 1, &rec, 1);
        CHECK(f.t.tls.server_chain.seen && f.t.tls.server_chain.malformed);
        CHECK(f.t.tls.bad_records[1] == 1);
        CHECK(bad_what(&f.t.tls, 1) && strstr(bad_what(&f.t.tls, 1), "Certificate"));
        fx_free(&f);
        bfree(&body);
        bfree(&rec);
    }
    /* 2: a good certificate, then one whose length runs past the list: the first is kept. */
    {
        buf body = { 0 }, rec = { 0 };
        put24(&body, (cert.n + 3) + 3 + 10);
        put24(&body, cert.n);
        putb(&body, &cert);
        put24(&body, 5000);
        bytes_of(&body, 0x30, 10);
        server_hello_record(&rec, &so);
        hs_record(&rec, 11, &body);
        fx f;
        fx_init(&f);
        feedb(&f, 1, &rec, 1);
        CHECK(f.t.tls.server_chain.malformed);
        CHECK(f.t.tls.server_chain.n == 1);
        if (f.t.tls.server_chain.n == 1) CHECK_STR(f.t.tls.server_chain.certs[0].subject, "CN=liar.example");
        fx_free(&f);
        bfree(&body);
        bfree(&rec);
    }
    /* 3: certificate bytes that are not DER: kept as a parse error, chain not malformed. */
    {
        buf body = { 0 }, rec = { 0 }, junk = { 0 };
        bytes_of(&junk, 0x41, 64);
        certificate_body(&body, &junk, 1);
        server_hello_record(&rec, &so);
        hs_record(&rec, 11, &body);
        fx f;
        fx_init(&f);
        feedb(&f, 1, &rec, 1);
        CHECK(f.t.tls.server_chain.n == 1 && !f.t.tls.server_chain.malformed);
        if (f.t.tls.server_chain.n == 1) CHECK(f.t.tls.server_chain.certs[0].parse_error);
        CHECK(transcript_sane(&f.t));
        fx_free(&f);
        bfree(&body);
        bfree(&rec);
        bfree(&junk);
    }
    /* 4: trailing bytes after the list. */
    {
        buf body = { 0 }, rec = { 0 };
        certificate_body(&body, &cert, 1);
        put(&body, "xyz", 3);
        server_hello_record(&rec, &so);
        hs_record(&rec, 11, &body);
        fx f;
        fx_init(&f);
        feedb(&f, 1, &rec, 1);
        CHECK(f.t.tls.server_chain.malformed && f.t.tls.server_chain.n == 1);
        fx_free(&f);
        bfree(&body);
        bfree(&rec);
    }
    /* 5: more certificates than the cap: counted, not kept. */
    {
        buf many[20], body = { 0 }, msg = { 0 }, rec = { 0 };
        for (int i = 0; i < 20; i++) {
            memset(&many[i], 0, sizeof many[i]);
            putb(&many[i], &cert);
        }
        certificate_body(&body, many, 20);
        handshake(&msg, 11, body.p, body.n);
        server_hello_record(&rec, &so);
        records_of(&rec, 22, &msg, 16384);
        fx f;
        fx_init(&f);
        feedb(&f, 1, &rec, 1);
        CHECK(f.t.tls.server_chain.n == TD_MAX_CHAIN && f.t.tls.server_chain.n_total == 20);
        CHECK(!f.t.tls.server_chain.malformed);
        fx_free(&f);
        for (int i = 0; i < 20; i++) bfree(&many[i]);
        bfree(&body);
        bfree(&msg);
        bfree(&rec);
    }
    bfree(&cert);
}

TEST(client_hello_5000_extensions)
{
    ch_opts co = { .sni = "many.example", .alpn = { "h2" }, .versions = { 0x0304 }, .dummy_exts = 5000 };
    buf body = { 0 }, msg = { 0 }, recs = { 0 };
    client_hello_body(&body, &co);
    handshake(&msg, 1, body.p, body.n);
    records_of(&recs, 22, &msg, 16384);
    fx f;
    fx_init(&f);
    clock_t t0 = clock();
    feedb(&f, 0, &recs, 1);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    CHECK(f.t.tls.client_hello);
    CHECK_STR(f.t.tls.sni, "many.example");
    CHECK(f.t.tls.n_alpn_offered == 1);
    CHECK(f.t.tls.n_offered_versions == 1 && f.t.tls.offered_versions[0] == 0x0304);
    CHECK(f.t.tls.bad_records[0] == 0);
    CHECK(secs < 1.0);
    fx_free(&f);
    bfree(&body);
    bfree(&msg);
    bfree(&recs);
}

TEST(client_hello_extension_block_overruns)
{
    static const uint8_t sid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    ch_opts co = { .legacy_version = 0x0302, .sni = "over.example", .sid = sid, .sid_len = 8,
                   .ciphers = { 0x002f, 0x0035 }, .ext_len_delta = 400 };
    buf rec = { 0 };
    client_hello_record(&rec, &co);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &rec, 1);
    const td_tls *x = &f.t.tls;
    CHECK(x->client_hello);
    CHECK(x->bad_records[0] == 1);
    CHECK(bad_what(x, 0) && strstr(bad_what(x, 0), "malformed ClientHello"));
    CHECK(x->client_legacy_version == 0x0302);
    CHECK(x->session_id_c_len == 8 && x->session_id_c[7] == 8);
    CHECK(x->n_offered_ciphers == 2 && x->offered_ciphers[1] == 0x0035);
    CHECK(x->n_offered_versions == 1 && x->offered_versions[0] == 0x0302);
    fx_free(&f);
    bfree(&rec);

    /* An extension inside the block that lies about its own length. */
    buf body = { 0 }, r2 = { 0 };
    put16(&body, 0x0303);
    bytes_of(&body, 0, 32);
    put8(&body, 0);
    put16(&body, 2);
    put16(&body, 0x1301);
    put8(&body, 1);
    put8(&body, 0);
    put16(&body, 8);                             /* extensions: 8 bytes */
    put16(&body, 0);                             /* server_name ... */
    put16(&body, 60);                            /* ... claiming 60 */
    put(&body, "abcd", 4);
    hs_record(&r2, 1, &body);
    fx_init(&f);
    feedb(&f, 0, &r2, 1);
    CHECK(f.t.tls.client_hello);
    CHECK(f.t.tls.bad_records[0] == 1);
    CHECK(f.t.tls.sni == NULL);
    CHECK(f.t.tls.n_offered_ciphers == 1);
    fx_free(&f);
    bfree(&body);
    bfree(&r2);

    /* An SNI list entry whose name length overruns the extension. */
    buf b3 = { 0 }, r3 = { 0 };
    put16(&b3, 0x0303);
    bytes_of(&b3, 0, 32);
    put8(&b3, 0);
    put16(&b3, 2);
    put16(&b3, 0x1301);
    put8(&b3, 1);
    put8(&b3, 0);
    put16(&b3, 4 + 2 + 3 + 4);
    put16(&b3, 0);
    put16(&b3, 2 + 3 + 4);
    put16(&b3, 3 + 4);
    put8(&b3, 0);
    put16(&b3, 200);                             /* name length 200, 4 bytes present */
    put(&b3, "evil", 4);
    hs_record(&r3, 1, &b3);
    fx_init(&f);
    feedb(&f, 0, &r3, 1);
    CHECK(f.t.tls.client_hello);
    CHECK(f.t.tls.sni == NULL);
    CHECK(transcript_sane(&f.t));
    fx_free(&f);
    bfree(&b3);
    bfree(&r3);
}

TEST(server_hello_truncated)
{
    /* A ServerHello cut inside its random: malformed, no ServerHello recorded. */
    buf body = { 0 }, rec = { 0 };
    put16(&body, 0x0303);
    bytes_of(&body, 1, 20);
    hs_record(&rec, 2, &body);
    fx f;
    fx_init(&f);
    feedb(&f, 1, &rec, 1);
    CHECK(!f.t.tls.server_hello);
    CHECK(!f.t.tls.has_cipher);
    CHECK(f.t.tls.bad_records[1] == 1);
    CHECK(bad_what(&f.t.tls, 1) && strstr(bad_what(&f.t.tls, 1), "ServerHello"));
    fx_free(&f);
    bfree(&body);
    bfree(&rec);
}

/* ---- gaps --------------------------------------------------------------------------------------------- */

TEST(gap_inside_appdata_keeps_sync)
{
    flow fl = { 0 };
    tls12_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < 4; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    buf a = { 0 }, tail = { 0 };
    opaque_record(&a, 23, 1000, 0x16);           /* body bytes that look like record types */
    feed(&f, 0, a.p, 5 + 300, 10);
    td_tls_stream_gap(f.s, 0, 400, 11, 11.0);
    feed(&f, 0, a.p + 5 + 700, 300, 12);
    alert_record(&tail, 1, 0);
    opaque_record(&tail, 23, 77, 0x16);
    feedb(&f, 0, &tail, 13);
    const td_tls *x = &f.t.tls;
    CHECK(x->bad_records[0] == 0);
    CHECK(x->n_alerts == 1);
    /* In step: the record after the hole is read as an alert; after the client's CCS it is an
     * encrypted one, whatever its length. */
    if (x->n_alerts == 1) CHECK(x->alerts[0].encrypted && x->alerts[0].packet == 13);
    CHECK(x->app_records[0] == 2 && x->app_data[0] == 677);   /* captured bytes: 400 were lost */
    CHECK(has_event(&f.t, TD_EV_GAP, 0, -1));
    fx_free(&f);
    bfree(&a);
    bfree(&tail);
    flow_free(&fl);
}

TEST(gap_inside_handshake_then_fresh_record_resyncs)
{
    buf sh = { 0 }, certrec = { 0 }, cert = { 0 }, body = { 0 }, after = { 0 }, empty = { 0 };
    sh_opts so = { .cipher = 0xc02f };
    server_hello_record(&sh, &so);
    make_cert_der(&cert, "gap.example", "Gap CA");
    certificate_body(&body, &cert, 1);
    hs_record(&certrec, 11, &body);
    hs_record(&after, 14, &empty);               /* ServerHelloDone */
    alert_record(&after, 2, 42);

    /* Unknown gap size in the middle of the Certificate: the parser must find the next record. */
    fx f;
    fx_init(&f);
    feedb(&f, 1, &sh, 1);
    feed(&f, 1, certrec.p, 100, 2);
    td_tls_stream_gap(f.s, 1, 0, 3, 3.0);
    feed(&f, 1, certrec.p + 150, certrec.n - 150, 4);
    feedb(&f, 1, &after, 5);
    CHECK(f.t.tls.server_hello_done);
    CHECK(f.t.tls.n_alerts == 1 && f.t.tls.n_alerts == 1 && f.t.tls.alerts[0].code == 42);
    CHECK(!f.t.tls.server_chain.seen);           /* the broken Certificate is not reported */
    CHECK(td_tls_stream_buffered(f.s) == 0);
    fx_free(&f);

    /* Known gap size inside the Certificate record: the record layer stays in step. */
    fx_init(&f);
    feedb(&f, 1, &sh, 1);
    feed(&f, 1, certrec.p, 100, 2);
    td_tls_stream_gap(f.s, 1, 50, 3, 3.0);
    feed(&f, 1, certrec.p + 150, certrec.n - 150, 4);
    feedb(&f, 1, &after, 5);
    CHECK(f.t.tls.server_hello_done);
    CHECK(f.t.tls.n_alerts == 1);
    CHECK(!f.t.tls.server_chain.seen);
    CHECK(f.t.tls.bad_records[1] == 0);          /* in step: nothing looked broken */
    CHECK(td_tls_stream_buffered(f.s) == 0);
    fx_free(&f);

    /* A gap while a record header is half read. */
    fx_init(&f);
    feedb(&f, 1, &sh, 1);
    feed(&f, 1, certrec.p, 3, 2);
    td_tls_stream_gap(f.s, 1, 0, 3, 3.0);
    feedb(&f, 1, &after, 4);
    CHECK(f.t.tls.server_hello_done);
    CHECK(f.t.tls.n_alerts == 1);
    fx_free(&f);
    bfree(&sh);
    bfree(&certrec);
    bfree(&cert);
    bfree(&body);
    bfree(&after);
}

TEST(resync_header_split_across_deliveries)
{
    /* After a gap, the first record header may straddle two segments: it must still be found. */
    buf b = { 0 };
    bytes_of(&b, 0xee, 20);                      /* the rest of the record the gap broke */
    alert_record(&b, 2, 20);                     /* bad_record_mac */
    fx f;
    fx_init(&f);
    buf c = { 0 };
    ch_opts co = { .sni = "r.example" };
    client_hello_record(&c, &co);
    feedb(&f, 0, &c, 1);
    td_tls_stream_gap(f.s, 0, 0, 2, 2.0);
    feed(&f, 0, b.p, 23, 3);                     /* cut after the alert's third header byte */
    feed(&f, 0, b.p + 23, b.n - 23, 4);
    CHECK(f.t.tls.n_alerts == 1);
    if (f.t.tls.n_alerts == 1) CHECK(f.t.tls.alerts[0].code == 20 && f.t.tls.alerts[0].packet == 4);
    fx_free(&f);
    bfree(&b);
    bfree(&c);
}

TEST(midstream_start_resyncs)
{
    /* A connection picked up mid-stream: the first bytes are the tail of a record. */
    fx f;
    fx_init(&f);
    f.t.tcp.midstream = true;
    buf b = { 0 };
    bytes_of(&b, 0xee, 37);
    opaque_record(&b, 23, 500, 0x99);
    opaque_record(&b, 23, 600, 0x98);
    feedb(&f, 1, &b, 1);
    CHECK(!f.t.tls.not_tls[1]);
    CHECK(f.t.tls.app_records[1] == 2 && f.t.tls.app_data[1] == 1100);
    fx_free(&f);
    bfree(&b);
}

/* ---- robustness ---------------------------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

TEST(null_and_bad_arguments)
{
    fx f;
    fx_init(&f);
    td_tls_stream_data(f.s, 2, (const uint8_t *)"x", 1, 1, 1.0);
    td_tls_stream_data(f.s, -1, (const uint8_t *)"x", 1, 1, 1.0);
    td_tls_stream_data(f.s, 0, NULL, 10, 1, 1.0);
    td_tls_stream_data(f.s, 0, (const uint8_t *)"x", 0, 1, 1.0);
    td_tls_stream_gap(f.s, 5, 10, 1, 1.0);
    td_tls_stream_data(NULL, 0, (const uint8_t *)"x", 1, 1, 1.0);
    td_tls_stream_gap(NULL, 0, 10, 1, 1.0);
    td_tls_stream_free(NULL);
    CHECK(f.t.n_events == 0);
    CHECK(!f.t.tls.not_tls[0]);
    fx_free(&f);
}

TEST(every_prefix_and_byte_flips)
{
    flow fl = { 0 };
    tls12_flow(&fl);
    flow fl13 = { 0 };
    tls13_flow(&fl13);
    const flow *flows[2] = { &fl, &fl13 };
    int insane = 0;

    /* Every prefix of every step (the later steps not delivered). */
    for (int w = 0; w < 2; w++) {
        const flow *F = flows[w];
        for (int i = 0; i < F->n; i++) {
            for (size_t cut = 0; cut <= F->b[i].n; cut += (F->b[i].n > 2000 ? 7 : 1)) {
                fx f;
                fx_init(&f);
                for (int j = 0; j < i; j++) feedb(&f, F->dir[j], &F->b[j], (uint64_t)j + 1);
                feed(&f, F->dir[i], F->b[i].p, cut, (uint64_t)i + 1);
                if (!transcript_sane(&f.t)) insane++;
                fx_free(&f);
            }
        }
    }

    /* Random byte flips, random chunking, random gaps. */
    for (int iter = 0; iter < 2000; iter++) {
        const flow *F = flows[iter & 1];
        fx f;
        fx_init(&f);
        int flips = 1 + (int)(rnd() % 8);
        for (int i = 0; i < F->n; i++) {
            buf m = { 0 };
            putb(&m, &F->b[i]);
            for (int k = 0; k < flips; k++) {
                if (rnd() % 3 == 0) {
                    size_t pos = rnd() % m.n;
                    switch (rnd() % 4) {
                    case 0: m.p[pos] ^= (uint8_t)(1u << (rnd() % 8)); break;
                    case 1: m.p[pos] = 0xff; break;
                    case 2: m.p[pos] = 0x00; break;
                    default: m.p[pos] = (uint8_t)rnd(); break;
                    }
                }
            }
            size_t off = 0;
            while (off < m.n) {
                size_t k = 1 + rnd() % (m.n - off < 600 ? m.n - off : 600);
                if (rnd() % 50 == 0) {
                    td_tls_stream_gap(f.s, F->dir[i], rnd() % 2 ? k : 0, (uint64_t)i + 1, 0);
                } else {
                    feed(&f, F->dir[i], m.p + off, k, (uint64_t)i + 1);
                }
                off += k;
            }
            bfree(&m);
        }
        if (!transcript_sane(&f.t)) insane++;
        if (td_tls_stream_buffered(f.s) > 2 * 256 * 1024 + 65536) insane++;
        fx_free(&f);
    }
    CHECK(insane == 0);
    flow_free(&fl);
    flow_free(&fl13);
}

TEST(random_garbage_streams)
{
    int insane = 0;
    for (int iter = 0; iter < 300; iter++) {
        fx f;
        fx_init(&f);
        f.t.tcp.midstream = iter & 1;
        for (int d = 0; d < 2; d++) {
            buf m = { 0 };
            size_t n = 1 + rnd() % 5000;
            for (size_t i = 0; i < n; i++) {
                /* Mostly plausible record bytes, so that the parser goes deep. */
                uint32_t r = rnd() % 10;
                put8(&m, r < 3 ? 22 : r < 5 ? 3 : r < 6 ? 0 : rnd());
            }
            feedb(&f, d, &m, 1);
            bfree(&m);
        }
        if (!transcript_sane(&f.t)) insane++;
        fx_free(&f);
    }
    CHECK(insane == 0);
}

/* ---- heartbeat (RFC 6520) ------------------------------------------------------------------------------ */

/* A heartbeat record in the clear: type, payload_length, `real` payload bytes, `pad` padding. */
static void heartbeat_record(buf *out, unsigned type, unsigned payload_length, size_t real, size_t pad)
{
    buf body = { 0 };
    put8(&body, type);
    put16(&body, payload_length);
    bytes_of(&body, 0x41, real);
    bytes_of(&body, 0x00, pad);
    record(out, 24, 0x0303, body.p, body.n);
    bfree(&body);
}

/* ClientHello and the server's first flight of tls12_flow, then the heartbeats in the clear. */
static void heartbeat_clear_flow(flow *fl)
{
    flow full = { 0 };
    tls12_flow(&full);
    putb(step(fl, 0), &full.b[0]);
    putb(step(fl, 1), &full.b[1]);
    flow_free(&full);
    heartbeat_record(step(fl, 0), 1, 18, 18, 16);          /* an honest request: 3 + 18 + 16 */
    heartbeat_record(step(fl, 1), 2, 18, 18, 16);          /* its answer */
    heartbeat_record(step(fl, 0), 1, 16384, 1, 16);        /* Heartbleed: claims 16384, holds 1 */
    heartbeat_record(step(fl, 1), 2, 16384, 16384, 16);    /* a vulnerable server's answer */
}

TEST(heartbeat_in_the_clear)
{
    flow fl = { 0 };
    heartbeat_clear_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    const td_tls *x = &f.t.tls;
    CHECK(x->heartbeat);
    CHECK(x->n_heartbeats == 4 && x->n_heartbeats_total == 4);
    if (x->n_heartbeats == 4) {
        const td_heartbeat *h = x->heartbeats;
        CHECK(h[0].from == 0 && h[0].type == 1 && !h[0].encrypted && !h[0].malformed);
        CHECK(h[0].payload_length == 18 && h[0].payload_actual == 18 && h[0].record_length == 37);
        CHECK(h[0].packet == 3);
        CHECK(h[1].from == 1 && h[1].type == 2 && h[1].payload_length == 18 && h[1].payload_actual == 18);
        CHECK(h[1].packet == 4);
        CHECK(h[2].from == 0 && h[2].type == 1 && h[2].payload_length == 16384);
        CHECK(h[2].payload_actual == 1 && h[2].record_length == 20 && h[2].packet == 5);
        CHECK(h[3].from == 1 && h[3].type == 2 && h[3].payload_length == 16384);
        CHECK(h[3].payload_actual == 16384 && h[3].record_length == 16403 && h[3].packet == 6);
    }
    CHECK(count_events(&f.t, TD_EV_HEARTBEAT, 0) == 2 && count_events(&f.t, TD_EV_HEARTBEAT, 1) == 2);
    for (size_t i = 0, k = 0; i < f.t.n_events; i++)
        if (f.t.events[i].kind == TD_EV_HEARTBEAT) {
            CHECK(f.t.events[i].sub == k);
            CHECK(k >= x->n_heartbeats || f.t.events[i].len == x->heartbeats[k].record_length);
            k++;
        }
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    CHECK(x->app_records[0] == 0 && x->app_records[1] == 0);
    CHECK(transcript_sane(&f.t));
    fx_free(&f);
    CHECK(split_mismatches(&fl) == 0);
    flow_free(&fl);
}

TEST(heartbeat_bare_header_and_short_record)
{
    /* The classic probe sends no payload and no padding at all: 18 03 02 00 03 01 40 00. */
    static const uint8_t probe[] = { 0x18, 0x03, 0x02, 0x00, 0x03, 0x01, 0x40, 0x00 };
    static const uint8_t shorty[] = { 0x18, 0x03, 0x03, 0x00, 0x01, 0x01 };
    fx f;
    fx_init(&f);
    feed(&f, 0, probe, sizeof probe, 7);
    feed(&f, 0, shorty, sizeof shorty, 8);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_heartbeats == 2);
    if (x->n_heartbeats == 2) {
        CHECK(x->heartbeats[0].type == 1 && x->heartbeats[0].payload_length == 16384);
        CHECK(x->heartbeats[0].payload_actual == 0 && x->heartbeats[0].record_length == 3);
        CHECK(x->heartbeats[0].packet == 7 && !x->heartbeats[0].malformed);
        CHECK(x->heartbeats[1].malformed && x->heartbeats[1].type == 1);
        CHECK(x->heartbeats[1].payload_length == 0 && x->heartbeats[1].record_length == 1);
    }
    CHECK(x->bad_records[0] == 1);
    fx_free(&f);
}

TEST(heartbeat_encrypted_after_ccs_and_in_tls13)
{
    flow fl = { 0 };
    tls12_flow(&fl);
    opaque_record(step(&fl, 0), 24, 61, 0x77);              /* request after the client's CCS */
    opaque_record(step(&fl, 1), 24, 16429, 0x78);           /* a big answer */
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_heartbeats == 2);
    if (x->n_heartbeats == 2) {
        CHECK(x->heartbeats[0].encrypted && x->heartbeats[0].type == 0 && x->heartbeats[0].payload_length == 0);
        CHECK(x->heartbeats[0].record_length == 61 && x->heartbeats[0].packet == 7 && x->heartbeats[0].from == 0);
        CHECK(x->heartbeats[1].encrypted && x->heartbeats[1].record_length == 16429 && x->heartbeats[1].from == 1);
    }
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    fx_free(&f);
    CHECK(split_mismatches(&fl) == 0);
    flow_free(&fl);

    /* TLS 1.3: a heartbeat record after the ServerHello is protected (from the server at once, and
     * from the client too: TLS 1.3 has no heartbeat in the clear). */
    tls13_flow(&fl);
    heartbeat_record(step(&fl, 1), 2, 300, 300, 16);
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    CHECK(f.t.tls.n_heartbeats == 1);
    if (f.t.tls.n_heartbeats == 1) {
        CHECK(f.t.tls.heartbeats[0].encrypted && f.t.tls.heartbeats[0].payload_length == 0);
        CHECK(f.t.tls.heartbeats[0].record_length == 319);
    }
    fx_free(&f);
    flow_free(&fl);
}

TEST(heartbeat_list_is_capped)
{
    buf c = { 0 }, hb = { 0 };
    ch_opts co = { .sni = "hb.example" };
    client_hello_record(&c, &co);
    for (int i = 0; i < 1000; i++) heartbeat_record(&hb, 1, 16, 16, 16);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 0, &hb, 2);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_heartbeats == TD_MAX_HEARTBEATS && x->n_heartbeats_total == 1000);
    CHECK(has_event(&f.t, TD_EV_HEARTBEAT, 0, 255));        /* the ones not kept */
    CHECK(has_event(&f.t, TD_EV_HEARTBEAT, 0, TD_MAX_HEARTBEATS - 1));
    CHECK(transcript_sane(&f.t));
    fx_free(&f);
    bfree(&c);
    bfree(&hb);
}

/* ---- alerts: plaintext only when they can be ------------------------------------------------------------ */

TEST(alert_record_length_decides_encryption)
{
    /* A capture that starts after the handshake: no CCS seen, yet a 26-byte alert (AES-GCM:
     * 8 explicit nonce + 2 + 16 tag) is encrypted, not an alert of level 0x?? read from its IV. */
    fx f;
    fx_init(&f);
    f.t.tcp.midstream = true;
    buf b = { 0 };
    opaque_record(&b, 23, 100, 0x02);
    opaque_record(&b, 21, 26, 0x02);                        /* 02 02 ...: would read as fatal(2) */
    opaque_record(&b, 21, 3, 0x01);                         /* odd length */
    feedb(&f, 1, &b, 9);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_alerts == 2);
    for (size_t i = 0; i < x->n_alerts; i++) CHECK(x->alerts[i].encrypted && x->alerts[i].level == 0);
    fx_free(&f);
    bfree(&b);

    /* Several plaintext alerts in one record are each kept; an even-length record whose pairs
     * are not alerts is one encrypted alert. */
    fx_init(&f);
    buf c = { 0 }, s = { 0 };
    ch_opts co = { .sni = "x.example" };
    client_hello_record(&c, &co);
    static const uint8_t two[] = { 1, 112, 2, 40 };
    static const uint8_t junk[] = { 0x8f, 0x12, 0x33, 0x44, 0x01, 0x02 };
    record(&s, 21, 0x0303, two, sizeof two);
    record(&s, 21, 0x0303, junk, sizeof junk);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    CHECK(x->n_alerts == 3);
    if (x->n_alerts == 3) {
        CHECK(!x->alerts[0].encrypted && x->alerts[0].level == 1 && x->alerts[0].code == 112);
        CHECK(!x->alerts[1].encrypted && x->alerts[1].level == 2 && x->alerts[1].code == 40);
        CHECK(x->alerts[2].encrypted);
    }
    CHECK(count_events(&f.t, TD_EV_ALERT, 1) == 3);
    fx_free(&f);
    bfree(&s);

    /* TLS 1.3: a 19-byte record of type alert from the client is protected, even before the
     * client has sent an encrypted record. */
    flow fl = { 0 };
    tls13_flow(&fl);
    fx_init(&f);
    for (int i = 0; i < 4; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    CHECK(!x->encrypted[0]);
    buf a = { 0 };
    opaque_record(&a, 21, 19, 0x02);
    feedb(&f, 0, &a, 5);
    CHECK(x->n_alerts == 1 && x->alerts[0].encrypted);
    fx_free(&f);
    bfree(&a);
    flow_free(&fl);
    bfree(&c);
}

TEST(alert_after_ccs_is_encrypted_whatever_its_length)
{
    /* TLS 1.2: after the client's CCS even a 2-byte alert record is protected. */
    flow fl = { 0 };
    tls12_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < 3; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    buf a = { 0 };
    alert_record(&a, 2, 40);
    feedb(&f, 0, &a, 4);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_alerts == 1 && x->alerts[0].encrypted && x->alerts[0].from == 0);
    fx_free(&f);
    flow_free(&fl);

    /* TLS 1.3's compatibility CCS changes nothing: the client's alert after it, before any
     * encrypted record of its own, is still read in the clear (it rejects the ServerHello). */
    static const uint8_t sid[32] = { 9 };
    ch_opts co = { .sni = "tls13.example", .versions = { 0x0304 }, .sid = sid, .sid_len = 32 };
    sh_opts so = { .cipher = 0x1301, .selected_version = 0x0304, .sid = sid, .sid_len = 32 };
    buf c = { 0 }, s = { 0 };
    client_hello_record(&c, &co);
    server_hello_record(&s, &so);
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    buf c2 = { 0 };
    ccs_record(&c2);
    alert_record(&c2, 2, 47);
    feedb(&f, 0, &c2, 3);
    CHECK(x->n_alerts == 1 && !x->alerts[0].encrypted && x->alerts[0].code == 47);
    fx_free(&f);
    bfree(&a);
    bfree(&c);
    bfree(&s);
    bfree(&c2);
}

/* ---- TLS 1.3 drafts -------------------------------------------------------------------------------------- */

/* The ServerHello of draft-ietf-tls-tls13 before -22: version, random, cipher suite, extensions. */
static void draft_server_hello_record(buf *out, uint16_t version, uint16_t cipher)
{
    buf body = { 0 }, m = { 0 };
    put16(&body, version);
    for (int i = 0; i < 32; i++) put8(&body, 0x90 + i);
    put16(&body, cipher);
    put16(&body, 4 + 36 + 4);                                /* extensions */
    put16(&body, 40);                                        /* key_share (draft-23+: 51) */
    put16(&body, 36);
    put16(&body, 29);                                        /* x25519 */
    put16(&body, 32);
    bytes_of(&body, 0xee, 32);
    put16(&body, 41);                                        /* pre_shared_key */
    put16(&body, 0);
    handshake(&m, 2, body.p, body.n);
    record(out, 22, 0x0301, m.p, m.n);
    bfree(&body);
    bfree(&m);
}

TEST(tls13_draft_server_hello_layouts)
{
    /* Draft-18 (0x7f12), as Chrome and Firefox spoke it in 2017. */
    ch_opts co = { .sni = "draft.example", .versions = { 0x7f12, 0x0303 } };
    buf c = { 0 }, s = { 0 };
    client_hello_record(&c, &co);
    draft_server_hello_record(&s, 0x7f12, 0x1302);
    opaque_record(&s, 23, 600, 3);                           /* the encrypted flight */
    fx f;
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    const td_tls *x = &f.t.tls;
    CHECK(x->n_offered_versions == 2 && x->offered_versions[0] == 0x7f12);
    CHECK(x->server_hello && x->server_hello_packet == 2);
    CHECK(x->version == 0x7f12);
    CHECK(x->has_cipher && x->cipher == 0x1302);
    CHECK(x->psk_accepted && x->resumed);                   /* pre_shared_key in its extensions */
    CHECK(x->session_id_s_len == 0);
    CHECK(x->encrypted[1]);                                  /* protected after the ServerHello */
    CHECK(x->bad_records[1] == 0);
    char b[32];
    CHECK_STR(td_version_label(x->version, b, sizeof b), "TLS1.3-draft-18");
    /* A CCS from a draft peer does not turn encryption on (it is TLS 1.3's no-op). */
    buf cc = { 0 };
    ccs_record(&cc);
    feedb(&f, 0, &cc, 3);
    CHECK(!x->encrypted[0]);
    /* A draft-21 peer's Certificate in a handshake record (as a decrypting proxy would pass it
     * on) has TLS 1.3's layout: request context, extensions per entry. */
    buf certs[1] = { { 0 } }, body = { 0 }, msg = { 0 };
    make_cert_der(&certs[0], "draft.example", "Draft CA");
    put8(&body, 0);
    put24(&body, 3 + certs[0].n + 2);
    put24(&body, certs[0].n);
    putb(&body, &certs[0]);
    put16(&body, 0);
    hs_record(&msg, 11, &body);
    fx_free(&f);
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    buf sh = { 0 };
    draft_server_hello_record(&sh, 0x7f15, 0x1301);
    x = &f.t.tls;
    feedb(&f, 1, &sh, 2);
    CHECK(x->version == 0x7f15 && x->cipher == 0x1301);
    feedb(&f, 1, &msg, 3);
    CHECK(x->server_chain.seen && x->server_chain.n == 1 && !x->server_chain.malformed);
    CHECK(x->bad_records[1] == 0);
    fx_free(&f);
    bfree(&certs[0]);
    bfree(&body);
    bfree(&msg);
    bfree(&sh);

    /* Draft-23 (0x7f17) already has RFC 8446's layout, with the version in supported_versions. */
    fx_init(&f);
    buf s23 = { 0 };
    sh_opts so = { .cipher = 0x1303, .selected_version = 0x7f17 };
    server_hello_record(&s23, &so);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s23, 2);
    CHECK(f.t.tls.version == 0x7f17 && f.t.tls.cipher == 0x1303 && f.t.tls.encrypted[1]);
    CHECK(f.t.tls.bad_records[1] == 0);
    fx_free(&f);
    bfree(&s23);

    /* The HelloRetryRequest of drafts 19-21: its own handshake type 6. */
    fx_init(&f);
    buf hrr = { 0 }, hb = { 0 };
    put16(&hb, 0x7f15);
    put16(&hb, 0x1301);
    put16(&hb, 6);
    put16(&hb, 40);                                          /* key_share: selected group */
    put16(&hb, 2);
    put16(&hb, 23);
    hs_record(&hrr, 6, &hb);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &hrr, 2);
    CHECK(f.t.tls.hello_retry && f.t.tls.hello_retry_packet == 2 && !f.t.tls.server_hello);
    CHECK(f.t.tls.version == 0x7f15 && f.t.tls.cipher == 0x1301);
    CHECK(has_event(&f.t, TD_EV_HANDSHAKE, 1, 6));
    CHECK(f.t.tls.bad_records[1] == 0);
    fx_free(&f);
    bfree(&hrr);
    bfree(&hb);
    bfree(&c);
    bfree(&s);
    bfree(&cc);
}

/* ---- SSLv2 sessions -------------------------------------------------------------------------------------- */

static void sslv2_record2(buf *out, const buf *body)
{
    put8(out, 0x80 | (unsigned)(body->n >> 8));
    put8(out, (unsigned)(body->n & 0xff));
    putb(out, body);
}

static void sslv2_server_hello_msg(buf *out, bool hit)
{
    buf body = { 0 }, cert = { 0 };
    make_cert_der(&cert, "sslv2.example", "Old CA");
    put8(&body, 4);
    put8(&body, hit ? 1 : 0);
    put8(&body, 1);
    put16(&body, 0x0002);
    put16(&body, hit ? 0 : (unsigned)cert.n);
    put16(&body, 6);
    put16(&body, 16);
    if (!hit) putb(&body, &cert);
    put(&body, "\x07\x00\xc0\x01\x00\x80", 6);
    bytes_of(&body, 0xdd, 16);
    sslv2_record2(out, &body);
    bfree(&body);
    bfree(&cert);
}

static void sslv2_client_master_key(buf *out, uint32_t kind, unsigned clear, unsigned enc, unsigned arg)
{
    buf body = { 0 };
    put8(&body, 2);
    put24(&body, kind);
    put16(&body, clear);
    put16(&body, enc);
    put16(&body, arg);
    bytes_of(&body, 0x11, clear);
    bytes_of(&body, 0x22, enc);
    bytes_of(&body, 0x33, arg);
    sslv2_record2(out, &body);
    bfree(&body);
}

/* An encrypted SSLv2 record: a 2-byte header, or a 3-byte one with padding. */
static void sslv2_encrypted_record(buf *out, size_t len, bool three, unsigned pad, unsigned fill)
{
    if (three) {
        put8(out, (unsigned)(len >> 8) & 0x3f);
        put8(out, (unsigned)(len & 0xff));
        put8(out, pad);
    } else {
        put8(out, 0x80 | (unsigned)(len >> 8));
        put8(out, (unsigned)(len & 0xff));
    }
    bytes_of(out, fill, len);
}

static void sslv2_session_flow(flow *fl)
{
    sslv2_client_hello(step(fl, 0), 0x0002);
    sslv2_server_hello_msg(step(fl, 1), false);
    buf *c = step(fl, 0);
    sslv2_client_master_key(c, 0x0700c0, 0, 128, 8);
    sslv2_encrypted_record(c, 33, false, 0, 0x80);         /* CLIENT-FINISHED (starts like a hello) */
    buf *s = step(fl, 1);
    sslv2_encrypted_record(s, 40, true, 7, 0x00);          /* SERVER-VERIFY (3-byte header) */
    sslv2_encrypted_record(s, 40, true, 7, 0x02);          /* SERVER-FINISHED */
    sslv2_encrypted_record(step(fl, 0), 300, false, 0, 0x04);
    sslv2_encrypted_record(step(fl, 1), 2000, false, 0, 0x00);
}

TEST(sslv2_full_session)
{
    flow fl = { 0 };
    sslv2_session_flow(&fl);
    fx f;
    fx_init(&f);
    for (int i = 0; i < fl.n; i++) feedb(&f, fl.dir[i], &fl.b[i], (uint64_t)i + 1);
    const td_tls *x = &f.t.tls;
    CHECK(x->sslv2_client_hello && x->sslv2_server_hello && x->version == 0x0002);
    CHECK(x->n_sslv2_offered_kinds == 2);
    if (x->n_sslv2_offered_kinds == 2)
        CHECK(x->sslv2_offered_kinds[0] == 0x010080 && x->sslv2_offered_kinds[1] == 0x0700c0);
    CHECK(!x->sslv2_session_id_hit);
    CHECK(x->sslv2_master_key && x->sslv2_master_key_packet == 3);
    CHECK(x->sslv2_master_key_cipher == 0x0700c0 && x->cipher == 0x0700c0 && x->has_cipher);
    CHECK(x->sslv2_clear_key_len == 0 && x->sslv2_encrypted_key_len == 128 && x->sslv2_key_arg_len == 8);
    CHECK(x->sslv2_enc_records[0] == 2 && x->sslv2_enc_bytes[0] == 333);
    CHECK(x->sslv2_enc_records[1] == 3 && x->sslv2_enc_bytes[1] == 2080);
    CHECK(x->sslv2_first_enc_packet[0] == 3 && x->sslv2_first_enc_packet[1] == 4);
    CHECK(x->sslv2_error == 0);
    CHECK(has_event(&f.t, TD_EV_SSL2, 0, 2));
    CHECK(count_events(&f.t, TD_EV_SSL2_ENCRYPTED, 1) == 2);   /* coalesced while uninterrupted */
    for (size_t i = 0; i < f.t.n_events; i++)
        if (f.t.events[i].kind == TD_EV_SSL2_ENCRYPTED && f.t.events[i].dir == 1 && f.t.events[i].packet == 4)
            CHECK(f.t.events[i].count == 2 && f.t.events[i].len == 80);
    CHECK(x->bad_records[0] == 0 && x->bad_records[1] == 0);
    CHECK(!x->not_tls[0] && !x->not_tls[1]);
    CHECK(x->app_records[0] == 0 && x->n_alerts == 0);
    CHECK(td_tls_stream_buffered(f.s) == 0);
    fx_free(&f);
    CHECK(split_mismatches(&fl) == 0);
    flow_free(&fl);
}

TEST(sslv2_errors_and_resumed_session)
{
    /* The server has no cipher in common: ERROR NO-CIPHER instead of a SERVER-HELLO. */
    buf c = { 0 }, e = { 0 };
    sslv2_client_hello(&c, 0x0002);
    put(&e, "\x80\x03\x00\x00\x01", 5);
    fx f;
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &e, 2);
    const td_tls *x = &f.t.tls;
    CHECK(!x->server_hello && !x->not_tls[1]);
    CHECK(x->sslv2_error == 1 && x->sslv2_error_from == 1 && x->sslv2_error_packet == 2);
    CHECK(has_event(&f.t, TD_EV_SSL2, 1, 0));
    CHECK(x->bad_records[1] == 0);
    fx_free(&f);

    /* The client does not like the certificate: ERROR BAD-CERTIFICATE instead of a master key. */
    buf s = { 0 }, ce = { 0 };
    sslv2_server_hello_msg(&s, false);
    put(&ce, "\x80\x03\x00\x00\x04", 5);
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    feed(&f, 0, ce.p, 3, 3);                                  /* split, too */
    feed(&f, 0, ce.p + 3, 2, 4);
    CHECK(x->sslv2_error == 4 && x->sslv2_error_from == 0 && x->sslv2_error_packet == 4);
    CHECK(!x->sslv2_master_key && x->sslv2_enc_records[0] == 0);
    fx_free(&f);

    /* A resumed session (session-id-hit): no CLIENT-MASTER-KEY, encrypted at once both ways. */
    buf sh = { 0 }, cf = { 0 }, sv = { 0 };
    sslv2_server_hello_msg(&sh, true);
    sslv2_encrypted_record(&cf, 2 + 16 + 8, false, 0, 0x02);   /* would read as a master key */
    sslv2_encrypted_record(&sv, 50, true, 3, 0x00);
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &sh, 2);
    feedb(&f, 0, &cf, 3);
    feedb(&f, 1, &sv, 4);
    CHECK(x->sslv2_session_id_hit && !x->sslv2_master_key);
    CHECK(x->sslv2_enc_records[0] == 1 && x->sslv2_enc_records[1] == 1);
    CHECK(x->sslv2_first_enc_packet[0] == 3 && x->sslv2_first_enc_packet[1] == 4);
    fx_free(&f);

    /* Hostile: a CLIENT-MASTER-KEY whose key lengths lie is not taken as one; nor a zero-length
     * or over-padded record; a gap inside an encrypted record keeps framing. */
    buf bad = { 0 }, body = { 0 };
    put8(&body, 2);
    put24(&body, 0x010080);
    put16(&body, 0);
    put16(&body, 5000);
    put16(&body, 0);
    bytes_of(&body, 0x22, 10);
    sslv2_record2(&bad, &body);
    put(&bad, "\x80\x00", 2);
    put(&bad, "\x00\x04\x09", 3);
    bytes_of(&bad, 0x55, 4);
    fx_init(&f);
    feedb(&f, 0, &c, 1);
    feedb(&f, 1, &s, 2);
    feedb(&f, 0, &bad, 3);
    CHECK(!x->sslv2_master_key);
    CHECK(x->sslv2_enc_records[0] == 2);                     /* the fake master key, the padded one */
    CHECK(x->bad_records[0] == 2);
    buf big = { 0 };
    sslv2_encrypted_record(&big, 1000, false, 0, 0x66);
    feed(&f, 1, big.p, 100, 4);
    td_tls_stream_gap(f.s, 1, 500, 5, 5.0);
    feed(&f, 1, big.p + 600, big.n - 600, 6);
    buf after = { 0 };
    sslv2_encrypted_record(&after, 20, false, 0, 0x67);
    feedb(&f, 1, &after, 7);
    CHECK(x->sslv2_enc_records[1] == 2 && x->sslv2_enc_bytes[1] == 1020);
    CHECK(transcript_sane(&f.t));
    fx_free(&f);
    bfree(&c);
    bfree(&e);
    bfree(&s);
    bfree(&ce);
    bfree(&sh);
    bfree(&cf);
    bfree(&sv);
    bfree(&bad);
    bfree(&body);
    bfree(&big);
    bfree(&after);
}

int main(void)
{
    RUN(client_hello_fields);
    RUN(client_hello_without_extensions);
    RUN(server_hello_tls12);
    RUN(server_hello_tls13_and_psk);
    RUN(session_id_resumption_tls12);
    RUN(hello_retry_request);
    RUN(tls12_full_handshake);
    RUN(tls12_every_split_same_transcript);
    RUN(tls13_every_split_same_transcript);
    RUN(several_messages_in_one_record);
    RUN(one_message_across_three_records);
    RUN(certificate_chain_across_records);
    RUN(certificate_request_ca_names);
    RUN(plaintext_alert);
    RUN(encrypted_alert_after_ccs);
    RUN(hundred_thousand_alerts);
    RUN(appdata_counting_per_direction);
    RUN(tls13_protected_records_are_facts);
    RUN(tls13_records_past_the_cap_are_counted);
    RUN(tls13_record_cut_by_capture_end_counts_captured_bytes);
    RUN(tls13_early_data_before_server_hello);
    RUN(sslv2_compatible_client_hello);
    RUN(sslv2_server_hello);
    RUN(plaintext_http_request_and_response);
    RUN(plaintext_description_independent_of_segmentation);
    RUN(starttls);
    RUN(starttls_every_split);
    RUN(plaintext_then_hello_in_the_same_segment);
    RUN(plaintext_scan_is_bounded);
    RUN(zero_length_records);
    RUN(oversized_record_then_resync);
    RUN(huge_handshake_length_not_allocated);
    RUN(certificate_lengths_lie);
    RUN(client_hello_5000_extensions);
    RUN(client_hello_extension_block_overruns);
    RUN(server_hello_truncated);
    RUN(gap_inside_appdata_keeps_sync);
    RUN(gap_inside_handshake_then_fresh_record_resyncs);
    RUN(resync_header_split_across_deliveries);
    RUN(midstream_start_resyncs);
    RUN(null_and_bad_arguments);
    RUN(every_prefix_and_byte_flips);
    RUN(random_garbage_streams);
    RUN(heartbeat_in_the_clear);
    RUN(heartbeat_bare_header_and_short_record);
    RUN(heartbeat_encrypted_after_ccs_and_in_tls13);
    RUN(heartbeat_list_is_capped);
    RUN(alert_record_length_decides_encryption);
    RUN(alert_after_ccs_is_encrypted_whatever_its_length);
    RUN(tls13_draft_server_hello_layouts);
    RUN(sslv2_full_session);
    RUN(sslv2_errors_and_resumed_session);
    EVP_PKEY_free(test_key());
    return check_done();
}
