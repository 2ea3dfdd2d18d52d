"""Ephemeral (EC)DH for TLS: key shares and shared secrets.

RFC 8446 §4.2.8.2 (ECDHE parameters: X25519/X448 32/56-byte strings, NIST
curves as uncompressed points), §7.4.2 (the ECDHE shared secret is the
x-coordinate / the X25519 output), RFC 8422 §5.10 (the same for TLS 1.2),
RFC 7748 §6 (reject the all-zero X25519/X448 result), RFC 5246 §8.1.2 (the
DHE premaster secret with leading zero bytes stripped) and RFC 8446 §7.4.1
(TLS 1.3 FFDHE secrets left-padded to the size of p).

``cryptography`` is imported when a key share is made, so asking which groups
are supported (:func:`supported`) stays cheap.
"""

from __future__ import annotations

import secrets
from typing import Any

from .errors import ProtocolError

X25519, X448 = 29, 30
SECP256R1, SECP384R1, SECP521R1 = 23, 24, 25

_CURVE_GROUPS = (SECP256R1, SECP384R1, SECP521R1)
SUPPORTED_GROUPS = (X25519, SECP256R1, SECP384R1, SECP521R1, X448)
"""Groups this module can generate shares for and complete."""


def _curve(group: int) -> Any:
    """The ``cryptography`` curve object of a NIST group."""
    from cryptography.hazmat.primitives.asymmetric import ec

    curves: dict[int, Any] = {
        SECP256R1: ec.SECP256R1,
        SECP384R1: ec.SECP384R1,
        SECP521R1: ec.SECP521R1,
    }
    return curves[group]()


class KeyShare:
    """An ephemeral private key for one group; the private half is never shown."""

    __slots__ = ("_private", "group", "public")

    def __init__(self, group: int, private: bytes | None = None) -> None:
        """New key for ``group``; ``private`` fixes the scalar (for test vectors)."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, x448, x25519

        self.group = group
        if group == X25519:
            self._private: Any = (
                x25519.X25519PrivateKey.from_private_bytes(private)
                if private
                else x25519.X25519PrivateKey.generate()
            )
            self.public = self._private.public_key().public_bytes_raw()
        elif group == X448:
            self._private = (
                x448.X448PrivateKey.from_private_bytes(private)
                if private
                else x448.X448PrivateKey.generate()
            )
            self.public = self._private.public_key().public_bytes_raw()
        elif group in _CURVE_GROUPS:
            curve = _curve(group)
            self._private = (
                ec.derive_private_key(int.from_bytes(private, "big"), curve)
                if private
                else ec.generate_private_key(curve)
            )
            self.public = self._private.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        else:
            raise ValueError(f"no ECDHE support for group {group}")

    def __repr__(self) -> str:
        return f"KeyShare(group={self.group}, private=<redacted>)"

    def exchange(self, peer_public: bytes, side: object = "server") -> bytes:
        """The shared secret with the peer's share (raises :class:`ProtocolError`
        with ``illegal_parameter`` for a share that is not a valid point)."""
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives.asymmetric import ec, x448, x25519

        try:
            if self.group == X25519:
                peer: Any = x25519.X25519PublicKey.from_public_bytes(peer_public)
                secret: bytes = self._private.exchange(peer)
            elif self.group == X448:
                peer = x448.X448PublicKey.from_public_bytes(peer_public)
                secret = self._private.exchange(peer)
            else:
                curve = _curve(self.group)
                peer = ec.EllipticCurvePublicKey.from_encoded_point(curve, peer_public)
                secret = self._private.exchange(ec.ECDH(), peer)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise ProtocolError(
                "a valid public key share", side=side, context="key exchange", found=str(exc)
            ) from None
        if not any(secret):
            raise ProtocolError(
                "a key share that gives a non-zero secret (RFC 7748 §6)",
                side=side,
                context="key exchange",
            )
        return secret


def supported(group: int) -> bool:
    return group in SUPPORTED_GROUPS


class DhKeyShare:
    """Finite-field DH with the server's ``p`` and ``g`` (TLS 1.2 DHE, RFC 5246 §7.4.3).

    Plain modular exponentiation, so any group a server sends can be completed
    (including the small ones a diagnosis needs to talk to).  The public value is
    checked to lie in [2, p-2] (RFC 7919 §5.1 gives the same range).
    """

    __slots__ = ("_p", "_x", "p_length", "public")

    def __init__(self, p: bytes, g: bytes, side: object = "server") -> None:
        prime, base = int.from_bytes(p, "big"), int.from_bytes(g, "big")
        if prime < 7 or prime % 2 == 0 or not 1 < base < prime - 1:
            raise ProtocolError(
                "usable DH parameters (an odd prime p and 1 < g < p-1)",
                side=side,
                context="ServerKeyExchange",
                found=f"{prime.bit_length()}-bit p",
            )
        self._p = prime
        self._x = secrets.randbelow(prime - 3) + 2
        self.p_length = (prime.bit_length() + 7) // 8
        y = pow(base, self._x, prime)
        self.public = y.to_bytes(self.p_length, "big").lstrip(b"\x00") or b"\x00"

    def __repr__(self) -> str:
        return "DhKeyShare(private=<redacted>)"

    def exchange(self, peer_public: bytes, side: object = "server", pad: bool = False) -> bytes:
        """The shared secret: leading zeros stripped (TLS 1.2, RFC 5246 §8.1.2)
        or, with ``pad``, left-padded to the length of p (TLS 1.3, RFC 8446 §7.4.1)."""
        y = int.from_bytes(peer_public, "big")
        if not 1 < y < self._p - 1:
            raise ProtocolError("a DH public value in [2, p-2]", side=side, context="key exchange")
        z = pow(y, self._x, self._p).to_bytes(self.p_length, "big")
        return z if pad else z.lstrip(b"\x00")
