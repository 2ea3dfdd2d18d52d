"""The live matrix: one set of probes, every profile's own ClientHello once, ATS, app configs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support import assert_valid_report, run_cli
from tlsdoctor.engine import check_options, diagnose_check
from tlsdoctor.lab import servers

pytestmark = pytest.mark.live


def _check(srv: servers.Running, **kw: Any) -> Any:
    opts = check_options(srv.address, sni=str(srv.files.get("host", "localhost")), timeout=6)
    return diagnose_check(opts, ca_files=[srv.files["ca"]], **kw)


def _matrix(report: Any) -> dict[str, dict[str, Any]]:
    return {m["client"]: m for m in report.facts["clients"]["matrix"]}


def test_healthy_every_current_client_passes(lab_server: Any) -> None:
    from tlsdoctor.clients.profiles import profiles

    report = _check(lab_server("healthy"), clients=["all"])
    m = _matrix(report)
    for p in profiles().values():
        if p.current:
            assert m[p.id]["verdict"] == "pass", (p.id, m[p.id]["reason"])
    counts = report.facts["clients"]
    assert counts["profiles"] >= 20
    assert 0 < counts["handshakes_added"] <= 30
    assert counts["handshakes_added"] == counts["distinct_hellos"]
    scan = report.facts["scans"][0]
    assert scan["handshakes"] == counts["handshakes_total"]
    assert (
        sum(1 for a in scan["attempts"] if a["purpose"].startswith("client "))
        == counts["handshakes_added"]
    )


def test_tls10_only_without_forward_secrecy_fails_ats_naming_the_keys(lab_server: Any) -> None:
    report = _check(lab_server("legacy-tls10"), clients=["ios", "chrome", "openssl-3"])
    m = _matrix(report)
    ios = m["ios"]
    assert ios["verdict"] == "fail" and ios["finding"] == "ats.policy"
    assert "TLS 1.2" in ios["reason"] and "forward secrecy" in ios["reason"]
    assert ios["ats_exceptions"] == {
        "NSExceptionMinimumTLSVersion": "TLSv1.1",
        "NSExceptionRequiresForwardSecrecy": "NO",
    }
    assert m["chrome"]["finding"] == "protocol.legacy-only"
    assert m["openssl-3"]["verdict"] == "pass"
    ats = next(f for f in report.findings if f.id == "ats.policy")
    assert any("NSExceptionRequiresForwardSecrecy" in (x.snippet or "") for x in ats.fixes)


def test_an_info_plist_exception_lets_ios_through(lab_server: Any, tmp_path: Path) -> None:
    import plistlib

    plist = tmp_path / "Info.plist"
    plist.write_bytes(
        plistlib.dumps(
            {
                "NSAppTransportSecurity": {
                    "NSExceptionDomains": {
                        "localhost": {
                            "NSExceptionMinimumTLSVersion": "TLSv1.0",
                            "NSExceptionRequiresForwardSecrecy": False,
                        }
                    }
                }
            }
        )
    )
    report = _check(lab_server("legacy-tls10"), clients=["ios"], app_config=str(plist))
    ios = _matrix(report)["ios"]
    assert ios["verdict"] == "pass", ios["reason"]
    assert "Info.plist" in (ios["app_config"] or "")


def test_public_root_without_scts_fails_ct_with_counts_by_source(lab_server: Any) -> None:
    srv = lab_server("healthy")
    report = _check(srv, clients=["ios", "chrome", "openssl-3"], public_roots=srv.files["ca"])
    m = _matrix(report)
    for c in ("ios", "chrome"):
        assert m[c]["finding"] == "ct.policy-not-met"
        assert "embedded: 0, TLS extension: 0, OCSP staple: 0" in m[c]["reason"]
    assert m["openssl-3"]["verdict"] == "pass"
    f = next(f for f in report.findings if f.id == "ct.policy-not-met")
    assert "ios" in f.clients and "chrome" in f.clients


def test_android_app_config_user_cas_and_pins(lab_server: Any, tmp_path: Path) -> None:
    srv = lab_server("healthy")
    system_only = tmp_path / "nsc.xml"
    system_only.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<network-security-config><base-config>'
        '<trust-anchors><certificates src="system"/></trust-anchors></base-config>'
        "</network-security-config>"
    )
    m = _matrix(_check(srv, clients=["android-14"], app_config=str(system_only)))
    assert m["android-14"]["finding"] == "android.user-ca-ignored"
    assert "nsc.xml" in m["android-14"]["reason"]
    user = tmp_path / "nsc-user.xml"
    user.write_text(
        "<network-security-config><base-config><trust-anchors>"
        '<certificates src="system"/><certificates src="user"/></trust-anchors></base-config>'
        "</network-security-config>"
    )
    assert (
        _matrix(_check(srv, clients=["android-14"], app_config=str(user)))["android-14"]["verdict"]
        == "pass"
    )
    pinned = tmp_path / "nsc-pin.xml"
    pinned.write_text(
        "<network-security-config><domain-config><domain>localhost</domain>"
        '<trust-anchors><certificates src="user"/></trust-anchors>'
        '<pin-set><pin digest="SHA-256">' + "A" * 43 + "=</pin></pin-set></domain-config>"
        "</network-security-config>"
    )
    assert (
        _matrix(_check(srv, clients=["android-14"], app_config=str(pinned)))["android-14"][
            "finding"
        ]
        == "android.pin-mismatch"
    )


def test_cli_matrix_terminal_and_json(lab_server: Any, report_schema: dict[str, Any]) -> None:
    srv = lab_server("legacy-tls10")
    args = [srv.address, "--sni", "localhost", "--ca", srv.files["ca"], "--clients", "all"]
    out = run_cli(["check", *args])
    assert out.code == 1, out.err
    assert "clients:" in out.out and "ATS exceptions that would allow it" in out.out
    js = run_cli(["check", *args, "--format", "json"])
    doc = json.loads(js.out)
    assert_valid_report(doc, report_schema)
    assert len(doc["facts"]["clients"]["matrix"]) >= 20
    one = run_cli(["check", *args[:-2], "--client", "ios", "--format", "json"])
    assert [m["client"] for m in json.loads(one.out)["facts"]["clients"]["matrix"]] == ["ios"]
