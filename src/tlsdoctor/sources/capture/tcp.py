"""TCP reassembly: captured segments back into the two byte streams of a connection.

RFC 9293 §3.4 (sequence numbers, with wrap-around), §3.5 (SYN starts a
connection, FIN and RST end it).  A new connection starts at every SYN whose
initial sequence number differs from the one before on the same ports (ports
are reused, on loopback above all); a retransmitted SYN does not.  After one
side's RST, the other side's data already on the wire is still read (a
close_notify or an alert sent just before it received the RST) for
:data:`RST_LINGER` seconds of capture time, until it sends a RST or FIN
itself, or a new SYN takes the ports.

Each direction is a :class:`Reassembler`: in-order data goes straight to the
sink without copying, retransmitted bytes are dropped (the first copy wins),
out-of-order segments wait, copied, in a bounded buffer.  When a hole will not
fill (the buffer reaches :data:`MAX_PENDING_BYTES` or
:data:`MAX_PENDING_SEGMENTS`, all connections together reach
:data:`GLOBAL_PENDING_BYTES`, or the connection ends) the hole is reported to
the sink as a gap of known length and reading goes on after it.  Bytes a
capture cut off (snap length) are gaps too.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable
from typing import Protocol

from tlsdoctor.sources.capture.link import ACK, FIN, RST, SYN

M32 = 0xFFFFFFFF
H32 = 0x80000000
MAX_PENDING_BYTES = 1 << 20
MAX_PENDING_SEGMENTS = 1024
GLOBAL_PENDING_BYTES = 48 << 20
RST_LINGER = 1.0
"""Seconds of capture time the peer of a RST side is still read."""
MAX_LINGERING = 4096
"""Reset connections waiting for their peer's last bytes, at most."""

Payload = bytes | memoryview


class Sink(Protocol):
    """What a connection's byte streams are delivered to (direction 0 or 1)."""

    wants_data: bool

    def data(self, d: int, payload: Payload, frame: int, ts: float) -> None: ...

    def gap(self, d: int, length: int, frame: int, ts: float) -> None: ...

    def end(self, d: int, how: str, frame: int, ts: float) -> None:
        """Direction ``d`` sent a FIN or a RST (``how``)."""


class Budget:
    """Out-of-order bytes held by all reassemblers together."""

    __slots__ = ("limit", "used")

    def __init__(self, limit: int = GLOBAL_PENDING_BYTES) -> None:
        self.limit = limit
        self.used = 0


class Reassembler:
    """One direction of one connection."""

    __slots__ = (
        "base",
        "budget",
        "d",
        "gaps",
        "heap",
        "max_bytes",
        "max_segments",
        "next",
        "pending",
        "pending_bytes",
        "retransmitted",
        "sink",
    )

    def __init__(
        self,
        sink: Sink,
        d: int,
        budget: Budget | None = None,
        max_bytes: int = MAX_PENDING_BYTES,
        max_segments: int = MAX_PENDING_SEGMENTS,
    ) -> None:
        self.sink = sink
        self.d = d
        self.budget = budget if budget is not None else Budget()
        self.max_bytes = max_bytes
        self.max_segments = max_segments
        self.base: int | None = None
        """Absolute sequence number of stream offset 0."""
        self.next = 0
        """Stream offset of the next byte to deliver."""
        self.heap: list[int] = []
        self.pending: dict[int, tuple[bytes, int, float, int]] = {}
        self.pending_bytes = 0
        self.retransmitted = 0
        self.gaps = 0

    def segment(
        self,
        seq: int,
        payload: Payload,
        frame: int,
        ts: float,
        syn: bool = False,
        missing: int = 0,
    ) -> None:
        """One segment: ``payload`` starts at ``seq`` (after the SYN's own number)."""
        if syn:
            seq = (seq + 1) & M32
            if self.base is None:
                self.base = seq
        if self.base is None:
            self.base = seq
        n = len(payload)
        if not n and not missing:
            return
        nx = self.next
        off = nx + ((((seq - self.base) & M32) - (nx & M32) + H32) & M32) - H32
        end = off + n
        if end + missing <= nx:
            self.retransmitted += 1
            return
        if off <= nx:
            if end > nx:
                self.sink.data(self.d, payload[nx - off :] if off < nx else payload, frame, ts)
                self.next = end
            if missing:
                self.gaps += 1
                self.sink.gap(self.d, end + missing - self.next, frame, ts)
                self.next = end + missing
            if self.heap:
                self._drain()
            return
        self._store(off, bytes(payload), frame, ts, missing)

    def _store(self, off: int, data: bytes, frame: int, ts: float, missing: int) -> None:
        old = self.pending.get(off)
        if old is not None:
            if len(old[0]) + old[3] >= len(data) + missing:
                self.retransmitted += 1
                return
            self.pending_bytes -= len(old[0])
            self.budget.used -= len(old[0])
        else:
            heapq.heappush(self.heap, off)
        self.pending[off] = (data, frame, ts, missing)
        self.pending_bytes += len(data)
        self.budget.used += len(data)
        while self.pending and (
            self.pending_bytes > self.max_bytes
            or len(self.pending) > self.max_segments
            or self.budget.used > self.budget.limit
        ):
            self.skip_hole()

    def skip_hole(self) -> None:
        """Give up on the first hole: report it as a gap, deliver what follows."""
        while self.heap and self.heap[0] not in self.pending:
            heapq.heappop(self.heap)
        if not self.heap:
            return
        first = self.heap[0]
        if first > self.next:
            _data, frame, ts, _missing = self.pending[first]
            self.gaps += 1
            self.sink.gap(self.d, first - self.next, frame, ts)
            self.next = first
        self._drain()

    def _drain(self) -> None:
        heap = self.heap
        pending = self.pending
        while heap and heap[0] <= self.next:
            off = heapq.heappop(heap)
            entry = pending.pop(off, None)
            if entry is None:
                continue
            data, frame, ts, missing = entry
            self.pending_bytes -= len(data)
            self.budget.used -= len(data)
            end = off + len(data)
            if end > self.next:
                self.sink.data(self.d, data[self.next - off :], frame, ts)
                self.next = end
            if missing and end + missing > self.next:
                self.gaps += 1
                self.sink.gap(self.d, end + missing - self.next, frame, ts)
                self.next = end + missing

    def flush(self) -> None:
        """End of the stream: every hole left becomes a gap."""
        while self.pending:
            self.skip_hole()
        self.heap.clear()

    def drop(self) -> None:
        """Forget buffered data without delivering it."""
        self.budget.used -= self.pending_bytes
        self.pending_bytes = 0
        self.pending.clear()
        self.heap.clear()


