"""The capture reader's one seam to :mod:`tlsdoctor.wire`: parsing, keys, fingerprints.

Everything the capture code needs from the TLS codec goes through here, so the
rest of the package reads as capture logic: message parsing
(:func:`tlsdoctor.wire.handshake.parse_body`), record protection
(:mod:`tlsdoctor.wire.protection` with keys from :mod:`tlsdoctor.wire.keyschedule`
and :func:`tlsdoctor.wire.prf.key_block`) and JA3/JA4
(:mod:`tlsdoctor.wire.fingerprint`).  A capture counts records itself (it may
skip some unread), so each decryption says which record number it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from tlsdoctor.wire.constants import HANDSHAKE_MESSAGE_NAMES

if TYPE_CHECKING:  # pragma: no cover
    from tlsdoctor.wire import messages as m

# The parsers, the registry, the fingerprints and the record protection (with
# ``cryptography``) load on first use: following a capture needs none of them,
# so a table of thousands of connections starts at once.

KeyLookup = Callable[[bytes, str], bytes | None]
"""(client random, key-log label) -> secret bytes, or None."""


class RecordDecryptor(Protocol):
    def decrypt(self, rtype: int, version: int, body: bytes, seq: int) -> tuple[int, bytes]:
        """(content type, plaintext) of one protected record; DecryptFailed if not."""
        ...

    def next_generation(self) -> RecordDecryptor:
        """TLS 1.3 KeyUpdate: the decryptor of the next traffic secret."""
        ...


class ParseFailed(Exception):
    """A handshake message that does not parse (the text says which and where)."""


def handshake_name(htype: int) -> str:
    return HANDSHAKE_MESSAGE_NAMES.get(htype) or f"handshake type {htype}"


class DecryptFailed(Exception):
    """A record that does not decrypt, or a suite we cannot decrypt (never key material)."""


def parse_handshake_kx(
    htype: int, body: bytes, side: str, version: int | None, suite: int | None
) -> Any:
    """One handshake body, typed, knowing the negotiated version and suite."""
    from tlsdoctor.wire.errors import WireError
    from tlsdoctor.wire.handshake import parse_body
    from tlsdoctor.wire.registry import cipher_suite

    info = cipher_suite(suite) if suite is not None else None
    kx = info.key_exchange if info else None
    try:
        return parse_body(htype, body, side=side, version=version, key_exchange=kx)
    except WireError as exc:
        raise ParseFailed(str(exc)) from None
    except (ValueError, IndexError, KeyError, TypeError) as exc:  # belt and braces
        raise ParseFailed(
            f"{side} sent a {handshake_name(htype)} that does not parse ({type(exc).__name__})"
        ) from None


def ja3(ch: m.ClientHello) -> tuple[str, str]:
    """(JA3 string, its MD5)."""
    from tlsdoctor.wire import fingerprint

    return fingerprint.ja3_string(ch), fingerprint.ja3(ch)


def ja4(ch: m.ClientHello) -> str:
    from tlsdoctor.wire import fingerprint

    return fingerprint.ja4(ch)


class _Opener:
    """A :mod:`tlsdoctor.wire.protection` object as a :class:`RecordDecryptor`."""

    __slots__ = ("_prot",)

    def __init__(self, prot: Any) -> None:
        self._prot = prot

    def decrypt(self, rtype: int, version: int, body: bytes, seq: int) -> tuple[int, bytes]:
        from tlsdoctor.wire.errors import WireError
        from tlsdoctor.wire.records import Record

        self._prot.seq = seq
        try:
            inner, plain = self._prot.open(Record(rtype, version, body))
        except WireError as exc:
            raise DecryptFailed(str(exc)) from None
        return int(inner), bytes(plain)

    def next_generation(self) -> RecordDecryptor:
        if not hasattr(self._prot, "update"):
            raise DecryptFailed("KeyUpdate does not exist before TLS 1.3")
        self._prot.update()
        return self

    def __repr__(self) -> str:
        return f"_Opener({self._prot!r})"


def tls13_decryptor(suite: int, secret: bytes) -> RecordDecryptor:
    from tlsdoctor.wire.protection import Tls13Protection, aead_supported
    from tlsdoctor.wire.registry import cipher_suite

    info = cipher_suite(suite)
    if info is None or not info.is_tls13 or not aead_supported(info):
        raise DecryptFailed(f"records of cipher suite 0x{suite:04x} are not decrypted here")
    return _Opener(Tls13Protection(info, secret))


def tls12_decryptor(
    suite: int,
    version: int,
    master: bytes,
    client_random: bytes,
    server_random: bytes,
    client: bool,
    etm: bool,
) -> RecordDecryptor:
    from tlsdoctor.wire.prf import key_block
    from tlsdoctor.wire.protection import tls12_protection, tls12_supported
    from tlsdoctor.wire.registry import cipher_suite

    info = cipher_suite(suite)
    if info is None or not tls12_supported(info):
        raise DecryptFailed(f"records of cipher suite 0x{suite:04x} are not decrypted here")
    if len(master) != 48:
        raise DecryptFailed("the key log's master secret is not 48 bytes")
    keys = key_block(info, version, master, client_random, server_random)
    return _Opener(tls12_protection(info, version, keys, client, etm))
