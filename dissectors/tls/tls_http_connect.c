/* tls_http_connect.c - an HTTP proxy's CONNECT tunnel before TLS: the request, the proxy's answer, and TLS from the byte after it.
 *
 * The client's stream begins "CONNECT host:port HTTP/1.x" (the method in any case); its headers
 * end at a blank line, and what follows is the client's TLS.  The server's (the proxy's) stream
 * begins "HTTP/1.x NNN reason"; a 1xx is interim, a 2xx opens the tunnel and the TLS parser
 * starts at the byte after the blank line (no search), and any other status is a refusal whose
 * body (Content-Length, else up to the close) is skipped: a client may CONNECT again on the same
 * connection (a 407, then credentials).  Lines end in LF with or without CR.  Only one line is
 * buffered (PROXY_LINE_MAX, the rest of a longer line is dropped) and a request's or response's
 * headers are read up to PROXY_HEADERS_MAX bytes; past that the direction is given up. */
#include <stdlib.h>
#include <string.h>

#include "dissectors/tls/tls_stream_int.h"

enum { PH_LINE, PH_HEADERS, PH_BODY };

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static bool ci_prefix(const uint8_t *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    if (n < k) return false;
    for (size_t i = 0; i < k; i++)
        if (lower(p[i]) != lower((unsigned char)s[i])) return false;
    return true;
}

bool td_sniff_http_connect(const uint8_t *p, size_t n)
{
    return p && ci_prefix(p, n, "CONNECT ");
}

bool tls_proxy_begins(const td_tls_stream *s, int dir, const uint8_t *h5)
{
    if (dir == TD_C2S) return ci_prefix(h5, 5, "CONNE");
    return s->t->tls.proxy.type == TD_PROXY_HTTP_CONNECT && memcmp(h5, "HTTP/", 5) == 0;
}

/* "CONNECT target HTTP/1.x" (the version may be cut off with an over-long line).  Sets the
 * target's span; false if the line is not a CONNECT request. */
static bool parse_request(const uint8_t *l, size_t n, bool cut, size_t *t0, size_t *t1)
{
    if (!ci_prefix(l, n, "CONNECT ")) return false;
    size_t i = 8;
    while (i < n && l[i] == ' ') i++;
    *t0 = i;
    while (i < n && l[i] != ' ' && l[i] != '\r') i++;
    *t1 = i;
    if (*t1 == *t0) return false;
    if (cut && i == n) return true;
    while (i < n && l[i] == ' ') i++;
    return ci_prefix(l + i, n - i, "HTTP/");
}

/* "HTTP/d.d NNN reason": the status, or 0 if the line is not a status line; the reason's span. */
static unsigned parse_status(const uint8_t *l, size_t n, size_t *r0, size_t *r1)
{
    if (n < 12 || memcmp(l, "HTTP/", 5) != 0) return 0;
    size_t i = 5;
    while (i < n && ((l[i] >= '0' && l[i] <= '9') || l[i] == '.')) i++;
    if (i == 5 || i >= n || l[i] != ' ') return 0;
    while (i < n && l[i] == ' ') i++;
    if (i + 3 > n) return 0;
    unsigned code = 0;
    for (size_t k = 0; k < 3; k++) {
        if (l[i + k] < '0' || l[i + k] > '9') return 0;
        code = code * 10 + (unsigned)(l[i + k] - '0');
    }
    i += 3;
    if (code < 100 || (i < n && l[i] != ' ' && l[i] != '\r')) return 0;
    while (i < n && l[i] == ' ') i++;
    *r0 = i;
    size_t e = n;
    while (e > i && (l[e - 1] == '\r' || l[e - 1] == ' ')) e--;
    *r1 = e;
    return code;
}

/* A header line of a response: Content-Length's value, if it is that header. */
static void header_line(dir_parser *d, const uint8_t *l, size_t n)
{
    if (!ci_prefix(l, n, "content-length:")) return;
    size_t i = 15;
    while (i < n && (l[i] == ' ' || l[i] == '\t')) i++;
    uint64_t v = 0;
    size_t digits = 0;
    for (; i < n && l[i] >= '0' && l[i] <= '9' && digits < 18; i++, digits++) v = v * 10 + (uint64_t)(l[i] - '0');
    if (digits) {
        d->pbody = v;
        d->pbody_known = true;
    }
}

/* The first line of a request or response is whole (or cut at PROXY_LINE_MAX).  False: it is not
 * what it should be, and the bytes are handed to the plaintext path. */
static bool first_line(td_tls_stream *s, int dir, bool cut)
{
    dir_parser *d = &s->d[dir];
    td_proxy *px = &s->t->tls.proxy;
    size_t a, b;
    if (dir == TD_C2S) {
        if (!parse_request(d->pline, d->pline_have, cut, &a, &b)) return false;
        px->type = TD_PROXY_HTTP_CONNECT;
        if (px->requests < 255) px->requests++;
        free(px->target);
        px->target = NULL;
        tls_set_str(&px->target, (const char *)d->pline + a, b - a);
        px->request_packet = d->pstart_packet;
        px->request_ts = d->pstart_ts;
        return true;
    }
    unsigned code = parse_status(d->pline, d->pline_have, &a, &b);
    if (!code) return false;
    if (code >= 200 || px->status == 0) {           /* an interim 1xx does not hide the answer */
        px->status = (uint16_t)(code > 999 ? 999 : code);
        free(px->reason);
        px->reason = NULL;
        tls_set_str(&px->reason, (const char *)d->pline + a, b - a);
        px->response_packet = d->pstart_packet;
        px->response_ts = d->pstart_ts;
        px->tunnel = code >= 200 && code < 300;
    }
    d->pcode = (uint16_t)code;
    return true;
}

