/*
 * The smallest wolfSSL TLS client, built against Debian's libwolfssl-dev with
 * the library's defaults: one handshake to 127.0.0.1:PORT with SNI HOST,
 * verifying the server against CAFILE.  Exit 0 when the handshake completes,
 * 1 when it fails (the wolfSSL error code on stderr), 2 on usage errors.
 *
 *   wolf_client PORT HOST CAFILE
 */
#include <wolfssl/options.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <wolfssl/ssl.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: wolf_client PORT HOST CAFILE\n");
        return 2;
    }
    wolfSSL_Init();
    WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
    if (ctx == NULL || wolfSSL_CTX_load_verify_locations(ctx, argv[3], NULL) != WOLFSSL_SUCCESS) {
        fprintf(stderr, "cannot load CA file\n");
        return 2;
    }
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)atoi(argv[1]));
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        fprintf(stderr, "connect failed\n");
        return 1;
    }
    WOLFSSL *ssl = wolfSSL_new(ctx);
    wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, argv[2], (unsigned short)strlen(argv[2]));
    wolfSSL_check_domain_name(ssl, argv[2]);
    wolfSSL_set_fd(ssl, fd);
    int rc = wolfSSL_connect(ssl);
    if (rc != WOLFSSL_SUCCESS) {
        int err = wolfSSL_get_error(ssl, rc);
        char buf[80];
        fprintf(stderr, "wolfSSL_connect failed: %d %s\n", err, wolfSSL_ERR_error_string((unsigned long)err, buf));
        return 1;
    }
    /* The server judges a TLS 1.3 client certificate after our Finished: read its answer. */
    const char req[] = "GET / HTTP/1.0\r\n\r\n";
    char reply[64];
    if (wolfSSL_write(ssl, req, (int)strlen(req)) <= 0 || wolfSSL_read(ssl, reply, sizeof reply) <= 0) {
        int err = wolfSSL_get_error(ssl, 0);
        fprintf(stderr, "after the handshake: %d\n", err);
        return 1;
    }
    printf("ok %s %s\n", wolfSSL_get_version(ssl), wolfSSL_get_cipher(ssl));
    wolfSSL_shutdown(ssl);
    close(fd);
    return 0;
}
