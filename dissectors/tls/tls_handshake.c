/* tls_handshake.c - one complete TLS handshake message -> facts in the transcript.
 *
 * Every field is read through the cursor; a message whose inner lengths lie yields what was
 * read before the lie and a `false` return. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/cursor.h"
#include "dissectors/dissect.h"
#include "dissectors/tls/tls_int.h"

/* SHA-256("HelloRetryRequest"): the ServerHello.random of a HelloRetryRequest (RFC 8446 4.1.3). */
static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

enum {
    EXT_SERVER_NAME = 0, EXT_ALPN = 16, EXT_SESSION_TICKET = 35, EXT_PRE_SHARED_KEY = 41,
    EXT_EARLY_DATA = 42, EXT_SUPPORTED_VERSIONS = 43, EXT_ECH = 0xfe0d,
    EXT_QUIC_TP = 57, EXT_QUIC_TP_DRAFT = 0xffa5,
};

/* Copy wire bytes into a printable, JSON-safe heap string: bytes outside 0x20..0x7e become \xNN. */
void tls_set_str(char **dst, const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') ? 1 : 4;
    char *out = malloc(n + 1);
    if (!out) return;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') out[o++] = (char)c;
        else o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
    }
    out[o] = '\0';
    free(*dst);
    *dst = out;
}

bool tls_list_push_str(char ***list, size_t *n, size_t cap, const char *s, size_t len)
{
    if (*n >= cap) return false;
    if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0)) {   /* 4, then doubled when full (at n = 1 and 2
                                                               it had shrunk to 2, then grown to 4) */
        size_t want = *n ? *n * 2 : 4;
        if (want > cap) want = cap;
        char **l = realloc(*list, want * sizeof *l);
        if (!l) return false;
        *list = l;
    }
    (*list)[*n] = NULL;
    tls_set_str(&(*list)[*n], s, len);
    if (!(*list)[*n]) return false;
    (*n)++;
    return true;
}

void tls_note_bad(td_transcript *t, int dir, td_anomaly what)
{
    if (!t->tls.bad_records[dir]++) t->tls.bad_record_first[dir] = what;
}

static void add_offered_version(td_tls *tls, uint16_t v)
{
    if (td_is_grease(v)) return;
    if (tls->n_offered_versions < sizeof tls->offered_versions / sizeof tls->offered_versions[0])
        tls->offered_versions[tls->n_offered_versions++] = v;
}

/* ---- ClientHello --------------------------------------------------------------------------- */

/* QUIC's transport parameters (RFC 9000 18), kept as sent for dissectors/quic/ to read: the first
 * block each side sent, at most TD_QUIC_TP_MAX bytes. */
static void keep_quic_tp(td_tls *tls, int dir, const cursor *ext)
{
    size_t n = cur_left(ext);
    if (tls->quic_tp[dir] || !n || n > TD_QUIC_TP_MAX || !(tls->quic_tp[dir] = malloc(n))) return;
    memcpy(tls->quic_tp[dir], ext->p, n);
    tls->quic_tp_len[dir] = (uint16_t)n;
}

static void client_hello_extension(td_tls *tls, uint16_t type, cursor *ext, bool *has_sv)
{
    switch (type) {
    case EXT_SERVER_NAME: {
        cursor list = cur_block16(ext);
        while (!cur_empty(&list) && !list.bad) {
            uint8_t name_type = cur_u8(&list);
            cursor name = cur_block16(&list);
            if (list.bad) break;
            if (name_type == 0 && !tls->sni) {
                size_t n = cur_left(&name);
                tls_set_str(&tls->sni, (const char *)name.p, n > 255 ? 255 : n);
            }
        }
        break;
    }
    case EXT_ALPN: {
        cursor list = cur_block16(ext);
        while (!cur_empty(&list) && !list.bad) {
            cursor proto = cur_block8(&list);
            if (list.bad) break;
            tls_list_push_str(&tls->alpn_offered, &tls->n_alpn_offered, TD_MAX_LIST,
                              (const char *)proto.p, cur_left(&proto));
        }
        break;
    }
    case EXT_SUPPORTED_VERSIONS: {
        cursor list = cur_block8(ext);
        tls->n_offered_versions = 0;
        *has_sv = true;
        while (cur_left(&list) >= 2) add_offered_version(tls, cur_u16(&list));
        break;
    }
    case EXT_SESSION_TICKET: tls->ticket_offered = !cur_empty(ext); break;
    case EXT_PRE_SHARED_KEY: tls->psk_offered = true; break;
    case EXT_EARLY_DATA: tls->early_data_offered = true; break;
    case EXT_ECH: tls->ech_offered = true; break;
    case EXT_QUIC_TP: case EXT_QUIC_TP_DRAFT: keep_quic_tp(tls, TD_C2S, ext); break;
    default: break;
    }
}

