/* wolfcli: wolfSSL client for the tlsdiag matrix: one GET, printing the answer.
 * wolfcli HOST CA MIN MAX          (MIN, MAX: 1.2 | 1.3)
 * The certificate check is wolfSSL's own: the chain to CA (WOLFSSL_VERIFY_PEER) and the host
 * name (wolfSSL_check_domain_name).  No key log: Debian's wolfSSL is built without
 * HAVE_SECRET_CALLBACK. */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int dial(const char *host)
{
    struct addrinfo hints, *res = NULL;
    int fd;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, "443", &hints, &res) != 0 || !res) return -1;
    fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) { close(fd); fd = -1; }
    freeaddrinfo(res);
    return fd;
}

static void fail(WOLFSSL *ssl, int ret, const char *what)
{
    char buf[WOLFSSL_MAX_ERROR_SZ];
    int err = wolfSSL_get_error(ssl, ret);
    printf("wolfcli: %s failed: error %d: %s\n", what, err, wolfSSL_ERR_error_string((unsigned long)err, buf));
}

int main(int argc, char **argv)
{
    const char *host, *ca;
    WOLFSSL_CTX *ctx;
    WOLFSSL *ssl;
    char req[512], buf[16384];
    int fd, ret, n, v12, v13;

    if (argc != 5) {
        fprintf(stderr, "usage: wolfcli HOST CA MIN MAX\n");
        return 2;
    }
    host = argv[1];
    ca = argv[2];
    v12 = strcmp(argv[3], "1.2") == 0;              /* 1.2 allowed */
    v13 = strcmp(argv[4], "1.3") == 0;              /* 1.3 allowed */
    wolfSSL_Init();
    if (v12 && v13) ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
    else if (v13) ctx = wolfSSL_CTX_new(wolfTLSv1_3_client_method());
    else ctx = wolfSSL_CTX_new(wolfTLSv1_2_client_method());
    if (!ctx) { printf("wolfcli: no context\n"); return 1; }
    if (v12 && v13) wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2);
    if (wolfSSL_CTX_load_verify_locations(ctx, ca, NULL) != WOLFSSL_SUCCESS) {
        printf("wolfcli: cannot load %s\n", ca);
        return 1;
    }
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
    fd = dial(host);
    if (fd < 0) { printf("wolfcli: cannot connect to %s\n", host); return 1; }
    ssl = wolfSSL_new(ctx);
    wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, host, (unsigned short)strlen(host));
    wolfSSL_check_domain_name(ssl, host);
    wolfSSL_set_fd(ssl, fd);
    ret = wolfSSL_connect(ssl);
    if (ret != WOLFSSL_SUCCESS) {
        fail(ssl, ret, "handshake");
        wolfSSL_free(ssl);
        close(fd);
        return 1;
    }
    printf("wolfcli: handshake ok %s %s\n", wolfSSL_get_version(ssl), wolfSSL_get_cipher(ssl));
    n = snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", host);
    if (wolfSSL_write(ssl, req, n) != n) fail(ssl, -1, "write");
    while ((n = wolfSSL_read(ssl, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, stdout);
    wolfSSL_shutdown(ssl);
    wolfSSL_free(ssl);
    close(fd);
    wolfSSL_CTX_free(ctx);
    wolfSSL_Cleanup();
    return 0;
}
