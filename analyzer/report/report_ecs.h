/* report_ecs.h - --json=ecs: connections with Elastic Common Schema field names (report_ecs.c). */
#ifndef TLSDIAG_REPORT_ECS_H
#define TLSDIAG_REPORT_ECS_H

#include <stdio.h>

#include "analyzer/report/report.h"

/* One classified connection as one ECS line: its --json record (td_json_connection) read back and
 * renamed; sensor (--sensor) is observer.name, or NULL. */
void td_ecs_result(FILE *out, const td_result *r, int verbose, td_json_memo *memo, const char *sensor);

/* The summary object (td_json_summary) as an ECS event: event.kind metric, the run's counts under
 * tlsdiag.summary, @timestamp the time it was written. */
void td_ecs_summary(FILE *out, const td_run_summary *s);

#endif
