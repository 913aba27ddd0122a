/* test_report_merge.c - tlsdiag report's pieces (analyzer/report/report_merge*.c): summaries added
 * (shards' packets once, servers and paths merged, notes), a connection counted from its record, a
 * record renumbered with its sensor, records written back byte for byte. */
#include <stdlib.h>
#include <string.h>

#include "analyzer/report/report_merge.h"
#include "analyzer/report/rollup.h"
#include "tests/unit/check.h"

static const char shard0[] =
    "{\"type\":\"summary\",\"files\":[\"a.pcap\"],\"shard\":{\"k\":0,\"n\":2},\"packets\":100,\"connections\":3,"
    "\"verdicts\":{\"ok\":2,\"unknown-ca\":1},\"undecoded_packets\":4,\"truncated_packets\":0,"
    "\"servers\":[{\"ip\":\"10.0.0.2\",\"port\":443,\"sni\":\"a.test\",\"connections\":3,\"failed\":1,"
    "\"verdicts\":{\"ok\":2,\"unknown-ca\":1},\"cause\":\"unknown-ca\",\"all_failed_alike\":false,"
    "\"first_failure\":\"2026-11-25T01:28:03.445032Z\",\"last_failure\":\"2026-11-25T01:28:03.445032Z\"}],"
    "\"servers_untracked\":0,\"network_paths\":[{\"client_network\":\"10.1.2.0/24\",\"verdict\":\"reset-injected\","
    "\"connections\":1,\"servers\":[\"10.0.0.9\"],\"more_servers\":0}],\"notes\":[\"n1\"],\"elapsed_s\":0.5}";
static const char shard1[] =
    "{\"type\":\"summary\",\"files\":[\"a.pcap\"],\"shard\":{\"k\":1,\"n\":2},\"packets\":100,\"connections\":2,"
    "\"verdicts\":{\"unknown-ca\":2},\"undecoded_packets\":4,\"truncated_packets\":0,"
    "\"servers\":[{\"ip\":\"10.0.0.2\",\"port\":443,\"sni\":\"a.test\",\"connections\":2,\"failed\":2,"
    "\"verdicts\":{\"unknown-ca\":2},\"cause\":\"unknown-ca\",\"all_failed_alike\":true,"
    "\"first_failure\":\"2026-11-25T01:20:00.000000Z\",\"last_failure\":\"2026-11-25T01:30:00.500000Z\"}],"
    "\"servers_untracked\":0,\"network_paths\":[{\"client_network\":\"10.1.2.0/24\",\"verdict\":\"reset-injected\","
    "\"connections\":2,\"servers\":[\"10.0.0.8\",\"10.0.0.9\"],\"more_servers\":0}],"
    "\"notes\":[\"no results: no connection in shard 1/2\",\"n1\"],\"elapsed_s\":0.25}";

/* td_merge_sum_add of a summary text: 1 added, 0 refused, -1 a shard read twice (-9: not JSON). */
static int add_summary(td_merge_sum *m, const char *text, char *err, size_t errlen)
{
    char perr[200];
    td_json *d = td_json_parse(text, strlen(text), perr, sizeof perr);
    if (!d) {
        snprintf(err, errlen, "parse: %s", perr);
        return -9;
    }
    int rc = td_merge_sum_add(m, td_json_root(d), err, errlen);
    td_json_free(d);
    return rc;
}

static bool add(td_merge_sum *m, const char *text, char *err, size_t errlen) { return add_summary(m, text, err, errlen) == 1; }

static uint64_t count_of(const td_run_summary *s, const char *verdict)
{
    for (size_t i = 0; i < s->n_verdicts; i++)
        if (strcmp(s->verdict_names[i], verdict) == 0) return s->verdict_counts[i];
    return 0;
}

TEST(shards_add_up_to_one_run)
{
    td_merge_sum *m = td_merge_sum_new();
    char err[300] = "";
    CHECK(add(m, shard0, err, sizeof err));
    CHECK(add(m, shard1, err, sizeof err));
    CHECK_STR(err, "");
    td_run_summary s;
    td_merge_sum_fill(m, &s);
    CHECK(s.packets == 100 && s.undecoded == 4);          /* every shard read the same packets */
    CHECK(s.connections == 5 && count_of(&s, "ok") == 2 && count_of(&s, "unknown-ca") == 3 && s.no_verdict == 0);
    CHECK(s.n_files == 1 && strcmp(s.files[0], "a.pcap") == 0);
    CHECK(s.elapsed_s > 0.74 && s.elapsed_s < 0.76);
    CHECK(s.n_notes == 1 && strcmp(s.notes[0], "n1") == 0);  /* a shard's "no results" is not the run's */
    size_t n;
    const td_server_stat *const *sv = td_rollup_sorted(s.rollup, &n);
    CHECK(n == 1 && sv[0]->connections == 5 && sv[0]->failed == 3 && sv[0]->verdicts[TD_V_UNKNOWN_CA] == 3);
    char span[64];
    td_server_fail_span(sv[0], span, sizeof span);
    CHECK_STR(span, "01:20:00-01:30:00");                 /* the earliest and the latest failure */
    const td_paths *p = td_rollup_paths(s.rollup);
    CHECK(p->n == 1 && p->paths[0].connections == 3 && p->paths[0].n_servers == 2);
    CHECK(td_merge_sum_any_problem(m));
    CHECK(td_merge_sum_file_index(m, "a.pcap") == 0 && td_merge_sum_file_index(m, "b.pcap") == SIZE_MAX);
    td_merge_sum_free(m);
}

