"""TCP reassembly: order, retransmission, overlap, gaps, bounds, connection boundaries."""

from __future__ import annotations

import random
import ssl
from pathlib import Path

import pytest

from capture import capgen as g
from capture.livecap import Pki, client_context, server_context
from tlsdoctor.model import Side
from tlsdoctor.sources.capture import read_capture
from tlsdoctor.sources.capture.tcp import Budget, Reassembler


class Collect:
    wants_data = True

    def __init__(self) -> None:
        self.out = bytearray()
        self.events: list[tuple[str, int, int]] = []

    def data(self, d: int, payload: bytes | memoryview, frame: int, ts: float) -> None:
        self.out += payload
        self.events.append(("data", len(payload), frame))

    def gap(self, d: int, length: int, frame: int, ts: float) -> None:
        self.out += b"?" * length
        self.events.append(("gap", length, frame))

    def end(self, d: int, how: str, frame: int, ts: float) -> None:
        self.events.append((how, 0, frame))


def test_in_order_out_of_order_and_retransmitted() -> None:
    sink = Collect()
    r = Reassembler(sink, 0)
    r.segment(100, b"", 1, 0.0, syn=True)
    r.segment(106, b"world", 3, 0.0)
    r.segment(101, b"hello", 2, 0.0)
    r.segment(101, b"hello", 4, 0.0)  # retransmission
    r.segment(104, b"loWORLD!", 5, 0.0)  # overlap: the first copy wins, the tail is new
    assert bytes(sink.out) == b"helloworld!"
    assert r.retransmitted == 1 and r.gaps == 0


def test_sequence_number_wraps() -> None:
    sink = Collect()
    r = Reassembler(sink, 0)
    r.segment(0xFFFFFFF0, b"", 1, 0.0, syn=True)
    data = bytes(range(64))
    for i in range(0, 64, 8):
        r.segment((0xFFFFFFF1 + i) & 0xFFFFFFFF, data[i : i + 8], 2 + i, 0.0)
    assert bytes(sink.out) == data


def test_gap_reported_with_length_and_frame() -> None:
    sink = Collect()
    r = Reassembler(sink, 0)
    r.segment(0, b"", 1, 0.0, syn=True)
    r.segment(1, b"aaaa", 2, 0.0)
    r.segment(9, b"cccc", 3, 0.0)
    r.flush()
    assert bytes(sink.out) == b"aaaa????cccc"
    assert ("gap", 4, 3) in sink.events


def test_buffered_out_of_order_data_is_bounded() -> None:
    sink = Collect()
    budget = Budget(limit=10_000)
    r = Reassembler(sink, 0, budget, max_bytes=5_000, max_segments=50)
    r.segment(0, b"", 1, 0.0, syn=True)
    for i in range(1000):  # an endless stream behind a hole that never fills
        r.segment(1001 + i * 100, b"z" * 100, 2 + i, 0.0)
        assert r.pending_bytes <= 5_000 and budget.used <= 10_000
    assert r.gaps == 1
    assert ("gap", 1000, 2) in sink.events


def test_global_budget_spreads_over_connections() -> None:
    budget = Budget(limit=3_000)
    sinks = [Collect() for _ in range(10)]
    rs = [Reassembler(s, 0, budget) for s in sinks]
    for r in rs:
        r.segment(0, b"", 1, 0.0, syn=True)
    for k in range(20):
        for r in rs:
            r.segment(101 + k * 100, b"q" * 100, 2, 0.0)
            assert budget.used <= 3_100


def _flow_pcap(tmp_path: Path, flow: g.Flow, order: list[int] | None = None) -> Path:
    pkts = flow.ip_packets()
    if order is not None:
        pkts = [pkts[i] for i in order]
    path = tmp_path / "x.pcap"
    path.write_bytes(g.pcap(g.frames(g.eth(p) for p in pkts)))
    return path


