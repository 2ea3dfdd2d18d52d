"""HTML renderer: one self-contained file — inline CSS and SVG, no scripts, no fetches.

The page carries a Content-Security-Policy of ``default-src 'none'`` so even a
browser that wanted to fetch something could not.  Evidence is collapsible,
each certificate is shown decoded, the handshake is drawn as an SVG ladder.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from jinja2 import Environment, select_autoescape

from tlsdoctor.model import Report
from tlsdoctor.report.json import finding_dict
from tlsdoctor.report.redact import prepare
from tlsdoctor.report.svg import ladder_svg


def _template() -> Any:
    env = Environment(
        autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True
    )
    text = (
        resources.files("tlsdoctor.report").joinpath("templates/report.html.j2").read_text("utf-8")
    )
    return env.from_string(text)


def render(report: Report, keep_names: bool = False, **_: Any) -> str:
    chains = report.facts.get("chains", []) if isinstance(report.facts, dict) else []
    html = _template().render(
        command=report.command,
        subject=report.subject or "",
        summary=report.summary,
        findings=[finding_dict(f) for f in report.findings],
        ladders=[{"source": t.source, "svg": ladder_svg(t)} for t in report.ladders],
        chains=chains,
        table=report.facts.get("table") if isinstance(report.facts, dict) else None,
        inputs=report.facts.get("inputs", []) if isinstance(report.facts, dict) else [],
        passed=list(dict.fromkeys(c.text for c in report.passed)),
        not_checked=[c.text for c in report.not_checked],
        version=report.tool_version,
        keep_names=keep_names,
    )
    return prepare(html, report, keep_names)
