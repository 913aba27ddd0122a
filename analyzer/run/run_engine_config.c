/* run_engine_config.c - the engine's settings, taken from the command line's options. */
#include "analyzer/run/run.h"

void td_run_engine_config(const td_options *o, td_engine_config *cfg)
{
    *cfg = (td_engine_config){
        .tls_ports = o->ports,
        .any_port = o->any_port,
        .proxy_ports = o->proxy_ports,
        .idle_timeout = o->idle_timeout,
        .max_connections = o->max_connections,
        .shard_k = o->shard_k,
        .shard_n = o->shard_n,
    };
    td_port_set_add_standard(&cfg->tls_ports);     /* the STARTTLS protocols' ports, beside -P's */
}
