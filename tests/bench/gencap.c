/* gencap.c - write a large, realistic TLS capture, the same bytes for the same seed.
 *
 *   gencap MODE -o FILE [-s SEED] [-n CONNECTIONS] [-c CONCURRENT] [--size-mb MB]
 *          [--fail-pct P] [--tls13-pct P] [--keys DIR] [--ca FILE]
 *   gencap quic -o FILE [-s SEED] [-n CONNECTIONS] [--packets-per-conn K] [--sample PCAP] [--same-cids]
 *
 * MODE
 *   bulk       TLS 1.2 and 1.3 connections with full handshakes, a request each and a response
 *              of 1 KB .. 1 MB (log-uniform) in 1514-byte frames, until --size-mb is written
 *   handshake  -n short connections (default 20000) to four servers, one small response each
 *   idle       -n TCP connections (default 1000000) opened one after the other and never closed
 *   synflood   -n SYNs (default 100000) from distinct ports, never answered
 *   quic       -n QUIC connections (default 10000), each the real packets of --sample (default
 *              samples/quic/quic-ok-chromium.pcap) from its own client address and port, then
 *              --packets-per-conn K (default 50) copies of its short-header datagrams each way
 *              (see run_quic below; no keys or certificates are made in this mode); each
 *              connection its own connection IDs, Initials sealed again (--same-cids: the sample's)
 *
 * Connections run -c at a time, interleaved packet by packet in time order (each has its own
 * round-trip time).  A share of them (--fail-pct) fail: refused, unanswered, no TLS reply,
 * protocol mismatch, unknown CA, expired certificate, name mismatch.  Certificates are real
 * X.509 made here from the fixed throw-away keys in tests/bench/keys (RSA PKCS#1 v1.5 signatures
 * are deterministic, so is everything else); --ca writes the trusted root for --cacert.
 * Ethernet / IPv4 / TCP with correct checksums; microsecond pcap. */
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define MSS 1460
#define T0 1740787200ull           /* 2025-03-01T00:00:00Z: the capture starts here */
#define DAY 86400

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "gencap: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory");
    return p;
}

/* ---- deterministic randomness (splitmix64 seeding xoshiro256**) ---------------------------- */

static uint64_t rs[4];

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rnd(void)
{
    uint64_t r = rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;
    rs[2] ^= rs[0];
    rs[3] ^= rs[1];
    rs[1] ^= rs[2];
    rs[0] ^= rs[3];
    rs[2] ^= t;
    rs[3] = rotl(rs[3], 45);
    return r;
}

static uint32_t rnd_below(uint32_t n) { return (uint32_t)((rnd() >> 32) * n >> 32); }
static uint32_t rnd_range(uint32_t lo, uint32_t hi) { return lo + rnd_below(hi - lo + 1); }
static double rnd_unit(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

static void rnd_bytes(uint8_t *p, size_t n)
{
    while (n >= 8) {
        uint64_t r = rnd();
        memcpy(p, &r, 8);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t r = rnd();
        memcpy(p, &r, n);
    }
}

/* Encrypted bytes look random: serve them from a pool at random offsets. */
#define POOL (1u << 20)
static uint8_t pool[POOL + 2 * MSS];

/* ---- byte buffers for TLS messages --------------------------------------------------------- */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->n + n) cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p) die("out of memory");
        b->cap = cap;
    }
    if (d) memcpy(b->p + b->n, d, n);
    else rnd_bytes(b->p + b->n, n);
    b->n += n;
}
static void put8(buf *b, unsigned v) { uint8_t x = (uint8_t)v; put(b, &x, 1); }
static void put16(buf *b, unsigned v) { put8(b, v >> 8); put8(b, v); }
static void put24(buf *b, size_t v) { put8(b, (unsigned)(v >> 16)); put16(b, (unsigned)(v & 0xffff)); }
static void put_rand(buf *b, size_t n) { put(b, NULL, n); }
/* Length-prefixed blocks: open returns the position of the length, close fills it in. */
static size_t open_n(buf *b, int width) { size_t at = b->n; for (int i = 0; i < width; i++) put8(b, 0); return at; }
static void close_n(buf *b, size_t at, int width)
{
    size_t len = b->n - at - (size_t)width;
    for (int i = width - 1; i >= 0; i--, len >>= 8) b->p[at + (size_t)i] = (uint8_t)len;
}

static void record(buf *out, uint8_t type, uint16_t version, const uint8_t *body, size_t len)
{
    put8(out, type);
    put16(out, version);
    put16(out, (unsigned)len);
    put(out, body, len);
}

/* ---- certificates -------------------------------------------------------------------------- */

