/* quic_names.c - QUIC versions in words: "1" for RFC 9000, "2" for RFC 9369, "draft-29", else the hex value. */
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
