/* rules.c - the verdict table.
 *
 * Each row names its verdict, the section of KB Q197306 it answers, and the summary and remedy
 * it prints, as templates whose {variables} the match sets.  A match function only decides: it
 * returns 0 when its symptom is absent, else which of the row's texts applies (1, 2, ...), and
 * records the evidence (packets) and the variables the texts name.  Rows are in handshake
 * order: the first that matches is the first thing that went wrong.  A verdict is "certain"
 * when the packets show it in the clear and "likely" when it is inferred (TLS 1.3 hides
 * certificates and most alerts: the keyless inference of analyzer/diagnose/tls13_without_keys.c, order and the
 * passive certificate checks stand in for them).  A new symptom is a new row.
 *
 * The matchers live by topic in rules_capture.c, rules_transport.c, rules_handshake.c,
 * rules_certificate.c, rules_client_cert.c and rules_ok.c; what they read is gathered once per
 * connection by rule_facts.c.  This file keeps the order, which decides the verdict. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/diagnose/classify_int.h"
#include "analyzer/diagnose/rule_facts_int.h"
#include "analyzer/diagnose/rules_int.h"
#include "analyzer/diagnose/siblings_int.h"

#define KB_STD "Standard SSL Connectivity"
#define KB_MMC "Microsoft Management Console (MMC)"
#define KB_KEYMGR "Key Manager"
#define KB_CLIENT "SSL with Client Certificates"
#define KB_SCHANNEL "SSL with Client Certificates: the closing Schannel service-pack note"

#define REM_CIPHER "Enable a common cipher suite: ECDHE with AES-GCM or ChaCha20-Poly1305 (TLS 1.2) and the TLS 1.3 " \
                   "suites on both sides; check the server's key type matches the suites offered, and update old clients."
#define REM_VERSION "Enable a common TLS version: TLS 1.2 and 1.3 on the server, and update or reconfigure clients " \
                    "that offer only older (or only newer) versions than the server allows."
#define REM_CLIENT_CERT_MISSING "Install a client certificate and its private key, issued by {ca}, and configure the client " \
                                "to present it (a browser's empty certificate dialog means it has none that fits)."
#define REM_CLIENT_CERT_REJECTED "Give the client a certificate the server accepts: within its validity period, issued by " \
                                 "{ca}, not corrupt or revoked; or add its issuer to the server's trusted client CAs."
#define REM_NAME "Issue the certificate with {name} in its subjectAltName (it covers: {covers}), or have clients use a " \
                 "name it lists. Several HTTPS sites on one address need SNI-based certificate selection (or one " \
                 "certificate naming them all)."

/* Which connections a row is tried on: TCP's transport rows read SYNs, FINs and resets, QUIC's read
 * datagrams and CONNECTION_CLOSE; the TLS rows between read what both carry. */
enum { ANY = 0, TCP_ONLY, QUIC_ONLY };

typedef struct rule {
    td_verdict verdict;
    const char *kb_section;        /* KB Q197306 section, or NULL */
    int (*match)(facts *f);        /* 0: not this; else which text below (1-based) */
    const char *summary[8];
    const char *remedy[8];         /* NULL: the first one; all NULL: no remedy */
    uint8_t transport;             /* ANY, TCP_ONLY, QUIC_ONLY */
} rule;

#define REM_QUIC_UDP "Allow UDP port {port} to {server_ip} through firewalls, security groups and load balancers (many pass " \
                     "only TCP and DNS), or stop advertising HTTP/3 (Alt-Svc, the HTTPS DNS record) if it is not meant to " \
                     "be offered; browsers fall back to TCP, after a delay."

#define REM_PMTU "A link on the path has a smaller MTU and the ICMP \"fragmentation needed\" (ICMPv6 \"packet too big\") " \
                 "messages that would tell the sender are filtered: let them through the firewalls, or clamp the TCP MSS on " \
                 "the router of the small link (nft \"tcp option maxseg size set rt mtu\", iptables --clamp-mss-to-pmtu); " \
                 "on the sender, net.ipv4.tcp_mtu_probing=1 works around it."

