"""Rules on transcripts (captures, logs): the same rule ids, fired by what came before an alert."""

from __future__ import annotations

import pytest

from rulecases import (
    TRANSCRIPT_VARIANTS,
    t_client_rejects_good_chain,
    t_client_rejects_incomplete_chain,
)
from tlsdoctor.clients.policy import BROWSER
from tlsdoctor.engine import diagnose
from tlsdoctor.model import Severity


@pytest.mark.parametrize("rule_id", sorted(TRANSCRIPT_VARIANTS))
def test_transcript_variant_is_the_root_cause(rule_id: str) -> None:
    report = diagnose(TRANSCRIPT_VARIANTS[rule_id](), BROWSER, command="pcap")
    assert report.findings and report.findings[0].id == rule_id, [f.id for f in report.findings]
    assert report.findings[0].severity is Severity.FATAL
    assert all(
        e.where.place and e.where.place.startswith("frame") for e in report.findings[0].evidence
    )


def test_client_alert_links_to_the_chain_finding() -> None:
    report = diagnose(t_client_rejects_incomplete_chain(), BROWSER, command="pcap")
    first = report.findings[0]
    assert first.id == "chain.incomplete" and first.explains_outcome
    assert any("48 unknown_ca" in e.fact for e in first.evidence)
    alert = next(f for f in report.findings if f.id == "alert.certificate-rejected")
    assert alert.severity is Severity.INFO and not alert.explains_outcome


def test_client_alert_without_a_chain_problem_is_the_root_cause() -> None:
    report = diagnose(t_client_rejects_good_chain(), BROWSER, command="pcap")
    first = report.findings[0]
    # The lab root is not in the store the rules were given: the chain finding says so.
    assert first.id in ("chain.untrusted-root", "alert.certificate-rejected")
    assert first.explains_outcome
