"""Tying findings to the outcome they explain (a pure function, like the ranker).

A client that sent unknown_ca after the server's certificate explains nothing
by itself; the chain finding about the chain that client saw does.  After all
rules ran, :func:`link_outcomes` marks the FATAL chain and certificate findings
of a refused chain as explaining the failure, with the alert as evidence — the
chain from the same connection (a capture with certificates in the clear), or,
when the connection's certificates were not visible (TLS 1.3 without a key
log, a log that does not dump them), the chain a live check of the same server
saw.  ``alert.certificate-rejected`` stays the root cause only when nothing
else explains the refusal.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from tlsdoctor.model import Chain, Connection, Evidence, EvidenceItem, Finding, Severity, Where
from tlsdoctor.rules import transcripts as T
from tlsdoctor.rules.alert import client_rejections
from tlsdoctor.rules.context import scan_chains
from tlsdoctor.wire.names import alert_label

GENERIC_VERDICTS = {"cert.verify-failed", "alert.peer-fatal", "alert.certificate-rejected"}
"""Findings that say a certificate was refused without saying why."""


def _same_server(c: Connection, target: str, sni: str | None) -> bool:
    server = c.transcript.server if c.transcript is not None else None
    if server and server == target:
        return True
    return bool(sni and c.server_name and sni.lower() == c.server_name.lower())


def related_chains(e: Evidence, c: Connection) -> list[Chain]:
    """The chains the client of ``c`` was shown: its own, else a live check's of that server."""
    own = T.chain_of(e, c)
    if own is not None:
        return [own]
    out = []
    for s in e.scans:
        if _same_server(c, s.target, s.sni):
            out += scan_chains(e, s)
    return out


def link_outcomes(evidence: Evidence, findings: Sequence[Finding]) -> list[Finding]:
    out = list(findings)
    for c, alert, _prev in client_rejections(evidence):
        chains = related_chains(evidence, c)
        places: set[Where] = {cc.where for ch in chains for cc in ch.certs}
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
            # The chain finding says why; the client's own generic verdict
            # ("certificate verify failed") becomes corroboration.
            sources = {c.id, c.id.split("#", 1)[0]}
            if c.transcript is not None:
                sources.add(c.transcript.source)
            for i, f in enumerate(out):
                if f.id in GENERIC_VERDICTS and any(
                    item.where.source in sources for item in f.evidence
                ):
                    out[i] = dataclasses.replace(f, explains_outcome=False)
            continue
        why = (
            "; the chain passes tlsdoctor's checks, so the client trusts other roots or applies a stricter policy"
            if chains
            else "; the certificates were not visible here: pass --keylog, or check the server live (tlsdoctor check HOST) to see why"
        )
        for i, f in enumerate(out):
            if f.id == "alert.certificate-rejected" and any(
                item.where == note.where for item in f.evidence
            ):
                out[i] = dataclasses.replace(
                    f, severity=Severity.FATAL, explains_outcome=True, title=f.title + why
                )
    return out
