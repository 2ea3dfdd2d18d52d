"""``read_capture``: a pcap or pcapng file in, :class:`~tlsdoctor.model.Evidence` out.

The pipeline is one pass over the file, packet by packet: the streaming file
reader (:mod:`.pcapfile`), link and IP headers (:mod:`.link`), TCP
reassembly (:mod:`.tcp`), each connection's TLS (:mod:`.tls`), and, when a
connection ends, its table row (:func:`.build.summarise`).  Buffers are
released as connections end, so memory follows the connections open at once
and a compact record (a few kilobytes) per TLS connection, never the size of
the file.  The model objects (typed messages, chains, fingerprints) are made
from those records when the evidence is first asked for (:func:`.build.model`),
for all connections or for chosen ones (the failed ones, say).

Connections are numbered as Wireshark's ``tcp.stream`` numbers them (from 0,
every TCP connection counted), so ``capture.pcap#conn3`` is
``tcp.stream == 3`` in Wireshark.
"""

from __future__ import annotations

import fnmatch
import gc
import ipaddress
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from tlsdoctor.sources.capture.build import (
    Caches,
    ConnectionSummary,
    model,
    summarise,
    unseen,
)
from tlsdoctor.sources.capture.keylog import KeyLog, read_keylog
from tlsdoctor.sources.capture.link import ETH_IP4_TCP, tcp_segment
from tlsdoctor.sources.capture.pcapfile import CaptureError, CaptureReader
from tlsdoctor.sources.capture.tcp import TcpConnection, TcpTracker
from tlsdoctor.sources.capture.tls import ConnInfo, TlsConnection

if TYPE_CHECKING:  # pragma: no cover - the model loads when evidence is built
    from tlsdoctor.model import Chain, Connection, Evidence


class CaptureResult:
    """What one capture showed.

    The table rows (:attr:`connections`) are made while the file is read; the
    :attr:`evidence` (typed messages, chains, fingerprints) is built on first
    use, for every connection, or with :meth:`evidence_for` for some.
    """

    def __init__(
        self,
        file: str,
        format: str,
        frames: int,
        tcp_connections: int,
        other_connections: int,
        filtered_out: int,
        skipped: Mapping[str, int],
        problem: str | None,
        keylog_sessions: int,
        records: list[tuple[TlsConnection, ConnectionSummary]],
        notes: list[str],
        facts: dict[str, object],
        host: str | None,
    ) -> None:
        self.file = file
        self.format = format
        """"pcap" or "pcapng"."""
        self.frames = frames
        self.tcp_connections = tcp_connections
        self.tls_connections = len(records)
        self.other_connections = other_connections
        """TCP connections in which no TLS was found."""
        self.filtered_out = filtered_out
        self.skipped = dict(skipped)
        """Frames not read, by reason ("IP fragment", "not TCP", ...)."""
        self.problem = problem
        """Why reading stopped early (a truncated or damaged file), if it did."""
        self.keylog_sessions = keylog_sessions
        self.connections: tuple[ConnectionSummary, ...] = tuple(r[1] for r in records)
        """One row per TLS connection that passed the filters, in stream order."""
        self._global_notes = notes
        self._notes: tuple[str, ...] | None = None
        self._records = records
        self._facts = facts
        self._host = host
        self._caches = Caches()
        self._evidence: Evidence | None = None

    @property
    def notes(self) -> tuple[str, ...]:
        """What could not be read or seen (the evidence adds parse problems)."""
        if self._notes is None:
            self._notes = (
                *self._global_notes,
                *(
                    n
                    for tls, _row in self._records
                    for n in (*tls.notes, *(f"{tls.info.id}: {u}" for u in unseen(tls)))
                ),
            )
        return self._notes

    @property
    def failed(self) -> tuple[ConnectionSummary, ...]:
        return tuple(c for c in self.connections if c.status == "failed")

    @property
    def evidence(self) -> Evidence:
        """Every connection as the shared model (built once, on first use)."""
        if self._evidence is None:
            self._evidence = self.evidence_for(None)
        return self._evidence

    def evidence_for(self, ids: Iterable[str] | None) -> Evidence:
        """The evidence of the connections with these ids (all for ``None``)."""
        from tlsdoctor.model import Evidence

        wanted = None if ids is None else set(ids)
        conns: list[Connection] = []
        chains: list[Chain] = []
        notes = list(self._global_notes)
        for tls, summary in self._records:
            if wanted is not None and summary.id not in wanted:
                continue
            conn, conn_chains, conn_notes = model(tls, summary, self._caches)
            conns.append(conn)
            chains.extend(conn_chains)
            notes.extend(tls.notes)
            notes.extend(f"{tls.info.id}: {u}" for u in conn.transcript.unseen)  # type: ignore[union-attr]
            notes.extend(conn_notes)
        return Evidence(
            sources=(self.file,),
            chains=tuple(chains),
            connections=tuple(conns),
            host=self._host,
            facts={"capture": dict(self._facts)},
            notes=tuple(notes),
        )

    def connection(self, conn_id: str) -> Connection | None:
        if self._evidence is not None:
            for c in self._evidence.connections:
                if c.id == conn_id:
                    return c
            return None
        found = self.evidence_for([conn_id]).connections
        return found[0] if found else None

    def __repr__(self) -> str:
        return (
            f"CaptureResult({self.file}: {self.frames} frames, "
            f"{self.tls_connections} TLS connections of {self.tcp_connections})"
        )


