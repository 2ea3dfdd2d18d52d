"""The log rules on hand-built evidence: each fires on its case, none on a healthy log.

The firing cases live in tests/rulecases.py (LOG_FIRING), where the meta-test
checks every rule has one; here: silence on healthy log evidence, ranking
(which finding comes first when several apply), and the edges of each rule.
"""

from __future__ import annotations

import dataclasses

import pytest

from rulecases import (
    LOG_FIRING,
    log_connection,
    log_evidence,
    log_healthy,
    log_late_credentials,
    log_verify_failed,
)
from tlsdoctor.clients.policy import BROWSER
from tlsdoctor.engine import diagnose, run_rules
from tlsdoctor.model import Evidence, Severity, Side
from tlsdoctor.rules import RULES

LOG_RULES = sorted(LOG_FIRING)


def _ids(e: Evidence) -> list[str]:
    findings, _, _, _ = run_rules(e, BROWSER)
    return [f.id for f in findings]


@pytest.mark.parametrize("rule_id", LOG_RULES)
def test_log_rule_fires(rule_id: str) -> None:
    assert rule_id in _ids(LOG_FIRING[rule_id]())


@pytest.mark.parametrize("rule_id", LOG_RULES)
def test_log_rule_silent_on_healthy_log(rule_id: str) -> None:
    assert rule_id not in _ids(log_healthy())


@pytest.mark.parametrize("rule_id", LOG_RULES)
def test_log_rules_are_documented(rule_id: str) -> None:
    r = RULES[rule_id]
    assert r.cite and r.ok and len(r.doc) > 80


def test_healthy_log_has_no_findings_at_all() -> None:
    assert _ids(log_healthy()) == []


def test_api_order_is_the_root_cause_and_empty_certificate_follows() -> None:
    report = diagnose(log_late_credentials(), BROWSER, command="log")
    ids = [f.id for f in report.findings]
    assert ids[:2] == ["mtls.credentials-loaded-after-session", "mtls.empty-client-certificate"]
    assert report.findings[0].explains_outcome and report.findings[1].explains_outcome
    assert "alert.peer-fatal" not in ids  # the alert is explained already


def test_late_credentials_without_consequence_is_a_warning() -> None:
    c = log_connection(
        [("c", "ClientHello"), ("s", "ServerHello"), ("s", "Finished"), ("c", "Finished")],
        completed=True,
        api=(
            "wolfSSL_CTX_new_ex",
            "wolfSSL_new",
            "wolfSSL_CTX_use_certificate_file",
            "wolfSSL_connect",
        ),
    )
    findings, _, _, _ = run_rules(log_evidence(c), BROWSER)
    f = next(x for x in findings if x.id == "mtls.credentials-loaded-after-session")
    assert f.severity is Severity.WARN and not f.explains_outcome


def test_late_call_that_only_replaces_credentials_is_fine() -> None:
    c = log_connection(
        [("c", "ClientHello")],
        api=("wolfSSL_CTX_use_certificate_file", "wolfSSL_new", "wolfSSL_CTX_use_certificate_file"),
    )
    assert "mtls.credentials-loaded-after-session" not in _ids(log_evidence(c))


def test_session_level_credentials_fix_it() -> None:
    c = log_connection(
        [("c", "ClientHello")],
        api=("wolfSSL_new", "wolfSSL_CTX_use_certificate_file", "wolfSSL_use_certificate_file"),
    )
    assert "mtls.credentials-loaded-after-session" not in _ids(log_evidence(c))


def test_verify_failure_explains_only_without_certificates() -> None:
    f = next(x for x in run_rules(log_verify_failed(), BROWSER)[0] if x.id == "cert.verify-failed")
    assert f.explains_outcome


def test_certificate_alert_to_a_client_with_a_certificate() -> None:
    c = log_connection(
        [("c", "ClientHello"), ("s", "CertificateRequest"), ("c", "Certificate")],
        alerts=(("s", 2, 48),),
    )
    findings, _, _, _ = run_rules(log_evidence(c), BROWSER)
    f = next(x for x in findings if x.id == "alert.peer-rejected-certificate")
    assert "server rejected the client certificate" in f.title


def test_alert_rules_need_a_log() -> None:
    """A capture's connection (no log side) is left to the capture rules."""
    e = LOG_FIRING["alert.peer-fatal"]()
    conn = dataclasses.replace(e.connections[0], log_side=None)
    ids = _ids(dataclasses.replace(e, connections=(conn,)))
    assert "alert.peer-fatal" not in ids and "cert.verify-failed" not in ids


def test_der_note_ignores_big_differences() -> None:
    names = [("s", "ServerKeyExchange")]
    e = log_evidence(
        log_connection(names, completed=True, sizes={"ServerKeyExchange": 100}, cid="a"),
        log_connection(names, completed=True, sizes={"ServerKeyExchange": 300}, cid="b"),
    )
    assert "note.der-length-varies" not in _ids(e)


def test_no_client_cert_note_stays_quiet_when_it_mattered() -> None:
    c = log_connection(
        [("c", "ClientHello"), ("s", "CertificateRequest"), ("c", "Certificate")],
        side=Side.SERVER,
        completed=False,
        facts={"no_client_cert_line": log_healthy().connections[0].api_calls[0][1]},
    )
    assert "note.no-client-cert-not-requested" not in _ids(log_evidence(c))


def test_ct_from_log_needs_the_clients_verdict() -> None:
    e = LOG_FIRING["ct.no-scts"]()
    conn = e.connections[0]
    quiet = dataclasses.replace(conn, facts={"sct_sources": {"tls-extension": 0}})
    assert "ct.no-scts" not in _ids(dataclasses.replace(e, connections=(quiet,)))
    some = dataclasses.replace(
        conn, facts={**conn.facts, "sct_sources": {"tls-extension": 0, "certificate": 2}}
    )
    assert "ct.no-scts" not in _ids(dataclasses.replace(e, connections=(some,)))