static bool client_hello(td_transcript *t, td_fp_memo *fp, cursor *c, uint64_t packet)
{
    td_tls *tls = &t->tls;
    bool second = tls->client_hello;               /* the ClientHello after a HelloRetryRequest */
    const uint8_t *body = c->p;
    size_t body_len = cur_left(c);
    td_hello *h = second ? NULL : tls_hello(tls);  /* lists and fingerprints: the first one's */
    tls->client_hello = true;
    if (!second) tls->client_hello_packet = packet;
    if (second) {                                  /* its lists replace the first one's */
        for (size_t i = 0; i < tls->n_alpn_offered; i++) free(tls->alpn_offered[i]);
        free(tls->alpn_offered);
        tls->alpn_offered = NULL;
        tls->n_alpn_offered = 0;
    }
    tls->client_legacy_version = cur_u16(c);
    cur_skip(c, 32);                               /* random */
    cursor sid = cur_block8(c);
    if (!sid.bad && cur_left(&sid) <= 32) {
        tls->session_id_c_len = (uint8_t)cur_left(&sid);
        memcpy(tls->session_id_c, sid.p, cur_left(&sid));
    }
    cursor suites = cur_block16(c);
    if (!suites.bad) {
        size_t total = cur_left(&suites) / 2;
        size_t keep = total < TD_MAX_CIPHERS ? total : TD_MAX_CIPHERS;
        uint16_t *list = keep ? realloc(tls->offered_ciphers, keep * sizeof *list) : NULL;
        if (list) {
            for (size_t i = 0; i < keep; i++) list[i] = cur_u16(&suites);
            tls->offered_ciphers = list;
            tls->n_offered_ciphers = keep;
        }
        tls->n_offered_ciphers_total = total;
    }
    cursor comp = cur_block8(c);
    (void)comp;
    bool has_sv = false;
    if (!c->bad && !cur_empty(c)) {
        cursor exts = cur_block16(c);
        while (!cur_empty(&exts) && !exts.bad) {
            uint16_t type = cur_u16(&exts);
            cursor ext = cur_block16(&exts);
            if (exts.bad) break;
            if (h) tls_hello_client_extension(h, type, ext);
            client_hello_extension(tls, type, &ext, &has_sv);
        }
        if (exts.bad) c->bad = true;
    }
    if (!has_sv) {
        tls->n_offered_versions = 0;
        add_offered_version(tls, tls->client_legacy_version);
    }
    if (h) tls_fingerprint_client(h, body, body_len, fp);
    return !c->bad;
}

/* ---- ServerHello / HelloRetryRequest --------------------------------------------------------- */

/* TLS 1.3 drafts before -22 had their own ServerHello: the version itself (0x7f00|N), the
 * random, the cipher suite and the extensions; no session ID echo, no compression method, no
 * supported_versions.  Draft-22 moved to the TLS 1.2-shaped layout of RFC 8446. */
static bool pre22_draft(uint16_t version)
{
    int n = td_tls13_draft(version);
    return n >= 0 && n < 22;
}

