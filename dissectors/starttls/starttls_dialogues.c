/* starttls_dialogues.c - each protocol's lines before TLS: the capability list (and STARTTLS in
 * it), the client's request, the server's answer.  starttls.c frames the lines. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dissectors/starttls/starttls_int.h"

/* The word at l (up to a space or the end) into w: its length. */
static size_t word(const char *l, char *w, size_t wlen)
{
    size_t n = 0;
    while (l[n] && l[n] != ' ' && l[n] != '\t' && n + 1 < wlen) {
        w[n] = l[n];
        n++;
    }
    w[n] = '\0';
    return n;
}

/* strcasestr, which C17 lacks. */
static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0) return hay;
    return NULL;
}

static bool is(const char *w, const char *name)
{
    return strcasecmp(w, name) == 0;
}

/* A capability overwritten letter by letter, as a stripping middlebox leaves it: "XXXXXXXA" for
 * STARTTLS, "XXXX" for STLS (X's, perhaps one other letter last, as long as the word replaced). */
static bool overwritten(const char *w)
{
    size_t n = strlen(w), x = 0;
    while (x < n && (w[x] == 'X' || w[x] == 'x')) x++;
    return (n == 8 || n == 4) && x >= n - 1 && x >= 4;
}

static void caps_word(td_starttls *s, const char *w, const char *want)
{
    if (is(w, want)) s->offered = true;
    else if (overwritten(w) && !s->tampered) {
        s->tampered = true;
        snprintf(s->tamper, sizeof s->tamper, "%s", w);
    }
}

static void answer(td_starttls *s, const char *l, bool yes, uint64_t packet)
{
    s->answered = true;
    s->accepted = yes;
    s->reply_packet = packet;
    snprintf(s->reply, sizeof s->reply, "%s", l);
}

static void request(td_starttls *s, uint64_t packet)
{
    if (s->requested) return;
    s->requested = true;
    s->request_packet = packet;
}