class _Filter:
    def __init__(self, host: str | None, port: int | None, sni: str | None) -> None:
        self.port = port
        self.addr: bytes | None = None
        self.host_name: str | None = None
        if host:
            try:
                self.addr = ipaddress.ip_address(host.strip("[]")).packed
            except ValueError:
                self.host_name = host.lower().rstrip(".")
        self.sni = sni.lower().rstrip(".") if sni else None

    def endpoints(self, conn: TcpConnection) -> bool:
        if self.port is not None and self.port not in conn.ports:
            return False
        return self.addr is None or self.addr in conn.addrs

    def hello(self, tls: TlsConnection) -> bool:
        name = str(tls.facts.get("sni") or "").lower().rstrip(".")
        if self.sni is not None and not fnmatch.fnmatchcase(name, self.sni):
            return False
        return self.host_name is None or name == self.host_name

    @property
    def by_hello(self) -> bool:
        return self.sni is not None or self.host_name is not None


def read_capture(
    path: str | os.PathLike[str],
    keylog: str | os.PathLike[str] | KeyLog | None = None,
    host: str | None = None,
    port: int | None = None,
    sni: str | None = None,
    strict: bool = False,
) -> CaptureResult:
    """Read every TLS connection of a capture file.

    ``keylog``: an NSS key log file (or a parsed :class:`KeyLog`) to read
    encrypted handshake messages and alerts; secrets embedded in a pcapng
    Decryption Secrets Block are used too.  ``host`` (an IP address, or a name
    matched against the SNI), ``port`` and ``sni`` (a glob, ``*.example.com``)
    keep only the matching connections.  A file that breaks off after some
    packets gives what came before, with ``problem`` set; with ``strict`` it
    raises :class:`CaptureError` instead.  Bad files raise
    :class:`CaptureError`, bad key logs
    :class:`~tlsdoctor.sources.capture.keylog.KeyLogError` (both
    :class:`~tlsdoctor.errors.InputError`).
    """
    if isinstance(keylog, KeyLog):
        kl: KeyLog | None = keylog
    elif keylog is not None:
        kl = read_keylog(keylog)
    else:
        kl = None
    embedded = KeyLog()

    def on_secrets(blob: bytes) -> None:
        embedded.add_text(blob.decode("ascii", "replace"))

    reader = CaptureReader(path, on_secrets=on_secrets)
    name = reader.name
    flt = _Filter(host, port, sni)

    def lookup(client_random: bytes, label: str) -> bytes | None:
        if kl is not None:
            v = kl.get(client_random, label)
            if v is not None:
                return v
        return embedded.get(client_random, label)

    have_keys = kl is not None
    results: list[tuple[int, TlsConnection, ConnectionSummary]] = []
    counts = {"other": 0, "filtered": 0}
    shared: dict[bytes, bytes] = {}

    def open_sink(conn: TcpConnection) -> TlsConnection | None:
        if not flt.endpoints(conn):
            counts["filtered"] += 1
            return None
        info = ConnInfo(
            id=f"{name}#conn{conn.index}",
            file=name,
            stream=conn.index,
            ports=conn.ports,
            client_dir=lambda: conn.client_dir,
            keylog=lookup if (have_keys or embedded.secrets) else None,
            on_client_hello=flt.hello if flt.by_hello else None,
            shared=shared,
        )
        return TlsConnection(info)

    def close_sink(conn: TcpConnection) -> None:
        tls = conn.sink
        if not isinstance(tls, TlsConnection):
            return
        if tls.filtered_out:
            counts["filtered"] += 1
            return
        if not tls.is_tls:
            counts["other"] += 1
            return
        if flt.by_hello and tls.client_hello is None:
            counts["filtered"] += 1
            return
        tls.release()
        row = summarise(
            tls, conn.addrs, conn.ports, conn.first_frame, conn.last_frame, conn.first_ts
        )
        results.append((conn.index, tls, row))

    tracker = TcpTracker(open_sink, close_sink)
    skipped: Counter[str] = Counter()
    packet = tracker.packet
    flows = tracker.flows
    fast = ETH_IP4_TCP.unpack_from
    collect = gc.isenabled()
    gc.disable()  # millions of small objects, no cycles worth chasing while reading
    try:
        for frame, ts, linktype, buf, start, end, _orig in reader.packets():
            if linktype == 1 and end - start >= 54:
                # Ethernet, IPv4 without options, TCP: read inline, in one unpack
                etype, vihl, total, frag, proto, src, dst, sport, dport, seq, _ack, off, flags = (
                    fast(buf, start + 12)
                )
                if (
                    etype == 0x0800
                    and vihl == 0x45
                    and proto == 6
                    and not frag & 0x3FFF
                    and total >= 40
                    and off >= 0x50
                ):
                    declared = start + 14 + total
                    pstart = start + 34 + (off >> 4) * 4
                    pend = declared if declared < end else end
                    if pstart == pend == declared and not flags & 0x07:
                        hit = flows.get((src, sport, dst, dport))
                        if hit is not None:  # a bare ACK of a known connection
                            conn = hit[0]
                            conn.packets += 1
                            conn.last_frame = frame
                            conn.last_ts = ts
                            continue
                    if pstart <= pend:
                        packet(
                            src, dst, sport, dport, seq, flags, buf, pstart, pend,
                            declared - pend, frame, ts,
                        )  # fmt: skip
                        continue
            seg = tcp_segment(linktype, buf, start, end)
            if isinstance(seg, str):
                skipped[seg] += 1
                continue
            src, dst, sport, dport, seq, _ack, flags, pstart, pend, missing = seg
            packet(src, dst, sport, dport, seq, flags, buf, pstart, pend, missing, frame, ts)
        tracker.finish()
    finally:
        if collect:
            # What reading made joins the oldest generation in one step: the first
            # young-generation pass over it would cost 4 % of the whole read, and a
            # full collection still finds any cycle in it later.
            gc.freeze()
            gc.unfreeze()
            gc.enable()
    if strict and reader.problem:
        raise CaptureError(f"{name}: {reader.problem}")

    results.sort(key=lambda r: r[0])
    notes: list[str] = []
    if reader.problem:
        notes.append(f"{name}: {reader.problem}; connections read up to there")
    if skipped.get("IP fragment"):
        notes.append(
            f"{name}: {skipped['IP fragment']} IP fragments not reassembled; "
            "TCP data inside them is missing"
        )
    if skipped.get("unknown link type"):
        notes.append(
            f"{name}: {skipped['unknown link type']} frames of a link type not read "
            f"(link types in the file: {sorted(reader.linktypes)})"
        )
    if tracker.late_segments:
        notes.append(
            f"{name}: {tracker.late_segments} TCP segment(s) with data came after their "
            "connection had ended (after its RST, or after both FINs) and were not read"
        )
    if reader.frames == 0:
        notes.append(f"{name}: the capture holds no packets")
    elif not results:
        notes.append(f"{name}: no TLS connection found in {tracker.count} TCP connections")
    sessions = len((kl.secrets if kl else {}).keys() | embedded.secrets.keys())
    capture_facts: dict[str, object] = {
        "file": name,
        "format": reader.format,
        "frames": reader.frames,
        "tcp_connections": tracker.count,
        "tls_connections": len(results),
        "other_connections": counts["other"],
        "filtered_out": counts["filtered"],
        "skipped_frames": dict(skipped),
        "link_types": sorted(reader.linktypes),
        "keylog_sessions": sessions,
    }
    if reader.problem:
        capture_facts["problem"] = reader.problem
    return CaptureResult(
        file=name,
        format=reader.format,
        frames=reader.frames,
        tcp_connections=tracker.count,
        other_connections=counts["other"],
        filtered_out=counts["filtered"],
        skipped=skipped,
        problem=reader.problem,
        keylog_sessions=sessions,
        records=[(tls, row) for _i, tls, row in results],
        notes=notes,
        facts=capture_facts,
        host=host or sni,
    )
