/* fuzz_tls_stream.c - the TLS stream parser (td_tls_stream_*) on two byte streams, then the
 * classifier and both reports on the transcript it made.
 *
 * Input: one flags byte, then operations until the input ends:
 *   flags     bit 0: connection picked up mid-stream (no SYN); bit 1: TCP handshake seen;
 *             bit 2: closed by a client FIN; bit 3: reset by the server
 *   op byte   bit 0: direction (0 client->server, 1 server->client); bit 1: 0 data, 1 gap
 *   data      u16 length (big-endian), then that many bytes (fewer if the input ends)
 *   gap       u16 count of missing bytes (0: unknown)
 * Each operation is one "packet" (numbered from 1, 10 ms apart).  make_seeds.py writes the
 * reassembled TCP payloads of the sample captures in this form. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dissect.h"
#include "fuzz_common.h"
#include "transcript.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_classifier();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    td_transcript t;
    memset(&t, 0, sizeof t);
    t.id = 1;
    t.file = "fuzz";
    t.start = 1700000000.0;
    strcpy(t.client.ip, "192.0.2.1");
    t.client.port = 50000;
    strcpy(t.server.ip, "192.0.2.2");
    t.server.port = 443;
    t.on_tls_port = true;
    uint8_t flags = data[0];
    t.tcp.midstream = flags & 1;
    t.roles_guessed = flags & 1;
    if (flags & 2) t.tcp.syn_seen = t.tcp.synack_seen = t.tcp.handshake = true;
    td_tls_stream *s = td_tls_stream_new(&t);
    if (!s) return 0;

    size_t pos = 1;
    uint64_t packet = 0;
    while (pos < size) {
        uint8_t op = data[pos++];
        int dir = op & 1;
        size_t n = 0;
        if (pos < size) n = (size_t)data[pos++] << 8;
        if (pos < size) n |= data[pos++];
        packet++;
        double ts = t.start + (double)packet * 0.01;
        t.last_packet = packet;
        t.end = ts;
        t.tcp.packets[dir]++;
        if (op & 2) {
            t.tcp.gaps[dir]++;
            t.tcp.gap_bytes[dir] += n;
            td_tls_stream_gap(s, dir, n, packet, ts);
        } else {
            if (n > size - pos) n = size - pos;
            t.tcp.bytes[dir] += n;
            td_tls_stream_data(s, dir, data + pos, n, packet, ts);
            pos += n;
        }
        (void)td_tls_stream_settled(s);
        (void)td_tls_stream_buffered(s);
    }
    if (packet) t.first_packet = 1;
    if (flags & 4) {
        t.tcp.fin[TD_C2S] = true;
        t.tcp.close = TD_CLOSE_FIN;
        t.tcp.closed_by = TD_BY_CLIENT;
    } else if (flags & 8) {
        t.tcp.close = TD_CLOSE_RST;
        t.tcp.closed_by = TD_BY_SERVER;
        t.tcp.rst_from = TD_S2C;
        t.tcp.rst_packet = packet;
        td_transcript_event(&t, TD_EV_RST, TD_S2C, 0, 0, packet, t.end);
    }
    td_tls_stream_free(s);
    fuzz_report(&t);
    td_transcript_clear(&t);
    return 0;
}