static const rule rules[] = {
    { TD_V_INCOMPLETE, NULL, match_evicted,
      { "tlsdiag stopped following this connection before it ended: the connection table was full "
        "(--max-connections), and it was the one idle longest" },
      { "Raise --max-connections, or split the capture across processes with --shard K/N so that each holds "
        "fewer connections at once." }, ANY },
    { TD_V_QUIC_BLOCKED, KB_STD, match_quic_blocked,
      { "the client's QUIC Initial to UDP port {port} got no answer{retx}: no datagram, no ICMP error" },
      { REM_QUIC_UDP }, QUIC_ONLY },
    { TD_V_CONNECTION_REFUSED, KB_MMC, match_quic_unreachable,
      { "the server's host refused the QUIC connection: ICMP port unreachable for UDP port {port}" },
      { "The host answers but nothing listens on UDP port {port}: start the HTTP/3 service (or enable QUIC in the "
        "server), or stop advertising HTTP/3 (Alt-Svc, the HTTPS DNS record) for this host." }, QUIC_ONLY },
    { TD_V_PROTOCOL_MISMATCH, KB_SCHANNEL, match_quic_version,
      { "no QUIC version in common: the client offered {client_version}, the server's Version Negotiation lists "
        "{server_versions}" },
      { "Update the client or the server so that both speak QUIC version 1 (RFC 9000), which every current stack "
        "supports; a server that lists only drafts is too old to keep." }, QUIC_ONLY },
    { TD_V_NO_SERVER_RESPONSE, KB_STD, match_no_server_response,
      { "nothing answered the client's SYN{retx}: no SYN-ACK, no RST" },
      { "Nothing on the path answered port {port}: check that the server is up at {server_ip} and that firewalls, "
        "security groups, routers or a proxy's packet filter let TCP port {port} through to it." }, TCP_ONLY },
    { TD_V_INCOMPLETE, NULL, match_one_sided,
      { "only the {side}'s side of this connection is in the capture (the other side's packets took another path "
        "or were not captured)" },
      { "Capture where both directions pass (on the server or the client itself, or a tap/SPAN port that mirrors "
        "both directions); with asymmetric routing, capture on both paths and merge the files." }, TCP_ONLY },
    { TD_V_CONNECTION_REFUSED, KB_MMC, match_connection_refused,
      { "the server refused the connection: its port {port} answered the SYN with a reset" },
      { "The host answers but nothing listens on port {port}: start the TLS service, or set the site's SSL port to "
        "{port} and bind it to {server_ip} (or point the client at the port the service really uses)." }, TCP_ONLY },
    { TD_V_CLIENT_HELLO_DROPPED, KB_STD, match_client_hello_dropped,
      { "the ClientHello ({size} bytes in {segs}{why}{why2}) never reached the server whole: it acknowledged {got} "
        "bytes of it while the client retransmitted the rest",
        "the ClientHello ({size} bytes, {segs}) never reached the server whole: only its first {got} bytes arrived",
        "the ClientHello never reached the server whole: its first segment ({hole} bytes) never arrived, only the "
        "{after} bytes behind it, and the server acknowledged none of them",
        "the ClientHello ({size} bytes, one segment{why}{why2}) never reached the server: the client sent it {sent} "
        "times and the server, which had answered the SYN, acknowledged none of it",
        "the ClientHello ({size} bytes in {segs}{why}{why2}) was held up on the path: the server acknowledged all of it "
        "only after {stall} s of retransmissions, and the client had given up before the server answered" },
      { "A firewall, IPS or load balancer on the path drops or stalls ClientHellos that span two TCP segments "
        "(post-quantum key shares make them about 1.8 KB): update it or fix its TCP reassembly; as a workaround, "
        "turn off the hybrid group on the client (OpenSSL -groups X25519, Go's tls.Config.CurvePreferences, "
        "Chromium's PostQuantumKyber feature) or let the server's side clamp nothing below the ClientHello's size.",
        NULL, NULL,
        "A firewall, IPS or router on the path drops this ClientHello: one that filters by server name (SNI) or by "
        "size, or a link whose MTU is below the segment's with its ICMP filtered. Capture at the server to see whether "
        "it ever arrives; if the filter is yours, allow the name; if it is the MTU, clamp the MSS on the router "
        "(nft \"tcp option maxseg size set rt mtu\") and let ICMP \"fragmentation needed\" through." },
      TCP_ONLY },
    { TD_V_PATH_MTU_BLACKHOLE, KB_STD, match_path_mtu_blackhole,
      { "the {who}'s full-size segments never arrive while smaller ones do: a path-MTU black hole (MSS {mss}, the "
        "largest segment through {largest} bytes)",
        "the {who}'s segments arrived only small, past holes that never filled: full-size ones are lost on the path, "
        "a path-MTU black hole (MSS {mss}, the largest that arrived {largest} bytes)" },
      { REM_PMTU }, TCP_ONLY },
    { TD_V_RESET_INJECTED, KB_STD, match_reset_injected,
      { "a reset the {who} did not send ended the connection after the ClientHello for {sni}: a middlebox forged it",
        "the client's TCP had already dropped the connection when the server answered its ClientHello for {sni}: a "
        "reset forged toward the client is the usual cause (capture at the client to see it)" },
      { "Something on the path forges resets for {sni} (an SNI filter: a firewall's URL or category policy, an IPS, "
        "a parental or national filter): check its policy and logs for this name; the server is not at fault. "
        "Encrypted Client Hello or another route avoids SNI filtering." },
      TCP_ONLY },
    { TD_V_STARTTLS_REFUSED, NULL, match_starttls_refused,
      { "the server refused STARTTLS ({protocol}): {reply}",
        "the server does not offer STARTTLS ({protocol}) and refused the client's request: {reply}",
        "the server does not offer STARTTLS ({protocol}), and the client did not ask for it" },
      { "Enable STARTTLS on the {protocol} service at {server_ip}:{port} with a certificate and key (postfix "
        "smtpd_tls_security_level=may, dovecot ssl=yes, vsftpd ssl_enable=YES, PostgreSQL ssl=on, slapd TLSCertificateFile, MariaDB ssl_cert), or use its implicit-TLS port; if it "
        "offers STARTTLS elsewhere, look for a middlebox that strips it." }, TCP_ONLY },
    { TD_V_PROXY_REFUSED, NULL, match_proxy_refused,
      { "the HTTP proxy {server_ip}:{port} refused to open a tunnel to {target}: {status} (the client's credentials "
        "for the proxy are missing or wrong)",
        "the HTTP proxy {server_ip}:{port} refused to open a tunnel to {target}: {status} (its policy forbids it)",
        "the HTTP proxy {server_ip}:{port} could not reach {target}: {status}",
        "the HTTP proxy {server_ip}:{port} refused to open a tunnel to {target}: {status}" },
      { "Give the client the proxy's credentials for the scheme its Proxy-Authenticate header asks (curl --proxy-user, "
        "user:password in https_proxy, the browser's proxy login), and check them in the proxy's log.",
        "The proxy's rules forbid CONNECT to {target}: have its administrator allow that host and port (squid: "
        "http_access with the SSL_ports and CONNECT ACLs; tinyproxy: ConnectPort, Filter), or go another way.",
        "From the proxy, {target} did not answer: check that the name resolves there, that the target is up and "
        "listens on that port, and that the proxy's own outbound firewall lets it through.",
        "Read the proxy's log for why it answered {status} to CONNECT {target}; TLS never began." }, TCP_ONLY },
    { TD_V_CLIENT_NOT_TLS, KB_MMC, match_client_not_tls,
      { "the client spoke plaintext to the TLS port {port} ({what})",
        "the server offered STARTTLS ({protocol}) but the client did not ask for it: the session stayed in plaintext" },
      { "Use https:// (or the client's TLS option) for port {port}; use http:// only with the plain-HTTP port.",
        "Configure the client to require STARTTLS on {protocol} (e.g. swaks --tls, curl --ssl-reqd, "
        "smtp_tls_security_level = encrypt), or use the implicit-TLS port." }, TCP_ONLY },
    { TD_V_SERVER_NOT_TLS, KB_MMC, match_server_not_tls,
      { "the server answered the ClientHello with plaintext, not TLS ({what})" },
      { "TLS is not enabled on {server_ip}:{port}: enable SSL/TLS for this site and port (bind a certificate to it), "
        "or point the client at the port that speaks TLS." }, TCP_ONLY },
    { TD_V_NO_TLS_RESPONSE, KB_KEYMGR, match_no_tls_response,
      { "the server accepted TCP but closed without answering the ClientHello",
        "the server accepted TCP but never answered the ClientHello; the client gave up after {waited} s",
        "the server accepted TCP but had not answered the ClientHello when the capture ended, {waited} s later" },
      { "Something accepts TCP on {server_ip}:{port} but no TLS answers: make sure the TLS service owns this port, "
        "that a certificate is bound to this IP and port (and the change was committed and the service restarted), "
        "and that its TLS filter/module is loaded." }, TCP_ONLY },
    { TD_V_NO_TLS_RESPONSE, KB_KEYMGR, match_closed_before_hello,
      { "the server accepted TCP, then {how} the connection at once, before the client could send its ClientHello" },
      { "The service on {server_ip}:{port} accepts connections and drops them at once: check its log for refused "
        "connections (worker or licence limits, a TCP wrapper or access list), and, behind a load balancer, that a "
        "healthy TLS backend is there." }, TCP_ONLY },
    { TD_V_PROTOCOL_MISMATCH, KB_SCHANNEL, match_protocol_mismatch,
      { "the server refused the ClientHello: no TLS version in common (the client offered {offered})",
        "the server refused the ClientHello: {why} (the client offered {offered} with {suites})",
        "the client refused the server's choice of version: {why}",
        "the client refused the server's choice of parameters: {why}",
        "the server refused the client's SSLv2 hello: no cipher in common (NO-CIPHER-ERROR)",
        "the server closed the connection on a ClientHello that offered only {offered}: most likely it does not speak it",
        "the server answered in {chosen}, which the client did not offer ({offered}), and the client gave up",
        "no application protocol in common: the server refused the client's ALPN offer ({alpn})" },
      { REM_VERSION, REM_CIPHER, REM_VERSION, REM_CIPHER,
        "The client speaks only SSL 2.0, which no current server accepts: update or replace it so that it "
        "speaks TLS 1.2 or 1.3.",
        REM_VERSION, REM_VERSION,
        "Configure the server to accept one of the protocols the client offers ({alpn}; HTTP/3 is \"h3\", HTTP/2 "
        "\"h2\"), or the client to offer the one the server speaks." }, ANY },
    { TD_V_OBSOLETE_PROTOCOL, KB_SCHANNEL, match_obsolete_protocol,
      { "the connection uses {proto}, which is broken and disabled by every current TLS stack" },
      { "Replace or update the client and the server so that both speak TLS 1.2 or 1.3, and disable {proto} on "
        "both; a peer that can speak nothing newer has to go." }, ANY },
    { TD_V_UNKNOWN_CA, KB_STD, match_unknown_ca,
      { "{refused}: {its} issuer {root} is not trusted",
        "{refused}: {its} issuer is not trusted",
        "{refused}: {its} issuer {missing} is not trusted (the server sent its certificate alone, so {missing} is "
        "a root the client lacks or an intermediate the server left out)" },
      { "The chain ends at {root}, which the client does not trust: install {root} in the client's trust store, or "
        "use a certificate from a CA the clients already trust.",
        NULL,
        "If {missing} is your own (private) CA, install it in the clients' trust stores; if it is an intermediate, "
        "configure the server to send it after its certificate." }, ANY },
    { TD_V_INCOMPLETE_CHAIN, KB_STD, match_incomplete_chain,
      { "{refused}: the server sent {it} without its intermediate {missing}" },
      { "Install the full chain on the server: its certificate followed by the intermediate {missing}{url}, so that "
        "clients can reach a root they trust." }, ANY },
    { TD_V_NAME_MISMATCH, KB_STD, match_name_mismatch,
      { "{refused}: {it} is not valid for {name}" },
      { REM_NAME }, ANY },
    { TD_V_SERVER_CERT_EXPIRED, KB_KEYMGR, match_server_cert_expired,
      { "{refused}: {it} has expired",
        "{refused}: {it} is not yet valid" },
      { "Renew the server certificate (valid {not_before} .. {not_after}) and install the new one; check the clocks "
        "of the server and the clients." }, ANY },
    { TD_V_SERVER_CERT_REJECTED, KB_KEYMGR, match_server_cert_rejected,
      { "the client rejected the server certificate",
        "the client rejected the server certificate (the passive checks find nothing wrong with it)",
        "{refused}: {weak}" },
      { "See the client's error log for the reason; check the certificate's key usage and extended key usage, its "
        "key size and signature algorithm, and whether it has been revoked." }, ANY },
    { TD_V_CLIENT_CERT_MISSING, KB_CLIENT, match_client_cert_missing,
      { "the server requires a client certificate and the client sent none",
        "the server asked for a client certificate and the client, with none to offer, dropped the connection" },
      { REM_CLIENT_CERT_MISSING }, ANY },
    { TD_V_CLIENT_CERT_REJECTED, KB_CLIENT, match_client_cert_rejected,
      { "the server rejected the client certificate{why}",
        "the server did not accept the client certificate{why}: it refused the request inside TLS (an HTTP "
        "error, then it closed)" },
      { REM_CLIENT_CERT_REJECTED }, ANY },
    { TD_V_HANDSHAKE_ABORTED, NULL, match_quic_closed,
      { "the {who} closed the QUIC connection during the handshake: {error}{reason}" },
      { "The {who} gave up the handshake; its log says why (the error code and reason name it)." }, QUIC_ONLY },
    { TD_V_SERVER_CERT_REJECTED, KB_KEYMGR, match_quic_refused_unread,
      { "the client refused the server's handshake flight: it never sent a 1-RTT packet (QUIC encrypts the "
        "certificate and the client's alert)" },
      { "See the client's error for the reason, or capture again with the client's key log (SSLKEYLOGFILE) and pass "
        "it with --keylog: the certificate and the client's alert can then be read." }, QUIC_ONLY },
    { TD_V_HANDSHAKE_ABORTED, NULL, match_quic_server_refused_unread,
      { "the server refused the client's handshake flight: it closed in Handshake packets after the client had "
        "finished (QUIC encrypts its reason)" },
      { "See the server's log for the reason (a client certificate missing or refused is the usual one), or capture "
        "again with the client's key log (SSLKEYLOGFILE) and pass it with --keylog to read the server's alert." },
      QUIC_ONLY },
    { TD_V_OK, NULL, match_quic_ok,
      { "QUIC handshake completed ({version}, {cipher}{alpn})" },
      { NULL }, QUIC_ONLY },
    { TD_V_HANDSHAKE_ABORTED, NULL, match_handshake_aborted,
      { "the handshake was aborted: {alert}",
        "the {who} reset the connection during the handshake",
        "the {who} closed the connection during the handshake, without an alert",
        "the {who} aborted the handshake with an encrypted alert",
        "the handshake failed on the key exchange, not the certificate: {cause} ({alert})" },
      { "The {who} gave up the handshake; its log says why (the alert names the reason).",
        "The {who} reset the connection mid-handshake: look at its log, or at a middlebox (IPS, proxy, load "
        "balancer) that resets TLS it dislikes.",
        "The {who} gave up the handshake silently; its log says why.",
        "The {who} gave up the handshake; its log says why (the alert is encrypted).",
        "The server's ServerKeyExchange did not pass the client's checks: make sure the server's key matches its "
        "certificate, that both sides share a signature scheme and group, and that no middlebox rewrites the "
        "handshake; update a client or server whose TLS library is known to mis-sign." }, ANY },
    /* After every handshake row: the handshake worked, then the application's data never got through. */
    { TD_V_PATH_MTU_BLACKHOLE, KB_STD, match_path_mtu_blackhole_after,
      { "after the handshake, the {who}'s full-size segments never arrive while smaller ones do: a path-MTU black "
        "hole; {stuck} bytes of its data were never acknowledged (MSS {mss}, the largest segment through {largest} bytes)",
        "after the handshake, {missing} bytes the {who} sent never arrived, only its small segments did: a path-MTU "
        "black hole (MSS {mss}, the largest that arrived {largest} bytes)" },
      { REM_PMTU }, TCP_ONLY },
    /* The handshake worked, a request went out, and nothing came back while the capture ran on. */
    { TD_V_INCOMPLETE, NULL, match_unanswered,
      { "the handshake completed, then the client sent {bytes} bytes of application data and the server answered "
        "nothing in the {waited} s the capture ran on, the connection still open",
        "the handshake completed, then the client sent {bytes} bytes of application data and the server answered "
        "nothing; the client gave up {waited} s later" },
      { "Capture longer, or at the client as well: a request that hangs after the handshake while small ones are "
        "answered is how a path-MTU black hole looks from the receiving side (the client's full-size segments never "
        "arrive; its retransmissions show at the client). Otherwise the server application's log says why it did "
        "not answer.",
        "Capture at the server as well: if it answered, its full-size segments died on the way (a path-MTU black hole "
        "seen from the receiving side: the server's retransmissions show there; clamp the MSS or let ICMP "
        "\"fragmentation needed\" through); if it did not, its application's log says why." }, TCP_ONLY },
    { TD_V_OK, NULL, match_ok,
      { "handshake completed ({version}, {cipher}){data}",
        "application data flowed both ways: the connection works (its handshake is not in the capture, so its "
        "version and cipher are unknown)" },
      { NULL }, TCP_ONLY },
    { TD_V_INCOMPLETE, NULL, match_incomplete,
      { "the connection started before the capture: its handshake is not in it",
        "a TCP connection that carried no data (a port probe or a health check)",
        "packets missing from the capture hide the handshake",
        "the capture ended {waited} s after the ClientHello, before the server answered",
        "the capture ended before the handshake did",
        "the capture does not show enough of this connection to judge it" },
      { "Capture from before the connection starts until after it ends, whole packets (snap length 0), on a host "
        "or port that sees both directions." }, TCP_ONLY },
    { TD_V_INCOMPLETE, NULL, match_quic_incomplete,
      { "the capture ended {waited} s after the client's Initial, before the server answered",
        "the server answered, but the capture does not show its ServerHello",
        "the capture does not show enough of this QUIC connection to judge it" },
      { "Capture from before the connection starts until after it ends, whole packets, on a host or port that sees "
        "both directions of UDP port {port}." }, QUIC_ONLY },
};

