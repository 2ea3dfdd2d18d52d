"""Renderers of a :class:`~tlsdoctor.model.Report`: terminal, JSON, Markdown, HTML.

Renderers never re-derive a fact: they print what the report holds.  Whatever
the format, text shaped like a private key is removed here, the last line of
defence behind :class:`~tlsdoctor.model.Secret`.
"""

from __future__ import annotations

from typing import Any

from tlsdoctor.model import Report


def render(report: Report, fmt: str, color: bool = False, **kw: Any) -> str:
    from tlsdoctor.report.redact import scrub_secrets

    if fmt == "json":
        from tlsdoctor.report import json as json_renderer

        return json_renderer.render(report)  # scrubs each string of the document
    if fmt == "terminal":
        from tlsdoctor.report import terminal

        text = terminal.render(report, color=color, **kw)
    elif fmt == "markdown":
        from tlsdoctor.report import markdown

        text = markdown.render(report, **kw)
    elif fmt == "html":
        from tlsdoctor.report import html

        text = html.render(report, **kw)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return scrub_secrets(text)
