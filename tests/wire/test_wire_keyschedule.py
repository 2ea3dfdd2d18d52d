"""TLS 1.3 key schedule against the values RFC 8448 prints."""

from __future__ import annotations

from tlsdoctor.wire import keyschedule as ks
from tlsdoctor.wire.handshake import parse_handshake
from tlsdoctor.wire.kex import KeyShare
from tlsdoctor.wire.messages import ServerHello
from tlsdoctor.wire.records import parse_records
from wire import wirevectors as v


def _server_hello_raw() -> bytes:
    records, rest = parse_records(v.S3_SERVER_HELLO_RECORD)
    assert not rest
    return records[0].fragment


def test_hkdf_label_layout() -> None:
    # RFC 8448 §3 "derive secret tls13 c hs traffic": info (54 octets)
    assert ks.hkdf_label(b"c hs traffic", v.S3_HELLO_HASH, 32) == v.S3_HKDF_LABEL_C_HS_TRAFFIC


def test_ecdhe_and_transcript_hash() -> None:
    sh, _ = parse_handshake(_server_hello_raw())
    assert isinstance(sh, ServerHello)
    share = KeyShare(29, v.S3_CLIENT_PRIVATE)
    assert share.exchange(sh.typed(51).entry.key_exchange) == v.S3_ECDHE
    t = ks.Transcript("sha256")
    t.update(v.S3_CLIENT_HELLO)
    t.update(_server_hello_raw())
    assert t.digest() == v.S3_HELLO_HASH


def test_rfc8448_section3_schedule() -> None:
    s = ks.KeySchedule("sha256")
    assert s.early_secret == v.S3_EARLY_SECRET
    s.handshake(v.S3_ECDHE, v.S3_HELLO_HASH)
    assert s.handshake_secret == v.S3_HANDSHAKE_SECRET
    assert s.client_handshake_traffic_secret == v.S3_CLIENT_HS_TRAFFIC
    assert s.server_handshake_traffic_secret == v.S3_SERVER_HS_TRAFFIC
    assert ks.traffic_keys("sha256", v.S3_SERVER_HS_TRAFFIC, 16) == (
        v.S3_SERVER_HS_KEY,
        v.S3_SERVER_HS_IV,
    )
    assert ks.traffic_keys("sha256", v.S3_CLIENT_HS_TRAFFIC, 16) == (
        v.S3_CLIENT_HS_KEY,
        v.S3_CLIENT_HS_IV,
    )
    assert "secret" not in repr(s).replace("<secrets redacted>", "")


def test_rfc8448_section3_master_finished_resumption() -> None:
    from tlsdoctor.wire.protection import Tls13Protection
    from tlsdoctor.wire.records import HandshakeReassembler
    from tlsdoctor.wire.registry import cipher_suite

    s = ks.KeySchedule("sha256")
    s.handshake(v.S3_ECDHE, v.S3_HELLO_HASH)
    t = ks.Transcript("sha256")
    t.update(v.S3_CLIENT_HELLO)
    t.update(_server_hello_raw())
    suite = cipher_suite(0x1301)
    assert suite is not None
    prot = Tls13Protection(suite, s.server_handshake_traffic_secret)
    records, _ = parse_records(v.S3_SERVER_FLIGHT_RECORD)
    content_type, plaintext = prot.open(records[0])
    assert content_type == 22
    frames = HandshakeReassembler().feed(plaintext)
    assert [f.msg_type for f in frames] == [8, 11, 15, 20]
    for frame in frames[:-1]:
        t.update(frame.raw)
    server_finished = ks.finished_verify_data(
        "sha256", s.server_handshake_traffic_secret, t.digest()
    )
    assert server_finished == frames[-1].body == v.S3_SERVER_FINISHED
    t.update(frames[-1].raw)
    s.master(t.digest())
    assert s.master_secret == v.S3_MASTER_SECRET
    assert s.client_application_traffic_secret == v.S3_CLIENT_AP_TRAFFIC
    assert s.server_application_traffic_secret == v.S3_SERVER_AP_TRAFFIC
    assert s.exporter_master_secret == v.S3_EXPORTER_MASTER
    client_finished = ks.finished_verify_data(
        "sha256", s.client_handshake_traffic_secret, t.digest()
    )
    assert client_finished == v.S3_CLIENT_FINISHED
    t.update(b"\x14\x00\x00\x20" + client_finished)
    s.resumption(t.digest())
    assert s.resumption_master_secret == v.S3_RESUMPTION_MASTER


def test_rfc8448_section4_psk_binder() -> None:
    psk = ks.resumption_psk("sha256", v.S3_RESUMPTION_MASTER, v.S4_TICKET_NONCE)
    assert psk == v.S4_PSK
    s = ks.KeySchedule("sha256", psk)
    assert s.binder_key(external=False) == v.S4_BINDER_KEY
    assert s.binder_key(external=True) != v.S4_BINDER_KEY  # "ext binder" differs
    truncated = v.S4_CLIENT_HELLO[: -(2 + 1 + 32)]
    assert ks.digest("sha256", truncated) == v.S4_BINDER_HASH
    assert ks.psk_binder("sha256", psk, v.S4_BINDER_HASH, external=False) == v.S4_BINDER
    assert v.S4_CLIENT_HELLO.endswith(v.S4_BINDER)


def test_hello_retry_transcript_uses_message_hash() -> None:
    t = ks.Transcript("sha256")
    t.update(b"\x01\x00\x00\x01\x00")
    t.replace_hello_after_retry()
    assert bytes(t.messages) == b"\xfe\x00\x00\x20" + ks.digest("sha256", b"\x01\x00\x00\x01\x00")


def test_next_traffic_secret_changes_the_keys() -> None:
    nxt = ks.next_traffic_secret("sha256", v.S3_CLIENT_AP_TRAFFIC)
    assert len(nxt) == 32 and nxt != v.S3_CLIENT_AP_TRAFFIC
    assert ks.hash_length("sha384") == 48
