/* report_common.c - formatting shared by the text and JSON reports. */
#include <stdint.h>
#include <stdio.h>

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
    snprintf(buf, len, "%04lld-%02u-%02uT%02u:%02u:%02u.%06ldZ", (long long)y, mo, d, s / 3600, s / 60 % 60,
             s % 60, usec);
}
