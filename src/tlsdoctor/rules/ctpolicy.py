"""Certificate Transparency judged the way a client judges it (RFC 6962 §3; Apple and Chrome CT policies).

For a policy with ``ct_verify`` (every client profile), SCTs are verified
against the log list and counted by the client's CT policy
(:mod:`tlsdoctor.clients.ctpolicy`): from the certificate alone offline, from
all three sources on a live check.  Only chains that end at a publicly trusted
root are judged; roots you added yourself are exempt.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tlsdoctor.clients.policy import Policy
from tlsdoctor.model import Evidence, EvidenceItem, Finding, Fix, Severity, Where
from tlsdoctor.pki.sct import Sct, ocsp_scts, parse_sct_list
from tlsdoctor.rules.base import Result, rule
from tlsdoctor.rules.chain import verdict
from tlsdoctor.rules.context import chain_views, has_server_chain, judged_at

ORDER_CT = 68


def _applies(e: Evidence, p: Policy) -> bool:
    return p.ct_verify and p.ct_required and bool(p.ct_policy) and has_server_chain(e)


def delivered_scts(e: Evidence) -> dict[str, list[Sct]]:
    """SCTs the live check received, by source (``Evidence.facts["sct_lists"]``)."""
    raw: Any = e.facts.get("sct_lists") or {}
    out: dict[str, list[Sct]] = {}
    if not isinstance(raw, dict):
        return out
    for source, lists in raw.items():
        for data in lists or ():
            if source == "ocsp-response":
                out.setdefault("ocsp", []).extend(_ocsp_scts(bytes(data)))
                continue
            try:
                out.setdefault(str(source), []).extend(parse_sct_list(bytes(data), str(source)))
            except (ValueError, TypeError):
                continue
    return out


def _ocsp_scts(der: bytes) -> list[Sct]:
    """SCTs inside a stapled OCSP response's single extension (RFC 6962 §3.3)."""
    from cryptography.x509 import ocsp

    try:
        return ocsp_scts(ocsp.load_der_ocsp_response(der))
    except ValueError:
        return []


@rule(
    "ct.policy-not-met",
    Severity.FATAL,
    "The certificate's SCTs do not meet the client's Certificate Transparency policy",
    ["RFC 6962 §3.3", "Apple CT policy (support.apple.com/103214)", "Chrome CT policy"],
    applies=_applies,
    ok="Certificate Transparency: the client's CT policy is met, or not required (private root)",
)
def ct_policy(e: Evidence, p: Policy) -> Iterator[Result]:
    """Apple platforms and Chrome (and Firefox on desktop) refuse a certificate
    that chains to a public root unless enough valid SCTs come with it: how many
    depends on the certificate's lifetime and on where they come from (embedded,
    TLS extension, stapled OCSP), and they must come from distinct logs run by
    distinct operators. An SCT counts only when its signature verifies with the
    key of a log the client knows; one from an unknown log counts as none. The
    finding gives the counts by source and what the client's policy asks."""
    live = bool(e.scans) and any(s.transport is None for s in e.scans)
    # Loaded only when a client profile judges CT: the log list is a large file.
    from tlsdoctor.clients.ctpolicy import SOURCES, evaluate
    from tlsdoctor.pki.ctverify import check_all

    seen = SOURCES if live else ("certificate",)
    logs = e.ct_log_lists.get(p.ct_log_list)
    if logs is None:  # a caller that skipped engine.with_policy_data: a bug, not bad input
        raise LookupError(f"CT log list {p.ct_log_list!r} was not loaded for the rules")
    delivered = delivered_scts(e) if live else {}
    for v in chain_views(e, p):
        if not v.public or not v.best.trusted:
            continue
        leaf_cc = v.chain.certs[0]
        leaf = v.leaf_info()
        issuer = v.best.certs[1].cert if len(v.best.certs) > 1 else None
        at = judged_at(e, v.chain)
        checks = check_all(leaf_cc.cert, leaf_cc.der, issuer, delivered, logs, at)
        result = evaluate(p.ct_policy or "chrome", checks, leaf.lifetime_days)
        if result.status == "pass":
            continue
        scan = next((s for s in e.scans if s.saw(v.chain)), None) if live else None
        where = scan.where() if scan is not None else leaf_cc.where
        items = [EvidenceItem(where, f"SCTs by source: {result.counts_text(seen)}")]
        items += [EvidenceItem(where, c.describe()) for c in checks[:8]]
        items.append(EvidenceItem(Where(f"log list {logs.name}"), f"{len(logs.logs)} logs"))
        if not live:
            items.append(
                EvidenceItem(
                    leaf_cc.where,
                    "certificate files show only embedded SCTs; a live check also sees the TLS extension and OCSP",
                )
            )
        policy_name = "Apple's" if (p.ct_policy or "").startswith("apple") else "Chrome's"
        title = (
            f"{policy_name} Certificate Transparency policy is not met: it needs {result.needed}; "
            f"found {result.counts_text(seen)}"
        )
        if result.status == "unknown":
            yield Finding(
                id="ct.policy-not-met",
                severity=Severity.WARN,
                title="Certificate Transparency cannot be judged: " + result.reason,
                evidence=tuple(items),
                observed=False,
                clients={p.name: "unknown (SCTs from logs newer than the log list)"},
                refs=("RFC 6962 §3.3",),
                order=ORDER_CT,
            )
            continue
        yield Finding(
            id="ct.policy-not-met",
            severity=Severity.FATAL,
            title=title,
            explains_outcome=live,
            evidence=tuple(items),
            observed=live,
            clients=verdict(p, "ct.policy-not-met"),
            fixes=(
                Fix(
                    "general",
                    "Use a certificate from a public CA that embeds SCTs from distinct log operators "
                    "(all public CAs do by default), or serve SCTs in the TLS extension "
                    "(nginx: ssl_ct / openssl s_server -serverinfo).",
                ),
            ),
            refs=("RFC 6962 §3.3", "support.apple.com/103214"),
            order=ORDER_CT,
        )
