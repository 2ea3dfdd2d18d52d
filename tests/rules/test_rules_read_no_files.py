"""Rules look up what the engine loaded: they never read a trust store themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from rulecases import evidence_of
from support import run_cli
from tlsdoctor.clients.policy import BROWSER
from tlsdoctor.engine import with_policy_data
from tlsdoctor.lab.pki import ca
from tlsdoctor.pki import trust
from tlsdoctor.rules import runner


def _evidence():
    root = ca("Store Root")
    leaf = root.intermediate("Store Int").leaf("localhost")
    return evidence_of(leaf.chain, [root.cert])


def test_rules_run_on_loaded_stores_without_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    ev = with_policy_data(_evidence(), [BROWSER])
    assert BROWSER.trust_store in ev.trust_stores

    def no_reading(*_a: object, **_k: object) -> None:
        raise AssertionError("a rule loaded a trust store")

    monkeypatch.setattr(trust, "public_store", no_reading)
    monkeypatch.setattr(trust, "load_store", no_reading)
    findings, _, passed, _ = runner.run_rules(ev, BROWSER)
    assert not [f for f in findings if f.severity.name == "FATAL"], findings
    assert passed


def test_a_store_the_engine_did_not_load_is_a_bug_not_a_read() -> None:
    with pytest.raises(LookupError, match="not loaded"):
        runner.run_rules(_evidence(), BROWSER)


def test_the_same_evidence_when_nothing_new_is_loaded() -> None:
    """Chain analyses are memoised per Evidence: preparing twice must not copy it."""
    ev = with_policy_data(_evidence(), [BROWSER])
    assert with_policy_data(ev, [BROWSER]) is ev


def test_nothing_is_loaded_without_a_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that never sent a certificate costs no trust-store read."""
    from tlsdoctor.model import Evidence

    def no_reading(*_a: object, **_k: object) -> None:
        raise AssertionError("loaded a trust store for evidence without chains")

    monkeypatch.setattr(trust, "load_store", no_reading)
    ev = Evidence(sources=("test",))
    assert with_policy_data(ev, [BROWSER]) is ev
    findings, _, _, _ = runner.run_rules(ev, BROWSER)
    assert findings == []


@pytest.mark.parametrize(
    ("content", "words"),
    [(None, "cannot read the root bundle"), (b"garbage", "not a PEM bundle")],
)
def test_a_bad_public_roots_file_is_a_clear_error(
    tmp_path: Path, content: bytes | None, words: str
) -> None:
    root = ca("CLI Root")
    served = tmp_path / "served.pem"
    served.write_bytes(root.leaf("localhost").chain_pem())
    roots = tmp_path / "roots.pem"
    if content is not None:
        roots.write_bytes(content)
    r = run_cli(["cert", str(served), "--public-roots", str(roots)])
    assert r.code == 2, r.err
    assert words in r.err and "Traceback" not in r.err


def test_ct_rules_use_the_loaded_log_list(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A chain under a root treated as public: the CT rule runs on the list the engine loaded."""
    from tlsdoctor.clients.profiles import profiles
    from tlsdoctor.pki import ctverify

    root = ca("Public-ish Root")
    leaf = root.leaf("localhost")
    roots = tmp_path / "roots.pem"
    roots.write_bytes(root.cert_pem())
    policy = profiles()["chrome"].policy.with_inputs(public_roots=str(roots))
    ev = with_policy_data(evidence_of(leaf.chain), [policy])
    assert policy.ct_log_list in ev.ct_log_lists

    def no_reading(*_a: object, **_k: object) -> None:
        raise AssertionError("a rule loaded a CT log list")

    monkeypatch.setattr(ctverify, "load_log_list", no_reading)
    findings, _, _, _ = runner.run_rules(ev, policy)
    assert "ct.policy-not-met" in [f.id for f in findings]
