/* run_notes.c - why a run has no (or fewer) results, in words (see run_notes.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/run/run_notes.h"
#include "analyzer/report/report.h"

__attribute__((format(printf, 2, 3))) static void note(td_notes *n, const char *fmt, ...)
{
    if (n->n >= sizeof n->text / sizeof n->text[0]) return;
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int k = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (k >= 0) n->text[n->n++] = s;
}


/* "port 443" or "ports 443, 8443, ..." */
static void port_list(const td_port_set *ps, char *buf, size_t len)
{
    size_t k = (size_t)snprintf(buf, len, "%s", ps->n == 1 ? "port" : "ports");
    for (size_t i = 0; i < ps->n && i < 6 && k < len; i++)
        k += (size_t)snprintf(buf + k, len - k, "%s%u", i ? ", " : " ", ps->port[i]);
    if (ps->n > 6 && k < len) snprintf(buf + k, len - k, ", ...");
}

/* The off-port TLS: "20 packets to port 3001 start with a TLS record: try -A or -P 3001". */
static void elsewhere(td_notes *n, const td_engine_stats *st, const char *lead)
{
    size_t cap = sizeof st->tls_elsewhere / sizeof st->tls_elsewhere[0], used = 0;
    size_t idx[8];
    for (size_t i = 0; i < cap && st->tls_elsewhere[i].packets; i++) {   /* most packets first */
        size_t j = used++;
        while (j > 0 && st->tls_elsewhere[idx[j - 1]].packets < st->tls_elsewhere[i].packets) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = i;
    }
    if (!used) {
        note(n, "%s; try -A to find TLS on any TCP port", lead);
        return;
    }
    char what[256], ports[96];
    size_t k = 0, p = 0;
    for (size_t i = 0; i < used && i < 3; i++) {
        uint64_t c = st->tls_elsewhere[idx[i]].packets;
        unsigned port = st->tls_elsewhere[idx[i]].port;
        k += (size_t)snprintf(what + k, sizeof what - k, "%s%llu %s port %u", i ? (i + 1 == used || i == 2 ? " and " : ", ") : "",
                              (unsigned long long)c, i ? "to" : td_plural(c, "packet to", "packets to"), port);
        p += (size_t)snprintf(ports + p, sizeof ports - p, "%s%u", i ? "," : "", port);
    }
    uint64_t total = 0;
    for (size_t i = 0; i < used; i++) total += st->tls_elsewhere[i].packets;
    note(n, "%s; %s%s %s with a TLS record: try -A or -P %s", lead, what, used > 3 || st->tls_elsewhere_more ? " (and more)" : "",
         total == 1 ? "starts" : "start", ports);
}

void td_notes_explain(td_notes *n, const td_options *o, const td_engine_stats *st)
{
    memset(n, 0, sizeof *n);
    char filter[200] = "";
    if (o->bpf) snprintf(filter, sizeof filter, " matching the filter '%.150s'", o->bpf);
    if (st->connections == 0) {
        char ports[96], lead[320];
        port_list(&o->ports, ports, sizeof ports);
        if (st->packets == 0)
            note(n, "no results: the input holds no packets%s", filter);
        else if (st->tcp_packets == 0 && st->quic_packets == 0)
            note(n, "no results: no TCP or QUIC traffic%s in %llu %s", filter, (unsigned long long)st->packets,
                 td_plural(st->packets, "packet", "packets"));
        else if (o->shard_n)
            note(n, "no results: no connection in shard %u/%u", o->shard_k, o->shard_n);
        else if (o->any_port && !st->tls_port_flows)
            note(n, "no results: no TCP connection%s started with a TLS record (on any port, -A)", filter);
        else if (!st->tls_port_flows) {
            snprintf(lead, sizeof lead, "no TCP %s traffic%s", ports, filter);
            elsewhere(n, st, lead);
        } else
            note(n, "no results: the TCP %s traffic%s holds only stray segments of connections that began before "
                    "the capture (no SYN, no payload)", ports, filter);
    }
    if (st->udp_tls_port)
        note(n, "%llu UDP %s on a TLS port not analysed: not QUIC of a connection whose client Initial is in the "
                "capture (DTLS, or QUIC that began before it)",
             (unsigned long long)st->udp_tls_port, td_plural(st->udp_tls_port, "datagram", "datagrams"));
    for (size_t i = 0; i < sizeof st->quic_elsewhere / sizeof st->quic_elsewhere[0] && st->quic_elsewhere[i].initials; i++)
        note(n, "%llu QUIC client %s on UDP port %u, which is not a TLS port: try -P %u or -A",
             (unsigned long long)st->quic_elsewhere[i].initials,
             td_plural(st->quic_elsewhere[i].initials, "Initial", "Initials"), st->quic_elsewhere[i].port,
             st->quic_elsewhere[i].port);
    if (st->dtls_other)
        note(n, "%llu UDP %s with a DTLS record not analysed: tlsdiag reads TLS over TCP and QUIC",
             (unsigned long long)st->dtls_other, td_plural(st->dtls_other, "datagram", "datagrams"));
}

void td_notes_free(td_notes *n)
{
    for (size_t i = 0; i < n->n; i++) free(n->text[i]);
    n->n = 0;
}
