"""The certificate half offline (tlsdoctor cert --client …), under a root treated as public or private."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ctlab import leaf_with_scts

from conftest import write_chain
from tlsdoctor.engine import diagnose_cert_files


def _matrix(files: list[str], **kw: Any) -> dict[str, dict[str, Any]]:
    report = diagnose_cert_files(files, host="localhost", **kw)
    return {m["client"]: m for m in report.facts["clients"]["matrix"]}


def _public(
    pki: dict[str, Any], name: str, leaf_pem: bytes, clients: list[str]
) -> dict[str, dict[str, Any]]:
    d: Path = pki["dir"]
    chain = write_chain(d, name, leaf_pem, pki["inter"])
    return _matrix(
        [chain],
        public_roots=str(d / "root.pem"),
        clients=clients,
        ct_logs=str(d / "logs.json"),
    )


def test_no_sct_leaf_fails_ios_and_chrome_for_ct(pki: dict[str, Any]) -> None:
    leaf = leaf_with_scts(pki["inter"], [])
    m = _public(pki, "no-sct", leaf.pem(), ["ios", "chrome", "openssl-3", "android-14"])
    for c in ("ios", "chrome"):
        assert m[c]["verdict"] == "fail"
        assert m[c]["finding"] == "ct.policy-not-met"
        assert "embedded: 0" in m[c]["reason"]
    assert "NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED" in m["chrome"]["error"]
    assert m["chrome"]["catalog"] == "explain.chrome.err-certificate-transparency-required"
    assert "-9802" in m["ios"]["error"]
    assert m["openssl-3"]["verdict"] == "pass"
    assert m["android-14"]["verdict"] == "pass"


def test_an_sct_from_an_unknown_log_counts_as_none(pki: dict[str, Any]) -> None:
    leaf = leaf_with_scts(pki["inter"], [pki["unknown"]])
    m = _public(pki, "unknown-log", leaf.pem(), ["ios", "chrome"])
    for c in ("ios", "chrome"):
        assert m[c]["finding"] == "ct.policy-not-met"
        assert "embedded: 0 valid of 1" in m[c]["reason"]


def test_two_scts_from_two_operators_pass(pki: dict[str, Any]) -> None:
    leaf = leaf_with_scts(pki["inter"], pki["known"])
    m = _public(pki, "two-scts", leaf.pem(), ["ios", "chrome", "firefox"])
    assert {c: v["verdict"] for c, v in m.items()} == {
        "ios": "pass",
        "chrome": "pass",
        "firefox": "pass",
    }


def test_one_sct_is_not_enough(pki: dict[str, Any]) -> None:
    leaf = leaf_with_scts(pki["inter"], pki["known"][:1])
    m = _public(pki, "one-sct", leaf.pem(), ["ios", "chrome"])
    assert m["ios"]["finding"] == m["chrome"]["finding"] == "ct.policy-not-met"


def test_rsa1024_leaf_fails_ios_and_chrome_under_a_public_root(pki: dict[str, Any]) -> None:
    leaf = leaf_with_scts(pki["inter"], pki["known"], key_type="rsa", bits=1024)
    m = _public(pki, "rsa1024", leaf.pem(), ["ios", "chrome", "java-17"])
    assert m["ios"]["finding"] == m["chrome"]["finding"] == "cert.weak-key"
    assert m["chrome"]["error"] == "NET::ERR_CERT_WEAK_KEY"
    assert m["java-17"]["verdict"] == "pass"


def test_500_day_leaf_fails_apple_398(pki: dict[str, Any]) -> None:
    leaf = leaf_with_scts(pki["inter"], [*pki["known"], pki["known"][0]], days=500)
    m = _public(pki, "500days", leaf.pem(), ["ios", "safari", "ios-13", "openssl-3"])
    assert m["ios"]["finding"] == "cert.validity-too-long"
    assert "398" in m["ios"]["reason"]
    assert m["safari"]["finding"] == "cert.validity-too-long"
    assert m["openssl-3"]["verdict"] == "pass"


def test_private_root_nobody_fails_for_ct_and_900_days_fails_apple_only(
    pki: dict[str, Any],
) -> None:
    d: Path = pki["dir"]
    plain = write_chain(d, "private-90", leaf_with_scts(pki["inter"], []).pem(), pki["inter"])
    m = _matrix([plain], ca_files=[str(d / "root.pem")], clients=["all"])
    assert all(v["finding"] != "ct.policy-not-met" for v in m.values())
    assert all(v["verdict"] == "pass" for v in m.values()), {
        c: v["reason"] for c, v in m.items() if v["verdict"] != "pass"
    }
    long = write_chain(
        d, "private-900", leaf_with_scts(pki["inter"], [], days=900).pem(), pki["inter"]
    )
    m = _matrix([long], ca_files=[str(d / "root.pem")], clients=["all"])
    assert m["ios"]["finding"] == "cert.validity-too-long" and "825" in m["ios"]["reason"]
    assert m["openssl-3"]["verdict"] == "pass"
    assert m["chrome"]["verdict"] == "pass"


def test_findings_carry_the_per_client_verdicts(pki: dict[str, Any]) -> None:
    d: Path = pki["dir"]
    chain = write_chain(
        d, "verdicts", leaf_with_scts(pki["inter"], [], days=900).pem(), pki["inter"]
    )
    report = diagnose_cert_files(
        [chain], host="localhost", ca_files=[str(d / "root.pem")], clients=["ios", "openssl-3"]
    )
    f = next(f for f in report.findings if f.id == "cert.validity-too-long")
    assert f.clients["ios"].startswith("fails:")
