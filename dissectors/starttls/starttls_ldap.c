/* starttls_ldap.c - LDAP's StartTLS: the ExtendedRequest 1.3.6.1.4.1.1466.20037 and its ExtendedResponse. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/starttls/starttls_int.h"

#define LDAP_STARTTLS_OID "1.3.6.1.4.1.1466.20037"
#define LDAP_MSG_MAX (1u << 24)        /* a message longer than this is not LDAP before StartTLS */

/* One BER tag and definite length at b[*pos]: false when malformed (multi-byte tag, indefinite or
 * over-long length) or the value passes n.  *pos moves to the value. */
static bool ber_tl(const uint8_t *b, size_t n, size_t *pos, uint8_t *tag, size_t *len)
{
    size_t i = *pos;
    if (i + 2 > n || (b[i] & 0x1f) == 0x1f) return false;
    *tag = b[i++];
    size_t l = b[i++];
    if (l & 0x80) {
        size_t k = l & 0x7f;
        if (k == 0 || k > 3 || i + k > n) return false;
        for (l = 0; k--; ) l = l << 8 | b[i++];
    }
    if (l > n - i) return false;
    *pos = i;
    *len = l;
    return true;
}

/* A message's header in the bytes held: 1 with its total length, 0 when more bytes are needed,
 * -1 when these are not an LDAPMessage's first bytes. */
static int msg_head(const uint8_t *b, size_t have, size_t *total)
{
    if (have < 1) return 0;
    if (b[0] != 0x30) return -1;
    if (have < 2) return 0;
    size_t hl = 2, l = b[1];
    if (l & 0x80) {
        size_t k = l & 0x7f;
        if (k == 0 || k > 3) return -1;
        if (have < 2 + k) return 0;
        for (l = 0; hl < 2 + k; hl++) l = l << 8 | b[hl];
    }
    if (l > LDAP_MSG_MAX || l < 3) return -1;
    if (have < hl + 1) return 0;
    if (b[hl] != 0x02) return -1;                  /* messageID, an INTEGER, comes first */
    *total = hl + l;
    return 1;
}

static const char *result_name(unsigned code)
{
    switch (code) {
    case 0: return "success";
    case 1: return "operationsError";
    case 2: return "protocolError";
    case 3: return "timeLimitExceeded";
    case 7: return "authMethodNotSupported";
    case 8: return "strongerAuthRequired";
    case 12: return "unavailableCriticalExtension";
    case 13: return "confidentialityRequired";
    case 52: return "unavailable";
    case 53: return "unwillingToPerform";
    case 80: return "other";
    default: return "?";
    }
}

/* A complete message of len bytes: the StartTLS request, or its answer (true: TLS follows). */
static bool ldap_msg(td_stls_parser *p, td_starttls *s, int dir, const uint8_t *b, size_t len, uint64_t packet)
{
    size_t pos = 0, l, idlen;
    uint8_t tag;
    if (!ber_tl(b, len, &pos, &tag, &l) || !ber_tl(b, len, &pos, &tag, &idlen) || idlen == 0 || idlen > 4) return false;
    uint32_t id = 0;
    for (size_t k = 0; k < idlen; k++) id = id << 8 | b[pos + k];
    pos += idlen;
    size_t op, oplen;
    if (!ber_tl(b, len, &pos, &tag, &oplen)) return false;
    op = pos;
    if (dir == TD_C2S) {
        size_t q = op, ol;
        uint8_t t2;
        if (tag == 0x77 && ber_tl(b, op + oplen, &q, &t2, &ol) && t2 == 0x80 && ol == strlen(LDAP_STARTTLS_OID) &&
            memcmp(b + q, LDAP_STARTTLS_OID, ol) == 0 && !s->requested) {
            s->requested = true;
            s->request_packet = packet;
            p->ldap_id = id;
        }
        return false;
    }
    if (tag != 0x78 || !s->requested || s->answered || id != p->ldap_id) return false;
    size_t q = op, cl, dl = 0;
    uint8_t t2;
    if (!ber_tl(b, op + oplen, &q, &t2, &cl) || t2 != 0x0a || cl == 0 || cl > 2) return false;
    unsigned code = 0;
    for (size_t k = 0; k < cl; k++) code = code << 8 | b[q + k];
    q += cl;
    const uint8_t *diag = NULL;
    if (ber_tl(b, op + oplen, &q, &t2, &dl) && t2 == 0x04) {     /* matchedDN, then the message */
        q += dl;
        if (ber_tl(b, op + oplen, &q, &t2, &dl) && t2 == 0x04) diag = b + q;
    }
    s->answered = true;
    s->accepted = code == 0;
    s->reply_packet = packet;
    int w = snprintf(s->reply, sizeof s->reply, "resultCode %u (%s)", code, result_name(code));
    for (size_t k = 0; diag && dl && k < dl && w > 0 && (size_t)w + 4 < sizeof s->reply; k++) {
        if (k == 0) w += snprintf(s->reply + w, sizeof s->reply - (size_t)w, ": ");
        s->reply[w++] = diag[k] >= 0x20 && diag[k] < 0x7f ? (char)diag[k] : '.';
        s->reply[w] = '\0';
    }
    return s->accepted;
}

