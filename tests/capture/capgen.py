"""Hand-built captures for the capture tests: pcap/pcapng writers, link layers, TCP flows.

The TLS bytes inside come from real handshakes between two Python ``ssl``
objects over memory BIOs (OpenSSL on both sides, no sockets), so the tests can
put a real handshake on link types and in packet orders that loopback never
produces.
"""

from __future__ import annotations

import contextlib
import ipaddress
import ssl
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# ------------------------------------------------------------------ file formats


def pcap(
    frames: Iterable[tuple[float, bytes]],
    linktype: int = 1,
    endian: str = "<",
    nano: bool = False,
    modified: bool = False,
    snaplen: int = 262144,
    cut: int | None = None,
) -> bytes:
    """A pcap file; ``cut`` stores only the first ``cut`` bytes of each frame."""
    magic = 0xA1B23C4D if nano else (0xA1B2CD34 if modified else 0xA1B2C3D4)
    out = [struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)]
    for ts, data in frames:
        sec = int(ts)
        frac = round((ts - sec) * (1e9 if nano else 1e6))
        stored = data if cut is None else data[:cut]
        out.append(struct.pack(endian + "IIII", sec, frac, len(stored), len(data)))
        if modified:
            out.append(b"\0" * 8)
        out.append(stored)
    return b"".join(out)


