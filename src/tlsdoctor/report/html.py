"""HTML renderer: one self-contained file — inline CSS and SVG, no scripts, no fetches.

The page carries a Content-Security-Policy of ``default-src 'none'`` so even a
browser that wanted to fetch something could not.  Evidence is collapsible,
each certificate is shown decoded, the handshake is drawn as an SVG ladder.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

from tlsdoctor.model import Report
from tlsdoctor.report.common import passed_texts, table_rows
from tlsdoctor.report.json import finding_dict
from tlsdoctor.report.redact import anonymise
from tlsdoctor.report.svg import ladder_svg


@functools.lru_cache(maxsize=1)
def _template() -> Any:
    env = Environment(
        autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True
    )
    text = (Path(__file__).parent / "templates" / "report.html.j2").read_text("utf-8")
    return env.from_string(text)


def render(report: Report, keep_names: bool = False, **_: Any) -> str:
    table = report.facts.get("table")
    rows, more = table_rows(table) if table else ((), None)
    html = _template().render(
        command=report.command,
        subject=report.subject or "",
        summary=report.summary,
        findings=[finding_dict(f) for f in report.findings],
        ladders=[{"source": t.source, "svg": ladder_svg(t)} for t in report.ladders],
        chains=report.facts.get("chains", []),
        table=table,
        table_rows=rows,
        table_more=more,
        inputs=report.facts.get("inputs", []),
        passed=passed_texts(report),
        not_checked=[c.text for c in report.not_checked],
        version=report.tool_version,
        keep_names=keep_names,
    )
    return anonymise(html, report, keep_names)
