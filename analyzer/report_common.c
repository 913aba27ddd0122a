/* report_common.c - formatting shared by the text and JSON reports. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "report.h"

/* Civil date from days since 1970-01-01 (proleptic Gregorian; H. Hinnant's days_from_civil
 * inverse).  gmtime_r + strftime cost a lock and a time-zone check per connection. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);                          /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    unsigned mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* n decimal digits of v, zero-padded, at o; returns the end. */
static char *digits(char *o, unsigned long v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        o[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return o + n;
}

/* text[0..n) into buf as a string, cut to fit like snprintf. */
static void put(char *buf, size_t len, const char *text, size_t n)
{
    if (!len) return;
    if (n >= len) n = len - 1;
    memcpy(buf, text, n);
    buf[n] = '\0';
}

void td_format_time(double ts, char *buf, size_t len)
{
    if (!(ts >= 0 && ts < 253402300800.0)) {   /* years 1970..9999; a wild capture clock is input */
        snprintf(buf, len, "?");
        return;
    }
    int64_t sec = (int64_t)ts;
    long usec = (long)((ts - (double)sec) * 1e6 + 0.5);
    if (usec >= 1000000) {
        sec++;
        usec -= 1000000;
    }
    int64_t y;
    unsigned mo, d;
    civil_from_days(sec / 86400, &y, &mo, &d);
    unsigned s = (unsigned)(sec % 86400);
    char out[32];                                  /* by hand: one snprintf cost as much as the rest */
    char *o = out;
    if (y > 9999) *o++ = '1';                      /* 9999-12-31T23:59:59.9999995 rounds up to 10000 */
    o = digits(o, (unsigned long)(y % 10000), 4);
    *o++ = '-';
    o = digits(o, mo, 2);
    *o++ = '-';
    o = digits(o, d, 2);
    *o++ = 'T';
    o = digits(o, s / 3600, 2);
    *o++ = ':';
    o = digits(o, s / 60 % 60, 2);
    *o++ = ':';
    o = digits(o, s % 60, 2);
    *o++ = '.';
    o = digits(o, (unsigned long)usec, 6);
    *o++ = 'Z';
    put(buf, len, out, (size_t)(o - out));
}

const char *td_event_kind_name(uint8_t kind)
{
    static const char *const names[] = {
        [TD_EV_SYN] = "syn", [TD_EV_SYNACK] = "synack", [TD_EV_FIN] = "fin", [TD_EV_RST] = "rst",
        [TD_EV_HANDSHAKE] = "handshake", [TD_EV_SSL2] = "sslv2", [TD_EV_CCS] = "ccs", [TD_EV_ALERT] = "alert",
        [TD_EV_ENCRYPTED_HANDSHAKE] = "encrypted-handshake", [TD_EV_APPDATA] = "appdata",
        [TD_EV_PLAINTEXT] = "plaintext", [TD_EV_GAP] = "gap", [TD_EV_UNKNOWN_RECORD] = "bad-record",
        [TD_EV_OPAQUE] = "encrypted",
    };
    return kind < sizeof names / sizeof names[0] && names[kind] ? names[kind] : "unknown";
}

const char *td_event_record_label(const td_result *r, const td_event *e, size_t *rec)
{
    if (e->kind != TD_EV_OPAQUE) return NULL;
    if (!e->sub) return r->inf.done ? td_rec_label_name(TD_REC_APPDATA) : NULL;   /* past those kept */
    size_t i = (*rec)++;
    if (!r->inf.done || i >= r->t->tls.n_records) return NULL;
    return td_rec_label_name((td_rec_label)r->inf.label[i]);
}
