"""Captures of real clients against the lab: the first finding from the capture is the manifest's.

tcpdump records loopback while `openssl s_client` (verifying chain and name,
as an application does) meets each lab server, over TLS 1.2, and over TLS 1.3
with the client's key log.  The finding must equal the manifest's
``expect_capture`` — the live check's finding, except where a capture sees
more (the empty client Certificate) or less (a PSK-only server's handshake_failure
says no suite was in common; only a probe can tell that it wants a PSK).
"""

from __future__ import annotations

import pytest

from support import need_capture, need_programs
from tlsdoctor.engine import diagnose_pcap
from tlsdoctor.lab import servers
from tlsdoctor.lab.recorder import openssl_client, tcpdump
from tlsdoctor.model import Severity

CASES = [(s, v) for s in servers.SCENARIOS for v in s.capture_versions]


@pytest.mark.parametrize(
    "scenario,version", CASES, ids=[f"{s.name}-{v or 'default'}" for s, v in CASES]
)
def test_capture_first_finding(scenario, version, lab, tmp_path) -> None:
    need_capture()
    need_programs(scenario.programs)
    srv = lab(scenario.name)
    pcap = str(tmp_path / "c.pcap")
    keylog = str(tmp_path / "keys.log")
    with tcpdump(pcap, [srv.port]):
        openssl_client(srv, *scenario.client_args, version=version, keylog=keylog, timeout=2)
    ca = [srv.files["ca"]] if "ca" in srv.files else []
    report = diagnose_pcap(pcap, keylog=keylog, ca_files=ca)
    ids = [f.id for f in report.findings]
    if scenario.expect_capture is None:
        bad = [(f.id, f.title) for f in report.findings if f.severity >= Severity.WARN]
        assert not bad, bad
    else:
        assert ids and ids[0] == scenario.expect_capture, ids
    assert report.facts["table"]["rows"], "the connection is listed"


def test_tls13_without_key_log_says_what_it_could_not_see(lab, tmp_path) -> None:
    srv = lab("missing-intermediate")
    pcap = str(tmp_path / "c.pcap")
    with tcpdump(pcap, [srv.port]):
        openssl_client(srv, version="1.3", timeout=2)
    report = diagnose_pcap(pcap, ca_files=[srv.files["ca"]])
    text = " ".join(c.text for c in report.not_checked) + " ".join(
        " ".join(t.unseen) for t in report.ladders
    )
    assert "keylog" in text.replace("-", "").lower() or "key log" in text.lower()
    row = report.facts["table"]["rows"][0]
    assert "TLS 1.3" in row and "localhost" in row  # what it still could see


def test_empty_client_certificate_named_with_its_frame(lab, tmp_path) -> None:
    srv = lab("mtls-required-tls12")
    pcap = str(tmp_path / "c.pcap")
    with tcpdump(pcap, [srv.port]):
        openssl_client(srv, version="1.2", timeout=2)
    report = diagnose_pcap(pcap, ca_files=[srv.files["ca"]])
    first = report.findings[0]
    assert first.id == "mtls.empty-client-certificate"
    places = [e.where.place for e in first.evidence]
    assert all(p and p.startswith("frame ") for p in places)
    assert "empty certificate list" in first.evidence[1].fact
