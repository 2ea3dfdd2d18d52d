"""The renderers on reports made by hand: key material scrubbed in every format,
one ladder wording, one table limit, the same counts."""

from __future__ import annotations

import json

import pytest

from support import assert_valid_report
from tlsdoctor.lab.pki import key_pem, make_key
from tlsdoctor.model import Finding, Report, Severity, Side, Transcript, WireMessage
from tlsdoctor.report import render
from tlsdoctor.report.common import TABLE_ROWS
from tlsdoctor.report.ladder import label
from tlsdoctor.wire.messages import Alert

FORMATS = ["terminal", "json", "markdown", "html"]


def _key_body(pem: bytes) -> list[str]:
    body = "".join(pem.decode().splitlines()[1:-1])
    return [body[i : i + 24] for i in range(0, len(body) - 24, 24)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_private_key_in_a_finding_is_not_rendered(fmt) -> None:
    pem = key_pem(make_key())
    finding = Finding(
        "cert.key-mismatch",
        Severity.FATAL,
        "A finding that quotes a key",
        detail="the file holds:\n" + pem.decode(),
    )
    text = render(Report("cert", findings=(finding,), subject="x.pem"), fmt)
    assert "PRIVATE KEY" not in text
    for piece in _key_body(pem):
        assert piece not in text
    if fmt == "json":
        assert json.loads(text)["findings"][0]["detail"].startswith("the file holds:\n[private key")


def test_json_stays_a_document_when_a_key_is_cut_short() -> None:
    """A PEM BEGIN without its END scrubs to the end of that string only."""
    pem = key_pem(make_key()).decode()
    cut = pem[: len(pem) // 2]
    finding = Finding("cert.key-mismatch", Severity.FATAL, "cut", detail=cut)
    report = Report("cert", findings=(finding,), summary="after the key")
    doc = json.loads(render(report, "json"))
    assert_valid_report(doc)
    assert doc["summary"] == "after the key"
    assert "PRIVATE KEY" not in json.dumps(doc)


def _alert_report() -> Report:
    msgs = (
        WireMessage(Side.CLIENT, "ClientHello"),
        WireMessage(Side.SERVER, "Alert", Alert(2, 40)),
    )
    return Report("check", ladders=(Transcript("live 127.0.0.1:443", msgs),))


def test_alert_worded_alike_in_every_renderer() -> None:
    report = _alert_report()
    _, detail = label(report.ladders[0].messages[1])
    assert detail == "fatal 40 handshake_failure"
    doc = json.loads(render(report, "json"))
    assert doc["ladders"][0]["messages"][1]["detail"] == detail
    assert doc["ladders"][0]["messages"][0]["detail"] is None
    for fmt in ("terminal", "markdown", "html"):
        assert detail in render(report, fmt, keep_names=True), fmt


@pytest.mark.parametrize("fmt", ["terminal", "markdown", "html"])
def test_long_tables_are_cut_alike_and_say_so(fmt) -> None:
    rows = [[f"conn{i:04d}", "ok"] for i in range(TABLE_ROWS + 7)]
    table = {"title": "connections", "columns": ["connection", "outcome"], "rows": rows}
    text = render(Report("pcap", facts={"table": table}), fmt, keep_names=True)
    assert f"conn{TABLE_ROWS - 1:04d}" in text
    assert f"conn{TABLE_ROWS:04d}" not in text
    assert "and 7 more (all of them in --format json)" in text


@pytest.mark.parametrize("fmt", ["terminal", "markdown", "html"])
def test_passed_checks_listed_once_and_severities_counted(fmt) -> None:
    from tlsdoctor.model import Check

    report = Report(
        "cert",
        findings=(
            Finding("a.b", Severity.WARN, "one warning"),
            Finding("c.d", Severity.INFO, "one note"),
        ),
        passed=(Check("r.one", "the chain is complete"), Check("r.two", "the chain is complete")),
    )
    text = render(report, fmt, keep_names=True)
    assert text.count("the chain is complete") == 1
    if fmt != "html":  # the page has no count line
        assert "0 fatal, 1 warning" in text
