"""Hex dumps in logs, read back into typed TLS messages with :mod:`tlsdoctor.wire`.

Several libraries print the bytes they send and receive: OpenSSL ``-msg``
prints each handshake message (RFC 8446 §4 / RFC 5246 §7.4 framing), mbedTLS at
debug level 4 prints whole records (RFC 8446 §5.1), Java prints byte blocks.
This module turns those dump lines into bytes and the bytes into the same
frozen messages a capture gives, so rules read a dumped CertificateRequest or
Certificate exactly as they read a captured one.  Parsing stops where a
direction becomes encrypted (after ChangeCipherSpec, or TLS 1.3 records of
type application_data); malformed bytes are noted and skipped, never raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tlsdoctor.wire.errors import WireError
from tlsdoctor.wire.handshake import HandshakeContext
from tlsdoctor.wire.records import HandshakeReassembler, RecordReader

MAX_DUMP = 256 * 1024
"""Bytes one dump may hold (a certificate chain is a few kilobytes)."""

_HEX_PAIRS = re.compile(r"^(?:[0-9A-Fa-f]{2}[ ]{1,3}){0,31}[0-9A-Fa-f]{2}$")
_OFFSET_DUMP = re.compile(
    r"^\s*[0-9A-Fa-f]{4,8}:\s+((?:[0-9A-Fa-f]{2}[ ]{1,3}){0,15}[0-9A-Fa-f]{2})"
)


def offset_hex(text: str) -> bytes | None:
    """Bytes of an offset dump line ("0000:  16 03 03 00 41   ....A"), ASCII column ignored."""
    m = _OFFSET_DUMP.match(text)
    if m is None:
        return None
    return bytes.fromhex(re.sub(r"\s+", "", m.group(1)))


def bare_hex(text: str) -> bytes | None:
    """Bytes of a line of space-separated hex pairs only."""
    t = text.strip()
    if not _HEX_PAIRS.match(t):
        return None
    return bytes.fromhex(t.replace(" ", ""))


@dataclass(frozen=True)
class Parsed:
    """One thing decoded from dumped bytes."""

    kind: str
    """"handshake", "alert", "ccs" or "encrypted"."""
    name: str
    message: Any = None
    size: int | None = None


@dataclass
class WireDecoder:
    """Decodes dumped bytes of one connection, both directions."""

    context: HandshakeContext = field(default_factory=HandshakeContext)
    _records: dict[str, RecordReader] = field(default_factory=dict)
    _hs: dict[str, HandshakeReassembler] = field(default_factory=dict)
    _encrypted: set[str] = field(default_factory=set)
    errors: int = 0

    def handshake(self, data: bytes, side: str) -> Parsed | None:
        """One whole handshake message (header and body), as ``-msg`` prints it."""
        try:
            msg, _ = self.context.parse(data, side=side)
        except (WireError, ValueError, IndexError):
            self.errors += 1
            return None
        return Parsed("handshake", _name(msg), msg, len(data))

    def records(self, data: bytes, direction: str) -> Iterator[Parsed]:
        """Whole TLS records (as mbedTLS dumps them), in one direction."""
        reader = self._records.setdefault(direction, RecordReader(side=direction))
        try:
            recs = reader.feed(data)
        except WireError:
            self.errors += 1
            self._records[direction] = RecordReader(side=direction)
            return
        for r in recs:
            yield from self._record(r.content_type, r.fragment, direction)

    def _record(self, ctype: int, fragment: bytes, direction: str) -> Iterator[Parsed]:
        if ctype == 20:
            self._encrypted.add(direction)
            yield Parsed("ccs", "ChangeCipherSpec", None, len(fragment))
            return
        if direction in self._encrypted or ctype == 23:
            yield Parsed("encrypted", "encrypted", None, len(fragment))
            return
        if ctype == 21:
            if len(fragment) == 2:
                from tlsdoctor.wire.messages import Alert

                yield Parsed("alert", "Alert", Alert(fragment[0], fragment[1]), 2)
            return
        if ctype != 22:
            return
        hs = self._hs.setdefault(
            direction, HandshakeReassembler(side=direction, max_message=MAX_DUMP)
        )
        try:
            frames = hs.feed(fragment)
        except WireError:
            self.errors += 1
            self._hs[direction] = HandshakeReassembler(side=direction, max_message=MAX_DUMP)
            return
        for f in frames:
            parsed = self.handshake(f.raw, direction)
            if parsed is not None:
                yield parsed
            # TLS 1.3: everything after the ServerHello travels encrypted.
            if self.context.version == 0x0304 and f.msg_type == 2:
                self._encrypted.update(("sent", "received"))


def _name(msg: object) -> str:
    name = getattr(msg, "name", None) or type(msg).__name__
    if name == "ServerHello" and getattr(msg, "is_hello_retry_request", False):
        return "HelloRetryRequest"
    return str(name)


class DumpCollector:
    """Gathers the lines of one hex dump, bounded, until the caller ends it."""

    __slots__ = ("buf", "label", "line", "overflow")

    def __init__(self, label: str, line: int) -> None:
        self.label = label
        self.line = line
        self.buf = bytearray()
        self.overflow = False

    def add(self, data: bytes) -> None:
        if len(self.buf) + len(data) > MAX_DUMP:
            self.overflow = True
            return
        self.buf += data