/* What this connection showed of the server's certificate, for a sibling that TLS 1.3 hides it
 * from (analyzer/diagnose/siblings.c). */
static void remember_cert(td_classifier *c, facts *f)
{
    const td_chain *ch = &f->s->server_chain;
    if (!c->siblings || !f->sc.present || !ch->seen || !ch->n) return;
    td_sibling_cert b;
    memset(&b, 0, offsetof(td_sibling_cert, name));
    b.n_causes = cert_causes(f, b.causes);
    if (!b.n_causes) {                             /* nothing wrong: no texts to keep */
        b.name[0] = '\0';
        td_siblings_remember_cert(c->siblings, f->t, &b);
        return;
    }
    const td_cert *leaf = &ch->certs[0];
    snprintf(b.name, sizeof b.name, "%s", f->sc.name);
    snprintf(b.covers, sizeof b.covers, "%s%s", leaf->n_san ? leaf->san[0] : leaf->subject ? leaf->subject : "?",
             leaf->n_san > 1 ? ", ..." : "");
    snprintf(b.not_before, sizeof b.not_before, "%s", leaf->not_before);
    snprintf(b.not_after, sizeof b.not_after, "%s", leaf->not_after);
    snprintf(b.root, sizeof b.root, "%s", f->sc.untrusted_root);
    if (!cert_weak_text(f, b.weak, sizeof b.weak)) b.weak[0] = '\0';
    td_siblings_remember_cert(c->siblings, f->t, &b);
}

