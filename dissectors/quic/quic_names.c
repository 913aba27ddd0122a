/* quic_names.c - QUIC in words: versions ("v1", "v2", "draft-29", else the hex value) and CONNECTION_CLOSE codes (RFC 9000 20.1, TLS alerts, application codes). */
#include <stdio.h>

#include "dissectors/quic/quic.h"

const char *td_quic_version_label(uint32_t v, char *buf, size_t len)
{
    if (v == 0x00000001u) snprintf(buf, len, "v1");
    else if (v == 0x6b3343cfu) snprintf(buf, len, "v2");
    else if ((v & 0xffffff00u) == 0xff000000u) snprintf(buf, len, "draft-%u", v & 0xffu);
    else if ((v & 0x0f0f0f0fu) == 0x0a0a0a0au) snprintf(buf, len, "0x%08x (reserved, to force negotiation)", v);
    else snprintf(buf, len, "0x%08x", v);
    return buf;
}

/* QUIC transport error codes (RFC 9000 20.1), by name. */
static const char *transport_error_name(uint64_t code)
{
    static const char *const names[] = {
        "NO_ERROR", "INTERNAL_ERROR", "CONNECTION_REFUSED", "FLOW_CONTROL_ERROR", "STREAM_LIMIT_ERROR",
        "STREAM_STATE_ERROR", "FINAL_SIZE_ERROR", "FRAME_ENCODING_ERROR", "TRANSPORT_PARAMETER_ERROR",
        "CONNECTION_ID_LIMIT_ERROR", "PROTOCOL_VIOLATION", "INVALID_TOKEN", "APPLICATION_ERROR",
        "CRYPTO_BUFFER_EXCEEDED", "KEY_UPDATE_ERROR", "AEAD_LIMIT_REACHED", "NO_VIABLE_PATH",
    };
    if (code < sizeof names / sizeof names[0]) return names[code];
    if (code == 0x11) return "VERSION_NEGOTIATION_ERROR";
    return NULL;
}

const char *td_quic_close_text(const td_quic *q, int dir, char *buf, size_t len)
{
    uint64_t code = q->close_code[dir];
    char a[40];
    if (q->close_app[dir])
        snprintf(buf, len, "application error 0x%llx", (unsigned long long)code);
    else if (code >= 0x100 && code <= 0x1ff)
        snprintf(buf, len, "TLS alert %s (0x%llx)", td_alert_label((uint8_t)(code & 0xff), a, sizeof a),
                 (unsigned long long)code);
    else if (transport_error_name(code))
        snprintf(buf, len, "%s (0x%llx)", transport_error_name(code), (unsigned long long)code);
    else
        snprintf(buf, len, "transport error 0x%llx", (unsigned long long)code);
    return buf;
}
