/* findings_quic.h - findings about a QUIC connection's transport, from its transcript alone.  The
 * classifier (td_classify) calls this after its rules; it only adds findings to r.
 *   quic-initial-too-small     warning  a client Initial in a datagram under 1200 bytes (RFC 9000 14.1:
 *                                       servers drop it; a middlebox or a small path MTU may cut it)
 *   quic-retry-loop            warning  the server sent more than one Retry
 *   quic-retry-invalid         warning  a Retry whose integrity tag does not verify (forged, or a
 *                                       version mix-up)
 *   quic-amplification-limit   warning  the server stopped at three times what the client had sent
 *                                       (RFC 9000 8.1), and nothing more came from the client
 *   quic-migrated              info     the client's address or port changed mid-connection
 *   quic-undecryptable         warning  with a key log, protected packets failed authentication
 *   quic-crypto-over-cap       warning  CRYPTO data past the 64 KiB reassembly window was dropped
 *   quic-cid-authentication    warning  with a key log, the server's transport parameters do not
 *                                       authenticate the connection IDs (RFC 9000 7.3) */
#ifndef TLSDIAG_FINDINGS_QUIC_H
#define TLSDIAG_FINDINGS_QUIC_H

#include "analyzer/diagnose/classify.h"
#include "include/transcript.h"

void td_findings_quic(const td_transcript *t, td_result *r);

#endif
