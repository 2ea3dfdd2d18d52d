"""NSS key logs: parsing, secrecy, and reading encrypted records of several cipher suites."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from capture import capgen as g
from capture.livecap import Pki, client_context, server_context
from tlsdoctor.model import Side
from tlsdoctor.sources.capture import KeyLog, KeyLogError, read_capture, read_keylog

RANDOM = "ab" * 32
MASTER = "cd" * 48


def test_parse_labels_comments_and_junk(tmp_path: Path) -> None:
    p = tmp_path / "keys.log"
    p.write_text(
        "# a comment\n\n"
        f"CLIENT_RANDOM {RANDOM} {MASTER}\n"
        f"SERVER_HANDSHAKE_TRAFFIC_SECRET {RANDOM} {'11' * 48}\n"
        f"EXPORTER_SECRET {RANDOM} {'22' * 48}\n"
        "CLIENT_RANDOM nothex nothex\n"
        f"CLIENT_RANDOM {RANDOM[:10]} {MASTER}\n"
    )
    log = read_keylog(p)
    assert log.lines == 2 and log.skipped == 3
    cr = bytes.fromhex(RANDOM)
    assert log.get(cr, "CLIENT_RANDOM") == bytes.fromhex(MASTER)
    assert log.get(cr, "SERVER_HANDSHAKE_TRAFFIC_SECRET") == b"\x11" * 48
    assert log.get(cr, "CLIENT_TRAFFIC_SECRET_0") is None
    assert MASTER not in repr(log) and MASTER not in repr(log.secrets)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no key log lines"),
        (b"hello world\n", "no key log lines"),
        (b"CLIENT_RANDOM \xff\xfe\n", "non-ASCII byte on line 1"),
    ],
)
def test_bad_key_logs(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "k.log"
    p.write_bytes(content)
    with pytest.raises(KeyLogError, match=message) as exc:
        read_keylog(p)
    assert str(exc.value).startswith("k.log: ")


def test_bad_key_log_error_never_shows_secrets(tmp_path: Path) -> None:
    p = tmp_path / "k.log"
    p.write_bytes(f"CLIENT_RANDOM {RANDOM} {MASTER}\n\xff".encode("latin-1"))
    with pytest.raises(KeyLogError) as exc:
        read_keylog(p)
    assert MASTER not in str(exc.value) and "line 2" in str(exc.value)
    with pytest.raises(KeyLogError, match="cannot open"):
        read_keylog(tmp_path / "missing.log")


def _capture(
    tmp_path: Path, pki: Pki, version: ssl.TLSVersion, cipher: str | None, etm: bool = True
) -> tuple[Path, Path]:
    keys = tmp_path / "keys.log"
    client = client_context(pki, version, keylog=keys)
    server = server_context(pki)
    if cipher:
        client.set_ciphers(cipher)
        server.set_ciphers(cipher)
    if not etm:
        client.options |= 0x00080000  # SSL_OP_NO_ENCRYPT_THEN_MAC
    flights = g.memory_handshake(client, server, "keys.example", b"k" * 2000)
    path = tmp_path / "x.pcap"
    path.write_bytes(g.pcap(g.frames(g.eth(p) for p in g.tls_flow(flights).ip_packets())))
    return path, keys


@pytest.mark.parametrize(
    ("version", "cipher", "etm"),
    [
        (ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-AES128-GCM-SHA256", True),
        (ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-AES256-GCM-SHA384", True),
        (ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-CHACHA20-POLY1305", True),
        (ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-AES128-CCM", True),
        (ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-AES128-SHA", True),
        (ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-AES128-SHA", False),
        (ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-AES256-SHA384", False),
        (ssl.TLSVersion.TLSv1_3, None, True),
    ],
    ids=["gcm128", "gcm256", "chacha", "ccm", "cbc-etm", "cbc-mte", "cbc384-mte", "tls13"],
)
def test_decrypts_suites(
    tmp_path: Path, pki: Pki, version: ssl.TLSVersion, cipher: str | None, etm: bool
) -> None:
    path, keys = _capture(tmp_path, pki, version, cipher, etm)
    result = read_capture(path, keylog=keys)
    assert not [n for n in result.evidence.notes if "decrypt" in n], result.evidence.notes
    conn = result.evidence.connections[0]
    assert conn.transcript is not None and conn.outcome is not None
    fin = [m for m in conn.transcript if m.name == "Finished"]
    assert len(fin) == 2 and all(m.message is not None and m.encrypted for m in fin)
    assert conn.outcome.completed is True
    assert [(a.sender, a.description) for a in conn.outcome.alerts] == [(Side.CLIENT, 0)]
    app = conn.transcript.find("ApplicationData", Side.SERVER)
    assert app is not None and app.size == 2000


def test_key_log_of_another_session(tmp_path: Path, pki: Pki) -> None:
    path, _ = _capture(tmp_path, pki, ssl.TLSVersion.TLSv1_3, None)
    other, keys = _capture(tmp_path / "..", pki, ssl.TLSVersion.TLSv1_3, None)
    del other
    result = read_capture(path, keylog=keys)
    row = result.connections[0]
    assert row.status == "unknown"
    assert any("the key log has no secrets for this connection" in n for n in result.evidence.notes)


def test_wrong_secret_for_this_session(tmp_path: Path, pki: Pki) -> None:
    path, keys = _capture(tmp_path, pki, ssl.TLSVersion.TLSv1_3, None)
    log = KeyLog()
    for line in keys.read_text().splitlines():
        if line.startswith("#"):
            continue
        label, cr, secret = line.split()
        log.add_text(f"{label} {cr} {'00' * (len(secret) // 2)}\n")
    result = read_capture(path, keylog=log)
    assert any("does not decrypt" in n for n in result.evidence.notes)
    assert result.connections[0].status == "unknown"


def test_tls12_resumption(tmp_path: Path, pki: Pki) -> None:
    keys = tmp_path / "keys.log"
    client = client_context(pki, ssl.TLSVersion.TLSv1_2, keylog=keys)
    server = server_context(pki)
    sessions: list[ssl.SSLSession] = []
    first = g.memory_handshake(client, server, "resume.example", b"a" * 10, sessions=sessions)
    again = g.memory_handshake(client, server, "resume.example", b"b" * 10, session=sessions[0])
    pkts = g.tls_flow(first).ip_packets()
    pkts += g.tls_flow(again, client=("10.0.0.1", 40001)).ip_packets()
    path = tmp_path / "x.pcap"
    path.write_bytes(g.pcap(g.frames(g.eth(p) for p in pkts)))
    for keylog in (None, keys):
        result = read_capture(path, keylog=keylog)
        assert [r.status for r in result.connections] == ["ok", "ok"]
        full, resumed = result.evidence.connections
        assert resumed.facts.get("resumed") is True and not full.facts.get("resumed")
        assert resumed.transcript is not None
        names = [m.name for m in resumed.transcript if m.sender is Side.SERVER]
        assert "Certificate" not in names and names.count("Finished") == 1
