/* transcript.h - what happened on one connection, in order.
 *
 * The transcript is the contract between the engine (which fills it from packets) and the
 * classifier and reports (which only read it).  It holds facts, never judgements.  Every
 * list in it is capped; a cap that is hit is recorded so it can become a finding. */
#ifndef TLSDIAG_TRANSCRIPT_H
#define TLSDIAG_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { TD_C2S = 0, TD_S2C = 1 };           /* direction index: client->server, server->client */

/* Caps: input is hostile, every list is bounded.  Lists are heap-allocated on demand so that a
 * connection that never gets past its SYN costs a few hundred bytes (issue: a million of them). */
#define TD_MAX_EVENTS 512                  /* message ladder entries kept per connection */
#define TD_MAX_ALERTS 64                   /* alerts kept (the rest are only counted) */
#define TD_MAX_CHAIN 16                    /* certificates kept per chain */
#define TD_MAX_LIST 32                     /* offered versions, ALPN names, CA names */
#define TD_MAX_CIPHERS 256                 /* offered cipher suites kept */
#define TD_MAX_RECORDS 48                  /* TLS 1.3 opaque records kept one by one (the rest are counted) */
#define TD_MAX_HEARTBEATS 16               /* heartbeat records kept (the rest are only counted) */
#define TD_MAX_SSL2_KINDS 16               /* SSLv2 cipher kinds offered in an SSLv2 CLIENT-HELLO */

/* One certificate, summarised (dissectors/x509/x509_summary.c).  Strings are heap-owned. */
typedef struct td_cert {
    char *subject;                         /* RFC 2253 one-line form, e.g. "CN=www.example.com,O=Example" */
    char *issuer;
    char **san;                            /* DNS names, IP addresses (text), e-mail, URI: as "DNS:x" stripped of prefix for DNS/IP */
    size_t n_san;
    char not_before[24];                   /* "2026-11-25T00:33:01Z" */
    char not_after[24];
    int64_t not_before_t;                  /* seconds since the epoch (UTC) */
    int64_t not_after_t;
    char key[32];                          /* "RSA-2048", "EC-P256", "ED25519", "DSA-1024", "unknown" */
    int key_bits;
    char signature[64];                    /* OpenSSL long name, e.g. "sha256WithRSAEncryption" */
    char sha256[65];                       /* hex fingerprint of the DER */
    bool self_signed;                      /* subject == issuer and the signature verifies with its own key */
    bool parse_error;                      /* DER did not parse: only sha256 and der are set */
    bool is_ca;                            /* basicConstraints cA is TRUE */
    char akid[41];                         /* authorityKeyIdentifier keyIdentifier, lower-case hex of at
                                              most its first 20 bytes; "" if absent */
    char skid[41];                         /* subjectKeyIdentifier, the same way */
    char *aia_ca_issuers;                  /* first Authority Information Access caIssuers URI, NULL if
                                              none (printable, at most 1024 characters) */
    char *aia_ocsp;                        /* first AIA OCSP URI, NULL if none (the same way) */
    unsigned char *der;                    /* the certificate's bytes, kept for chain checks */
    size_t der_len;
    void *block;                           /* non-NULL: subject, issuer, san, der, aia_ca_issuers and
                                              aia_ocsp all live in this one allocation (a copy from
                                              the summary cache) */
    /* Identity (dissectors/x509/x509_ident.c); in the packed block too, like the fields above. */
    char serial[136];                      /* serialNumber as `openssl x509 -serial` prints it: upper-case
                                              hex of the magnitude, "-" first if negative, "00" for zero;
                                              "..." after the first 64 bytes of a longer one; "" unread */
    char sha1[41];                         /* hex SHA-1 fingerprint of the DER, like sha256 (always set) */
    uint64_t san_ip[4];                    /* bit i (of word i / 64): san[i] is an iPAddress entry */
    uint16_t key_usage;                    /* keyUsage, bit n = RFC 5280 bit n (0 digitalSignature .. 8
                                              decipherOnly); 0 if absent or malformed */
    bool scts_malformed;                   /* the embedded SCT list's lengths lie (or it is duplicated) */
    bool precert;                          /* CT poison extension (1.3.6.1.4.1.11129.2.4.3) present */
    uint16_t scts;                         /* SCTs wholly inside the embedded list (1.3.6.1.4.1.11129.2.4.2) */
    char **eku;                            /* extendedKeyUsage: names ("serverAuth") or dotted OIDs, <= 16 */
    size_t n_eku;
    char **ocsp_urls;                      /* every AIA OCSP URI (<= 4, printable, <= 1024 characters);
                                              aia_ocsp is ocsp_urls[0] (not owned apart) */
    size_t n_ocsp_urls;
    char **ca_issuer_urls;                 /* every AIA caIssuers URI, the same way; aia_ca_issuers is [0] */
    size_t n_ca_issuer_urls;
} td_cert;

