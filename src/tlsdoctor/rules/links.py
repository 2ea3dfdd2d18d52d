"""Tying findings to the outcome they explain (a pure function, like the ranker).

A client that sent unknown_ca after the server's certificate explains nothing
by itself; the chain finding about *that* connection's chain does.  After all
rules ran, :func:`link_outcomes` marks the FATAL chain and certificate findings
of a rejected chain as explaining the failure (with the alert as evidence), and
keeps ``alert.certificate-rejected`` as the root cause only when nothing else
explains the refusal.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from tlsdoctor.model import Connection, Evidence, EvidenceItem, Finding, Severity, Where
from tlsdoctor.rules import transcripts as T
from tlsdoctor.rules.alert import client_rejections
from tlsdoctor.wire.names import alert_label


def _chain_places(e: Evidence, c: Connection) -> set[Where]:
    chain = T.chain_of(e, c)
    return {cc.where for cc in chain.certs} if chain is not None else set()


def link_outcomes(evidence: Evidence, findings: Sequence[Finding]) -> list[Finding]:
    out = list(findings)
    for c, alert, _prev in client_rejections(evidence):
        places = _chain_places(evidence, c)
        desc = getattr(alert.message, "description", 0)
        note = EvidenceItem(
            T.where(c, alert), f"the client refused this chain: alert {alert_label(desc)}"
        )
        explained = False
        for i, f in enumerate(out):
            if f.severity is not Severity.FATAL or not (
                f.id.startswith("chain.") or f.id.startswith("cert.")
            ):
                continue
            if not any(item.where in places for item in f.evidence):
                continue
            out[i] = dataclasses.replace(f, explains_outcome=True, evidence=(*f.evidence, note))
            explained = True
        if explained:
            continue
        for i, f in enumerate(out):
            if f.id == "alert.certificate-rejected" and any(
                item.where == note.where for item in f.evidence
            ):
                out[i] = dataclasses.replace(
                    f,
                    severity=Severity.FATAL,
                    explains_outcome=True,
                    title=f.title
                    + "; the chain passes tlsdoctor's checks, so the client trusts other roots or applies a stricter policy",
                )
    return out
