"""Stapled OCSP checking and SCT list parsing, with property tests on untrusted bytes."""

from __future__ import annotations

import datetime as dt
import struct
from types import SimpleNamespace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from tlsdoctor.lab.pki import ca
from tlsdoctor.pki.certinfo import info
from tlsdoctor.pki.der import read_tlv
from tlsdoctor.pki.dername import name_from_der
from tlsdoctor.pki.ocsp import check_staple
from tlsdoctor.pki.sct import ocsp_scts, parse_sct_list, unwrap_octet_string

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
def pki():
    root = ca("OCSP Root")
    inter = root.intermediate("OCSP Int")
    leaf = inter.leaf("ocsp.test", must_staple=True)
    return root, inter, leaf


def _response(
    leaf, issuer, signer, status=ocsp.OCSPCertStatus.GOOD, next_days=1, include_signer=False
):
    b = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=leaf.cert,
            issuer=issuer.cert,
            algorithm=hashes.SHA256(),
            cert_status=status,
            this_update=NOW - dt.timedelta(hours=1),
            next_update=NOW + dt.timedelta(days=next_days),
            revocation_time=NOW - dt.timedelta(days=1)
            if status is ocsp.OCSPCertStatus.REVOKED
            else None,
            revocation_reason=None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, signer.cert)
    )
    if include_signer:
        b = b.certificates([signer.cert])
    return b.sign(signer.key, hashes.SHA256()).public_bytes(Encoding.DER)


def test_good_staple(pki) -> None:
    _, inter, leaf = pki
    r = check_staple(_response(leaf, inter, inter), leaf.cert, inter.cert, NOW)
    assert r.status == "good" and r.signer_ok and not r.problems


def test_revoked_expired_and_wrong_signer(pki) -> None:
    root, inter, leaf = pki
    r = check_staple(
        _response(leaf, inter, inter, ocsp.OCSPCertStatus.REVOKED), leaf.cert, inter.cert, NOW
    )
    assert r.status == "revoked"
    r = check_staple(_response(leaf, inter, inter, next_days=-0.5), leaf.cert, inter.cert, NOW)
    assert any("expired" in p for p in r.problems)
    r = check_staple(_response(leaf, inter, root), leaf.cert, inter.cert, NOW)
    assert r.signer_ok is False


def test_not_ocsp() -> None:
    leaf = ca("X").leaf("x")
    r = check_staple(b"garbage", leaf.cert, None, NOW)
    assert r.status == "unparsable"


def _sct(log_byte: int) -> bytes:
    sig = b"\x30\x06\x02\x01\x01\x02\x01\x01"
    return (
        bytes([0])
        + bytes([log_byte]) * 32
        + struct.pack(">Q", 1_700_000_000_000)
        + b"\x00\x00"
        + b"\x04\x03"
        + struct.pack(">H", len(sig))
        + sig
    )


def _list(*scts: bytes) -> bytes:
    body = b"".join(struct.pack(">H", len(s)) + s for s in scts)
    return struct.pack(">H", len(body)) + body


def test_sct_list_parses() -> None:
    out = parse_sct_list(_list(_sct(1), _sct(2)), "tls-extension")
    assert [s.log_id[0] for s in out] == [1, 2]
    assert out[0].timestamp.year == 2023 and out[0].source == "tls-extension"


@settings(deadline=None, max_examples=400)
@given(st.binary(max_size=400))
def test_sct_list_random_bytes_only_valueerror(data: bytes) -> None:
    try:
        parse_sct_list(data, "tls-extension")
    except ValueError:
        pass


@settings(deadline=None, max_examples=200)
@given(cut=st.integers(0, 200))
def test_sct_list_truncated(cut: int) -> None:
    data = _list(_sct(1), _sct(2))
    if cut >= len(data):
        return
    with pytest.raises(ValueError):
        parse_sct_list(data[:cut], "ocsp")


@settings(deadline=None, max_examples=400)
@given(st.binary(max_size=300))
def test_der_name_random_bytes_only_valueerror(data: bytes) -> None:
    try:
        name_from_der(data)
    except ValueError:
        pass


@settings(deadline=None, max_examples=200)
@given(st.binary(max_size=2000))
def test_ocsp_random_bytes_never_raise(data: bytes) -> None:
    leaf = _LEAF
    check_staple(data, leaf.cert, None, NOW)


_LEAF = ca("H").leaf("h")


# ------------------------------------------------------- SCTs in a stapled OCSP response


