"""Stapled OCSP checking and SCT list parsing, with property tests on untrusted bytes."""

from __future__ import annotations

import datetime as dt
import struct

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from hypothesis import given, settings
from hypothesis import strategies as st

from tlsdoctor.lab.pki import ca
from tlsdoctor.pki.dername import name_from_der
from tlsdoctor.pki.ocsp import check_staple
from tlsdoctor.pki.sct import parse_sct_list

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
def pki():
    root = ca("OCSP Root")
    inter = root.intermediate("OCSP Int")
    leaf = inter.leaf("ocsp.test", must_staple=True)
    return root, inter, leaf


def _response(leaf, issuer, signer, status=ocsp.OCSPCertStatus.GOOD, next_days=1):
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