TEST(a_missing_shard_is_noted_a_repeated_one_refused)
{
    td_merge_sum *m = td_merge_sum_new();
    char err[300] = "";
    CHECK(add(m, shard0, err, sizeof err));
    CHECK(add_summary(m, shard0, err, sizeof err) == -1);
    CHECK_STR(err, "shard 0/2 of these files was read already: its connections would count twice");
    td_run_summary s;
    td_merge_sum_fill(m, &s);
    CHECK(s.n_notes == 2 && strcmp(s.notes[1], "only 1 of the 2 shards of the capture were read: the counts are theirs") == 0);
    CHECK(add_summary(m, "{\"type\":\"summary\",\"verdicts\":{\"no-such-verdict\":1}}", err, sizeof err) == 0);
    CHECK_STR(err, "verdict \"no-such-verdict\": not one this tlsdiag knows, or not a count");
    CHECK(add_summary(m, "{\"type\":\"summary\",\"packets\":-1}", err, sizeof err) == 0);
    CHECK_STR(err, "\"packets\" is not a count");
    td_merge_sum_free(m);
}

TEST(a_connection_counted_from_its_record)
{
    td_merge_sum *m = td_merge_sum_new();
    char err[300] = "";
    const char *c = "{\"type\":\"connection\",\"id\":7,\"start\":\"2026-11-25T01:28:03.445032Z\","
                    "\"client\":{\"ip\":\"10.1.2.3\",\"port\":5000},\"server\":{\"ip\":\"10.0.0.2\",\"port\":443},"
                    "\"transport\":\"quic\",\"tls\":{\"sni\":\"q.test\"},\"verdict\":\"quic-blocked\"}";
    td_json *d = td_json_parse(c, strlen(c), err, sizeof err);
    CHECK(d && td_merge_sum_connection(m, td_json_root(d), err, sizeof err));
    td_json_free(d);
    td_run_summary s;
    td_merge_sum_fill(m, &s);
    size_t n;
    const td_server_stat *const *sv = td_rollup_sorted(s.rollup, &n);
    CHECK(s.connections == 1 && count_of(&s, "quic-blocked") == 1);
    CHECK(n == 1 && sv[0]->udp && strcmp(sv[0]->sni, "q.test") == 0 && sv[0]->failed == 1);
    CHECK(td_rollup_paths(s.rollup)->n == 1 && strcmp(td_rollup_paths(s.rollup)->paths[0].network, "10.1.2.0/24") == 0);
    d = td_json_parse("{\"type\":\"connection\"}", 21, err, sizeof err);
    CHECK(d && !td_merge_sum_connection(m, td_json_root(d), err, sizeof err));
    CHECK_STR(err, "a connection without its endpoints or start time");
    td_json_free(d);
    td_merge_sum_free(m);
}

/* A record renumbered: "id" the merged number, then "sensor" and "sensor_id"; the rest byte for byte. */
TEST(a_record_renumbered_the_rest_as_written)
{
    const char *rec = "{\"type\":\"connection\",\"id\":3,\"file\":\"a\\u00e9\\\"b\\\\\\n\",\"duration_ms\":3.770,"
                      "\"x\":[true,false,null,-1e5,{}],\"y\":{\"z\":[]}}";
    char err[200], *text = NULL;
    size_t len = 0;
    td_json *d = td_json_parse(rec, strlen(rec), err, sizeof err);
    CHECK(d != NULL);
    FILE *mem = open_memstream(&text, &len);
    td_merge_ident id = { .id = 41, .sensor = "tap-1", .sensor_id = 3 };
    td_merge_json_connection(mem, td_json_root(d), &id);
    fclose(mem);
    CHECK_STR(text, "{\"type\":\"connection\",\"id\":41,\"sensor\":\"tap-1\",\"sensor_id\":3,\"file\":\"a\\u00e9\\\"b\\\\\\n\","
                    "\"duration_ms\":3.770,\"x\":[true,false,null,-1e5,{}],\"y\":{\"z\":[]}}\n");
    free(text);
    td_json_free(d);
}

int main(void)
{
    RUN(shards_add_up_to_one_run);
    RUN(a_missing_shard_is_noted_a_repeated_one_refused);
    RUN(a_connection_counted_from_its_record);
    RUN(a_record_renumbered_the_rest_as_written);
    return check_done();
}
