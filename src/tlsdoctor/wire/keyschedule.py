"""The TLS 1.3 key schedule (RFC 8446 §7.1-§7.3, §4.4.4, §4.2.11.2, §4.6.1).

HKDF (RFC 5869) with the suite's hash; ``HKDF-Expand-Label`` prefixes labels
with ``"tls13 "``.  :class:`KeySchedule` walks Early Secret -> Handshake Secret
-> Master Secret and hands out the traffic secrets; :func:`traffic_keys` turns a
traffic secret into a record key and IV; :func:`finished_verify_data` and
:func:`psk_binder` compute Finished and PSK binders.

Secrets live as plain ``bytes`` in attributes of :class:`KeySchedule`, whose
``repr`` names no value.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

_HASH_LENGTHS = {"sha256": 32, "sha384": 48, "sha512": 64}


def hash_length(hash_name: str) -> int:
    try:
        return _HASH_LENGTHS[hash_name]
    except KeyError:
        raise ValueError(f"unsupported hash for TLS 1.3: {hash_name}") from None


def digest(hash_name: str, data: bytes) -> bytes:
    return hashlib.new(hash_name, data).digest()


def hkdf_extract(hash_name: str, salt: bytes | None, ikm: bytes | None) -> bytes:
    """RFC 5869 §2.2; a missing salt or IKM is a string of Hash.length zeros."""
    n = hash_length(hash_name)
    return hmac.digest(salt or bytes(n), ikm if ikm is not None else bytes(n), hash_name)


def hkdf_expand(hash_name: str, prk: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 §2.3."""
    n = hash_length(hash_name)
    if length > 255 * n:
        raise ValueError("HKDF-Expand length too large")
    out = bytearray()
    block = b""
    counter = 1
    while len(out) < length:
        block = hmac.digest(prk, block + info + bytes((counter,)), hash_name)
        out += block
        counter += 1
    return bytes(out[:length])


def hkdf_label(label: bytes, context: bytes, length: int) -> bytes:
    """The HkdfLabel structure of RFC 8446 §7.1."""
    full = b"tls13 " + label
    return length.to_bytes(2, "big") + bytes((len(full),)) + full + bytes((len(context),)) + context


def hkdf_expand_label(
    hash_name: str, secret: bytes, label: bytes | str, context: bytes, length: int
) -> bytes:
    if isinstance(label, str):
        label = label.encode("ascii")
    return hkdf_expand(hash_name, secret, hkdf_label(label, context, length), length)


def derive_secret(
    hash_name: str, secret: bytes, label: bytes | str, transcript_hash: bytes
) -> bytes:
    """``Derive-Secret(Secret, Label, Messages)`` given ``Transcript-Hash(Messages)``."""
    return hkdf_expand_label(hash_name, secret, label, transcript_hash, hash_length(hash_name))


def empty_hash(hash_name: str) -> bytes:
    return digest(hash_name, b"")


def traffic_keys(
    hash_name: str, secret: bytes, key_length: int, iv_length: int = 12
) -> tuple[bytes, bytes]:
    """RFC 8446 §7.3: (write_key, write_iv) from a traffic secret."""
    key = hkdf_expand_label(hash_name, secret, b"key", b"", key_length)
    iv = hkdf_expand_label(hash_name, secret, b"iv", b"", iv_length)
    return key, iv


def next_traffic_secret(hash_name: str, secret: bytes) -> bytes:
    """RFC 8446 §7.2: application_traffic_secret_N+1 after a KeyUpdate."""
    return hkdf_expand_label(hash_name, secret, b"traffic upd", b"", hash_length(hash_name))


def finished_key(hash_name: str, base_key: bytes) -> bytes:
    return hkdf_expand_label(hash_name, base_key, b"finished", b"", hash_length(hash_name))


def finished_verify_data(hash_name: str, base_key: bytes, transcript_hash: bytes) -> bytes:
    """RFC 8446 §4.4.4: HMAC(finished_key, Transcript-Hash(...))."""
    return hmac.digest(finished_key(hash_name, base_key), transcript_hash, hash_name)


def message_hash(hash_name: str, client_hello: bytes) -> bytes:
    """RFC 8446 §4.4.1: the synthetic ``message_hash`` handshake message that
    replaces ClientHello1 in the transcript after a HelloRetryRequest."""
    h = digest(hash_name, client_hello)
    return bytes((254, 0, 0, len(h))) + h