/* The blank line after the headers: what the stream is from the next byte on. */
static void headers_end(td_tls_stream *s, int dir)
{
    dir_parser *d = &s->d[dir];
    d->pphase = PH_LINE;
    d->pline_have = 0;
    d->hdr_have = 0;
    if (dir == TD_C2S || (d->pcode >= 200 && d->pcode < 300)) {
        d->state = ST_START;                        /* TLS (or another CONNECT) from here */
    } else if (d->pcode < 200) {
        d->pbody_known = false;                     /* interim: the answer follows */
    } else if (d->pbody_known && d->pbody) {
        d->pphase = PH_BODY;
    } else if (d->pbody_known) {
        d->state = ST_START;                        /* no body: maybe another answer */
    } else {
        d->state = ST_DEAD;                         /* a body up to the close */
    }
}

/* One byte of a line: kept while there is room; true when the line ended (LF, or the cap). */
static bool line_byte(dir_parser *d, uint8_t b, bool *cut)
{
    *cut = false;
    if (b == '\n') return true;
    if (d->pline_have < PROXY_LINE_MAX) {
        d->pline[d->pline_have++] = b;
        return false;
    }
    *cut = true;
    return true;                                    /* a first line that long: read what is there */
}

/* ST_PROXY, PH_LINE: the request or status line.  False when c is used up or the bytes went
 * to the plaintext path. */
static bool line_step(td_tls_stream *s, int dir, cursor *c, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    if (d->pline_have == 0) {
        d->pstart_packet = packet;
        d->pstart_ts = ts;
        d->pcode = 0;
        d->pbody = 0;
        d->pbody_known = false;
        d->phdr_bytes = 0;
    }
    while (!cur_empty(c)) {
        bool cut;
        uint8_t b = cur_u8(c);
        d->phdr_bytes++;
        if (!line_byte(d, b, &cut)) continue;
        if (cut) c->p--;                            /* the byte that did not fit: read again as a header's */
        if (!first_line(s, dir, cut)) {
            size_t n = d->pline_have;
            d->pline_have = 0;
            d->state = ST_START;
            tls_not_tls(s, dir, d->pline, n, cur_left(c), packet, ts);
            return true;                            /* the rest is plaintext */
        }
        d->pphase = PH_HEADERS;
        d->pline_have = 0;
        d->pline_cur = 0;
        return true;
    }
    return false;
}

/* ST_PROXY, PH_HEADERS: header lines up to the blank one. */
static bool headers_step(td_tls_stream *s, int dir, cursor *c)
{
    dir_parser *d = &s->d[dir];
    while (!cur_empty(c)) {
        uint8_t b = cur_u8(c);
        if (++d->phdr_bytes > PROXY_HEADERS_MAX) {
            s->t->tls.proxy.headers_over = true;
            d->state = ST_DEAD;
            return false;
        }
        if (b == '\r') continue;
        if (b != '\n') {
            d->pline_cur++;
            if (d->pline_have < PROXY_LINE_MAX) d->pline[d->pline_have++] = b;
            continue;
        }
        if (d->pline_cur == 0) {
            headers_end(s, dir);
            return true;
        }
        if (dir == TD_S2C) header_line(d, d->pline, d->pline_have);
        d->pline_cur = 0;
        d->pline_have = 0;
    }
    return false;
}

bool tls_proxy_step(td_tls_stream *s, int dir, cursor *c, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    switch (d->pphase) {
    case PH_LINE:
        return line_step(s, dir, c, packet, ts);
    case PH_HEADERS:
        return headers_step(s, dir, c);
    default: {
        size_t k = cur_left(c) < d->pbody ? cur_left(c) : (size_t)d->pbody;
        cur_skip(c, k);
        d->pbody -= k;
        if (d->pbody) return false;
        d->pphase = PH_LINE;
        d->state = ST_START;
        return true;
    }
    }
}

bool tls_proxy_enter(td_tls_stream *s, int dir, uint64_t packet, double ts)
{
    dir_parser *d = &s->d[dir];
    if (!d->pline && !(d->pline = malloc(PROXY_LINE_MAX))) return false;
    uint8_t first[5];
    memcpy(first, d->hdr, 5);
    d->hdr_have = 0;
    d->pline_have = 0;
    d->pline_cur = 0;
    d->pphase = PH_LINE;
    d->state = ST_PROXY;
    cursor c = cur_make(first, 5);                  /* "CONNE" or "HTTP/": no line ends in them */
    while (!cur_empty(&c) && d->state == ST_PROXY) tls_proxy_step(s, dir, &c, packet, ts);
    return true;
}
