/* report_cli.h - `tlsdiag report [options] FILE.jsonl...`: its command line (report_cli.c). */
#ifndef TLSDIAG_REPORT_CLI_H
#define TLSDIAG_REPORT_CLI_H

/* argv[0] is "report".  Returns the exit status. */
int td_report_main(int argc, char **argv);

#endif
