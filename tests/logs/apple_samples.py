"""Apple console / Xcode log samples, written by us in the forms Apple's stack prints.

Apple logs cannot be produced on this machine, so these are our own lines in
the shapes the issue names: ``[BoringSSL]`` / ``boringssl_*`` /
``nw_protocol_boringssl_*`` lines with the connection id and SSL object,
handshake states, the ``TLS connected [...]`` summary, trust evaluation and
SCT lines, and NSURLSession / CFNetwork errors.  Host names, addresses and
identifiers are made up.
"""

from __future__ import annotations

_P = "2026-11-22 09:14:03.{ms:06d}+0100 DemoApp[4242:81234] "


def _lines(body: list[str]) -> str:
    return "\n".join(_P.format(ms=1000 * i + 7) + line for i, line in enumerate(body)) + "\n"


CT_FAILURE = _lines(
    [
        "[connection] nw_socket_handle_socket_event [C1:2] Socket SO_ERROR [0: Undefined error: 0]",
        "[BoringSSL] boringssl_session_apply_protocol_options_for_transport_block_invoke(1803) "
        "[C1.1:2][0x7fb0c1d0a1c0] TLS configured [min_version(0x0303) max_version(0x0304) "
        "name(api.shop.example) tickets(false) false_start(false) enforce_ev(false) enforce_ats(true)]",
        "[BoringSSL] boringssl_context_info_handler(2046) [C1.1:2][0x7fb0c1d0a1c0] "
        "Client handshake state: TLS 1.3 client start_connect",
        "[BoringSSL] boringssl_context_info_handler(2046) [C1.1:2][0x7fb0c1d0a1c0] "
        "Client handshake state: TLS 1.3 client read_server_hello",
        "[BoringSSL] boringssl_context_info_handler(2046) [C1.1:2][0x7fb0c1d0a1c0] "
        "Client handshake state: TLS 1.3 client read_encrypted_extensions",
        "[BoringSSL] boringssl_context_info_handler(2046) [C1.1:2][0x7fb0c1d0a1c0] "
        "Client handshake state: TLS 1.3 client read_server_certificate",
        "[Accounts] ACAccountStore: fetched 3 accounts in 0.002 s",  # another subsystem
        "[BoringSSL] boringssl_context_evaluate_trust_async_external_block_invoke(1738) "
        "[C1.1:2][0x7fb0c1d0a1c0] No TLS-provided SCTs",
        "[BoringSSL] boringssl_context_evaluate_trust_async_external_block_invoke(1752) "
        "[C1.1:2][0x7fb0c1d0a1c0] SecTrustSetOCSPResponse result: 0",
        "[BoringSSL] boringssl_context_evaluate_trust_async_external_block_invoke(1779) "
        "[C1.1:2][0x7fb0c1d0a1c0] Trust evaluate failure: [leaf CTRequired]",
        "[BoringSSL] boringssl_context_alert_callback_handler(3724) [C1.1:2][0x7fb0c1d0a1c0] "
        "Alert level: fatal, desc: 46",
        "[BoringSSL] boringssl_session_handshake_error_print(44) [C1.1:2][0x7fb0c1d0a1c0] "
        "Error: 140602553124712:error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED",
        "[connection] nw_connection_copy_connected_local_endpoint [C1] Connection has no connected path",
        "Task <0B9D5A1E-3F29-4C8B-9E11-5B1D2A6C7F00>.<1> HTTP load failed, 0/0 bytes "
        "(error code: -1200 [3:-9802])",
        "Task <0B9D5A1E-3F29-4C8B-9E11-5B1D2A6C7F00>.<1> finished with error [-1200] "
        'Error Domain=NSURLErrorDomain Code=-1200 "An SSL error has occurred and a secure '
        'connection to the server cannot be made." UserInfo={_kCFStreamErrorCodeKey=-9802, '
        "NSErrorFailingURLStringKey=https://api.shop.example/v1/cart, _kCFStreamErrorDomainKey=3}",
    ]
)
"""A verify failure with no SCTs from any source: Apple's CT policy."""