def resumption_psk(hash_name: str, resumption_master_secret: bytes, ticket_nonce: bytes) -> bytes:
    """RFC 8446 §4.6.1: the PSK a NewSessionTicket makes."""
    return hkdf_expand_label(
        hash_name, resumption_master_secret, b"resumption", ticket_nonce, hash_length(hash_name)
    )


class KeySchedule:
    """One connection's TLS 1.3 secrets, derived stage by stage (RFC 8446 §7.1).

    ``psk`` is the pre-shared key (external or from a ticket); without one the
    Early Secret is HKDF-Extract(0, 0).  Call :meth:`handshake` with the
    (EC)DHE shared secret (or ``None`` for psk_ke) and the transcript hash
    through ServerHello, then :meth:`master` with the hash through server
    Finished, then optionally :meth:`resumption`.
    """

    def __init__(self, hash_name: str, psk: bytes | None = None) -> None:
        self.hash_name = hash_name
        self.hash_length = hash_length(hash_name)
        self.early_secret = hkdf_extract(hash_name, None, psk)
        self.handshake_secret = b""
        self.master_secret = b""
        self.client_handshake_traffic_secret = b""
        self.server_handshake_traffic_secret = b""
        self.client_application_traffic_secret = b""
        self.server_application_traffic_secret = b""
        self.exporter_master_secret = b""
        self.resumption_master_secret = b""

    def __repr__(self) -> str:
        return f"KeySchedule({self.hash_name}, <secrets redacted>)"

    def binder_key(self, external: bool = True) -> bytes:
        label = b"ext binder" if external else b"res binder"
        return derive_secret(self.hash_name, self.early_secret, label, empty_hash(self.hash_name))

    def handshake(self, shared_secret: bytes | None, transcript_hash: bytes) -> None:
        h = self.hash_name
        salt = derive_secret(h, self.early_secret, b"derived", empty_hash(h))
        self.handshake_secret = hkdf_extract(h, salt, shared_secret)
        self.client_handshake_traffic_secret = derive_secret(
            h, self.handshake_secret, b"c hs traffic", transcript_hash
        )
        self.server_handshake_traffic_secret = derive_secret(
            h, self.handshake_secret, b"s hs traffic", transcript_hash
        )

    def master(self, transcript_hash: bytes) -> None:
        h = self.hash_name
        salt = derive_secret(h, self.handshake_secret, b"derived", empty_hash(h))
        self.master_secret = hkdf_extract(h, salt, None)
        self.client_application_traffic_secret = derive_secret(
            h, self.master_secret, b"c ap traffic", transcript_hash
        )
        self.server_application_traffic_secret = derive_secret(
            h, self.master_secret, b"s ap traffic", transcript_hash
        )
        self.exporter_master_secret = derive_secret(
            h, self.master_secret, b"exp master", transcript_hash
        )

    def resumption(self, transcript_hash: bytes) -> None:
        self.resumption_master_secret = derive_secret(
            self.hash_name, self.master_secret, b"res master", transcript_hash
        )


def psk_binder(
    hash_name: str, psk: bytes, truncated_transcript_hash: bytes, external: bool = True
) -> bytes:
    """RFC 8446 §4.2.11.2: a PSK binder over the transcript hash of the
    ClientHello truncated before its binders list."""
    ks = KeySchedule(hash_name, psk)
    return finished_verify_data(hash_name, ks.binder_key(external), truncated_transcript_hash)


class Transcript:
    """A running transcript hash (RFC 8446 §4.4.1; RFC 5246 §7.4.9)."""

    def __init__(self, hash_name: str) -> None:
        self.hash_name = hash_name
        self._h: Any = hashlib.new(hash_name)
        self.messages = bytearray()

    def update(self, data: bytes) -> None:
        self._h.update(data)
        self.messages += data

    def digest(self) -> bytes:
        out: bytes = self._h.copy().digest()
        return out

    def replace_hello_after_retry(self) -> None:
        """Replace the ClientHello1 with ``message_hash`` (RFC 8446 §4.4.1)."""
        synthetic = message_hash(self.hash_name, bytes(self.messages))
        self._h = hashlib.new(self.hash_name)
        self.messages = bytearray()
        self.update(synthetic)
