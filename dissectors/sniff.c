/* sniff.c - recognisers for the first bytes of a TCP stream: is it TLS, and if not, what? */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "tls_internal.h"

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

/* Copy the first line (up to CR/LF), printable ASCII only, into out after prefix. */
static void first_line(const char *prefix, const uint8_t *data, size_t len, char *out, size_t outlen)
{
    size_t o = (size_t)snprintf(out, outlen, "%s", prefix);
    for (size_t i = 0; i < len && o + 1 < outlen; i++) {
        if (data[i] == '\r' || data[i] == '\n') break;
        out[o++] = isprint(data[i]) ? (char)data[i] : '.';
    }
    if (o >= outlen) o = outlen - 1;
    out[o] = '\0';
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