static EVP_PKEY *load_key(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) die("%s: cannot open (--keys names the directory of the bench keys)", path);
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!k) die("%s: not a PEM private key", path);
    return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!e || !X509_add_ext(x, e, -1)) die("cannot add extension %s", value);
    X509_EXTENSION_free(e);
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, int64_t nb,
                       int64_t na, bool ca, const char *san, long serial)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb);
    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"tlsdiag bench", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    X509_set_pubkey(x, key);
    add_ext(x, issuer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(x, issuer, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment");
    add_ext(x, issuer, NID_subject_key_identifier, "hash");
    if (issuer) add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
    if (!ca) add_ext(x, issuer, NID_ext_key_usage, "serverAuth");
    if (san) add_ext(x, issuer, NID_subject_alt_name, san);
    if (!X509_sign(x, issuer_key, EVP_sha256())) die("cannot sign %s", cn);
    return x;
}

static void der_of(X509 *x, uint8_t **der, size_t *len)
{
    int n = i2d_X509(x, NULL);
    if (n <= 0) die("cannot encode a certificate");
    *der = xmalloc((size_t)n);
    uint8_t *p = *der;
    i2d_X509(x, &p);
    *len = (size_t)n;
}

enum { SRV_GOOD, SRV_UNTRUSTED, SRV_EXPIRED };

typedef struct server {
    char name[64];
    uint32_t ip;
    int kind;
    bool ec;                       /* ECDSA leaf key (else RSA) */
    uint8_t *der[2];
    size_t der_len[2];
    int n_der;
} server;

static server *servers;
static size_t n_servers, n_good;

static void make_servers(const char *keydir, size_t good, const char *ca_out)
{
    EVP_PKEY *kroot = load_key(keydir, "root"), *kinter = load_key(keydir, "inter"),
             *kother = load_key(keydir, "other"), *krsa = load_key(keydir, "leaf-rsa"),
             *kec = load_key(keydir, "leaf-ec");
    int64_t t0 = (int64_t)T0;
    X509 *root = make_cert(kroot, "tlsdiag Bench Root CA", NULL, kroot, t0 - 730 * DAY, t0 + 3650 * DAY, true, NULL, 1);
    X509 *inter = make_cert(kinter, "tlsdiag Bench Issuing CA 1", root, kroot, t0 - 700 * DAY, t0 + 1825 * DAY, true, NULL, 2);
    X509 *other = make_cert(kother, "tlsdiag Bench Untrusted CA", NULL, kother, t0 - 730 * DAY, t0 + 3650 * DAY, true, NULL, 3);
    if (ca_out) {
        FILE *f = fopen(ca_out, "w");
        if (!f || !PEM_write_X509(f, root) || fclose(f) != 0) die("%s: cannot write", ca_out);
    }
    n_good = good;
    n_servers = good + 2;
    servers = calloc(n_servers, sizeof *servers);
    if (!servers) die("out of memory");
    uint8_t *ider;
    size_t ilen;
    der_of(inter, &ider, &ilen);
    for (size_t i = 0; i < n_servers; i++) {
        server *s = &servers[i];
        s->kind = i < good ? SRV_GOOD : i == good ? SRV_UNTRUSTED : SRV_EXPIRED;
        s->ec = i % 2 == 1;
        s->ip = 0xC6336400u + (uint32_t)i + 10;           /* 198.51.100.10 + i */
        if (s->kind == SRV_GOOD) snprintf(s->name, sizeof s->name, "srv%zu.bench.test", i + 1);
        else snprintf(s->name, sizeof s->name, "%s.bench.test", s->kind == SRV_UNTRUSTED ? "private" : "stale");
        char san[200];
        snprintf(san, sizeof san, "DNS:%s,DNS:www.%s", s->name, s->name);
        int64_t nb = t0 - 30 * DAY, na = t0 + 335 * DAY;
        if (s->kind == SRV_EXPIRED) {
            nb = t0 - 400 * DAY;
            na = t0 - 35 * DAY;
        }
        X509 *leaf = s->kind == SRV_UNTRUSTED
                         ? make_cert(s->ec ? kec : krsa, s->name, other, kother, nb, na, false, san, 1000 + (long)i)
                         : make_cert(s->ec ? kec : krsa, s->name, inter, kinter, nb, na, false, san, 1000 + (long)i);
        der_of(leaf, &s->der[0], &s->der_len[0]);
        s->n_der = 1;
        if (s->kind != SRV_UNTRUSTED) {
            s->der[1] = ider;
            s->der_len[1] = ilen;
            s->n_der = 2;
        }
        X509_free(leaf);
    }
    X509_free(root);
    X509_free(inter);
    X509_free(other);
    EVP_PKEY_free(kroot);
    EVP_PKEY_free(kinter);
    EVP_PKEY_free(kother);
    EVP_PKEY_free(krsa);
    EVP_PKEY_free(kec);
}

/* ---- pcap output ---------------------------------------------------------------------------- */

static FILE *pcap_out;
static uint64_t written, n_packets;

static void pcap_header(void)
{
    struct { uint32_t magic; uint16_t major, minor; int32_t zone; uint32_t sigfigs, snaplen, linktype; } h =
        { 0xa1b2c3d4u, 2, 4, 0, 0, 65535, 1 };             /* host byte order, Ethernet */
    if (fwrite(&h, 1, sizeof h, pcap_out) != sizeof h) die("write error");
    written += sizeof h;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1) sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

enum { F_FIN = 1, F_SYN = 2, F_RST = 4, F_PSH = 8, F_ACK = 16 };

static void be16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void be32(uint8_t *p, uint32_t v) { be16(p, v >> 16); be16(p + 2, v & 0xffff); }

static void emit(uint64_t us, uint32_t sip, uint16_t sport, uint32_t dip, uint16_t dport, uint32_t seq,
                 uint32_t ack, uint8_t flags, const uint8_t *payload, size_t plen)
{
    static uint8_t f[14 + 20 + 40 + MSS];
    static uint16_t ip_id;
    size_t optlen = (flags & F_SYN) ? 12 : 0;
    size_t tcplen = 20 + optlen, iplen = 20 + tcplen + plen, flen = 14 + iplen;
    static const uint8_t mac_c[6] = { 0x02, 0, 0, 0, 0, 1 }, mac_s[6] = { 0x02, 0, 0, 0, 0, 2 };
    bool from_client = (sip >> 24) == 10;
    memcpy(f, from_client ? mac_s : mac_c, 6);
    memcpy(f + 6, from_client ? mac_c : mac_s, 6);
    f[12] = 0x08;
    f[13] = 0x00;
    uint8_t *ip = f + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    be16(ip + 2, (unsigned)iplen);
    be16(ip + 4, ip_id++);
    ip[6] = 0x40;                                          /* don't fragment */
    ip[8] = from_client ? 64 : 57;
    ip[9] = 6;
    be32(ip + 12, sip);
    be32(ip + 16, dip);
    be16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    uint8_t *tcp = ip + 20;
    memset(tcp, 0, tcplen);
    be16(tcp, sport);
    be16(tcp + 2, dport);
    be32(tcp + 4, seq);
    be32(tcp + 8, ack);
    tcp[12] = (uint8_t)((tcplen / 4) << 4);
    tcp[13] = flags;
    be16(tcp + 14, (flags & F_SYN) ? 64240 : 2048);      /* window (scaled by 2^7 after the SYN) */
    if (optlen) {
        static const uint8_t opts[12] = { 2, 4, MSS >> 8, MSS & 0xff, 4, 2, 1, 3, 3, 7, 1, 1 };
        memcpy(tcp + 20, opts, sizeof opts);
    }
    if (plen) memcpy(tcp + tcplen, payload, plen);
    uint8_t pseudo[12];
    be32(pseudo, sip);
    be32(pseudo + 4, dip);
    pseudo[8] = 0;
    pseudo[9] = 6;
    be16(pseudo + 10, (unsigned)(tcplen + plen));
    be16(tcp + 16, csum_fold(csum_add(csum_add(0, pseudo, 12), tcp, tcplen + plen)));
    uint32_t h[4] = { (uint32_t)(us / 1000000), (uint32_t)(us % 1000000), (uint32_t)flen, (uint32_t)flen };
    if (fwrite(&h, 1, sizeof h, pcap_out) != sizeof h || fwrite(f, 1, flen, pcap_out) != flen) die("write error");
    written += sizeof h + flen;
    n_packets++;
}

/* ---- connections ---------------------------------------------------------------------------- */

enum { C2S = 0, S2C = 1 };
enum { ST_SYN, ST_SYNACK, ST_ACK, ST_DATA, ST_BULK, ST_FIN, ST_RST, ST_END };

typedef struct step {
    uint8_t kind, dir;
    uint32_t pause_us;             /* think time before this step (on top of the path delay) */
    uint8_t *data;                 /* ST_DATA: owned */
    size_t len;                    /* ST_DATA / ST_BULK: bytes on the wire */
    size_t rec_plain, overhead;    /* ST_BULK: plaintext bytes and per-record AEAD overhead */
    uint32_t pool_off;
} step;

#define MAX_STEPS 16

typedef struct conn {
    uint32_t ip[2];
    uint16_t port[2];
    uint32_t isn[2], seq[2];
    bool syn_done[2];
    step steps[MAX_STEPS];
    int n_steps, at;
    size_t off;                    /* bytes of the current step sent */
    int unacked;                   /* full segments not yet acknowledged */
    bool ack_owed;
    int ack_dir;
    uint64_t next_us;
    uint32_t rtt_us;
    int last_dir;
    size_t heap_at;
} conn;

static void add_step(conn *c, uint8_t kind, uint8_t dir, uint32_t pause_us)
{
    if (c->n_steps == MAX_STEPS) die("too many steps");
    step *s = &c->steps[c->n_steps++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->dir = dir;
    s->pause_us = pause_us;
}

static void add_data(conn *c, uint8_t dir, uint32_t pause_us, buf *b)
{
    add_step(c, ST_DATA, dir, pause_us);
    c->steps[c->n_steps - 1].data = b->p;
    c->steps[c->n_steps - 1].len = b->n;
    memset(b, 0, sizeof *b);
}

/* Application data of `plain` bytes as full 16 KB records and a last short one. */
static void add_bulk(conn *c, uint8_t dir, uint32_t pause_us, size_t plain, bool tls13)
{
    add_step(c, ST_BULK, dir, pause_us);
    step *s = &c->steps[c->n_steps - 1];
    s->rec_plain = plain;
    s->overhead = tls13 ? 17 : 24;                         /* AES-GCM: (content type +) tag, or nonce + tag */
    size_t full = plain / 16384, rest = plain % 16384;
    s->len = full * (5 + 16384 + s->overhead) + (rest ? 5 + rest + s->overhead : 0);
    s->pool_off = rnd_below(POOL);
}

static void bulk_fill(const step *s, size_t off, uint8_t *dst, size_t n)
{
    size_t rec = 5 + 16384 + s->overhead;
    size_t full = s->rec_plain / 16384;
    while (n) {
        size_t idx = off / rec, in = off % rec;
        size_t body = idx < full ? 16384 + s->overhead : s->rec_plain % 16384 + s->overhead;
        if (in < 5) {
            uint8_t h[5] = { 23, 3, 3, (uint8_t)(body >> 8), (uint8_t)body };
            *dst++ = h[in];
            off++;
            n--;
            continue;
        }
        size_t k = 5 + body - in;
        if (k > n) k = n;
        if (k > MSS) k = MSS;
        memcpy(dst, pool + ((s->pool_off + off) % POOL), k);
        dst += k;
        off += k;
        n -= k;
    }
}

static const uint16_t suites12[] = { 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
static const uint16_t suites13[] = { 0x1301, 0x1302, 0x1303 };

static void client_hello(buf *out, const char *sni, bool offer13)
{
    buf h = { 0 };
    put8(&h, 1);
    size_t l = open_n(&h, 3);
    put16(&h, 0x0303);
    put_rand(&h, 32);
    put8(&h, 32);
    put_rand(&h, 32);
    size_t cs = open_n(&h, 2);
    if (offer13) for (size_t i = 0; i < 3; i++) put16(&h, suites13[i]);
    for (size_t i = 0; i < sizeof suites12 / sizeof suites12[0]; i++) put16(&h, suites12[i]);
    close_n(&h, cs, 2);
    put8(&h, 1);
    put8(&h, 0);
    size_t ext = open_n(&h, 2);
    put16(&h, 0);                                          /* server_name */
    size_t e = open_n(&h, 2), list = open_n(&h, 2);
    put8(&h, 0);
    put16(&h, (unsigned)strlen(sni));
    put(&h, sni, strlen(sni));
    close_n(&h, list, 2);
    close_n(&h, e, 2);
    put16(&h, 23); put16(&h, 0);                           /* extended_master_secret */
    put16(&h, 0xff01); put16(&h, 1); put8(&h, 0);          /* renegotiation_info */
    put16(&h, 10); put16(&h, 8); put16(&h, 6); put16(&h, 0x1d); put16(&h, 0x17); put16(&h, 0x18);
    put16(&h, 11); put16(&h, 2); put8(&h, 1); put8(&h, 0); /* ec_point_formats */
    put16(&h, 35); put16(&h, 0);                           /* session_ticket */
    put16(&h, 16);                                         /* ALPN */
    e = open_n(&h, 2);
    list = open_n(&h, 2);
    put8(&h, 2); put(&h, "h2", 2);
    put8(&h, 8); put(&h, "http/1.1", 8);
    close_n(&h, list, 2);
    close_n(&h, e, 2);
    static const uint16_t sigalgs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };
    put16(&h, 13); put16(&h, 2 + sizeof sigalgs); put16(&h, sizeof sigalgs);
    for (size_t i = 0; i < 8; i++) put16(&h, sigalgs[i]);
    if (offer13) {
        put16(&h, 43); put16(&h, 5); put8(&h, 4); put16(&h, 0x0304); put16(&h, 0x0303);
        put16(&h, 51); put16(&h, 38); put16(&h, 36); put16(&h, 0x1d); put16(&h, 32); put_rand(&h, 32);
        put16(&h, 45); put16(&h, 2); put8(&h, 1); put8(&h, 1);
    }
    close_n(&h, ext, 2);
    close_n(&h, l, 3);
    record(out, 22, 0x0301, h.p, h.n);
    free(h.p);
}

static void server_hello(buf *h, bool tls13, bool ec)
{
    put8(h, 2);
    size_t l = open_n(h, 3);
    put16(h, 0x0303);
    put_rand(h, 32);
    put8(h, 32);
    put_rand(h, 32);
    put16(h, tls13 ? 0x1301 : ec ? 0xc02b : 0xc02f);
    put8(h, 0);
    size_t ext = open_n(h, 2);
    if (tls13) {
        put16(h, 43); put16(h, 2); put16(h, 0x0304);
        put16(h, 51); put16(h, 36); put16(h, 0x1d); put16(h, 32); put_rand(h, 32);
    } else {
        put16(h, 0xff01); put16(h, 1); put8(h, 0);
        put16(h, 23); put16(h, 0);
        put16(h, 11); put16(h, 2); put8(h, 1); put8(h, 0);
        put16(h, 16); put16(h, 5); put16(h, 3); put8(h, 2); put(h, "h2", 2);
    }
    close_n(h, ext, 2);
    close_n(h, l, 3);
}

static void certificate12(buf *h, const server *s)
{
    put8(h, 11);
    size_t l = open_n(h, 3), list = open_n(h, 3);
    for (int i = 0; i < s->n_der; i++) {
        put24(h, s->der_len[i]);
        put(h, s->der[i], s->der_len[i]);
    }
    close_n(h, list, 3);
    close_n(h, l, 3);
}

static const uint8_t ccs[6] = { 20, 3, 3, 0, 1, 1 };

static void alert(buf *out, uint8_t code)
{
    uint8_t a[2] = { 2, code };
    record(out, 21, 0x0303, a, 2);
}

static void opaque(buf *out, uint8_t type, size_t len)
{
    put8(out, type);
    put16(out, 0x0303);
    put16(out, (unsigned)len);
    put_rand(out, len);
}

enum { K_OK, K_REFUSED, K_NORESP, K_NOTLS, K_PROTO, K_UNKNOWN_CA, K_EXPIRED, K_NAME, K_KINDS };

static uint32_t client_ip(uint32_t n_clients) { return 0x0A010000u + 2 + rnd_below(n_clients); }

/* Script one connection. */
static void plan(conn *c, int kind, const server *s, bool tls13, size_t response, uint64_t start_us,
                 uint32_t n_clients)
{
    memset(c, 0, sizeof *c);
    c->ip[C2S] = client_ip(n_clients);
    c->ip[S2C] = s->ip;
    c->port[C2S] = (uint16_t)rnd_range(32768, 60999);
    c->port[S2C] = 443;
    c->isn[0] = (uint32_t)rnd();
    c->isn[1] = (uint32_t)rnd();
    c->rtt_us = rnd_range(1000, 80000);
    c->next_us = start_us;
    c->last_dir = -1;
    add_step(c, ST_SYN, C2S, 0);
    if (kind == K_NORESP) {
        add_step(c, ST_SYN, C2S, 1000000);
        add_step(c, ST_SYN, C2S, 2000000);
        add_step(c, ST_END, C2S, 0);
        return;
    }
    if (kind == K_REFUSED) {
        add_step(c, ST_RST, S2C, 0);
        add_step(c, ST_END, C2S, 0);
        return;
    }
    add_step(c, ST_SYNACK, S2C, 0);
    add_step(c, ST_ACK, C2S, 0);
    const char *sni = kind == K_NAME ? "portal.bench.test" : s->name;
    buf b = { 0 };
    client_hello(&b, sni, tls13 || rnd_below(2));
    add_data(c, C2S, 100, &b);
    if (kind == K_NOTLS) {
        add_step(c, ST_FIN, S2C, 500);
        add_step(c, ST_FIN, C2S, 100);
        add_step(c, ST_ACK, S2C, 0);
        add_step(c, ST_END, C2S, 0);
        return;
    }
    if (kind == K_PROTO) {
        alert(&b, 40);
        add_data(c, S2C, 300, &b);
        add_step(c, ST_FIN, S2C, 0);
        add_step(c, ST_FIN, C2S, 100);
        add_step(c, ST_ACK, S2C, 0);
        add_step(c, ST_END, C2S, 0);
        return;
    }
    buf h = { 0 };
    bool reject = kind == K_UNKNOWN_CA || kind == K_EXPIRED || kind == K_NAME;
    if (!tls13) {
        server_hello(&h, false, s->ec);
        certificate12(&h, s);
        put8(&h, 12);                                      /* ServerKeyExchange: x25519 */
        size_t l = open_n(&h, 3);
        put8(&h, 3); put16(&h, 0x1d); put8(&h, 32); put_rand(&h, 32);
        put16(&h, s->ec ? 0x0403 : 0x0804);
        size_t sl = open_n(&h, 2);
        put_rand(&h, s->ec ? 71 : 256);
        close_n(&h, sl, 2);
        close_n(&h, l, 3);
        put8(&h, 14); put24(&h, 0);                        /* ServerHelloDone */
        record(&b, 22, 0x0303, h.p, h.n);
        h.n = 0;
        add_data(c, S2C, rnd_range(200, 2000), &b);
        if (reject) {
            alert(&b, kind == K_UNKNOWN_CA ? 48 : kind == K_EXPIRED ? 45 : 42);
            add_data(c, C2S, 300, &b);
        } else {
            put8(&h, 16); put24(&h, 33); put8(&h, 32); put_rand(&h, 32);   /* ClientKeyExchange */
            record(&b, 22, 0x0303, h.p, h.n);
            h.n = 0;
            put(&b, ccs, sizeof ccs);
            opaque(&b, 22, 40);                            /* Finished, encrypted */
            add_data(c, C2S, 200, &b);
            put8(&h, 4);                                   /* NewSessionTicket */
            size_t tl = open_n(&h, 3);
            put(&h, "\x00\x00\x1c\x20", 4);
            put16(&h, 192);
            put_rand(&h, 192);
            close_n(&h, tl, 3);
            record(&b, 22, 0x0303, h.p, h.n);
            put(&b, ccs, sizeof ccs);
            opaque(&b, 22, 40);
            add_data(c, S2C, 300, &b);
        }
    } else {
        server_hello(&h, true, s->ec);
        record(&b, 22, 0x0303, h.p, h.n);
        put(&b, ccs, sizeof ccs);
        size_t chain = 0;
        for (int i = 0; i < s->n_der; i++) chain += 3 + s->der_len[i] + 2;
        opaque(&b, 23, 4 + 2 + 9 + 17);                   /* EncryptedExtensions (ALPN h2) */
        opaque(&b, 23, 4 + 1 + 3 + chain + 17);           /* Certificate */
        opaque(&b, 23, 4 + 4 + (s->ec ? 72 : 256) + 17);  /* CertificateVerify */
        opaque(&b, 23, 4 + 32 + 17);                      /* Finished */
        add_data(c, S2C, rnd_range(200, 2000), &b);
        put(&b, ccs, sizeof ccs);
        opaque(&b, 23, reject ? 2 + 1 + 16 : 4 + 32 + 17);  /* an alert, or Finished */
        add_data(c, C2S, 300, &b);
    }
    free(h.p);
    if (reject) {
        add_step(c, ST_FIN, C2S, 0);
        add_step(c, ST_FIN, S2C, 100);
        add_step(c, ST_ACK, C2S, 0);
        add_step(c, ST_END, C2S, 0);
        return;
    }
    opaque(&b, 23, rnd_range(300, 700) + (tls13 ? 17 : 24)); /* the request */
    add_data(c, C2S, 50, &b);
    if (tls13) {                                           /* two NewSessionTickets, then the answer */
        opaque(&b, 23, 250);
        opaque(&b, 23, 250);
        add_data(c, S2C, 100, &b);
    }
    add_bulk(c, S2C, rnd_range(100, 5000), response, tls13);
    add_step(c, ST_FIN, C2S, rnd_range(1000, 50000));
    add_step(c, ST_FIN, S2C, 100);
    add_step(c, ST_ACK, C2S, 0);
    add_step(c, ST_END, C2S, 0);
}

/* Send the connection's next packet; false when it has nothing more. */
static bool conn_step(conn *c)
{
    uint64_t now = c->next_us;
    int d;
    if (c->ack_owed) {
        d = c->ack_dir;
        emit(now, c->ip[d], c->port[d], c->ip[!d], c->port[!d], c->seq[d], c->seq[!d], F_ACK, NULL, 0);
        c->ack_owed = false;
        c->last_dir = d;
        c->next_us = now + 20;
        return true;
    }
    step *s = &c->steps[c->at];
    d = s->dir;
    bool next_step = true;
    switch (s->kind) {
    case ST_SYN:
        c->seq[C2S] = c->isn[C2S];
        emit(now, c->ip[0], c->port[0], c->ip[1], c->port[1], c->seq[0], 0, F_SYN, NULL, 0);
        c->seq[C2S] = c->isn[C2S] + 1;
        break;
    case ST_SYNACK:
        emit(now, c->ip[1], c->port[1], c->ip[0], c->port[0], c->isn[1], c->seq[0], F_SYN | F_ACK, NULL, 0);
        c->seq[S2C] = c->isn[S2C] + 1;
        break;
    case ST_ACK:
        emit(now, c->ip[d], c->port[d], c->ip[!d], c->port[!d], c->seq[d], c->seq[!d], F_ACK, NULL, 0);
        break;
    case ST_RST:
        emit(now, c->ip[d], c->port[d], c->ip[!d], c->port[!d], 0, c->seq[!d], F_RST | F_ACK, NULL, 0);
        break;
    case ST_FIN:
        emit(now, c->ip[d], c->port[d], c->ip[!d], c->port[!d], c->seq[d], c->seq[!d], F_FIN | F_ACK, NULL, 0);
        c->seq[d]++;
        break;
    case ST_DATA:
    case ST_BULK: {
        static uint8_t seg[MSS];
        size_t n = s->len - c->off < MSS ? s->len - c->off : MSS;
        const uint8_t *p;
        if (s->kind == ST_DATA) p = s->data + c->off;
        else {
            bulk_fill(s, c->off, seg, n);
            p = seg;
        }
        c->off += n;
        bool last = c->off == s->len;
        emit(now, c->ip[d], c->port[d], c->ip[!d], c->port[!d], c->seq[d], c->seq[!d],
             F_ACK | (last ? F_PSH : 0), p, n);
        c->seq[d] += (uint32_t)n;
        if (!last) {
            next_step = false;
            if (++c->unacked == 2) {                       /* delayed ACK: every second segment */
                c->unacked = 0;
                c->ack_owed = true;
                c->ack_dir = !d;
            }
        }
        break;
    }
    case ST_END:
        return false;
    }
    c->last_dir = d;
    if (!next_step) {
        c->next_us = now + 12 + (c->ack_owed ? c->rtt_us / 2 : 0);   /* 1460 bytes at 1 Gbit/s */
        return true;
    }
    if (s->kind == ST_DATA) {
        free(s->data);
        s->data = NULL;
    }
    c->at++;
    c->off = 0;
    c->unacked = 0;
    step *n = &c->steps[c->at];
    c->next_us = now + n->pause_us + (n->dir != d ? c->rtt_us / 2 : 12);
    return true;
}

static void conn_release(conn *c)
{
    for (int i = 0; i < c->n_steps; i++) free(c->steps[i].data);
}

/* ---- the schedule: a min-heap of live connections on the time of their next packet ----------- */

static conn **heap;
static size_t heap_n;

static bool before(const conn *a, const conn *b) { return a->next_us < b->next_us; }

static void heap_fix_up(size_t i)
{
    conn *c = heap[i];
    while (i > 0 && before(c, heap[(i - 1) / 2])) {
        heap[i] = heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    heap[i] = c;
}

static void heap_fix_down(size_t i)
{
    conn *c = heap[i];
    for (;;) {
        size_t l = 2 * i + 1, m;
        if (l >= heap_n) break;
        m = l + 1 < heap_n && before(heap[l + 1], heap[l]) ? l + 1 : l;
        if (!before(heap[m], c)) break;
        heap[i] = heap[m];
        i = m;
    }
    heap[i] = c;
}

typedef struct config {
    const char *mode;
    uint64_t seed;
    const char *file, *keys, *ca;
    long n, concurrent;
    double size_mb;
    int fail_pct, tls13_pct;
    long per_conn;                 /* quic: short-header datagrams each way after the sample's */
    bool same_cids;                /* quic: the sample's CIDs in every connection */
    const char *sample;            /* quic: the capture to replay */
} config;

static int pick_kind(const config *cf)
{
    if ((int)rnd_below(100) >= cf->fail_pct) return K_OK;
    static const int weights[K_KINDS] = { 0, 15, 10, 10, 15, 25, 10, 15 };
    uint32_t r = rnd_below(100), acc = 0;
    for (int k = 1; k < K_KINDS; k++)
        if (r < (acc += (uint32_t)weights[k])) return k;
    return K_UNKNOWN_CA;
}

static size_t response_size(bool bulk)
{
    if (!bulk) return rnd_range(200, 2000);
    return (size_t)(1024.0 * exp(rnd_unit() * log(1024.0)));    /* 1 KB .. 1 MB */
}

static void run_sessions(const config *cf, bool bulk)
{
    uint32_t n_clients = bulk ? 3000 : 500;
    long started = 0, limit = bulk ? -1 : (cf->n > 0 ? cf->n : 20000);
    uint64_t budget = (uint64_t)(cf->size_mb * 1e6);
    size_t conc = (size_t)(cf->concurrent > 0 ? cf->concurrent : bulk ? 32 : 64);
    conn *slots = calloc(conc, sizeof *slots);
    heap = calloc(conc, sizeof *heap);
    if (!slots || !heap) die("out of memory");
    uint64_t now = T0 * 1000000ull + rnd_below(1000000);
    size_t free_n = conc;
    conn **free_list = calloc(conc, sizeof *free_list);
    if (!free_list) die("out of memory");
    for (size_t i = 0; i < conc; i++) free_list[i] = &slots[conc - 1 - i];
    for (;;) {
        bool more = bulk ? written < budget : started < limit;
        while (more && free_n) {
            conn *c = free_list[--free_n];
            int kind = pick_kind(cf);
            const server *s;
            if (kind == K_UNKNOWN_CA) s = &servers[n_good];
            else if (kind == K_EXPIRED) s = &servers[n_good + 1];
            else s = &servers[rnd_below((uint32_t)n_good)];
            bool tls13 = (int)rnd_below(100) < cf->tls13_pct;
            plan(c, kind, s, tls13, response_size(bulk), now + rnd_range(0, 2000), n_clients);
            heap[heap_n++] = c;
            heap_fix_up(heap_n - 1);
            started++;
            more = bulk ? written < budget : started < limit;
        }
        if (!heap_n) break;
        conn *c = heap[0];
        if (c->next_us > now) now = c->next_us;
        if (conn_step(c)) {
            heap_fix_down(0);
        } else {
            conn_release(c);
            heap[0] = heap[--heap_n];
            if (heap_n) heap_fix_down(0);
            free_list[free_n++] = c;
        }
    }
    free(free_list);
    free(slots);
    free(heap);
    fprintf(stderr, "gencap: %s: %ld connections, %llu packets, %.1f MB\n", cf->file, started,
            (unsigned long long)n_packets, written / 1e6);
}

/* idle: every connection completes the TCP handshake and then stays silent.
 * synflood: SYNs only.  Distinct (address, port) for each. */
static void run_flat(const config *cf, bool idle)
{
    long n = cf->n > 0 ? cf->n : idle ? 1000000 : 100000;
    uint64_t now = T0 * 1000000ull;
    uint32_t sip = servers[0].ip;
    for (long i = 0; i < n; i++) {
        uint32_t cip = 0x0A000000u + 0x10000u + (uint32_t)(i / 16);
        uint16_t cport = (uint16_t)(40000 + i % 16);
        uint32_t isn = (uint32_t)rnd(), isn2 = (uint32_t)rnd();
        emit(now, cip, cport, sip, 443, isn, 0, F_SYN, NULL, 0);
        if (idle) {
            emit(now + 1, sip, 443, cip, cport, isn2, isn + 1, F_SYN | F_ACK, NULL, 0);
            emit(now + 2, cip, cport, sip, 443, isn + 1, isn2 + 1, F_ACK, NULL, 0);
        }
        now += idle ? 3 : 1;
    }
    fprintf(stderr, "gencap: %s: %ld connections, %llu packets, %.1f MB\n", cf->file, n,
            (unsigned long long)n_packets, written / 1e6);
}

/* ---- quic: N connections replayed from a real QUIC capture ------------------------------------
 *
 * The sample (--sample, default samples/quic/quic-ok-chromium.pcap: one real Chromium <-> ngtcp2
 * connection) is read with the small reader below: classic pcap, little-endian header (micro- or
 * nanosecond), Ethernet, IPv4, UDP; anything else is refused.  Its first datagram's sender is
 * the client.  Each connection replays every datagram of the sample byte for byte, at the
 * sample's own offsets stretched by a factor of 0.5..2 of its own (another round-trip time);
 * only the client's IPv4 address and UDP port are rewritten (with the IP identification and
 * header checksum; the UDP checksum is set to 0, "none", which IPv4 allows).  After the sample's
 * last datagram come --packets-per-conn K more short-header (1-RTT) datagrams in each direction,
 * client and server in turn, 1..20 ms apart: copies, in order and round again, of the sample's own
 * datagrams that begin with a short header, so their Destination Connection IDs are the right
 * ones; without a key log they can be counted and not opened.  Connections begin 200 us apart
 * on average (exponential gaps: a server taking 5000 new connections a second) and are
 * interleaved in time order, thousands open at once.  A connection is told from the others by
 * its client address and port (10.64.0.0/20, distinct for each connection).
 *
 * Connection IDs: as a real server, each connection gets its own.  The sample's client-chosen
 * first DCID, the server's CID (and the client's, when not empty) are replaced by random ones of
 * the same lengths wherever they stand in a header (long headers' DCID and SCID, short headers'
 * DCID).  Initial packets are protected with keys made from that first DCID (RFC 9001 5.2), with
 * the header as associated data: each is opened with the sample's keys, its header rewritten,
 * and sealed again (AES-128-GCM, header protection) with the new DCID's keys; so every Initial
 * opens, in tlsdiag and in tshark, with the ClientHello and ServerHello inside.  Handshake, 0-RTT
 * and 1-RTT packets keep their bytes but for the CIDs, so with the sample's key log their AEAD
 * tags would no longer verify; without keys (the bench) they are counted and not opened either
 * way.  CIDs inside encrypted frames (NEW_CONNECTION_ID, transport parameters) are left.
 * --same-cids keeps every byte of the sample's datagrams (only addresses and ports differ): then
 * all N connections share one server CID and one first DCID.  QUIC v1 samples only (a Retry or
 * Version Negotiation in the sample is refused unless --same-cids). */

typedef struct qsample_pkt {
    uint64_t off_us;               /* since the sample's first packet */
    bool c2s;
    uint8_t *frame;                /* Ethernet frame as captured */
    size_t len, ip_off, udp_off;
} qsample_pkt;

static qsample_pkt *qs;
static size_t qs_n;

static uint32_t rd32le(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static unsigned rd16be(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }

static void read_sample(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) die("%s: cannot open (--sample names the QUIC capture to replay)", path);
    uint8_t h[24];
    if (fread(h, 1, 24, f) != 24) die("%s: not a pcap file", path);
    uint32_t magic = rd32le(h);
    bool nano = magic == 0xa1b23c4du;
    if (magic != 0xa1b2c3d4u && !nano) die("%s: not a little-endian classic pcap file", path);
    if (rd32le(h + 20) != 1) die("%s: link type %u, not Ethernet", path, rd32le(h + 20));
    size_t cap = 0;
    uint64_t first = 0;
    uint32_t cip = 0, sip = 0;
    unsigned cport = 0;
    for (;;) {
        uint8_t r[16];
        size_t got = fread(r, 1, 16, f);
        if (got == 0) break;
        if (got != 16) die("%s: truncated record header", path);
        uint32_t caplen = rd32le(r + 8), origlen = rd32le(r + 12);
        if (caplen != origlen || caplen > 65535) die("%s: packet %zu cut short by the capture", path, qs_n + 1);
        uint64_t ts = (uint64_t)rd32le(r) * 1000000u + (nano ? rd32le(r + 4) / 1000 : rd32le(r + 4));
        uint8_t *fr = xmalloc(caplen);
        if (fread(fr, 1, caplen, f) != caplen) die("%s: truncated packet", path);
        if (caplen < 14 + 20 + 8 || rd16be(fr + 12) != 0x0800 || fr[14] >> 4 != 4)
            die("%s: packet %zu is not Ethernet / IPv4", path, qs_n + 1);
        size_t ihl = (size_t)(fr[14] & 15) * 4;
        if (ihl < 20 || fr[14 + 9] != 17 || caplen < 14 + ihl + 8 || (rd16be(fr + 14 + 6) & 0x3fff))
            die("%s: packet %zu is not a whole UDP datagram", path, qs_n + 1);
        if (rd16be(fr + 14 + 2) != caplen - 14 || rd16be(fr + 14 + ihl + 4) != caplen - 14 - ihl)
            die("%s: packet %zu: lengths disagree (Ethernet padding?)", path, qs_n + 1);
        uint32_t src = rd32le(fr + 14 + 12), dst = rd32le(fr + 14 + 16);    /* as stored, compared only */
        unsigned sport = rd16be(fr + 14 + ihl);
        if (qs_n == 0) {
            first = ts;
            cip = src;
            sip = dst;
            cport = sport;
        }
        bool c2s = src == cip && sport == cport;
        if (!c2s && !(src == sip && dst == cip && rd16be(fr + 14 + ihl + 2) == cport))
            die("%s: packet %zu belongs to another connection", path, qs_n + 1);
        if (ts < first) die("%s: packet %zu goes back in time", path, qs_n + 1);
        if (qs_n == cap) {
            cap = cap ? cap * 2 : 64;
            qs = realloc(qs, cap * sizeof *qs);
            if (!qs) die("out of memory");
        }
        qs[qs_n++] = (qsample_pkt){ ts - first, c2s, fr, caplen, 14, 14 + ihl };
    }
    fclose(f);
    if (!qs_n) die("%s: no packets", path);
}

/* QUIC v1 Initial protection (RFC 9001 5.1, 5.2, 5.3, 5.4) */
typedef struct qkeys {
    uint8_t key[16], iv[12], hp[16];
} qkeys;

static void hmac256(const uint8_t *k, size_t kl, const uint8_t *d, size_t dl, uint8_t out[32])
{
    unsigned n = 32;
    if (!HMAC(EVP_sha256(), k, (int)kl, d, dl, out, &n)) die("HMAC-SHA256 failed");
}

static void expand_label(const uint8_t secret[32], const char *label, uint8_t *out, size_t len)
{
    uint8_t info[80], t[32];
    size_t ll = strlen(label), n = 0;
    info[n++] = 0;
    info[n++] = (uint8_t)len;
    info[n++] = (uint8_t)(6 + ll);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, ll);
    n += ll;
    info[n++] = 0;                                         /* no context */
    info[n++] = 1;                                         /* T(1): len <= 32 */
    hmac256(secret, 32, info, n, t);
    memcpy(out, t, len);
}

static void initial_keys(const uint8_t *dcid, size_t len, qkeys k[2])   /* [0] client's, [1] server's */
{
    static const uint8_t salt[20] = { 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                      0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };
    uint8_t initial[32], side[32];
    hmac256(salt, sizeof salt, dcid, len, initial);        /* HKDF-Extract */
    for (int d = 0; d < 2; d++) {
        expand_label(initial, d ? "server in" : "client in", side, 32);
        expand_label(side, "quic key", k[d].key, 16);
        expand_label(side, "quic iv", k[d].iv, 12);
        expand_label(side, "quic hp", k[d].hp, 16);
    }
}

static void hp_mask(const qkeys *k, const uint8_t *sample, uint8_t mask[16])
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0;
    if (!x || !EVP_EncryptInit_ex(x, EVP_aes_128_ecb(), NULL, k->hp, NULL) || !EVP_CIPHER_CTX_set_padding(x, 0) ||
        !EVP_EncryptUpdate(x, mask, &l, sample, 16) || l != 16)
        die("AES-128-ECB failed");
    EVP_CIPHER_CTX_free(x);
}

static bool gcm(bool enc, const qkeys *k, uint64_t pn, const uint8_t *aad, size_t aad_len, const uint8_t *in,
                size_t n, uint8_t *out, uint8_t tag[16])
{
    uint8_t nonce[12];
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++) nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0, l2 = 0;
    bool ok = x && EVP_CipherInit_ex(x, EVP_aes_128_gcm(), NULL, k->key, nonce, enc) &&
              EVP_CipherUpdate(x, NULL, &l, aad, (int)aad_len) && EVP_CipherUpdate(x, out, &l, in, (int)n) &&
              (enc || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, 16, tag)) && EVP_CipherFinal_ex(x, out + l, &l2) &&
              (!enc || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, tag));
    EVP_CIPHER_CTX_free(x);
    return ok;
}

