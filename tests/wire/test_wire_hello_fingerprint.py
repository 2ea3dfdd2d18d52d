"""The ClientHello builder and JA3/JA4 fingerprints.

JA4 is checked against the worked example in FoxIO's JA4 technical details
(ciphers, extensions, signature algorithms and the hashes it prints); JA3
against Wireshark's own JA3 of the same ClientHello.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from support import missing_peer
from tlsdoctor.wire import _codec as c
from tlsdoctor.wire import extensions as x
from tlsdoctor.wire.build import handshake_bytes
from tlsdoctor.wire.constants import is_grease
from tlsdoctor.wire.fingerprint import ja3, ja3_string, ja4, ja4_raw
from tlsdoctor.wire.handshake import parse_handshake
from tlsdoctor.wire.hello import (
    ClientHelloProfile,
    HelloInputs,
    build_client_hello,
    random_inputs,
)
from tlsdoctor.wire.messages import ClientHello, Extension
from tlsdoctor.wire.records import build_record
from wire import wirevectors as v

JA4_CIPHERS = (0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8)
JA4_CIPHERS += (0xC013, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035)
JA4_EXTENSIONS = (0x001B, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002D, 0x000D)
JA4_EXTENSIONS += (0x0005, 0x0023, 0x0012, 0x002B, 0xFF01, 0x000B, 0x000A, 0x0015)
JA4_SIGALGS = (0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601)


def ja4_example(with_sigalgs: bool = True, grease: bool = False) -> ClientHello:
    bodies = {
        0x0010: c.vec16(c.vec8(b"h2") + c.vec8(b"http/1.1")),
        0x002B: c.u16_list([0x0304, 0x0303], width=1),
        0x000D: c.u16_list(list(JA4_SIGALGS) if with_sigalgs else []),
    }
    exts = [Extension(t, bodies.get(t, b"")) for t in JA4_EXTENSIONS]
    suites = JA4_CIPHERS
    if grease:
        exts.insert(0, Extension(0x1A1A, b""))
        suites = (0x2A2A, *suites)
    return ClientHello(0x0303, bytes(32), b"", suites, b"\x00", tuple(exts))


def test_ja4_matches_the_published_example() -> None:
    ch = ja4_example()
    assert ja4(ch) == "t13d1516h2_8daaf6152771_e5627efa2ab1"
    assert ja4(ch, original=True) == "t13d1516h2_acb858a92679_18f69afefd3d"
    assert ja4_raw(ch) == (
        "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,"
        "cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,"
        "0804,0401,0503,0805,0501,0806,0601"
    )
    assert ja4(ja4_example(grease=True)) == ja4(ch)  # GREASE is ignored
    assert ja4(ja4_example(with_sigalgs=False)).endswith("_6d807ffa2a79")


def test_ja4_edge_cases() -> None:
    bare = ClientHello(0x0301, bytes(32), b"", (), b"\x00", ())
    assert ja4(bare) == "t10i000000_000000000000_000000000000"

    def alpn(value: bytes) -> str:
        ext = Extension(16, c.vec16(c.vec8(value)))
        return ja4(ClientHello(0x0303, bytes(32), b"", (0x1301,), b"\x00", (ext,)))[8:10]

    assert alpn(b"h") == "hh"
    assert alpn(b"\xab") == "ab"
    assert alpn(b"\x30\xab") == "3b"
    assert alpn(b"\x30\xab\xcd\x31") == "01"


def _pcap(payload: bytes) -> bytes:
    """A one-packet pcap (LINKTYPE_RAW IPv4/TCP) carrying ``payload`` to port 443."""
    tcp = struct.pack(">HHIIBBHHH", 50000, 443, 1, 0, 5 << 4, 0x18, 65535, 0, 0)
    total = 20 + len(tcp) + len(payload)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 1, 0, 64, 6, 0, bytes([127, 0, 0, 1]),
                     bytes([127, 0, 0, 1]))  # fmt: skip
    frame = ip + tcp + payload
    head = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101)
    return head + struct.pack("<IIII", 0, 0, len(frame), len(frame)) + frame


@pytest.mark.parametrize("grease", [False, True])
def test_ja3_matches_wireshark(tmp_path: Path, grease: bool) -> None:
    if shutil.which("tshark") is None:
        missing_peer("tshark is not installed")
    profile = replace(ClientHelloProfile(), grease=grease, alpn=(b"h2",), grease_seed=0x1234)
    ch = build_client_hello(profile, random_inputs(profile, "ja3.test"))
    capture = tmp_path / "hello.pcap"
    capture.write_bytes(_pcap(build_record(22, handshake_bytes(ch), 0x0301)))
    out = subprocess.run(
        ["tshark", "-r", str(capture), "-T", "fields", "-e", "tls.handshake.ja3_full",
         "-e", "tls.handshake.ja3"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout.strip()  # fmt: skip
    full, digest = out.split("\t")
    assert ja3_string(ch) == full
    assert ja3(ch) == digest


def test_ja3_string_shape() -> None:
    ch, _ = parse_handshake(v.S3_CLIENT_HELLO)
    assert ja3_string(ch) == (
        "771,4865-4867-4866,0-65281-10-35-51-43-13-45-28,29-23-24-25-256-257-258-259-260,"
    )


# ----------------------------------------------------------------- builder


def test_builder_reproduces_rfc8448_client_hello() -> None:
    from tlsdoctor.wire.kex import KeyShare
    from wire.wireprofiles import S3_PROFILE

    public = KeyShare(29, v.S3_CLIENT_PRIVATE).public
    ch = build_client_hello(
        S3_PROFILE, HelloInputs(v.S3_CLIENT_HELLO[6:38], b"", "server", {29: public})
    )
    assert handshake_bytes(ch) == v.S3_CLIENT_HELLO


def test_builder_grease_padding_order_and_psk_last() -> None:
    profile = ClientHelloProfile(grease=True, padding="boringssl", alpn=(b"h2",))
    inputs = random_inputs(profile, "example.test")
    psk = x.OfferedPsks((x.PskIdentity(b"id", 0),), (bytes(32),))
    ch = build_client_hello(profile, replace(inputs, psk=psk))
    types = [e.type for e in ch.extensions]
    assert is_grease(types[0]) and is_grease(types[-3]) and types[0] != types[-3]
    assert types[-2:] == [21, 41]  # padding, then pre_shared_key last
    assert len(handshake_bytes(ch)) == 512
    assert is_grease(ch.cipher_suites[0])
    assert is_grease(ch.typed(43).versions[0]) and is_grease(ch.typed(10).groups[0])
    assert is_grease(ch.typed(51).entries[0].group)
    assert ch.server_name == "example.test" and len(ch.session_id) == 32


def test_builder_follows_the_profile() -> None:
    profile = ClientHelloProfile(
        versions=(0x0303, 0x0302),
        cipher_suites=(0xC02F, 0x002F),
        renegotiation_info=False,
        fallback_scsv=True,
        sni=False,
        extension_order=("supported_groups", "signature_algorithms", "encrypt_then_mac", "padding"),
        padding=600,
    )
    ch = build_client_hello(profile, random_inputs(profile, "ignored.test"))
    assert ch.legacy_version == 0x0303
    assert ch.cipher_suites == (0xC02F, 0x002F, 0x00FF, 0x5600)
    assert [e.type for e in ch.extensions] == [10, 13, 22, 21]
    assert len(handshake_bytes(ch)) == 600
    assert ch.server_name is None and ch.typed(43) is None and ch.session_id == b""
    with pytest.raises(ValueError, match="unknown extension name"):
        build_client_hello(
            replace(profile, extension_order=("no_such_thing",)), random_inputs(profile)
        )
