"""Certificate file loading: formats, bad input, and secrets that never leak."""

from __future__ import annotations

import base64
import contextlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import run_cli
from tlsdoctor.errors import InputError
from tlsdoctor.lab.pki import ca, key_pem, make_key
from tlsdoctor.sources.certfiles import load_bytes, load_file


@pytest.fixture(scope="module")
def leaf():
    return ca("Files Root").intermediate("Files Int").leaf("files.test")


def test_pem_with_text_between_blocks(leaf, tmp_path) -> None:
    chain = leaf.chain
    text = (
        b"CONNECTED(00000003)\n---\nCertificate chain\n 0 s:CN = files.test\n"
        + leaf.chain_pem(chain[:1])
        + b" 1 s:CN = Files Int\n   i:CN = Files Root\n"
        + leaf.chain_pem(chain[1:])
        + b"---\nServer certificate\n"
    )
    p = tmp_path / "showcerts.txt"
    p.write_bytes(text)
    loaded = load_file(str(p))
    assert [c.cert for c in loaded.certs] == chain
    assert loaded.certs[1].where.place is not None and "cert[1]" in loaded.certs[1].where.place


def test_der_certificate(leaf, tmp_path) -> None:
    p = tmp_path / "leaf.der"
    p.write_bytes(leaf.cert.public_bytes(serialization.Encoding.DER))
    loaded = load_file(str(p))
    assert loaded.kind == "DER" and loaded.certs[0].cert == leaf.cert


def test_pkcs7_der_and_pem(leaf, tmp_path) -> None:
    der = pkcs7.serialize_certificates(leaf.chain, serialization.Encoding.DER)
    pem = pkcs7.serialize_certificates(leaf.chain, serialization.Encoding.PEM)
    (tmp_path / "c.p7b").write_bytes(der)
    (tmp_path / "c.p7c").write_bytes(pem)
    assert len(load_file(str(tmp_path / "c.p7b")).certs) == 2
    assert len(load_file(str(tmp_path / "c.p7c")).certs) == 2


def _p12(leaf, password: bytes | None) -> bytes:
    enc = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(b"x", leaf.key, leaf.cert, leaf.chain[1:], enc)


def test_pkcs12_passphrase_from_file_env_and_stdin(leaf, tmp_path) -> None:
    p = tmp_path / "bundle.p12"
    p.write_bytes(_p12(leaf, b"s3cret-pass"))
    loaded = load_file(str(p), b"s3cret-pass")
    assert loaded.kind == "PKCS#12" and len(loaded.certs) == 2 and len(loaded.keys) == 1

    pw = tmp_path / "pw.txt"
    pw.write_text("s3cret-pass\n")
    for extra, env, stdin in (
        (["--passphrase-file", str(pw)], None, None),
        ([], {"TLSDOCTOR_PASSPHRASE": "s3cret-pass"}, None),
        (["--passphrase-file", "-"], None, "s3cret-pass\n"),
    ):
        r = run_cli(["cert", str(p), "--host", "files.test", *extra], env=env, stdin=stdin)
        assert r.code in (0, 1), r.err
        assert "Files Root" in r.out  # the chain was read
        assert "s3cret-pass" not in r.out + r.err


def test_pkcs12_without_or_with_wrong_passphrase(leaf, tmp_path) -> None:
    p = tmp_path / "bundle.p12"
    p.write_bytes(_p12(leaf, b"right"))
    r = run_cli(["cert", str(p)])
    assert r.code == 2 and "passphrase" in r.err and "Traceback" not in r.err
    r = run_cli(["cert", str(p)], env={"TLSDOCTOR_PASSPHRASE": "wrong"})
    assert r.code == 2 and "wrong passphrase" in r.err


def _secret_forms(pem: bytes) -> list[str]:
    der = serialization.load_pem_private_key(pem, None).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    body = b"".join(pem.splitlines()[1:-1]).decode()
    return [body[10:50], der.hex()[40:80], base64.b64encode(der).decode()[20:60]]


