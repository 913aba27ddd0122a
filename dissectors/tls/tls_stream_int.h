/* tls_stream_int.h - the state of one connection's TLS streams, shared by the record layer's files.
 *
 * tls_stream.c runs each direction through its states (dir_state); the files below it each do
 * one job on this state, and calls run one way, down this list:
 *   tls_records.c               a stream in step with its records: headers, and where bodies go
 *   tls_http_connect.c          an HTTP proxy's CONNECT and its answer before TLS
 *   tls_starttls.c              a stream that does not begin as TLS (plaintext, STARTTLS)
 *   tls_sslv2.c                 SSLv2 records (and the SSLv2 messages)
 *   tls_resync.c                the next record header, after the framing was lost
 *   tls_handshake_reassembly.c  handshake messages put together from record bodies
 *   tls_record_keys.c           the keys from the key log, and the records that wait for them
 *   tls_alerts_heartbeats.c     alert and heartbeat records
 * (tls_record_keys.c hands records back up through dec_state.sink.) */
#ifndef TLSDIAG_TLS_STREAM_INT_H
#define TLSDIAG_TLS_STREAM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissectors/cursor.h"
#include "dissectors/dissect.h"
#include "dissectors/starttls/starttls.h"
#include "dissectors/tls/tls_int.h"
#include "dissectors/tls/tls_record_keys_int.h"
#include "include/transcript.h"

#define SNIFF_BYTES 256                 /* bytes shown to the plaintext recogniser */
#define ALERT_BUF 16                    /* a plaintext alert record: at most 8 alerts back to back */
#define PROXY_LINE_MAX 512              /* an HTTP CONNECT's request or status line kept */
#define PROXY_HEADERS_MAX (16 * 1024)   /* ... its headers read before the direction is given up */
#define HB_HEADER 3                     /* HeartbeatMessage: type, u16 payload_length */

enum { RM_NONE, RM_APPDATA, RM_OPAQUE };  /* what a record's body counts towards */

/* ST_SSLV2: an SSLv2 hello record (or the server's ERROR) being assembled at the start of a
 * stream; ST_SSLV2_RECORDS: the rest of an SSLv2 session (CLIENT-MASTER-KEY, ERROR, then
 * encrypted records). */
typedef enum { ST_START, ST_TLS, ST_SSLV2, ST_SSLV2_RECORDS, ST_RESYNC, ST_PLAINTEXT, ST_DEAD,
               ST_PROXY } dir_state;            /* ST_PROXY: an HTTP CONNECT or its answer (tls_http_connect.c) */

typedef struct dir_parser {
    /* What every packet reads, first: in one or two cache lines. */
    dir_state state;
    uint8_t hdr[5];                      /* record header (or first bytes at ST_START) so far */
    uint8_t rtype;                       /* current record */
    bool rkeep;                          /* body goes to the handshake or alert parser */
    uint8_t rmode;                       /* what the current record's body counts towards (RM_*) */
    bool rdec;                           /* the current record is being buffered to be decrypted */
    size_t hdr_have;
    size_t rlen, rleft;
    size_t ridx;                         /* ... 1 + its index in tls.records, 0 if not kept */
    size_t rbody;                        /* ... its body bytes seen but not yet counted (tls_record_flush) */
    uint8_t alert[ALERT_BUF];            /* plaintext alert record body so far */
    size_t alert_have;
    uint8_t hb[HB_HEADER];               /* plaintext heartbeat message header so far */
    size_t hb_have;
    uint8_t hshdr[4];                    /* handshake message header so far */
    size_t hshdr_have;
    uint8_t *hsbuf;                      /* handshake message body being assembled */
    size_t hslen, hshave, hscap;
    size_t hsskip;                       /* bytes left of an over-cap message being skipped */
    bool hs_lost;                        /* a gap broke handshake framing: wait for a new record */
    bool after_fatal;                    /* this side sent a fatal alert: a later handshake record is protected */
    uint8_t *v2buf;                      /* SSLv2 record being assembled (a hello, or a clear one later) */
    size_t v2len, v2have;
    bool v2_encrypted;                   /* SSLv2: this direction's records are now encrypted */
    size_t plaintext_seen;               /* bytes searched for a hello after plaintext */
    uint8_t *sniff;                      /* start of a plaintext stream, until its first line is whole */
    size_t sniff_have;
    uint8_t *pline;                      /* HTTP CONNECT: a line of the request or answer (PROXY_LINE_MAX) */
    size_t pline_have, pline_cur;        /* ... bytes kept; bytes on the header line being read */
    size_t phdr_bytes;                   /* ... bytes of this request's or answer's head */
    uint64_t pbody;                      /* ... Content-Length of a refusal, left to skip */
    bool pbody_known;
    uint8_t pphase;                      /* ... line, headers, body */
    uint16_t pcode;                      /* ... status of the answer being read */
    uint64_t pstart_packet;              /* ... packet and time its first line began in */
    double pstart_ts;
} dir_parser;


