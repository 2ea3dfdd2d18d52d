/*
 * A small mbedTLS 2.28 TLS client or server for the log tests.
 *
 * It runs one handshake on 127.0.0.1 with mbedTLS's debug callback switched on
 * (mbedtls_ssl_conf_dbg, mbedtls_debug_set_threshold), so the tests get a real
 * mbedTLS debug trace to diagnose.  The trace goes to standard error in the
 * "file:line: |level| text" form the mbedTLS sample programs use.
 *
 *   mbed_peer client PORT [--ca F] [--cert F --key F] [--name SNI] [--debug N]
 *   mbed_peer server PORT --cert F --key F [--ca F] [--require-client-cert | --optional-client-cert]
 *             [--debug N]
 *
 * The server prints "ready" on standard output once it listens, serves one
 * connection, and exits.  Both sides give up after a few seconds (alarm), so a
 * test can never hang on them.  Exit status: 0 when the handshake completed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/debug.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

static void debug_line(void *ctx, int level, const char *file, int line, const char *str)
{
    fprintf((FILE *)ctx, "%s:%04d: |%d| %s", file, line, level, str);
    fflush((FILE *)ctx);
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

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "client") != 0 && strcmp(argv[1], "server") != 0)) {
        fprintf(stderr, "usage: mbed_peer client|server PORT [options]\n");
        return 2;
    }
    int is_server = strcmp(argv[1], "server") == 0;
    const char *port = argv[2];
    const char *ca = arg(argc, argv, "--ca");
    const char *cert = arg(argc, argv, "--cert");
    const char *key = arg(argc, argv, "--key");
    const char *name = arg(argc, argv, "--name");
    const char *dbg = arg(argc, argv, "--debug");
    int require_client = flag(argc, argv, "--require-client-cert");
    int optional_client = flag(argc, argv, "--optional-client-cert");
    int ret;
    char err[256];

    alarm(8);
    mbedtls_net_context listen_fd, fd;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt cacert, owncert;
    mbedtls_pk_context pkey;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;

    mbedtls_net_init(&listen_fd);
    mbedtls_net_init(&fd);
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&cacert);
    mbedtls_x509_crt_init(&owncert);
    mbedtls_pk_init(&pkey);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_debug_set_threshold(dbg ? atoi(dbg) : 4);

    if ((ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0)) != 0)
        goto fail;
    if (ca && (ret = mbedtls_x509_crt_parse_file(&cacert, ca)) != 0)
        goto fail;
    if (cert && (ret = mbedtls_x509_crt_parse_file(&owncert, cert)) != 0)
        goto fail;
    if (key && (ret = mbedtls_pk_parse_keyfile(&pkey, key, NULL)) != 0)
        goto fail;

    ret = mbedtls_ssl_config_defaults(&conf,
                                      is_server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                                      MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0)
        goto fail;
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_dbg(&conf, debug_line, stderr);
    mbedtls_ssl_conf_read_timeout(&conf, 3000);
    if (ca)
        mbedtls_ssl_conf_ca_chain(&conf, &cacert, NULL);
    if (is_server)
        mbedtls_ssl_conf_authmode(&conf, require_client    ? MBEDTLS_SSL_VERIFY_REQUIRED
                                         : optional_client ? MBEDTLS_SSL_VERIFY_OPTIONAL
                                                           : MBEDTLS_SSL_VERIFY_NONE);
    else
        mbedtls_ssl_conf_authmode(&conf, ca ? MBEDTLS_SSL_VERIFY_REQUIRED
                                            : MBEDTLS_SSL_VERIFY_NONE);
    if (cert && key && (ret = mbedtls_ssl_conf_own_cert(&conf, &owncert, &pkey)) != 0)
        goto fail;
    if ((ret = mbedtls_ssl_setup(&ssl, &conf)) != 0)
        goto fail;
    if (!is_server && name && (ret = mbedtls_ssl_set_hostname(&ssl, name)) != 0)
        goto fail;

    if (is_server) {
        if ((ret = mbedtls_net_bind(&listen_fd, "127.0.0.1", port, MBEDTLS_NET_PROTO_TCP)) != 0)
            goto fail;
        printf("ready\n");
        fflush(stdout);
        if ((ret = mbedtls_net_accept(&listen_fd, &fd, NULL, 0, NULL)) != 0)
            goto fail;
    } else {
        if ((ret = mbedtls_net_connect(&fd, "127.0.0.1", port, MBEDTLS_NET_PROTO_TCP)) != 0)
            goto fail;
    }
    mbedtls_ssl_set_bio(&ssl, &fd, mbedtls_net_send, mbedtls_net_recv, mbedtls_net_recv_timeout);

    while ((ret = mbedtls_ssl_handshake(&ssl)) != 0) {
        if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE)
            break;
    }
    if (ret != 0) {
        mbedtls_strerror(ret, err, sizeof err);
        fprintf(stderr, " failed\n  ! mbedtls_ssl_handshake returned -0x%04x: %s\n", (unsigned)-ret, err);
        uint32_t flags = mbedtls_ssl_get_verify_result(&ssl);
        if (flags != 0 && flags != (uint32_t)-1 && !(flags & MBEDTLS_X509_BADCERT_SKIP_VERIFY)) {
            char info[512];
            mbedtls_x509_crt_verify_info(info, sizeof info, "  ! ", flags);
            fprintf(stderr, "  ! certificate verification failed:\n%s", info);
        }
        goto done;
    }
    fprintf(stderr, "  . handshake done: %s, %s\n", mbedtls_ssl_get_version(&ssl),
            mbedtls_ssl_get_ciphersuite(&ssl));
    if (is_server) {
        const char *reply = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
        mbedtls_ssl_write(&ssl, (const unsigned char *)reply, strlen(reply));
    } else {
        const char *req = "GET / HTTP/1.0\r\n\r\n";
        unsigned char buf[512];
        mbedtls_ssl_write(&ssl, (const unsigned char *)req, strlen(req));
        mbedtls_ssl_read(&ssl, buf, sizeof buf);
    }
    mbedtls_ssl_close_notify(&ssl);
    ret = 0;
    goto done;

fail:
    mbedtls_strerror(ret, err, sizeof err);
    fprintf(stderr, "  ! setup failed: -0x%04x: %s\n", (unsigned)-ret, err);
done:
    mbedtls_net_free(&fd);
    mbedtls_net_free(&listen_fd);
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&cacert);
    mbedtls_x509_crt_free(&owncert);
    mbedtls_pk_free(&pkey);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    return ret == 0 ? 0 : 1;
}
