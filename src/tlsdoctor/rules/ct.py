"""Certificate Transparency on a live server (RFC 6962 §3.3; Chrome and Apple CT policies).

SCTs can reach a client three ways: embedded in the certificate, in the TLS
signed_certificate_timestamp extension, or inside a stapled OCSP response.
Only a live check sees all three.
"""

from __future__ import annotations

from collections.abc import Iterator

from tlsdoctor.clients.policy import Policy
from tlsdoctor.model import Connection, Evidence, EvidenceItem, Finding, Fix, Severity, Where
from tlsdoctor.rules.base import Result, rule
from tlsdoctor.rules.context import chain_views

SOURCES = ("certificate", "tls-extension", "ocsp")


def _scans(e: Evidence, p: Policy) -> bool:
    # A policy with ct_verify is judged by ct.policy-not-met instead.
    return any(s.transport is None and s.sct_counts for s in e.scans) and not p.ct_verify


def _log_scts(e: Evidence, p: Policy) -> bool:
    """A client's log that counts SCTs (``Connection.facts["sct_sources"]``)."""
    return any(isinstance(c.facts.get("sct_sources"), dict) for c in e.connections)


@rule(
    "ct.no-scts",
    Severity.FATAL,
    "A publicly trusted server gives no SCTs from any source",
    ["RFC 6962 §3.3", "Apple CT policy (HT205280)", "Chrome CT policy"],
    applies=lambda e, p: _scans(e, p) or _log_scts(e, p),
    ok="Certificate Transparency: SCTs present, or not required (private root)",
)
def no_scts(e: Evidence, p: Policy) -> Iterator[Result]:
    """Chrome and Apple platforms require SCTs for certificates that chain to a
    publicly trusted root. The live check counts them from the certificate,
    the TLS extension and the stapled OCSP response; none at all fails both —
    iOS logs "No TLS-provided SCTs" and NSURLSession reports -1200 / -9802.
    Roots you added yourself are exempt. From a client's log (an iOS console),
    the client itself says which sources held none and that its CT policy
    failed."""
    yield from _from_logs(e)
    views = [v for v in chain_views(e, p) if v.public and v.best.trusted]
    if not views:
        return
    for s in e.scans:
        counts = {k: int(s.sct_counts.get(k, 0)) for k in SOURCES}
        if sum(counts.values()) > 0:
            continue
        yield Finding(
            id="ct.no-scts",
            severity=Severity.FATAL,
            title="The certificate chains to a public root but the server provides no SCTs (none embedded, none in the TLS extension, none in a stapled OCSP response)",
            explains_outcome=True,
            evidence=tuple(
                EvidenceItem(s.where(), f"SCTs from {k}: {n}") for k, n in counts.items()
            ),
            clients={
                "chrome": "fails: NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED",
                "ios/macos": "fails: -1200 / -9802 (No TLS-provided SCTs)",
            },
            fixes=(
                Fix(
                    "general",
                    "Use a certificate from a CA that embeds SCTs (all public CAs do by default), or serve SCTs via the TLS extension.",
                ),
            ),
            refs=("RFC 6962 §3.3",),
            order=68,
        )


def log_shows_no_scts(c: Connection) -> bool:
    """The client's own log counts no SCT from any source, and its CT check
    failed (stated) or is the likely reason it distrusted the certificate."""
    counts = c.facts.get("sct_sources")
    if not isinstance(counts, dict) or any(int(v) > 0 for v in counts.values()):
        return False
    return bool(c.facts.get("ct_required") or c.facts.get("ct_suspected"))


def _from_logs(e: Evidence) -> Iterator[Result]:
    """The client's own log: no SCTs from the sources it names, and its CT check failed."""
    for c in e.connections:
        if not log_shows_no_scts(c):
            continue
        counts = c.facts["sct_sources"]
        stated = bool(c.facts.get("ct_required"))
        where = c.facts.get("no_tls_scts_line")
        w = where if isinstance(where, Where) else Where(c.id)
        items = [EvidenceItem(w, f"SCTs from {k}: 0") for k in SOURCES if k in counts]
        items.append(
            EvidenceItem(
                w,
                "the client's trust evaluation failed on Certificate Transparency"
                if stated
                else "the client distrusted the certificate with no other reason given",
            )
        )
        yield Finding(
            id="ct.no-scts",
            severity=Severity.FATAL,
            title="The client found no SCTs from any source (none in the TLS extension, none in a stapled OCSP response, none embedded) and its Certificate Transparency policy rejected the certificate",
            explains_outcome=True,
            observed=stated,
            evidence=tuple(items),
            clients={"ios/macos": "fails: -1200 / -9802 (No TLS-provided SCTs)"},
            fixes=(
                Fix(
                    "general",
                    "Use a certificate from a CA that embeds SCTs (all public CAs do by default), or serve SCTs via the TLS extension.",
                ),
            ),
            refs=("RFC 6962 §3.3",),
            order=8,  # the client's own stated reason: before the generic alert readings
        )
