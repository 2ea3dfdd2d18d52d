"""Live-check rules on hand-built ServerScans: each fires on its evidence, not on a healthy scan.

The lab tests check the same rules against real servers; these pin down each
rule's own logic.
"""

from __future__ import annotations

import dataclasses

import pytest

from rulecases import LIVE_FIRING, _healthy_chain, evidence_of, healthy_scan, with_scan
from tlsdoctor.clients.policy import BROWSER
from tlsdoctor.engine import run_rules
from tlsdoctor.lab.pki import ca
from tlsdoctor.model import Severity

TLS12 = 0x0303


@pytest.mark.parametrize("rule_id", sorted(LIVE_FIRING))
def test_live_rule_silent_on_healthy_scan(rule_id: str) -> None:
    findings, _, _, _ = run_rules(with_scan(healthy_scan(), _healthy_chain()), BROWSER)
    assert rule_id not in [f.id for f in findings]


def test_ct_no_scts_only_for_public_roots(tmp_path) -> None:
    root = ca("Public-ish Root")
    leaf = root.intermediate("I").leaf("localhost")
    bundle = tmp_path / "pub.pem"
    bundle.write_bytes(root.cert_pem())
    public = dataclasses.replace(BROWSER, trust_store=f"file:{bundle}")
    ev = with_scan(healthy_scan(), evidence_of(leaf.chain))
    ids = [f.id for f in run_rules(ev, public)[0]]
    assert "ct.no-scts" in ids and "cert.no-sct" not in ids
    ev2 = with_scan(
        healthy_scan(sct_counts={"certificate": 0, "tls-extension": 2, "ocsp": 0}),
        evidence_of(leaf.chain),
    )
    assert "ct.no-scts" not in [f.id for f in run_rules(ev2, public)[0]]
    private = with_scan(healthy_scan(), evidence_of(leaf.chain, [root.cert]))
    assert "ct.no-scts" not in [f.id for f in run_rules(private, BROWSER)[0]]


def test_psk_key_mismatch_names_the_working_encoding_never_the_key() -> None:
    findings, _, _, _ = run_rules(LIVE_FIRING["psk.key-mismatch"](), BROWSER)
    f = next(x for x in findings if x.id == "psk.key-mismatch")
    assert "hex-decoded" in f.title and f.severity is Severity.FATAL


def test_transport_findings_explain_the_outcome() -> None:
    for rid in ("transport.refused", "transport.hang", "transport.plain-http"):
        findings, _, _, _ = run_rules(LIVE_FIRING[rid](), BROWSER)
        f = next(x for x in findings if x.id == rid)
        assert f.explains_outcome


def test_psk_key_mismatch_first_asks_for_the_other_encodings() -> None:
    import dataclasses as dc

    from tlsdoctor.model import Attempt, ProbeRequest

    ev = LIVE_FIRING["psk.key-mismatch"]()
    scan = ev.scans[0]
    psk = {k: v for k, v in scan.psk.items() if k not in ("tried", "encoding")}
    ev2 = dc.replace(ev, scans=(dc.replace(scan, psk=psk),))
    findings, requests, _, _ = run_rules(ev2, BROWSER)
    assert "psk.key-mismatch" not in [f.id for f in findings]
    assert [r.kind for r in requests] == ["psk-encodings"]
    assert isinstance(requests[0], ProbeRequest) and isinstance(scan.psk["key"], Attempt)
