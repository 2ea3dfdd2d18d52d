"""Every generated chain case: the FIRST finding is exactly the expected one.

Given the served chain, ``--ca`` with the right root and ``--host`` (issue 2).
"""

from __future__ import annotations

import pytest

from tlsdoctor.engine import diagnose_cert_files
from tlsdoctor.lab.chains import CASES, ChainCase
from tlsdoctor.lab.expect import meets
from tlsdoctor.model import Severity


def _diagnose(case: ChainCase, tmp_path, policy: str = "browser"):
    built = case.build()
    paths = built.write(str(tmp_path / case.name))
    return diagnose_cert_files(
        [paths["served"]],
        host=built.host,
        ca_files=[paths["ca"]] if "ca" in paths else [],
        key_file=paths.get("key"),
        policy_name=policy,
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_first_finding(case: ChainCase, tmp_path) -> None:
    report = _diagnose(case, tmp_path)
    ids = [f.id for f in report.findings]
    assert meets(report, case.expect_first), [(f.id, f.severity.label) for f in report.findings]
    for other in case.also_expect:
        assert other in ids, f"{other} not listed in {ids}"


def test_missing_intermediate_and_expired_lists_both_in_client_order(tmp_path) -> None:
    from tlsdoctor.lab.chains import BY_NAME

    report = _diagnose(BY_NAME["missing-and-expired"], tmp_path)
    ids = [f.id for f in report.findings]
    assert ids[:2] == ["chain.incomplete", "cert.expired"]
    assert all(f.severity is Severity.FATAL for f in report.findings[:2])


def test_cross_signed_valid_path_no_fatal_and_expired_path_noted(tmp_path) -> None:
    from tlsdoctor.lab.chains import BY_NAME

    report = _diagnose(BY_NAME["cross-signed"], tmp_path)
    assert report.worst() in (None, Severity.INFO)
    alt = [f for f in report.findings if f.id == "chain.alternate-path"]
    assert alt and "expired" in alt[0].title
    assert "Old Root" in " ".join(e.fact for e in alt[0].evidence)


def test_healthy_private_root_has_no_sct_warning_and_exits_zero(tmp_path) -> None:
    from support import run_cli
    from tlsdoctor.lab.chains import BY_NAME

    built = BY_NAME["healthy"].build()
    paths = built.write(str(tmp_path))
    r = run_cli(["cert", paths["served"], "--ca", paths["ca"], "--host", "localhost"])
    assert r.code == 0, r.out + r.err
    assert "cert.no-sct" not in r.out
    assert "no problems found" in r.out


def test_public_root_without_sct_is_warned(tmp_path) -> None:
    """The same healthy chain, its root treated as public: CT now applies."""
    from tlsdoctor.lab.chains import BY_NAME

    built = BY_NAME["healthy"].build()
    paths = built.write(str(tmp_path))
    report = diagnose_cert_files([paths["served"]], host="localhost", public_roots=paths["ca"])
    assert [f.id for f in report.findings] == ["cert.no-sct"]
    assert report.findings[0].severity is Severity.WARN


def test_missing_intermediate_names_issuer_key_id_and_aia(tmp_path) -> None:
    from tlsdoctor.lab.chains import BY_NAME

    report = _diagnose(BY_NAME["missing-intermediate"], tmp_path)
    f = report.findings[0]
    facts = " ".join(e.fact for e in f.evidence)
    assert "Lab Intermediate" in f.title
    assert "key id" in facts
    assert "http://127.0.0.1:8080/lab-intermediate.der" in facts


def test_self_signed_leaf_is_named_as_such_without_ca_file(tmp_path) -> None:
    """Not "untrusted root", not "basicConstraints.cA must not be asserted"."""
    from tlsdoctor.lab.chains import BY_NAME

    built = BY_NAME["self-signed-leaf"].build()
    paths = built.write(str(tmp_path))
    report = diagnose_cert_files([paths["served"]], host="localhost")
    assert report.findings[0].id == "chain.self-signed-leaf"
    assert "not a CA" in report.findings[0].title
