"""What every renderer shows the same way: the rows of a table, the checks
passed, the count of findings per severity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tlsdoctor.model import Report, Severity

TABLE_ROWS = 200
"""Rows of ``facts["table"]`` a renderer shows; the JSON document holds them all."""


def table_rows(table: Mapping[str, Any]) -> tuple[Sequence[Any], str | None]:
    """The rows to show and, when some are left out, the note that says so."""
    rows = table["rows"]
    more = len(rows) - TABLE_ROWS
    return rows[:TABLE_ROWS], (
        f"… and {more} more (all of them in --format json)" if more > 0 else None
    )


def passed_texts(report: Report) -> list[str]:
    """The checks passed, each text once, in report order."""
    return list(dict.fromkeys(c.text for c in report.passed))


def severity_counts(report: Report) -> dict[Severity, int]:
    return {s: sum(1 for f in report.findings if f.severity is s) for s in Severity}