struct td_tls_stream {
    td_transcript *t;
    td_x509_cache *x509;                 /* certificate summaries (not owned; may be NULL) */
    td_fp_memo *fp;                      /* the fingerprints' digests (not owned; may be NULL) */
    bool v2_session;                     /* the server answered in SSLv2: both streams are SSLv2 */
    bool replaying;                      /* a record that could not be decrypted goes the usual way */
    bool replaying_early;                /* ... and it is 0-RTT data held until the ServerHello: it
                                            counts as it would have then (data, not a TLS 1.3 record) */
    dir_parser d[2];
    dec_state *dec;                      /* only with a key log (tls_record_keys_int.h) */
    td_stls_parser *stls;                /* the plaintext dialogue before STARTTLS (NULL: none yet) */
    bool stls_tried;                     /* ... a reader was started (and may have given up since) */
};

/* ---- tls_records.c ---------------------------------------------------------------------------- */
/* Read records from c while the direction is in step (ST_TLS, and not an SSLv2 session). */
void tls_records_feed(td_tls_stream *s, int dir, cursor *c, uint64_t packet, double ts);
/* A record header h (plausible) has been read: decide what to do with its body. */
void tls_record_start(td_tls_stream *s, int dir, const uint8_t *h, uint64_t packet, double ts);
/* Count the body bytes of the current record seen so far (before leaving it). */
void tls_record_flush(td_tls_stream *s, int dir);
/* Count a held record that was not opened as the parser counts any protected record. */
void tls_record_replay(td_tls_stream *s, int dir, dec_rec *r, bool whole);
extern const tls_record_sink tls_records_sink;

/* ---- tls_http_connect.c ----------------------------------------------------------------------- */
/* Do the 5 first bytes h5 of this direction begin a CONNECT (client) or its answer (server)? */
bool tls_proxy_begins(const td_tls_stream *s, int dir, const uint8_t *h5);
/* ST_START saw them in d->hdr: read them as the start of the request or answer.  False if out of memory. */
bool tls_proxy_enter(td_tls_stream *s, int dir, uint64_t packet, double ts);
/* ST_PROXY: the request or answer.  False when c is used up (or the direction is given up). */
bool tls_proxy_step(td_tls_stream *s, int dir, cursor *c, uint64_t packet, double ts);

/* ---- tls_starttls.c, tls_sslv2.c, tls_resync.c ------------------------------------------------ */
/* The stream began with the nfirst bytes `first`, which are not TLS (nrest more came with them). */
void tls_not_tls(td_tls_stream *s, int dir, const uint8_t *first, size_t nfirst, size_t nrest,
                 uint64_t packet, double ts);
/* ST_PLAINTEXT: search c for a hello.  False when c is used up (the rest is for later). */
bool tls_plaintext_step(td_tls_stream *s, int dir, cursor *c, uint64_t packet);
/* ST_START saw an SSLv2 hello of v2 bytes (header included) in d->hdr.  False if out of memory. */
bool tls_sslv2_begin(td_tls_stream *s, int dir, size_t v2, uint64_t packet, double ts);
/* ST_SSLV2: assemble the hello.  False when c is used up. */
bool tls_sslv2_hello_step(td_tls_stream *s, int dir, cursor *c, uint64_t packet, double ts);
/* ST_SSLV2_RECORDS: the records after the hellos. */
void tls_sslv2_feed(td_tls_stream *s, int dir, cursor *c, uint64_t packet, double ts);
/* A record header that makes no sense: note it, and look for the next (from h + 1). */
void tls_bad_header(td_tls_stream *s, int dir, const uint8_t *h, uint64_t packet, double ts);
/* ST_RESYNC: search c for a record header.  False when c is used up. */
bool tls_resync_step(td_tls_stream *s, int dir, cursor *c);
/* Keep the last bytes seen (at most max <= 5) in d->hdr: a header may straddle deliveries. */
void tls_keep_tail(dir_parser *d, const uint8_t *p, size_t n, size_t max);
/* Does `find` see a header that starts in the tail kept in d->hdr?  Then keep it from there. */
bool tls_straddling(dir_parser *d, const cursor *c, size_t (*find)(const uint8_t *, size_t, int), int dir);

/* ---- tls_handshake_reassembly.c, tls_alerts_heartbeats.c --------------------------------------- */
void tls_hs_reset(dir_parser *d);
/* Handshake-record body bytes (in the clear) of direction dir: read off the wire (`wire`), or
 * decrypted.  False when wire bytes cannot be a handshake message in the clear (a protected
 * record): the message being put together is dropped, and the rest of the record is not for here. */
bool tls_hs_feed(td_tls_stream *s, int dir, const uint8_t *data, size_t n, bool wire, uint64_t packet, double ts);
void tls_add_alert(td_tls_stream *s, int dir, uint8_t level, uint8_t code, bool encrypted,
                   uint64_t packet, double ts);
/* Does an alert record's body (n bytes) hold alerts in the clear? */
bool tls_plausible_alerts(const uint8_t *a, size_t n);
/* A heartbeat record (hdr: the first `have` bytes of its message, if in the clear). */
void tls_add_heartbeat(td_tls_stream *s, int dir, const uint8_t *hdr, size_t have, bool encrypted,
                       uint64_t packet, double ts);

#endif
