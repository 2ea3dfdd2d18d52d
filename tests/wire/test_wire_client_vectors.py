"""The client engine replaying RFC 8448 byte for byte, and refusing broken servers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tlsdoctor.wire import extensions as x
from tlsdoctor.wire.build import handshake_bytes
from tlsdoctor.wire.client import ClientConfig, ClientEngine
from tlsdoctor.wire.errors import DecryptError, ProtocolError, WireError
from tlsdoctor.wire.events import (
    ApplicationDataReceived,
    ConnectionClosed,
    ConnectionFailed,
    FinishedChecked,
    HandshakeComplete,
    MessageEvent,
    SignatureChecked,
    Stopped,
)
from tlsdoctor.wire.hello import ClientHelloProfile
from tlsdoctor.wire.keyschedule import KeySchedule, Transcript
from tlsdoctor.wire.messages import HELLO_RETRY_REQUEST_RANDOM, ServerHello
from tlsdoctor.wire.protection import Tls13Protection
from tlsdoctor.wire.records import build_record, parse_records
from tlsdoctor.wire.registry import cipher_suite
from wire import wirevectors as v
from wire.wireprofiles import S3_PROFILE, S5_PROFILE


def s3_engine(**changes: object) -> ClientEngine:
    config = ClientConfig(
        profile=S3_PROFILE,
        server_name="server",
        client_random=v.S3_CLIENT_HELLO[6:38],
        key_share_secrets={29: v.S3_CLIENT_PRIVATE},
    )
    return ClientEngine(replace(config, **changes))  # type: ignore[arg-type]


def test_rfc8448_section3_replayed_byte_for_byte() -> None:
    engine = s3_engine()
    assert engine.start() == b"\x16\x03\x01\x00\xc4" + v.S3_CLIENT_HELLO
    events = engine.receive(v.S3_SERVER_HELLO_RECORD + v.S3_SERVER_FLIGHT_RECORD)
    assert engine.data_to_send() == v.S3_CLIENT_FINISHED_RECORD
    assert engine.state == "connected"
    assert [e.name for e in events if isinstance(e, MessageEvent)] == [
        "ServerHello",
        "EncryptedExtensions",
        "Certificate",
        "CertificateVerify",
        "Finished",
        "Finished",
    ]
    # the RFC's server signs with RSA-PSS; the signature must verify
    check = next(e for e in events if isinstance(e, SignatureChecked))
    assert check.ok and check.scheme == 0x0804
    done = next(e for e in events if isinstance(e, HandshakeComplete))
    assert (done.version, done.cipher_suite, done.group) == (0x0304, 0x1301, 29)

    events = engine.receive(v.S3_TICKET_RECORD + v.S3_SERVER_DATA_RECORD)
    assert [e.name for e in events if isinstance(e, MessageEvent)] == [
        "NewSessionTicket",
        "ApplicationData",
    ]
    assert next(e for e in events if isinstance(e, ApplicationDataReceived)).data == bytes(
        range(50)
    )
    engine.send_application_data(bytes(range(50)))
    assert engine.data_to_send() == v.S3_CLIENT_DATA_RECORD
    engine.close()
    assert engine.data_to_send() == v.S3_CLIENT_ALERT_RECORD
    events = engine.receive(v.S3_SERVER_ALERT_RECORD)
    assert isinstance(events[-1], ConnectionClosed) and engine.state == "closed"


def test_rfc8448_section3_fed_one_byte_at_a_time() -> None:
    engine = s3_engine()
    engine.start()
    stream = v.S3_SERVER_HELLO_RECORD + v.S3_SERVER_FLIGHT_RECORD
    for i in range(len(stream)):
        engine.receive(stream[i : i + 1])
    assert engine.data_to_send() == v.S3_CLIENT_FINISHED_RECORD


def test_rfc8448_section5_hello_retry_request_replayed() -> None:
    ch1 = v.S5_CLIENT_HELLO1_RECORD
    engine = ClientEngine(
        ClientConfig(
            profile=S5_PROFILE,
            server_name="server",
            client_random=ch1[11:43],
            key_share_secrets={29: v.S5_X25519_PRIVATE, 23: v.S5_P256_PRIVATE},
        )
    )
    assert engine.start() == ch1
    engine.receive(v.S5_HRR_RECORD)
    assert engine.data_to_send() == v.S5_CLIENT_HELLO2_RECORD
    engine.receive(v.S5_SERVER_HELLO_RECORD + v.S5_SERVER_FLIGHT_RECORD)
    assert engine.data_to_send() == v.S5_CLIENT_FINISHED_RECORD
    done = next(e for e in engine.events if isinstance(e, HandshakeComplete))
    assert done.group == 23


def _failure(engine: ClientEngine) -> ConnectionFailed:
    assert engine.state == "failed"
    failed = engine.events[-1]
    assert isinstance(failed, ConnectionFailed)
    return failed


def test_tampered_flight_fails_with_bad_record_mac_and_says_who() -> None:
    engine = s3_engine()
    engine.start()
    flight = bytearray(v.S3_SERVER_FLIGHT_RECORD)
    flight[40] ^= 1
    engine.receive(v.S3_SERVER_HELLO_RECORD + bytes(flight))
    failed = _failure(engine)
    assert isinstance(failed.error, DecryptError)
    assert failed.error.side == "server" and failed.error.offset == len(v.S3_SERVER_HELLO_RECORD)
    assert failed.alert_sent == 20
    sent = engine.data_to_send()
    assert sent[:3] == b"\x17\x03\x03"  # the alert went out encrypted


def _reseal_flight(mutate: object) -> bytes:
    """The RFC's server flight, decrypted, changed, and encrypted again."""
    suite = cipher_suite(0x1301)
    assert suite is not None
    ks = KeySchedule("sha256")
    t = Transcript("sha256")
    t.update(v.S3_CLIENT_HELLO)
    t.update(parse_records(v.S3_SERVER_HELLO_RECORD)[0][0].fragment)
    from wire.wirevectors import S3_ECDHE

    ks.handshake(S3_ECDHE, t.digest())
    reader = Tls13Protection(suite, ks.server_handshake_traffic_secret)
    _, plain = reader.open(parse_records(v.S3_SERVER_FLIGHT_RECORD)[0][0])
    changed = bytearray(plain)
    mutate(changed)  # type: ignore[operator]
    return Tls13Protection(suite, ks.server_handshake_traffic_secret).seal(22, bytes(changed))