static size_t quic_varint(const uint8_t *p, size_t n, uint64_t *v)
{
    if (!n) return 0;
    size_t l = (size_t)1 << (p[0] >> 6);
    if (l > n) return 0;
    uint64_t x = p[0] & 0x3f;
    for (size_t i = 1; i < l; i++) x = x << 8 | p[i];
    *v = x;
    return l;
}

/* The CIDs replaced: [0] the client's first DCID, [1] the server's CID, [2] the client's CID. */
typedef struct qcids {
    uint8_t cid[3][20];
    qkeys k[2];                    /* Initial keys of cid[0] */
} qcids;

static qcids q_old;
static size_t q_cid_len[3];

static void map_cid(uint8_t *p, size_t len, size_t room, const qcids *to)
{
    for (int i = 0; i < 3; i++)
        if (q_cid_len[i] && q_cid_len[i] == len && len <= room && memcmp(p, q_old.cid[i], len) == 0) {
            memcpy(p, to->cid[i], len);
            return;
        }
}

/* Give one datagram (UDP payload) the connection's CIDs; Initial packets sealed again. */
static void quic_recid(uint8_t *d, size_t n, bool c2s, const qcids *to)
{
    static uint8_t hdr[2048], pt[65536];
    size_t off = 0;
    while (off < n) {
        uint8_t *pk = d + off;
        size_t room = n - off;
        if (!(pk[0] & 0x80)) {                             /* short header: the rest of the datagram */
            for (int i = 0; i < 3; i++)
                if (q_cid_len[i] && 1 + q_cid_len[i] <= room && memcmp(pk + 1, q_old.cid[i], q_cid_len[i]) == 0) {
                    memcpy(pk + 1, to->cid[i], q_cid_len[i]);
                    break;
                }
            return;
        }
        if (room < 7 || memcmp(pk + 1, "\0\0\0\1", 4) != 0) die("sample: a long-header packet not in QUIC v1 (use --same-cids)");
        size_t dl = pk[5];
        if (room < 7 + dl || room < 7 + dl + pk[6 + dl]) die("sample: a cut long header");
        size_t sl = pk[6 + dl], h = 7 + dl + sl;
        int type = (pk[0] >> 4) & 3;
        if (type == 3) die("sample: a Retry (use --same-cids)");
        uint64_t v = 0;
        size_t l;
        if (type == 0) {                                   /* Initial: the token */
            if (!(l = quic_varint(pk + h, room - h, &v)) || v > room - h - l) die("sample: a bad Initial token");
            h += l + (size_t)v;
        }
        if (!(l = quic_varint(pk + h, room - h, &v)) || v > room - h - l || v < 20) die("sample: a bad packet length");
        size_t pn_off = h + l, total = pn_off + (size_t)v;
        if (type != 0) {
            map_cid(pk + 6, dl, room - 6, to);
            map_cid(pk + 7 + dl, sl, room - 7 - dl, to);
            off += total;
            continue;
        }
        const qkeys *ok = &q_old.k[c2s ? 0 : 1], *nk = &to->k[c2s ? 0 : 1];
        uint8_t mask[16];
        hp_mask(ok, pk + pn_off + 4, mask);
        uint8_t first = pk[0] ^ (mask[0] & 0x0f);
        size_t pnl = (size_t)(first & 3) + 1;
        if (pn_off + pnl > sizeof hdr) die("sample: a long header too long");
        memcpy(hdr, pk, pn_off + pnl);
        hdr[0] = first;
        uint64_t pn = 0;
        for (size_t i = 0; i < pnl; i++) {
            hdr[pn_off + i] ^= mask[1 + i];
            pn = pn << 8 | hdr[pn_off + i];
        }
        uint8_t *ct = pk + pn_off + pnl, *tag = pk + total - 16;
        size_t ctn = total - pn_off - pnl - 16;
        uint8_t t[16];
        memcpy(t, tag, 16);
        if (!gcm(false, ok, pn, hdr, pn_off + pnl, ct, ctn, pt, t))
            die("sample: an Initial packet does not open with the keys of its first DCID");
        map_cid(hdr + 6, dl, room - 6, to);
        map_cid(hdr + 7 + dl, sl, room - 7 - dl, to);
        if (!gcm(true, nk, pn, hdr, pn_off + pnl, pt, ctn, ct, tag)) die("AES-128-GCM failed");
        hp_mask(nk, pk + pn_off + 4, mask);
        memcpy(pk, hdr, pn_off);
        pk[0] = first ^ (mask[0] & 0x0f);
        for (size_t i = 0; i < pnl; i++) pk[pn_off + i] = hdr[pn_off + i] ^ mask[1 + i];
        off += total;
    }
}

