"""Seed lines per log format for the property tests (our own, in each format's shape).

The property tests shuffle, cut, repeat and garble these; a parser must
never raise on what comes out.
"""

from __future__ import annotations

from apple_samples import CT_FAILURE, HRR

# One wolfSSL handshake (the empty-certificate case), as the library logs it.
HANDSHAKE = """\
wolfSSL Entering wolfSSL_CTX_new_ex
wolfSSL Entering SSL_new
wolfSSL Leaving SSL_new, return 0
wolfSSL Entering wolfSSL_CTX_use_certificate_file
wolfSSL Entering wolfSSL_CTX_use_PrivateKey_file
wolfSSL Entering SSL_connect()
wolfSSL Leaving SendClientHello, return 0
connect state: CLIENT_HELLO_SENT
processing server hello
processing certificate
processing server key exchange
processing certificate request
processing server hello done
wolfSSL Leaving SendCertificate, return 0
sent: certificate
wolfSSL Leaving SendClientKeyExchange, return 0
wolfSSL Entering SendCertificateVerify
sent: certificate verify
sent: change cipher spec
wolfSSL Leaving SendFinished, return 0
sent: finished
got ALERT!
Alert type: bad_certificate
wolfSSL error occurred, error = 42
wolfSSL error occurred, error = -313
wolfSSL Entering SSL_free
"""