class TcpConnection:
    """One TCP connection: two reassemblers and how the connection went."""

    __slots__ = (
        "addrs",
        "client_dir",
        "closed",
        "fin",
        "first_frame",
        "first_ts",
        "index",
        "last_frame",
        "last_ts",
        "packets",
        "ports",
        "rsm",
        "rst",
        "sink",
        "syn_seq",
    )

    def __init__(
        self,
        index: int,
        src: bytes,
        sport: int,
        dst: bytes,
        dport: int,
        frame: int,
        ts: float,
    ) -> None:
        self.index = index
        """Order of first appearance, counted from 0 like Wireshark's tcp.stream."""
        self.addrs = (src, dst)
        """Direction 0 goes from ``addrs[0]`` to ``addrs[1]``."""
        self.ports = (sport, dport)
        self.client_dir: int | None = None
        """0 or 1 once a SYN (or SYN-ACK) showed who opened the connection."""
        self.syn_seq: int | None = None
        self.fin: list[tuple[int, float] | None] = [None, None]
        """(frame, time) of each direction's first FIN."""
        self.rst: tuple[int, int, float] | None = None
        """(direction, frame, time) of the first RST."""
        self.first_frame = frame
        self.first_ts = ts
        self.last_frame = frame
        self.last_ts = ts
        self.packets = 0
        self.closed = False
        self.sink: Sink | None = None
        self.rsm: tuple[Reassembler, Reassembler] | None = None


OpenSink = Callable[[TcpConnection], Sink | None]
CloseSink = Callable[[TcpConnection], None]


