"""Handshake messages and extensions: parse what we build, build what we parse."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tlsdoctor.wire import extensions as x
from tlsdoctor.wire import messages as m
from tlsdoctor.wire.build import (
    client_key_exchange,
    handshake_bytes,
    server_dh_params,
    server_ecdh_params,
    server_key_exchange,
)
from tlsdoctor.wire.errors import WireError
from tlsdoctor.wire.handshake import HandshakeContext, parse_body, parse_handshake
from tlsdoctor.wire.records import parse_records
from wire import wirevectors as v

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)


def blob(lo: int = 0, hi: int = 40) -> st.SearchStrategy[bytes]:
    return st.binary(min_size=lo, max_size=hi)


exts = st.lists(st.builds(m.Extension, u16, blob()), max_size=6).map(tuple)

tls12_messages = st.one_of(
    st.builds(m.HelloRequest),
    st.builds(
        m.ClientHello,
        u16,
        blob(32, 32),
        blob(0, 32),
        st.lists(u16, min_size=1, max_size=20).map(tuple),
        blob(1, 3),
        exts,
    ),
    st.builds(m.ServerHello, u16, blob(32, 32), blob(0, 32), u16, u8, exts),
    st.builds(m.NewSessionTicket, u32, blob()),
    st.builds(
        m.Certificate,
        st.lists(st.builds(m.CertificateEntry, blob(1, 60)), max_size=4).map(tuple),
    ),
    st.builds(
        m.CertificateRequest,
        certificate_types=blob(1, 4),
        signature_algorithms=st.lists(u16, max_size=10).map(tuple),
        certificate_authorities=st.lists(blob(1, 30), max_size=3).map(tuple),
    ),
    st.builds(m.ServerHelloDone),
    st.builds(m.CertificateVerify, u16, blob()),
    st.builds(m.Finished, blob(12, 12)),
    st.builds(m.CertificateStatus, u8, blob(1, 60)),
)

tls13_messages = st.one_of(
    st.builds(m.NewSessionTicket, u32, blob(1), u32, blob(0, 8), exts),
    st.builds(m.EndOfEarlyData),
    st.builds(m.EncryptedExtensions, exts),
    st.builds(
        m.Certificate,
        st.lists(st.builds(m.CertificateEntry, blob(1, 60), exts), max_size=3).map(tuple),
        blob(0, 8),
    ),
    st.builds(m.CertificateVerify, u16, blob()),
    st.builds(m.Finished, blob(32, 48)),
    st.builds(m.KeyUpdate, u8),
    st.builds(m.UnknownHandshake, st.sampled_from([3, 9, 17, 25, 67, 201]), blob()),
)


@settings(deadline=None, max_examples=300)
@given(tls12_messages)
def test_tls12_messages_round_trip(msg: Any) -> None:
    raw = handshake_bytes(msg)
    parsed, n = parse_handshake(raw, side="server", version=0x0303)
    assert n == len(raw) and parsed == msg
    assert handshake_bytes(parsed) == raw


@settings(deadline=None, max_examples=300)
@given(tls13_messages)
def test_tls13_messages_round_trip(msg: Any) -> None:
    raw = handshake_bytes(msg)
    parsed, _ = parse_handshake(raw, side="server", version=0x0304)
    assert parsed == msg


@given(
    st.lists(u16, max_size=8).map(tuple), st.lists(blob(1, 20), max_size=3).map(tuple), blob(0, 4)
)
@settings(deadline=None, max_examples=100)
def test_tls13_certificate_request_round_trip(
    sigalgs: tuple[int, ...], cas: tuple[bytes, ...], context: bytes
) -> None:
    e = [x.build_extension(x.SignatureAlgorithms(sigalgs), 13)]
    if cas:
        e.append(x.build_extension(x.CertificateAuthorities(cas), 13))
    cr = m.CertificateRequest(
        signature_algorithms=sigalgs,
        certificate_authorities=cas,
        certificate_request_context=context,
        extensions=tuple(e),
    )
    parsed, _ = parse_handshake(handshake_bytes(cr), version=0x0304)
    assert parsed == cr


def test_versions_pick_the_form() -> None:
    tls10 = m.CertificateRequest(certificate_types=b"\x01", certificate_authorities=(b"CA",))
    raw = handshake_bytes(tls10, version=0x0301)
    assert parse_handshake(raw, version=0x0301)[0] == tls10
    cv = m.CertificateVerify(None, b"sig")
    assert parse_handshake(handshake_bytes(cv), version=0x0302)[0] == cv
    # without a version the Certificate form is recognised from its shape
    for cert in (
        m.Certificate((m.CertificateEntry(b"\x30\x01"),)),
        m.Certificate((m.CertificateEntry(b"\x30\x01"),), b""),
    ):
        assert parse_handshake(handshake_bytes(cert))[0] == cert


@pytest.mark.parametrize(
    ("kind", "kwargs"),
    [
        ("ecdhe", {"public": b"\x04" + bytes(64)}),
        ("dhe", {"public": b"\x05" * 256}),
        ("rsa", {"encrypted_pre_master_secret": bytes(256)}),
        ("psk", {"psk_identity": b"Client_identity"}),
        ("dhe_psk", {"psk_identity": b"id", "public": b"\x07" * 128}),
        ("ecdhe_psk", {"psk_identity": b"id", "public": bytes(32)}),
        ("rsa_psk", {"psk_identity": b"id", "encrypted_pre_master_secret": bytes(128)}),
    ],
)
def test_client_key_exchange_by_kind(kind: str, kwargs: dict[str, bytes]) -> None:
    cke = client_key_exchange(kind, **kwargs)
    parsed, _ = parse_handshake(handshake_bytes(cke), key_exchange=kind.upper())
    assert parsed == cke
    assert parse_handshake(handshake_bytes(cke))[0].kind is None  # kind unknown: raw only


def test_server_key_exchange_ecdhe_dhe_psk() -> None:
    params = server_ecdh_params(29, bytes(32))
    body = server_key_exchange("ecdhe", params=params, signature_scheme=0x0804, signature=b"s")
    ske = parse_body(12, body, key_exchange="ECDHE", version=0x0303)
    assert (ske.kind, ske.named_group, ske.public, ske.signature_scheme) == (
        "ecdhe",
        29,
        bytes(32),
        0x0804,
    )
    assert ske.signed_params == params and ske.describe() == "ecdhe x25519"
    p = (1 << 2047 | 1).to_bytes(256, "big")
    dh = server_dh_params(p, b"\x02", b"\x09" * 256)
    ske = parse_body(
        12,
        server_key_exchange("dhe", params=dh, signature=b"sig"),
        key_exchange="DHE",
        version=0x0301,
    )
    assert ske.dh_bits == 2048 and ske.signature == b"sig" and ske.signature_scheme is None
    body = server_key_exchange("dhe_psk", params=dh, psk_identity_hint=b"hint")
    ske = parse_body(12, body, key_exchange="DHE_PSK")
    assert ske.psk_identity_hint == b"hint" and ske.signed_params == dh and ske.signature is None
    ske = parse_body(12, b"\x00\x04hint", key_exchange="PSK")
    assert ske.psk_identity_hint == b"hint"
    with pytest.raises(WireError) as err:
        parse_body(12, b"\x03\x00\x1d\x20abc", key_exchange="ECDHE", side="server")
    assert "ECPoint" in str(err.value) and err.value.side == "server"


def test_rfc8448_messages_parse() -> None:
    ch, n = parse_handshake(v.S3_CLIENT_HELLO, side="client")
    assert n == len(v.S3_CLIENT_HELLO) and isinstance(ch, m.ClientHello)
    assert ch.server_name == "server" and ch.offered_versions == (0x0304,)
    assert handshake_bytes(ch) == v.S3_CLIENT_HELLO
    typed = x.parse_all(ch.extensions)
    assert typed[51].entries[0].group == 29
    assert typed[28] == x.RecordSizeLimit(0x4001)
    assert typed[45] == x.PskKeyExchangeModes((1,))
    assert typed[0xFF01] == x.RenegotiationInfo(b"")
    resumed, _ = parse_handshake(v.S4_CLIENT_HELLO)
    psk = resumed.typed(41)
    assert isinstance(psk, x.OfferedPsks) and psk.binders == (v.S4_BINDER,)
    assert psk.identities[0].obfuscated_ticket_age == 0xFAD6AACB
    assert resumed.typed(42) == x.EarlyData()
    ctx = HandshakeContext()
    ctx.parse(parse_records(v.S3_SERVER_HELLO_RECORD)[0][0].fragment, "server")
    assert (ctx.version, ctx.cipher_suite, ctx.key_exchange) == (0x0304, 0x1301, "ANY")


EXTENSION_VALUES: list[tuple[Any, int]] = [
    (x.ServerName(((0, b"example.test"),)), 1),
    (x.ServerName(), 2),
    (x.SupportedVersions((0x0A0A, 0x0304, 0x0303)), 1),
    (x.SelectedVersion(0x0304), 2),
    (x.SupportedGroups((29, 23)), 1),
    (x.SignatureAlgorithms((0x0804, 0x0403)), 1),
    (x.SignatureAlgorithms((0x0804,), cert=True), 1),
    (x.KeyShareClientHello((x.KeyShareEntry(29, bytes(32)), x.KeyShareEntry(23, b"\x04" * 65))), 1),
    (x.KeyShareServerHello(x.KeyShareEntry(29, bytes(32))), 2),
    (x.KeyShareHelloRetryRequest(24), 6),
    (x.PskKeyExchangeModes((0, 1)), 1),
    (x.OfferedPsks((x.PskIdentity(b"id", 7),), (bytes(32),)), 1),
    (x.SelectedPsk(0), 2),
    (x.Alpn((b"h2", b"http/1.1")), 1),
    (x.StatusRequest(1, b"", b""), 1),
    (x.StatusRequest(), 2),
    (x.CertificateStatusEntry(1, b"ocsp"), 11),
    (x.SignedCertificateTimestamps((b"sct1", b"sct2")), 11),
    (x.SignedCertificateTimestamps(), 1),
    (x.Empty(23), 1),
    (x.Empty(22), 2),
    (x.Empty(49), 1),
    (x.RenegotiationInfo(b""), 2),
    (x.SessionTicket(b"ticket"), 1),
    (x.EcPointFormats((0, 1, 2)), 1),
    (x.Cookie(b"cookie"), 6),
    (x.EarlyData(), 8),
    (x.EarlyData(16384), 4),
    (x.CertificateAuthorities((b"0\x00", b"0\x01x")), 13),
    (x.OidFilters((x.OidFilter(b"\x55\x1d\x25", b"\x30\x00"),)), 13),
    (x.RecordSizeLimit(16385), 1),
    (x.MaxFragmentLength(2), 1),
    (x.CompressCertificate((1, 2)), 1),
    (x.Padding(10), 1),
    (x.CertificateTypes((0, 2)), 1),
    (x.CertificateTypes((2,), server=True), 8),
    (x.Grease(0x5A5A, b"\x00"), 1),
]


@pytest.mark.parametrize(("value", "handshake_type"), EXTENSION_VALUES)
def test_extension_round_trip(value: Any, handshake_type: int) -> None:
    ext = x.build_extension(value, handshake_type)
    assert type(ext.type) is int
    assert x.parse_extension(ext, handshake_type, "client") == value
    assert x.build_extension(x.parse_extension(ext, handshake_type), handshake_type) == ext


def test_extension_errors_name_the_extension() -> None:
    with pytest.raises(WireError) as err:
        x.parse_extension(m.Extension(51, b"\x00\x10\x00\x1d"), 1, "client")
    assert "key_share extension" in str(err.value) and err.value.side == "client"
    with pytest.raises(WireError):
        x.parse_extension(m.Extension(23, b"\x00"), 1)  # EMS carries no body
    assert x.parse_extension(m.Extension(0x1234, b"?")) == m.Extension(0x1234, b"?")
    assert x.try_parse(m.Extension(10, b"\x00")) is None
    assert x.Padding(3, True) == x.parse_extension(m.Extension(21, bytes(3)))
    assert not x.parse_extension(m.Extension(21, b"\x00\x01")).all_zero


def test_describe_texts() -> None:
    ch, _ = parse_handshake(v.S3_CLIENT_HELLO)
    assert ch.describe() == "up to TLS 1.3, 3 cipher suites, SNI server"
    sh, _ = parse_handshake(parse_records(v.S3_SERVER_HELLO_RECORD)[0][0].fragment)
    assert sh.describe() == "TLS 1.3, TLS_AES_128_GCM_SHA256"
    assert m.Certificate(()).describe() == "empty"
    assert m.CertificateVerify(0x0804, b"").describe() == "rsa_pss_rsae_sha256"
    assert m.KeyUpdate(1).describe() == "update_requested"
    assert m.ServerHello(0x0303, bytes(24) + b"DOWNGRD\x01", b"", 0, 0).downgrade_sentinel == (
        "TLS 1.2"
    )