SEEDS: dict[str, list[str]] = {
    "wolfssl": [
        "wolfSSL Entering SSL_new",
        "wolfSSL Leaving SSL_new, return 0",
        "wolfSSL Entering wolfSSL_CTX_use_certificate_file",
        "wolfSSL Entering SSL_connect()",
        "wolfSSL Entering SendClientHello",
        "wolfSSL Leaving SendClientHello, return 0",
        "connect state: CLIENT_HELLO_SENT",
        "accept state ACCEPT_CLIENT_HELLO_DONE",
        "processing server hello",
        "processing certificate request",
        "processing certificate",
        "wolfSSL Leaving SendCertificate, return 0",
        "sent: certificate",
        "sent: certificate verify",
        "got ALERT!",
        "Alert type: handshake_failure",
        "Unknown Alert",
        "wolfSSL error occurred, error = 40",
        "wolfSSL error occurred, error = -313",
        "client didn't present peer cert",
        "Failed to verify Peer's cert",
        "wolfSSL Leaving SSL_connect(), return 1",
        "2026-11-22T07:26:36.729Z app[wolfssl] <2> wolfSSL Entering SendCertificate",
    ],
    "mbedtls": [
        "./library/ssl_tls.c:5804: |2| 0x7ffd6811c620: => handshake",
        "./library/ssl_cli.c:4272: |2| 0x7ffd6811c620: client state: 2",
        "./library/ssl_msg.c:3646: |4| 0x7ffd6811c620: dumping 'input record from network' (9 bytes)",
        "./library/ssl_msg.c:3646: |4| 0x7ffd6811c620: 0000:  16 03 03 00 04 0e 00 00 00                       .........",
        "./library/ssl_msg.c:2708: |4| 0x7ffd6811c620: dumping 'output record sent to network' (12 bytes)",
        "./library/ssl_msg.c:2708: |4| 0x7ffd6811c620: 0000:  16 03 03 00 07 0b 00 00 03 00 00 00              ............",
        "./library/ssl_msg.c:2913: |3| 0x7ffd6811c620: handshake message: msglen = 65, type = 2, hslen = 65",
        "./library/ssl_msg.c:4698: |2| 0x7ffd6811c620: got an alert message, type: [2:46]",
        "./library/ssl_msg.c:4787: |3| 0x7ffd6811c620: send alert level=2 message=48",
        "./library/ssl_cli.c:4161: |1| 0x7ffd6811c620: mbedtls_ssl_read_record() returned -30592 (-0x7780)",
        "./library/ssl_tls.c:2707: |3| 0x7ffd6811c620: ! Certificate verification flags 00000008",
        "./library/ssl_tls.c:2161: |2| 0x7ffd6811c620: <= write certificate",
        "./library/ssl_cli.c:2040: |2| 0x7ffd6811c620: <= parse server hello",
        "./library/ssl_tls.c:1078: |3| 0x7ffd6811c620: dumping 'master secret' (48 bytes)",
        "./library/ssl_tls.c:1078: |3| 0x7ffd6811c620: 0000:  01 e0 ca 5f ec 95 d8 25 ec 6b 68 c9 ca 77 e6 85  ..._...%.kh..w..",
        "I (1234) mbedtls: ssl_tls.c:4379 got an alert message, type: [2:40]",
        "  ! mbedtls_ssl_handshake returned -0x7780: SSL - A fatal alert message was received from our peer",
        "./library/ssl_tls.c:2489: |1| 0x7ffd8bc55d30: TLSv1 client has no certificate",
    ],
    "openssl": [
        "CONNECTED(00000003)",
        ">>> TLS 1.3, Handshake [length 0136], ClientHello",
        "    01 00 01 32 03 03 ad ff 1c 93 04 d0 9c 20 7c aa",
        "<<< TLS 1.2, Handshake [length 0004], ServerHelloDone",
        "    0e 00 00 00",
        ">>> TLS 1.2, Handshake [length 0007], Certificate",
        "    0b 00 00 03 00 00 00",
        "<<< TLS 1.2, Alert [length 0002], fatal handshake_failure",
        "    02 28",
        "Sent Record",
        "Received Record",
        "    ClientHello, Length=306",
        "    Level=fatal(2), description=handshake failure(40)",
        "SSL_connect:SSLv3/TLS write client hello",
        "SSL3 alert read:fatal:handshake failure",
        "depth=0 O = tlsdoctor lab, CN = localhost",
        "verify error:num=20:unable to get local issuer certificate",
        "Verify return code: 20 (unable to get local issuer certificate)",
        "4007094B707F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1602:SSL alert number 40",
        "-----BEGIN CERTIFICATE-----",
        "MIIB7zCCAZSgAwIBAgIUZBjj9ozyQBTbfqDikWYvI1E/MiUwCgYIKoZIzj0EAwIw",
        "-----END CERTIFICATE-----",
        "    Master-Key: 6AB57A05726394E528C4531FE1631373F13E5BDB8A93AC9A1B85BF9DC5A3F911",
        "Server Temp Key: X25519, 253 bits",
        "New, TLSv1.2, Cipher is ECDHE-ECDSA-AES256-GCM-SHA384",
    ],
    "gnutls": [
        "|<4>| HSK[0x55b08caeede0]: CLIENT HELLO was queued [386 bytes]",
        "|<4>| HSK[0x55b08caeede0]: SERVER HELLO (2) was received. Length 61[61], frag offset 0, frag length: 61, sequence: 0",
        "|<4>| HSK[0x55b08caeede0]: CERTIFICATE was queued [8 bytes]",
        "|<2>| Keeping ciphersuite 13.02 (GNUTLS_AES_256_GCM_SHA384)",
        "|<4>| HSK[0x55b08caeede0]: Selected cipher suite: GNUTLS_AES_256_GCM_SHA384",
        "|<4>| HSK[0x55b08caeede0]: Selected group SECP256R1 (2)",
        "|<3>| ASSERT: ../../lib/buffers.c[get_last_packet]:1196",
        "|<4>| REC[0x55b08caeede0]: Sent ChangeCipherSpec",
        "*** Received alert [116]: Certificate is required",
        "- Status: The certificate is NOT trusted. The certificate issuer is unknown. ",
        "*** Fatal error: Error in the certificate.",
        "- Handshake was completed",
        "- Successfully sent 0 certificate(s) to server.",
    ],
    "java": [
        "javax.net.ssl|DEBUG|10|main|2026-11-22 07:27:43.656 UTC|ClientHello.java:639|Produced ClientHello handshake message (",
        '"ClientHello": {',
        '  "cipher suite"        : "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384(0xC02C)",',
        ")",
        "javax.net.ssl|DEBUG|10|main|2026-11-22 07:27:43.664 UTC|ServerHello.java:897|Consuming ServerHello handshake message (",
        "javax.net.ssl|DEBUG|10|main|2026-11-22 07:27:43.922 UTC|Alert.java:238|Received alert message (",
        '  "level"      : "fatal",',
        '  "description": "handshake_failure"',
        "javax.net.ssl|ERROR|10|main|2026-11-22 07:27:43.923 UTC|TransportContext.java:375|Fatal (HANDSHAKE_FAILURE): Received fatal alert: handshake_failure (",
        '"Certificates": <empty list>',
        'Exception in thread "main" javax.net.ssl.SSLHandshakeException: Received fatal alert: handshake_failure',
    ],
    "curl": [
        "*   Trying 127.0.0.1:41209...",
        "* Connected to localhost (127.0.0.1) port 41209 (#0)",
        "* TLSv1.3 (OUT), TLS handshake, Client hello (1):",
        "} [512 bytes data]",
        "* TLSv1.2 (IN), TLS handshake, Request CERT (13):",
        "{ [52 bytes data]",
        "* TLSv1.2 (IN), TLS alert, handshake failure (552):",
        "* SSL certificate problem: unable to get local issuer certificate",
        "curl: (35) OpenSSL/3.0.22: error:0A000410:SSL routines::sslv3 alert handshake failure",
        "* SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384",
    ],
    "go": [
        'Get "https://localhost:8443/": tls: failed to verify certificate: x509: certificate signed by unknown authority',
        "2026/11/22 07:30:00 http: TLS handshake error from 127.0.0.1:55555: tls: client didn't provide a certificate",
        "remote error: tls: bad certificate",
        "x509: certificate is valid for other.example, not localhost",
    ],
    "python": [
        "Traceback (most recent call last):",
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)",
        "ssl.SSLError: [SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required (_ssl.c:2580)",
        "requests.exceptions.SSLError: HTTPSConnectionPool(host='localhost', port=8443): Max retries exceeded",
    ],
    "apple": (CT_FAILURE + HRR).splitlines(),
}