class TcpTracker:
    """Follows every TCP connection in a capture, in packet order.

    ``open_sink(conn)`` is called for each new connection and returns its sink
    (or ``None`` to ignore its data); ``close_sink(conn)`` once it ends: at a
    RST, when both FINs are in and no data waits, when a new SYN replaces it,
    or at :meth:`finish`.
    """

    def __init__(self, open_sink: OpenSink, close_sink: CloseSink) -> None:
        self._open = open_sink
        self._close = close_sink
        self.flows: dict[tuple[bytes, int, bytes, int], tuple[TcpConnection, int]] = {}
        self.open: dict[int, TcpConnection] = {}
        self.count = 0
        self.budget = Budget()
        self.late_segments = 0
        self.lingering: deque[TcpConnection] = deque()
        """Connections one side reset, oldest first, still open for the other side."""

    def _new(
        self, src: bytes, sport: int, dst: bytes, dport: int, frame: int, ts: float
    ) -> TcpConnection:
        conn = TcpConnection(self.count, src, sport, dst, dport, frame, ts)
        self.count += 1
        self.flows[(src, sport, dst, dport)] = (conn, 0)
        self.flows[(dst, dport, src, sport)] = (conn, 1)
        self.open[conn.index] = conn
        sink = self._open(conn)
        if sink is not None:
            conn.sink = sink
            conn.rsm = (Reassembler(sink, 0, self.budget), Reassembler(sink, 1, self.budget))
        return conn

    def packet(
        self,
        src: bytes,
        dst: bytes,
        sport: int,
        dport: int,
        seq: int,
        flags: int,
        buf: bytes,
        pstart: int,
        pend: int,
        missing: int,
        frame: int,
        ts: float,
    ) -> None:
        """One captured TCP segment (its payload is ``buf[pstart:pend]``)."""
        hit = self.flows.get((src, sport, dst, dport))
        if hit is not None and not flags & 0x07 and not missing:
            conn, d = hit
            if pend == pstart:  # a bare ACK: the most common packet of all
                conn.packets += 1
                conn.last_frame = frame
                conn.last_ts = ts
                return
            rsm = conn.rsm
            if rsm is not None and conn.rst is None:
                r = rsm[d]
                nx = r.next
                if (
                    not r.heap
                    and r.base is not None
                    and (seq - r.base) & M32 == nx & M32
                    and r.sink.wants_data
                ):  # in order, nothing waiting: straight to the sink
                    conn.packets += 1
                    conn.last_frame = frame
                    conn.last_ts = ts
                    r.next = nx + pend - pstart
                    r.sink.data(d, memoryview(buf)[pstart:pend], frame, ts)
                    return
        lingering = self.lingering
        while lingering and (
            lingering[0].closed
            or ts - lingering[0].last_ts > RST_LINGER
            or len(lingering) > MAX_LINGERING
        ):
            old = lingering.popleft()
            if not old.closed:
                self._end(old)
        if hit is None:
            conn = self._new(src, sport, dst, dport, frame, ts)
            d = 0
        else:
            conn, d = hit
            if (
                flags & SYN
                and not flags & ACK
                and seq != conn.syn_seq
                and (conn.syn_seq is not None or conn.closed or conn.packets > 1)
            ):
                if not conn.closed:
                    self._end(conn)
                conn = self._new(src, sport, dst, dport, frame, ts)
                d = 0
        conn.packets += 1
        conn.last_frame = frame
        conn.last_ts = ts
        syn = flags & SYN
        if syn:
            if not flags & ACK:
                if conn.syn_seq is None:
                    conn.syn_seq = seq
                if conn.client_dir is None:
                    conn.client_dir = d
            elif conn.client_dir is None:
                conn.client_dir = 1 - d
        rsm = conn.rsm
        if rsm is not None and conn.sink is not None and not conn.sink.wants_data:
            for r in rsm:
                r.drop()
            rsm = conn.rsm = None
        reset = conn.rst
        if rsm is not None and (reset is None or reset[0] != d):
            if pend > pstart or missing or syn:
                rsm[d].segment(seq, memoryview(buf)[pstart:pend], frame, ts, bool(syn), missing)
        elif (conn.closed or reset is not None) and pend > pstart:
            self.late_segments += 1
        if flags & (FIN | RST):
            sink = conn.sink
            if flags & RST:
                if reset is None and not conn.closed:
                    conn.rst = (d, frame, ts)
                    if sink is not None:
                        sink.end(d, "RST", frame, ts)
                    if rsm is not None:
                        rsm[d].flush()
                        self.lingering.append(conn)
                        return
                if not conn.closed and (reset is None or reset[0] != d):
                    self._end(conn)  # the peer's RST (a repeated one changes nothing)
                return
            if reset is not None:
                if reset[0] != d and not conn.closed:  # the peer of the RST side is done too
                    conn.fin[d] = (frame, ts)
                    if sink is not None:
                        sink.end(d, "FIN", frame, ts)
                    self._end(conn)
                return
            if conn.fin[d] is None:
                conn.fin[d] = (frame, ts)
                if sink is not None and not conn.closed:
                    sink.end(d, "FIN", frame, ts)
        if (
            conn.fin[0] is not None
            and conn.fin[1] is not None
            and not conn.closed
            and (rsm is None or not (rsm[0].pending or rsm[1].pending))
        ):
            self._end(conn)

    def _end(self, conn: TcpConnection) -> None:
        if conn.rsm is not None:
            for r in conn.rsm:
                r.flush()
        conn.closed = True
        self.open.pop(conn.index, None)
        self._close(conn)
        if conn.rsm is not None:
            for r in conn.rsm:
                r.drop()
        conn.rsm = None
        conn.sink = None

    def finish(self) -> None:
        """End of capture: every connection still open ends here."""
        for index in sorted(self.open):
            conn = self.open.get(index)
            if conn is not None:
                self._end(conn)
