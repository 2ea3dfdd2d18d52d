"""What a log's report shows besides findings: the connection table, the handshake
parameters of a success, and, for an unrecognised log, the catalog's readings.

Engine-side: it turns a source's :class:`~tlsdoctor.sources.logs.LogResult` into
report facts, a summary sentence and findings, which a source never builds.

Only plain values go into report facts (strings, numbers, lists, dicts), and
never a secret: errors are named by code and catalog name, lines by number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tlsdoctor.errors import NotRecognisedError
from tlsdoctor.model import Connection, EvidenceItem, Finding, Report, Severity, Where

if TYPE_CHECKING:  # pragma: no cover
    from tlsdoctor.sources.logs import LogResult


def _name(kind: str, code: int | None) -> str | None:
    if code is None:
        return None
    try:
        from tlsdoctor.wire import registry
        from tlsdoctor.wire.constants import version_name

        if kind == "version":
            return version_name(code)
        if kind == "suite":
            return registry.cipher_suite_name(code)
        return registry.group_name(code)
    except (ImportError, KeyError, ValueError):
        return f"0x{code:04x}"


def handshake_params(c: Connection) -> dict[str, Any]:
    """Version, suite, group, OCSP and SCT flags of one connection, as the log states them."""
    o = c.outcome
    stated = c.facts.get("params")
    params: dict[str, Any] = {}
    if o is not None:
        for key, kind, value in (
            ("version", "version", o.version),
            ("cipher_suite", "suite", o.cipher_suite),
            ("group", "group", o.group),
        ):
            name = _name(kind, value)
            if name is not None:
                params[key] = name
    if isinstance(stated, dict):
        for k, v in stated.items():
            if isinstance(v, str | int | bool) and k not in params:
                params[k] = v
    for fact, key in (("ocsp_stapled", "ocsp_stapled"), ("sct_in_handshake", "sct_in_handshake")):
        v = c.facts.get(fact)
        if isinstance(v, bool):
            params[key] = v
    return params


def _connection_row(c: Connection) -> dict[str, Any]:
    o = c.outcome
    row: dict[str, Any] = {
        "id": c.id,
        "side": c.log_side.value if c.log_side else None,
        "status": "ok"
        if o and o.completed
        else "failed"
        if o and o.completed is False
        else "unknown",
        "server_name": c.server_name,
        "messages": [
            f"{m.sender.value}:{m.name}" for m in (c.transcript.messages if c.transcript else ())
        ][:60],
        "parameters": handshake_params(c),
    }
    lines = c.facts.get("log_lines")
    if isinstance(lines, tuple) and len(lines) == 2:
        row["lines"] = [int(lines[0]), int(lines[1])]
    if o is not None:
        row["alerts"] = [
            {
                "from": a.sender.value,
                "level": a.level,
                "description": a.description,
                "after": a.after,
            }
            for a in o.alerts
        ]
        row["library_errors"] = [
            {
                "library": x.library,
                "code": x.code,
                "name": x.name,
                "text": x.text,
                "where": str(x.where) if x.where else None,
            }
            for x in o.library_errors
        ]
    if c.api_calls:
        row["api_calls"] = [n for n, _ in c.api_calls][:64]
    return row


def log_facts(result: LogResult) -> dict[str, Any]:
    """Report facts for ``tlsdoctor log``: the format, the connections, the success parameters."""
    ev = result.evidence
    facts: dict[str, Any] = {
        "log": {
            "format": result.format,
            "format_title": result.title,
            "detection": result.notes[0] if result.notes else None,
            "tried": list(result.tried),
            "lines": result.lines,
            "connections": [_connection_row(c) for c in ev.connections],
            "secrets_withheld": len(result.secrets),
        }
    }
    ok = [c for c in ev.connections if c.outcome is not None and c.outcome.completed]
    if ok and not any(
        c.outcome is not None and c.outcome.completed is False for c in ev.connections
    ):
        facts["handshake"] = handshake_params(ok[-1])
    return facts


def success_summary(result: LogResult) -> str | None:
    """ "The handshake in this log succeeded: TLS 1.3, ..." when every connection did."""
    conns = result.evidence.connections
    if not conns or not all(c.outcome is not None and c.outcome.completed for c in conns):
        return None
    p = handshake_params(conns[-1])
    parts = [str(p[k]) for k in ("version", "cipher_suite", "group") if k in p]
    flags = []
    if "ocsp_stapled" in p:
        flags.append("OCSP stapled: " + ("yes" if p["ocsp_stapled"] else "no"))
    if "sct_in_handshake" in p:
        flags.append("SCTs in the handshake: " + ("yes" if p["sct_in_handshake"] else "no"))
    n = len(conns)
    head = (
        "The handshake in this log succeeded"
        if n == 1
        else f"All {n} handshakes in this log succeeded"
    )
    tail = ", ".join(parts)
    return head + (f": {tail}" if tail else "") + (f" ({'; '.join(flags)})" if flags else "") + "."


def unknown_findings(result: LogResult) -> tuple[Finding, ...]:
    """One INFO finding per catalog entry the error-looking lines of an unrecognised log name."""
    by_entry: dict[str, list[Any]] = {}
    for r in result.explained:
        by_entry.setdefault(r.entry_id, []).append(r)
    out = []
    for entry_id, readings in by_entry.items():
        first = readings[0]
        title = first.label + (f": {first.meaning}" if first.meaning else "")
        out.append(
            Finding(
                id=entry_id,
                severity=Severity.INFO,
                title=title,
                evidence=tuple(
                    EvidenceItem(
                        Where(result.name, f"line {r.line}"),
                        f"\u201c{r.span}\u201d read as {r.label}",
                    )
                    for r in readings[:5]
                ),
            )
        )
    return tuple(out)


class UnknownLogFormat(NotRecognisedError):
    """No format recognised (exit 4); ``report`` holds the catalog's readings of
    the error-looking lines, so the command can still show them."""

    def __init__(self, message: str, report: Report, result: LogResult) -> None:
        super().__init__(message)
        self.report = report
        self.result = result
