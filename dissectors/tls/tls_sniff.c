/* tls_sniff.c - recognisers for the first bytes of a TCP stream: is it TLS, and if not, what? */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "dissectors/dissect.h"
#include "dissectors/tls/tls_int.h"

bool td_sniff_tls(const uint8_t *data, size_t len)
{
    if (!data || len < 3) return false;
    /* A TLS handshake record (or an alert: a server refusing right away) with major version 3. */
    if ((data[0] == 22 || data[0] == 21) && data[1] == 3 && data[2] <= 4) return true;
    return len >= 5 && tls_sslv2_record_len(data, len, TD_C2S) > 0;
}

static const char *const http_methods[] = {
    "GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "CONNECT ", "PATCH ", "TRACE ", "PRI * HTTP/2",
};

/* The first line of p (up to CR/LF, at most max bytes) into out, printable ASCII only: any other
 * byte becomes `bad`. */
static void copy_line(char *out, size_t outlen, const uint8_t *p, size_t n, size_t max, char bad)
{
    size_t o = 0;
    for (size_t i = 0; i < n && i < max && p[i] != '\r' && p[i] != '\n' && o + 1 < outlen; i++)
        out[o++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : bad;
    out[o] = '\0';
}

/* prefix, then the first line of data. */
static void first_line(const char *prefix, const uint8_t *data, size_t len, char *out, size_t outlen)
{
    size_t o = (size_t)snprintf(out, outlen, "%s", prefix);
    if (o >= outlen) return;                             /* cut inside the prefix: terminated */
    copy_line(out + o, outlen - o, data, len, len, '.');
}

static bool starts(const uint8_t *data, size_t len, const char *s)
{
    size_t n = strlen(s);
    return len >= n && memcmp(data, s, n) == 0;
}

bool td_sniff_plaintext(const uint8_t *data, size_t len, char *out, size_t outlen)
{
    if (!out || outlen == 0) return false;
    out[0] = '\0';
    if (!data) len = 0;
    for (size_t i = 0; i < sizeof http_methods / sizeof http_methods[0]; i++) {
        if (starts(data, len, http_methods[i])) {
            first_line("HTTP request: ", data, len, out, outlen);
            return true;
        }
    }
    if (starts(data, len, "HTTP/")) { first_line("HTTP response: ", data, len, out, outlen); return true; }
    if (starts(data, len, "SSH-")) { first_line("SSH banner: ", data, len, out, outlen); return true; }
    if (len >= 4 && isdigit(data[0]) && isdigit(data[1]) && isdigit(data[2]) && (data[3] == ' ' || data[3] == '-')) {
        first_line("text protocol reply: ", data, len, out, outlen);  /* SMTP/FTP banners */
        return true;
    }
    if (starts(data, len, "EHLO ") || starts(data, len, "HELO ") || starts(data, len, "STARTTLS") ||
        starts(data, len, "STLS") || starts(data, len, "AUTH TLS")) {
        first_line("mail/FTP command: ", data, len, out, outlen);
        return true;
    }
    if (starts(data, len, "* OK") || starts(data, len, "+OK")) {
        first_line("mail server banner: ", data, len, out, outlen);
        return true;
    }
    /* Unknown but printable (a text protocol, a banner): its first line as text. */
    size_t line = 0;
    while (line < len && data[line] != '\r' && data[line] != '\n' && (isprint(data[line]) || data[line] == '\t')) line++;
    if (line >= 4 && (line == len || data[line] == '\r' || data[line] == '\n')) {
        first_line("text: ", data, len, out, outlen);
        return false;
    }
    /* Unknown: a hex preview of the first bytes. */
    size_t o = (size_t)snprintf(out, outlen, "non-TLS bytes:");
    for (size_t i = 0; i < len && i < 16 && o + 4 < outlen; i++)
        o += (size_t)snprintf(out + o, outlen - o, " %02x", data[i]);
    return false;
}

bool td_sniff_app_first(const uint8_t *p, size_t n, char *out, size_t outlen)
{
    static const char h2[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    static const char *const refusals[] = {             /* nginx's texts for a client certificate */
        "No required SSL certificate was sent", "The SSL certificate error",
    };
    if (!outlen) return false;
    out[0] = '\0';
    if (n >= sizeof h2 - 1 && memcmp(p, h2, sizeof h2 - 1) == 0) {
        snprintf(out, outlen, "HTTP/2 connection preface");
        return true;
    }
    if (n >= 12 && memcmp(p, "HTTP/1.", 7) == 0 && p[8] == ' ' && p[9] >= '1' && p[9] <= '5' &&
        p[10] >= '0' && p[10] <= '9' && p[11] >= '0' && p[11] <= '9') {
        copy_line(out, outlen, p, n, 160, '?');
        if (p[9] != '4') return true;
        for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
            size_t pl = strlen(refusals[i]);
            for (size_t j = 0; j + pl <= n; j++)
                if (memcmp(p + j, refusals[i], pl) == 0) {
                    size_t o = strlen(out);
                    snprintf(out + o, outlen - o, " ... %s", refusals[i]);
                    return true;
                }
        }
        return true;
    }
    size_t m = 0;                                        /* METHOD SP target SP HTTP/1.x */
    while (m < n && m < 16 && p[m] >= 'A' && p[m] <= 'Z') m++;
    if (m == 0 || m >= n || p[m] != ' ') return false;
    size_t e = m + 1;
    while (e < n && e < 2048 && p[e] != ' ' && p[e] != '\r' && p[e] != '\n') e++;
    if (e + 9 > n || memcmp(p + e, " HTTP/1.", 8) != 0) return false;
    copy_line(out, outlen, p, n, 160, '?');
    return true;
}
