/* run_live.c - live capture on an interface (being written: see the live-capture issue). */
#include <stdio.h>

#include "run.h"

void td_run_live(td_run *r)
{
    fprintf(stderr, "tlsdiag: live capture (-i %s) is not available in this build yet\n", r->opt.iface);
    r->input_error = true;
}