def _block(endian: str, btype: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack(endian + "II", btype, n) + body + struct.pack(endian + "I", n)


def _option(endian: str, code: int, value: bytes) -> bytes:
    return struct.pack(endian + "HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def shb(endian: str = "<") -> bytes:
    return _block(endian, 0x0A0D0D0A, struct.pack(endian + "IHHq", 0x1A2B3C4D, 1, 0, -1))


def idb(linktype: int, endian: str = "<", tsresol: int | None = None, snaplen: int = 0) -> bytes:
    opts = b""
    if tsresol is not None:
        opts = _option(endian, 9, bytes((tsresol,))) + _option(endian, 0, b"")
    return _block(endian, 1, struct.pack(endian + "HHI", linktype, 0, snaplen) + opts)


def epb(iface: int, ts: float, data: bytes, endian: str = "<", units: float = 1e6) -> bytes:
    t = round(ts * units)
    body = struct.pack(endian + "IIIII", iface, t >> 32, t & 0xFFFFFFFF, len(data), len(data))
    return _block(endian, 6, body + data)


def spb(data: bytes, endian: str = "<") -> bytes:
    return _block(endian, 3, struct.pack(endian + "I", len(data)) + data)


def old_pb(iface: int, ts: float, data: bytes, endian: str = "<") -> bytes:
    t = round(ts * 1e6)
    body = struct.pack(endian + "HHIIII", iface, 0, t >> 32, t & 0xFFFFFFFF, len(data), len(data))
    return _block(endian, 2, body + data)


def dsb_keylog(text: str, endian: str = "<") -> bytes:
    data = text.encode()
    return _block(endian, 0x0A, struct.pack(endian + "II", 0x544C534B, len(data)) + data)


def unknown_block(endian: str = "<") -> bytes:
    return _block(endian, 0x0BAD, b"whatever this is")


# ------------------------------------------------------------------ link layers


def eth(payload: bytes, ethertype: int = 0x0800, vlans: Sequence[int] = ()) -> bytes:
    head = b"\x02\0\0\0\0\x01" + b"\x02\0\0\0\0\x02"
    tags = b""
    tpids = [0x88A8] * (len(vlans) - 1) + [0x8100] if vlans else []
    for tpid, vid in zip(tpids, vlans, strict=True):
        tags += struct.pack("!HH", tpid, vid)
    return head + tags + struct.pack("!H", ethertype) + payload


def sll(payload: bytes, proto: int = 0x0800) -> bytes:
    return struct.pack("!HHH8sH", 0, 772, 6, b"\0" * 8, proto) + payload


def sll2(payload: bytes, proto: int = 0x0800) -> bytes:
    return struct.pack("!HHIHBB8s", proto, 0, 1, 772, 0, 6, b"\0" * 8) + payload


def null(payload: bytes, af: int = 2, order: str = "<") -> bytes:
    return struct.pack(order + "I", af) + payload


def ipv4(
    src: str, dst: str, payload: bytes, proto: int = 6, options: bytes = b"", frag: int = 0
) -> bytes:
    ihl = 5 + len(options) // 4
    head = struct.pack(
        "!BBHHHBBH4s4s",
        0x40 | ihl,
        0,
        ihl * 4 + len(payload),
        1,
        frag,
        64,
        proto,
        0,
        ipaddress.IPv4Address(src).packed,
        ipaddress.IPv4Address(dst).packed,
    )
    return head + options + payload


def ipv6(src: str, dst: str, payload: bytes, ext: Sequence[tuple[int, bytes]] = ()) -> bytes:
    """``ext``: (header type, body) pairs; bodies are padded to 8-byte units."""
    chain = b""
    types = [t for t, _ in ext] + [6]
    for i, (_t, body) in enumerate(ext):
        if types[i] == 44:
            chain += bytes((types[i + 1], 0)) + body[:6].ljust(6, b"\0")
        else:
            body = body.ljust(((len(body) + 2 + 7) // 8) * 8 - 2, b"\0")
            chain += bytes((types[i + 1], (len(body) + 2) // 8 - 1)) + body
    head = struct.pack(
        "!IHBB16s16s",
        6 << 28,
        len(chain) + len(payload),
        types[0],
        64,
        ipaddress.IPv6Address(src).packed,
        ipaddress.IPv6Address(dst).packed,
    )
    return head + chain + payload


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def tcp(sport: int, dport: int, seq: int, ack: int, flags: int, payload: bytes = b"") -> bytes:
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


# ------------------------------------------------------------------ TCP flows


@dataclass
class Flow:
    """A TCP connection written as segments: ``(direction, tcp bytes)``."""

    client: tuple[str, int] = ("10.0.0.1", 40000)
    server: tuple[str, int] = ("10.0.0.2", 443)
    isn: tuple[int, int] = (1000, 5000)
    mss: int = 1400
    segments: list[tuple[int, int, bytes, int]] = field(default_factory=list)
    """(direction, seq, payload, flags)."""
    _next: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._next = [self.isn[0] + 1, self.isn[1] + 1]

    def handshake(self) -> Flow:
        self.segments.append((0, self.isn[0], b"", SYN))
        self.segments.append((1, self.isn[1], b"", SYN | ACK))
        self.segments.append((0, self._next[0], b"", ACK))
        return self

    def send(self, d: int, data: bytes) -> Flow:
        for i in range(0, len(data), self.mss):
            chunk = data[i : i + self.mss]
            self.segments.append((d, self._next[d], chunk, PSH | ACK))
            self._next[d] = (self._next[d] + len(chunk)) & 0xFFFFFFFF
        return self

    def fin(self, d: int) -> Flow:
        self.segments.append((d, self._next[d], b"", FIN | ACK))
        self._next[d] = (self._next[d] + 1) & 0xFFFFFFFF
        return self

    def rst(self, d: int) -> Flow:
        self.segments.append((d, self._next[d], b"", RST | ACK))
        return self

    def tcp_bytes(self, seg: tuple[int, int, bytes, int]) -> bytes:
        d, seq, payload, flags = seg
        a, b = (self.client, self.server) if d == 0 else (self.server, self.client)
        return tcp(a[1], b[1], seq, self._next[1 - d], flags, payload)

    def ip_packets(self, v6: bool = False) -> list[bytes]:
        out = []
        for seg in self.segments:
            a, b = (self.client, self.server) if seg[0] == 0 else (self.server, self.client)
            body = self.tcp_bytes(seg)
            out.append(ipv6(a[0], b[0], body) if v6 else ipv4(a[0], b[0], body))
        return out


def frames(packets: Iterable[bytes], start: float = 1_700_000_000.0) -> list[tuple[float, bytes]]:
    return [(start + i * 0.001, p) for i, p in enumerate(packets)]


# ------------------------------------------------------------------ real TLS bytes


def memory_handshake(
    client: ssl.SSLContext,
    server: ssl.SSLContext,
    server_hostname: str | None = "example.test",
    app_data: bytes = b"",
    close: bool = True,
    session: ssl.SSLSession | None = None,
    sessions: list[ssl.SSLSession] | None = None,
) -> list[tuple[int, bytes]]:
    """A real handshake over memory BIOs: ``(direction, bytes)`` flights, 0 = client.

    ``session`` resumes an earlier session; the session of this one is appended
    to ``sessions``.
    """
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    c = client.wrap_bio(
        c_in, c_out, server_side=False, server_hostname=server_hostname, session=session
    )
    s = server.wrap_bio(s_in, s_out, server_side=True)
    flights: list[tuple[int, bytes]] = []
    done = [False, False]

    def pump() -> None:
        for d, bio, peer in ((0, c_out, s_in), (1, s_out, c_in)):
            data = bio.read()
            if data:
                flights.append((d, data))
                peer.write(data)

    for _ in range(20):
        for i, obj in enumerate((c, s)):
            if done[i]:
                continue
            try:
                obj.do_handshake()
                done[i] = True
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError:
                done[i] = True
                pump()
                return flights
        pump()
        if all(done):
            break
    if app_data:
        c.write(app_data)
        pump()
        with contextlib.suppress(ssl.SSLError):
            s.read(len(app_data) + 1)
        s.write(app_data)
        pump()
        with contextlib.suppress(ssl.SSLError):
            c.read(len(app_data) + 1)
        pump()
    if sessions is not None and c.session is not None:
        sessions.append(c.session)
    if close:
        with contextlib.suppress(ssl.SSLError):
            c.unwrap()
        pump()
    return flights


def tls_flow(flights: Sequence[tuple[int, bytes]], **kw: object) -> Flow:
    """A TCP flow carrying the flights, with SYN and FINs."""
    flow = Flow(**kw).handshake()  # type: ignore[arg-type]
    for d, data in flights:
        flow.send(d, data)
    return flow.fin(0).fin(1)