typedef struct td_chain {
    td_cert *certs;                        /* heap array of n (at most TD_MAX_CHAIN) */
    size_t n;                              /* certificates kept */
    size_t n_total;                        /* certificates in the message (n_total > n: cap hit) */
    bool seen;                             /* a Certificate message was seen in the clear */
    bool empty;                            /* ... and it held no certificate (a client with none) */
    bool malformed;                        /* inner lengths lied; what parsed before is kept */
    uint64_t packet;                       /* packet that completed the Certificate message */
} td_chain;

typedef struct td_alert {
    uint8_t from;                          /* TD_C2S: sent by the client */
    uint8_t level;                         /* 1 warning, 2 fatal, 0 unknown (encrypted) */
    uint8_t code;                          /* AlertDescription, meaningless when encrypted */
    bool encrypted;
    uint64_t packet;
    double ts;
} td_alert;

/* One heartbeat record (RFC 6520, content type 24). */
typedef struct td_heartbeat {
    uint8_t from;                          /* TD_C2S: sent by the client */
    uint8_t type;                          /* 1 request, 2 response, other: as sent; 0 when encrypted */
    bool encrypted;                        /* after this side's ChangeCipherSpec, or TLS 1.3 */
    bool malformed;                        /* in the clear but shorter than its 3-byte header */
    uint16_t payload_length;               /* claimed in the message; 0 when encrypted */
    uint16_t payload_actual;               /* payload bytes really in the record: record_length - 3
                                              - 16 (minimum padding), at most payload_length */
    uint16_t record_length;                /* the record's length field (bytes after the header) */
    uint64_t packet;                       /* packet that completed the record */
    double ts;
} td_heartbeat;

/* Message ladder entry (shown by -v, read by the classifier for order and timing). */
typedef enum td_ev_kind {
    TD_EV_SYN, TD_EV_SYNACK, TD_EV_FIN, TD_EV_RST,
    TD_EV_HANDSHAKE,                       /* sub = handshake type; len = message length */
    TD_EV_SSL2,                            /* sub = SSLv2 message type */
    TD_EV_CCS,
    TD_EV_ALERT,                           /* sub = index into tls.alerts (or 255 when dropped) */
    TD_EV_ENCRYPTED_HANDSHAKE,             /* encrypted record during the handshake (TLS 1.3 flights, Finished) */
    TD_EV_APPDATA,                         /* count = consecutive records coalesced, len = bytes; sub = 1:
                                              decrypted (so that those never coalesce with others) */
    TD_EV_PLAINTEXT,                       /* non-TLS bytes; see tls.not_tls[dir] */
    TD_EV_GAP,                             /* bytes missing in the capture; len = bytes skipped */
    TD_EV_UNKNOWN_RECORD,                  /* record of an unknown content type; sub = type */
    TD_EV_OPAQUE,                          /* TLS 1.3 protected record (outer type application_data):
                                              what it holds is the classifier's inference; sub = 1 for
                                              the records kept in tls.records (never coalesced) */
    TD_EV_HEARTBEAT,                       /* sub = index into tls.heartbeats (or 255 when dropped);
                                              len = record length */
    TD_EV_SSL2_ENCRYPTED,                  /* encrypted SSLv2 record(s): count = consecutive records
                                              coalesced (as TD_EV_APPDATA), len = bytes */
    TD_EV_QUIC_PACKET,                     /* QUIC packet(s): sub = TD_QP_*, len = bytes, count = consecutive
                                              packets of one type and direction coalesced */
    TD_EV_QUIC_CLOSE,                      /* CONNECTION_CLOSE read (td_quic.close_* of its direction) */
} td_ev_kind;

enum { TD_QP_INITIAL = 0, TD_QP_0RTT, TD_QP_HANDSHAKE, TD_QP_RETRY, TD_QP_VN, TD_QP_1RTT, TD_QP_OTHER };

#define TD_EVF_DECRYPTED 1                 /* td_event.flags: read from a record opened with a key log */

typedef struct td_event {
    uint8_t kind;                          /* td_ev_kind */
    uint8_t dir;
    uint8_t sub;
    uint8_t flags;                         /* TD_EVF_* */
    uint32_t len;
    uint32_t count;
    uint64_t packet;
    double ts;                             /* seconds since the epoch */
} td_event;