def test_wrong_server_finished_is_decrypt_error() -> None:
    assert _reseal_flight(lambda b: None) == v.S3_SERVER_FLIGHT_RECORD

    def flip_last(b: bytearray) -> None:
        b[-1] ^= 1

    engine = s3_engine()
    engine.start()
    engine.receive(v.S3_SERVER_HELLO_RECORD + _reseal_flight(flip_last))
    failed = _failure(engine)
    assert isinstance(failed.error, ProtocolError) and failed.error.alert == 51
    assert FinishedChecked(False) in engine.events


def test_bad_certificate_verify_is_reported() -> None:
    def flip_signature(b: bytearray) -> None:
        b[len(b) - 40] ^= 1  # inside the CertificateVerify signature

    engine = s3_engine(abort_on_bad_signature=False)
    engine.start()
    engine.receive(v.S3_SERVER_HELLO_RECORD + _reseal_flight(flip_signature))
    check = next(e for e in engine.events if isinstance(e, SignatureChecked))
    assert not check.ok and "does not verify" in (check.error or "")


def _server_hello(**changes: object) -> bytes:
    base = ServerHello(
        0x0303,
        b"\x11" * 32,
        b"",
        0x1301,
        0,
        (
            x.build_extension(x.KeyShareServerHello(x.KeyShareEntry(29, b"\x09" * 32)), 2),
            x.build_extension(x.SelectedVersion(0x0304), 2),
        ),
    )
    return build_record(22, handshake_bytes(replace(base, **changes)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("record", "alert", "words"),
    [
        (_server_hello(cipher_suite=0x1304), 47, "cipher suite"),
        (
            _server_hello(extensions=(x.build_extension(x.SelectedVersion(0x0302), 2),)),
            70,
            "version",
        ),
        (_server_hello(session_id=b"\x01" * 32), 47, "session"),
        (_server_hello(compression_method=1), 47, "compression"),
        (build_record(23, b"\x00" * 20), 10, "application data"),
        (build_record(22, b"\x0b\x00\x00\x03\x00\x00\x00"), 10, "ServerHello"),
    ],
)
def test_broken_server_hellos_are_refused(record: bytes, alert: int, words: str) -> None:
    engine = s3_engine()
    engine.start()
    engine.receive(record)
    failed = _failure(engine)
    assert failed.error.alert == alert and failed.error.side == "server"
    assert words in str(failed.error)


@pytest.mark.parametrize(
    ("record", "words"),
    [
        (_server_hello(cipher_suite=0x1304), "cipher suite"),
        (_server_hello(cipher_suite=0x0A0A), "cipher suite"),
        (
            _server_hello(extensions=(x.build_extension(x.SelectedVersion(0x0302), 2),)),
            "version",
        ),
        (_server_hello(compression_method=1), "compression"),
    ],
    ids=["suite-not-offered", "grease-suite", "version-not-offered", "compression"],
)
def test_a_probe_stopping_at_the_server_hello_still_checks_it(record: bytes, words: str) -> None:
    full = s3_engine()
    full.start()
    full.receive(record)
    expected = _failure(full).error
    engine = s3_engine(stop_after=("ServerHello",))
    engine.start()
    engine.receive(record)
    failed = _failure(engine)
    assert str(failed.error) == str(expected) and failed.error.alert == expected.alert
    assert words in str(failed.error)
    assert not any(isinstance(e, Stopped) for e in engine.events)


def test_a_probe_stopping_at_a_good_server_hello_records_version_and_suite() -> None:
    engine = s3_engine(stop_after=("ServerHello",))
    engine.start()
    engine.receive(v.S3_SERVER_HELLO_RECORD)
    assert engine.state == "stopped" and engine.flow is None
    assert (engine.version, engine.cipher_suite) == (0x0304, 0x1301)


def _legacy_engine(replay: bool) -> ClientEngine:
    """A TLS 1.2-only hello (no supported_versions), as an older client sends it."""
    hello = ClientHelloProfile(versions=(0x0303,), cipher_suites=(0x002F, 0x0035))
    return ClientEngine(
        ClientConfig(
            profile=hello, server_name="server", stop_after=("ServerHello",), replay=replay
        )
    )


@pytest.mark.parametrize(("answer", "replay", "accepted"), [
    (0x0302, False, False),  # our own probe: only what its profile offers
    (0x0302, True, True),  # a replayed hello: lower versions are the client's policy
    (0x0301, True, True),
    (0x0304, True, False),  # above the ClientHello's version: a protocol violation
])  # fmt: skip
def test_a_replayed_legacy_hello_records_a_lower_version(
    answer: int, replay: bool, accepted: bool
) -> None:
    engine = _legacy_engine(replay)
    engine.start()
    engine.receive(
        build_record(22, handshake_bytes(ServerHello(answer, b"\x11" * 32, b"", 0x002F, 0, ())))
    )
    if accepted:
        assert engine.state == "stopped" and engine.version == answer
    else:
        failed = _failure(engine)
        assert failed.error.alert == 70 and "version" in str(failed.error)


def test_second_hello_retry_request_is_refused() -> None:
    hrr = ServerHello(
        0x0303,
        HELLO_RETRY_REQUEST_RANDOM,
        b"",
        0x1301,
        0,
        (
            x.build_extension(x.KeyShareHelloRetryRequest(23), 6),
            x.build_extension(x.SelectedVersion(0x0304), 6),
        ),
    )
    record = build_record(22, handshake_bytes(hrr))
    engine = s3_engine()
    engine.start()
    engine.receive(record)
    assert engine.state == "wait_server_hello"
    assert len([m for m in engine.messages() if m.name == "ClientHello"]) == 2
    engine.receive(record)
    assert _failure(engine).error.alert == 10


def test_not_tls_at_all() -> None:
    engine = s3_engine()
    engine.start()
    engine.receive(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    error = _failure(engine).error
    assert isinstance(error, WireError) and "found 'HTTP/1.1 400 Bad'" in str(error)


def test_alert_instead_of_server_hello() -> None:
    engine = s3_engine()
    engine.start()
    events = engine.receive(b"\x15\x03\x03\x00\x02\x02\x28")
    assert isinstance(events[-1], ConnectionClosed)
    assert events[-1].alert.description == 40 and engine.state == "closed"
    assert engine.receive(b"more") == []


def test_downgrade_sentinel_is_refused() -> None:
    sh = ServerHello(0x0303, b"\x22" * 24 + b"DOWNGRD\x01", b"", 0xC02F, 0, ())
    profile = replace(ClientHelloProfile(), compat_mode=False)
    engine = ClientEngine(ClientConfig(profile=profile))
    engine.start()
    engine.receive(build_record(22, handshake_bytes(sh)))
    assert "downgrade" in str(_failure(engine).error)


def test_engine_misuse_raises() -> None:
    engine = s3_engine()
    with pytest.raises(RuntimeError):
        engine.receive(b"x")
    engine.start()
    with pytest.raises(RuntimeError):
        engine.start()
    with pytest.raises(RuntimeError):
        engine.send_application_data(b"early")


def test_secret_like_psk_is_used_and_never_shown() -> None:
    class Secret:
        def reveal(self) -> str:
            return "correct horse"

        def __repr__(self) -> str:
            return "Secret(<redacted>)"

    config = ClientConfig(profile=ClientHelloProfile(versions=(0x0304,)), psk=Secret())
    assert config.psk_bytes() == b"correct horse"
    engine = ClientEngine(config)
    engine.start()
    ch = engine.client_hello
    assert ch is not None and ch.extensions[-1].type == 41  # pre_shared_key last
    assert "correct horse" not in repr(config) + repr(engine.events)


def test_hang_up_is_reported() -> None:
    engine = s3_engine()
    engine.start()
    events = engine.receive(b"")
    assert events == [ConnectionClosed(None)] and engine.state == "closed"
    cut = s3_engine()
    cut.start()
    cut.receive(v.S3_SERVER_HELLO_RECORD[:20])
    cut.receive(b"")
    assert "stream ended inside" in str(_failure(cut).error)
