/* keylog_parse.c - NSS key log text (SSLKEYLOGFILE) -> secrets by (label, client random).
 *
 * Each line is "LABEL <client random, 64 hex> <secret, hex>"; '#' lines and blank lines are
 * comments.  Labels tlsdiag does not use (EXPORTER_SECRET, EARLY_EXPORTER_SECRET, RSA, ...)
 * are skipped without a word; a known label whose fields do not parse is a warning naming the
 * line.  Secrets are kept in one array, found through an open-addressing index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "dissectors/tls/keylog.h"

typedef struct kl_entry {
    uint8_t label;
    uint8_t len;
    uint8_t random[32];
    uint8_t secret[TD_KL_SECRET_MAX];
} kl_entry;

struct td_keylog {
    kl_entry *e;
    size_t n, cap;
    uint32_t *index;                       /* 1 + entry number, 0 = empty; size `slots` (power of 2) */
    size_t slots;
    char *warn[TD_KL_MAX_WARNINGS];
    size_t n_warn;
};

static const struct { const char *name; td_keylog_label label; } labels[] = {
    { "CLIENT_RANDOM", TD_KL_CLIENT_RANDOM },
    { "CLIENT_HANDSHAKE_TRAFFIC_SECRET", TD_KL_CLIENT_HANDSHAKE },
    { "SERVER_HANDSHAKE_TRAFFIC_SECRET", TD_KL_SERVER_HANDSHAKE },
    { "CLIENT_TRAFFIC_SECRET_0", TD_KL_CLIENT_TRAFFIC_0 },
    { "SERVER_TRAFFIC_SECRET_0", TD_KL_SERVER_TRAFFIC_0 },
    { "CLIENT_EARLY_TRAFFIC_SECRET", TD_KL_CLIENT_EARLY },
};

td_keylog *td_keylog_new(void)
{
    return calloc(1, sizeof(td_keylog));
}

void td_keylog_free(td_keylog *k)
{
    if (!k) return;
    for (size_t i = 0; i < k->n_warn && i < TD_KL_MAX_WARNINGS; i++) free(k->warn[i]);
    free(k->e);
    free(k->index);
    free(k);
}

size_t td_keylog_count(const td_keylog *k) { return k ? k->n : 0; }
size_t td_keylog_warning_count(const td_keylog *k) { return k ? k->n_warn : 0; }

const char *td_keylog_warning(const td_keylog *k, size_t i)
{
    return k && i < k->n_warn && i < TD_KL_MAX_WARNINGS ? k->warn[i] : NULL;
}

static uint32_t hash(uint8_t label, const uint8_t *random)
{
    uint32_t h = 2166136261u ^ label;                  /* FNV-1a over the first bytes: randoms are random */
    for (int i = 0; i < 8; i++) h = (h ^ random[i]) * 16777619u;
    return h;
}

static size_t find_slot(const td_keylog *k, uint8_t label, const uint8_t *random)
{
    size_t mask = k->slots - 1;
    for (size_t i = hash(label, random) & mask;; i = (i + 1) & mask) {
        uint32_t x = k->index[i];
        if (!x) return i;
        const kl_entry *e = &k->e[x - 1];
        if (e->label == label && memcmp(e->random, random, 32) == 0) return i;
    }
}

static bool grow_index(td_keylog *k)
{
    size_t slots = k->slots ? k->slots * 2 : 64;
    uint32_t *idx = calloc(slots, sizeof *idx);
    if (!idx) return false;
    free(k->index);
    k->index = idx;
    k->slots = slots;
    for (size_t i = 0; i < k->n; i++) k->index[find_slot(k, k->e[i].label, k->e[i].random)] = (uint32_t)(i + 1);
    return true;
}

/* 1 added, 0 already there, -1 out of memory. */
static int add(td_keylog *k, uint8_t label, const uint8_t *random, const uint8_t *secret, size_t len)
{
    if (k->n >= UINT32_MAX - 1) return -1;
    if ((k->n + 1) * 2 > k->slots && !grow_index(k)) return -1;
    size_t slot = find_slot(k, label, random);
    if (k->index[slot]) return 0;
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 16;
        kl_entry *e = realloc(k->e, cap * sizeof *e);
        if (!e) return -1;
        k->e = e;
        k->cap = cap;
    }
    kl_entry *e = &k->e[k->n];
    e->label = label;
    e->len = (uint8_t)len;
    memcpy(e->random, random, 32);
    memcpy(e->secret, secret, len);
    k->index[slot] = (uint32_t)++k->n;
    return 1;
}

size_t td_keylog_find(const td_keylog *k, td_keylog_label label, const uint8_t client_random[32],
                      uint8_t out[TD_KL_SECRET_MAX])
{
    if (!k || !k->n) return 0;
    uint32_t x = k->index[find_slot(k, (uint8_t)label, client_random)];
    if (!x) return 0;
    memcpy(out, k->e[x - 1].secret, k->e[x - 1].len);
    return k->e[x - 1].len;
}

