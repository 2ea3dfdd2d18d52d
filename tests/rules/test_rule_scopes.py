"""Rules judge the right evidence: the right chain, the right time, the right connection."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from rulecases import evidence_of, healthy_scan, log_evidence, log_verify_failed, with_scan
from tlsdoctor.clients.policy import BROWSER
from tlsdoctor.engine import diagnose, run_rules
from tlsdoctor.errors import InputError
from tlsdoctor.lab.pki import ca, key_pem, make_key
from tlsdoctor.model import AlertSeen, Attempt, Chain, Evidence, Side, Where
from tlsdoctor.rules.transcripts import describe_attempt
from tlsdoctor.sources.certfiles import load_anchors
from tlsdoctor.wire.messages import CertificateRequest


def _chain(certs, source: str, role: Side = Side.SERVER) -> Chain:
    ev = evidence_of(certs)
    return dataclasses.replace(ev.chains[0], source=source, role=role)


def test_only_a_client_chain_is_not_a_server_chain_checked() -> None:
    """The chain and certificate rules judge server chains: with only a client
    certificate chain they did not run, so they must not be listed as passed."""
    root = ca("Client CA")
    client = root.leaf("device-1", eku=("clientAuth",))
    chain = _chain([*client.chain, client.chain[0]], "--cert", Side.CLIENT)
    ev = Evidence(sources=("--cert",), chains=(chain,), host="localhost")
    findings, _, passed, _ = run_rules(ev, BROWSER)
    ran = [c.id for c in passed if c.id.split(".")[0] in ("chain", "cert")]
    assert ran == []
    assert not [f.id for f in findings if f.id.startswith(("chain.", "cert."))]


def _rejected_client_cert(at: dt.datetime | None) -> Evidence:
    root = ca("Client CA")
    client = root.leaf(
        "device-1",
        eku=("clientAuth",),
        not_before=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        not_after=dt.datetime(2020, 12, 31, tzinfo=dt.UTC),
    )
    scan = healthy_scan(
        cert_request=CertificateRequest(),
        client_cert_required=True,
        with_client_cert=Attempt("client-cert given", "alert", alert=AlertSeen(Side.SERVER, 2, 42)),
    )
    chain = _chain(client.chain, "--cert", Side.CLIENT)
    return with_scan(scan, Evidence(chains=(chain,), at=at))


def test_client_certificate_expiry_is_judged_at_the_evidence_time() -> None:
    findings, _, _, _ = run_rules(
        _rejected_client_cert(dt.datetime(2020, 6, 1, tzinfo=dt.UTC)), BROWSER
    )
    f = next(x for x in findings if x.id == "mtls.cert-rejected")
    assert "expired" not in f.title and "expired" not in (f.detail or "")
    later, _, _, _ = run_rules(_rejected_client_cert(None), BROWSER)
    f = next(x for x in later if x.id == "mtls.cert-rejected")
    assert "it expired on 2020-12-31" in f.title


def test_must_staple_of_another_source_does_not_fail_a_live_check() -> None:
    """A capture's must-staple certificate says nothing about another server checked live."""
    root = ca("R")
    captured = root.intermediate("I").leaf("other.example", must_staple=True)
    served = root.intermediate("I2").leaf("localhost")
    scan = healthy_scan()
    ev = Evidence(
        chains=(
            _chain(captured.chain, "cap.pcap#conn1"),
            _chain(served.chain, f"{scan.source} (TLS 1.3)"),
        ),
        scans=(scan,),
    )
    assert "ocsp.must-staple-not-stapled" not in [f.id for f in run_rules(ev, BROWSER)[0]]


def test_weak_ec_key_names_the_ec_minimum() -> None:
    root = ca("R")
    leaf = root.intermediate("I").leaf("localhost")
    strict = dataclasses.replace(BROWSER, min_ec_bits=384)
    findings, _, _, _ = run_rules(evidence_of(leaf.chain, [root.cert]), strict)
    titles = [f.title for f in findings if f.id == "cert.weak-key"]
    assert titles and all("at least 384-bit EC" in t for t in titles), titles
    assert not any("RSA" in t for t in titles)


def test_verify_failure_explains_when_the_log_counts_some_scts() -> None:
    """CT required, but SCTs were there: ct.no-scts does not fire, so the
    client's own verdict must still explain the failure."""
    ev = log_verify_failed()
    c = ev.connections[0]
    facts = {
        **c.facts,
        "ct_required": True,
        "sct_sources": {"tls-extension": 1, "ocsp": 0, "certificate": 0},
    }
    ev = log_evidence(dataclasses.replace(c, facts=facts))
    report = diagnose(ev, BROWSER, command="log")
    root = report.root_cause
    assert root is not None and root.id == "cert.verify-failed" and root.explains_outcome
    assert "ct.no-scts" not in [f.id for f in report.findings]


def test_live_check_where_names_the_check() -> None:
    scan = healthy_scan()
    assert scan.source == "live 127.0.0.1:443"
    assert scan.where("cert[0]") == Where("live 127.0.0.1:443", "cert[0]")
    assert scan.saw(Chain((), "live 127.0.0.1:443 (TLS 1.3)"))
    assert not scan.saw(Chain((), "live 127.0.0.1:4430 (TLS 1.3)"))


@pytest.mark.parametrize(
    "attempt,fact,negotiated",
    [
        (None, "not tried", "not tried"),
        (
            Attempt("x", "accepted", version=0x0304, cipher_suite=0x1301, group=0x1D),
            "handshake completed (TLS_AES_128_GCM_SHA256)",
            "TLS 1.3, TLS_AES_128_GCM_SHA256, x25519",
        ),
        (
            Attempt("x", "alert", alert=AlertSeen(Side.SERVER, 2, 70)),
            "server sent alert 70 protocol_version",
            "alert 70 protocol_version",
        ),
        (Attempt("x", "timeout", detail="no answer"), "no answer", "timeout (no answer)"),
    ],
)
def test_describe_attempt(attempt: Attempt | None, fact: str, negotiated: str) -> None:
    assert describe_attempt(attempt) == fact
    assert describe_attempt(attempt, negotiated=True) == negotiated


def test_ca_file_holding_a_key_says_so_without_showing_it(tmp_path) -> None:
    key = key_pem(make_key("ec"))
    path = tmp_path / "root.pem"
    path.write_bytes(key)
    with pytest.raises(InputError) as err:
        load_anchors([str(path)])
    text = str(err.value)
    assert "--ca expects a CA certificate" in text and "private key (not shown)" in text
    assert "PRIVATE" not in text


def test_a_served_root_is_called_a_root() -> None:
    """Date and key findings name a certificate's role: a self-signed root in the
    served chain is no intermediate."""
    now = dt.datetime.now(dt.UTC)
    root = ca("Future Root", not_before=now + dt.timedelta(days=3))
    inter = root.intermediate("Future Int", not_before=now + dt.timedelta(days=3))
    leaf = inter.leaf("localhost")
    ev = evidence_of([*leaf.chain, root.cert])  # served, and trusted by no store
    titles = [f.title for f in run_rules(ev, BROWSER)[0] if f.id == "cert.not-yet-valid"]
    assert any(t.startswith("Root 'Future Root' is not valid until") for t in titles), titles
    assert any(t.startswith("Intermediate 'Future Int' is not valid until") for t in titles)