def _tlv(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def _children(der: bytes) -> list[bytes]:
    _, start, end = read_tlv(der, 0)
    out, i = [], start
    while i < end:
        _, _, nxt = read_tlv(der, i)
        out.append(der[i:nxt])
        i = nxt
    return out


def _with_single_extension(der: bytes, ext: bytes, signer) -> bytes:
    """``der`` (a response ``cryptography`` built) with ``ext`` added to its
    SingleResponse (RFC 6960 §4.2.1 singleExtensions [1]), signed again by ``signer``."""
    status, wrapped = _children(der)
    oid, octet = _children(_children(wrapped)[0])
    _, start, end = read_tlv(octet, 0)
    basic = octet[start:end]  # the OCTET STRING's contents
    tbs, alg, _sig, *certs = _children(basic)
    parts = _children(tbs)
    single = _children(parts[-1])[0]
    single = _tlv(0x30, b"".join(_children(single)) + _tlv(0xA1, _tlv(0x30, ext)))
    tbs = _tlv(0x30, b"".join([*parts[:-1], _tlv(0x30, single)]))
    sig = signer.key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    basic = _tlv(0x30, tbs + alg + _tlv(0x03, b"\x00" + sig) + b"".join(certs))
    return _tlv(0x30, status + _tlv(0xA0, _tlv(0x30, oid + _tlv(0x04, basic))))


_SCT_LIST_EXT = _tlv(0x06, bytes.fromhex("2b06010401d679020405"))  # 1.3.6.1.4.1.11129.2.4.5


def test_staple_with_scts_counts_them(pki) -> None:
    """An SCT list in the single response is read, not reported as malformed."""
    _, inter, leaf = pki
    sct_list = _list(_sct(1), _sct(2))
    ext = _tlv(0x30, _SCT_LIST_EXT + _tlv(0x04, _tlv(0x04, sct_list)))
    der = _with_single_extension(_response(leaf, inter, inter), ext, inter)
    r = check_staple(der, leaf.cert, inter.cert, NOW)
    assert r.status == "good" and r.signer_ok, r
    assert r.scts == 2 and not r.problems, r
    got = ocsp_scts(ocsp.load_der_ocsp_response(der))
    assert got == parse_sct_list(sct_list, "ocsp")


def test_staple_with_a_malformed_sct_list(pki) -> None:
    _, inter, leaf = pki
    ext = _tlv(0x30, _SCT_LIST_EXT + _tlv(0x04, _tlv(0x04, b"\x00\x05abc")))
    der = _with_single_extension(_response(leaf, inter, inter), ext, inter)
    r = check_staple(der, leaf.cert, inter.cert, NOW)
    assert r.scts == 0 and "its SCT extension is malformed" in r.problems


def test_staple_with_a_duplicated_sct_extension(pki) -> None:
    """cryptography raises DuplicateExtension (not a ValueError): it escaped check_staple."""
    _, inter, leaf = pki
    ext = _tlv(0x30, _SCT_LIST_EXT + _tlv(0x04, _tlv(0x04, _list(_sct(1)))))
    der = _with_single_extension(_response(leaf, inter, inter), ext + ext, inter)
    r = check_staple(der, leaf.cert, inter.cert, NOW)
    assert r.scts == 0 and "its SCT extension is malformed" in r.problems
    with pytest.raises(ValueError):
        ocsp_scts(ocsp.load_der_ocsp_response(der))


# ---------------------------------------------------------------- delegated responders


def _responder(issuer, eku: x509.ExtensionType) -> tuple[x509.Certificate, object]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "OCSP responder")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=30))
        .add_extension(eku, critical=False)
        .sign(issuer.key, hashes.SHA256())
    )
    return cert, key


def _delegated_response(leaf, issuer, responder, key) -> bytes:
    """Signed by a responder certificate the issuer made, sent along in the response."""
    return _response(leaf, issuer, SimpleNamespace(cert=responder, key=key), include_signer=True)


def test_delegated_responder(pki) -> None:
    _, inter, leaf = pki
    ok, ok_key = _responder(inter, x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]))
    r = check_staple(_delegated_response(leaf, inter, ok, ok_key), leaf.cert, inter.cert, NOW)
    assert r.signer_ok is True and not r.problems
    # the same key, but the issuer never gave it id-kp-OCSPSigning
    other, other_key = _responder(inter, x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]))
    r = check_staple(_delegated_response(leaf, inter, other, other_key), leaf.cert, inter.cert, NOW)
    assert r.signer_ok is False


def test_responder_with_a_malformed_extension_is_a_problem_not_a_crash(pki) -> None:
    """A responder certificate whose extensions cannot be parsed made check_staple raise."""
    _, inter, leaf = pki
    bad_eku = x509.UnrecognizedExtension(ExtensionOID.EXTENDED_KEY_USAGE, b"\x30\x03\x02\x01\x01")
    cert, key = _responder(inter, bad_eku)
    with pytest.raises(ValueError):
        cert.extensions  # noqa: B018 - cryptography refuses the extension
    r = check_staple(_delegated_response(leaf, inter, cert, key), leaf.cert, inter.cert, NOW)
    assert r.status == "good" and r.signer_ok is False
    assert "not signed by the certificate's issuer or a responder it delegated" in r.problems


# ------------------------------------------------------------------- embedded SCTs, DER


def test_embedded_scts_are_the_same_as_parsed_ones() -> None:
    """cryptography's embedded SCTs become the Sct that parsing the raw list gives."""
    raw = _list(_sct(1), _sct(2))
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sct.test")])
    ext = x509.UnrecognizedExtension(
        ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS, _tlv(0x04, raw)
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=30))
        .add_extension(ext, critical=False)
        .sign(key, hashes.SHA256())
    )
    assert info(cert).embedded_scts == tuple(parse_sct_list(raw, "certificate"))
    assert unwrap_octet_string(_tlv(0x04, raw)) == raw


def test_read_tlv() -> None:
    assert read_tlv(b"\x04\x02ab", 0) == (0x04, 2, 4)
    long = _tlv(0x30, b"x" * 300)
    assert read_tlv(long, 0) == (0x30, 4, 304)
    for bad in (b"", b"\x04", b"\x04\x03ab", b"\x04\x80", b"\x04\x85\x00\x00\x00\x00\x01a"):
        with pytest.raises(ValueError):
            read_tlv(bad, 0)


@settings(deadline=None, max_examples=400)
@given(st.binary(max_size=64), st.integers(0, 70))
def test_read_tlv_random_bytes_stay_in_bounds(data: bytes, i: int) -> None:
    try:
        _, start, end = read_tlv(data, i)
    except ValueError:
        return
    assert i + 2 <= start <= end <= len(data)
