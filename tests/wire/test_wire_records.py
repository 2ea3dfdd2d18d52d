"""Record layer: framing, the streaming reader, handshake reassembly, alerts, CCS."""

from __future__ import annotations

import pytest

from tlsdoctor.wire.errors import RecordOverflowError, WireError
from tlsdoctor.wire.messages import Alert, ChangeCipherSpec
from tlsdoctor.wire.records import (
    HandshakeReassembler,
    Record,
    RecordReader,
    build_record,
    build_records,
    parse_alerts,
    parse_change_cipher_spec,
    parse_records,
)


def test_record_round_trip_and_offsets() -> None:
    stream = build_record(22, b"abc") + build_record(23, b"") + build_record(21, b"\x02\x28")
    records, rest = parse_records(stream, "server")
    assert rest == b""
    assert [(r.content_type, r.fragment, r.offset) for r in records] == [
        (22, b"abc", 0),
        (23, b"", 8),
        (21, b"\x02\x28", 13),
    ]
    assert b"".join(r.to_bytes() for r in records) == stream
    assert records[0].describe() == "handshake record, 3 bytes"


def test_reader_waits_for_incomplete_records() -> None:
    stream = build_record(22, bytes(300)) * 3
    reader = RecordReader("server")
    got: list[Record] = []
    for i in range(0, len(stream), 7):
        got += reader.feed(stream[i : i + 7])
    assert [len(r.fragment) for r in got] == [300, 300, 300]
    assert reader.buffered == 0 and reader.offset == len(stream)
    reader.feed(b"\x16\x03")
    assert reader.buffered == 2
    with pytest.raises(WireError) as err:
        reader.close()
    assert err.value.side == "server" and err.value.offset == len(stream)


def test_good_records_come_before_the_error() -> None:
    reader = RecordReader("client")
    records = reader.feed(build_record(22, b"ok") + b"GET / HTTP/1.1\r\n")
    assert len(records) == 1 and reader.error is not None
    with pytest.raises(WireError) as err:
        reader.feed(b"")
    assert err.value.offset == 7 and err.value.side == "client"
    assert "found 'GET / HTTP/1.1'" in str(err.value) and err.value.alert == 10


@pytest.mark.parametrize(
    ("data", "cls", "alert", "text"),
    [
        (b"\x80\x2e\x01\x03\x01", WireError, 10, "SSL 2.0"),
        (b"\x16\x02\x00\x00\x01\x00", WireError, 50, "record version"),
        (b"\x17\x03\x03\x48\x01", RecordOverflowError, 22, "at most"),
        (b"\x63\x03\x03\x00\x01\x00", WireError, 10, "content type"),
    ],
)
def test_bad_headers(data: bytes, cls: type, alert: int, text: str) -> None:
    with pytest.raises(cls) as err:
        RecordReader("server").feed(data)
    assert err.value.alert == alert and text in str(err.value)
    assert err.value.side == "server" and str(err.value).startswith("server sent")


def test_reassembly_across_and_within_records() -> None:
    msg1 = b"\x01\x00\x00\x05hello"
    msg2 = b"\x14\x00\x00\x02ok"
    big = b"\x0b\x00\x10\x00" + bytes(0x1000)
    hs = HandshakeReassembler("server")
    assert hs.feed(msg1 + msg2[:3]) == [hs_frame(msg1)]
    assert hs.pending == 3
    assert hs.feed(msg2[3:] + big[:100]) == [hs_frame(msg2)]
    assert hs.feed(big[100:2000]) == []
    assert hs.feed(big[2000:]) == [hs_frame(big)]
    assert hs.pending == 0


def hs_frame(raw: bytes) -> object:
    from tlsdoctor.wire.records import HandshakeFrame

    return HandshakeFrame(raw[0], raw[4:], raw)


def test_reassembly_bounds_message_size() -> None:
    hs = HandshakeReassembler("server", max_message=1000)
    with pytest.raises(WireError) as err:
        hs.feed(b"\x0b\x01\x00\x00")
    assert "at most 1000" in str(err.value)


def test_alerts_and_change_cipher_spec() -> None:
    assert parse_alerts(b"\x02\x28") == [Alert(2, 40)]
    assert parse_alerts(b"\x01\x00\x02\x0a") == [Alert(1, 0), Alert(2, 10)]
    for bad in (b"", b"\x02", b"\x02\x28\x01"):
        with pytest.raises(WireError):
            parse_alerts(bad, "server")
    assert parse_change_cipher_spec(b"\x01") == ChangeCipherSpec()
    with pytest.raises(WireError) as err:
        parse_change_cipher_spec(b"\x02", "server", 17)
    assert err.value.offset == 17 and err.value.alert == 10
    assert Alert(2, 116).describe() == "fatal certificate_required (116)"


def test_build_records_fragments() -> None:
    data = bytes(40000)
    out = build_records(22, data)
    records, _ = parse_records(out)
    assert [len(r.fragment) for r in records] == [16384, 16384, 7232]
    assert build_records(22, b"") == b""
    assert build_records(23, b"") == b"\x17\x03\x03\x00\x00"
    with pytest.raises(ValueError):
        build_record(23, bytes(20000))
