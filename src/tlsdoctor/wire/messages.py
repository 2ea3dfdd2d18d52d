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
from typing import Any, ClassVar

from .constants import HELLO_RETRY_REQUEST_RANDOM


@dataclass(frozen=True)
class Extension:
    """One extension as sent: its type code and raw body."""

    type: int
    data: bytes

    @property
    def type_name(self) -> str:
        from .constants import extension_name

        return extension_name(self.type)

    def parsed(self, handshake_type: int = 1) -> Any:
        """The typed value (:mod:`tlsdoctor.wire.extensions`) of this extension
        as it appears in a message of ``handshake_type``; raises ``WireError``."""
        from .extensions import parse_extension

        return parse_extension(self, handshake_type)

    def describe(self) -> str:
        return f"{self.type_name} ({len(self.data)} bytes)"


def find_extension(extensions: tuple[Extension, ...], ext_type: int) -> Extension | None:
    for ext in extensions:
        if ext.type == ext_type:
            return ext
    return None


def _typed(extensions: tuple[Extension, ...], ext_type: int, handshake_type: int) -> Any:
    """The parsed extension, or None when absent or malformed."""
    from .extensions import try_parse

    return try_parse(find_extension(extensions, ext_type), handshake_type)


def _suite(code: int) -> str:
    from .registry import cipher_suite_name

    return cipher_suite_name(code)


def _version(code: int) -> str:
    from .constants import version_name

    return version_name(code)


@dataclass(frozen=True)
class HelloRequest:
    """RFC 5246 §7.4.1.1: the server asks the client to renegotiate (TLS <= 1.2)."""

    name: ClassVar[str] = "HelloRequest"
    msg_type: ClassVar[int] = 0

    def describe(self) -> str:
        return "renegotiation requested"


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

    def extension(self, ext_type: int) -> Extension | None:
        return find_extension(self.extensions, ext_type)

    def typed(self, ext_type: int) -> Any:
        """The parsed extension of ``ext_type`` (None when absent or malformed)."""
        return _typed(self.extensions, ext_type, self.msg_type)

    @property
    def server_name(self) -> str | None:
        sni = self.typed(0)
        return sni.host_name if sni is not None else None

    @property
    def offered_versions(self) -> tuple[int, ...]:
        """supported_versions if sent (RFC 8446 §4.2.1), else (legacy_version,)."""
        sv = self.typed(43)
        return sv.versions if sv is not None else (self.legacy_version,)

    @property
    def alpn_protocols(self) -> tuple[bytes, ...]:
        alpn = self.typed(16)
        return alpn.protocols if alpn is not None else ()

    def describe(self) -> str:
        from .constants import is_grease

        versions = [v for v in self.offered_versions if not is_grease(v)]
        top = _version(max(versions)) if versions else "no version"
        sni = f", SNI {self.server_name}" if self.server_name else ", no SNI"
        n = sum(1 for c in self.cipher_suites if not is_grease(c))
        return f"up to {top}, {n} cipher suites{sni}"


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

    def extension(self, ext_type: int) -> Extension | None:
        return find_extension(self.extensions, ext_type)

    def typed(self, ext_type: int) -> Any:
        """The parsed extension of ``ext_type`` (None when absent or malformed)."""
        return _typed(self.extensions, ext_type, 6 if self.is_hello_retry_request else 2)

    @property
    def selected_version(self) -> int:
        """supported_versions if present (RFC 8446 §4.1.3), else legacy_version."""
        sv = self.typed(43)
        return sv.version if sv is not None else self.legacy_version

    @property
    def downgrade_sentinel(self) -> str | None:
        """RFC 8446 §4.1.3: "TLS 1.2" or "TLS 1.1" when the random's last 8 bytes
        say the server supports TLS 1.3 but negotiated lower."""
        tail = self.random[-8:]
        if tail == b"DOWNGRD\x01":
            return "TLS 1.2"
        if tail == b"DOWNGRD\x00":
            return "TLS 1.1"
        return None

    def describe(self) -> str:
        kind = "HelloRetryRequest: " if self.is_hello_retry_request else ""
        return f"{kind}{_version(self.selected_version)}, {_suite(self.cipher_suite)}"


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

    def describe(self) -> str:
        return f"lifetime {self.lifetime} s, ticket {len(self.ticket)} bytes"


@dataclass(frozen=True)
class EndOfEarlyData:
    name: ClassVar[str] = "EndOfEarlyData"
    msg_type: ClassVar[int] = 5


