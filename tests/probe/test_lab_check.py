"""`tlsdoctor check` against the lab: the FIRST finding is exactly the manifest's.

Real servers on 127.0.0.1 (openssl s_server, nginx, gnutls-serv, Python
sockets); hang tests use a deadline of at most 2 s.
"""

from __future__ import annotations

import json
import socket

import pytest

from support import assert_valid_report, run_cli
from tlsdoctor.engine import check_options, diagnose_check
from tlsdoctor.lab import servers
from tlsdoctor.lab.expect import meets
from tlsdoctor.model import Severity, Side
from tlsdoctor.wire import registry

LIVE = [s for s in servers.SCENARIOS]


def _diagnose(srv: servers.Running, **kw):
    args = servers.check_args(srv)
    target = args[0]
    opts_kw = {
        "sni": srv.files.get("host", "localhost"),
        "timeout": 2.0 if srv.scenario.name == "silent" else 10.0,
    }
    if "--timeout" in args:
        opts_kw["timeout"] = float(args[args.index("--timeout") + 1])
    opts_kw.update(kw)
    ca = [srv.files["ca"]] if "ca" in srv.files else []
    return diagnose_check(check_options(target, **opts_kw), ca_files=ca)


@pytest.mark.parametrize("scenario", LIVE, ids=[s.name for s in LIVE])
def test_first_finding_matches_manifest(scenario, lab_server) -> None:
    srv = lab_server(scenario.name)
    report = _diagnose(srv)
    assert meets(report, scenario.expect_live), [
        (f.id, f.severity.label, f.title) for f in report.findings
    ]
    handshakes = report.facts["scans"][0]["handshakes"]
    assert handshakes <= 40


def test_healthy_names_parameters_and_counts_handshakes(lab_server, report_schema) -> None:
    srv = lab_server("healthy")
    r = run_cli(["check", *servers.check_args(srv), "--format", "json"])
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert_valid_report(doc, report_schema)
    scan = doc["facts"]["scans"][0]
    assert scan["negotiated"]["version"] == "TLS 1.3"
    assert scan["versions"] == {
        "TLS 1.0": False,
        "TLS 1.1": False,
        "TLS 1.2": True,
        "TLS 1.3": True,
    }
    assert len(scan["attempts"]) == scan["handshakes"] <= 40


@pytest.mark.parametrize("name", ["tls13-only", "tls13-only-gnutls"])
def test_tls13_only_flight_read_through_our_key_schedule(name, lab_server) -> None:
    srv = lab_server(name)
    report = _diagnose(srv)
    chains = report.facts["chains"]
    assert chains and "TLS 1.3" in chains[0]["source"]
    assert chains[0]["path_end"] == "trusted"
    ev_scan = report.facts["scans"][0]
    assert ev_scan["versions"]["TLS 1.3"] and not ev_scan["versions"]["TLS 1.2"]
    if name == "tls13-only-gnutls":
        assert ev_scan["client_certificate_requested"] is True


def test_tls13_certificate_request_decrypted(lab_server) -> None:
    from tlsdoctor.sources.probe.check import CheckOptions, check

    srv = lab_server("tls13-only-gnutls")
    ev = check(CheckOptions(srv.address, sni="localhost", timeout=5))
    t = ev.scans[0].default.connection.transcript
    enc = {m.name for m in t.messages if m.encrypted and m.sender is Side.SERVER}
    assert {"CertificateRequest", "Certificate", "CertificateVerify", "Finished"} <= enc


def test_mtls_with_good_certificate_succeeds(lab_server) -> None:
    for name in ("mtls-required", "mtls-required-tls12"):
        srv = lab_server(name)
        report = _diagnose(
            srv, cert_file=srv.files["client_cert"], key_file=srv.files["client_key"]
        )
        assert not [f.id for f in report.findings if f.severity >= Severity.WARN], name


def test_mtls_with_other_ca_is_rejected_naming_acceptable_cas(lab_server) -> None:
    for name in ("mtls-required", "mtls-required-tls12"):
        srv = lab_server(name)
        report = _diagnose(
            srv, cert_file=srv.files["other_client_cert"], key_file=srv.files["other_client_key"]
        )
        first = report.findings[0]
        assert first.id == "mtls.cert-rejected", [f.id for f in report.findings]
        assert "Lab Client CA" in first.title
        assert any("acceptable CAs" in e.fact and "Lab Client CA" in e.fact for e in first.evidence)


def _psk(text: str):
    from tlsdoctor.model import Secret

    return Secret(text.encode(), "PSK")


def test_psk_text_as_ascii_names_hex(lab_server) -> None:
    srv = lab_server("psk-only")
    report = _diagnose(srv, psk_identity="client1", psk=_psk("abc123"), psk_encoding="ascii")
    first = report.findings[0]
    assert first.id == "psk.key-mismatch"
    assert "hex-decoded" in first.title


def test_psk_right_key_succeeds_naming_suite(lab_server) -> None:
    srv = lab_server("psk-only")
    report = _diagnose(srv, psk_identity="client1", psk=_psk("abc123"))
    assert not [f for f in report.findings if f.severity >= Severity.WARN]
    text = " ".join(c.text for c in report.passed)
    assert "PSK handshake completed" in text and "TLS_PSK_WITH" in text


def test_psk_never_printed(lab_server, tmp_path) -> None:
    srv = lab_server("psk-only")
    key = tmp_path / "psk.txt"
    key.write_text("5ec7e7c0ffee\n")
    for fmt in ("terminal", "json"):
        r = run_cli(
            [
                "check",
                srv.address,
                "--psk-identity",
                "client1",
                "--psk-file",
                str(key),
                "--psk-encoding",
                "ascii",
                "--format",
                fmt,
            ]
        )
        assert r.code == 1
        assert "5ec7e7c0ffee" not in r.out + r.err
        assert bytes.fromhex("5ec7e7c0ffee").hex() not in r.out.replace("5ec7e7c0ffee", "")


def test_refused_exits_3() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = run_cli(["check", f"127.0.0.1:{port}", "--timeout", "2"], timeout=6)
    assert r.code == 3
    assert "transport.refused" in r.out


def test_silent_server_ends_within_the_deadline(lab_server) -> None:
    srv = lab_server("silent")
    # Outer limit 3x the 1 s deadline: a hang guard, not a timing assertion.
    r = run_cli(["check", srv.address, "--timeout", "1", "--format", "json"], timeout=3 + 2)
    doc = json.loads(r.out)
    assert doc["root_cause"] == "transport.hang"
    assert doc["facts"]["scans"][0]["deadline_hit"] is True


def test_bad_target_exits_2() -> None:
    r = run_cli(["check", "127.0.0.1:notaport"])
    assert r.code == 2 and "Traceback" not in r.err


def test_version_names_in_registry() -> None:
    assert registry.version_name(0x0304) == "TLS 1.3"
