"""Hand-built captures: file formats, link types, IP versions, and broken files."""

from __future__ import annotations

import ssl
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from capture import capgen as g
from capture.livecap import Pki, client_context, server_context
from tlsdoctor.errors import InputError
from tlsdoctor.model import Side
from tlsdoctor.sources.capture import CaptureError, read_capture
from tlsdoctor.sources.capture._wire import ParseFailed
from tlsdoctor.sources.capture.build import Caches, _parse
from tlsdoctor.sources.capture.pcapfile import CaptureReader
from tlsdoctor.sources.capture.tls import TlsConnection


@pytest.fixture(scope="module")
def flights(pki: Pki) -> list[tuple[int, bytes]]:
    """A real TLS 1.2 handshake with a little application data and close_notify."""
    return g.memory_handshake(
        client_context(pki, ssl.TLSVersion.TLSv1_2),
        server_context(pki),
        "formats.example",
        app_data=b"x" * 3000,
    )


def _check(path: Path, sni: str = "formats.example") -> None:
    result = read_capture(path)
    assert result.problem is None
    assert [r.server_name for r in result.connections] == [sni]
    row = result.connections[0]
    assert row.status == "ok" and row.version == 0x0303
    conn = result.evidence.connections[0]
    assert conn.transcript is not None
    names = [m.name for m in conn.transcript]
    assert names[:3] == ["ClientHello", "ServerHello", "Certificate"]
    assert conn.transcript.find("ApplicationData", Side.SERVER) is not None
    assert result.evidence.chains[0].certs[0].cert.subject.rfc4514_string() == "CN=localhost"


@pytest.mark.parametrize(
    ("endian", "nano", "modified"),
    [
        ("<", False, False),
        (">", False, False),
        ("<", True, False),
        (">", True, False),
        ("<", False, True),
    ],
)
def test_pcap_variants(
    tmp_path: Path, flights: list[tuple[int, bytes]], endian: str, nano: bool, modified: bool
) -> None:
    pkts = [g.eth(p) for p in g.tls_flow(flights).ip_packets()]
    path = tmp_path / "x.pcap"
    path.write_bytes(g.pcap(g.frames(pkts), endian=endian, nano=nano, modified=modified))
    _check(path)
    first = next(CaptureReader(path).packets())
    assert first[0] == 1 and abs(first[1] - 1_700_000_000.0) < 1e-6


@pytest.mark.parametrize("endian", ["<", ">"])
def test_pcapng_blocks(tmp_path: Path, flights: list[tuple[int, bytes]], endian: str) -> None:
    pkts = g.tls_flow(flights).ip_packets()
    blocks = [
        g.shb(endian),
        g.idb(1, endian),
        g.idb(101, endian, tsresol=9),
        g.unknown_block(endian),
    ]
    for i, p in enumerate(pkts):
        ts = 1_700_000_000.0 + i
        if i % 3 == 0:
            blocks.append(g.epb(0, ts, g.eth(p), endian))
        elif i % 3 == 1:
            blocks.append(g.epb(1, ts, p, endian, units=1e9))
        else:
            blocks.append(g.old_pb(0, ts, g.eth(p), endian))
        if i == 2:
            blocks.append(g.unknown_block(endian))
    path = tmp_path / "x.pcapng"
    path.write_bytes(b"".join(blocks))
    _check(path)
    times = [p[1] for p in CaptureReader(path).packets()]
    assert times[1] == pytest.approx(1_700_000_001.0) and times[4] == pytest.approx(1_700_000_004.0)


def test_pcapng_simple_packets_and_new_section(
    tmp_path: Path, flights: list[tuple[int, bytes]]
) -> None:
    pkts = g.tls_flow(flights).ip_packets()
    half = len(pkts) // 2
    data = g.shb("<") + g.idb(1, "<") + b"".join(g.spb(g.eth(p)) for p in pkts[:half])
    data += g.shb(">") + g.idb(101, ">") + b"".join(g.spb(p, ">") for p in pkts[half:])
    path = tmp_path / "x.pcapng"
    path.write_bytes(data)
    _check(path)


def test_pcapng_embedded_key_log(tmp_path: Path, pki: Pki) -> None:
    keys = tmp_path / "keys.log"
    flights = g.memory_handshake(
        client_context(pki, ssl.TLSVersion.TLSv1_3, keylog=keys), server_context(pki), "dsb.example"
    )
    pkts = g.tls_flow(flights).ip_packets()
    data = g.shb() + g.idb(101) + g.dsb_keylog(keys.read_text())
    data += b"".join(g.epb(0, 1_700_000_000.0 + i, p) for i, p in enumerate(pkts))
    path = tmp_path / "x.pcapng"
    path.write_bytes(data)
    result = read_capture(path)
    assert result.connections[0].status == "ok"
    assert result.keylog_sessions == 1
    conn = result.evidence.connections[0]
    assert conn.transcript is not None
    assert conn.transcript.find("Certificate", Side.SERVER) is not None


