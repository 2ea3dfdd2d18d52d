"""Streaming reader of pcap and pcapng capture files.

pcap: the libpcap file format (draft-ietf-opsawg-pcap), both byte orders,
microsecond (magic 0xA1B2C3D4) and nanosecond (0xA1B23C4D) timestamps, and the
"modified" pcap of some Linux tools (0xA1B2CD34, 24-byte record headers).
pcapng: draft-ietf-opsawg-pcapng §4 (Section Header, Interface Description,
Enhanced, Simple and obsolete Packet Blocks; per-interface link type,
``if_tsresol`` and ``if_tsoffset``); every other block is skipped, except the
Decryption Secrets Block (§4.7) whose TLS key log is handed to the caller.

The file is read in chunks of :data:`CHUNK` bytes: memory stays bounded by the
largest single block, never the file size.  Packets come out as plain tuples
(frame number, timestamp, link type, buffer, start, end, original length) so
the hot path allocates nothing else; frame numbers count from 1 the way
Wireshark does.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterator
from typing import BinaryIO

from tlsdoctor.errors import InputError

CHUNK = 1 << 20
MAX_BLOCK = 16 << 20
"""A record or block larger than this is taken as corruption, not data."""

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6, 16),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6, 16),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9, 16),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9, 16),
    b"\x34\xcd\xb2\xa1": ("<", 1e-6, 24),
    b"\xa1\xb2\xcd\x34": (">", 1e-6, 24),
}
PCAPNG_SHB = 0x0A0D0D0A
SECRETS_TLS_KEYLOG = 0x544C534B
"""Decryption Secrets Block type "TLSK": an NSS key log."""

Packet = tuple[int, float, int, bytes, int, int, int]
"""(frame, timestamp, link type, buffer, start, end, original length)."""


class CaptureError(InputError):
    """The file is not a capture we can read, or it breaks off.

    Messages name the file and the byte offset, never packet contents.
    """


class _Layouts:
    """The pcapng structures in one byte order, compiled once."""

    __slots__ = ("epb", "idb", "opb", "option", "secrets", "tsoffset", "u32")

    def __init__(self, order: str) -> None:
        self.u32 = struct.Struct(order + "I")
        self.epb = struct.Struct(order + "IIIII")
        """Enhanced Packet Block: interface, timestamp high/low, captured and original length."""
        self.opb = struct.Struct(order + "HHIIII")
        """Obsolete Packet Block: interface, drops, timestamp high/low, lengths."""
        self.idb = struct.Struct(order + "HHI")
        """Interface Description Block: link type, reserved, snap length."""
        self.secrets = struct.Struct(order + "II")
        """Decryption Secrets Block: secrets type and length."""
        self.option = struct.Struct(order + "HH")
        self.tsoffset = struct.Struct(order + "q")


_LAYOUTS = {"<": _Layouts("<"), ">": _Layouts(">")}


class _Interface:
    __slots__ = ("linktype", "offset", "scale", "snaplen")

    def __init__(self, linktype: int, snaplen: int, scale: float, offset: float) -> None:
        self.linktype = linktype
        self.snaplen = snaplen
        self.scale = scale
        self.offset = offset


class CaptureReader:
    """Iterate over the packets of one capture file, streaming.

    ``problem`` is set (and iteration stops) when the file breaks off or turns
    corrupt after its header: what came before is still delivered.  A file
    that is empty, is no capture, or breaks off inside its first header raises
    :class:`CaptureError` from :meth:`packets`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        on_secrets: Callable[[bytes], None] | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self.name = os.path.basename(self.path)
        self.format = ""
        self.problem: str | None = None
        self.frames = 0
        self.linktypes: set[int] = set()
        self._on_secrets = on_secrets
        self._f: BinaryIO | None = None
        self._buf = b""
        self._pos = 0
        self._consumed = 0
        """File offset of ``_buf[0]``."""
        self._eof = False

    # ------------------------------------------------------------------ buffer

    def _fill(self, need: int) -> bool:
        """Make ``need`` bytes available at ``_pos``; False at end of file."""
        avail = len(self._buf) - self._pos
        if avail >= need:
            return True
        if self._eof:
            return False
        assert self._f is not None
        rest = self._buf[self._pos :]
        self._consumed += self._pos
        more = self._f.read(max(CHUNK, need - avail))
        if len(more) < max(CHUNK, need - avail):
            self._eof = True
        self._buf = rest + more
        self._pos = 0
        while len(self._buf) < need and not self._eof:
            more = self._f.read(need - len(self._buf))
            if not more:
                self._eof = True
            self._buf += more
        return len(self._buf) >= need

    def _offset(self) -> int:
        return self._consumed + self._pos

    def _fail(self, what: str) -> CaptureError:
        return CaptureError(f"{self.name}: {what}")

    # ---------------------------------------------------------------- packets

    def packets(self) -> Iterator[Packet]:
        try:
            f = open(self.path, "rb")  # noqa: SIM115 - closed in finally
        except OSError as exc:
            raise CaptureError(f"{self.name}: cannot open ({exc.strerror})") from None
        self._f = f
        try:
            if not self._fill(4):
                if len(self._buf) == 0:
                    raise self._fail("empty file, not a pcap or pcapng capture")
                raise self._fail(f"truncated at byte {len(self._buf)} (inside the file header)")
            head = self._buf[:4]
            if head in PCAP_MAGICS:
                self.format = "pcap"
                yield from self._pcap(head)
            elif struct.unpack_from("<I", head)[0] == PCAPNG_SHB:
                self.format = "pcapng"
                yield from self._pcapng()
            else:
                raise self._fail(
                    f"not a pcap or pcapng file (starts with {' '.join(f'{b:02x}' for b in head)})"
                )
        finally:
            f.close()
            self._f = None
            self._buf = b""

    def _stop(self, what: str) -> None:
        """The file goes bad after some packets: keep what came before."""
        if self.frames == 0:
            raise self._fail(what)
        self.problem = what

    # ------------------------------------------------------------------- pcap

    def _pcap(self, magic: bytes) -> Iterator[Packet]:
        order, scale, rec_len = PCAP_MAGICS[magic]
        if not self._fill(24):
            raise self._fail(
                f"truncated at byte {len(self._buf) - self._pos} (inside the 24-byte pcap header)"
            )
        major, _minor, _zone, _sig, _snaplen, network = struct.unpack_from(
            order + "HHiIII", self._buf, 4
        )
        if major != 2:
            raise self._fail(f"pcap version {major} is not 2")
        linktype = network & 0x0FFFFFFF
        self.linktypes.add(linktype)
        self._pos += 24
        unpack_rec = struct.Struct(order + "IIII").unpack_from
        frame = 0
        ns = scale == 1e-9
        buf = self._buf
        pos = self._pos
        size = len(buf)
        while True:
            if size - pos < rec_len:
                self._pos = pos
                if not self._fill(rec_len):
                    left = len(self._buf) - self._pos
                    if left:
                        self.frames = frame
                        self._stop(
                            f"truncated at byte {self._offset() + left} "
                            f"(a {rec_len}-byte record header breaks off after {left} bytes)"
                        )
                    break
                buf = self._buf
                pos = self._pos
                size = len(buf)
            sec, frac, caplen, origlen = unpack_rec(buf, pos)
            if caplen > MAX_BLOCK or (ns and frac >= 1_000_000_000):
                self._pos = pos
                self.frames = frame
                self._stop(f"corrupt record header at byte {self._offset()} (length {caplen})")
                break
            start = pos + rec_len
            stop = start + caplen
            if stop > size:
                self._pos = pos
                if not self._fill(rec_len + caplen):
                    self.frames = frame
                    self._stop(
                        f"truncated at byte {self._consumed + len(self._buf)} "
                        f"(frame {frame + 1} breaks off: {caplen} bytes announced, "
                        f"{len(self._buf) - self._pos - rec_len} present)"
                    )
                    break
                buf = self._buf
                pos = self._pos
                size = len(buf)
                start = pos + rec_len
                stop = start + caplen
            frame += 1
            pos = stop
            yield (frame, sec + frac * scale, linktype, buf, start, stop, origlen)
        self._pos = pos
        self.frames = frame

    # ----------------------------------------------------------------- pcapng

    def _pcapng(self) -> Iterator[Packet]:
        lay = _LAYOUTS["<"]
        u32, epb = lay.u32, lay.epb.unpack_from
        ifaces: list[_Interface] = []
        frame = 0
        while True:
            if not self._fill(12):
                left = len(self._buf) - self._pos
                if left:
                    self.frames = frame
                    self._stop(
                        f"truncated at byte {self._offset() + left} "
                        f"(a block header breaks off after {left} bytes)"
                    )
                break
            at = self._offset()
            btype = u32.unpack_from(self._buf, self._pos)[0]
            if btype == PCAPNG_SHB:
                bom = self._buf[self._pos + 8 : self._pos + 12]
                if bom == b"\x4d\x3c\x2b\x1a":
                    lay = _LAYOUTS["<"]
                elif bom == b"\x1a\x2b\x3c\x4d":
                    lay = _LAYOUTS[">"]
                else:
                    self.frames = frame
                    if frame == 0 and at == 0:
                        raise self._fail("not a pcapng file (bad byte-order magic)")
                    self._stop(f"corrupt section header at byte {at}")
                    break
                u32, epb = lay.u32, lay.epb.unpack_from
                ifaces = []
            blen = u32.unpack_from(self._buf, self._pos + 4)[0]
            if blen < 12 or blen % 4 or blen > MAX_BLOCK:
                self.frames = frame
                self._stop(f"corrupt block at byte {at} (length {blen})")
                break
            if not self._fill(blen):
                self.frames = frame
                self._stop(
                    f"truncated at byte {self._consumed + len(self._buf)} "
                    f"(a {blen}-byte block at byte {at} breaks off)"
                )
                break
            p = self._pos
            buf = self._buf
            body = p + 8
            end = p + blen - 4
            if u32.unpack_from(buf, end)[0] != blen:
                self.frames = frame
                self._stop(f"corrupt block at byte {at} (trailing length differs)")
                break
            self._pos = p + blen
            if btype == 6 or btype == 2:  # Enhanced Packet Block, obsolete Packet Block
                if end - body < 20:
                    continue
                if btype == 6:
                    iid, hi, lo, caplen, origlen = epb(buf, body)
                else:
                    iid, _drops, hi, lo, caplen, origlen = lay.opb.unpack_from(buf, body)
                if iid >= len(ifaces) or body + 20 + caplen > end:
                    self.frames = frame
                    self._stop(f"corrupt packet block at byte {at}")
                    break
                itf = ifaces[iid]
                frame += 1
                self.frames = frame
                yield (
                    frame,
                    ((hi << 32) | lo) * itf.scale + itf.offset,
                    itf.linktype,
                    buf,
                    body + 20,
                    body + 20 + caplen,
                    origlen,
                )
            elif btype == 3:  # Simple Packet Block: interface 0, no timestamp
                if not ifaces or end - body < 4:
                    self.frames = frame
                    self._stop(f"corrupt simple packet block at byte {at}")
                    break
                origlen = u32.unpack_from(buf, body)[0]
                caplen = min(origlen, end - body - 4)
                if ifaces[0].snaplen:
                    caplen = min(caplen, ifaces[0].snaplen)
                frame += 1
                self.frames = frame
                yield (frame, 0.0, ifaces[0].linktype, buf, body + 4, body + 4 + caplen, origlen)
            elif btype == 1:  # Interface Description Block
                if end - body < 8:
                    self._stop(f"corrupt interface block at byte {at}")
                    break
                lt, _res, snaplen = lay.idb.unpack_from(buf, body)
                scale, offset = self._if_options(buf, body + 8, end, lay)
                ifaces.append(_Interface(lt, snaplen, scale, offset))
                self.linktypes.add(lt)
            elif btype == 0x0A and self._on_secrets is not None and end - body >= 8:
                stype, slen = lay.secrets.unpack_from(buf, body)
                if stype == SECRETS_TLS_KEYLOG and body + 8 + slen <= end:
                    self._on_secrets(bytes(buf[body + 8 : body + 8 + slen]))
        self.frames = frame

    @staticmethod
    def _if_options(buf: bytes, p: int, end: int, lay: _Layouts) -> tuple[float, float]:
        """``if_tsresol`` (code 9) and ``if_tsoffset`` (code 14) of an IDB."""
        scale = 1e-6
        offset = 0.0
        hdr = lay.option
        while p + 4 <= end:
            code, olen = hdr.unpack_from(buf, p)
            p += 4
            if code == 0 or p + olen > end:
                break
            if code == 9 and olen >= 1:
                v = buf[p]
                scale = 2.0 ** -(v & 0x7F) if v & 0x80 else 10.0 ** -min(v, 30)
            elif code == 14 and olen >= 8:
                offset = float(lay.tsoffset.unpack_from(buf, p)[0])
            p += (olen + 3) & ~3
        return scale, offset