static bool session_key(const uint8_t *id, size_t len, uint8_t out[32])
{
    unsigned int n = 0;
    return len > 0 && EVP_Digest(id, len, out, &n, EVP_sha256(), NULL) && n == 32;
}

void td_keylog_add_session(td_keylog *k, const uint8_t *id, size_t id_len, const uint8_t master[48])
{
    uint8_t key[32];
    if (k && session_key(id, id_len, key)) (void)add(k, TD_KL_SESSION, key, master, 48);
}

bool td_keylog_find_session(const td_keylog *k, const uint8_t *id, size_t id_len, uint8_t master[48])
{
    uint8_t key[32], out[TD_KL_SECRET_MAX];
    if (!k || !session_key(id, id_len, key)) return false;
    if (td_keylog_find(k, TD_KL_SESSION, key, out) != 48) return false;
    memcpy(master, out, 48);
    return true;
}

static void warn(td_keylog *k, const char *origin, size_t line, const char *what)
{
    if (k->n_warn < TD_KL_MAX_WARNINGS) {
        size_t n = strlen(origin) + strlen(what) + 32;
        char *w = malloc(n);
        if (w) {
            size_t ol = strlen(origin);        /* "FILE:LINE", or "... block at byte N, line LINE" */
            bool worded = ol >= 5 && strcmp(origin + ol - 5, " line") == 0;
            snprintf(w, n, worded ? "%s %zu: %s" : "%s:%zu: %s", origin, line, what);
            k->warn[k->n_warn] = w;
        } else {
            return;
        }
    }
    k->n_warn++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Hex field [p, p+n) into out (at most max bytes): its length, or -1 if it is not hex. */
static long unhex(const char *p, size_t n, uint8_t *out, size_t max)
{
    if (n % 2 || n / 2 > max) return -1;
    for (size_t i = 0; i < n; i += 2) {
        int a = hexval(p[i]), b = hexval(p[i + 1]);
        if (a < 0 || b < 0) return -1;
        out[i / 2] = (uint8_t)(a << 4 | b);
    }
    return (long)(n / 2);
}

static bool is_space(char c) { return c == ' ' || c == '\t'; }

/* One line (no newline, no CR).  1 added, 0 nothing added, -1 out of memory. */
static int parse_line(td_keylog *k, const char *p, size_t n, const char *origin, size_t lineno)
{
    const char *f[4];
    size_t fl[4], nf = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && is_space(p[i])) i++;
        if (i >= n) break;
        size_t s = i;
        while (i < n && !is_space(p[i])) i++;
        if (nf < 4) {
            f[nf] = p + s;
            fl[nf] = i - s;
        }
        nf++;
    }
    if (nf == 0 || f[0][0] == '#') return 0;
    int label = -1;
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (fl[0] == strlen(labels[i].name) && memcmp(f[0], labels[i].name, fl[0]) == 0) label = (int)labels[i].label;
    if (label < 0) return 0;                            /* a label tlsdiag does not use */
    if (nf != 3) {
        warn(k, origin, lineno, nf < 3 ? "line cut short: want LABEL CLIENT_RANDOM SECRET" : "more than 3 fields");
        return 0;
    }
    uint8_t random[32], secret[TD_KL_SECRET_MAX];
    if (fl[1] != 64 || unhex(f[1], fl[1], random, 32) != 32) {
        warn(k, origin, lineno, "client random is not 64 hex digits");
        return 0;
    }
    long slen = unhex(f[2], fl[2], secret, sizeof secret);
    if (slen < 0 || (label == TD_KL_CLIENT_RANDOM ? slen != 48 : slen < 32)) {
        warn(k, origin, lineno, label == TD_KL_CLIENT_RANDOM ? "master secret is not 96 hex digits"
                                                             : "secret is not 64, 96 or 128 hex digits");
        return 0;
    }
    return add(k, (uint8_t)label, random, secret, (size_t)slen);
}

long td_keylog_add_text(td_keylog *k, const char *text, size_t len, const char *origin)
{
    return td_keylog_add_lines(k, text, len, origin, 1);
}

long td_keylog_add_lines(td_keylog *k, const char *text, size_t len, const char *origin, size_t first_line)
{
    if (!k || !text) return 0;
    if (!origin) origin = "key log";
    long added = 0;
    size_t lineno = first_line ? first_line - 1 : 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t e = end;
        while (e > i && (text[e - 1] == '\r')) e--;
        lineno++;
        int r = parse_line(k, text + i, e - i, origin, lineno);
        if (r < 0) {
            warn(k, origin, lineno, "out of memory: the rest is not read");
            break;
        }
        added += r;
        i = end + 1;
    }
    return added;
}
