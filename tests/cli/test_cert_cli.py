"""`tlsdoctor cert` end to end: exit codes, report layout, JSON against the schema."""

from __future__ import annotations

import json

import pytest

from support import assert_valid_report, run_cli
from tlsdoctor.lab.chains import BY_NAME, CASES


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = {}
    for name in ("healthy", "path-len", "missing-and-expired", "wrong-order", "long-private"):
        built = BY_NAME[name].build()
        out[name] = (built, built.write(str(tmp_path_factory.mktemp(name))))
    return out


def _args(built, paths, *extra: str) -> list[str]:
    args = ["cert", paths["served"], "--host", built.host, *extra]
    if "ca" in paths:
        args += ["--ca", paths["ca"]]
    return args


def test_terminal_leads_with_root_cause_then_evidence_then_fix(written) -> None:
    built, paths = written["path-len"]
    r = run_cli(_args(built, paths))
    assert r.code == 1
    lines = [x for x in r.out.splitlines() if x.strip()]
    first = next(i for i, x in enumerate(lines) if x.startswith("fatal["))
    assert lines[first].startswith("fatal[chain.path-len-exceeded]: Intermediate 'Dev Int A'")
    assert lines[first + 1].lstrip().startswith("-->")
    assert any(x.lstrip().startswith("help") for x in lines[first : first + 8])
    assert "checked and fine" in r.out


@pytest.mark.parametrize(
    "name", ["healthy", "path-len", "missing-and-expired", "wrong-order", "long-private"]
)
def test_json_validates_against_schema(written, name, report_schema) -> None:
    built, paths = written[name]
    r = run_cli(_args(built, paths, "--format", "json"))
    doc = json.loads(r.out)
    assert_valid_report(doc, report_schema)
    expect = BY_NAME[name].expect_first
    if expect:
        assert doc["root_cause"] == expect
    assert doc["facts"]["chains"][0]["path"]


def test_fail_on_warn(written) -> None:
    built, paths = written["long-private"]
    assert run_cli(_args(built, paths)).code == 0
    assert run_cli(_args(built, paths, "--fail-on", "warn")).code == 1
    built, paths = written["healthy"]
    assert run_cli(_args(built, paths, "--fail-on", "warn")).code == 0


def test_usage_errors_exit_2(written) -> None:
    built, paths = written["healthy"]
    assert run_cli(["cert"]).code == 2
    r = run_cli(_args(built, paths, "--format", "yaml"))
    assert r.code == 2 and "Traceback" not in r.err
    r = run_cli(_args(built, paths, "--policy", "nosuch"))
    assert r.code == 2 and "unknown policy" in r.err


def test_explain_rule_id_prints_rule_docs() -> None:
    r = run_cli(["explain", "chain.path-len-exceeded"])
    assert r.code == 0
    assert "pathLenConstraint" in r.out and "RFC 5280" in r.out


def test_every_case_listed_in_manifest_is_distinct() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
