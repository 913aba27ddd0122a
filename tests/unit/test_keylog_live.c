/* test_keylog_live.c - a key log that grows while the capture goes on (live --keylog): every
 * record is opened whenever each side's secrets arrive, before, during or after the connection.
 *
 * A real TLS 1.3 capture (samples/tls13-ok.pcap, OpenSSL client and server) is fed frame by frame
 * through the engine, and its key log's lines are added at every pair of points: the server's
 * secrets after frame a, the client's after frame b.  OpenSSL's client writes the server's
 * secrets first and its own after the server's Finished; read between the two, the decryptor
 * once had keys for the server's side only and never got the client's (a live test failed now
 * and then for that).  Each reading must open as many records on each side as the whole key
 * log given at the start does, with no failure, and read the request and the answer. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "analyzer/capture/source.h"
#include "analyzer/flow/engine.h"
#include "dissectors/tls/keylog.h"

#define CAPTURE "samples/tls13-ok.pcap"
#define KEYLOG "samples/keylog/tls13-ok.keylog"
#define MAX_FRAMES 64

typedef struct frames {
    uint8_t *data[MAX_FRAMES];
    td_frame f[MAX_FRAMES];
    size_t n;
    int linktype;
} frames;

typedef struct seen {
    int conns;
    uint32_t opened[2], failed[2];
    bool request, answer;
} seen;

static void on_conn(void *ctx, td_transcript *t)
{
    seen *s = ctx;
    s->conns++;
    if (t->tls.dec) {
        for (int d = 0; d < 2; d++) {
            s->opened[d] += t->tls.dec->records[d];
            s->failed[d] += t->tls.dec->failed[d];
        }
        s->request = t->tls.dec->app_first[TD_C2S] && strncmp(t->tls.dec->app_first[TD_C2S], "GET ", 4) == 0;
        s->answer = t->tls.dec->app_first[TD_S2C] && strncmp(t->tls.dec->app_first[TD_S2C], "HTTP/", 5) == 0;
    }
}

static bool load_frames(frames *fr)
{
    char err[256];
    td_source *src = td_source_open_file(CAPTURE, err, sizeof err);
    if (!src) return false;
    fr->linktype = td_source_linktype(src);
    td_frame f;
    while (fr->n < MAX_FRAMES && td_source_next(src, &f, err, sizeof err) == 1) {
        fr->data[fr->n] = malloc(f.caplen);
        memcpy(fr->data[fr->n], f.data, f.caplen);
        fr->f[fr->n] = f;
        fr->f[fr->n].data = fr->data[fr->n];
        fr->n++;
    }
    td_source_close(src);
    return fr->n > 0;
}

/* The key log's lines, split by whose secrets they are (the labels that start CLIENT_ are the
 * client's; SERVER_ and EXPORTER_ go with the server's). */
static bool load_keylog(char *client, char *server, size_t cap)
{
    FILE *fp = fopen(KEYLOG, "r");
    if (!fp) return false;
    char line[512];
    size_t nc = 0, ns = 0;
    client[0] = server[0] = '\0';
    while (fgets(line, sizeof line, fp)) {
        size_t n = strlen(line);
        bool mine = strncmp(line, "CLIENT_", 7) == 0 && strncmp(line, "CLIENT_RANDOM", 13) != 0;
        char *to = mine ? client : server;
        size_t *at = mine ? &nc : &ns;
        if (*at + n + 1 > cap) break;
        memcpy(to + *at, line, n + 1);
        *at += n;
    }
    fclose(fp);
    return nc > 0 && ns > 0;
}

/* Feed the capture; the server's lines after frame a, the client's after frame b (0: before the
 * first frame; n: after the last, before the end of the input). */
static seen read_with(const frames *fr, const char *client, const char *server, size_t a, size_t b)
{
    seen s = { 0 };
    td_engine_config cfg = { 0 };
    cfg.tls_ports.port[0] = 443;
    cfg.tls_ports.n = 1;
    td_engine *e = td_engine_new(&cfg, true, on_conn, &s);
    td_keylog *k = td_keylog_new();
    td_engine_set_keylog(e, k, true);
    td_engine_begin_file(e, "live", fr->linktype);
    for (size_t i = 0; i <= fr->n; i++) {
        if (i == a) td_keylog_add_text(k, server, strlen(server), "server's lines");
        if (i == b) td_keylog_add_text(k, client, strlen(client), "client's lines");
        if (i < fr->n) td_engine_frame(e, &fr->f[i], i + 1);
    }
    td_engine_end_file(e);
    td_engine_free(e);
    td_keylog_free(k);
    return s;
}

TEST(keys_at_every_point)
{
    static char client[8192], server[8192];
    frames fr = { 0 };
    if (!load_frames(&fr) || !load_keylog(client, server, sizeof client)) {
        printf("    cannot read %s or %s (run from the top directory)\n", CAPTURE, KEYLOG);
        CHECK(0);
        return;
    }
    /* The reference: every secret known from the start. */
    seen all = read_with(&fr, client, server, 0, 0);
    CHECK(all.conns == 1);
    CHECK(all.opened[0] > 0 && all.opened[1] > 0);
    CHECK(all.request && all.answer);
    size_t bad = 0;
    for (size_t a = 0; a <= fr.n; a++) {
        for (size_t b = 0; b <= fr.n; b++) {
            seen s = read_with(&fr, client, server, a, b);
            bool ok = s.conns == 1 && s.opened[0] == all.opened[0] && s.opened[1] == all.opened[1] &&
                      s.failed[0] == 0 && s.failed[1] == 0 && s.request && s.answer;
            if (!ok && bad++ < 5)
                printf("    server's secrets after frame %zu, client's after frame %zu: opened %u/%u (want %u/%u), "
                       "failed %u/%u, request %d, answer %d\n", a, b, s.opened[0], s.opened[1], all.opened[0],
                       all.opened[1], s.failed[0], s.failed[1], s.request, s.answer);
        }
    }
    CHECK(bad == 0);
    for (size_t i = 0; i < fr.n; i++) free(fr.data[i]);
}

int main(void)
{
    RUN(keys_at_every_point);
    return check_done();
}
