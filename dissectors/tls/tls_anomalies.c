/* tls_anomalies.c - the words for the TLS dissectors' parse anomalies (td_anomaly_code): the one
 * table that turns them into text, for the findings and reports that show them. */
#include <stdio.h>

#include "dissectors/dissect.h"

const char *td_anomaly_text(const td_anomaly *an, int dir, char *buf, size_t len)
{
    const char *name = td_handshake_name(an->type);
    const char *side = dir == TD_C2S ? "client" : "server";
    unsigned long long a = (unsigned long long)an->a, b = (unsigned long long)an->b;
    const uint8_t *h = an->bytes;
    switch ((td_anomaly_code)an->code) {
    case TD_ANOM_NONE: snprintf(buf, len, "?"); break;
    case TD_ANOM_RECORD_TOO_LONG: snprintf(buf, len, "record length %llu > %llu", a, b); break;
    case TD_ANOM_NOT_RECORD_HEADER:
        snprintf(buf, len, "not a TLS record header: %02x %02x %02x %02x %02x", h[0], h[1], h[2], h[3], h[4]);
        break;
    case TD_ANOM_ZERO_LENGTH_RECORD: snprintf(buf, len, "zero-length record"); break;
    case TD_ANOM_HEARTBEAT_SHORT: snprintf(buf, len, "heartbeat record shorter than its 3-byte header"); break;
    case TD_ANOM_DECRYPTED_ALERT_ODD: snprintf(buf, len, "decrypted alert record of odd length"); break;
    case TD_ANOM_DECRYPTED_UNKNOWN_TYPE: snprintf(buf, len, "decrypted record of an unknown content type"); break;
    case TD_ANOM_HANDSHAKE_MALFORMED:
        snprintf(buf, len, "malformed %s (%llu bytes)", name ? name : "handshake message", a);
        break;
    case TD_ANOM_HANDSHAKE_OVER_CAP: snprintf(buf, len, "handshake message of %llu bytes over the %llu-byte cap", a, b); break;
    case TD_ANOM_HANDSHAKE_UNFINISHED:
        snprintf(buf, len, "%s of %llu bytes unfinished: the %s closed after %llu of them",
                 name ? name : "handshake message", a, side, b);
        break;
    case TD_ANOM_CERT_NOT_DER: snprintf(buf, len, "Certificate: certificate %llu (%llu bytes) is not X.509 DER", a, b); break;
    case TD_ANOM_SSLV2_PADDING: snprintf(buf, len, "SSLv2 record of %llu bytes with %llu bytes of padding", a, b); break;
    case TD_ANOM_SSLV2_HELLO_MALFORMED: snprintf(buf, len, "malformed SSLv2 hello"); break;
    default: snprintf(buf, len, "anomaly %u", an->code); break;
    }
    return buf;
}