def test_key_only_file_is_named_redacted_exit_2(tmp_path) -> None:
    pem = key_pem(make_key("rsa", 2048))
    p = tmp_path / "server.key"
    p.write_bytes(pem)
    r = run_cli(["cert", str(p)])
    assert r.code == 2
    assert "private key" in r.err and "RSA 2048" in r.err
    assert len(r.err.strip().splitlines()) == 1
    for form in _secret_forms(pem):
        assert form not in r.out + r.err
    r = run_cli(["cert", str(p), "--format", "json"])
    assert r.code == 2 and all(f not in r.out + r.err for f in _secret_forms(pem))


def test_private_key_passed_as_ca_is_named(leaf, tmp_path) -> None:
    (tmp_path / "chain.pem").write_bytes(leaf.chain_pem())
    pem = leaf.key_pem()
    (tmp_path / "ca.pem").write_bytes(pem)
    r = run_cli(["cert", str(tmp_path / "chain.pem"), "--ca", str(tmp_path / "ca.pem")])
    assert r.code == 2 and "private key" in r.err
    assert all(f not in r.out + r.err for f in _secret_forms(pem))


def test_combined_cert_and_key_file_keeps_key_secret(leaf, tmp_path) -> None:
    pem = leaf.key_pem()
    p = tmp_path / "combined.pem"
    p.write_bytes(leaf.chain_pem() + pem)
    for fmt in ("terminal", "json"):
        r = run_cli(["cert", str(p), "--host", "files.test", "--format", fmt])
        assert r.code in (0, 1)
        assert all(f not in r.out + r.err for f in _secret_forms(pem))


@pytest.mark.parametrize(
    "name,content,needle",
    [
        ("empty.pem", b"", "empty"),
        ("garbage.bin", b"\x00\x01hello world" * 10, "not a certificate"),
        ("text.txt", b"just some words\n", "not a certificate"),
        ("trunc.pem", b"-----BEGIN CERTIFICATE-----\nMIIB\n", "no END line"),
        (
            "badder.pem",
            b"-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n",
            "not a valid certificate",
        ),
    ],
)
def test_bad_files_one_line_exit_2(tmp_path, name, content, needle) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    r = run_cli(["cert", str(p)])
    assert r.code == 2, r.out
    assert needle in r.err
    assert len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err


def test_truncated_real_pem(leaf, tmp_path) -> None:
    data = leaf.chain_pem()
    p = tmp_path / "cut.pem"
    p.write_bytes(data[: len(data) // 2 + 7])
    r = run_cli(["cert", str(p)])
    assert r.code == 2 and "Traceback" not in r.err and len(r.err.strip().splitlines()) == 1


def test_directory_and_missing_file(tmp_path) -> None:
    r = run_cli(["cert", str(tmp_path)])
    assert r.code == 2 and "directory" in r.err
    r = run_cli(["cert", str(tmp_path / "nope.pem")])
    assert r.code == 2 and "no such file" in r.err


@pytest.fixture(scope="module")
def samples(leaf) -> list[bytes]:
    der = leaf.cert.public_bytes(serialization.Encoding.DER)
    return [
        leaf.chain_pem(),
        der,
        pkcs7.serialize_certificates(leaf.chain, serialization.Encoding.DER),
        _p12(leaf, None),
        leaf.key_pem(),
    ]


@settings(
    deadline=None, max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=3000))
def test_random_bytes_only_raise_input_error(data: bytes) -> None:
    with contextlib.suppress(InputError):
        load_bytes(data, "fuzz.bin")


@settings(
    deadline=None, max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(which=st.integers(0, 4), cut=st.floats(0, 1), flip=st.integers(0, 10**6))
def test_truncated_and_mutated_samples_only_raise_input_error(samples, which, cut, flip) -> None:
    data = bytearray(samples[which][: int(len(samples[which]) * cut)])
    if data and flip % 3 == 0:
        data[flip % len(data)] ^= 0x5A
    try:
        load_bytes(bytes(data), "fuzz.bin")
    except InputError as e:
        assert "\n" not in str(e)
