"""The ranker: the finding that explains the outcome first, then by severity.

A pure function, tested on its own.  Order of keys:

1. ``explains_outcome``: the reason the observed handshake failed;
2. severity (FATAL, WARN, INFO);
3. ``order``: where in a client's checking the problem is met — a client that
   cannot build a path never gets to look at dates, so the missing intermediate
   comes before the expired leaf;
4. how many clients it fails (offline, the finding that fails the most clients);
5. the id, so the result is stable.
"""

from __future__ import annotations

from collections.abc import Iterable

from tlsdoctor.model import Finding


def _fails(f: Finding) -> int:
    return sum(1 for v in f.clients.values() if v.startswith("fails"))


def rank(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    unique: dict[tuple[str, str], Finding] = {}
    for f in findings:
        key = (f.id, f.title)
        old = unique.get(key)
        if old is None or (f.explains_outcome, f.severity) > (old.explains_outcome, old.severity):
            unique[key] = f
    return tuple(
        sorted(
            unique.values(),
            key=lambda f: (not f.explains_outcome, -int(f.severity), f.order, -_fails(f), f.id),
        )
    )