@dataclass(frozen=True)
class EncryptedExtensions:
    name: ClassVar[str] = "EncryptedExtensions"
    msg_type: ClassVar[int] = 8
    extensions: tuple[Extension, ...] = ()

    def extension(self, ext_type: int) -> Extension | None:
        return find_extension(self.extensions, ext_type)

    def typed(self, ext_type: int) -> Any:
        return _typed(self.extensions, ext_type, self.msg_type)

    def describe(self) -> str:
        names = ", ".join(e.type_name for e in self.extensions) or "none"
        return f"extensions: {names}"


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

    def describe(self) -> str:
        n = len(self.certificate_list)
        return "empty" if n == 0 else f"{n} certificate{'s' if n != 1 else ''}"


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
    curve_type: int | None = None
    """ECCurveType (RFC 8422 §5.4): 3 is named_curve."""
    params_length: int | None = None
    """Bytes of ``raw`` the signature covers (after the client and server randoms)."""

    @property
    def dh_bits(self) -> int | None:
        if self.dh_p is None:
            return None
        return int.from_bytes(self.dh_p, "big").bit_length()

    @property
    def signed_params(self) -> bytes | None:
        """The ServerDHParams/ServerECDHParams bytes the signature covers."""
        if self.params_length is None:
            return None
        start = 0 if self.psk_identity_hint is None else 2 + len(self.psk_identity_hint)
        return self.raw[start : self.params_length]

    def describe(self) -> str:
        if self.named_group is not None:
            from .registry import group_name

            return f"{self.kind} {group_name(self.named_group)}"
        if self.dh_p is not None:
            return f"{self.kind} {self.dh_bits}-bit group"
        return self.kind or f"{len(self.raw)} bytes"


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

    def describe(self) -> str:
        n = len(self.certificate_authorities)
        cas = f", {n} acceptable CA{'s' if n != 1 else ''}" if n else ""
        return f"{len(self.signature_algorithms)} signature algorithms{cas}"


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

    def describe(self) -> str:
        if self.algorithm is None:
            return f"{len(self.signature)}-byte signature"
        from .registry import signature_scheme_name

        return signature_scheme_name(self.algorithm)


@dataclass(frozen=True)
class ClientKeyExchange:
    name: ClassVar[str] = "ClientKeyExchange"
    msg_type: ClassVar[int] = 16
    raw: bytes
    psk_identity: bytes | None = None
    kind: str | None = None
    """"ecdhe", "dhe", "rsa", "psk", "ecdhe_psk", "dhe_psk", "rsa_psk"; None when
    parsed without knowing the key exchange."""
    public: bytes | None = None
    """The client's (EC)DH public value."""
    encrypted_pre_master_secret: bytes | None = None
    """RSA and RSA_PSK key exchange."""

    def describe(self) -> str:
        return self.kind or f"{len(self.raw)} bytes"


@dataclass(frozen=True)
class Finished:
    name: ClassVar[str] = "Finished"
    msg_type: ClassVar[int] = 20
    verify_data: bytes

    def describe(self) -> str:
        return f"{len(self.verify_data)}-byte verify_data"


@dataclass(frozen=True)
class CertificateStatus:
    name: ClassVar[str] = "CertificateStatus"
    msg_type: ClassVar[int] = 22
    status_type: int
    ocsp_response: bytes

    def describe(self) -> str:
        return f"OCSP response, {len(self.ocsp_response)} bytes"


@dataclass(frozen=True)
class KeyUpdate:
    name: ClassVar[str] = "KeyUpdate"
    msg_type: ClassVar[int] = 24
    request_update: int

    def describe(self) -> str:
        return "update_requested" if self.request_update == 1 else "update_not_requested"


@dataclass(frozen=True)
class UnknownHandshake:
    name: ClassVar[str] = "UnknownHandshake"
    msg_type: ClassVar[int] = -1
    handshake_type: int
    body: bytes

    def describe(self) -> str:
        from .constants import handshake_type_name

        return f"{handshake_type_name(self.handshake_type)}, {len(self.body)} bytes"


@dataclass(frozen=True)
class Alert:
    name: ClassVar[str] = "Alert"
    level: int
    description: int

    @property
    def fatal(self) -> bool:
        return self.level == 2

    @property
    def description_name(self) -> str:
        from .constants import alert_description_name

        return alert_description_name(self.description)

    def describe(self) -> str:
        level = {1: "warning", 2: "fatal"}.get(self.level, f"level {self.level}")
        return f"{level} {self.description_name} ({self.description})"


@dataclass(frozen=True)
class ChangeCipherSpec:
    name: ClassVar[str] = "ChangeCipherSpec"


@dataclass(frozen=True)
class ApplicationData:
    name: ClassVar[str] = "ApplicationData"
    length: int

    def describe(self) -> str:
        return f"{self.length} bytes"


HandshakeMessage = (
    HelloRequest
    | ClientHello
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