/* A TLS 1.3 protected record: its true content type is inside the encryption, so the parser
 * keeps only what the wire shows and the classifier infers the rest (analyzer/diagnose/tls13_without_keys.c). */
typedef struct td_record {
    uint8_t dir;
    uint16_t len;                          /* TLSCiphertext.length as declared */
    uint16_t captured;                     /* bytes of it really in the capture (<= len) */
    uint64_t packet;                       /* packet that carried its header */
    double ts;
} td_record;

/* One record opened with the key log: which ladder events it produced (none for a record that
 * only carried part of a handshake message, which a later record completes). */
typedef struct td_dec_record {
    uint8_t dir;
    uint8_t outer, inner;                  /* content type on the wire, and the true one */
    uint16_t len;                          /* its length on the wire (TLSCiphertext.length) */
    uint32_t first_event, end_event;       /* ladder events [first_event, end_event) came from it */
    uint64_t packet;                       /* packet that carried its header */
} td_dec_record;

#define TD_MAX_DEC_RECORDS 256             /* decrypted records listed (the rest are only counted) */

/* What decryption with a key log (--keylog) gave; allocated only when one was given. */
typedef struct td_decrypt_facts {
    bool decrypted;                        /* at least one protected record opened */
    const char *status;                    /* static: why nothing was decrypted (NULL if something was) */
    uint32_t records[2];                   /* records opened per direction */
    uint32_t failed[2];                    /* records that failed authentication */
    uint32_t early[2];                     /* the client's 0-RTT records: [0] opened with its early
                                              secret, [1] not (CLIENT_EARLY_TRAFFIC_SECRET not logged) */
    char *app_first[2];                    /* heap: the recognised first line of application data
                                              (HTTP/1.x request or status line, h2 preface); NULL if none */
    uint64_t app_first_packet[2];
    td_dec_record *recs;                   /* heap, at most TD_MAX_DEC_RECORDS, in order */
    size_t n_recs;
} td_decrypt_facts;

/* A parse anomaly: what a TLS dissector met that made no sense, as a code and the numbers that
 * go with it (Suricata's decoder events are the model).  Words are given to it only where a
 * report or a finding is written (td_anomaly_text, dissectors/tls/tls_anomalies.c). */
typedef enum td_anomaly_code {
    TD_ANOM_NONE = 0,
    TD_ANOM_RECORD_TOO_LONG,               /* a: the record's length, b: the limit */
    TD_ANOM_NOT_RECORD_HEADER,             /* bytes: the five bytes read as a header */
    TD_ANOM_ZERO_LENGTH_RECORD,            /* a record of 0 bytes that may not be empty */
    TD_ANOM_HEARTBEAT_SHORT,               /* a heartbeat record shorter than its header */
    TD_ANOM_DECRYPTED_ALERT_ODD,           /* a decrypted alert record of odd length */
    TD_ANOM_DECRYPTED_UNKNOWN_TYPE,        /* a decrypted record of an unknown content type */
    TD_ANOM_HANDSHAKE_MALFORMED,           /* type: the message, a: its length */
    TD_ANOM_HANDSHAKE_OVER_CAP,            /* no longer raised (over budget: hs_over_budget) */
    TD_ANOM_HANDSHAKE_UNFINISHED,          /* type, a: its length, b: the bytes that came */
    TD_ANOM_CERT_NOT_DER,                  /* a: the certificate's index, b: its bytes */
    TD_ANOM_SSLV2_PADDING,                 /* a: the record's length, b: its padding */
    TD_ANOM_SSLV2_HELLO_MALFORMED,
} td_anomaly_code;

typedef struct td_anomaly {
    uint8_t code;                          /* td_anomaly_code */
    uint8_t type;                          /* a handshake message type, when it names one */
    uint8_t bytes[5];                      /* TD_ANOM_NOT_RECORD_HEADER */
    uint64_t a, b;
} td_anomaly;

/* What the hellos offered beyond the basics, and their fingerprints (dissectors/tls/tls_hello.c,
 * tls_fingerprint.c); allocated with the first ClientHello or ServerHello seen in the clear.
 * Lists keep the wire order and GREASE values (0x?a?a) as sent; each keeps at most its cap and
 * counts the rest. */