/* The sample's CIDs: the first DCID and the client's CID from its first packet (the client's
 * Initial), the server's from the first long header the server sent. */
static void quic_sample_cids(void)
{
    bool have_server = false;
    for (size_t i = 0; i < qs_n; i++) {
        const uint8_t *pk = qs[i].frame + qs[i].udp_off + 8;
        size_t room = qs[i].len - qs[i].udp_off - 8;
        if (room < 7 || !(pk[0] & 0x80)) continue;
        size_t dl = pk[5];
        if (dl > 20 || room < 7 + dl || pk[6 + dl] > 20 || room < 7 + dl + pk[6 + dl]) die("sample: a bad long header");
        if (i == 0) {
            if (!qs[i].c2s || ((pk[0] >> 4) & 3) != 0) die("sample: its first packet is not the client's Initial");
            q_cid_len[0] = dl;
            memcpy(q_old.cid[0], pk + 6, dl);
            q_cid_len[2] = pk[6 + dl];
            memcpy(q_old.cid[2], pk + 7 + dl, q_cid_len[2]);
        } else if (!qs[i].c2s && !have_server) {
            q_cid_len[1] = pk[6 + dl];
            memcpy(q_old.cid[1], pk + 7 + dl, q_cid_len[1]);
            have_server = true;
        }
    }
    if (!q_cid_len[0]) die("sample: no first DCID");
    initial_keys(q_old.cid[0], q_cid_len[0], q_old.k);
}

