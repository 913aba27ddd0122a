/* fuzz_quic_conn.c - one QUIC connection (dissectors/quic/quic.h) fed a sequence of hostile datagrams both ways, with a key log, then ended, classified, reported and freed.
 *
 * Input: records of a 2-byte big-endian length, a direction byte (bit 0: 0 client to server, 1
 * server to client; bit 7 of the first record's: run without the key log) and that many bytes (cut
 * to what is left), each handed to td_quic_conn_datagram as one UDP datagram.  The key log holds
 * secrets for the client random of RFC 9001 A.2's ClientHello (so a ServerHello after it makes the
 * connection look its Handshake and 1-RTT keys up and try them) and every NAME.keys in samples/quic
 * (TD_FUZZ_QUIC_KEYS), whose captures make_seeds.py cuts into seeds: with those, real Handshake and
 * 1-RTT packets open.  After each datagram the connection's accessors run and its memory is
 * checked against a bound; at the end the td_quic counters are checked against the datagrams
 * (abort() on a broken contract), then the transcript goes through the classifier and both reports. */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/quic/quic.h"
#include "dissectors/tls/keylog.h"
#include "fuzz_common.h"

#ifndef TD_FUZZ_QUIC_KEYS
#define TD_FUZZ_QUIC_KEYS "samples/quic"         /* a directory of NAME.keys files */
#endif

/* Bytes a connection may hold: 6 CRYPTO windows of 64 KiB, 16 waiting packets of about 2 KiB,
 * and the TLS handshake parser's budget (TD_HS_BUDGET) with room to spare. */
#define BUFFERED_MAX (6 * 65536 + 16 * 4096 + 2 * TD_HS_BUDGET)
#define PACKETS_PER_DATAGRAM 64                  /* quic_conn.c's MAX_PACKETS_PER_DATAGRAM */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static td_keylog *keys;                          /* kept for the life of the process */

/* RFC 9001 A.2's client random, with a secret of each kind QUIC uses. */
static const char a2_lines[] =
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c "
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\n"
    "SERVER_HANDSHAKE_TRAFFIC_SECRET ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c "
    "505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f\n"
    "CLIENT_TRAFFIC_SECRET_0 ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c "
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f\n"
    "SERVER_TRAFFIC_SECRET_0 ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c "
    "707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f\n";

static void load_keys_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".keys") != 0) continue;
        static char text[65536];
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        size_t got = fread(text, 1, sizeof text, f);
        fclose(f);
        td_keylog_add_text(keys, text, got, path);
    }
    if (d) closedir(d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_classifier();
    keys = td_keylog_new();
    if (!keys) abort();
    if (td_keylog_add_text(keys, a2_lines, sizeof a2_lines - 1, "a2") != 4) abort();
    load_keys_dir(TD_FUZZ_QUIC_KEYS);
    if (td_keylog_count(keys) <= 4)
        fprintf(stderr, "fuzz_quic_conn: no key logs in %s: the samples' Handshake packets stay shut\n", TD_FUZZ_QUIC_KEYS);
    return 0;
}

/* The transcript as the engine sets one up for a QUIC connection. */
static void quic_transcript(td_transcript *t)
{
    memset(t, 0, sizeof *t);
    t->id = 1;
    t->file = "fuzz";
    t->start = t->end = 1700000000.0;
    strcpy(t->client.ip, "192.0.2.1");
    t->client.port = 50000;
    strcpy(t->server.ip, "192.0.2.2");
    t->server.port = 443;
    t->on_tls_port = true;
}

static void check_cids(const td_quic_conn *q, const uint8_t *d, size_t n)
{
    for (int dir = 0; dir < 2; dir++) {
        int l = td_quic_conn_cid_len(q, dir);
        if (l < -1 || l > TD_QUIC_CID_MAX) abort();
        if (n > 1) (void)td_quic_conn_owns_cid(q, dir, d + 1, n - 1);
    }
}

/* The counters' contract: what was counted came from the datagrams given. */
static void check_counts(const td_quic *f, const uint32_t datagrams[2], const uint64_t bytes[2])
{
    for (int d = 0; d < 2; d++) {
        uint64_t packets = (uint64_t)f->initials[d] + f->handshakes[d] + f->zero_rtt[d] + f->short_packets[d];
        if (f->datagrams[d] != datagrams[d] || f->bytes[d] != bytes[d]) abort();
        if (packets > (uint64_t)PACKETS_PER_DATAGRAM * datagrams[d] || f->undecryptable[d] > packets) abort();
        if (f->coalesced[d] > datagrams[d] || f->one_rtt[d] != (f->short_packets[d] > 0)) abort();
        if (f->close_reason[d][sizeof f->close_reason[d] - 1] != '\0') abort();
    }
    if (f->n_vn_versions > TD_QUIC_MAX_VERSIONS || f->odcid.len > TD_QUIC_CID_MAX ||
        f->client_cid.len > TD_QUIC_CID_MAX || f->server_cid.len > TD_QUIC_CID_MAX)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    td_transcript t;
    quic_transcript(&t);
    bool keyless = size >= 3 && (data[2] & 0x80);
    td_quic_conn *q = td_quic_conn_new(&t, NULL, keyless ? NULL : keys);
    if (!q) abort();
    uint32_t datagrams[2] = { 0, 0 };
    uint64_t bytes[2] = { 0, 0 }, packet = 0;
    for (size_t pos = 0; pos + 3 <= size;) {
        size_t n = (size_t)data[pos] << 8 | data[pos + 1];
        int dir = data[pos + 2] & 1;
        pos += 3;
        if (n > size - pos) n = size - pos;
        packet++;
        t.last_packet = packet;
        t.end = t.start + 0.01 * (double)packet;
        td_quic_conn_datagram(q, dir, data + pos, n, packet, t.end);
        datagrams[dir]++;
        bytes[dir] += n;
        check_cids(q, data + pos, n);
        if (td_quic_conn_buffered(q) > BUFFERED_MAX) abort();
        pos += n;
    }
    if (packet) t.first_packet = 1;
    t.capture_end = t.end + 5.0;
    td_quic_conn_end(q);
    check_counts(t.quic, datagrams, bytes);
    fuzz_report(&t);
    td_quic_conn_free(q);
    td_transcript_clear(&t);
    return 0;
}