HRR = _lines(
    [
        "[BoringSSL] boringssl_context_info_handler(2046) [C4.1:2][0x7fb0c1e11200] "
        "Client handshake state: TLS 1.3 client start_connect",
        "[BoringSSL] boringssl_context_info_handler(2046) [C4.1:2][0x7fb0c1e11200] "
        "Client handshake state: TLS 1.3 client read_hello_retry_request",
        "[BoringSSL] boringssl_context_info_handler(2046) [C4.1:2][0x7fb0c1e11200] "
        "Client handshake state: TLS 1.3 client send_second_client_hello",
        "[BoringSSL] boringssl_context_info_handler(2046) [C4.1:2][0x7fb0c1e11200] "
        "Client handshake state: TLS 1.3 client read_server_hello",
        "[BoringSSL] boringssl_context_info_handler(2046) [C4.1:2][0x7fb0c1e11200] "
        "Client handshake state: TLS 1.3 client read_encrypted_extensions",
        "[BoringSSL] boringssl_context_info_handler(2046) [C4.1:2][0x7fb0c1e11200] "
        "Client handshake state: TLS 1.3 client read_server_certificate",
        "[BoringSSL] boringssl_context_info_handler(2046) [C4.1:2][0x7fb0c1e11200] "
        "Client handshake state: TLS 1.3 client read_server_certificate_verify",
        "[BoringSSL] boringssl_context_info_handler(2046) [C4.1:2][0x7fb0c1e11200] "
        "Client handshake state: TLS 1.3 client read_server_finished",
        "[BoringSSL] boringssl_context_info_handler(2046) [C4.1:2][0x7fb0c1e11200] "
        "Client handshake state: TLS 1.3 client send_client_finished",
        "[BoringSSL] boringssl_context_info_handler(2046) [C4.1:2][0x7fb0c1e11200] "
        "Client handshake state: TLS 1.3 client done",
        "[BoringSSL] nw_protocol_boringssl_handshake_negotiate_proceed(779) [C4.1:2][0x7fb0c1e11200] "
        "TLS connected [version(0x0304) ciphersuite(0x1301) group(0x0017) signature_alg(0x0403) "
        "alpn(h2) resumed(0) offered_ticket(0) false_started(0) ocsp(0) sct(0) connect_time(41ms) "
        "flight_time(19ms) rtt(18ms) write_stalls(0) read_stalls(2)]",
    ]
)
"""A TLS 1.3 handshake with a HelloRetryRequest, which then succeeds."""

ATS_9802 = _lines(
    [
        "[BoringSSL] boringssl_context_info_handler(2046) [C7.1:2][0x7fb0c1f00a00] "
        "Client handshake state: TLS client start_connect",
        "[BoringSSL] boringssl_context_info_handler(2046) [C7.1:2][0x7fb0c1f00a00] "
        "Client handshake state: TLS client read_server_hello",
        "[BoringSSL] boringssl_session_handshake_error_print(44) [C7.1:2][0x7fb0c1f00a00] "
        "Error: 140602553124999:error:10000410:SSL routines:OPENSSL_internal:SSLV3_ALERT_HANDSHAKE_FAILURE",
        "CFNetwork SSLHandshake failed (-9824)",
        "NSURLSession/NSURLConnection HTTP load failed (kCFStreamErrorDomainSSL, -9802)",
        "Task <2C1E0F7A-77B4-4D22-9A0E-0E9C3B5D1A11>.<3> finished with error [-1200] "
        'Error Domain=NSURLErrorDomain Code=-1200 "An SSL error has occurred and a secure '
        'connection to the server cannot be made." UserInfo={_kCFStreamErrorCodeKey=-9802, '
        "NSErrorFailingURLStringKey=https://legacy.example.net/, _kCFStreamErrorDomainKey=3}",
    ]
)
"""An NSURLSession -9802: the server ends the handshake after the ClientHello."""

SUCCESS = _lines(
    [
        "[BoringSSL] boringssl_context_info_handler(2046) [C9.1:2][0x7fb0c2000100] "
        "Client handshake state: TLS 1.3 client read_server_finished",
        "[BoringSSL] boringssl_context_info_handler(2046) [C9.1:2][0x7fb0c2000100] "
        "Client handshake state: TLS 1.3 client done",
        "[BoringSSL] boringssl_session_handshake_incomplete(210) [C9.1:2][0x7fb0c2000100] "
        "TLS connected [version(0x0304) ciphersuite(0x1302) group(0x001d) signature_alg(0x0804) "
        "alpn(h2) resumed(0) offered_ticket(0) false_started(0) ocsp(1) sct(1) connect_time(35ms) "
        "flight_time(12ms) rtt(11ms) write_stalls(0) read_stalls(1)]",
    ]
)
"""A success line with its parameters."""