@pytest.fixture(scope="module")
def flights13(pki: Pki) -> list[tuple[int, bytes]]:
    return g.memory_handshake(
        client_context(pki, ssl.TLSVersion.TLSv1_3), server_context(pki), "tcp.example", b"y" * 5000
    )


def test_shuffled_and_duplicated_segments_read_the_same(
    tmp_path: Path, flights13: list[tuple[int, bytes]]
) -> None:
    flow = g.tls_flow(flights13, mss=300)
    base = read_capture(_flow_pcap(tmp_path, flow)).evidence.connections[0]
    assert base.transcript is not None
    rnd = random.Random(7)
    order: list[int] = []
    run: list[int] = []
    for i, seg in enumerate(flow.segments):  # shuffle inside each flight, as networks do
        if run and flow.segments[run[-1]][0] != seg[0]:
            order += rnd.sample(run, len(run))
            run = []
        run.append(i)
    order += run
    order[5:5] = order[3:5]  # and send a few segments twice
    again = read_capture(_flow_pcap(tmp_path, flow, order)).evidence.connections[0]
    assert again.transcript is not None and again.outcome is not None
    assert [m.name for m in again.transcript if m.name not in ("FIN",)] == [
        m.name for m in base.transcript if m.name not in ("FIN",)
    ]
    assert again.outcome.version == 0x0304
    assert not again.facts.get("gaps")