size_t td_stls_ldap(td_stls_parser *p, td_starttls **out, int dir, const uint8_t *data, size_t n, uint64_t packet,
                    bool *tls)
{
    size_t i = 0;
    uint8_t *held = (uint8_t *)p->line[dir];
    while (i < n && !p->bin_over) {
        if (dir == TD_C2S && *out && (*out)->accepted && p->have[dir] == 0 && !p->skip[dir]) {
            *tls = true;                           /* after success, the client's next byte is TLS */
            return i;
        }
        if (p->skip[dir]) {                        /* a message too long to hold: passed over */
            size_t k = p->skip[dir] < n - i ? p->skip[dir] : n - i;
            p->skip[dir] -= k;
            i += k;
            continue;
        }
        size_t total = 0;
        int h = msg_head(held, p->have[dir], &total);
        if (h < 0) {
            if (p->status == TD_STLS_PENDING) {
                p->proto = 0;                      /* not LDAP: the bytes held are a line's start */
                for (size_t k = 0; k < p->have[dir]; k++)
                    if (held[k] < 0x20 || held[k] >= 0x7f) held[k] = '.';
                return i;
            }
            p->bin_over = true;
            return n;
        }
        if (h == 1 && p->status == TD_STLS_PENDING) {
            if (!*out && !(*out = calloc(1, sizeof **out))) {
                p->status = TD_STLS_UNKNOWN;
                return i;
            }
            p->status = TD_STLS_KNOWN;
            (*out)->protocol = TD_STLS_LDAP;
        }
        if (h == 1 && total > STLS_LINE_CAP) {
            p->skip[dir] = total - p->have[dir];
            p->have[dir] = 0;
            continue;
        }
        size_t want = h == 1 ? total - p->have[dir] : 1;   /* the header byte by byte, then the rest */
        size_t k = want < n - i ? want : n - i;
        memcpy(held + p->have[dir], data + i, k);
        p->have[dir] += k;
        i += k;
        if (h == 1 && p->have[dir] == total) {
            p->have[dir] = 0;
            if (ldap_msg(p, *out, dir, held, total, packet)) {
                *tls = true;
                return i;
            }
        }
    }
    return p->bin_over ? n : i;
}

bool td_stls_ldap_opening(const uint8_t *data, size_t len)
{
    size_t total = 0, n = strlen(LDAP_STARTTLS_OID);
    if (msg_head(data, len, &total) != 1 || len < n) return false;
    for (size_t i = 0; i + n <= len && i + n <= total; i++)
        if (memcmp(data + i, LDAP_STARTTLS_OID, n) == 0) return true;
    return false;
}
