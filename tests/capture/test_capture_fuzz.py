"""Hypothesis: the reader and the reassembler never crash and never hang on bad input."""

from __future__ import annotations

import itertools
import ssl
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capture import capgen as g
from capture.livecap import Pki, client_context, server_context
from tlsdoctor.errors import InputError
from tlsdoctor.sources.capture import read_capture
from tlsdoctor.sources.capture.tcp import Reassembler

SETTINGS = settings(
    deadline=None, max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class Blobs(dict[str, bytes]):
    def __repr__(self) -> str:  # keep hypothesis' failure reports readable
        return f"<captures {sorted(self)}>"


@pytest.fixture(scope="module")
def real(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    keys = tmp_path_factory.mktemp("fuzz") / "k.log"
    out = Blobs()
    for name, version in (("tls12", ssl.TLSVersion.TLSv1_2), ("tls13", ssl.TLSVersion.TLSv1_3)):
        flights = g.memory_handshake(
            client_context(pki, version, keylog=keys),
            server_context(pki),
            "fuzz.example",
            b"z" * 900,
        )
        pkts = g.tls_flow(flights, mss=400).ip_packets()
        out[name + ".pcap"] = g.pcap(g.frames(g.eth(p) for p in pkts))
        out[name + ".pcapng"] = (
            g.shb() + g.idb(101) + b"".join(g.epb(0, 1.0 + i, p) for i, p in enumerate(pkts))
        )
    out["keys"] = keys.read_bytes()
    return out


def _read(data: bytes, keylog: bytes | None = None) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.pcap"
        path.write_bytes(data)
        kl = None
        if keylog is not None:
            kl = Path(d) / "k.log"
            kl.write_bytes(keylog)
        try:
            result = read_capture(path, keylog=kl)
        except InputError as exc:
            assert str(exc).startswith("f.pcap: ") or str(exc).startswith("k.log: ")
            return
        for conn in result.evidence.connections:  # the model is complete and printable
            assert conn.outcome is not None and conn.transcript is not None
            repr(conn)


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    _read(data)


@SETTINGS
@given(
    st.sampled_from(
        [b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\x0a\x0d\x0d\x0a"]
    ),
    st.binary(max_size=3000),
)
def test_random_bytes_behind_a_capture_magic(magic: bytes, rest: bytes) -> None:
    _read(magic + rest)


@SETTINGS
@given(st.data())
def test_truncated_real_files(real: dict[str, bytes], data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(["tls12.pcap", "tls13.pcap", "tls12.pcapng", "tls13.pcapng"]))
    blob = real[name]
    cut = data.draw(st.integers(0, len(blob)))
    _read(blob[:cut], real["keys"])


@SETTINGS
@given(st.data())
def test_mutated_real_files(real: dict[str, bytes], data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(["tls12.pcap", "tls13.pcap", "tls12.pcapng", "tls13.pcapng"]))
    blob = bytearray(real[name])
    for _ in range(data.draw(st.integers(1, 12))):
        i = data.draw(st.integers(0, len(blob) - 1))
        blob[i] = data.draw(st.integers(0, 255))
    _read(bytes(blob), real["keys"])


@SETTINGS
@given(st.lists(st.binary(min_size=1, max_size=600), min_size=1, max_size=30))
def test_random_tcp_payloads(payloads: list[bytes]) -> None:
    """Whatever a TCP stream carries, the TLS layer neither crashes nor hangs."""
    flow = g.Flow().handshake()
    for i, p in enumerate(payloads):
        flow.send(i % 2, p)
    flow.fin(0).fin(1)
    _read(g.pcap(g.frames(g.eth(p) for p in flow.ip_packets())))


_SEGMENT = st.tuples(
    st.integers(0, 1),  # direction
    st.sampled_from([0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14, 0x19]),  # SYN … FIN, RST
    st.integers(-3000, 3000),  # sequence number off the expected one
    st.binary(max_size=300),
    st.floats(0, 3),  # seconds since the previous packet
)


@SETTINGS
@given(st.lists(_SEGMENT, max_size=40), st.integers(0, 3))
def test_random_flags_order_and_timing(
    segs: list[tuple[int, int, int, bytes, float]], real_hello: int
) -> None:
    """SYN, FIN and RST in any order, at any time, with data around them (the
    bytes after a RST are read for a while): never a crash, a hang or a miscount."""
    flow = g.Flow()
    ts, stamped = 1_700_000_000.0, []
    hello = b"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00" * real_hello
    for i, (d, flags, off, payload, gap) in enumerate(segs):
        seq = (flow._next[d] + off) & 0xFFFFFFFF
        data = (hello if i == 0 else b"") + payload
        flow.segments.append((d, seq, data, flags))
        flow._next[d] = (flow._next[d] + len(data)) & 0xFFFFFFFF
        ts += gap
        stamped.append(ts)
    frames = [(t, g.eth(p)) for t, p in zip(stamped, flow.ip_packets(), strict=True)]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.pcap"
        path.write_bytes(g.pcap(frames))
        result = read_capture(path)
        assert result.tcp_connections <= 1 + sum(1 for s in segs if s[1] == 0x02)  # new at a SYN
        for conn in result.evidence.connections:
            assert conn.outcome is not None and conn.transcript is not None


@SETTINGS
@given(st.data())
def test_tls_records_with_random_bodies(data: st.DataObject) -> None:
    """Plausible record headers around random bodies: the worst case for the record layer."""
    flow = g.Flow().handshake()
    for i in range(data.draw(st.integers(1, 12))):
        rtype = data.draw(st.sampled_from([20, 21, 22, 23, 24]))
        body = data.draw(st.binary(max_size=300))
        if rtype == 22 and data.draw(st.booleans()):
            htype = data.draw(st.sampled_from([1, 2, 4, 8, 11, 12, 13, 14, 15, 16, 20, 24]))
            body = bytes((htype,)) + len(body).to_bytes(3, "big") + body
        flow.send(i % 2, bytes((rtype, 3, 3)) + len(body).to_bytes(2, "big") + body)
    flow.fin(0).fin(1)
    _read(g.pcap(g.frames(g.eth(p) for p in flow.ip_packets())))


class Collect:
    wants_data = True

    def __init__(self) -> None:
        self.out = bytearray()
        self.gaps: list[tuple[int, int]] = []

    def data(self, d: int, payload: bytes | memoryview, frame: int, ts: float) -> None:
        self.out += payload

    def gap(self, d: int, length: int, frame: int, ts: float) -> None:
        assert length > 0
        self.gaps.append((len(self.out), length))
        self.out += b"\0" * length

    def end(self, d: int, how: str, frame: int, ts: float) -> None:
        pass


@SETTINGS
@given(
    st.binary(min_size=1, max_size=3000),
    st.integers(0, 0xFFFFFFFF),
    st.data(),
)
def test_reassembler_orders_duplicates_and_gaps(
    stream: bytes, isn: int, data: st.DataObject
) -> None:
    cuts = sorted(set(data.draw(st.lists(st.integers(1, len(stream)), max_size=40))))
    bounds = [0, *cuts, len(stream)]
    segs = [(a, stream[a:b]) for a, b in itertools.pairwise(bounds) if b > a]
    order = data.draw(st.permutations(range(len(segs))))
    dropped = set(data.draw(st.lists(st.integers(0, len(segs) - 1), max_size=3)))
    kept = [i for i in order if i not in dropped]
    dups = data.draw(st.lists(st.sampled_from(kept), max_size=10)) if kept else []
    cap = data.draw(st.sampled_from([200, 1 << 20]))
    sink = Collect()
    r = Reassembler(sink, 0, max_bytes=cap)
    r.segment(isn, b"", 0, 0.0, syn=True)
    for i in kept + dups:
        off, chunk = segs[i]
        r.segment((isn + 1 + off) & 0xFFFFFFFF, chunk, 1, 0.0)
    r.flush()
    out = bytes(sink.out)
    assert len(out) <= len(stream)
    in_gap = bytearray(len(out))
    for start, length in sink.gaps:
        in_gap[start : start + length] = b"\1" * length
    for i, b in enumerate(out):
        if not in_gap[i]:
            assert b == stream[i]
    if not dropped and cap > len(stream):
        assert out == stream and not sink.gaps
    assert r.pending_bytes == 0 and not r.pending


@pytest.fixture(scope="module")
def flights12(pki: Pki) -> list[tuple[int, bytes]]:
    return g.memory_handshake(
        client_context(pki, ssl.TLSVersion.TLSv1_2), server_context(pki), "cuts.example", b"q" * 700
    )


def _names(flights: list[tuple[int, bytes]], cuts: list[int] | None) -> list[str]:
    flow = g.Flow().handshake()
    for d, data in flights:
        if cuts is None:
            flow.send(d, data)
            continue
        bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
        for a, b in itertools.pairwise(bounds):
            flow.send(d, data[a:b])
    flow.fin(0).fin(1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.pcap"
        path.write_bytes(g.pcap(g.frames(g.eth(p) for p in flow.ip_packets())))
        result = read_capture(path)
        assert [r.status for r in result.connections] == ["ok"]
        conn = result.evidence.connections[0]
        assert conn.transcript is not None
        return [m.name for m in conn.transcript]


@SETTINGS
@given(st.lists(st.integers(0, 5000), max_size=25))
def test_any_segmentation_reads_the_same(
    flights12: list[tuple[int, bytes]], cuts: list[int]
) -> None:
    """Records and handshake messages split anywhere across segments read the same."""
    assert _names(flights12, cuts) == _names(flights12, None)
