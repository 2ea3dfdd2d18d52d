"""Real loopback captures (tcpdump during openssl and Python ssl handshakes), tshark as oracle."""

from __future__ import annotations

import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from capture.livecap import Scenario
from support import missing_peer
from tlsdoctor.model import Side
from tlsdoctor.sources.capture import read_capture

pytestmark = pytest.mark.live


def _tshark(pcap: Path, keylog: Path | None, display: str, *fields: str) -> list[list[str]]:
    if shutil.which("tshark") is None:
        missing_peer("tshark is not installed")
    cmd = ["tshark", "-r", str(pcap), "-n", "-Y", display, "-T", "fields", "-E", "separator=|"]
    if keylog is not None:
        cmd += ["-o", f"tls.keylog_file:{keylog}"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, timeout=60, check=True).stdout.decode()
    return [line.split("|") for line in out.splitlines() if line.strip()]


def _oracle(sc: Scenario) -> dict[int, dict[str, object]]:
    """Per tcp.stream: SNI, version, suite, alerts, as tshark reads them (with the key log)."""
    per: dict[int, dict[str, object]] = defaultdict(dict)
    for stream, name in _tshark(
        sc.pcap,
        None,
        "tls.handshake.type == 1",
        "tcp.stream",
        "tls.handshake.extensions_server_name",
    ):
        per[int(stream)]["sni"] = name
    for stream, suite, selected, legacy in _tshark(
        sc.pcap,
        None,
        "tls.handshake.type == 2",
        "tcp.stream",
        "tls.handshake.ciphersuite",
        "tls.handshake.extensions.supported_version",
        "tls.handshake.version",
    ):
        per[int(stream)]["suite"] = int(suite, 16)
        per[int(stream)]["version"] = int(selected or legacy.split(",")[0], 16)
    for stream, descs in _tshark(
        sc.pcap, sc.keylog, "tls.alert_message", "tcp.stream", "tls.alert_message.desc"
    ):
        alerts = per[int(stream)].setdefault("alerts", [])
        assert isinstance(alerts, list)
        alerts.extend(int(x) for x in descs.split(","))
    return dict(per)


def test_every_connection_agrees_with_tshark(scenario: Scenario) -> None:
    oracle = _oracle(scenario)
    result = read_capture(scenario.pcap, keylog=scenario.keylog)
    assert result.tls_connections == len(oracle) == len(scenario.expect)
    assert [c.stream for c in result.connections] == sorted(oracle)
    for row in result.connections:
        want = oracle[row.stream]
        assert row.server_name == want["sni"]
        assert row.version == want.get("version")
        assert row.cipher_suite == want.get("suite")
        conn = result.connection(row.id)
        assert conn is not None and conn.outcome is not None
        ours = sorted(a.description for a in conn.outcome.alerts)
        assert ours == sorted(want.get("alerts", []))  # type: ignore[arg-type]


def test_outcomes_with_key_log(scenario: Scenario) -> None:
    result = read_capture(scenario.pcap, keylog=scenario.keylog)
    for row, want in zip(result.connections, scenario.expect, strict=True):
        assert row.server_name == want["sni"]
        assert row.version == want["version"]
        assert row.status == want["status"], row
        conn = result.connection(row.id)
        assert conn is not None and conn.outcome is not None and conn.transcript is not None
        assert conn.outcome.completed is (want["status"] == "ok")
        if "alert" in want:
            side, code = want["alert"]  # type: ignore[misc]
            fatal = conn.outcome.first_fatal_alert
            assert fatal is not None
            assert (fatal.sender.value, fatal.description) == (side, code)
            assert fatal.where is not None and fatal.where.place is not None
        if want.get("empty_client_cert"):
            frame = conn.facts["client_certificate_empty"]
            msg = conn.transcript.find("Certificate", Side.CLIENT)
            assert msg is not None and msg.message.is_empty
            assert msg.where is not None and msg.where.place == f"frame {frame}"
        if want.get("hrr"):
            names = [m.name for m in conn.transcript]
            assert names[:2] == ["ClientHello", "HelloRetryRequest"]
            assert names.count("ClientHello") == 2
            assert conn.facts["hrr_group"] == want["hrr"] == conn.outcome.group
        if want.get("client_cert"):
            chains = [c for c in result.evidence.chains if c.source == row.id]
            assert {c.role for c in chains} == {Side.SERVER, Side.CLIENT}


def test_empty_client_certificate_frame_matches_tshark(scenario: Scenario) -> None:
    result = read_capture(scenario.pcap, keylog=scenario.keylog)
    rows = _tshark(
        scenario.pcap,
        scenario.keylog,
        "tls.handshake.type == 11 && tls.handshake.certificates_length == 0",
        "tcp.stream",
        "frame.number",
    )
    theirs = {int(s): int(f) for s, f in rows}
    ours = {
        c.facts["tcp_stream"]: c.facts["client_certificate_empty"]
        for c in result.evidence.connections
        if "client_certificate_empty" in c.facts
    }
    assert ours == theirs
    assert len(ours) == 2


