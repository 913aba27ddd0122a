/* starttls_mysql.c - MySQL and MariaDB: CLIENT_SSL in the server's greeting, the client's SSL Request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/starttls/starttls_int.h"

#define MYSQL_CLIENT_SSL 0x0800u
#define MYSQL_SSL_REQUEST_LEN 32u       /* capabilities, max packet, charset, 23 bytes of filler */

/* Not MySQL after all: the bytes held in direction d are a line's start, as the line reader keeps it. */
static void revert(td_stls_parser *p, int d)
{
    p->proto = 0;
    for (size_t k = 0; k < p->have[d]; k++) {
        char c = p->line[d][k];
        if ((c < 0x20 && c != '\r' && c != '\n') || c >= 0x7f) p->line[d][k] = '.';
    }
}

/* A packet's first bytes held: -1 not the packet wanted here, 0 more needed, 1 complete header. */
static int head(const uint8_t *b, size_t have, int dir, size_t *total)
{
    if (have >= 3 && (b[2] != 0 || (b[0] | b[1] << 8) + 4u > STLS_LINE_CAP)) return -1;
    if (have >= 4 && b[3] != (dir == TD_S2C ? 0 : 1)) return -1;     /* the greeting is 0, the reply 1 */
    if (have >= 5 && dir == TD_S2C && b[4] != 0x0a) return -1;      /* protocol version 10 */
    if (have < 5) return 0;
    *total = 4u + (size_t)(b[0] | b[1] << 8);
    return 1;
}

/* The server's greeting: version string, connection id, 8 bytes of scramble, filler, capabilities. */
static bool greeting(td_starttls *s, const uint8_t *b, size_t total, uint64_t packet)
{
    const uint8_t *nul = memchr(b + 5, 0, total - 5);
    if (!nul) return false;
    size_t at = (size_t)(nul - b) + 1 + 4 + 8 + 1;
    if (at + 2 > total) return false;
    unsigned caps = b[at] | (unsigned)b[at + 1] << 8;
    s->caps_seen = true;
    s->caps_packet = packet;
    s->offered = (caps & MYSQL_CLIENT_SSL) != 0;
    return true;
}

static bool begin(td_stls_parser *p, td_starttls **out)
{
    if (!*out && !(*out = calloc(1, sizeof **out))) return false;
    p->status = TD_STLS_KNOWN;
    (*out)->protocol = TD_STLS_MYSQL;
    return true;
}

/* One complete packet: true when TLS follows it in this direction. */
static bool packet_done(td_stls_parser *p, td_starttls *s, int dir, const uint8_t *b, size_t total, uint64_t packet)
{
    if (dir == TD_S2C) {
        if (!greeting(s, b, total, packet)) p->bin_over = true;
        return false;
    }
    unsigned caps = b[4] | (unsigned)b[5] << 8;
    if (total - 4 != MYSQL_SSL_REQUEST_LEN || !(caps & MYSQL_CLIENT_SSL)) {
        p->bin_over = true;                        /* a handshake response: the session goes on in plaintext */
        return false;
    }
    s->requested = s->answered = true;             /* no answer on the wire: the greeting offered it */
    s->request_packet = s->reply_packet = packet;
    s->accepted = s->offered;
    snprintf(s->reply, sizeof s->reply, "%s", s->offered ? "CLIENT_SSL offered in the greeting" : "CLIENT_SSL not offered");
    return s->accepted;
}

size_t td_stls_mysql(td_stls_parser *p, td_starttls **out, int dir, const uint8_t *data, size_t n, uint64_t packet,
                     bool *tls)
{
    if (p->status == TD_STLS_PENDING && dir == TD_C2S) {
        revert(p, TD_S2C);                         /* the client spoke before a greeting: not MySQL */
        return 0;
    }
    uint8_t *held = (uint8_t *)p->line[dir];
    size_t i = 0;
    while (i < n && !p->bin_over) {
        if (p->have[dir] == 0 && *out && (*out)->accepted) {
            *tls = true;                           /* after the SSL Request, both sides speak TLS */
            return i;
        }
        if (dir == TD_S2C && p->have[dir] == 0 && *out && (*out)->caps_seen) {
            p->bin_over = true;                    /* the server goes on without TLS */
            return n;
        }
        size_t total = 0;
        int h = head(held, p->have[dir], dir, &total);
        if (h < 0) {
            if (p->status == TD_STLS_PENDING) {
                revert(p, dir);
                return i;
            }
            p->bin_over = true;
            return n;
        }
        size_t want = h == 1 ? total - p->have[dir] : 1;   /* the header byte by byte, then the rest */
        size_t k = want < n - i ? want : n - i;
        memcpy(held + p->have[dir], data + i, k);
        p->have[dir] += k;
        i += k;
        if (h == 1 && p->have[dir] == total) {
            p->have[dir] = 0;
            if (p->status == TD_STLS_PENDING && !begin(p, out)) {
                p->status = TD_STLS_UNKNOWN;
                return i;
            }
            if (total < 6 || packet_done(p, *out, dir, held, total, packet)) {
                if (total < 6) p->bin_over = true;
                else *tls = true;
                return p->bin_over ? n : i;
            }
        }
    }
    return p->bin_over ? n : i;
}