LINKS = {
    "ethernet": (1, lambda p, v6: g.eth(p, 0x86DD if v6 else 0x0800)),
    "vlan": (1, lambda p, v6: g.eth(p, 0x86DD if v6 else 0x0800, vlans=[7])),
    "qinq": (1, lambda p, v6: g.eth(p, 0x86DD if v6 else 0x0800, vlans=[100, 7])),
    "sll": (113, lambda p, v6: g.sll(p, 0x86DD if v6 else 0x0800)),
    "sll2": (276, lambda p, v6: g.sll2(p, 0x86DD if v6 else 0x0800)),
    "raw": (101, lambda p, v6: p),
    "raw12": (12, lambda p, v6: p),
    "ipv4-or-6": (229, lambda p, v6: p),
    "null": (0, lambda p, v6: g.null(p, 30 if v6 else 2)),
    "null-big-endian": (0, lambda p, v6: g.null(p, 24 if v6 else 2, ">")),
    "loop": (108, lambda p, v6: g.null(p, 24 if v6 else 2, ">")),
}


@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
@pytest.mark.parametrize("link", sorted(LINKS))
def test_link_types(tmp_path: Path, flights: list[tuple[int, bytes]], link: str, v6: bool) -> None:
    linktype, wrap = LINKS[link]
    if link == "ipv4-or-6":
        linktype = 229 if v6 else 228
    kw = {"client": ("fd00::1", 40000), "server": ("fd00::2", 443)} if v6 else {}
    pkts = g.tls_flow(flights, **kw).ip_packets(v6=v6)
    path = tmp_path / "x.pcap"
    path.write_bytes(g.pcap(g.frames(wrap(p, v6) for p in pkts), linktype=linktype))
    _check(path)
    row = read_capture(path).connections[0]
    assert row.server == ("[fd00::2]:443" if v6 else "10.0.0.2:443")


def test_ipv4_options_and_ipv6_extension_headers(
    tmp_path: Path, flights: list[tuple[int, bytes]]
) -> None:
    flow = g.tls_flow(flights)
    v4 = []
    for seg in flow.segments:
        a, b = (flow.client, flow.server) if seg[0] == 0 else (flow.server, flow.client)
        v4.append(g.eth(g.ipv4(a[0], b[0], flow.tcp_bytes(seg), options=b"\x01\x01\x01\x00")))
    path = tmp_path / "v4.pcap"
    path.write_bytes(g.pcap(g.frames(v4)))
    _check(path)
    flow6 = g.tls_flow(flights, client=("fd00::1", 40000), server=("fd00::2", 443))
    v6 = []
    for seg in flow6.segments:
        a, b = (flow6.client, flow6.server) if seg[0] == 0 else (flow6.server, flow6.client)
        ext = [(0, b"\x01\x04\0\0\0\0"), (60, b""), (44, b"\0\0\0\0\0\x01")]
        v6.append(g.ipv6(a[0], b[0], flow6.tcp_bytes(seg), ext=ext))
    path6 = tmp_path / "v6.pcap"
    path6.write_bytes(g.pcap(g.frames(v6), linktype=101))
    _check(path6)


def test_ip_fragments_are_counted_and_noted(tmp_path: Path) -> None:
    frag = g.ipv4("10.0.0.1", "10.0.0.2", b"\0" * 40, frag=0x2000)
    frag6 = g.ipv6("fd00::1", "fd00::2", b"\0" * 40, ext=[(44, b"\0\x09\0\0\0\x01")])
    udp = g.ipv4("10.0.0.1", "10.0.0.2", b"\0" * 8, proto=17)
    arp = g.eth(b"\0" * 28, 0x0806)
    path = tmp_path / "x.pcap"
    path.write_bytes(g.pcap(g.frames([g.eth(frag), g.eth(frag6, 0x86DD), g.eth(udp), arp])))
    result = read_capture(path)
    assert result.skipped == {"IP fragment": 2, "not TCP": 1, "not IP": 1}
    assert any("fragments" in n for n in result.evidence.notes)
    assert result.tls_connections == 0