#define TD_MAX_HELLO_IDS 64                /* extension ids, signature algorithms, groups */
#define TD_MAX_HELLO_SMALL 16              /* key shares, point formats, PSK modes, compression */
#define TD_JA4_LEN 36                      /* "t13d1516h2_8daaf6152771_e5627efa2ab1" */
typedef struct td_hello {
    uint16_t ext[TD_MAX_HELLO_IDS];        /* the ClientHello's extension types, in order */
    uint16_t n_ext, n_ext_total;
    uint16_t sig_algs[TD_MAX_HELLO_IDS];   /* signature_algorithms */
    uint16_t n_sig_algs, n_sig_algs_total;
    uint16_t groups[TD_MAX_HELLO_IDS];     /* supported_groups */
    uint16_t n_groups, n_groups_total;
    uint16_t key_shares[TD_MAX_HELLO_SMALL]; /* key_share: the groups of the shares sent */
    uint16_t n_key_shares, n_key_shares_total;
    uint8_t point_formats[TD_MAX_HELLO_SMALL]; /* ec_point_formats */
    uint16_t n_point_formats;
    uint8_t psk_modes[TD_MAX_HELLO_SMALL]; /* psk_key_exchange_modes */
    uint16_t n_psk_modes;
    uint16_t cert_compression[TD_MAX_HELLO_SMALL]; /* compress_certificate algorithms */
    uint16_t n_cert_compression;
    bool ech;                              /* encrypted_client_hello (0xfe0d) sent */
    uint8_t ech_type;                      /* its ECHClientHelloType: 0 outer, 1 inner */
    uint16_t server_ext[TD_MAX_HELLO_IDS]; /* the ServerHello's extension types, in order */
    uint16_t n_server_ext, n_server_ext_total;
    uint16_t server_key_share;             /* the group of the ServerHello's key_share; 0 = none */
    char ja3[33], ja3s[33];                /* MD5 hex; "" when not computed */
    char ja4[TD_JA4_LEN + 1];              /* "" when not computed */
    char *ja3_string, *ja3s_string;        /* heap: the strings hashed; NULL when not computed */
} td_hello;

/* A plaintext dialogue that upgraded (or failed to upgrade) to TLS: STARTTLS and its kin, read by
 * dissectors/starttls/.  td_tls.stls, heap; NULL when no such dialogue was recognised. */
typedef enum td_stls_proto { TD_STLS_NONE = 0, TD_STLS_SMTP, TD_STLS_IMAP, TD_STLS_POP3, TD_STLS_FTP, TD_STLS_XMPP,
               TD_STLS_PGSQL, TD_STLS_LDAP, TD_STLS_MYSQL } td_stls_proto;
typedef struct td_starttls {
    uint8_t protocol;                      /* td_stls_proto */
    bool caps_seen;                        /* the server listed its capabilities (EHLO reply, CAPABILITY, CAPA, FEAT,
                                              stream features) */
    bool offered;                          /* ... and STARTTLS (STLS, AUTH TLS, <starttls/>) was among them */
    bool requested;                        /* the client asked for it */
    bool answered, accepted;               /* the server answered; with acceptance (220, OK, +OK, 234, <proceed/>) */
    bool tampered;                         /* a capability overwritten as stripping middleboxes do ("XXXXXXXA") */
    bool tls_unasked;                      /* the server sent a TLS record before accepting */
    char reply[128];                       /* the server's answer, as sent (printable ASCII) */
    char tamper[40];                       /* the overwritten capability */
    uint64_t caps_packet, request_packet, reply_packet;
} td_starttls;
/* An HTTP proxy's CONNECT tunnel before TLS: the connection's server is the proxy, the TLS
 * peer is the target.  Several CONNECTs on one connection (a 407, then credentials): the last. */
typedef enum td_proxy_type { TD_PROXY_NONE = 0, TD_PROXY_HTTP_CONNECT } td_proxy_type;
typedef struct td_proxy {
    uint8_t type;                          /* td_proxy_type */
    uint8_t requests;                      /* CONNECT requests seen (saturates at 255) */
    uint16_t status;                       /* the proxy's answer; 0 = none seen */
    char *target;                          /* heap: the request's host:port as sent */
    char *reason;                          /* heap: the status line's reason phrase */
    uint64_t request_packet, response_packet;
    double request_ts, response_ts;
    bool tunnel;                           /* a 2xx: the TLS parser starts after its blank line */
    bool headers_over;                     /* a request or response's headers passed the cap */
} td_proxy;

/* A QUIC connection (RFC 9000/9001/9369), read by dissectors/quic/: the transport facts.  Its TLS
 * handshake, carried in CRYPTO frames, is in td_tls like TCP's.  td_transcript.quic, heap; NULL for
 * a TCP connection. */
