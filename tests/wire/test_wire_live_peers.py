"""Other real peers on 127.0.0.1: gnutls-serv, and the ClientHellos that
``openssl s_client`` and Python's ``ssl`` module send to a socket we listen on."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from dataclasses import replace
from typing import Any

import pytest

from tlsdoctor.wire.client import ClientConfig
from tlsdoctor.wire.events import ApplicationDataReceived, HandshakeComplete
from tlsdoctor.wire.fingerprint import ja3, ja4
from tlsdoctor.wire.handshake import parse_handshake
from tlsdoctor.wire.hello import ClientHelloProfile
from tlsdoctor.wire.messages import ClientHello
from tlsdoctor.wire.records import HandshakeReassembler, RecordReader

pytestmark = pytest.mark.live

HOST = "127.0.0.1"


def test_gnutls_tls13_only_server(pki: Any, gnutls_server: Any, run_client: Any) -> None:
    s = pki.server_rsa
    peer = gnutls_server(
        "--http", "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.3",
        "--x509certfile", str(s.cert_path), "--x509keyfile", str(s.key_path),
    )  # fmt: skip
    engine = run_client(
        peer.port, ClientConfig(server_name="localhost"), request=b"GET / HTTP/1.0\r\n\r\n"
    )
    done = next(e for e in engine.events if isinstance(e, HandshakeComplete))
    assert done.version == 0x0304
    body = b"".join(e.data for e in engine.events if isinstance(e, ApplicationDataReceived))
    assert body.startswith(b"HTTP/1.0 200 OK")
    # gnutls asks for an optional client certificate; the empty one is accepted
    assert "CertificateRequest" in [m.name for m in engine.messages()]
    assert done.client_certificate_sent is False


def test_gnutls_refuses_tls12_only_client(pki: Any, gnutls_server: Any, run_client: Any) -> None:
    s = pki.server_rsa
    peer = gnutls_server(
        "--http", "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.3",
        "--x509certfile", str(s.cert_path), "--x509keyfile", str(s.key_path),
    )  # fmt: skip
    profile = ClientHelloProfile(versions=(0x0303,))
    engine = run_client(peer.port, ClientConfig(profile=profile))
    alerts = [m.message for m in engine.messages() if m.name == "Alert" and m.sender == "server"]
    # RFC 8446 asks for protocol_version (70); gnutls 3.7 answers handshake_failure (40)
    assert alerts and alerts[-1].level == 2 and alerts[-1].description in (40, 70)
    assert engine.state == "closed"


# ------------------------------------------------------- ClientHellos we read


def _read_client_hello(sock: socket.socket) -> tuple[ClientHello, bytes]:
    reader, hs = RecordReader("client"), HandshakeReassembler("client")
    for _ in range(50):
        data = sock.recv(65536)
        assert data, "the client closed before its ClientHello was complete"
        for record in reader.feed(data):
            assert record.content_type == 22
            for frame in hs.feed(record.fragment):
                msg, _ = parse_handshake(frame.raw, side="client")
                assert isinstance(msg, ClientHello)
                return msg, frame.raw
    raise AssertionError("no ClientHello")


def _listener() -> socket.socket:
    srv = socket.socket()
    srv.bind((HOST, 0))
    srv.listen(1)
    srv.settimeout(5)
    return srv


def test_parse_openssl_s_client_hello() -> None:
    with _listener() as srv:
        port = srv.getsockname()[1]
        proc = subprocess.Popen(
            ["openssl", "s_client", "-connect", f"{HOST}:{port}", "-servername", "example.test",
             "-alpn", "h2,http/1.1", "-groups", "X25519:P-256:ffdhe2048"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            conn, _ = srv.accept()
            with conn:
                conn.settimeout(2)
                ch, _raw = _read_client_hello(conn)
        finally:
            proc.kill()
            proc.communicate(timeout=5)
    assert ch.server_name == "example.test"
    assert ch.alpn_protocols == (b"h2", b"http/1.1")
    assert 0x0304 in ch.offered_versions
    assert ch.typed(10).groups == (29, 23, 256)
    assert 0x1302 in ch.cipher_suites and 0x00FF in ch.cipher_suites
    assert {e.type for e in ch.extensions} >= {0, 10, 13, 16, 43, 45, 51}
    assert ja4(ch).startswith("t13d")
    assert len(ja3(ch)) == 32


def test_parse_python_ssl_client_hello() -> None:
    ctx = ssl.create_default_context()
    ctx.set_alpn_protocols(["http/1.1"])
    errors: list[BaseException] = []

    def connect(port: int) -> None:
        try:
            with socket.create_connection((HOST, port), timeout=2) as sock:
                ctx.wrap_socket(sock, server_hostname="python.test")
        except (OSError, ssl.SSLError):
            pass  # we hang up after reading the hello
        except BaseException as exc:  # pragma: no cover - shows in the assertion
            errors.append(exc)

    with _listener() as srv:
        t = threading.Thread(target=connect, args=(srv.getsockname()[1],))
        t.start()
        try:
            conn, _ = srv.accept()
            with conn:
                conn.settimeout(2)
                ch, _raw = _read_client_hello(conn)
        finally:
            t.join(timeout=5)
    assert not errors
    assert ch.server_name == "python.test"
    assert ch.alpn_protocols == (b"http/1.1",)
    assert 0x0304 in ch.offered_versions
    assert ch.typed(51) is not None  # key_share


def test_our_hello_reads_back_through_the_record_layer() -> None:
    """What the engine sends parses as the ClientHello it reports."""
    from tlsdoctor.wire.client import ClientEngine

    profile = replace(ClientHelloProfile(), grease=True, alpn=(b"h2",), padding="boringssl")
    engine = ClientEngine(ClientConfig(profile=profile, server_name="a.test"))
    records, rest = RecordReader("client"), None
    frames = HandshakeReassembler("client")
    raw = engine.start()
    out = [f for r in records.feed(raw) for f in frames.feed(r.fragment)]
    del rest
    ch, _ = parse_handshake(out[0].raw)
    assert ch == engine.client_hello
