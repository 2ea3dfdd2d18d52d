"""Markdown renderer: a report made to paste into an issue or a forum post.

Summary first, then each finding (evidence as a list, fixes with their
snippets as code blocks), the handshake ladder as a code block, what passed and
what could not be checked, and the tool version.  Host names and addresses are
replaced with placeholders unless ``keep_names`` (``--keep-names``); anything
shaped like a private key is removed; secrets were never in the report.
"""

from __future__ import annotations

import platform
from typing import Any

from tlsdoctor.model import Finding, Report, Severity
from tlsdoctor.report.common import passed_texts, severity_counts, table_rows
from tlsdoctor.report.ladder import ladder_lines
from tlsdoctor.report.redact import anonymise

_BADGE = {Severity.FATAL: "🔴 fatal", Severity.WARN: "🟠 warning", Severity.INFO: "🔵 note"}


def _esc(text: str) -> str:
    """Escape Markdown-active characters in running text."""
    out = text.replace("\\", "\\\\")
    for ch in "`*_[]<>|":
        out = out.replace(ch, "\\" + ch)
    return out


def _fence(text: str, lang: str = "") -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{lang}\n{text.rstrip()}\n{fence}"


def _finding(f: Finding, first: bool) -> list[str]:
    lines = [f"### {'Root cause: ' if first else ''}{_esc(f.title)}", ""]
    lines.append(
        f"`{f.id}` · {_BADGE[f.severity]}"
        + (" · explains the failure" if f.explains_outcome else "")
        + ("" if f.observed else " · inferred")
    )
    lines.append("")
    if f.evidence:
        lines.append("**Evidence**")
        lines.append("")
        for e in f.evidence:
            where = f"`{e.where}`" if e.where else ""
            lines.append(f"- {where} {_esc(e.fact)}".replace("  ", " "))
        lines.append("")
    if f.detail:
        lines += [f"_Why:_ {_esc(f.detail)}", ""]
    if f.clients:
        lines += ["| client | verdict |", "| --- | --- |"]
        lines += [f"| {_esc(c)} | {_esc(v)} |" for c, v in f.clients.items()]
        lines.append("")
    if f.fixes:
        lines.append("**Fix**")
        lines.append("")
        for fx in f.fixes:
            target = "" if fx.target == "general" else f" ({fx.target})"
            lines.append(f"- {_esc(fx.text)}{target}")
            if fx.snippet:
                lang = {
                    "nginx": "nginx",
                    "apache": "apache",
                    "openssl": "sh",
                    "python": "python",
                    "java": "java",
                }.get(fx.target, "")
                lines.append("")
                lines += ["  " + x for x in _fence(fx.snippet, lang).splitlines()]
                lines.append("")
        lines.append("")
    if f.refs:
        lines += [f"See: {_esc(', '.join(f.refs))}", ""]
    return lines


def render(report: Report, keep_names: bool = False, **_: Any) -> str:
    lines = [f"## TLS diagnosis: {_esc(report.subject or report.command)}", ""]
    if report.summary:
        lines += [f"**{_esc(report.summary)}**", ""]
    inputs = report.facts.get("inputs")
    if inputs:
        lines += ["**Evidence read**", ""] + [f"- {_esc(str(x))}" for x in inputs] + [""]
    table = report.facts.get("table")
    if table:
        rows, more = table_rows(table)
        lines += [f"**{_esc(str(table.get('title', '')))}**", ""]
        lines.append("| " + " | ".join(_esc(str(c)) for c in table["columns"]) + " |")
        lines.append("| " + " | ".join("---" for _ in table["columns"]) + " |")
        lines += ["| " + " | ".join(_esc(str(x)) for x in row) + " |" for row in rows]
        lines.append("")
        if more:
            lines += [f"_{_esc(more)}_", ""]
    if not report.findings:
        lines += ["No problems found.", ""]
    for i, f in enumerate(report.findings):
        if i == 1:
            lines += ["## Also found", ""]
        lines += _finding(f, i == 0)
    for t in report.ladders:
        lines += [f"## Handshake ({_esc(t.source)})", "", _fence("\n".join(ladder_lines(t))), ""]
    if report.passed:
        lines += ["<details><summary>Checked and fine</summary>", ""]
        lines += [f"- {_esc(text)}" for text in passed_texts(report)]
        lines += ["", "</details>", ""]
    if report.not_checked:
        lines += ["## Could not check", ""]
        lines += [f"- {_esc(c.text)}" for c in report.not_checked]
        lines.append("")
    counts = severity_counts(report)
    lines += [
        "---",
        "",
        "| tool | version |",
        "| --- | --- |",
        f"| tlsdoctor | {report.tool_version} |",
        f"| Python | {platform.python_version()} |",
        "",
        f"_{counts[Severity.FATAL]} fatal, {counts[Severity.WARN]} warnings, {counts[Severity.INFO]} notes. "
        + (
            "Host names and addresses replaced; run with --keep-names to keep them."
            if not keep_names
            else ""
        )
        + "_",
        "",
    ]
    return anonymise("\n".join(lines), report, keep_names)
