/* test_tls_stream_robustness.c - the TLS stream parser on hostile input: bad arguments, every
 * prefix of the standard flows, random byte flips, chunking and gaps, random garbage streams.
 *
 * Whatever comes in, the transcript stays sane (printable strings, lists within their caps) and
 * the buffered bytes bounded, never a crash (run the ASan build too). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tls_stream_fixture.h"

/* ---- robustness ---------------------------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

TEST(null_and_bad_arguments)
{
    fx f;
    fx_init(&f);
    td_tls_stream_data(f.s, 2, (const uint8_t *)"x", 1, 1, 1.0);
    td_tls_stream_data(f.s, -1, (const uint8_t *)"x", 1, 1, 1.0);
    td_tls_stream_data(f.s, 0, NULL, 10, 1, 1.0);
    td_tls_stream_data(f.s, 0, (const uint8_t *)"x", 0, 1, 1.0);
    td_tls_stream_gap(f.s, 5, 10, 1, 1.0);
    td_tls_stream_data(NULL, 0, (const uint8_t *)"x", 1, 1, 1.0);
    td_tls_stream_gap(NULL, 0, 10, 1, 1.0);
    td_tls_stream_free(NULL);
    CHECK(f.t.n_events == 0);
    CHECK(!f.t.tls.not_tls[0]);
    fx_free(&f);
}

TEST(every_prefix_and_byte_flips)
{
    flow fl = { 0 };
    tls12_flow(&fl);
    flow fl13 = { 0 };
    tls13_flow(&fl13);
    const flow *flows[2] = { &fl, &fl13 };
    int insane = 0;

    /* Every prefix of every step (the later steps not delivered). */
    for (int w = 0; w < 2; w++) {
        const flow *F = flows[w];
        for (int i = 0; i < F->n; i++) {
            for (size_t cut = 0; cut <= F->b[i].n; cut += (F->b[i].n > 2000 ? 7 : 1)) {
                fx f;
                fx_init(&f);
                for (int j = 0; j < i; j++) feedb(&f, F->dir[j], &F->b[j], (uint64_t)j + 1);
                feed(&f, F->dir[i], F->b[i].p, cut, (uint64_t)i + 1);
                if (!transcript_sane(&f.t)) insane++;
                fx_free(&f);
            }
        }
    }

    /* Random byte flips, random chunking, random gaps. */
    for (int iter = 0; iter < 2000; iter++) {
        const flow *F = flows[iter & 1];
        fx f;
        fx_init(&f);
        int flips = 1 + (int)(rnd() % 8);
        for (int i = 0; i < F->n; i++) {
            buf m = { 0 };
            putb(&m, &F->b[i]);
            for (int k = 0; k < flips; k++) {
                if (rnd() % 3 == 0) {
                    size_t pos = rnd() % m.n;
                    switch (rnd() % 4) {
                    case 0: m.p[pos] ^= (uint8_t)(1u << (rnd() % 8)); break;
                    case 1: m.p[pos] = 0xff; break;
                    case 2: m.p[pos] = 0x00; break;
                    default: m.p[pos] = (uint8_t)rnd(); break;
                    }
                }
            }
            size_t off = 0;
            while (off < m.n) {
                size_t k = 1 + rnd() % (m.n - off < 600 ? m.n - off : 600);
                if (rnd() % 50 == 0) {
                    td_tls_stream_gap(f.s, F->dir[i], rnd() % 2 ? k : 0, (uint64_t)i + 1, 0);
                } else {
                    feed(&f, F->dir[i], m.p + off, k, (uint64_t)i + 1);
                }
                off += k;
            }
            bfree(&m);
        }
        if (!transcript_sane(&f.t)) insane++;
        if (td_tls_stream_buffered(f.s) > 2 * 256 * 1024 + 65536) insane++;
        fx_free(&f);
    }
    CHECK(insane == 0);
    flow_free(&fl);
    flow_free(&fl13);
}

TEST(random_garbage_streams)
{
    int insane = 0;
    for (int iter = 0; iter < 300; iter++) {
        fx f;
        fx_init(&f);
        f.t.tcp.midstream = iter & 1;
        for (int d = 0; d < 2; d++) {
            buf m = { 0 };
            size_t n = 1 + rnd() % 5000;
            for (size_t i = 0; i < n; i++) {
                /* Mostly plausible record bytes, so that the parser goes deep. */
                uint32_t r = rnd() % 10;
                put8(&m, r < 3 ? 22 : r < 5 ? 3 : r < 6 ? 0 : rnd());
            }
            feedb(&f, d, &m, 1);
            bfree(&m);
        }
        if (!transcript_sane(&f.t)) insane++;
        fx_free(&f);
    }
    CHECK(insane == 0);
}

int main(void)
{
    RUN(null_and_bad_arguments);
    RUN(every_prefix_and_byte_flips);
    RUN(random_garbage_streams);
    EVP_PKEY_free(test_key());
    return check_done();
}