#define TD_QUIC_CID_MAX 20
#define TD_QUIC_MAX_VERSIONS 8
typedef struct td_quic_cid { uint8_t len; uint8_t b[TD_QUIC_CID_MAX]; } td_quic_cid;
/* Transport parameters (RFC 9000 18.2, RFC 9287, RFC 9368): those a diagnosis reads. */
typedef struct td_quic_tp {
    bool seen;
    bool malformed;                        /* a length lied: what came before is kept */
    uint16_t count;                        /* parameters in the block (GREASE ones too) */
    uint64_t max_idle_timeout_ms, max_udp_payload_size, initial_max_data, initial_max_streams_bidi;
    uint64_t active_connection_id_limit;
    bool disable_active_migration, grease_quic_bit, has_retry_scid, has_original_dcid, version_information;
    td_quic_cid initial_scid, original_dcid, retry_scid;
} td_quic_tp;
typedef struct td_quic {
    uint32_t version;                      /* of the client's first Initial (0: none seen) */
    uint32_t last_version;                 /* of its last Initial (another after Version Negotiation) */
    uint32_t server_version;               /* of the server's first long-header packet (0: none) */
    td_quic_cid odcid;                     /* the client's first Destination Connection ID */
    td_quic_cid client_cid, server_cid;    /* each side's Source Connection ID */
    uint32_t datagrams[2];                 /* UDP datagrams per direction */
    uint64_t bytes[2];                     /* their payload bytes */
    uint32_t initials[2], handshakes[2], zero_rtt[2], short_packets[2]; /* packets by type */
    uint32_t undecryptable[2];             /* packets whose protection did not verify (or no keys) */
    uint32_t coalesced[2];                 /* datagrams that carried more than one packet */
    uint32_t client_initial_min;           /* the smallest datagram carrying a client Initial (bytes) */
    uint64_t first_server_packet;          /* packet number of the server's first datagram (0: none) */
    double first_server_ts;
    /* Retry (RFC 9000 17.2.5) and Version Negotiation (6). */
    uint8_t retries;                       /* Retry packets the server sent */
    bool retry_integrity_bad;              /* a Retry's integrity tag did not verify */
    uint64_t retry_packet;
    bool version_negotiation;              /* the server answered with Version Negotiation */
    uint32_t vn_versions[TD_QUIC_MAX_VERSIONS];  /* the versions it listed (first ones) */
    uint8_t n_vn_versions;
    uint64_t vn_packet;
    /* CONNECTION_CLOSE (RFC 9000 19.19): the first one each side sent that was read. */
    bool closed[2];
    bool close_app[2];                     /* 0x1d (application) rather than 0x1c (transport) */
    bool close_encrypted[2];               /* read in a Handshake or 1-RTT packet (with a key log) */
    uint64_t close_code[2];                /* 0x0100..0x01ff: a TLS alert (code & 0xff) */
    uint64_t close_frame_type[2];
    char close_reason[2][128];
    uint64_t close_packet[2];
    double close_ts[2];
    bool handshake_done;                   /* the server's HANDSHAKE_DONE (read with a key log) */
    uint64_t last_handshake_packet[2];     /* the last datagram carrying a Handshake packet, each way */
    bool last_datagram_handshake[2];       /* ... and whether that side's last datagram was such a one */
    bool one_rtt[2];                       /* a 1-RTT (short header) packet was sent this way */
    uint64_t first_one_rtt_packet[2];
    bool migrated;                         /* a packet came from another address or port */
    bool crypto_over_cap;                  /* CRYPTO data past the reassembly window was dropped */
    bool icmp_unreachable;                 /* ICMP port unreachable answered the client */
    uint64_t icmp_packet;
    uint32_t http3_status;                 /* the first HTTP/3 :status read (with a key log); 0: none */
    td_quic_tp tp[2];                      /* each side's transport parameters, as read */
} td_quic;

