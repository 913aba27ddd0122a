/* report_common.c - formatting shared by the text and JSON reports. */
#include <stdio.h>
#include <time.h>

#include "dissect.h"
#include "report.h"

void td_format_time(double ts, char *buf, size_t len)
{
    if (!(ts >= 0 && ts < 253402300800.0)) {   /* years 1970..9999; a wild capture clock is input */
        snprintf(buf, len, "?");
        return;
    }
    time_t sec = (time_t)ts;
    long usec = (long)((ts - (double)sec) * 1e6 + 0.5);
    if (usec >= 1000000) {
        sec++;
        usec -= 1000000;
    }
    struct tm tm;
    if (!gmtime_r(&sec, &tm)) {
        snprintf(buf, len, "?");
        return;
    }
    char day[32];
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%06ldZ", day, usec);
}