def test_lost_segment_is_a_gap_in_application_data(
    tmp_path: Path, flights13: list[tuple[int, bytes]]
) -> None:
    flow = g.tls_flow(flights13, mss=300)
    big = [i for i, s in enumerate(flow.segments) if len(s[2]) == 300]
    lost = big[len(big) // 2]
    order = [i for i in range(len(flow.segments)) if i != lost]
    result = read_capture(_flow_pcap(tmp_path, flow, order))
    conn = result.evidence.connections[0]
    assert conn.facts["gaps"]
    _side, length, frame = conn.facts["gaps"][0]
    assert length == 300 and frame == lost + 1  # the frame after the hole
    assert any("missing from the capture" in n for n in result.evidence.notes)


def test_lost_handshake_segment_resyncs(tmp_path: Path, flights13: list[tuple[int, bytes]]) -> None:
    flow = g.tls_flow(flights13, mss=100)
    server_segs = [i for i, s in enumerate(flow.segments) if s[0] == 1 and s[2]]
    lost = server_segs[1]  # inside the server's first flight
    order = [i for i in range(len(flow.segments)) if i != lost]
    result = read_capture(_flow_pcap(tmp_path, flow, order))
    assert result.tls_connections == 1
    conn = result.evidence.connections[0]
    assert conn.transcript is not None and conn.outcome is not None
    assert conn.transcript.find("ClientHello") is not None
    assert conn.outcome.completed is None


def test_new_connection_at_each_syn_on_reused_ports(
    tmp_path: Path, flights13: list[tuple[int, bytes]]
) -> None:
    first = g.tls_flow(flights13, isn=(1000, 5000))
    second = g.tls_flow(flights13, isn=(900_000, 7000))  # same ports, new ISNs
    pkts = first.ip_packets()
    syn2 = second.ip_packets()[0]
    pkts += [syn2, syn2]  # a retransmitted SYN is not a third connection
    pkts += second.ip_packets()[1:]
    path = tmp_path / "x.pcap"
    path.write_bytes(g.pcap(g.frames(g.eth(p) for p in pkts)))
    result = read_capture(path)
    assert result.tcp_connections == 2
    assert [r.id for r in result.connections] == ["x.pcap#conn0", "x.pcap#conn1"]
    assert [r.status for r in result.connections] == ["unknown", "unknown"]  # TLS 1.3, no keys
    assert [r.first_frame for r in result.connections] == [1, len(first.segments) + 1]


def test_rst_and_fin_by_whom(tmp_path: Path, flights13: list[tuple[int, bytes]]) -> None:
    flow = g.Flow().handshake()
    flow.send(0, flights13[0][1])
    flow.rst(1)
    result = read_capture(_flow_pcap(tmp_path, flow))
    row = result.connections[0]
    assert row.status == "failed"
    assert row.ended == "RST from server at frame 5"
    conn = result.evidence.connections[0]
    assert conn.outcome is not None
    assert conn.outcome.transport == "reset" and conn.outcome.closed_by is Side.SERVER
    assert conn.transcript is not None and conn.transcript.messages[-1].name == "RST"


def test_sides_without_syn_come_from_the_client_hello(
    tmp_path: Path, flights13: list[tuple[int, bytes]]
) -> None:
    flow = g.tls_flow(flights13, server=("10.0.0.2", 50000), client=("10.0.0.1", 443))
    flow.segments = flow.segments[3:]  # no SYN; and the ports point the wrong way
    order = list(range(len(flow.segments)))
    result = read_capture(_flow_pcap(tmp_path, flow, order))
    row = result.connections[0]
    assert row.client == "10.0.0.1:443" and row.server == "10.0.0.2:50000"
    conn = result.evidence.connections[0]
    assert conn.transcript is not None
    assert conn.transcript.messages[0].sender is Side.CLIENT


_ALERT_40 = b"\x15\x03\x03\x00\x02\x02\x28"  # a plaintext fatal handshake_failure


def _alerts(path: Path) -> list[tuple[Side, int]]:
    conn = read_capture(path).evidence.connections[0]
    assert conn.outcome is not None
    return [(a.sender, a.description) for a in conn.outcome.alerts]


def test_peer_bytes_in_flight_after_a_rst_are_read(
    tmp_path: Path, flights13: list[tuple[int, bytes]]
) -> None:
    """Seen on loopback: the client resets while the server's close_notify or alert is
    already on its way; tshark shows that alert, so must we."""
    flow = g.Flow().handshake()
    flow.send(0, flights13[0][1])
    flow.rst(0)
    flow.send(1, _ALERT_40)
    flow.rst(0)  # the client's stack answers the late bytes with another RST
    result = read_capture(_flow_pcap(tmp_path, flow))
    assert result.connections[0].ended == "RST from client at frame 5"
    assert _alerts(tmp_path / "x.pcap") == [(Side.SERVER, 40)]
    flow.segments.pop()
    flow.fin(1)  # the server closes: the connection is over, what follows is not read
    flow.send(1, _ALERT_40)
    conn = read_capture(_flow_pcap(tmp_path, flow)).evidence.connections[0]
    assert conn.transcript is not None and conn.outcome is not None
    assert [(m.name, m.sender) for m in conn.transcript.messages[-3:]] == [
        ("RST", Side.CLIENT),
        ("Alert", Side.SERVER),
        ("FIN", Side.SERVER),
    ]
    assert len(conn.outcome.alerts) == 1


def test_after_a_rst_the_resetting_side_and_late_peer_bytes_are_not_read(
    tmp_path: Path, flights13: list[tuple[int, bytes]]
) -> None:
    flow = g.Flow().handshake()
    flow.send(0, flights13[0][1])
    flow.rst(0)
    flow.send(0, _ALERT_40)  # a side that reset sends nothing more
    pkts = flow.ip_packets()
    path = tmp_path / "x.pcap"
    path.write_bytes(g.pcap(g.frames(g.eth(p) for p in pkts)))
    assert _alerts(path) == []
    late = g.Flow().handshake()
    late.send(0, flights13[0][1])
    late.rst(0)
    late.send(1, _ALERT_40)
    stamped = g.frames(g.eth(p) for p in late.ip_packets())
    ts, last = stamped[-1]
    stamped[-1] = (ts + 5.0, last)  # long after the RST: not this connection's any more
    other = g.Flow(client=("10.0.0.3", 40001)).handshake()
    stamped += [(ts + 5.0 + i, g.eth(p)) for i, p in enumerate(other.ip_packets())]
    path.write_bytes(g.pcap(stamped))
    assert _alerts(path) == []
    assert any("1 TCP segment(s) with data came after" in n for n in read_capture(path).notes)
