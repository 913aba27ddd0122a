/* findings_protocol.c - heartbeat abuse and weak offers, read from the transcript's facts.
 *
 * Heartbleed (CVE-2014-0160): a heartbeat request whose payload_length is larger than the
 * payload it carries makes a vulnerable peer answer with that many bytes of its memory.  In the
 * clear both halves can be measured exactly (RFC 6520: type, u16 payload_length, the payload,
 * at least 16 bytes of padding).  Encrypted, only record sizes remain: a response far larger than
 * the request it answers is the leak's shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/diagnose/findings_protocol.h"
#include "analyzer/diagnose/list_memo.h"
#include "analyzer/diagnose/result.h"
#include "dissectors/dissect.h"

#define HB_OVERHEAD 19                  /* type + payload_length + 16 bytes of minimum padding */
#define LEAK_SLACK 64                   /* encrypted: a response this much over its request ... */
#define LEAK_MIN 100                    /* ... and over this size is not an honest echo */

static const char *who(int dir) { return dir == TD_C2S ? "client" : "server"; }

static bool claims_too_much(const td_heartbeat *h)
{
    return !h->encrypted && !h->malformed && h->type == 1 &&
           (size_t)h->payload_length + HB_OVERHEAD > h->record_length;
}

/* Does response `resp` give more than request `req` justified? */
static bool leaks(const td_heartbeat *req, const td_heartbeat *resp)
{
    if (!req->encrypted && !resp->encrypted)
        return !resp->malformed && resp->payload_length > req->payload_actual;
    return resp->record_length > (size_t)req->record_length + LEAK_SLACK && resp->record_length > LEAK_MIN;
}

static void heartbeat_findings(const td_tls *s, td_result *r)
{
    if (!s->heartbeat) return;
    const td_heartbeat *attempt = NULL, *leak_req = NULL, *leak_resp = NULL;
    size_t n_attempts = 0;
    int pending[2] = { -1, -1 };            /* unanswered request per sender */
    for (size_t i = 0; i < s->n_heartbeats; i++) {
        const td_heartbeat *h = &s->heartbeats[i];
        int from = h->from ? 1 : 0, peer = !from;
        if (claims_too_much(h)) {
            if (!attempt) attempt = h;
            n_attempts++;
        }
        /* A response answers the peer's last request; an encrypted record is a response when the
         * peer has one pending, else a request. */
        bool response = h->encrypted ? pending[peer] >= 0 : h->type == 2;
        bool request = h->encrypted ? !response : h->type == 1;
        if (response && pending[peer] >= 0) {
            const td_heartbeat *req = &s->heartbeats[pending[peer]];
            if (!leak_resp && leaks(req, h)) {
                leak_req = req;
                leak_resp = h;
            }
            pending[peer] = -1;
        } else if (request) {
            pending[from] = (int)i;
        }
    }
    if (attempt) {
        char more[48] = "";
        if (n_attempts > 1) snprintf(more, sizeof more, " (%zu such requests)", n_attempts);
        td_result_finding(r, "heartbleed-attempt", "error",
                          "pkt %llu: %s heartbeat request claims a %u-byte payload but its %u-byte record "
                          "holds %u: a Heartbleed (CVE-2014-0160) probe%s",
                          (unsigned long long)attempt->packet, who(attempt->from), attempt->payload_length,
                          attempt->record_length, attempt->payload_actual, more);
    }
    if (leak_resp && !leak_resp->encrypted && !leak_req->encrypted) {
        td_result_finding(r, "heartbleed-leak", "error",
                          "pkt %llu: %s heartbeat response returns %u payload bytes for a request (pkt %llu) "
                          "that sent %u: memory disclosed (Heartbleed, CVE-2014-0160); patch OpenSSL and "
                          "replace the keys",
                          (unsigned long long)leak_resp->packet, who(leak_resp->from), leak_resp->payload_length,
                          (unsigned long long)leak_req->packet, leak_req->payload_actual);
    } else if (leak_resp) {
        td_result_finding(r, "heartbleed-leak", "error",
                          "pkt %llu: %s encrypted heartbeat response of %u bytes answers a %u-byte request "
                          "(pkt %llu): likely memory disclosed (Heartbleed, CVE-2014-0160)",
                          (unsigned long long)leak_resp->packet, who(leak_resp->from), leak_resp->record_length,
                          leak_req->record_length, (unsigned long long)leak_req->packet);
    }
    if (!attempt && !leak_resp) {
        if (s->n_heartbeats)
            td_result_finding(r, "heartbeat", "info",
                              "%zu heartbeat record(s), the first from the %s in pkt %llu; over TCP the "
                              "heartbeat extension (RFC 6520) is rarely needed: consider turning it off",
                              s->n_heartbeats_total, who(s->heartbeats[0].from),
                              (unsigned long long)s->heartbeats[0].packet);
        else
            td_result_finding(r, "heartbeat", "info", "%zu heartbeat record(s)", s->n_heartbeats_total);
    }
}

/* ---- offered cipher suites --------------------------------------------------------------------- */

enum { WEAK_NULL, WEAK_EXPORT, WEAK_ANON, WEAK_RC4, WEAK_N };

