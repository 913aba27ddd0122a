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

#include "dissectors/dissect.h"
#include "fuzz_common.h"
#include "include/transcript.h"

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
    fuzz_stream_transcript(&t, data[0]);
    td_tls_stream *s = td_tls_stream_new(&t);
    if (!s) return 0;

    fuzz_stream_replay(s, &t, data, size);
    td_tls_stream_free(s);
    fuzz_report(&t);
    td_transcript_clear(&t);
    return 0;
}
