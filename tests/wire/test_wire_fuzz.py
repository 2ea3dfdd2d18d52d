"""Every parser on hostile input: random bytes, truncated and mutated valid
messages.  Only :class:`WireError` (and its subclasses) may come out; the
client engine turns peer misbehaviour into events and never raises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tlsdoctor.wire import extensions as x
from tlsdoctor.wire.client import ClientConfig, ClientEngine
from tlsdoctor.wire.errors import WireError
from tlsdoctor.wire.events import ConnectionFailed
from tlsdoctor.wire.fingerprint import ja3, ja4, ja4_raw
from tlsdoctor.wire.handshake import HandshakeContext, parse_body, parse_handshake
from tlsdoctor.wire.prf import key_block
from tlsdoctor.wire.protection import Tls13Protection, tls12_protection
from tlsdoctor.wire.records import (
    HandshakeReassembler,
    Record,
    RecordReader,
    parse_alerts,
    parse_change_cipher_spec,
    parse_records,
)
from tlsdoctor.wire.registry import cipher_suite
from wire import wirevectors as v
from wire.wireprofiles import S3_PROFILE

FUZZ = settings(deadline=None, max_examples=250, suppress_health_check=[HealthCheck.too_slow])

VERSIONS = [None, 0x0300, 0x0301, 0x0303, 0x0304]
KEY_EXCHANGES = [None, "ECDHE", "DHE", "RSA", "PSK", "DHE_PSK", "ECDHE_PSK", "RSA_PSK", "ANY"]
HANDSHAKE_TYPES = [0, 1, 2, 4, 5, 8, 11, 12, 13, 14, 15, 16, 20, 22, 24, 25, 254]
EXTENSION_TYPES = [0, 1, 5, 10, 11, 13, 16, 18, 19, 20, 21, 22, 23, 27, 28, 35, 41, 42, 43]
EXTENSION_TYPES += [44, 45, 47, 48, 49, 50, 51, 0xFF01, 0x0A0A, 0x1234]


def only_wire_errors(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except WireError as exc:
        assert str(exc)  # the text is built without failing
        return None


def _valid_handshakes() -> list[tuple[bytes, int | None, str | None]]:
    """Real messages (with the version and key exchange they parse under)."""
    out: list[tuple[bytes, int | None, str | None]] = [
        (v.S3_CLIENT_HELLO, None, None),
        (v.S4_CLIENT_HELLO, None, None),
        (parse_records(v.S3_SERVER_HELLO_RECORD)[0][0].fragment, None, None),
    ]
    from tlsdoctor.wire.keyschedule import KeySchedule, Transcript

    suite = cipher_suite(0x1301)
    assert suite is not None
    ks = KeySchedule("sha256")
    t = Transcript("sha256")
    t.update(v.S3_CLIENT_HELLO)
    ks.handshake(v.S3_ECDHE, v.S3_HELLO_HASH)
    plain = Tls13Protection(suite, ks.server_handshake_traffic_secret).open(
        parse_records(v.S3_SERVER_FLIGHT_RECORD)[0][0]
    )[1]
    for frame in HandshakeReassembler().feed(plain):
        out.append((frame.raw, 0x0304, None))
    return out


VALID = _valid_handshakes()


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(VERSIONS), st.sampled_from(KEY_EXCHANGES))
def test_parse_handshake_random_bytes(data: bytes, version: int | None, kx: str | None) -> None:
    msg = only_wire_errors(lambda: parse_handshake(data, version=version, key_exchange=kx))
    if msg is not None:
        d = getattr(msg[0], "describe", None)
        if callable(d):
            assert isinstance(d(), str)


@FUZZ
@given(
    st.sampled_from(HANDSHAKE_TYPES),
    st.binary(max_size=200),
    st.sampled_from(VERSIONS),
    st.sampled_from(KEY_EXCHANGES),
)
def test_parse_body_random_bytes(
    msg_type: int, body: bytes, version: int | None, kx: str | None
) -> None:
    only_wire_errors(
        lambda: parse_body(msg_type, body, side="server", version=version, key_exchange=kx)
    )


@FUZZ
@given(st.sampled_from(EXTENSION_TYPES), st.binary(max_size=120), st.sampled_from(HANDSHAKE_TYPES))
def test_parse_extension_random_bytes(ext_type: int, body: bytes, handshake_type: int) -> None:
    from tlsdoctor.wire.messages import Extension

    value = only_wire_errors(lambda: x.parse_extension(Extension(ext_type, body), handshake_type))
    if value is not None and not isinstance(value, Extension):
        rebuilt = x.build_extension(value, handshake_type)
        assert rebuilt.type == ext_type


@FUZZ
@given(st.sampled_from(VALID), st.data())
def test_truncated_valid_messages(valid: tuple[bytes, int | None, str | None], data: Any) -> None:
    raw, version, kx = valid
    cut = data.draw(st.integers(0, len(raw) - 1))
    only_wire_errors(lambda: parse_handshake(raw[:cut], version=version, key_exchange=kx))
    # a body cut short, with the header's length fixed up to match
    body = raw[4:cut] if cut > 4 else b""
    only_wire_errors(lambda: parse_body(raw[0], body, version=version, key_exchange=kx))


@FUZZ
@given(st.sampled_from(VALID), st.lists(st.tuples(st.integers(0, 4096), st.integers(0, 255))))
def test_mutated_valid_messages(
    valid: tuple[bytes, int | None, str | None], flips: list[tuple[int, int]]
) -> None:
    raw, version, kx = valid
    b = bytearray(raw)
    for pos, value in flips:
        b[pos % len(b)] = value
    result = only_wire_errors(lambda: parse_handshake(bytes(b), version=version, key_exchange=kx))
    if result is not None:
        msg = result[0]
        for ext in getattr(msg, "extensions", ()):
            only_wire_errors(lambda e=ext: x.parse_extension(e, raw[0]))
        if msg.name == "ClientHello":
            assert ja3(msg) and ja4(msg) and ja4_raw(msg, original=True)


@FUZZ
@given(st.lists(st.binary(max_size=80), max_size=8))
def test_record_reader_random_chunks(chunks: list[bytes]) -> None:
    reader = RecordReader("server")
    hs = HandshakeReassembler("server", max_message=4096)
    ctx = HandshakeContext()
    for chunk in chunks:
        records = only_wire_errors(lambda c=chunk: reader.feed(c)) or []
        for r in records:
            if r.content_type == 21:
                only_wire_errors(lambda r=r: parse_alerts(r.fragment))
            elif r.content_type == 20:
                only_wire_errors(lambda r=r: parse_change_cipher_spec(r.fragment))
            elif r.content_type == 22:
                frames = only_wire_errors(lambda r=r: hs.feed(r.fragment)) or []
                for f in frames:
                    only_wire_errors(lambda f=f: ctx.parse(f.raw, "server"))
    only_wire_errors(reader.close)


@FUZZ
@given(st.binary(max_size=400))
def test_record_reader_on_mutated_stream(noise: bytes) -> None:
    stream = bytearray(v.S3_SERVER_HELLO_RECORD + v.S3_SERVER_FLIGHT_RECORD)
    for i, byte in enumerate(noise[:40]):
        stream[(i * 37 + byte) % len(stream)] ^= byte
    only_wire_errors(lambda: RecordReader().feed(bytes(stream)))


@FUZZ
@given(st.sampled_from([0x1301, 0x1302, 0x1303]), st.binary(max_size=300), st.integers(20, 23))
def test_tls13_open_random_records(code: int, fragment: bytes, ctype: int) -> None:
    suite = cipher_suite(code)
    assert suite is not None
    p = Tls13Protection(suite, bytes(48 if code == 0x1302 else 32), "server")
    only_wire_errors(lambda: p.open(Record(ctype, 0x0303, fragment)))


@FUZZ
@given(
    st.sampled_from([0xC02F, 0xCCA8, 0xC013, 0xC028, 0x0002, 0xC0AE]),
    st.sampled_from([0x0301, 0x0302, 0x0303]),
    st.booleans(),
    st.binary(max_size=200),
)
def test_tls12_open_random_records(code: int, version: int, etm: bool, fragment: bytes) -> None:
    suite = cipher_suite(code)
    assert suite is not None
    keys = key_block(suite, version, bytes(48), bytes(32), bytes(32))
    p = tls12_protection(suite, version, keys, False, etm, "server")
    only_wire_errors(lambda: p.open(Record(23, version, fragment)))


def _engine() -> ClientEngine:
    return ClientEngine(
        ClientConfig(
            profile=S3_PROFILE,
            server_name="server",
            client_random=v.S3_CLIENT_HELLO[6:38],
            key_share_secrets={29: v.S3_CLIENT_PRIVATE},
        )
    )


@FUZZ
@given(st.lists(st.binary(max_size=200), max_size=5))
def test_engine_never_raises_on_random_server_bytes(chunks: list[bytes]) -> None:
    engine = _engine()
    engine.start()
    for chunk in chunks:
        engine.receive(chunk)
        engine.data_to_send()
    if engine.state == "failed":
        assert isinstance(engine.events[-1], ConnectionFailed)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 2000), st.integers(1, 255)), min_size=1, max_size=4))
def test_engine_on_mutated_rfc8448_server_stream(flips: list[tuple[int, int]]) -> None:
    stream = bytearray(v.S3_SERVER_HELLO_RECORD + v.S3_SERVER_FLIGHT_RECORD + v.S3_TICKET_RECORD)
    for pos, mask in flips:
        stream[pos % len(stream)] ^= mask
    engine = _engine()
    engine.start()
    engine.receive(bytes(stream))
    assert engine.state in ("failed", "closed", "connected", "wait_server_hello", "handshake")


@settings(deadline=None, max_examples=60)
@given(st.integers(1, 40))
def test_engine_handles_any_split_of_the_stream(size: int) -> None:
    stream = v.S3_SERVER_HELLO_RECORD + v.S3_SERVER_FLIGHT_RECORD
    engine = _engine()
    engine.start()
    for i in range(0, len(stream), size):
        engine.receive(stream[i : i + size])
    assert engine.state == "connected"


def _tls12_engine_after_server_hello(suite: int) -> ClientEngine:
    from tlsdoctor.wire.build import handshake_bytes
    from tlsdoctor.wire.hello import ClientHelloProfile
    from tlsdoctor.wire.messages import ServerHello
    from tlsdoctor.wire.records import build_record

    profile = ClientHelloProfile(versions=(0x0303,), cipher_suites=(0xC02F, 0x009E, 0x00A8, 0x002F))
    engine = ClientEngine(ClientConfig(profile=profile, psk=b"k" * 16))
    engine.start()
    sh = ServerHello(0x0303, bytes(32), b"", suite, 0, ())
    engine.receive(build_record(22, handshake_bytes(sh)))
    assert engine.state == "handshake"
    return engine


@FUZZ
@given(
    st.sampled_from([0xC02F, 0x009E, 0x00A8, 0x002F]),
    st.lists(st.tuples(st.sampled_from([11, 12, 13, 14, 22, 4, 20, 0]), st.binary(max_size=120))),
)
def test_tls12_engine_on_random_server_messages(
    suite: int, messages: list[tuple[int, bytes]]
) -> None:
    from tlsdoctor.wire.records import build_record

    engine = _tls12_engine_after_server_hello(suite)
    for msg_type, body in messages:
        engine.receive(build_record(22, bytes([msg_type]) + len(body).to_bytes(3, "big") + body))
        engine.data_to_send()
    assert engine.state in ("failed", "closed", "handshake", "stopped")
