/*
 * The smallest Mbed TLS client, built against Debian's libmbedtls-dev with the
 * library's defaults (mbedtls_ssl_config_defaults, MBEDTLS_SSL_PRESET_DEFAULT):
 * one handshake to 127.0.0.1:PORT with SNI HOST, verifying the server against
 * CAFILE.  Exit 0 when the handshake completes, 1 when it fails (the error code
 * and the verify flags on stderr), 2 on usage errors.
 *
 *   mbed_client PORT HOST CAFILE
 */
#include <stdio.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: mbed_client PORT HOST CAFILE\n");
        return 2;
    }
    mbedtls_net_context net;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_net_init(&net);
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&ca);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0) != 0 ||
        mbedtls_x509_crt_parse_file(&ca, argv[3]) < 0) {
        fprintf(stderr, "cannot seed or load CA file\n");
        return 2;
    }
    if (mbedtls_net_connect(&net, "127.0.0.1", argv[1], MBEDTLS_NET_PROTO_TCP) != 0) {
        fprintf(stderr, "connect failed\n");
        return 1;
    }
    mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                MBEDTLS_SSL_PRESET_DEFAULT);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_read_timeout(&conf, 5000);
    mbedtls_ssl_setup(&ssl, &conf);
    mbedtls_ssl_set_hostname(&ssl, argv[2]);
    mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, NULL, mbedtls_net_recv_timeout);
    int rc;
    while ((rc = mbedtls_ssl_handshake(&ssl)) != 0) {
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE)
            break;
    }
    if (rc != 0) {
        char buf[160];
        mbedtls_strerror(rc, buf, sizeof buf);
        fprintf(stderr, "handshake failed: -0x%04x %s; verify flags 0x%08x\n", (unsigned)-rc, buf,
                mbedtls_ssl_get_verify_result(&ssl));
        return 1;
    }
    const unsigned char req[] = "GET / HTTP/1.0\r\n\r\n";
    unsigned char reply[64];
    if (mbedtls_ssl_write(&ssl, req, sizeof req - 1) <= 0 || mbedtls_ssl_read(&ssl, reply, sizeof reply) <= 0) {
        fprintf(stderr, "after the handshake: the server closed or refused\n");
        return 1;
    }
    printf("ok %s %s\n", mbedtls_ssl_get_version(&ssl), mbedtls_ssl_get_ciphersuite(&ssl));
    mbedtls_ssl_close_notify(&ssl);
    return 0;
}
