"""TLS 1.0-1.2 PRF, master secrets, key block, PSK premaster secrets.

The SHA-256 vector is the one published on the IETF TLS list for TLS 1.2
(secret 9bbe436b..., seed a0ba9f93..., label "test label"); the other digests
are checked against OpenSSL's independent TLS1-PRF (``openssl kdf``).
"""

from __future__ import annotations

import subprocess

import pytest

from tlsdoctor.wire import prf
from tlsdoctor.wire.registry import cipher_suite

SECRET = bytes.fromhex("9bbe436ba940f017b17652849a71db35")
SEED = bytes.fromhex("a0ba9f936cda311827a6f796ffd5198c")
SHA256_OUTPUT = bytes.fromhex(
    "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
    "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
    "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
    "87347b66"
)


def openssl_prf(digest: str, secret: bytes, label: bytes, seed: bytes, length: int) -> bytes:
    out = subprocess.run(
        ["openssl", "kdf", "-keylen", str(length), "-kdfopt", f"digest:{digest}",
         "-kdfopt", f"hexsecret:{secret.hex()}", "-kdfopt", f"hexseed:{(label + seed).hex()}",
         "TLS1-PRF"],
        capture_output=True, text=True, check=True, timeout=20,
    ).stdout  # fmt: skip
    return bytes.fromhex(out.strip().replace(":", ""))


def test_published_tls12_sha256_vector() -> None:
    assert prf.prf("sha256", SECRET, b"test label", SEED, 100) == SHA256_OUTPUT


@pytest.mark.parametrize(
    ("ours", "openssl_digest", "secret_len"),
    [("sha384", "SHA2-384", 48), ("md5-sha1", "MD5-SHA1", 48), ("md5-sha1", "MD5-SHA1", 33)],
)
def test_prf_agrees_with_openssl(ours: str, openssl_digest: str, secret_len: int) -> None:
    secret = bytes(range(1, secret_len + 1))
    want = openssl_prf(openssl_digest, secret, b"master secret", SEED * 4, 148)
    assert prf.prf(ours, secret, b"master secret", SEED * 4, 148) == want


def test_master_secrets_and_finished() -> None:
    pms = bytes(range(48))
    cr, sr = bytes(32), bytes([1]) * 32
    assert prf.master_secret("sha256", pms, cr, sr) == prf.prf(
        "sha256", pms, b"master secret", cr + sr, 48
    )
    session_hash = prf.handshake_hash("sha256", b"messages")
    ems = prf.extended_master_secret("sha256", pms, session_hash)
    assert ems == prf.prf("sha256", pms, b"extended master secret", session_hash, 48)
    assert len(prf.handshake_hash("md5-sha1", b"x")) == 36
    assert len(prf.verify_data("sha384", ems, True, b"h" * 48)) == 12
    assert prf.verify_data("sha256", ems, True, b"h") != prf.verify_data("sha256", ems, False, b"h")


@pytest.mark.parametrize(
    ("code", "version", "sizes"),
    [
        (0xC02F, 0x0303, (0, 16, 4)),  # AES-128-GCM: 4-byte implicit nonce
        (0xCCA8, 0x0303, (0, 32, 12)),  # ChaCha20-Poly1305: 12-byte IV (RFC 7905)
        (0xC013, 0x0303, (20, 16, 0)),  # CBC in TLS 1.2: explicit IVs
        (0xC013, 0x0301, (20, 16, 16)),  # CBC in TLS 1.0: IV from the key block
        (0xC028, 0x0303, (48, 32, 0)),
    ],
)
def test_key_block_split(code: int, version: int, sizes: tuple[int, int, int]) -> None:
    suite = cipher_suite(code)
    assert suite is not None
    kb = prf.key_block(suite, version, bytes(48), bytes(32), bytes(32))
    assert (len(kb.client_mac_key), len(kb.client_key), len(kb.client_iv)) == sizes
    assert kb.client_key != kb.server_key
    assert repr(kb) == "KeyBlock()"


def test_psk_premaster_secrets() -> None:
    psk = b"\x11" * 16
    # RFC 4279 §2: N zero bytes, then the PSK, each with a 2-byte length
    assert prf.psk_pre_master_secret(psk) == b"\x00\x10" + bytes(16) + b"\x00\x10" + psk
    shared = b"\x22" * 32
    assert prf.psk_pre_master_secret(psk, shared) == b"\x00\x20" + shared + b"\x00\x10" + psk
