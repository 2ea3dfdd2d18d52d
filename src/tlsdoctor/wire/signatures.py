"""Handshake signatures: CertificateVerify and ServerKeyExchange.

RFC 8446 §4.4.3 (TLS 1.3 CertificateVerify: 64 spaces, a context string, a zero
byte and the transcript hash, signed with a SignatureScheme; RSA only with PSS),
RFC 5246 §7.4.3 and §7.4.8 (TLS 1.2: the randoms and params, or all handshake
messages, signed with a SignatureAndHashAlgorithm), RFC 4346 §7.4.3 (TLS 1.0/1.1:
RSA signs MD5 || SHA-1 without a DigestInfo, ECDSA and DSA sign SHA-1),
RFC 8446 §4.2.3 (the schemes and the PSS salt length equal to the hash length).
"""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa

from .registry import SignatureScheme, signature_scheme

_HASHES: dict[str, Any] = {
    "md5": hashes.MD5,
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_CURVE_NAMES = {"secp256r1": 256, "secp384r1": 384, "secp521r1": 521}

SERVER_CONTEXT = b"TLS 1.3, server CertificateVerify"
CLIENT_CONTEXT = b"TLS 1.3, client CertificateVerify"


def tls13_signed_content(server: bool, transcript_hash: bytes) -> bytes:
    """RFC 8446 §4.4.3: the bytes a TLS 1.3 CertificateVerify signs."""
    context = SERVER_CONTEXT if server else CLIENT_CONTEXT
    return b"\x20" * 64 + context + b"\x00" + transcript_hash


def _scheme(code: int) -> SignatureScheme:
    s = signature_scheme(code)
    if s is None:
        raise ValueError(f"unknown signature scheme 0x{code:04x}")
    return s


def _padding_for(s: SignatureScheme) -> Any:
    h = _HASHES[s.hash or "sha256"]()
    if s.algorithm in ("rsa_pss_rsae", "rsa_pss_pss"):
        return padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size)
    return padding.PKCS1v15()


def key_matches(code: int, key: Any) -> bool:
    """Whether a key (public or private) can make or check scheme ``code``."""
    s = signature_scheme(code)
    if s is None:
        return False
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return s.algorithm in ("rsa_pkcs1", "rsa_pss_rsae") and s.hash in _HASHES
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if s.algorithm != "ecdsa" or s.hash not in _HASHES:
            return False
        return s.curve is None or _CURVE_NAMES.get(s.curve) == key.curve.key_size
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return s.algorithm == "ed25519"
    if isinstance(key, ed448.Ed448PrivateKey | ed448.Ed448PublicKey):
        return s.algorithm == "ed448"
    if isinstance(key, dsa.DSAPrivateKey | dsa.DSAPublicKey):
        return s.algorithm == "dsa" and s.hash in _HASHES
    return False


def choose_scheme(key: Any, offered: tuple[int, ...], tls13: bool) -> int | None:
    """The first scheme in ``offered`` the key can sign with (and, in TLS 1.3,
    that RFC 8446 §4.4.3 allows: no PKCS#1 v1.5, no SHA-1, curve-bound ECDSA)."""
    for code in offered:
        if not key_matches(code, key):
            continue
        s = _scheme(code)
        if tls13 and s.legacy:
            continue
        return code
    return None


def default_scheme(key: Any, tls13: bool) -> int | None:
    """A sensible scheme for ``key`` when the peer sent no list (TLS 1.2 §7.4.1.4.1)."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return 0x0804 if tls13 else 0x0401
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return {256: 0x0403, 384: 0x0503, 521: 0x0603}.get(key.curve.key_size)
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return 0x0807
    if isinstance(key, ed448.Ed448PrivateKey | ed448.Ed448PublicKey):
        return 0x0808
    return None


def sign(code: int, key: Any, data: bytes) -> bytes:
    """Sign ``data`` with private ``key`` under scheme ``code``."""
    s = _scheme(code)
    if not key_matches(code, key):
        raise ValueError(f"{type(key).__name__} cannot sign with {s.name}")
    if s.algorithm in ("ed25519", "ed448"):
        out: bytes = key.sign(data)
        return out
    h = _HASHES[s.hash or "sha256"]()
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, _padding_for(s), h)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(h))
    out = key.sign(data, h)
    return out


def verify(code: int, key: Any, signature: bytes, data: bytes) -> str | None:
    """Check a signature; ``None`` when it verifies, else why not (a short text)."""
    s = signature_scheme(code)
    if s is None:
        return f"unknown signature scheme 0x{code:04x}"
    if not key_matches(code, key):
        return f"the certificate's {_key_kind(key)} key cannot make {s.name} signatures"
    try:
        if s.algorithm in ("ed25519", "ed448"):
            key.verify(signature, data)
            return None
        h = _HASHES[s.hash or "sha256"]()
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, _padding_for(s), h)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(h))
        else:
            key.verify(signature, data, h)
    except InvalidSignature:
        return f"the {s.name} signature does not verify with the certificate's key"
    except (ValueError, UnsupportedAlgorithm) as exc:
        return f"the {s.name} signature could not be checked: {exc}"
    return None


def verify_legacy(key: Any, signature: bytes, data: bytes) -> str | None:
    """TLS 1.0/1.1 signatures (no SignatureAndHashAlgorithm, RFC 4346 §7.4.3)."""
    try:
        if isinstance(key, rsa.RSAPublicKey):
            want = hashlib.md5(data).digest() + hashlib.sha1(data).digest()
            got = key.recover_data_from_signature(signature, padding.PKCS1v15(), None)
            return None if got == want else "the RSA signature does not verify"
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA1()))
        elif isinstance(key, dsa.DSAPublicKey):
            key.verify(signature, data, hashes.SHA1())
        else:
            return f"no TLS 1.0/1.1 signatures with {_key_kind(key)} keys"
    except InvalidSignature:
        return "the signature does not verify with the certificate's key"
    except (ValueError, UnsupportedAlgorithm) as exc:
        return f"the signature could not be checked: {exc}"
    return None


def sign_legacy(key: Any, data: bytes) -> bytes:
    """TLS 1.0/1.1 client CertificateVerify signature (RFC 4346 §7.4.8)."""
    if isinstance(key, rsa.RSAPrivateKey):
        # PKCS#1 v1.5 type 1 over the raw 36-byte MD5 || SHA-1, without a DigestInfo.
        digest = hashlib.md5(data).digest() + hashlib.sha1(data).digest()
        n = key.private_numbers()
        k = (key.key_size + 7) // 8
        em = b"\x00\x01" + b"\xff" * (k - len(digest) - 3) + b"\x00" + digest
        sig = pow(int.from_bytes(em, "big"), n.d, n.public_numbers.n)
        return sig.to_bytes(k, "big")
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA1()))
    raise ValueError(f"no TLS 1.0/1.1 signatures with {_key_kind(key)} keys")


def _key_kind(key: Any) -> str:
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return f"EC {key.curve.name}"
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey | ed448.Ed448PrivateKey):
        return "Ed448"
    return type(key).__name__