void td_rules_apply(td_classifier *c, const td_transcript *t, td_result *r)
{
    facts f;
    rule_facts_gather(&f, c, t, r);
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const rule *row = &rules[i];
        if (row->transport == (t->quic ? TCP_ONLY : QUIC_ONLY)) continue;
        r->n_evidence = r->n_findings = 0;
        f.n_vars = 0;
        int v = row->match(&f);
        if (!v) continue;
        r->verdict = row->verdict;
        r->kb_section = row->kb_section;
        const char *sum = row->summary[v - 1] ? row->summary[v - 1] : row->summary[0];
        const char *rem = row->remedy[v - 1] ? row->remedy[v - 1] : row->remedy[0];
        rule_expand(&f, sum, r->summary, sizeof r->summary);
        if (rem) {
            rule_expand(&f, rem, r->remedy_buf, sizeof r->remedy_buf);
            r->remedy = r->remedy_buf;
        }
        break;
    }
    rule_cert_findings(&f);
    if (!c->judging_again) remember_cert(c, &f);
    if (t->tls.stls && c->siblings) {              /* STARTTLS offered here, or missing as if stripped */
        rule_starttls_findings(&f, td_siblings_starttls_offered(c->siblings, t));
        if (t->tls.stls->offered && !c->judging_again) td_siblings_remember_starttls(c->siblings, t);
    }
}
