"""What the lab's manifests expect of a report, judged in one place (demo and tests)."""

from __future__ import annotations

from tlsdoctor.model import Report, Severity


def first_finding(report: Report) -> str | None:
    return report.findings[0].id if report.findings else None


def meets(report: Report, expected: str | None) -> bool:
    """The first finding is ``expected``; for None (a healthy case), no finding is a
    FATAL or a WARN."""
    if expected is None:
        return not any(f.severity >= Severity.WARN for f in report.findings)
    return first_finding(report) == expected
