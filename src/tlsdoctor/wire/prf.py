"""TLS 1.0-1.2 key derivation: the PRF, master secret, key block, Finished, PSK.

RFC 5246 §5 (P_hash and the TLS 1.2 PRF, SHA-256 unless the suite says
otherwise), RFC 4346 §5 / RFC 2246 §5 (the TLS 1.0/1.1 PRF: P_MD5 xor P_SHA1
over the two halves of the secret), RFC 5246 §8.1 (master secret), RFC 7627 §4
(extended master secret over the session hash), RFC 5246 §6.3 (key block),
RFC 5246 §7.4.9 (Finished verify_data), RFC 4279 §2 and RFC 5489 §2 (PSK
premaster secrets).  SSL 3.0's own derivation is not implemented.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from .suites import CipherSuite

MD5_SHA1 = "md5-sha1"


def p_hash(hash_name: str, secret: bytes, seed: bytes, length: int) -> bytes:
    """RFC 5246 §5: P_hash(secret, seed) stretched to ``length`` bytes."""
    out = bytearray()
    a = seed
    while len(out) < length:
        a = hmac.digest(secret, a, hash_name)
        out += hmac.digest(secret, a + seed, hash_name)
    return bytes(out[:length])


def prf(hash_name: str, secret: bytes, label: bytes, seed: bytes, length: int) -> bytes:
    """PRF(secret, label, seed).  ``hash_name`` "md5-sha1" selects the TLS
    1.0/1.1 PRF; otherwise it is P_<hash> (TLS 1.2)."""
    if hash_name == MD5_SHA1:
        half = (len(secret) + 1) // 2
        s1, s2 = secret[:half], secret[len(secret) - half :]
        a = p_hash("md5", s1, label + seed, length)
        b = p_hash("sha1", s2, label + seed, length)
        return bytes(x ^ y for x, y in zip(a, b, strict=True))
    return p_hash(hash_name, secret, label + seed, length)


def handshake_hash(hash_name: str, messages: bytes) -> bytes:
    """Hash of the handshake messages for Finished and the session hash:
    MD5 || SHA-1 before TLS 1.2 (RFC 4346 §7.4.9), else the PRF hash."""
    if hash_name == MD5_SHA1:
        return hashlib.md5(messages).digest() + hashlib.sha1(messages).digest()
    return hashlib.new(hash_name, messages).digest()


def master_secret(
    hash_name: str, pre_master_secret: bytes, client_random: bytes, server_random: bytes
) -> bytes:
    """RFC 5246 §8.1."""
    return prf(hash_name, pre_master_secret, b"master secret", client_random + server_random, 48)


def extended_master_secret(hash_name: str, pre_master_secret: bytes, session_hash: bytes) -> bytes:
    """RFC 7627 §4: master secret bound to the hash of the handshake through
    ClientKeyExchange."""
    return prf(hash_name, pre_master_secret, b"extended master secret", session_hash, 48)


def verify_data(hash_name: str, master: bytes, client: bool, handshake_digest: bytes) -> bytes:
    """RFC 5246 §7.4.9: the 12-byte Finished verify_data."""
    label = b"client finished" if client else b"server finished"
    return prf(hash_name, master, label, handshake_digest, 12)


@dataclass(frozen=True)
class KeyBlock:
    """RFC 5246 §6.3: the key block split into its parts (never printed)."""

    client_mac_key: bytes = field(repr=False)
    server_mac_key: bytes = field(repr=False)
    client_key: bytes = field(repr=False)
    server_key: bytes = field(repr=False)
    client_iv: bytes = field(repr=False)
    server_iv: bytes = field(repr=False)


def key_block(
    suite: CipherSuite,
    version: int,
    master: bytes,
    client_random: bytes,
    server_random: bytes,
) -> KeyBlock:
    """Derive and split the key block for ``suite`` at ``version``.

    The fixed IV is taken for AEAD suites (RFC 5288 §3, RFC 7905 §2) and for CBC
    in TLS 1.0 (RFC 2246 §6.3); TLS 1.1+ CBC uses explicit per-record IVs.
    Encrypt-then-MAC (RFC 7366 §3) uses the same key block.
    """
    mac_len = suite.mac_length
    key_len = suite.key_length
    if suite.is_aead:
        iv_len = suite.fixed_iv_length
    elif suite.mode == "CBC" and version <= 0x0301:
        iv_len = suite.block_size
    else:
        iv_len = 0
    total = 2 * (mac_len + key_len + iv_len)
    block = prf(
        suite.prf_hash(version), master, b"key expansion", server_random + client_random, total
    )
    parts = []
    pos = 0
    for n in (mac_len, mac_len, key_len, key_len, iv_len, iv_len):
        parts.append(block[pos : pos + n])
        pos += n
    return KeyBlock(*parts)


# ------------------------------------------------------------------------ PSK


def psk_pre_master_secret(psk: bytes, other_secret: bytes | None = None) -> bytes:
    """RFC 4279 §2: ``uint16 len || other_secret || uint16 len || psk``.

    Plain PSK uses ``len(psk)`` zero bytes as other_secret; DHE_PSK and
    ECDHE_PSK (RFC 4279 §3, RFC 5489 §2) the (EC)DH shared secret; RSA_PSK
    (RFC 4279 §4) the 48-byte RSA-encrypted secret.
    """
    other = bytes(len(psk)) if other_secret is None else other_secret
    return len(other).to_bytes(2, "big") + other + len(psk).to_bytes(2, "big") + psk
