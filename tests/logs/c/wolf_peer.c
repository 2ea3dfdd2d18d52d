/*
 * A small wolfSSL TLS client or server for the log tests.
 *
 * Built against a wolfSSL configured with --enable-debug (Debian's binary
 * package prints no trace), it runs one handshake on 127.0.0.1 with
 * wolfSSL_Debugging_ON(), so the tests get a real wolfSSL debug trace.
 *
 *   wolf_peer client PORT [--ca F] [--cert F --key F] [--late-cert] [--tls12] [--callback]
 *   wolf_peer server PORT --cert F --key F [--ca F] [--require-client-cert] [--callback]
 *
 * --late-cert reproduces a well-known mistake: the client creates its session
 * (wolfSSL_new) before it loads its certificate and key into the context, so
 * the session never sees them and answers a CertificateRequest with an empty
 * Certificate message.
 *
 * --callback installs a logging callback (wolfSSL_SetLoggingCb) that writes
 * each line with a timestamp and level prefix, the way applications that route
 * wolfSSL's trace into their own log do.
 *
 * The server prints "ready" on standard output once it listens, serves one
 * connection and exits.  Both sides give up after a few seconds (alarm).
 */
#include <wolfssl/options.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <wolfssl/ssl.h>

static void log_line(const int level, const char *const msg)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ app[wolfssl] <%d> %s\n", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, level,
            msg);
}

static const char *arg(int argc, char **argv, const char *name)
{
    for (int i = 3; i < argc - 1; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

static int flag(int argc, char **argv, const char *name)
{
    for (int i = 3; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return 0;
}

static int load_own(WOLFSSL_CTX *ctx, const char *cert, const char *key)
{
    if (cert && wolfSSL_CTX_use_certificate_file(ctx, cert, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS)
        return -1;
    if (key && wolfSSL_CTX_use_PrivateKey_file(ctx, key, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "client") != 0 && strcmp(argv[1], "server") != 0)) {
        fprintf(stderr, "usage: wolf_peer client|server PORT [options]\n");
        return 2;
    }
    int is_server = strcmp(argv[1], "server") == 0;
    int port = atoi(argv[2]);
    const char *ca = arg(argc, argv, "--ca");
    const char *cert = arg(argc, argv, "--cert");
    const char *key = arg(argc, argv, "--key");
    int late = flag(argc, argv, "--late-cert");
    int ok = 0;

    alarm(8);
    wolfSSL_Init();
    if (flag(argc, argv, "--callback"))
        wolfSSL_SetLoggingCb(log_line);
    wolfSSL_Debugging_ON();

    WOLFSSL_METHOD *method;
    if (is_server)
        method = flag(argc, argv, "--tls12") ? wolfTLSv1_2_server_method() : wolfSSLv23_server_method();
    else
        method = flag(argc, argv, "--tls12") ? wolfTLSv1_2_client_method() : wolfSSLv23_client_method();
    WOLFSSL_CTX *ctx = wolfSSL_CTX_new(method);
    if (ctx == NULL)
        return 1;
    if (ca && wolfSSL_CTX_load_verify_locations(ctx, ca, NULL) != WOLFSSL_SUCCESS) {
        fprintf(stderr, "cannot load CA file\n");
        return 1;
    }
    if (is_server)
        wolfSSL_CTX_set_verify(ctx,
                               flag(argc, argv, "--require-client-cert")
                                   ? WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT
                                   : WOLFSSL_VERIFY_NONE,
                               NULL);
    else if (!ca)
        wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
    if (!late && load_own(ctx, cert, key) != 0) {
        fprintf(stderr, "cannot load certificate or key\n");
        return 1;
    }

    int sock = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {3, 0};

    WOLFSSL *ssl;
    if (is_server) {
        int one = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(sock, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(sock, 1) != 0) {
            perror("bind");
            return 1;
        }
        printf("ready\n");
        fflush(stdout);
        int conn = accept(sock, NULL, NULL);
        if (conn < 0)
            return 1;
        setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ssl = wolfSSL_new(ctx);
        wolfSSL_set_fd(ssl, conn);
        ok = wolfSSL_accept(ssl) == WOLFSSL_SUCCESS;
    } else {
        setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (connect(sock, (struct sockaddr *)&addr, sizeof addr) != 0) {
            perror("connect");
            return 1;
        }
        ssl = wolfSSL_new(ctx);
        if (late && load_own(ctx, cert, key) != 0) { /* too late: ssl already exists */
            fprintf(stderr, "cannot load certificate or key\n");
            return 1;
        }
        wolfSSL_set_fd(ssl, sock);
        ok = wolfSSL_connect(ssl) == WOLFSSL_SUCCESS;
    }
    if (!ok) {
        int e = wolfSSL_get_error(ssl, 0);
        char buf[WOLFSSL_MAX_ERROR_SZ];
        fprintf(stderr, "handshake failed: error = %d, %s\n", e, wolfSSL_ERR_error_string((unsigned long)e, buf));
    } else {
        fprintf(stderr, "handshake done: %s, %s\n", wolfSSL_get_version(ssl), wolfSSL_get_cipher(ssl));
        if (is_server) {
            const char *reply = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
            wolfSSL_write(ssl, reply, (int)strlen(reply));
        } else {
            const char *req = "GET / HTTP/1.0\r\n\r\n";
            char buf[512];
            wolfSSL_write(ssl, req, (int)strlen(req));
            wolfSSL_read(ssl, buf, sizeof buf);
        }
        wolfSSL_shutdown(ssl);
    }
    wolfSSL_free(ssl);
    wolfSSL_CTX_free(ctx);
    wolfSSL_Cleanup();
    close(sock);
    return ok ? 0 : 1;
}