typedef struct td_tls {
    bool client_hello, server_hello;       /* seen in the clear */
    bool sslv2_client_hello;               /* the ClientHello used the SSLv2-compatible format */
    bool sslv2_server_hello;               /* the server answered in SSLv2 */
    uint64_t client_hello_packet, server_hello_packet;
    uint16_t client_legacy_version;        /* ClientHello.legacy_version (0x0002 for SSLv2) */
    uint16_t record_version[2];            /* first record-layer version seen per direction */
    uint16_t offered_versions[16];         /* supported_versions (GREASE dropped), or legacy_version */
    size_t n_offered_versions;
    uint16_t version;                      /* negotiated; 0 = unknown */
    uint16_t *offered_ciphers;             /* heap, at most TD_MAX_CIPHERS */
    size_t n_offered_ciphers;              /* kept */
    size_t n_offered_ciphers_total;
    uint32_t cipher;                       /* IANA code point, or a 24-bit SSLv2 cipher kind */
    bool has_cipher;
    char *sni;                             /* server_name host_name, NULL if none */
    char **alpn_offered;                   /* heap, at most TD_MAX_LIST */
    size_t n_alpn_offered;
    char *alpn;                            /* chosen by the server, NULL if none */
    uint8_t session_id_c[32], session_id_s[32];
    uint8_t session_id_c_len, session_id_s_len;
    bool ticket_offered;                   /* session_ticket extension non-empty in ClientHello */
    bool psk_offered;                      /* TLS 1.3 pre_shared_key in ClientHello */
    bool psk_accepted;                     /* TLS 1.3 pre_shared_key in ServerHello */
    bool early_data_offered;
    bool early_data_accepted;              /* the (decrypted) EncryptedExtensions carried early_data */
    bool encrypted_extensions;             /* TLS 1.3 EncryptedExtensions read (with a key log) */
    bool resumed;
    bool hello_retry;
    uint64_t hello_retry_packet;
    td_chain server_chain, client_chain;
    bool cert_requested;                   /* CertificateRequest seen in the clear */
    uint64_t cert_request_packet;
    char **ca_names;                       /* CertificateRequest certificate_authorities, heap, <= TD_MAX_LIST */
    size_t n_ca_names;
    bool server_hello_done;
    td_alert *alerts;                      /* heap, at most TD_MAX_ALERTS */
    size_t n_alerts;                       /* kept */
    size_t n_alerts_total;
    bool ccs[2];                           /* ChangeCipherSpec seen per direction */
    bool encrypted[2];                     /* records from this direction are now encrypted */
    bool finished[2];                      /* Finished (or, encrypted, the first record after CCS) */
    uint64_t app_data[2];                  /* application-data bytes captured per direction (TLS 1.2 and
                                              earlier: the record type is visible) */
    uint64_t app_records[2];
    uint32_t enc_hs_records[2];            /* encrypted handshake records after ChangeCipherSpec (TLS 1.2) */
    uint64_t enc_hs_bytes[2];
    uint64_t first_app_packet[2];
    td_record *records;                    /* TLS 1.3 protected records, heap, at most TD_MAX_RECORDS */
    size_t n_records;                      /* kept */
    uint64_t records_total[2];             /* protected records per direction, kept or not */
    uint64_t record_bytes[2];              /* their bytes really captured */
    bool not_tls[2];                       /* this direction began with bytes that are not TLS */
    bool starttls;                         /* ... and TLS began later (STARTTLS, a proxy CONNECT) */
    char *not_tls_what[2];                 /* heap, e.g. "HTTP request: GET / HTTP/1.1" */
    uint64_t not_tls_packet[2];
    uint32_t bad_records[2];               /* records that made no sense (resync attempts) */
    td_anomaly bad_record_first[2];        /* the first such problem (td_anomaly_text words it) */
    uint32_t empty_records[2];             /* zero-length records */
    bool ech_offered;                      /* encrypted_client_hello extension in the ClientHello */
    bool buffer_cap_hit;                   /* a handshake message or record exceeded its buffer */
    uint32_t hs_over_budget;               /* the first handshake message skipped: over the budget (its length) */
    bool heartbeat;                        /* heartbeat records seen */
    td_heartbeat *heartbeats;              /* heap, at most TD_MAX_HEARTBEATS, in order */
    size_t n_heartbeats;                   /* kept */
    size_t n_heartbeats_total;
    /* SSLv2 beyond the hellos (dissectors/tls/tls_sslv2.c).  Cipher kinds are 24-bit values. */
    uint32_t sslv2_offered_kinds[TD_MAX_SSL2_KINDS]; /* SSLv2 CIPHER-KINDs (not 00xxxx) in CLIENT-HELLO */
    uint8_t n_sslv2_offered_kinds;
    bool sslv2_session_id_hit;             /* SERVER-HELLO resumed a session: no CLIENT-MASTER-KEY */
    bool sslv2_master_key;                 /* CLIENT-MASTER-KEY seen */
    uint64_t sslv2_master_key_packet;
    uint32_t sslv2_master_key_cipher;      /* the CIPHER-KIND the client chose (also tls.cipher) */
    uint16_t sslv2_clear_key_len, sslv2_encrypted_key_len, sslv2_key_arg_len;
    uint32_t sslv2_enc_records[2];         /* encrypted SSLv2 records per direction */
    uint64_t sslv2_enc_bytes[2];           /* ... their bytes (headers excluded) */
    uint64_t sslv2_first_enc_packet[2];    /* packet of the first encrypted record each way */
    uint16_t sslv2_error;                  /* first SSLv2 ERROR code seen in the clear; 0 = none */
    uint8_t sslv2_error_from;
    uint64_t sslv2_error_packet;
    td_decrypt_facts *dec;                 /* heap, only with --keylog (NULL otherwise) */
    td_hello *hello;                       /* heap: offered lists and fingerprints (NULL: no hello) */
    td_starttls *stls;                     /* heap: the STARTTLS dialogue (NULL: none recognised) */
    td_proxy proxy;                        /* an HTTP CONNECT before TLS (tls_http_connect.c) */
    uint8_t *quic_tp[2];                   /* heap: QUIC transport parameters as sent (ClientHello, and
                                              EncryptedExtensions read with a key log); NULL: none */
    uint16_t quic_tp_len[2];
} td_tls;
#define TD_QUIC_TP_MAX 2048                /* transport-parameter bytes kept per side */

