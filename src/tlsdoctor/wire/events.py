"""Events of the sans-IO client engine (:mod:`tlsdoctor.wire.client`).

Like h11's events, these are small frozen values: :class:`MessageEvent` for
every protocol message that crossed the wire in either direction (the stuff of
a :class:`tlsdoctor.model.Transcript`), and a few that report what the engine
concluded (:class:`SignatureChecked`, :class:`HandshakeComplete`,
:class:`ConnectionFailed` ...).  None of them carries key material.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import WireError


@dataclass(frozen=True)
class MessageEvent:
    """A handshake message, alert, ChangeCipherSpec or application data record.

    ``sender`` is "client" or "server"; ``message`` the typed message from
    :mod:`tlsdoctor.wire.messages`; ``encrypted`` whether it travelled under
    record protection; ``raw`` its bytes as hashed into the transcript (the
    handshake header and body, the two alert bytes, ``b"\\x01"`` for
    ChangeCipherSpec, empty for application data).
    """

    sender: str
    message: Any
    encrypted: bool = False
    raw: bytes = field(default=b"", repr=False)
    record_offset: int | None = None
    """Stream offset of the record that carried it (received messages)."""

    @property
    def name(self) -> str:
        return str(self.message.name)

    @property
    def size(self) -> int:
        return len(self.raw) if self.raw else int(getattr(self.message, "length", 0))

    def describe(self) -> str:
        d = getattr(self.message, "describe", None)
        detail = f" ({d()})" if callable(d) else ""
        return f"{self.sender} -> {self.name}{detail}"


@dataclass(frozen=True)
class SignatureChecked:
    """The engine checked a peer signature (CertificateVerify or ServerKeyExchange)."""

    message: str
    scheme: int | None
    error: str | None = None
    """None when the signature verified; else what was wrong."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class FinishedChecked:
    """The server's Finished was checked against our transcript."""

    ok: bool


@dataclass(frozen=True)
class HandshakeComplete:
    """Both Finished messages are done; application data may flow."""

    version: int
    cipher_suite: int
    group: int | None = None
    """The (EC)DHE group, None for RSA or psk_ke key exchange."""
    alpn: bytes | None = None
    psk_used: bool = False
    extended_master_secret: bool | None = None
    """TLS 1.2 only: RFC 7627 negotiated."""
    encrypt_then_mac: bool | None = None
    """TLS 1.2 CBC only: RFC 7366 negotiated."""
    client_certificate_sent: bool | None = None
    """None when the server did not ask; else whether a non-empty chain went."""
    dh_bits: int | None = None


@dataclass(frozen=True)
class ApplicationDataReceived:
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Stopped:
    """The engine stopped on purpose (``ClientConfig.finish`` was False)."""

    reason: str


@dataclass(frozen=True)
class ConnectionClosed:
    """The server ended the connection: with an alert, or by hanging up."""

    alert: Any
    """The :class:`~tlsdoctor.wire.messages.Alert` that ended it; None when the
    transport closed without one."""


@dataclass(frozen=True)
class ConnectionFailed:
    """The engine gave up: the server broke the protocol, or its records did
    not decrypt.  ``error`` says who, where and what; ``alert_sent`` is the
    alert the engine queued in reply (a conforming client's answer)."""

    error: WireError
    alert_sent: int | None = None


Event = (
    MessageEvent
    | SignatureChecked
    | FinishedChecked
    | HandshakeComplete
    | ApplicationDataReceived
    | Stopped
    | ConnectionClosed
    | ConnectionFailed
)