typedef struct qconn {
    qcids ids;
    uint64_t next_us;
    uint32_t ip;
    uint16_t port;
    uint16_t stretch;              /* the sample's offsets times stretch / 1024 */
    uint32_t at;                   /* < qs_n: the sample's packet; then the extra datagrams */
    uint64_t start_us;
} qconn;

static void run_quic(const config *cf)
{
    long n = cf->n > 0 ? cf->n : 10000;
    long k = cf->per_conn;
    read_sample(cf->sample);
    if (!cf->same_cids) quic_sample_cids();
    size_t *one[2] = { xmalloc(qs_n * sizeof(size_t)), xmalloc(qs_n * sizeof(size_t)) }, n_one[2] = { 0, 0 };
    for (size_t i = 0; i < qs_n; i++) {
        const uint8_t *payload = qs[i].frame + qs[i].udp_off + 8;
        if (qs[i].len > qs[i].udp_off + 8 && !(payload[0] & 0x80)) one[qs[i].c2s ? 0 : 1][n_one[qs[i].c2s ? 0 : 1]++] = i;
    }
    if (k > 0 && (!n_one[0] || !n_one[1]))
        die("%s: no short-header datagram from %s to copy", cf->sample, n_one[0] ? "the server" : "the client");
    /* client i: 10.64.0.1 + i % 4093 (a prime: neighbours in time differ in address), port
     * 32768 + 7 * (i / 4093) + 0..6, so no two connections share both */
    if (n > 4093L * ((65535 - 32768 - 6) / 7)) die("-n %ld: too many connections for the address plan", n);
    qconn *cs = calloc((size_t)n, sizeof *cs);
    qconn **hp = calloc((size_t)n, sizeof *hp);
    if (!cs || !hp) die("out of memory");
    size_t hn = 0, per = qs_n + 2 * (size_t)k;
    uint64_t next_start = T0 * 1000000ull + rnd_below(1000000);
    long started = 0;
    static uint8_t fr[65536];
    static uint16_t ip_id;
#define QBEFORE(a, b) ((a)->next_us < (b)->next_us || ((a)->next_us == (b)->next_us && (a) < (b)))
    for (;;) {
        if (started < n && (!hn || next_start <= hp[0]->next_us)) {
            qconn *c = &cs[started];
            c->ip = 0x0A400001u + (uint32_t)(started % 4093);
            c->port = (uint16_t)(32768 + 7 * (started / 4093) + rnd_below(7));
            c->stretch = (uint16_t)rnd_range(512, 2048);
            if (!cf->same_cids) {
                for (int j = 0; j < 3; j++) rnd_bytes(c->ids.cid[j], q_cid_len[j]);
                initial_keys(c->ids.cid[0], q_cid_len[0], c->ids.k);
            }
            c->start_us = c->next_us = next_start;
            started++;
            next_start += 1 + (uint64_t)(-200.0 * log(1.0 - rnd_unit()));
            size_t i = hn++;                               /* sift up */
            while (i > 0 && QBEFORE(c, hp[(i - 1) / 2])) {
                hp[i] = hp[(i - 1) / 2];
                i = (i - 1) / 2;
            }
            hp[i] = c;
            continue;
        }
        if (!hn) break;
        qconn *c = hp[0];
        const qsample_pkt *s;
        if (c->at < qs_n) s = &qs[c->at];
        else {
            size_t j = c->at - qs_n, d = j & 1;
            s = &qs[one[d][(j / 2) % n_one[d]]];
        }
        memcpy(fr, s->frame, s->len);
        uint8_t *ip = fr + s->ip_off, *udp = fr + s->udp_off;
        be32(ip + (s->c2s ? 12 : 16), c->ip);
        be16(ip + 4, ip_id++);
        be16(ip + 10, 0);
        be16(ip + 10, csum_fold(csum_add(0, ip, s->udp_off - s->ip_off)));
        be16(udp + (s->c2s ? 0 : 2), c->port);
        be16(udp + 6, 0);                                  /* no checksum (IPv4) */
        if (!cf->same_cids) quic_recid(udp + 8, s->len - s->udp_off - 8, s->c2s, &c->ids);
        uint64_t us = c->next_us;
        uint32_t h[4] = { (uint32_t)(us / 1000000), (uint32_t)(us % 1000000), (uint32_t)s->len, (uint32_t)s->len };
        if (fwrite(h, 1, sizeof h, pcap_out) != sizeof h || fwrite(fr, 1, s->len, pcap_out) != s->len) die("write error");
        written += sizeof h + s->len;
        n_packets++;
        c->at++;
        if (c->at == per) {                                /* done: the last leaf takes its place */
            c = hp[--hn];
            if (!hn) continue;
        } else if (c->at < qs_n) {
            c->next_us = c->start_us + qs[c->at].off_us * c->stretch / 1024;
            if (c->next_us < us) c->next_us = us;
        } else {
            c->next_us = us + rnd_range(1000, 20000);
        }
        size_t i = 0;                                      /* sift down from the top */
        for (;;) {
            size_t l = 2 * i + 1, m;
            if (l >= hn) break;
            m = l + 1 < hn && QBEFORE(hp[l + 1], hp[l]) ? l + 1 : l;
            if (!QBEFORE(hp[m], c)) break;
            hp[i] = hp[m];
            i = m;
        }
        hp[i] = c;
    }
#undef QBEFORE
    fprintf(stderr, "gencap: %s: %ld connections of %zu sample datagrams + 2 x %ld short-header ones, "
                    "%llu packets, %.1f MB\n", cf->file, n, qs_n, k, (unsigned long long)n_packets, written / 1e6);
    for (size_t i = 0; i < qs_n; i++) free(qs[i].frame);
    free(qs);
    free(one[0]);
    free(one[1]);
    free(cs);
    free(hp);
}

