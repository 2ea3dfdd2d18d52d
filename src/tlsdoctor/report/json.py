"""JSON renderer: the report as a versioned, schema-checked document.

The schema lives beside this module (``schema/report.schema.json``); a test
validates every command's JSON output against it.  Secrets never reach the
document: any :class:`~tlsdoctor.model.Secret` found in facts renders as
``<redacted>``, and text shaped like a private key is removed.
"""

from __future__ import annotations

import base64
import enum
import json
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import datetime
from typing import Any

from tlsdoctor.model import (
    REDACTED,
    REPORT_SCHEMA_VERSION,
    Check,
    Finding,
    Report,
    Secret,
    Transcript,
)
from tlsdoctor.report.ladder import message_detail
from tlsdoctor.report.redact import scrub_values


def _plain(value: Any) -> Any:
    """Turn facts into JSON values; secrets become ``<redacted>``."""
    if isinstance(value, Secret):
        return REDACTED
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value if not isinstance(value, int) else int(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return str(value)


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id,
        "severity": f.severity.label,
        "title": f.title,
        "explains_outcome": f.explains_outcome,
        "observed": f.observed,
        "evidence": [
            {"source": e.where.source, "place": e.where.place, "fact": e.fact} for e in f.evidence
        ],
        "clients": dict(f.clients),
        "fixes": [{"target": x.target, "text": x.text, "snippet": x.snippet} for x in f.fixes],
        "refs": list(f.refs),
        "detail": f.detail,
    }


def _check(c: Check) -> dict[str, str]:
    return {"id": c.id, "text": c.text}


def _ladder(t: Transcript) -> dict[str, Any]:
    return {
        "source": t.source,
        "client": t.client,
        "server": t.server,
        "messages": [
            {
                "sender": m.sender.value,
                "name": m.name,
                "place": m.where.place if m.where else None,
                "encrypted": m.encrypted,
                "detail": message_detail(m),
            }
            for m in t.messages
        ],
        "unseen": list(t.unseen),
    }


def report_dict(report: Report) -> dict[str, Any]:
    root = report.root_cause
    worst = report.worst()
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "tool": {"name": "tlsdoctor", "version": report.tool_version},
        "command": report.command,
        "subject": report.subject,
        "sources": list(report.sources),
        "summary": report.summary,
        "root_cause": root.id if root else None,
        "worst_severity": worst.label if worst is not None else None,
        "findings": [finding_dict(f) for f in report.findings],
        "passed": [_check(c) for c in report.passed],
        "not_checked": [_check(c) for c in report.not_checked],
        "facts": _plain(report.facts),
        "ladders": [_ladder(t) for t in report.ladders],
    }


def render(report: Report) -> str:
    """The document, with anything shaped like a private key removed from each string
    (scrubbed value by value: a key cut short must not take the rest of the document)."""
    return json.dumps(scrub_values(report_dict(report)), indent=2, sort_keys=False) + "\n"
