"""What kind an item is (``tlsdoctor diagnose``): told from its first bytes and its size."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import pkcs12

from tlsdoctor.lab.pki import ca
from tlsdoctor.sources.detect import recognise

MBED_LOG = (
    b"00:12:01.123 mbedtls ssl_tls.c:4321: => handshake\n"
    b"00:12:01.124 mbedtls ssl_msg.c:2345: => write record\n"
)


@pytest.fixture(scope="module")
def leaf():
    return ca("Detect Root").leaf("detect.test")


def _file(tmp_path: Path, name: str, data: bytes) -> str:
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def test_log_starting_with_zero_is_a_log(tmp_path: Path) -> None:
    # "0" is 0x30, the DER SEQUENCE tag: the content, not the first byte, decides.
    assert recognise(_file(tmp_path, "mbed.log", MBED_LOG)).kind == "log"
    assert recognise("-", MBED_LOG).kind == "log"


def test_short_text_that_looks_like_a_der_header_is_a_log(tmp_path: Path) -> None:
    # "00" says: a SEQUENCE of 0x30 bytes; this line is exactly that long.
    line = b"00:00:01 connect failed, retrying in 5 seconds...\n"
    assert len(line) == 2 + 0x30
    assert recognise(_file(tmp_path, "short.log", line)).kind == "log"


def test_der_certificate_is_certs(leaf, tmp_path: Path) -> None:
    der = leaf.cert.public_bytes(serialization.Encoding.DER)
    assert recognise(_file(tmp_path, "leaf.der", der)).kind == "certs"
    assert recognise("-", der).kind == "certs"


def test_small_der_key_is_certs(tmp_path: Path) -> None:
    der = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    assert der[1] < 0x80  # the short length form
    assert recognise(_file(tmp_path, "k.der", der)).kind == "certs"


def test_passphrase_pkcs12_is_certs_without_the_passphrase(leaf, tmp_path: Path) -> None:
    p12 = pkcs12.serialize_key_and_certificates(
        b"leaf",
        leaf.key,
        leaf.cert,
        None,
        serialization.BestAvailableEncryption(b"not-a-real-secret"),
    )
    assert recognise(_file(tmp_path, "leaf.p12", p12)).kind == "certs"


def test_der_longer_than_the_head_is_judged_by_the_file_size(tmp_path: Path) -> None:
    body = bytes(100_000)
    der = b"\x30\x83" + len(body).to_bytes(3, "big") + body
    assert recognise(_file(tmp_path, "big.der", der)).kind == "certs"
    assert recognise(_file(tmp_path, "cut.der", der[:-1])).kind == "log"
    assert recognise(_file(tmp_path, "more.der", der + b"\n")).kind == "log"


@pytest.mark.parametrize(
    "magic", [0xA1B2C3D4, 0xA1B23C4D, 0xA1B2CD34], ids=["micro", "nano", "modified"]
)
@pytest.mark.parametrize("endian", ["<", ">"])
def test_pcap_magics(tmp_path: Path, magic: int, endian: str) -> None:
    header = struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, 65535, 1)
    assert recognise(_file(tmp_path, "c.pcap", header)).kind == "pcap"


@pytest.mark.parametrize("endian", ["<", ">"])
def test_pcapng(tmp_path: Path, endian: str) -> None:
    body = struct.pack(endian + "IHHq", 0x1A2B3C4D, 1, 0, -1)
    shb = struct.pack(endian + "II", 0x0A0D0D0A, 12 + len(body)) + body
    shb += struct.pack(endian + "I", 12 + len(body))
    assert recognise(_file(tmp_path, "c.pcapng", shb)).kind == "pcapng"