int main(int argc, char **argv)
{
    config cf = { .seed = 1, .keys = "tests/bench/keys", .size_mb = 450, .fail_pct = 8, .tls13_pct = 50,
                  .per_conn = 50, .sample = "samples/quic/quic-ok-chromium.pcap" };
    enum { O_SIZE = 256, O_FAIL, O_TLS13, O_KEYS, O_CA, O_PER_CONN, O_SAMPLE, O_SAME_CIDS };
    static const struct option longs[] = {
        { "size-mb", required_argument, NULL, O_SIZE }, { "fail-pct", required_argument, NULL, O_FAIL },
        { "tls13-pct", required_argument, NULL, O_TLS13 }, { "keys", required_argument, NULL, O_KEYS },
        { "ca", required_argument, NULL, O_CA }, { "packets-per-conn", required_argument, NULL, O_PER_CONN },
        { "sample", required_argument, NULL, O_SAMPLE }, { "same-cids", no_argument, NULL, O_SAME_CIDS },
        { NULL, 0, NULL, 0 },
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "o:s:n:c:", longs, NULL)) != -1) {
        switch (opt) {
        case 'o': cf.file = optarg; break;
        case 's': cf.seed = strtoull(optarg, NULL, 0); break;
        case 'n': cf.n = strtol(optarg, NULL, 10); break;
        case 'c': cf.concurrent = strtol(optarg, NULL, 10); break;
        case O_SIZE: cf.size_mb = strtod(optarg, NULL); break;
        case O_FAIL: cf.fail_pct = atoi(optarg); break;
        case O_TLS13: cf.tls13_pct = atoi(optarg); break;
        case O_KEYS: cf.keys = optarg; break;
        case O_CA: cf.ca = optarg; break;
        case O_PER_CONN: cf.per_conn = strtol(optarg, NULL, 10); break;
        case O_SAMPLE: cf.sample = optarg; break;
        case O_SAME_CIDS: cf.same_cids = true; break;
        default: die("usage: gencap bulk|handshake|idle|synflood|quic -o FILE [-s SEED] [-n N] [-c C] [--size-mb MB] "
                     "[--fail-pct P] [--tls13-pct P] [--keys DIR] [--ca FILE] [--packets-per-conn K] [--sample PCAP] "
                     "[--same-cids]");
        }
    }
    if (optind != argc - 1 || !cf.file) die("usage: gencap bulk|handshake|idle|synflood|quic -o FILE [options]");
    if (cf.per_conn < 0) die("--packets-per-conn: not a count");
    cf.mode = argv[optind];
    uint64_t x = cf.seed;
    for (int i = 0; i < 4; i++) rs[i] = splitmix(&x);
    rnd_bytes(pool, sizeof pool);
    bool bulk = strcmp(cf.mode, "bulk") == 0, hs = strcmp(cf.mode, "handshake") == 0;
    bool idle = strcmp(cf.mode, "idle") == 0, flood = strcmp(cf.mode, "synflood") == 0;
    bool quic = strcmp(cf.mode, "quic") == 0;
    if (!bulk && !hs && !idle && !flood && !quic) die("unknown mode '%s'", cf.mode);
    if (!quic) make_servers(cf.keys, bulk ? 12 : 4, cf.ca);
    pcap_out = strcmp(cf.file, "-") == 0 ? stdout : fopen(cf.file, "wb");
    if (!pcap_out) die("%s: cannot create", cf.file);
    static char obuf[1 << 20];
    setvbuf(pcap_out, obuf, _IOFBF, sizeof obuf);
    pcap_header();
    if (bulk || hs) run_sessions(&cf, bulk);
    else if (quic) run_quic(&cf);
    else run_flat(&cf, idle);
    if (fflush(pcap_out) != 0 || (pcap_out != stdout && fclose(pcap_out) != 0)) die("%s: write error", cf.file);
    return 0;
}
