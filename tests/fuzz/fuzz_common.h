/* fuzz_common.h - what the libFuzzer harnesses share: one classifier (trust anchors loaded once)
 * and one report sink on /dev/null.  Harnesses use the public headers only (include/). */
#ifndef TLSDIAG_FUZZ_COMMON_H
#define TLSDIAG_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/diagnose/classify.h"
#include "dissectors/dissect.h"
#include "analyzer/report/report.h"
#include "include/transcript.h"

#ifndef TD_FUZZ_CACERT
#define TD_FUZZ_CACERT "samples/ca/test-root-ca.pem"
#endif

/* Built once and kept for the life of the process (reachable, so not a leak).  The samples' test
 * root makes chains that verify reachable; without it the system store stands in. */
static td_classifier *fuzz_classifier(void)
{
    static td_classifier *c;
    if (!c) {
        char err[256];
        c = td_classifier_new(TD_FUZZ_CACERT, NULL, err, sizeof err);
        if (!c) c = td_classifier_new(NULL, NULL, err, sizeof err);
        if (!c) {
            fprintf(stderr, "fuzz: no classifier: %s\n", err);
            abort();
        }
    }
    return c;
}

static FILE *fuzz_devnull(void)
{
    static FILE *f;
    if (!f && !(f = fopen("/dev/null", "w"))) abort();
    return f;
}

/* Classify a finished transcript and write both reports (every formatting path) to /dev/null. */
static void fuzz_report(const td_transcript *t)
{
    td_result r;
    td_classify(fuzz_classifier(), t, &r);
    static td_json_memo *memo;     /* kept across inputs: both its miss and its hit paths run */
    if (!memo && !(memo = td_json_memo_new())) abort();
    td_json_connection(fuzz_devnull(), &r, 1, NULL);
    td_json_connection(fuzz_devnull(), &r, 1, memo);
    td_text_connection(fuzz_devnull(), &r, 2, true, 80);
    td_text_connection(fuzz_devnull(), &r, 1, false, 20);     /* narrow: wrapping on every line */
    (void)td_result_is_problem(&r);
}

/* The stream harnesses' input (fuzz_tls_stream.c, fuzz_decrypt.c): a flags byte (bit 0 midstream,
 * bit 1 TCP handshake seen, bit 2 client FIN, bit 3 server RST; the harness may use the others),
 * then operations: a byte (bit 0 direction, bit 1 gap), a 16-bit length, and for data that many
 * bytes.  The transcript is set up as the engine would set it up. */
static inline void fuzz_stream_transcript(td_transcript *t, uint8_t flags)
{
    memset(t, 0, sizeof *t);
    t->id = 1;
    t->file = "fuzz";
    t->start = 1700000000.0;
    strcpy(t->client.ip, "192.0.2.1");
    t->client.port = 50000;
    strcpy(t->server.ip, "192.0.2.2");
    t->server.port = 443;
    t->on_tls_port = true;
    t->tcp.midstream = flags & 1;
    t->roles_guessed = flags & 1;
    if (flags & 2) t->tcp.syn_seen = t->tcp.synack_seen = t->tcp.handshake = true;
}

/* Replay the operations after the flags byte through s, then close as the flags say and end s. */
static inline void fuzz_stream_replay(td_tls_stream *s, td_transcript *t, const uint8_t *data, size_t size)
{
    uint8_t flags = data[0];
    size_t pos = 1;
    uint64_t packet = 0;
    while (pos < size) {
        uint8_t op = data[pos++];
        int dir = op & 1;
        size_t n = 0;
        if (pos < size) n = (size_t)data[pos++] << 8;
        if (pos < size) n |= data[pos++];
        packet++;
        double ts = t->start + (double)packet * 0.01;
        t->last_packet = packet;
        t->end = ts;
        t->tcp.packets[dir]++;
        if (op & 2) {
            t->tcp.gaps[dir]++;
            t->tcp.gap_bytes[dir] += n;
            td_tls_stream_gap(s, dir, n, packet, ts);
        } else {
            if (n > size - pos) n = size - pos;
            t->tcp.bytes[dir] += n;
            td_tls_stream_data(s, dir, data + pos, n, packet, ts);
            pos += n;
        }
        (void)td_tls_stream_settled(s);
        (void)td_tls_stream_buffered(s);
    }
    if (packet) t->first_packet = 1;
    if (flags & 4) {
        t->tcp.fin[TD_C2S] = true;
        t->tcp.close = TD_CLOSE_FIN;
        t->tcp.closed_by = TD_BY_CLIENT;
    } else if (flags & 8) {
        t->tcp.close = TD_CLOSE_RST;
        t->tcp.closed_by = TD_BY_SERVER;
        t->tcp.rst_from = TD_S2C;
        t->tcp.rst_packet = packet;
        td_transcript_event(t, TD_EV_RST, TD_S2C, 0, 0, packet, t->end);
    }
    td_tls_stream_end(s);
}

#endif
