/* result.c - adding to a result: evidence lines and findings, each text ended at a word
 * boundary with "..." when it does not fit its buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/diagnose/result.h"

/* A text longer than its buffer ends at a word boundary with "...", never mid-word. */
void td_fit_words(char *buf, size_t size, int needed)
{
    if (needed < 0 || (size_t)needed < size || size < 8) return;
    size_t end = size - 4;                       /* room for "..." and the NUL */
    size_t cut = end;
    while (cut > end / 2 && buf[cut] != ' ') cut--;
    if (buf[cut] != ' ') cut = end;              /* one very long word: cut it after all */
    while (cut > 0 && (buf[cut - 1] == ' ' || buf[cut - 1] == ',' || buf[cut - 1] == ':')) cut--;
    memcpy(buf + cut, "...", 4);
}

void td_result_finding(td_result *r, const char *id, const char *severity, const char *fmt, ...)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].id, id) == 0) return;      /* one of each */
    if (r->n_findings >= TD_MAX_FINDINGS) return;
    td_finding *f = &r->findings[r->n_findings++];
    f->id = id;
    f->severity = severity;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(f->detail, sizeof f->detail, fmt, ap);
    va_end(ap);
    td_fit_words(f->detail, sizeof f->detail, n);
}

td_evidence *td_result_evidence_slot(td_result *r, uint64_t packet)
{
    if (r->n_evidence >= TD_MAX_EVIDENCE) return NULL;
    td_evidence *e = &r->evidence[r->n_evidence++];
    e->packet = packet;
    e->what[0] = '\0';
    return e;
}

void td_result_evidence(td_result *r, uint64_t packet, const char *fmt, ...)
{
    if (r->n_evidence >= TD_MAX_EVIDENCE) return;
    td_evidence *e = &r->evidence[r->n_evidence++];
    e->packet = packet;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(e->what, sizeof e->what, fmt, ap);
    va_end(ap);
    td_fit_words(e->what, sizeof e->what, n);
}

bool td_result_is_problem(const td_result *r)
{
    return r->verdict != TD_V_NONE && r->verdict != TD_V_OK;
}
