/* tls_labels.c - printable labels for code points, falling back to the number. */
#include <stdio.h>

#include "dissectors/dissect.h"

const char *td_version_label(uint16_t v, char *buf, size_t len)
{
    const char *n = td_version_name(v);
    if (n) return n;
    if (td_tls13_draft(v) >= 0) snprintf(buf, len, "TLS1.3-draft-%d", td_tls13_draft(v));
    else if (v == 0xfb17 || v == 0xfb1a) snprintf(buf, len, "TLS1.3-draft-%d-fb", v & 0xff);  /* Fizz's */
    else snprintf(buf, len, "0x%04X", v);
    return buf;
}

const char *td_cipher_label(uint32_t c, char *buf, size_t len)
{
    const char *n = td_cipher_name(c);
    if (n) return n;
    snprintf(buf, len, c > 0xffff ? "0x%06X" : "0x%04X", c);
    return buf;
}

const char *td_alert_label(uint8_t code, char *buf, size_t len)
{
    const char *n = td_alert_name(code);
    if (n) return n;
    snprintf(buf, len, "alert_%u", code);
    return buf;
}