def test_snap_length_cut_is_a_gap_not_a_crash(
    tmp_path: Path, flights: list[tuple[int, bytes]]
) -> None:
    pkts = [g.eth(p) for p in g.tls_flow(flights).ip_packets()]
    path = tmp_path / "x.pcap"
    path.write_bytes(g.pcap(g.frames(pkts), cut=200))
    result = read_capture(path)
    assert result.tls_connections == 1
    conn = result.evidence.connections[0]
    assert conn.facts.get("gaps")
    assert any("missing from the capture" in n for n in result.evidence.notes)


def test_starttls_and_tls_on_any_port(tmp_path: Path, flights: list[tuple[int, bytes]]) -> None:
    flow = g.Flow(server=("10.0.0.2", 25)).handshake()
    flow.send(1, b"220 mail.example ESMTP\r\n").send(0, b"EHLO me\r\n")
    flow.send(1, b"250-mail.example\r\n250 STARTTLS\r\n").send(0, b"STARTTLS\r\n")
    flow.send(1, b"220 go ahead\r\n")
    for d, data in flights:
        flow.send(d, data)
    flow.fin(0).fin(1)
    path = tmp_path / "x.pcap"
    path.write_bytes(g.pcap(g.frames(g.eth(p) for p in flow.ip_packets())))
    _check(path)
    conn = read_capture(path).evidence.connections[0]
    assert conn.facts["tls_starts_after"] == {"client": 19, "server": 70}


def test_plain_http_is_not_tls(tmp_path: Path) -> None:
    flow = g.Flow(server=("10.0.0.2", 443)).handshake()
    flow.send(0, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").send(
        1, b"HTTP/1.1 200 OK\r\n\r\n" + b"a" * 70000
    )
    flow.fin(0).fin(1)
    path = tmp_path / "x.pcap"
    path.write_bytes(g.pcap(g.frames(g.eth(p) for p in flow.ip_packets())))
    result = read_capture(path)
    assert (result.tcp_connections, result.tls_connections, result.other_connections) == (1, 0, 1)
    assert any("no TLS connection" in n for n in result.evidence.notes)


def test_capture_starting_mid_connection(tmp_path: Path, flights: list[tuple[int, bytes]]) -> None:
    flow = g.tls_flow(flights)
    segs = [s for s in flow.segments if s[0] == 1 or s[2] != b""]
    # drop the TCP handshake and everything up to the first application data
    first_app = next(i for i, s in enumerate(segs) if s[2][:1] == b"\x17")
    flow.segments = segs[first_app:]
    path = tmp_path / "x.pcap"
    path.write_bytes(g.pcap(g.frames(g.eth(p) for p in flow.ip_packets())))
    result = read_capture(path)
    assert result.tls_connections == 1
    assert result.connections[0].status == "no handshake"
    assert any("starts after this connection's handshake" in n for n in result.evidence.notes)


@pytest.mark.parametrize("first", [1, 2, 0x9C])
def test_mid_connection_encrypted_alert_is_not_read_as_plaintext(
    tmp_path: Path, first: int
) -> None:
    """Joined after the handshake, a 26-byte alert record is encrypted (GCM: nonce,
    2 bytes, tag): its bytes are not levels and descriptions, whatever they are."""
    flow = g.Flow(server=("10.0.0.2", 443))
    flow.send(0, b"\x17\x03\x03\x00\x20" + bytes(range(32)))
    flow.send(1, b"\x17\x03\x03\x00\x20" + bytes(range(32, 64)))
    flow.send(1, b"\x15\x03\x03\x00\x1a" + bytes([first, 0x28]) + bytes(range(24)))
    flow.fin(1).fin(0)
    path = tmp_path / "x.pcap"
    path.write_bytes(g.pcap(g.frames(g.eth(p) for p in flow.ip_packets())))
    result = read_capture(path)
    assert result.tls_connections == 1
    assert result.connections[0].status == "no handshake"
    assert result.connections[0].alerts == ()
    conn = result.evidence.connections[0]
    assert conn.transcript is not None
    assert conn.transcript.find("EncryptedAlert", Side.SERVER) is not None


def test_mid_connection_plaintext_alert_is_read(tmp_path: Path) -> None:
    """A 2-byte alert record with a real level is a plaintext alert even mid-stream."""
    flow = g.Flow(server=("10.0.0.2", 443))
    flow.send(0, b"\x17\x03\x03\x00\x20" + bytes(range(32)))
    flow.send(1, b"\x17\x03\x03\x00\x20" + bytes(range(32, 64)))
    flow.send(1, b"\x15\x03\x03\x00\x02\x02\x28")
    flow.fin(1).fin(0)
    path = tmp_path / "x.pcap"
    path.write_bytes(g.pcap(g.frames(g.eth(p) for p in flow.ip_packets())))
    result = read_capture(path)
    row = result.connections[0]
    assert row.status == "failed"
    assert row.alerts == (("server", 2, 40),)


