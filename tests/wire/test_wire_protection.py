"""Record protection: RFC 8448 records byte for byte (TLS 1.3), and round trips,
tampering and padding for TLS 1.2 AEAD and CBC (MAC-then-encrypt and
encrypt-then-MAC)."""

from __future__ import annotations

import pytest

from tlsdoctor.wire.errors import DecryptError, WireError
from tlsdoctor.wire.prf import key_block
from tlsdoctor.wire.protection import (
    Tls12AeadProtection,
    Tls12CbcProtection,
    Tls13Protection,
    tls12_protection,
)
from tlsdoctor.wire.records import Record, parse_records
from tlsdoctor.wire.registry import cipher_suite
from tlsdoctor.wire.suites import CipherSuite
from wire import wirevectors as v


def suite(code: int) -> CipherSuite:
    s = cipher_suite(code)
    assert s is not None
    return s


def only_record(data: bytes) -> Record:
    records, rest = parse_records(data)
    assert len(records) == 1 and not rest
    return records[0]


def test_tls13_client_finished_record_matches_rfc8448() -> None:
    p = Tls13Protection(suite(0x1301), v.S3_CLIENT_HS_TRAFFIC, "client")
    record = p.seal(22, b"\x14\x00\x00\x20" + v.S3_CLIENT_FINISHED)
    assert record == v.S3_CLIENT_FINISHED_RECORD


def test_tls13_application_records_match_rfc8448() -> None:
    client = Tls13Protection(suite(0x1301), v.S3_CLIENT_AP_TRAFFIC, "client")
    assert client.seal(23, bytes(range(50))) == v.S3_CLIENT_DATA_RECORD
    assert client.seal(21, b"\x01\x00") == v.S3_CLIENT_ALERT_RECORD
    server = Tls13Protection(suite(0x1301), v.S3_SERVER_AP_TRAFFIC, "server")
    ctype, data = server.open(only_record(v.S3_TICKET_RECORD))
    assert ctype == 22 and data[0] == 4  # NewSessionTicket
    assert server.open(only_record(v.S3_SERVER_DATA_RECORD)) == (23, bytes(range(50)))
    assert server.open(only_record(v.S3_SERVER_ALERT_RECORD)) == (21, b"\x01\x00")


@pytest.mark.parametrize("code", [0x1301, 0x1302, 0x1303, 0x1304, 0x1305])
def test_tls13_round_trip_padding_and_tamper(code: int) -> None:
    secret = bytes(range(48 if code == 0x1302 else 32))
    writer = Tls13Protection(suite(code), secret, "client")
    reader = Tls13Protection(suite(code), secret, "client")
    rec = writer.seal(23, b"hello", padding=10)
    assert reader.open(only_record(rec)) == (23, b"hello")
    rec2 = bytearray(writer.seal(22, b"x" * 100))
    rec2[-1] ^= 1
    with pytest.raises(DecryptError) as err:
        reader.open(only_record(bytes(rec2)))
    assert err.value.alert == 20 and err.value.side == "client"


def test_tls13_all_padding_is_an_error() -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from tlsdoctor.wire.keyschedule import traffic_keys

    key, iv = traffic_keys("sha256", v.S3_SERVER_AP_TRAFFIC, 16)
    header = b"\x17\x03\x03\x00\x14"
    body = AESGCM(key).encrypt(iv, b"\x00\x00\x00\x00", header)
    reader = Tls13Protection(suite(0x1301), v.S3_SERVER_AP_TRAFFIC, "server")
    with pytest.raises(WireError) as err:
        reader.open(only_record(header + body))
    assert err.value.alert == 10


def test_tls13_key_update_moves_both_sides() -> None:
    a = Tls13Protection(suite(0x1301), v.S3_CLIENT_AP_TRAFFIC)
    b = Tls13Protection(suite(0x1301), v.S3_CLIENT_AP_TRAFFIC)
    a.update()
    rec = a.seal(23, b"after update")
    with pytest.raises(DecryptError):
        b.open(only_record(rec))
    c = Tls13Protection(suite(0x1301), v.S3_CLIENT_AP_TRAFFIC)
    c.update()
    assert c.open(only_record(rec)) == (23, b"after update")


@pytest.mark.parametrize(
    ("code", "version", "etm"),
    [
        (0xC02F, 0x0303, False),  # AES-128-GCM, explicit nonce
        (0xC030, 0x0303, False),
        (0xCCA8, 0x0303, False),  # ChaCha20-Poly1305, RFC 7905 nonce
        (0xC0AC, 0x0303, False),  # AES-128-CCM
        (0xC0AE, 0x0303, False),  # AES-128-CCM_8
        (0xC013, 0x0303, False),  # AES-CBC-SHA, MAC-then-encrypt
        (0xC013, 0x0303, True),  # encrypt-then-MAC
        (0xC028, 0x0303, True),  # AES-256-CBC-SHA384
        (0x002F, 0x0302, False),  # TLS 1.1 explicit IV
        (0x002F, 0x0301, False),  # TLS 1.0 chained IV
        (0x002F, 0x0301, True),
        (0x000A, 0x0303, False),  # 3DES
        (0x0041, 0x0303, True),  # Camellia
        (0x0002, 0x0303, False),  # NULL cipher, MAC only
    ],
)
def test_tls12_round_trip_and_tamper(code: int, version: int, etm: bool) -> None:
    s = suite(code)
    keys = key_block(s, version, bytes(range(48)), b"c" * 32, b"s" * 32)
    client_w = tls12_protection(s, version, keys, True, etm, "client")
    server_r = tls12_protection(s, version, keys, True, etm, "client")
    for size in (0, 1, 15, 16, 17, 1000):
        data = bytes(range(256)) * 4
        rec = client_w.seal(23, data[:size])
        assert server_r.open(only_record(rec)) == (23, data[:size])
    bad = bytearray(client_w.seal(22, b"finished!!!!"))
    bad[-3] ^= 0x40
    with pytest.raises(DecryptError) as err:
        server_r.open(only_record(bytes(bad)))
    assert err.value.side == "client" and err.value.alert == 20


def test_tls12_wrong_keys_fail_to_decrypt() -> None:
    s = suite(0x00A8)
    k1 = key_block(s, 0x0303, b"1" * 48, b"c" * 32, b"s" * 32)
    k2 = key_block(s, 0x0303, b"2" * 48, b"c" * 32, b"s" * 32)
    rec = tls12_protection(s, 0x0303, k1, True).seal(22, b"\x14\x00\x00\x0c" + bytes(12))
    with pytest.raises(DecryptError):
        tls12_protection(s, 0x0303, k2, True, side="client").open(only_record(rec))


def test_cbc_records_too_short_and_bad_padding() -> None:
    s = suite(0xC013)
    keys = key_block(s, 0x0303, bytes(48), bytes(32), bytes(32))
    p = Tls12CbcProtection(s, keys.client_key, keys.client_mac_key, version=0x0303)
    for frag in (b"", b"\x00" * 15, b"\x00" * 33):
        with pytest.raises(DecryptError):
            p.open(Record(23, 0x0303, frag))
    gcm = Tls12AeadProtection(suite(0xC02F), bytes(16), bytes(4))
    with pytest.raises(DecryptError):
        gcm.open(Record(23, 0x0303, b"short"))


def test_protection_reprs_hide_keys() -> None:
    p = Tls13Protection(suite(0x1301), v.S3_CLIENT_AP_TRAFFIC)
    assert v.S3_CLIENT_AP_TRAFFIC.hex() not in repr(p) and "redacted" in repr(p)
