"""The TLS record layer: TLSPlaintext framing, a streaming reader, handshake reassembly.

RFC 8446 §5.1 / RFC 5246 §6.2.1: a record is a 1-byte ContentType, a 2-byte
legacy version, a 2-byte length and that many bytes of fragment.  Plaintext
fragments are at most 2^14 bytes; protected ones at most 2^14 + 256 (TLS 1.3,
§5.2) or 2^14 + 2048 (TLS 1.2, §6.2.3).  Handshake messages may span records
and records may carry several messages (§5.1), which :class:`HandshakeReassembler`
undoes.  Alerts are RFC 8446 §6 / RFC 5246 §7.2; ChangeCipherSpec RFC 5246 §7.1.

:class:`RecordReader` is written for long streams (captures of hundreds of
megabytes): one ``bytearray`` buffer, ``struct.unpack_from`` on the header and
slices for fragments, no per-byte Python loops.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import NamedTuple

from ._codec import printable_hint
from .constants import AlertDescription as AD
from .constants import ContentType, content_type_name
from .errors import RecordOverflowError, WireError, side_name
from .messages import Alert, ChangeCipherSpec

HEADER = struct.Struct(">BHH")
HEADER_LENGTH = 5
MAX_PLAINTEXT = 2**14
MAX_CIPHERTEXT = 2**14 + 2048
"""The largest fragment any TLS version allows (RFC 5246 §6.2.3)."""

_KNOWN_TYPES = frozenset(int(t) for t in ContentType)


class Record(NamedTuple):
    """One TLSPlaintext (or TLSCiphertext) record (a tuple: cheap to make by
    the million when reading a long capture)."""

    content_type: int
    version: int
    fragment: bytes
    offset: int = 0
    """Stream offset of the record header, when read from a stream."""

    @property
    def length(self) -> int:
        return len(self.fragment)

    def to_bytes(self) -> bytes:
        return HEADER.pack(self.content_type, self.version, len(self.fragment)) + self.fragment

    def describe(self) -> str:
        return f"{content_type_name(self.content_type)} record, {len(self.fragment)} bytes"


def build_record(content_type: int, fragment: bytes, version: int = 0x0303) -> bytes:
    """One record around ``fragment`` (which must fit a record)."""
    if len(fragment) > MAX_CIPHERTEXT:
        raise ValueError("fragment longer than a record may carry")
    return HEADER.pack(content_type, version, len(fragment)) + fragment


def build_records(
    content_type: int, data: bytes, version: int = 0x0303, max_fragment: int = MAX_PLAINTEXT
) -> bytes:
    """``data`` split into records of at most ``max_fragment`` bytes (RFC 8446 §5.1).

    Empty ``data`` gives one empty record only for application data (§5.1
    forbids zero-length handshake and alert fragments).
    """
    if not data:
        return build_record(content_type, b"", version) if content_type == 23 else b""
    out = bytearray()
    for i in range(0, len(data), max_fragment):
        chunk = data[i : i + max_fragment]
        out += HEADER.pack(content_type, version, len(chunk))
        out += chunk
    return bytes(out)


def check_header(
    content_type: int,
    version: int,
    length: int,
    *,
    offset: int,
    side: str | None,
    max_length: int,
    head: bytes = b"",
) -> None:
    """Raise :class:`WireError` when a record header cannot be TLS."""
    if content_type not in _KNOWN_TYPES:
        if content_type & 0x80 and not offset:
            expected = "a TLS record (this looks like an SSL 2.0-format hello)"
        else:
            expected = "a TLS record header (content type 20-26)"
        raise WireError(
            expected,
            offset=offset,
            side=side,
            context="record header",
            found=printable_hint(head) if head else f"content type {content_type}",
            alert=AD.unexpected_message,
        )
    if version >> 8 != 0x03:
        raise WireError(
            "record version 0x03xx",
            offset=offset + 1,
            side=side,
            context="record header",
            found=f"0x{version:04x}",
        )
    if length > max_length:
        raise RecordOverflowError(
            f"record of at most {max_length} bytes",
            offset=offset + 3,
            side=side,
            context="record header",
            found=f"length {length}",
        )


class RecordReader:
    """Feed stream bytes, get whole records; partial records wait for more.

    ``side`` names who sent the stream (for error texts); ``max_length`` caps the
    fragment length (``MAX_CIPHERTEXT`` by default).  After an error the reader
    is stuck: a TLS stream cannot be resynchronised.
    """

    __slots__ = ("_buf", "_error", "_pos", "_stream_offset", "max_length", "side")

    def __init__(self, side: object = None, max_length: int = MAX_CIPHERTEXT) -> None:
        self.side = side_name(side)
        self.max_length = max_length
        self._buf = bytearray()
        self._pos = 0
        self._stream_offset = 0
        self._error: WireError | None = None

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a complete record."""
        return len(self._buf) - self._pos

    @property
    def offset(self) -> int:
        """Stream offset of the next record header."""
        return self._stream_offset

    @property
    def error(self) -> WireError | None:
        """The error that stopped this reader, if any."""
        return self._error

    def feed(self, data: bytes) -> list[Record]:
        """Add ``data``; return every record it completes.

        Bytes that cannot be a record raise :class:`WireError`.  When whole
        records came before them in the same call, those are returned first and
        the error is raised on the next call (it is in :attr:`error` already).
        """
        if self._error is not None:
            raise self._error
        if data:
            if self._pos and self._pos >= len(self._buf) // 2:
                del self._buf[: self._pos]
                self._pos = 0
            self._buf += data
        records, error = self._drain()
        if error is not None and not records:
            raise error
        return records

    def _drain(self) -> tuple[list[Record], WireError | None]:
        buf, pos, end = self._buf, self._pos, len(self._buf)
        unpack, side, limit = HEADER.unpack_from, self.side, self.max_length
        out: list[Record] = []
        offset = self._stream_offset
        view = memoryview(buf)
        try:
            while end - pos >= HEADER_LENGTH:
                ctype, version, length = unpack(buf, pos)
                if ctype not in _KNOWN_TYPES or version >> 8 != 3 or length > limit:
                    check_header(
                        ctype,
                        version,
                        length,
                        offset=offset,
                        side=side,
                        max_length=limit,
                        head=bytes(buf[pos : pos + 16]),
                    )
                if end - pos - HEADER_LENGTH < length:
                    break
                start = pos + HEADER_LENGTH
                pos = start + length
                out.append(Record(ctype, version, bytes(view[start:pos]), offset))
                offset += HEADER_LENGTH + length
        except WireError as exc:
            self._error = exc
        finally:
            view.release()
        self._pos = pos
        self._stream_offset = offset
        return out, self._error

    def close(self) -> None:
        """End of stream: raise if a record was cut off."""
        if self._error is None and self.buffered:
            raise WireError(
                "the rest of a record (stream ended inside it)",
                offset=self._stream_offset,
                side=self.side,
                context="record",
                found=f"{self.buffered} bytes",
            )


