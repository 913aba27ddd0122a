/* test_rollup_paths.c - the roll-up's network paths: network verdicts grouped by client network (/24, /64) and verdict, the servers they reached, other verdicts left out, the table's cap. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "analyzer/diagnose/result.h"
#include "analyzer/report/rollup.h"

static void one(td_rollup *ru, const char *client, const char *server, td_verdict v, double start)
{
    td_transcript t;
    memset(&t, 0, sizeof t);
    snprintf(t.client.ip, sizeof t.client.ip, "%s", client);
    snprintf(t.server.ip, sizeof t.server.ip, "%s", server);
    t.server.port = 443;
    t.start = start;
    td_result r;
    memset(&r, 0, sizeof r);
    r.t = &t;
    r.verdict = v;
    r.confidence = "certain";
    td_rollup_add(ru, &r);
}

TEST(grouped_by_client_network_and_verdict)
{
    td_rollup *ru = td_rollup_new(0);
    one(ru, "10.1.2.3", "192.0.2.1", TD_V_CLIENT_HELLO_DROPPED, 1);
    one(ru, "10.1.2.99", "192.0.2.2", TD_V_CLIENT_HELLO_DROPPED, 2);
    one(ru, "10.1.2.99", "192.0.2.2", TD_V_CLIENT_HELLO_DROPPED, 3);
    one(ru, "10.1.3.1", "192.0.2.1", TD_V_CLIENT_HELLO_DROPPED, 4);   /* another /24 */
    one(ru, "10.1.2.3", "192.0.2.1", TD_V_RESET_INJECTED, 5);         /* another verdict */
    one(ru, "10.1.2.3", "192.0.2.1", TD_V_UNKNOWN_CA, 6);             /* not the network's */
    one(ru, "10.1.2.3", "192.0.2.1", TD_V_OK, 7);
    one(ru, "2001:db8:1:2:aaaa::1", "2001:db8::443", TD_V_QUIC_BLOCKED, 8);
    const td_paths *p = td_rollup_paths(ru);
    CHECK(p->n == 4);
    CHECK_STR(p->paths[0].network, "10.1.2.0/24");
    CHECK(p->paths[0].verdict == TD_V_CLIENT_HELLO_DROPPED && p->paths[0].connections == 3 && p->paths[0].n_servers == 2);
    CHECK_STR(p->paths[1].network, "10.1.3.0/24");
    CHECK(p->paths[2].verdict == TD_V_RESET_INJECTED && p->paths[2].connections == 1);
    CHECK_STR(p->paths[3].network, "2001:db8:1:2::/64");
    td_rollup_free(ru);
}

TEST(capped)
{
    td_rollup *ru = td_rollup_new(0);
    char ip[32];
    for (int i = 0; i < TD_PATHS_MAX + 5; i++) {
        snprintf(ip, sizeof ip, "10.%d.%d.1", i / 256, i % 256);
        one(ru, ip, "192.0.2.1", TD_V_PATH_MTU_BLACKHOLE, i);
    }
    for (int i = 0; i < TD_PATH_SERVERS + 3; i++) {
        snprintf(ip, sizeof ip, "192.0.2.%d", 10 + i);
        one(ru, "10.0.0.1", ip, TD_V_PATH_MTU_BLACKHOLE, 100 + i);
    }
    const td_paths *p = td_rollup_paths(ru);
    CHECK(p->n == TD_PATHS_MAX && p->untracked == 5);
    CHECK(p->paths[0].n_servers == TD_PATH_SERVERS && p->paths[0].more_servers == 4);
    td_rollup_free(ru);
}

int main(void)
{
    RUN(grouped_by_client_network_and_verdict);
    RUN(capped);
    return check_done();
}
