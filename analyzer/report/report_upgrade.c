/* report_upgrade.c - the words for what came before TLS on a connection (a STARTTLS dialogue, an
 * HTTP CONNECT through a proxy), shared by the text report and the HTML page. */
#include <stdarg.h>
#include <stdio.h>

#include "analyzer/report/report.h"
#include "dissectors/starttls/starttls.h"

__attribute__((format(printf, 4, 5))) static size_t more(char *buf, size_t len, size_t n, const char *fmt, ...)
{
    if (n >= len) return n;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + n, len - n, fmt, ap);
    va_end(ap);
    return k < 0 ? n : n + (size_t)k;
}

const char *td_starttls_text(const td_starttls *x, char *buf, size_t len)
{
    size_t n = more(buf, len, 0, "%s: %s", td_stls_proto_name(x->protocol),
                    !x->caps_seen ? "no capability list seen" : x->offered ? "offered" : "not offered");
    if (x->tampered) n = more(buf, len, n, " (a capability overwritten: %s)", x->tamper);
    n = more(buf, len, n, x->requested ? ", asked" : ", not asked");
    if (x->answered) more(buf, len, n, ", %s: %s", x->accepted ? "accepted" : "refused", x->reply);
    return buf;
}

const char *td_proxy_text(const td_transcript *t, bool answer, char *buf, size_t len)
{
    const td_proxy *px = &t->tls.proxy;
    const char *target = px->target ? px->target : "?";
    if (!answer) {
        snprintf(buf, len, "HTTP CONNECT %s: the server %s:%u is a proxy, the TLS peer is %s", target, t->server.ip,
                 t->server.port, target);
        return buf;
    }
    size_t n = px->status ? more(buf, len, 0, "proxy answered %u %s%s", px->status, px->reason ? px->reason : "",
                                 px->tunnel ? ": TLS through the tunnel" : "")
                          : more(buf, len, 0, "no answer from the proxy");
    if (px->headers_over) more(buf, len, n, " (headers over the cap: not read further)");
    return buf;
}
