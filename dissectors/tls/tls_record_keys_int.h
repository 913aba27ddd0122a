/* tls_record_keys_int.h - decryption state of one connection (only with a key log): the keys,
 * the record being read to be opened, and the records held until the keys come.
 * (tls_record_keys.c; shared with the record layer's files, see tls_stream_int.h.) */
#ifndef TLSDIAG_TLS_RECORD_KEYS_INT_H
#define TLSDIAG_TLS_RECORD_KEYS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissectors/dissect.h"
#include "dissectors/tls/keylog.h"
#include "dissectors/tls/tls_decrypt.h"

/* A protected record held to be opened. */
typedef struct dec_rec {
    uint8_t dir;
    uint8_t hdr[5];
    uint8_t *buf;                        /* the record body, at most REC_MAX_LEN */
    size_t have;
    uint64_t packet;
    double ts;
    bool early;                          /* came before the ServerHello: 0-RTT early data */
} dec_rec;

/* Where the key lookup (below the record layer) hands back a record it held: opened, its content
 * in the clear; or not opened (no keys, failed authentication; whole: not cut short), to be
 * counted as any protected record.  The record layer's two entry points (tls_records.c). */
typedef struct tls_record_sink {
    void (*opened)(td_tls_stream *s, int dir, uint8_t type, const uint8_t *p, size_t n, uint64_t packet, double ts);
    void (*unopened)(td_tls_stream *s, int dir, dec_rec *r, bool whole);
} tls_record_sink;

/* Decryption with a key log: only allocated when one was given (tls_record_keys.c). */
typedef struct dec_state {
    td_keylog *keylog;                   /* learns the master secrets of TLS 1.2 sessions */
    uint8_t client_random[32];
    bool have_random, tried;
    uint8_t *ticket;                     /* the session ticket the ClientHello offered (heap) */
    size_t ticket_len;
    uint8_t server_random[32];
    bool server_hello, etm;              /* the ServerHello parsed (and accepted encrypt_then_mac) */
    size_t keys_seen;                    /* secrets in the key log when it was last looked at */
    uint32_t missed[2];                  /* protected records that went by without keys */
    td_tlsdec *k;                        /* NULL until the ServerHello, or when there are no keys */
    dec_rec rec[2];                      /* the record being read, per direction */
    /* Live: the client writes its key log after the packets that need it may have gone by, so
     * the protected records of a connection without keys are held (in order) until its keys come
     * or the cap is hit, the connection ends, or the wait is given up. */
    bool wait;
    dec_rec *pending;
    size_t n_pending;
    const tls_record_sink *sink;         /* the record layer's entry points */
} dec_state;

/* Handshake messages the key lookup reads: the ClientHello's session ticket, a TLS 1.2
 * NewSessionTicket, the ServerHello (then the key log is looked up). */
void tls_dec_client_hello(td_tls_stream *s, const uint8_t *body, size_t len);
void tls_dec_ticket(td_tls_stream *s, const uint8_t *body, size_t len);
void tls_dec_server_hello(td_tls_stream *s, const uint8_t *body, size_t len);
/* Is the record whose header was just read one to open?  Then it is read with tls_dec_begin,
 * tls_dec_body and tls_dec_end instead of the usual way. */
bool tls_dec_wants(td_tls_stream *s, int dir);
void tls_dec_begin(td_tls_stream *s, int dir, const uint8_t *h, uint64_t packet, double ts);
void tls_dec_body(td_tls_stream *s, int dir, const uint8_t *p, size_t n);
void tls_dec_end(td_tls_stream *s, int dir);
/* No keys will come for the records held: they go the usual way. */
void tls_dec_give_up(td_tls_stream *s);

#endif
