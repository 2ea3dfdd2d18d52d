"""Terminal renderer: root cause first, in the manner of rustc and ruff.

::

    fatal[chain.incomplete]: The server does not send the intermediate ...
      --> chain.pem:cert[0]: issued by 'Dev Int' (key id 3A:..)
       = clients: chrome fails: NET::ERR_CERT_AUTHORITY_INVALID
      help: add the intermediate to the served chain
         | cat leaf.pem intermediate.pem > fullchain.pem

then the other findings, the checks passed and what could not be checked.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from tlsdoctor.model import Finding, Report, Severity
from tlsdoctor.report.common import passed_texts, severity_counts, table_rows
from tlsdoctor.report.ladder import ladder_lines

_STYLE = {Severity.FATAL: "bold red", Severity.WARN: "bold yellow", Severity.INFO: "bold cyan"}


def _line(console: Console, *parts: str | tuple[str, str]) -> None:
    """Print plain text pieces, styled pieces as (text, style); never markup."""
    console.print(Text.assemble(*parts), highlight=False)


def _finding(console: Console, f: Finding, first: bool) -> None:
    style = _STYLE[f.severity]
    _line(
        console,
        (f.severity.label, style),
        (f"[{f.id}]", "bold"),
        ": ",
        (f.title, "bold") if first else f.title,
    )
    for item in f.evidence:
        _line(console, ("  --> ", "blue"), f"{item.where}: {item.fact}")
    if f.detail:
        _line(console, ("   = ", "blue"), f"why: {f.detail}")
    if not f.observed:
        _line(
            console, ("   = ", "blue"), "note: inferred from the facts above, not observed directly"
        )
    for client, verdict in f.clients.items():
        _line(console, ("   = ", "blue"), f"{client}: {verdict}")
    for fix in f.fixes:
        target = "" if fix.target == "general" else f" ({fix.target})"
        _line(console, ("  help", "bold green"), f"{target}: {fix.text}")
        if fix.snippet:
            for snippet_line in fix.snippet.splitlines():
                _line(console, ("     | ", "green"), snippet_line)
    if f.refs:
        _line(console, ("   = ", "blue"), f"see: {', '.join(f.refs)}")
    console.print()


def _table(console: Console, table: Mapping[str, Any]) -> None:
    from rich.table import Table

    t = Table(
        title=table.get("title"), title_justify="left", show_lines=False, box=None, pad_edge=False
    )
    for i, col in enumerate(table["columns"]):
        t.add_column(str(col), overflow="fold", no_wrap=i < 2)
    rows, more = table_rows(table)
    for row in rows:
        t.add_row(*(str(x) for x in row))
    console.print(t)
    if more:
        console.print(f"[dim]{escape(more)}[/]")
    console.print()


def _client_matrix(console: Console, report: Report) -> None:
    """The per-client verdicts (``facts["clients"]``) as a compact table."""
    data = report.facts.get("clients")
    rows = data.get("matrix") if isinstance(data, dict) else None
    if not rows:
        return
    width = max(len(str(r.get("client", ""))) for r in rows)
    console.print("[bold]clients:[/]")
    for r in rows:
        ok = r.get("verdict") == "pass"
        mark = (
            ("pass", "bold green")
            if ok
            else ("FAIL", "bold red")
            if r.get("verdict") == "fail"
            else ("?", "bold yellow")
        )
        reason = str(r.get("reason", ""))
        if not ok and r.get("error"):
            reason = f"{r['error']} — {reason}"
        _line(console, f"  {r.get('client', '')!s:<{width}} ", mark, f"  {reason}")
        exc = r.get("ats_exceptions") or {}
        if exc and not ok:
            keys = ", ".join(f"{k}={v}" for k, v in exc.items())
            _line(
                console,
                f"  {'':<{width}}       ",
                ("ATS exceptions that would allow it: ", "dim"),
                keys,
            )
    console.print()


def render(report: Report, color: bool = False, width: int | None = None, **_: Any) -> str:
    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=color,
        no_color=not color,
        width=width or 100,
        highlight=False,
        soft_wrap=True,
    )
    if report.subject:
        console.print(f"[dim]tlsdoctor {escape(report.command)}: {escape(report.subject)}[/]")
    if report.summary:
        console.print(escape(report.summary))
    console.print()
    inputs = report.facts.get("inputs")
    if inputs:
        for line in inputs:
            _line(console, ("  read: ", "dim"), str(line))
        console.print()
    table = report.facts.get("table")
    if table:
        _table(console, table)
    if not report.findings:
        console.print("[bold green]no problems found[/]")
        console.print()
        _client_matrix(console, report)
    for i, f in enumerate(report.findings):
        if i == 1:
            console.print("[dim]also found:[/]")
            console.print()
        _finding(console, f, first=i == 0)
        if i == 0:
            _client_matrix(console, report)
    for t in report.ladders:
        console.print(f"[bold]handshake[/] {escape(t.source)}")
        for line in ladder_lines(t):
            console.print(escape(line), highlight=False)
        console.print()
    if report.passed:
        texts = passed_texts(report)
        console.print(f"[bold]checked and fine ({len(texts)}):[/]")
        console.print(Text("  " + "; ".join(texts) + "."), highlight=False)
        console.print()
    if report.not_checked:
        console.print("[bold]could not check:[/]")
        for c in report.not_checked:
            console.print(f"  [yellow]--[/] {escape(c.text)}")
        console.print()
    counts = severity_counts(report)
    console.print(
        f"[dim]{counts[Severity.FATAL]} fatal, {counts[Severity.WARN]} warning(s), "
        f"{counts[Severity.INFO]} note(s)[/]"
    )
    return buf.getvalue()
