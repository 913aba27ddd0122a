/* keylog_file.c - reading the --keylog files (the parser is dissectors/tls/keylog_parse.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyzer/capture/keylog_file.h"

#define CHUNK (64 * 1024)

typedef struct kl_src {
    const char *path;
    long long offset;                      /* bytes consumed (whole lines) */
    size_t next_line;                      /* number of the first line not yet read */
    long long size_seen;
} kl_src;

struct td_keylog_files {
    td_keylog *k;
    kl_src *src;
    size_t n;
    size_t warnings_shown;
    bool quiet;                            /* print nothing (a live worker's copy: see the header) */
    const char *what;                      /* what the messages are about: "--keylog " for the files,
                                              "" for texts that name their origin themselves */
};

/* A problem: said on stderr as "tlsdiag: --keylog ...", unless this copy is quiet. */
__attribute__((format(printf, 2, 3))) static void say(const td_keylog_files *f, const char *fmt, ...)
{
    if (f->quiet) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tlsdiag: %s", f->what);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void show_warnings(td_keylog_files *f, bool *bad)
{
    size_t n = td_keylog_warning_count(f->k);
    for (; f->warnings_shown < n; f->warnings_shown++) {
        const char *w = td_keylog_warning(f->k, f->warnings_shown);
        if (w) say(f, "%s", w);
        else if (f->warnings_shown == TD_KL_MAX_WARNINGS && !f->quiet)
            fprintf(stderr, "tlsdiag: %s: more lines that do not parse\n", f->what[0] ? "--keylog" : "key log");
        *bad = true;
    }
}

/* Read src from its offset: to the end (`all`) or up to its last newline.  -1 if unreadable. */
static long read_src(td_keylog_files *f, kl_src *src, bool all, bool *bad)
{
    FILE *fp = fopen(src->path, "rb");
    if (!fp) {
        say(f, "%s: cannot read it: %s", src->path, strerror(errno));
        *bad = true;
        return -1;
    }
    long added = 0;
    if (src->offset && fseeko(fp, src->offset, SEEK_SET) != 0) {
        fclose(fp);
        return 0;
    }
    char *buf = malloc(CHUNK);
    size_t have = 0;
    bool ok = buf != NULL;
    while (ok) {
        size_t got = fread(buf + have, 1, CHUNK - have, fp);
        have += got;
        bool eof = got == 0;
        if (eof && ferror(fp)) {
            say(f, "%s: read error: %s", src->path, strerror(errno));
            *bad = true;
            break;
        }
        /* Whole lines only; at the end of a file read once, the last line too. */
        size_t use = have;
        if (!(eof && all)) {
            while (use > 0 && buf[use - 1] != '\n') use--;
            if (use == 0 && have == CHUNK) use = have;   /* a 64 KiB line: it is not a key log line */
        }
        if (use) {
            added += td_keylog_add_lines(f->k, buf, use, src->path, src->next_line);
            for (size_t i = 0; i < use; i++) src->next_line += buf[i] == '\n';
            src->offset += (long long)use;
            memmove(buf, buf + use, have - use);
            have -= use;
        }
        if (eof) break;
    }
    free(buf);
    fclose(fp);
    show_warnings(f, bad);
    return added;
}

td_keylog_files *td_keylog_files_open(const char *const *paths, size_t n, bool *bad)
{
    td_keylog_files *f = calloc(1, sizeof *f);
    if (!f || !(f->k = td_keylog_new()) || !(f->src = calloc(n ? n : 1, sizeof *f->src))) {
        td_keylog_files_free(f);
        return NULL;
    }
    bool ignored = false;
    if (!bad) {                                            /* a second reader: the first has spoken */
        f->quiet = true;
        bad = &ignored;
    }
    f->n = n;
    f->what = "--keylog ";
    for (size_t i = 0; i < n; i++) {
        kl_src *s = &f->src[i];
        s->path = paths[i];
        s->next_line = 1;
        struct stat st;
        if (stat(s->path, &st) == 0 && S_ISDIR(st.st_mode)) {
            say(f, "%s: is a directory, not a key log file", s->path);
            *bad = true;
            continue;
        }
        if (stat(s->path, &st) == 0) s->size_seen = (long long)st.st_size;
        long added = read_src(f, s, true, bad);
        if (added == 0 && s->offset > 0) {
            say(f, "%s: no TLS secrets in it (want NSS key log lines such as "
                   "CLIENT_RANDOM or CLIENT_TRAFFIC_SECRET_0)", s->path);
            *bad = true;
        } else if (added == 0 && s->offset == 0 && td_keylog_warning_count(f->k) == 0)
            say(f, "%s: the file is empty (live mode reads it again as it grows)", s->path);
    }
    return f;
}

td_keylog *td_keylog_files_keys(td_keylog_files *f) { return f ? f->k : NULL; }

long td_keylog_files_add_text(td_keylog_files *f, const char *text, size_t len, const char *origin, bool *bad)
{
    long added = td_keylog_add_text(f->k, text, len, origin);
    f->what = "";                          /* the warnings start with origin */
    show_warnings(f, bad);
    f->what = "--keylog ";
    return added;
}

long td_keylog_files_refresh(td_keylog_files *f, bool *bad)
{
    bool ignored = false;
    if (!bad) bad = &ignored;
    long added = 0;
    for (size_t i = 0; f && i < f->n; i++) {
        kl_src *s = &f->src[i];
        struct stat st;
        if (stat(s->path, &st) != 0 || S_ISDIR(st.st_mode)) continue;
        if ((long long)st.st_size < s->offset) {          /* truncated and rewritten: start again */
            s->offset = 0;
            s->next_line = 1;
        }
        if ((long long)st.st_size == s->size_seen && st.st_size == s->offset) continue;
        s->size_seen = (long long)st.st_size;
        long a = read_src(f, s, false, bad);
        if (a > 0) added += a;
    }
    return added;
}

void td_keylog_files_free(td_keylog_files *f)
{
    if (!f) return;
    td_keylog_free(f->k);
    free(f->src);
    free(f);
}