def test_mtls12_failure_reads_without_key_log(scenario: Scenario) -> None:
    """The wolfSSL-to-AWS-IoT shape: empty client Certificate, then bad news from the server."""
    result = read_capture(scenario.pcap)
    conn = next(c for c in result.evidence.connections if c.server_name == "mtls12.example")
    assert conn.transcript is not None and conn.outcome is not None
    names = [(m.sender.value, m.name) for m in conn.transcript]
    i = names.index(("client", "Certificate"))
    assert names[i - 1 : i + 1] == [("server", "ServerHelloDone"), ("client", "Certificate")]
    fatal = conn.outcome.first_fatal_alert
    assert fatal is not None and fatal.sender is Side.SERVER and fatal.description == 40
    assert conn.outcome.completed is False
    assert conn.facts["client_certificate_requested"] < conn.facts["client_certificate_empty"]


def test_tls13_without_key_log_says_what_it_cannot_see(scenario: Scenario) -> None:
    result = read_capture(scenario.pcap)
    by_sni = {c.server_name: c for c in result.evidence.connections}
    conn = by_sni["two.example"]
    assert conn.transcript is not None and conn.outcome is not None
    assert conn.outcome.completed is None
    assert conn.outcome.version == 0x0304 and conn.outcome.cipher_suite is not None
    assert conn.outcome.group is not None
    assert any("pass --keylog" in u for u in conn.transcript.unseen)
    assert any("two.example" in u for u in conn.transcript.unseen)  # what it could see
    assert conn.transcript.find("ClientHello") is not None
    assert conn.transcript.find("ServerHello") is not None
    unread = conn.transcript.find("EncryptedHandshake", Side.SERVER)
    assert unread is not None and unread.encrypted and unread.message is None
    assert not [c for c in result.evidence.chains if c.source == conn.id]
    assert any(n.startswith(conn.id) and "--keylog" in n for n in result.evidence.notes)
    # The mTLS 1.3 rejection: the server's alert is hidden, but its size gives it away.
    mtls13 = next(r for r in result.connections if r.server_name == "mtls13.example")
    assert mtls13.status == "unknown"
    assert mtls13.alert is not None and mtls13.alert.startswith("server: encrypted")


def test_tls13_with_key_log_reads_certificates(scenario: Scenario) -> None:
    result = read_capture(scenario.pcap, keylog=scenario.keylog)
    conn = next(c for c in result.evidence.connections if c.server_name == "two.example")
    assert conn.transcript is not None
    cert = conn.transcript.find("Certificate", Side.SERVER)
    assert cert is not None and cert.encrypted and cert.message is not None
    chain = next(c for c in result.evidence.chains if c.source == conn.id)
    assert chain.role is Side.SERVER and chain.at is not None and chain.at.tzinfo is not None
    assert chain.certs[0].where.place == f"{cert.where.place} cert[0]"  # type: ignore[union-attr]
    assert chain.certs[0].cert.subject.rfc4514_string() == "CN=localhost"
    assert not conn.transcript.unseen
    assert conn.facts["keylog"] == "used"


def test_reused_ports_are_separate_connections(scenario: Scenario) -> None:
    result = read_capture(scenario.pcap, keylog=scenario.keylog)
    reused = [r for r in result.connections if r.client.endswith(f":{scenario.reuse_port}")]
    assert [r.server_name for r in reused] == ["three.example", "four.example"]
    assert len({r.id for r in reused}) == 2
    assert all(r.ended and r.ended.startswith("RST from client") for r in reused)


def test_filters(scenario: Scenario) -> None:
    by_sni = read_capture(scenario.pcap, sni="mtls*.example")
    assert {r.server_name for r in by_sni.connections} == {
        "mtls12.example",
        "mtls13.example",
        "mtls-ok.example",
    }
    assert by_sni.filtered_out == len(scenario.expect) - 3
    by_host = read_capture(scenario.pcap, host="one.example")
    assert [r.server_name for r in by_host.connections] == ["one.example"]
    port = int(by_sni.connections[0].server.rsplit(":", 1)[1])
    by_port = read_capture(scenario.pcap, port=port, host="127.0.0.1")
    assert {r.server_name for r in by_port.connections} == {
        "mtls12.example",
        "mtls13.example",
        "mtls-ok.example",
    }


def test_fingerprints_and_hello_facts(scenario: Scenario) -> None:
    result = read_capture(scenario.pcap)
    conn = result.evidence.connections[0]
    assert len(conn.facts["ja3"]) == 32
    assert conn.facts["ja4"].startswith("t12d") or conn.facts["ja4"].startswith("t13d")
    assert conn.facts["ja3_string"].split(",")[0] == "771"
    # tshark computes JA3 too: the oracle for ours.
    rows = _tshark(
        scenario.pcap, None, "tls.handshake.type == 1", "tcp.stream", "tls.handshake.ja3"
    )
    theirs = {int(s): h for s, h in rows}
    ours = {c.facts["tcp_stream"]: c.facts["ja3"] for c in result.evidence.connections}
    assert ours == theirs


def test_secrets_never_in_output(scenario: Scenario) -> None:
    result = read_capture(scenario.pcap, keylog=scenario.keylog)
    secrets = [
        line.split()[2] for line in scenario.keylog.read_text().splitlines() if line[:1] != "#"
    ]
    text = repr(result) + "".join(str(n) for n in result.evidence.notes)
    for s in secrets:
        assert s not in text and s.upper() not in text
