"""``tlsdoctor explain TEXT``: what an error code or message means, as a Report.

Each catalog entry found in the text becomes one :class:`~tlsdoctor.model.Finding`
(id ``explain.<family>.<name>``, severity INFO so that a recognised text exits
0), titled with what the code means, with the matched spans as evidence, the
likely causes (most likely first) as detail, the next steps as fixes and the
source (``repo@tag:path``) as refs.  Structured match data for JSON consumers
goes into ``Report.facts``:

``matches``
    one object per mention: the span (offsets, line, column), how it was
    found, the chosen reading and every candidate reading, ranked;
``relations``
    how the readings relate ("-313 because alert 42 was received");
``families_searched``
    the families the catalog covers.

Text that matches nothing raises :class:`~tlsdoctor.errors.NotRecognisedError`
(exit 4) naming the families searched.  A text that is a rule id
(``chain.path-len-exceeded``) raises :class:`RuleIdText`, a subclass, so the
command line can show the rule's own documentation instead.
"""

from __future__ import annotations

import re
from typing import Any

from tlsdoctor import __version__
from tlsdoctor.catalog.index import Catalog, Entry, load
from tlsdoctor.catalog.lookup import LookupResult, Mention, Span, lookup
from tlsdoctor.errors import InputError, NotRecognisedError
from tlsdoctor.model import EvidenceItem, Finding, Fix, Report, Severity, Where

RULE_ID = re.compile(r"[a-z]+\.[a-z0-9-]+")
_SNIPPET = re.compile(r"`([^`]+)`")
SOURCE = "input"


class RuleIdText(NotRecognisedError):
    """The text is a rule id, not an error code or message."""

    def __init__(self, rule_id: str) -> None:
        super().__init__(f"'{rule_id}' is not in the error catalog; it looks like a rule id")
        self.rule_id = rule_id


def looks_like_rule_id(text: str, catalog: Catalog | None = None) -> bool:
    """True when ``text`` has the form of a rule id and is no catalog name."""
    t = text.strip()
    if not RULE_ID.fullmatch(t):
        return False
    cat = catalog if catalog is not None else load()
    return t.lower() not in cat.names


def families_searched(catalog: Catalog | None = None) -> list[str]:
    cat = catalog if catalog is not None else load()
    return [str(f["title"]) for f in cat.families.values()]


# ------------------------------------------------------------------ report


def _place(text: str, span: Span) -> str:
    line = text.count("\n", 0, span.start) + 1
    col = span.start - (text.rfind("\n", 0, span.start) + 1) + 1
    return f"line {line}, col {col}"


def _gloss(e: Entry) -> str:
    """What the name says, for an entry the catalog has no notes on."""
    words = e.name
    for sep in ("_R_", "_V_ERR_", "_ERR_", "_E_"):
        if sep in words:
            words = words.split(sep, 1)[1]
            break
    words = words.replace("_", " ").lower().strip()
    return f"“{words}” (tlsdoctor has no notes on this code yet)"


def _sentence(s: str) -> str:
    s = s.strip()
    s = s[:1].upper() + s[1:]
    return s if s.endswith((".", "!", "?")) else s + "."


def _title(e: Entry) -> str:
    meaning = e.meaning if e.meaning else _gloss(e)
    return f"{e.label}: {meaning}"


def _side_text(e: Entry) -> str | None:
    return {
        "peer": "Raised when the peer sends an alert or closes: the other side decided",
        "local": "Detected by this side's own checks",
        "either": "Raised on either side",
    }.get(e.side)


def _fixes(e: Entry) -> tuple[Fix, ...]:
    out = []
    for step in e.next:
        m = _SNIPPET.search(step)
        snippet = m.group(1) if m else None
        out.append(Fix(target="general", text=step.replace("`", ""), snippet=snippet))
    return tuple(out)


def _versions(e: Entry) -> str | None:
    if not e.codes:
        return f"versions: {', '.join(e.versions)}" if e.versions else None
    parts = [f"{c.display} in {', '.join(c.versions)}" for c in e.codes if c.versions]
    return "Where it holds: " + "; ".join(parts) if parts else None


def _entry_facts(e: Entry) -> dict[str, Any]:
    return {
        "id": e.id,
        "family": e.family,
        "library": e.library,
        "name": e.name,
        "aliases": list(e.aliases),
        "kind": e.kind,
        "code": e.display if e.codes else None,
        "codes": [
            {"value": c.value, "display": c.display, "versions": list(c.versions)} for c in e.codes
        ],
        "versions": list(e.versions),
        "side": e.side,
        "related": list(e.related),
        "sources": list(e.sources),
        "described": e.described,
    }


def _mention_facts(cat: Catalog, text: str, m: Mention) -> dict[str, Any]:
    line = text.count("\n", 0, m.span.start) + 1
    col = m.span.start - (text.rfind("\n", 0, m.span.start) + 1) + 1
    return {
        "span": {
            "start": m.span.start,
            "end": m.span.end,
            "text": m.span.text,
            "line": line,
            "column": col,
        },
        "how": m.how,
        "reading": _entry_facts(cat.entry(m.best.entry)),
        "candidates": [
            {
                "id": (h := cat.head(c.entry)).id,
                "library": h.library,
                "name": h.name,
                "code": h.display,
                "score": round(c.score, 2),
                "how": c.how,
                "note": c.note,
            }
            for c in m.candidates
        ],
    }