static const struct {
    const char *id;
    const char *what;
} weak_kinds[WEAK_N] = {
    [WEAK_NULL] = { "null-cipher-offered", "without encryption (NULL)" },
    [WEAK_EXPORT] = { "export-cipher-offered", "of export grade" },
    [WEAK_ANON] = { "anon-cipher-offered", "with anonymous key exchange (no server authentication)" },
    [WEAK_RC4] = { "rc4-offered", "with RC4 (RFC 7465 forbids it)" },
};

typedef struct weak_count {
    size_t n;
    uint32_t example;
} weak_count;

/* Bit k set: the suite is of weak kind k (by its IANA name: NULL, EXPORT, anon, RC4). */
static unsigned suite_kinds(uint32_t code)
{
    if ((code & 0xff00) == 0x1300) return 0;        /* TLS 1.3 suites: none of these kinds */
    const char *name = td_cipher_name(code);
    if (!name) return 0;
    return (strstr(name, "_NULL_") ? 1u << WEAK_NULL : 0) | (strstr(name, "_EXPORT") ? 1u << WEAK_EXPORT : 0) |
           (strstr(name, "_anon_") ? 1u << WEAK_ANON : 0) | (strstr(name, "_RC4_") ? 1u << WEAK_RC4 : 0);
}

static void classify_suite(uint32_t code, weak_count *w)
{
    unsigned kinds = suite_kinds(code);
    for (int k = 0; k < WEAK_N; k++) {
        if (!(kinds & (1u << k))) continue;
        if (!w[k].n) w[k].example = code;
        w[k].n++;
    }
}

struct td_offer_memo {
    td_list_memo lists;
    weak_count weak[TD_LIST_MEMO_SLOTS][WEAK_N];
};

td_offer_memo *td_offer_memo_new(void) { return calloc(1, sizeof(td_offer_memo)); }
void td_offer_memo_free(td_offer_memo *m) { free(m); }

/* The weak kinds among the offered suites, from the memo when this list was offered before. */
static void weak_offers(const td_tls *s, weak_count *w, td_offer_memo *m)
{
    int slot = m ? td_list_memo_find(&m->lists, s->offered_ciphers, s->n_offered_ciphers) : -1;
    if (slot >= 0) {
        memcpy(w, m->weak[slot], sizeof m->weak[slot]);
        return;
    }
    for (size_t i = 0; i < s->n_offered_ciphers; i++) classify_suite(s->offered_ciphers[i], w);
    if (m && (slot = td_list_memo_put(&m->lists, s->offered_ciphers, s->n_offered_ciphers)) >= 0)
        memcpy(m->weak[slot], w, sizeof m->weak[slot]);
}

static void offer_findings(const td_tls *s, td_result *r, td_offer_memo *memo)
{
    if (!s->client_hello) return;
    weak_count w[WEAK_N] = { { 0, 0 } };
    weak_offers(s, w, memo);
    for (size_t i = 0; i < s->n_sslv2_offered_kinds; i++) classify_suite(s->sslv2_offered_kinds[i], w);
    for (int k = 0; k < WEAK_N; k++) {
        if (!w[k].n) continue;
        char b[32];
        td_result_finding(r, weak_kinds[k].id, "warning",
                          "the ClientHello (pkt %llu) offers %zu cipher suite%s %s, e.g. %s",
                          (unsigned long long)s->client_hello_packet, w[k].n, w[k].n == 1 ? "" : "s",
                          weak_kinds[k].what, td_cipher_label(w[k].example, b, sizeof b));
    }
}

/* An HTTP CONNECT tunnel whose ClientHello names (SNI) another host than the CONNECT target. */
static void proxy_findings(const td_tls *s, td_result *r)
{
    const td_proxy *px = &s->proxy;
    if (px->type != TD_PROXY_HTTP_CONNECT || !px->tunnel || !px->target || !s->client_hello || !s->sni) return;
    const char *h = px->target, *end;
    if (h[0] == '[') {                              /* [IPv6]:port */
        h++;
        end = strchr(h, ']');
        if (!end) end = h + strlen(h);
    } else {
        end = strrchr(h, ':');
        if (!end) end = h + strlen(h);
    }
    size_t n = (size_t)(end - h);
    if (n && h[n - 1] == '.') n--;                  /* a fully qualified name's root dot */
    size_t sn = strlen(s->sni);
    if (sn && s->sni[sn - 1] == '.') sn--;
    if (n == sn && strncasecmp(h, s->sni, n) == 0) return;
    td_result_finding(r, "proxy-sni-mismatch", "warning",
                      "the client asked the proxy for %s (pkt %llu) but its ClientHello names %s (pkt %llu)",
                      px->target, (unsigned long long)px->request_packet, s->sni,
                      (unsigned long long)s->client_hello_packet);
}

void td_findings_protocol(const td_transcript *t, td_result *r, td_offer_memo *memo)
{
    if (!t || !r) return;
    heartbeat_findings(&t->tls, r);
    offer_findings(&t->tls, r, memo);
    proxy_findings(&t->tls, r);
}
