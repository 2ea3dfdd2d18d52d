"""Typed TLS messages: frozen events the codec produces and consumes.

RFC 8446 §4 (TLS 1.3 handshake), RFC 5246 §7.4 (TLS 1.2 handshake),
RFC 8446 §6 / RFC 5246 §7.2 (alerts).  Only structure lives here; parsing is in
:mod:`tlsdoctor.wire.handshake`, serialising in :mod:`tlsdoctor.wire.build`.
Each message has a class-level ``name`` (its RFC name) and ``msg_type`` (the
HandshakeType code point), so a :class:`tlsdoctor.model.WireMessage` can be
matched by name without importing these classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

HELLO_RETRY_REQUEST_RANDOM = bytes.fromhex(
    "CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C"
)
"""RFC 8446 §4.1.3: a ServerHello with this random is a HelloRetryRequest."""


@dataclass(frozen=True)
class Extension:
    """One extension as sent: its type code and raw body."""

    type: int
    data: bytes


def find_extension(extensions: tuple[Extension, ...], ext_type: int) -> Extension | None:
    for ext in extensions:
        if ext.type == ext_type:
            return ext
    return None


@dataclass(frozen=True)
class ClientHello:
    name: ClassVar[str] = "ClientHello"
    msg_type: ClassVar[int] = 1
    legacy_version: int
    random: bytes
    session_id: bytes
    cipher_suites: tuple[int, ...]
    compression_methods: bytes
    extensions: tuple[Extension, ...] = ()


@dataclass(frozen=True)
class ServerHello:
    """A ServerHello, or a HelloRetryRequest (same wire form, RFC 8446 §4.1.3)."""

    name: ClassVar[str] = "ServerHello"
    msg_type: ClassVar[int] = 2
    legacy_version: int
    random: bytes
    session_id: bytes
    cipher_suite: int
    compression_method: int
    extensions: tuple[Extension, ...] = ()

    @property
    def is_hello_retry_request(self) -> bool:
        return self.random == HELLO_RETRY_REQUEST_RANDOM


@dataclass(frozen=True)
class NewSessionTicket:
    name: ClassVar[str] = "NewSessionTicket"
    msg_type: ClassVar[int] = 4
    lifetime: int
    ticket: bytes
    age_add: int | None = None
    """TLS 1.3 only."""
    nonce: bytes | None = None
    """TLS 1.3 only."""
    extensions: tuple[Extension, ...] = ()


@dataclass(frozen=True)
class EndOfEarlyData:
    name: ClassVar[str] = "EndOfEarlyData"
    msg_type: ClassVar[int] = 5


@dataclass(frozen=True)
class EncryptedExtensions:
    name: ClassVar[str] = "EncryptedExtensions"
    msg_type: ClassVar[int] = 8
    extensions: tuple[Extension, ...] = ()


@dataclass(frozen=True)
class CertificateEntry:
    cert_data: bytes
    """DER of one certificate (or a raw public key)."""
    extensions: tuple[Extension, ...] = ()
    """TLS 1.3 per-entry extensions (status_request, signed_certificate_timestamp)."""


@dataclass(frozen=True)
class Certificate:
    """Certificate message; TLS 1.3 adds a request context and entry extensions."""

    name: ClassVar[str] = "Certificate"
    msg_type: ClassVar[int] = 11
    certificate_list: tuple[CertificateEntry, ...]
    certificate_request_context: bytes | None = None
    """``None`` in the TLS 1.2 form."""

    @property
    def is_empty(self) -> bool:
        return not self.certificate_list


@dataclass(frozen=True)
class ServerKeyExchange:
    """ServerKeyExchange (RFC 5246 §7.4.3, RFC 8422 §5.4, RFC 4279 §2).

    The body depends on the key exchange, so the raw body is kept and the
    parts we understand are filled in.
    """

    name: ClassVar[str] = "ServerKeyExchange"
    msg_type: ClassVar[int] = 12
    raw: bytes
    kind: str | None = None
    """"ecdhe", "dhe", "psk", "ecdhe_psk", "dhe_psk", or None when unknown."""
    named_group: int | None = None
    public: bytes | None = None
    dh_p: bytes | None = None
    dh_g: bytes | None = None
    psk_identity_hint: bytes | None = None
    signature_scheme: int | None = None
    signature: bytes | None = None

    @property
    def dh_bits(self) -> int | None:
        if self.dh_p is None:
            return None
        return int.from_bytes(self.dh_p, "big").bit_length()


@dataclass(frozen=True)
class CertificateRequest:
    """CertificateRequest in its TLS 1.2 (RFC 5246 §7.4.4) or 1.3 (RFC 8446 §4.3.2) form."""

    name: ClassVar[str] = "CertificateRequest"
    msg_type: ClassVar[int] = 13
    certificate_types: bytes | None = None
    """TLS 1.2 only."""
    signature_algorithms: tuple[int, ...] = ()
    certificate_authorities: tuple[bytes, ...] = ()
    """DER-encoded distinguished names the server accepts as issuers."""
    certificate_request_context: bytes | None = None
    """TLS 1.3 only (``None`` in the TLS 1.2 form)."""
    extensions: tuple[Extension, ...] = ()
    """TLS 1.3 only."""


@dataclass(frozen=True)
class ServerHelloDone:
    name: ClassVar[str] = "ServerHelloDone"
    msg_type: ClassVar[int] = 14


@dataclass(frozen=True)
class CertificateVerify:
    name: ClassVar[str] = "CertificateVerify"
    msg_type: ClassVar[int] = 15
    algorithm: int | None
    """SignatureScheme; ``None`` in TLS 1.0/1.1 where none is sent."""
    signature: bytes


@dataclass(frozen=True)
class ClientKeyExchange:
    name: ClassVar[str] = "ClientKeyExchange"
    msg_type: ClassVar[int] = 16
    raw: bytes
    psk_identity: bytes | None = None


@dataclass(frozen=True)
class Finished:
    name: ClassVar[str] = "Finished"
    msg_type: ClassVar[int] = 20
    verify_data: bytes


@dataclass(frozen=True)
class CertificateStatus:
    name: ClassVar[str] = "CertificateStatus"
    msg_type: ClassVar[int] = 22
    status_type: int
    ocsp_response: bytes


@dataclass(frozen=True)
class KeyUpdate:
    name: ClassVar[str] = "KeyUpdate"
    msg_type: ClassVar[int] = 24
    request_update: int


@dataclass(frozen=True)
class UnknownHandshake:
    name: ClassVar[str] = "UnknownHandshake"
    msg_type: ClassVar[int] = -1
    handshake_type: int
    body: bytes


@dataclass(frozen=True)
class Alert:
    name: ClassVar[str] = "Alert"
    level: int
    description: int

    @property
    def fatal(self) -> bool:
        return self.level == 2


@dataclass(frozen=True)
class ChangeCipherSpec:
    name: ClassVar[str] = "ChangeCipherSpec"


@dataclass(frozen=True)
class ApplicationData:
    name: ClassVar[str] = "ApplicationData"
    length: int


HandshakeMessage = (
    ClientHello
    | ServerHello
    | NewSessionTicket
    | EndOfEarlyData
    | EncryptedExtensions
    | Certificate
    | ServerKeyExchange
    | CertificateRequest
    | ServerHelloDone
    | CertificateVerify
    | ClientKeyExchange
    | Finished
    | CertificateStatus
    | KeyUpdate
    | UnknownHandshake
)