/* "250-STARTTLS": its code (0 if none) and whether more lines follow. */
static int reply_code(const char *l, size_t len, bool *more)
{
    *more = false;
    if (len < 3 || l[0] < '1' || l[0] > '5' || l[1] < '0' || l[1] > '9' || l[2] < '0' || l[2] > '9') return 0;
    if (len > 3 && l[3] != ' ' && l[3] != '-') return 0;
    *more = len > 3 && l[3] == '-';
    return (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
}

/* A client command of an SMTP, POP3 or FTP dialogue: counted, so that its reply can be found. */
static void command(td_stls_parser *p, td_starttls *s, bool caps, bool starttls, uint64_t packet)
{
    p->cmds++;
    if (caps && !p->caps_no) p->caps_no = p->cmds;
    if (starttls && !s->requested) {
        p->req_no = p->cmds;
        request(s, packet);
    }
}

/* Does the server's reply number `reply` answer command `cmd`?  (The banner is reply 1.) */
static bool answers(uint32_t reply, uint32_t cmd)
{
    return cmd && reply == cmd + 1;
}

static bool smtp(td_stls_parser *p, td_starttls *s, int dir, const char *l, size_t len, uint64_t packet)
{
    char w[64];
    if (dir == TD_C2S) {
        word(l, w, sizeof w);
        command(p, s, is(w, "EHLO") || is(w, "LHLO"), is(w, "STARTTLS"), packet);
        return false;
    }
    bool more;
    int code = reply_code(l, len, &more);
    if (!code) return false;
    uint32_t reply = p->replies + 1;               /* the reply this line belongs to */
    if (!more) p->replies++;
    if (s->requested && !s->answered && answers(reply, p->req_no)) {
        if (more) return false;                    /* the answer's last line decides */
        answer(s, l, code == 220, packet);
        return code == 220;
    }
    if (code == 250 && answers(reply, p->caps_no)) {
        if (!s->caps_seen) s->caps_packet = packet;
        s->caps_seen = true;
        if (len > 4) {
            word(l + 4, w, sizeof w);
            caps_word(s, w, "STARTTLS");
        }
    }
    return false;
}

/* IMAP capabilities: "* CAPABILITY IMAP4rev1 STARTTLS ..." or "* OK [CAPABILITY ... STARTTLS]". */
static void imap_caps(td_starttls *s, const char *l, uint64_t packet)
{
    const char *c = find_ci(l, "CAPABILITY ");
    if (!c) return;
    if (!s->caps_seen) s->caps_packet = packet;
    s->caps_seen = true;
    char w[64];
    for (c += 11; *c && *c != ']'; ) {
        while (*c == ' ') c++;
        size_t n = word(c, w, sizeof w);
        char *br = strchr(w, ']');
        if (br) *br = '\0';
        caps_word(s, w, "STARTTLS");
        if (br || !n) break;
        c += n;
        while (*c && *c != ' ') c++;               /* the rest of an over-long word */
    }
}

static bool imap(td_stls_parser *p, td_starttls *s, int dir, const char *l, size_t len, uint64_t packet)
{
    char tag[32], w[32];
    size_t tn = word(l, tag, sizeof tag);
    if (dir == TD_C2S) {
        if (tn < len) {
            word(l + tn + 1, w, sizeof w);
            if (is(w, "STARTTLS") && !s->requested) {
                request(s, packet);
                snprintf(p->tag, sizeof p->tag, "%s", tag);
            }
        }
        return false;
    }
    if (s->requested && !s->answered && p->tag[0] && strcmp(tag, p->tag) == 0 && tn < len) {
        word(l + tn + 1, w, sizeof w);
        answer(s, l, is(w, "OK"), packet);
        return s->accepted;
    }
    imap_caps(s, l, packet);
    return false;
}

static bool pop3(td_stls_parser *p, td_starttls *s, int dir, const char *l, size_t len, uint64_t packet)
{
    char w[64];
    word(l, w, sizeof w);
    if (dir == TD_C2S) {
        command(p, s, is(w, "CAPA"), is(w, "STLS"), packet);
        return false;
    }
    bool ok = strncmp(l, "+OK", 3) == 0, err = strncmp(l, "-ERR", 4) == 0;
    if (p->in_caps) {                              /* the list, up to its "." */
        if (len == 1 && l[0] == '.') p->in_caps = false;
        else caps_word(s, w, "STLS");
        return false;
    }
    if (!ok && !err) return false;
    uint32_t reply = ++p->replies;
    if (s->requested && !s->answered && answers(reply, p->req_no)) {
        answer(s, l, ok, packet);
        return ok;
    }
    if (ok && answers(reply, p->caps_no)) {
        p->in_caps = true;
        if (!s->caps_seen) s->caps_packet = packet;
        s->caps_seen = true;
    }
    return false;
}

static bool ftp(td_stls_parser *p, td_starttls *s, int dir, const char *l, size_t len, uint64_t packet)
{
    char w[64];
    if (dir == TD_C2S) {
        size_t n = word(l, w, sizeof w);
        bool auth = is(w, "AUTH") && n < len && (strncasecmp(l + n + 1, "TLS", 3) == 0 || strncasecmp(l + n + 1, "SSL", 3) == 0);
        command(p, s, is(w, "FEAT"), auth, packet);
        return false;
    }
    bool more;
    int code = reply_code(l, len, &more);
    if (!code) {                                   /* inside a multi-line reply: " AUTH TLS" in FEAT's */
        if (!p->in_caps) return false;
        const char *c = l;
        while (*c == ' ') c++;
        size_t n = word(c, w, sizeof w);
        if (is(w, "AUTH") && find_ci(c + n, "TLS")) s->offered = true;
        else caps_word(s, w, "AUTH");
        return false;
    }
    uint32_t reply = p->replies + 1;
    if (!more) p->replies++;
    if (s->requested && !s->answered && answers(reply, p->req_no)) {
        if (more) return false;
        bool yes = code == 234 || code == 334;     /* 334: what some servers answer to AUTH SSL */
        answer(s, l, yes, packet);
        return yes;
    }
    p->in_caps = code == 211 && more && answers(reply, p->caps_no);
    if (p->in_caps) {
        if (!s->caps_seen) s->caps_packet = packet;
        s->caps_seen = true;
    }
    return false;
}

/* XMPP, one tag at a time: "<stream:features>", "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>",
 * "<proceed .../>" or "<failure .../>". */
static bool xmpp(td_stls_parser *p, td_starttls *s, int dir, const char *l, uint64_t packet)
{
    while (*l == ' ' || *l == '\t' || *l == '\r' || *l == '\n') l++;
    if (dir == TD_C2S) {
        if (strncmp(l, "<starttls", 9) == 0) request(s, packet);
        return false;
    }
    if (p->proceed_open) {
        p->proceed_open = false;
        return strncmp(l, "</proceed", 9) == 0;
    }
    if (strncmp(l, "<stream:features", 16) == 0 || (strncmp(l, "<features", 9) == 0)) {
        if (!s->caps_seen) s->caps_packet = packet;
        s->caps_seen = true;
        p->in_caps = true;
    } else if (strncmp(l, "</stream:features", 17) == 0 || strncmp(l, "</features", 10) == 0) {
        p->in_caps = false;
    } else if (strncmp(l, "<starttls", 9) == 0 && p->in_caps) {
        s->offered = true;
    } else if (s->requested && !s->answered && (strncmp(l, "<proceed", 8) == 0 || strncmp(l, "<failure", 8) == 0)) {
        bool yes = l[1] == 'p';
        answer(s, l, yes, packet);
        size_t n = strlen(l);
        if (yes && !(n >= 2 && l[n - 2] == '/')) {
            p->proceed_open = true;                /* <proceed ...></proceed> */
            return false;
        }
        return yes;
    }
    return false;
}

bool td_stls_line(td_stls_parser *p, td_starttls *s, int dir, const char *l, size_t len, uint64_t packet)
{
    switch (p->proto) {
    case TD_STLS_SMTP: return smtp(p, s, dir, l, len, packet);
    case TD_STLS_IMAP: return imap(p, s, dir, l, len, packet);
    case TD_STLS_POP3: return pop3(p, s, dir, l, len, packet);
    case TD_STLS_FTP: return ftp(p, s, dir, l, len, packet);
    case TD_STLS_XMPP: return xmpp(p, s, dir, l, packet);
    default: return false;
    }
}
