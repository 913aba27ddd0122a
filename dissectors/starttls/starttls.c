/* starttls.c - the plaintext before STARTTLS: each direction cut into lines (XML tags for XMPP),
 * the protocol told from the first one, and the byte where TLS begins handed back. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissectors/dissect.h"
#include "dissectors/starttls/starttls_int.h"

td_stls_parser *td_stls_new(void)
{
    return calloc(1, sizeof(td_stls_parser));
}

void td_stls_free(td_stls_parser *p)
{
    free(p);
}

size_t td_stls_buffered(const td_stls_parser *p)
{
    return p ? sizeof *p : 0;
}

td_stls_status td_stls_status_of(const td_stls_parser *p)
{
    return p ? (td_stls_status)p->status : TD_STLS_UNKNOWN;
}

const char *td_stls_proto_name(int proto)
{
    static const char *const names[] = { NULL, "smtp", "imap", "pop3", "ftp", "xmpp", "postgresql", "ldap", "mysql" };
    return proto > 0 && proto < (int)(sizeof names / sizeof names[0]) ? names[proto] : NULL;
}

void td_stls_gap(td_stls_parser *p, int dir)
{
    if (!p || dir < 0 || dir > 1) return;
    p->lost[dir] = true;
    p->have[dir] = 0;
}

static bool begins(const char *l, size_t len, const char *word)
{
    size_t n = strlen(word);
    return len >= n && strncasecmp(l, word, n) == 0;
}

static bool has(const char *l, const char *word)
{
    return strstr(l, word) != NULL;
}

/* The protocol, from the first line either side sends: 0 when these bytes say nothing. */
static uint8_t tell(int dir, const char *l, size_t len)
{
    if (begins(l, len, "<?xml") || begins(l, len, "<stream:stream") || (l[0] == '<' && has(l, "jabber")))
        return TD_STLS_XMPP;
    if (dir == TD_S2C) {
        if (begins(l, len, "* OK") || begins(l, len, "* PREAUTH")) return TD_STLS_IMAP;
        if (begins(l, len, "+OK")) return TD_STLS_POP3;
        if (len >= 4 && l[0] == '2' && l[1] == '2' && l[2] == '0' && (l[3] == ' ' || l[3] == '-')) {
            if (has(l, "FTP") || has(l, "ftp")) return TD_STLS_FTP;
            if (has(l, "SMTP") || has(l, "smtp")) return TD_STLS_SMTP;
            return STLS_SMTP_OR_FTP;
        }
        return 0;
    }
    if (begins(l, len, "EHLO ") || begins(l, len, "HELO ") || begins(l, len, "LHLO ")) return TD_STLS_SMTP;
    if (begins(l, len, "AUTH TLS") || begins(l, len, "AUTH SSL") || begins(l, len, "FEAT") || begins(l, len, "USER ") ||
        begins(l, len, "SYST"))
        return TD_STLS_FTP;
    if (begins(l, len, "CAPA") || begins(l, len, "STLS")) return TD_STLS_POP3;
    const char *sp = memchr(l, ' ', len);          /* IMAP: "TAG COMMAND" */
    if (sp && sp > l && (begins(sp + 1, len - (size_t)(sp + 1 - l), "CAPABILITY") ||
                         begins(sp + 1, len - (size_t)(sp + 1 - l), "STARTTLS")))
        return TD_STLS_IMAP;
    return 0;
}

bool td_stls_opening(const uint8_t *data, size_t len)
{
    if (!data) return false;
    static const uint8_t pg_ssl[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f }, pg_gss[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30 };
    if (len >= 8 && (memcmp(data, pg_ssl, 8) == 0 || memcmp(data, pg_gss, 8) == 0)) return true;
    if (td_stls_ldap_opening(data, len)) return true;
    if (len >= 16 && data[2] == 0 && data[3] == 0 && data[4] == 0x0a && (data[0] | data[1] << 8) >= 16) return true;   /* MySQL */
    char l[64];
    size_t n = len < sizeof l - 1 ? len : sizeof l - 1;
    memcpy(l, data, n);
    l[n] = '\0';
    if (strlen(l) != n) return false;              /* a NUL: binary, not a dialogue */
    if (n >= 4 && l[0] == '2' && l[1] == '2' && l[2] == '0' && (l[3] == ' ' || l[3] == '-')) return true;
    uint8_t pr = tell(TD_S2C, l, n);
    if (!pr) pr = tell(TD_C2S, l, n);
    return pr == TD_STLS_SMTP || pr == TD_STLS_IMAP || pr == TD_STLS_POP3 || pr == TD_STLS_XMPP ||
           (pr == TD_STLS_FTP && begins(l, n, "AUTH "));
}

