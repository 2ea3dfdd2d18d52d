"""Typed errors of the TLS codec: which side broke the protocol, where, and how.

RFC 8446 §6.2 / RFC 5246 §7.2.2 name the alert a receiver sends for each kind of
error (``decode_error`` for bytes that do not parse, ``record_overflow``,
``bad_record_mac`` ...); every error here carries that alert code so a caller can
tell what a conforming peer would have answered.

These are the only exceptions the parsers in :mod:`tlsdoctor.wire` raise on
untrusted input.  Their texts name a field and an offset, never key material or
the bytes themselves (a short printable hint of what was found at most).
"""

from __future__ import annotations

import enum

# Alert codes used here (RFC 8446 §6.2); kept local so this module imports nothing.
_DECODE_ERROR = 50
_RECORD_OVERFLOW = 22
_BAD_RECORD_MAC = 20
_ILLEGAL_PARAMETER = 47
_UNEXPECTED_MESSAGE = 10


def side_name(side: object) -> str | None:
    """``"client"``/``"server"`` from a string or an enum such as ``model.Side``."""
    if side is None:
        return None
    if isinstance(side, enum.Enum):
        side = side.value
    text = str(side).lower()
    return text if text in ("client", "server") else None


class WireError(ValueError):
    """Bytes that break the TLS grammar.

    ``side`` is the peer that sent them (``"client"``/``"server"``, or ``None``
    when the caller did not say), ``offset`` the byte position where parsing
    stopped (relative to ``context``; a record reader gives stream offsets),
    ``expected`` what the grammar wanted there, ``found`` a short description of
    what was there instead, and ``alert`` the alert a receiver would send.
    """

    default_alert = _DECODE_ERROR

    def __init__(
        self,
        expected: str,
        *,
        offset: int | None = None,
        side: object = None,
        context: str = "",
        found: str | None = None,
        alert: int | None = None,
    ) -> None:
        self.expected = expected
        self.offset = offset
        self.side = side_name(side)
        self.context = context
        self.found = found
        self.alert = self.default_alert if alert is None else alert
        super().__init__(self._text())

    def _text(self) -> str:
        who = f"{self.side} sent" if self.side else "peer sent"
        what = f" in {self.context}" if self.context else ""
        at = f" at byte {self.offset}" if self.offset is not None else ""
        found = f", found {self.found}" if self.found else ""
        return f"{who} malformed data{what}{at}: expected {self.expected}{found}"


class RecordOverflowError(WireError):
    """A record longer than the protocol allows (RFC 8446 §5.1, §5.2)."""

    default_alert = _RECORD_OVERFLOW


class DecryptError(WireError):
    """A protected record whose authentication failed (``bad_record_mac``).

    RFC 8446 §5.2: a record that does not deprotect ends the connection with
    ``bad_record_mac``; the usual causes are different keys on each side (a
    wrong PSK, a wrong key log) or a corrupted stream.
    """

    default_alert = _BAD_RECORD_MAC

    def _text(self) -> str:
        who = f"record from {self.side}" if self.side else "record"
        at = f" at byte {self.offset}" if self.offset is not None else ""
        what = f" ({self.context})" if self.context else ""
        return f"{who}{at} failed to decrypt{what}: {self.expected}"


class ProtocolError(WireError):
    """Well-formed messages that break the handshake rules.

    A message in the wrong state, a parameter the client never offered, a
    Finished that does not verify.  ``alert`` is the alert RFC 8446 §6.2 names
    for the case (``unexpected_message``, ``illegal_parameter``,
    ``decrypt_error`` ...).
    """

    default_alert = _ILLEGAL_PARAMETER

    def _text(self) -> str:
        who = f"{self.side}" if self.side else "peer"
        what = f" in {self.context}" if self.context else ""
        found = f" ({self.found})" if self.found else ""
        return f"{who} broke the handshake{what}: {self.expected}{found}"


def unexpected_message(version: str, state: str, found: str) -> ProtocolError:
    """The server sent ``found`` where ``version``'s handshake (RFC 8446 §4, RFC
    5246 §7.3) allows none of it in ``state``."""
    return ProtocolError(
        f"the message {version} allows in state {state}",
        side="server",
        context="handshake",
        found=found,
        alert=_UNEXPECTED_MESSAGE,
    )
