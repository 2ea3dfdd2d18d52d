"""Apple's and Chrome's Certificate Transparency policies: how many SCTs, from whom.

Apple (support.apple.com/103214): at least two SCTs from once- or currently
approved logs, and either two from currently approved logs with one delivered
by the TLS extension or a stapled OCSP response, or at least one embedded SCT
and as many embedded SCTs from distinct logs as the certificate's lifetime asks
(180 days or less: 2, at most 1 per operator counting; 181 to 398 days: 3, at
most 2 per operator).  ``apple-2018`` is the policy's earlier table, for
certificates issued before 2021-04-21: 2 / 3 / 4 / 5 embedded SCTs for
lifetimes under 15 / 27 / 39 / over 39 months.  Which table applies is the
profile's choice (its ``ct_policy``), not worked out from the issue date.

Chrome (googlechrome.github.io/CertificateTransparency/ct_policy.html):
embedded SCTs from distinct logs, 2 for lifetimes up to 180 days and 3 beyond,
or 2 SCTs delivered by TLS or OCSP; either way from at least two distinct log
operators.

Only SCTs whose signature verifies against a known log count
(:mod:`tlsdoctor.pki.ctverify`); an SCT from a log the list does not know
counts as none.  Pure functions: no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from tlsdoctor.pki.ctverify import SctCheck

SOURCES = ("certificate", "tls-extension", "ocsp")
SOURCE_LABEL = {"certificate": "embedded", "tls-extension": "TLS extension", "ocsp": "OCSP staple"}
CURRENT = frozenset({"usable", "qualified", "readonly"})
ONCE = CURRENT | {"retired"}


@dataclass(frozen=True)
class CtVerdict:
    status: str
    """"pass", "fail" or "unknown" (an SCT is from a log newer than the list)."""
    reason: str
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Source -> (SCTs seen, SCTs that count)."""
    needed: str = ""

    def counts_text(self, seen: Sequence[str] = SOURCES) -> str:
        parts = []
        for s in SOURCES:
            total, valid = self.counts.get(s, (0, 0))
            label = SOURCE_LABEL[s]
            if s not in seen:
                parts.append(f"{label}: not seen")
            elif total == valid:
                parts.append(f"{label}: {valid}")
            else:
                parts.append(f"{label}: {valid} valid of {total}")
        return ", ".join(parts)


def _counts(checks: Sequence[SctCheck]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for s in SOURCES:
        mine = [c for c in checks if c.source == s]
        out[s] = (len(mine), sum(1 for c in mine if c.counts))
    return out


def _distinct_logs(checks: Sequence[SctCheck], states: frozenset[str]) -> list[SctCheck]:
    seen: set[bytes] = set()
    out = []
    for c in checks:
        if c.counts and c.log is not None and c.log.state in states and c.log_id not in seen:
            seen.add(c.log_id)
            out.append(c)
    return out


def _capped(checks: Sequence[SctCheck], per_operator: int) -> int:
    per: Counter[str] = Counter()
    n = 0
    for c in checks:
        op = c.log.operator if c.log else "?"
        if per[op] < per_operator:
            per[op] += 1
            n += 1
    return n


def _apple_embedded_needed(policy: str, lifetime_days: float) -> tuple[int, int]:
    """(SCTs needed, maximum counted per operator)."""
    if policy == "apple-2018":
        months = lifetime_days / 30.4375
        n = 2 if months < 15 else 3 if months < 27 else 4 if months < 39 else 5
        return n, n
    return (2, 1) if lifetime_days <= 180 else (3, 2)


def evaluate(policy: str, checks: Sequence[SctCheck], lifetime_days: float) -> CtVerdict:
    """Does this certificate's set of SCTs meet ``policy`` ("apple", "apple-2018", "chrome")?"""
    counts = _counts(checks)
    if policy.startswith("apple"):
        verdict = _apple(policy, checks, lifetime_days, counts)
    else:
        verdict = _chrome(checks, lifetime_days, counts)
    if verdict.status == "fail" and any(c.status == "newer-than-list" for c in checks):
        return CtVerdict(
            "unknown",
            verdict.reason
            + "; some SCTs come from logs newer than the log list snapshot, so they cannot be judged (pass --ct-logs with a current list)",
            counts,
            verdict.needed,
        )
    return verdict


def _apple(
    policy: str, checks: Sequence[SctCheck], lifetime: float, counts: dict[str, tuple[int, int]]
) -> CtVerdict:
    once = _distinct_logs(checks, ONCE)
    current = _distinct_logs(checks, CURRENT)
    delivered_current = [c for c in current if c.source != "certificate"]
    embedded_once = [c for c in once if c.source == "certificate"]
    embedded_current = [c for c in current if c.source == "certificate"]
    n, cap = _apple_embedded_needed(policy, lifetime)
    needed = (
        f"at least 2 SCTs, with one delivered by the TLS extension or OCSP; or {n} embedded SCTs "
        f"from distinct logs for a {lifetime:.0f}-day certificate"
        + (f" (at most {cap} counted per log operator)" if cap < n else "")
    )
    if len(once) >= 2 and len(current) >= 2 and delivered_current:
        return CtVerdict(
            "pass",
            f"{len(current)} valid SCTs, {len(delivered_current)} delivered in the handshake",
            counts,
            needed,
        )
    if embedded_current and _capped(embedded_once, cap) >= n and len(once) >= 2:
        return CtVerdict(
            "pass",
            f"{len(embedded_once)} valid embedded SCTs from distinct logs (needs {n})",
            counts,
            needed,
        )
    valid = sum(v for _, v in counts.values())
    return CtVerdict(
        "fail", f"Apple's CT policy needs {needed}; valid SCTs: {valid}", counts, needed
    )


def _chrome(
    checks: Sequence[SctCheck], lifetime: float, counts: dict[str, tuple[int, int]]
) -> CtVerdict:
    n = 2 if lifetime <= 180 else 3
    needed = (
        f"{n} embedded SCTs from distinct logs for a {lifetime:.0f}-day certificate, or 2 SCTs "
        "delivered by the TLS extension or OCSP; from at least 2 distinct log operators"
    )
    embedded = _distinct_logs([c for c in checks if c.source == "certificate"], ONCE)
    delivered = _distinct_logs([c for c in checks if c.source != "certificate"], CURRENT)
    for group, want in ((embedded, n), (delivered, 2)):
        operators = {c.log.operator for c in group if c.log}
        if len(group) >= want and len(operators) >= 2:
            return CtVerdict(
                "pass",
                f"{len(group)} valid SCTs from {len(operators)} log operators",
                counts,
                needed,
            )
    valid = sum(v for _, v in counts.values())
    ops = {c.log.operator for c in (*embedded, *delivered) if c.log}
    detail = f"; valid SCTs: {valid} from {len(ops)} operator(s)"
    return CtVerdict("fail", f"Chrome's CT policy needs {needed}{detail}", counts, needed)
