"""What a rule is: id, severity, title, citation, ``applies()`` and ``check()``.

One rule, one concern, one citation, one test (STYLE.md, after zlint).  A rule
reads an :class:`~tlsdoctor.model.Evidence` and a
:class:`~tlsdoctor.clients.policy.Policy` and returns findings, or
:class:`~tlsdoctor.model.ProbeRequest` objects when it needs one more live
observation.  Rules never do I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tlsdoctor.clients.policy import Policy
from tlsdoctor.model import Evidence, Finding, ProbeRequest, Severity

Result = Finding | ProbeRequest


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    """The worst severity this rule reports."""
    title: str
    """One line: what the rule looks for."""
    cite: tuple[str, ...]
    check: Callable[[Evidence, Policy], Iterable[Result]]
    applies: Callable[[Evidence, Policy], bool] = field(default=lambda e, p: True)
    doc: str = ""
    """The long form, printed by ``tlsdoctor explain RULE-ID``."""
    area: str = ""
    ok: str = ""
    """Shown among the checks passed when the rule applied and found nothing."""
    needs: str = ""
    """Shown among the checks not possible when ``applies()`` is false."""


RULES: dict[str, Rule] = {}


def _cleandoc(doc: str) -> str:
    """A docstring without its common indentation (as ``inspect.cleandoc``, without
    importing ``inspect`` on every start)."""
    lines = doc.expandtabs().splitlines()
    if not lines:
        return ""
    rest = [ln for ln in lines[1:] if ln.strip()]
    margin = min((len(ln) - len(ln.lstrip()) for ln in rest), default=0)
    out = [lines[0].strip()] + [ln[margin:].rstrip() for ln in lines[1:]]
    while out and not out[-1]:
        out.pop()
    while out and not out[0]:
        out.pop(0)
    return "\n".join(out)


def rule(
    id: str,
    severity: Severity,
    title: str,
    cite: Iterable[str],
    applies: Callable[[Evidence, Policy], bool] | None = None,
    ok: str = "",
    needs: str = "",
    doc: str | None = None,
) -> Callable[[Callable[[Evidence, Policy], Iterable[Result]]], Rule]:
    """Register the decorated ``check`` function as a rule.

    The function's docstring is the rule's long documentation.
    """

    def register(fn: Callable[[Evidence, Policy], Iterable[Result]]) -> Rule:
        if id in RULES:
            raise ValueError(f"rule {id} registered twice")
        r = Rule(
            id=id,
            severity=severity,
            title=title,
            cite=tuple(cite),
            check=fn,
            applies=applies or (lambda e, p: True),
            doc=_cleandoc(doc if doc is not None else (fn.__doc__ or "")),
            area=id.split(".", 1)[0],
            ok=ok,
            needs=needs,
        )
        RULES[id] = r
        return r

    return register
