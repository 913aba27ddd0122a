/* findings_protocol.h - findings about the protocol itself, from the transcript alone: heartbeat
 * abuse (Heartbleed probes and leaks) and weak cipher suites the client offers.  The classifier
 * (td_classify) calls this after its rules; it only adds findings to r. */
#ifndef TLSDIAG_FINDINGS_PROTOCOL_H
#define TLSDIAG_FINDINGS_PROTOCOL_H

#include "analyzer/diagnose/classify.h"
#include "include/transcript.h"

/* Findings it may add (td_result_finding: one of each id):
 *   heartbleed-attempt     error    a heartbeat request claims more payload than its record holds
 *                                   (payload_length + 3 + 16 > record length)
 *   heartbleed-leak        error    a response carries more than its request could justify: in the
 *                                   clear payload_length > the request's real payload; encrypted,
 *                                   a response record > request record + 64 bytes and > 100 bytes
 *   heartbeat              info     heartbeat records seen, neither of the above
 *   null-cipher-offered    warning  the ClientHello offers suites without encryption
 *   export-cipher-offered  warning  ... export-grade suites (incl. SSLv2 EXPORT40 kinds)
 *   anon-cipher-offered    warning  ... suites with anonymous key exchange
 *   rc4-offered            warning  ... RC4 suites (incl. SSLv2 RC4 kinds)
 *   proxy-sni-mismatch     warning  an HTTP CONNECT tunnel's ClientHello names (SNI) another host
 *                                   than the CONNECT target
 * (weak-cipher and obsolete-protocol, about what the server chose, are made by classify.c.) */
/* memo: NULL, or one per classifier, kept across calls: the weak kinds of the last few distinct
 * offered-suite lists (list_memo.h). */
typedef struct td_offer_memo td_offer_memo;
td_offer_memo *td_offer_memo_new(void);
void td_offer_memo_free(td_offer_memo *m);
void td_findings_protocol(const td_transcript *t, td_result *r, td_offer_memo *memo);

#endif
