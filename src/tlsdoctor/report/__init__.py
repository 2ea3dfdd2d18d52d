"""Renderers of a :class:`~tlsdoctor.model.Report`: terminal, JSON, Markdown, HTML.

Renderers never re-derive a fact: they print what the report holds.
"""

from __future__ import annotations

from typing import Any

from tlsdoctor.model import Report


def render(report: Report, fmt: str, color: bool = False, **kw: Any) -> str:
    if fmt == "json":
        from tlsdoctor.report import json as json_renderer

        return json_renderer.render(report)
    if fmt == "terminal":
        from tlsdoctor.report import terminal

        return terminal.render(report, color=color, **kw)
    if fmt == "markdown":
        from tlsdoctor.report import markdown

        return markdown.render(report, **kw)
    if fmt == "html":
        from tlsdoctor.report import html

        return html.render(report, **kw)
    raise ValueError(f"unknown format {fmt!r}")
