/* x509_text.c - bytes from a certificate made printable, for the summary's strings. */
#include <stdlib.h>
#include <string.h>

#include "dissectors/x509/x509_int.h"

/* A heap copy of prefix + bytes with every byte outside printable ASCII written as \xNN (and, if
 * esc_backslash, '\' too, so that the escaping is unambiguous), at most `cap` characters, never
 * cutting an escape in half.  NULL only when out of memory. */
char *td_x509_printable(const char *prefix, const unsigned char *p, size_t n, bool esc_backslash,
                       size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t plen = strlen(prefix);
    size_t want = plen;
    for (size_t i = 0; i < n && want <= cap; i++) {
        unsigned char b = p[i];
        want += (b < 0x20 || b > 0x7e || (esc_backslash && b == '\\')) ? 4 : 1;
    }
    if (want > cap)
        want = cap;
    char *s = malloc(want + 1);
    if (!s)
        return NULL;
    size_t o = plen < want ? plen : want;
    memcpy(s, prefix, o);
    for (size_t i = 0; i < n; i++) {
        unsigned char b = p[i];
        if (b < 0x20 || b > 0x7e || (esc_backslash && b == '\\')) {
            if (o + 4 > want)
                break;
            s[o++] = '\\';
            s[o++] = 'x';
            s[o++] = hex[b >> 4];
            s[o++] = hex[b & 15];
        } else {
            if (o + 1 > want)
                break;
            s[o++] = (char)b;
        }
    }
    s[o] = '\0';
    return s;
}