static bool server_hello(td_transcript *t, td_fp_memo *fp, cursor *c, uint64_t packet, double ts, size_t len)
{
    td_tls *tls = &t->tls;
    const uint8_t *body = c->p;
    uint16_t legacy = cur_u16(c);
    const uint8_t *random = cur_bytes(c, 32);
    bool draft_layout = pre22_draft(legacy);
    bool hrr = !draft_layout && random && memcmp(random, hrr_random, 32) == 0;
    cursor sid = { NULL, NULL, true };             /* none in the draft layout */
    if (!draft_layout) sid = cur_block8(c);
    uint16_t cipher = cur_u16(c);
    if (!draft_layout) cur_u8(c);                  /* compression */
    if (c->bad) return false;

    td_transcript_event(t, TD_EV_HANDSHAKE, TD_S2C, hrr ? HS_HELLO_RETRY : HS_SERVER_HELLO,
                        (uint32_t)len, packet, ts);
    td_hello *h = tls_hello(tls);
    if (h) h->n_server_ext = h->n_server_ext_total = 0;  /* a ServerHello's replace an HRR's */
    uint16_t selected = 0;
    char *alpn = NULL;
    size_t alpn_len = 0;
    bool psk = false;
    if (!cur_empty(c)) {
        cursor exts = cur_block16(c);
        while (!cur_empty(&exts) && !exts.bad) {
            uint16_t type = cur_u16(&exts);
            cursor ext = cur_block16(&exts);
            if (exts.bad) break;
            if (h) tls_hello_server_extension(h, type, ext);
            if (type == EXT_SUPPORTED_VERSIONS) selected = cur_u16(&ext);
            else if (type == EXT_PRE_SHARED_KEY) psk = true;
            else if (type == EXT_ALPN) {
                cursor list = cur_block16(&ext);
                cursor proto = cur_block8(&list);
                if (!proto.bad) {
                    alpn = (char *)proto.p;
                    alpn_len = cur_left(&proto);
                }
            }
        }
        if (exts.bad) c->bad = true;
    }
    tls->cipher = cipher;
    tls->has_cipher = true;
    tls->version = selected ? selected : legacy;
    if (hrr) {
        tls->hello_retry = true;
        tls->hello_retry_packet = packet;
        return !c->bad;
    }
    tls->server_hello = true;
    tls->server_hello_packet = packet;
    if (h && !h->ja3s[0]) tls_fingerprint_server(h, body, len, fp);
    if (!sid.bad && cur_left(&sid) <= 32) {
        tls->session_id_s_len = (uint8_t)cur_left(&sid);
        memcpy(tls->session_id_s, sid.p, cur_left(&sid));
    }
    if (alpn) tls_set_str(&tls->alpn, alpn, alpn_len);
    tls->psk_accepted = psk;
    if (td_version_is_tls13(tls->version)) {
        tls->resumed = psk;
        tls->encrypted[TD_S2C] = true;             /* everything after ServerHello is protected */
    } else if (tls->session_id_s_len > 0 && tls->session_id_s_len == tls->session_id_c_len &&
               memcmp(tls->session_id_s, tls->session_id_c, tls->session_id_s_len) == 0) {
        tls->resumed = true;                       /* the server echoed the client's session ID */
    }
    return !c->bad;
}

/* ---- Certificate ----------------------------------------------------------------------------- */

static bool certificate(td_transcript *t, td_x509_cache *x509, int dir, cursor *c, uint64_t packet)
{
    td_chain *chain = dir == TD_S2C ? &t->tls.server_chain : &t->tls.client_chain;
    for (size_t i = 0; i < chain->n; i++) td_cert_clear(&chain->certs[i]);
    chain->n = chain->n_total = 0;
    chain->seen = true;
    chain->malformed = false;
    chain->packet = packet;
    bool tls13 = td_version_is_tls13(t->tls.version);
    if (tls13) (void)cur_block8(c);                /* certificate_request_context */
    cursor list = cur_block24(c);
    while (!cur_empty(&list) && !list.bad) {
        cursor der = cur_block24(&list);
        if (tls13) (void)cur_block16(&list);       /* per-certificate extensions */
        if (list.bad) break;
        chain->n_total++;
        if (chain->n >= TD_MAX_CHAIN) continue;
        if (chain->n == 0 || (chain->n >= 2 && (chain->n & (chain->n - 1)) == 0)) {
            size_t cap = chain->n ? chain->n * 2 : 2;     /* room for 2, 4, 8, 16 (TD_MAX_CHAIN) */
            td_cert *a = realloc(chain->certs, cap * sizeof *a);
            if (!a) continue;
            memset(a + chain->n, 0, (cap - chain->n) * sizeof *a);
            chain->certs = a;
        }
        if (td_x509_summarize_cached(x509, der.p, cur_left(&der), &chain->certs[chain->n]) != 0) {
            tls_note_bad(t, dir, (td_anomaly){ .code = TD_ANOM_CERT_NOT_DER, .a = chain->n_total, .b = cur_left(&der) });
        }
        chain->n++;
    }
    chain->empty = chain->n_total == 0;
    if (list.bad || c->bad || !cur_empty(c)) {
        chain->malformed = true;
        return false;
    }
    return true;
}

/* ---- CertificateRequest ---------------------------------------------------------------------- */