# ------------------------------------------------------------------ broken files


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.pcap"
    p.write_bytes(b"")
    with pytest.raises(CaptureError, match=r"^empty.pcap: empty file"):
        read_capture(p)


def test_not_a_capture(tmp_path: Path) -> None:
    p = tmp_path / "capture.pcap"
    p.write_bytes(b"<html><body>hello</body></html>")
    with pytest.raises(InputError) as exc:
        read_capture(p)
    assert str(exc.value) == "capture.pcap: not a pcap or pcapng file (starts with 3c 68 74 6d)"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="cannot open"):
        read_capture(tmp_path / "nope.pcap")


def test_truncated_header(tmp_path: Path) -> None:
    p = tmp_path / "t.pcap"
    p.write_bytes(g.pcap([])[:10])
    with pytest.raises(CaptureError, match="truncated at byte 10"):
        read_capture(p)


def test_truncated_last_packet_keeps_what_came_before(
    tmp_path: Path, flights: list[tuple[int, bytes]]
) -> None:
    pkts = [g.eth(p) for p in g.tls_flow(flights).ip_packets()]
    data = g.pcap(g.frames(pkts))
    p = tmp_path / "t.pcap"
    p.write_bytes(data[:-30])
    result = read_capture(p)
    assert result.problem is not None and "truncated at byte" in result.problem
    assert result.frames == len(pkts) - 1
    assert result.connections[0].server_name == "formats.example"
    assert any("truncated" in n for n in result.evidence.notes)
    with pytest.raises(CaptureError, match="truncated"):
        read_capture(p, strict=True)


def test_corrupt_pcapng_block(tmp_path: Path, flights: list[tuple[int, bytes]]) -> None:
    pkts = g.tls_flow(flights).ip_packets()
    data = g.shb() + g.idb(101) + b"".join(g.epb(0, 1.0 + i, p) for i, p in enumerate(pkts))
    bad = data + b"\x06\0\0\0\x07\0\0\0garbage!"
    p = tmp_path / "c.pcapng"
    p.write_bytes(bad)
    result = read_capture(p)
    assert result.problem is not None and "corrupt block" in result.problem
    assert result.frames == len(pkts)
    only_header = tmp_path / "h.pcapng"
    only_header.write_bytes(g.shb() + b"\x01\0\0\0\xff\xff\xff\x7f" + bytes(8))
    with pytest.raises(CaptureError, match="corrupt block"):
        read_capture(only_header)


def test_no_packets(tmp_path: Path) -> None:
    p = tmp_path / "none.pcap"
    p.write_bytes(g.pcap([]))
    result = read_capture(p)
    assert result.frames == 0 and result.tls_connections == 0
    assert any("no packets" in n for n in result.evidence.notes)


def test_certificate_that_does_not_parse_is_a_note(
    tmp_path: Path, pki: Pki, flights: list[tuple[int, bytes]]
) -> None:
    damaged = [
        (d, data.replace(pki.server_der[:40], b"\x31" + pki.server_der[1:40]))
        for d, data in flights
    ]
    assert damaged != flights
    path = tmp_path / "x.pcap"
    path.write_bytes(g.pcap(g.frames(g.eth(p) for p in g.tls_flow(damaged).ip_packets())))
    result = read_capture(path)
    assert result.connections[0].status == "ok"
    assert not result.evidence.chains
    conn = result.evidence.connections[0]
    assert conn.transcript is not None
    cert = conn.transcript.find("Certificate", Side.SERVER)
    assert cert is not None and cert.message is not None
    assert any("cert[0] is not a certificate we can parse" in n for n in result.evidence.notes)


def test_repeated_body_is_parsed_again_under_another_version() -> None:
    """The cache of repeating handshake bodies keys on the version too: the same
    bytes are an empty TLS 1.3 Certificate and a malformed TLS 1.2 one."""
    caches = Caches()
    body = b"\x00\x00\x00\x00"
    tls13 = cast(TlsConnection, SimpleNamespace(version=0x0304, suite=None))
    tls12 = cast(TlsConnection, SimpleNamespace(version=0x0303, suite=None))
    assert _parse(tls13, 11, body, "client", caches).certificate_list == ()
    with pytest.raises(ParseFailed):
        _parse(tls12, 11, body, "client", caches)
    assert _parse(tls13, 11, body, "client", caches) is _parse(tls13, 11, body, "client", caches)
