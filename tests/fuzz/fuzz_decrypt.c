/* fuzz_decrypt.c - the decryption path: the TLS stream parser with a fixed key log (every key log
 * of samples/keylog/ and samples/keylog-suites/keylog/, read once: every suite, KeyUpdate, 0-RTT),
 * so that inputs made from the key-logged sample connections reach
 * the decryptor, the decrypted handshake and alert parsing and the first-line recognition; then the
 * classifier and the reports.  The input is also read as key log text by a throwaway key log, so
 * the parser sees hostile lines too.
 *
 * Input: the form of fuzz_tls_stream.c (a flags byte, then operations: op byte with bit 0 the
 * direction and bit 1 a gap, u16 length, bytes).  make_seeds.py writes seeds/decrypt/. */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/dissect.h"
#include "fuzz_common.h"
#include "dissectors/tls/keylog.h"
#include "include/transcript.h"

#ifndef TD_FUZZ_KEYLOGS
#define TD_FUZZ_KEYLOGS "samples/keylog:samples/keylog-suites/keylog"   /* directories, ':' between */
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static td_keylog *keys;                  /* kept for the life of the process */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_classifier();
    keys = td_keylog_new();
    const char *dirs = TD_FUZZ_KEYLOGS;
    while (keys && *dirs) {
        size_t dl = strcspn(dirs, ":");
        char dir[4096];
        snprintf(dir, sizeof dir, "%.*s", (int)dl, dirs);
        dirs += dl + (dirs[dl] == ':');
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            size_t n = strlen(e->d_name);
            if (n < 8 || strcmp(e->d_name + n - 7, ".keylog") != 0) continue;
            char path[8192], buf[65536];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            FILE *f = fopen(path, "rb");
            if (!f) continue;
            size_t got = fread(buf, 1, sizeof buf, f);
            fclose(f);
            td_keylog_add_text(keys, buf, got, path);
        }
        if (d) closedir(d);
    }
    if (!keys || td_keylog_count(keys) == 0) fprintf(stderr, "fuzz_decrypt: no key logs in %s: decryption is not reached\n", TD_FUZZ_KEYLOGS);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    td_keylog *scratch = td_keylog_new();           /* the input as key log text */
    if (scratch) {
        td_keylog_add_text(scratch, (const char *)data, size, "fuzz");
        uint8_t cr[32] = { 0 }, out[TD_KL_SECRET_MAX];
        if (size >= 32) memcpy(cr, data, 32);
        (void)td_keylog_find(scratch, TD_KL_CLIENT_RANDOM, cr, out);
        td_keylog_free(scratch);
    }
    td_transcript t;
    fuzz_stream_transcript(&t, data[0]);
    td_tls_stream *s = td_tls_stream_new(&t);
    if (!s) return 0;
    td_tls_stream_set_keylog(s, keys, data[0] & 16);  /* bit 4: records wait for keys (live) */

    fuzz_stream_replay(s, &t, data, size);
    td_tls_stream_free(s);
    fuzz_report(&t);
    td_transcript_clear(&t);
    return 0;
}