static bool certificate_request(td_transcript *t, cursor *c, uint64_t packet)
{
    td_tls *tls = &t->tls;
    tls->cert_requested = true;
    tls->cert_request_packet = packet;
    cursor cas;
    if (td_version_is_tls13(tls->version)) {
        return true;                               /* encrypted in TLS 1.3; seen only if decrypted */
    }
    (void)cur_block8(c);                           /* certificate_types */
    if (tls->version == 0x0303) (void)cur_block16(c); /* supported_signature_algorithms (TLS 1.2) */
    cas = cur_block16(c);
    while (!cur_empty(&cas) && !cas.bad) {
        cursor dn = cur_block16(&cas);
        if (cas.bad) break;
        char *name = td_x509_name_text(dn.p, cur_left(&dn));
        if (name) {
            tls_list_push_str(&tls->ca_names, &tls->n_ca_names, TD_MAX_LIST, name, strlen(name));
            free(name);
        }
    }
    return !c->bad && !cas.bad;
}

/* ---- HelloRetryRequest of the drafts before -22 (its own handshake type, 6) ------------------ */

/* struct { ProtocolVersion server_version; CipherSuite cipher_suite (from draft-19);
 *          Extension extensions<2..2^16-1>; } HelloRetryRequest; */
static bool draft_hello_retry(td_transcript *t, cursor *c, uint64_t packet)
{
    td_tls *tls = &t->tls;
    uint16_t version = cur_u16(c);
    if (c->bad || td_tls13_draft(version) < 0) return false;
    bool has_cipher = td_tls13_draft(version) >= 19;
    uint16_t cipher = has_cipher ? cur_u16(c) : 0;
    cursor exts = cur_block16(c);
    while (!cur_empty(&exts) && !exts.bad) {
        cur_u16(&exts);
        (void)cur_block16(&exts);
    }
    if (c->bad || exts.bad) return false;
    tls->version = version;
    if (has_cipher) {
        tls->cipher = cipher;
        tls->has_cipher = true;
    }
    tls->hello_retry = true;
    tls->hello_retry_packet = packet;
    return cur_empty(c);
}

/* TLS 1.3 EncryptedExtensions (read with a key log): the server's answer to 0-RTT, and the
 * ALPN it chose (which TLS 1.3 moved here from the ServerHello). */
static bool encrypted_extensions(td_transcript *t, cursor *c)
{
    td_tls *tls = &t->tls;
    tls->encrypted_extensions = true;
    cursor exts = cur_block16(c);
    while (!cur_empty(&exts) && !exts.bad) {
        uint16_t type = cur_u16(&exts);
        cursor ext = cur_block16(&exts);
        if (exts.bad) break;
        if (type == EXT_EARLY_DATA) tls->early_data_accepted = true;
        else if (type == EXT_QUIC_TP || type == EXT_QUIC_TP_DRAFT) keep_quic_tp(tls, TD_S2C, &ext);
        else if (type == EXT_ALPN && !tls->alpn) {
            cursor list = cur_block16(&ext);
            cursor proto = cur_block8(&list);
            if (!proto.bad && cur_left(&proto)) tls_set_str(&tls->alpn, (const char *)proto.p, cur_left(&proto));
        }
    }
    return !exts.bad && !c->bad;
}

bool tls_handshake_message(td_transcript *t, td_x509_cache *x509, td_fp_memo *fp, int dir, uint8_t type,
                           const uint8_t *body, size_t len, uint64_t packet, double ts)
{
    cursor c = cur_make(body, len);
    bool ok = true;
    if (type == HS_SERVER_HELLO && dir == TD_S2C) /* logs itself: it may turn out to be an HRR */
        return server_hello(t, fp, &c, packet, ts, len);
    td_transcript_event(t, TD_EV_HANDSHAKE, dir, type, (uint32_t)len, packet, ts);
    switch (type) {
    case HS_CLIENT_HELLO:
        if (dir == TD_C2S) ok = client_hello(t, fp, &c, packet);
        break;
    case HS_CERTIFICATE: ok = certificate(t, x509, dir, &c, packet); break;
    case HS_CERTIFICATE_REQUEST:
        if (dir == TD_S2C) ok = certificate_request(t, &c, packet);
        break;
    case HS_HELLO_RETRY:
        if (dir == TD_S2C) ok = draft_hello_retry(t, &c, packet);
        break;
    case HS_SERVER_HELLO_DONE:
        if (dir == TD_S2C) t->tls.server_hello_done = true;
        break;
    case HS_ENCRYPTED_EXTENSIONS:
        if (dir == TD_S2C) ok = encrypted_extensions(t, &c);
        break;
    case HS_FINISHED: t->tls.finished[dir] = true; break;
    default: break;
    }
    return ok;
}
