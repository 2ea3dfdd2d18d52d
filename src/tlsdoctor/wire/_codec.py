"""Reading and writing the TLS presentation language (RFC 8446 §3, RFC 5246 §4).

Integers are big-endian; a vector ``opaque x<a..b>`` carries a 1-, 2- or 3-byte
length prefix.  :class:`Reader` walks a buffer with ``struct`` and bounds checks
and turns every shortfall into a :class:`~tlsdoctor.wire.errors.WireError` that
names the field, the byte offset and the side that sent the bytes.  The writers
are small functions returning ``bytes``.
"""

from __future__ import annotations

import struct

from .errors import WireError

_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")


class Reader:
    """A bounds-checked cursor over ``data[start:end]``.

    ``base`` is added to offsets in errors, so a nested reader reports offsets
    from the start of the enclosing message.  ``context`` names the structure
    being read ("ServerHello", "ClientHello.extensions[2] key_share").
    """

    __slots__ = ("base", "context", "data", "end", "pos", "side")

    def __init__(
        self,
        data: bytes,
        *,
        side: str | None = None,
        context: str = "",
        base: int = 0,
        start: int = 0,
        end: int | None = None,
    ) -> None:
        self.data = data
        self.pos = start
        self.end = len(data) if end is None else end
        self.side = side
        self.context = context
        self.base = base - start

    # -- errors ------------------------------------------------------------
    def error(self, expected: str, *, found: str | None = None, at: int | None = None) -> WireError:
        offset = (self.pos if at is None else at) + self.base
        return WireError(expected, offset=offset, side=self.side, context=self.context, found=found)

    def _need(self, n: int, what: str) -> None:
        have = self.end - self.pos
        if have < n:
            plural = "s" if have != 1 else ""
            raise self.error(f"{what} ({n} bytes)", found=f"{have} byte{plural} left")

    # -- state -------------------------------------------------------------
    @property
    def remaining(self) -> int:
        return self.end - self.pos

    @property
    def offset(self) -> int:
        """Current position, in the units errors use."""
        return self.pos + self.base

    def at_end(self) -> bool:
        return self.pos >= self.end

    def expect_end(self, what: str) -> None:
        if self.pos != self.end:
            n = self.end - self.pos
            raise self.error(f"end of {what}", found=f"{n} trailing byte{'s' if n != 1 else ''}")

    # -- integers ----------------------------------------------------------
    def u8(self, what: str) -> int:
        if self.pos >= self.end:
            raise self.error(f"{what} (1 byte)", found="end of data")
        v = self.data[self.pos]
        self.pos += 1
        return v

    def u16(self, what: str) -> int:
        self._need(2, what)
        v: int = _U16.unpack_from(self.data, self.pos)[0]
        self.pos += 2
        return v

    def u24(self, what: str) -> int:
        self._need(3, what)
        d, p = self.data, self.pos
        self.pos = p + 3
        return (d[p] << 16) | (d[p + 1] << 8) | d[p + 2]

    def u32(self, what: str) -> int:
        self._need(4, what)
        v: int = _U32.unpack_from(self.data, self.pos)[0]
        self.pos += 4
        return v

    # -- byte strings ------------------------------------------------------
    def raw(self, n: int, what: str) -> bytes:
        self._need(n, what)
        p = self.pos
        self.pos = p + n
        return bytes(self.data[p : p + n])

    def rest(self) -> bytes:
        p = self.pos
        self.pos = self.end
        return bytes(self.data[p : self.end])

    def _vec(self, width: int, what: str, lo: int, hi: int | None) -> tuple[int, int]:
        start = self.pos
        if width == 1:
            n = self.u8(f"length of {what}")
        elif width == 2:
            n = self.u16(f"length of {what}")
        else:
            n = self.u24(f"length of {what}")
        if n < lo or (hi is not None and n > hi):
            bounds = f"{lo}..{hi}" if hi is not None else f"at least {lo}"
            raise self.error(f"{what} of {bounds} bytes", found=f"length {n}", at=start)
        if self.end - self.pos < n:
            have = self.end - self.pos
            raise self.error(f"{what} of {n} bytes (as its length says)", found=f"{have} left")
        p = self.pos
        self.pos = p + n
        return p, p + n

    def vec8(self, what: str, lo: int = 0, hi: int | None = None) -> bytes:
        a, b = self._vec(1, what, lo, hi)
        return bytes(self.data[a:b])

    def vec16(self, what: str, lo: int = 0, hi: int | None = None) -> bytes:
        a, b = self._vec(2, what, lo, hi)
        return bytes(self.data[a:b])

    def vec24(self, what: str, lo: int = 0, hi: int | None = None) -> bytes:
        a, b = self._vec(3, what, lo, hi)
        return bytes(self.data[a:b])

    def sub(self, width: int, what: str, lo: int = 0, hi: int | None = None) -> Reader:
        """A reader over the next length-prefixed vector (``width``-byte length)."""
        a, b = self._vec(width, what, lo, hi)
        r = Reader.__new__(Reader)
        r.data = self.data
        r.pos = a
        r.end = b
        r.side = self.side
        r.context = self.context
        r.base = self.base
        return r

    # -- lists -------------------------------------------------------------
    def u16_list(self, width: int, what: str, lo: int = 0) -> tuple[int, ...]:
        """A vector of uint16 values (cipher suites, groups, schemes)."""
        start = self.pos
        a, b = self._vec(width, what, lo, None)
        n = b - a
        if n % 2:
            raise self.error(f"{what} of an even number of bytes", found=f"{n}", at=start)
        return struct.unpack_from(f">{n // 2}H", self.data, a)

    def u8_list(self, width: int, what: str, lo: int = 0) -> tuple[int, ...]:
        a, b = self._vec(width, what, lo, None)
        return tuple(self.data[a:b])


# ---------------------------------------------------------------------- writers


def u8(v: int) -> bytes:
    return bytes((v & 0xFF,))


def u16(v: int) -> bytes:
    return _U16.pack(v & 0xFFFF)


def u32(v: int) -> bytes:
    return _U32.pack(v & 0xFFFFFFFF)


def vec8(data: bytes) -> bytes:
    if len(data) > 0xFF:
        raise ValueError("vector too long for a 1-byte length")
    return bytes((len(data),)) + data


def vec16(data: bytes) -> bytes:
    if len(data) > 0xFFFF:
        raise ValueError("vector too long for a 2-byte length")
    return _U16.pack(len(data)) + data


def vec24(data: bytes) -> bytes:
    if len(data) > 0xFFFFFF:
        raise ValueError("vector too long for a 3-byte length")
    return len(data).to_bytes(3, "big") + data


def u16_list(values: tuple[int, ...] | list[int], width: int = 2) -> bytes:
    body = struct.pack(f">{len(values)}H", *values)
    return vec8(body) if width == 1 else vec16(body)


def printable_hint(data: bytes, limit: int = 16) -> str:
    """A short, safe description of unexpected bytes ("'HTTP/1.1 400 Bad'…" or hex)."""
    head = bytes(data[:limit])
    more = "…" if len(data) > limit else ""
    text = head.split(b"\r", 1)[0].split(b"\n", 1)[0]
    if len(text) >= 4 and all(32 <= c < 127 for c in text):
        return repr(text.decode("ascii")) + (more if text == head else "")
    return head.hex(" ") + more
