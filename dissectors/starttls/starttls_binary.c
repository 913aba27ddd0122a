/* starttls_binary.c - the binary upgrades: PostgreSQL's SSLRequest (8 bytes) and its one-byte answer;
 * LDAP's and MySQL's handed to starttls_ldap.c and starttls_mysql.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/starttls/starttls_int.h"

#define PG_SSL_REQUEST 80877103u       /* length 8, then this code: "may we speak TLS?" */
#define PG_GSS_REQUEST 80877104u       /* the same for GSSAPI encryption; 'N' is followed by an SSLRequest */

static uint32_t be32(const char *b)
{
    const uint8_t *u = (const uint8_t *)b;
    return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

uint8_t td_stls_binary_opens(int dir, uint8_t first)
{
    if (dir != TD_C2S) return TD_STLS_MYSQL;  /* a greeting's length: bytes 2-4 tell (0, 0, 10) */
    if (first == 0) return TD_STLS_PGSQL;      /* a PostgreSQL message length's high byte */
    return first == 0x30 ? TD_STLS_LDAP : 0;   /* an LDAPMessage's SEQUENCE (or a line's "0") */
}

bool td_stls_byte_due(const td_stls_parser *p, int dir)
{
    return p && dir == TD_S2C && p->proto == TD_STLS_PGSQL && !p->bin_over && p->have[TD_C2S] == 0 &&
           p->status == TD_STLS_KNOWN && (p->pg_gss || p->replies < p->cmds);
}

/* The client's 8 bytes are complete: a request, or PostgreSQL's own messages (the reader stops). */
static void pg_request(td_stls_parser *p, td_starttls **out, uint64_t packet)
{
    uint32_t code = be32(p->line[TD_C2S] + 4);
    bool ok = be32(p->line[TD_C2S]) == 8 && (code == PG_SSL_REQUEST || code == PG_GSS_REQUEST);
    p->have[TD_C2S] = 0;
    if (!ok || (p->status == TD_STLS_KNOWN && (p->pg_gss || p->replies < p->cmds))) {
        if (p->status == TD_STLS_PENDING) p->status = TD_STLS_UNKNOWN;
        else p->bin_over = true;                   /* a startup message, or a second request unanswered */
        return;
    }
    if (!*out && !(*out = calloc(1, sizeof **out))) {
        p->status = TD_STLS_UNKNOWN;
        return;
    }
    p->status = TD_STLS_KNOWN;
    p->proto = (*out)->protocol = TD_STLS_PGSQL;
    p->pg_gss = code == PG_GSS_REQUEST;
    if (p->pg_gss) return;
    p->cmds++;
    if (!(*out)->requested) {
        (*out)->requested = true;
        (*out)->request_packet = packet;
    }
}

/* The server's one byte: 'S' (TLS follows), 'N' (no), anything else (an error message: no). */
static bool pg_answer(td_stls_parser *p, td_starttls *s, uint8_t b, uint64_t packet)
{
    if (p->pg_gss) {
        p->pg_gss = false;
        if (b != 'N') p->bin_over = true;          /* GSSAPI encryption, or an error: not TLS */
        return false;
    }
    p->replies++;
    s->answered = true;
    s->accepted = b == 'S';
    s->reply_packet = packet;
    if (b == 'S' || b == 'N') snprintf(s->reply, sizeof s->reply, "%c", b);
    else snprintf(s->reply, sizeof s->reply, "0x%02x (neither S nor N)", b);
    if (!s->accepted) p->bin_over = b != 'N';      /* after 'N' the client may ask nothing more, or go on */
    return s->accepted;
}

size_t td_stls_binary(td_stls_parser *p, td_starttls **out, int dir, const uint8_t *data, size_t n,
                      uint64_t packet, bool *tls)
{
    *tls = false;
    if (p->bin_over) return n;
    if (p->proto == TD_STLS_LDAP) return td_stls_ldap(p, out, dir, data, n, packet, tls);
    if (p->proto == TD_STLS_MYSQL) return td_stls_mysql(p, out, dir, data, n, packet, tls);
    if (dir == TD_S2C) {
        if (n == 0) return 0;
        if (p->status != TD_STLS_KNOWN) {
            p->status = TD_STLS_UNKNOWN;           /* the server spoke before the client's 8 bytes */
            return 0;
        }
        if (!td_stls_byte_due(p, dir) || !*out) {
            p->bin_over = true;                    /* the server speaks unasked: PostgreSQL's own messages */
            return n;
        }
        *tls = pg_answer(p, *out, data[0], packet);
        return p->bin_over ? n : 1;
    }
    size_t i = 0;
    while (i < n && !p->bin_over && p->status != TD_STLS_UNKNOWN) {
        if (*out && (*out)->accepted && p->have[dir] == 0) {
            *tls = true;                           /* after 'S', the client's next byte is TLS */
            return i;
        }
        size_t k = 8 - p->have[dir] < n - i ? 8 - p->have[dir] : n - i;
        memcpy(p->line[dir] + p->have[dir], data + i, k);
        p->have[dir] += k;
        i += k;
        if (p->have[dir] == 8) pg_request(p, out, packet);
    }
    return p->bin_over ? n : i;
}
