/* verdict.c - the verdicts' stable names, in the order of the README's verdict table (the reports print
 * them, the summary counts them in this order). */
#include <stddef.h>

#include "analyzer/diagnose/classify.h"

static const char *const verdict_names[TD_V_COUNT] = {
    [TD_V_NONE] = NULL,
    [TD_V_OK] = "ok",
    [TD_V_NO_SERVER_RESPONSE] = "no-server-response",
    [TD_V_CONNECTION_REFUSED] = "connection-refused",
    [TD_V_NO_TLS_RESPONSE] = "no-tls-response",
    [TD_V_SERVER_NOT_TLS] = "server-not-tls",
    [TD_V_CLIENT_NOT_TLS] = "client-not-tls",
    [TD_V_PROTOCOL_MISMATCH] = "protocol-mismatch",
    [TD_V_OBSOLETE_PROTOCOL] = "obsolete-protocol",
    [TD_V_UNKNOWN_CA] = "unknown-ca",
    [TD_V_INCOMPLETE_CHAIN] = "incomplete-chain",
    [TD_V_NAME_MISMATCH] = "name-mismatch",
    [TD_V_SERVER_CERT_EXPIRED] = "server-cert-expired",
    [TD_V_SERVER_CERT_REJECTED] = "server-cert-rejected",
    [TD_V_CLIENT_CERT_MISSING] = "client-cert-missing",
    [TD_V_CLIENT_CERT_REJECTED] = "client-cert-rejected",
    [TD_V_HANDSHAKE_ABORTED] = "handshake-aborted",
    [TD_V_INCOMPLETE] = "incomplete",
    [TD_V_STARTTLS_REFUSED] = "starttls-refused",
    [TD_V_PROXY_REFUSED] = "proxy-refused",
    [TD_V_QUIC_BLOCKED] = "quic-blocked",
    [TD_V_CLIENT_HELLO_DROPPED] = "client-hello-dropped",
    [TD_V_PATH_MTU_BLACKHOLE] = "path-mtu-blackhole",
    [TD_V_RESET_INJECTED] = "reset-injected",
};

const char *td_verdict_name(td_verdict v)
{
    return (unsigned)v < TD_V_COUNT ? verdict_names[v] : NULL;
}

const char *const *td_verdict_list(size_t *n)
{
    *n = TD_V_COUNT - TD_V_OK;
    return verdict_names + TD_V_OK;
}