/* Were this connection's protected records read with a key log? */
static inline bool td_tls_decrypted(const td_tls *s) { return s->dec && s->dec->decrypted; }

typedef enum td_close { TD_CLOSE_NONE = 0, TD_CLOSE_FIN, TD_CLOSE_RST } td_close;
typedef enum td_closer { TD_BY_NONE = 0, TD_BY_CLIENT, TD_BY_SERVER } td_closer;

typedef struct td_tcp {
    bool syn_seen, synack_seen;
    bool handshake;                        /* SYN, SYN-ACK and ACK all seen */
    bool midstream;                        /* no SYN: the connection started before the capture */
    uint32_t syn_retransmits;
    uint8_t close;                         /* td_close: how it ended */
    uint8_t closed_by;                     /* td_closer: who sent the first FIN or the RST */
    bool fin[2];
    uint8_t rst_from;
    bool ooo_cap_hit;                      /* out-of-order buffer overflowed */
    uint8_t syn_ttl[2];                    /* IP TTL (hop limit) of the SYN and of the SYN-ACK; 0: unseen */
    uint16_t mss[2];                       /* MSS option of the SYN and of the SYN-ACK; 0: none */
    uint8_t wscale[2];                     /* window scale option + 1 (0: none) */
    uint64_t fin_packet[2];
    uint64_t rst_packet;
    uint64_t bytes[2];                     /* TCP payload bytes per direction, as delivered in order */
    uint32_t gaps[2];                      /* holes that never filled */
    uint64_t gap_bytes[2];
    uint32_t retransmits[2];
    uint32_t packets[2];
} td_tcp;

/* What the path did to the connection's segments (analyzer/flow/tcp_path.c): sizes, retransmissions,
 * acknowledgements, the ClientHello's segments, resets and TTLs.  td_transcript.path, heap, made with
 * the connection's first payload byte; NULL for one that carried none. */
