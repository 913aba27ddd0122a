/* rules_proxy.c - the row for an HTTP proxy that refused the CONNECT before TLS could begin. */
#include "analyzer/diagnose/result.h"
#include "analyzer/diagnose/rule_facts_int.h"
#include "analyzer/diagnose/rules_int.h"

/* The proxy answered the (last) CONNECT with a status that is not 2xx: 1 for 407/401 (credentials),
 * 2 for 403 (policy), 3 for 502/503/504 (the target unreachable from the proxy), 4 for another. */
int match_proxy_refused(facts *f)
{
    const td_proxy *px = &f->s->proxy;
    if (px->type != TD_PROXY_HTTP_CONNECT || px->status < 300 || px->tunnel) return 0;
    f->r->confidence = "certain";
    const char *target = px->target ? px->target : "?";
    const char *reason = px->reason ? px->reason : "";
    rule_var_str(f, "target", target);
    rule_var_set(f, "status", "%u%s%s", px->status, reason[0] ? " " : "", reason);
    td_result_evidence(f->r, px->request_packet, "client CONNECT %s to the proxy %s:%u", target, f->t->server.ip,
                       f->t->server.port);
    td_result_evidence(f->r, px->response_packet, "proxy answered %u %s", px->status, reason);
    if (px->requests > 1) td_result_evidence(f->r, px->request_packet, "the client's CONNECT #%u on this connection", px->requests);
    switch (px->status) {
    case 401: case 407: return 1;               /* 401: what some proxies (tinyproxy) send */
    case 403: return 2;
    case 502: case 503: case 504: return 3;
    default: return 4;
    }
}