def _finding(
    cat: Catalog,
    text: str,
    e: Entry,
    spans: list[tuple[Mention, int]],
    result: LookupResult,
    first: bool,
) -> Finding:
    evidence = []
    others: list[str] = []
    for m, rank in spans:
        cand = m.candidates[rank]
        together = rank == 0 or (cand.group is not None and cand.group == m.best.group)
        reading = f"read as {e.label}" if together else f"could be {e.label}"
        if len(m.candidates) > 1 and result.bare:
            reading += f" (reading {rank + 1} of {len(m.candidates)})"
        note = f"; {cand.note}" if cand.note else ""
        evidence.append(
            EvidenceItem(Where(SOURCE, _place(text, m.span)), f"“{m.span.text}” {reading}{note}")
        )
        if not result.bare:
            for c in m.candidates[1:4]:
                alt = cat.head(c.entry)
                if alt.family != e.family or alt.name != e.name:
                    label = alt.label
                    if label not in others:
                        others.append(label)
    detail_parts = []
    if e.causes:
        causes = " ".join(f"({n}) {_sentence(c)}" for n, c in enumerate(e.causes, 1))
        detail_parts.append(f"Likely causes, most likely first: {causes}")
    side = _side_text(e)
    if side:
        detail_parts.append(side)
    versions = _versions(e)
    if versions:
        detail_parts.append(versions)
    for r in result.relations:
        if e.id in (r.source, r.target):
            detail_parts.append(f"in this text: {r.text}")
    if others:
        detail_parts.append("other readings: " + ", ".join(others))
    related = [cat.head_by_id(r) for r in e.related if not r.startswith("*")]
    names = [r.label for r in related if r is not None][:4]
    if names:
        detail_parts.append("related codes: " + ", ".join(names))
    return Finding(
        id=e.id,
        severity=Severity.INFO,
        title=_title(e),
        explains_outcome=first,
        evidence=tuple(evidence),
        observed=True,
        fixes=_fixes(e),
        refs=tuple(dict.fromkeys((*e.sources, *e.refs))),
        detail=" ".join(_sentence(p) for p in detail_parts) if detail_parts else None,
    )


def report_from(result: LookupResult, catalog: Catalog | None = None) -> Report:
    """The explain Report for a lookup result (raises NotRecognisedError if empty)."""
    cat = catalog if catalog is not None else load()
    text = result.text
    if not result.mentions:
        raise NotRecognisedError(
            "nothing in the text matches an error code or message in the catalog; searched: "
            + ", ".join(families_searched(cat))
        )
    # which entries to report, and the spans each rests on
    spans: dict[int, list[tuple[Mention, int]]] = {}
    score: dict[int, float] = {}
    first_pos: dict[int, int] = {}
    for m in result.mentions:
        if result.bare:
            chosen = list(range(len(m.candidates)))
        else:
            group = m.best.group
            chosen = [0] + [
                n for n, c in enumerate(m.candidates) if n and group and c.group == group
            ]
        for rank in chosen:
            c = m.candidates[rank]
            spans.setdefault(c.entry, []).append((m, rank))
            score[c.entry] = max(score.get(c.entry, -1e9), c.score)
            first_pos.setdefault(c.entry, m.span.start)
    entries = list(spans)
    if any(not cat.head(i).context_only for i in entries):
        entries = [i for i in entries if not cat.head(i).context_only]
    targets = {r.target for r in result.relations if r.explains}
    if result.bare:
        order = entries  # already ranked
    else:
        order = sorted(
            entries,
            key=lambda i: (
                0 if cat.head(i).id in targets else 1,
                0 if cat.head(i).described else 1,
                -score[i],
                first_pos[i],
            ),
        )
    findings = tuple(
        _finding(cat, text, cat.entry(i), spans[i], result, first=n == 0)
        for n, i in enumerate(order)
    )
    if result.relations:
        summary = "; ".join(r.text for r in result.relations) + "."
    elif (
        result.bare
        and len({c.group for c in result.mentions[0].candidates}) == 1
        and (result.mentions[0].best.group is not None)
    ):
        summary = f"“{text.strip()}” combines {len(findings)} codes: " + ", ".join(
            cat.head(i).label for i in order
        )
    elif result.bare and len(findings) > 1:
        summary = f"“{text.strip()}” has {len(findings)} readings in the catalog; likeliest first."
    else:
        libs = list(dict.fromkeys(cat.head(i).library for i in order))
        summary = f"Recognised {len(findings)} code(s) or message(s) from {', '.join(libs)}."
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    subject = first_line if len(first_line) <= 80 else first_line[:77] + "..."
    return Report(
        command="explain",
        findings=findings,
        sources=(SOURCE,),
        subject=subject,
        summary=summary,
        facts={
            "matches": [_mention_facts(cat, text, m) for m in result.mentions],
            "relations": [
                {"from": r.source, "to": r.target, "text": r.text} for r in result.relations
            ],
            "families_searched": families_searched(cat),
        },
        tool_version=__version__,
    )


def explain_text(text: str) -> Report:
    """Explain every error code and message in ``text`` (a code, a line, a whole log)."""
    if not text.strip():
        raise InputError("nothing to explain: give an error code or message, or '-' for stdin")
    cat = load()
    stripped = text.strip()
    own = cat.by_id(stripped)
    if own is not None:  # one of our own finding ids: explain.wolfssl.fatal-error
        text = own.name
    elif looks_like_rule_id(stripped, cat):
        raise RuleIdText(stripped)
    return report_from(lookup(text, cat), cat)