/* A complete line: decide the protocol if still open, then hand it to the protocol's reader. */
static bool line_done(td_stls_parser *p, td_starttls **out, int dir, uint64_t packet)
{
    char *l = p->line[dir];
    size_t len = p->have[dir];
    while (len && (l[len - 1] == '\r' || l[len - 1] == '\n')) len--;
    l[len] = '\0';
    p->have[dir] = 0;
    p->cut[dir] = false;
    if (p->status == TD_STLS_PENDING || p->proto == STLS_SMTP_OR_FTP) {
        uint8_t pr = tell(dir, l, len);
        bool last = dir == TD_S2C && len >= 4 && l[3] == ' ';   /* a reply's last line: "220 " */
        if (p->proto == STLS_SMTP_OR_FTP) {
            p->replies += last && len >= 3 && l[0] >= '1' && l[0] <= '5';
            if (dir == TD_S2C || !pr) return false;  /* the client's command decides */
            if (pr != TD_STLS_SMTP && pr != TD_STLS_FTP) pr = TD_STLS_SMTP;
        }
        if (!pr) {
            p->status = TD_STLS_UNKNOWN;
            return false;
        }
        if (!*out && !(*out = calloc(1, sizeof **out))) {
            p->status = TD_STLS_UNKNOWN;
            return false;
        }
        p->proto = pr;
        p->status = TD_STLS_KNOWN;
        if (pr != STLS_SMTP_OR_FTP) (*out)->protocol = pr;
        if (pr == STLS_SMTP_OR_FTP) {
            p->replies += last;                    /* the banner, counted as the readers count */
            return false;
        }
    }
    return td_stls_line(p, *out, dir, l, len, packet);
}

size_t td_stls_feed(td_stls_parser *p, td_starttls **out, int dir, const uint8_t *data, size_t n,
                    uint64_t packet, bool *tls)
{
    *tls = false;
    if (!p || !out || dir < 0 || dir > 1 || !data) return 0;
    if (n && p->status == TD_STLS_PENDING && !p->proto && p->have[dir] == 0)
        p->proto = td_stls_binary_opens(dir, data[0]);   /* binary: read by starttls_binary.c */
    size_t i = 0;
    if (p->proto == TD_STLS_PGSQL || p->proto == TD_STLS_LDAP || p->proto == TD_STLS_MYSQL) {
        if (p->status == TD_STLS_UNKNOWN) return 0;
        i = td_stls_binary(p, out, dir, data, n, packet, tls);
        if (p->proto || *tls) return i;            /* else not LDAP or MySQL: lines, from byte i */
    }
    while (i < n && p->status != TD_STLS_UNKNOWN && !p->lost[dir]) {
        /* The client asked, then started TLS: a record (type 22) where a command would begin. */
        if (dir == TD_C2S && *out && (*out)->requested && p->have[dir] == 0 && data[i] == 22 &&
            (!(*out)->answered || (*out)->accepted)) {
            *tls = true;
            return i;
        }
        if (dir == TD_S2C && *out && (*out)->requested && !(*out)->answered && p->have[dir] == 0 && data[i] == 22)
            (*out)->tls_unasked = true;               /* not taken as TLS: the server has not said yes */
        bool xml = p->proto == TD_STLS_XMPP || (p->status == TD_STLS_PENDING && p->have[dir] == 0 && data[i] == '<') ||
                   (p->status == TD_STLS_PENDING && p->have[dir] && p->line[dir][0] == '<');
        const uint8_t *end = memchr(data + i, xml ? '>' : '\n', n - i);
        size_t take = end ? (size_t)(end - (data + i)) + 1 : n - i;
        size_t room = STLS_LINE_CAP - p->have[dir];
        size_t copy = take < room ? take : room;
        for (size_t k = 0; k < copy; k++) {           /* printable ASCII only: the rest shows as '.' */
            uint8_t b = data[i + k];
            p->line[dir][p->have[dir] + k] = (char)(b == '\r' || b == '\n' || (b >= 0x20 && b < 0x7f) ? b : '.');
        }
        p->have[dir] += copy;
        if (copy < take) p->cut[dir] = true;
        i += take;
        if (!end) break;
        if (line_done(p, out, dir, packet)) {
            *tls = true;
            return i;
        }
    }
    return i;
}
