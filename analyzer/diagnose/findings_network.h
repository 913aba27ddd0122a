/* findings_network.h - findings about what the network and the TCP exchange cost a connection, from
 * its transcript alone (issue 25).  The classifier calls this after its rules; it only adds findings.
 *   hello-retry             info     a HelloRetryRequest: the client's key shares were not among the
 *                                    server's groups; the group the server wanted; one more round trip
 *   client-hello-segments   info     the ClientHello spans several TCP segments (its size; a post-quantum
 *                                    key share is the usual reason): middleboxes that do not reassemble drop it
 *   syn-retransmits         warning  the SYN was retransmitted before an answer came
 *   zero-window             warning  a side advertised a zero window: it stopped reading */
#ifndef TLSDIAG_FINDINGS_NETWORK_H
#define TLSDIAG_FINDINGS_NETWORK_H

#include "analyzer/diagnose/classify.h"
#include "include/transcript.h"

void td_findings_network(const td_transcript *t, td_result *r);

#endif
