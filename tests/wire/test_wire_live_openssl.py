"""The sans-IO client against real ``openssl s_server`` peers on 127.0.0.1.

TLS 1.3 (groups, HelloRetryRequest, the encrypted flight, client certificates,
external PSKs) and TLS 1.2 (ECDHE/DHE/RSA, AES-GCM, ChaCha20, AES-CBC with and
without encrypt-then-MAC, extended master secret on and off, PSK, DHE_PSK,
ECDHE_PSK, RSA_PSK, client certificates), and what the server says when it
refuses: wrong PSKs, missing client certificates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from tlsdoctor.wire.client import ClientConfig, ClientEngine
from tlsdoctor.wire.events import (
    ApplicationDataReceived,
    ConnectionClosed,
    FinishedChecked,
    HandshakeComplete,
    MessageEvent,
    SignatureChecked,
    Stopped,
)
from tlsdoctor.wire.hello import ClientHelloProfile
from tlsdoctor.wire.messages import Alert, Certificate, CertificateRequest, ServerHello

pytestmark = pytest.mark.live

GET = b"GET / HTTP/1.0\r\n\r\n"
PSK_HEX = "c0ffee00112233445566778899aabbcc"
PSK = bytes.fromhex(PSK_HEX)
TLS12_ONLY = ClientHelloProfile(versions=(0x0303,))
TLS13_ONLY = ClientHelloProfile(versions=(0x0304,))


def names(engine: ClientEngine, sender: str | None = None) -> list[str]:
    return [e.name for e in engine.messages() if sender is None or e.sender == sender]


def one(engine: ClientEngine, kind: type) -> Any:
    found = [e for e in engine.events if isinstance(e, kind)]
    assert found, f"no {kind.__name__} in {engine.events}"
    return found[-1]


def response(engine: ClientEngine) -> bytes:
    return b"".join(e.data for e in engine.events if isinstance(e, ApplicationDataReceived))


def server_alert(engine: ClientEngine) -> Alert:
    alerts = [e.message for e in engine.messages() if e.sender == "server" and e.name == "Alert"]
    assert alerts, f"the server sent no alert: {names(engine)}"
    return alerts[-1]


def assert_served(engine: ClientEngine, peer_log: str) -> HandshakeComplete:
    assert engine.state in ("closed", "connected"), (engine.error, peer_log[-800:])
    done = one(engine, HandshakeComplete)
    assert response(engine).startswith(b"HTTP/1.0 200 ok"), peer_log[-800:]
    return done


# ------------------------------------------------------------------ TLS 1.3


@pytest.mark.parametrize(("group", "openssl_name"), [(29, "X25519"), (23, "P-256"), (24, "P-384")])
def test_tls13_full_handshake_per_group(
    pki: Any, openssl_server: Any, run_client: Any, group: int, openssl_name: str
) -> None:
    s = pki.server_rsa
    peer = openssl_server(*s.server_args, "-tls1_3", "-groups", openssl_name, "-www")
    profile = replace(TLS13_ONLY, groups=(group,), key_share_groups=(group,))
    engine = run_client(
        peer.port, ClientConfig(profile=profile, server_name="localhost"), request=GET
    )
    done = assert_served(engine, peer.log())
    assert (done.version, done.group) == (0x0304, group)
    server = names(engine, "server")
    for expected in ("ServerHello", "EncryptedExtensions", "Certificate", "CertificateVerify"):
        assert expected in server
    encrypted = {e.name for e in engine.messages() if e.encrypted and e.sender == "server"}
    assert {"EncryptedExtensions", "Certificate", "CertificateVerify", "Finished"} <= encrypted
    assert one(engine, SignatureChecked).ok
    assert one(engine, FinishedChecked).ok
    cert = next(e.message for e in engine.messages() if isinstance(e.message, Certificate))
    assert cert.certificate_list[0].cert_data == s.der
    assert cert.certificate_request_context == b""


def test_tls13_hello_retry_request(pki: Any, openssl_server: Any, run_client: Any) -> None:
    s = pki.server_rsa
    peer = openssl_server(*s.server_args, "-tls1_3", "-groups", "P-384", "-www")
    profile = replace(TLS13_ONLY, groups=(29, 24), key_share_groups=(29,))
    engine = run_client(
        peer.port, ClientConfig(profile=profile, server_name="localhost"), request=GET
    )
    done = assert_served(engine, peer.log())
    assert done.group == 24
    hellos = [e.message for e in engine.messages() if isinstance(e.message, ServerHello)]
    assert hellos[0].is_hello_retry_request and not hellos[1].is_hello_retry_request
    assert names(engine, "client")[:3] == ["ClientHello", "ChangeCipherSpec", "ClientHello"]


def test_tls13_ecdsa_server(pki: Any, openssl_server: Any, run_client: Any) -> None:
    s = pki.server_ec
    peer = openssl_server(*s.server_args, "-tls1_3", "-www")
    engine = run_client(peer.port, ClientConfig(profile=TLS13_ONLY), request=GET)
    assert_served(engine, peer.log())
    assert one(engine, SignatureChecked).scheme == 0x0403


def test_tls13_reads_the_certificate_request(
    pki: Any, openssl_server: Any, run_client: Any
) -> None:
    s = pki.server_rsa
    peer = openssl_server(*s.server_args, "-tls1_3", *pki.require_client_cert)
    config = ClientConfig(profile=TLS13_ONLY, finish=False)
    engine = run_client(peer.port, config)
    assert engine.state == "stopped"
    assert isinstance(engine.events[-1], Stopped)
    cr_event = next(e for e in engine.messages() if isinstance(e.message, CertificateRequest))
    cr = cr_event.message
    assert cr_event.encrypted
    assert cr.certificate_request_context is not None
    assert 0x0804 in cr.signature_algorithms
    subjects = {i.cert.subject.public_bytes() for i in pki.clients.values()}
    assert set(cr.certificate_authorities) == subjects
    assert "Finished" not in names(engine, "client")


@pytest.mark.parametrize("kind", ["rsa", "ec", "ed25519"])
def test_tls13_client_certificate(
    pki: Any, openssl_server: Any, run_client: Any, kind: str
) -> None:
    s, client = pki.server_rsa, pki.clients[kind]
    peer = openssl_server(*s.server_args, "-tls1_3", "-www", *pki.require_client_cert)
    config = ClientConfig(
        profile=TLS13_ONLY, client_certificates=(client.der,), client_key=client.key
    )
    engine = run_client(peer.port, config, request=GET)
    done = assert_served(engine, peer.log())
    assert done.client_certificate_sent is True
    client_side = names(engine, "client")
    i = client_side.index("Certificate")
    assert client_side[i : i + 3] == ["Certificate", "CertificateVerify", "Finished"]


def test_tls13_empty_client_certificate_is_refused(
    pki: Any, openssl_server: Any, run_client: Any
) -> None:
    s = pki.server_rsa
    peer = openssl_server(*s.server_args, "-tls1_3", "-www", *pki.require_client_cert)
    engine = run_client(peer.port, ClientConfig(profile=TLS13_ONLY), request=GET)
    assert one(engine, HandshakeComplete).client_certificate_sent is False
    alert = server_alert(engine)
    assert (alert.level, alert.description) == (2, 116)  # certificate_required
    assert isinstance(engine.events[-1], ConnectionClosed)
    alert_event = [e for e in engine.messages() if e.name == "Alert"][-1]
    assert alert_event.encrypted


@pytest.mark.parametrize(("modes", "extra"), [((1,), ()), ((0,), ("-allow_no_dhe_kex",))])
def test_tls13_external_psk(
    openssl_server: Any, run_client: Any, modes: tuple[int, ...], extra: tuple[str, ...]
) -> None:
    peer = openssl_server("-nocert", "-psk", PSK_HEX, "-tls1_3", "-www", *extra)
    profile = replace(TLS13_ONLY, psk_modes=modes)
    config = ClientConfig(profile=profile, psk=PSK, psk_identity=b"Client_identity")
    engine = run_client(peer.port, config, request=GET)
    done = assert_served(engine, peer.log())
    assert done.psk_used
    assert done.group == (29 if modes == (1,) else None)
    assert "Certificate" not in names(engine, "server")


def test_tls13_wrong_psk_is_refused(openssl_server: Any, run_client: Any) -> None:
    peer = openssl_server("-nocert", "-psk", PSK_HEX, "-tls1_3", "-www")
    config = ClientConfig(profile=TLS13_ONLY, psk=b"not the right key")
    engine = run_client(peer.port, config, request=GET)
    alert = server_alert(engine)
    # OpenSSL answers a binder that does not verify with illegal_parameter;
    # RFC 8446 §4.2.11 asks for decrypt_error.  Either tells "wrong PSK".
    assert alert.description in (47, 51)
    assert "binder does not verify" in peer.finish() or alert.description == 51


# ------------------------------------------------------------------ TLS 1.2


@pytest.mark.parametrize(
    ("cipher", "code", "server", "ems", "etm"),
    [
        ("ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, "rsa", True, None),
        ("ECDHE-RSA-CHACHA20-POLY1305", 0xCCA8, "rsa", True, None),
        ("ECDHE-ECDSA-AES256-GCM-SHA384", 0xC02C, "ec", True, None),
        ("DHE-RSA-AES128-GCM-SHA256", 0x009E, "rsa", True, None),
        ("AES128-SHA", 0x002F, "rsa", True, True),
        ("AES128-SHA", 0x002F, "rsa", False, False),
        ("ECDHE-RSA-AES256-SHA384", 0xC028, "rsa", True, True),
        ("ECDHE-ECDSA-AES128-SHA", 0xC009, "ec", False, False),
        ("AES256-GCM-SHA384", 0x009D, "rsa", False, None),
    ],
)
def test_tls12_handshakes(
    pki: Any,
    openssl_server: Any,
    run_client: Any,
    cipher: str,
    code: int,
    server: str,
    ems: bool,
    etm: bool | None,
) -> None:
    s = pki.server_rsa if server == "rsa" else pki.server_ec
    peer = openssl_server(*s.server_args, "-tls1_2", "-cipher", cipher, "-www")
    profile = replace(
        TLS12_ONLY,
        cipher_suites=(code,),
        extended_master_secret=ems,
        encrypt_then_mac=bool(etm),
    )
    engine = run_client(peer.port, ClientConfig(profile=profile), request=GET)
    done = assert_served(engine, peer.log())
    assert (done.version, done.cipher_suite) == (0x0303, code)
    assert done.extended_master_secret is ems
    assert done.encrypt_then_mac is etm
    if cipher.startswith("DHE"):
        assert done.dh_bits is not None and done.dh_bits >= 2048
    client = names(engine, "client")
    assert client[:4] == ["ClientHello", "ClientKeyExchange", "ChangeCipherSpec", "Finished"]
    server_side = names(engine, "server")
    assert server_side.index("ChangeCipherSpec") < server_side.index("Finished")
    # s_server -www closes with an encrypted close_notify, which must decrypt
    closing = [e for e in engine.messages() if e.sender == "server" and e.name == "Alert"]
    assert closing and closing[-1].encrypted and closing[-1].message.description == 0


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_tls12_client_certificate(
    pki: Any, openssl_server: Any, run_client: Any, kind: str
) -> None:
    s, client = pki.server_rsa, pki.clients[kind]
    peer = openssl_server(*s.server_args, "-tls1_2", "-www", *pki.require_client_cert)
    config = ClientConfig(
        profile=TLS12_ONLY, client_certificates=(client.der,), client_key=client.key
    )
    engine = run_client(peer.port, config, request=GET)
    done = assert_served(engine, peer.log())
    assert done.client_certificate_sent is True
    assert names(engine, "client")[:5] == [
        "ClientHello",
        "Certificate",
        "ClientKeyExchange",
        "CertificateVerify",
        "ChangeCipherSpec",
    ]


def test_tls12_missing_client_certificate(pki: Any, openssl_server: Any, run_client: Any) -> None:
    s = pki.server_rsa
    peer = openssl_server(*s.server_args, "-tls1_2", "-www", *pki.require_client_cert)
    engine = run_client(peer.port, ClientConfig(profile=TLS12_ONLY), request=GET)
    alert = server_alert(engine)
    assert alert.level == 2 and alert.description in (40, 116)
    assert "peer did not return a certificate" in peer.finish()
    cr = next(e.message for e in engine.messages() if isinstance(e.message, CertificateRequest))
    assert cr.certificate_types and cr.signature_algorithms
    assert cr.certificate_request_context is None


@pytest.mark.parametrize(
    ("cipher", "code", "needs_cert"),
    [
        ("PSK-AES128-GCM-SHA256", 0x00A8, False),
        ("ECDHE-PSK-AES128-CBC-SHA256", 0xC037, False),
        ("ECDHE-PSK-CHACHA20-POLY1305", 0xCCAC, False),
        ("DHE-PSK-AES128-GCM-SHA256", 0x00AA, False),
        ("RSA-PSK-AES128-GCM-SHA256", 0x00AC, True),
    ],
)
def test_tls12_psk(
    pki: Any, openssl_server: Any, run_client: Any, cipher: str, code: int, needs_cert: bool
) -> None:
    s = pki.server_rsa
    cert = s.server_args if needs_cert else ("-nocert",)
    peer = openssl_server(
        *cert, "-psk", PSK_HEX, "-psk_hint", "hint", "-tls1_2", "-cipher", cipher, "-www"
    )
    profile = replace(TLS12_ONLY, cipher_suites=(code,))
    engine = run_client(peer.port, ClientConfig(profile=profile, psk=PSK), request=GET)
    done = assert_served(engine, peer.log())
    assert done.psk_used and done.cipher_suite == code
    ske = [e.message for e in engine.messages() if e.name == "ServerKeyExchange"]
    assert ske and ske[0].psk_identity_hint == b"hint"
    cke = next(e.message for e in engine.messages() if e.name == "ClientKeyExchange")
    assert cke.psk_identity == b"Client_identity"


def test_tls12_wrong_psk_gets_bad_record_mac(openssl_server: Any, run_client: Any) -> None:
    peer = openssl_server("-nocert", "-psk", PSK_HEX, "-tls1_2", "-cipher", "PSK-AES128-GCM-SHA256")
    profile = replace(TLS12_ONLY, cipher_suites=(0x00A8,))
    engine = run_client(peer.port, ClientConfig(profile=profile, psk=b"wrong"))
    alert = server_alert(engine)
    assert (alert.level, alert.description) == (2, 20)  # bad_record_mac
    assert engine.state == "closed"
    # the alert came before the server's ChangeCipherSpec, so in plaintext
    assert not [e for e in engine.messages() if e.name == "Alert"][-1].encrypted


def test_psk_never_appears_in_events_or_reprs(openssl_server: Any, run_client: Any) -> None:
    peer = openssl_server("-nocert", "-psk", PSK_HEX, "-tls1_3", "-www")
    config = ClientConfig(profile=TLS13_ONLY, psk=PSK)
    engine = run_client(peer.port, config, request=GET)
    text = repr(config) + repr(engine) + "".join(repr(e) for e in engine.events)
    assert PSK_HEX not in text and repr(PSK) not in text
    assert all(not isinstance(e, MessageEvent) or PSK not in e.raw for e in engine.events)


@pytest.mark.parametrize(("group", "openssl_name"), [(30, "X448"), (25, "P-521")])
def test_tls13_more_groups(
    pki: Any, openssl_server: Any, run_client: Any, group: int, openssl_name: str
) -> None:
    s = pki.server_ec
    peer = openssl_server(*s.server_args, "-tls1_3", "-groups", openssl_name, "-www")
    profile = replace(TLS13_ONLY, groups=(group,), key_share_groups=(group,))
    engine = run_client(peer.port, ClientConfig(profile=profile), request=GET)
    assert assert_served(engine, peer.log()).group == group


def test_tls13_key_update_both_ways(pki: Any, openssl_server: Any) -> None:
    """s_server's "K" command sends KeyUpdate(update_requested): the engine must
    move its read keys, answer with its own KeyUpdate and move its write keys."""
    import socket

    s = pki.server_rsa
    peer = openssl_server(*s.server_args, "-tls1_3")
    engine = ClientEngine(ClientConfig(profile=TLS13_ONLY))
    with socket.create_connection(("127.0.0.1", peer.port), timeout=2) as sock:

        def pump_until(done: Callable[[], bool]) -> None:
            """Read and answer records until ``done()``, for at most 20 reads."""
            for _ in range(20):
                if done():
                    break
                engine.receive(sock.recv(65536))
                sock.sendall(engine.data_to_send())

        sock.sendall(engine.start())
        pump_until(lambda: engine.state == "connected")
        assert engine.state == "connected"
        peer.proc.stdin.write(b"K\n")  # one command per read: s_server drops the rest
        peer.proc.stdin.flush()
        pump_until(lambda: any(e.name == "KeyUpdate" for e in engine.messages()))
        peer.proc.stdin.write(b"after the update\n")
        peer.proc.stdin.flush()
        pump_until(lambda: response(engine).endswith(b"after the update\n"))
        assert response(engine).endswith(b"after the update\n")
        key_updates = [e for e in engine.messages() if e.name == "KeyUpdate"]
        assert [(e.sender, e.message.request_update) for e in key_updates] == [
            ("server", 1),
            ("client", 0),
        ]
        engine.send_application_data(b"client speaks with new keys\n")
        sock.sendall(engine.data_to_send())
        engine.close()
        sock.sendall(engine.data_to_send())
    assert "client speaks with new keys" in peer.finish()


@pytest.mark.parametrize(
    ("flag", "version", "cipher", "code", "etm"),
    [
        ("-tls1", 0x0301, "ECDHE-RSA-AES128-SHA", 0xC013, True),
        ("-tls1", 0x0301, "DHE-RSA-AES128-SHA", 0x0033, False),
        ("-tls1_1", 0x0302, "AES256-SHA", 0x0035, True),
    ],
)
def test_tls10_and_tls11(
    pki: Any,
    openssl_server: Any,
    run_client: Any,
    flag: str,
    version: int,
    cipher: str,
    code: int,
    etm: bool,
) -> None:
    """Old versions: the MD5+SHA-1 PRF, chained CBC IVs (TLS 1.0), unsigned-hash
    ServerKeyExchange signatures, and a client CertificateVerify without a scheme."""
    s, client = pki.server_rsa, pki.clients["rsa"]
    peer = openssl_server(
        *s.server_args, flag, "-cipher", f"{cipher}@SECLEVEL=0", "-www", *pki.require_client_cert
    )
    profile = ClientHelloProfile(versions=(version,), cipher_suites=(code,), encrypt_then_mac=etm)
    config = ClientConfig(profile=profile, client_certificates=(client.der,), client_key=client.key)
    engine = run_client(peer.port, config, request=GET)
    done = assert_served(engine, peer.log())
    assert (done.version, done.cipher_suite, done.encrypt_then_mac) == (version, code, etm)
    cv = next(e.message for e in engine.messages() if e.name == "CertificateVerify")
    assert cv.algorithm is None
