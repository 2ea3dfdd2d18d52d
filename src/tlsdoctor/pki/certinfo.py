"""The facts of one X.509 certificate, read once (RFC 5280 §4.1, §4.2).

``cryptography`` parses extensions each time they are asked for; rules ask for
the same facts many times, so :func:`info` reads them once per certificate and
caches the result by identity of the certificate object.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, overload

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import (
    AuthorityInformationAccessOID,
    ExtendedKeyUsageOID,
    ExtensionOID,
    NameOID,
)

from tlsdoctor.pki.der import read_tlv
from tlsdoctor.pki.sct import Sct

# RFC 7633 TLS Feature extension, status_request (5) = OCSP must-staple.
_TLS_FEATURE_STATUS_REQUEST = 5

T = TypeVar("T")

EKU_NAMES = {
    ExtendedKeyUsageOID.SERVER_AUTH.dotted_string: "serverAuth",
    ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string: "clientAuth",
    ExtendedKeyUsageOID.CODE_SIGNING.dotted_string: "codeSigning",
    ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string: "emailProtection",
    ExtendedKeyUsageOID.TIME_STAMPING.dotted_string: "timeStamping",
    ExtendedKeyUsageOID.OCSP_SIGNING.dotted_string: "OCSPSigning",
    ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE.dotted_string: "anyExtendedKeyUsage",
}


class cached_property(Generic[T]):
    """A lock-free ``functools.cached_property``: computed once, then a plain attribute.

    Python 3.11's version takes a lock on every first access, which costs more
    than most of the facts it guards; a CertInfo is never shared across threads.
    """

    def __init__(self, fn: Callable[[Any], T]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> cached_property[T]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> T: ...
    def __get__(self, obj: object | None, owner: type) -> T | cached_property[T]:
        if obj is None:
            return self
        value = self.fn(obj)
        obj.__dict__[self.name] = value
        return value


def _tbs_names(tbs: bytes) -> tuple[bytes, bytes] | None:
    """Issuer and subject Name DER from TBSCertificate (RFC 5280 §4.1):
    [0] version, serialNumber, signature, issuer, validity, subject, ..."""
    elements: list[bytes] = []
    try:
        _, i, _ = read_tlv(tbs, 0)
        while len(elements) < 6 and i < len(tbs):
            _, _, end = read_tlv(tbs, i)
            elements.append(tbs[i:end])
            i = end
    except ValueError:
        return None
    if elements and elements[0][:1] != b"\xa0":  # v1 certificates have no version
        elements.insert(0, b"")
    if len(elements) < 6:
        return None
    return elements[3], elements[5]


def short_name(name: x509.Name) -> str:
    """A readable name: the CN when there is one, else the RFC 4514 string."""
    cns = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if cns:
        value = cns[0].value
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    text = name.rfc4514_string()
    return text or "(empty name)"


def colon_hex(data: bytes, limit: int = 20) -> str:
    text = ":".join(f"{b:02X}" for b in data[:limit])
    return text + (":…" if len(data) > limit else "")


@dataclass(frozen=True)
class KeyFacts:
    kind: str
    """"RSA", "EC", "Ed25519", "Ed448", "DSA", or "unknown"."""
    bits: int
    curve: str | None = None

    def __str__(self) -> str:
        if self.kind == "EC":
            return f"EC {self.curve} ({self.bits} bits)"
        if self.kind in ("Ed25519", "Ed448"):
            return self.kind
        return f"{self.kind} {self.bits}"


def key_facts(key: object) -> KeyFacts:
    if isinstance(key, rsa.RSAPublicKey):
        return KeyFacts("RSA", key.key_size)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return KeyFacts("EC", key.curve.key_size, key.curve.name)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return KeyFacts("Ed25519", 256)
    if isinstance(key, ed448.Ed448PublicKey):
        return KeyFacts("Ed448", 456)
    if isinstance(key, dsa.DSAPublicKey):
        return KeyFacts("DSA", key.key_size)
    return KeyFacts("unknown", 0)


class CertInfo:
    """Facts of one certificate, each computed at most once."""

    def __init__(self, cert: x509.Certificate) -> None:
        self.cert = cert
        self._exts: dict[str, x509.Extension[x509.ExtensionType]] | None = None
        self.ext_error: str | None = None

    # -- raw pieces -------------------------------------------------------------
    @cached_property
    def der(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding

        return self.cert.public_bytes(Encoding.DER)

    @cached_property
    def fingerprint(self) -> bytes:
        return hashlib.sha256(self.der).digest()

    @cached_property
    def subject(self) -> x509.Name:
        return self.cert.subject

    @cached_property
    def issuer(self) -> x509.Name:
        return self.cert.issuer

    @cached_property
    def _names_der(self) -> tuple[bytes, bytes]:
        """(issuer, subject) DER, read straight from the TBSCertificate (inside the
        certificate's DER, which the fingerprint needs anyway)."""
        der = self.der
        try:
            _, start, _ = read_tlv(der, 0)  # Certificate ::= SEQUENCE { tbsCertificate, ...
            _, _, tbs_end = read_tlv(der, start)
            parts = _tbs_names(der[start:tbs_end])
        except ValueError:
            parts = None
        if parts is None:
            return self.cert.issuer.public_bytes(), self.cert.subject.public_bytes()
        return parts

    @cached_property
    def subject_der(self) -> bytes:
        return self._names_der[1]

    @cached_property
    def issuer_der(self) -> bytes:
        return self._names_der[0]

    @cached_property
    def name(self) -> str:
        return short_name(self.cert.subject)

    @cached_property
    def issuer_name(self) -> str:
        return short_name(self.cert.issuer)

    @cached_property
    def spki_der(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return self.cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)

    @cached_property
    def key(self) -> KeyFacts:
        try:
            return key_facts(self.cert.public_key())
        except (ValueError, TypeError, x509.UnsupportedGeneralNameType):
            return KeyFacts("unknown", 0)

    @cached_property
    def not_before(self) -> datetime:
        return self.cert.not_valid_before_utc

    @cached_property
    def not_after(self) -> datetime:
        return self.cert.not_valid_after_utc

    @cached_property
    def lifetime_days(self) -> float:
        # RFC 5280 validity is inclusive of both ends; Apple and the CA/B Forum
        # count the span between the two dates.
        return (self.not_after - self.not_before).total_seconds() / 86400

    @cached_property
    def signature_hash(self) -> str | None:
        """Hash of the issuer's signature on this certificate ("sha1", "sha256")."""
        try:
            alg = self.cert.signature_hash_algorithm
        except UnsupportedAlgorithm:
            return "unknown"
        return alg.name if alg is not None else None

    @cached_property
    def signature_algorithm(self) -> str:
        oid = self.cert.signature_algorithm_oid
        return getattr(oid, "_name", None) or oid.dotted_string

    # -- extensions -------------------------------------------------------------
    def _ext(self, oid: x509.ObjectIdentifier) -> x509.Extension[x509.ExtensionType] | None:
        if self._exts is None:
            exts: dict[str, x509.Extension[x509.ExtensionType]] = {}
            try:
                for ext in self.cert.extensions:
                    exts[ext.oid.dotted_string] = ext
            except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType) as e:
                self.ext_error = str(e)
            self._exts = exts
        return self._exts.get(oid.dotted_string)

    @cached_property
    def basic_constraints(self) -> x509.BasicConstraints | None:
        ext = self._ext(ExtensionOID.BASIC_CONSTRAINTS)
        return ext.value if ext is not None else None  # type: ignore[return-value]

    @cached_property
    def is_ca(self) -> bool:
        bc = self.basic_constraints
        return bool(bc and bc.ca)

    @cached_property
    def path_len(self) -> int | None:
        bc = self.basic_constraints
        return bc.path_length if bc and bc.ca else None

    @cached_property
    def key_usage(self) -> x509.KeyUsage | None:
        ext = self._ext(ExtensionOID.KEY_USAGE)
        return ext.value if ext is not None else None  # type: ignore[return-value]

    @cached_property
    def key_cert_sign(self) -> bool | None:
        """None when there is no keyUsage extension (no restriction)."""
        ku = self.key_usage
        return None if ku is None else ku.key_cert_sign

    @cached_property
    def eku(self) -> tuple[str, ...] | None:
        """Dotted OIDs of the extendedKeyUsage, or None when absent."""
        ext = self._ext(ExtensionOID.EXTENDED_KEY_USAGE)
        if ext is None:
            return None
        return tuple(o.dotted_string for o in ext.value)  # type: ignore[attr-defined]

    @cached_property
    def eku_names(self) -> tuple[str, ...]:
        return tuple(EKU_NAMES.get(o, o) for o in (self.eku or ()))

    def allows_server_auth(self) -> bool:
        eku = self.eku
        if eku is None:
            return True
        return (
            ExtendedKeyUsageOID.SERVER_AUTH.dotted_string in eku
            or ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE.dotted_string in eku
        )

    @cached_property
    def san(self) -> x509.SubjectAlternativeName | None:
        ext = self._ext(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
        return ext.value if ext is not None else None  # type: ignore[return-value]

    @cached_property
    def dns_names(self) -> tuple[str, ...]:
        san = self.san
        if san is None:
            return ()
        return tuple(san.get_values_for_type(x509.DNSName))

    @cached_property
    def ip_addresses(self) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]:
        san = self.san
        if san is None:
            return ()
        out = []
        for ip in san.get_values_for_type(x509.IPAddress):
            if isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address):
                out.append(ip)
        return tuple(out)

    @cached_property
    def common_names(self) -> tuple[str, ...]:
        out = []
        for attr in self.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
            v = attr.value
            out.append(v if isinstance(v, str) else v.decode("utf-8", "replace"))
        return tuple(out)

    @cached_property
    def ski(self) -> bytes | None:
        ext = self._ext(ExtensionOID.SUBJECT_KEY_IDENTIFIER)
        return ext.value.digest if ext is not None else None  # type: ignore[attr-defined]

    @cached_property
    def aki(self) -> bytes | None:
        ext = self._ext(ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
        if ext is None:
            return None
        return ext.value.key_identifier  # type: ignore[attr-defined]

    @cached_property
    def aia_ca_issuers(self) -> tuple[str, ...]:
        return self._aia(AuthorityInformationAccessOID.CA_ISSUERS)

    def _aia(self, method: x509.ObjectIdentifier) -> tuple[str, ...]:
        ext = self._ext(ExtensionOID.AUTHORITY_INFORMATION_ACCESS)
        if ext is None:
            return ()
        out = []
        for desc in ext.value:  # type: ignore[attr-defined]
            if desc.access_method == method and isinstance(
                desc.access_location, x509.UniformResourceIdentifier
            ):
                out.append(desc.access_location.value)
        return tuple(out)

    @cached_property
    def must_staple(self) -> bool:
        ext = self._ext(ExtensionOID.TLS_FEATURE)
        if ext is None:
            return False
        return any(f.value == _TLS_FEATURE_STATUS_REQUEST for f in ext.value)  # type: ignore[attr-defined]

    @cached_property
    def embedded_scts(self) -> tuple[Sct, ...]:
        ext = self._ext(ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS)
        if ext is None:
            return ()
        value = ext.value
        if isinstance(value, x509.PrecertificateSignedCertificateTimestamps):
            return tuple(Sct.from_crypto(s, "certificate") for s in value)
        return ()

    @cached_property
    def has_sct_extension(self) -> bool:
        return self._ext(ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS) is not None

    # -- derived ------------------------------------------------------------------
    @cached_property
    def self_issued(self) -> bool:
        return self.subject_der == self.issuer_der

    @cached_property
    def self_signed(self) -> bool:
        """Issued by itself and the signature verifies with its own key."""
        if not self.self_issued:
            return False
        if self.ski is not None and self.aki is not None and self.ski != self.aki:
            return False
        return verifies(self.cert, self.cert)


_CACHE: dict[int, tuple[x509.Certificate, CertInfo]] = {}
_VERIFY_CACHE: dict[tuple[bytes, bytes], bool] = {}


def info(cert: x509.Certificate) -> CertInfo:
    """The cached :class:`CertInfo` of ``cert`` (keyed by object identity)."""
    hit = _CACHE.get(id(cert))
    if hit is not None and hit[0] is cert:
        return hit[1]
    ci = CertInfo(cert)
    if len(_CACHE) > 4096:
        _CACHE.clear()
    _CACHE[id(cert)] = (cert, ci)
    return ci


def verifies(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when ``issuer``'s name and key issued ``cert`` (the signature verifies)."""
    key = (info(cert).fingerprint, info(issuer).fingerprint)
    hit = _VERIFY_CACHE.get(key)
    if hit is not None:
        return hit
    try:
        cert.verify_directly_issued_by(issuer)
        ok = True
    except ValueError as e:
        # ``cryptography`` refuses to check legacy (SHA-1, MD5) signatures; check
        # them ourselves so a SHA-1 leaf is reported as weak, not as unsigned.
        ok = "signature algorithm" in str(e) and _verify_legacy(cert, issuer)
    except (TypeError, InvalidSignature, UnsupportedAlgorithm):
        ok = False
    if len(_VERIFY_CACHE) > 16384:
        _VERIFY_CACHE.clear()
    _VERIFY_CACHE[key] = ok
    return ok


def _verify_legacy(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        h = cert.signature_hash_algorithm
        key = issuer.public_key()
    except (UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return verify_signed(key, cert.signature, cert.tbs_certificate_bytes, h)


def verify_signed(
    key: object, signature: bytes, data: bytes, hash_alg: hashes.HashAlgorithm | None
) -> bool:
    """True when ``signature`` over ``data`` verifies with ``key`` (an RSA PKCS#1 v1.5,
    ECDSA or DSA public key); False for any other key, no hash, or a bad signature."""
    if hash_alg is None:
        return False
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hash_alg)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hash_alg))
        elif isinstance(key, dsa.DSAPublicKey):
            key.verify(signature, data, hash_alg)
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def now() -> datetime:
    return datetime.now(UTC)
