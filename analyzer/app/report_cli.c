/* report_cli.c - `tlsdiag report [options] FILE.jsonl...`: the command line of the subcommand that
 * joins the JSON Lines of several sensors or shards into one report (analyzer/report/report_merge.c). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/app/report_cli.h"
#include "analyzer/report/report_merge.h"
#include "analyzer/run/options.h"

static const char report_usage[] =
    "Usage: tlsdiag report [options] FILE.jsonl...   (- is stdin)\n"
    "Reads the --json output of tlsdiag runs (sensors, or --shard K/N of an archive)\n"
    "and reports them as one run: the connections in one run's order, renumbered\n"
    "(each names its sensor and its number there), the roll-up, the counts added.\n"
    "\n"
    "  --json[=ecs]     JSON Lines out (ecs: Elastic Common Schema names)\n"
    "  -o FILE          the report to FILE          --html FILE  also a web page\n"
    "  -q               only problem connections    --verdict LIST  these verdicts\n"
    "  --color WHEN     never, always or auto       -h, --help\n"
    "Exit status: 0 every connection ok, 1 some had a problem, 2 usage/input error.\n";

enum { OPT_JSON = 1000, OPT_HTML, OPT_VERDICT, OPT_COLOR };

static const struct option report_opts[] = {
    { "json", optional_argument, NULL, OPT_JSON },
    { "html", required_argument, NULL, OPT_HTML },
    { "verdict", required_argument, NULL, OPT_VERDICT },
    { "color", required_argument, NULL, OPT_COLOR },
    { "colour", required_argument, NULL, OPT_COLOR },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "tlsdiag report: %s%s\n(tlsdiag report --help)\n", what, arg ? arg : "");
    return 2;
}

int td_report_main(int argc, char **argv)
{
    td_merge_options o = { .width = 80 };
    int color = 0;                                 /* 0 auto, 1 never, 2 always */
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", report_opts, NULL)) != -1) {
        switch (c) {
        case OPT_JSON:
            if (td_parse_json_mode(optarg, &o.json, &o.ecs)) return 2;
            break;
        case OPT_HTML: o.html_file = optarg; break;
        case OPT_VERDICT:
            if (td_parse_verdict_list(optarg, &o.verdict_mask)) return 2;
            break;
        case OPT_COLOR:
            if (strcmp(optarg, "never") == 0) color = 1;
            else if (strcmp(optarg, "always") == 0) color = 2;
            else if (strcmp(optarg, "auto") == 0) color = 0;
            else return usage_error("--color wants never, always or auto, not ", optarg);
            break;
        case 'o': o.out_file = optarg; break;
        case 'q': o.quiet = true; break;
        case 'h': fputs(report_usage, stdout); return 0;
        default: return usage_error("see the options below", NULL);
        }
    }
    if (optind >= argc) return usage_error("nothing to read: give the JSON Lines files of tlsdiag --json (- is stdin)", NULL);
    o.color = color == 2 || (color == 0 && !o.out_file && !o.json && isatty(STDOUT_FILENO));
    o.width = td_text_width(o.out_file ? -1 : STDOUT_FILENO);
    return td_report_merge(&o, (const char *const *)argv + optind, (size_t)(argc - optind));
}
