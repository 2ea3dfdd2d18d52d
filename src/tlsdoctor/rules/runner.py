"""Running every rule on one Evidence under one Policy.

Rules are pure (no I/O); this loop collects what they return: findings,
requests for more live observations, the checks that passed and the inputs
that would have allowed more checks.
"""

from __future__ import annotations

from tlsdoctor.clients.policy import Policy
from tlsdoctor.model import Check, Evidence, Finding, ProbeRequest
from tlsdoctor.rules.base import RULES


def run_rules(
    evidence: Evidence, policy: Policy, offline: bool = True
) -> tuple[list[Finding], list[ProbeRequest], list[Check], list[Check]]:
    """Every rule on ``evidence``; ``offline`` lists inputs that would enable more checks."""
    findings: list[Finding] = []
    requests: list[ProbeRequest] = []
    passed: list[Check] = []
    not_checked: list[Check] = []
    oks: set[str] = set()  # one line per text: several rules may share one
    needs: set[str] = set()
    for r in RULES.values():
        if not r.applies(evidence, policy):
            if offline and r.needs and r.needs not in needs:
                needs.add(r.needs)
                not_checked.append(Check(r.id, r.needs))
            continue
        produced = False
        for item in r.check(evidence, policy):
            if isinstance(item, Finding):
                findings.append(item)
                produced = True
            else:
                requests.append(item)
        if not produced and r.ok and r.ok not in oks:
            oks.add(r.ok)
            passed.append(Check(r.id, r.ok))
    return findings, requests, passed, not_checked
