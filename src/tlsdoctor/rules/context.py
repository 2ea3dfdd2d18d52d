"""Facts several rules share, computed once per (evidence, chain, policy).

Path building verifies signatures; a dozen chain and certificate rules read its
result.  :func:`analysis` memoises it for the lifetime of one Evidence object.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime

from tlsdoctor.clients.policy import Policy
from tlsdoctor.model import Chain, Evidence, EvidenceItem, ServerScan, Side, Where
from tlsdoctor.pki.certinfo import CertInfo, info, now
from tlsdoctor.pki.paths import Analysis, Path, analyse
from tlsdoctor.pki.trust import TrustStore


@dataclass
class ChainView:
    chain: Chain
    analysis: Analysis
    store: TrustStore

    @property
    def best(self) -> Path:
        return self.analysis.best

    @property
    def public(self) -> bool:
        return bool(self.analysis.public)

    def where(self, path_index: int) -> Where:
        """Where the certificate at ``path_index`` on the best path came from."""
        pc = self.best.certs[path_index]
        if pc.served_index is not None:
            return self.chain.certs[pc.served_index].where
        anchor = self.best.anchor
        return Where(anchor.origin if anchor else "trust store", f"root '{pc.info.name}'")

    def item(self, path_index: int, fact: str) -> EvidenceItem:
        return EvidenceItem(self.where(path_index), fact)

    def leaf_info(self) -> CertInfo:
        return info(self.analysis.leaf)


_STORES: dict[tuple[str, tuple[bytes, ...]], TrustStore] = {}
_VIEWS: weakref.WeakKeyDictionary[Evidence, dict[tuple[int, str], ChainView]] = (
    weakref.WeakKeyDictionary()
)


def store_for(evidence: Evidence, policy: Policy) -> TrustStore:
    anchors = tuple(info(a.cert).fingerprint for a in evidence.private_anchors)
    key = (policy.trust_store, anchors)
    hit = _STORES.get(key)
    if hit is not None:
        return hit
    base = evidence.trust_stores.get(policy.trust_store)
    if base is None:  # a caller that skipped engine.with_policy_data: a bug, not bad input
        raise LookupError(f"trust store {policy.trust_store!r} was not loaded for the rules")
    store = base.with_private((a.cert for a in evidence.private_anchors), "--ca")
    if len(_STORES) > 64:
        _STORES.clear()
    _STORES[key] = store
    return store


def judged_at(evidence: Evidence, chain: Chain) -> datetime:
    return chain.at or evidence.at or now()


def server_chains(evidence: Evidence) -> list[Chain]:
    return [c for c in evidence.chains if c.role is Side.SERVER and c.certs]


def has_server_chain(evidence: Evidence, policy: Policy | None = None) -> bool:
    """A server chain to judge (the ``applies`` of the chain and certificate rules).

    Client certificate chains do not count: :func:`chain_views` does not look at them.
    """
    return any(c.role is Side.SERVER and c.certs for c in evidence.chains)  # no list built


def scan_chains(evidence: Evidence, scan: ServerScan) -> list[Chain]:
    """The chains a live check of ``scan``'s server received."""
    return [c for c in evidence.chains if scan.saw(c)]


def view(evidence: Evidence, chain: Chain, policy: Policy) -> ChainView:
    per_ev = _VIEWS.get(evidence)
    if per_ev is None:
        per_ev = {}
        _VIEWS[evidence] = per_ev
    key = (id(chain), policy.trust_store)
    hit = per_ev.get(key)
    if hit is not None:
        return hit
    store = store_for(evidence, policy)
    served = [cc.cert for cc in chain.certs]
    v = ChainView(chain, analyse(served, store, judged_at(evidence, chain)), store)
    per_ev[key] = v
    return v


_ALL: weakref.WeakKeyDictionary[Evidence, dict[str, list[ChainView]]] = weakref.WeakKeyDictionary()


def chain_views(evidence: Evidence, policy: Policy) -> list[ChainView]:
    """Views of every server chain in ``evidence`` (memoised per trust store)."""
    per_ev = _ALL.get(evidence)
    if per_ev is None:
        per_ev = {}
        _ALL[evidence] = per_ev
    hit = per_ev.get(policy.trust_store)
    if hit is None:
        hit = [view(evidence, c, policy) for c in server_chains(evidence)]
        per_ev[policy.trust_store] = hit
    return hit


def host_for(evidence: Evidence, chain: Chain) -> str | None:
    """The name the client wanted when it got ``chain``: the SNI of the
    connection that carried it, else the evidence's host."""
    for c in evidence.connections:
        if c.id == chain.source and c.server_name:
            return c.server_name
    return evidence.host