def parse_records(data: bytes, side: object = None) -> tuple[list[Record], bytes]:
    """All whole records in ``data`` and the bytes after them."""
    reader = RecordReader(side)
    records = reader.feed(data)
    return records, bytes(data[len(data) - reader.buffered :]) if reader.buffered else b""


# ------------------------------------------------------------ handshake layer


@dataclass(frozen=True, slots=True)
class HandshakeFrame:
    """One reassembled handshake message: type, body and its full bytes."""

    msg_type: int
    body: bytes
    raw: bytes
    """Header and body, as hashed into the transcript (RFC 8446 §4.4.1)."""


class HandshakeReassembler:
    """Handshake messages from the fragments of consecutive handshake records.

    ``max_message`` bounds the memory one message may take (the 3-byte length
    allows 16 MiB; real ones are a few kilobytes, certificate chains rarely
    over 100 KiB).
    """

    __slots__ = ("_buf", "max_message", "side")

    def __init__(self, side: object = None, max_message: int = 1 << 24) -> None:
        self.side = side_name(side)
        self.max_message = max_message
        self._buf = bytearray()

    @property
    def pending(self) -> int:
        """Bytes of an incomplete message waiting for the next record."""
        return len(self._buf)

    def feed(self, fragment: bytes) -> list[HandshakeFrame]:
        self._buf += fragment
        out = []
        buf = self._buf
        pos = 0
        while len(buf) - pos >= 4:
            length = int.from_bytes(buf[pos + 1 : pos + 4], "big")
            if length > self.max_message:
                raise WireError(
                    f"a handshake message of at most {self.max_message} bytes",
                    offset=pos + 1,
                    side=self.side,
                    context="handshake header",
                    found=f"length {length}",
                )
            if len(buf) - pos - 4 < length:
                break
            raw = bytes(buf[pos : pos + 4 + length])
            out.append(HandshakeFrame(raw[0], raw[4:], raw))
            pos += 4 + length
        if pos:
            del buf[:pos]
        return out


# ------------------------------------------------------------ alerts and CCS


def parse_alerts(fragment: bytes, side: object = None, offset: int = 0) -> list[Alert]:
    """The alerts in an alert record's fragment (two bytes each, RFC 5246 §7.2)."""
    if not fragment or len(fragment) % 2:
        raise WireError(
            "alert fragment of 2 bytes per alert",
            offset=offset,
            side=side,
            context="alert record",
            found=f"{len(fragment)} bytes",
        )
    return [Alert(fragment[i], fragment[i + 1]) for i in range(0, len(fragment), 2)]


def parse_change_cipher_spec(
    fragment: bytes, side: object = None, offset: int = 0
) -> ChangeCipherSpec:
    """RFC 5246 §7.1: a single byte of value 1."""
    if fragment != b"\x01":
        raise WireError(
            "ChangeCipherSpec of one byte 0x01",
            offset=offset,
            side=side,
            context="change_cipher_spec record",
            found=printable_hint(fragment),
            alert=AD.unexpected_message,
        )
    return ChangeCipherSpec()
