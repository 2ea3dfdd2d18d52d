"""One rule, one test: evidence that fires it, and evidence that does not (static rules)."""

from __future__ import annotations

import datetime as dt

import pytest

from rulecases import (
    FIRING,
    POLICY_FOR,
    PUBLIC_ROOT_RULES,
    evidence_of,
    from_case,
    long_public,
    mtls_transcript,
    mtls_with_certificate,
)
from tlsdoctor.clients.policy import BROWSER, OPENSSL3
from tlsdoctor.engine import run_rules
from tlsdoctor.lab.pki import ca, make_key
from tlsdoctor.model import Evidence, KeyInfo, Secret, Severity, Where
from tlsdoctor.rules import RULES


def _ids(evidence: Evidence, policy=BROWSER) -> list[str]:
    findings, _, _, _ = run_rules(evidence, policy)
    return [f.id for f in findings]


@pytest.mark.parametrize("rule_id", sorted(FIRING))
def test_rule_fires(rule_id: str) -> None:
    assert rule_id in _ids(FIRING[rule_id](), POLICY_FOR.get(rule_id, BROWSER))


@pytest.fixture(scope="module")
def healthy() -> Evidence:
    return from_case("healthy")


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_silent_on_healthy_chain(rule_id: str, healthy: Evidence) -> None:
    assert rule_id not in _ids(healthy)


def test_every_rule_has_a_firing_test_citation_and_docs() -> None:
    for rid, r in RULES.items():
        assert rid in FIRING or rid in PUBLIC_ROOT_RULES, f"{rid} has no firing test"
        assert r.cite, rid
        assert len(r.doc) > 80, f"{rid} needs its long documentation"
        assert r.ok, f"{rid} needs its ok text"


def test_no_sct_only_for_public_roots(tmp_path) -> None:
    import dataclasses

    root = ca("Public-ish Root")
    leaf = root.intermediate("I").leaf("localhost")
    bundle = tmp_path / "public.pem"
    bundle.write_bytes(root.cert_pem())
    public = dataclasses.replace(BROWSER, trust_store=f"file:{bundle}")
    assert "cert.no-sct" in _ids(evidence_of(leaf.chain), public)
    assert "cert.no-sct" not in _ids(evidence_of(leaf.chain, [root.cert]))


def test_validity_398_for_public_roots_is_fatal(tmp_path) -> None:
    import dataclasses

    root = ca("Public-ish Root")
    leaf = root.intermediate("I").leaf("localhost", days=500)
    bundle = tmp_path / "public.pem"
    bundle.write_bytes(root.cert_pem())
    public = dataclasses.replace(BROWSER, trust_store=f"file:{bundle}")
    findings, _, _, _ = run_rules(evidence_of(leaf.chain), public)
    f = [x for x in findings if x.id == "cert.validity-too-long"]
    assert f and f[0].severity is Severity.FATAL and "398" in f[0].title
    # The same 500-day leaf under a private root is fine for browsers.
    assert "cert.validity-too-long" not in _ids(long_public())


def test_mtls_rule_explains_alert_42_with_frames() -> None:
    findings, _, _, _ = run_rules(mtls_transcript(), BROWSER)
    f = next(x for x in findings if x.id == "mtls.empty-client-certificate")
    assert f.explains_outcome and f.severity is Severity.FATAL
    places = [e.where.place for e in f.evidence]
    assert places == ["frame 6", "frame 8", "frame 10"]
    assert "42" in f.evidence[-1].fact


def test_mtls_rule_silent_when_client_sent_a_certificate() -> None:
    assert "mtls.empty-client-certificate" not in _ids(mtls_with_certificate())


def test_key_match_is_silent_for_the_right_key() -> None:
    from cryptography.hazmat.primitives import serialization

    root = ca("R")
    leaf = root.intermediate("I").leaf("localhost")
    spki = leaf.key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    k = KeyInfo(spki, "EC", Where("k"), Secret(b"x", "private key"))
    assert "cert.key-mismatch" not in _ids(evidence_of(leaf.chain, [root.cert], keys=(k,)))
    other = (
        make_key()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    k2 = KeyInfo(other, "EC", Where("k"), Secret(b"x", "private key"))
    assert "cert.key-mismatch" in _ids(evidence_of(leaf.chain, [root.cert], keys=(k2,)))


def test_capture_time_decides_expiry() -> None:
    """A chain judged at the time it was seen, not today."""
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
    root = ca("R", not_before=start - dt.timedelta(days=1))
    leaf = root.intermediate("I", not_before=start).leaf(
        "localhost", not_before=start, not_after=start + dt.timedelta(days=90)
    )
    assert "cert.expired" in _ids(evidence_of(leaf.chain, [root.cert]))
    then = start + dt.timedelta(days=10)
    assert "cert.expired" not in _ids(evidence_of(leaf.chain, [root.cert], at=then))


def test_openssl_policy_tolerates_cn_only_browser_does_not() -> None:
    ev = from_case("cn-only")
    sev = {f.id: f.severity for f in run_rules(ev, OPENSSL3)[0]}
    assert sev.get("cert.no-san") is Severity.WARN
    sev_b = {f.id: f.severity for f in run_rules(ev, BROWSER)[0]}
    assert sev_b.get("cert.no-san") is Severity.FATAL