typedef struct td_path {
    uint8_t ttl_min[2], ttl_max[2];        /* TTL of each side's packets but its resets (0: none seen) */
    uint16_t ip_id_last[2];                /* IPv4 ID of each side's last packet but its resets */
    bool ip_id_varies[2];                  /* ... and whether it ever changed (0 on every packet: DF senders) */
    /* The first reset: its sender's TTL and IPv4 ID, when, and packets that side sent after it. */
    bool rst_seen;
    bool rst_bare;                         /* ... without the ACK bit: a TCP's answer to a segment of a
                                              connection it does not have (RFC 9293 3.10.7.1) */
    uint8_t rst_ttl;
    uint16_t rst_ip_id;
    double rst_ts;
    uint32_t after_rst[2];                 /* packets each side sent after the first reset */
    uint32_t data_after_rst[2];            /* ... of them with payload the peer had not acknowledged */
    /* Data segments per direction. */
    uint32_t segs[2];                      /* data segments (retransmissions included) */
    uint32_t max_seg[2];                   /* the largest payload seen */
    double last_data_ts[2];                /* when each side's last data segment came */
    uint32_t big_segs[2];                  /* full-size ones: at least the peer's MSS less 64, and 1000 B */
    uint32_t big_retx[2];                  /* full-size retransmissions whose bytes the peer had not acknowledged */
    uint32_t small_acked[2];               /* smaller segments the peer acknowledged (or SACKed) */
    uint64_t first_big_retx_packet[2], last_big_retx_packet[2];
    uint32_t stuck_seq[2];                 /* sequence number of the first full-size segment retransmitted unacknowledged */
    bool acked_past_stuck[2];              /* ... and the peer acknowledged past it later */
    uint32_t isn[2];                       /* first sequence number of each direction's data */
    bool isn_known[2];
    uint32_t high_ack[2];                  /* the highest acknowledgement the peer sent for dir's bytes */
    uint64_t high_ack_packet[2];           /* ... the packet that first carried it */
    bool ack_seen[2];
    uint32_t sack_high[2];                 /* the highest right edge the peer SACKed for dir's bytes */
    bool sack_seen[2];
    uint32_t dup_acks[2];                  /* the peer's acknowledgements repeating its highest, no data */
    uint32_t zero_windows[2];              /* packets advertising a zero window, per sender */
    uint32_t ooo_segs[2];                  /* segments that arrived ahead of a hole */
    uint64_t first_ooo_packet[2];          /* ... the first of them */
    uint64_t first_data_after_rst[2];      /* the first packet with payload each side sent after the first reset */
    /* After a full-size retransmission: the peer still alive, the same segment sent again and again. */
    uint32_t stuck_retx[2];                /* retransmissions of the segment at stuck_seq itself */
    uint32_t peer_after_retx[2];           /* packets dir's peer sent after dir's first full-size retransmission */
    double first_big_retx_ts[2];
    /* The largest of dir's segments the peer acknowledged: a few unacknowledged segments kept (ends and
     * sizes; the newest merged when full), each counted once an acknowledgement covers its end, or a
     * SACK block ends where it does (a single segment only). */
    uint32_t fl_end[2][8];
    uint16_t fl_len[2][8];
    uint8_t fl_n[2];
    uint8_t fl_merged[2];                  /* bit i: place i holds merged segments */
    uint32_t acked_seg_max[2];
    /* What dir's sender showed it had sent (the end of its data, a FIN or a bare ACK's sequence number)
     * against what arrived here in order: bytes sent that never arrived. */
    uint32_t claim_high[2];                /* the highest sequence number dir's packets showed */
    uint64_t claim_packet[2];              /* the packet that first showed it past what had arrived */
    uint32_t delivered[2];                 /* the next byte expected in order after dir's last packet */
    bool claim_known[2], delivered_known[2];
    uint32_t first_ooo_seq[2];             /* the first segment that arrived past a hole: its sequence number */
    uint32_t first_ooo_hole[2];            /* ... and the bytes missing before it */
    /* A stall the connection lived through: when the peer first acknowledged past the stuck full-size
     * segment (at the sender), and the longest a hole in dir's data stayed open before it filled (at the
     * receiver; the packet that filled it). */
    double unstuck_ts[2];
    bool hole_open[2];
    uint32_t hole_end[2];
    double hole_open_ts[2], longest_hole_s[2];
    uint64_t longest_hole_packet[2];
    /* The ClientHello's TCP life: its first record (header included), the segments that carried it. */
    uint32_t ch_len;                       /* 0: the client's first bytes are not a handshake record */
    uint32_t ch_start;                     /* its first byte's sequence number */
    uint32_t ch_segs, ch_retx;             /* segments carrying it the first time, and again */
    uint32_t ch_got;                       /* its bytes seen in order here */
    uint64_t ch_first_packet, ch_last_packet, ch_last_retx_packet;
    double ch_ts, ch_last_retx_ts;
} td_path;

typedef struct td_endpoint {
    char ip[46];                           /* text form */
    uint16_t port;
} td_endpoint;

typedef struct td_transcript {
    uint64_t id;                           /* 1-based, in order of first packet, per run */
    const char *file;                      /* input name (not owned) */
    uint64_t first_packet, last_packet;
    double start, end;                     /* seconds since the epoch */
    double capture_end;                    /* time of the input's last packet when this ended */
    bool roles_guessed;                    /* no SYN: roles from the port or the ClientHello */
    bool on_tls_port;                      /* server port is one of --ports */
    bool evicted;                          /* ended by --max-connections */
    bool idle_timeout;                     /* ended by --idle-timeout */
    bool capture_drops;                    /* the kernel dropped packets while this was open */
    td_tcp tcp;
    td_event *events;                      /* heap, grown on demand up to TD_MAX_EVENTS */
    size_t n_events, cap_events;
    size_t n_events_dropped;
    /* The rest is the engine's to allocate late (analyzer/flow/conn_lifetimes.c): an open connection has none
     * of it until its first TLS byte, and the endpoints' text is written when it ends. */
    td_endpoint client, server;
    td_tls tls;
    td_quic *quic;                         /* heap: QUIC's transport facts (NULL: a TCP connection) */
    td_path *path;                         /* heap: what the path did to TCP's segments (NULL: no payload) */
} td_transcript;

/* Append a ladder event; coalesces consecutive application-data records (and encrypted SSLv2
 * records) of one direction. */
void td_transcript_event(td_transcript *t, td_ev_kind kind, int dir, int sub, uint32_t len,
                         uint64_t packet, double ts);
/* Free what the transcript owns (strings, certificates); the struct itself is the caller's. */
void td_transcript_clear(td_transcript *t);
void td_cert_clear(td_cert *c);

#endif
